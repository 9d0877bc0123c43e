//! The bridge for journeys that still answer Telegram themselves, while they move to returning a
//! [`Reply`]. Goes when the last one has moved.

use teloxide::prelude::*;

use super::ctx::{Ctx, HandlerResult, Who};
use super::reply::Reply;
use super::shell::{deliver, Turn};
use super::state::{BotDialogue, State};
use super::{booking, children};

/// Delivers `reply` for a journey that has the Telegram plumbing in hand.
pub async fn reply(
    bot: &Bot,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    state: &State,
    q: Option<&CallbackQuery>,
    reply: Reply,
) -> HandlerResult {
    let turn = Turn {
        bot,
        ctx,
        who,
        dialogue,
        state,
        q,
    };
    deliver(&turn, reply).await
}

/// A button from an old message or with data we do not understand: say so, then show where the user is.
pub async fn stale_button(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    state: &State,
) -> HandlerResult {
    reply(bot, ctx, who, dialogue, state, Some(q), Reply::stale()).await
}

/// The main menu, in place of the tapped message or as a new message. The button must be answered already.
pub async fn show_menu(
    bot: &Bot,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    q: Option<&CallbackQuery>,
) -> HandlerResult {
    let turn = Turn {
        bot,
        ctx,
        who,
        dialogue,
        state: &State::Menu,
        q: None,
    };
    let Some(q) = q else {
        return deliver(&turn, Reply::go(State::Menu)).await;
    };
    let screen = super::start::menu(ctx, who).await?;
    super::state::save(dialogue, State::Menu).await?;
    screen.replace(bot, q).await?;
    Ok(())
}

/// The screen of a journey that still draws itself, as a new message.
pub async fn show_current_step(
    bot: &Bot,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    state: &State,
) -> HandlerResult {
    match state {
        State::Children(here) => children::show_current(bot, ctx, who, dialogue, here).await,
        State::Booking(here) => booking::show_current(bot, ctx, who, dialogue, here).await,
        other => {
            reply(
                bot,
                ctx,
                who,
                dialogue,
                other,
                None,
                Reply::go(other.clone()),
            )
            .await
        }
    }
}

/// Text the current step does not ask for.
pub async fn unexpected_text(
    bot: Bot,
    ctx: std::sync::Arc<Ctx>,
    who: Who,
    dialogue: BotDialogue,
    state: State,
) -> HandlerResult {
    let answer = super::start::unexpected_text(&who, &state);
    reply(&bot, &ctx, &who, &dialogue, &state, None, answer).await
}
