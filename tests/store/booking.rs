//! The booking journey's store: a confirmation token is claimed once, even by concurrent claimers; the
//! (person, clinic) pairs «Мои записи» asks the registry about.

use kvrachu_bot::store::{
    AppointmentDetails, AppointmentSource, KnownPatient, NewAppointment, Store,
};

use crate::both_backends;

const ALICE: i64 = 2001;
const BOB: i64 = 2002;
const NOW: i64 = 1_764_000_000;

both_backends!(
    a_token_is_claimed_once_per_user,
    |store: Store, _url: String, _key| async move {
        assert!(store.claim_booking_token(ALICE, 42, NOW).await.unwrap());
        assert!(!store.claim_booking_token(ALICE, 42, NOW + 1).await.unwrap());
        // The same number on another user's screen is theirs to claim.
        assert!(store.claim_booking_token(BOB, 42, NOW).await.unwrap());
        // After a day the claim is forgotten (that screen has long been replaced).
        assert!(store
            .claim_booking_token(ALICE, 42, NOW + 2 * 86_400)
            .await
            .unwrap());
    }
);

both_backends!(
    concurrent_claims_of_one_token_let_exactly_one_through,
    |store: Store, _url: String, _key| async move {
        store.ensure_user(ALICE).await.unwrap();
        let claims: Vec<_> = (0..8)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move { store.claim_booking_token(ALICE, 7, NOW).await })
            })
            .collect();
        let mut won = 0;
        for claim in claims {
            if claim.await.unwrap().unwrap() {
                won += 1;
            }
        }
        assert_eq!(won, 1);
    }
);

fn visit(
    user_id: i64,
    child_id: Option<i64>,
    lpu_id: i64,
    patient: &str,
    slot: &str,
    at: i64,
) -> NewAppointment {
    NewAppointment {
        user_id,
        child_id,
        lpu_id,
        patient_id: patient.into(),
        registry_id: Some(slot.into()),
        doctor_id: None,
        slot_id: None,
        visit_at: at,
        details: AppointmentDetails {
            person: "Иванов Иван Иванович".into(),
            doctor: "Сидоров С. С.".into(),
            specialty: "Терапевт".into(),
            clinic: "Поликлиника № 11".into(),
            address: "г. Иркутск".into(),
            room: None,
            phone: None,
            latitude: None,
            longitude: None,
            local_time: "2026-12-01T09:30:00".into(),
            local_end: None,
        },
        source: AppointmentSource::Bot,
    }
}

both_backends!(
    known_patients_are_the_users_distinct_pairs_latest_first,
    |store: Store, _url: String, _key| async move {
        let day = 86_400;
        for new in [
            visit(ALICE, None, 111, "p1", "a", NOW + day),
            visit(ALICE, None, 111, "p1", "b", NOW + 2 * day),
            visit(ALICE, Some(5), 131, "c9", "c", NOW + 3 * day),
            visit(BOB, None, 111, "p2", "d", NOW + day),
        ] {
            store.upsert_appointment(&new, &[], NOW).await.unwrap();
        }
        // A cancelled visit still names a pair the registry may know more about.
        let cancelled = store
            .upsert_appointment(&visit(ALICE, None, 120, "q3", "e", NOW + day / 2), &[], NOW)
            .await
            .unwrap();
        store
            .cancel_appointment(ALICE, cancelled.id, NOW)
            .await
            .unwrap();

        assert_eq!(
            store.known_patients(ALICE).await.unwrap(),
            vec![
                KnownPatient {
                    child_id: Some(5),
                    lpu_id: 131,
                    patient_id: "c9".into()
                },
                KnownPatient {
                    child_id: None,
                    lpu_id: 111,
                    patient_id: "p1".into()
                },
                KnownPatient {
                    child_id: None,
                    lpu_id: 120,
                    patient_id: "q3".into()
                },
            ]
        );
        assert!(store.known_patients(3003).await.unwrap().is_empty());
    }
);

const H: i64 = 3600;
const DAY: i64 = 86_400;
const INTERVAL: i64 = 30 * 60;
const HORIZON: i64 = 30 * DAY;

async fn book(store: &Store, user: i64, slot: &str, at: i64) {
    store
        .upsert_appointment(&visit(user, None, 10, "p-1", slot, at), &[], NOW - H)
        .await
        .unwrap();
}

