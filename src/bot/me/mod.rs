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
use crate::bot::reply::Reply;
use crate::bot::screen::Screen;
use crate::bot::state::State;

pub use cb::Cb;
pub use state::{MeState, SelfForm, Step};

use state::Answer;

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
        MeState::Form(form) => screens::form_screen(ctx, who.lang, form, None),
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
            tap,
        ) if fits(form, tap) => on_form_tap(ctx, who, form.clone(), waiting.clone(), tap).await,
        _ => Ok(Reply::stale()),
    }
}

/// The form: from the start the first time, on «Что исправить?» when the data is kept.
async fn fill(ctx: &Ctx, who: &Who, waiting: Option<Box<Flow>>) -> anyhow::Result<Reply> {
    let form = match ctx.store.self_details(who.user_id).await? {
        Some(details) => SelfForm::changing(&details),
        None => SelfForm::filling(),
    };
    Ok(Reply::go(at(MeState::Form(form), waiting)))
}

/// Whether a form button belongs to the question on screen.
fn fits(form: &SelfForm, tap: Cb) -> bool {
    matches!(
        (tap, form.step),
        (Cb::Kind(_), Step::PolicyKind)
            | (Cb::Save | Cb::Edit | Cb::Close, Step::Summary)
            | (Cb::Fix(_), Step::Fix)
            | (Cb::Back, _)
    )
}

async fn on_form_tap(
    ctx: &Ctx,
    who: &Who,
    mut form: SelfForm,
    waiting: Option<Box<Flow>>,
    tap: Cb,
) -> anyhow::Result<Reply> {
    match tap {
        Cb::Kind(kind) => form.choose_kind(kind),
        Cb::Back => match form.back() {
            Some(step) => form.go(step),
            None => return Ok(leave(waiting)),
        },
        Cb::Edit => form.go(Step::Fix),
        Cb::Fix(field) => form.fix(field),
        Cb::Close => return Ok(leave(waiting)),
        Cb::Save => return save(ctx, who, form, waiting).await,
        Cb::Fill => return Ok(Reply::stale()),
    }
    Ok(Reply::go(at(MeState::Form(form), waiting)))
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
        form.go(form.first_missing().unwrap_or(Step::Name));
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
pub async fn on_text(
    ctx: &Ctx,
    who: &Who,
    here: MeState,
    waiting: Option<Box<Flow>>,
    text: Option<&str>,
) -> anyhow::Result<Reply> {
    let lang = who.lang;
    let MeState::Form(mut form) = here else {
        return Ok(Reply::go(at(here, waiting)).toast(t!(lang, "unexpected-text")));
    };
    let Some(text) = text else {
        return Ok(Reply::go(at(MeState::Form(form), waiting)).toast(t!(lang, "child-send-text")));
    };
    let today = crate::domain::local_today(ctx.clock.now(), ctx.settings.region_tz);
    let asked = form.step;
    Ok(match form.answer(text, today) {
        Answer::Taken => Reply::go(at(MeState::Form(form), waiting)),
        Answer::ButtonsOnly => {
            Reply::go(at(MeState::Form(form), waiting)).toast(t!(lang, "child-use-buttons"))
        }
        Answer::Refused(problem) => {
            // Only the kind of mistake is logged, never the text.
            tracing::debug!(user = %crate::telemetry::user_tag(who.user_id), step = ?asked, error = problem.0, "answer refused");
            let warning = screens::refused_screen(lang, &problem);
            Reply::show(at(MeState::Form(form), waiting), warning)
        }
    })
}
