//! Where an update goes: the handler tree (groups refused, the user and the dialogue loaded, commands,
//! text, buttons), and which journey a button or a text belongs to. Every journey's answer goes through the
//! shell ([`shell::answer`]), which shows it or apologises.

use std::sync::Arc;

use teloxide::dispatching::dialogue::ErasedStorage;
use teloxide::dispatching::{UpdateFilterExt, UpdateHandler};
use teloxide::prelude::*;
use teloxide::types::User;

use crate::i18n::Lang;
use crate::store::dialogue::RecoverableState;
use crate::t;

use super::callback::{Cb, Section};
use super::ctx::{callback_chat, Ctx, HandlerResult, Who};
use super::reply::Reply;
use super::shell::{self, Turn};
use super::state::{BotDialogue, State};
use super::{
    appointments, booking, children, clinics, commands, gosuslugi, group, me, reminders, settings,
    start, watch,
};

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
                .branch(commands::handler())
                .map_async(text_for)
                .endpoint(on_text),
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
                .endpoint(on_callback),
        );

    dptree::entry().branch(messages).branch(callbacks)
}

/// Where typed text that is no command goes: to the Gosuslugi one-time code ([`gosuslugi::on_code`]), or
/// to the step on screen.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TextFor {
    MaybeCode,
    Step,
}

/// Whether typed text is for a login's one-time code: while a login waits for it, any text (in a child's
/// form, only text that looks like a code: the form's answers are typed too); without one, text that looks
/// like a code (the login expired or was used up, and the user is told so).
async fn text_for(ctx: Arc<Ctx>, who: Who, state: State, msg: Message) -> TextFor {
    if !ctx.settings.esia.is_on() || !who.consented || state.is_stale() {
        return TextFor::Step;
    }
    let looks = msg.text().is_some_and(gosuslugi::looks_like_code);
    let in_form = matches!(state, State::Children(children::ChildrenState::Form(_)));
    if looks && !in_form {
        return TextFor::MaybeCode;
    }
    if in_form && !looks {
        return TextFor::Step;
    }
    let now = ctx.clock.now().timestamp();
    match ctx.store.has_pending_esia_login(who.user_id, now).await {
        Ok(true) => TextFor::MaybeCode,
        Ok(false) => TextFor::Step,
        Err(err) => {
            tracing::warn!(user = %crate::telemetry::user_tag(who.user_id), error = %err, "cannot read a pending Gosuslugi login");
            TextFor::Step
        }
    }
}

/// Typed text that is no command: a login's one-time code, or an answer to the step on screen. The user
/// whose Gosuslugi person moved here by a code is told in their own chat. Text that is no code after all
/// goes where it would have gone.
async fn on_text(
    bot: Bot,
    msg: Message,
    ctx: Arc<Ctx>,
    who: Who,
    dialogue: BotDialogue,
    state: State,
    text_for: TextFor,
) -> HandlerResult {
    let answer = match text_for {
        TextFor::MaybeCode => gosuslugi::on_code(&ctx, &who, &state, msg.text()).await,
        TextFor::Step => Ok(gosuslugi::CodeAnswer::NotACode),
    };
    let (reply, moved_from) = match answer {
        Ok(gosuslugi::CodeAnswer::Reply { reply, moved_from }) => (Ok(*reply), moved_from),
        Ok(gosuslugi::CodeAnswer::NotACode) => {
            (usual_text(&ctx, &who, &state, msg.text()).await, None)
        }
        Err(err) => (Err(err), None),
    };
    shell::reply_to(&bot, &ctx, &who, &dialogue, &state, None, reply).await?;
    if let Some(previous) = moved_from {
        if let Err(err) = gosuslugi::tell_link_moved(&bot, &ctx, previous).await {
            tracing::warn!(user = %crate::telemetry::user_tag(previous), error = %err, "cannot tell a user their link moved");
        }
    }
    Ok(())
}

/// What text does at `state`: the reset after a state that could not be read, the notice again before
/// consent (nothing personal is read), an answer to a form (a child's, the user's own), a search at the
/// menu ([`booking::ask`]), or «я не жду
/// текста» with the current step.
async fn usual_text(
    ctx: &Ctx,
    who: &Who,
    state: &State,
    text: Option<&str>,
) -> anyhow::Result<Reply> {
    match state {
        _ if state.is_stale() => Ok(start::reset_stale(who)),
        _ if !who.consented => Ok(start::ask_consent_again(who)),
        State::Children(here) => Ok(children::on_text(ctx, who, here.clone(), text)),
        State::Me { here, waiting } => {
            Ok(me::on_text(ctx, who, here.clone(), waiting.clone(), text))
        }
        State::WatchForm(form) => watch::form::on_text(ctx, who, (**form).clone(), text).await,
        State::Settings => reminders::on_text(ctx, who, text).await,
        State::Menu => booking::ask::on_text(ctx, who, text).await,
        _ => Ok(start::unexpected_text(who, state)),
    }
}

