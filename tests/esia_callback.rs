//! The callback over HTTP, with the demo identity provider and a fake Telegram: the whole back channel
//! through the real client, the pages, the message in Telegram, and refusals of replayed, forged and
//! expired states that change nothing.

#[path = "support/fake_telegram.rs"]
mod fake_telegram;

use std::collections::HashMap;
use std::sync::Arc;

use fake_telegram::{Call, FakeTelegram};
use kvrachu_bot::app;
use kvrachu_bot::bot::Ctx;
use kvrachu_bot::config::Settings;
use kvrachu_bot::esia::demo::{CONFIRMED_OID, STANDARD_OID, TEENAGER_OID};
use kvrachu_bot::esia::{AccountLevel, LOGIN_TTL_SECONDS};
use kvrachu_bot::i18n::Lang;
use kvrachu_bot::store::Store;

const USER: i64 = 424_242;

struct App {
    base: String,
    fake: FakeTelegram,
    ctx: Arc<Ctx>,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
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
            "TELOXIDE_TOKEN" => Some("123456:TEST-token".to_owned()),
            "TELOXIDE_API_URL" => Some(fake.url()),
            "DATABASE_URL" => Some(database.clone()),
            "HTTP_ADDR" => Some(addr.to_string()),
            "PUBLIC_URL" => Some(base.clone()),
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

