//! Slot watches at scale: WATCHES watches over DOCTORS distinct doctors (default 10,000 over 500), on a
//! SQLite store, against an in-process registry that answers each slots request after LATENCY_MS and
//! counts them. The worker is stepped every quarter minute of simulated time (its budget and backoff run
//! on the steps' explicit "now") through one WATCH_INTERVAL and a second one, as fast as the machine
//! allows; the wall time is what the checks really cost.
//!
//! Goals: every watch checked within one interval; about one registry request per doctor per interval;
//! never more than BUDGET requests in any minute (simulated); the processing of an interval's checks
//! well under the interval itself.
//!
//! `cargo bench --bench watch` (WATCHES, DOCTORS, BUDGET, LATENCY_MS in the environment change it).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use futures::future::BoxFuture;
use kvrachu_bot::config::Settings;
use kvrachu_bot::registry::{
    AppointmentCancel, AppointmentCreate, Clinic, District, Doctor, PatientAppointment,
    PatientQuery, PolicyQuery, Registry, RegistryError, RegistryResult, Slot, Specialty,
};
use kvrachu_bot::store::{DataKey, NewWatch, Store, WatchLabels};
use kvrachu_bot::workers::{Delivery, WatchNews, WatchNotifier, WatchWorker};

/// 2026-11-30 08:00 in Irkutsk.
const T0: i64 = 1_795_996_800;
const TICK: i64 = 15;

/// A registry whose doctors each have one slot a week ahead (every 25th doctor: one this evening too).
struct CountingRegistry {
    latency: Duration,
    requests: AtomicU64,
}

fn nothing<T: Send + 'static>() -> BoxFuture<'static, RegistryResult<T>> {
    Box::pin(async { Err(RegistryError::Empty(38)) })
}

impl Registry for CountingRegistry {
    fn districts(&self) -> BoxFuture<'_, RegistryResult<Vec<District>>> {
        nothing()
    }
    fn clinics<'a>(&'a self, _: &'a str) -> BoxFuture<'a, RegistryResult<Vec<Clinic>>> {
        nothing()
    }
    fn clinic(&self, _: i64) -> BoxFuture<'_, RegistryResult<Clinic>> {
        nothing()
    }
    fn attached_clinics<'a>(
        &'a self,
        _: &'a PolicyQuery,
    ) -> BoxFuture<'a, RegistryResult<Vec<Clinic>>> {
        nothing()
    }
    fn specialties(&self, _: i64) -> BoxFuture<'_, RegistryResult<Vec<Specialty>>> {
        nothing()
    }
    fn doctors<'a>(&'a self, _: i64, _: &'a str) -> BoxFuture<'a, RegistryResult<Vec<Doctor>>> {
        nothing()
    }
    fn slots<'a>(&'a self, _: i64, doctor: &'a str) -> BoxFuture<'a, RegistryResult<Vec<Slot>>> {
        Box::pin(async move {
            self.requests.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(self.latency).await;
            let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").unwrap();
            let slot = |when: &str| Slot {
                id: format!("{doctor}_{when}"),
                visit_start: at(when),
                visit_end: None,
                address: None,
                number: None,
                room: None,
            };
            let mut slots = vec![slot("2026-12-07T10:00:00")];
            if doctor.ends_with("25") || doctor.ends_with("50") {
                slots.push(slot("2026-11-30T18:00:00"));
            }
            Ok(slots)
        })
    }
    fn find_patient<'a>(&'a self, _: &'a PatientQuery) -> BoxFuture<'a, RegistryResult<String>> {
        nothing()
    }
    fn book<'a>(&'a self, _: &'a AppointmentCreate) -> BoxFuture<'a, RegistryResult<()>> {
        nothing()
    }
    fn cancel<'a>(&'a self, _: &'a AppointmentCancel) -> BoxFuture<'a, RegistryResult<()>> {
        nothing()
    }
    fn appointments<'a>(
        &'a self,
        _: i64,
        _: &'a str,
    ) -> BoxFuture<'a, RegistryResult<Vec<PatientAppointment>>> {
        nothing()
    }
}

/// Counts the notices instead of sending them.
#[derive(Default)]
struct CountingNotifier(AtomicU64);

impl WatchNotifier for CountingNotifier {
    fn tell<'a>(&'a self, _: WatchNews<'a>, _: i64) -> BoxFuture<'a, Delivery> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Box::pin(async { Delivery::Sent })
    }
}

/// The watches not checked yet.
async fn never_checked(store: &Store, watches: i64, per_user: i64) -> usize {
    let mut unchecked = 0;
    for user in 0..(watches + per_user - 1) / per_user {
        let of_user = store.watches(1_000_000 + user).await.unwrap();
        unchecked += of_user
            .iter()
            .filter(|w| w.last_checked_at.is_none())
            .count();
    }
    unchecked
}

