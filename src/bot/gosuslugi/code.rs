//! The one-time code of a login in the browser that nothing bound to this chat (a plain link: no public
//! https domain, so no Telegram login button). The callback's page shows six digits and the chat is asked
//! for them; what the user types while such a login waits comes here ([`on_code`]).
//!
//! Where text goes (see `route.rs`): while a login waits for its code, any text is a try (each counts,
//! five in all) — except in a child's form, where only text that looks like a code is (the form's own
//! answers are names, dates and 16-digit policies). Text that looks like a code when no login waits (it
//! expired, or was used up) is told so, with a fresh login button.

use teloxide::prelude::*;

use crate::domain::esia::{LinkedLogin, PendingLoginOutcome};
use crate::i18n::Lang;
use crate::t;

use crate::bot::booking::state::Here;
use crate::bot::ctx::{Ctx, HandlerResult, Who};
use crate::bot::reply::{Extra, Next, Reply};
use crate::bot::screen::Screen;
use crate::bot::state::State;

use super::screens;
use super::{LoginResult, Step};

/// What typed text did as a code.
#[derive(Debug)]
pub enum CodeAnswer {
    /// The answer, and the Telegram user who lost the Gosuslugi person to this one (to be told, in their
    /// own chat: [`tell_link_moved`]).
    Reply {
        reply: Box<Reply>,
        moved_from: Option<i64>,
    },
    /// Not a code and no login waits: the text is the current step's business.
    NotACode,
}

/// Whether `text` looks like a one-time code: six digits, spaces or dashes allowed between them
/// («123 456», «123-456»).
pub fn looks_like_code(text: &str) -> bool {
    let digits: Vec<char> = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    digits.len() == 6 && digits.iter().all(char::is_ascii_digit)
}

/// Text typed while a login may wait for its code, at `state` (which stays, unless a booking waited
/// for the login: then its confirmation comes back).
pub async fn on_code(
    ctx: &Ctx,
    who: &Who,
    state: &State,
    text: Option<&str>,
) -> anyhow::Result<CodeAnswer> {
    let lang = who.lang;
    let Some(text) = text else {
        // A sticker or a photo is no try.
        return Ok(answer(Reply::stay().alert(t!(lang, "gu-code-expected"))));
    };
    let now = ctx.clock.now().timestamp();
    let outcome = ctx
        .store
        .complete_pending_esia_login(who.user_id, text, now)
        .await?;
    let reply = match outcome {
        PendingLoginOutcome::Linked(linked) => return linked_here(ctx, who, state, *linked).await,
        PendingLoginOutcome::WrongCode { attempts_left } if attempts_left > 0 => {
            tracing::info!(
                user = %crate::telemetry::user_tag(who.user_id),
                attempts_left,
                "a wrong one-time code for Gosuslugi"
            );
            Reply::stay().alert(t!(lang, "gu-code-wrong", left = attempts_left))
        }
        PendingLoginOutcome::WrongCode { .. } => {
            tracing::info!(
                user = %crate::telemetry::user_tag(who.user_id),
                "the one-time codes for Gosuslugi are used up"
            );
            let header = t!(lang, "gu-code-used-up");
            fresh_login(screens::login_screen(ctx, who, Some(header)).await?)
        }
        PendingLoginOutcome::NoPendingLogin if looks_like_code(text) => {
            let header = t!(lang, "gu-code-expired");
            fresh_login(screens::login_screen(ctx, who, Some(header)).await?)
        }
        PendingLoginOutcome::NoPendingLogin => return Ok(CodeAnswer::NotACode),
    };
    Ok(answer(reply))
}

fn answer(reply: Reply) -> CodeAnswer {
    CodeAnswer::Reply {
        reply: Box::new(reply),
        moved_from: None,
    }
}

/// A new login button, the dialogue left where it is: a booking that waits for the login still does.
fn fresh_login(screen: Screen) -> Reply {
    Reply::new(Next::Edit(screen))
}

/// The right code: the person is linked. Said as the browser's callback says it; a booking that waited
/// for the login comes back to its confirmation; what could not be read is offered again.
async fn linked_here(
    ctx: &Ctx,
    who: &Who,
    state: &State,
    linked: LinkedLogin,
) -> anyhow::Result<CodeAnswer> {
    let LinkedLogin {
        link,
        unread,
        previous_user,
    } = linked;
    let lang = who.lang;
    tracing::info!(
        user = %crate::telemetry::user_tag(who.user_id),
        level = link.level.code(),
        kids = link.kids.len(),
        has_policy = link.person.policy.is_some(),
        moved_from_another_user = previous_user.is_some(),
        "Gosuslugi account linked by its one-time code"
    );
    let said = screens::announcement(ctx, lang, &LoginResult::Linked(link));
    let mut reply = match resumed_booking(ctx, who, state).await? {
        // The word on the account comes first, then the confirmation, as after a login in the browser.
        Some(booking) => {
            Reply::go(booking).alert(format!("{}\n\n{}", said.text, t!(lang, "booking-resumed")))
        }
        None => Reply::show(State::Gosuslugi(Step::Overview), said),
    };
    if !unread.is_empty() {
        reply = reply.with(Extra::Message(screens::unread_screen(ctx, lang, unread)));
    }
    Ok(CodeAnswer::Reply {
        reply: Box::new(reply),
        moved_from: previous_user,
    })
}

/// The booking that waited for this login, back at its confirmation, when the account may book now.
async fn resumed_booking(ctx: &Ctx, who: &Who, state: &State) -> anyhow::Result<Option<State>> {
    let State::Booking(Here::Flow(flow)) = state else {
        return Ok(None);
    };
    let Some(step) = flow.step.resumed() else {
        return Ok(None);
    };
    let today = crate::bot::ctx::today(ctx);
    let identity = crate::visits::booking_identity(ctx.visits(), who.user_id, today).await?;
    if !identity.is_some_and(|identity| identity.trusted) {
        return Ok(None);
    }
    let mut flow = flow.clone();
    flow.step = step;
    Ok(Some(State::Booking(Here::Flow(flow))))
}

/// Tells `previous` — whose Gosuslugi person was just linked to another Telegram user — that the account
/// moved, in their language. Another chat than the turn's, so it is sent here, as the callback does.
pub async fn tell_link_moved(bot: &Bot, ctx: &Ctx, previous: i64) -> HandlerResult {
    let lang = match ctx.store.user(previous).await? {
        Some(user) => user.message_lang(),
        None => Lang::default(),
    };
    tracing::info!(
        user = %crate::telemetry::user_tag(previous),
        "Gosuslugi link moved to another Telegram user"
    );
    bot.send_message(ChatId(previous), t!(lang, "esia-chat-link-moved"))
        .await?;
    Ok(())
}
