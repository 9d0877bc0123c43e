//! Issue 13, item 4: the registry's ids of visits, bookings in flight, known clinics and watches, and the
//! Gosuslugi person id, are sealed at rest; what queries need equality on is found by keyed lookups; rows
//! of a database older than the seal are converted at start-up; key rotation re-seals them.

use std::borrow::Cow;
use std::str::FromStr;

use kvrachu_bot::store::{
    Aad, AppointmentDetails, AppointmentSource, Crypto, DataKey, KnownPatient, NewAppointment,
    NewIntent, NewWatch, Store, WatchLabels,
};

use crate::both_backends;
use crate::databases::{bytes_contain, raw_column, TestDb};
use crate::esia::link;

const ALICE: i64 = 5;
const BOB: i64 = 6;
const NOW: i64 = 1_764_000_000;
const LPU: i64 = 987_654_321;
const PATIENT: &str = "PAT-5e1f0a77";
const REGISTRY: &str = "REG-8c2d41e9";
const DOCTOR: &str = "DOC-3b7a9f02";
const SLOT: &str = "SLOT-6d0c22aa";
const INTENT_SLOT: &str = "SLOT-71f3e0bd";
const SPECIALTY: &str = "SPEC-44e1b7c3";
const SEEN: &str = "SEEN-9a9a11b2";
const OID: &str = "OID-1000299777";
/// Every id above: none may be found in clear in the database.
const CLEAR: &[&str] = &[
    PATIENT,
    REGISTRY,
    DOCTOR,
    SLOT,
    INTENT_SLOT,
    SPECIALTY,
    SEEN,
    OID,
];

fn details() -> AppointmentDetails {
    AppointmentDetails {
        person: "Иванова Анна Сергеевна".into(),
        doctor: "Смирнова Елена".into(),
        specialty: "Терапевт".into(),
        clinic: "ГП №1".into(),
        address: "Иркутск".into(),
        local_time: "2025-11-25T09:30:00".into(),
        ..Default::default()
    }
}

fn visit() -> NewAppointment {
    NewAppointment {
        user_id: ALICE,
        child_id: None,
        lpu_id: LPU,
        patient_id: PATIENT.into(),
        registry_id: Some(REGISTRY.into()),
        doctor_id: Some(DOCTOR.into()),
        slot_id: Some(SLOT.into()),
        visit_at: NOW + 3 * 86_400,
        details: details(),
        source: AppointmentSource::Bot,
    }
}

fn intent() -> NewIntent {
    NewIntent {
        user_id: ALICE,
        child_id: None,
        lpu_id: LPU,
        patient_id: PATIENT.into(),
        doctor_id: DOCTOR.into(),
        slot_id: INTENT_SLOT.into(),
        visit_at: NOW + 4 * 86_400,
        details: details(),
    }
}

fn watch() -> NewWatch {
    NewWatch {
        user_id: ALICE,
        lpu_id: LPU,
        specialty_id: SPECIALTY.into(),
        doctor_id: Some(DOCTOR.into()),
        labels: WatchLabels {
            clinic: "ГП №1".into(),
            specialty: "Терапевт".into(),
            doctor: "Смирнова Елена".into(),
        },
    }
}

fn person() -> kvrachu_bot::domain::esia::EsiaLink {
    let mut person = link();
    person.oid = OID.into();
    person
}

/// Alice's visit, booking in flight, known clinic, watch (with a slot seen) and Gosuslugi link.
async fn fill(store: &Store) {
    store.upsert_appointment(&visit(), &[], NOW).await.unwrap();
    store.open_intent(&intent(), NOW).await.unwrap();
    store
        .remember_patient(ALICE, None, LPU, PATIENT, NOW)
        .await
        .unwrap();
    let watch = match store.add_watch(&watch(), 300, NOW).await.unwrap() {
        kvrachu_bot::store::AddWatch::Added(watch) => watch,
        other => panic!("{other:?}"),
    };
    store
        .set_watch_seen(watch.id, &[SEEN.into()])
        .await
        .unwrap();
    store.link_esia_person(ALICE, &person()).await.unwrap();
}

