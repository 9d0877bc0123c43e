//! Dates of birth: anyone's ([`BirthDate`]) and a child's that a parent may add ([`ChildBirthDate`]).
//!
//! Accepted input: day, month and a four-digit year, in that order, separated by `.`, `-` or `/`;
//! day and month with one or two digits (`01.12.2015`, `1.12.2015`, `1-12-2015`, `01/12/2015`);
//! whitespace around the date is ignored. Two-digit years are refused: «15» could be 1915 or 2015.
//!
//! "Today" is always passed in by the caller, as the calendar date in the region's time zone
//! (see [`local_today`]), so that a child's 14th birthday starts at midnight in Irkutsk, not in UTC.
//!
//! Age is counted in full years: a person turns N on their birthday. Someone born on 29 February
//! has their birthday on 1 March in a non-leap year (they are still a year younger on 28 February).
//! This is the later of the two readings, so a child born on 29 February stays addable by a parent
//! for one more day rather than one less; the portal's rule is «до 14 лет» and Gosuslugi accepts
//! registration «с 14 лет».

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// The calendar date at `now` in `tz`: what "today" means for age checks in the region.
pub fn local_today(now: DateTime<Utc>, tz: Tz) -> NaiveDate {
    now.with_timezone(&tz).date_naive()
}

/// A date of birth that exists, is not before 1900 and was not in the future when parsed.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "NaiveDate", into = "NaiveDate")]
pub struct BirthDate(NaiveDate);

/// A date of birth of someone under [`ChildBirthDate::AGE_LIMIT`] on the day it was parsed.
///
/// Children grow up: a stored value still proves the date is valid, but whether the child is
/// under 14 *today* has to be asked again with [`ChildBirthDate::age_on`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ChildBirthDate(BirthDate);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("date is not in the DD.MM.YYYY format")]
    BadFormat,
    #[error("no such date in the calendar")]
    NoSuchDate,
    #[error("date of birth is in the future")]
    InFuture,
    #[error("date of birth is before {}", BirthDate::MIN_YEAR)]
    TooOld,
    #[error(
        "a child aged {age} is too old to be added: 14 and older register on Gosuslugi themselves"
    )]
    TooOldForChild { age: u32 },
}

impl DateError {
    /// The Fluent message id (in `locales/*/domain.ftl`) that explains this error to a user.
    pub fn key(&self) -> &'static str {
        match self {
            DateError::BadFormat => "err-date-bad-format",
            DateError::NoSuchDate => "err-date-no-such-date",
            DateError::InFuture => "err-date-in-future",
            DateError::TooOld => "err-date-too-old",
            DateError::TooOldForChild { .. } => "err-date-too-old-for-child",
        }
    }

    /// The Fluent variables of the message named by [`DateError::key`].
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match *self {
            DateError::TooOld => vec![("min_year", BirthDate::MIN_YEAR.to_string())],
            DateError::TooOldForChild { age } => vec![
                ("age", age.to_string()),
                ("limit", ChildBirthDate::AGE_LIMIT.to_string()),
            ],
            DateError::BadFormat | DateError::NoSuchDate | DateError::InFuture => Vec::new(),
        }
    }
}

impl BirthDate {
    pub const MIN_YEAR: i32 = 1900;

    pub fn parse(input: &str, today: NaiveDate) -> Result<BirthDate, DateError> {
        let (day, month, year) = split_date(input.trim(), &['.', '-', '/'], 1)?;
        let birth = BirthDate::from_parts(day, month, year)?;
        if birth.0 > today {
            return Err(DateError::InFuture);
        }
        Ok(birth)
    }

    /// A date as ESIA sends it: exactly `DD.MM.YYYY`. ESIA is trusted not to send a future date,
    /// and there is no "today" here, so only the format, the calendar and the 1900 bound are checked.
    pub fn from_esia(input: &str) -> Result<BirthDate, DateError> {
        let (day, month, year) = split_date(input, &['.'], 2)?;
        BirthDate::from_parts(day, month, year)
    }

    fn from_parts(day: u32, month: u32, year: i32) -> Result<BirthDate, DateError> {
        let date = NaiveDate::from_ymd_opt(year, month, day).ok_or(DateError::NoSuchDate)?;
        BirthDate::try_from(date)
    }

