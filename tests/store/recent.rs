//! «Записаться снова»: a person's recent doctors, from their own visits only, latest first, each once.

use std::time::Duration;

use chrono::NaiveDate;
use kvrachu_bot::domain::{BirthDate, FullName, PolicyNumber, Relation, Sex};
use kvrachu_bot::store::{
    AppointmentDetails, AppointmentSource, ChildDetails, DataKey, NewAppointment, RecentDoctor,
    Store,
};

use crate::both_backends;

const NOW: i64 = 1_795_000_000;
const DAY: i64 = 86_400;
const MOTHER: i64 = 601;
const STRANGER: i64 = 602;

fn daughter() -> ChildDetails {
    ChildDetails {
        full_name: FullName::parse("Иванова Мария Ивановна").unwrap(),
        birth_date: BirthDate::try_from(NaiveDate::from_ymd_opt(2016, 5, 10).unwrap()).unwrap(),
        sex: Sex::Female,
        relation: Relation::Daughter,
        policy: PolicyNumber::parse_new("3851234512345678").unwrap(),
    }
}

/// A visit of `user` (for `child`) to `doctor` (`None`: the registry did not name one) at `lpu`.
fn visit(
    user: i64,
    child: Option<i64>,
    lpu: i64,
    doctor: Option<&str>,
    at: i64,
    slot: &str,
) -> NewAppointment {
    NewAppointment {
        user_id: user,
        child_id: child,
        lpu_id: lpu,
        patient_id: "p-1".to_owned(),
        registry_id: None,
        doctor_id: doctor.map(str::to_owned),
        slot_id: Some(slot.to_owned()),
        visit_at: at,
        details: AppointmentDetails {
            person: "Иванова Мария Ивановна".to_owned(),
            doctor: format!("Доктор {}", doctor.unwrap_or("?")),
            specialty: format!("Специальность {lpu}"),
            clinic: format!("Клиника {lpu}"),
            address: "г. Иркутск".to_owned(),
            local_time: "2026-12-01T09:30:00".to_owned(),
            ..AppointmentDetails::default()
        },
        source: AppointmentSource::Bot,
    }
}

fn doctors(recent: &[RecentDoctor]) -> Vec<(i64, &str, i64)> {
    recent
        .iter()
        .map(|r| (r.lpu_id, r.doctor_id.as_str(), r.visit_at))
        .collect()
}

both_backends!(
    recent_doctors_are_the_persons_own_latest_first_each_once,
    |store: Store, _url: String, _key: DataKey| async move {
        store.ensure_user(MOTHER).await.unwrap();
        store.ensure_user(STRANGER).await.unwrap();
        let child = store.add_child(MOTHER, &daughter()).await.unwrap().id;
        let none: [Duration; 0] = [];
        let book = |v: NewAppointment| {
            let store = store.clone();
            async move { store.upsert_appointment(&v, &none, NOW).await.unwrap() }
        };
        // The mother: a therapist twice (past and upcoming), a surgeon, and a visit without a doctor id.
        book(visit(MOTHER, None, 10, Some("t1"), NOW - 30 * DAY, "s1")).await;
        book(visit(MOTHER, None, 10, Some("t1"), NOW + 2 * DAY, "s2")).await;
        book(visit(MOTHER, None, 10, Some("h1"), NOW - 10 * DAY, "s3")).await;
        book(visit(MOTHER, None, 10, None, NOW - 5 * DAY, "s4")).await;
        // The same doctor id at another clinic is another doctor.
        book(visit(MOTHER, None, 20, Some("t1"), NOW - 60 * DAY, "s5")).await;
        // The daughter: a pediatrician; one cancelled visit to an ENT.
        book(visit(
            MOTHER,
            Some(child),
            30,
            Some("p1"),
            NOW - 3 * DAY,
            "s6",
        ))
        .await;
        let ent = book(visit(MOTHER, Some(child), 30, Some("e1"), NOW + DAY, "s7")).await;
        assert!(store.cancel_appointment(MOTHER, ent.id, NOW).await.unwrap());
        // Someone else's visits are never the mother's.
        book(visit(STRANGER, None, 10, Some("x1"), NOW, "s8")).await;

        let mother = store.recent_doctors(MOTHER, None, 5).await.unwrap();
        assert_eq!(
            doctors(&mother),
            vec![
                (10, "t1", NOW + 2 * DAY),
                (10, "h1", NOW - 10 * DAY),
                (20, "t1", NOW - 60 * DAY)
            ]
        );
        assert_eq!(mother[0].doctor, "Доктор t1");
        assert_eq!(mother[0].specialty, "Специальность 10");
        assert_eq!(mother[0].clinic, "Клиника 10");

        let daughter = store.recent_doctors(MOTHER, Some(child), 5).await.unwrap();
        assert_eq!(doctors(&daughter), vec![(30, "p1", NOW - 3 * DAY)]);

        let limited = store.recent_doctors(MOTHER, None, 2).await.unwrap();
        assert_eq!(limited.len(), 2);
        assert!(store
            .recent_doctors(STRANGER, Some(child), 5)
            .await
            .unwrap()
            .is_empty());
        assert!(store.recent_doctors(999, None, 5).await.unwrap().is_empty());
    }
);