/// Everything of Alice's is found again by the ids, and by nobody else.
async fn assert_found(store: &Store) {
    let found = store
        .appointment_by_registry_id(ALICE, LPU, REGISTRY)
        .await
        .unwrap()
        .expect("the visit is found by its registry id");
    assert_eq!(
        (
            found.booking.lpu_id,
            found.booking.patient_id.as_str(),
            found.booking.registry_id.as_deref(),
            found.booking.doctor_id.as_deref(),
            found.booking.slot_id.as_deref(),
            found.booking.visit_at
        ),
        (
            LPU,
            PATIENT,
            Some(REGISTRY),
            Some(DOCTOR),
            Some(SLOT),
            visit().visit_at
        )
    );
    assert_eq!(found.booking.details, details());
    assert!(store
        .appointment_by_registry_id(BOB, LPU, REGISTRY)
        .await
        .unwrap()
        .is_none());

    let intents = store.open_intents(ALICE).await.unwrap();
    assert_eq!(intents.len(), 1);
    assert_eq!(
        (
            intents[0].booking.lpu_id,
            intents[0].booking.patient_id.as_str(),
            intents[0].booking.doctor_id.as_str(),
            intents[0].booking.slot_id.as_str(),
            intents[0].booking.visit_at
        ),
        (LPU, PATIENT, DOCTOR, INTENT_SLOT, intent().visit_at)
    );
    // The same slot again is the same intent, found by its lookup.
    assert_eq!(
        store.open_intent(&intent(), NOW + 1).await.unwrap(),
        (intents[0].id, true)
    );

    assert_eq!(
        store.known_patients(ALICE).await.unwrap(),
        vec![KnownPatient {
            child_id: None,
            lpu_id: LPU,
            patient_id: PATIENT.into(),
        }]
    );

    let watch = store
        .find_watch(ALICE, LPU, SPECIALTY, Some(DOCTOR))
        .await
        .unwrap()
        .expect("the watch is found by its ids");
    assert_eq!(watch.seen, vec![SEEN.to_owned()]);
    assert_eq!(watch.target.specialty_id, SPECIALTY);
    assert!(store
        .find_watch(BOB, LPU, SPECIALTY, Some(DOCTOR))
        .await
        .unwrap()
        .is_none());

    assert_eq!(store.esia_link(ALICE).await.unwrap().unwrap().oid, OID);
}

/// The person logs in from Bob's account: found by the lookup of their id, the link moves to Bob.
async fn assert_person_moves(store: &Store) {
    assert_eq!(
        store.link_esia_person(BOB, &person()).await.unwrap(),
        Some(ALICE)
    );
    assert!(store.esia_link(ALICE).await.unwrap().is_none());
    assert_eq!(store.esia_link(BOB).await.unwrap().unwrap().oid, OID);
}

/// Fails when any id of [`CLEAR`] is kept in clear: in SQLite's files (database, log and shared memory,
/// byte for byte), or in any row of the tables on PostgreSQL (each row as text, and bytes as hex).
async fn assert_no_clear_ids(store: &Store, url: &str) {
    if url.starts_with("sqlite") {
        store.scrub_deleted().await.unwrap();
        let path = kvrachu_bot::store::sqlite_path(url).unwrap();
        for suffix in ["", "-wal", "-shm"] {
            let file = format!("{}{suffix}", path.display());
            let bytes = std::fs::read(&file).unwrap_or_default();
            for id in CLEAR {
                assert!(!bytes_contain(&bytes, id), "{id} is in clear in {file}");
            }
        }
        return;
    }
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    for table in [
        "appointments",
        "booking_intents",
        "registry_patients",
        "slot_watches",
        "esia_links",
    ] {
        let rows: Vec<String> =
            sqlx::query_scalar(&format!("SELECT CAST(t AS TEXT) FROM {table} t"))
                .fetch_all(&pool)
                .await
                .unwrap();
        assert!(!rows.is_empty(), "{table} has rows to look at");
        for row in &rows {
            for id in CLEAR {
                let hex: String = id.bytes().map(|b| format!("{b:02x}")).collect();
                assert!(
                    !row.contains(id) && !row.contains(&hex),
                    "{id} is in clear in {table}"
                );
            }
        }
    }
    pool.close().await;
}