    pub fn date(&self) -> NaiveDate {
        self.0
    }

    /// Full years on `today`; 0 if `today` is before the birth.
    pub fn age_on(&self, today: NaiveDate) -> u32 {
        let birth = self.0;
        let mut years = today.year() - birth.year();
        // Comparing (month, day) pairs puts a 29 February birthday after 28 February, i.e. on 1 March
        // in a non-leap year, which is the rule documented at the top of this module.
        if (today.month(), today.day()) < (birth.month(), birth.day()) {
            years -= 1;
        }
        u32::try_from(years).unwrap_or(0)
    }
}

/// Splits `DD<sep>MM<sep>YYYY`; `min_digits` is 1 for people (`1.2.2015`) and 2 for ESIA.
fn split_date(
    input: &str,
    separators: &[char],
    min_digits: usize,
) -> Result<(u32, u32, i32), DateError> {
    // The longest valid input is ten ASCII bytes; anything longer is refused before splitting.
    if input.len() > 10 {
        return Err(DateError::BadFormat);
    }
    let mut parts = input.split(|c| separators.contains(&c));
    let (Some(day), Some(month), Some(year), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(DateError::BadFormat);
    };
    let day = number(day, min_digits..=2)?;
    let month = number(month, min_digits..=2)?;
    let year = number(year, 4..=4)?;
    Ok((day, month, year as i32))
}

fn number(digits: &str, len: std::ops::RangeInclusive<usize>) -> Result<u32, DateError> {
    if !len.contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DateError::BadFormat);
    }
    digits.parse().map_err(|_| DateError::BadFormat)
}

impl TryFrom<NaiveDate> for BirthDate {
    type Error = DateError;

    fn try_from(date: NaiveDate) -> Result<Self, Self::Error> {
        if date.year() < BirthDate::MIN_YEAR {
            return Err(DateError::TooOld);
        }
        Ok(BirthDate(date))
    }
}

impl From<BirthDate> for NaiveDate {
    fn from(value: BirthDate) -> Self {
        value.0
    }
}

/// `ДД.ММ.ГГГГ`, as the portal shows dates.
impl fmt::Display for BirthDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%d.%m.%Y"))
    }
}

// Birth dates are personal data: a stray `{:?}` in a log line must not leak them.
opaque_debug!(BirthDate);

impl ChildBirthDate {
    /// From this age on a child registers on Gosuslugi themselves and cannot be added by a parent.
    pub const AGE_LIMIT: u32 = 14;

    pub fn parse(input: &str, today: NaiveDate) -> Result<ChildBirthDate, DateError> {
        let birth = BirthDate::parse(input, today)?;
        ChildBirthDate::from_birth_date(birth, today)
    }

    /// For a date that is already known to be valid, e.g. a child from ESIA's list.
    pub fn from_birth_date(
        birth: BirthDate,
        today: NaiveDate,
    ) -> Result<ChildBirthDate, DateError> {
        if birth.date() > today {
            return Err(DateError::InFuture);
        }
        let age = birth.age_on(today);
        if age >= ChildBirthDate::AGE_LIMIT {
            return Err(DateError::TooOldForChild { age });
        }
        Ok(ChildBirthDate(birth))
    }

    pub fn date(&self) -> NaiveDate {
        self.0.date()
    }

    pub fn age_on(&self, today: NaiveDate) -> u32 {
        self.0.age_on(today)
    }

    pub fn birth_date(&self) -> BirthDate {
        self.0
    }
}

impl From<ChildBirthDate> for BirthDate {
    fn from(value: ChildBirthDate) -> Self {
        value.0
    }
}