both_backends!(
    users_with_recent_visits_are_claimed_for_the_registry_sync_once_per_interval,
    |store: Store, _url: String, _key| async move {
        // Alice has a visit ahead; Bob's only visit was 40 days ago; Carol has none.
        book(&store, ALICE, "a", NOW + 5 * DAY).await;
        book(&store, BOB, "b", NOW - 40 * DAY).await;
        store.ensure_user(2003).await.unwrap();

        let claimed = store
            .claim_registry_sync(NOW, INTERVAL, HORIZON, 10)
            .await
            .unwrap();
        assert_eq!(claimed, vec![ALICE]);
        assert_eq!(
            store.registry_sync_at(ALICE).await.unwrap(),
            Some(NOW + INTERVAL)
        );
        // Not again before the interval is up; then again.
        assert!(store
            .claim_registry_sync(NOW + INTERVAL - 1, INTERVAL, HORIZON, 10)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(
            store
                .claim_registry_sync(NOW + INTERVAL, INTERVAL, HORIZON, 10)
                .await
                .unwrap(),
            vec![ALICE]
        );
        // Bob books again: now he is synced too.
        book(&store, BOB, "b2", NOW + 2 * DAY).await;
        assert_eq!(
            store
                .claim_registry_sync(NOW + INTERVAL, INTERVAL, HORIZON, 10)
                .await
                .unwrap(),
            vec![BOB]
        );
        // Rescheduling (after a failure, or after «Мои записи» synced) moves the next claim.
        store
            .schedule_registry_sync(ALICE, NOW + 3 * INTERVAL)
            .await
            .unwrap();
        assert!(store
            .claim_registry_sync(NOW + 2 * INTERVAL + 1, INTERVAL, HORIZON, 10)
            .await
            .unwrap()
            .iter()
            .all(|&u| u != ALICE));
        // Forgetting a user forgets their sync too.
        store.forget_user(ALICE).await.unwrap();
        assert_eq!(store.registry_sync_at(ALICE).await.unwrap(), None);
        assert!(store
            .claim_registry_sync(NOW + 10 * INTERVAL, INTERVAL, HORIZON, 10)
            .await
            .unwrap()
            .iter()
            .all(|&u| u != ALICE));
    }
);

both_backends!(
    concurrent_sync_claims_share_the_users_without_overlap,
    |store: Store, _url: String, _key| async move {
        let users: Vec<i64> = (3000..3060).collect();
        for &user in &users {
            book(&store, user, "s", NOW + DAY).await;
        }
        let claimers: Vec<_> = (0..4)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move {
                    let mut mine = Vec::new();
                    loop {
                        let batch = store
                            .claim_registry_sync(NOW, INTERVAL, HORIZON, 7)
                            .await
                            .unwrap();
                        if batch.is_empty() {
                            break mine;
                        }
                        mine.extend(batch);
                    }
                })
            })
            .collect();
        let mut all = Vec::new();
        for claimer in claimers {
            all.extend(claimer.await.unwrap());
        }
        all.sort_unstable();
        assert_eq!(all, users, "every user claimed exactly once");
    }
);

both_backends!(
    the_language_of_messages_follows_the_choice_then_telegram,
    |store: Store, _url: String, _key| async move {
        use kvrachu_bot::store::Lang;
        let user = store.ensure_user(ALICE).await.unwrap();
        assert_eq!(user.message_lang(), Lang::Ru);
        store.note_telegram_lang(&user, Lang::En).await.unwrap();
        let user = store.user(ALICE).await.unwrap().unwrap();
        assert_eq!(user.telegram_lang, Some(Lang::En));
        assert_eq!(user.message_lang(), Lang::En);
        store.set_lang(ALICE, Lang::Ru).await.unwrap();
        assert_eq!(
            store.user(ALICE).await.unwrap().unwrap().message_lang(),
            Lang::Ru
        );
    }
);

fn intent(slot: &str, at: i64) -> kvrachu_bot::store::NewIntent {
    kvrachu_bot::store::NewIntent {
        user_id: ALICE,
        child_id: Some(77),
        lpu_id: 204,
        patient_id: "p-77".into(),
        doctor_id: "п100.136".into(),
        slot_id: slot.into(),
        visit_at: at,
        details: AppointmentDetails {
            person: "Иванова Мария Ивановна".into(),
            local_time: "2026-12-01T09:30:00".into(),
            ..AppointmentDetails::default()
        },
    }
}

