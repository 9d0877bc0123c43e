//! Reminder throughput against a fake Bot API that enforces Telegram's limits: at most 30 messages in any
//! second overall and 1 a second per chat, answering 429 (retry after 1 s) beyond them.
//!
//! N chats × M reminders, all due, on a SQLite store; one worker with the production `Throttle` limits.
//! Reports reminders delivered per second (first to last delivery) and the 429s received. The goal is
//! at least 29 messages a second with no 429 at all.
//!
//! `cargo bench --bench reminders` (CHATS and PER_CHAT in the environment change the shape).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use kvrachu_bot::config::Settings;
use kvrachu_bot::store::{
    unix_now, AppointmentDetails, AppointmentSource, DataKey, NewAppointment, Store,
};
use kvrachu_bot::workers::reminders::{throttled_bot, ReminderWorker};
use serde_json::{json, Value};
use teloxide::adaptors::throttle::Limits;
use teloxide::Bot;

const OVERALL_PER_SEC: usize = 30;

#[derive(Default)]
struct Limiter {
    recent: VecDeque<Instant>,
    last_per_chat: HashMap<i64, Instant>,
    delivered: Vec<Instant>,
    too_many: usize,
}

async fn handle(
    State(limiter): State<Arc<Mutex<Limiter>>>,
    Path((_token, method)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if !method.eq_ignore_ascii_case("sendMessage") {
        return Json(json!({ "ok": true, "result": true })).into_response();
    }
    let chat = body["chat_id"].as_i64().unwrap_or(0);
    let now = Instant::now();
    let mut l = limiter.lock().unwrap();
    while l
        .recent
        .front()
        .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
    {
        l.recent.pop_front();
    }
    let chat_busy = l
        .last_per_chat
        .get(&chat)
        .is_some_and(|t| now.duration_since(*t) < Duration::from_secs(1));
    if l.recent.len() >= OVERALL_PER_SEC || chat_busy {
        l.too_many += 1;
        return (
            StatusCode::TOO_MANY_REQUESTS,
            Json(json!({
                "ok": false,
                "error_code": 429,
                "description": "Too Many Requests: retry after 1",
                "parameters": { "retry_after": 1 }
            })),
        )
            .into_response();
    }
    l.recent.push_back(now);
    l.last_per_chat.insert(chat, now);
    l.delivered.push(now);
    let id = l.delivered.len();
    Json(json!({ "ok": true, "result": {
        "message_id": id,
        "date": 1_764_000_000,
        "chat": { "id": chat, "type": "private", "first_name": "B" },
        "text": body["text"].as_str().unwrap_or_default(),
    }}))
    .into_response()
}

fn env_number(name: &str, default: i64) -> i64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let chats = env_number("CHATS", 100);
    let per_chat = env_number("PER_CHAT", 3);

    let limiter = Arc::new(Mutex::new(Limiter::default()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .route("/{token}/{method}", post(handle))
        .with_state(limiter.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = Store::connect(&url, &DataKey::generate()).await.unwrap();
    let now = unix_now();
    let hour = vec![Duration::from_secs(3600)];
    for chat in 0..chats {
        for i in 0..per_chat {
            store
                .upsert_appointment(
                    &NewAppointment {
                        user_id: 100_000 + chat,
                        child_id: None,
                        lpu_id: 1,
                        patient_id: "p".to_owned(),
                        registry_id: Some(format!("s{i}")),
                        doctor_id: None,
                        slot_id: None,
                        // Due one second from now, the visit an hour and a bit later.
                        visit_at: now + 3600 + 1 + i,
                        details: AppointmentDetails {
                            person: "Иванов Иван Иванович".to_owned(),
                            doctor: "Петрова Анна Сергеевна".to_owned(),
                            specialty: "Терапевт".to_owned(),
                            clinic: "ГП №1".to_owned(),
                            address: "г. Иркутск, ул. Ленина, 1".to_owned(),
                            room: Some("12".to_owned()),
                            phone: None,
                            latitude: Some(52.28),
                            longitude: Some(104.3),
                            local_time: "2026-12-01T09:30:00".to_owned(),
                            local_end: None,
                        },
                        source: AppointmentSource::Bot,
                    },
                    &hour,
                    now,
                )
                .await
                .unwrap();
        }
    }
    let total = (chats * per_chat) as usize;

    let settings = Settings::from_lookup(|name| {
        (name == "TELOXIDE_TOKEN").then(|| "123456:BENCH-token".to_owned())
    })
    .unwrap();
    let bot =
        Bot::new("123456:BENCH-token").set_api_url(format!("http://{addr}/").parse().unwrap());
    let worker = ReminderWorker::new(
        store.clone(),
        throttled_bot(bot, Limits::default()),
        &settings,
    );

    tokio::time::sleep(Duration::from_secs(2)).await;
    let started = Instant::now();
    let deadline = started + Duration::from_secs(600);
    loop {
        let delivered = limiter.lock().unwrap().delivered.len();
        if delivered >= total || Instant::now() > deadline {
            break;
        }
        let outcome = worker.try_execute_step(unix_now()).await.unwrap();
        if outcome.claimed == 0 {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    let l = limiter.lock().unwrap();
    let delivered = l.delivered.len();
    let span = match (l.delivered.first(), l.delivered.last()) {
        (Some(first), Some(last)) => last.duration_since(*first),
        _ => Duration::ZERO,
    };
    let rate = if span.is_zero() {
        0.0
    } else {
        (delivered.saturating_sub(1)) as f64 / span.as_secs_f64()
    };
    println!("reminders benchmark: {chats} chats × {per_chat} reminders = {total}");
    println!(
        "delivered {delivered}/{total} in {:.1} s: {rate:.1} messages/s sustained; 429s received: {}",
        span.as_secs_f64(),
        l.too_many
    );
    let verdict = if rate >= 29.0 && l.too_many == 0 && delivered == total {
        "goal met (≥ 29 messages/s, zero 429s)"
    } else {
        "goal NOT met (≥ 29 messages/s, zero 429s)"
    };
    println!("{verdict}");
}
