//! Gosuslugi logins (single-use states) and links (sealed personal data).

use kvrachu_bot::domain::{BirthDate, PolicyNumber, Sex};
use kvrachu_bot::esia::{AccountLevel, EsiaKid, EsiaLink, LOGIN_TTL_SECONDS};
use kvrachu_bot::i18n::Lang;
use kvrachu_bot::store::{Aad, DataKey, EsiaLogin, Store};

use crate::both_backends;

const NOW: i64 = 1_764_000_000;

pub(crate) fn link() -> EsiaLink {
    EsiaLink {
        oid: "1000299654".into(),
        level: AccountLevel::Confirmed,
        person: kvrachu_bot::esia::EsiaPerson {
            full_name: "Иванова Анна Сергеевна".into(),
            birth_date: Some(BirthDate::from_esia("12.03.1988").unwrap()),
            sex: Some(Sex::Female),
            policy: Some(PolicyNumber::parse_new("3841500000012340").unwrap()),
        },
        insurer: Some("СОГАЗ-МЕД".into()),
        attachment: None,
        kids: vec![
            EsiaKid {
                esia_id: Some("7001".into()),
                person: kvrachu_bot::esia::EsiaPerson {
                    full_name: "Иванова Мария Ивановна".into(),
                    birth_date: Some(BirthDate::from_esia("01.12.2015").unwrap()),
                    sex: Some(Sex::Female),
                    policy: Some(PolicyNumber::parse_old("ИРК", "123456").unwrap()),
                },
            },
            EsiaKid {
                esia_id: None,
                person: kvrachu_bot::esia::EsiaPerson {
                    full_name: "Иванов Пётр Иванович".into(),
                    birth_date: None,
                    sex: None,
                    policy: None,
                },
            },
        ],
        linked_at: NOW,
        updated_at: NOW,
    }
}

both_backends!(
    a_login_state_is_a_fresh_uuid_that_works_once,
    |store: Store, _url: String, _key: DataKey| async move {
        let a = store.start_esia_login(1, Lang::En, NOW).await.unwrap();
        let b = store.start_esia_login(1, Lang::En, NOW).await.unwrap();
        assert_ne!(a, b);
        assert_eq!(uuid::Uuid::parse_str(&a).unwrap().get_version_num(), 4);
        assert_eq!(
            store.consume_esia_login(&a, NOW + 5).await.unwrap(),
            Some(EsiaLogin {
                user_id: 1,
                lang: Lang::En
            })
        );
        // Reuse is refused, even a second later.
        assert_eq!(store.consume_esia_login(&a, NOW + 6).await.unwrap(), None);
        // The other state is still good.
        assert!(store
            .consume_esia_login(&b, NOW + 7)
            .await
            .unwrap()
            .is_some());
    }
);

both_backends!(
    a_login_state_expires_after_ten_minutes,
    |store: Store, _url: String, _key: DataKey| async move {
        let state = store.start_esia_login(1, Lang::Ru, NOW).await.unwrap();
        assert_eq!(
            store
                .consume_esia_login(&state, NOW + LOGIN_TTL_SECONDS)
                .await
                .unwrap(),
            None
        );
        let state = store.start_esia_login(1, Lang::Ru, NOW).await.unwrap();
        assert!(store
            .consume_esia_login(&state, NOW + LOGIN_TTL_SECONDS - 1)
            .await
            .unwrap()
            .is_some());
    }
);

both_backends!(
    forged_states_are_refused,
    |store: Store, _url: String, _key: DataKey| async move {
        store.start_esia_login(1, Lang::Ru, NOW).await.unwrap();
        for forged in [
            "",
            "x",
            "' OR 1=1 --",
            &uuid::Uuid::new_v4().to_string(),
            "00000000-0000-0000-0000-000000000000",
        ] {
            assert_eq!(
                store.consume_esia_login(forged, NOW).await.unwrap(),
                None,
                "{forged}"
            );
        }
    }
);

both_backends!(
    a_link_round_trips_sealed,
    |store: Store, url: String, _key: DataKey| async move {
        assert_eq!(store.esia_link(5).await.unwrap(), None);
        store.save_esia_link(5, &link()).await.unwrap();
        assert_eq!(store.esia_link(5).await.unwrap(), Some(link()));
        assert_eq!(store.esia_refresh_token(5).await.unwrap(), None);
        keep_legacy_refresh_token(&store, &url, 5, "refresh-token-value").await;
        assert_eq!(
            store.esia_refresh_token(5).await.unwrap().as_deref(),
            Some("refresh-token-value")
        );

        // Relinking replaces the data; linked_at stays the first one.
        let mut again = link();
        again.level = AccountLevel::NotConfirmed;
        again.kids.clear();
        again.linked_at = NOW + 100;
        again.updated_at = NOW + 100;
        store.save_esia_link(5, &again).await.unwrap();
        let stored = store.esia_link(5).await.unwrap().unwrap();
        assert_eq!(stored.level, AccountLevel::NotConfirmed);
        assert!(stored.kids.is_empty());
        assert_eq!(stored.linked_at, NOW);
        assert_eq!(stored.updated_at, NOW + 100);
        assert_eq!(store.esia_refresh_token(5).await.unwrap(), None);

        // Nothing personal is stored in the clear.
        store.save_esia_link(6, &link()).await.unwrap();
        keep_legacy_refresh_token(&store, &url, 6, "refresh-token-value").await;
        let dump = dump_links(&url).await;
        for secret in [
            "Иванова",
            "3841500000012340",
            "1988-03-12",
            "СОГАЗ",
            "refresh-token-value",
        ] {
            assert!(!dump.contains(secret), "{secret} is stored in the clear");
        }
    }
);