both_backends!(
    a_booking_intent_is_kept_sealed_renewed_by_a_retry_and_closed_once,
    |store: Store, url: String, _key| async move {
        let slot = "17.02.2025;10:30;п100.136";
        let (id, before) = store
            .open_intent(&intent(slot, NOW + 86_400), NOW)
            .await
            .unwrap();
        assert!(!before);
        // The same slot booked again (a retry after a lost answer) is the same intent.
        let (again, before) = store
            .open_intent(&intent(slot, NOW + 86_400), NOW + 30)
            .await
            .unwrap();
        assert_eq!((again, before), (id, true));
        let open = store.open_intents(ALICE).await.unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].created_at, NOW + 30);
        assert_eq!(open[0].booking.details.person, "Иванова Мария Ивановна");
        assert_eq!(open[0].booking.child_id, Some(77));
        assert!(open[0].matches(Some("п100.136"), NOW + 86_400));
        assert!(!open[0].matches(Some("other"), NOW + 86_400));
        assert!(!open[0].matches(None, NOW + 86_400 + 900));
        // The patient's name never lies in the database in the clear.
        let sealed = raw_intent_details(&url).await;
        assert_eq!(sealed.len(), 1);
        assert!(!sealed[0]
            .windows("Иванова".len())
            .any(|w| w == "Иванова".as_bytes()));
        // Its clinic is asked about at the next sync, before any other.
        let known = store.known_patients(ALICE).await.unwrap();
        assert_eq!(
            known[0],
            KnownPatient {
                child_id: Some(77),
                lpu_id: 204,
                patient_id: "p-77".into()
            }
        );
        assert!(store.close_intent(ALICE, id).await.unwrap());
        assert!(!store.close_intent(ALICE, id).await.unwrap());
        assert!(store.open_intents(ALICE).await.unwrap().is_empty());
    }
);

both_backends!(
    a_user_with_only_an_open_intent_or_a_known_clinic_is_claimed_for_sync,
    |store: Store, _url: String, _key| async move {
        store
            .open_intent(&intent("s1", NOW + 86_400), NOW)
            .await
            .unwrap();
        store
            .remember_patient(BOB, None, 300, "bob-300", NOW)
            .await
            .unwrap();
        let claimed = store
            .claim_registry_sync(NOW, 1800, 30 * 86_400, 10)
            .await
            .unwrap();
        assert_eq!(claimed, vec![ALICE, BOB]);
        let known = store.known_patients(BOB).await.unwrap();
        assert_eq!(
            known,
            vec![KnownPatient {
                child_id: None,
                lpu_id: 300,
                patient_id: "bob-300".into()
            }]
        );
    }
);

both_backends!(
    a_booking_made_here_learns_its_registry_id_and_is_found_by_it_afterwards,
    |store: Store, _url: String, _key| async move {
        let mut new = visit(
            ALICE,
            None,
            204,
            "p1",
            "738_2026-12-01_09:30:00",
            NOW + 86_400,
        );
        new.registry_id = None;
        new.slot_id = Some("738_2026-12-01_09:30:00".into());
        new.doctor_id = Some("d1".into());
        let stored = store.upsert_appointment(&new, &[], NOW).await.unwrap();
        assert_eq!(stored.booking.registry_id, None);
        // The slot id is not a registry id: nothing is found by it.
        assert_eq!(
            store
                .appointment_by_registry_id(ALICE, 204, "738_2026-12-01_09:30:00")
                .await
                .unwrap(),
            None
        );
        // Stored again before the id is known (a retry): the same row.
        let again = store.upsert_appointment(&new, &[], NOW).await.unwrap();
        assert_eq!(again.id, stored.id);
        // Stored with the id learnt: still the same row, now known by that id.
        new.registry_id = Some("14643472".into());
        let learnt = store.upsert_appointment(&new, &[], NOW).await.unwrap();
        assert_eq!(learnt.id, stored.id);
        assert_eq!(learnt.booking.registry_id.as_deref(), Some("14643472"));
        assert_eq!(learnt.booking.doctor_id.as_deref(), Some("d1"));
        let found = store
            .appointment_by_registry_id(ALICE, 204, "14643472")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.id, stored.id);
        assert_eq!(
            store.upcoming_appointments(ALICE, NOW).await.unwrap().len(),
            1
        );
    }
);

/// The `details` column of every booking intent, as a database administrator would see it.
async fn raw_intent_details(url: &str) -> Vec<Vec<u8>> {
    use sqlx::Connection;
    const RAW: &str = "SELECT details FROM booking_intents";
    if url.starts_with("sqlite") {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query_scalar(RAW).fetch_all(&mut conn).await.unwrap()
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query_scalar(RAW).fetch_all(&mut conn).await.unwrap()
    }
}