both_backends!(
    the_ids_are_sealed_at_rest_and_found_by_their_lookups,
    |store: Store, url: String, _key: DataKey| async move {
        fill(&store).await;
        assert_no_clear_ids(&store, &url).await;
        assert_found(&store).await;
        assert_person_moves(&store).await;
    }
);

both_backends!(
    rotating_the_key_reseals_the_ids_and_recomputes_the_lookups,
    |store: Store, url: String, old: DataKey| async move {
        fill(&store).await;
        let sealed = raw_column(&url, "appointments", "ids").await;
        let lookups = raw_column(&url, "slot_watches", "watch_key").await;
        let oid_lookups = raw_column(&url, "esia_links", "oid_key").await;
        let new = DataKey::generate();
        store.rotate_key(&new).await.unwrap();
        assert_ne!(raw_column(&url, "appointments", "ids").await, sealed);
        assert_ne!(raw_column(&url, "slot_watches", "watch_key").await, lookups);
        assert_ne!(raw_column(&url, "esia_links", "oid_key").await, oid_lookups);

        let rotated = Store::connect(&url, &new).await.unwrap();
        assert_found(&rotated).await;
        assert_person_moves(&rotated).await;
        rotated.close().await;
        // The old key's lookups find nothing any more (and its seals do not open).
        let stale = Store::connect(&url, &old).await.unwrap();
        assert!(stale
            .find_watch(ALICE, LPU, SPECIALTY, Some(DOCTOR))
            .await
            .unwrap()
            .is_none());
        stale.close().await;
    }
);

