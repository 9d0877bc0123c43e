//! A visit as the user sees it, in one place for booking, «Мои записи», reminders and the sync's notices:
//! when (the region's local time, the day named), the card (who, doctor, clinic, address, room, phone), the
//! reminder's screen and buttons, and the calendar file.

use std::time::Duration;

use chrono::{DateTime, Datelike, TimeZone, Utc};
use chrono_tz::Tz;

use crate::calendar::{self, CalendarEvent};
use crate::i18n::{escape_html, Lang};
use crate::store::{Appointment, AppointmentDetails};
use crate::t;

use super::ctx::Ctx;
use super::reminders::cb::Cb;
use super::screen::button;
use super::screen::Screen;

/// «пн», «вт» … in `lang`.
pub fn weekday_name(lang: Lang, day: chrono::Weekday) -> String {
    match day {
        chrono::Weekday::Mon => t!(lang, "weekday-mon"),
        chrono::Weekday::Tue => t!(lang, "weekday-tue"),
        chrono::Weekday::Wed => t!(lang, "weekday-wed"),
        chrono::Weekday::Thu => t!(lang, "weekday-thu"),
        chrono::Weekday::Fri => t!(lang, "weekday-fri"),
        chrono::Weekday::Sat => t!(lang, "weekday-sat"),
        chrono::Weekday::Sun => t!(lang, "weekday-sun"),
    }
}

/// «сегодня, 01.12.2026 в 09:30» in `tz`, the day named relative to `now`.
pub fn local_when(lang: Lang, at: i64, tz: Tz, now: i64) -> String {
    let at = tz
        .timestamp_opt(at, 0)
        .single()
        .unwrap_or_else(|| tz.from_utc_datetime(&DateTime::<Utc>::UNIX_EPOCH.naive_utc()));
    let today = tz
        .timestamp_opt(now, 0)
        .single()
        .map(|n| n.date_naive())
        .unwrap_or(at.date_naive());
    let day = match (at.date_naive() - today).num_days() {
        0 => t!(lang, "reminder-day-today"),
        1 => t!(lang, "reminder-day-tomorrow"),
        _ => weekday_name(lang, at.weekday()),
    };
    t!(
        lang,
        "reminder-when",
        day = day,
        date = at.format("%d.%m.%Y").to_string(),
        time = at.format("%H:%M").to_string()
    )
}

/// The reminder: who, when (local), doctor, clinic, address, room, and the three buttons.
pub fn reminder_screen(lang: Lang, demo: bool, visit: &Appointment, tz: Tz, now: i64) -> Screen {
    let mut lines = vec![t!(lang, "reminder-title")];
    lines.extend(visit_card_lines(lang, visit, tz, now));
    visit_screen(lang, demo, visit, lines).button(t!(lang, "btn-menu"), super::Cb::Menu)
}

/// A message about a visit: `title`, the visit ([`visit_lines`] of `details` at `visit_at`), and `hint`
/// after a blank line when there is one.
#[allow(clippy::too_many_arguments)]
pub fn titled_visit(
    lang: Lang,
    title: String,
    details: &AppointmentDetails,
    visit_at: i64,
    tz: Tz,
    now: i64,
    hint: Option<String>,
) -> String {
    let mut lines = vec![title];
    lines.extend(visit_lines(
        lang,
        details,
        local_when(lang, visit_at, tz, now),
    ));
    if let Some(hint) = hint {
        lines.push(String::new());
        lines.push(hint);
    }
    lines.join("\n")
}

/// «Кто», «Когда: пн, 01.12.2026 в 09:30 (время местное)», doctor, clinic, address, and the room when
/// known: a visit as the booking screens show it.
pub fn visit_lines(lang: Lang, details: &AppointmentDetails, when: String) -> Vec<String> {
    let mut lines = vec![
        t!(lang, "reminder-who", person = escape_html(&details.person)),
        t!(lang, "reminder-at", when = when),
        t!(
            lang,
            "reminder-doctor",
            doctor = escape_html(&details.doctor),
            specialty = escape_html(&details.specialty)
        ),
        t!(
            lang,
            "reminder-clinic",
            clinic = escape_html(&details.clinic)
        ),
        t!(
            lang,
            "reminder-address",
            address = escape_html(&details.address)
        ),
    ];
    if let Some(room) = details.room.as_deref().filter(|r| !r.trim().is_empty()) {
        lines.push(t!(lang, "reminder-room", room = escape_html(room)));
    }
    lines
}

/// A visit's card in a message of its own (a reminder, a notice): [`visit_lines`] with the visit's
/// local time, and the clinic's phone when known.
pub fn visit_card_lines(lang: Lang, appointment: &Appointment, tz: Tz, now: i64) -> Vec<String> {
    let d = &appointment.booking.details;
    let when = local_when(lang, appointment.booking.visit_at, tz, now);
    let mut lines = visit_lines(lang, d, when);
    if let Some(phone) = d.phone.as_deref().filter(|p| !p.trim().is_empty()) {
        lines.push(t!(lang, "reminder-phone", phone = escape_html(phone)));
    }
    lines
}

