//! The user's own data (`ESIA_URL=off`): kept sealed, replaced when changed, re-sealed with a new key, and
//! gone with the user.

use chrono::NaiveDate;
use kvrachu_bot::domain::{BirthDate, FullName, PolicyNumber};
use kvrachu_bot::store::{DataKey, SelfDetails, Store};

use crate::both_backends;

const ALICE: i64 = 2001;

fn ivan() -> SelfDetails {
    SelfDetails {
        full_name: FullName::parse("Иванов Иван Иванович").unwrap(),
        birth_date: BirthDate::try_from(NaiveDate::from_ymd_opt(1985, 3, 12).unwrap()).unwrap(),
        policy: PolicyNumber::parse_new("8451999122899990").unwrap(),
    }
}

async fn raw_bytes(url: &str) -> Vec<u8> {
    use sqlx::Connection;
    const RAW: &str = "SELECT full_name, birth_date, policy FROM self_details";
    let rows: Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> = if url.starts_with("sqlite") {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query_as(RAW).fetch_all(&mut conn).await.unwrap()
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query_as(RAW).fetch_all(&mut conn).await.unwrap()
    };
    rows.into_iter()
        .flat_map(|(a, b, c)| [a, b, c].concat())
        .collect()
}

both_backends!(
    own_data_is_kept_sealed_replaced_resealed_and_forgotten,
    |store: Store, url: String, _key: DataKey| async move {
        assert_eq!(store.self_details(ALICE).await.unwrap(), None);
        store.save_self_details(ALICE, &ivan(), 100).await.unwrap();
        assert_eq!(store.self_details(ALICE).await.unwrap(), Some(ivan()));
        let raw = raw_bytes(&url).await;
        assert!(!raw.is_empty());
        for secret in ["Иванов", "1985-03-12", "8451999122899990"] {
            let found = raw.windows(secret.len()).any(|w| w == secret.as_bytes());
            assert!(!found, "{secret} is readable at rest");
        }

        let mut changed = ivan();
        changed.policy = PolicyNumber::parse_old("ЕАА", "1234567890").unwrap();
        store.save_self_details(ALICE, &changed, 200).await.unwrap();
        assert_eq!(
            store.self_details(ALICE).await.unwrap(),
            Some(changed.clone())
        );

        let new = DataKey::generate();
        store.rotate_key(&new).await.unwrap();
        let rotated = Store::connect(&url, &new).await.unwrap();
        assert_eq!(rotated.self_details(ALICE).await.unwrap(), Some(changed));

        rotated.forget_user(ALICE).await.unwrap();
        assert_eq!(rotated.self_details(ALICE).await.unwrap(), None);
        assert!(raw_bytes(&url).await.is_empty());
        rotated.close().await;
    }
);
