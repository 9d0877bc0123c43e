//! The one place that talks to Telegram for a journey: it delivers a journey's [`Reply`] — answers the
//! button, stores the next state, edits the tapped message or sends a new one, attaches files and map pins
//! — and turns any failure into a polite screen.
//!
//! A failure anywhere in a journey (a registry call, a store write, a Telegram request) becomes one log
//! line — its kind and the user's id, never a message's text — and a short screen in the user's language:
//! «Что-то пошло не так» with «Повторить», which shows the step the user is at again, and «Меню».

use teloxide::payloads::{AnswerCallbackQuerySetters, SendDocumentSetters, SendMessageSetters};
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardMarkup, InputFile, ParseMode};

use crate::t;

use super::callback::Cb;
use super::ctx::{Ctx, HandlerResult, Who};
use super::render::render;
use super::reply::{Extra, Next, Notice, Reply};
use super::screen::{button, Screen};
use super::state::{forget_dialogue, save, BotDialogue, State};

/// One update being answered: who, in which dialogue, at which step, and the button if it was a tap.
pub struct Turn<'a> {
    pub bot: &'a Bot,
    pub ctx: &'a Ctx,
    pub who: &'a Who,
    pub dialogue: &'a BotDialogue,
    /// Where the user was when the update arrived.
    pub state: &'a State,
    /// The button pressed; `None` for typed text and commands.
    pub q: Option<&'a CallbackQuery>,
    /// When the update arrived, for the handler latency in `/metrics`.
    pub started: std::time::Instant,
}

/// Does what `reply` says. The button is answered first, so the user's spinner stops whatever follows.
pub async fn deliver(turn: &Turn<'_>, reply: Reply) -> HandlerResult {
    let Reply {
        mut notice,
        next,
        extras,
        must_show,
    } = reply;
    let store = |state: State| async move {
        match persist(turn.dialogue, state).await {
            Err(err) if must_show => {
                tracing::error!(user = %crate::telemetry::user_tag(turn.who.user_id), error = %err, "the state was not stored; the screen is shown");
                Ok(())
            }
            other => other,
        }
    };
    // A stale button leaves its old message alone: where the user is comes as a new message.
    let (next, as_new) = match next {
        Next::Stale => {
            tracing::debug!(user = %crate::telemetry::user_tag(turn.who.user_id), "stale or unknown button");
            notice.get_or_insert_with(|| Notice::Toast(t!(turn.who.lang, "stale-button")));
            (Next::Go(turn.state.clone()), true)
        }
        other => (other, false),
    };
    tell(turn, notice).await?;
    match next {
        Next::Show(state, screen) => {
            store(state).await?;
            present(turn, &screen, false).await?;
        }
        Next::Go(state) => {
            let (state, screen) = render(turn.ctx, turn.who, state).await?;
            store(state).await?;
            present(turn, &screen, as_new).await?;
        }
        Next::Edit(screen) => present(turn, &screen, false).await?,
        Next::Stay | Next::Stale => {}
    }
    for extra in extras {
        attach(turn, extra).await?;
    }
    Ok(())
}

/// The notice: the button's answer for a tap (always sent, empty or not), a line of its own after text.
async fn tell(turn: &Turn<'_>, notice: Option<Notice>) -> HandlerResult {
    match (turn.q, notice) {
        (Some(q), notice) => {
            let mut answer = turn.bot.answer_callback_query(q.id.clone());
            if let Some(notice) = notice {
                let alert = matches!(notice, Notice::Alert(_));
                answer = answer.text(notice.text().to_owned()).show_alert(alert);
            }
            // A late answer (a registry call took long) is refused by Telegram; what follows still counts.
            if let Err(err) = answer.await {
                tracing::debug!(error = %err, "the button's answer was refused");
            }
        }
        (None, Some(notice)) => {
            turn.bot
                .send_message(turn.who.chat_id, notice.text())
                .parse_mode(ParseMode::Html)
                .await?;
        }
        (None, None) => {}
    }
    Ok(())
}

/// The start state is the absence of a dialogue: storing it removes the row (after /forget nothing of the
/// chat is left behind).
async fn persist(dialogue: &BotDialogue, state: State) -> HandlerResult {
    if state == State::Start {
        forget_dialogue(dialogue).await
    } else {
        save(dialogue, state).await
    }
}

