//! Issue 13 on the store: the data key's check and rotation, private files, and forgetting that leaves no
//! sealed value behind in SQLite's files.

use kvrachu_bot::bot::State;
use kvrachu_bot::store::dialogue::DialogueStorage;
use kvrachu_bot::store::{DataKey, NewWatch, Store, WatchLabels};
use teloxide::dispatching::dialogue::Storage;
use teloxide::types::ChatId;

use crate::both_backends;
use crate::databases::{raw_column, TestDb};
use crate::esia::{keep_legacy_refresh_token, link};

const NOW: i64 = 1_764_000_000;

fn watch(user_id: i64) -> NewWatch {
    NewWatch {
        user_id,
        lpu_id: 101,
        specialty_id: "8".into(),
        doctor_id: Some("77".into()),
        labels: WatchLabels {
            clinic: "Поликлиника №1".into(),
            specialty: "Педиатр".into(),
            doctor: "Сидорова Анна".into(),
        },
    }
}

/// Personal data of one user in several sealed tables.
async fn fill(store: &Store, url: &str, user: i64) {
    store.record_consent(user, NOW).await.unwrap();
    store.save_esia_link(user, &link()).await.unwrap();
    keep_legacy_refresh_token(store, url, user, "refresh-token").await;
    store.add_watch(&watch(user), 300, NOW).await.unwrap();
    let storage = DialogueStorage::new(store.clone());
    Storage::<State>::update_dialogue(storage, ChatId(user), State::Settings)
        .await
        .unwrap();
}

both_backends!(
    a_key_that_does_not_open_the_data_is_refused,
    |store: Store, url: String, _key: DataKey| async move {
        fill(&store, &url, 5).await;
        store.verify_data_key().await.unwrap();
        let other = Store::connect(&url, &DataKey::generate()).await.unwrap();
        let err = other.verify_data_key().await.unwrap_err().to_string();
        assert!(err.contains("does not open"), "{err}");
        other.close().await;
    }
);

both_backends!(
    a_database_sealed_before_the_check_is_checked_on_its_data,
    |store: Store, url: String, _key: DataKey| async move {
        // Data written, then the check value removed (as in a database older than the check).
        fill(&store, &url, 5).await;
        let other = Store::connect(&url, &DataKey::generate()).await.unwrap();
        let err = other.verify_data_key().await.unwrap_err().to_string();
        assert!(err.contains("does not open"), "{err}");
        other.close().await;
        store.verify_data_key().await.unwrap();
    }
);

both_backends!(
    rotating_the_key_reseals_every_value_at_once,
    |store: Store, url: String, old: DataKey| async move {
        fill(&store, &url, 5).await;
        fill(&store, &url, 6).await;
        let before = raw_column(&url, "esia_links", "full_name").await;
        let new = DataKey::generate();
        let count = store.rotate_key(&new).await.unwrap();
        // 2 users × (link: 5 values, the person id and the refresh token; watch labels, ids, slots
        // seen, window and slots skipped; dialogue) + the check value and the mark of the start-up
        // conversion.
        assert_eq!(count, 2 * 13 + 2);
        assert_ne!(raw_column(&url, "esia_links", "full_name").await, before);

        let rotated = Store::connect(&url, &new).await.unwrap();
        rotated.verify_data_key().await.unwrap();
        assert_eq!(rotated.esia_link(5).await.unwrap().unwrap(), link());
        assert_eq!(
            rotated.esia_refresh_token(6).await.unwrap().as_deref(),
            Some("refresh-token")
        );
        assert_eq!(
            rotated.watches(5).await.unwrap()[0].target.labels,
            watch(5).labels
        );
        assert_eq!(
            Storage::<State>::get_dialogue(DialogueStorage::new(rotated.clone()), ChatId(6))
                .await
                .unwrap(),
            Some(State::Settings)
        );
        rotated.close().await;
        let stale = Store::connect(&url, &old).await.unwrap();
        assert!(stale.verify_data_key().await.is_err());
        stale.close().await;
    }
);

both_backends!(
    a_rotation_that_meets_a_value_it_cannot_open_changes_nothing,
    |store: Store, url: String, _key: DataKey| async move {
        fill(&store, &url, 5).await;
        // A value sealed with another key (as if copied in from elsewhere).
        let intruder = Store::connect(&url, &DataKey::generate()).await.unwrap();
        intruder.add_watch(&watch(9), 300, NOW).await.unwrap();
        intruder.close().await;
        let before = raw_column(&url, "esia_links", "full_name").await;
        assert!(store.rotate_key(&DataKey::generate()).await.is_err());
        assert_eq!(raw_column(&url, "esia_links", "full_name").await, before);
        store.verify_data_key().await.unwrap();
        assert_eq!(store.esia_link(5).await.unwrap().unwrap(), link());
    }
);

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_database_and_its_log_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let db = TestDb::sqlite().await;
    let store = db.store(&DataKey::generate()).await;
    fill(&store, &db.url, 5).await;
    let path = kvrachu_bot::store::sqlite_path(&db.url).unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let file = format!("{}{suffix}", path.display());
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{file}: {:o}", mode & 0o777);
    }
    store.close().await;
}

