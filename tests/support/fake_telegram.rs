//! A fake Telegram Bot API on 127.0.0.1 for end-to-end tests: the bot under test talks to it through
//! `TELOXIDE_API_URL` exactly as it would to Telegram. The test queues updates (a user typing, a tap) and
//! awaits the bot's requests, which are all recorded.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::sync::Notify;

pub const BOT_ID: i64 = 7_000_000_001;
pub const BOT_USERNAME: &str = "kvrachu_test_bot";

/// One request the bot made.
#[derive(Clone, Debug)]
pub struct Call {
    pub method: String,
    pub body: Value,
}

impl Call {
    pub fn text(&self) -> &str {
        self.body["text"].as_str().unwrap_or_default()
    }

    /// Every callback data of the inline keyboard, row by row.
    pub fn buttons(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(rows) = self.body["reply_markup"]["inline_keyboard"].as_array() {
            for row in rows {
                for b in row.as_array().into_iter().flatten() {
                    let label = b["text"].as_str().unwrap_or_default().to_owned();
                    let data = b["callback_data"]
                        .as_str()
                        .or(b["url"].as_str())
                        .unwrap_or_default()
                        .to_owned();
                    out.push((label, data));
                }
            }
        }
        out
    }
}

/// An error the fake answers for a chat instead of delivering, as Telegram would.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    pub code: u16,
    pub description: String,
    pub retry_after: Option<u64>,
}

impl Failure {
    /// 403: the user blocked the bot.
    pub fn blocked() -> Failure {
        Failure {
            code: 403,
            description: "Forbidden: bot was blocked by the user".to_owned(),
            retry_after: None,
        }
    }

    /// 403: the user deleted their account.
    pub fn deactivated() -> Failure {
        Failure {
            code: 403,
            description: "Forbidden: user is deactivated".to_owned(),
            retry_after: None,
        }
    }

    /// 400: no such chat.
    pub fn chat_not_found() -> Failure {
        Failure {
            code: 400,
            description: "Bad Request: chat not found".to_owned(),
            retry_after: None,
        }
    }

    /// 400: a link button Telegram will not show.
    pub fn button_url_invalid() -> Failure {
        Failure {
            code: 400,
            description: "Bad Request: BUTTON_URL_INVALID".to_owned(),
            retry_after: None,
        }
    }

    /// 429: flood control, try again after `seconds`.
    pub fn too_many_requests(seconds: u64) -> Failure {
        Failure {
            code: 429,
            description: format!("Too Many Requests: retry after {seconds}"),
            retry_after: Some(seconds),
        }
    }

    fn body(&self) -> Value {
        let mut body =
            json!({ "ok": false, "error_code": self.code, "description": self.description });
        if let Some(after) = self.retry_after {
            body["parameters"] = json!({ "retry_after": after });
        }
        body
    }
}

#[derive(Default)]
struct Inner {
    updates: VecDeque<Value>,
    next_update_id: i64,
    next_message_id: i64,
    calls: Vec<Call>,
    /// Per chat: the failure to answer, and how many more times (`None`: always).
    failures: HashMap<i64, (Failure, Option<usize>)>,
    /// Sends answered with an error, with the error code.
    rejected: Vec<(u16, Call)>,
    /// Refuse link buttons to this machine, as Telegram refuses links to `localhost`.
    refuse_local_links: bool,
    /// Answer every `getUpdates` with 409 Conflict, as Telegram does while another process polls.
    polled_elsewhere: bool,
    /// Messages whose text contains this are delivered (recorded) but never answered, as when the bot
    /// dies after Telegram took a message and before it heard back.
    unanswered: Option<String>,
}

#[derive(Clone)]
pub struct FakeTelegram {
    inner: Arc<Mutex<Inner>>,
    update_ready: Arc<Notify>,
    call_made: Arc<Notify>,
    pub addr: SocketAddr,
}

impl FakeTelegram {
    pub async fn start() -> FakeTelegram {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let fake = FakeTelegram {
            inner: Arc::new(Mutex::new(Inner {
                next_update_id: 1,
                next_message_id: 100,
                ..Inner::default()
            })),
            update_ready: Arc::new(Notify::new()),
            call_made: Arc::new(Notify::new()),
            addr,
        };
        let app = Router::new()
            .route("/{token}/{method}", post(handle))
            .with_state(fake.clone());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        fake
    }

    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    fn push_update(&self, body: Value) {
        let mut inner = self.inner.lock().unwrap();
        let mut update = body;
        update["update_id"] = json!(inner.next_update_id);
        inner.next_update_id += 1;
        inner.updates.push_back(update);
        drop(inner);
        self.update_ready.notify_waiters();
    }

    fn next_message_id(&self) -> i64 {
        let mut inner = self.inner.lock().unwrap();
        inner.next_message_id += 1;
        inner.next_message_id
    }

    /// The user types `text` in their private chat.
    pub fn user_says(&self, user: i64, text: &str) {
        let update = self.says(user, text);
        self.push_update(update);
    }

