//! An iCalendar (RFC 5545) file for one visit, for «Добавить в календарь».
//!
//! The start is written in the region's local time with its `TZID` and a `VTIMEZONE` that gives the zone's
//! offset at the visit, so a phone in another zone still shows the right instant. The texts (summary,
//! description) come from the caller, already in the user's language; this module only encodes.

use std::fmt::Write as _;
use std::time::Duration;

use chrono::{DateTime, Offset, TimeZone, Utc};
use chrono_tz::{OffsetName, Tz};

/// RFC 5545 §3.1: lines are folded so that none is longer than 75 octets.
const MAX_LINE_OCTETS: usize = 75;

/// One event to put in a calendar.
#[derive(Clone, Debug, PartialEq)]
pub struct CalendarEvent {
    /// Globally unique and stable: the same visit exported twice updates one event.
    pub uid: String,
    pub start: DateTime<Utc>,
    pub duration: Duration,
    pub summary: String,
    pub location: String,
    pub description: String,
    /// Latitude and longitude of the place.
    pub geo: Option<(f64, f64)>,
    /// How long before the start the calendar should alert, with `alarm_text`.
    pub alarm_before: Option<Duration>,
    pub alarm_text: String,
}

/// The `.ics` text of `event`, times local to `tz`, stamped `stamp` (when the file was made).
pub fn to_ics(event: &CalendarEvent, tz: Tz, stamp: DateTime<Utc>) -> String {
    let local_start = event.start.with_timezone(&tz);
    let end = event.start + chrono::Duration::seconds(event.duration.as_secs() as i64);
    let local_end = end.with_timezone(&tz);
    let offset = tz.offset_from_utc_datetime(&event.start.naive_utc());
    let zone_name = offset.abbreviation().unwrap_or("").to_owned();
    let utc_offset = format_utc_offset(offset.fix().local_minus_utc());

    let mut lines: Vec<String> = vec![
        "BEGIN:VCALENDAR".into(),
        "VERSION:2.0".into(),
        "PRODID:-//kvrachu-bot//appointment reminder//RU".into(),
        "CALSCALE:GREGORIAN".into(),
        "METHOD:PUBLISH".into(),
        // One observance with the zone's offset at the visit: exact for the event's instant. The region's
        // zone (Asia/Irkutsk) has had no daylight saving time since 2014.
        "BEGIN:VTIMEZONE".into(),
        format!("TZID:{}", tz.name()),
        "BEGIN:STANDARD".into(),
        "DTSTART:19700101T000000".into(),
        format!("TZOFFSETFROM:{utc_offset}"),
        format!("TZOFFSETTO:{utc_offset}"),
    ];
    if !zone_name.is_empty() {
        lines.push(format!("TZNAME:{}", escape_text(&zone_name)));
    }
    lines.extend([
        "END:STANDARD".into(),
        "END:VTIMEZONE".into(),
        "BEGIN:VEVENT".into(),
        format!("UID:{}", escape_text(&event.uid)),
        format!("DTSTAMP:{}", stamp.format("%Y%m%dT%H%M%SZ")),
        format!(
            "DTSTART;TZID={}:{}",
            tz.name(),
            local_start.format("%Y%m%dT%H%M%S")
        ),
        format!(
            "DTEND;TZID={}:{}",
            tz.name(),
            local_end.format("%Y%m%dT%H%M%S")
        ),
        format!("SUMMARY:{}", escape_text(&event.summary)),
        format!("LOCATION:{}", escape_text(&event.location)),
        format!("DESCRIPTION:{}", escape_text(&event.description)),
    ]);
    if let Some((lat, lon)) = event.geo {
        lines.push(format!("GEO:{lat:.6};{lon:.6}"));
    }
    if let Some(before) = event.alarm_before {
        lines.extend([
            "BEGIN:VALARM".into(),
            "ACTION:DISPLAY".into(),
            format!("DESCRIPTION:{}", escape_text(&event.alarm_text)),
            format!("TRIGGER:-PT{}M", before.as_secs() / 60),
            "END:VALARM".into(),
        ]);
    }
    lines.extend(["END:VEVENT".into(), "END:VCALENDAR".into()]);

    let mut out = String::new();
    for line in &lines {
        out.push_str(&fold(line));
    }
    out
}

