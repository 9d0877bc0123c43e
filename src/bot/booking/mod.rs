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

use chrono::{Datelike, Duration as Days, NaiveDate, NaiveDateTime, NaiveTime};
use rand::Rng;
use serde::{Deserialize, Serialize};
use teloxide::dispatching::dialogue::Storage;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InputFile};

use crate::domain::{local_today, short_note, Area, BirthDate, FullName};
use crate::i18n::{escape_html, Lang};
use crate::registry::within_deadline;
use crate::registry::{
    AppointmentCreate, Doctor, OrEmpty, PatientQuery, RegistryError, RegistryResult, Slot,
    Specialty, TimetableDay,
};
use crate::store::dialogue::DialogueStorage;
use crate::store::{ActivePerson, Appointment, AppointmentDetails, Intent, NewIntent};
use crate::t;

use super::legacy::stale_button;
use super::screen::button;
use super::{clinics, reminders, save, BotDialogue, Ctx, HandlerResult, Screen, State, Who};

/// Specialties on one page.
const SPECIALTIES_PER_PAGE: usize = 8;
/// Doctors on one page.
const DOCTORS_PER_PAGE: usize = 6;
/// Days with free slots offered at least: today and the next 29, or up to the doctor's `lastDate` when that
/// is later (schedules open about 30 days ahead).
const MIN_DAYS_AHEAD: i64 = 30;
/// … and at most this many, whatever date the registry names.
const MAX_DAYS_AHEAD: i64 = 180;
/// At most this many (person, clinic) pairs are asked for their visits when «Мои записи» opens.
/// Tokens stay below 2^53, like every id that travels in button data.
const MAX_TOKEN: i64 = 1 << 53;

mod confirm;
mod schedule;
mod screens;

pub(in crate::bot) use confirm::*;
pub use confirm::{resume_after_link, BookingIdentity};
pub(in crate::bot) use schedule::*;
pub(in crate::bot) use screens::*;
// «Мои записи» shares the journey's buttons (`bk:a`, `bk:x…`) and its state (`Here::Appointments`).
use crate::bot::appointments::{appointments_screen, cancel, cancel_screen};
pub use crate::bot::appointments::{ask_cancel, show_appointments};

// ---------------------------------------------------------------------------------------------------------
// Where the user is

/// This journey's part of the dialogue state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Here {
    /// Booking at one clinic.
    Flow(Box<Flow>),
    /// «Мои записи» is on screen.
    Appointments,
    /// «Отменить запись?» waits for a yes or no about the appointment `id` (the store's id).
    ConfirmCancel { id: i64 },
    /// The list of slot watches («Ожидание талонов») is on screen.
    Watches,
}

impl Here {
    /// Booking at `clinic` from its first step (the specialties), started on the clinic card `from`.
    pub fn at_clinic(clinic: i64, from: Option<clinics::Step>) -> Here {
        Here::Flow(Box::new(Flow {
            clinic,
            from,
            step: Step::Specialties { page: 1 },
            keys: Vec::new(),
        }))
    }
}

/// A booking in progress at `clinic`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    pub clinic: i64,
    /// The clinic card the journey started from, for «Назад» from the specialties.
    pub from: Option<clinics::Step>,
    pub step: Step,
    /// What the numbered buttons of the screen on display stand for (registry ids), in order.
    #[serde(default)]
    pub keys: Vec<String>,
}

/// A specialty or a doctor as chosen: the registry's id and the name to show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub id: String,
    pub name: String,
}

/// The slot chosen, kept whole: its id is opaque and booking needs the rest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickedSlot {
    pub id: String,
    /// The region's local time.
    pub start: NaiveDateTime,
    pub end: Option<NaiveDateTime>,
    pub room: Option<String>,
    pub address: Option<String>,
    pub number: Option<String>,
}

impl PickedSlot {
    fn of(slot: &Slot) -> PickedSlot {
        PickedSlot {
            id: slot.id.clone(),
            start: slot.visit_start,
            end: slot.visit_end,
            room: slot.room.clone(),
            address: slot.address.clone(),
            number: slot.number.clone(),
        }
    }

    fn to_slot(&self) -> Slot {
        Slot {
            id: self.id.clone(),
            visit_start: self.start,
            visit_end: self.end,
            address: self.address.clone(),
            number: self.number.clone(),
            room: self.room.clone(),
        }
    }
}