    /// What the «Войти через Госуслуги» button would open, for a login started `ago` seconds ago.
    async fn login_url(&self, ago: i64) -> url::Url {
        let now = chrono::Utc::now() - chrono::Duration::seconds(ago);
        let state = self
            .store()
            .start_esia_login(USER, Lang::Ru, now.timestamp())
            .await
            .unwrap();
        self.ctx.esia.authorization_url(&state, now).await.unwrap()
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
        let response = self.http.get(url).send().await.unwrap();
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirmed_login_is_linked_and_the_user_is_told_in_telegram() {
    let app = App::start().await;
    let login = app.login_url(0).await;
    assert!(login
        .as_str()
        .starts_with(&format!("{}/demo/esia/aas/oauth2/v2/ac?", app.base)));
    let callback = app
        .choose(&login, ("person", &CONFIRMED_OID.to_string()))
        .await;
    assert!(callback.starts_with(&format!("{}/esia/callback?code=", app.base)));

    let (status, page) = app.get(&callback).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("<h1>Готово — вернитесь в Telegram</h1>"),
        "{page}"
    );
    assert!(page.contains(r#"href="https://t.me/kvrachu_test_bot""#));

    let link = app.store().esia_link(USER).await.unwrap().unwrap();
    assert_eq!(link.level, AccountLevel::Confirmed);
    assert_eq!(link.oid, CONFIRMED_OID.to_string());
    assert_eq!(link.full_name, "Иванова Анна Сергеевна");
    assert_eq!(link.kids.len(), 2);
    assert!(link.kids[0].policy.is_some());
    assert!(link.kids[1].policy.is_none());
    assert!(app
        .store()
        .esia_refresh_token(USER)
        .await
        .unwrap()
        .is_some());

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
    let (status, page) = app.get(&callback).await;
    assert_eq!(status, 400);
    assert!(page.contains("Ссылка недействительна"), "{page}");
    assert_eq!(app.store().esia_link(USER).await.unwrap(), Some(link));
    assert_eq!(app.messages().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_unknown_expired_or_missing_states_are_refused_and_change_nothing() {
    let app = App::start().await;
    let login = app.login_url(0).await;
    let callback = app
        .choose(&login, ("person", &CONFIRMED_OID.to_string()))
        .await;
    let url = url::Url::parse(&callback).unwrap();
    let code: String = url
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();

    let expired_login = app.login_url(LOGIN_TTL_SECONDS + 1).await;
    let expired_state: String = expired_login
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();

    for forged in [
        format!("{}/esia/callback?code={code}&state=forged", app.base),
        format!(
            "{}/esia/callback?code={code}&state={}",
            app.base,
            uuid::Uuid::new_v4()
        ),
        format!(
            "{}/esia/callback?code={code}&state={expired_state}",
            app.base
        ),
        format!("{}/esia/callback?code={code}", app.base),
        format!("{}/esia/callback", app.base),
        format!("{}/esia/callback?error=access_denied", app.base),
    ] {
        let (status, page) = app.get(&forged).await;
        assert_eq!(status, 400, "{forged}");
        assert!(page.contains("Ссылка недействительна"), "{forged}");
    }
    assert_eq!(app.store().esia_link(USER).await.unwrap(), None);
    assert!(app.messages().is_empty());

    // The genuine callback still works afterwards.
    let (status, _) = app.get(&callback).await;
    assert_eq!(status, 200);
    assert!(app.store().esia_link(USER).await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declining_on_the_login_page_links_nothing_and_offers_to_try_again() {
    let app = App::start().await;
    let login = app.login_url(0).await;
    let callback = app.choose(&login, ("decline", "1")).await;
    assert!(callback.contains("error=access_denied"), "{callback}");
    let (status, page) = app.get(&callback).await;
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
    // The state is used up.
    assert_eq!(app.get(&callback).await.0, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standard_account_is_linked_as_not_confirmed_and_told_how_to_confirm() {
    let app = App::start().await;
    let login = app.login_url(0).await;
    let callback = app
        .choose(&login, ("person", &STANDARD_OID.to_string()))
        .await;
    assert_eq!(app.get(&callback).await.0, 200);
    let link = app.store().esia_link(USER).await.unwrap().unwrap();
    assert_eq!(link.level, AccountLevel::NotConfirmed);
    assert_eq!(app.store().esia_refresh_token(USER).await.unwrap(), None);
    let message = app.message().await;
    assert!(message.text().contains("Учётная запись не подтверждена"));
    assert!(message.text().contains("<b>стандартная</b>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thirteen_year_old_is_not_linked_and_told_a_parent_adds_them() {
    let app = App::start().await;
    let login = app.login_url(0).await;
    let callback = app
        .choose(&login, ("person", &TEENAGER_OID.to_string()))
        .await;
    assert_eq!(app.get(&callback).await.0, 200);
    assert_eq!(app.store().esia_link(USER).await.unwrap(), None);
    let message = app.message().await;
    assert!(
        message.text().contains("вам меньше 14 лет"),
        "{}",
        message.text()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_the_provider_does_not_accept_links_nothing() {
    let app = App::start().await;
    let login = app.login_url(0).await;
    let callback = app
        .choose(&login, ("person", &CONFIRMED_OID.to_string()))
        .await;
    let state: String = url::Url::parse(&callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let tampered = format!("{}/esia/callback?code=abc.def&state={state}", app.base);
    let (status, page) = app.get(&tampered).await;
    assert_eq!(status, 502);
    assert!(page.contains("Не получилось"), "{page}");
    assert_eq!(app.store().esia_link(USER).await.unwrap(), None);
    let message = app.message().await;
    assert!(message
        .text()
        .contains("Не удалось получить данные с Госуслуг"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_provider_refuses_a_request_with_a_bad_signature() {
    let app = App::start().await;
    let mut login = app.login_url(0).await;
    let pairs: Vec<(String, String)> = login
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
    login.query_pairs_mut().clear().extend_pairs(pairs);
    let (status, page) = app.get(login.as_str()).await;
    assert_eq!(status, 400);
    assert!(
        page.contains("client_secret is not a valid signature"),
        "{page}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_speaks_english_to_an_english_user() {
    let app = App::start().await;
    let now = chrono::Utc::now();
    let state = app
        .store()
        .start_esia_login(USER, Lang::En, now.timestamp())
        .await
        .unwrap();
    let login = app.ctx.esia.authorization_url(&state, now).await.unwrap();
    let callback = app
        .choose(&login, ("person", &CONFIRMED_OID.to_string()))
        .await;
    let (_, page) = app.get(&callback).await;
    assert!(
        page.contains("<h1>Done — go back to Telegram</h1>"),
        "{page}"
    );
    assert!(page.contains(r#"<html lang="en">"#));
    let message = app.message().await;
    assert!(message.text().contains("Gosuslugi is linked."));
}
