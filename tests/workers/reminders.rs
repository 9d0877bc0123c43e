//! The reminder worker: due vs not due, cancelled visits, users who cannot be reached, flood control,
//! network errors, a crash between claim and send, the real loop's timing, and three instances on
//! PostgreSQL delivering 10,000 reminders exactly once.

use std::collections::HashMap;
use std::time::Duration;

use kvrachu_bot::store::{
    unix_now, Appointment, AppointmentDetails, AppointmentSource, DataKey, NewAppointment,
    ReminderStatus, Store,
};
use kvrachu_bot::workers::reminders::{throttled_bot, ReminderWorker};
use kvrachu_bot::workers::StepOutcome;

use crate::common::{bot_for, roomy_limits, settings};
use crate::databases::TestDb;
use crate::fake_telegram::{Call, Failure, FakeTelegram};

const H: i64 = 3600;
/// 2026-11-28 12:00 UTC = 20:00 in Irkutsk.
const NOW: i64 = 1_795_867_200;
const USER: i64 = 4242;

struct Setup {
    store: Store,
    fake: FakeTelegram,
    worker: ReminderWorker,
    _db: TestDb,
}

async fn setup() -> Setup {
    let db = TestDb::sqlite().await;
    let store = db.store(&DataKey::generate()).await;
    let fake = FakeTelegram::start().await;
    let worker = ReminderWorker::new(
        store.clone(),
        throttled_bot(bot_for(&fake.url()), roomy_limits()),
        &settings(&[]),
    );
    Setup {
        store,
        fake,
        worker,
        _db: db,
    }
}

