//! The screen of a [`State`]: what the shell shows for [`super::reply::Next::Go`], after «Повторить», and
//! when a button is stale. Every journey draws its own steps; this only picks the journey.

use super::booking::Here;
use super::ctx::{Ctx, Who};
use super::screen::Screen;
use super::state::State;
use super::{appointments, booking, children, settings, start, watch};

/// A state drawn: the state to store (a step whose subject is gone becomes the step before it) and its
/// screen. `Legacy` is a journey that still draws itself (it is shown as a new message by the shell).
pub enum Drawn {
    Screen(State, Screen),
    Legacy(State),
}

pub async fn render(ctx: &Ctx, who: &Who, state: State) -> anyhow::Result<Drawn> {
    let drawn = match state {
        State::Start if !who.consented => {
            Drawn::Screen(State::Start, start::consent_screen(ctx, who))
        }
        State::Start | State::Menu | State::Stale => {
            Drawn::Screen(State::Menu, start::menu(ctx, who).await?)
        }
        State::Settings => Drawn::Screen(State::Settings, settings::settings_screen(ctx, who)),
        State::ConfirmForget => {
            Drawn::Screen(State::ConfirmForget, settings::forget_screen(ctx, who))
        }
        State::Booking(Here::Flow(flow)) => {
            let (state, screen) = booking::draw(ctx, who, *flow, None).await?;
            Drawn::Screen(state, screen)
        }
        State::Booking(here) => {
            let (state, screen) = appointments::render(ctx, who, &here).await?;
            Drawn::Screen(state, screen)
        }
        State::Watches => Drawn::Screen(State::Watches, watch::list_screen(ctx, who, None).await?),
        State::Children(here) => {
            let (here, screen) = children::render(ctx, who, here).await?;
            Drawn::Screen(State::Children(here), screen)
        }
        other => Drawn::Legacy(other),
    };
    Ok(drawn)
}
