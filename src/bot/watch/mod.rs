//! Journey 8, slot watches (issue 16): «Ждать талон» for the user or one of their children.
//!
//! The doctor's days screen and the specialty's doctors screen offer «Ждать талон» whether or not slots
//! exist (at the limit of [`MAX_WATCHES`], a line says so instead). The form ([`form`]) asks for whom
//! (the person booking is for, one tap to another), when a slot suits (presets or a typed window), and
//! whether to book by itself; it states the limits. «Мои ожидания» ([`list`]) groups the watches by person,
//! each with its window and status, and changes, pauses or stops them. The worker's notices ([`alert`])
//! book the slot for the WATCH's person («Записать»), skip it («Пропустить этот»), or open the booking.
//!
//! Bottom up: [`cb`] (buttons), [`state`] (the form), `labels` (texts of windows and people), the screens
//! and taps of [`form`], [`list`] and [`alert`]; here, where a tap goes and the booking's offer.

pub(in crate::bot) mod alert;
pub mod cb;
pub mod form;
mod labels;
pub(in crate::bot) mod list;
pub mod state;

use teloxide::types::InlineKeyboardButton;

use crate::bot::booking::cb::Cb as BookingCb;
use crate::bot::booking::state::{Choice, Flow, Step};
use crate::bot::callback::Cb as AnyCb;
use crate::bot::ctx::{Ctx, Who};
use crate::bot::reply::Reply;
use crate::bot::screen::button;
use crate::i18n::Lang;
use crate::store::MAX_WATCHES;
use crate::t;

pub use alert::{expired_notice, found_notice, Found};
pub use cb::Cb;
pub use labels::{person_name, what_label};
pub use list::list_screen;
pub use state::Form;

fn cb(inner: Cb) -> AnyCb {
    AnyCb::Watch(inner)
}

/// What the booking step on display would watch: a doctor (days screen) or a whole specialty (doctors).
pub fn target(step: &Step) -> Option<(Choice, Option<Choice>)> {
    match step {
        Step::Days {
            specialty, doctor, ..
        } => Some((specialty.clone(), Some(doctor.clone()))),
        Step::Doctors { specialty, .. } => Some((specialty.clone(), None)),
        _ => None,
    }
}

/// The offer on a booking screen: the «Ждать талон» button, or (at the limit, when the active person
/// has no watch of this target to change) the line saying so.
#[derive(Debug, Default)]
pub struct Offer {
    pub button: Option<InlineKeyboardButton>,
    pub line: Option<String>,
}

impl Offer {
    /// `body` with the offer's line under it.
    pub fn under(&self, body: String) -> String {
        match &self.line {
            Some(line) => format!("{body}\n\n{line}"),
            None => body,
        }
    }
}

/// The offer of the booking step on display at `clinic` (nothing where the step watches nothing).
pub async fn offer(ctx: &Ctx, user_id: i64, lang: Lang, clinic: i64, step: &Step) -> Offer {
    match try_offer(ctx, user_id, lang, clinic, step).await {
        Ok(offer) => offer,
        Err(err) => {
            // The booking screen matters more than the offer on it.
            tracing::warn!(user = %crate::telemetry::user_tag(user_id), error = %err, "watch: cannot draw the offer");
            Offer::default()
        }
    }
}

async fn try_offer(
    ctx: &Ctx,
    user_id: i64,
    lang: Lang,
    clinic: i64,
    step: &Step,
) -> anyhow::Result<Offer> {
    let Some((specialty, doctor)) = target(step) else {
        return Ok(Offer::default());
    };
    // The person the booking is for may be waiting here already: then the button changes that watch.
    let child = crate::bot::booking::person::active_child(ctx, user_id).await?;
    let doctor_id = doctor.as_ref().map(|d| d.id.as_str());
    let waiting = ctx
        .store
        .person_watch(user_id, child, clinic, &specialty.id, doctor_id)
        .await?
        .is_some_and(|w| w.status.is_live());
    if !waiting && ctx.store.watches_left(user_id).await? == 0 {
        return Ok(Offer {
            button: None,
            line: Some(t!(lang, "watch-limit-line", max = MAX_WATCHES)),
        });
    }
    let label = match waiting {
        true => t!(lang, "watch-btn-offer-change"),
        false => t!(lang, "watch-btn-offer"),
    };
    Ok(Offer {
        button: Some(button(label, AnyCb::Booking(BookingCb::Watch))),
        line: None,
    })
}

