//! Children: added, listed, changed and deleted only by their owner; sealed at rest; the active person.

use chrono::NaiveDate;
use kvrachu_bot::domain::{BirthDate, FullName, PolicyNumber, Relation, Sex};
use kvrachu_bot::store::{ActivePerson, ChildDetails, DataKey, Store};

use crate::both_backends;

const ALICE: i64 = 1001;
const BOB: i64 = 1002;

fn maria() -> ChildDetails {
    ChildDetails {
        full_name: FullName::parse("Иванова Мария Ивановна").unwrap(),
        birth_date: BirthDate::try_from(NaiveDate::from_ymd_opt(2015, 12, 1).unwrap()).unwrap(),
        sex: Sex::Female,
        relation: Relation::Daughter,
        policy: PolicyNumber::parse_new("8451999122899990").unwrap(),
    }
}

fn petr() -> ChildDetails {
    ChildDetails {
        full_name: FullName::parse("Иванов Пётр Иванович").unwrap(),
        birth_date: BirthDate::try_from(NaiveDate::from_ymd_opt(2019, 3, 9).unwrap()).unwrap(),
        sex: Sex::Male,
        relation: Relation::Son,
        policy: PolicyNumber::parse_old("ЕАА", "1234567890").unwrap(),
    }
}

/// The columns of `children` a database administrator would see, sealed or not.
type RawRow = (Vec<u8>, Vec<u8>, Vec<u8>, String, String);
const RAW: &str = "SELECT full_name, birth_date, policy, sex, relation FROM children";

