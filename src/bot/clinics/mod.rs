//! Journey 4: «Записаться» → district → clinic type → clinics, paged → the clinic card (address, phone, a
//! map pin on request). One message is edited in place all the way; «Назад» returns to the previous list.
//!
//! A button fits only the step it was shown on ([`Step::accepts`]); any other tap is stale and re-shows the
//! current step. The booking journey starts from the card: «Записаться» there is booking's state at that
//! clinic.
//!
//! The parts: [`cb`] (the buttons), [`state`] (the steps and what needs no registry), `registry` (the calls,
//! bounded in time), `screens` (drawing), and here what a tap answers.

pub mod cb;
mod registry;
mod screens;
pub mod state;

use crate::t;

use crate::bot::booking::state::Here;
use crate::bot::ctx::{Ctx, Who};
use crate::bot::reply::{Extra, Reply};
use crate::bot::screen::{log_registry_error, registry_failure, Screen};
use crate::bot::state::State;

pub use cb::{Cb, Tag};
pub use state::{Step, PAGE_SIZE};

/// «Записаться» in the main menu: the districts.
pub async fn start(ctx: &Ctx, who: &Who) -> anyhow::Result<Reply> {
    let (state, mut screen) = render(ctx, who, Step::Districts).await?;
    // Each person's own clinic first, above the districts.
    let mine = crate::bot::booking::shortcuts::my_clinic_buttons(ctx, who).await?;
    screen.keyboard.splice(0..0, mine);
    let screen = crate::bot::booking::identity::gate(ctx, who, screen).await?;
    Ok(Reply::show(state, screen))
}

/// Every `cl:` button, at `state`.
pub async fn on_tap(ctx: &Ctx, who: &Who, state: &State, tap: Cb) -> anyhow::Result<Reply> {
    let State::Clinics(step) = state else {
        return Ok(Reply::stale());
    };
    if !step.accepts(&tap) {
        return Ok(Reply::stale());
    }
    let reply = match tap {
        Cb::Map => map_pin(ctx, who, step).await,
        Cb::Book => book(step),
        tap => match registry::next_step(ctx, step, tap).await {
            Ok(Some(next)) => Reply::go(State::Clinics(next)),
            // What the button named is no longer in the registry: the step again, refreshed.
            Ok(None) => Reply::go(state.clone()),
            Err(err) => {
                log_registry_error("clinics", &err);
                Reply::show(state.clone(), failure(ctx, who, &err))
            }
        },
    };
    Ok(reply)
}

/// The screen of `step`, or the «временно недоступен» screen (with «Повторить») when the registry fails.
pub async fn render(ctx: &Ctx, who: &Who, step: Step) -> anyhow::Result<(State, Screen)> {
    // The kinds come in the order that fits the person booked for: a child's kinds first for a child.
    let age = match step {
        Step::Kinds { .. } => person_age(ctx, who).await?,
        _ => None,
    };
    let screen = match screens::draw(ctx, who.lang, age, &step).await {
        Ok(screen) => screen,
        Err(err) => {
            log_registry_error("clinics", &err);
            failure(ctx, who, &err)
        }
    };
    Ok((State::Clinics(step), screen))
}

/// The age today of the person booked for; `None` when unknown.
async fn person_age(ctx: &Ctx, who: &Who) -> anyhow::Result<Option<u32>> {
    use crate::bot::booking::person::ForWhom;
    use crate::bot::ctx::today;
    let person = ForWhom::active(ctx, who).await?;
    Ok(person.birth.map(|birth| birth.age_on(today(ctx))))
}

fn failure(ctx: &Ctx, who: &Who, err: &crate::registry::RegistryError) -> Screen {
    registry_failure(ctx, who.lang, err, screens::cb(Cb::Retry))
}

/// «📍 На карте»: the clinic as a venue (a map pin with its name and address) under the card.
async fn map_pin(ctx: &Ctx, who: &Who, step: &Step) -> Reply {
    let Step::Card { clinic, .. } = step else {
        return Reply::stale();
    };
    let clinic = match registry::clinic(ctx, *clinic).await {
        Ok(clinic) => clinic,
        Err(err) => {
            log_registry_error("clinics", &err);
            return Reply::stay().toast(t!(who.lang, "registry-unavailable"));
        }
    };
    let Some((latitude, longitude)) = clinic.coordinates() else {
        return Reply::stay().toast(t!(who.lang, "clinics-no-coordinates"));
    };
    Reply::stay().with(Extra::Venue {
        latitude,
        longitude,
        title: clinic.display_name().to_owned(),
        address: clinic.address.clone().unwrap_or_default(),
    })
}

/// «Записаться» on the card: the booking journey (specialty → doctor → day → time) at this clinic, with
/// «Назад» to this card.
fn book(step: &Step) -> Reply {
    let Step::Card { clinic, .. } = step else {
        return Reply::stale();
    };
    Reply::go(State::Booking(Here::at_clinic(*clinic, Some(step.clone()))))
}