/// «Ждать талон» on a booking screen: the form, for the person the booking is for.
pub async fn open_from_booking(ctx: &Ctx, who: &Who, flow: &Flow) -> anyhow::Result<Reply> {
    form::open(ctx, who, flow).await
}

/// Every `wt:` button, whatever the dialogue is doing.
pub async fn on_tap(
    ctx: &Ctx,
    who: &Who,
    state: &crate::bot::state::State,
    tap: Cb,
) -> anyhow::Result<Reply> {
    match tap {
        Cb::Book(id, tag) => alert::book(ctx, who, id, tag).await,
        Cb::Skip(id, tag) => alert::skip(ctx, who, id, tag).await,
        Cb::Open(id) => alert::open(ctx, who, id).await,
        Cb::List | Cb::Card(_) | Cb::Pause(_) | Cb::AutoBook(_) | Cb::Stop(_) | Cb::Edit(_) => {
            list::on_tap(ctx, who, tap).await
        }
        Cb::For(_)
        | Cb::Preset(_)
        | Cb::Typed
        | Cb::FormAuto
        | Cb::FormRebook
        | Cb::Done
        | Cb::Cancel => form::on_tap(ctx, who, state, tap).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::booking::state::tests::choice;
    use crate::bot::callback::{assert_garbage_refused, assert_round_trips, assert_spelled};

    #[test]
    fn every_button_keeps_its_spelling() {
        assert_spelled(&[
            "wt:b:7:000000ab",
            "wt:s:7:000000ab",
            "wt:o:7",
            "wt:x:7",
            "wt:l",
            "wt:c:7",
            "wt:p:7",
            "wt:a:7",
            "wt:e:7",
            "wt:f:0",
            "wt:w:2",
            "wt:t",
            "wt:fa",
            "wt:fr",
            "wt:d",
            "wt:q",
        ]);
    }

    #[test]
    fn buttons_round_trip_and_garbage_is_refused() {
        let big = (1i64 << 53) - 1;
        assert_round_trips(
            [
                Cb::Book(1, 0),
                Cb::Book(big, u32::MAX),
                Cb::Skip(big, cb::slot_tag("ab-17_2026-12-01_09:00:00")),
                Cb::Open(big),
                Cb::Stop(big),
                Cb::List,
                Cb::Card(3),
                Cb::Pause(4),
                Cb::AutoBook(5),
                Cb::Edit(6),
                Cb::For(0),
                Cb::For(big),
                Cb::Preset(3),
                Cb::Typed,
                Cb::FormAuto,
                Cb::FormRebook,
                Cb::Done,
                Cb::Cancel,
            ]
            .map(cb),
        );
        assert_garbage_refused(
            crate::bot::callback::Cb::decode,
            &[
                "wt",
                "wt:",
                "wt:b",
                "wt:b:",
                "wt:b:x",
                "wt:b:-1",
                "wt:b:0",
                "wt:x:1:2",
                "wt:l:1",
                "wt:q:1",
                "wt:b:1:zz",
                "wt:b:1:123",
                "wt:f:-1",
                "wt:w:10",
                "wt:w:x",
            ],
        );
    }

    #[test]
    fn an_old_notice_button_opens_the_booking() {
        assert_eq!(Cb::decode(&["b", "7"]), Some(Cb::Open(7)));
    }

    #[test]
    fn a_watch_targets_the_doctor_on_the_days_screen_and_the_specialty_on_the_doctors() {
        let specialty = choice("109", "Терапевт");
        let doctor = choice("ab-17", "Смирнова Елена Викторовна");
        assert_eq!(
            target(&Step::Days {
                specialty: specialty.clone(),
                doctor: doctor.clone(),
                week: None,
            }),
            Some((specialty.clone(), Some(doctor)))
        );
        assert_eq!(
            target(&Step::Doctors {
                specialty: specialty.clone(),
                page: 2
            }),
            Some((specialty, None))
        );
        assert_eq!(target(&Step::Specialties { page: 1 }), None);
    }
}
