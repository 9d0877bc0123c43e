//! Appointments and their reminders: booking plans reminders, cancelling and moving change them, settings
//! re-plan them, and workers claim, mark and retry them.

use std::time::Duration;

use kvrachu_bot::store::{
    AppointmentDetails, AppointmentSource, AppointmentStatus, DataKey, NewAppointment,
    ReminderSettings, ReminderStatus, Store,
};

use crate::both_backends;

const H: i64 = 3600;
const NOW: i64 = 1_795_000_000;
const USER: i64 = 501;

fn defaults() -> Vec<Duration> {
    vec![Duration::from_secs(86_400), Duration::from_secs(7_200)]
}

fn details(person: &str) -> AppointmentDetails {
    AppointmentDetails {
        person: person.to_owned(),
        doctor: "Иванова Анна Сергеевна".to_owned(),
        specialty: "Терапевт".to_owned(),
        clinic: "ГП №1".to_owned(),
        address: "г. Иркутск, ул. Ленина, 1".to_owned(),
        room: Some("12".to_owned()),
        phone: Some("+7 3952 000000".to_owned()),
        latitude: Some(52.2869),
        longitude: Some(104.305),
        local_time: "2026-12-01T09:30:00".to_owned(),
        local_end: None,
    }
}

fn booking(user_id: i64, registry_id: &str, visit_at: i64) -> NewAppointment {
    NewAppointment {
        user_id,
        child_id: None,
        lpu_id: 10,
        patient_id: "p-77".to_owned(),
        registry_id: Some(registry_id.to_owned()),
        doctor_id: None,
        slot_id: None,
        visit_at,
        details: details("Петров Пётр Петрович"),
        source: AppointmentSource::Bot,
    }
}

fn plan(reminders: &[kvrachu_bot::store::Reminder]) -> Vec<(i64, i64, ReminderStatus)> {
    reminders
        .iter()
        .map(|r| (r.offset_secs, r.due_at, r.status))
        .collect()
}

both_backends!(
    booking_plans_the_default_reminders_and_rebooking_the_same_slot_changes_nothing,
    |store: Store, _url: String, _key: DataKey| async move {
        let visit = NOW + 3 * 24 * H;
        let appointment = store
            .upsert_appointment(&booking(USER, "slot-1", visit), &defaults(), NOW)
            .await
            .unwrap();
        assert_eq!(appointment.status, AppointmentStatus::Booked);
        assert_eq!(appointment.booking.source, AppointmentSource::Bot);
        assert_eq!(appointment.booking.details, details("Петров Пётр Петрович"));
        let reminders = store.reminders_of(appointment.id).await.unwrap();
        assert_eq!(
            plan(&reminders),
            vec![
                (24 * H, visit - 24 * H, ReminderStatus::Pending),
                (2 * H, visit - 2 * H, ReminderStatus::Pending)
            ]
        );
        assert!(reminders.iter().all(|r| r.user_id == USER));

        // The registry sync finds the same slot again: one appointment, the same reminders.
        let mut again = booking(USER, "slot-1", visit);
        again.source = AppointmentSource::Registry;
        let same = store
            .upsert_appointment(&again, &defaults(), NOW + 60)
            .await
            .unwrap();
        assert_eq!(same.id, appointment.id);
        assert_eq!(store.reminders_of(appointment.id).await.unwrap(), reminders);
        assert_eq!(
            store.upcoming_appointments(USER, NOW).await.unwrap().len(),
            1
        );
    }
);

both_backends!(
    a_visit_later_the_same_day_gets_only_the_reminders_still_ahead,
    |store: Store, _url: String, _key: DataKey| async move {
        let soon = store
            .upsert_appointment(&booking(USER, "today", NOW + 5 * H), &defaults(), NOW)
            .await
            .unwrap();
        assert_eq!(
            plan(&store.reminders_of(soon.id).await.unwrap()),
            vec![(2 * H, NOW + 3 * H, ReminderStatus::Pending)]
        );
        let very_soon = store
            .upsert_appointment(&booking(USER, "in-an-hour", NOW + H), &defaults(), NOW)
            .await
            .unwrap();
        assert!(store.reminders_of(very_soon.id).await.unwrap().is_empty());
    }
);