both_backends!(
    another_key_cannot_read_a_link,
    |store: Store, url: String, _key: DataKey| async move {
        store.save_esia_link(5, &link()).await.unwrap();
        let other = Store::connect(&url, &DataKey::generate()).await.unwrap();
        assert!(other.esia_link(5).await.is_err());
        other.close().await;
    }
);

both_backends!(
    unlinking_removes_the_data_and_tokens,
    |store: Store, url: String, _key: DataKey| async move {
        store.save_esia_link(5, &link()).await.unwrap();
        keep_legacy_refresh_token(&store, &url, 5, "refresh").await;
        store.save_esia_link(6, &link()).await.unwrap();
        keep_legacy_refresh_token(&store, &url, 6, "other").await;
        assert!(store.delete_esia_link(5).await.unwrap());
        assert!(!store.delete_esia_link(5).await.unwrap());
        assert_eq!(store.esia_link(5).await.unwrap(), None);
        assert_eq!(store.esia_refresh_token(5).await.unwrap(), None);
        assert!(store.esia_link(6).await.unwrap().is_some());
    }
);

both_backends!(
    forgetting_a_user_removes_their_link_and_logins,
    |store: Store, url: String, _key: DataKey| async move {
        let state = store.start_esia_login(5, Lang::Ru, NOW).await.unwrap();
        store.save_esia_link(5, &link()).await.unwrap();
        keep_legacy_refresh_token(&store, &url, 5, "refresh").await;
        store.forget_user(5).await.unwrap();
        assert_eq!(store.esia_link(5).await.unwrap(), None);
        assert_eq!(store.consume_esia_login(&state, NOW).await.unwrap(), None);
    }
);

both_backends!(
    a_sealed_value_copied_to_another_user_does_not_open,
    |store: Store, url: String, _key: DataKey| async move {
        store.save_esia_link(5, &link()).await.unwrap();
        let mut other = link();
        other.person.full_name = "Петров Пётр Петрович".into();
        store.save_esia_link(6, &other).await.unwrap();
        raw_execute(
            &url,
            "UPDATE esia_links SET full_name = (SELECT full_name FROM esia_links WHERE user_id = 5) WHERE user_id = 6",
        )
        .await;
        assert!(store.esia_link(6).await.is_err());
        assert!(store.esia_link(5).await.is_ok());
    }
);

const LINK_COLUMNS: &str =
    "SELECT full_name, birth_date, policy, insurer, attachment, kids, refresh_token FROM esia_links";

/// Every sealed column of every stored link, as lossy text, to look for plaintext.
async fn dump_links(url: &str) -> String {
    use sqlx::Row;
    let mut out = String::new();
    let mut push_row = |values: Vec<Option<Vec<u8>>>| {
        for value in values.into_iter().flatten() {
            out.push_str(&String::from_utf8_lossy(&value));
            out.push('\n');
        }
    };
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        for row in sqlx::query(LINK_COLUMNS).fetch_all(&pool).await.unwrap() {
            push_row((0..7).map(|i| row.get(i)).collect());
        }
        pool.close().await;
    } else {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        for row in sqlx::query(LINK_COLUMNS).fetch_all(&pool).await.unwrap() {
            push_row((0..7).map(|i| row.get(i)).collect());
        }
        pool.close().await;
    }
    out
}

async fn raw_execute(url: &str, sql: &str) {
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query(sql).execute(&pool).await.unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        sqlx::query(sql).execute(&pool).await.unwrap();
        pool.close().await;
    }
}

/// Writes a sealed refresh token into the user's link, as versions before migration 0011 kept one (the
/// store keeps none now, but still reads, re-seals and deletes what a row holds).
pub(crate) async fn keep_legacy_refresh_token(store: &Store, url: &str, user: i64, token: &str) {
    let row = user.to_string();
    let sealed = store
        .crypto()
        .seal_str(Aad::new("esia_links", "refresh_token", &row), token);
    let hex: String = sealed.iter().map(|b| format!("{b:02x}")).collect();
    let literal = if url.starts_with("postgres") {
        format!("decode('{hex}', 'hex')")
    } else {
        format!("X'{hex}'")
    };
    let sql = format!("UPDATE esia_links SET refresh_token = {literal} WHERE user_id = {user}");
    raw_execute(url, &sql).await;
    assert_eq!(
        store.esia_refresh_token(user).await.unwrap().as_deref(),
        Some(token)
    );
}
