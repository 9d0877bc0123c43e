//! The doctor's days by week (with the soonest times one tap away), the times of a day, and «⚡ Ближайший
//! приём» across the specialty's doctors.

use chrono::{Duration as Days, NaiveDate};
use teloxide::types::InlineKeyboardButton;

use crate::bot::ctx::{Ctx, Who};
use crate::bot::screen::{button, Screen};
use crate::i18n::{escape_html, Lang};
use crate::registry::{Doctor, Slot, TimetableDay};
use crate::t;

use super::cb::Cb;
use super::schedule::*;
use super::screens::{back_button, cb, closing_rows, menu_button, with_notice, Drawn};
use super::state::{Choice, Flow, Step};
use crate::registry::listed;

/// The soonest free times offered on a doctor's days, one tap from the confirmation.
const SOONEST: usize = 2;

/// The days screen's head: the doctor and specialty chosen, the участок and the doctor's comment.
fn doctor_header(
    lang: Lang,
    specialty: &Choice,
    doctor: &Choice,
    about: Option<&Doctor>,
) -> String {
    let mut header = t!(
        lang,
        "booking-doctor-chosen",
        doctor = escape_html(&doctor.name),
        specialty = escape_html(&specialty.name)
    );
    if let Some(about) = about {
        if let Some(area) = area_label(lang, about) {
            header.push_str(&t!(lang, "booking-doctor-area", area = area));
        }
        if let Some(note) = note_of(about, NOTE_ON_DOCTOR) {
            header = format!("{header}\n{note}");
        }
    }
    header
}

/// «◀ the week before» and «the week after ▶» around week `at`.
fn week_pager(lang: Lang, weeks: &[Week], at: usize) -> Vec<InlineKeyboardButton> {
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
    pager
}

pub(super) async fn days_screen(
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
        listed(ctx.registry.slots(flow.clinic, &doctor.id)),
        timetable(ctx, flow.clinic, &doctor.id)
    );
    let last = horizon(
        now.date(),
        about.as_ref().and_then(|d| d.last_date).map(|at| at.date()),
    );
    let list = upcoming(free?, now, last);
    flow.keys.clear();
    let offer = crate::bot::watch::offer(ctx, who.user_id, lang, flow.clinic, &flow.step).await;
    let header = doctor_header(lang, specialty, doctor, about.as_ref());
    let weeks = weeks_of(&list);
    if weeks.is_empty() {
        let until = last.format("%d.%m.%Y").to_string();
        let body = format!(
            "{header}\n\n{}",
            t!(lang, "booking-days-empty", until = until)
        );
        let screen = Screen::new(ctx, lang, with_notice(notice, offer.under(body)));
        return Ok(closing_rows(lang, screen, offer.button));
    }
    let at = week_index(&weeks, week);
    let shown = &weeks[at];
    let mut lines = vec![header, String::new()];
    lines.extend(week_lines(lang, &weeks, at, &hours, now.date()));
    let body = offer.under(lines.join("\n"));
    let mut screen = day_rows(
        lang,
        Screen::new(ctx, lang, with_notice(notice, body)),
        shown,
    );
    // The soonest times one tap away, on the first week shown: «⚡ вт 01.12, 08:00».
    if week.is_none() {
        screen = soonest_rows(lang, flow, screen, &list);
    }
    let pager = week_pager(lang, &weeks, at);
    Ok(closing_rows(lang, screen.row(pager), offer.button))
}

/// Week `at`'s title, its dates and the doctor's reception hours on its days from `today`.
fn week_lines(
    lang: Lang,
    weeks: &[Week],
    at: usize,
    hours: &[TimetableDay],
    today: NaiveDate,
) -> Vec<String> {
    let shown = &weeks[at];
    let mut lines = vec![
        t!(lang, "booking-days-title"),
        t!(
            lang,
            "booking-week",
            week = at + 1,
            weeks = weeks.len(),
            dates = week_dates(shown.monday)
        ),
    ];
    let week_reception = reception(hours, shown.monday.max(today), shown.monday + Days::days(6));
    lines.extend(reception_lines(lang, &week_reception));
    lines
}

/// A button a day of the week shown, three a row: «вт 01.12 · 5».
fn day_rows(lang: Lang, mut screen: Screen, shown: &Week) -> Screen {
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
    screen
}

/// The first [`SOONEST`] free times as buttons, two a row; their slot ids become `flow.keys`.
fn soonest_rows(lang: Lang, flow: &mut Flow, mut screen: Screen, list: &[Slot]) -> Screen {
    let soonest: Vec<&Slot> = list.iter().take(SOONEST).collect();
    flow.keys = soonest.iter().map(|slot| slot.id.clone()).collect();
    let row = soonest
        .iter()
        .enumerate()
        .map(|(n, slot)| {
            let label = t!(
                lang,
                "booking-soonest-label",
                day = day_label(lang, slot.visit_start.date()),
                time = slot.visit_start.format("%H:%M").to_string()
            );
            button(label, cb(Cb::Time(n as u16)))
        })
        .collect::<Vec<_>>();
    for pair in row.chunks(2) {
        screen = screen.row(pair.to_vec());
    }
    screen
}

/// «⚡ Ближайший приём»: a button a time («чт 03.12 11:00 — Белова А. В.»), «Назад» to the doctors.
pub(super) async fn soonest_screen(
    ctx: &Ctx,
    who: &Who,
    flow: &mut Flow,
    specialty: &Choice,
    notice: Option<String>,
) -> Drawn {
    let lang = who.lang;
    let list = super::soonest::soonest(ctx, flow.clinic, &specialty.id).await?;
    flow.keys = list.iter().map(|(_, slot)| slot.id.clone()).collect();
    let name = escape_html(&specialty.name);
    let body = match list.is_empty() {
        true => t!(lang, "booking-soonest-any-empty", specialty = name),
        false => t!(lang, "booking-soonest-any-title", specialty = name),
    };
    let mut screen = Screen::new(ctx, lang, with_notice(notice, body));
    for (n, (doctor, slot)) in list.iter().enumerate() {
        let label = t!(
            lang,
            "booking-soonest-any-label",
            day = day_label(lang, slot.visit_start.date()),
            time = slot.visit_start.format("%H:%M").to_string(),
            doctor = short_name(&doctor.full_name())
        );
        screen = screen.button(label, cb(Cb::Time(n as u16)));
    }
    Ok(screen.row(vec![back_button(lang), menu_button(lang)]))
}

pub(super) async fn times_screen(
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
