//! A fresh bot for each test: its own database file, data key and dialogue storage.
#![allow(dead_code)]

use std::sync::Arc;

use kvrachu_bot::app;
use kvrachu_bot::bot::{schema, Ctx, State};
use kvrachu_bot::config::Settings;
use kvrachu_bot::registry::{self, HttpRegistry, HttpRegistryConfig, SharedRegistry};
use kvrachu_bot::store::{DataKey, Store};
use teloxide::dispatching::dialogue::ErasedStorage;
use teloxide::dptree::deps;
use teloxide::types::{InlineKeyboardButtonKind, InlineKeyboardMarkup, Message};
use teloxide_tests::server::Responses;
use teloxide_tests::{IntoUpdate, MockBot, MockCallbackQuery, MockMessageText, MockUser};

pub const USER: i64 = MockUser::ID as i64;

pub type Bot = MockBot<anyhow::Error, teloxide_tests::mock_bot::DistributionKey>;
/// A keyboard's labels and callback data, row by row.
pub type Keyboard = Vec<Vec<(String, String)>>;

pub struct Harness {
    pub ctx: Arc<Ctx>,
    pub storage: Arc<ErasedStorage<State>>,
    /// The SQLite database's URL, for tests that break it on purpose.
    pub db_url: String,
    _dir: tempfile::TempDir,
}

pub fn settings(pairs: &[(&str, &str)]) -> Settings {
    let mut all = vec![("TELOXIDE_TOKEN", "123456:TEST-token")];
    all.extend_from_slice(pairs);
    Settings::from_lookup(|name| {
        all.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    })
    .expect("test settings are valid")
}

impl Harness {
    pub async fn new() -> Harness {
        Self::with_settings(settings(&[])).await
    }

    /// A harness whose registry is the demo one, served on 127.0.0.1 by this test's runtime.
    pub async fn with_settings(settings: Settings) -> Harness {
        Self::build(settings, None).await
    }

    /// A harness whose registry is at `base_url` (a wiremock server), with short timeouts and one retry.
    pub async fn with_registry_url(base_url: &str) -> Harness {
        let mut config = HttpRegistryConfig::new(base_url.parse().unwrap());
        config.connect_timeout = std::time::Duration::from_millis(300);
        config.request_timeout = std::time::Duration::from_millis(700);
        config.max_tries = 2;
        config.backoff = std::time::Duration::from_millis(10);
        let registry: SharedRegistry = Arc::new(HttpRegistry::new(config).unwrap());
        Self::build(settings(&[]), Some(registry)).await
    }

    async fn build(settings: Settings, registry: Option<SharedRegistry>) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("bot.db").display());
        let store = Store::connect(&url, &DataKey::generate()).await.unwrap();
        let db_url = url.clone();
        let registry = match registry {
            Some(registry) => registry,
            None => spawn_demo_registry(&store, &settings).await,
        };
        // Wired as in production; only the registry is this test's own.
        let ctx = app::context(Arc::new(settings), store.clone(), registry);
        let storage = app::dialogue_storage(store);
        Harness {
            ctx,
            storage,
            db_url,
            _dir: dir,
        }
    }

    pub fn store(&self) -> &Store {
        &self.ctx.store
    }

    /// A mock bot wired like the real one, holding `update`.
    pub fn bot<T: IntoUpdate>(&self, update: T) -> Bot {
        let mut bot = MockBot::new(update, schema());
        bot.dependencies(deps![self.ctx.clone(), self.storage.clone()]);
        bot
    }

    /// Puts the user through /start and consent, leaving them at the main menu.
    pub async fn consented(&self) {
        self.store()
            .record_consent(USER, 1_764_000_000)
            .await
            .unwrap();
        self.storage
            .clone()
            .update_dialogue(teloxide::types::ChatId(USER), State::Menu)
            .await
            .unwrap();
    }
}

/// Serves the demo registry on 127.0.0.1 (a free port) and returns its client.
pub async fn spawn_demo_registry(store: &Store, settings: &Settings) -> SharedRegistry {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = axum::Router::new().nest(
        registry::demo::PATH,
        registry::demo::router(store.clone(), settings.region_tz),
    );
    tokio::spawn(async move {
        axum::serve(listener, router).await.ok();
    });
    Arc::new(HttpRegistry::new(HttpRegistryConfig::new(registry::demo_url(addr))).unwrap())
}

pub fn text(t: &str) -> MockMessageText {
    MockMessageText::new().text(t)
}

/// A tap on a button with `data`, under a message of the bot.
pub fn tap(data: &str) -> MockCallbackQuery {
    MockCallbackQuery::new().data(data)
}

