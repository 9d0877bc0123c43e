//! When a slot watch may take a slot: a window of dates (from–to), weekdays, a time of day (after 15:00 —
//! school), and a minimum notice (not sooner than N hours from now). Slot times are the registry's local
//! times (`REGION_TZ`); "now" is always given, never read from a clock here.
//!
//! A window is typed or chosen from presets. [`WatchWindow::parse`] reads short clauses separated by
//! commas, in Russian or English: «пн-пт, после 15:00, до 20.12, через 24 ч» or «weekdays, 15:00-19:00,
//! within 2 weeks». Every clause must be understood: a typo is an error that names the clause, never a
//! window quietly wider than asked.

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// The longest minimum notice, in hours (two weeks): beyond it a watch could hardly ever match.
pub const MAX_NOTICE_HOURS: u32 = 14 * 24;
/// How far ahead a window's dates may reach, in days: registries open schedules about 30 days ahead, and a
/// watch lives no longer than that.
pub const MAX_DAYS_AHEAD: u64 = 60;

/// A set of weekdays; empty means every day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Weekdays(u8);

impl Weekdays {
    pub const EVERY_DAY: Weekdays = Weekdays(0);
    /// Monday to Friday.
    pub const WORKDAYS: Weekdays = Weekdays(0b0001_1111);
    /// Saturday and Sunday.
    pub const WEEKEND: Weekdays = Weekdays(0b0110_0000);

    pub fn of(days: &[Weekday]) -> Weekdays {
        Weekdays(
            days.iter()
                .fold(0, |bits, d| bits | (1 << d.num_days_from_monday())),
        )
    }

    pub fn is_every_day(self) -> bool {
        self.0 == 0 || self.0 == 0b0111_1111
    }

    pub fn contains(self, day: Weekday) -> bool {
        self.is_every_day() || self.0 & (1 << day.num_days_from_monday()) != 0
    }

    /// The days of the set, Monday first (all seven for every day).
    pub fn days(self) -> Vec<Weekday> {
        let mut day = Weekday::Mon;
        let mut days = Vec::new();
        for _ in 0..7 {
            if self.contains(day) {
                days.push(day);
            }
            day = day.succ();
        }
        days
    }

    fn with(self, other: Weekdays) -> Weekdays {
        Weekdays((self.0 | other.0) & 0b0111_1111)
    }
}

/// When a watch may take a slot. The default admits any slot that has not begun.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WatchWindow {
    /// The first day a slot may be on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    /// The last day a slot may be on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveDate>,
    #[serde(default)]
    pub weekdays: Weekdays,
    /// A slot starts at this time of day or later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<NaiveTime>,
    /// A slot starts before this time of day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<NaiveTime>,
    /// A slot starts at least this many hours from now.
    #[serde(default)]
    pub notice_hours: u32,
}

/// Why a typed window was refused. [`WindowError::key`] names its message (`locales/*/watch.ftl`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WindowError {
    /// Nothing was typed.
    Empty,
    /// A clause that is none of the known kinds (quoted back to the user).
    Unknown(String),
    /// A date that does not exist («31.02»).
    NoSuchDate(String),
    /// A time that does not exist («25:00»).
    NoSuchTime(String),
    /// The last day is before the first, or already past.
    DatesReversed,
    /// The window's last day is before today.
    InPast,
    /// The first day is more than [`MAX_DAYS_AHEAD`] days ahead.
    TooFarAhead,
    /// The time of day is empty («после 18:00, до 9:00»).
    TimesReversed,
    /// The minimum notice is longer than [`MAX_NOTICE_HOURS`].
    NoticeTooLong,
}

