//! Journeys 5 and 6: book a visit, see and cancel appointments.
//!
//! Booking starts on a clinic card («Записаться») and goes specialty → doctor → day → time → a confirmation
//! card → «Подтвердить», one message edited in place, «Назад» at every step. Registry ids never go into
//! button data: the screen on display remembers, in the dialogue state, what its numbered buttons stand
//! for (`Flow::keys`), and a button carries the number. Slot ids (opaque, possibly longer than 64 bytes)
//! stay server-side the same way.
//!
//! «Подтвердить» carries a random token that a fresh confirmation screen gets each time it is drawn. The
//! first tap claims it in the store (atomically, whatever instance handles it); a double tap finds it
//! claimed and books nothing. Booking needs a confirmed Gosuslugi account ([`gosuslugi_person`]); without
//! one the user is sent to log in, the chosen slot waits in the dialogue state, and after the login
//! ([`resume_after_link`]) the same confirmation comes back.
//!
//! «Мои записи» merges the visits stored here with the registry's `/appointments` for every (person,
//! clinic) pair the bot knows, so visits booked elsewhere appear too (stored as `source = registry`); each
//! can be cancelled after a confirmation (registry first, then the store, which drops the reminders).

use crate::t;

use crate::bot::clinics::state as clinics;
use crate::bot::ctx::{Ctx, Who};
use crate::bot::reply::Reply;
use crate::bot::screen::{log_registry_error, registry_failure, Screen};
use crate::bot::state::State;
use crate::bot::watch;
use crate::registry::RegistryResult;

pub(in crate::bot) mod ask;
pub mod cb;
mod confirm;
mod days;
mod draw;
pub(in crate::bot) mod identity;
pub(in crate::bot) mod person;
pub(in crate::bot) mod registry;
mod schedule;
pub(in crate::bot) mod screens;
pub(in crate::bot) mod shortcuts;
mod soonest;
pub mod state;

pub use cb::Cb;
pub use confirm::resume_after_link;
pub use identity::{gosuslugi_person, BookingIdentity};
pub(in crate::bot) use screens::cb;
pub use state::{Choice, Chosen, Flow, Here, PickedSlot, Step};

use crate::registry::listed;

// ---------------------------------------------------------------------------------------------------------
// Taps

/// A `bk:` button of the booking itself (the «Мои записи» ones go to [`crate::bot::appointments`]).
pub async fn on_tap(ctx: &Ctx, who: &Who, state: &State, tap: Cb) -> anyhow::Result<Reply> {
    if let Cb::Confirm(token) = tap {
        return match state {
            State::Booking(Here::Flow(flow)) if flow.step.confirms(token) => {
                confirm::confirm(ctx, who, (**flow).clone()).await
            }
            _ => confirm::confirm_elsewhere(ctx, who, token).await,
        };
    }
    // The shortcuts start a booking from anywhere.
    match tap {
        Cb::Again(n, lpu) => return shortcuts::again(ctx, who, n, lpu).await,
        Cb::AtClinic(lpu, child) => {
            if !ctx.store.set_active_person(who.user_id, child).await? {
                return Ok(Reply::stale());
            }
            return show(ctx, who, at_clinic(lpu), None).await;
        }
        _ => {}
    }
    if let (Cb::Person(child), State::Booking(Here::Which { text })) = (tap, state) {
        return ask::answered(ctx, who, text, child).await;
    }
    let State::Booking(Here::Flow(flow)) = state else {
        return Ok(Reply::stale());
    };
    if !tap.fits(&flow.step) {
        return Ok(Reply::stale());
    }
    match tap {
        Cb::Back if flow.step.back().is_none() => return Ok(back_to_clinic(flow)),
        Cb::OtherClinic => return Ok(Reply::go(State::Clinics(clinics::Step::Districts))),
        Cb::Resume => return confirm::resume(ctx, who, (**flow).clone()).await,
        Cb::Person(child) => {
            if !ctx.store.set_active_person(who.user_id, child).await? {
                return Ok(Reply::stale());
            }
            return show(ctx, who, (**flow).clone(), None).await;
        }
        Cb::Watch | Cb::Unwatch => return watch::open_from_booking(ctx, who, flow).await,
        _ => {}
    }
    let mut next = (**flow).clone();
    let mut notice = None;
    match next_step(ctx, flow, tap).await {
        Ok(Some(step)) => next.step = step,
        // What the button named is gone from the registry: the same step again, refreshed.
        Ok(None) => notice = Some(t!(who.lang, "booking-gone")),
        Err(err) => {
            log_registry_error("booking", &err);
            let screen = registry_failure(ctx, who.lang, &err, cb(Cb::Retry));
            return Ok(Reply::show(state.clone(), screen));
        }
    }
    show(ctx, who, next, notice).await
}

