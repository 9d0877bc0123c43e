//! Slot watches for a family (issue 16), one worker step at a time with an explicit "now", against a
//! registry mock and a fake Bot API: the window in the worker, auto-booking for a child (once, also when
//! two instances find the slot at once), moving a later visit earlier only when asked, one visit of a
//! specialty a day, skipping a slot, the notice of a watch that ends without a find, one registry request
//! per doctor for a hundred watchers, backoff when a clinic does not answer, and the request budget.

use std::sync::Arc;

use chrono::NaiveDate;
use kvrachu_bot::bot::Ctx;
use kvrachu_bot::domain::{BirthDate, FullName, PolicyNumber, Relation, Sex, WatchWindow};
use kvrachu_bot::registry::Slot;
use kvrachu_bot::store::{
    AddWatch, AppointmentDetails, AppointmentSource, AppointmentStatus, ChildDetails, DataKey,
    NewAppointment, NewWatch, SelfDetails, Store, Watch, WatchLabels, WatchPlan, WatchStatus,
};
use kvrachu_bot::visits::autobook::{auto_book, AutoBooked};
use kvrachu_bot::visits::watch::FreeSlot;
use kvrachu_bot::workers::{WatchStep, WatchWorker};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{ctx_with_registry, envelope, settings, throttled_for, API};
use crate::databases::TestDb;
use crate::fake_telegram::FakeTelegram;

/// Monday 2026-11-30 08:00 in Irkutsk (00:00 UTC).
const NOW: i64 = 1_795_996_800;
const USER: i64 = 6262;
const CLINIC: i64 = 204;
const INTERVAL: i64 = 300;
/// An interval and the most jitter: every watch checked at a step is due again by then.
const NEXT: i64 = INTERVAL + INTERVAL / 10;

struct Setup {
    ctx: Arc<Ctx>,
    key: DataKey,
    fake: FakeTelegram,
    registry: MockServer,
    worker: WatchWorker,
    _db: TestDb,
}

impl Setup {
    fn store(&self) -> &Store {
        &self.ctx.store
    }

    async fn step(&self, at: i64) -> WatchStep {
        self.worker.try_execute_step(at).await.unwrap()
    }

    /// How many requests the registry received whose path ends with `suffix`.
    async fn asked(&self, suffix: &str) -> usize {
        self.registry
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.url.path().ends_with(suffix))
            .count()
    }
}

async fn setup_on(db: TestDb, extra: &[(&str, &str)]) -> Setup {
    let key = DataKey::generate();
    let store = db.store(&key).await;
    let fake = FakeTelegram::start().await;
    let registry = MockServer::start().await;
    let mut pairs = vec![("WATCH_INTERVAL", "5m"), ("ESIA_URL", "off")];
    pairs.extend_from_slice(extra);
    let ctx = ctx_with_registry(&store, &registry, settings(&pairs));
    let worker = WatchWorker::new(ctx.clone(), throttled_for(&fake.url()));
    // The account holder typed their own data (ESIA_URL=off): they may book, for themselves and children.
    store.record_consent(USER, NOW - 3600).await.unwrap();
    let me = SelfDetails {
        full_name: FullName::parse("Иванова Анна Сергеевна").unwrap(),
        birth_date: BirthDate::try_from(NaiveDate::from_ymd_opt(1988, 4, 2).unwrap()).unwrap(),
        policy: PolicyNumber::parse_new("8451999122899990").unwrap(),
    };
    store
        .save_self_details(USER, &me, NOW - 3600)
        .await
        .unwrap();
    Setup {
        ctx,
        key,
        fake,
        registry,
        worker,
        _db: db,
    }
}

async fn setup(extra: &[(&str, &str)]) -> Setup {
    setup_on(TestDb::sqlite().await, extra).await
}

fn target(user_id: i64, doctor: &str) -> NewWatch {
    NewWatch {
        user_id,
        lpu_id: CLINIC,
        specialty_id: "109".to_owned(),
        doctor_id: Some(doctor.to_owned()),
        labels: WatchLabels {
            clinic: "Детская поликлиника № 3".to_owned(),
            specialty: "Педиатр".to_owned(),
            doctor: "Смирнова Елена Викторовна".to_owned(),
        },
    }
}

async fn add_son(store: &Store) -> i64 {
    let son = ChildDetails {
        full_name: FullName::parse("Иванов Пётр Иванович").unwrap(),
        birth_date: BirthDate::try_from(NaiveDate::from_ymd_opt(2019, 3, 9).unwrap()).unwrap(),
        sex: Sex::Male,
        relation: Relation::Son,
        policy: PolicyNumber::parse_new("8451999122899990").unwrap(),
    };
    store.add_child(USER, &son).await.unwrap().id
}

