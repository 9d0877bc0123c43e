//! The appointment sync worker against a registry mock (wiremock) and a fake Bot API: a visit cancelled
//! at the clinic, a visit booked by phone, a registry that does not answer, a user who blocked the bot, the
//! user's language, and the real loop.

use std::sync::Arc;
use std::time::Duration;

use kvrachu_bot::bot::Ctx;
use kvrachu_bot::store::{
    Appointment, AppointmentDetails, AppointmentSource, AppointmentStatus, DataKey, NewAppointment,
    NewIntent, ReminderStatus, Store,
};
use kvrachu_bot::workers::{SyncStep, SyncWorker};
use serde_json::{json, Value};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{ctx_with_registry, envelope, settings, throttled_for, API};
use crate::databases::TestDb;
use crate::fake_telegram::{Failure, FakeTelegram};

const H: i64 = 3600;
/// 2026-11-28 12:00 UTC = 20:00 in Irkutsk.
const NOW: i64 = 1_795_867_200;
const USER: i64 = 5151;
const CLINIC: i64 = 204;
const PATIENT: &str = "4412783";
/// 2026-12-01 09:30 in Irkutsk.
const VISIT: i64 = 1_796_088_600;
const VISIT_LOCAL: &str = "2026-12-01T09:30:00";

struct Setup {
    ctx: Arc<Ctx>,
    fake: FakeTelegram,
    registry: MockServer,
    worker: SyncWorker,
    _db: TestDb,
}

impl Setup {
    fn store(&self) -> &Store {
        &self.ctx.store
    }

    async fn status(&self, id: i64) -> AppointmentStatus {
        self.store()
            .appointment(USER, id)
            .await
            .unwrap()
            .expect("the appointment is kept")
            .status
    }
}

async fn setup() -> Setup {
    let db = TestDb::sqlite().await;
    let store = db.store(&DataKey::generate()).await;
    let fake = FakeTelegram::start().await;
    let registry = MockServer::start().await;
    let settings = settings(&[("SYNC_INTERVAL", "30m"), ("REMINDERS", "24h,2h")]);
    let ctx = ctx_with_registry(&store, &registry, settings);
    let worker = SyncWorker::new(ctx.clone(), throttled_for(&fake.url()));
    Setup {
        ctx,
        fake,
        registry,
        worker,
        _db: db,
    }
}

/// The registry's list of the patient's visits at the clinic.
async fn registry_lists(server: &MockServer, visits: Value) {
    server.reset().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/appointments")))
        .and(query_param("lpuId", CLINIC.to_string()))
        .and(query_param("patientId", PATIENT))
        .respond_with(envelope(visits))
        .mount(server)
        .await;
}

fn listed(id: &str, local: &str) -> Value {
    json!({
        "appointmentId": id,
        "visitStart": local,
        "lpuId": CLINIC,
        "lpuShortName": "Поликлиника № 11",
        "lpuAddress": "г. Иркутск, ул. Ядринцева, 1",
        "lpuPhone": "+7 3952 29-11-11",
        "patientId": PATIENT,
        "patientFullName": "Иванова Мария Петровна",
        "patientBirthDate": "1988-03-05T00:00:00",
        "doctorRendingConsultation": { "id": "ab-17", "name": "Смирнова Елена Викторовна", "ariaNumber": null },
        "specialityRendingConsultation": { "id": "109", "name": "Терапевт", "ferId": "27" },
        "status": "Записан"
    })
}

/// A visit booked through the bot an hour before `NOW`, with its reminders planned.
async fn booked_here(store: &Store, slot: &str, visit_at: i64) -> Appointment {
    store.record_consent(USER, NOW - 2 * H).await.unwrap();
    store
        .upsert_appointment(
            &NewAppointment {
                user_id: USER,
                child_id: None,
                lpu_id: CLINIC,
                patient_id: PATIENT.to_owned(),
                registry_id: Some(slot.to_owned()),
                doctor_id: None,
                slot_id: None,
                visit_at,
                details: AppointmentDetails {
                    person: "Иванова Мария Петровна".to_owned(),
                    doctor: "Смирнова Елена Викторовна".to_owned(),
                    specialty: "Терапевт".to_owned(),
                    clinic: "Поликлиника № 11".to_owned(),
                    address: "г. Иркутск, ул. Ядринцева, 1".to_owned(),
                    room: Some("214".to_owned()),
                    phone: Some("+7 3952 29-11-11".to_owned()),
                    latitude: None,
                    longitude: None,
                    local_time: VISIT_LOCAL.to_owned(),
                    local_end: None,
                },
                source: AppointmentSource::Bot,
            },
            &[Duration::from_secs(86_400), Duration::from_secs(7_200)],
            NOW - H,
        )
        .await
        .unwrap()
}