/// Where a fitting tap leads; `None` when what it named has vanished.
async fn next_step(ctx: &Ctx, flow: &Flow, tap: Cb) -> RegistryResult<Option<Step>> {
    let key = |n: u16| flow.keys.get(usize::from(n)).cloned();
    let next = match (tap, flow.step.clone()) {
        (Cb::Retry, step) => Some(step),
        (Cb::Back, step) => step.back(),
        (Cb::SpecialtyPage(page), Step::Specialties { .. }) => Some(Step::Specialties { page }),
        (Cb::Specialty(n), Step::Specialties { .. }) => match key(n) {
            None => None,
            Some(id) => pick_specialty(ctx, flow, &id).await?,
        },
        (Cb::Soonest, Step::Doctors { specialty, .. }) => Some(Step::Soonest { specialty }),
        (Cb::Time(n), Step::Soonest { specialty }) => match key(n) {
            None => None,
            Some(id) => soonest::find(ctx, flow.clinic, &specialty, &id).await?,
        },
        (Cb::DoctorPage(page), Step::Doctors { specialty, .. }) => {
            Some(Step::Doctors { specialty, page })
        }
        (Cb::Doctor(n), Step::Doctors { specialty, .. }) => match key(n) {
            None => None,
            Some(id) => pick_doctor(ctx, flow, specialty, &id).await?,
        },
        (Cb::Day(day), step) => on_days(step, |specialty, doctor| Step::Times {
            specialty,
            doctor,
            day,
        }),
        (Cb::Week(monday), step) => on_days(step, |specialty, doctor| Step::Days {
            specialty,
            doctor,
            week: Some(monday),
        }),
        (Cb::Time(n), step) => match key(n) {
            None => None,
            Some(id) => pick_time(ctx, flow, step, &id).await?,
        },
        _ => None,
    };
    Ok(next)
}

/// A specialty by its registry id: its doctors, from the first page.
async fn pick_specialty(ctx: &Ctx, flow: &Flow, id: &str) -> RegistryResult<Option<Step>> {
    Ok(listed(ctx.registry.specialties(flow.clinic))
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .map(|s| Step::Doctors {
            specialty: Choice {
                id: s.id,
                name: s.name,
            },
            page: 1,
        }))
}

/// A doctor by their registry id: their days, from the first week.
async fn pick_doctor(
    ctx: &Ctx,
    flow: &Flow,
    specialty: Choice,
    id: &str,
) -> RegistryResult<Option<Step>> {
    Ok(listed(ctx.registry.doctors(flow.clinic, &specialty.id))
        .await?
        .into_iter()
        .find(|d| d.id == id)
        .map(|d| Step::Days {
            specialty,
            doctor: Choice {
                name: d.full_name(),
                id: d.id,
            },
            week: None,
        }))
}

/// A day or a week tapped on the days screen: the step `to` makes of its specialty and doctor.
fn on_days(step: Step, to: impl FnOnce(Choice, Choice) -> Step) -> Option<Step> {
    match step {
        Step::Days {
            specialty, doctor, ..
        } => Some(to(specialty, doctor)),
        _ => None,
    }
}

