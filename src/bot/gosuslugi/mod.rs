//! Journey 2: «Госуслуги». Not linked: an explanation and the «Войти через Госуслуги» button (a fresh
//! single-use login each time; a Telegram `login_url` button on a public https domain, a plain link
//! elsewhere: [`login_button`]). The login finishes on the HTTP side (`http/esia_callback.rs`), which calls
//! [`announce`] to tell the user the result here — or, when nothing bound the browser to this chat, shows a
//! one-time code that the user types here ([`on_code`], in `code.rs`; `route.rs` sends text there while
//! such a login waits). Linked and confirmed: the «Личные данные» card with the
//! masked policy, insurer, attachment and relatives, and «Отвязать Госуслуги» with a confirmation. Linked but
//! not confirmed: the seed's three account levels, how to confirm, and «Попробовать снова».
//!
//! Other journeys ask [`booking_gate`]; booking reads the same rule through [`crate::visits::booking_identity`].

pub mod cb;
mod code;
mod demo;
mod screens;
pub mod state;

use teloxide::prelude::*;

use crate::config::EsiaSettings;
use crate::esia::{BookingGate, EsiaLink};
use crate::i18n::{escape_html, Lang};
use crate::t;

use crate::bot::ctx::{Ctx, HandlerResult, Who};
use crate::bot::reply::{Next, Reply};
use crate::bot::screen::Screen;
use crate::bot::state::State;

pub use cb::Cb;
pub use code::{looks_like_code, on_code, tell_link_moved, CodeAnswer};
pub use screens::{login_button, unread_text, with_demo_login};
pub use state::Step;

const OVERVIEW: State = State::Gosuslugi(Step::Overview);

/// «Госуслуги» from the main menu.
pub async fn start(_ctx: &Ctx, _who: &Who) -> anyhow::Result<Reply> {
    Ok(Reply::go(OVERVIEW))
}

/// The screen of `step`.
pub async fn render(ctx: &Ctx, who: &Who, step: Step) -> anyhow::Result<(State, Screen)> {
    let screen = match step {
        Step::Overview => screens::overview_screen(ctx, who).await?,
        Step::ConfirmUnlink => screens::unlink_screen(ctx, who.lang),
    };
    Ok((State::Gosuslugi(step), screen))
}

/// Every `gu:` button, at `state`.
pub async fn on_tap(ctx: &Ctx, who: &Who, state: &State, tap: Cb) -> anyhow::Result<Reply> {
    let demo = ctx.settings.esia == EsiaSettings::Demo;
    let reply = match tap {
        Cb::Retry => Reply::show(OVERVIEW, screens::login_screen(ctx, who, None).await?),
        Cb::UnlinkAsk => ask_unlink(ctx, who).await?,
        Cb::UnlinkYes | Cb::UnlinkNo if *state != State::Gosuslugi(Step::ConfirmUnlink) => {
            Reply::stale()
        }
        Cb::UnlinkYes => unlink(ctx, who).await?,
        Cb::UnlinkNo => Reply::go(OVERVIEW),
        Cb::DemoLogin if !demo => Reply::stale(),
        // The dialogue is left as it is: a booking waiting for the login resumes after it.
        Cb::DemoLogin => Reply::show(state.clone(), screens::demo_login_screen(ctx, who.lang)),
        Cb::DemoPerson(n) => log_in_as_test_person(ctx, who, n).await?,
    };
    Ok(reply)
}

/// «Отвязать Госуслуги»: the question, or the login button when nothing is linked any more.
async fn ask_unlink(ctx: &Ctx, who: &Who) -> anyhow::Result<Reply> {
    if ctx.store.esia_link(who.user_id).await?.is_none() {
        return Ok(Reply::show(
            OVERVIEW,
            screens::login_screen(ctx, who, None).await?,
        ));
    }
    let question = screens::unlink_screen(ctx, who.lang);
    Ok(Reply::show(State::Gosuslugi(Step::ConfirmUnlink), question))
}

/// «Да, отвязать»: the link and its tokens go; the login button comes back under a word that says so.
async fn unlink(ctx: &Ctx, who: &Who) -> anyhow::Result<Reply> {
    ctx.store.delete_esia_link(who.user_id).await?;
    tracing::info!(user = %crate::telemetry::user_tag(who.user_id), "Gosuslugi account unlinked");
    let done = t!(who.lang, "gu-unlinked");
    let screen = screens::login_screen(ctx, who, Some(done.clone())).await?;
    Ok(Reply::show(OVERVIEW, screen).toast(done))
}

/// Demo only: the `n`-th test person of the demo identity provider, when there is one (a button for
/// anyone else is stale).
pub fn test_person(ctx: &Ctx, who: &Who, n: u8) -> Option<(u64, String)> {
    if ctx.settings.esia != EsiaSettings::Demo {
        return None;
    }
    let persons = crate::esia::demo::test_persons(who.lang);
    let (oid, name, _) = persons.into_iter().nth(usize::from(n))?;
    Some((oid, name))
}

/// Demo only: logs in as the `n`-th test person ([`test_person`]), then says so in place of the test
/// persons. The callback of that login announces the account in a message of its own and resumes a booking
/// that waited for it — storing that booking's confirmation meanwhile, so this screen leaves the dialogue
/// as the callback left it ([`Next::Edit`]).
async fn log_in_as_test_person(ctx: &Ctx, who: &Who, n: u8) -> anyhow::Result<Reply> {
    let Some((oid, name)) = test_person(ctx, who, n) else {
        return Ok(Reply::stale());
    };
    let lang = who.lang;
    let screen = match demo::log_in(ctx, who, oid).await {
        Ok(()) => Screen::new(
            ctx,
            lang,
            t!(lang, "gu-demo-done", name = escape_html(&name)),
        ),
        Err(err) => {
            tracing::error!(error = %err, "demo login in the chat failed");
            screens::demo_login_failed_screen(ctx, lang)
        }
    };
    Ok(Reply::new(Next::Edit(screen)))
}

/// How a login that came back through the callback ended, for [`announce`].
#[derive(Clone, Debug)]
pub enum LoginResult {
    Linked(EsiaLink),
    Underage,
    /// The user declined on ESIA's page.
    Cancelled,
    /// ESIA or the exchange failed; nothing was linked.
    Failed,
}

/// Tells the user in Telegram how the login in the browser ended. Called by the HTTP callback, outside any
/// conversation turn, so it sends the message itself.
pub async fn announce(
    bot: &Bot,
    ctx: &Ctx,
    user_id: i64,
    lang: Lang,
    result: &LoginResult,
) -> HandlerResult {
    let screen = screens::announcement(ctx, lang, result);
    screen.send(bot, ChatId(user_id)).await?;
    Ok(())
}

/// Whether the user may book now, by their Gosuslugi link (for the booking and children journeys).
pub async fn booking_gate(ctx: &Ctx, user_id: i64) -> anyhow::Result<BookingGate> {
    let link = ctx.store.esia_link(user_id).await?;
    let today = crate::bot::ctx::today(ctx);
    Ok(crate::esia::booking_gate(link, today))
}
