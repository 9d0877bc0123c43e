//! Time from a tap to the edited message in the clinics journey, with the demo registry, in-process.
//!
//! The whole bot runs as in production (`app::build` and `App::run`: store on a temporary SQLite file, the HTTP server with
//! the demo registry, the dispatcher polling) against a fake Bot API on 127.0.0.1. A "tap" is a callback
//! update queued on the fake; the time is measured until the fake receives `editMessageText`. 100 taps walk
//! district → type → pages → card → back. Also measured: one uncached registry call to the demo (clinics of
//! г. Иркутск) through the HTTP client. Prints the median and p95.
//!
//! Run: `cargo bench --bench clinics_tap`.

#[path = "../tests/support/fake_telegram.rs"]
mod fake_telegram;

use std::time::{Duration, Instant};

use fake_telegram::{Call, FakeTelegram};
use kvrachu_bot::config::Settings;
use kvrachu_bot::registry::{self, HttpRegistry, HttpRegistryConfig, Registry};
use kvrachu_bot::store::{DataKey, Store};

const USER: i64 = 515_151;
const TAPS: usize = 100;

fn summary(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{name}: n={} median={:.2} ms p95={:.2} ms max={:.2} ms",
        samples.len(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.95).as_secs_f64() * 1e3,
        samples.last().unwrap().as_secs_f64() * 1e3,
    );
}

fn button(call: &Call, label: &str) -> String {
    call.buttons()
        .into_iter()
        .find(|(l, _)| l == label)
        .unwrap_or_else(|| panic!("no button {label:?} in {:?}", call.buttons()))
        .1
}

/// Taps `data` under `on` and waits for the edit; returns it and the time it took.
async fn tap(fake: &FakeTelegram, on: &Call, data: &str) -> (Call, Duration) {
    let seen = fake.call_count();
    let started = Instant::now();
    fake.user_taps(USER, on, data);
    let edit = fake
        .wait_for(seen, data, |c| c.method == "editMessageText")
        .await;
    (edit, started.elapsed())
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

async fn run() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeTelegram::start().await;
    let db = format!("sqlite://{}", dir.path().join("bench.db").display());
    let api = fake.url();
    let vars = [
        ("TELOXIDE_TOKEN", "123456:BENCH-token"),
        ("TELOXIDE_API_URL", api.as_str()),
        ("DATABASE_URL", db.as_str()),
        ("HTTP_ADDR", "127.0.0.1:0"),
    ];
    let settings = Settings::from_lookup(|name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    })
    .unwrap();
    let app = kvrachu_bot::app::build(settings).await.unwrap();
    tokio::spawn(async move {
        if let Err(err) = app.run(std::future::pending()).await {
            eprintln!("the bot stopped: {err:#}");
        }
    });

    // /start, consent, then «Записаться».
    fake.user_says(USER, "/start");
    let notice = fake
        .wait_for(0, "the consent notice", |c| c.method == "sendMessage")
        .await;
    let (menu, _) = tap(&fake, &notice, "consent").await;
    let (mut screen, cold) = tap(&fake, &menu, "s:book").await;
    println!(
        "first tap on «Записаться» (registry cache cold): {:.2} ms",
        cold.as_secs_f64() * 1e3
    );

    let walk = [
        "г. Иркутск",
        "Взрослая поликлиника (14)",
        "›",
        "›",
        "‹",
        "Поликлиника № 11",
        "« Назад",
        "« Назад",
        "« Назад",
    ];
    let mut samples = Vec::with_capacity(TAPS);
    let mut step = 0;
    while samples.len() < TAPS {
        let data = button(&screen, walk[step % walk.len()]);
        let (next, took) = tap(&fake, &screen, &data).await;
        samples.push(took);
        screen = next;
        step += 1;
    }
    summary("tap → edited message (demo registry, in-process)", samples);

    // One registry call to the demo with nothing cached, through the same HTTP client.
    let key = DataKey::generate();
    let store = Store::connect(
        &format!("sqlite://{}", dir.path().join("demo.db").display()),
        &key,
    )
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = axum::Router::new().nest(
        registry::demo::PATH,
        registry::demo::router(store, chrono_tz::Asia::Irkutsk),
    );
    tokio::spawn(async move { axum::serve(listener, router).await.ok() });
    let mut config = HttpRegistryConfig::new(registry::demo_url(addr));
    config.reference_ttl = Duration::ZERO;
    let client = HttpRegistry::new(config).unwrap();
    let mut calls = Vec::with_capacity(TAPS);
    for _ in 0..TAPS {
        let started = Instant::now();
        client.clinics("1").await.unwrap();
        calls.push(started.elapsed());
    }
    summary("uncached demo registry call (clinics of a district)", calls);
}