async fn watching(store: &Store, plan: WatchPlan) -> Watch {
    match store
        .add_watch_for(&target(USER, "ab-17"), &plan, INTERVAL, NOW)
        .await
        .unwrap()
    {
        AddWatch::Added(watch) => watch,
        other => panic!("{other:?}"),
    }
}

fn slot(doctor: &str, local: &str) -> Value {
    json!({
        "id": format!("{doctor}_{}", local.replace('T', "_")),
        "visitStart": local, "visitEnd": null,
        "address": "г. Иркутск, ул. Ядринцева, 1", "number": null, "room": "214"
    })
}

/// The registry as it is now: the doctor's free slots, and a clinic that finds the patient, books,
/// lists nothing yet, and cancels.
async fn registry_now(server: &MockServer, doctor: &str, slots: Value) {
    server.reset().await;
    Mock::given(method("GET"))
        .and(path(format!(
            "{API}/schedule/lpu/{CLINIC}/doctor/{doctor}/appointments"
        )))
        .respond_with(envelope(slots))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/patient/search")))
        .respond_with(envelope(json!("p-77")))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/appointment/create")))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"success": true, "errorCode": 0, "message": null, "stackTrace": null}),
        ))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/appointments")))
        .respond_with(envelope(json!([])))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/appointment/cancel")))
        .respond_with(envelope(json!(true)))
        .mount(server)
        .await;
}

async fn created(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path().ends_with("/appointment/create"))
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

