//! The Gosuslugi login in a real browser: the built binary in demo mode against a fake Bot API, headless
//! Chromium driven through ChromeDriver's WebDriver HTTP API. The user opens the URL from the bot's button
//! (`/esia/start`, which signs at the click and redirects to the demo ESIA), chooses the confirmed test
//! person on the demo login page and comes back to the callback: as a plain link, the page shows a one-time
//! code for the chat; opened by Telegram with its login data, the browser is bound by a cookie, the page
//! says «Готово» and the bot's message arrives in Telegram.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (`apt-get install chromium chromium-driver`;
//! `.ci/run` installs them). With `KVRACHU_SCREENSHOTS=1` the screenshots go to `docs/` (committed);
//! otherwise to a temporary directory.

#[path = "support/fake_telegram.rs"]
mod fake_telegram;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use std::collections::HashMap;

use base64::Engine;
use fake_telegram::{Call, FakeTelegram};
use kvrachu_bot::domain::esia::PendingLoginOutcome;
use kvrachu_bot::i18n::Lang;
use kvrachu_bot::store::{DataKey, Store};
use serde_json::{json, Value};

const USER: i64 = 515_151;
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// A phone-sized window, so the screenshots show what a patient sees.
const WINDOW: &str = "--window-size=412,915";

/// A child process killed when the test ends, however it ends.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_bot(fake: &FakeTelegram, dir: &Path, port: u16) -> Process {
    let child = Command::new(env!("CARGO_BIN_EXE_kvrachu-bot"))
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("TELOXIDE_TOKEN", "123456:TEST-token")
        .env("TELOXIDE_API_URL", fake.url())
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.join("kvrachu.db").display()),
        )
        .env("HTTP_ADDR", format!("127.0.0.1:{port}"))
        .env("PUBLIC_URL", format!("http://127.0.0.1:{port}"))
        .env("ESIA_URL", "demo")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the bot binary starts");
    Process(child)
}