impl WindowError {
    /// The Fluent message of this error.
    pub fn key(&self) -> &'static str {
        match self {
            WindowError::Empty => "watch-window-err-empty",
            WindowError::Unknown(_) => "watch-window-err-unknown",
            WindowError::NoSuchDate(_) => "watch-window-err-date",
            WindowError::NoSuchTime(_) => "watch-window-err-time",
            WindowError::DatesReversed => "watch-window-err-dates-reversed",
            WindowError::InPast => "watch-window-err-past",
            WindowError::TooFarAhead => "watch-window-err-too-far",
            WindowError::TimesReversed => "watch-window-err-times-reversed",
            WindowError::NoticeTooLong => "watch-window-err-notice",
        }
    }

    /// The message's variables.
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            WindowError::Unknown(what) | WindowError::NoSuchDate(what) => {
                vec![("what", what.clone())]
            }
            WindowError::NoSuchTime(what) => vec![("what", what.clone())],
            WindowError::TooFarAhead => vec![("days", MAX_DAYS_AHEAD.to_string())],
            WindowError::NoticeTooLong => vec![("hours", MAX_NOTICE_HOURS.to_string())],
            _ => Vec::new(),
        }
    }
}

impl WatchWindow {
    /// Any slot that has not begun.
    pub fn any() -> WatchWindow {
        WatchWindow::default()
    }

    pub fn is_any(&self) -> bool {
        self.weekdays.is_every_day()
            && self.from.is_none()
            && self.to.is_none()
            && self.after.is_none()
            && self.before.is_none()
            && self.notice_hours == 0
    }

    /// Whether a slot starting at `start` (the region's local time, zone `tz`) is in the window at `now`
    /// (Unix seconds): not begun, at least the notice ahead, on an allowed day, at an allowed time.
    pub fn admits(&self, start: NaiveDateTime, now: i64, tz: Tz) -> bool {
        let at = instant(tz, start);
        let notice = i64::from(self.notice_hours) * 3600;
        if at <= now || at < now.saturating_add(notice) {
            return false;
        }
        let day = start.date();
        if self.from.is_some_and(|from| day < from) || self.to.is_some_and(|to| day > to) {
            return false;
        }
        if !self.weekdays.contains(day.weekday()) {
            return false;
        }
        let time = start.time();
        !(self.after.is_some_and(|after| time < after)
            || self.before.is_some_and(|before| time >= before))
    }

    /// Whether no slot can be in the window any more on `today` (its last day has passed).
    pub fn is_over(&self, today: NaiveDate) -> bool {
        self.to.is_some_and(|to| to < today)
    }

    /// After 15:00 (school and work): a preset.
    pub fn after_school() -> WatchWindow {
        WatchWindow {
            after: NaiveTime::from_hms_opt(15, 0, 0),
            ..WatchWindow::default()
        }
    }

    /// Monday to Friday: a preset.
    pub fn workdays() -> WatchWindow {
        WatchWindow {
            weekdays: Weekdays::WORKDAYS,
            ..WatchWindow::default()
        }
    }

    /// From `today` for `days` days: a preset («в ближайшие 2 недели»).
    pub fn within_days(today: NaiveDate, days: u64) -> WatchWindow {
        WatchWindow {
            to: today.checked_add_days(Days::new(days.saturating_sub(1))),
            ..WatchWindow::default()
        }
    }

    /// Reads a typed window on `today` (the region's date). See the module's documentation.
    pub fn parse(text: &str, today: NaiveDate) -> Result<WatchWindow, WindowError> {
        let text = text.trim().to_lowercase().replace(['–', '—'], "-");
        let clauses: Vec<&str> = text
            .split([',', ';', '\n'])
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        if clauses.is_empty() {
            return Err(WindowError::Empty);
        }
        let mut window = WatchWindow::default();
        let mut days = Weekdays::EVERY_DAY;
        for clause in clauses {
            if ANY_TIME.contains(&clause) {
                continue;
            }
            if let Some(set) = weekdays_of(clause) {
                days = days.with(set);
                continue;
            }
            let words = words(clause);
            if words.iter().any(|w| matches!(w, Word::Date(_))) {
                dates(&mut window, &words, clause, today)?;
            } else if words.iter().any(|w| matches!(w, Word::Time(_))) {
                times(&mut window, &words, clause)?;
            } else {
                span(&mut window, &words, clause, today)?;
            }
        }
        window.weekdays = if days.is_every_day() {
            Weekdays::EVERY_DAY
        } else {
            days
        };
        window.checked(today)
    }

