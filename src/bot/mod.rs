//! The Telegram side: the dialogue state, the handler tree and the shared helpers of every journey.
//!
//! Handlers take a plain `Bot` (so `teloxide_tests` can drive them) and the application context [`Ctx`].
//! Each journey lives in one file, in the order a user meets it.

pub mod appointments;
pub mod booking;
pub mod callback;
pub mod children;
pub mod clinics;
pub mod commands;
pub mod gosuslugi;
pub mod group;
pub mod reminders;
pub mod screen;
pub mod settings;
pub mod shell;
pub mod start;
pub mod sync;
pub mod visit;
pub mod watch;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use teloxide::dispatching::dialogue::{Dialogue, ErasedStorage};
use teloxide::dispatching::{UpdateFilterExt, UpdateHandler};
use teloxide::prelude::*;
use teloxide::types::{Me, User};

use crate::config::Settings;
use crate::i18n::Lang;
use crate::store::dialogue::RecoverableState;
use crate::store::Store;

pub use callback::Cb;
pub use screen::Screen;

pub type HandlerResult = anyhow::Result<()>;
pub type BotDialogue = Dialogue<State, ErasedStorage<State>>;

/// Where a chat is in the conversation. Stored as JSON: a release that changes a variant makes old rows
/// fail to decode, and those users are reset to the menu with an apology instead of being stuck.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum State {
    /// Nothing asked yet (or consent not given).
    #[default]
    Start,
    /// The main menu is on screen.
    Menu,
    /// Settings are on screen.
    Settings,
    /// «Удалить мои данные?» waits for a yes or no.
    ConfirmForget,
    /// «Мои дети»: the list, a card, the form of a child, the choice of the active person.
    Children(children::ChildrenState),
    /// Choosing a clinic: district → type → clinic → card.
    Clinics(clinics::Step),
    /// «Госуслуги»: the login button, the personal data card, or unlinking.
    Gosuslugi(gosuslugi::Step),
    /// Booking at a clinic, «Мои записи», or cancelling a visit.
    Booking(booking::Here),
    /// The stored state could not be read; never stored itself.
    #[serde(skip)]
    Stale,
}

impl RecoverableState for State {
    fn stale() -> Self {
        State::Stale
    }

    fn is_stale(&self) -> bool {
        matches!(self, State::Stale)
    }
}

/// What every handler may use. Built once in `app.rs`.
pub struct Ctx {
    pub store: Store,
    pub settings: Arc<Settings>,
    pub clock: Clock,
    /// Where «Добавить из Госуслуг» finds children.
    pub children_import: children::ImportSource,
    /// The appointment registry (the demo one in demo mode), through its HTTP client.
    pub registry: crate::registry::SharedRegistry,
    /// The ESIA client (the demo provider's in demo mode).
    pub esia: Arc<crate::esia::EsiaClient>,
}

impl Ctx {
    /// What the visit rules need of the context (the store, the registry, the settings).
    pub fn visits(&self) -> crate::visits::Visits<'_> {
        crate::visits::Visits {
            store: &self.store,
            registry: &*self.registry,
            settings: &self.settings,
        }
    }
}

/// "Now", replaceable in tests.
#[derive(Clone)]
pub enum Clock {
    System,
    Fixed(chrono::DateTime<chrono::Utc>),
}

impl Clock {
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        match self {
            Clock::System => chrono::Utc::now(),
            Clock::Fixed(at) => *at,
        }
    }
}

/// Who sent the update and how to talk to them.
#[derive(Clone, Debug)]
pub struct Who {
    pub user_id: i64,
    pub chat_id: ChatId,
    pub lang: Lang,
    pub consented: bool,
}

impl Who {
    async fn load(ctx: &Ctx, user: &User, chat_id: ChatId) -> anyhow::Result<Who> {
        let user_id = user.id.0 as i64;
        let record = ctx.store.ensure_user(user_id).await?;
        let telegram_lang = Lang::from_telegram(user.language_code.as_deref());
        if record.has_consented() {
            // Only after consent: nothing about a person is kept before it.
            ctx.store.note_telegram_lang(&record, telegram_lang).await?;
        }
        Ok(Who {
            user_id,
            chat_id,
            lang: record.lang.unwrap_or(telegram_lang),
            consented: record.has_consented(),
        })
    }
}

async fn who_from_message(bot: Bot, msg: Message, ctx: Arc<Ctx>) -> Option<Who> {
    let user = msg.from.as_ref()?;
    let loaded = Who::load(&ctx, user, msg.chat.id).await;
    told_if_failed(&bot, user, msg.chat.id, None, loaded).await
}

async fn who_from_callback(bot: Bot, q: CallbackQuery, ctx: Arc<Ctx>) -> Option<Who> {
    let chat_id = callback_chat(&q);
    let loaded = Who::load(&ctx, &q.from, chat_id).await;
    told_if_failed(&bot, &q.from, chat_id, Some(&q), loaded).await
}

