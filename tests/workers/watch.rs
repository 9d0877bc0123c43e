//! The slot-watch worker against a registry mock (wiremock) and a fake Bot API: nothing to say while there
//! are no slots, one notice when slots appear, silence for the same slots, a notice again for new ones or
//! ones that came back, a registry that does not answer, a user who blocked the bot, a specialty watch
//! over its doctors, and the real loop.

use std::sync::Arc;

use kvrachu_bot::bot::Ctx;
use kvrachu_bot::store::{AddWatch, DataKey, NewWatch, Store, Watch, WatchLabels};
use kvrachu_bot::workers::{WatchStep, WatchWorker};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{ctx_with_registry, envelope, settings, throttled_for, API};
use crate::databases::TestDb;
use crate::fake_telegram::{Failure, FakeTelegram};

/// 2026-11-28 12:00 UTC = 20:00 in Irkutsk.
const NOW: i64 = 1_795_867_200;
const USER: i64 = 6161;
const CLINIC: i64 = 204;
const INTERVAL: i64 = 300;

struct Setup {
    ctx: Arc<Ctx>,
    fake: FakeTelegram,
    registry: MockServer,
    worker: WatchWorker,
    _db: TestDb,
}

impl Setup {
    fn store(&self) -> &Store {
        &self.ctx.store
    }

    /// The `n`th check after the watch began (an interval apart, and past the jitter of up to a tenth).
    async fn check(&self, n: i64) -> WatchStep {
        self.worker
            .try_execute_step(NOW + n * (INTERVAL + INTERVAL / 10))
            .await
            .unwrap()
    }
}

async fn setup() -> Setup {
    let db = TestDb::sqlite().await;
    let store = db.store(&DataKey::generate()).await;
    let fake = FakeTelegram::start().await;
    let registry = MockServer::start().await;
    let ctx = ctx_with_registry(&store, &registry, settings(&[("WATCH_INTERVAL", "5m")]));
    let worker = WatchWorker::new(ctx.clone(), throttled_for(&fake.url()));
    Setup {
        ctx,
        fake,
        registry,
        worker,
        _db: db,
    }
}

async fn watching(store: &Store, doctor: Option<&str>) -> Watch {
    store.record_consent(USER, NOW - 3600).await.unwrap();
    let new = NewWatch {
        user_id: USER,
        lpu_id: CLINIC,
        specialty_id: "109".to_owned(),
        doctor_id: doctor.map(str::to_owned),
        labels: WatchLabels {
            clinic: "Поликлиника № 11".to_owned(),
            specialty: "Терапевт".to_owned(),
            doctor: doctor.map_or(String::new(), |_| "Смирнова Елена Викторовна".to_owned()),
        },
    };
    match store.add_watch(&new, INTERVAL, NOW).await.unwrap() {
        AddWatch::Added(watch) => watch,
        other => panic!("{other:?}"),
    }
}

fn slot(doctor: &str, local: &str) -> Value {
    json!({
        "id": format!("{doctor}_{}", local.replace('T', "_")),
        "visitStart": local,
        "visitEnd": null,
        "address": "г. Иркутск, ул. Ядринцева, 1",
        "number": null,
        "room": "214"
    })
}

/// The doctor's free slots, as the registry lists them from now on.
async fn slots_are(server: &MockServer, doctor: &str, slots: Value) {
    Mock::given(method("GET"))
        .and(path(format!(
            "{API}/schedule/lpu/{CLINIC}/doctor/{doctor}/appointments"
        )))
        .respond_with(envelope(slots))
        .mount(server)
        .await;
}