/// Every sealed value of user 5, straight from the database.
async fn sealed_values_of_five(url: &str) -> Vec<Vec<u8>> {
    let mut sealed = Vec::new();
    for (table, column) in [
        ("esia_links", "full_name"),
        ("esia_links", "policy"),
        ("esia_links", "kids"),
        ("esia_links", "refresh_token"),
        ("slot_watches", "labels"),
        ("dialogues", "state"),
    ] {
        sealed.extend(raw_column(url, table, column).await);
    }
    sealed
}

fn file_bytes(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_default()
}

/// `/forget` on a file-backed SQLite: none of the user's ciphertexts stays in the database, its
/// write-ahead log or its shared-memory file, with the key right beside them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forgetting_leaves_no_ciphertext_in_the_sqlite_files() {
    let db = TestDb::sqlite().await;
    let store = db.store(&DataKey::generate()).await;
    fill(&store, &db.url, 5).await;
    // Earlier versions too: the dialogue and the link written again.
    let storage = DialogueStorage::new(store.clone());
    Storage::<State>::update_dialogue(storage, ChatId(5), State::Menu)
        .await
        .unwrap();
    let mut sealed = sealed_values_of_five(&db.url).await;
    store.save_esia_link(5, &link()).await.unwrap();
    keep_legacy_refresh_token(&store, &db.url, 5, "refresh-token-2").await;
    sealed.extend(sealed_values_of_five(&db.url).await);
    fill(&store, &db.url, 6).await;
    let path = kvrachu_bot::store::sqlite_path(&db.url).unwrap();
    let files: Vec<String> = ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| format!("{}{suffix}", path.display()))
        .collect();
    // Before: the ciphertexts are there (so the scan finds what it looks for).
    let all: Vec<u8> = files.iter().flat_map(|f| file_bytes(f)).collect();
    assert!(sealed
        .iter()
        .any(|s| all.windows(s.len()).any(|w| w == s.as_slice())));

    store.forget_user(5).await.unwrap();
    for file in &files {
        let bytes = file_bytes(file);
        for value in &sealed {
            // The 24-byte nonce and the first bytes of the ciphertext are enough to recognise a value.
            let needle = &value[..40.min(value.len())];
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "a sealed value of the forgotten user is still in {file}"
            );
        }
    }
    // The other user is untouched.
    assert_eq!(store.esia_link(6).await.unwrap().unwrap(), link());
    store.close().await;
}

const DAY: i64 = 86_400;

fn visit(user_id: i64, registry_id: &str, visit_at: i64) -> kvrachu_bot::store::NewAppointment {
    kvrachu_bot::store::NewAppointment {
        user_id,
        child_id: None,
        lpu_id: 10,
        patient_id: "p-77".to_owned(),
        registry_id: Some(registry_id.to_owned()),
        doctor_id: None,
        slot_id: None,
        visit_at,
        details: kvrachu_bot::store::AppointmentDetails {
            person: "Петров Пётр Петрович".into(),
            doctor: "Сидорова Анна".into(),
            specialty: "Педиатр".into(),
            clinic: "Поликлиника №1".into(),
            address: "ул. Ленина, 1".into(),
            room: None,
            phone: None,
            latitude: None,
            longitude: None,
            local_time: "2026-12-01T09:30:00".into(),
            local_end: None,
        },
        source: kvrachu_bot::store::AppointmentSource::Bot,
    }
}

both_backends!(
    retention_purges_what_is_over_and_keeps_the_rest,
    |store: Store, _url: String, _key: DataKey| async move {
        let now = kvrachu_bot::store::unix_now();
        let retention = 180 * DAY;
        let old = store
            .upsert_appointment(&visit(5, "old", now - 200 * DAY), &[], now - 201 * DAY)
            .await
            .unwrap();
        let recent = store
            .upsert_appointment(&visit(5, "recent", now - 10 * DAY), &[], now - 11 * DAY)
            .await
            .unwrap();
        let expired = store
            .add_watch(&watch(5), 300, now - 400 * DAY)
            .await
            .unwrap();
        let storage = DialogueStorage::new(store.clone());
        Storage::<State>::update_dialogue(storage.clone(), ChatId(5), State::Settings)
            .await
            .unwrap();

        // Nothing is old enough yet but the old visit and the long-expired watch.
        let purged = store.purge_expired(now, retention).await.unwrap();
        assert_eq!(purged.appointments, 1);
        assert_eq!(purged.watches, 1);
        assert_eq!(purged.dialogues, 0);
        assert_eq!(store.appointment(5, old.id).await.unwrap(), None);
        assert!(store.appointment(5, recent.id).await.unwrap().is_some());
        assert!(store.watches(5).await.unwrap().is_empty(), "{expired:?}");
        assert_eq!(
            Storage::<State>::get_dialogue(storage.clone(), ChatId(5))
                .await
                .unwrap(),
            Some(State::Settings)
        );
        // A year on, the dialogue and the other visit are over too; the user (consent, language) stays.
        let purged = store
            .purge_expired(now + 365 * DAY, retention)
            .await
            .unwrap();
        assert_eq!((purged.appointments, purged.dialogues), (1, 1));
        assert_eq!(
            Storage::<State>::get_dialogue(storage, ChatId(5))
                .await
                .unwrap(),
            None
        );
        assert!(store.user(5).await.unwrap().is_some());
    }
);
