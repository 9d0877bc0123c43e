//! The bot's HTTP server: `/healthz` answers 200 while the process serves (live), `/readyz` 200 while the
//! database answers with its migrations applied and 503 when it does not (ready);
//! `/metrics` only with its token, with counts read from the database (both backends).

#[path = "support/databases.rs"]
mod databases;
#[path = "support/fake_telegram.rs"]
mod fake_telegram;

use kvrachu_bot::http::{router, HttpState, MetricsAccess};
use kvrachu_bot::store::DataKey;

async fn serve(state: HttpState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(state)).await.unwrap() });
    format!("http://{addr}")
}

/// The whole application, built as `main` builds it (HTTP_ADDR with port 0, a fake Telegram): it
/// serves on the address it reports, and `run` returns once told to stop.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_built_application_serves_on_its_port_and_stops_when_told() {
    let fake = fake_telegram::FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("bot.db").display());
    let settings = kvrachu_bot::config::Settings::from_lookup(|name| match name {
        "TELOXIDE_TOKEN" => Some("123456:TEST-token".to_owned()),
        "TELOXIDE_API_URL" => Some(fake.url()),
        "DATABASE_URL" => Some(database.clone()),
        "HTTP_ADDR" => Some("127.0.0.1:0".to_owned()),
        _ => None,
    })
    .unwrap();
    let app = kvrachu_bot::app::build(settings).await.unwrap();
    let addr = app.local_addr();
    assert_ne!(addr.port(), 0);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(app.run(async {
        stopped.await.ok();
    }));

    let ok = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    // The demo registry is served beside it, where the bot's registry client looks for it.
    let demo = reqwest::get(format!(
        "http://{addr}{}/shared/districts",
        kvrachu_bot::registry::demo::PATH
    ))
    .await
    .unwrap();
    assert_eq!(demo.status().as_u16(), 200);
    // The command list was registered with Telegram.
    assert!(!fake.calls_to("setMyCommands").is_empty());

    stop.send(()).unwrap();
    let result = tokio::time::timeout(std::time::Duration::from_secs(30), running)
        .await
        .expect("the application stops when told")
        .unwrap();
    assert!(result.is_ok(), "{result:?}");
    assert!(reqwest::get(format!("http://{addr}/healthz"))
        .await
        .is_err());
}