    fn checked(self, today: NaiveDate) -> Result<WatchWindow, WindowError> {
        if let (Some(from), Some(to)) = (self.from, self.to) {
            if to < from {
                return Err(WindowError::DatesReversed);
            }
        }
        if self.is_over(today) {
            return Err(WindowError::InPast);
        }
        let horizon = today.checked_add_days(Days::new(MAX_DAYS_AHEAD));
        if self.from.is_some_and(|from| Some(from) > horizon) {
            return Err(WindowError::TooFarAhead);
        }
        if let (Some(after), Some(before)) = (self.after, self.before) {
            if before <= after {
                return Err(WindowError::TimesReversed);
            }
        }
        if self.notice_hours > MAX_NOTICE_HOURS {
            return Err(WindowError::NoticeTooLong);
        }
        Ok(self)
    }
}

/// The instant of a local time; a time in a gap of the clock is read with the offset before it.
fn instant(tz: Tz, local: NaiveDateTime) -> i64 {
    tz.from_local_datetime(&local)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(local + chrono::Duration::hours(1)))
                .earliest()
                .map(|at| at - chrono::Duration::hours(1))
        })
        .map_or_else(|| local.and_utc().timestamp(), |at| at.timestamp())
}

/// The region's date at `now` (Unix seconds).
pub fn local_date(now: i64, tz: Tz) -> NaiveDate {
    DateTime::from_timestamp(now, 0)
        .unwrap_or_default()
        .with_timezone(&tz)
        .date_naive()
}

const ANY_TIME: &[&str] = &[
    "любое время",
    "любое",
    "всегда",
    "any time",
    "anytime",
    "any",
];

/// Words that put a bound before what follows («до 15.12», «before 12:00»); the others start one.
const UNTIL: &[&str] = &["до", "по", "before", "until", "till", "to", "by"];
/// Words that ask for a minimum notice («через 24 ч», «notice 12h»).
const NOTICE: &[&str] = &["через", "notice", "sooner", "раньше", "in"];

fn weekday_named(word: &str) -> Option<Weekday> {
    const NAMES: &[(&[&str], Weekday)] = &[
        (&["пн", "пон", "понедельник", "mon", "monday"], Weekday::Mon),
        (&["вт", "вторник", "tue", "tuesday"], Weekday::Tue),
        (&["ср", "среда", "wed", "wednesday"], Weekday::Wed),
        (&["чт", "четверг", "thu", "thursday"], Weekday::Thu),
        (&["пт", "пятница", "fri", "friday"], Weekday::Fri),
        (&["сб", "суббота", "sat", "saturday"], Weekday::Sat),
        (&["вс", "воскресенье", "sun", "sunday"], Weekday::Sun),
    ];
    NAMES
        .iter()
        .find(|(names, _)| names.contains(&word))
        .map(|(_, day)| *day)
}

/// A clause of weekdays: «будни», «выходные», «пн», «пн-пт», «пн ср пт».
fn weekdays_of(clause: &str) -> Option<Weekdays> {
    match clause {
        "будни" | "по будням" | "рабочие дни" | "weekdays" | "workdays" => {
            return Some(Weekdays::WORKDAYS)
        }
        "выходные" | "по выходным" | "weekend" | "weekends" => {
            return Some(Weekdays::WEEKEND)
        }
        _ => {}
    }
    let mut set = Weekdays::EVERY_DAY;
    for part in clause.split_whitespace() {
        let found = match part.split_once('-') {
            Some((first, last)) => {
                let (first, last) = (weekday_named(first)?, weekday_named(last)?);
                let mut day = first;
                let mut days = vec![day];
                while day != last {
                    day = day.succ();
                    days.push(day);
                }
                Weekdays::of(&days)
            }
            None => Weekdays::of(&[weekday_named(part)?]),
        };
        set = set.with(found);
    }
    Some(set)
}