fn env_number(name: &str, default: i64) -> i64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let watches = env_number("WATCHES", 10_000);
    let doctors = env_number("DOCTORS", 500);
    let budget = env_number("BUDGET", 150);
    let latency = Duration::from_millis(env_number("LATENCY_MS", 20) as u64);
    let interval = 300;

    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = Store::connect(&url, &DataKey::generate()).await.unwrap();
    let setup = Instant::now();
    let per_user = 5;
    for n in 0..watches {
        let user = 1_000_000 + n / per_user;
        let new = NewWatch {
            user_id: user,
            lpu_id: 200 + (n % doctors) % 7,
            specialty_id: "109".to_owned(),
            doctor_id: Some(format!("doc-{}", n % doctors)),
            labels: WatchLabels {
                clinic: "ГП №1".to_owned(),
                specialty: "Терапевт".to_owned(),
                doctor: "Петрова Анна Сергеевна".to_owned(),
            },
        };
        store.add_watch(&new, interval, T0).await.unwrap();
    }
    let setup = setup.elapsed();

    let settings = Settings::from_lookup(|name| match name {
        "TELOXIDE_TOKEN" => Some("123456:BENCH-token".to_owned()),
        "WATCH_INTERVAL" => Some(format!("{interval}s")),
        "WATCH_BUDGET" => Some(budget.to_string()),
        _ => None,
    })
    .unwrap();
    let registry = Arc::new(CountingRegistry {
        latency,
        requests: AtomicU64::new(0),
    });
    let ctx = kvrachu_bot::app::context(Arc::new(settings), store.clone(), registry.clone());
    let notifier = Arc::new(CountingNotifier::default());
    let worker = WatchWorker::with_notifier(ctx, notifier.clone());

    // Requests per simulated tick; checks per interval; the real time each interval took.
    let mut per_tick: BTreeMap<i64, u64> = BTreeMap::new();
    let mut checked = [0usize; 2];
    let mut busy = [Duration::ZERO; 2];
    let mut slowest = Duration::ZERO;
    let mut unchecked = 0;
    let mut t = T0;
    while t <= T0 + 2 * interval {
        let before = registry.requests.load(Ordering::Relaxed);
        let started = Instant::now();
        let second = usize::from(t > T0 + interval);
        loop {
            let step = worker.try_execute_step(t).await.unwrap();
            checked[second] += step.checked;
            if step.checked < 1000 {
                break;
            }
        }
        let took = started.elapsed();
        busy[second] += took;
        slowest = slowest.max(took);
        per_tick.insert(t, registry.requests.load(Ordering::Relaxed) - before);
        if t + TICK > T0 + interval && t <= T0 + interval {
            unchecked = never_checked(&store, watches, per_user).await;
        }
        t += TICK;
    }

    let first: u64 = per_tick.range(..=T0 + interval).map(|(_, n)| n).sum();
    let second: u64 = per_tick.range(T0 + interval + 1..).map(|(_, n)| n).sum();
    let busiest_minute = per_tick
        .keys()
        .map(|start| {
            per_tick
                .range(*start..start + 60)
                .map(|(_, n)| n)
                .sum::<u64>()
        })
        .max()
        .unwrap_or(0);
    let counts = worker.poller().counts();
    println!("slot-watch benchmark: {watches} watches over {doctors} doctors, WATCH_INTERVAL {interval}s, WATCH_BUDGET {budget}/min, registry latency {latency:?}");
    println!(
        "setup: {watches} watches added in {:.1} s",
        setup.as_secs_f64()
    );
    println!(
        "interval 1: {} watch checks, {first} registry requests, {unchecked} watches not checked by its end; real time spent {:.2} s",
        checked[0],
        busy[0].as_secs_f64()
    );
    println!(
        "interval 2: {} watch checks, {second} registry requests; real time spent {:.2} s",
        checked[1],
        busy[1].as_secs_f64()
    );
    println!(
        "busiest simulated minute: {busiest_minute} requests (budget {budget}); slowest tick {:.2} s; held back by the budget: {}; notices: {}",
        slowest.as_secs_f64(),
        counts.deferred,
        notifier.0.load(Ordering::Relaxed)
    );
    let met = unchecked == 0
        && busiest_minute <= budget as u64
        && first <= doctors as u64 + doctors as u64 / 10
        && busy[0] < Duration::from_secs(interval as u64);
    println!(
        "{}",
        if met {
            "goal met (every watch checked within one interval, ~1 request per doctor, budget respected)"
        } else {
            "goal NOT met"
        }
    );
}