async fn health_of(db: databases::TestDb) {
    let store = db.store(&DataKey::generate()).await;
    let base = serve(HttpState {
        store: store.clone(),
        esia: None,
        metrics: None,
    })
    .await;

    let ok = reqwest::get(format!("{base}/readyz")).await.unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    assert_eq!(ok.text().await.unwrap(), "ready\n");

    store.close().await;
    let down = reqwest::get(format!("{base}/readyz")).await.unwrap();
    assert_eq!(down.status().as_u16(), 503);
    assert_eq!(down.text().await.unwrap(), "database unavailable\n");
    // Alive all the same: a restart would not bring the database back.
    let live = reqwest::get(format!("{base}/healthz")).await.unwrap();
    assert_eq!(live.status().as_u16(), 200);
    assert_eq!(live.text().await.unwrap(), "live\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_follows_the_sqlite_database_and_healthz_stays_live() {
    health_of(databases::TestDb::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_follows_the_postgres_database_and_healthz_stays_live() {
    health_of(databases::TestDb::postgres().await).await;
}

#[tokio::test]
async fn unknown_paths_and_metrics_without_a_token_are_404() {
    let db = databases::TestDb::sqlite().await;
    let store = db.store(&DataKey::generate()).await;
    let base = serve(HttpState {
        store,
        esia: None,
        metrics: None,
    })
    .await;
    let resp = reqwest::get(format!("{base}/nope")).await.unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    // Without METRICS_TOKEN there is no /metrics at all.
    let resp = reqwest::get(format!("{base}/metrics")).await.unwrap();
    assert_eq!(resp.status().as_u16(), 404);
}

const METRICS_TOKEN: &str = "metrics-token-0123456789";

async fn metrics_of(db: databases::TestDb) {
    use kvrachu_bot::store::{AppointmentDetails, AppointmentSource, NewAppointment};
    let store = db.store(&DataKey::generate()).await;
    let now = kvrachu_bot::store::unix_now();
    store.record_consent(1, now).await.unwrap();
    store.ensure_user(2).await.unwrap();
    // One visit in two days (two reminders pending), one reminder already overdue by five minutes.
    let visit = NewAppointment {
        user_id: 1,
        child_id: None,
        lpu_id: 10,
        patient_id: "p-1".to_owned(),
        registry_id: Some("s-1".to_owned()),
        doctor_id: None,
        slot_id: None,
        visit_at: now + 2 * 86_400,
        details: AppointmentDetails::default(),
        source: AppointmentSource::Bot,
    };
    let offsets = [
        std::time::Duration::from_secs(86_400),
        std::time::Duration::from_secs(7_200),
    ];
    store
        .upsert_appointment(&visit, &offsets, now)
        .await
        .unwrap();
    let soon = NewAppointment {
        registry_id: Some("s-2".to_owned()),
        doctor_id: None,
        slot_id: None,
        visit_at: now + 7_200 - 300,
        ..visit.clone()
    };
    store
        .upsert_appointment(&soon, &offsets, now - 600)
        .await
        .unwrap();
    let base = serve(HttpState {
        store: store.clone(),
        esia: None,
        metrics: Some(MetricsAccess {
            token: METRICS_TOKEN.to_owned(),
            sync_interval_secs: 1800,
        }),
    })
    .await;
    let http = reqwest::Client::new();
    let url = format!("{base}/metrics");

    let anonymous = http.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    let wrong = http
        .get(&url)
        .bearer_auth("metrics-token-0123456788")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 401);

    // What the process counts as it runs is served beside what the database counts.
    kvrachu_bot::telemetry::process_metrics();
    kvrachu_bot::telemetry::handler_done("clinics", 0.3, Some("registry"));
    kvrachu_bot::telemetry::registry_error("603".to_owned());
    let scrape = http
        .get(&url)
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(scrape.status().as_u16(), 200);
    assert!(scrape.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = scrape.text().await.unwrap();
    let value = |name: &str| -> i64 {
        text.lines()
            .find_map(|line| line.strip_prefix(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no {name} in {text}"))
            .parse()
            .unwrap()
    };
    assert_eq!(value("kvrachu_users_consented"), 1);
    assert_eq!(value("kvrachu_appointments_upcoming"), 2);
    assert_eq!(value("kvrachu_reminders_pending"), 3);
    assert_eq!(value("kvrachu_reminders_sent"), 0);
    assert_eq!(value("kvrachu_reminders_overdue"), 1);
    let oldest = value("kvrachu_reminders_oldest_overdue_seconds");
    assert!((300..310).contains(&oldest), "{oldest}");
    assert_eq!(value("kvrachu_slot_watches"), 0);
    assert!(
        text.contains("# TYPE kvrachu_reminders_pending gauge"),
        "{text}"
    );
    assert!(
        text.contains("kvrachu_handler_failures_total{journey=\"clinics\",kind=\"registry\"}"),
        "{text}"
    );
    assert!(
        text.contains("kvrachu_handler_seconds_bucket{journey=\"clinics\""),
        "{text}"
    );
    assert!(
        text.contains("kvrachu_registry_errors_total{code=\"603\"}"),
        "{text}"
    );
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_need_the_token_and_count_from_sqlite() {
    metrics_of(databases::TestDb::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_need_the_token_and_count_from_postgres() {
    metrics_of(databases::TestDb::postgres().await).await;
}

/// The server as `app` runs it, with `limits`, on a SQLite store.
async fn serve_limited(
    db: &databases::TestDb,
    limits: kvrachu_bot::http::HttpLimits,
) -> std::net::SocketAddr {
    let store = db.store(&DataKey::generate()).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = router(HttpState {
        store,
        esia: None,
        metrics: None,
    });
    tokio::spawn(kvrachu_bot::http::serve(
        listener,
        router,
        limits,
        std::future::pending(),
    ));
    addr
}

/// Reads what the server sends until it closes the connection; `None` if it is still open after `wait`.
async fn read_until_closed(stream: &mut tokio::net::TcpStream, wait: Duration) -> Option<Vec<u8>> {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    tokio::time::timeout(wait, async {
        let mut buf = [0u8; 1024];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .ok()
    .map(|()| got)
}

use std::time::Duration;

/// Slowloris: 200 connections that send half a request header (and 20 that send nothing) neither take
/// `/healthz` offline nor stay open past the header-read timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_open_connections_do_not_take_the_server_offline_and_are_closed() {
    use tokio::io::AsyncWriteExt;
    let db = databases::TestDb::sqlite().await;
    let limits = kvrachu_bot::http::HttpLimits {
        header_read_timeout: Duration::from_secs(1),
        ..Default::default()
    };
    let addr = serve_limited(&db, limits).await;
    let mut half_open = Vec::new();
    for i in 0..220 {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        if i < 200 {
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                .await
                .unwrap();
        }
        half_open.push(stream);
    }
    let started = std::time::Instant::now();
    let client = reqwest::Client::new();
    let ok = client
        .get(format!("http://{addr}/healthz"))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "/healthz waited for the slow clients: {:?}",
        started.elapsed()
    );
    for (i, stream) in half_open.iter_mut().enumerate() {
        let sent = read_until_closed(stream, Duration::from_secs(10)).await;
        let sent = sent.unwrap_or_else(|| panic!("connection {i} is still open"));
        // Closed, at most with an error status: never an answer to the unfinished request.
        assert!(!sent.starts_with(b"HTTP/1.1 200"), "connection {i}");
    }
}

/// The limits are on every route of the running application: an oversized body is refused with 413
/// before any handler reads it (here the webhook-less ESIA callback and the demo registry).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_is_refused_with_413_on_every_route() {
    let fake = fake_telegram::FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("bot.db").display());
    let settings = kvrachu_bot::config::Settings::from_lookup(|name| match name {
        "TELOXIDE_TOKEN" => Some("123456:TEST-token".to_owned()),
        "TELOXIDE_API_URL" => Some(fake.url()),
        "DATABASE_URL" => Some(database.clone()),
        "HTTP_ADDR" => Some("127.0.0.1:0".to_owned()),
        _ => None,
    })
    .unwrap();
    let app = kvrachu_bot::app::build(settings).await.unwrap();
    let addr = app.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(app.run(async {
        stopped.await.ok();
    }));
    let too_big = kvrachu_bot::http::HttpLimits::default().max_body_bytes + 1;
    let client = reqwest::Client::new();
    for path in [
        "/esia/callback".to_owned(),
        format!("{}/appointment/create", kvrachu_bot::registry::demo::PATH),
        "/healthz".to_owned(),
    ] {
        // The refusal comes from the announced length, before any of the body is read: the request's
        // head alone is sent (a client still writing the body would see the connection closed under it).
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/octet-stream\r\nContent-Length: {too_big}\r\n\r\n"
        );
        conn.write_all(head.as_bytes()).await.unwrap();
        let mut answer = vec![0u8; 1024];
        let n = conn.read(&mut answer).await.unwrap();
        let status_line = String::from_utf8_lossy(&answer[..n]);
        assert!(
            status_line.starts_with("HTTP/1.1 413"),
            "{path}: {status_line}"
        );
    }
    let ok = client
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(30), running)
        .await
        .expect("the application stops when told")
        .unwrap()
        .unwrap();
}