fn details() -> AppointmentDetails {
    AppointmentDetails {
        person: "Петров Пётр <Петрович>".to_owned(),
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

fn defaults() -> Vec<Duration> {
    vec![Duration::from_secs(86_400), Duration::from_secs(7_200)]
}

async fn book(store: &Store, user: i64, slot: &str, visit_at: i64) -> Appointment {
    store
        .upsert_appointment(
            &NewAppointment {
                user_id: user,
                child_id: None,
                lpu_id: 10,
                patient_id: "p-1".to_owned(),
                registry_id: Some(slot.to_owned()),
                doctor_id: None,
                slot_id: None,
                visit_at,
                details: details(),
                source: AppointmentSource::Bot,
            },
            &defaults(),
            NOW,
        )
        .await
        .unwrap()
}

/// 2026-12-01 09:30 in Irkutsk.
const VISIT: i64 = 1_796_088_600;

fn sent(outcome: StepOutcome) -> usize {
    outcome.sent
}

fn rows(call: &Call) -> Vec<Vec<(String, String)>> {
    call.body["reply_markup"]["inline_keyboard"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            row.as_array()
                .unwrap()
                .iter()
                .map(|b| {
                    (
                        b["text"].as_str().unwrap().to_owned(),
                        b["callback_data"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reminder_is_sent_when_due_and_not_before_and_only_once() {
    let s = setup().await;
    let a = book(&s.store, USER, "slot", VISIT).await;
    let due = VISIT - 24 * H;

    assert_eq!(
        s.worker.try_execute_step(due - 1).await.unwrap(),
        StepOutcome::default()
    );
    assert_eq!(s.fake.call_count(), 0);

    let outcome = s.worker.try_execute_step(due).await.unwrap();
    assert_eq!(
        outcome,
        StepOutcome {
            claimed: 1,
            sent: 1,
            ..StepOutcome::default()
        }
    );
    let messages = s.fake.messages_to(USER);
    assert_eq!(messages.len(), 1);
    assert_eq!(
        messages[0].text(),
        "🧪 <i>Демо-режим: учебные поликлиники и тестовый вход через Госуслуги, настоящие записи не создаются.</i>\n\n\
         🔔 <b>Напоминание о записи к врачу</b>\n\
         Кто: Петров Пётр &lt;Петрович&gt;\n\
         Когда: завтра, 01.12.2026 в 09:30 (время местное)\n\
         Врач: Иванова Анна Сергеевна, Терапевт\n\
         Поликлиника: ГП №1\n\
         Адрес: г. Иркутск, ул. Ленина, 1\n\
         Кабинет: 12\n\
         Телефон: +7 3952 000000"
    );
    assert_eq!(messages[0].body["parse_mode"], "HTML");
    assert_eq!(
        rows(&messages[0]),
        vec![
            vec![("❌ Отменить запись".to_owned(), format!("ap:c:{}", a.id))],
            vec![
                ("🗺 Как добраться".to_owned(), format!("ap:m:{}", a.id)),
                (
                    "📅 Добавить в календарь".to_owned(),
                    format!("ap:i:{}", a.id)
                ),
            ],
            vec![("« Меню".to_owned(), "menu".to_owned())],
        ]
    );

    // Nothing more until the 2 h reminder.
    assert_eq!(
        s.worker.try_execute_step(due + 60).await.unwrap().claimed,
        0
    );
    assert_eq!(
        sent(s.worker.try_execute_step(VISIT - 2 * H).await.unwrap()),
        1
    );
    assert_eq!(s.fake.messages_to(USER).len(), 2);
    let statuses: Vec<ReminderStatus> = s
        .store
        .reminders_of(a.id)
        .await
        .unwrap()
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, vec![ReminderStatus::Sent, ReminderStatus::Sent]);
    assert_eq!(
        s.worker.try_execute_step(VISIT - 1).await.unwrap().claimed,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_visit_is_not_reminded_of() {
    let s = setup().await;
    let a = book(&s.store, USER, "slot", VISIT).await;
    assert!(s.store.cancel_appointment(USER, a.id, NOW).await.unwrap());
    assert_eq!(
        s.worker.try_execute_step(VISIT - 1).await.unwrap(),
        StepOutcome::default()
    );
    assert_eq!(s.fake.call_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_who_blocked_the_bot_or_are_gone_are_marked_failed_and_not_retried() {
    let s = setup().await;
    let cases = [
        (501, Failure::blocked(), "bot-blocked"),
        (502, Failure::chat_not_found(), "chat-not-found"),
        (503, Failure::deactivated(), "user-deactivated"),
    ];
    let mut booked = Vec::new();
    for (user, failure, _) in &cases {
        s.fake.fail_chat(*user, failure.clone(), None);
        booked.push(book(&s.store, *user, "slot", VISIT).await);
    }
    let due = VISIT - 24 * H;
    let outcome = s.worker.try_execute_step(due).await.unwrap();
    assert_eq!(outcome.claimed, 3);
    assert_eq!(outcome.failed, 3);
    for ((_, _, kind), a) in cases.iter().zip(&booked) {
        let first = &s.store.reminders_of(a.id).await.unwrap()[0];
        assert_eq!(first.status, ReminderStatus::Failed);
        assert_eq!(first.last_error.as_deref(), Some(*kind));
    }
    assert_eq!(s.fake.rejected().len(), 3);
    // Never claimed again, even long after.
    assert_eq!(
        s.worker
            .try_execute_step(due + 3 * 60)
            .await
            .unwrap()
            .claimed,
        0
    );
    assert_eq!(s.fake.rejected().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flood_control_defers_the_reminder_for_retry_after_then_it_goes_out() {
    let s = setup().await;
    let a = book(&s.store, USER, "slot", VISIT).await;
    s.fake
        .fail_chat(USER, Failure::too_many_requests(7), Some(1));
    let due = VISIT - 24 * H;

    let outcome = s.worker.try_execute_step(due).await.unwrap();
    assert_eq!(outcome.retried, 1);
    let first = s.store.reminders_of(a.id).await.unwrap()[0].clone();
    assert_eq!(first.status, ReminderStatus::Pending);
    assert_eq!(first.next_try_at, Some(due + 8));
    assert_eq!(first.lease_until, None);
    assert_eq!(first.last_error.as_deref(), Some("retry-after"));

    assert_eq!(s.worker.try_execute_step(due + 7).await.unwrap().claimed, 0);
    assert_eq!(sent(s.worker.try_execute_step(due + 8).await.unwrap()), 1);
    assert_eq!(s.fake.messages_to(USER).len(), 1);
    assert_eq!(s.fake.rejected().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_network_error_is_retried_with_backoff() {
    let s = setup().await;
    let a = book(&s.store, USER, "slot", VISIT).await;
    // A Bot API nobody listens on.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/", listener.local_addr().unwrap())
    };
    let offline = ReminderWorker::new(
        s.store.clone(),
        throttled_bot(bot_for(&closed), roomy_limits()),
        &settings(&[]),
    );
    let due = VISIT - 24 * H;
    assert_eq!(offline.try_execute_step(due).await.unwrap().retried, 1);
    let first = s.store.reminders_of(a.id).await.unwrap()[0].clone();
    assert_eq!(first.next_try_at, Some(due + 15));
    assert_eq!(first.last_error.as_deref(), Some("network"));

    // The network is back: not before the backoff, then once.
    assert_eq!(
        s.worker.try_execute_step(due + 14).await.unwrap().claimed,
        0
    );
    assert_eq!(sent(s.worker.try_execute_step(due + 15).await.unwrap()), 1);
    let first = s.store.reminders_of(a.id).await.unwrap()[0].clone();
    assert_eq!(first.status, ReminderStatus::Sent);
    assert_eq!(first.attempts, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_that_crashed_between_claim_and_send_leaves_the_reminder_to_another_after_the_lease(
) {
    let s = setup().await;
    book(&s.store, USER, "slot", VISIT).await;
    let due = VISIT - 24 * H;
    // Another instance claims and dies without sending.
    let claimed = s.store.claim_due_reminders(due, 60, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);

    assert_eq!(
        s.worker.try_execute_step(due + 30).await.unwrap().claimed,
        0
    );
    assert_eq!(s.store.next_reminder_at().await.unwrap(), Some(due + 61));
    assert_eq!(sent(s.worker.try_execute_step(due + 61).await.unwrap()), 1);
    assert_eq!(s.fake.messages_to(USER).len(), 1);
    assert_eq!(
        s.worker.try_execute_step(due + 200).await.unwrap().claimed,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reminder_found_after_the_visit_began_is_dropped_unsent() {
    let s = setup().await;
    let a = book(&s.store, USER, "slot", VISIT).await;
    let outcome = s.worker.try_execute_step(VISIT + 60).await.unwrap();
    assert_eq!(outcome.failed, 2);
    assert_eq!(s.fake.call_count(), 0);
    for r in s.store.reminders_of(a.id).await.unwrap() {
        assert_eq!(r.last_error.as_deref(), Some("visit-passed"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_running_worker_wakes_for_a_new_booking_and_sends_within_five_seconds_of_due() {
    let s = setup().await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut progress = s.worker.progress();
    let running = tokio::spawn(s.worker.clone().run(stopped));
    // The worker has found nothing to do and is asleep (its idle sleep is a minute): only the waker can
    // get the reminder out on time.
    let asleep = *tokio::time::timeout(Duration::from_secs(10), progress.wait_for(|p| p.waiting))
        .await
        .expect("the worker with nothing to do goes to sleep")
        .unwrap();
    assert_eq!(asleep.steps, 1, "{asleep:?}");

    let now = unix_now();
    let due = now + 2;
    s.store
        .upsert_appointment(
            &NewAppointment {
                user_id: USER,
                child_id: None,
                lpu_id: 10,
                patient_id: "p-1".to_owned(),
                registry_id: Some("soon".to_owned()),
                doctor_id: None,
                slot_id: None,
                visit_at: due + 2 * H,
                details: details(),
                source: AppointmentSource::Bot,
            },
            &defaults(),
            now,
        )
        .await
        .unwrap();
    s.fake
        .wait_for(0, "the reminder", |c| c.method == "sendMessage")
        .await;
    let delivered_at = unix_now();
    assert!(delivered_at >= due, "sent early: {delivered_at} < {due}");
    assert!(
        delivered_at <= due + 5,
        "sent late: {delivered_at} > {due} + 5"
    );

    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("the worker stops when told")
        .unwrap();
    assert_eq!(s.fake.messages_to(USER).len(), 1);
}

/// Three instances (three pools, three workers, three throttles) over 10,000 due reminders on PostgreSQL:
/// each reaches the fake Bot API exactly once. The throttles get roomy limits: with Telegram's 30 a
/// second, 10,000 messages take six minutes whatever the workers do; the limits are the benchmark's
/// subject (benches/reminders.rs), not this test's.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_on_postgres_deliver_ten_thousand_reminders_exactly_once() {
    const USERS: i64 = 1_000;
    const PER_USER: i64 = 10;
    let db = TestDb::postgres().await;
    // Durability of each commit is not what this test checks; without the fsync per commit it runs in
    // half the time on a small machine.
    {
        use sqlx::Connection;
        let mut admin = sqlx::PgConnection::connect(&db.url).await.unwrap();
        let name = db.url.rsplit('/').next().unwrap().to_owned();
        sqlx::query(&format!(
            "ALTER DATABASE {name} SET synchronous_commit = off"
        ))
        .execute(&mut admin)
        .await
        .unwrap();
        admin.close().await.ok();
    }
    let key = DataKey::generate();
    let seeder = db.store(&key).await;
    let fake = FakeTelegram::start().await;
    let started = std::time::Instant::now();

    // One reminder (1 h before) per appointment, all due by `at`.
    let one_hour = kvrachu_bot::store::ReminderSettings {
        enabled: true,
        offsets: Some(vec![H]),
    };
    // Every reminder is due (the last at NOW + 1 h + 9 min) and no visit has begun.
    let at = NOW + H + PER_USER * 60;
    futures::future::try_join_all((0..USERS).map(|user| {
        let store = seeder.clone();
        let settings = one_hour.clone();
        async move {
            let user = 10_000 + user;
            store
                .set_reminder_settings(user, &settings, &defaults(), NOW)
                .await?;
            for i in 0..PER_USER {
                store
                    .upsert_appointment(
                        &NewAppointment {
                            user_id: user,
                            child_id: None,
                            lpu_id: 10,
                            patient_id: format!("p-{user}"),
                            registry_id: Some(format!("slot-{i}")),
                            doctor_id: None,
                            slot_id: None,
                            visit_at: NOW + 2 * H + i * 60,
                            details: details(),
                            source: AppointmentSource::Bot,
                        },
                        &defaults(),
                        NOW,
                    )
                    .await?;
            }
            anyhow::Ok(())
        }
    }))
    .await
    .unwrap();
    seeder.close().await;
    let seeded = started.elapsed();

    let mut instances = Vec::new();
    for _ in 0..3 {
        let store = db.store(&key).await;
        let worker = ReminderWorker::new(
            store.clone(),
            throttled_bot(bot_for(&fake.url()), roomy_limits()),
            &settings(&[]),
        )
        .with_batch(200, 64);
        instances.push((store, worker));
    }
    let totals: Vec<usize> =
        futures::future::join_all(instances.iter().map(|(_, worker)| async move {
            let mut sent = 0;
            loop {
                let outcome = worker.try_execute_step(at).await.unwrap();
                assert_eq!(outcome.failed + outcome.retried + outcome.released, 0);
                sent += outcome.sent;
                if outcome.claimed == 0 {
                    return sent;
                }
            }
        }))
        .await;

    println!(
        "seeded in {seeded:?}, delivered in {:?} ({totals:?} per instance)",
        started.elapsed() - seeded
    );
    let total = (USERS * PER_USER) as usize;
    assert_eq!(
        totals.iter().sum::<usize>(),
        total,
        "per instance: {totals:?}"
    );
    assert!(
        totals.iter().all(|&n| n > 0),
        "every instance took a share: {totals:?}"
    );
    let mut per_reminder: HashMap<String, usize> = HashMap::new();
    for call in fake.calls_to("sendMessage") {
        let cancel = call.body["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
            .as_str()
            .unwrap()
            .to_owned();
        *per_reminder.entry(cancel).or_default() += 1;
    }
    assert_eq!(per_reminder.len(), total);
    let twice: Vec<_> = per_reminder.iter().filter(|(_, &n)| n != 1).collect();
    assert!(twice.is_empty(), "sent more than once: {twice:?}");
    for (store, _) in &instances {
        assert_eq!(store.next_reminder_at().await.unwrap(), None);
    }
    for (store, _) in instances {
        store.close().await;
    }
}