#[derive(Clone, Debug, PartialEq)]
enum Word {
    Date(String),
    Time(String),
    Number(u32),
    Text(String),
}

/// A clause's words: a range «a-b» is two words, «24ч» is a number and a word.
fn words(clause: &str) -> Vec<Word> {
    let mut out = Vec::new();
    for raw in clause.split(|c: char| c.is_whitespace() || c == '-') {
        if raw.is_empty() {
            continue;
        }
        let digits_end = raw
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ':'))
            .unwrap_or(raw.len());
        let (head, tail) = raw.split_at(digits_end);
        if head.contains(':') {
            out.push(Word::Time(head.to_owned()));
        } else if head.contains('.') {
            out.push(Word::Date(head.trim_end_matches('.').to_owned()));
        } else if !head.is_empty() {
            out.push(
                head.parse()
                    .map_or(Word::Text(head.to_owned()), Word::Number),
            );
        }
        if !tail.is_empty() {
            out.push(Word::Text(tail.to_owned()));
        }
    }
    out
}

fn is_until(words: &[Word], index: usize) -> bool {
    index > 0 && matches!(&words[index - 1], Word::Text(w) if UNTIL.contains(&w.as_str()))
}

/// Reads a clause whose words are values `read` knows (it answers `None` for any other word) and
/// fillers, naming where the window starts and where it ends: two values are both, one value is the end
/// when «до» stands before it, else the start. Anything else, or more values, is not understood.
fn bounds<T: Copy>(
    words: &[Word],
    clause: &str,
    read: impl Fn(&Word) -> Option<Result<T, WindowError>>,
) -> Result<(Option<T>, Option<T>), WindowError> {
    let mut found = Vec::new();
    for (index, word) in words.iter().enumerate() {
        match (read(word), word) {
            (Some(value), _) => found.push((value?, is_until(words, index))),
            (None, Word::Text(w)) if is_filler(w) => {}
            _ => return Err(WindowError::Unknown(clause.to_owned())),
        }
    }
    match found.as_slice() {
        [(start, _), (end, _)] => Ok((Some(*start), Some(*end))),
        [(end, true)] => Ok((None, Some(*end))),
        [(start, false)] => Ok((Some(*start), None)),
        _ => Err(WindowError::Unknown(clause.to_owned())),
    }
}

/// A clause with dates: «01.12-15.12», «с 01.12 по 15.12», «до 20.12», «с 05.12», «10.12» (that day).
fn dates(
    window: &mut WatchWindow,
    words: &[Word],
    clause: &str,
    today: NaiveDate,
) -> Result<(), WindowError> {
    let read = |word: &Word| match word {
        Word::Date(raw) => Some(date(raw, today)),
        _ => None,
    };
    let (from, mut to) = bounds(words, clause, read)?;
    if words.len() == 1 {
        // A date alone: that day.
        to = from;
    }
    window.from = from.or(window.from);
    window.to = to.or(window.to);
    Ok(())
}

/// «DD.MM» (the next such day from `today`) or «DD.MM.YYYY» (or «DD.MM.YY»).
fn date(raw: &str, today: NaiveDate) -> Result<NaiveDate, WindowError> {
    let bad = || WindowError::NoSuchDate(raw.to_owned());
    let parts: Vec<&str> = raw.split('.').collect();
    let number = |s: &str| s.parse::<u32>().map_err(|_| bad());
    match parts.as_slice() {
        [day, month] => {
            let (day, month) = (number(day)?, number(month)?);
            let this_year = NaiveDate::from_ymd_opt(today.year(), month, day);
            let next_year = NaiveDate::from_ymd_opt(today.year() + 1, month, day);
            match this_year {
                Some(date) if date >= today => Ok(date),
                _ => next_year.or(this_year).ok_or_else(bad),
            }
        }
        [day, month, year] => {
            let year = match number(year)? {
                short @ 0..=99 => 2000 + short,
                full => full,
            };
            let year = i32::try_from(year).map_err(|_| bad())?;
            NaiveDate::from_ymd_opt(year, number(month)?, number(day)?).ok_or_else(bad)
        }
        _ => Err(bad()),
    }
}