    /// The update (without its `update_id`) of the user typing `text`, for a webhook to be handed.
    pub fn says(&self, user: i64, text: &str) -> Value {
        let id = self.next_message_id();
        let mut message = json!({
            "message_id": id,
            "date": 1_764_000_000,
            "chat": { "id": user, "type": "private", "first_name": "Тест" },
            "from": { "id": user, "is_bot": false, "first_name": "Тест", "language_code": "ru" },
            "text": text,
        });
        if text.starts_with('/') {
            let len = text
                .split_whitespace()
                .next()
                .unwrap()
                .encode_utf16()
                .count();
            message["entities"] = json!([{ "type": "bot_command", "offset": 0, "length": len }]);
        }
        json!({ "message": message })
    }

    /// The user taps the button with `data` under the bot's message `on`.
    pub fn user_taps(&self, user: i64, on: &Call, data: &str) {
        let update = self.taps(user, on, data);
        self.push_update(update);
    }

    /// The update (without its `update_id`) of the user tapping `data` under `on`, for a webhook.
    pub fn taps(&self, user: i64, on: &Call, data: &str) -> Value {
        let message_id = on.body["message_id"].as_i64().unwrap_or(1);
        let message = json!({
            "message_id": message_id,
            "date": 1_764_000_000,
            "chat": { "id": user, "type": "private", "first_name": "Тест" },
            "from": { "id": BOT_ID, "is_bot": true, "first_name": "kvrachu", "username": BOT_USERNAME },
            "text": on.text(),
        });
        let id = self.next_message_id();
        json!({
            "callback_query": {
                "id": format!("cq{id}"),
                "from": { "id": user, "is_bot": false, "first_name": "Тест", "language_code": "ru" },
                "chat_instance": "ci",
                "data": data,
                "message": message,
            }
        })
    }

    pub fn calls(&self) -> Vec<Call> {
        self.inner.lock().unwrap().calls.clone()
    }

    pub fn calls_to(&self, method: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.method == method)
            .collect()
    }

    /// Waits until a call after the first `seen` calls matches, and returns it.
    pub async fn wait_for(&self, seen: usize, what: &str, pred: impl Fn(&Call) -> bool) -> Call {
        self.wait_for_within(seen, what, Duration::from_secs(60), pred)
            .await
    }

    /// [`FakeTelegram::wait_for`] with a deadline of `within` from now.
    pub async fn wait_for_within(
        &self,
        seen: usize,
        what: &str,
        within: Duration,
        pred: impl Fn(&Call) -> bool,
    ) -> Call {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let notified = self.call_made.notified();
            if let Some(call) = self.calls().into_iter().skip(seen).find(|c| pred(c)) {
                return call;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                let calls: Vec<_> = self
                    .calls()
                    .into_iter()
                    .map(|c| format!("{} {}", c.method, c.text()))
                    .collect();
                panic!("timed out waiting for {what}; calls so far: {calls:#?}");
            }
        }
    }

    pub fn call_count(&self) -> usize {
        self.inner.lock().unwrap().calls.len()
    }

    /// Messages to `chat` fail with `failure` from now on (`times`: only the next so many).
    pub fn fail_chat(&self, chat: i64, failure: Failure, times: Option<usize>) {
        self.inner
            .lock()
            .unwrap()
            .failures
            .insert(chat, (failure, times));
    }

    /// From now on, a message whose keyboard links to 127.0.0.1 or `localhost` is refused with
    /// `BUTTON_URL_INVALID`, as Telegram refuses links that its users could not open.
    /// From now on every `getUpdates` is answered 409 Conflict, as when another process polls with the token.
    pub fn poll_elsewhere(&self) {
        self.inner.lock().unwrap().polled_elsewhere = true;
    }

    /// From now on, a message whose text contains `part` is delivered but never answered (the sender
    /// waits until it gives up or dies).
    pub fn deliver_without_answer(&self, part: &str) {
        self.inner.lock().unwrap().unanswered = Some(part.to_owned());
    }

    /// Messages are answered again.
    pub fn answer_deliveries(&self) {
        self.inner.lock().unwrap().unanswered = None;
    }

    pub fn refuse_local_links(&self) {
        self.inner.lock().unwrap().refuse_local_links = true;
    }

    /// Messages to `chat` are delivered again.
    pub fn heal_chat(&self, chat: i64) {
        self.inner.lock().unwrap().failures.remove(&chat);
    }

    /// Sends that were answered with an error: (error code, the request).
    pub fn rejected(&self) -> Vec<(u16, Call)> {
        self.inner.lock().unwrap().rejected.clone()
    }

    /// Messages delivered to `chat`.
    pub fn messages_to(&self, chat: i64) -> Vec<Call> {
        self.calls_to("sendMessage")
            .into_iter()
            .filter(|c| c.body["chat_id"].as_i64() == Some(chat))
            .collect()
    }
}

