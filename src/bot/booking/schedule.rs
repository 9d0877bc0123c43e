//! What the booking screens say about a doctor and their schedule: short names, the участок and the comment
//! as the registry wrote them, the horizon (the doctor's lastDate, at least 30 days), days grouped by week, and
//! the reception hours and closed days from /timetable.

use chrono::{Datelike, Duration as Days, NaiveDate, NaiveDateTime, NaiveTime};

use crate::bot::ctx::Ctx;
use crate::domain::FullName;
use crate::domain::{short_note, Area};
use crate::i18n::{escape_html, Lang};
use crate::registry::RegistryError;
use crate::registry::{Doctor, RegistryResult, Slot, TimetableDay};
use crate::t;

pub(in crate::bot) use super::state::monday_of;
use crate::registry::listed;

/// Days with free slots offered at least: today and the next 29, or up to the doctor's `lastDate` when that
/// is later (schedules open about 30 days ahead).
const MIN_DAYS_AHEAD: i64 = 30;
/// … and at most this many, whatever date the registry names.
const MAX_DAYS_AHEAD: i64 = 180;

/// «Иванов И. И.» from «Иванов Иван Иванович»; other shapes as they are.
pub(in crate::bot) fn short_name(full: &str) -> String {
    match FullName::parse(full) {
        Ok(name) => name.short(),
        Err(_) => full.trim().to_owned(),
    }
}

/// How much of a doctor's comment is shown: lines, characters.
pub(in crate::bot) const NOTE_IN_LIST: (usize, usize) = (1, 60);
pub(in crate::bot) const NOTE_ON_DOCTOR: (usize, usize) = (4, 300);

/// The doctor's участок as the registry wrote it, with the word only for bare numbers; escaped.
pub(in crate::bot) fn area_label(lang: Lang, doctor: &Doctor) -> Option<String> {
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
pub(in crate::bot) fn note_of(doctor: &Doctor, (lines, chars): (usize, usize)) -> Option<String> {
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
pub(in crate::bot) fn day_label(lang: Lang, day: NaiveDate) -> String {
    let weekday = crate::bot::visit::weekday_name(lang, day.weekday());
    format!("{weekday} {}", day.format("%d.%m"))
}

/// The region's "now", as the registry's local times are written.
pub(in crate::bot) fn local_now(ctx: &Ctx) -> NaiveDateTime {
    ctx.clock
        .now()
        .with_timezone(&ctx.settings.region_tz)
        .naive_local()
}

/// The last day whose slots are offered: the doctor's `lastDate`, but at least [`MIN_DAYS_AHEAD`] and at
/// most [`MAX_DAYS_AHEAD`] days from `today` on.
pub(in crate::bot) fn horizon(today: NaiveDate, last_date: Option<NaiveDate>) -> NaiveDate {
    let least = today + Days::days(MIN_DAYS_AHEAD - 1);
    let most = today + Days::days(MAX_DAYS_AHEAD - 1);
    last_date.map_or(least, |last| last.clamp(least, most))
}

/// The doctor's free slots from now on up to `last` (a day, inclusive), soonest first.
pub(in crate::bot) async fn upcoming_slots(
    ctx: &Ctx,
    lpu_id: i64,
    doctor: &str,
    last: NaiveDate,
) -> RegistryResult<Vec<Slot>> {
    Ok(upcoming(
        listed(ctx.registry.slots(lpu_id, doctor)).await?,
        local_now(ctx),
        last,
    ))
}

/// The slots after `now` up to `last` (a day, inclusive), soonest first.
pub(in crate::bot) fn upcoming(slots: Vec<Slot>, now: NaiveDateTime, last: NaiveDate) -> Vec<Slot> {
    let mut list: Vec<Slot> = slots
        .into_iter()
        .filter(|s| s.visit_start > now && s.visit_start.date() <= last)
        .collect();
    list.sort_by_key(|s| s.visit_start);
    list
}

/// The doctor as the registry lists them now (for the участок, the comment and `lastDate`); `None` when the
/// list does not answer or no longer holds them, which never stops the screen.
pub(in crate::bot) async fn doctor_of(
    ctx: &Ctx,
    lpu_id: i64,
    specialty: &str,
    doctor: &str,
) -> Option<Doctor> {
    match listed(ctx.registry.doctors(lpu_id, specialty)).await {
        Ok(list) => list.into_iter().find(|d| d.id == doctor),
        Err(err) => {
            crate::bot::screen::log_registry_error("booking", &err);
            None
        }
    }
}

/// A week of the days screen: its Monday and its days with free slots (day, how many), in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(in crate::bot) struct Week {
    pub(in crate::bot) monday: NaiveDate,
    pub(in crate::bot) days: Vec<(NaiveDate, usize)>,
}

/// The days of `slots` (soonest first) with their counts, by calendar week; weeks without slots are left out.
pub(in crate::bot) fn weeks_of(slots: &[Slot]) -> Vec<Week> {
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
pub(in crate::bot) fn week_index(weeks: &[Week], asked: Option<NaiveDate>) -> usize {
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
pub(in crate::bot) const TIMETABLE_DEADLINE: std::time::Duration =
    std::time::Duration::from_secs(5);

/// The doctor's timetable (`/timetable`), or nothing when it does not answer in time or at all: a registry
/// that has none, or fails, never stops the days screen.
pub(in crate::bot) async fn timetable(ctx: &Ctx, lpu_id: i64, doctor: &str) -> Vec<TimetableDay> {
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
pub(in crate::bot) enum Reception {
    /// Open for booking, with the reception hours (start, end when known), earliest first.
    Hours(Vec<(NaiveTime, Option<NaiveTime>)>),
    /// Closed for booking, with the registry's reason when it gives one.
    Closed(Option<String>),
}

/// The timetable's days from `from` to `to` (inclusive), in order: a day with any bookable hours shows
/// them; a day with none is closed, with the first reason given. A bookable day that names no hours
/// (midnight, no end) says nothing and is left out.
pub(in crate::bot) fn reception(
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
pub(in crate::bot) fn reception_lines(
    lang: Lang,
    reception: &[(NaiveDate, Reception)],
) -> Vec<String> {
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
pub(in crate::bot) fn week_dates(monday: NaiveDate) -> String {
    let sunday = monday + Days::days(6);
    format!("{}–{}", monday.format("%d.%m"), sunday.format("%d.%m"))
}

#[allow(clippy::too_many_arguments)]
#[cfg(test)]
mod tests {
    use super::*;

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