impl fmt::Display for ChildBirthDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    const TODAY: (i32, u32, u32) = (2026, 5, 10);

    /// Each `(birth date, error)`: a child's birth date so written is refused today with that error.
    fn child_refuses(cases: &[(&str, DateError)]) {
        for &(birth, expected) in cases {
            assert_eq!(
                ChildBirthDate::parse(birth, today()),
                Err(expected),
                "{birth}"
            );
        }
    }

    /// Each `(input, result)`: ESIA's date so written gives that result.
    fn from_esia_gives(cases: &[(&str, Result<BirthDate, DateError>)]) {
        for (input, expected) in cases {
            assert_eq!(&BirthDate::from_esia(input), expected, "{input:?}");
        }
    }

    fn today() -> NaiveDate {
        ymd(TODAY.0, TODAY.1, TODAY.2)
    }

    fn parsed(input: &str) -> NaiveDate {
        match BirthDate::parse(input, today()) {
            Ok(date) => date.date(),
            Err(err) => panic!("{input:?} was refused: {err}"),
        }
    }

    fn err(input: &str) -> DateError {
        match BirthDate::parse(input, today()) {
            Ok(date) => panic!("{input:?} was accepted as {date}"),
            Err(err) => err,
        }
    }

    #[test]
    fn accepts_every_documented_format() {
        let expected = ymd(2015, 12, 1);
        for input in [
            "01.12.2015",
            "1.12.2015",
            "01-12-2015",
            "1-12-2015",
            "01/12/2015",
            "1/12/2015",
            "  01.12.2015  ",
            "\u{00A0}01.12.2015\t\n",
        ] {
            assert_eq!(parsed(input), expected, "{input:?}");
        }
        assert_eq!(parsed("5.3.2020"), ymd(2020, 3, 5));
        assert_eq!(parsed("05.03.2020"), ymd(2020, 3, 5));
    }

    #[test]
    fn mixed_separators_are_accepted() {
        // Unambiguous, and refusing it would only annoy.
        assert_eq!(parsed("01.12/2015"), ymd(2015, 12, 1));
    }

    #[test]
    fn malformed_input_is_a_bad_format() {
        for input in [
            "",
            " ",
            "01.12.15",
            "01122015",
            "2015-12-01",
            "01.12.2015.",
            ".01.12.2015",
            "01..2015",
            "001.12.2015",
            "01.012.2015",
            "01.12.02015",
            "01 12 2015",
            "01. 12. 2015",
            "1 декабря 2015",
            "01.12.2015г",
            "a1.12.2015",
            "+1.12.2015",
            "-1.12.2015",
            "０１.１２.２０１５",
            "01,12,2015",
            "01\\12\\2015",
            "вчера",
            "😀",
        ] {
            assert_eq!(err(input), DateError::BadFormat, "{input:?}");
        }
    }

    #[test]
    fn five_thousand_characters_are_a_bad_format() {
        assert_eq!(err(&"1".repeat(5_000)), DateError::BadFormat);
        assert_eq!(
            err(&format!("01.12.2015{}", "0".repeat(5_000))),
            DateError::BadFormat
        );
    }

    #[test]
    fn dates_missing_from_the_calendar_are_refused() {
        for input in [
            "31.02.2020",
            "30.02.2020",
            "29.02.2019",
            "29.02.1900",
            "31.04.2020",
            "31.06.2020",
            "31.09.2020",
            "31.11.2020",
            "32.01.2020",
            "00.01.2020",
            "01.00.2020",
            "01.13.2020",
            "99.99.2020",
        ] {
            assert_eq!(err(input), DateError::NoSuchDate, "{input:?}");
        }
        assert_eq!(parsed("29.02.2020"), ymd(2020, 2, 29));
        assert_eq!(parsed("29.02.2000"), ymd(2000, 2, 29));
        assert_eq!(parsed("31.12.2020"), ymd(2020, 12, 31));
    }

    #[test]
    fn future_dates_are_refused_and_today_is_allowed() {
        assert_eq!(parsed("10.05.2026"), today());
        assert_eq!(err("11.05.2026"), DateError::InFuture);
        assert_eq!(err("01.01.2027"), DateError::InFuture);
        assert_eq!(err("01.01.9999"), DateError::InFuture);
    }

    #[test]
    fn dates_before_1900_are_refused() {
        assert_eq!(parsed("01.01.1900"), ymd(1900, 1, 1));
        assert_eq!(err("31.12.1899"), DateError::TooOld);
        assert_eq!(err("01.01.0000"), DateError::TooOld);
        assert_eq!(err("15.06.1812"), DateError::TooOld);
    }

    #[test]
    fn every_day_of_a_leap_and_a_common_year_round_trips_through_display() {
        let mut day = ymd(2019, 1, 1);
        while day <= ymd(2020, 12, 31) {
            let shown = BirthDate::parse(&day.format("%d.%m.%Y").to_string(), today()).unwrap();
            assert_eq!(shown.date(), day);
            assert_eq!(
                BirthDate::parse(&shown.to_string(), today()).unwrap(),
                shown
            );
            let short = format!("{}.{}.{}", day.day(), day.month(), day.year());
            assert_eq!(parsed(&short), day, "{short}");
            day = day.succ_opt().unwrap();
        }
    }

    #[test]
    fn display_is_dd_mm_yyyy() {
        assert_eq!(
            BirthDate::parse("1.2.2015", today()).unwrap().to_string(),
            "01.02.2015"
        );
        assert_eq!(
            ChildBirthDate::parse("1-2-2015", today())
                .unwrap()
                .to_string(),
            "01.02.2015"
        );
    }

    #[test]
    fn age_counts_full_years_and_is_zero_before_birth() {
        for (birth, (year, month, day), age) in [
            ("10.05.2012", (2012, 5, 10), 0),
            ("10.05.2012", (2013, 5, 9), 0),
            ("10.05.2012", (2013, 5, 10), 1),
            ("10.05.2012", (2026, 5, 9), 13),
            ("10.05.2012", (2026, 5, 10), 14),
            ("10.05.2012", (2026, 12, 31), 14),
            ("10.05.2012", (2027, 1, 1), 14),
            // Before birth the age is zero.
            ("10.05.2012", (2012, 5, 9), 0),
            ("10.05.2012", (1990, 1, 1), 0),
            // A leap-day birthday is on 1 March in common years.
            ("29.02.2012", (2013, 2, 28), 0),
            ("29.02.2012", (2013, 3, 1), 1),
            ("29.02.2012", (2016, 2, 28), 3),
            ("29.02.2012", (2016, 2, 29), 4),
            ("29.02.2012", (2026, 2, 28), 13),
            ("29.02.2012", (2026, 3, 1), 14),
        ] {
            let born = BirthDate::parse(birth, today()).unwrap();
            let on = ymd(year, month, day);
            assert_eq!(born.age_on(on), age, "born {birth}, on {on}");
        }
    }

    #[test]
    fn a_child_turns_14_on_their_birthday() {
        // 14 tomorrow: still a child today.
        let child = ChildBirthDate::parse("11.05.2012", today()).unwrap();
        assert_eq!(child.age_on(today()), 13);
        assert_eq!(child.date(), ymd(2012, 5, 11));
        // 14 today: too old.
        child_refuses(&[
            ("10.05.2012", DateError::TooOldForChild { age: 14 }),
            ("09.05.2012", DateError::TooOldForChild { age: 14 }),
        ]);
    }

    #[test]
    fn older_children_and_adults_are_too_old_for_a_child() {
        child_refuses(&[
            ("01.01.2011", DateError::TooOldForChild { age: 15 }),
            ("01.01.1980", DateError::TooOldForChild { age: 46 }),
        ]);
    }

    #[test]
    fn a_leap_day_child_turns_14_on_1_march_in_a_common_year() {
        let on = |year, month, day| ChildBirthDate::parse("29.02.2012", ymd(year, month, day));
        assert!(on(2026, 2, 28).is_ok());
        assert_eq!(on(2026, 3, 1), Err(DateError::TooOldForChild { age: 14 }));
        // Fourteen years after a leap year is never a leap year, so this is the only case.
        let on = |year, month, day| ChildBirthDate::parse("29.02.2008", ymd(year, month, day));
        assert!(on(2022, 2, 28).is_ok());
        assert_eq!(on(2022, 3, 1), Err(DateError::TooOldForChild { age: 14 }));
    }

    #[test]
    fn a_newborn_is_a_child() {
        let child = ChildBirthDate::parse("10.05.2026", today()).unwrap();
        assert_eq!(child.age_on(today()), 0);
    }

    #[test]
    fn child_dates_keep_the_general_rules() {
        for (birth, expected) in [
            ("11.05.2026", DateError::InFuture),
            ("31.02.2020", DateError::NoSuchDate),
            ("2020", DateError::BadFormat),
            ("01.01.1899", DateError::TooOld),
        ] {
            assert_eq!(BirthDate::parse(birth, today()), Err(expected), "{birth}");
            assert_eq!(
                ChildBirthDate::parse(birth, today()),
                Err(expected),
                "{birth}"
            );
        }
    }

    #[test]
    fn a_known_birth_date_can_become_a_child_birth_date() {
        let birth = BirthDate::from_esia("01.12.2015").unwrap();
        let child = ChildBirthDate::from_birth_date(birth, today()).unwrap();
        assert_eq!(child.birth_date(), birth);
        assert_eq!(BirthDate::from(child), birth);

        let adult = BirthDate::from_esia("01.12.1985").unwrap();
        assert_eq!(
            ChildBirthDate::from_birth_date(adult, today()),
            Err(DateError::TooOldForChild { age: 40 })
        );
        let unborn = BirthDate::from_esia("01.12.2030").unwrap();
        assert_eq!(
            ChildBirthDate::from_birth_date(unborn, today()),
            Err(DateError::InFuture)
        );
    }

    #[test]
    fn esia_dates_are_strict_dd_mm_yyyy() {
        assert_eq!(
            BirthDate::from_esia("01.12.2015").unwrap().date(),
            ymd(2015, 12, 1)
        );
        from_esia_gives(&[
            ("1.12.2015", Err(DateError::BadFormat)),
            ("01-12-2015", Err(DateError::BadFormat)),
            (" 01.12.2015", Err(DateError::BadFormat)),
            ("2015-12-01", Err(DateError::BadFormat)),
            ("31.02.2015", Err(DateError::NoSuchDate)),
            ("31.12.1899", Err(DateError::TooOld)),
        ]);
    }

    #[test]
    fn today_is_taken_in_the_region_time_zone() {
        let irkutsk: Tz = "Asia/Irkutsk".parse().unwrap();
        // 16:30 UTC is 00:30 the next day in Irkutsk (UTC+8).
        let now = DateTime::parse_from_rfc3339("2026-05-09T16:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(local_today(now, irkutsk), ymd(2026, 5, 10));
        let now = DateTime::parse_from_rfc3339("2026-05-09T15:59:59Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(local_today(now, irkutsk), ymd(2026, 5, 9));
    }

    #[test]
    fn serde_stores_an_iso_date_and_revalidates() {
        let birth = BirthDate::parse("01.12.2015", today()).unwrap();
        let json = serde_json::to_string(&birth).unwrap();
        assert_eq!(json, "\"2015-12-01\"");
        assert_eq!(serde_json::from_str::<BirthDate>(&json).unwrap(), birth);
        assert!(serde_json::from_str::<BirthDate>("\"1899-12-31\"").is_err());
        assert!(serde_json::from_str::<BirthDate>("\"2015-02-31\"").is_err());

        let child = ChildBirthDate::parse("01.12.2015", today()).unwrap();
        let json = serde_json::to_string(&child).unwrap();
        assert_eq!(json, "\"2015-12-01\"");
        assert_eq!(
            serde_json::from_str::<ChildBirthDate>(&json).unwrap(),
            child
        );
    }

    #[test]
    fn debug_does_not_reveal_the_date() {
        let birth = BirthDate::parse("01.12.2015", today()).unwrap();
        let child = ChildBirthDate::from_birth_date(birth, today()).unwrap();
        for debug in [format!("{birth:?}"), format!("{child:?}")] {
            assert!(!debug.contains("2015"), "{debug}");
        }
    }

    #[test]
    fn errors_name_their_fluent_arguments() {
        assert_eq!(
            DateError::TooOld.args(),
            vec![("min_year", "1900".to_string())]
        );
        assert_eq!(
            DateError::TooOldForChild { age: 15 }.args(),
            vec![("age", "15".to_string()), ("limit", "14".to_string())]
        );
        for err in [
            DateError::BadFormat,
            DateError::NoSuchDate,
            DateError::InFuture,
        ] {
            assert!(err.args().is_empty(), "{err:?}");
        }
    }

    #[test]
    fn error_display_has_no_trailing_period() {
        for err in [
            DateError::BadFormat,
            DateError::NoSuchDate,
            DateError::InFuture,
            DateError::TooOld,
            DateError::TooOldForChild { age: 14 },
        ] {
            assert!(!err.to_string().ends_with('.'), "{err}");
        }
    }
}