/// The user as loaded; when the store failed, the user is told (in Telegram's language) and the update
/// goes no further.
async fn told_if_failed(
    bot: &Bot,
    user: &User,
    chat_id: ChatId,
    q: Option<&CallbackQuery>,
    loaded: anyhow::Result<Who>,
) -> Option<Who> {
    match loaded {
        Ok(who) => Some(who),
        Err(err) => {
            let who = Who {
                user_id: user.id.0 as i64,
                chat_id,
                lang: Lang::from_telegram(user.language_code.as_deref()),
                consented: false,
            };
            let err = err.context("cannot load the user");
            if let Err(err) = shell::polite(bot, &who, q, Err(err)).await {
                tracing::warn!(error = %err, "the apology was not delivered");
            }
            None
        }
    }
}

/// The dialogue of the chat and where it is, as [`dptree`] hands them to the handlers.
#[derive(Clone)]
struct Loaded {
    dialogue: BotDialogue,
    state: State,
}

/// Reads the chat's dialogue; when the store fails, the user is told instead of left in silence.
async fn load_dialogue(
    bot: &Bot,
    storage: Arc<ErasedStorage<State>>,
    who: &Who,
    q: Option<&CallbackQuery>,
) -> Option<Loaded> {
    let dialogue = BotDialogue::new(storage, who.chat_id);
    match dialogue.get_or_default().await {
        Ok(state) => Some(Loaded { dialogue, state }),
        Err(err) => {
            let err = anyhow::anyhow!("cannot read the dialogue: {err}");
            if let Err(err) = shell::polite(bot, who, q, Err(err)).await {
                tracing::warn!(error = %err, "the apology was not delivered");
            }
            None
        }
    }
}

async fn dialogue_of_message(
    bot: Bot,
    storage: Arc<ErasedStorage<State>>,
    who: Who,
) -> Option<Loaded> {
    load_dialogue(&bot, storage, &who, None).await
}

async fn dialogue_of_callback(
    bot: Bot,
    q: CallbackQuery,
    storage: Arc<ErasedStorage<State>>,
    who: Who,
) -> Option<Loaded> {
    load_dialogue(&bot, storage, &who, Some(&q)).await
}

fn is_private_message(msg: Message) -> bool {
    msg.chat.is_private()
}

fn is_private_callback(q: CallbackQuery) -> bool {
    // A callback without a message comes from an inline message; treat it as not private.
    q.regular_message().is_some_and(|m| m.chat.is_private())
}

/// The whole handler tree.
pub fn schema() -> UpdateHandler<anyhow::Error> {
    let messages = Update::filter_message()
        .branch(dptree::filter(|m: Message| !is_private_message(m)).endpoint(group::refuse_message))
        .branch(
            dptree::filter_map_async(who_from_message)
                .filter_map_async(dialogue_of_message)
                .map(|loaded: Loaded| loaded.dialogue)
                .map(|loaded: Loaded| loaded.state)
                .branch(
                    dptree::filter(|s: State| s.is_stale()).endpoint(start::reset_stale_message),
                )
                .branch(commands::handler())
                .branch(dptree::filter(|w: Who| !w.consented).endpoint(start::ask_consent_again))
                .branch(dptree::case![State::Children(here)].endpoint(children_text))
                .endpoint(other_text),
        );

    let callbacks = Update::filter_callback_query()
        .branch(
            dptree::filter(|q: CallbackQuery| !is_private_callback(q))
                .endpoint(group::refuse_callback),
        )
        .branch(
            dptree::filter_map_async(who_from_callback)
                .filter_map_async(dialogue_of_callback)
                .map(|loaded: Loaded| loaded.dialogue)
                .map(|loaded: Loaded| loaded.state)
                .endpoint(callback::route),
        );

    dptree::entry().branch(messages).branch(callbacks)
}

/// Text while «Мои дети» is on screen (the child's form); a failure is told to the user.
async fn children_text(
    bot: Bot,
    msg: Message,
    ctx: Arc<Ctx>,
    who: Who,
    dialogue: BotDialogue,
    here: children::ChildrenState,
) -> HandlerResult {
    let result = children::on_text(bot.clone(), msg, ctx, who.clone(), dialogue, here).await;
    shell::polite(&bot, &who, None, result).await
}

/// Text the current step does not ask for; a failure is told to the user.
async fn other_text(
    bot: Bot,
    ctx: Arc<Ctx>,
    who: Who,
    dialogue: BotDialogue,
    state: State,
) -> HandlerResult {
    let result = start::unexpected_text(bot.clone(), ctx, who.clone(), dialogue, state).await;
    shell::polite(&bot, &who, None, result).await
}

/// The bot's @username, for links back to it.
pub fn bot_username(me: &Me) -> String {
    me.user.username.clone().unwrap_or_default()
}

/// The chat a button was pressed in (the user's private chat when the message is unknown).
pub fn callback_chat(q: &CallbackQuery) -> ChatId {
    q.regular_message()
        .map(|m| m.chat.id)
        .unwrap_or(ChatId(q.from.id.0 as i64))
}

/// Stores the next state of the dialogue.
pub async fn save(dialogue: &BotDialogue, state: State) -> anyhow::Result<()> {
    dialogue.update(state).await.map_err(|e| anyhow::anyhow!(e))
}

/// Removes the dialogue: the next update starts from [`State::Start`].
pub async fn forget_dialogue(dialogue: &BotDialogue) -> anyhow::Result<()> {
    dialogue.exit().await.map_err(|e| anyhow::anyhow!(e))
}