/// Every byte of every row of `children`.
async fn raw_children_bytes(url: &str) -> Vec<u8> {
    use sqlx::Connection;
    let rows: Vec<RawRow> = if url.starts_with("sqlite") {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query_as(RAW).fetch_all(&mut conn).await.unwrap()
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query_as(RAW).fetch_all(&mut conn).await.unwrap()
    };
    let mut bytes = Vec::new();
    for (name, date, policy, sex, relation) in rows {
        bytes.extend(name);
        bytes.extend(date);
        bytes.extend(policy);
        bytes.extend(sex.into_bytes());
        bytes.extend(relation.into_bytes());
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

both_backends!(
    a_child_is_added_read_back_and_listed_for_its_owner_only,
    |store: Store, _url: String, _key: DataKey| async move {
        assert!(store.children(ALICE).await.unwrap().is_empty());
        let added = store.add_child(ALICE, &petr()).await.unwrap();
        let older = store.add_child(ALICE, &maria()).await.unwrap();
        assert!(added.id > 0 && added.id < 1 << 53);
        assert_ne!(added.id, older.id);

        assert_eq!(
            store.child(ALICE, added.id).await.unwrap(),
            Some(added.clone())
        );
        let listed = store.children(ALICE).await.unwrap();
        assert_eq!(listed, vec![older.clone(), added.clone()], "oldest first");
        assert_eq!(listed[1].policy().series(), Some("ЕАА"));

        assert!(store.children(BOB).await.unwrap().is_empty());
        assert_eq!(store.child(BOB, added.id).await.unwrap(), None);
        assert_eq!(store.child(ALICE, 12345).await.unwrap(), None);
    }
);

both_backends!(
    names_dates_and_policies_are_not_readable_in_the_raw_table,
    |store: Store, url: String, _key: DataKey| async move {
        store.add_child(ALICE, &maria()).await.unwrap();
        store.add_child(ALICE, &petr()).await.unwrap();
        let raw = raw_children_bytes(&url).await;
        assert!(!raw.is_empty());
        for secret in [
            "Иванова",
            "Мария",
            "Пётр",
            "2015-12-01",
            "01.12.2015",
            "2019-03-09",
            "8451999122899990",
            "1234567890",
            "ЕАА",
        ] {
            assert!(!contains(&raw, secret), "{secret} is readable at rest");
        }
        // Sex and relation are plain codes on purpose: they identify nobody.
        assert!(contains(&raw, "daughter"));
    }
);

both_backends!(
    a_sealed_value_moved_to_another_child_does_not_open,
    |store: Store, url: String, _key: DataKey| async move {
        let a = store.add_child(ALICE, &maria()).await.unwrap();
        let b = store.add_child(ALICE, &petr()).await.unwrap();
        // Copy Maria's sealed name onto Pyotr's row: reading Pyotr must fail, not show Maria's name.
        let copy = "UPDATE children SET full_name = (SELECT full_name FROM children WHERE id = $1) WHERE id = $2";
        if url.starts_with("sqlite") {
            use sqlx::Connection;
            let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::query(copy)
                .bind(a.id)
                .bind(b.id)
                .execute(&mut conn)
                .await
                .unwrap();
        } else {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
            sqlx::query(copy)
                .bind(a.id)
                .bind(b.id)
                .execute(&mut conn)
                .await
                .unwrap();
        }
        let err = store.child(ALICE, b.id).await.unwrap_err().to_string();
        assert!(err.contains("full_name"), "{err}");
        assert!(!err.contains("Иванова"), "{err}");
        assert_eq!(store.child(ALICE, a.id).await.unwrap(), Some(a));
    }
);

both_backends!(
    another_user_cannot_update_or_delete_a_child,
    |store: Store, _url: String, _key: DataKey| async move {
        let child = store.add_child(ALICE, &maria()).await.unwrap();
        store.ensure_user(BOB).await.unwrap();

        assert!(!store.update_child(BOB, child.id, &petr()).await.unwrap());
        assert!(!store.delete_child(BOB, child.id).await.unwrap());
        assert!(!store.set_active_person(BOB, Some(child.id)).await.unwrap());
        assert_eq!(store.active_person(BOB).await.unwrap(), ActivePerson::Me);
        assert_eq!(
            store.child(ALICE, child.id).await.unwrap(),
            Some(child.clone())
        );

        assert!(store.update_child(ALICE, child.id, &petr()).await.unwrap());
        let updated = store.child(ALICE, child.id).await.unwrap().unwrap();
        assert_eq!(updated.details, petr());
        assert!(store.delete_child(ALICE, child.id).await.unwrap());
        assert_eq!(store.child(ALICE, child.id).await.unwrap(), None);
        assert!(!store.delete_child(ALICE, child.id).await.unwrap());
    }
);

both_backends!(
    the_active_person_is_me_until_a_child_is_chosen_and_again_after_it_is_deleted,
    |store: Store, _url: String, _key: DataKey| async move {
        assert_eq!(store.active_person(ALICE).await.unwrap(), ActivePerson::Me);
        let daughter = store.add_child(ALICE, &maria()).await.unwrap();
        let son = store.add_child(ALICE, &petr()).await.unwrap();

        assert!(store
            .set_active_person(ALICE, Some(daughter.id))
            .await
            .unwrap());
        assert_eq!(
            store.active_person(ALICE).await.unwrap(),
            ActivePerson::Child(daughter.clone())
        );
        // Deleting another child leaves the choice alone.
        assert!(store.delete_child(ALICE, son.id).await.unwrap());
        assert_eq!(
            store.active_person(ALICE).await.unwrap(),
            ActivePerson::Child(daughter.clone())
        );
        assert!(store.delete_child(ALICE, daughter.id).await.unwrap());
        assert_eq!(store.active_person(ALICE).await.unwrap(), ActivePerson::Me);

        let again = store.add_child(ALICE, &maria()).await.unwrap();
        assert!(store
            .set_active_person(ALICE, Some(again.id))
            .await
            .unwrap());
        assert!(store.set_active_person(ALICE, None).await.unwrap());
        assert_eq!(store.active_person(ALICE).await.unwrap(), ActivePerson::Me);
    }
);

both_backends!(
    forgetting_a_user_removes_their_children,
    |store: Store, _url: String, _key: DataKey| async move {
        let child = store.add_child(ALICE, &maria()).await.unwrap();
        store
            .set_active_person(ALICE, Some(child.id))
            .await
            .unwrap();
        let kept = store.add_child(BOB, &petr()).await.unwrap();
        store.forget_user(ALICE).await.unwrap();
        assert!(store.children(ALICE).await.unwrap().is_empty());
        assert_eq!(store.child(BOB, kept.id).await.unwrap(), Some(kept));
    }
);