/// A time by its slot id, on the times screen or among the soonest on the days screen: its confirmation.
async fn pick_time(ctx: &Ctx, flow: &Flow, step: Step, id: &str) -> RegistryResult<Option<Step>> {
    let (Step::Times {
        specialty, doctor, ..
    }
    | Step::Days {
        specialty, doctor, ..
    }) = step
    else {
        return Ok(None);
    };
    Ok(listed(ctx.registry.slots(flow.clinic, &doctor.id))
        .await?
        .iter()
        .find(|s| s.id == id)
        .map(|s| {
            Step::confirm(Chosen {
                specialty,
                doctor,
                slot: PickedSlot::of(s),
            })
        }))
}

/// `flow`'s step drawn (with the keys of its buttons and a fresh token) and stored. Stored even when the
/// registry failed: «Повторить» retries this very step.
pub(in crate::bot) async fn show(
    ctx: &Ctx,
    who: &Who,
    flow: Flow,
    notice: Option<String>,
) -> anyhow::Result<Reply> {
    let (state, screen) = draw(ctx, who, flow, notice).await?;
    Ok(Reply::show(state, screen))
}

/// The screen of `flow`'s step, and the state to store with it.
pub async fn draw(
    ctx: &Ctx,
    who: &Who,
    mut flow: Flow,
    notice: Option<String>,
) -> anyhow::Result<(State, Screen)> {
    let screen = draw::render(ctx, who, &mut flow, notice).await?;
    Ok((State::Booking(Here::Flow(Box::new(flow))), screen))
}

/// A `t.me/<bot>?start=…` link: its clinic's specialties, a specialty's doctors or a doctor's days. What
/// the registry no longer has opens the clinic, said so.
pub async fn open_link(
    ctx: &Ctx,
    who: &Who,
    link: crate::domain::DeepLink,
) -> anyhow::Result<Reply> {
    use crate::domain::DeepLink;
    let lpu = link.lpu();
    let (specialty_id, doctor_id) = match &link {
        DeepLink::Clinic { .. } => return show(ctx, who, at_clinic(lpu), None).await,
        DeepLink::Specialty { specialty, .. } => (specialty.clone(), None),
        DeepLink::Doctor {
            specialty, doctor, ..
        } => (specialty.clone(), Some(doctor.clone())),
    };
    let gone = || t!(who.lang, "booking-link-gone");
    let Ok(list) = listed(ctx.registry.specialties(lpu)).await else {
        return show(ctx, who, at_clinic(lpu), Some(gone())).await;
    };
    let Some(found) = list.into_iter().find(|s| s.id == specialty_id) else {
        return show(ctx, who, at_clinic(lpu), Some(gone())).await;
    };
    let specialty = Choice {
        id: found.id,
        name: found.name,
    };
    let step = match doctor_id {
        None => Step::Doctors { specialty, page: 1 },
        Some(id) => {
            let found = listed(ctx.registry.doctors(lpu, &specialty.id))
                .await
                .ok()
                .and_then(|list| list.into_iter().find(|d| d.id == id));
            let Some(doctor) = found else {
                return show(ctx, who, at_clinic(lpu), Some(gone())).await;
            };
            Step::Days {
                specialty,
                doctor: Choice {
                    name: doctor.full_name(),
                    id: doctor.id,
                },
                week: None,
            }
        }
    };
    let flow = Flow::at(lpu, step);
    show(ctx, who, flow, None).await
}

/// Booking at `lpu` from its specialties, with «Назад» to the districts.
fn at_clinic(lpu: i64) -> Flow {
    Flow::at(lpu, Step::Specialties { page: 1 })
}