/// A clause with times: «после 15:00», «до 12:00», «15:00-19:00», «с 9:00 до 12:00».
fn times(window: &mut WatchWindow, words: &[Word], clause: &str) -> Result<(), WindowError> {
    let read = |word: &Word| match word {
        Word::Time(raw) => Some(time(raw)),
        _ => None,
    };
    let (after, before) = bounds(words, clause, read)?;
    window.after = after.or(window.after);
    window.before = before.or(window.before);
    Ok(())
}

fn time(raw: &str) -> Result<NaiveTime, WindowError> {
    let bad = || WindowError::NoSuchTime(raw.to_owned());
    let (hours, minutes) = raw.split_once(':').ok_or_else(bad)?;
    let (hours, minutes): (u32, u32) = (
        hours.parse().map_err(|_| bad())?,
        minutes.parse().map_err(|_| bad())?,
    );
    if minutes > 59 {
        return Err(bad());
    }
    match hours {
        24 if minutes == 0 => NaiveTime::from_hms_opt(23, 59, 59).ok_or_else(bad),
        _ => NaiveTime::from_hms_opt(hours, minutes, 0).ok_or_else(bad),
    }
}

/// Words that only join others: «с», «после», «from», «after» …
fn is_filler(word: &str) -> bool {
    const FILLERS: &[&str] = &[
        "с",
        "со",
        "после",
        "от",
        "from",
        "after",
        "since",
        "between",
        "and",
        "и",
        "в",
        "at",
        "утра",
        "вечера",
    ];
    FILLERS.contains(&word) || UNTIL.contains(&word)
}