/// A step of the booking, in the order the user meets them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    Specialties {
        page: u32,
    },
    Doctors {
        specialty: Choice,
        page: u32,
    },
    Days {
        specialty: Choice,
        doctor: Choice,
        /// The Monday of the week on display; `None` for the first week with free slots.
        #[serde(default)]
        week: Option<NaiveDate>,
    },
    Times {
        specialty: Choice,
        doctor: Choice,
        day: NaiveDate,
    },
    /// The confirmation card; `token` is what its «Подтвердить» carries (new at every drawing).
    Confirm {
        specialty: Choice,
        doctor: Choice,
        slot: PickedSlot,
        token: i64,
    },
    /// Gosuslugi must be linked (and confirmed) first; the choice waits here.
    NeedGosuslugi {
        specialty: Choice,
        doctor: Choice,
        slot: PickedSlot,
    },
    /// The clinic does not know the person: maybe they are attached elsewhere.
    NotFound {
        specialty: Choice,
        doctor: Choice,
        slot: PickedSlot,
    },
}

impl Step {
    /// The step «Назад» leads to; `None` from the specialties (back to the clinic card).
    fn back(&self) -> Option<Step> {
        match self.clone() {
            Step::Specialties { .. } => None,
            Step::Doctors { .. } => Some(Step::Specialties { page: 1 }),
            Step::Days { specialty, .. } => Some(Step::Doctors { specialty, page: 1 }),
            Step::Times {
                specialty,
                doctor,
                day,
            } => Some(Step::Days {
                specialty,
                doctor,
                week: Some(monday_of(day)),
            }),
            Step::Confirm {
                specialty,
                doctor,
                slot,
                ..
            }
            | Step::NeedGosuslugi {
                specialty,
                doctor,
                slot,
            }
            | Step::NotFound {
                specialty,
                doctor,
                slot,
            } => Some(Step::Times {
                specialty,
                doctor,
                day: slot.start.date(),
            }),
        }
    }