/// A WebDriver session of headless Chromium.
struct Browser {
    http: reqwest::Client,
    session: String,
    _driver: Process,
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn start() -> Browser {
        assert!(
            Path::new(CHROMEDRIVER).exists() && Path::new(CHROMIUM).exists(),
            "install chromium and chromium-driver (apt-get install -y chromium chromium-driver)"
        );
        let port = free_port();
        let driver = Process(
            Command::new(CHROMEDRIVER)
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("chromedriver starts"),
        );
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let ready = match http.get(format!("{base}/status")).send().await {
                Ok(r) => r
                    .json::<Value>()
                    .await
                    .ok()
                    .map(|v| v["value"]["ready"] == true),
                Err(_) => None,
            };
            if ready == Some(true) {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "chromedriver did not become ready"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--lang=ru",
            WINDOW,
            &format!("--user-data-dir={}", profile.path().display()),
        ];
        let created: Value = http
            .post(format!("{base}/session"))
            .json(&json!({ "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": CHROMIUM,
                    "args": args,
                    "prefs": { "intl.accept_languages": "ru-RU,ru" },
                },
            } } }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = created["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {created}"))
            .to_owned();
        Browser {
            http,
            session: format!("{base}/session/{session}"),
            _driver: driver,
            _profile: profile,
        }
    }

    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.session));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response: Value = request.send().await.unwrap().json().await.unwrap();
        if response["value"].get("error").is_some() {
            panic!("WebDriver {path}: {response}");
        }
        response["value"].clone()
    }

    async fn open(&self, url: &str) {
        self.command(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    async fn url(&self) -> String {
        self.command(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn source(&self) -> String {
        self.command(reqwest::Method::GET, "/source", None)
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn click(&self, css: &str) {
        let element = self
            .command(
                reqwest::Method::POST,
                "/element",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await;
        // The W3C element reference: an object with one key, the web element identifier.
        let id = element
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}: {element}"))
            .to_owned();
        self.command(
            reqwest::Method::POST,
            &format!("/element/{id}/click"),
            Some(json!({})),
        )
        .await;
    }

    /// Waits until the page's source satisfies `pred`.
    async fn wait_for(&self, what: &str, pred: impl Fn(&str, &str) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let (url, source) = (self.url().await, self.source().await);
            if pred(&url, &source) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what}; at {url}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn screenshot(&self, to: &Path) {
        let png = self
            .command(reqwest::Method::GET, "/screenshot", None)
            .await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap();
        assert!(bytes.starts_with(b"\x89PNG"), "not a PNG");
        std::fs::write(to, bytes).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Close Chromium through the driver (killing the driver alone would orphan the browser).
        let _ = delete_session(&self.session);
    }
}

/// `DELETE {session}` over a plain socket: `Drop` has no async runtime to lean on.
fn delete_session(url: &str) -> std::io::Result<()> {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap_or(url);
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut stream = std::net::TcpStream::connect(host)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "DELETE /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    )?;
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    Ok(())
}

fn screenshot_dir() -> (PathBuf, Option<tempfile::TempDir>) {
    if std::env::var("KVRACHU_SCREENSHOTS").is_ok_and(|v| v == "1") {
        let docs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs");
        std::fs::create_dir_all(&docs).unwrap();
        return (docs, None);
    }
    let dir = tempfile::tempdir().unwrap();
    (dir.path().to_owned(), Some(dir))
}

fn has_button(call: &Call, data: &str) -> bool {
    call.buttons().iter().any(|(_, d)| d == data)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_links_gosuslugi_in_the_browser_with_a_code_or_from_telegram_with_a_cookie() {
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _bot = start_bot(&fake, dir.path(), port);
    fake.wait_for(0, "the command list", |c| c.method == "setMyCommands")
        .await;

    // /start → «Согласен» → «Госуслуги»: the login button.
    let seen = fake.call_count();
    fake.user_says(USER, "/start");
    let notice = fake
        .wait_for(seen, "the consent notice", |c| has_button(c, "consent"))
        .await;
    let seen = fake.call_count();
    fake.user_taps(USER, &notice, "consent");
    let menu = fake
        .wait_for(seen, "the menu", |c| has_button(c, "s:gu"))
        .await;
    let seen = fake.call_count();
    fake.user_taps(USER, &menu, "s:gu");
    let screen = fake
        .wait_for(seen, "the login button", |c| {
            c.buttons()
                .iter()
                .any(|(l, _)| l == "🔑 Войти через Госуслуги")
        })
        .await;
    let login = screen
        .buttons()
        .into_iter()
        .find(|(l, _)| l == "🔑 Войти через Госуслуги")
        .unwrap()
        .1;
    assert!(login.starts_with(&format!("http://127.0.0.1:{port}/esia/start?login=")));

    let browser = Browser::start().await;
    let (shots, _keep) = screenshot_dir();

    // 1. The button as a plain link: nothing proves whose browser this is, so the page shows a code.
    browser.open(&login).await;
    browser
        .wait_for("the demo login page", |url, html| {
            url.contains("/demo/esia/aas/oauth2/v2/ac?") && html.contains("Иванова Анна Сергеевна")
        })
        .await;
    browser.screenshot(&shots.join("esia-demo-login.png")).await;
    let seen = fake.call_count();
    browser
        .click(r#"button[name="person"][value="1000000001"]"#)
        .await;
    browser
        .wait_for("the code page", |url, html| {
            url.contains("/esia/callback?") && html.contains("Введите код в Telegram")
        })
        .await;
    browser.screenshot(&shots.join("esia-code.png")).await;
    let page = browser.source().await;
    let code: String = page
        .split(r#"id="code">"#)
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_else(|| panic!("no code on the page: {page}"))
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    assert_eq!(code.len(), 6, "{page}");
    let prompt = fake
        .wait_for(seen, "the request for the code", |c| {
            c.method == "sendMessage" && c.text().contains("6-значный код")
        })
        .await;
    assert_eq!(prompt.body["chat_id"], USER);

    // What the bot will do with the code typed in the chat (its wiring comes later): the store's API,
    // on the running bot's database.
    let store = Store::connect(
        &format!("sqlite://{}", dir.path().join("kvrachu.db").display()),
        &DataKey::load_or_create(&dir.path().join("kvrachu.key")).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(store.esia_link(USER).await.unwrap(), None);
    let now = chrono::Utc::now().timestamp();
    let outcome = store
        .complete_pending_esia_login(USER, &code, now)
        .await
        .unwrap();
    assert!(
        matches!(outcome, PendingLoginOutcome::Linked(ref l) if l.previous_user.is_none()),
        "{outcome:?}"
    );
    assert!(store.esia_link(USER).await.unwrap().is_some());
    store.delete_esia_link(USER).await.unwrap();

    // 2. The button as Telegram opens a `login_url`: with its signed login data; a cookie binds the browser.
    let login_id = store.start_esia_login(USER, Lang::Ru, now).await.unwrap();
    let fields: HashMap<String, String> = [
        ("id".to_owned(), USER.to_string()),
        ("first_name".to_owned(), "Анна".to_owned()),
        ("auth_date".to_owned(), now.to_string()),
    ]
    .into_iter()
    .collect();
    let hash = kvrachu_bot::esia::telegram_login::sign("123456:TEST-token", &fields);
    let mut from_telegram = url::Url::parse(&format!(
        "http://127.0.0.1:{port}/esia/start?login={login_id}"
    ))
    .unwrap();
    from_telegram
        .query_pairs_mut()
        .extend_pairs(fields.iter())
        .append_pair("hash", &hash);
    browser.open(from_telegram.as_str()).await;
    browser
        .wait_for("the demo login page", |url, html| {
            url.contains("/demo/esia/aas/oauth2/v2/ac?") && html.contains("Иванова Анна Сергеевна")
        })
        .await;
    let seen = fake.call_count();
    browser
        .click(r#"button[name="person"][value="1000000001"]"#)
        .await;
    browser
        .wait_for("the «Готово» page", |url, html| {
            url.contains("/esia/callback?") && html.contains("Готово — вернитесь в Telegram")
        })
        .await;
    let page = browser.source().await;
    assert!(
        page.contains(r#"href="https://t.me/kvrachu_test_bot""#),
        "{page}"
    );
    browser.screenshot(&shots.join("esia-done.png")).await;

    let message = fake
        .wait_for(seen, "the bot's message", |c| {
            c.method == "sendMessage" && c.text().contains("Госуслуги привязаны")
        })
        .await;
    assert_eq!(message.body["chat_id"], USER);
    assert!(
        message.text().contains("•••• •••• •••• 2340"),
        "{}",
        message.text()
    );
    assert!(message.text().contains("Иванова Мария Ивановна"));
    assert!(has_button(&message, "gu:unl"));
    store.close().await;
}