both_backends!(
    appointments_are_scoped_to_their_owner_and_listed_soonest_first,
    |store: Store, _url: String, _key: DataKey| async move {
        let later = store
            .upsert_appointment(&booking(USER, "b", NOW + 50 * H), &defaults(), NOW)
            .await
            .unwrap();
        let sooner = store
            .upsert_appointment(&booking(USER, "a", NOW + 30 * H), &defaults(), NOW)
            .await
            .unwrap();
        let past = store
            .upsert_appointment(&booking(USER, "old", NOW - H), &defaults(), NOW)
            .await
            .unwrap();
        assert!(store.reminders_of(past.id).await.unwrap().is_empty());
        let ids: Vec<i64> = store
            .upcoming_appointments(USER, NOW)
            .await
            .unwrap()
            .iter()
            .map(|a| a.id)
            .collect();
        assert_eq!(ids, vec![sooner.id, later.id]);
        assert_eq!(store.appointment(999, sooner.id).await.unwrap(), None);
        assert!(store
            .upcoming_appointments(999, NOW)
            .await
            .unwrap()
            .is_empty());
        assert!(!store.cancel_appointment(999, sooner.id, NOW).await.unwrap());
        assert_eq!(
            store
                .appointment(USER, sooner.id)
                .await
                .unwrap()
                .unwrap()
                .status,
            AppointmentStatus::Booked
        );
    }
);

both_backends!(
    details_are_sealed_at_rest,
    |store: Store, url: String, _key: DataKey| async move {
        store
            .upsert_appointment(&booking(USER, "s", NOW + 30 * H), &defaults(), NOW)
            .await
            .unwrap();
        let raw = crate::databases::raw_column(&url, "appointments", "details").await;
        assert_eq!(raw.len(), 1);
        assert!(!crate::databases::bytes_contain(&raw[0], "Петров"));
    }
);