/// `+0800`, `-0330`.
fn format_utc_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    format!("{sign}{:02}{:02}", minutes / 60, minutes % 60)
}

/// Escapes a TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines.
pub fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            // Other control characters are not allowed in TEXT.
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds one content line at 75 octets (never inside a UTF-8 character) and ends it with CRLF.
/// Continuation lines start with a space, which counts towards their 75.
pub fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 64 * 3 + 2);
    let mut octets = 0;
    for c in line.chars() {
        let width = c.len_utf8();
        if octets + width > MAX_LINE_OCTETS {
            out.push_str("\r\n ");
            octets = 1;
        }
        out.push(c);
        octets += width;
    }
    out.push_str("\r\n");
    out
}

/// A file name for the event's `.ics` attachment.
pub fn file_name(start: DateTime<Utc>, tz: Tz) -> String {
    let mut name = String::from("visit-");
    let _ = write!(name, "{}", start.with_timezone(&tz).format("%Y-%m-%d-%H%M"));
    name.push_str(".ics");
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_values_escape_commas_semicolons_backslashes_and_newlines() {
        assert_eq!(
            escape_text("ул. Ленина, 1; каб. 5\\6\nвход\r\nсо двора"),
            "ул. Ленина\\, 1\\; каб. 5\\\\6\\nвход\\nсо двора"
        );
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_a_letter() {
        let line = format!("DESCRIPTION:{}", "Приём у врача ".repeat(20));
        let folded = fold(&line);
        assert!(folded.ends_with("\r\n"));
        let parts: Vec<&str> = folded.trim_end_matches("\r\n").split("\r\n").collect();
        assert!(parts.len() > 1);
        for (i, part) in parts.iter().enumerate() {
            assert!(part.len() <= 75, "line {i} has {} octets", part.len());
            if i > 0 {
                assert!(part.starts_with(' '));
            }
        }
        let unfolded: String = parts
            .iter()
            .enumerate()
            .map(|(i, p)| if i == 0 { *p } else { &p[1..] })
            .collect();
        assert_eq!(unfolded, line);
        assert_eq!(fold("SHORT"), "SHORT\r\n");
    }

    #[test]
    fn offsets_are_written_as_hours_and_minutes() {
        assert_eq!(format_utc_offset(8 * 3600), "+0800");
        assert_eq!(format_utc_offset(-(3 * 3600 + 1800)), "-0330");
        assert_eq!(format_utc_offset(0), "+0000");
    }

    fn visit() -> CalendarEvent {
        CalendarEvent {
            uid: "appointment-42@kvrachu-bot".into(),
            // 09:30 in Irkutsk (UTC+8) on 1 December 2026.
            start: Utc.with_ymd_and_hms(2026, 12, 1, 1, 30, 0).unwrap(),
            duration: Duration::from_secs(30 * 60),
            summary: "Приём: терапевт, Иванова А. А.".into(),
            location: "Поликлиника №1; ул. Ленина, 1, каб. 12".into(),
            description: "Пациент: Петров Пётр Петрович\nКабинет 12\nТелефон: +7 (3952) 00-00-00"
                .repeat(3),
            geo: Some((52.2869, 104.305)),
            alarm_before: Some(Duration::from_secs(2 * 3600)),
            alarm_text: "Приём через 2 часа".into(),
        }
    }

    #[test]
    fn the_file_parses_with_a_calendar_parser_and_starts_at_the_right_instant_in_irkutsk() {
        let stamp = Utc.with_ymd_and_hms(2026, 11, 27, 0, 0, 0).unwrap();
        let ics = to_ics(&visit(), chrono_tz::Asia::Irkutsk, stamp);
        // Every line ends with CRLF and none is longer than 75 octets.
        assert!(ics.ends_with("\r\n"));
        for line in ics.split_terminator("\r\n") {
            assert!(!line.contains('\n'), "bare LF in {line:?}");
            assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
        }

        let unfolded = icalendar::parser::unfold(&ics);
        let calendar = icalendar::parser::read_calendar(&unfolded).expect("a valid iCalendar");
        fn prop(
            c: &icalendar::parser::Component<'_>,
            name: &str,
        ) -> icalendar::parser::Property<'static> {
            let found = c
                .find_prop(name)
                .unwrap_or_else(|| panic!("{name} missing"));
            icalendar::parser::Property {
                name: found.name.to_owned(),
                val: found.val.to_owned(),
                params: found
                    .params
                    .iter()
                    .map(|p| icalendar::parser::Parameter {
                        key: p.key.to_owned(),
                        val: p.val.as_ref().map(|v| v.to_owned()),
                    })
                    .collect(),
            }
        }
        assert_eq!(
            calendar
                .properties
                .iter()
                .find(|p| p.name == "VERSION")
                .unwrap()
                .val
                .as_str(),
            "2.0"
        );
        let names: Vec<&str> = calendar
            .components
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(names, ["VTIMEZONE", "VEVENT"]);
        let zone = &calendar.components[0];
        assert_eq!(prop(zone, "TZID").val.as_str(), "Asia/Irkutsk");
        let standard = &zone.components[0];
        assert_eq!(prop(standard, "TZOFFSETTO").val.as_str(), "+0800");

        let event = &calendar.components[1];
        assert_eq!(
            prop(event, "UID").val.as_str(),
            "appointment-42@kvrachu-bot"
        );
        assert_eq!(prop(event, "DTSTAMP").val.as_str(), "20261127T000000Z");
        let start = prop(event, "DTSTART");
        let tzid = start
            .params
            .iter()
            .find(|p| p.key == "TZID")
            .and_then(|p| p.val.as_ref())
            .expect("DTSTART has a TZID")
            .as_str()
            .to_owned();
        assert_eq!(tzid, "Asia/Irkutsk");
        let local = chrono::NaiveDateTime::parse_from_str(start.val.as_str(), "%Y%m%dT%H%M%S")
            .expect("a local date-time");
        let zone: Tz = tzid.parse().unwrap();
        let instant = zone
            .from_local_datetime(&local)
            .single()
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(instant, visit().start);
        assert_eq!(prop(event, "DTEND").val.as_str(), "20261201T100000");

        // Escaped texts come back as written.
        assert_eq!(
            prop(event, "SUMMARY").val.unescape_text().as_str(),
            "Приём: терапевт, Иванова А. А."
        );
        assert_eq!(
            prop(event, "LOCATION").val.unescape_text().as_str(),
            "Поликлиника №1; ул. Ленина, 1, каб. 12"
        );
        assert_eq!(
            prop(event, "DESCRIPTION").val.unescape_text().as_str(),
            visit().description
        );
        assert_eq!(prop(event, "GEO").val.as_str(), "52.286900;104.305000");
        let alarm = &event.components[0];
        assert_eq!(alarm.name.as_str(), "VALARM");
        assert_eq!(prop(alarm, "TRIGGER").val.as_str(), "-PT120M");
        assert_eq!(prop(alarm, "ACTION").val.as_str(), "DISPLAY");
    }

    #[test]
    fn the_owned_calendar_model_reads_the_file_too() {
        let stamp = Utc.with_ymd_and_hms(2026, 11, 27, 0, 0, 0).unwrap();
        let ics = to_ics(&visit(), chrono_tz::Asia::Irkutsk, stamp);
        let calendar: icalendar::Calendar = ics.parse().expect("parses");
        let events: Vec<_> = calendar
            .components
            .iter()
            .filter_map(|c| c.as_event())
            .collect();
        assert_eq!(events.len(), 1);
        use icalendar::Component as _;
        assert_eq!(
            events[0].get_summary(),
            Some("Приём: терапевт, Иванова А. А.")
        );
    }

    #[test]
    fn the_file_name_carries_the_local_date_and_time() {
        assert_eq!(
            file_name(visit().start, chrono_tz::Asia::Irkutsk),
            "visit-2026-12-01-0930.ics"
        );
    }
}
