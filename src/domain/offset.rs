//! A reminder offset as a person types it in «Настройки → Напоминания»: «3ч», «1д», «30 мин», «2 часа»,
//! «1 ч 30 мин», «1,5 ч», or several at once «24ч, 2ч». English units («3h», «1d», «30 min») are read too.

/// The shortest offset: a reminder needs time to be read before leaving.
pub const MIN_OFFSET_SECS: i64 = 10 * 60;
/// The longest: schedules open about 30 days ahead, and a reminder a week before is early enough.
pub const MAX_OFFSET_SECS: i64 = 7 * 86_400;
/// How many offsets one visit may have.
pub const MAX_OFFSETS: usize = 4;

/// Offsets before a visit, in seconds, largest first and without repeats. Holding one is the proof that
/// every offset is within [`MIN_OFFSET_SECS`]..=[`MAX_OFFSET_SECS`] and there are 1 to [`MAX_OFFSETS`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReminderOffsets(Vec<i64>);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OffsetError {
    #[error("no offset was typed")]
    Empty,
    #[error("{text:?} is not a number with a unit")]
    Unreadable { text: String },
    #[error("{text:?} is shorter than the shortest offset")]
    TooShort { text: String },
    #[error("{text:?} is longer than the longest offset")]
    TooLong { text: String },
    #[error("{got} offsets typed, at most {max} allowed")]
    TooMany { max: usize, got: usize },
}

impl OffsetError {
    /// The Fluent message id (in `locales/*/domain.ftl`) that explains this error to a user.
    pub fn key(&self) -> &'static str {
        match self {
            OffsetError::Empty => "err-offset-empty",
            OffsetError::Unreadable { .. } => "err-offset-unreadable",
            OffsetError::TooShort { .. } => "err-offset-too-short",
            OffsetError::TooLong { .. } => "err-offset-too-long",
            OffsetError::TooMany { .. } => "err-offset-too-many",
        }
    }

    /// The Fluent variables of the message named by [`OffsetError::key`].
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            OffsetError::Empty => Vec::new(),
            OffsetError::Unreadable { text }
            | OffsetError::TooShort { text }
            | OffsetError::TooLong { text } => vec![("text", text.clone())],
            OffsetError::TooMany { max, got } => {
                vec![("max", max.to_string()), ("got", got.to_string())]
            }
        }
    }
}

/// The longest piece quoted back in a message: the input may be a pasted essay.
const QUOTE_CHARS: usize = 20;

impl ReminderOffsets {
    /// Offsets separated by commas, semicolons or «и»; each a number with a unit, or several such
    /// (`1 ч 30 мин`).
    pub fn parse(input: &str) -> Result<ReminderOffsets, OffsetError> {
        let lower = decimal_commas_as_points(&input.to_lowercase().replace('ё', "е"));
        let pieces: Vec<&str> = lower
            .split([',', ';', '+', '\n'])
            .flat_map(|piece| piece.split(" и "))
            .map(str::trim)
            .filter(|piece| !piece.is_empty())
            .collect();
        if pieces.is_empty() {
            return Err(OffsetError::Empty);
        }
        if pieces.len() > MAX_OFFSETS {
            return Err(OffsetError::TooMany {
                max: MAX_OFFSETS,
                got: pieces.len(),
            });
        }
        let mut offsets = Vec::with_capacity(pieces.len());
        for piece in pieces {
            let text = quote(piece);
            let secs = duration_secs(piece)
                .ok_or_else(|| OffsetError::Unreadable { text: text.clone() })?;
            if secs < MIN_OFFSET_SECS {
                return Err(OffsetError::TooShort { text });
            }
            if secs > MAX_OFFSET_SECS {
                return Err(OffsetError::TooLong { text });
            }
            offsets.push(secs);
        }
        offsets.sort_unstable_by(|a, b| b.cmp(a));
        offsets.dedup();
        Ok(ReminderOffsets(offsets))
    }

