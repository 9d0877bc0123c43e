//! The login over HTTP, with the demo identity provider and a fake Telegram: `/esia/start` (signing at the
//! click, binding the browser), the demo login page, the callback and the whole back channel through the
//! real client, the pages and their headers, the message in Telegram, ESIA's error codes, the one-time code
//! of a login whose browser is not proven, and refusals of replayed, forged, foreign and expired logins that
//! change nothing.

#[path = "support/fake_telegram.rs"]
mod fake_telegram;

use std::collections::HashMap;
use std::sync::Arc;

use fake_telegram::{Call, FakeTelegram};
use kvrachu_bot::app;
use kvrachu_bot::bot::Ctx;
use kvrachu_bot::config::Settings;
use kvrachu_bot::domain::esia::PendingLoginOutcome;
use kvrachu_bot::esia::demo::{CONFIRMED_OID, STANDARD_OID, TEENAGER_OID};
use kvrachu_bot::esia::{telegram_login, AccountLevel, LOGIN_TTL_SECONDS};
use kvrachu_bot::i18n::Lang;
use kvrachu_bot::store::Store;

const USER: i64 = 424_242;
const OTHER_USER: i64 = 515_151;
const TOKEN: &str = "123456:TEST-token";
const METRICS_TOKEN: &str = "metrics-token-0123456789";

struct App {
    base: String,
    fake: FakeTelegram,
    ctx: Arc<Ctx>,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

/// Where `/esia/start` sent the browser, and the cookie it set (when Telegram's login data came along).
struct Started {
    esia: url::Url,
    cookie: Option<String>,
}

impl App {
    /// The application as production wires it, on a free port, talking to a fake Telegram.
    async fn start() -> App {
        let fake = FakeTelegram::start().await;
        // Bound first: PUBLIC_URL must name the address.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let base = format!("http://{addr}");
        let dir = tempfile::tempdir().unwrap();
        let database = format!("sqlite://{}", dir.path().join("bot.db").display());
        let settings = Settings::from_lookup(|name| match name {
            "TELOXIDE_TOKEN" => Some(TOKEN.to_owned()),
            "TELOXIDE_API_URL" => Some(fake.url()),
            "DATABASE_URL" => Some(database.clone()),
            "HTTP_ADDR" => Some(addr.to_string()),
            "PUBLIC_URL" => Some(base.clone()),
            "METRICS_TOKEN" => Some(METRICS_TOKEN.to_owned()),
            _ => None,
        })
        .unwrap();
        let app = app::build_with_listener(settings, listener).await.unwrap();
        assert_eq!(app.local_addr(), addr);
        let ctx = app.ctx().clone();
        tokio::spawn(app.run(std::future::pending()));
        App {
            base,
            fake,
            ctx,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            _dir: dir,
        }
    }

    fn store(&self) -> &Store {
        &self.ctx.store
    }

    /// What the «Войти через Госуслуги» button opens for `user`, for a button made `ago` seconds ago.
    async fn button_of(&self, user: i64, lang: Lang, ago: i64) -> url::Url {
        let now = chrono::Utc::now() - chrono::Duration::seconds(ago);
        let login = self
            .store()
            .start_esia_login(user, lang, now.timestamp())
            .await
            .unwrap();
        self.ctx.esia.authorization_url(&login, now).await.unwrap()
    }

    async fn button(&self, ago: i64) -> url::Url {
        self.button_of(USER, Lang::Ru, ago).await
    }

