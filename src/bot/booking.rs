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

use chrono::{Datelike, Duration as Days, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use rand::Rng;
use serde::{Deserialize, Serialize};
use teloxide::dispatching::dialogue::Storage;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InputFile};

use crate::domain::{local_today, short_note, Area, BirthDate, FullName};
use crate::i18n::{escape_html, Lang};
use crate::registry::within_deadline;
use crate::registry::{
    AppointmentCancel, AppointmentCreate, Doctor, OrEmpty, PatientQuery, RegistryError,
    RegistryResult, Slot, Specialty, TimetableDay,
};
use crate::store::appointments::REGISTRY_LAG_SECS;
use crate::store::dialogue::DialogueStorage;
use crate::store::{ActivePerson, Appointment, AppointmentDetails, Intent, NewIntent};
use crate::t;

use super::callback::stale_button;
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

fn cb(inner: Cb) -> super::Cb {
    super::Cb::Booking(inner)
}

fn back_button(lang: Lang) -> InlineKeyboardButton {
    button(t!(lang, "booking-btn-back"), cb(Cb::Back))
}

fn menu_button(lang: Lang) -> InlineKeyboardButton {
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
pub(super) async fn go(
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
// Screens, in the order the user meets them

/// Why a screen could not be drawn: the registry (shown to the user as «временно недоступен») or anything
/// else (a handler error).
enum Failure {
    Registry(RegistryError),
    Other(anyhow::Error),
}

impl From<RegistryError> for Failure {
    fn from(err: RegistryError) -> Self {
        Failure::Registry(err)
    }
}

impl From<anyhow::Error> for Failure {
    fn from(err: anyhow::Error) -> Self {
        Failure::Other(err)
    }
}

type Drawn = Result<Screen, Failure>;

/// The screen of `flow`'s step, refreshing `flow.keys` (and a confirmation's token).
async fn render(
    ctx: &Ctx,
    who: &Who,
    flow: &mut Flow,
    notice: Option<String>,
) -> anyhow::Result<Screen> {
    let lang = who.lang;
    let drawn = match flow.step.clone() {
        Step::Specialties { page } => specialties_screen(ctx, lang, flow, page, notice).await,
        Step::Doctors { specialty, page } => {
            doctors_screen(ctx, who, flow, &specialty, page, notice).await
        }
        Step::Days {
            specialty,
            doctor,
            week,
        } => days_screen(ctx, who, flow, &specialty, &doctor, week, notice).await,
        Step::Times {
            specialty,
            doctor,
            day,
        } => times_screen(ctx, who, flow, &specialty, &doctor, day, notice).await,
        Step::Confirm {
            specialty,
            doctor,
            slot,
            ..
        } => {
            let token = rand::thread_rng().gen_range(1..MAX_TOKEN);
            flow.step = Step::Confirm {
                specialty: specialty.clone(),
                doctor: doctor.clone(),
                slot: slot.clone(),
                token,
            };
            flow.keys.clear();
            confirm_screen(
                ctx,
                who,
                flow.clinic,
                &specialty,
                &doctor,
                &slot,
                token,
                notice,
            )
            .await
        }
        Step::NeedGosuslugi { .. } => {
            flow.keys.clear();
            need_gosuslugi_screen(ctx, who, notice).await
        }
        Step::NotFound { .. } => {
            flow.keys.clear();
            Ok(not_found_screen(ctx, lang))
        }
    };
    match drawn {
        Ok(screen) => Ok(screen),
        Err(Failure::Registry(err)) => {
            super::screen::log_registry_error("booking", &err);
            Ok(super::screen::registry_failure(
                ctx,
                lang,
                &err,
                cb(Cb::Retry),
            ))
        }
        Err(Failure::Other(err)) => Err(err),
    }
}

fn with_notice(notice: Option<String>, body: String) -> String {
    match notice {
        Some(notice) => format!("{notice}\n\n{body}"),
        None => body,
    }
}

async fn clinic_name(ctx: &Ctx, lpu_id: i64) -> RegistryResult<String> {
    Ok(within_deadline(ctx.registry.clinic(lpu_id))
        .await?
        .display_name()
        .to_owned())
}

async fn specialties_screen(
    ctx: &Ctx,
    lang: Lang,
    flow: &mut Flow,
    page: u32,
    notice: Option<String>,
) -> Drawn {
    let clinic = clinic_name(ctx, flow.clinic).await?;
    let list = specialties(ctx, flow.clinic).await?;
    flow.keys = list.iter().map(|s| s.id.clone()).collect();
    if list.is_empty() {
        let body = t!(
            lang,
            "booking-specialties-empty",
            clinic = escape_html(&clinic)
        );
        return Ok(Screen::new(ctx, lang, with_notice(notice, body))
            .row(vec![back_button(lang)])
            .row(vec![menu_button(lang)]));
    }
    let pages = list.len().div_ceil(SPECIALTIES_PER_PAGE) as u32;
    let page = page.clamp(1, pages);
    let mut body = t!(
        lang,
        "booking-specialties-title",
        clinic = escape_html(&clinic)
    );
    if pages > 1 {
        body = format!(
            "{body}\n{}",
            t!(lang, "booking-page", page = page, pages = pages)
        );
    }
    let mut screen = Screen::new(ctx, lang, with_notice(notice, body));
    let start = (page as usize - 1) * SPECIALTIES_PER_PAGE;
    for (n, specialty) in list
        .iter()
        .enumerate()
        .skip(start)
        .take(SPECIALTIES_PER_PAGE)
    {
        let label = t!(
            lang,
            "booking-specialty-label",
            name = specialty.name.clone(),
            free = specialty.count_free_participant
        );
        screen = screen.button(label, cb(Cb::Specialty(n as u16)));
    }
    let pager = clinics::pager(page, pages)
        .into_iter()
        .map(|(label, to)| button(label, cb(Cb::SpecialtyPage(to))))
        .collect();
    Ok(screen
        .row(pager)
        .row(vec![back_button(lang), menu_button(lang)]))
}

async fn doctors_screen(
    ctx: &Ctx,
    who: &Who,
    flow: &mut Flow,
    specialty: &Choice,
    page: u32,
    notice: Option<String>,
) -> Drawn {
    let lang = who.lang;
    let list = doctors(ctx, flow.clinic, &specialty.id).await?;
    flow.keys = list.iter().map(|d| d.id.clone()).collect();
    let specialty_name = escape_html(&specialty.name);
    // No doctor of the specialty has a slot a patient can book: offer to watch for them. The participant
    // count is the bookable one; the ticket count may hold slots nobody can take online.
    let watch = if list.iter().all(|d| d.free_participant_count == 0) {
        super::watch::toggle_button(ctx, who.user_id, lang, flow.clinic, &flow.step).await?
    } else {
        None
    };
    if list.is_empty() {
        let body = t!(lang, "booking-doctors-empty", specialty = specialty_name);
        let mut screen = Screen::new(ctx, lang, with_notice(notice, body));
        if let Some(watch) = watch {
            screen = screen.row(vec![watch]);
        }
        return Ok(screen.row(vec![back_button(lang), menu_button(lang)]));
    }
    let pages = list.len().div_ceil(DOCTORS_PER_PAGE) as u32;
    let page = page.clamp(1, pages);
    let start = (page as usize - 1) * DOCTORS_PER_PAGE;
    let mut lines = vec![t!(
        lang,
        "booking-doctors-title",
        specialty = specialty_name
    )];
    if pages > 1 {
        lines.push(t!(lang, "booking-page", page = page, pages = pages));
    }
    let mut buttons = Vec::new();
    for (n, doctor) in list.iter().enumerate().skip(start).take(DOCTORS_PER_PAGE) {
        let area = match area_label(lang, doctor) {
            Some(area) => t!(lang, "booking-doctor-area", area = area),
            None => String::new(),
        };
        let nearest = match doctor
            .nearest_date
            .filter(|_| doctor.free_participant_count > 0)
        {
            Some(at) => t!(
                lang,
                "booking-doctor-nearest",
                date = day_label(lang, at.date())
            ),
            None => t!(lang, "booking-doctor-no-slots"),
        };
        lines.push(t!(
            lang,
            "booking-doctor-line",
            name = escape_html(&doctor.full_name()),
            area = area,
            nearest = nearest
        ));
        // The comment in a word or two: absences matter before choosing.
        if let Some(note) = note_of(doctor, NOTE_IN_LIST) {
            lines.push(note);
        }
        buttons.push(button(
            short_name(&doctor.full_name()),
            cb(Cb::Doctor(n as u16)),
        ));
    }
    let mut screen = Screen::new(ctx, lang, with_notice(notice, lines.join("\n")));
    for pair in buttons.chunks(2) {
        screen = screen.row(pair.to_vec());
    }
    let pager = clinics::pager(page, pages)
        .into_iter()
        .map(|(label, to)| button(label, cb(Cb::DoctorPage(to))))
        .collect();
    screen = screen.row(pager);
    if let Some(watch) = watch {
        screen = screen.row(vec![watch]);
    }
    Ok(screen.row(vec![back_button(lang), menu_button(lang)]))
}

/// «Иванов И. И.» from «Иванов Иван Иванович»; other shapes as they are.
fn short_name(full: &str) -> String {
    match FullName::parse(full) {
        Ok(name) => name.short(),
        Err(_) => full.trim().to_owned(),
    }
}

/// How much of a doctor's comment is shown: lines, characters.
const NOTE_IN_LIST: (usize, usize) = (1, 60);
const NOTE_ON_DOCTOR: (usize, usize) = (4, 300);

/// The doctor's участок as the registry wrote it, with the word only for bare numbers; escaped.
fn area_label(lang: Lang, doctor: &Doctor) -> Option<String> {
    match Area::parse(doctor.aria_number.as_deref()) {
        Area::None => None,
        Area::Numbers {
            numbers,
            many: false,
        } => Some(t!(lang, "booking-area-one", area = numbers)),
        Area::Numbers {
            numbers,
            many: true,
        } => Some(t!(lang, "booking-area-many", areas = numbers)),
        Area::AsWritten(text) => Some(escape_html(&text)),
    }
}

/// «ℹ️ <i>Командировки служебные</i>»: the doctor's comment shortened to `(lines, chars)`, escaped.
fn note_of(doctor: &Doctor, (lines, chars): (usize, usize)) -> Option<String> {
    let note = short_note(doctor.comment.as_deref(), lines, chars);
    if note.is_empty() {
        return None;
    }
    let note = note
        .iter()
        .map(|line| escape_html(line))
        .collect::<Vec<_>>()
        .join("\n");
    Some(format!("ℹ️ <i>{note}</i>"))
}

/// «пн 01.12».
fn day_label(lang: Lang, day: NaiveDate) -> String {
    let weekday = reminders::weekday_name(lang, day.weekday());
    format!("{weekday} {}", day.format("%d.%m"))
}

/// The region's "now", as the registry's local times are written.
fn local_now(ctx: &Ctx) -> NaiveDateTime {
    ctx.clock
        .now()
        .with_timezone(&ctx.settings.region_tz)
        .naive_local()
}

/// The last day whose slots are offered: the doctor's `lastDate`, but at least [`MIN_DAYS_AHEAD`] and at
/// most [`MAX_DAYS_AHEAD`] days from `today` on.
fn horizon(today: NaiveDate, last_date: Option<NaiveDate>) -> NaiveDate {
    let least = today + Days::days(MIN_DAYS_AHEAD - 1);
    let most = today + Days::days(MAX_DAYS_AHEAD - 1);
    last_date.map_or(least, |last| last.clamp(least, most))
}

/// The doctor's free slots from now on up to `last` (a day, inclusive), soonest first.
async fn upcoming_slots(
    ctx: &Ctx,
    lpu_id: i64,
    doctor: &str,
    last: NaiveDate,
) -> RegistryResult<Vec<Slot>> {
    Ok(upcoming(
        slots(ctx, lpu_id, doctor).await?,
        local_now(ctx),
        last,
    ))
}

/// The slots after `now` up to `last` (a day, inclusive), soonest first.
fn upcoming(slots: Vec<Slot>, now: NaiveDateTime, last: NaiveDate) -> Vec<Slot> {
    let mut list: Vec<Slot> = slots
        .into_iter()
        .filter(|s| s.visit_start > now && s.visit_start.date() <= last)
        .collect();
    list.sort_by_key(|s| s.visit_start);
    list
}

/// The doctor as the registry lists them now (for the участок, the comment and `lastDate`); `None` when the
/// list does not answer or no longer holds them, which never stops the screen.
async fn doctor_of(ctx: &Ctx, lpu_id: i64, specialty: &str, doctor: &str) -> Option<Doctor> {
    match doctors(ctx, lpu_id, specialty).await {
        Ok(list) => list.into_iter().find(|d| d.id == doctor),
        Err(err) => {
            super::screen::log_registry_error("booking", &err);
            None
        }
    }
}

/// The Monday of `day`'s week.
fn monday_of(day: NaiveDate) -> NaiveDate {
    day - Days::days(i64::from(day.weekday().num_days_from_monday()))
}

/// A week of the days screen: its Monday and its days with free slots (day, how many), in order.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Week {
    monday: NaiveDate,
    days: Vec<(NaiveDate, usize)>,
}

/// The days of `slots` (soonest first) with their counts, by calendar week; weeks without slots are left out.
fn weeks_of(slots: &[Slot]) -> Vec<Week> {
    let mut weeks: Vec<Week> = Vec::new();
    for slot in slots {
        let day = slot.visit_start.date();
        let monday = monday_of(day);
        if weeks.last().is_none_or(|w| w.monday != monday) {
            weeks.push(Week {
                monday,
                days: Vec::new(),
            });
        }
        let week = weeks.last_mut().expect("a week was just pushed");
        match week.days.last_mut() {
            Some((last, count)) if *last == day => *count += 1,
            _ => week.days.push((day, 1)),
        }
    }
    weeks
}

/// Which of `weeks` to show for the week asked: that week, or the next one with slots when it has none
/// left, or the last one; the first when none is asked.
fn week_index(weeks: &[Week], asked: Option<NaiveDate>) -> usize {
    let Some(asked) = asked else {
        return 0;
    };
    weeks
        .iter()
        .position(|w| w.monday >= monday_of(asked))
        .unwrap_or(weeks.len().saturating_sub(1))
}

/// The longest the days screen waits for the doctor's timetable: it only adds reception hours, and the
/// screen is drawn without them rather than late.
const TIMETABLE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(5);

/// The doctor's timetable (`/timetable`), or nothing when it does not answer in time or at all: a registry
/// that has none, or fails, never stops the days screen.
async fn timetable(ctx: &Ctx, lpu_id: i64, doctor: &str) -> Vec<TimetableDay> {
    match tokio::time::timeout(TIMETABLE_DEADLINE, ctx.registry.timetable(lpu_id, doctor)).await {
        Ok(Ok(days)) => days,
        Ok(Err(RegistryError::Empty(_))) => Vec::new(),
        Ok(Err(err)) => {
            tracing::info!(error = %err, "booking: no timetable");
            Vec::new()
        }
        Err(_) => {
            tracing::info!("booking: the timetable did not come in time");
            Vec::new()
        }
    }
}

/// A day of the doctor's timetable as the days screen shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Reception {
    /// Open for booking, with the reception hours (start, end when known), earliest first.
    Hours(Vec<(NaiveTime, Option<NaiveTime>)>),
    /// Closed for booking, with the registry's reason when it gives one.
    Closed(Option<String>),
}