    fn confirm(specialty: Choice, doctor: Choice, slot: PickedSlot) -> Step {
        Step::Confirm {
            specialty,
            doctor,
            slot,
            token: 0,
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Buttons

/// The journey's button data, carried as `Cb::Booking` with the prefix `bk:`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cb {
    /// The n-th specialty of the list on display.
    Specialty(u16),
    SpecialtyPage(u32),
    /// The n-th doctor of the list on display.
    Doctor(u16),
    DoctorPage(u32),
    Day(NaiveDate),
    /// «◀» / «▶» on the days screen: the week starting on that Monday.
    Week(NaiveDate),
    /// The n-th time of the day on display.
    Time(u16),
    /// «Подтвердить» with the token of its screen.
    Confirm(i64),
    Back,
    /// «Повторить» after the registry did not answer.
    Retry,
    /// «Продолжить» after logging in to Gosuslugi.
    Resume,
    /// «Выбрать другую поликлинику».
    OtherClinic,
    /// «Мои записи».
    Appointments,
    /// «Отменить» on an appointment (the store's id).
    Cancel(i64),
    CancelYes(i64),
    CancelNo,
    /// «Сообщить о талонах» where there are none: watch what the screen shows.
    Watch,
    /// «Не сообщать»: stop that watch.
    Unwatch,
}

impl Cb {
    pub fn encode(&self) -> String {
        match self {
            Cb::Specialty(n) => format!("bk:s:{n}"),
            Cb::SpecialtyPage(page) => format!("bk:sp:{page}"),
            Cb::Doctor(n) => format!("bk:d:{n}"),
            Cb::DoctorPage(page) => format!("bk:dp:{page}"),
            Cb::Day(day) => format!("bk:day:{}", day.format("%Y%m%d")),
            Cb::Week(monday) => format!("bk:wk:{}", monday.format("%Y%m%d")),
            Cb::Time(n) => format!("bk:t:{n}"),
            Cb::Confirm(token) => format!("bk:ok:{token}"),
            Cb::Back => "bk:b".to_owned(),
            Cb::Retry => "bk:r".to_owned(),
            Cb::Resume => "bk:go".to_owned(),
            Cb::OtherClinic => "bk:oc".to_owned(),
            Cb::Appointments => "bk:a".to_owned(),
            Cb::Cancel(id) => format!("bk:x:{id}"),
            Cb::CancelYes(id) => format!("bk:xy:{id}"),
            Cb::CancelNo => "bk:xn".to_owned(),
            Cb::Watch => "bk:w".to_owned(),
            Cb::Unwatch => "bk:uw".to_owned(),
        }
    }

    /// Decodes what follows `bk:`.
    pub fn decode(rest: &[&str]) -> Option<Cb> {
        use super::callback::{digits, parse_id as id};
        fn index(raw: &str) -> Option<u16> {
            digits(raw).then(|| raw.parse().ok()).flatten()
        }
        fn page(raw: &str) -> Option<u32> {
            digits(raw)
                .then(|| raw.parse().ok())
                .flatten()
                .filter(|p| (1..=9999).contains(p))
        }
        let cb = match rest {
            ["s", n] => Cb::Specialty(index(n)?),
            ["sp", p] => Cb::SpecialtyPage(page(p)?),
            ["d", n] => Cb::Doctor(index(n)?),
            ["dp", p] => Cb::DoctorPage(page(p)?),
            ["day", day] if day.len() == 8 && digits(day) => {
                Cb::Day(NaiveDate::parse_from_str(day, "%Y%m%d").ok()?)
            }
            ["wk", day] if day.len() == 8 && digits(day) => {
                let monday = NaiveDate::parse_from_str(day, "%Y%m%d").ok()?;
                (monday.weekday() == chrono::Weekday::Mon).then_some(Cb::Week(monday))?
            }
            ["t", n] => Cb::Time(index(n)?),
            ["ok", token] => Cb::Confirm(id(token)?),
            ["b"] => Cb::Back,
            ["r"] => Cb::Retry,
            ["go"] => Cb::Resume,
            ["oc"] => Cb::OtherClinic,
            ["a"] => Cb::Appointments,
            ["x", raw] => Cb::Cancel(id(raw)?),
            ["xy", raw] => Cb::CancelYes(id(raw)?),
            ["xn"] => Cb::CancelNo,
            ["w"] => Cb::Watch,
            ["uw"] => Cb::Unwatch,
            _ => return None,
        };
        Some(cb)
    }

    /// Whether this button belongs to the booking step on display.
    fn fits(&self, step: &Step) -> bool {
        matches!(
            (self, step),
            (Cb::Back | Cb::Retry | Cb::OtherClinic, _)
                | (
                    Cb::Specialty(_) | Cb::SpecialtyPage(_),
                    Step::Specialties { .. }
                )
                | (Cb::Doctor(_) | Cb::DoctorPage(_), Step::Doctors { .. })
                | (Cb::Day(_) | Cb::Week(_), Step::Days { .. })
                | (Cb::Time(_), Step::Times { .. })
                | (Cb::Resume, Step::NeedGosuslugi { .. })
                | (
                    Cb::Watch | Cb::Unwatch,
                    Step::Doctors { .. } | Step::Days { .. }
                )
        )
    }
}

pub(in crate::bot) fn cb(inner: Cb) -> super::Cb {
    super::Cb::Booking(inner)
}

pub(in crate::bot) fn back_button(lang: Lang) -> InlineKeyboardButton {
    button(t!(lang, "booking-btn-back"), cb(Cb::Back))
}

pub(in crate::bot) fn menu_button(lang: Lang) -> InlineKeyboardButton {
    button(t!(lang, "btn-menu"), super::Cb::Menu)
}

// ---------------------------------------------------------------------------------------------------------
// Entry and taps

/// «Записаться» on a clinic card: the specialties of clinic `lpu_id`.
pub async fn start(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    lpu_id: i64,
) -> HandlerResult {
    bot.answer_callback_query(q.id.clone()).await?;
    let from = match dialogue.get().await.map_err(|e| anyhow::anyhow!(e))? {
        Some(State::Clinics(card @ clinics::Step::Card { .. })) => Some(card),
        _ => None,
    };
    let flow = Flow {
        clinic: lpu_id,
        from,
        step: Step::Specialties { page: 1 },
        keys: Vec::new(),
    };
    go(bot, q, ctx, who, dialogue, flow, None).await
}

/// Every `bk:` button lands here.
pub async fn route(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    state: &State,
    tap: Cb,
) -> HandlerResult {
    match (tap, state) {
        (Cb::Appointments, _) => return show_appointments(bot, q, ctx, who, dialogue).await,
        (Cb::Cancel(id), _) => return ask_cancel(bot, q, ctx, who, dialogue, id).await,
        (Cb::CancelYes(id), State::Booking(Here::ConfirmCancel { id: asked })) if id == *asked => {
            return cancel(bot, q, ctx, who, dialogue, id).await
        }
        (Cb::CancelNo, State::Booking(Here::ConfirmCancel { .. })) => {
            return show_appointments(bot, q, ctx, who, dialogue).await
        }
        (Cb::Retry, State::Booking(Here::ConfirmCancel { id })) => {
            return ask_cancel(bot, q, ctx, who, dialogue, *id).await
        }
        (Cb::Confirm(token), State::Booking(Here::Flow(flow))) => {
            if matches!(flow.step, Step::Confirm { token: shown, .. } if shown == token) {
                return confirm(bot, q, ctx, who, dialogue, (**flow).clone(), token).await;
            }
            return confirm_elsewhere(bot, q, ctx, who, dialogue, state, token).await;
        }
        (Cb::Confirm(token), _) => {
            return confirm_elsewhere(bot, q, ctx, who, dialogue, state, token).await
        }
        _ => {}
    }
    let State::Booking(Here::Flow(flow)) = state else {
        return stale_button(bot, q, ctx, who, dialogue, state).await;
    };
    if !tap.fits(&flow.step) {
        return stale_button(bot, q, ctx, who, dialogue, state).await;
    }
    match tap {
        Cb::Back if flow.step.back().is_none() => {
            return back_to_clinic(bot, q, ctx, who, dialogue, flow).await
        }
        Cb::OtherClinic => return clinics::start(bot, q, ctx, who, dialogue).await,
        Cb::Resume => return resume(bot, q, ctx, who, dialogue, (**flow).clone()).await,
        Cb::Watch | Cb::Unwatch => {
            let on = tap == Cb::Watch;
            return super::watch::toggle_from_booking(bot, q, ctx, who, dialogue, flow, on).await;
        }
        _ => {}
    }
    // Answer at once: the registry may take a while, and Telegram shows a spinner until then.
    bot.answer_callback_query(q.id.clone()).await?;
    let mut next = (**flow).clone();
    let mut notice = None;
    match next_step(ctx, flow, tap).await {
        Ok(Some(step)) => next.step = step,
        // What the button named is gone from the registry: the same step again, refreshed.
        Ok(None) => notice = Some(t!(who.lang, "booking-gone")),
        Err(err) => {
            super::screen::log_registry_error("booking", &err);
            super::screen::registry_failure(ctx, who.lang, &err, cb(Cb::Retry))
                .replace(bot, q)
                .await?;
            return Ok(());
        }
    }
    go(bot, q, ctx, who, dialogue, next, notice).await
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
            Some(id) => specialties(ctx, flow.clinic)
                .await?
                .into_iter()
                .find(|s| s.id == id)
                .map(|s| Step::Doctors {
                    specialty: Choice {
                        id: s.id,
                        name: s.name,
                    },
                    page: 1,
                }),
        },
        (Cb::DoctorPage(page), Step::Doctors { specialty, .. }) => {
            Some(Step::Doctors { specialty, page })
        }
        (Cb::Doctor(n), Step::Doctors { specialty, .. }) => match key(n) {
            None => None,
            Some(id) => doctors(ctx, flow.clinic, &specialty.id)
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
                }),
        },
        (
            Cb::Day(day),
            Step::Days {
                specialty, doctor, ..
            },
        ) => Some(Step::Times {
            specialty,
            doctor,
            day,
        }),
        (
            Cb::Week(monday),
            Step::Days {
                specialty, doctor, ..
            },
        ) => Some(Step::Days {
            specialty,
            doctor,
            week: Some(monday),
        }),
        (
            Cb::Time(n),
            Step::Times {
                specialty, doctor, ..
            },
        ) => match key(n) {
            None => None,
            Some(id) => slots(ctx, flow.clinic, &doctor.id)
                .await?
                .iter()
                .find(|s| s.id == id)
                .map(|s| Step::confirm(specialty, doctor, PickedSlot::of(s))),
        },
        _ => None,
    };
    Ok(next)
}