/// A clause with a length: «в течение 2 недель», «14 дней», «within 2 weeks» (the last day), or «через 24
/// ч», «не раньше чем через 2 дня», «notice 12h» (the minimum notice).
fn span(
    window: &mut WatchWindow,
    words: &[Word],
    clause: &str,
    today: NaiveDate,
) -> Result<(), WindowError> {
    let unknown = || WindowError::Unknown(clause.to_owned());
    let number = words
        .iter()
        .find_map(|w| match w {
            Word::Number(n) => Some(*n),
            _ => None,
        })
        .ok_or_else(unknown)?;
    let texts: Vec<&str> = words
        .iter()
        .filter_map(|w| match w {
            Word::Text(t) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    let unit = texts
        .iter()
        .find_map(|t| unit_hours(t))
        .ok_or_else(unknown)?;
    let is_notice = texts.iter().any(|t| NOTICE.contains(t)) || unit == 1;
    let known = |t: &&str| {
        unit_hours(t).is_some() || NOTICE.contains(t) || SPAN_FILLERS.contains(t) || is_filler(t)
    };
    if !texts.iter().all(known) {
        return Err(unknown());
    }
    let hours = number.checked_mul(unit).ok_or(WindowError::NoticeTooLong)?;
    if is_notice {
        window.notice_hours = hours;
    } else {
        let days = u64::from(hours / 24).max(1);
        if days > MAX_DAYS_AHEAD {
            return Err(WindowError::TooFarAhead);
        }
        window.to = today.checked_add_days(Days::new(days - 1));
    }
    Ok(())
}

const SPAN_FILLERS: &[&str] = &[
    "в",
    "течение",
    "ближайшие",
    "ближайших",
    "within",
    "next",
    "the",
    "не",
    "чем",
    "than",
    "not",
    "ahead",
];

fn unit_hours(word: &str) -> Option<u32> {
    let word = word.trim_end_matches('.');
    const HOURS: &[&str] = &["ч", "час", "часа", "часов", "h", "hour", "hours"];
    const DAYS: &[&str] = &["д", "дн", "день", "дня", "дней", "d", "day", "days"];
    const WEEKS: &[&str] = &[
        "нед",
        "неделя",
        "недели",
        "недель",
        "неделю",
        "w",
        "week",
        "weeks",
    ];
    if HOURS.contains(&word) {
        Some(1)
    } else if DAYS.contains(&word) {
        Some(24)
    } else if WEEKS.contains(&word) {
        Some(24 * 7)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TZ: Tz = chrono_tz::Asia::Irkutsk;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn hm(h: u32, m: u32) -> Option<NaiveTime> {
        NaiveTime::from_hms_opt(h, m, 0)
    }

    /// Monday 2026-11-30 08:00 in Irkutsk (00:00 UTC).
    fn now() -> i64 {
        instant(TZ, at("2026-11-30 08:00"))
    }

    fn today() -> NaiveDate {
        day("2026-11-30")
    }

    /// Whether `window` admits a slot at `slot` (the region's time), asked at [`now`].
    fn admits(window: &WatchWindow, slot: &str) -> bool {
        window.admits(at(slot), now(), TZ)
    }

    #[test]
    fn any_window_admits_every_slot_that_has_not_begun() {
        let any = WatchWindow::any();
        assert!(any.is_any());
        assert!(admits(&any, "2026-11-30 08:15"));
        assert!(admits(&any, "2027-03-01 23:45"));
        assert!(!admits(&any, "2026-11-30 08:00"), "begins now");
        assert!(!admits(&any, "2026-11-29 18:00"), "past");
    }

    #[test]
    fn minimum_notice_is_measured_from_now_in_the_regions_zone() {
        let window = WatchWindow {
            notice_hours: 24,
            ..WatchWindow::any()
        };
        assert!(!admits(&window, "2026-12-01 07:59"));
        assert!(admits(&window, "2026-12-01 08:00"), "exactly 24 h");
        assert!(admits(&window, "2026-12-02 09:00"));
        // The same local time in Moscow is five hours later as an instant: 24 h have passed by 03:00.
        let moscow = chrono_tz::Europe::Moscow;
        assert!(window.admits(at("2026-12-01 03:00"), now(), moscow));
        assert!(!admits(&window, "2026-12-01 03:00"));
    }

    #[test]
    fn dates_bound_the_slot_day_inclusively() {
        let window = WatchWindow {
            from: Some(day("2026-12-02")),
            to: Some(day("2026-12-04")),
            ..WatchWindow::any()
        };
        assert!(!admits(&window, "2026-12-01 23:59"));
        assert!(admits(&window, "2026-12-02 00:00"));
        assert!(admits(&window, "2026-12-04 23:59"));
        assert!(!admits(&window, "2026-12-05 00:00"));
        assert!(!window.is_over(day("2026-12-04")));
        assert!(window.is_over(day("2026-12-05")));
    }

    #[test]
    fn weekdays_admit_only_their_days() {
        let window = WatchWindow::workdays();
        // 2026-12-04 is a Friday, 05 Saturday, 06 Sunday, 07 Monday.
        assert!(admits(&window, "2026-12-04 10:00"));
        assert!(!admits(&window, "2026-12-05 10:00"));
        assert!(!admits(&window, "2026-12-06 10:00"));
        assert!(admits(&window, "2026-12-07 10:00"));
        let wednesdays = WatchWindow {
            weekdays: Weekdays::of(&[Weekday::Wed]),
            ..WatchWindow::any()
        };
        assert!(admits(&wednesdays, "2026-12-02 10:00"));
        assert!(!admits(&wednesdays, "2026-12-03 10:00"));
        assert_eq!(Weekdays::WEEKEND.days(), vec![Weekday::Sat, Weekday::Sun]);
        assert_eq!(Weekdays::EVERY_DAY.days().len(), 7);
        assert!(Weekdays::of(&Weekdays::EVERY_DAY.days()).is_every_day());
    }

    #[test]
    fn time_of_day_starts_inclusive_and_ends_exclusive() {
        let window = WatchWindow {
            after: hm(15, 0),
            before: hm(18, 0),
            ..WatchWindow::any()
        };
        assert!(!admits(&window, "2026-12-01 14:59"));
        assert!(admits(&window, "2026-12-01 15:00"));
        assert!(admits(&window, "2026-12-01 17:45"));
        assert!(!admits(&window, "2026-12-01 18:00"));
        let after_school = WatchWindow::after_school();
        assert!(admits(&after_school, "2026-12-01 19:30"));
        assert!(!admits(&after_school, "2026-12-01 09:30"));
    }

    #[test]
    fn every_rule_applies_at_once() {
        let window = WatchWindow {
            from: Some(day("2026-12-01")),
            to: Some(day("2026-12-11")),
            weekdays: Weekdays::WORKDAYS,
            after: hm(15, 0),
            before: None,
            notice_hours: 48,
        };
        assert!(!admits(&window, "2026-12-01 16:00"), "notice");
        assert!(admits(&window, "2026-12-02 16:00"));
        assert!(!admits(&window, "2026-12-02 10:00"), "time");
        assert!(!admits(&window, "2026-12-05 16:00"), "saturday");
        assert!(!admits(&window, "2026-12-14 16:00"), "after the dates");
    }

    #[test]
    fn presets_are_what_they_say() {
        let two_weeks = WatchWindow::within_days(today(), 14);
        assert_eq!(two_weeks.to, Some(day("2026-12-13")));
        assert!(admits(&two_weeks, "2026-12-13 10:00"));
        assert!(!admits(&two_weeks, "2026-12-14 10:00"));
        assert_eq!(WatchWindow::after_school().after, hm(15, 0));
        assert_eq!(WatchWindow::workdays().weekdays, Weekdays::WORKDAYS);
    }

    fn parsed(text: &str) -> WatchWindow {
        WatchWindow::parse(text, today()).unwrap_or_else(|e| panic!("{text:?}: {e:?}"))
    }

    #[test]
    fn typed_windows_are_read_in_russian() {
        assert_eq!(
            parsed("пн-пт, после 15:00, до 20.12, через 24 ч"),
            WatchWindow {
                from: None,
                to: Some(day("2026-12-20")),
                weekdays: Weekdays::WORKDAYS,
                after: hm(15, 0),
                before: None,
                notice_hours: 24,
            }
        );
        assert_eq!(
            parsed("с 9:00 до 12:00"),
            WatchWindow {
                after: hm(9, 0),
                before: hm(12, 0),
                ..WatchWindow::any()
            }
        );
        assert_eq!(parsed("15:00–19:00").before, hm(19, 0));
        assert_eq!(parsed("до 12:00").before, hm(12, 0));
        assert_eq!(parsed("будни").weekdays, Weekdays::WORKDAYS);
        assert_eq!(parsed("выходные").weekdays, Weekdays::WEEKEND);
        assert_eq!(
            parsed("пн, ср, пт").weekdays,
            Weekdays::of(&[Weekday::Mon, Weekday::Wed, Weekday::Fri])
        );
        assert_eq!(
            parsed("пн ср").weekdays,
            Weekdays::of(&[Weekday::Mon, Weekday::Wed])
        );
        assert_eq!(parsed("в течение 2 недель").to, Some(day("2026-12-13")));
        assert_eq!(parsed("14 дней").to, Some(day("2026-12-13")));
        assert_eq!(parsed("не раньше чем через 2 дня").notice_hours, 48);
        assert_eq!(parsed("через 12ч").notice_hours, 12);
        assert_eq!(parsed("любое время"), WatchWindow::any());
    }

    #[test]
    fn typed_dates_take_the_next_such_day_or_a_full_date() {
        let range = parsed("01.12-15.12");
        assert_eq!(
            (range.from, range.to),
            (Some(day("2026-12-01")), Some(day("2026-12-15")))
        );
        let range = parsed("с 01.12 по 15.12");
        assert_eq!(
            (range.from, range.to),
            (Some(day("2026-12-01")), Some(day("2026-12-15")))
        );
        // 10.01 is past this year: next January.
        assert_eq!(parsed("до 10.01").to, Some(day("2027-01-10")));
        assert_eq!(parsed("с 05.12").from, Some(day("2026-12-05")));
        assert_eq!(parsed("с 05.12").to, None);
        let one = parsed("10.12.2026");
        assert_eq!(
            (one.from, one.to),
            (Some(day("2026-12-10")), Some(day("2026-12-10")))
        );
        assert_eq!(parsed("до 10.12.26").to, Some(day("2026-12-10")));
        // Today counts as this year.
        assert_eq!(parsed("до 30.11").to, Some(day("2026-11-30")));
    }

    #[test]
    fn typed_windows_are_read_in_english() {
        assert_eq!(
            parsed("weekdays, after 15:00, within 2 weeks, notice 12h"),
            WatchWindow {
                from: None,
                to: Some(day("2026-12-13")),
                weekdays: Weekdays::WORKDAYS,
                after: hm(15, 0),
                before: None,
                notice_hours: 12,
            }
        );
        assert_eq!(
            parsed("mon-wed").weekdays,
            Weekdays::of(&[Weekday::Mon, Weekday::Tue, Weekday::Wed])
        );
        assert_eq!(parsed("before 12:00").before, hm(12, 0));
        assert_eq!(parsed("from 01.12 to 05.12").to, Some(day("2026-12-05")));
        assert_eq!(parsed("any time"), WatchWindow::any());
    }

    #[test]
    fn typed_mistakes_are_named() {
        let err = |text: &str| WatchWindow::parse(text, today()).unwrap_err();
        assert_eq!(err("  "), WindowError::Empty);
        assert_eq!(
            err("после обеда"),
            WindowError::Unknown("после обеда".into())
        );
        assert_eq!(
            err("пн-пт, вечером"),
            WindowError::Unknown("вечером".into())
        );
        assert_eq!(err("31.02"), WindowError::NoSuchDate("31.02".into()));
        assert_eq!(err("после 25:00"), WindowError::NoSuchTime("25:00".into()));
        assert_eq!(err("после 15:75"), WindowError::NoSuchTime("15:75".into()));
        assert_eq!(err("15.12-01.12.2026"), WindowError::DatesReversed);
        assert_eq!(err("до 01.11.2026"), WindowError::InPast);
        assert_eq!(err("с 01.06.2027"), WindowError::TooFarAhead);
        assert_eq!(err("после 18:00, до 9:00"), WindowError::TimesReversed);
        assert_eq!(err("через 30 дней"), WindowError::NoticeTooLong);
        assert_eq!(err("в течение 100 дней"), WindowError::TooFarAhead);
        assert_eq!(err("3 попугая"), WindowError::Unknown("3 попугая".into()));
        assert_eq!(
            err("до 12:00 10.12"),
            WindowError::Unknown("до 12:00 10.12".into())
        );
        for e in [err("31.02"), err("после обеда"), err("через 30 дней")] {
            assert!(e.key().starts_with("watch-window-err-"));
            assert!(!e.args().is_empty());
        }
    }

    #[test]
    fn a_window_survives_json() {
        let window = parsed("пн-пт, после 15:00, до 20.12, через 24 ч");
        let json = serde_json::to_string(&window).unwrap();
        assert_eq!(serde_json::from_str::<WatchWindow>(&json).unwrap(), window);
        assert_eq!(
            serde_json::from_str::<WatchWindow>("{}").unwrap(),
            WatchWindow::any()
        );
    }

    #[test]
    fn the_local_date_follows_the_zone() {
        // 2026-11-29 20:00 UTC is already Monday in Irkutsk.
        assert_eq!(local_date(now() - 4 * 3600, TZ), today());
        assert_eq!(local_date(now() - 9 * 3600, TZ), day("2026-11-29"));
    }
}