    /// The button's URL as Telegram opens a `login_url` button for `as_user`: with its signed login data.
    fn with_telegram_login(button: &url::Url, as_user: i64, auth_date: i64) -> url::Url {
        let fields: HashMap<String, String> = [
            ("id", as_user.to_string()),
            ("first_name", "Анна".to_owned()),
            ("auth_date", auth_date.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let hash = telegram_login::sign(TOKEN, &fields);
        let mut url = button.clone();
        url.query_pairs_mut()
            .extend_pairs(fields.iter())
            .append_pair("hash", &hash);
        url
    }

    /// Opens `url` (a button's URL) and follows it to ESIA: the 302 and its cookie.
    async fn open_start(&self, url: &url::Url) -> Started {
        let response = self.http.get(url.as_str()).send().await.unwrap();
        assert_eq!(response.status(), 302, "{}", response.text().await.unwrap());
        assert_eq!(response.headers()["referrer-policy"], "no-referrer");
        let esia = url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
        let cookie = response.headers().get("set-cookie").map(|v| {
            let set = v.to_str().unwrap().to_owned();
            assert!(set.contains("HttpOnly"), "{set}");
            assert!(set.contains("SameSite=Lax"), "{set}");
            assert!(set.contains("Path=/esia/callback"), "{set}");
            // PUBLIC_URL is http here: a Secure cookie would never come back.
            assert!(!set.contains("Secure"), "{set}");
            set.split(';').next().unwrap().to_owned()
        });
        Started { esia, cookie }
    }

    /// The whole way to the callback URL for a login bound by Telegram's login data (cookie).
    async fn telegram_login(&self, choice: (&str, &str)) -> (String, Option<String>) {
        let button = self.button(0).await;
        let now = chrono::Utc::now().timestamp();
        let started = self
            .open_start(&Self::with_telegram_login(&button, USER, now))
            .await;
        assert!(started.cookie.is_some());
        let callback = self.choose(&started.esia, choice).await;
        (callback, started.cookie)
    }

    /// Opens the demo login page, then picks `choice` (`person=<oid>` or `decline=1`); returns where the
    /// demo provider sends the browser.
    async fn choose(&self, login: &url::Url, choice: (&str, &str)) -> String {
        let page = self.http.get(login.as_str()).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("Иванова Анна Сергеевна"), "{html}");
        let mut form: HashMap<String, String> = login.query_pairs().into_owned().collect();
        form.insert(choice.0.to_owned(), choice.1.to_owned());
        let response = self
            .http
            .post(login.as_str().split('?').next().unwrap())
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303);
        response.headers()["location"].to_str().unwrap().to_owned()
    }

    async fn get(&self, url: &str) -> (u16, String) {
        self.get_with(url, None).await
    }

    async fn get_with(&self, url: &str, cookie: Option<&str>) -> (u16, String) {
        let mut request = self.http.get(url);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }

    fn messages(&self) -> Vec<Call> {
        self.fake.calls_to("sendMessage")
    }

    async fn message(&self) -> Call {
        self.fake
            .wait_for(0, "the bot's message", |c| c.method == "sendMessage")
            .await
    }

    async fn message_to(&self, user: i64, containing: &str) -> Call {
        self.fake
            .wait_for(0, containing, |c| {
                c.method == "sendMessage"
                    && c.body["chat_id"] == user
                    && c.text().contains(containing)
            })
            .await
    }

