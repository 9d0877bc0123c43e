//! The screen of a [`State`]: what the shell shows for [`super::reply::Next::Go`], after «Повторить», and
//! when a button is stale. Every journey draws its own steps; this only picks the journey.

use super::booking::Here;
use super::ctx::{Ctx, Who};
use super::screen::Screen;
use super::state::State;
use super::{appointments, booking, children, clinics, gosuslugi, me, settings, start, watch};

/// A state drawn: the state to store (a step whose subject is gone becomes the step before it) and its
/// screen.
pub async fn render(ctx: &Ctx, who: &Who, state: State) -> anyhow::Result<(State, Screen)> {
    Ok(match state {
        State::Start if !who.consented => (State::Start, start::consent_screen(ctx, who)),
        State::Start | State::Menu | State::Stale => (State::Menu, start::menu(ctx, who).await?),
        State::Settings => (State::Settings, settings::settings_screen(ctx, who)),
        State::ConfirmForget => (State::ConfirmForget, settings::forget_screen(ctx, who)),
        State::Booking(Here::Flow(flow)) => booking::draw(ctx, who, *flow, None).await?,
        State::Booking(Here::Which { .. }) => (State::Menu, start::menu(ctx, who).await?),
        State::Booking(here) => appointments::render(ctx, who, &here).await?,
        State::Watches => (State::Watches, watch::list_screen(ctx, who, None).await?),
        State::WatchForm(form) => watch::form::render(ctx, who, *form).await?,
        State::Children(here) => {
            let (here, screen) = children::render(ctx, who, here).await?;
            (State::Children(here), screen)
        }
        State::Clinics(step) => clinics::render(ctx, who, step).await?,
        State::Gosuslugi(step) => gosuslugi::render(ctx, who, step).await?,
        State::Me { here, waiting } => me::render(ctx, who, here, waiting).await?,
    })
}