/// Taps `data` and returns what the bot did.
pub async fn tap_on(bot: &mut Bot, data: &str) -> Responses {
    bot.update(tap(data));
    bot.dispatch().await;
    bot.get_responses()
}

/// The text and keyboard of the one message the tap edited; nothing may have been sent instead.
pub fn edited(responses: &Responses) -> (String, Keyboard) {
    let sent: Vec<_> = responses
        .sent_messages_text
        .iter()
        .map(|m| m.message.text())
        .collect();
    assert!(
        sent.is_empty(),
        "expected an edit in place, got a new message: {sent:?}"
    );
    assert_eq!(
        responses.edited_messages_text.len(),
        1,
        "expected one edit; sent: {sent:?}"
    );
    assert_eq!(responses.answered_callback_queries.len(), 1);
    let message = &responses.edited_messages_text[0].message;
    (
        message.text().unwrap().to_owned(),
        message_keyboard(message),
    )
}

/// A keyboard's labels, row by row.
pub fn labels(kb: &Keyboard) -> Vec<Vec<String>> {
    kb.iter()
        .map(|row| row.iter().map(|(l, _)| l.clone()).collect())
        .collect()
}

/// The callback data of the button labelled `label`.
pub fn data_of(kb: &Keyboard, label: &str) -> String {
    kb.iter()
        .flatten()
        .find(|(l, _)| l == label)
        .unwrap_or_else(|| panic!("no button {label:?} in {:?}", labels(kb)))
        .1
        .clone()
}

/// The labels and callback data of a keyboard, row by row.
pub fn keyboard(markup: Option<&InlineKeyboardMarkup>) -> Keyboard {
    markup
        .map(|m| {
            m.inline_keyboard
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|b| {
                            let data = match &b.kind {
                                InlineKeyboardButtonKind::CallbackData(d) => d.clone(),
                                InlineKeyboardButtonKind::Url(u) => u.to_string(),
                                other => format!("{other:?}"),
                            };
                            (b.text.clone(), data)
                        })
                        .collect()
                })
                .collect()
        })
        .unwrap_or_default()
}

pub fn message_keyboard(message: &Message) -> Keyboard {
    keyboard(message.reply_markup())
}

/// All callback data of a keyboard, flattened.
pub fn datas(kb: &[Vec<(String, String)>]) -> Vec<String> {
    kb.iter().flatten().map(|(_, d)| d.clone()).collect()
}

/// A Gosuslugi link of Иванов Иван Иванович, born 12.03.1985: confirmed or not.
pub fn person_link(trusted: bool) -> kvrachu_bot::esia::EsiaLink {
    kvrachu_bot::esia::EsiaLink {
        oid: "1000000001".into(),
        level: if trusted {
            kvrachu_bot::esia::AccountLevel::Confirmed
        } else {
            kvrachu_bot::esia::AccountLevel::NotConfirmed
        },
        person: kvrachu_bot::esia::EsiaPerson {
            full_name: "Иванов Иван Иванович".into(),
            birth_date: Some(
                kvrachu_bot::domain::BirthDate::try_from(
                    chrono::NaiveDate::from_ymd_opt(1985, 3, 12).unwrap(),
                )
                .unwrap(),
            ),
            sex: None,
            policy: None,
        },
        insurer: None,
        attachment: None,
        kids: Vec::new(),
        linked_at: 1_764_000_000,
        updated_at: 1_764_000_000,
    }
}

/// The test user linked to Gosuslugi as [`person_link`].
pub async fn link_gosuslugi(h: &Harness, trusted: bool) {
    h.store()
        .save_esia_link(USER, &person_link(trusted))
        .await
        .unwrap();
}

/// Adds a child of the test user (born on 4 May of `year`, with a policy) and returns their id.
pub async fn add_child(h: &Harness, name: &str, sex: kvrachu_bot::domain::Sex, year: i32) -> i64 {
    use kvrachu_bot::domain::{BirthDate, FullName, PolicyNumber, Relation, Sex};
    let relation = match sex {
        Sex::Male => Relation::Son,
        Sex::Female => Relation::Daughter,
    };
    let details = kvrachu_bot::store::ChildDetails {
        full_name: FullName::parse(name).unwrap(),
        birth_date: BirthDate::try_from(chrono::NaiveDate::from_ymd_opt(year, 5, 4).unwrap())
            .unwrap(),
        sex,
        relation,
        policy: PolicyNumber::parse_new("8451999122899990").unwrap(),
    };
    h.store().add_child(USER, &details).await.unwrap().id
}