    async fn metrics(&self) -> String {
        self.http
            .get(format!("{}/metrics", self.base))
            .bearer_auth(METRICS_TOKEN)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }
}

fn param(url: &str, name: &str) -> String {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .unwrap_or_else(|| panic!("no {name} in {url}"))
        .1
        .into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirmed_login_from_telegram_is_linked_and_the_user_is_told_in_telegram() {
    let app = App::start().await;
    let (callback, cookie) = app
        .telegram_login(("person", &CONFIRMED_OID.to_string()))
        .await;
    assert!(callback.starts_with(&format!("{}/esia/callback?code=", app.base)));

    let response = app
        .http
        .get(&callback)
        .header("cookie", cookie.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    let page = response.text().await.unwrap();
    assert!(
        page.contains("<h1>Готово — вернитесь в Telegram</h1>"),
        "{page}"
    );
    assert!(page.contains(r#"href="https://t.me/kvrachu_test_bot""#));

    let link = app.store().esia_link(USER).await.unwrap().unwrap();
    assert_eq!(link.level, AccountLevel::Confirmed);
    assert_eq!(link.oid, CONFIRMED_OID.to_string());
    assert_eq!(link.person.full_name, "Иванова Анна Сергеевна");
    // The kids' documents come as links from the demo's /kids, read per kid.
    assert_eq!(link.kids.len(), 2);
    assert!(link.kids[0].person.policy.is_some());
    assert!(link.kids[1].person.policy.is_none());
    // ESIA's tokens are not kept: nothing would use them.
    assert_eq!(app.store().esia_refresh_token(USER).await.unwrap(), None);

    let message = app.message().await;
    assert_eq!(message.body["chat_id"], USER);
    assert!(
        message.text().contains("Госуслуги привязаны."),
        "{}",
        message.text()
    );
    assert!(message.text().contains("•••• •••• •••• 2340"));
    assert!(!message.text().contains("3841500000012340"));

    // The same callback URL again: refused, nothing changes, nobody is messaged.
    let (status, page) = app.get_with(&callback, cookie.as_deref()).await;
    assert_eq!(status, 400);
    assert!(page.contains("Ссылка недействительна"), "{page}");
    assert_eq!(app.store().esia_link(USER).await.unwrap(), Some(link));
    assert_eq!(app.messages().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_to_esia_is_signed_when_the_user_clicks_not_when_the_button_was_made() {
    let app = App::start().await;
    // The button was made five minutes ago; ESIA checks the timestamp when the user arrives.
    let button = app.button(300).await;
    assert_eq!(
        button.as_str(),
        format!(
            "{}/esia/start?login={}",
            app.base,
            param(button.as_str(), "login")
        )
    );
    let before = chrono::Utc::now();
    let started = app.open_start(&button).await;
    let stamp = param(started.esia.as_str(), "timestamp");
    let signed_at = chrono::DateTime::parse_from_str(&stamp, "%Y.%m.%d %H:%M:%S %z").unwrap();
    assert!(
        (signed_at.timestamp() - before.timestamp()).abs() <= 2,
        "signed at {stamp}, clicked at {before}"
    );
    assert!(started
        .esia
        .as_str()
        .starts_with(&format!("{}/demo/esia/aas/oauth2/v2/ac?", app.base)));
    // A fresh state for ESIA, not the id the button carries.
    assert_ne!(
        param(started.esia.as_str(), "state"),
        param(button.as_str(), "login")
    );
    // The demo page accepts it: the signature and the timestamp check.
    assert_eq!(
        app.http
            .get(started.esia.as_str())
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_in_another_browser_than_the_one_telegram_opened_is_refused_and_changes_nothing()
{
    let app = App::start().await;
    let (callback, cookie) = app
        .telegram_login(("person", &CONFIRMED_OID.to_string()))
        .await;
    let (status, page) = app.get(&callback).await;
    assert_eq!(status, 403);
    assert!(page.contains("Откройте вход из Telegram"), "{page}");
    let (status, _) = app
        .get_with(&callback, Some("kvrachu_esia_000000000000=forged"))
        .await;
    assert_eq!(status, 403);
    assert_eq!(app.store().esia_link(USER).await.unwrap(), None);
    assert!(app.messages().is_empty());
    // The right browser still completes it.
    assert_eq!(app.get_with(&callback, cookie.as_deref()).await.0, 200);
    assert!(app.store().esia_link(USER).await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telegram_login_data_of_another_user_forged_or_old_is_refused_at_the_start() {
    let app = App::start().await;
    let button = app.button(0).await;
    let now = chrono::Utc::now().timestamp();
    let other = App::with_telegram_login(&button, OTHER_USER, now);
    let old = App::with_telegram_login(&button, USER, now - 3600);
    let mut forged = App::with_telegram_login(&button, USER, now);
    let pairs: Vec<(String, String)> = forged
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "first_name" {
                (k, "Мария".into())
            } else {
                (k, v)
            }
        })
        .collect();
    forged.query_pairs_mut().clear().extend_pairs(pairs);
    for refused in [other, old, forged] {
        let (status, page) = app.get(refused.as_str()).await;
        assert_eq!(status, 403, "{refused}");
        assert!(page.contains("Откройте вход из Telegram"), "{page}");
    }
    // The login itself is still good.
    let started = app
        .open_start(&App::with_telegram_login(&button, USER, now))
        .await;
    assert!(started.cookie.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_telegram_login_data_the_page_shows_a_code_to_type_in_the_chat() {
    let app = App::start().await;
    let started = app.open_start(&app.button(0).await).await;
    assert!(started.cookie.is_none());
    let callback = app
        .choose(&started.esia, ("person", &CONFIRMED_OID.to_string()))
        .await;
    let (status, page) = app.get(&callback).await;
    assert_eq!(status, 200);
    assert!(page.contains("<h1>Введите код в Telegram</h1>"), "{page}");
    let shown = page
        .split(r#"<p class="code" id="code">"#)
        .nth(1)
        .and_then(|rest| rest.split("</p>").next())
        .unwrap()
        .to_owned();
    let code: String = shown.chars().filter(char::is_ascii_digit).collect();
    assert_eq!(code.len(), 6, "{shown}");
    // Nothing is linked yet; the chat is asked for the code.
    assert_eq!(app.store().esia_link(USER).await.unwrap(), None);
    let prompt = app.message().await;
    assert_eq!(prompt.body["chat_id"], USER);
    assert!(prompt.text().contains("6-значный код"), "{}", prompt.text());

    let now = chrono::Utc::now().timestamp();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(
        app.store()
            .complete_pending_esia_login(USER, wrong, now)
            .await
            .unwrap(),
        PendingLoginOutcome::WrongCode { attempts_left: 4 }
    );
    // Another user cannot use the code.
    assert_eq!(
        app.store()
            .complete_pending_esia_login(OTHER_USER, &code, now)
            .await
            .unwrap(),
        PendingLoginOutcome::NoPendingLogin
    );
    let PendingLoginOutcome::Linked(linked) = app
        .store()
        .complete_pending_esia_login(USER, &shown, now)
        .await
        .unwrap()
    else {
        panic!("the right code did not link");
    };
    assert_eq!(linked.link.oid, CONFIRMED_OID.to_string());
    assert!(linked.unread.is_empty());
    assert_eq!(linked.previous_user, None);
    assert_eq!(
        app.store().esia_link(USER).await.unwrap(),
        Some(linked.link)
    );
    // Once only.
    assert_eq!(
        app.store()
            .complete_pending_esia_login(USER, &code, now)
            .await
            .unwrap(),
        PendingLoginOutcome::NoPendingLogin
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_wrong_codes_end_the_pending_login() {
    let app = App::start().await;
    let started = app.open_start(&app.button(0).await).await;
    let callback = app
        .choose(&started.esia, ("person", &CONFIRMED_OID.to_string()))
        .await;
    let (_, page) = app.get(&callback).await;
    let code: String = page
        .split(r#"<p class="code" id="code">"#)
        .nth(1)
        .unwrap()
        .split("</p>")
        .next()
        .unwrap()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let now = chrono::Utc::now().timestamp();
    for left in (0..5).rev() {
        assert_eq!(
            app.store()
                .complete_pending_esia_login(USER, wrong, now)
                .await
                .unwrap(),
            PendingLoginOutcome::WrongCode {
                attempts_left: left
            }
        );
    }
    assert_eq!(
        app.store()
            .complete_pending_esia_login(USER, &code, now)
            .await
            .unwrap(),
        PendingLoginOutcome::NoPendingLogin
    );
    assert_eq!(app.store().esia_link(USER).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_linked_by_another_telegram_user_moves_and_the_previous_user_is_told() {
    let app = App::start().await;
    // OTHER_USER links the confirmed test person first (in the chat, the demo's way).
    let other_button = app.button_of(OTHER_USER, Lang::Ru, 0).await;
    let done = reqwest::Client::new()
        .post(format!("{}/esia/start", app.base))
        .form(&[
            ("login", param(other_button.as_str(), "login")),
            ("person", CONFIRMED_OID.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 200, "{}", done.text().await.unwrap());
    assert!(app.store().esia_link(OTHER_USER).await.unwrap().is_some());

    // Then USER logs in as the same person, confirming with the code.
    let started = app.open_start(&app.button(0).await).await;
    let callback = app
        .choose(&started.esia, ("person", &CONFIRMED_OID.to_string()))
        .await;
    let (_, page) = app.get(&callback).await;
    let code: String = page
        .split(r#"<p class="code" id="code">"#)
        .nth(1)
        .unwrap()
        .split("</p>")
        .next()
        .unwrap()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let now = chrono::Utc::now().timestamp();
    let PendingLoginOutcome::Linked(linked) = app
        .store()
        .complete_pending_esia_login(USER, &code, now)
        .await
        .unwrap()
    else {
        panic!("not linked");
    };
    assert_eq!(linked.previous_user, Some(OTHER_USER));
    assert_eq!(app.store().esia_link(OTHER_USER).await.unwrap(), None);
    assert!(app.store().esia_link(USER).await.unwrap().is_some());

    // Linked at once (Telegram's data) takes it back, and the user who lost it is told in Telegram.
    let (callback, cookie) = {
        let button = app.button_of(OTHER_USER, Lang::Ru, 0).await;
        let started = app
            .open_start(&App::with_telegram_login(&button, OTHER_USER, now))
            .await;
        (
            app.choose(&started.esia, ("person", &CONFIRMED_OID.to_string()))
                .await,
            started.cookie,
        )
    };
    assert_eq!(app.get_with(&callback, cookie.as_deref()).await.0, 200);
    assert_eq!(app.store().esia_link(USER).await.unwrap(), None);
    assert!(app.store().esia_link(OTHER_USER).await.unwrap().is_some());
    app.message_to(USER, "привязана к другому аккаунту Telegram")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_unknown_expired_or_missing_states_are_refused_and_change_nothing() {
    let app = App::start().await;
    let (callback, cookie) = app
        .telegram_login(("person", &CONFIRMED_OID.to_string()))
        .await;
    let code = param(&callback, "code");
    let button = app.button(0).await;
    let login_id = param(button.as_str(), "login");

    let expired_button = app.button(LOGIN_TTL_SECONDS + 1).await;
    assert_eq!(app.get(expired_button.as_str()).await.0, 400);
    assert_eq!(
        app.get(&format!("{}/esia/start?login=nonsense", app.base))
            .await
            .0,
        400
    );

    for forged in [
        format!("{}/esia/callback?code={code}&state=forged", app.base),
        format!(
            "{}/esia/callback?code={code}&state={}",
            app.base,
            uuid::Uuid::new_v4()
        ),
        // The button's own id is not ESIA's state.
        format!("{}/esia/callback?code={code}&state={login_id}", app.base),
        format!("{}/esia/callback?code={code}", app.base),
        format!("{}/esia/callback", app.base),
        format!("{}/esia/callback?error=access_denied", app.base),
    ] {
        let (status, page) = app.get_with(&forged, cookie.as_deref()).await;
        assert_eq!(status, 400, "{forged}");
        assert!(page.contains("Ссылка недействительна"), "{forged}");
    }
    assert_eq!(app.store().esia_link(USER).await.unwrap(), None);
    assert!(app.messages().is_empty());

    // The genuine callback still works afterwards.
    let (status, _) = app.get_with(&callback, cookie.as_deref()).await;
    assert_eq!(status, 200);
    assert!(app.store().esia_link(USER).await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declining_on_the_login_page_links_nothing_and_offers_to_try_again() {
    let app = App::start().await;
    let (callback, cookie) = app.telegram_login(("decline", "1")).await;
    assert_eq!(param(&callback, "error"), "access_denied");
    assert!(param(&callback, "error_description").starts_with("ESIA-007004"));
    let (status, page) = app.get_with(&callback, cookie.as_deref()).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Вход отменён — вернитесь в Telegram"),
        "{page}"
    );
    let message = app.message().await;
    assert!(message.text().contains("Вход через Госуслуги отменён"));
    assert!(message
        .buttons()
        .contains(&("🔄 Попробовать снова".to_owned(), "gu:retry".to_owned())));
    assert_eq!(app.store().esia_link(USER).await.unwrap(), None);
    // The login is used up.
    assert_eq!(app.get_with(&callback, cookie.as_deref()).await.0, 400);
    // A decline is not an error to count.
    assert!(app
        .metrics()
        .await
        .contains(r#"code="ESIA-007004",kind="declined"} 1"#));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_signature_is_a_configuration_error_not_a_user_who_declined() {
    let app = App::start().await;
    let started = app.open_start(&app.button(0).await).await;
    let mut esia = started.esia.clone();
    let pairs: Vec<(String, String)> = esia
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "client_secret" {
                (k, "AAAA".to_owned())
            } else {
                (k, v)
            }
        })
        .collect();
    esia.query_pairs_mut().clear().extend_pairs(pairs);
    // Like ESIA: back to the callback with access_denied and ESIA-007053.
    let response = app.http.get(esia.as_str()).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let callback = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(param(&callback, "error"), "access_denied");
    assert!(param(&callback, "error_description").starts_with("ESIA-007053"));

    let (status, page) = app.get(&callback).await;
    assert_eq!(status, 502);
    assert!(page.contains("Госуслуги отклонили вход"), "{page}");
    assert!(page.contains("Мы уже исправляем"), "{page}");
    let message = app.message().await;
    assert!(message
        .text()
        .contains("Не удалось получить данные с Госуслуг"));
    assert_eq!(app.store().esia_link(USER).await.unwrap(), None);
    let metrics = app.metrics().await;
    assert!(
        metrics.contains(r#"kvrachu_esia_errors_total{code="ESIA-007053",kind="configuration"} 1"#),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_the_provider_does_not_accept_offers_a_fresh_login() {
    let app = App::start().await;
    let (callback, cookie) = app
        .telegram_login(("person", &CONFIRMED_OID.to_string()))
        .await;
    let state = param(&callback, "state");
    let tampered = format!("{}/esia/callback?code=abc.def&state={state}", app.base);
    let (status, page) = app.get_with(&tampered, cookie.as_deref()).await;
    assert_eq!(status, 400);
    assert!(page.contains("Ссылка для входа устарела"), "{page}");
    assert_eq!(app.store().esia_link(USER).await.unwrap(), None);
    let message = app.message().await;
    assert!(message
        .text()
        .contains("Не удалось получить данные с Госуслуг"));
    assert!(message
        .buttons()
        .contains(&("🔄 Попробовать снова".to_owned(), "gu:retry".to_owned())));
    assert!(app
        .metrics()
        .await
        .contains(r#"kvrachu_esia_errors_total{code="ESIA-007011",kind="retry"} 1"#));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standard_account_is_linked_as_not_confirmed_and_told_how_to_confirm() {
    let app = App::start().await;
    let (callback, cookie) = app
        .telegram_login(("person", &STANDARD_OID.to_string()))
        .await;
    assert_eq!(app.get_with(&callback, cookie.as_deref()).await.0, 200);
    let link = app.store().esia_link(USER).await.unwrap().unwrap();
    assert_eq!(link.level, AccountLevel::NotConfirmed);
    let message = app.message().await;
    assert!(message.text().contains("Учётная запись не подтверждена"));
    assert!(message.text().contains("<b>стандартная</b>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thirteen_year_old_is_not_linked_and_told_a_parent_adds_them() {
    let app = App::start().await;
    let (callback, cookie) = app
        .telegram_login(("person", &TEENAGER_OID.to_string()))
        .await;
    assert_eq!(app.get_with(&callback, cookie.as_deref()).await.0, 200);
    assert_eq!(app.store().esia_link(USER).await.unwrap(), None);
    let message = app.message().await;
    assert!(
        message.text().contains("вам меньше 14 лет"),
        "{}",
        message.text()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_provider_sends_browsers_only_to_the_bots_own_callback() {
    let app = App::start().await;
    let started = app.open_start(&app.button(0).await).await;
    let mut esia = started.esia.clone();
    let pairs: Vec<(String, String)> = esia
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "redirect_uri" {
                (k, "https://evil.example/esia/callback".to_owned())
            } else {
                (k, v)
            }
        })
        .collect();
    esia.query_pairs_mut().clear().extend_pairs(pairs);
    let response = app.http.get(esia.as_str()).send().await.unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.headers().get("location").is_none());
    let page = response.text().await.unwrap();
    assert!(page.contains("ESIA-007023"), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_speaks_english_to_an_english_user() {
    let app = App::start().await;
    let button = app.button_of(USER, Lang::En, 0).await;
    let now = chrono::Utc::now().timestamp();
    let started = app
        .open_start(&App::with_telegram_login(&button, USER, now))
        .await;
    let callback = app
        .choose(&started.esia, ("person", &CONFIRMED_OID.to_string()))
        .await;
    let (_, page) = app.get_with(&callback, started.cookie.as_deref()).await;
    assert!(
        page.contains("<h1>Done — go back to Telegram</h1>"),
        "{page}"
    );
    assert!(page.contains(r#"<html lang="en">"#));
    let message = app.message().await;
    assert!(message.text().contains("Gosuslugi is linked."));
}