/// «Назад» from the specialties: the clinic card again (or the districts when the card is unknown).
fn back_to_clinic(flow: &Flow) -> Reply {
    let step = flow.from.clone().unwrap_or(clinics::Step::Districts);
    Reply::go(State::Clinics(step))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::callback::{assert_garbage_refused, assert_round_trips};
    use chrono::NaiveDate;
    use state::tests::choice;

    fn all() -> Vec<Cb> {
        let big = screens::MAX_TOKEN - 1;
        vec![
            Cb::Specialty(0),
            Cb::Specialty(u16::MAX),
            Cb::SpecialtyPage(1),
            Cb::SpecialtyPage(9999),
            Cb::Doctor(7),
            Cb::DoctorPage(3),
            Cb::Day(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()),
            Cb::Week(NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()),
            Cb::Week(NaiveDate::from_ymd_opt(9999, 12, 27).unwrap()),
            Cb::Time(65_535),
            Cb::Soonest,
            Cb::Confirm(big),
            Cb::Back,
            Cb::Retry,
            Cb::Resume,
            Cb::Person(None),
            Cb::Again(0, big),
            Cb::Again(u16::MAX, 1),
            Cb::AtClinic(big, None),
            Cb::AtClinic(1, Some(big)),
            Cb::Person(Some(big)),
            Cb::OtherClinic,
            Cb::Appointments,
            Cb::Cancel(big),
            Cb::CancelYes(big),
            Cb::CancelNo,
        ]
    }

    #[test]
    fn every_button_round_trips_within_64_bytes() {
        assert_round_trips(all().into_iter().map(cb));
    }

    #[test]
    fn garbage_does_not_decode() {
        assert_garbage_refused(
            crate::bot::callback::Cb::decode,
            &[
                "bk",
                "bk:",
                "bk:s",
                "bk:s:",
                "bk:s:-1",
                "bk:s:65536",
                "bk:s:+1",
                "bk:sp:0",
                "bk:sp:10000",
                "bk:day:20261301",
                "bk:day:2026121",
                "bk:day:2026-12-01",
                "bk:wk:20261201",
                "bk:wk:2026113",
                "bk:wk:20261330",
                "bk:wk:",
                "bk:ok:0",
                "bk:ok:abc",
                "bk:ok:99999999999999999",
                "bk:x:0",
                "bk:b:1",
                "bk:zz",
                "bk:🙂",
            ],
        );
    }

    #[test]
    fn a_button_fits_only_its_own_step() {
        let choice = choice("1", "x");
        let days = Step::Days {
            specialty: choice.clone(),
            doctor: choice.clone(),
            week: None,
        };
        assert!(Cb::Specialty(0).fits(&Step::Specialties { page: 1 }));
        assert!(Cb::Week(NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()).fits(&days));
        assert!(!Cb::Week(NaiveDate::from_ymd_opt(2026, 11, 30).unwrap())
            .fits(&Step::Specialties { page: 1 }));
        assert!(!Cb::Specialty(0).fits(&days));
        assert!(Cb::Day(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()).fits(&days));
        // The soonest times are offered on the days too.
        assert!(Cb::Time(0).fits(&days));
        assert!(!Cb::Time(0).fits(&Step::Specialties { page: 1 }));
        assert!(Cb::Back.fits(&days));
        assert!(!Cb::Resume.fits(&days));
    }

    #[test]
    fn back_walks_the_steps_in_reverse() {
        let choice = choice("1", "x");
        let slot = PickedSlot {
            id: "s".repeat(200),
            start: NaiveDate::from_ymd_opt(2026, 12, 1)
                .unwrap()
                .and_hms_opt(9, 30, 0)
                .unwrap(),
            end: None,
            room: None,
            address: None,
            number: None,
        };
        let confirm = Step::confirm(Chosen {
            specialty: choice.clone(),
            doctor: choice.clone(),
            slot,
        });
        let times = confirm.back().unwrap();
        assert!(
            matches!(times, Step::Times { day, .. } if day == NaiveDate::from_ymd_opt(2026, 12, 1).unwrap())
        );
        let days = times.back().unwrap();
        // Back from the times of Tuesday 01.12 is the days of its week, from Monday 30.11.
        assert!(
            matches!(days, Step::Days { week: Some(monday), .. } if monday == NaiveDate::from_ymd_opt(2026, 11, 30).unwrap())
        );
        assert!(matches!(
            days.back().unwrap(),
            Step::Doctors { page: 1, .. }
        ));
        assert_eq!(
            Step::Doctors {
                specialty: choice,
                page: 2
            }
            .back(),
            Some(Step::Specialties { page: 1 })
        );
        assert_eq!(Step::Specialties { page: 1 }.back(), None);
    }
}
