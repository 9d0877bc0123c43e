//! The screen of a [`State`]: what the shell shows for [`super::reply::Next::Go`], after «Повторить», and
//! when a button is stale. Every journey draws its own steps; this only picks the journey.

use super::ctx::{Ctx, Who};
use super::screen::Screen;
use super::state::State;
use super::{clinics, gosuslugi, settings, start};

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
        State::Clinics(step) => {
            let (state, screen) = clinics::render(ctx, who, step).await?;
            Drawn::Screen(state, screen)
        }
        State::Gosuslugi(step) => {
            let (state, screen) = gosuslugi::render(ctx, who, step).await?;
            Drawn::Screen(state, screen)
        }
        other => Drawn::Legacy(other),
    };
    Ok(drawn)
}