    pub fn secs(&self) -> &[i64] {
        &self.0
    }
}

impl From<ReminderOffsets> for Vec<i64> {
    fn from(offsets: ReminderOffsets) -> Vec<i64> {
        offsets.0
    }
}

/// `1,5` as `1.5`, so that a comma between digits is not read as a list separator («2ч,1д» still is).
fn decimal_commas_as_points(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let decimal = |i: usize| {
        i > 0 && chars[i - 1].is_ascii_digit() && chars.get(i + 1).is_some_and(char::is_ascii_digit)
    };
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| if c == ',' && decimal(i) { '.' } else { c })
        .collect()
}

/// Seconds in one piece: number-unit pairs summed (`1 ч 30 мин`, `1ч30м`), a decimal comma or point
/// allowed (`1,5 ч`). `None` when any part is not a number followed by a known unit.
fn duration_secs(piece: &str) -> Option<i64> {
    let mut rest = piece.trim();
    let mut total = 0.0_f64;
    let mut parts = 0;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..number_len].parse().ok()?;
        rest = rest[number_len..].trim_start();
        let unit_len = rest
            .find(|c: char| !c.is_alphabetic() && c != '.')
            .unwrap_or(rest.len());
        let unit = rest[..unit_len].trim_end_matches('.');
        total += number * unit_secs(unit)?;
        parts += 1;
        rest = rest[unit_len..].trim_start();
    }
    if parts == 0 || !total.is_finite() {
        return None;
    }
    // `as` saturates: an absurdly large number stays a number too large, and is refused as such.
    Some(total.round() as i64)
}

/// Seconds in one unit as people write it: «ч», «час», «часа», «часов», «д», «день», «дня», «дней»,
/// «сут», «мин», «минут», «м», and the English «h», «hour(s)», «d», «day(s)», «m», «min(s)», «minute(s)».
fn unit_secs(unit: &str) -> Option<f64> {
    const MINUTE: f64 = 60.0;
    const HOUR: f64 = 3_600.0;
    const DAY: f64 = 86_400.0;
    let secs = match unit {
        "м" | "мин" | "минута" | "минуты" | "минут" | "минуту" | "m" | "min" | "mins"
        | "minute" | "minutes" => MINUTE,
        "ч" | "час" | "часа" | "часов" | "h" | "hr" | "hrs" | "hour" | "hours" => HOUR,
        "д" | "дн" | "день" | "дня" | "дней" | "сут" | "сутки" | "суток" | "d" | "day" | "days" => {
            DAY
        }
        "н" | "нед" | "неделя" | "неделю" | "w" | "week" => 7.0 * DAY,
        _ => return None,
    };
    Some(secs)
}