async fn registry_now(server: &MockServer, doctor: &str, slots: Value) {
    server.reset().await;
    slots_are(server, doctor, slots).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_doctor_watch_tells_of_new_slots_once_and_of_slots_that_come_back() {
    let s = setup().await;
    let watch = watching(s.store(), Some("ab-17")).await;

    // Not yet due; then due with nothing free (a slot in the past does not count).
    registry_now(
        &s.registry,
        "ab-17",
        json!([slot("ab-17", "2026-11-28T09:00:00")]),
    )
    .await;
    assert_eq!(s.worker.try_execute_step(NOW).await.unwrap().checked, 0);
    let step = s.check(1).await;
    assert_eq!((step.checked, step.notified), (1, 0));
    assert!(s.fake.messages_to(USER).is_empty());

    // Two slots appear: one notice, naming the soonest.
    registry_now(
        &s.registry,
        "ab-17",
        json!([
            slot("ab-17", "2026-12-02T10:00:00"),
            slot("ab-17", "2026-12-01T09:30:00")
        ]),
    )
    .await;
    assert_eq!(s.check(2).await.notified, 1);
    let messages = s.fake.messages_to(USER);
    assert_eq!(messages.len(), 1);
    let text = messages[0].text();
    assert!(text.contains("Появились талоны"), "{text}");
    assert!(
        text.contains("Врач: Смирнова Елена Викторовна, Терапевт"),
        "{text}"
    );
    assert!(text.contains("Поликлиника: Поликлиника № 11"), "{text}");
    assert!(
        text.contains("Ближайший: вт, 01.12.2026 в 09:30 (время местное). Новых талонов: 2."),
        "{text}"
    );
    let soonest = kvrachu_bot::bot::watch::cb::slot_tag("ab-17_2026-12-01_09:30:00");
    assert_eq!(
        messages[0].buttons(),
        vec![
            // «Записать» and «Пропустить этот» are about the soonest slot, named by its tag.
            (
                "📝 Записать".to_owned(),
                format!("wt:b:{}:{soonest:08x}", watch.id)
            ),
            (
                "⏭ Пропустить этот".to_owned(),
                format!("wt:s:{}:{soonest:08x}", watch.id)
            ),
            ("📅 Другое время".to_owned(), format!("wt:o:{}", watch.id)),
            ("🔕 Не ждать".to_owned(), format!("wt:x:{}", watch.id))
        ]
    );

    // The same slots: nothing more. One taken: still nothing.
    assert_eq!(s.check(3).await.notified, 0);
    registry_now(
        &s.registry,
        "ab-17",
        json!([slot("ab-17", "2026-12-02T10:00:00")]),
    )
    .await;
    assert_eq!(s.check(4).await.notified, 0);
    assert_eq!(s.fake.messages_to(USER).len(), 1);

    // The taken one comes back (a cancellation) and a new one appears: one notice for the two.
    registry_now(
        &s.registry,
        "ab-17",
        json!([
            slot("ab-17", "2026-12-01T09:30:00"),
            slot("ab-17", "2026-12-02T10:00:00"),
            slot("ab-17", "2026-12-03T08:40:00")
        ]),
    )
    .await;
    assert_eq!(s.check(5).await.notified, 1);
    let messages = s.fake.messages_to(USER);
    assert_eq!(messages.len(), 2);
    assert!(
        messages[1].text().contains("Новых талонов: 2."),
        "{}",
        messages[1].text()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_registry_that_does_not_answer_and_a_failed_send_are_looked_at_again() {
    let s = setup().await;
    watching(s.store(), Some("ab-17")).await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&s.registry)
        .await;
    let step = s.check(1).await;
    assert_eq!((step.checked, step.unanswered, step.notified), (1, 1, 0));

    // Back, with a slot; but Telegram fails once: the slot is still new at the next check.
    registry_now(
        &s.registry,
        "ab-17",
        json!([slot("ab-17", "2026-12-01T09:30:00")]),
    )
    .await;
    s.fake
        .fail_chat(USER, Failure::too_many_requests(1), Some(1));
    assert_eq!(s.check(2).await.notified, 0);
    assert_eq!(s.check(3).await.notified, 1);
    assert_eq!(s.fake.messages_to(USER).len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_watch_of_a_user_who_blocked_the_bot_is_dropped() {
    let s = setup().await;
    watching(s.store(), Some("ab-17")).await;
    registry_now(
        &s.registry,
        "ab-17",
        json!([slot("ab-17", "2026-12-01T09:30:00")]),
    )
    .await;
    s.fake.fail_chat(USER, Failure::blocked(), None);
    let step = s.check(1).await;
    assert_eq!((step.notified, step.dropped), (0, 1));
    assert!(s.store().watches(USER).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_specialty_watch_looks_at_the_doctors_with_free_slots() {
    let s = setup().await;
    let watch = watching(s.store(), None).await;
    let doctor = |id: &str, free: i64| {
        json!({
            "id": id, "name": format!("Врач {id}"), "ariaNumber": null, "comment": null,
            "freeTicketCount": free, "freeParticipantCount": free,
            "nearestDate": null, "lastDate": null
        })
    };
    Mock::given(method("GET"))
        .and(path(format!(
            "{API}/schedule/lpu/{CLINIC}/speciality/109/doctors"
        )))
        .respond_with(envelope(json!([doctor("d1", 0), doctor("d2", 2)])))
        .mount(&s.registry)
        .await;
    slots_are(
        &s.registry,
        "d2",
        json!([
            slot("d2", "2026-12-04T14:00:00"),
            slot("d2", "2026-12-04T14:20:00")
        ]),
    )
    .await;

    assert_eq!(s.check(1).await.notified, 1);
    let text = s.fake.messages_to(USER)[0].text().to_owned();
    assert!(
        text.contains("Специальность: Терапевт (любой врач)"),
        "{text}"
    );
    assert!(text.contains("пт, 04.12.2026 в 14:00"), "{text}");
    // d1 has nothing free: its slots were never asked for.
    let asked: Vec<String> = s
        .registry
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    assert!(
        asked.iter().all(|p| !p.contains("/doctor/d1/")),
        "{asked:?}"
    );
    assert_eq!(
        s.store()
            .watch(USER, watch.id)
            .await
            .unwrap()
            .unwrap()
            .seen
            .len(),
        2
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn in_english_when_the_users_telegram_is() {
    let s = setup().await;
    watching(s.store(), Some("ab-17")).await;
    let user = s.store().user(USER).await.unwrap().unwrap();
    s.store()
        .note_telegram_lang(&user, kvrachu_bot::i18n::Lang::En)
        .await
        .unwrap();
    registry_now(
        &s.registry,
        "ab-17",
        json!([slot("ab-17", "2026-12-01T09:30:00")]),
    )
    .await;
    assert_eq!(s.check(1).await.notified, 1);
    let text = s.fake.messages_to(USER)[0].text().to_owned();
    assert!(text.contains("Free slots appeared"), "{text}");
    assert!(text.contains("Tue, 01.12.2026 at 09:30"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_running_worker_checks_and_stops_when_told() {
    let s = setup().await;
    // A watch already due (begun an interval ago), of a slot a week ahead.
    let now = kvrachu_bot::store::unix_now();
    s.store().record_consent(USER, now - 3600).await.unwrap();
    let new = NewWatch {
        user_id: USER,
        lpu_id: CLINIC,
        specialty_id: "109".to_owned(),
        doctor_id: Some("ab-17".to_owned()),
        labels: WatchLabels::default(),
    };
    s.store()
        .add_watch(&new, INTERVAL, now - INTERVAL)
        .await
        .unwrap();
    let week = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Irkutsk) + chrono::Days::new(7);
    let local = week.format("%Y-%m-%dT10:00:00").to_string();
    registry_now(&s.registry, "ab-17", json!([slot("ab-17", &local)])).await;

    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(s.worker.clone().run(stopped));
    s.fake
        .wait_for(0, "the watch notice", |c| {
            c.method == "sendMessage" && c.text().contains("Появились талоны")
        })
        .await;
    stop.send(true).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(10), running)
        .await
        .expect("the worker stops when told")
        .unwrap();
}