/// Whether the message's keyboard has a link to this machine.
fn links_locally(body: &Value) -> bool {
    body["reply_markup"]["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(|button| button["url"].as_str())
        .any(|url| url.contains("://127.0.0.1") || url.contains("://localhost"))
}

/// The failure to answer a send to `chat` with, if one is set (and counts it down).
fn take_failure(fake: &FakeTelegram, chat: i64) -> Option<Failure> {
    let mut inner = fake.inner.lock().unwrap();
    let (failure, times) = inner.failures.get_mut(&chat)?;
    let failure = failure.clone();
    match times {
        Some(0) => {
            inner.failures.remove(&chat);
            return None;
        }
        Some(n) => *n -= 1,
        None => {}
    }
    Some(failure)
}

fn bot_user() -> Value {
    json!({ "id": BOT_ID, "is_bot": true, "first_name": "kvrachu", "username": BOT_USERNAME })
}

fn ok(result: Value) -> Json<Value> {
    Json(json!({ "ok": true, "result": result }))
}

async fn handle(
    State(fake): State<FakeTelegram>,
    Path((_token, method)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    // Telegram's method names are case-insensitive; teloxide sends `GetMe`, the docs say `getMe`.
    let method = canonical(&method);
    let is_json = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let body: Value = if is_json {
        serde_json::from_slice(&body).unwrap_or(Value::Null)
    } else {
        // Multipart (documents) or empty bodies: keep what is readable for assertions.
        json!({ "raw": String::from_utf8_lossy(&body) })
    };

    if method == "getUpdates" && fake.inner.lock().unwrap().polled_elsewhere {
        record(&fake, &method, body);
        let conflict = json!({
            "ok": false,
            "error_code": 409,
            "description": "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
        });
        return (StatusCode::CONFLICT, Json(conflict)).into_response();
    }
    if method == "getUpdates" {
        let offset = body["offset"].as_i64().unwrap_or(0);
        let wait = Duration::from_secs(body["timeout"].as_u64().unwrap_or(0).min(1));
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let notified = fake.update_ready.notified();
            {
                let mut inner = fake.inner.lock().unwrap();
                inner
                    .updates
                    .retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
                if !inner.updates.is_empty() {
                    let updates: Vec<Value> = inner.updates.iter().cloned().collect();
                    return ok(Value::Array(updates)).into_response();
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return ok(json!([])).into_response();
            }
        }
    }

    let response = match method.as_str() {
        "getMe" => {
            let mut me = bot_user();
            me["can_join_groups"] = json!(true);
            me["can_read_all_group_messages"] = json!(false);
            me["supports_inline_queries"] = json!(false);
            me["can_connect_to_business"] = json!(false);
            me["has_main_web_app"] = json!(false);
            me
        }
        "sendMessage" | "editMessageText" | "sendVenue" | "sendDocument" | "sendLocation" => {
            let chat_id = body["chat_id"].as_i64().unwrap_or(0);
            let failure = take_failure(&fake, chat_id).or_else(|| {
                let refuse = fake.inner.lock().unwrap().refuse_local_links;
                (refuse && links_locally(&body)).then(Failure::button_url_invalid)
            });
            if let Some(failure) = failure {
                fake.inner.lock().unwrap().rejected.push((
                    failure.code,
                    Call {
                        method: method.clone(),
                        body: body.clone(),
                    },
                ));
                fake.call_made.notify_waiters();
                let status = StatusCode::from_u16(failure.code).unwrap_or(StatusCode::BAD_REQUEST);
                return (status, Json(failure.body())).into_response();
            }
            let message_id = match body["message_id"].as_i64() {
                Some(id) => id,
                None => fake.next_message_id(),
            };
            let mut message = json!({
                "message_id": message_id,
                "date": 1_764_000_000,
                "chat": { "id": chat_id, "type": "private", "first_name": "Тест" },
                "from": bot_user(),
                "text": body["text"].as_str().unwrap_or(""),
            });
            if !body["reply_markup"].is_null() {
                message["reply_markup"] = body["reply_markup"].clone();
            }
            let mut recorded = body.clone();
            recorded["message_id"] = json!(message_id);
            record(&fake, &method, recorded);
            let unanswered = fake.inner.lock().unwrap().unanswered.clone();
            if unanswered.is_some_and(|part| message["text"].as_str().unwrap_or("").contains(&part))
            {
                std::future::pending::<()>().await;
            }
            return ok(message).into_response();
        }
        _ => json!(true),
    };
    record(&fake, &method, body);
    ok(response).into_response()
}

fn record(fake: &FakeTelegram, method: &str, body: Value) {
    fake.inner.lock().unwrap().calls.push(Call {
        method: method.to_owned(),
        body,
    });
    fake.call_made.notify_waiters();
}

const METHODS: [&str; 12] = [
    "getUpdates",
    "getMe",
    "sendMessage",
    "editMessageText",
    "sendVenue",
    "sendDocument",
    "sendLocation",
    "answerCallbackQuery",
    "setMyCommands",
    "deleteWebhook",
    "setWebhook",
    "editMessageReplyMarkup",
];

fn canonical(method: &str) -> String {
    METHODS
        .iter()
        .find(|m| m.eq_ignore_ascii_case(method))
        .map(|m| (*m).to_owned())
        .unwrap_or_else(|| method.to_owned())
}