/// Every button press lands here; whatever fails on the way is told to the user ([`shell::polite`]).
async fn on_callback(
    bot: Bot,
    q: CallbackQuery,
    ctx: Arc<Ctx>,
    who: Who,
    dialogue: BotDialogue,
    state: State,
) -> HandlerResult {
    let turn = Turn {
        bot: &bot,
        ctx: &ctx,
        who: &who,
        dialogue: &dialogue,
        state: &state,
        q: Some(&q),
        started: std::time::Instant::now(),
    };
    let reply = tap(&turn, &q).await;
    shell::answer(&turn, reply).await
}

/// The journey a button belongs to.
async fn tap(turn: &Turn<'_>, q: &CallbackQuery) -> anyhow::Result<Reply> {
    let (ctx, who, state) = (turn.ctx, turn.who, turn.state);
    if state.is_stale() {
        return Ok(start::reset_stale(who));
    }
    let Some(cb) = q.data.as_deref().and_then(Cb::decode) else {
        return Ok(Reply::stale());
    };
    if !who.consented
        && cb != Cb::Consent
        && !matches!(cb, Cb::SetLang(_) | Cb::Language | Cb::Privacy)
    {
        return Ok(start::consent_needed(who));
    }
    if costs(&cb) && !ctx.taps.allow(who.user_id) {
        tracing::info!(user = %crate::telemetry::user_tag(who.user_id), "costly taps limited");
        return Ok(Reply::stay().toast(t!(who.lang, "taps-too-fast")));
    }
    let reply = match cb {
        Cb::Consent => start::consent_given(ctx, who).await?,
        Cb::Menu | Cb::ForgetNo => Reply::go(State::Menu),
        Cb::Here => Reply::go(state.clone()),
        Cb::Section(Section::Settings) => Reply::go(State::Settings),
        Cb::Language => settings::language_picker(ctx, who, state),
        Cb::SetLang(lang) => settings::set_language(ctx, who, lang).await?,
        Cb::Privacy => settings::privacy(ctx, who, state),
        Cb::ForgetAsk => Reply::go(State::ConfirmForget),
        Cb::ForgetYes if *state != State::ConfirmForget => Reply::stale(),
        Cb::ForgetYes => settings::forget(ctx, who).await?,
        Cb::Section(Section::Appointments) => appointments::show(ctx, who).await?,
        Cb::Booking(tap) if appointments::is_ours(tap) || in_cancel(state) => {
            appointments::on_tap(ctx, who, state, tap).await?
        }
        Cb::Booking(tap) => booking::on_tap(ctx, who, state, tap).await?,
        Cb::Reminders(tap) => reminders::on_tap(ctx, who, tap).await?,
        Cb::Watch(tap) => watch::on_tap(ctx, who, state, tap).await?,
        Cb::Section(Section::Children) => Reply::go(State::Children(children::ChildrenState::List)),
        Cb::Children(tap) => children::on_tap(ctx, who, state, tap).await?,
        Cb::Section(Section::Book) => clinics::start(ctx, who).await?,
        Cb::Clinics(tap) => clinics::on_tap(ctx, who, state, tap).await?,
        // One of the two exists, by ESIA_URL; an old button of the other finds its replacement.
        Cb::Section(Section::Gosuslugi | Section::Me) if !ctx.settings.esia.is_on() => me::start(),
        Cb::Section(Section::Gosuslugi | Section::Me) => gosuslugi::start(ctx, who).await?,
        Cb::Gosuslugi(_) if !ctx.settings.esia.is_on() => Reply::stale(),
        Cb::Gosuslugi(tap) => gosuslugi::on_tap(ctx, who, state, tap).await?,
        Cb::Me(tap) => me::on_tap(ctx, who, state, tap).await?,
    };
    Ok(reply)
}

/// Whether a button costs something beyond the store: a registry call, a login, a file.
fn costs(cb: &Cb) -> bool {
    matches!(
        cb,
        Cb::Section(Section::Book | Section::Appointments | Section::Gosuslugi)
            | Cb::Clinics(_)
            | Cb::Booking(_)
            | Cb::Gosuslugi(_)
            | Cb::Watch(_)
            | Cb::Reminders(_)
    )
}

/// Whether «Отменить запись?» is on screen (its «Повторить» is the question's).
fn in_cancel(state: &State) -> bool {
    matches!(state, State::Booking(booking::Here::ConfirmCancel { .. }))
}
