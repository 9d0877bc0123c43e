//! The demo registry's bookings: a slot is taken once, listed for its patient, freed by cancelling, and the
//! patient's name and birth date are sealed at rest.

use kvrachu_bot::store::{DataKey, DemoBooking, Store};

use crate::both_backends;

fn booking(slot: &str, patient: &str, visit_start: i64) -> DemoBooking {
    DemoBooking {
        lpu_id: 111,
        appointment_id: slot.to_owned(),
        doctor_id: "111010".to_owned(),
        specialty_id: "1".to_owned(),
        patient_id: patient.to_owned(),
        patient_full_name: "Иванова Мария Петровна".to_owned(),
        patient_birth_date: "1988-03-05".to_owned(),
        visit_start,
    }
}

both_backends!(
    a_slot_is_booked_once_and_listed_for_its_patient,
    |store: Store, _url: String, _key: DataKey| async move {
        let first = booking("111010_2026-12-01_09:00:00", "p1", 2_000);
        assert!(store.demo_book(&first, 1_000).await.unwrap());
        // The same slot for someone else: taken.
        assert!(!store
            .demo_book(&booking("111010_2026-12-01_09:00:00", "p2", 2_000), 1_000)
            .await
            .unwrap());
        let later = booking("111010_2026-12-02_09:00:00", "p1", 3_000);
        assert!(store.demo_book(&later, 1_000).await.unwrap());

        assert_eq!(
            store.demo_appointments(111, "p1", 0).await.unwrap(),
            vec![first.clone(), later.clone()]
        );
        assert_eq!(
            store.demo_appointments(111, "p1", 2_500).await.unwrap(),
            vec![later.clone()]
        );
        assert!(store
            .demo_appointments(111, "p2", 0)
            .await
            .unwrap()
            .is_empty());
        assert!(store
            .demo_appointments(204, "p1", 0)
            .await
            .unwrap()
            .is_empty());
        let mut booked = store.demo_booked_slots(111, "111010", 0).await.unwrap();
        booked.sort();
        assert_eq!(
            booked,
            vec!["111010_2026-12-01_09:00:00", "111010_2026-12-02_09:00:00"]
        );
        assert!(store
            .demo_booked_slots(111, "other", 0)
            .await
            .unwrap()
            .is_empty());
    }
);

both_backends!(
    cancelling_frees_the_slot_and_only_the_patients_own_booking_can_be_cancelled,
    |store: Store, _url: String, _key: DataKey| async move {
        let slot = "111010_2026-12-01_09:00:00";
        assert!(store
            .demo_book(&booking(slot, "p1", 2_000), 1_000)
            .await
            .unwrap());
        let row = store.demo_bookings_listed(111, "p1", 0).await.unwrap()[0]
            .row_id
            .clone();
        assert!(!store.demo_cancel_row(111, "p2", &row).await.unwrap());
        assert!(!store.demo_cancel_row(204, "p1", &row).await.unwrap());
        assert!(store.demo_cancel_row(111, "p1", &row).await.unwrap());
        assert!(!store.demo_cancel_row(111, "p1", &row).await.unwrap());
        assert!(store
            .demo_booked_slots(111, "111010", 0)
            .await
            .unwrap()
            .is_empty());
        assert!(store
            .demo_book(&booking(slot, "p2", 2_000), 1_000)
            .await
            .unwrap());
    }
);

both_backends!(
    bookings_survive_a_reconnect_and_names_are_sealed_at_rest,
    |store: Store, url: String, key: DataKey| async move {
        let slot = "111010_2026-12-01_09:00:00";
        store
            .demo_book(&booking(slot, "p1", 2_000), 1_000)
            .await
            .unwrap();
        store.close().await;

        let again = Store::connect(&url, &key).await.unwrap();
        assert_eq!(
            again.demo_appointments(111, "p1", 0).await.unwrap(),
            vec![booking(slot, "p1", 2_000)]
        );
        again.close().await;

        use sqlx::Connection;
        let raw: Vec<u8> = if url.starts_with("postgres") {
            let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
            sqlx::query_scalar("SELECT patient_full_name FROM demo_bookings")
                .fetch_one(&mut conn)
                .await
                .unwrap()
        } else {
            let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::query_scalar("SELECT patient_full_name FROM demo_bookings")
                .fetch_one(&mut conn)
                .await
                .unwrap()
        };
        let needle = "Иванова".as_bytes();
        assert!(!raw.windows(needle.len()).any(|w| w == needle));
    }
);

both_backends!(
    a_booking_is_listed_with_its_row_id_and_cancelled_by_it,
    |store: Store, _url: String, _key: DataKey| async move {
        let slot = "111010_2026-12-01_09:00:00";
        assert!(store
            .demo_book(&booking(slot, "p1", 2_000), 1_000)
            .await
            .unwrap());
        let listed = store.demo_bookings_listed(111, "p1", 0).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].booking, booking(slot, "p1", 2_000));
        assert_eq!(listed[0].created_at, 1_000);
        let row = listed[0].row_id.clone();
        assert_ne!(row, slot);
        // Only the patient's own booking, in its own clinic.
        assert!(!store.demo_cancel_row(111, "p2", &row).await.unwrap());
        assert!(!store.demo_cancel_row(204, "p1", &row).await.unwrap());
        assert!(!store.demo_cancel_row(111, "p1", slot).await.unwrap());
        assert!(store.demo_cancel_row(111, "p1", &row).await.unwrap());
        assert!(!store.demo_cancel_row(111, "p1", &row).await.unwrap());
        assert!(store
            .demo_booked_slots(111, "111010", 0)
            .await
            .unwrap()
            .is_empty());
    }
);