fn pending(reminders: &[kvrachu_bot::store::Reminder]) -> usize {
    reminders
        .iter()
        .filter(|r| r.status == ReminderStatus::Pending)
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_visit_the_clinic_cancelled_is_cancelled_here_without_reminders_and_the_user_is_told() {
    let s = setup().await;
    let kept = booked_here(s.store(), "738_2026-12-01_09:30:00", VISIT).await;
    let gone = booked_here(
        s.store(),
        "738_2026-12-02_10:00:00",
        VISIT + 24 * H + 30 * 60,
    )
    .await;
    registry_lists(
        &s.registry,
        json!([listed(
            kept.booking.registry_id.as_deref().unwrap(),
            VISIT_LOCAL
        )]),
    )
    .await;

    let step = s.worker.try_execute_step(NOW).await.unwrap();
    assert_eq!(
        step,
        SyncStep {
            users: 1,
            synced: 1,
            found: 0,
            cancelled: 1,
            notified: 1,
            ..SyncStep::default()
        }
    );
    assert_eq!(s.status(gone.id).await, AppointmentStatus::Cancelled);
    assert_eq!(pending(&s.store().reminders_of(gone.id).await.unwrap()), 0);
    assert_eq!(s.status(kept.id).await, AppointmentStatus::Booked);
    assert_eq!(pending(&s.store().reminders_of(kept.id).await.unwrap()), 2);

    let messages = s.fake.messages_to(USER);
    assert_eq!(messages.len(), 1);
    let text = messages[0].text();
    assert!(text.contains("Запись отменена в поликлинике"), "{text}");
    assert!(text.contains("ср, 02.12.2026 в 10:00"), "{text}");
    assert!(text.contains("Смирнова Елена Викторовна"), "{text}");
    assert!(text.contains("напоминаний о ней не будет"), "{text}");
    assert_eq!(
        messages[0].buttons(),
        vec![
            ("📝 Записаться снова".to_owned(), "s:book".to_owned()),
            ("📋 Мои записи".to_owned(), "s:appts".to_owned())
        ]
    );

    // Synced: not asked again before the interval is up, and then nothing new to say.
    assert_eq!(s.worker.try_execute_step(NOW + 60).await.unwrap().users, 0);
    let later = s.worker.try_execute_step(NOW + 30 * 60).await.unwrap();
    assert_eq!((later.users, later.synced, later.cancelled), (1, 1, 0));
    assert_eq!(s.fake.messages_to(USER).len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_visit_booked_by_phone_gets_reminders_and_the_user_is_told() {
    let s = setup().await;
    let here = booked_here(s.store(), "738_2026-12-01_09:30:00", VISIT).await;
    let phone_slot = "738_2026-12-03_08:40:00";
    registry_lists(
        &s.registry,
        json!([
            listed(here.booking.registry_id.as_deref().unwrap(), VISIT_LOCAL),
            listed(phone_slot, "2026-12-03T08:40:00"),
            // Already over: not worth a reminder or a word.
            listed("738_2026-11-27_09:00:00", "2026-11-27T09:00:00"),
        ]),
    )
    .await;

    let step = s.worker.try_execute_step(NOW).await.unwrap();
    assert_eq!((step.found, step.cancelled, step.notified), (1, 0, 1));
    let all = s.store().upcoming_appointments(USER, NOW).await.unwrap();
    assert_eq!(all.len(), 2);
    let found = all
        .iter()
        .find(|a| a.booking.registry_id.as_deref() == Some(phone_slot))
        .unwrap();
    assert_eq!(found.booking.source, AppointmentSource::Registry);
    assert_eq!(found.booking.details.person, "Иванова Мария Петровна");
    assert_eq!(found.booking.details.clinic, "Поликлиника № 11");
    assert_eq!(found.booking.visit_at, VISIT + 2 * 24 * H - 50 * 60);
    let reminders = s.store().reminders_of(found.id).await.unwrap();
    assert_eq!(
        reminders
            .iter()
            .map(|r| (r.offset_secs, r.due_at))
            .collect::<Vec<_>>(),
        vec![
            (86_400, found.booking.visit_at - 86_400),
            (7_200, found.booking.visit_at - 7_200)
        ]
    );

    let messages = s.fake.messages_to(USER);
    assert_eq!(messages.len(), 1);
    let text = messages[0].text();
    assert!(
        text.contains("Нашли вашу запись, сделанную не через бота"),
        "{text}"
    );
    assert!(text.contains("чт, 03.12.2026 в 08:40"), "{text}");
    assert!(text.starts_with("🧪"), "every demo screen says so: {text}");
    let buttons: Vec<String> = messages[0].buttons().into_iter().map(|(_, d)| d).collect();
    assert!(
        buttons.contains(&format!("ap:c:{}", found.id)),
        "{buttons:?}"
    );
    assert!(
        buttons.contains(&format!("ap:i:{}", found.id)),
        "{buttons:?}"
    );

    // The next sync finds nothing new and says nothing.
    let again = s.worker.try_execute_step(NOW + 30 * 60).await.unwrap();
    assert_eq!((again.found, again.cancelled, again.notified), (0, 0, 0));
    assert_eq!(s.fake.messages_to(USER).len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_registry_that_does_not_answer_changes_nothing_and_is_asked_again_sooner() {
    let s = setup().await;
    let visit = booked_here(s.store(), "738_2026-12-01_09:30:00", VISIT).await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/appointments")))
        .respond_with(ResponseTemplate::new(503))
        .mount(&s.registry)
        .await;

    let step = s.worker.try_execute_step(NOW).await.unwrap();
    assert_eq!((step.users, step.synced, step.cancelled), (1, 0, 0));
    assert_eq!(s.status(visit.id).await, AppointmentStatus::Booked);
    assert_eq!(pending(&s.store().reminders_of(visit.id).await.unwrap()), 2);
    assert!(s.fake.messages_to(USER).is_empty());
    // Tried again in five minutes rather than at the next interval.
    assert_eq!(
        s.store().registry_sync_at(USER).await.unwrap(),
        Some(NOW + 5 * 60)
    );
    assert_eq!(
        s.worker.try_execute_step(NOW + 4 * 60).await.unwrap().users,
        0
    );

    // Back, and the visit is gone: now it is cancelled.
    registry_lists(&s.registry, json!([])).await;
    let step = s.worker.try_execute_step(NOW + 5 * 60).await.unwrap();
    assert_eq!((step.users, step.synced, step.cancelled), (1, 1, 1));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_visit_booked_minutes_ago_is_not_taken_for_cancelled() {
    let s = setup().await;
    let visit = booked_here(s.store(), "738_2026-12-01_09:30:00", VISIT).await;
    registry_lists(&s.registry, json!([])).await;
    // Booked at NOW - 1 h, synced 5 minutes later: the clinic's list may lag behind.
    let step = s.worker.try_execute_step(NOW - H + 5 * 60).await.unwrap();
    assert_eq!((step.synced, step.cancelled), (1, 0));
    assert_eq!(s.status(visit.id).await, AppointmentStatus::Booked);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_who_blocked_the_bot_still_has_their_visits_synced() {
    let s = setup().await;
    let visit = booked_here(s.store(), "738_2026-12-01_09:30:00", VISIT).await;
    registry_lists(&s.registry, json!([])).await;
    s.fake.fail_chat(USER, Failure::blocked(), None);

    let step = s.worker.try_execute_step(NOW).await.unwrap();
    assert_eq!((step.synced, step.cancelled, step.notified), (1, 1, 0));
    assert_eq!(s.status(visit.id).await, AppointmentStatus::Cancelled);
}

#[tokio::test(flavor = "multi_thread")]
async fn notices_are_in_the_users_language() {
    let s = setup().await;
    let visit = booked_here(s.store(), "738_2026-12-01_09:30:00", VISIT).await;
    let user = s.store().user(USER).await.unwrap().unwrap();
    s.store()
        .note_telegram_lang(&user, kvrachu_bot::i18n::Lang::En)
        .await
        .unwrap();
    registry_lists(&s.registry, json!([])).await;

    s.worker.try_execute_step(NOW).await.unwrap();
    let messages = s.fake.messages_to(USER);
    assert_eq!(messages.len(), 1);
    let text = messages[0].text();
    assert!(text.contains("The clinic cancelled a visit"), "{text}");
    assert!(text.contains("Tue, 01.12.2026 at 09:30"), "{text}");
    assert_eq!(s.status(visit.id).await, AppointmentStatus::Cancelled);
}

#[tokio::test(flavor = "multi_thread")]
async fn users_without_recent_visits_are_not_asked_about() {
    let s = setup().await;
    // A visit 40 days ago: past the 30-day horizon.
    let old = booked_here(s.store(), "738_2026-10-19_09:30:00", NOW - 40 * 24 * H).await;
    assert!(old.booking.visit_at < NOW);
    let step = s.worker.try_execute_step(NOW).await.unwrap();
    assert_eq!(step, SyncStep::default());
    assert!(s.registry.received_requests().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_running_worker_syncs_at_once_and_stops_when_told() {
    let s = setup().await;
    let now = kvrachu_bot::store::unix_now();
    // A visit in ten days, booked through the bot two hours ago.
    let at = now + 10 * 24 * H;
    s.store().record_consent(USER, now - 3 * H).await.unwrap();
    s.store()
        .upsert_appointment(
            &NewAppointment {
                user_id: USER,
                child_id: None,
                lpu_id: CLINIC,
                patient_id: PATIENT.to_owned(),
                registry_id: Some("738_soon".to_owned()),
                doctor_id: None,
                slot_id: None,
                visit_at: at,
                details: AppointmentDetails {
                    person: "Иванова Мария Петровна".to_owned(),
                    doctor: "Смирнова Елена Викторовна".to_owned(),
                    specialty: "Терапевт".to_owned(),
                    clinic: "Поликлиника № 11".to_owned(),
                    address: "г. Иркутск, ул. Ядринцева, 1".to_owned(),
                    room: None,
                    phone: None,
                    latitude: None,
                    longitude: None,
                    local_time: VISIT_LOCAL.to_owned(),
                    local_end: None,
                },
                source: AppointmentSource::Bot,
            },
            &[Duration::from_secs(7_200)],
            now - 2 * H,
        )
        .await
        .unwrap();
    registry_lists(&s.registry, json!([])).await;

    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(s.worker.clone().run(stopped));
    let notice = s
        .fake
        .wait_for(0, "the cancellation notice", |c| {
            c.method == "sendMessage" && c.text().contains("Запись отменена в поликлинике")
        })
        .await;
    assert_eq!(notice.body["chat_id"], json!(USER));
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("the worker stops when told")
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_visit_cancelled_here_minutes_ago_is_not_brought_back_by_a_lagging_registry() {
    let s = setup().await;
    let visit = booked_here(s.store(), "738_2026-12-01_09:30:00", VISIT).await;
    assert!(s
        .store()
        .cancel_appointment(USER, visit.id, NOW - 60)
        .await
        .unwrap());
    // The clinic's list still shows it a minute later: left cancelled, nothing said.
    registry_lists(
        &s.registry,
        json!([listed(
            visit.booking.registry_id.as_deref().unwrap(),
            VISIT_LOCAL
        )]),
    )
    .await;
    let step = s.worker.try_execute_step(NOW).await.unwrap();
    assert_eq!((step.synced, step.found, step.notified), (1, 0, 0));
    assert_eq!(s.status(visit.id).await, AppointmentStatus::Cancelled);

    // Still listed long after: the clinic really has it, so it is back, with reminders and a word.
    let later = NOW + 30 * 60;
    let step = s.worker.try_execute_step(later).await.unwrap();
    assert_eq!((step.found, step.notified), (1, 1));
    assert_eq!(s.status(visit.id).await, AppointmentStatus::Booked);
    assert_eq!(pending(&s.store().reminders_of(visit.id).await.unwrap()), 2);
}

// ---------------------------------------------------------------------------------------------------------
// Booking identity: the registry lists a booking under an id of its own, not the slot's

const SLOT: &str = "738_2026-12-01_09:30:00";
const DOCTOR: &str = "ab-17";
/// The id the live registry gives the booking of `SLOT` in `/appointments`.
const APPOINTMENT: &str = "14643472";

fn details() -> AppointmentDetails {
    AppointmentDetails {
        person: "Иванова Мария Петровна".to_owned(),
        doctor: "Смирнова Елена Викторовна".to_owned(),
        specialty: "Терапевт".to_owned(),
        clinic: "Поликлиника № 11".to_owned(),
        address: "г. Иркутск, ул. Ядринцева, 1".to_owned(),
        room: Some("214".to_owned()),
        phone: None,
        latitude: None,
        longitude: None,
        local_time: VISIT_LOCAL.to_owned(),
        local_end: Some("2026-12-01T09:45:00".to_owned()),
    }
}

/// A visit booked through the bot at `at`, as booking stores it before the registry's id is known.
async fn booked_through_bot(store: &Store, at: i64) -> Appointment {
    store.record_consent(USER, at - H).await.unwrap();
    store
        .upsert_appointment(
            &NewAppointment {
                user_id: USER,
                child_id: None,
                lpu_id: CLINIC,
                patient_id: PATIENT.to_owned(),
                registry_id: None,
                doctor_id: Some(DOCTOR.to_owned()),
                slot_id: Some(SLOT.to_owned()),
                visit_at: VISIT,
                details: details(),
                source: AppointmentSource::Bot,
            },
            &[Duration::from_secs(86_400), Duration::from_secs(7_200)],
            at,
        )
        .await
        .unwrap()
}

fn new_intent() -> NewIntent {
    NewIntent {
        user_id: USER,
        child_id: None,
        lpu_id: CLINIC,
        patient_id: PATIENT.to_owned(),
        doctor_id: DOCTOR.to_owned(),
        slot_id: SLOT.to_owned(),
        visit_at: VISIT,
        details: details(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_booking_listed_under_the_registrys_own_id_is_neither_found_again_nor_cancelled() {
    let s = setup().await;
    let mine = booked_through_bot(s.store(), NOW - 20).await;
    assert_eq!(mine.booking.registry_id, None);
    registry_lists(&s.registry, json!([listed(APPOINTMENT, VISIT_LOCAL)])).await;

    // 20 s after booking, and again after the 10-minute grace: the bot's own booking, once.
    for now in [NOW, NOW + 20 * 60, NOW + 2 * H] {
        s.store().schedule_registry_sync(USER, now).await.unwrap();
        let step = s.worker.try_execute_step(now).await.unwrap();
        assert_eq!(
            (step.users, step.found, step.cancelled, step.notified),
            (1, 0, 0, 0),
            "at {now}"
        );
    }
    let all = s.store().upcoming_appointments(USER, NOW).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].id, mine.id);
    assert_eq!(all[0].booking.registry_id.as_deref(), Some(APPOINTMENT));
    assert_eq!(all[0].status, AppointmentStatus::Booked);
    assert_eq!(pending(&s.store().reminders_of(mine.id).await.unwrap()), 2);
    assert!(s.fake.messages_to(USER).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_copy_an_older_release_stored_under_the_registrys_id_is_merged_into_the_bots_booking() {
    let s = setup().await;
    let mine = booked_through_bot(s.store(), NOW - 3 * H).await;
    // What the sync of an older release did ~20 s after the booking: stored the listed visit again.
    let copy = booked_here(s.store(), APPOINTMENT, VISIT).await;
    assert_ne!(copy.id, mine.id);
    registry_lists(&s.registry, json!([listed(APPOINTMENT, VISIT_LOCAL)])).await;

    let step = s.worker.try_execute_step(NOW).await.unwrap();
    assert_eq!((step.found, step.cancelled, step.notified), (0, 0, 0));
    let all = s.store().upcoming_appointments(USER, NOW).await.unwrap();
    assert_eq!(all.len(), 1, "one visit, reminded of once");
    assert_eq!(all[0].id, mine.id);
    assert_eq!(all[0].booking.registry_id.as_deref(), Some(APPOINTMENT));
    assert_eq!(s.store().appointment(USER, copy.id).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_booking_whose_answer_was_lost_is_stored_with_reminders_once_the_clinic_lists_it() {
    let s = setup().await;
    s.store().record_consent(USER, NOW - H).await.unwrap();
    // The bot recorded the booking, called create, and was killed before the answer came.
    s.store()
        .open_intent(&new_intent(), NOW - 40)
        .await
        .unwrap();
    registry_lists(&s.registry, json!([listed(APPOINTMENT, VISIT_LOCAL)])).await;

    let step = s.worker.try_execute_step(NOW).await.unwrap();
    assert_eq!((step.users, step.confirmed, step.found), (1, 1, 0));
    assert_eq!(step.notified, 1);
    let all = s.store().upcoming_appointments(USER, NOW).await.unwrap();
    assert_eq!(all.len(), 1);
    let visit = &all[0];
    assert_eq!(visit.booking.source, AppointmentSource::Bot);
    assert_eq!(visit.booking.registry_id.as_deref(), Some(APPOINTMENT));
    assert_eq!(visit.booking.slot_id.as_deref(), Some(SLOT));
    assert_eq!(pending(&s.store().reminders_of(visit.id).await.unwrap()), 2);
    assert!(s.store().open_intents(USER).await.unwrap().is_empty());
    let notice = s.fake.messages_to(USER).remove(0);
    assert!(
        notice.text().contains("Вы записаны к врачу"),
        "{}",
        notice.text()
    );
    assert!(
        notice.text().contains("не ответила сразу"),
        "{}",
        notice.text()
    );

    // Later syncs know it: no «Нашли вашу запись», no second reminder set.
    s.store()
        .schedule_registry_sync(USER, NOW + H)
        .await
        .unwrap();
    let step = s.worker.try_execute_step(NOW + H).await.unwrap();
    assert_eq!((step.found, step.confirmed, step.notified), (0, 0, 0));
    assert_eq!(
        s.store()
            .upcoming_appointments(USER, NOW)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_booking_whose_answer_was_lost_and_that_the_clinic_never_lists_is_reported_as_not_made() {
    let s = setup().await;
    s.store().record_consent(USER, NOW - H).await.unwrap();
    s.store()
        .open_intent(&new_intent(), NOW - 60)
        .await
        .unwrap();
    registry_lists(&s.registry, json!([])).await;

    // Within the grace period the registry may still finish the create: asked again soon.
    let step = s.worker.try_execute_step(NOW).await.unwrap();
    assert_eq!((step.users, step.confirmed, step.not_booked), (1, 0, 0));
    assert_eq!(s.store().open_intents(USER).await.unwrap().len(), 1);
    let next = s.store().registry_sync_at(USER).await.unwrap().unwrap();
    assert!(
        next <= NOW + 60,
        "asked again within a minute, not in {}",
        next - NOW
    );

    // After it, the user is told plainly and offered to book again.
    let later = NOW + 10 * 60;
    let step = s.worker.try_execute_step(later).await.unwrap();
    assert_eq!((step.users, step.not_booked, step.notified), (1, 1, 1));
    assert!(s.store().open_intents(USER).await.unwrap().is_empty());
    assert!(s
        .store()
        .upcoming_appointments(USER, NOW)
        .await
        .unwrap()
        .is_empty());
    let notice = s.fake.messages_to(USER).remove(0);
    assert!(
        notice.text().contains("Запись не состоялась"),
        "{}",
        notice.text()
    );
    assert!(
        notice
            .buttons()
            .iter()
            .any(|(label, _)| label.contains("Записаться")),
        "{:?}",
        notice.buttons()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clinic_the_person_was_found_in_is_asked_about_visits_booked_by_phone() {
    let s = setup().await;
    s.store().record_consent(USER, NOW - H).await.unwrap();
    // Found at the clinic while booking (the booking itself went elsewhere): no visit stored there.
    s.store()
        .remember_patient(USER, None, CLINIC, PATIENT, NOW - H)
        .await
        .unwrap();
    registry_lists(&s.registry, json!([listed(APPOINTMENT, VISIT_LOCAL)])).await;
    let step = s.worker.try_execute_step(NOW).await.unwrap();
    assert_eq!((step.users, step.found, step.notified), (1, 1, 1));
}

/// The sync worker purges what has been over for longer than `RETENTION` (here 30 days), at an explicit
/// "now": a visit 31 days past goes with its reminders, one 29 days past stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_purges_visits_older_than_the_retention_time() {
    let db = TestDb::sqlite().await;
    let store = db.store(&DataKey::generate()).await;
    let fake = FakeTelegram::start().await;
    let registry = MockServer::start().await;
    let ctx = ctx_with_registry(&store, &registry, settings(&[("RETENTION", "30d")]));
    let worker = SyncWorker::new(ctx.clone(), throttled_for(&fake.url()));
    let old = booked_here(&store, "old", VISIT).await;
    let kept = booked_here(&store, "kept", VISIT + 2 * 86_400).await;

    let purged = worker.purge_expired(VISIT + 31 * 86_400).await.unwrap();
    assert_eq!(purged.appointments, 1);
    assert_eq!(store.appointment(USER, old.id).await.unwrap(), None);
    assert!(store.appointment(USER, kept.id).await.unwrap().is_some());
    let purged = worker.purge_expired(VISIT + 31 * 86_400).await.unwrap();
    assert_eq!(purged.total(), 0);
}
