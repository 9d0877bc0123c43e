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
        registry_id: slot.into(),
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