/// In place of the tapped message, or as a new message (after text, or when asked to).
async fn present(turn: &Turn<'_>, screen: &Screen, as_new: bool) -> HandlerResult {
    match turn.q {
        Some(q) if !as_new => screen.replace(turn.bot, q).await?,
        _ => {
            screen.send(turn.bot, turn.who.chat_id).await?;
        }
    }
    Ok(())
}

async fn attach(turn: &Turn<'_>, extra: Extra) -> HandlerResult {
    let chat = turn.who.chat_id;
    match extra {
        Extra::Document {
            name,
            bytes,
            caption,
        } => {
            let mut send = turn
                .bot
                .send_document(chat, InputFile::memory(bytes).file_name(name));
            if let Some(caption) = caption {
                send = send.caption(caption);
            }
            send.await?;
        }
        Extra::Message(screen) => {
            screen.send(turn.bot, chat).await?;
        }
        Extra::Venue {
            latitude,
            longitude,
            title,
            address,
        } => {
            turn.bot
                .send_venue(chat, latitude, longitude, title, address)
                .await?;
        }
    }
    Ok(())
}

/// A journey's answer delivered, or its failure told: the one way a journey's work reaches the user.
pub async fn answer(turn: &Turn<'_>, reply: anyhow::Result<Reply>) -> HandlerResult {
    let result = match reply {
        Ok(reply) => deliver(turn, reply).await,
        Err(err) => Err(err),
    };
    let failure = result.as_ref().err().map(failure_kind);
    crate::telemetry::handler_done(journey(turn), turn.started.elapsed().as_secs_f64(), failure);
    polite(turn.bot, turn.who, turn.q, result).await
}

/// Which journey a turn belongs to, for `/metrics`: the button's prefix, or the step for typed text.
fn journey(turn: &Turn<'_>) -> &'static str {
    if let Some(data) = turn.q.and_then(|q| q.data.as_deref()) {
        let head = data.split(':').next().unwrap_or_default();
        return match head {
            "k" => "children",
            "cl" => "clinics",
            "bk" => "booking",
            "ap" => "reminders",
            "gu" => "gosuslugi",
            "wt" => "watches",
            "me" => "me",
            "s" => "menu",
            "consent" | "lang" | "privacy" | "fg" => "settings",
            _ => "other",
        };
    }
    match turn.state {
        State::Children(_) => "children",
        State::Me { .. } => "me",
        State::Gosuslugi(_) => "gosuslugi",
        State::WatchForm(_) => "watches",
        _ => "text",
    }
}

/// What a failure was, for `/metrics`: the registry, the store, Telegram, or something else.
fn failure_kind(err: &anyhow::Error) -> &'static str {
    if err
        .downcast_ref::<crate::registry::RegistryError>()
        .is_some()
    {
        "registry"
    } else if err.downcast_ref::<sqlx::Error>().is_some() {
        "store"
    } else if err.downcast_ref::<teloxide::RequestError>().is_some() {
        "telegram"
    } else {
        "other"
    }
}

/// [`answer`] for a turn given by its parts.
pub async fn reply_to(
    bot: &Bot,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    state: &State,
    q: Option<&CallbackQuery>,
    reply: anyhow::Result<Reply>,
) -> HandlerResult {
    let turn = Turn {
        bot,
        ctx,
        who,
        dialogue,
        state,
        q,
        started: std::time::Instant::now(),
    };
    answer(&turn, reply).await
}

/// Turns a journey's failure into the apology screen; a success passes through.
pub async fn polite(
    bot: &Bot,
    who: &Who,
    q: Option<&CallbackQuery>,
    result: HandlerResult,
) -> HandlerResult {
    let Err(err) = result else {
        return Ok(());
    };
    tracing::error!(user = %crate::telemetry::user_tag(who.user_id), error = %err, "a handler failed; the user was told");
    if let Some(q) = q {
        // The journey may have answered it before failing: a second answer is refused, and that is fine.
        let _ = bot.answer_callback_query(q.id.clone()).await;
    }
    let lang = who.lang;
    let keyboard = InlineKeyboardMarkup::new(vec![vec![
        button(t!(lang, "error-btn-retry"), Cb::Here),
        button(t!(lang, "btn-menu"), Cb::Menu),
    ]]);
    bot.send_message(who.chat_id, t!(lang, "error-something-wrong"))
        .parse_mode(ParseMode::Html)
        .reply_markup(keyboard)
        .await?;
    Ok(())
}