/// The timetable's days from `from` to `to` (inclusive), in order: a day with any bookable hours shows
/// them; a day with none is closed, with the first reason given. A bookable day that names no hours
/// (midnight, no end) says nothing and is left out.
fn reception(
    timetable: &[TimetableDay],
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<(NaiveDate, Reception)> {
    let mut days: Vec<NaiveDate> = timetable
        .iter()
        .map(|t| t.visit_start.date())
        .filter(|day| (from..=to).contains(day))
        .collect();
    days.sort();
    days.dedup();
    let mut shown = Vec::new();
    for day in days {
        let entries: Vec<&TimetableDay> = timetable
            .iter()
            .filter(|t| t.visit_start.date() == day)
            .collect();
        let mut hours: Vec<(NaiveTime, Option<NaiveTime>)> = entries
            .iter()
            .filter(|t| t.recordable)
            .map(|t| (t.visit_start.time(), t.visit_end.map(|end| end.time())))
            .filter(|(start, end)| *start != NaiveTime::MIN || end.is_some())
            .collect();
        hours.sort();
        hours.dedup();
        if !hours.is_empty() {
            shown.push((day, Reception::Hours(hours)));
        } else if entries.iter().all(|t| !t.recordable) {
            let reason = entries.iter().find_map(|t| t.deny_cause.clone());
            shown.push((day, Reception::Closed(reason)));
        }
    }
    shown
}

/// «Приём на этой неделе:» and a line a day, for the days of `reception`; nothing when there are none.
fn reception_lines(lang: Lang, reception: &[(NaiveDate, Reception)]) -> Vec<String> {
    if reception.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![t!(lang, "booking-reception-title")];
    for (day, what) in reception {
        let day = day_label(lang, *day);
        lines.push(match what {
            Reception::Hours(hours) => {
                let hours = hours
                    .iter()
                    .map(|(start, end)| match end {
                        Some(end) => format!("{}–{}", start.format("%H:%M"), end.format("%H:%M")),
                        None => t!(
                            lang,
                            "booking-reception-from",
                            start = start.format("%H:%M").to_string()
                        ),
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                t!(lang, "booking-reception-hours", day = day, hours = hours)
            }
            Reception::Closed(reason) => match short_note(reason.as_deref(), 1, 40).first() {
                Some(reason) => t!(
                    lang,
                    "booking-reception-closed",
                    day = day,
                    reason = escape_html(reason)
                ),
                None => t!(lang, "booking-reception-closed-plain", day = day),
            },
        });
    }
    lines
}

/// «30.11–06.12»: a week's dates.
fn week_dates(monday: NaiveDate) -> String {
    let sunday = monday + Days::days(6);
    format!("{}–{}", monday.format("%d.%m"), sunday.format("%d.%m"))
}

#[allow(clippy::too_many_arguments)]
async fn days_screen(
    ctx: &Ctx,
    who: &Who,
    flow: &mut Flow,
    specialty: &Choice,
    doctor: &Choice,
    week: Option<NaiveDate>,
    notice: Option<String>,
) -> Drawn {
    let lang = who.lang;
    let now = local_now(ctx);
    // The doctor comes from the doctors list (cached), asked alongside the slots and the timetable.
    let (about, free, hours) = futures::join!(
        doctor_of(ctx, flow.clinic, &specialty.id, &doctor.id),
        slots(ctx, flow.clinic, &doctor.id),
        timetable(ctx, flow.clinic, &doctor.id)
    );
    let last = horizon(
        now.date(),
        about.as_ref().and_then(|d| d.last_date).map(|at| at.date()),
    );
    let list = upcoming(free?, now, last);
    flow.keys.clear();
    let mut header = t!(
        lang,
        "booking-doctor-chosen",
        doctor = escape_html(&doctor.name),
        specialty = escape_html(&specialty.name)
    );
    if let Some(about) = &about {
        if let Some(area) = area_label(lang, about) {
            header.push_str(&t!(lang, "booking-doctor-area", area = area));
        }
        if let Some(note) = note_of(about, NOTE_ON_DOCTOR) {
            header = format!("{header}\n{note}");
        }
    }
    let weeks = weeks_of(&list);
    if weeks.is_empty() {
        let until = last.format("%d.%m.%Y").to_string();
        let body = format!(
            "{header}\n\n{}",
            t!(lang, "booking-days-empty", until = until)
        );
        let mut screen = Screen::new(ctx, lang, with_notice(notice, body));
        if let Some(watch) =
            super::watch::toggle_button(ctx, who.user_id, lang, flow.clinic, &flow.step).await?
        {
            screen = screen.row(vec![watch]);
        }
        return Ok(screen.row(vec![back_button(lang), menu_button(lang)]));
    }
    let at = week_index(&weeks, week);
    let shown = &weeks[at];
    let mut lines = vec![header, String::new(), t!(lang, "booking-days-title")];
    lines.push(t!(
        lang,
        "booking-week",
        week = at + 1,
        weeks = weeks.len(),
        dates = week_dates(shown.monday)
    ));
    let week_reception = reception(
        &hours,
        shown.monday.max(now.date()),
        shown.monday + Days::days(6),
    );
    lines.extend(reception_lines(lang, &week_reception));
    let mut screen = Screen::new(ctx, lang, with_notice(notice, lines.join("\n")));
    let buttons: Vec<_> = shown
        .days
        .iter()
        .map(|(day, count)| {
            let label = t!(
                lang,
                "booking-day-label",
                day = day_label(lang, *day),
                free = *count
            );
            button(label, cb(Cb::Day(*day)))
        })
        .collect();
    for row in buttons.chunks(3) {
        screen = screen.row(row.to_vec());
    }
    let mut pager = Vec::new();
    if let Some(before) = at.checked_sub(1).map(|n| &weeks[n]) {
        let label = t!(
            lang,
            "booking-btn-week-before",
            dates = week_dates(before.monday)
        );
        pager.push(button(label, cb(Cb::Week(before.monday))));
    }
    if let Some(after) = weeks.get(at + 1) {
        let label = t!(
            lang,
            "booking-btn-week-after",
            dates = week_dates(after.monday)
        );
        pager.push(button(label, cb(Cb::Week(after.monday))));
    }
    Ok(screen
        .row(pager)
        .row(vec![back_button(lang), menu_button(lang)]))
}

async fn times_screen(
    ctx: &Ctx,
    who: &Who,
    flow: &mut Flow,
    specialty: &Choice,
    doctor: &Choice,
    day: NaiveDate,
    notice: Option<String>,
) -> Drawn {
    let lang = who.lang;
    // The day came from the days screen, within the horizon it showed.
    let list: Vec<Slot> = upcoming_slots(ctx, flow.clinic, &doctor.id, day)
        .await?
        .into_iter()
        .filter(|s| s.visit_start.date() == day)
        .collect();
    if list.is_empty() {
        // The day filled up meanwhile: the other days of its week instead.
        let week = Some(monday_of(day));
        flow.step = Step::Days {
            specialty: specialty.clone(),
            doctor: doctor.clone(),
            week,
        };
        let notice = Some(notice.unwrap_or_else(|| t!(lang, "booking-day-full")));
        return days_screen(ctx, who, flow, specialty, doctor, week, notice).await;
    }
    flow.keys = list.iter().map(|s| s.id.clone()).collect();
    let body = format!(
        "{}\n\n{}",
        t!(
            lang,
            "booking-doctor-chosen",
            doctor = escape_html(&doctor.name),
            specialty = escape_html(&specialty.name)
        ),
        t!(lang, "booking-times-title", day = day_label(lang, day))
    );
    let mut screen = Screen::new(ctx, lang, with_notice(notice, body));
    let buttons: Vec<_> = list
        .iter()
        .enumerate()
        .map(|(n, s)| {
            button(
                s.visit_start.format("%H:%M").to_string(),
                cb(Cb::Time(n as u16)),
            )
        })
        .collect();
    for row in buttons.chunks(4) {
        screen = screen.row(row.to_vec());
    }
    Ok(screen.row(vec![back_button(lang), menu_button(lang)]))
}

/// Whom the booking is for, as the confirmation names them.
async fn person_label(ctx: &Ctx, user_id: i64, lang: Lang) -> anyhow::Result<String> {
    Ok(match ctx.store.active_person(user_id).await? {
        ActivePerson::Child(child) => child.full_name().full().to_owned(),
        ActivePerson::Me => match gosuslugi_person(ctx, user_id).await? {
            Some(BookingIdentity {
                name: Some(name), ..
            }) => name.full().to_owned(),
            _ => t!(lang, "person-me"),
        },
    })
}

/// The details a booking would store: who, doctor, clinic, address, room, local time. The clinic's card
/// only adds to what the slot says (its name, phone and map pin): no booking step waits on it.
async fn booking_details(
    ctx: &Ctx,
    who: &Who,
    lpu_id: i64,
    specialty: &Choice,
    doctor: &Choice,
    slot: &PickedSlot,
) -> anyhow::Result<AppointmentDetails> {
    let clinic = match within_deadline(ctx.registry.clinic(lpu_id)).await {
        Ok(clinic) => Some(clinic),
        Err(err) => {
            super::screen::log_registry_error("booking", &err);
            None
        }
    };
    let address = slot
        .address
        .clone()
        .filter(|a| !a.trim().is_empty())
        .or(clinic.as_ref().and_then(|c| c.address.clone()))
        .unwrap_or_default();
    Ok(AppointmentDetails {
        person: person_label(ctx, who.user_id, who.lang).await?,
        doctor: doctor.name.clone(),
        specialty: specialty.name.clone(),
        clinic: clinic
            .as_ref()
            .map(|c| c.display_name().to_owned())
            .unwrap_or_default(),
        address,
        room: slot.room.clone().filter(|r| !r.trim().is_empty()),
        phone: clinic.as_ref().and_then(|c| c.phone.clone()),
        latitude: clinic.as_ref().and_then(|c| c.latitude),
        longitude: clinic.as_ref().and_then(|c| c.longitude),
        local_time: slot.start.format("%Y-%m-%dT%H:%M:%S").to_string(),
        local_end: slot
            .end
            .filter(|end| *end > slot.start)
            .map(|end| end.format("%Y-%m-%dT%H:%M:%S").to_string()),
    })
}

/// The registry's local time as a Unix instant, through `REGION_TZ`.
pub(super) fn to_unix(ctx: &Ctx, local: NaiveDateTime) -> i64 {
    let tz = ctx.settings.region_tz;
    match tz.from_local_datetime(&local).earliest() {
        Some(at) => at.timestamp(),
        // A local time that does not exist (a gap): read it as the offset just before.
        None => tz
            .from_local_datetime(&(local + Days::hours(1)))
            .earliest()
            .map_or_else(|| local.and_utc().timestamp(), |at| at.timestamp() - 3600),
    }
}

#[allow(clippy::too_many_arguments)]
async fn confirm_screen(
    ctx: &Ctx,
    who: &Who,
    lpu_id: i64,
    specialty: &Choice,
    doctor: &Choice,
    slot: &PickedSlot,
    token: i64,
    notice: Option<String>,
) -> Drawn {
    let lang = who.lang;
    let details = booking_details(ctx, who, lpu_id, specialty, doctor, slot).await?;
    let now = ctx.clock.now().timestamp();
    let when = reminders::local_when(lang, to_unix(ctx, slot.start), ctx.settings.region_tz, now);
    let mut lines = vec![t!(lang, "booking-confirm-title")];
    lines.extend(reminders::visit_lines(lang, &details, when));
    lines.push(String::new());
    lines.push(t!(lang, "booking-confirm-hint"));
    Ok(
        Screen::new(ctx, lang, with_notice(notice, lines.join("\n")))
            .button(t!(lang, "booking-btn-confirm"), cb(Cb::Confirm(token)))
            .row(vec![back_button(lang), menu_button(lang)]),
    )
}

/// Gosuslugi first: the login button (a fresh single-use state) and «Продолжить» for after the login.
async fn need_gosuslugi_screen(ctx: &Ctx, who: &Who, notice: Option<String>) -> Drawn {
    let lang = who.lang;
    let body = match gosuslugi_person(ctx, who.user_id).await? {
        Some(identity) if !identity.trusted => t!(lang, "booking-need-confirmed"),
        Some(_) => t!(lang, "booking-need-identity"),
        None => t!(lang, "booking-need-gosuslugi"),
    };
    let mut screen = Screen::new(ctx, lang, with_notice(notice, body));
    if let Some(url) = gosuslugi_login_url(ctx, who).await? {
        screen = screen.row(vec![InlineKeyboardButton::url(
            t!(lang, "gu-btn-login"),
            url,
        )]);
        screen = super::gosuslugi::with_demo_login(ctx, lang, screen);
    }
    Ok(screen
        .button(t!(lang, "booking-btn-resume"), cb(Cb::Resume))
        .row(vec![back_button(lang), menu_button(lang)]))
}

fn not_found_screen(ctx: &Ctx, lang: Lang) -> Screen {
    Screen::new(ctx, lang, t!(lang, "booking-patient-not-found"))
        .button(t!(lang, "booking-btn-other-clinic"), cb(Cb::OtherClinic))
        .row(vec![back_button(lang), menu_button(lang)])
}

// ---------------------------------------------------------------------------------------------------------
// Gosuslugi: the seam

/// Who books, as Gosuslugi knows the account holder.
#[derive(Clone, Debug)]
pub struct BookingIdentity {
    pub name: Option<FullName>,
    pub birth_date: Option<BirthDate>,
    /// ESIA's person id, sent with the booking as `esiaId`.
    pub oid: String,
    /// A confirmed account (and not a minor's): the only kind that may book.
    pub trusted: bool,
}

/// The account holder's Gosuslugi identity; `None` when not linked. The one place booking reads ESIA.
pub(super) async fn gosuslugi_person(
    ctx: &Ctx,
    user_id: i64,
) -> anyhow::Result<Option<BookingIdentity>> {
    let Some(link) = ctx.store.esia_link(user_id).await? else {
        return Ok(None);
    };
    let today = local_today(ctx.clock.now(), ctx.settings.region_tz);
    Ok(Some(BookingIdentity {
        name: FullName::parse(&link.full_name).ok(),
        birth_date: link.birth_date,
        oid: link.oid.clone(),
        trusted: link.trusted() && !link.is_under_14(today),
    }))
}

/// The ESIA login URL with a fresh single-use state; `None` (logged) when it cannot be made.
async fn gosuslugi_login_url(ctx: &Ctx, who: &Who) -> anyhow::Result<Option<url::Url>> {
    let now = ctx.clock.now();
    let state = ctx
        .store
        .start_esia_login(who.user_id, who.lang, now.timestamp())
        .await?;
    match ctx.esia.authorization_url(&state, now).await {
        Ok(url) => Ok(Some(url)),
        Err(err) => {
            tracing::error!(error = %err, "booking: cannot build the ESIA login URL");
            Ok(None)
        }
    }
}

/// After a Gosuslugi login finished (the HTTP callback calls this after announcing it): a booking that
/// waited for it shows its confirmation again, as a new message.
pub async fn resume_after_link(bot: &Bot, ctx: &Ctx, user_id: i64, lang: Lang) -> HandlerResult {
    let chat_id = ChatId(user_id);
    let storage = DialogueStorage::new(ctx.store.clone()).erase();
    let state = storage
        .clone()
        .get_dialogue(chat_id)
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    let Some(State::Booking(Here::Flow(mut flow))) = state else {
        return Ok(());
    };
    let Step::NeedGosuslugi {
        specialty,
        doctor,
        slot,
    } = flow.step.clone()
    else {
        return Ok(());
    };
    if !gosuslugi_person(ctx, user_id)
        .await?
        .is_some_and(|identity| identity.trusted)
    {
        return Ok(());
    }
    let who = Who {
        user_id,
        chat_id,
        lang,
        consented: true,
    };
    flow.step = Step::confirm(specialty, doctor, slot);
    let screen = render(ctx, &who, &mut flow, Some(t!(lang, "booking-resumed"))).await?;
    storage
        .update_dialogue(chat_id, State::Booking(Here::Flow(flow)))
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    screen.send(bot, chat_id).await?;
    Ok(())
}

/// «Продолжить» on the Gosuslugi screen: the confirmation when the account is ready, else a notice.
async fn resume(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    mut flow: Flow,
) -> HandlerResult {
    let Step::NeedGosuslugi {
        specialty,
        doctor,
        slot,
    } = flow.step.clone()
    else {
        return Ok(());
    };
    if !gosuslugi_person(ctx, who.user_id)
        .await?
        .is_some_and(|identity| identity.trusted)
    {
        bot.answer_callback_query(q.id.clone())
            .text(t!(who.lang, "booking-still-need-gosuslugi"))
            .await?;
        return Ok(());
    }
    bot.answer_callback_query(q.id.clone()).await?;
    flow.step = Step::confirm(specialty, doctor, slot);
    go(bot, q, ctx, who, dialogue, flow, None).await
}

// ---------------------------------------------------------------------------------------------------------
// «Подтвердить»

/// A «Подтвердить» that is not the one on display: a second tap of one already acted on is told so;
/// anything older is a stale button.
async fn confirm_elsewhere(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    state: &State,
    token: i64,
) -> HandlerResult {
    let now = ctx.clock.now().timestamp();
    if !ctx
        .store
        .claim_booking_token(who.user_id, token, now)
        .await?
    {
        bot.answer_callback_query(q.id.clone())
            .text(t!(who.lang, "booking-already-done"))
            .await?;
        return Ok(());
    }
    stale_button(bot, q, ctx, who, dialogue, state).await
}

/// The patient's name and date of birth for the active person: the child's, or the account holder's from
/// Gosuslugi.
enum Patient {
    Ready {
        child_id: Option<i64>,
        name: FullName,
        birth_date: BirthDate,
    },
    /// Gosuslugi gave no usable name or date of birth.
    Incomplete,
}

async fn patient(ctx: &Ctx, user_id: i64, identity: &BookingIdentity) -> anyhow::Result<Patient> {
    Ok(match ctx.store.active_person(user_id).await? {
        ActivePerson::Child(child) => Patient::Ready {
            child_id: Some(child.id),
            name: child.full_name().clone(),
            birth_date: child.birth_date(),
        },
        ActivePerson::Me => match (&identity.name, identity.birth_date) {
            (Some(name), Some(birth_date)) => Patient::Ready {
                child_id: None,
                name: name.clone(),
                birth_date,
            },
            _ => Patient::Incomplete,
        },
    })
}

async fn confirm(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    mut flow: Flow,
    token: i64,
) -> HandlerResult {
    let Step::Confirm {
        specialty,
        doctor,
        slot,
        ..
    } = flow.step.clone()
    else {
        return Ok(());
    };
    let lang = who.lang;
    // Gosuslugi first: nothing is claimed or asked of the registry for a user who cannot book yet.
    let identity = gosuslugi_person(ctx, who.user_id)
        .await?
        .filter(|identity| identity.trusted);
    let ready = match &identity {
        Some(identity) => patient(ctx, who.user_id, identity).await?,
        None => Patient::Incomplete,
    };
    let (
        Some(identity),
        Patient::Ready {
            child_id,
            name,
            birth_date,
        },
    ) = (identity, ready)
    else {
        bot.answer_callback_query(q.id.clone()).await?;
        flow.step = Step::NeedGosuslugi {
            specialty,
            doctor,
            slot,
        };
        return go(bot, q, ctx, who, dialogue, flow, None).await;
    };
    let now = ctx.clock.now().timestamp();
    if !ctx
        .store
        .claim_booking_token(who.user_id, token, now)
        .await?
    {
        bot.answer_callback_query(q.id.clone())
            .text(t!(lang, "booking-already-done"))
            .await?;
        return Ok(());
    }
    bot.answer_callback_query(q.id.clone()).await?;
    tracing::info!(
        user = who.user_id,
        clinic = flow.clinic,
        "booking: confirming"
    );

    let query = PatientQuery {
        lpu_id: flow.clinic,
        name: name.clone(),
        birth_date,
    };
    let patient_id = match within_deadline(ctx.registry.find_patient(&query)).await {
        Ok(id) => id,
        Err(err) if is_transient(&err) => {
            super::screen::log_registry_error("booking", &err);
            // The confirmation stays the current step: «Повторить» draws it again with a new token.
            super::screen::registry_failure(ctx, lang, &err, cb(Cb::Retry))
                .replace(bot, q)
                .await?;
            return Ok(());
        }
        Err(err) => {
            tracing::info!(user = who.user_id, clinic = flow.clinic, error = %err, "booking: patient not found");
            flow.step = Step::NotFound {
                specialty,
                doctor,
                slot,
            };
            return go(bot, q, ctx, who, dialogue, flow, None).await;
        }
    };
    if let Err(err) = ctx
        .store
        .remember_patient(who.user_id, child_id, flow.clinic, &patient_id, now)
        .await
    {
        tracing::warn!(error = %err, "booking: cannot remember the patient's clinic");
    }
    let request = AppointmentCreate::new(
        flow.clinic,
        patient_id.clone(),
        &slot.to_slot(),
        &name,
        birth_date,
        Some(identity.oid.clone()),
    );
    let details = booking_details(ctx, who, flow.clinic, &specialty, &doctor, &slot).await?;
    let new_intent = NewIntent {
        user_id: who.user_id,
        child_id,
        lpu_id: flow.clinic,
        patient_id: patient_id.clone(),
        doctor_id: doctor.id.clone(),
        slot_id: slot.id.clone(),
        visit_at: to_unix(ctx, slot.start),
        details,
    };
    // Recorded before the registry is asked: if its answer is lost (a timeout, a crash), the sync finds
    // the booking in the clinic's list, or tells the user it was not made. It looks soon, whatever else.
    let (intent_id, tried_before) = ctx.store.open_intent(&new_intent, now).await?;
    let intent = Intent::of(intent_id, &new_intent, now);
    ctx.store
        .schedule_registry_sync(who.user_id, now + super::sync::INTENT_RECHECK_SECS)
        .await?;
    let outcome = within_deadline(ctx.registry.book(&request)).await;
    let now = ctx.clock.now().timestamp();
    let registry_id = match outcome {
        Ok(()) => {
            tracing::info!(user = who.user_id, clinic = flow.clinic, "booking: booked");
            // The registry lists the visit under an id of its own: learn it now if it answers; the sync
            // learns it later otherwise.
            find_registry_id(ctx, &intent).await.ok().flatten()
        }
        Err(err) => match find_registry_id(ctx, &intent).await {
            // An earlier answer was lost, or this one: the clinic has the visit all the same.
            Ok(Some(id)) => {
                tracing::info!(user = who.user_id, clinic = flow.clinic, error = %err, "booking: booked, the answer was lost");
                Some(id)
            }
            _ if is_transient(&err) => {
                super::screen::log_registry_error("booking", &err);
                tracing::info!(
                    user = who.user_id,
                    clinic = flow.clinic,
                    "booking: outcome unknown, the sync will settle it"
                );
                save(dialogue, State::Menu).await?;
                return pending_screen(ctx, who, &intent)
                    .replace(bot, q)
                    .await
                    .map(|_| ())
                    .map_err(Into::into);
            }
            _ => {
                // `success: false` on create: the slot went to someone else meanwhile. Fresh times.
                tracing::info!(user = who.user_id, clinic = flow.clinic, error = %err, tried_before, "booking: slot taken");
                ctx.store.close_intent(who.user_id, intent.id).await?;
                flow.step = Step::Times {
                    specialty,
                    doctor,
                    day: slot.start.date(),
                };
                let notice = Some(t!(lang, "booking-slot-taken"));
                return go(bot, q, ctx, who, dialogue, flow, notice).await;
            }
        },
    };

    let appointment = match super::sync::settle_intent(ctx, &intent, registry_id, now).await {
        Ok(Some(appointment)) => appointment,
        Ok(None) => {
            // Settled meanwhile by the sync, which told the user: the list has the visit.
            save(dialogue, State::Booking(Here::Appointments)).await?;
            appointments_screen(ctx, who, None)
                .await?
                .replace(bot, q)
                .await?;
            return Ok(());
        }
        Err(err) => {
            // The clinic has the booking; only our copy (and so its reminders) is missing. Say so
            // plainly, with the visit's details, rather than leave the user at a dead «Подтвердить».
            tracing::error!(error = %err, user = who.user_id, "booking: booked but not stored");
            let when = reminders::local_when(lang, intent.visit_at, ctx.settings.region_tz, now);
            let mut lines = vec![t!(lang, "booking-booked-title")];
            lines.extend(reminders::visit_lines(lang, &intent.details, when));
            lines.push(String::new());
            lines.push(t!(lang, "booking-booked-unsaved"));
            if let Err(err) = save(dialogue, State::Menu).await {
                tracing::error!(error = %err, "booking: cannot reset the dialogue");
            }
            Screen::new(ctx, lang, lines.join("\n"))
                .row(vec![menu_button(lang)])
                .replace(bot, q)
                .await?;
            return Ok(());
        }
    };
    save(dialogue, State::Menu).await?;
    booked_screen(ctx, who, &appointment)
        .replace(bot, q)
        .await?;
    let (file_name, ics) =
        reminders::calendar_file(lang, &appointment, ctx.settings.region_tz, now);
    bot.send_document(
        who.chat_id,
        InputFile::memory(ics.into_bytes()).file_name(file_name),
    )
    .caption(t!(lang, "booking-calendar-caption"))
    .await?;
    Ok(())
}

/// The registry's id of the booking `intent` made, from the clinic's `/appointments`.
async fn find_registry_id(ctx: &Ctx, intent: &Intent) -> RegistryResult<Option<String>> {
    super::sync::find_registry_id(
        ctx,
        intent.lpu_id,
        &intent.patient_id,
        Some(&intent.doctor_id),
        intent.visit_at,
    )
    .await
}

/// «Поликлиника не ответила вовремя»: the visit asked for, and that the bot will say how it ended.
fn pending_screen(ctx: &Ctx, who: &Who, intent: &Intent) -> Screen {
    let lang = who.lang;
    let now = ctx.clock.now().timestamp();
    let when = reminders::local_when(lang, intent.visit_at, ctx.settings.region_tz, now);
    let mut lines = vec![t!(lang, "booking-pending")];
    lines.extend(reminders::visit_lines(lang, &intent.details, when));
    lines.push(String::new());
    lines.push(t!(lang, "booking-pending-hint"));
    Screen::new(ctx, lang, lines.join("\n")).row(vec![
        button(t!(lang, "booking-btn-appointments"), cb(Cb::Appointments)),
        menu_button(lang),
    ])
}

/// «Вы записаны»: the visit, the address, and buttons for the map pin, cancelling and «Мои записи».
fn booked_screen(ctx: &Ctx, who: &Who, appointment: &Appointment) -> Screen {
    let lang = who.lang;
    let now = ctx.clock.now().timestamp();
    let when = reminders::local_when(lang, appointment.visit_at, ctx.settings.region_tz, now);
    let mut lines = vec![t!(lang, "booking-booked-title")];
    lines.extend(reminders::visit_lines(lang, &appointment.details, when));
    lines.push(String::new());
    lines.push(t!(lang, "booking-booked-hint"));
    let mut screen = Screen::new(ctx, lang, lines.join("\n"));
    if appointment.details.coordinates().is_some() {
        screen = screen.button(
            t!(lang, "btn-appointment-route"),
            super::Cb::Reminders(reminders::Cb::Route(appointment.id)),
        );
    }
    screen
        .button(
            t!(lang, "btn-appointment-cancel"),
            cb(Cb::Cancel(appointment.id)),
        )
        .row(vec![
            button(t!(lang, "booking-btn-appointments"), cb(Cb::Appointments)),
            menu_button(lang),
        ])
}

// ---------------------------------------------------------------------------------------------------------
// «Мои записи»

/// «Мои записи» from the main menu or a button: synced with the registry, then listed.
pub async fn show_appointments(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
) -> HandlerResult {
    bot.answer_callback_query(q.id.clone()).await?;
    let now = ctx.clock.now().timestamp();
    let synced = super::sync::sync_user(ctx, who.user_id, who.lang, now).await?;
    // Bookings whose answer was lost and that this comparison settled: told here, as the worker would.
    let (tz, demo) = (ctx.settings.region_tz, ctx.settings.is_demo());
    for appointment in &synced.confirmed {
        super::sync::confirmed_notice(who.lang, demo, appointment, tz, now)
            .send(bot, who.chat_id)
            .await?;
    }
    for intent in &synced.not_booked {
        super::sync::not_booked_notice(who.lang, demo, intent, tz, now)
            .send(bot, who.chat_id)
            .await?;
    }
    let notice = (!synced.all_answered).then(|| t!(who.lang, "booking-sync-failed"));
    save(dialogue, State::Booking(Here::Appointments)).await?;
    appointments_screen(ctx, who, notice)
        .await?
        .replace(bot, q)
        .await?;
    Ok(())
}

async fn appointments_screen(
    ctx: &Ctx,
    who: &Who,
    notice: Option<String>,
) -> anyhow::Result<Screen> {
    let lang = who.lang;
    let now = ctx.clock.now().timestamp();
    let list = ctx.store.upcoming_appointments(who.user_id, now).await?;
    let watches = ctx.store.watches(who.user_id).await?.len();
    let watches_button = (watches > 0).then(|| {
        button(
            t!(lang, "watch-btn-list", count = watches),
            super::Cb::Watch(super::watch::Cb::List),
        )
    });
    if list.is_empty() {
        let body = with_notice(notice, t!(lang, "booking-appointments-empty"));
        let mut screen = Screen::new(ctx, lang, body).button(
            t!(lang, "menu-book"),
            super::Cb::Section(super::callback::Section::Book),
        );
        if let Some(watches) = watches_button {
            screen = screen.row(vec![watches]);
        }
        return Ok(screen.row(vec![menu_button(lang)]));
    }
    let mut lines = vec![t!(lang, "booking-appointments-title")];
    let mut buttons = Vec::new();
    for (n, appointment) in list.iter().enumerate() {
        let d = &appointment.details;
        let when = reminders::local_when(lang, appointment.visit_at, ctx.settings.region_tz, now);
        lines.push(String::new());
        lines.push(t!(
            lang,
            "booking-appointment-item",
            n = n + 1,
            when = when,
            specialty = escape_html(&d.specialty),
            doctor = escape_html(&d.doctor),
            person = escape_html(&d.person),
            clinic = escape_html(&d.clinic),
            address = escape_html(&d.address)
        ));
        buttons.push(button(
            t!(lang, "booking-btn-cancel-n", n = n + 1),
            cb(Cb::Cancel(appointment.id)),
        ));
    }
    let mut screen = Screen::new(ctx, lang, with_notice(notice, lines.join("\n")));
    for row in buttons.chunks(2) {
        screen = screen.row(row.to_vec());
    }
    if let Some(watches) = watches_button {
        screen = screen.row(vec![watches]);
    }
    Ok(screen.row(vec![menu_button(lang)]))
}

/// «Отменить» on an appointment (in «Мои записи», after booking, or under a reminder): the question.
pub async fn ask_cancel(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    id: i64,
) -> HandlerResult {
    let Some(appointment) = booked(ctx, who, id).await? else {
        bot.answer_callback_query(q.id.clone())
            .text(t!(who.lang, "appointment-not-found"))
            .await?;
        return Ok(());
    };
    bot.answer_callback_query(q.id.clone()).await?;
    save(dialogue, State::Booking(Here::ConfirmCancel { id })).await?;
    cancel_screen(ctx, who, &appointment)
        .replace(bot, q)
        .await?;
    Ok(())
}

/// The user's booked, upcoming appointment `id`; `None` for anyone else's, a cancelled or a past one.
async fn booked(ctx: &Ctx, who: &Who, id: i64) -> anyhow::Result<Option<Appointment>> {
    let now = ctx.clock.now().timestamp();
    Ok(ctx
        .store
        .appointment(who.user_id, id)
        .await?
        .filter(|a| a.status == crate::store::AppointmentStatus::Booked && a.visit_at > now))
}

fn cancel_screen(ctx: &Ctx, who: &Who, appointment: &Appointment) -> Screen {
    let lang = who.lang;
    let now = ctx.clock.now().timestamp();
    let when = reminders::local_when(lang, appointment.visit_at, ctx.settings.region_tz, now);
    let mut lines = vec![t!(lang, "booking-cancel-question")];
    lines.extend(reminders::visit_lines(lang, &appointment.details, when));
    Screen::new(ctx, lang, lines.join("\n")).row(vec![
        button(
            t!(lang, "booking-btn-cancel-yes"),
            cb(Cb::CancelYes(appointment.id)),
        ),
        button(t!(lang, "booking-btn-cancel-no"), cb(Cb::CancelNo)),
    ])
}

async fn cancel(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    id: i64,
) -> HandlerResult {
    let lang = who.lang;
    let Some(appointment) = booked(ctx, who, id).await? else {
        bot.answer_callback_query(q.id.clone())
            .text(t!(lang, "appointment-not-found"))
            .await?;
        save(dialogue, State::Booking(Here::Appointments)).await?;
        return appointments_screen(ctx, who, None)
            .await?
            .replace(bot, q)
            .await
            .map_err(Into::into);
    };
    let now = ctx.clock.now().timestamp();
    // A visit booked here is known to the registry by an id of its own, learnt from its list.
    let registry_id = match &appointment.registry_id {
        Some(id) => id.clone(),
        None => match super::sync::find_registry_id(
            ctx,
            appointment.lpu_id,
            &appointment.patient_id,
            appointment.doctor_id.as_deref(),
            appointment.visit_at,
        )
        .await
        {
            Ok(Some(id)) => {
                ctx.store
                    .learn_registry_id(who.user_id, appointment.id, &id, now)
                    .await?;
                id
            }
            Ok(None) => return cancel_not_listed(bot, q, ctx, who, dialogue, &appointment).await,
            Err(err) => {
                super::screen::log_registry_error("booking", &err);
                bot.answer_callback_query(q.id.clone()).await?;
                super::screen::registry_failure(ctx, lang, &err, cb(Cb::Retry))
                    .replace(bot, q)
                    .await?;
                return Ok(());
            }
        },
    };
    let request = AppointmentCancel {
        lpu_id: appointment.lpu_id,
        patient_id: appointment.patient_id.clone(),
        appointment_id: registry_id,
        esia_id: gosuslugi_person(ctx, who.user_id).await?.map(|i| i.oid),
    };
    match within_deadline(ctx.registry.cancel(&request)).await {
        Ok(()) => {}
        Err(err) if is_transient(&err) => {
            super::screen::log_registry_error("booking", &err);
            bot.answer_callback_query(q.id.clone()).await?;
            super::screen::registry_failure(ctx, lang, &err, cb(Cb::Retry))
                .replace(bot, q)
                .await?;
            return Ok(());
        }
        Err(err) => {
            super::screen::log_registry_error("booking", &err);
            bot.answer_callback_query(q.id.clone()).await?;
            save(dialogue, State::Booking(Here::Appointments)).await?;
            let notice = match err {
                RegistryError::Business {
                    message: Some(message),
                    ..
                } => t!(lang, "registry-refused", message = escape_html(&message)),
                _ => t!(lang, "booking-cancel-refused"),
            };
            appointments_screen(ctx, who, Some(notice))
                .await?
                .replace(bot, q)
                .await?;
            return Ok(());
        }
    }
    let now = ctx.clock.now().timestamp();
    ctx.store.cancel_appointment(who.user_id, id, now).await?;
    tracing::info!(
        user = who.user_id,
        clinic = appointment.lpu_id,
        "booking: cancelled"
    );
    bot.answer_callback_query(q.id.clone())
        .text(t!(lang, "booking-cancelled"))
        .await?;
    save(dialogue, State::Booking(Here::Appointments)).await?;
    appointments_screen(ctx, who, Some(t!(lang, "booking-cancelled")))
        .await?
        .replace(bot, q)
        .await?;
    Ok(())
}

/// «Отменить» a visit booked here that the clinic's list does not show: a fresh booking the clinic has not
/// listed yet cannot be cancelled for now; an older one is not at the clinic any more, and goes here too.
async fn cancel_not_listed(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    appointment: &Appointment,
) -> HandlerResult {
    let lang = who.lang;
    let now = ctx.clock.now().timestamp();
    let notice = if appointment.created_at > now - REGISTRY_LAG_SECS {
        t!(lang, "booking-cancel-not-listed")
    } else {
        ctx.store
            .cancel_appointment(who.user_id, appointment.id, now)
            .await?;
        tracing::info!(
            user = who.user_id,
            clinic = appointment.lpu_id,
            "booking: cancelled, the clinic no longer listed it"
        );
        t!(lang, "booking-cancel-gone")
    };
    bot.answer_callback_query(q.id.clone()).await?;
    save(dialogue, State::Booking(Here::Appointments)).await?;
    appointments_screen(ctx, who, Some(notice))
        .await?
        .replace(bot, q)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------
// The registry, bounded in time

/// Worth telling the user «попробуйте позже» rather than «нет»: the registry did not answer usably.
fn is_transient(err: &RegistryError) -> bool {
    matches!(
        err,
        RegistryError::Transient(_) | RegistryError::Malformed(_)
    )
}

async fn specialties(ctx: &Ctx, lpu_id: i64) -> RegistryResult<Vec<Specialty>> {
    within_deadline(ctx.registry.specialties(lpu_id))
        .await
        .or_empty()
}

async fn doctors(ctx: &Ctx, lpu_id: i64, specialty: &str) -> RegistryResult<Vec<Doctor>> {
    within_deadline(ctx.registry.doctors(lpu_id, specialty))
        .await
        .or_empty()
}

async fn slots(ctx: &Ctx, lpu_id: i64, doctor: &str) -> RegistryResult<Vec<Slot>> {
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

    #[test]
    fn day_labels_name_the_weekday() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(day_label(Lang::Ru, day), "вт 01.12");
        assert_eq!(day_label(Lang::En, day), "Tue 01.12");
    }

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn slot_at(day: NaiveDate, hour: u32) -> Slot {
        Slot {
            id: format!("{day}-{hour}"),
            visit_start: day.and_hms_opt(hour, 0, 0).unwrap(),
            visit_end: None,
            address: None,
            number: None,
            room: None,
        }
    }

    #[test]
    fn the_horizon_is_the_doctors_last_date_but_at_least_thirty_days() {
        let today = day(11, 30);
        assert_eq!(horizon(today, None), day(12, 29));
        assert_eq!(horizon(today, Some(day(12, 5))), day(12, 29));
        assert_eq!(horizon(today, Some(day(12, 29))), day(12, 29));
        assert_eq!(
            horizon(today, Some(NaiveDate::from_ymd_opt(2027, 1, 10).unwrap())),
            NaiveDate::from_ymd_opt(2027, 1, 10).unwrap()
        );
        // A date far off (or garbage) is bounded.
        assert_eq!(
            horizon(today, Some(NaiveDate::from_ymd_opt(2099, 1, 1).unwrap())),
            today + Days::days(MAX_DAYS_AHEAD - 1)
        );
        assert_eq!(horizon(today, Some(day(1, 1))), day(12, 29));
    }

    #[test]
    fn upcoming_keeps_later_slots_within_the_horizon_soonest_first() {
        let now = day(11, 30).and_hms_opt(10, 0, 0).unwrap();
        let list = vec![
            slot_at(day(12, 29), 9),
            slot_at(day(11, 30), 9),
            slot_at(day(11, 30), 11),
            slot_at(day(12, 30), 9),
            slot_at(day(12, 1), 8),
        ];
        let kept: Vec<_> = upcoming(list, now, day(12, 29))
            .into_iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(kept, vec!["2026-11-30-11", "2026-12-01-8", "2026-12-29-9"]);
    }

    #[test]
    fn days_are_grouped_by_calendar_week_and_empty_weeks_are_left_out() {
        assert_eq!(monday_of(day(11, 30)), day(11, 30));
        assert_eq!(monday_of(day(12, 6)), day(11, 30));
        assert_eq!(monday_of(day(12, 7)), day(12, 7));
        let list = [
            slot_at(day(12, 2), 9),
            slot_at(day(12, 2), 10),
            slot_at(day(12, 6), 9),
            // No slots in the week of 07.12.
            slot_at(day(12, 14), 9),
            slot_at(day(12, 27), 9),
            slot_at(day(12, 29), 9),
            slot_at(day(12, 29), 10),
            slot_at(day(12, 29), 11),
        ];
        assert_eq!(
            weeks_of(&list),
            vec![
                Week {
                    monday: day(11, 30),
                    days: vec![(day(12, 2), 2), (day(12, 6), 1)]
                },
                Week {
                    monday: day(12, 14),
                    days: vec![(day(12, 14), 1)]
                },
                Week {
                    monday: day(12, 21),
                    days: vec![(day(12, 27), 1)]
                },
                Week {
                    monday: day(12, 28),
                    days: vec![(day(12, 29), 3)]
                },
            ]
        );
        assert!(weeks_of(&[]).is_empty());
    }

    #[test]
    fn the_week_asked_is_shown_or_the_next_with_slots_or_the_last() {
        let weeks = weeks_of(&[
            slot_at(day(12, 2), 9),
            slot_at(day(12, 14), 9),
            slot_at(day(12, 29), 9),
        ]);
        assert_eq!(week_index(&weeks, None), 0);
        assert_eq!(week_index(&weeks, Some(day(11, 30))), 0);
        // Any day of a week stands for it.
        assert_eq!(week_index(&weeks, Some(day(12, 17))), 1);
        // A week whose slots are gone: the next one that has some.
        assert_eq!(week_index(&weeks, Some(day(12, 7))), 1);
        assert_eq!(week_index(&weeks, Some(day(11, 2))), 0);
        // Past the last week: the last.
        assert_eq!(
            week_index(&weeks, Some(NaiveDate::from_ymd_opt(2027, 3, 1).unwrap())),
            2
        );
        assert_eq!(week_index(&[], Some(day(12, 7))), 0);
        assert_eq!(week_dates(day(12, 28)), "28.12–03.01");
    }

    fn doctor(area: Option<&str>, comment: Option<&str>) -> Doctor {
        Doctor {
            id: "1".into(),
            name: "Иванова Анна Сергеевна".into(),
            aria_number: area.map(str::to_owned),
            comment: comment.map(str::to_owned),
            free_ticket_count: 10,
            free_participant_count: 1,
            nearest_date: None,
            last_date: None,
            last_name: None,
            first_name: None,
            middle_name: None,
        }
    }

    #[test]
    fn the_area_gets_the_word_only_when_it_is_bare_numbers() {
        let area = |raw| area_label(Lang::Ru, &doctor(raw, None));
        assert_eq!(area(Some("14")).as_deref(), Some("участок 14"));
        assert_eq!(
            area(Some("10, 18, 19")).as_deref(),
            Some("участки 10, 18, 19")
        );
        assert_eq!(area(Some("14-д участок")).as_deref(), Some("14-д участок"));
        assert_eq!(
            area(Some("1 Педиатрическое Отделение")).as_deref(),
            Some("1 Педиатрическое Отделение")
        );
        assert_eq!(area(Some("<3>")).as_deref(), Some("&lt;3&gt;"));
        assert_eq!(area(Some("")), None);
        assert_eq!(area(None), None);
        assert_eq!(
            area_label(Lang::En, &doctor(Some("10,18"), None)).as_deref(),
            Some("areas 10, 18")
        );
    }

    #[test]
    fn the_comment_is_short_escaped_and_keeps_its_lines() {
        let note = |raw, size| note_of(&doctor(None, raw), size);
        assert_eq!(note(None, NOTE_ON_DOCTOR), None);
        assert_eq!(note(Some("  \n "), NOTE_ON_DOCTOR), None);
        assert_eq!(
            note(
                Some("с 01.10.2026 по 13.10.2026: Нетрудоспособность\n\nКабинет <12> & 14"),
                NOTE_ON_DOCTOR
            )
            .as_deref(),
            Some("ℹ️ <i>с 01.10.2026 по 13.10.2026: Нетрудоспособность\nКабинет &lt;12&gt; &amp; 14</i>")
        );
        assert_eq!(
            note(
                Some("с 01.10.2026 по 13.10.2026: Нетрудоспособность\nКабинет 12"),
                NOTE_IN_LIST
            )
            .as_deref(),
            Some("ℹ️ <i>с 01.10.2026 по 13.10.2026: Нетрудоспособность…</i>")
        );
    }

    fn open_day(day: NaiveDate, from: (u32, u32), to: Option<(u32, u32)>) -> TimetableDay {
        TimetableDay {
            visit_start: day.and_hms_opt(from.0, from.1, 0).unwrap(),
            visit_end: to.map(|(h, m)| day.and_hms_opt(h, m, 0).unwrap()),
            recordable: true,
            deny_cause: None,
        }
    }

    fn closed_day(day: NaiveDate, cause: Option<&str>) -> TimetableDay {
        TimetableDay {
            visit_start: day.and_hms_opt(0, 0, 0).unwrap(),
            visit_end: None,
            recordable: false,
            deny_cause: cause.map(str::to_owned),
        }
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn reception_shows_the_weeks_hours_and_closed_days_with_their_reason() {
        let timetable = [
            open_day(day(11, 29), (8, 0), Some((14, 0))),
            closed_day(day(12, 2), Some("Отпуск")),
            open_day(day(12, 1), (15, 0), Some((17, 0))),
            open_day(day(12, 1), (8, 0), Some((12, 0))),
            open_day(day(12, 1), (8, 0), Some((12, 0))),
            open_day(day(12, 3), (9, 30), None),
            // A bookable day that names no hours says nothing.
            open_day(day(12, 4), (0, 0), None),
            closed_day(day(12, 5), None),
            // Closed entries beside bookable hours: the hours count.
            closed_day(day(12, 6), Some("Обед")),
            open_day(day(12, 6), (10, 0), Some((11, 0))),
            open_day(day(12, 7), (8, 0), Some((14, 0))),
        ];
        assert_eq!(
            reception(&timetable, day(11, 30), day(12, 6)),
            vec![
                (
                    day(12, 1),
                    Reception::Hours(vec![
                        (hm(8, 0), Some(hm(12, 0))),
                        (hm(15, 0), Some(hm(17, 0)))
                    ])
                ),
                (day(12, 2), Reception::Closed(Some("Отпуск".into()))),
                (day(12, 3), Reception::Hours(vec![(hm(9, 30), None)])),
                (day(12, 5), Reception::Closed(None)),
                (
                    day(12, 6),
                    Reception::Hours(vec![(hm(10, 0), Some(hm(11, 0)))])
                ),
            ]
        );
        assert!(reception(&[], day(11, 30), day(12, 6)).is_empty());
    }

    #[test]
    fn reception_lines_are_short_and_escaped() {
        let days = reception(
            &[
                open_day(day(12, 1), (8, 0), Some((12, 0))),
                open_day(day(12, 1), (15, 0), Some((17, 0))),
                closed_day(
                    day(12, 2),
                    Some("Командировка <на курсы> повышения квалификации в другой город"),
                ),
                open_day(day(12, 3), (9, 30), None),
                closed_day(day(12, 4), Some("   ")),
            ],
            day(11, 30),
            day(12, 6),
        );
        assert_eq!(
            reception_lines(Lang::Ru, &days),
            vec![
                "Приём на этой неделе:",
                "вт 01.12 — 08:00–12:00, 15:00–17:00",
                "ср 02.12 — записи нет: Командировка &lt;на курсы&gt; повышения…",
                "чт 03.12 — с 09:30",
                "пт 04.12 — записи нет",
            ]
        );
        assert_eq!(
            reception_lines(Lang::En, &days)[3],
            "Thu 03.12 — from 09:30"
        );
        assert!(reception_lines(Lang::Ru, &[]).is_empty());
    }
}