fn auto(child_id: Option<i64>) -> WatchPlan {
    WatchPlan {
        child_id,
        window: WatchWindow::any(),
        auto_book: true,
        rebook_earlier: false,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_auto_book_watch_books_the_child_once_and_tells_the_parent_once() {
    let s = setup(&[]).await;
    let son = add_son(s.store()).await;
    let watch = watching(s.store(), auto(Some(son))).await;
    registry_now(&s.registry, "ab-17", json!([])).await;
    assert_eq!(s.step(NOW + INTERVAL).await.booked, 0);

    registry_now(
        &s.registry,
        "ab-17",
        json!([
            slot("ab-17", "2026-12-03T16:00:00"),
            slot("ab-17", "2026-12-02T09:00:00")
        ]),
    )
    .await;
    let step = s.step(NOW + INTERVAL + NEXT).await;
    assert_eq!((step.booked, step.notified), (1, 0));
    let made = created(&s.registry).await;
    assert_eq!(made.len(), 1);
    // The watch's person, not whoever «Для кого» points at; the soonest slot.
    assert_eq!(made[0]["patientFirstName"], "Пётр");
    assert_eq!(made[0]["appointmentId"], "ab-17_2026-12-02_09:00:00");

    let visits = s.store().upcoming_appointments(USER, NOW).await.unwrap();
    assert_eq!(visits.len(), 1);
    assert_eq!(visits[0].booking.child_id, Some(son));
    assert!(!s
        .store()
        .reminders_of(visits[0].id)
        .await
        .unwrap()
        .is_empty());
    let ended = s.store().watch(USER, watch.id).await.unwrap().unwrap();
    assert_eq!(ended.status, WatchStatus::Booked);
    assert_eq!(ended.appointment_id, Some(visits[0].id));

    let messages = s.fake.messages_to(USER);
    assert_eq!(messages.len(), 1);
    let text = messages[0].text();
    assert!(text.contains("Записал по ожиданию талонов"), "{text}");
    assert!(text.contains("Иванов Пётр Иванович"), "{text}");
    assert!(text.contains("ср, 02.12.2026 в 09:00"), "{text}");
    assert!(
        messages[0]
            .buttons()
            .iter()
            .any(|(label, data)| label.contains("Отменить")
                && data.ends_with(&visits[0].id.to_string())),
        "{:?}",
        messages[0].buttons()
    );

    // Never a second booking for the watch, and the parent is told once.
    for n in 2..5 {
        s.step(NOW + INTERVAL + n * NEXT).await;
    }
    assert_eq!(created(&s.registry).await.len(), 1);
    assert_eq!(s.fake.messages_to(USER).len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn two_instances_that_find_the_same_slot_book_it_once() {
    let db = TestDb::postgres().await;
    let url = db.url.clone();
    let s = setup_on(db, &[]).await;
    let son = add_son(s.store()).await;
    let watch = watching(s.store(), auto(Some(son))).await;
    registry_now(
        &s.registry,
        "ab-17",
        json!([slot("ab-17", "2026-12-02T09:00:00")]),
    )
    .await;
    // A second instance: its own pool on the same database, the same registry.
    let other_store = Store::connect(&url, &s.key).await.unwrap();
    let other = ctx_with_registry(
        &other_store,
        &s.registry,
        settings(&[("WATCH_INTERVAL", "5m"), ("ESIA_URL", "off")]),
    );
    let found = FreeSlot {
        slot: Slot {
            id: "ab-17_2026-12-02_09:00:00".to_owned(),
            visit_start: NaiveDate::from_ymd_opt(2026, 12, 2)
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap(),
            visit_end: None,
            address: None,
            number: None,
            room: None,
        },
        doctor_id: "ab-17".to_owned(),
        doctor_name: String::new(),
    };
    let at = NOW + INTERVAL;
    let (a, b) = tokio::join!(
        auto_book(s.ctx.visits(), &watch, &found, None, at, at + INTERVAL),
        auto_book(other.visits(), &watch, &found, None, at, at + INTERVAL)
    );
    let outcomes = [a.unwrap(), b.unwrap()];
    let made = outcomes
        .iter()
        .filter(|o| matches!(o, AutoBooked::Made(_)))
        .count();
    let lost = outcomes
        .iter()
        .filter(|o| matches!(o, AutoBooked::Claimed))
        .count();
    assert_eq!((made, lost), (1, 1), "{outcomes:?}");
    assert_eq!(created(&s.registry).await.len(), 1);
    // And the two workers' steps after it book nothing more.
    let other_worker = WatchWorker::new(other.clone(), throttled_for(&s.fake.url()));
    let (x, y) = tokio::join!(
        s.worker.try_execute_step(at + NEXT),
        other_worker.try_execute_step(at + NEXT)
    );
    assert_eq!(x.unwrap().booked + y.unwrap().booked, 0);
    assert_eq!(created(&s.registry).await.len(), 1);
    other_store.close().await;
    s.store().close().await;
}

async fn later_visit(store: &Store, child_id: Option<i64>, doctor: &str, local: &str) -> i64 {
    let start = chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M:%S").unwrap();
    let new = NewAppointment {
        user_id: USER,
        child_id,
        lpu_id: CLINIC,
        patient_id: "p-77".to_owned(),
        registry_id: Some("r-900".to_owned()),
        doctor_id: Some(doctor.to_owned()),
        slot_id: None,
        visit_at: kvrachu_bot::visits::to_unix(chrono_tz::Asia::Irkutsk, start),
        details: AppointmentDetails {
            person: "Иванова Анна Сергеевна".to_owned(),
            specialty: "Педиатр".to_owned(),
            local_time: local.to_owned(),
            ..AppointmentDetails::default()
        },
        source: AppointmentSource::Registry,
    };
    store
        .upsert_appointment(&new, &[], NOW - 60)
        .await
        .unwrap()
        .id
}

#[tokio::test(flavor = "multi_thread")]
async fn a_later_visit_is_moved_earlier_only_when_asked() {
    let s = setup(&[]).await;
    let old = later_visit(s.store(), None, "ab-17", "2026-12-10T10:00:00").await;
    let watch = watching(s.store(), auto(None)).await;
    registry_now(
        &s.registry,
        "ab-17",
        json!([slot("ab-17", "2026-12-02T09:00:00")]),
    )
    .await;

    // Not asked to move it: told of the earlier slot, nothing booked.
    let step = s.step(NOW + INTERVAL).await;
    assert_eq!((step.booked, step.notified), (0, 1));
    assert!(created(&s.registry).await.is_empty());
    let told = s.fake.messages_to(USER)[0].text().to_owned();
    assert!(
        told.contains("Нынешняя запись (чт, 10.12.2026 в 10:00) останется"),
        "{told}"
    );

    // Asked: the earlier one is booked, then the later one cancelled, and the user is told so.
    s.store()
        .edit_watch(
            USER,
            watch.id,
            &WatchWindow::any(),
            true,
            true,
            NOW + INTERVAL,
        )
        .await
        .unwrap();
    let step = s.step(NOW + INTERVAL + NEXT).await;
    assert_eq!(step.booked, 1);
    assert_eq!(created(&s.registry).await.len(), 1);
    assert_eq!(s.asked("/appointment/cancel").await, 1);
    let old = s.store().appointment(USER, old).await.unwrap().unwrap();
    assert_eq!(old.status, AppointmentStatus::Cancelled);
    let messages = s.fake.messages_to(USER);
    assert_eq!(messages.len(), 2);
    assert!(
        messages[1]
            .text()
            .contains("Прежняя запись на чт, 10.12.2026 в 10:00 отменена"),
        "{}",
        messages[1].text()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn never_a_second_visit_to_the_same_specialty_on_one_day() {
    let s = setup(&[]).await;
    // Another paediatrician on Wednesday morning.
    later_visit(s.store(), None, "zz-2", "2026-12-02T10:00:00").await;
    let watch = watching(s.store(), auto(None)).await;
    registry_now(
        &s.registry,
        "ab-17",
        json!([slot("ab-17", "2026-12-02T16:00:00")]),
    )
    .await;
    let step = s.step(NOW + INTERVAL).await;
    assert_eq!((step.booked, step.notified), (0, 0));
    assert!(created(&s.registry).await.is_empty());
    // Thursday is free: booked.
    registry_now(
        &s.registry,
        "ab-17",
        json!([
            slot("ab-17", "2026-12-02T16:00:00"),
            slot("ab-17", "2026-12-03T16:00:00")
        ]),
    )
    .await;
    assert_eq!(s.step(NOW + INTERVAL + NEXT).await.booked, 1);
    assert_eq!(
        created(&s.registry).await[0]["appointmentId"],
        "ab-17_2026-12-03_16:00:00"
    );
    assert_eq!(
        s.store()
            .watch(USER, watch.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        WatchStatus::Booked
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_window_and_a_skipped_slot_decide_what_is_told_and_the_watch_keeps_looking() {
    let s = setup(&[]).await;
    let plan = WatchPlan {
        window: WatchWindow::parse(
            "после 15:00, через 24 ч",
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        )
        .unwrap(),
        ..WatchPlan::default()
    };
    let watch = watching(s.store(), plan).await;
    // 09:00 tomorrow is too early in the day; 16:00 today is too soon: nothing to say.
    registry_now(
        &s.registry,
        "ab-17",
        json!([
            slot("ab-17", "2026-12-01T09:00:00"),
            slot("ab-17", "2026-11-30T16:00:00")
        ]),
    )
    .await;
    assert_eq!(s.step(NOW + INTERVAL).await.notified, 0);
    // 16:00 tomorrow fits: told once.
    registry_now(
        &s.registry,
        "ab-17",
        json!([
            slot("ab-17", "2026-12-01T09:00:00"),
            slot("ab-17", "2026-12-01T16:00:00")
        ]),
    )
    .await;
    assert_eq!(s.step(NOW + INTERVAL + NEXT).await.notified, 1);
    assert!(s.fake.messages_to(USER)[0]
        .text()
        .contains("Новых талонов: 1."));

    // «Пропустить этот», and a later one appears: told of that one only; the watch still waits.
    assert!(s
        .store()
        .skip_watch_slot(USER, watch.id, "ab-17_2026-12-01_16:00:00")
        .await
        .unwrap());
    registry_now(
        &s.registry,
        "ab-17",
        json!([
            slot("ab-17", "2026-12-01T16:00:00"),
            slot("ab-17", "2026-12-04T17:30:00")
        ]),
    )
    .await;
    assert_eq!(s.step(NOW + INTERVAL + 2 * NEXT).await.notified, 1);
    let last = s.fake.messages_to(USER)[1].text().to_owned();
    assert!(last.contains("пт, 04.12.2026 в 17:30"), "{last}");
    assert!(last.contains("Новых талонов: 1."), "{last}");
    let after = s.store().watch(USER, watch.id).await.unwrap().unwrap();
    assert_eq!(after.status, WatchStatus::Active);
    assert!(after.last_found_at.is_some() && after.last_checked_at.is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_watch_that_ends_without_a_find_says_so_once() {
    let s = setup(&[]).await;
    let son = add_son(s.store()).await;
    let plan = WatchPlan {
        child_id: Some(son),
        ..WatchPlan::default()
    };
    let watch = watching(s.store(), plan).await;
    registry_now(&s.registry, "ab-17", json!([])).await;
    let end = watch.expires_at;
    assert_eq!(s.step(end - 1).await.expired, 0);
    let step = s.step(end - 1 + NEXT).await;
    assert_eq!(step.expired, 1);
    let messages = s.fake.messages_to(USER);
    assert_eq!(messages.len(), 1);
    let text = messages[0].text();
    assert!(text.contains("Ожидание талонов закончилось"), "{text}");
    // Which watch: what, where, for whom.
    assert!(
        text.contains("Врач: Смирнова Елена Викторовна, Педиатр"),
        "{text}"
    );
    assert!(text.contains("Детская поликлиника № 3"), "{text}");
    assert!(text.contains("Для кого: Иванов П. И."), "{text}");
    assert_eq!(s.step(end + 2 * NEXT).await.checked, 0);
    assert_eq!(s.fake.messages_to(USER).len(), 1);
    assert_eq!(
        s.store()
            .watch(USER, watch.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        WatchStatus::Expired
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hundred_watchers_of_one_doctor_cost_one_request_an_interval() {
    let s = setup(&[]).await;
    registry_now(&s.registry, "ab-17", json!([])).await;
    for n in 0..100 {
        // Started over the first four minutes of the interval.
        let user = 10_000 + n;
        s.store().record_consent(user, NOW).await.unwrap();
        s.store()
            .add_watch(&target(user, "ab-17"), INTERVAL, NOW + n * 2)
            .await
            .unwrap();
    }
    // Three intervals, a step every quarter minute: the watches checked at each step that checked any.
    let mut checks = Vec::new();
    for t in (0..=3 * INTERVAL).step_by(15) {
        let checked = s.step(NOW + INTERVAL + t).await.checked;
        if checked > 0 {
            checks.push(checked);
        }
    }
    // The first check takes the watches due by then; the ones due later in that interval are moved to
    // the target's next check, so from then on all 100 are checked together, once an interval.
    assert!((3..=4).contains(&checks.len()), "{checks:?}");
    assert!(checks[0] >= 1, "{checks:?}");
    assert!(
        checks[1..].iter().all(|&n| n == 100),
        "every watch checked at every check after the first: {checks:?}"
    );
    let asked = s.asked("/doctor/ab-17/appointments").await;
    assert_eq!(
        asked,
        checks.len(),
        "one request per check, not per watcher: {checks:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clinic_that_does_not_answer_is_asked_less_and_less_often() {
    let s = setup(&[]).await;
    watching(s.store(), WatchPlan::default()).await;
    s.registry.reset().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"success": false, "errorCode": 602, "message": "МИС не ответила"}),
        ))
        .mount(&s.registry)
        .await;
    let mut times = Vec::new();
    for t in (0..=8 * INTERVAL).step_by(15) {
        let before = s.asked("/appointments").await;
        let step = s.step(NOW + INTERVAL + t).await;
        if s.asked("/appointments").await > before {
            assert_eq!(step.unanswered, 1);
            times.push(t);
        }
    }
    // Waits of one, two, four intervals.
    let gaps: Vec<i64> = times.windows(2).map(|w| (w[1] - w[0]) / INTERVAL).collect();
    assert_eq!(gaps, vec![1, 2, 4], "{times:?}");

    // Back: the next check after the wait is answered and the watch is checked every interval again.
    registry_now(
        &s.registry,
        "ab-17",
        json!([slot("ab-17", "2026-12-20T10:00:00")]),
    )
    .await;
    let mut notified = 0;
    for t in (8 * INTERVAL + 15..=17 * INTERVAL).step_by(15) {
        notified += s.step(NOW + INTERVAL + t).await.notified;
    }
    assert_eq!(notified, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_request_budget_holds_back_what_does_not_fit_in_a_minute() {
    let s = setup(&[("WATCH_BUDGET", "8")]).await;
    s.registry.reset().await;
    Mock::given(method("GET"))
        .respond_with(envelope(json!([])))
        .mount(&s.registry)
        .await;
    for n in 0..20 {
        let user = 20_000 + n;
        s.store().record_consent(user, NOW).await.unwrap();
        s.store()
            .add_watch(&target(user, &format!("d{n}")), INTERVAL, NOW)
            .await
            .unwrap();
    }
    let mut per_step = Vec::new();
    for t in (0..=INTERVAL).step_by(5) {
        let before = s.asked("/appointments").await;
        s.step(NOW + INTERVAL + t).await;
        per_step.push((t, s.asked("/appointments").await - before));
    }
    for (start, _) in &per_step {
        let in_minute: usize = per_step
            .iter()
            .filter(|(t, _)| *t >= *start && *t < start + 60)
            .map(|(_, n)| n)
            .sum();
        assert!(
            in_minute <= 8,
            "{in_minute} requests in the minute from {start}: {per_step:?}"
        );
    }
    assert!(s.worker.poller().counts().deferred > 0);
    // Every doctor is checked within the interval all the same (20 requests at 8 a minute).
    let total: usize = per_step.iter().map(|(_, n)| n).sum();
    assert!(total >= 20, "{total}");
}
