//! What every journey shares at its edge: a handler that fails does not leave the user in silence.
//!
//! A failure anywhere in a journey (a registry call, a store write, a Telegram request) becomes one log
//! line — its kind and the user's id, never a message's text — and a short screen in the user's language:
//! «Что-то пошло не так» with «Повторить», which shows the step the user is at again, and «Меню».

use teloxide::payloads::SendMessageSetters;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardMarkup, ParseMode};

use crate::t;

use super::callback::Cb;
use super::screen::button;
use super::{HandlerResult, Who};

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
    tracing::error!(user = who.user_id, error = %err, "a handler failed; the user was told");
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
