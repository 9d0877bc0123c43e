//! «Мои данные» (`ESIA_URL=off`): without a Gosuslugi login, the user types their own ФИО, date of birth and
//! OMS policy once — the same guided, validated questions as a child's form, with the portal's age rule
//! the other way round (14 or older) — and books with them. The card shows them masked, «Изменить» opens
//! the form on «Что исправить?». A booking that waited for the data («заполните свои данные») comes back to
//! its confirmation after «Сохранить».
//!
//! Bottom up: [`state`] (the form's rules), [`cb`] (the buttons), `screens`; here, what a tap or a text does.

pub mod cb;
mod screens;
pub mod state;

use crate::t;

use crate::bot::booking::state::{Flow, Here};
use crate::bot::ctx::{Ctx, Who};
use crate::bot::person_form::{self, Tapped};
use crate::bot::reply::Reply;
use crate::bot::screen::Screen;
use crate::bot::state::State;

pub use cb::Cb;
pub use state::{MeState, SelfForm, Step, Tap};

/// «Мои данные» from the main menu.
pub fn start() -> Reply {
    Reply::go(at(MeState::Card, None))
}

fn at(here: MeState, waiting: Option<Box<Flow>>) -> State {
    State::Me { here, waiting }
}

/// The screen of `here`.
pub async fn render(
    ctx: &Ctx,
    who: &Who,
    here: MeState,
    waiting: Option<Box<Flow>>,
) -> anyhow::Result<(State, Screen)> {
    let screen = match &here {
        MeState::Card => screens::card_screen(ctx, who).await?,
        MeState::Form(form) => person_form::screens::form_screen(ctx, who.lang, form, None),
    };
    Ok((at(here, waiting), screen))
}

/// Every `me:` button, at `state`.
pub async fn on_tap(ctx: &Ctx, who: &Who, state: &State, tap: Cb) -> anyhow::Result<Reply> {
    if ctx.settings.esia.is_on() {
        // «Мои данные» exists only without Gosuslugi.
        return Ok(Reply::stale());
    }
    match (state, tap) {
        (State::Me { waiting, .. }, Cb::Fill) => fill(ctx, who, waiting.clone()).await,
        // «Заполнить свои данные» on the booking's step that waits for them.
        (State::Booking(Here::Flow(flow)), Cb::Fill) if flow.step.resumed().is_some() => {
            fill(ctx, who, Some(flow.clone())).await
        }
        (_, Cb::Fill) => fill(ctx, who, None).await,
        (
            State::Me {
                here: MeState::Form(form),
                waiting,
            },
            Cb::Form(tap),
        ) if form.fits(tap) => on_form_tap(ctx, who, form.clone(), waiting.clone(), tap).await,
        _ => Ok(Reply::stale()),
    }
}

/// The form: from the start the first time, on «Что исправить?» when the data is kept.
async fn fill(ctx: &Ctx, who: &Who, waiting: Option<Box<Flow>>) -> anyhow::Result<Reply> {
    let form = match ctx.store.self_details(who.user_id).await? {
        Some(details) => SelfForm::changing_own(&details),
        None => SelfForm::filling(),
    };
    Ok(Reply::go(at(MeState::Form(form), waiting)))
}

async fn on_form_tap(
    ctx: &Ctx,
    who: &Who,
    mut form: SelfForm,
    waiting: Option<Box<Flow>>,
    tap: Tap,
) -> anyhow::Result<Reply> {
    match form.tap(tap) {
        Tapped::Moved => Ok(Reply::go(at(MeState::Form(form), waiting))),
        Tapped::Leave => Ok(leave(waiting)),
        Tapped::Save => save(ctx, who, form, waiting).await,
    }
}

/// Out of the form: back to the booking that waits, or to the card.
fn leave(waiting: Option<Box<Flow>>) -> Reply {
    match waiting {
        Some(flow) => Reply::go(State::Booking(Here::Flow(flow))),
        None => Reply::go(at(MeState::Card, None)),
    }
}

/// «Сохранить»: kept (sealed), then the booking that waited for it, at its confirmation, or the card.
async fn save(
    ctx: &Ctx,
    who: &Who,
    mut form: SelfForm,
    waiting: Option<Box<Flow>>,
) -> anyhow::Result<Reply> {
    let Some(details) = form.details() else {
        form.ask_missing();
        return Ok(Reply::go(at(MeState::Form(form), waiting)));
    };
    let now = ctx.clock.now().timestamp();
    ctx.store
        .save_self_details(who.user_id, &details, now)
        .await?;
    tracing::info!(user = %crate::telemetry::user_tag(who.user_id), "own data saved");
    let lang = who.lang;
    if let Some(mut flow) = waiting {
        if let Some(step) = flow.step.resumed() {
            flow.step = step;
            return Ok(
                Reply::go(State::Booking(Here::Flow(flow))).toast(t!(lang, "me-saved-resume"))
            );
        }
    }
    Ok(Reply::go(at(MeState::Card, None)).toast(t!(lang, "me-saved")))
}

/// Text while «Мои данные» is on screen: an answer to the question, or a hint to use the buttons.
pub fn on_text(
    ctx: &Ctx,
    who: &Who,
    here: MeState,
    waiting: Option<Box<Flow>>,
    text: Option<&str>,
) -> Reply {
    let MeState::Form(mut form) = here else {
        // A button screen is on display: point to its buttons and leave it where it is.
        return Reply::buttons_only(who.lang);
    };
    let typed = person_form::screens::typed(ctx, who, &mut form, text);
    typed.reply(at(MeState::Form(form), waiting))
}