/// A message about an upcoming visit (`lines`, already escaped) with the visit's buttons: «Отменить
/// запись», «Как добраться» (when the clinic has a map pin), «Добавить в календарь».
pub fn visit_screen(
    lang: Lang,
    demo: bool,
    appointment: &Appointment,
    lines: Vec<String>,
) -> Screen {
    let screen = Screen::with_badge(lang, demo, lines.join("\n")).button(
        t!(lang, "btn-appointment-cancel"),
        super::Cb::Reminders(Cb::Cancel(appointment.id)),
    );
    let mut row = Vec::new();
    if appointment.booking.details.coordinates().is_some() {
        row.push(button(
            t!(lang, "btn-appointment-route"),
            super::Cb::Reminders(Cb::Route(appointment.id)),
        ));
    }
    row.push(button(
        t!(lang, "btn-appointment-calendar"),
        super::Cb::Reminders(Cb::Calendar(appointment.id)),
    ));
    screen.row(row)
}

/// How long a visit lasts: from the slot's `visitEnd` when the registry gave it (15 minutes is common),
/// else half an hour.
fn visit_duration(details: &AppointmentDetails) -> Duration {
    const DEFAULT: Duration = Duration::from_secs(30 * 60);
    let parse = |raw: &str| chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S").ok();
    let (Some(start), Some(end)) = (
        parse(&details.local_time),
        details.local_end.as_deref().and_then(parse),
    ) else {
        return DEFAULT;
    };
    match (end - start).to_std() {
        // A visit of a second or of half a day is a registry's slip, not a visit.
        Ok(length)
            if length >= Duration::from_secs(60) && length <= Duration::from_secs(8 * 3600) =>
        {
            length
        }
        _ => DEFAULT,
    }
}

/// The `.ics` file of a visit, in the user's language.
pub fn calendar_file(lang: Lang, appointment: &Appointment, tz: Tz, now: i64) -> (String, String) {
    let d = &appointment.booking.details;
    let start = Utc
        .timestamp_opt(appointment.booking.visit_at, 0)
        .single()
        .unwrap_or_default();
    let mut description = vec![
        t!(lang, "ics-who", person = d.person.clone()),
        t!(
            lang,
            "ics-doctor",
            doctor = d.doctor.clone(),
            specialty = d.specialty.clone()
        ),
    ];
    if let Some(room) = d.room.as_deref().filter(|r| !r.trim().is_empty()) {
        description.push(t!(lang, "ics-room", room = room.to_owned()));
    }
    if let Some(phone) = d.phone.as_deref().filter(|p| !p.trim().is_empty()) {
        description.push(t!(lang, "ics-phone", phone = phone.to_owned()));
    }
    let event = CalendarEvent {
        uid: format!("appointment-{}@kvrachu-bot", appointment.id),
        start,
        duration: visit_duration(d),
        summary: t!(lang, "ics-summary", specialty = d.specialty.clone()),
        location: format!("{}, {}", d.clinic, d.address),
        description: description.join("\n"),
        geo: d.coordinates(),
        alarm_before: Some(Duration::from_secs(2 * 3600)),
        alarm_text: t!(lang, "ics-alarm", specialty = d.specialty.clone()),
    };
    let stamp = Utc.timestamp_opt(now, 0).single().unwrap_or_default();
    (
        calendar::file_name(start, tz),
        calendar::to_ics(&event, tz, stamp),
    )
}

/// A screen of a visit (booked, or asked for) under `title` as of now, in the region's time, with `hint`
/// below it; its buttons are the caller's.
pub(in crate::bot) fn titled_visit_screen(
    ctx: &Ctx,
    lang: Lang,
    title: String,
    details: &AppointmentDetails,
    visit_at: i64,
    hint: Option<String>,
) -> Screen {
    let now = ctx.clock.now().timestamp();
    let tz = ctx.settings.region_tz;
    let text = titled_visit(lang, title, details, visit_at, tz, now, hint);
    Screen::new(ctx, lang, text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::AppointmentStatus;

    fn visit_with_end(end: Option<&str>) -> Appointment {
        Appointment {
            id: 7,
            booking: crate::store::NewAppointment {
                user_id: 1,
                child_id: None,
                lpu_id: 204,
                patient_id: "p".into(),
                registry_id: Some("14643472".into()),
                doctor_id: None,
                slot_id: None,
                // 09:30 in Irkutsk on 1 December 2026.
                visit_at: 1_796_088_600,
                details: AppointmentDetails {
                    person: "Иванов Иван Иванович".into(),
                    specialty: "Терапевт".into(),
                    local_time: "2026-12-01T09:30:00".into(),
                    local_end: end.map(str::to_owned),
                    ..AppointmentDetails::default()
                },
                source: crate::store::AppointmentSource::Bot,
            },
            status: AppointmentStatus::Booked,
            created_at: 0,
            updated_at: 0,
        }
    }

    fn dtend(ics: &str) -> &str {
        ics.lines()
            .find_map(|line| line.strip_prefix("DTEND;TZID=Asia/Irkutsk:"))
            .unwrap_or_else(|| panic!("no DTEND in {ics}"))
    }

    #[test]
    fn the_calendar_file_ends_the_visit_at_the_slots_end() {
        let tz = chrono_tz::Asia::Irkutsk;
        let (_, ics) = calendar_file(
            Lang::Ru,
            &visit_with_end(Some("2026-12-01T09:45:00")),
            tz,
            0,
        );
        assert_eq!(dtend(&ics), "20261201T094500");
        // Without an end, or with one the registry got wrong, half an hour.
        for end in [
            None,
            Some("2026-12-01T09:30:00"),
            Some("2026-12-02T09:45:00"),
            Some("x"),
        ] {
            let (_, ics) = calendar_file(Lang::Ru, &visit_with_end(end), tz, 0);
            assert_eq!(dtend(&ics), "20261201T100000", "{end:?}");
        }
    }
}