/// Runs the migrations before the seal (up to 0011) on the database at `url`.
async fn migrate_to_0011(url: &str) {
    fn before_seal(mut migrator: sqlx::migrate::Migrator) -> sqlx::migrate::Migrator {
        let kept: Vec<_> = migrator
            .migrations
            .iter()
            .filter(|m| m.version <= 11)
            .cloned()
            .collect();
        migrator.migrations = Cow::Owned(kept);
        migrator
    }
    if url.starts_with("sqlite") {
        let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)
            .unwrap()
            .create_if_missing(true)
            .foreign_keys(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        before_seal(sqlx::migrate!("migrations/sqlite"))
            .run(&pool)
            .await
            .unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        before_seal(sqlx::migrate!("migrations/postgres"))
            .run(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
}

/// Runs `statements` with their blobs bound ($1, $2, … in each), straight on the database at `url`.
async fn raw_insert(url: &str, statements: &[(&str, Vec<Vec<u8>>)]) {
    if url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        for (sql, blobs) in statements {
            let mut query = sqlx::query(sql);
            for blob in blobs {
                query = query.bind(blob.clone());
            }
            query.execute(&pool).await.unwrap();
        }
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        for (sql, blobs) in statements {
            let mut query = sqlx::query(sql);
            for blob in blobs {
                query = query.bind(blob.clone());
            }
            query.execute(&pool).await.unwrap();
        }
        pool.close().await;
    }
}

/// A database of the release before the seal, with Alice's rows written as that release wrote them (ids
/// in clear), is converted by the first start: everything reads back, and no id stays in clear.
async fn rows_stored_before_the_seal_are_converted(db: TestDb) {
    migrate_to_0011(&db.url).await;
    let key = DataKey::generate();
    let crypto = Crypto::new(&key);
    fn json<T: serde::Serialize>(value: &T) -> Vec<u8> {
        serde_json::to_vec(value).unwrap()
    }
    let appointment_details =
        crypto.seal(Aad::new("appointments", "details", "11"), &json(&details()));
    let intent_details = crypto.seal(
        Aad::new("booking_intents", "details", "12"),
        &json(&details()),
    );
    let labels = crypto.seal(
        Aad::new("slot_watches", "labels", "13"),
        &json(&watch().labels),
    );
    let full_name = crypto.seal(
        Aad::new("esia_links", "full_name", "5"),
        "Иванова Анна".as_bytes(),
    );
    let kids = crypto.seal(Aad::new("esia_links", "kids", "5"), b"[]");
    let visit_at = visit().visit_at;
    let appointment = format!(
        "INSERT INTO appointments (id, user_id, lpu_id, patient_id, registry_id, visit_at, details, status,
             source, created_at, updated_at, registry_id_known, doctor_id, slot_id)
         VALUES (11, 5, {LPU}, '{PATIENT}', '{REGISTRY}', {visit_at}, $1, 'booked', 'bot', {NOW}, {NOW},
             TRUE, '{DOCTOR}', '{SLOT}')"
    );
    let reminder = format!(
        "INSERT INTO reminders (id, appointment_id, user_id, offset_secs, due_at, status)
         VALUES (21, 11, 5, 86400, {}, 'pending')",
        visit_at - 86_400
    );
    let intent_at = intent().visit_at;
    let intent = format!(
        "INSERT INTO booking_intents (id, user_id, lpu_id, patient_id, doctor_id, slot_id, visit_at, details,
             created_at)
         VALUES (12, 5, {LPU}, '{PATIENT}', '{DOCTOR}', '{INTENT_SLOT}', {intent_at}, $1, {NOW})"
    );
    let patient = format!(
        "INSERT INTO registry_patients (user_id, person, lpu_id, patient_id, seen_at)
         VALUES (5, 0, {LPU}, '{PATIENT}', {NOW})"
    );
    let watch_row = format!(
        "INSERT INTO slot_watches (id, user_id, lpu_id, specialty_id, doctor_id, labels, seen, next_check_at,
             expires_at, created_at)
         VALUES (13, 5, {LPU}, '{SPECIALTY}', '{DOCTOR}', $1, '[\"{SEEN}\"]', {NOW}, {}, {NOW})",
        NOW + 86_400
    );
    let link_row = format!(
        "INSERT INTO esia_links (user_id, oid, trusted, level, full_name, kids, linked_at, updated_at)
         VALUES (5, '{OID}', TRUE, 'confirmed', $1, $2, {NOW}, {NOW})"
    );
    let users = format!(
        "INSERT INTO users (id, created_at, updated_at) VALUES (5, {NOW}, {NOW}), (6, {NOW}, {NOW})"
    );
    raw_insert(
        &db.url,
        &[
            (&users, vec![]),
            (&appointment, vec![appointment_details]),
            (&reminder, vec![]),
            (&intent, vec![intent_details]),
            (&patient, vec![]),
            (&watch_row, vec![labels]),
            (&link_row, vec![full_name, kids]),
        ],
    )
    .await;

    if let Some(path) = kvrachu_bot::store::sqlite_path(&db.url) {
        // Before: the ids are there in clear (so the scan below finds what it looks for).
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend(std::fs::read(format!("{}-wal", path.display())).unwrap_or_default());
        assert!(CLEAR
            .iter()
            .filter(|id| **id != SLOT)
            .all(|id| bytes_contain(&bytes, id)));
    }
    let store = db.store(&key).await;
    assert_found(&store).await;
    let reminders = store.reminders_of(11).await.unwrap();
    assert_eq!(
        reminders.len(),
        1,
        "the visit's reminder survives the rebuild"
    );
    assert_no_clear_ids(&store, &db.url).await;
    store.close().await;

    // A second start finds the conversion done and changes nothing.
    let again = db.store(&key).await;
    assert_found(&again).await;
    assert_person_moves(&again).await;
    again.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_stored_before_the_seal_are_converted_on_sqlite() {
    rows_stored_before_the_seal_are_converted(TestDb::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_stored_before_the_seal_are_converted_on_postgres() {
    rows_stored_before_the_seal_are_converted(TestDb::postgres().await).await;
}
