//! A fresh bot for each test: its own database file, data key and dialogue storage.
#![allow(dead_code)]

use std::sync::Arc;

use kvrachu_bot::bot::{schema, Clock, Ctx, State};
use kvrachu_bot::config::Settings;
use kvrachu_bot::store::dialogue::DialogueStorage;
use kvrachu_bot::store::{DataKey, Store};
use teloxide::dispatching::dialogue::{ErasedStorage, Storage};
use teloxide::dptree::deps;
use teloxide::types::{InlineKeyboardButtonKind, InlineKeyboardMarkup, Message};
use teloxide_tests::{IntoUpdate, MockBot, MockCallbackQuery, MockMessageText, MockUser};

pub const USER: i64 = MockUser::ID as i64;

pub struct Harness {
    pub ctx: Arc<Ctx>,
    pub storage: Arc<ErasedStorage<State>>,
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

    pub async fn with_settings(settings: Settings) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("bot.db").display());
        let store = Store::connect(&url, &DataKey::generate()).await.unwrap();
        let esia = Arc::new(kvrachu_bot::esia::client_from_settings(&settings));
        let ctx = Arc::new(Ctx {
            store: store.clone(),
            settings: Arc::new(settings),
            clock: Clock::System,
            children_import: Default::default(),
            esia,
        });
        let storage: Arc<ErasedStorage<State>> = DialogueStorage::new(store).erase();
        Harness {
            ctx,
            storage,
            _dir: dir,
        }
    }

    pub fn store(&self) -> &Store {
        &self.ctx.store
    }

    /// A mock bot wired like the real one, holding `update`.
    pub fn bot<T: IntoUpdate>(
        &self,
        update: T,
    ) -> MockBot<anyhow::Error, teloxide_tests::mock_bot::DistributionKey> {
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

pub fn text(t: &str) -> MockMessageText {
    MockMessageText::new().text(t)
}

/// A tap on a button with `data`, under a message of the bot.
pub fn tap(data: &str) -> MockCallbackQuery {
    MockCallbackQuery::new().data(data)
}

/// The labels and callback data of a keyboard, row by row.
pub fn keyboard(markup: Option<&InlineKeyboardMarkup>) -> Vec<Vec<(String, String)>> {
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

pub fn message_keyboard(message: &Message) -> Vec<Vec<(String, String)>> {
    keyboard(message.reply_markup())
}

/// All callback data of a keyboard, flattened.
pub fn datas(kb: &[Vec<(String, String)>]) -> Vec<String> {
    kb.iter().flatten().map(|(_, d)| d.clone()).collect()
}