/// Draws `flow`'s step in place of the tapped message and stores it (with the keys of its buttons).
pub(in crate::bot) async fn go(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    mut flow: Flow,
    notice: Option<String>,
) -> HandlerResult {
    let screen = render(ctx, who, &mut flow, notice).await?;
    // Stored even when the registry failed: «Повторить» retries this very step.
    save(dialogue, State::Booking(Here::Flow(Box::new(flow)))).await?;
    screen.replace(bot, q).await?;
    Ok(())
}

/// «Назад» from the specialties: the clinic card again (or the districts when the card is unknown).
async fn back_to_clinic(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    flow: &Flow,
) -> HandlerResult {
    match &flow.from {
        // The card's own «Повторить» redraws its step in place and stores it.
        Some(card) => {
            let state = State::Clinics(card.clone());
            clinics::route(bot, q, ctx, who, dialogue, &state, clinics::Cb::Retry).await
        }
        None => clinics::start(bot, q, ctx, who, dialogue).await,
    }
}

/// Shows the current step as a new message (after a stale tap or unexpected text).
pub async fn show_current(
    bot: &Bot,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    here: &Here,
) -> HandlerResult {
    match here {
        Here::Flow(flow) => {
            let mut flow = flow.clone();
            let screen = render(ctx, who, &mut flow, None).await?;
            save(dialogue, State::Booking(Here::Flow(flow))).await?;
            screen.send(bot, who.chat_id).await?;
        }
        Here::Appointments => {
            let screen = appointments_screen(ctx, who, None).await?;
            screen.send(bot, who.chat_id).await?;
        }
        Here::Watches => {
            let screen = super::watch::list_screen(ctx, who, None).await?;
            screen.send(bot, who.chat_id).await?;
        }
        Here::ConfirmCancel { id } => match ctx.store.appointment(who.user_id, *id).await? {
            Some(appointment) => {
                cancel_screen(ctx, who, &appointment)
                    .send(bot, who.chat_id)
                    .await?;
            }
            None => {
                save(dialogue, State::Booking(Here::Appointments)).await?;
                let screen = appointments_screen(ctx, who, None).await?;
                screen.send(bot, who.chat_id).await?;
            }
        },
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------
// The registry, bounded in time

/// Worth telling the user «попробуйте позже» rather than «нет»: the registry did not answer usably.
pub(in crate::bot) fn is_transient(err: &RegistryError) -> bool {
    matches!(
        err,
        RegistryError::Transient(_) | RegistryError::Malformed(_)
    )
}

pub(in crate::bot) async fn specialties(ctx: &Ctx, lpu_id: i64) -> RegistryResult<Vec<Specialty>> {
    within_deadline(ctx.registry.specialties(lpu_id))
        .await
        .or_empty()
}

pub(in crate::bot) async fn doctors(
    ctx: &Ctx,
    lpu_id: i64,
    specialty: &str,
) -> RegistryResult<Vec<Doctor>> {
    within_deadline(ctx.registry.doctors(lpu_id, specialty))
        .await
        .or_empty()
}

pub(in crate::bot) async fn slots(
    ctx: &Ctx,
    lpu_id: i64,
    doctor: &str,
) -> RegistryResult<Vec<Slot>> {
    within_deadline(ctx.registry.slots(lpu_id, doctor))
        .await
        .or_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::callback::{assert_garbage_refused, assert_round_trips};

    fn all() -> Vec<Cb> {
        let big = MAX_TOKEN - 1;
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
            Cb::Confirm(big),
            Cb::Back,
            Cb::Retry,
            Cb::Resume,
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
            super::super::Cb::decode,
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
        let choice = Choice {
            id: "1".into(),
            name: "x".into(),
        };
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
        assert!(!Cb::Time(0).fits(&days));
        assert!(Cb::Back.fits(&days));
        assert!(!Cb::Resume.fits(&days));
    }

    #[test]
    fn back_walks_the_steps_in_reverse() {
        let choice = Choice {
            id: "1".into(),
            name: "x".into(),
        };
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
        let confirm = Step::confirm(choice.clone(), choice.clone(), slot);
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