both_backends!(
    cancelling_drops_pending_reminders_and_keeps_the_record_of_sent_ones,
    |store: Store, _url: String, _key: DataKey| async move {
        let visit = NOW + 3 * 24 * H;
        let a = store
            .upsert_appointment(&booking(USER, "s", visit), &defaults(), NOW)
            .await
            .unwrap();
        let first = store.reminders_of(a.id).await.unwrap()[0].clone();
        let due = first.due_at;
        let claimed = store.claim_due_reminders(due, 60, 10).await.unwrap();
        assert_eq!(claimed.len(), 1);
        assert!(store.mark_reminder_sent(first.id, due).await.unwrap());

        assert!(store
            .cancel_appointment(USER, a.id, due + 10)
            .await
            .unwrap());
        assert!(!store
            .cancel_appointment(USER, a.id, due + 11)
            .await
            .unwrap());
        assert_eq!(
            plan(&store.reminders_of(a.id).await.unwrap()),
            vec![(24 * H, visit - 24 * H, ReminderStatus::Sent)]
        );
        assert!(store
            .upcoming_appointments(USER, NOW)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(store.next_reminder_at().await.unwrap(), None);
    }
);

both_backends!(
    a_visit_the_registry_moves_gets_its_reminders_planned_afresh,
    |store: Store, _url: String, _key: DataKey| async move {
        let a = store
            .upsert_appointment(&booking(USER, "s", NOW + 3 * 24 * H), &defaults(), NOW)
            .await
            .unwrap();
        let first = store.reminders_of(a.id).await.unwrap()[0].clone();
        store
            .claim_due_reminders(first.due_at, 60, 10)
            .await
            .unwrap();
        store
            .mark_reminder_sent(first.id, first.due_at)
            .await
            .unwrap();

        // The registry reports the slot at another time.
        let new_visit = NOW + 5 * 24 * H;
        let moved = store
            .upsert_appointment(
                &booking(USER, "s", new_visit),
                &defaults(),
                first.due_at + 5,
            )
            .await
            .unwrap();
        assert_eq!(moved.id, a.id);
        assert_eq!(moved.booking.visit_at, new_visit);
        // The 24 h reminder spoke of the old time: the new time gets its own.
        assert_eq!(
            plan(&store.reminders_of(a.id).await.unwrap()),
            vec![
                (24 * H, new_visit - 24 * H, ReminderStatus::Pending),
                (2 * H, new_visit - 2 * H, ReminderStatus::Pending)
            ]
        );
    }
);

both_backends!(
    reminder_settings_are_stored_and_re_plan_upcoming_visits,
    |store: Store, _url: String, _key: DataKey| async move {
        assert_eq!(
            store.reminder_settings(USER).await.unwrap(),
            ReminderSettings::default()
        );
        let visit = NOW + 3 * 24 * H;
        let a = store
            .upsert_appointment(&booking(USER, "s", visit), &defaults(), NOW)
            .await
            .unwrap();

        let off = ReminderSettings {
            enabled: false,
            offsets: None,
        };
        store
            .set_reminder_settings(USER, &off, &defaults(), NOW)
            .await
            .unwrap();
        assert_eq!(store.reminder_settings(USER).await.unwrap(), off);
        assert!(store.reminders_of(a.id).await.unwrap().is_empty());
        // Booking while reminders are off plans none.
        let b = store
            .upsert_appointment(&booking(USER, "t", visit + H), &defaults(), NOW)
            .await
            .unwrap();
        assert!(store.reminders_of(b.id).await.unwrap().is_empty());

        let one_hour = ReminderSettings {
            enabled: true,
            offsets: Some(vec![H]),
        };
        store
            .set_reminder_settings(USER, &one_hour, &defaults(), NOW)
            .await
            .unwrap();
        assert_eq!(store.reminder_settings(USER).await.unwrap(), one_hour);
        for id in [a.id, b.id] {
            let reminders = store.reminders_of(id).await.unwrap();
            assert_eq!(reminders.len(), 1);
            assert_eq!(reminders[0].offset_secs, H);
        }
    }
);

both_backends!(
    a_due_reminder_is_claimed_once_until_its_lease_runs_out,
    |store: Store, _url: String, _key: DataKey| async move {
        let visit = NOW + 3 * 24 * H;
        let a = store
            .upsert_appointment(&booking(USER, "s", visit), &defaults(), NOW)
            .await
            .unwrap();
        let due = visit - 24 * H;
        assert_eq!(store.next_reminder_at().await.unwrap(), Some(due));
        assert!(store
            .claim_due_reminders(due - 1, 60, 10)
            .await
            .unwrap()
            .is_empty());

        let claimed = store.claim_due_reminders(due, 60, 10).await.unwrap();
        assert_eq!(claimed.len(), 1);
        let claim = &claimed[0];
        assert_eq!(claim.appointment_id, a.id);
        assert_eq!(claim.user_id, USER);
        assert_eq!(claim.offset_secs, 24 * H);
        assert_eq!(claim.attempts, 1);
        assert_eq!(claim.lease_until, due + 60);
        // Held: nobody else gets it, and the next moment is when the lease runs out.
        assert!(store
            .claim_due_reminders(due + 30, 60, 10)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(store.next_reminder_at().await.unwrap(), Some(due + 61));
        // The holder died: after the lease, it is claimed again.
        let again = store.claim_due_reminders(due + 61, 60, 10).await.unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].attempts, 2);

        assert!(store.mark_reminder_sent(claim.id, due + 62).await.unwrap());
        assert!(!store.mark_reminder_sent(claim.id, due + 63).await.unwrap());
        let sent = store.reminder(claim.id).await.unwrap().unwrap();
        assert_eq!(sent.status, ReminderStatus::Sent);
        assert_eq!(sent.sent_at, Some(due + 62));
        assert_eq!(sent.lease_until, None);
        assert!(store
            .claim_due_reminders(due + 500, 60, 10)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(store.next_reminder_at().await.unwrap(), Some(visit - 2 * H));
    }
);

both_backends!(
    retries_wait_for_their_time_and_final_failures_are_never_claimed_again,
    |store: Store, _url: String, _key: DataKey| async move {
        let visit = NOW + 3 * 24 * H;
        store
            .upsert_appointment(&booking(USER, "s", visit), &defaults(), NOW)
            .await
            .unwrap();
        let late = visit - H;
        let claimed = store.claim_due_reminders(late, 60, 10).await.unwrap();
        assert_eq!(claimed.len(), 2, "both are due, soonest first");
        assert!(claimed[0].due_at < claimed[1].due_at);

        assert!(store
            .reschedule_reminder(claimed[0].id, late + 30, "retry-after")
            .await
            .unwrap());
        assert!(store
            .mark_reminder_failed(claimed[1].id, "bot-blocked")
            .await
            .unwrap());
        assert_eq!(store.next_reminder_at().await.unwrap(), Some(late + 30));
        assert!(store
            .claim_due_reminders(late + 29, 60, 10)
            .await
            .unwrap()
            .is_empty());
        let retried = store.claim_due_reminders(late + 30, 60, 10).await.unwrap();
        assert_eq!(retried.len(), 1);
        assert_eq!(retried[0].id, claimed[0].id);
        let failed = store.reminder(claimed[1].id).await.unwrap().unwrap();
        assert_eq!(failed.status, ReminderStatus::Failed);
        assert_eq!(failed.last_error.as_deref(), Some("bot-blocked"));

        // A released claim can be taken at once.
        store.release_reminder(retried[0].id).await.unwrap();
        assert_eq!(
            store
                .claim_due_reminders(late + 31, 60, 10)
                .await
                .unwrap()
                .len(),
            1
        );
    }
);

both_backends!(
    the_claim_takes_at_most_the_limit_soonest_first,
    |store: Store, _url: String, _key: DataKey| async move {
        for i in 0..5 {
            store
                .upsert_appointment(
                    &booking(USER, &format!("s{i}"), NOW + 10 * H - i * 60),
                    &defaults(),
                    NOW,
                )
                .await
                .unwrap();
        }
        let first = store.claim_due_reminders(NOW + 9 * H, 60, 3).await.unwrap();
        assert_eq!(first.len(), 3);
        let dues: Vec<i64> = first.iter().map(|c| c.due_at).collect();
        let mut sorted = dues.clone();
        sorted.sort();
        assert_eq!(dues, sorted);
        assert_eq!(dues[0], NOW + 8 * H - 4 * 60);
        let rest = store.claim_due_reminders(NOW + 9 * H, 60, 3).await.unwrap();
        assert_eq!(rest.len(), 2);
    }
);

both_backends!(
    a_sync_cancels_visits_the_registry_no_longer_lists,
    |store: Store, _url: String, _key: DataKey| async move {
        let kept = store
            .upsert_appointment(&booking(USER, "kept", NOW + 30 * H), &defaults(), NOW)
            .await
            .unwrap();
        let gone = store
            .upsert_appointment(&booking(USER, "gone", NOW + 40 * H), &defaults(), NOW)
            .await
            .unwrap();
        // Just booked: the clinic's list may not show it yet.
        let listed = ["kept".to_owned()];
        let fresh = store
            .cancel_missing_from_registry(USER, 10, "p-77", &listed, NOW + 60)
            .await
            .unwrap();
        assert!(fresh.is_empty(), "{fresh:?}");
        assert_eq!(store.reminders_of(gone.id).await.unwrap().len(), 2);
        let later = NOW + kvrachu_bot::store::appointments::REGISTRY_LAG_SECS;
        let cancelled = store
            .cancel_missing_from_registry(USER, 10, "p-77", &listed, later)
            .await
            .unwrap();
        assert_eq!(cancelled, vec![gone.id]);
        assert_eq!(
            store
                .appointment(USER, gone.id)
                .await
                .unwrap()
                .unwrap()
                .status,
            AppointmentStatus::Cancelled
        );
        assert!(store.reminders_of(gone.id).await.unwrap().is_empty());
        assert_eq!(store.reminders_of(kept.id).await.unwrap().len(), 2);
    }
);

both_backends!(
    forgetting_a_user_removes_their_appointments_and_reminders,
    |store: Store, _url: String, _key: DataKey| async move {
        let a = store
            .upsert_appointment(&booking(USER, "s", NOW + 30 * H), &defaults(), NOW)
            .await
            .unwrap();
        let other = store
            .upsert_appointment(&booking(USER + 1, "s", NOW + 30 * H), &defaults(), NOW)
            .await
            .unwrap();
        store.forget_user(USER).await.unwrap();
        assert_eq!(store.appointment(USER, a.id).await.unwrap(), None);
        assert!(store.reminders_of(a.id).await.unwrap().is_empty());
        assert_eq!(store.reminders_of(other.id).await.unwrap().len(), 2);
    }
);