fn quote(piece: &str) -> String {
    let shown: String = piece
        .chars()
        .take(QUOTE_CHARS)
        .map(|c| match c {
            ' ' => c.to_string(),
            _ => super::show_char(c),
        })
        .collect();
    if piece.chars().count() > QUOTE_CHARS {
        format!("{shown}…")
    } else {
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(input: &str) -> Vec<i64> {
        match ReminderOffsets::parse(input) {
            Ok(offsets) => offsets.into(),
            Err(err) => panic!("{input:?}: {err}"),
        }
    }

    fn err(input: &str) -> OffsetError {
        ReminderOffsets::parse(input).unwrap_err()
    }

    #[test]
    fn the_issues_examples_read() {
        assert_eq!(secs("3ч"), [3 * 3600]);
        assert_eq!(secs("1д"), [86_400]);
        assert_eq!(secs("30 мин"), [1_800]);
        assert_eq!(secs("2 часа"), [7_200]);
    }

    #[test]
    fn every_unit_spelling_reads() {
        for (input, expected) in [
            ("45м", 2_700),
            ("45 минут", 2_700),
            ("15 минут", 900),
            ("1 час", 3_600),
            ("5 часов", 18_000),
            ("1 день", 86_400),
            ("2 дня", 172_800),
            ("5 дней", 432_000),
            ("1 сутки", 86_400),
            ("1 неделя", 604_800),
            ("1 нед.", 604_800),
            ("3h", 10_800),
            ("2 hours", 7_200),
            ("1d", 86_400),
            ("2 days", 172_800),
            ("30m", 1_800),
            ("30 min", 1_800),
            ("90 minutes", 5_400),
            ("1w", 604_800),
            ("3 Ч", 10_800),
            ("3ч.", 10_800),
        ] {
            assert_eq!(secs(input), [expected], "{input}");
        }
    }

    #[test]
    fn parts_add_up_and_decimals_read() {
        assert_eq!(secs("1 ч 30 мин"), [5_400]);
        assert_eq!(secs("1ч30м"), [5_400]);
        assert_eq!(secs("1д 2ч"), [93_600]);
        assert_eq!(secs("1,5 ч"), [5_400]);
        assert_eq!(secs("1.5h"), [5_400]);
        assert_eq!(secs("0,5 д"), [43_200]);
    }

    #[test]
    fn several_offsets_are_sorted_largest_first_without_repeats() {
        assert_eq!(secs("2ч, 1д"), [86_400, 7_200]);
        assert_eq!(secs("2ч,1д"), [86_400, 7_200]);
        assert_eq!(secs("24ч; 1д; 2 часа"), [86_400, 7_200]);
        assert_eq!(secs("1д и 3ч"), [86_400, 10_800]);
        assert_eq!(secs("24h + 2h"), [86_400, 7_200]);
        assert_eq!(secs("3д, 1д, 3ч, 30 мин"), [259_200, 86_400, 10_800, 1_800]);
    }

    #[test]
    fn bounds_are_ten_minutes_to_a_week() {
        assert_eq!(secs("10 мин"), [600]);
        assert_eq!(secs("7д"), [604_800]);
        assert_eq!(
            err("5 мин"),
            OffsetError::TooShort {
                text: "5 мин".into()
            }
        );
        assert_eq!(err("0ч"), OffsetError::TooShort { text: "0ч".into() });
        assert_eq!(err("8д"), OffsetError::TooLong { text: "8д".into() });
        assert_eq!(
            err("99999999999999999999 д"),
            OffsetError::TooLong {
                text: "99999999999999999999…".into()
            }
        );
        assert_eq!(
            err("1д, 2ч, 3ч, 4ч, 5ч"),
            OffsetError::TooMany { max: 4, got: 5 }
        );
    }

    #[test]
    fn what_is_not_a_number_with_a_unit_is_quoted_back() {
        for input in [
            "завтра",
            "3",
            "ч",
            "3 лет",
            "три часа",
            "-3ч",
            "3ч 3",
            "1..5ч",
        ] {
            assert_eq!(
                err(input),
                OffsetError::Unreadable {
                    text: input.to_lowercase()
                },
                "{input}"
            );
        }
        assert_eq!(err(""), OffsetError::Empty);
        assert_eq!(err(" , ; "), OffsetError::Empty);
        assert_eq!(
            err(&"ч".repeat(1000)),
            OffsetError::Unreadable {
                text: format!("{}…", "ч".repeat(20))
            }
        );
        assert_eq!(
            err("3\u{202E}ч"),
            OffsetError::Unreadable {
                text: "3U+202Eч".into()
            }
        );
    }

    #[test]
    fn errors_name_their_keys_and_arguments() {
        assert_eq!(OffsetError::Empty.key(), "err-offset-empty");
        assert_eq!(
            OffsetError::TooMany { max: 4, got: 5 }.args(),
            vec![("max", "4".to_string()), ("got", "5".to_string())]
        );
        assert_eq!(
            OffsetError::TooShort { text: "5м".into() }.args(),
            vec![("text", "5м".to_string())]
        );
    }
}
