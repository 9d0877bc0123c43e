//! OMS policy numbers (полис ОМС) of the three kinds a patient may hold.
//!
//! - **New** (нового образца, the single policy number ЕНП): exactly 16 digits. The 16th digit is a
//!   check digit: the Luhn mod-10 sum over all 16 digits must be divisible by 10. Numbers made of one
//!   repeated digit pass that check (`0000000000000000`) but are never issued, so they are refused.
//!   As the portal says, «в полисе нового образца содержится только номер»: there is no series.
//! - **Old** (старого образца): a series of 1 to 10 letters (Cyrillic or Latin) or digits, stored in
//!   upper case, and a number of 1 to 20 digits. The dialogue asks for them one at a time, hence
//!   [`PolicySeries`] and [`OldPolicyNumber`].
//! - **Temporary** (временное свидетельство): exactly 9 digits.
//!
//! In every field, whitespace (including NBSP) and dashes are ignored, because people copy numbers
//! with the grouping printed on the card: `8451 9991 2289 9990`, `845-199-912-289-999-0`.
//!
//! What a person types goes through the `typed_*` functions, which add the rules of a conversation to the
//! rules of the document: the prompts' own examples are refused as policies (people copy them to see what
//! happens, and a booking under a made-up policy fails at the clinic), and an old policy typed on one line
//! at the series question («3801 123456») is split into its series and number, or asked again when the
//! split is not clear — never glued into one series. Stored and Gosuslugi policies keep the plain parsers:
//! a value once accepted must read back.
//!
//! Series letters are kept as typed: a Cyrillic «АВ» and a Latin «AB» look the same but are different
//! series, and guessing which one the registry holds would be worse than storing what the card says.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::mask::mask;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyKind {
    New,
    Old,
    Temporary,
}

impl PolicyKind {
    /// The Fluent message id of the kind's name as shown to a user.
    pub fn key(&self) -> &'static str {
        match self {
            PolicyKind::New => "policy-kind-new",
            PolicyKind::Old => "policy-kind-old",
            PolicyKind::Temporary => "policy-kind-temporary",
        }
    }
}

/// A valid policy of any kind. Holding one is the proof that the rules of its kind passed.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "PolicyWire", into = "PolicyWire")]
pub struct PolicyNumber(Policy);

#[derive(Clone, PartialEq, Eq, Hash)]
enum Policy {
    New(String),
    Old {
        series: PolicySeries,
        number: OldPolicyNumber,
    },
    Temporary(String),
}

/// The series of an old-format policy: 1 to 10 upper-case letters or digits.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PolicySeries(String);

/// The number of an old-format policy: 1 to 20 digits.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OldPolicyNumber(String);

/// The field a digits-only rule was applied to: each has an example of its own in the messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigitsField {
    /// The 16 digits of a new policy.
    New,
    /// The 9 digits of a temporary certificate.
    Temporary,
    /// The number of an old policy, asked after its series.
    OldNumber,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("policy number is empty ({field:?})")]
    Empty { field: DigitsField },
    #[error("policy number contains {found:?}, which is not a digit ({field:?})")]
    NotDigits { field: DigitsField, found: char },
    #[error("policy number has {got} digits, expected {expected}")]
    WrongLength { expected: usize, got: usize },
    #[error("policy number fails the check digit")]
    BadCheckDigit,
    #[error("policy number consists of one repeated digit")]
    AllSameDigits,
    #[error("policy series is empty")]
    SeriesEmpty,
    #[error("policy series has {got} characters, at most {max} allowed")]
    SeriesTooLong { max: usize, got: usize },
    #[error("policy series contains {found:?}, which is neither a letter nor a digit")]
    SeriesBadChars { found: char },
    #[error("old-format policy number has {got} digits, at most {max} allowed")]
    NumberTooLong { max: usize, got: usize },
    #[error("the number is the example a prompt shows ({field:?})")]
    ExampleNumber { field: DigitsField },
    /// Typed at the new policy's question, but it has a series before the number.
    #[error("a series and a number were typed where a new policy has only a number")]
    LooksOld,
    /// Digits in groups at the series question, and which of them are the series is not clear.
    #[error("the series and the number typed on one line cannot be told apart")]
    SeriesAndNumberUnclear,
}

impl PolicyError {
    /// The Fluent message id (in `locales/*/domain.ftl`) that explains this error to a user.
    pub fn key(&self) -> &'static str {
        match self {
            PolicyError::Empty { field } => match field {
                DigitsField::New => "err-policy-empty",
                DigitsField::Temporary => "err-policy-temporary-empty",
                DigitsField::OldNumber => "err-policy-old-number-empty",
            },
            PolicyError::NotDigits { field, .. } => match field {
                DigitsField::New => "err-policy-not-digits",
                DigitsField::Temporary => "err-policy-temporary-not-digits",
                DigitsField::OldNumber => "err-policy-old-number-not-digits",
            },
            PolicyError::ExampleNumber { field } => match field {
                DigitsField::New => "err-policy-example",
                DigitsField::Temporary => "err-policy-temporary-example",
                DigitsField::OldNumber => "err-policy-old-number-example",
            },
            PolicyError::LooksOld => "err-policy-looks-old",
            PolicyError::SeriesAndNumberUnclear => "err-policy-series-number-unclear",
            // The two fixed lengths belong to different documents, and the user needs to hear which.
            PolicyError::WrongLength {
                expected: TEMPORARY_LEN,
                ..
            } => "err-policy-temporary-wrong-length",
            PolicyError::WrongLength { .. } => "err-policy-new-wrong-length",
            PolicyError::BadCheckDigit => "err-policy-bad-check-digit",
            PolicyError::AllSameDigits => "err-policy-all-same-digits",
            PolicyError::SeriesEmpty => "err-policy-series-empty",
            PolicyError::SeriesTooLong { .. } => "err-policy-series-too-long",
            PolicyError::SeriesBadChars { .. } => "err-policy-series-bad-chars",
            PolicyError::NumberTooLong { .. } => "err-policy-number-too-long",
        }
    }

    /// The Fluent variables of the message named by [`PolicyError::key`].
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match *self {
            PolicyError::NotDigits { found, .. } | PolicyError::SeriesBadChars { found } => {
                vec![("char", super::show_char(found))]
            }
            PolicyError::WrongLength { expected, got } => {
                vec![("expected", expected.to_string()), ("got", got.to_string())]
            }
            PolicyError::SeriesTooLong { max, got } | PolicyError::NumberTooLong { max, got } => {
                vec![("max", max.to_string()), ("got", got.to_string())]
            }
            PolicyError::Empty { .. }
            | PolicyError::BadCheckDigit
            | PolicyError::AllSameDigits
            | PolicyError::SeriesEmpty
            | PolicyError::ExampleNumber { .. }
            | PolicyError::LooksOld
            | PolicyError::SeriesAndNumberUnclear => Vec::new(),
        }
    }
}

const NEW_LEN: usize = 16;
const TEMPORARY_LEN: usize = 9;

impl PolicyNumber {
    /// A new-format policy (ЕНП): 16 digits with a valid check digit.
    pub fn parse_new(input: &str) -> Result<PolicyNumber, PolicyError> {
        let digits = digits_of_length(input, NEW_LEN, DigitsField::New)?;
        let bytes = digits.as_bytes();
        if bytes.iter().all(|&b| b == bytes[0]) {
            return Err(PolicyError::AllSameDigits);
        }
        if !luhn_valid(&digits) {
            return Err(PolicyError::BadCheckDigit);
        }
        Ok(PolicyNumber(Policy::New(digits)))
    }

    /// An old-format policy from its two fields; see [`PolicySeries::parse`] and [`OldPolicyNumber::parse`].
    pub fn parse_old(series: &str, number: &str) -> Result<PolicyNumber, PolicyError> {
        let series = PolicySeries::parse(series)?;
        let number = OldPolicyNumber::parse(number)?;
        Ok(PolicyNumber::old(series, number))
    }

    /// An old-format policy from fields parsed one at a time, as the dialogue asks for them.
    pub fn old(series: PolicySeries, number: OldPolicyNumber) -> PolicyNumber {
        PolicyNumber(Policy::Old { series, number })
    }

    /// A temporary certificate: 9 digits.
    pub fn parse_temporary(input: &str) -> Result<PolicyNumber, PolicyError> {
        let digits = digits_of_length(input, TEMPORARY_LEN, DigitsField::Temporary)?;
        Ok(PolicyNumber(Policy::Temporary(digits)))
    }

    /// Picks the kind by shape, for data that comes without one (ESIA's OMS document):
    /// a non-blank series means an old policy; otherwise 9 digits are a temporary certificate and
    /// anything else is held to the new format's rules, so the error speaks of 16 digits.
    pub fn parse_any(series: Option<&str>, number: &str) -> Result<PolicyNumber, PolicyError> {
        if let Some(series) = series.filter(|s| !is_blank(s)) {
            return PolicyNumber::parse_old(series, number);
        }
        let digit_count = number.chars().filter(|&c| !is_separator(c)).count();
        if digit_count == TEMPORARY_LEN {
            return PolicyNumber::parse_temporary(number);
        }
        PolicyNumber::parse_new(number)
    }

    pub fn kind(&self) -> PolicyKind {
        match self.0 {
            Policy::New(_) => PolicyKind::New,
            Policy::Old { .. } => PolicyKind::Old,
            Policy::Temporary(_) => PolicyKind::Temporary,
        }
    }

    /// The series of an old policy; `None` for the kinds that have none.
    pub fn series(&self) -> Option<&str> {
        match &self.0 {
            Policy::Old { series, .. } => Some(series.as_str()),
            Policy::New(_) | Policy::Temporary(_) => None,
        }
    }

    /// The digits of the number, without grouping.
    pub fn number(&self) -> &str {
        match &self.0 {
            Policy::New(digits) | Policy::Temporary(digits) => digits,
            Policy::Old { number, .. } => number.as_str(),
        }
    }

    /// For showing in lists: `•••• •••• •••• 5678`, or at most the last 4 characters of other kinds.
    pub fn masked(&self) -> String {
        match &self.0 {
            Policy::New(digits) | Policy::Temporary(digits) => mask(digits),
            // Series and number together, so the series cannot add revealed characters of its own.
            Policy::Old { series, number } => {
                mask(&format!("{}{}", series.as_str(), number.as_str()))
            }
        }
    }
}

/// The whole number, grouped as printed on the card: `8451 9991 2289 9990`, `ЕАА 1234567890`.
impl fmt::Display for PolicyNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Policy::New(digits) => {
                let groups: Vec<&str> =
                    (0..NEW_LEN).step_by(4).map(|i| &digits[i..i + 4]).collect();
                f.write_str(&groups.join(" "))
            }
            Policy::Old { series, number } => write!(f, "{} {}", series.as_str(), number.as_str()),
            Policy::Temporary(digits) => f.write_str(digits),
        }
    }
}

// Policy numbers are personal data: a stray `{:?}` in a log line must show only the masked form.
impl fmt::Debug for PolicyNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicyNumber")
            .field("kind", &self.kind())
            .field("masked", &self.masked())
            .finish()
    }
}

impl PolicySeries {
    pub const MAX_CHARS: usize = 10;

    pub fn parse(input: &str) -> Result<PolicySeries, PolicyError> {
        let mut series = String::new();
        let mut count = 0;
        let mut bad = None;
        for c in input.chars().filter(|&c| !is_separator(c)) {
            count += 1;
            if count > PolicySeries::MAX_CHARS {
                // Keep counting for the message, but stop building: the input may be a pasted essay.
                continue;
            }
            if !(c.is_ascii_alphanumeric() || super::full_name::is_russian_letter(c)) {
                bad.get_or_insert(c);
                continue;
            }
            series.extend(c.to_uppercase());
        }
        if count == 0 {
            return Err(PolicyError::SeriesEmpty);
        }
        if count > PolicySeries::MAX_CHARS {
            return Err(PolicyError::SeriesTooLong {
                max: PolicySeries::MAX_CHARS,
                got: count,
            });
        }
        if let Some(found) = bad {
            return Err(PolicyError::SeriesBadChars { found });
        }
        Ok(PolicySeries(series))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl OldPolicyNumber {
    pub const MAX_DIGITS: usize = 20;

    pub fn parse(input: &str) -> Result<OldPolicyNumber, PolicyError> {
        let digits = digits(input, OldPolicyNumber::MAX_DIGITS, DigitsField::OldNumber)?;
        if digits.count > OldPolicyNumber::MAX_DIGITS {
            return Err(PolicyError::NumberTooLong {
                max: OldPolicyNumber::MAX_DIGITS,
                got: digits.count,
            });
        }
        Ok(OldPolicyNumber(digits.kept))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The new-policy example every prompt and error shows: refused when typed as a policy.
pub const NEW_EXAMPLE: &str = "8451999122899990";
/// The old-policy number example the prompts show (after the series example «ЕАА»).
pub const OLD_NUMBER_EXAMPLE: &str = "1234567890";
/// The shortest number that, typed after a series of digits on one line, is taken for the number. Shorter
/// digit groups after digits («38 01») may be a series typed with a space: that answer is asked again.
const MIN_NUMBER_ON_SERIES_LINE: usize = 5;

/// What the series question of an old policy got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SeriesAnswer {
    /// Only the series: the number is asked next.
    Series(PolicySeries),
    /// The series and the number on one line («3801 123456»): the policy is complete.
    Whole(PolicyNumber),
}

impl PolicyNumber {
    /// A new policy as a person typed it: the format's rules, and neither the prompt's example nor a
    /// series before the number (that is an old policy, and the user should pick that kind).
    pub fn typed_new(input: &str) -> Result<PolicyNumber, PolicyError> {
        let words = words(input);
        let typed: String = words.concat();
        // A word with letters before the digits, and not 16 characters in all (so not a typo such as an
        // «О» for a zero): a series.
        let series_first = words.len() > 1
            && words.last().is_some_and(|w| is_digits(w))
            && words[..words.len() - 1]
                .iter()
                .any(|w| w.chars().any(char::is_alphabetic))
            && typed.chars().filter(|&c| !is_separator(c)).count() != NEW_LEN;
        if series_first {
            return Err(PolicyError::LooksOld);
        }
        let policy = PolicyNumber::parse_new(&typed)?;
        if policy.number() == NEW_EXAMPLE {
            return Err(PolicyError::ExampleNumber {
                field: DigitsField::New,
            });
        }
        Ok(policy)
    }

    /// The answer to the series question of an old policy. One word is the series. Several words whose
    /// last ones are digits after a word with a letter («ЕАА 123456», «серия 38ИР № 123456») are the series
    /// and the number; digits only («3801 123456») are split before the last group when it is long enough
    /// to be a number, and refused as unclear otherwise («38 01»). Anything else is one series written
    /// with spaces («38 ИР»).
    pub fn typed_series(input: &str) -> Result<SeriesAnswer, PolicyError> {
        let mut words = words(input);
        // One word of digit groups joined by dashes («3801-123456») is read as the same groups typed
        // with spaces when its last group is long enough to be a number; otherwise it is a series.
        if let [word] = words[..] {
            let groups: Vec<&str> = word.split(is_separator).filter(|g| !g.is_empty()).collect();
            let number_last = groups
                .last()
                .is_some_and(|g| g.chars().count() >= MIN_NUMBER_ON_SERIES_LINE);
            if groups.len() > 1 && is_digits(word) && number_last {
                words = groups;
            }
        }
        let split = match words.iter().rposition(|w| !is_digits(w)) {
            // Digits after the last word with a letter: they are the number.
            Some(last_series) if last_series + 1 < words.len() => Some(last_series + 1),
            Some(_) => None,
            None if words.len() < 2 => None,
            None => {
                let number = words.last().map_or(0, |w| w.chars().count());
                if number < MIN_NUMBER_ON_SERIES_LINE {
                    return Err(PolicyError::SeriesAndNumberUnclear);
                }
                Some(words.len() - 1)
            }
        };
        let Some(split) = split else {
            return PolicySeries::parse(&words.concat()).map(SeriesAnswer::Series);
        };
        let series = PolicySeries::parse(&words[..split].concat())?;
        let number = OldPolicyNumber::typed(&words[split..].concat(), &series)?;
        Ok(SeriesAnswer::Whole(PolicyNumber::old(series, number)))
    }
}

impl OldPolicyNumber {
    /// The number of an old policy whose series is `series`, as a person typed it: the series typed
    /// again in front («3801 123456» after the series 3801) is dropped instead of glued to the number,
    /// and the prompt's example is refused.
    pub fn typed(input: &str, series: &PolicySeries) -> Result<OldPolicyNumber, PolicyError> {
        let words = words(input);
        // The shortest run of leading words that spells the series, if any (and not all the words).
        let mut typed = String::new();
        let mut repeated = None;
        for (n, word) in words.iter().enumerate().take(words.len().saturating_sub(1)) {
            typed.extend(word.chars().flat_map(char::to_uppercase));
            if typed == series.as_str() {
                repeated = Some(n + 1);
                break;
            }
            if typed.len() >= series.as_str().len() {
                break;
            }
        }
        let number = OldPolicyNumber::parse(&words[repeated.unwrap_or(0)..].concat())?;
        if number.as_str() == OLD_NUMBER_EXAMPLE {
            return Err(PolicyError::ExampleNumber {
                field: DigitsField::OldNumber,
            });
        }
        Ok(number)
    }
}

/// The words of an answer, split at whitespace and «№», without the labels people copy from the card
/// («серия», «номер», «№»).
fn words(input: &str) -> Vec<&str> {
    input
        .split(|c: char| c.is_whitespace() || c == '№')
        .filter(|w| !w.is_empty())
        .filter(|w| {
            let w = w.trim_end_matches([':', '.']).to_lowercase();
            !matches!(
                w.as_str(),
                "серия" | "серии" | "номер" | "ном" | "сер" | "" | "-"
            )
        })
        .collect()
}

/// Whether a word is digits (dashes inside allowed, as printed on some cards).
fn is_digits(word: &str) -> bool {
    let mut chars = word.chars().filter(|&c| !is_separator(c)).peekable();
    chars.peek().is_some() && chars.all(|c| c.is_ascii_digit())
}

fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}'
        )
}

fn is_blank(s: &str) -> bool {
    s.chars().all(is_separator)
}

struct Digits {
    /// The first `limit` digits; enough to build a value whenever the count is acceptable.
    kept: String,
    /// All digits, so a message can say how many were typed.
    count: usize,
}

/// Strips separators and checks that the rest are ASCII digits, without copying more than `limit`.
fn digits(input: &str, limit: usize, field: DigitsField) -> Result<Digits, PolicyError> {
    let mut kept = String::new();
    let mut count = 0;
    for c in input.chars().filter(|&c| !is_separator(c)) {
        if !c.is_ascii_digit() {
            return Err(PolicyError::NotDigits { field, found: c });
        }
        count += 1;
        if count <= limit {
            kept.push(c);
        }
    }
    if count == 0 {
        return Err(PolicyError::Empty { field });
    }
    Ok(Digits { kept, count })
}

fn digits_of_length(
    input: &str,
    expected: usize,
    field: DigitsField,
) -> Result<String, PolicyError> {
    let digits = digits(input, expected, field)?;
    if digits.count != expected {
        return Err(PolicyError::WrongLength {
            expected,
            got: digits.count,
        });
    }
    Ok(digits.kept)
}

/// Luhn mod-10 over ASCII digits, the last of which is the check digit.
fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i.is_multiple_of(2) {
                return d;
            }
            let doubled = d * 2;
            if doubled > 9 {
                doubled - 9
            } else {
                doubled
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

opaque_debug!(PolicySeries);

impl fmt::Debug for OldPolicyNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OldPolicyNumber({})", mask(&self.0))
    }
}

checked_string!(PolicySeries, PolicyError, 0);
checked_string!(OldPolicyNumber, PolicyError, 0);

/// How a policy is stored: its kind says which rules to check again when it is read back.
#[derive(Serialize, Deserialize)]
struct PolicyWire {
    kind: PolicyKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    series: Option<String>,
    number: String,
}

impl TryFrom<PolicyWire> for PolicyNumber {
    type Error = PolicyError;

    fn try_from(wire: PolicyWire) -> Result<Self, Self::Error> {
        match wire.kind {
            PolicyKind::New => PolicyNumber::parse_new(&wire.number),
            PolicyKind::Old => {
                PolicyNumber::parse_old(wire.series.as_deref().unwrap_or(""), &wire.number)
            }
            PolicyKind::Temporary => PolicyNumber::parse_temporary(&wire.number),
        }
    }
}

impl From<PolicyNumber> for PolicyWire {
    fn from(policy: PolicyNumber) -> Self {
        PolicyWire {
            kind: policy.kind(),
            series: policy.series().map(str::to_string),
            number: policy.number().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_err(input: &str) -> PolicyError {
        match PolicyNumber::parse_new(input) {
            Ok(policy) => panic!("{input:?} was accepted as {policy:?}"),
            Err(err) => err,
        }
    }

    /// The digit that makes `prefix` + digit pass Luhn, found by trying all ten.
    fn check_digits_for(prefix: &str) -> Vec<u8> {
        (0..=9)
            .filter(|d| luhn_valid(&format!("{prefix}{d}")))
            .collect()
    }

    /// A small deterministic generator, so the property tests need no dependencies and never flake.
    fn sample_prefixes(count: usize, len: usize) -> Vec<String> {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        (0..count)
            .map(|_| {
                (0..len)
                    .map(|_| {
                        state = state
                            .wrapping_mul(6_364_136_223_846_793_005)
                            .wrapping_add(1_442_695_040_888_963_407);
                        char::from(b'0' + ((state >> 33) % 10) as u8)
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn the_documented_new_policies_are_valid() {
        for input in ["8451999122899990", "3851234512345678"] {
            let policy = PolicyNumber::parse_new(input).unwrap();
            assert_eq!(policy.kind(), PolicyKind::New);
            assert_eq!(policy.number(), input);
            assert_eq!(policy.series(), None);
        }
    }

    #[test]
    fn the_documented_invalid_policy_fails_the_check_digit() {
        assert_eq!(new_err("1234567890123453"), PolicyError::BadCheckDigit);
    }

    #[test]
    fn spaces_and_dashes_in_a_new_policy_are_ignored() {
        for input in [
            "8451 9991 2289 9990",
            " 8451999122899990 ",
            "8451-9991-2289-9990",
            "8451\u{00A0}9991\u{00A0}2289\u{00A0}9990",
            "8451\t9991\n2289 - 9990",
            "8451–9991—2289‑9990",
        ] {
            assert_eq!(
                PolicyNumber::parse_new(input).unwrap().number(),
                "8451999122899990",
                "{input:?}"
            );
        }
    }

    #[test]
    fn a_new_policy_must_have_exactly_16_digits() {
        assert_eq!(
            new_err("845199912289999"),
            PolicyError::WrongLength {
                expected: 16,
                got: 15
            }
        );
        assert_eq!(
            new_err("84519991228999900"),
            PolicyError::WrongLength {
                expected: 16,
                got: 17
            }
        );
        assert_eq!(
            new_err("1"),
            PolicyError::WrongLength {
                expected: 16,
                got: 1
            }
        );
        assert_eq!(
            new_err("123456789"),
            PolicyError::WrongLength {
                expected: 16,
                got: 9
            }
        );
        assert_eq!(
            new_err(&"1".repeat(5_000)),
            PolicyError::WrongLength {
                expected: 16,
                got: 5_000
            }
        );
    }

    #[test]
    fn a_new_policy_has_only_digits() {
        assert_eq!(
            new_err("8451 9991 2289 999O"),
            PolicyError::NotDigits {
                field: DigitsField::New,
                found: 'O'
            }
        );
        assert_eq!(
            new_err("845199912289999о"),
            PolicyError::NotDigits {
                field: DigitsField::New,
                found: 'о'
            }
        );
        assert_eq!(
            new_err("8451.9991.2289.9990"),
            PolicyError::NotDigits {
                field: DigitsField::New,
                found: '.'
            }
        );
        assert_eq!(
            new_err("😀"),
            PolicyError::NotDigits {
                field: DigitsField::New,
                found: '😀'
            }
        );
        assert_eq!(
            new_err("+8451999122899990"),
            PolicyError::NotDigits {
                field: DigitsField::New,
                found: '+'
            }
        );
        assert_eq!(
            new_err("８４５１９９９１２２８９９９９０"),
            PolicyError::NotDigits {
                field: DigitsField::New,
                found: '８'
            }
        );
        assert_eq!(
            new_err(&"😀".repeat(5_000)),
            PolicyError::NotDigits {
                field: DigitsField::New,
                found: '😀'
            }
        );
    }

    #[test]
    fn a_blank_new_policy_is_empty() {
        for input in ["", " ", "---", " - \u{00A0}"] {
            assert_eq!(
                new_err(input),
                PolicyError::Empty {
                    field: DigitsField::New
                },
                "{input:?}"
            );
        }
    }

    #[test]
    fn all_equal_digits_are_refused_even_when_the_check_digit_fits() {
        assert!(luhn_valid("0000000000000000"));
        for d in 0..=9 {
            let input = d.to_string().repeat(16);
            assert_eq!(new_err(&input), PolicyError::AllSameDigits, "{input}");
        }
    }

    #[test]
    fn every_15_digit_prefix_has_exactly_one_check_digit() {
        for prefix in sample_prefixes(2_000, 15) {
            let valid = check_digits_for(&prefix);
            assert_eq!(valid.len(), 1, "{prefix}: {valid:?}");
            let number = format!("{prefix}{}", valid[0]);
            if number.bytes().all(|b| b == number.as_bytes()[0]) {
                continue;
            }
            assert_eq!(PolicyNumber::parse_new(&number).unwrap().number(), number);
            for wrong in (0..=9).filter(|d| *d != valid[0]) {
                assert_eq!(
                    new_err(&format!("{prefix}{wrong}")),
                    PolicyError::BadCheckDigit
                );
            }
        }
    }

    #[test]
    fn any_single_mistyped_digit_is_caught() {
        for valid in ["8451999122899990", "3851234512345678"] {
            for position in 0..16 {
                for replacement in b'0'..=b'9' {
                    let mut typo = valid.as_bytes().to_vec();
                    if typo[position] == replacement {
                        continue;
                    }
                    typo[position] = replacement;
                    let typo = String::from_utf8(typo).unwrap();
                    assert_eq!(new_err(&typo), PolicyError::BadCheckDigit, "{typo}");
                }
            }
        }
    }

    #[test]
    fn swapped_neighbours_are_caught_except_09_and_90() {
        for prefix in sample_prefixes(200, 15) {
            let valid = format!("{prefix}{}", check_digits_for(&prefix)[0]);
            let bytes = valid.as_bytes();
            for i in 0..15 {
                let (a, b) = (bytes[i], bytes[i + 1]);
                if a == b || matches!((a, b), (b'0', b'9') | (b'9', b'0')) {
                    continue;
                }
                let mut swapped = bytes.to_vec();
                swapped.swap(i, i + 1);
                assert!(
                    !luhn_valid(std::str::from_utf8(&swapped).unwrap()),
                    "{valid} at {i}"
                );
            }
        }
    }

    #[test]
    fn temporary_certificates_have_9_digits() {
        let policy = PolicyNumber::parse_temporary("123 456 789").unwrap();
        assert_eq!(policy.kind(), PolicyKind::Temporary);
        assert_eq!(policy.number(), "123456789");
        assert_eq!(policy.series(), None);
        let temporary_err = |input| PolicyNumber::parse_temporary(input).unwrap_err();
        assert_eq!(
            temporary_err("12345678"),
            PolicyError::WrongLength {
                expected: 9,
                got: 8
            }
        );
        assert_eq!(
            temporary_err("1234567890"),
            PolicyError::WrongLength {
                expected: 9,
                got: 10
            }
        );
        assert_eq!(
            temporary_err("12345678a"),
            PolicyError::NotDigits {
                field: DigitsField::Temporary,
                found: 'a'
            }
        );
        assert_eq!(
            temporary_err(" "),
            PolicyError::Empty {
                field: DigitsField::Temporary
            }
        );
        // Unlike the ЕНП, a temporary certificate has no check digit and no ban on repeated digits.
        assert!(PolicyNumber::parse_temporary("111111111").is_ok());
    }

    #[test]
    fn series_is_letters_or_digits_in_upper_case() {
        assert_eq!(PolicySeries::parse("еаа").unwrap().as_str(), "ЕАА");
        assert_eq!(PolicySeries::parse("ab12").unwrap().as_str(), "AB12");
        assert_eq!(PolicySeries::parse(" 38 ИР ").unwrap().as_str(), "38ИР");
        assert_eq!(PolicySeries::parse("ё-1").unwrap().as_str(), "Ё1");
        assert_eq!(PolicySeries::parse("1").unwrap().as_str(), "1");
        assert_eq!(
            PolicySeries::parse("АБВГДЕЖЗИК").unwrap().as_str(),
            "АБВГДЕЖЗИК"
        );
    }

    #[test]
    fn series_letters_are_not_transliterated() {
        let cyrillic = PolicySeries::parse("ав").unwrap();
        let latin = PolicySeries::parse("ab").unwrap();
        assert_eq!(cyrillic.as_str(), "АВ");
        assert_eq!(latin.as_str(), "AB");
        assert_ne!(cyrillic, latin);
    }

    #[test]
    fn series_errors() {
        let pasted = "А".repeat(5_000);
        let cases = [
            ("", PolicyError::SeriesEmpty),
            (" - ", PolicyError::SeriesEmpty),
            (
                "АБВГДЕЖЗИКЛ",
                PolicyError::SeriesTooLong { max: 10, got: 11 },
            ),
            (
                pasted.as_str(),
                PolicyError::SeriesTooLong {
                    max: 10,
                    got: 5_000,
                },
            ),
            ("АБ.1", PolicyError::SeriesBadChars { found: '.' }),
            ("😀", PolicyError::SeriesBadChars { found: '😀' }),
            ("№12", PolicyError::SeriesBadChars { found: '№' }),
            ("Ré", PolicyError::SeriesBadChars { found: 'é' }),
            ("Һ1", PolicyError::SeriesBadChars { found: 'Һ' }),
        ];
        for (input, error) in cases {
            assert_eq!(PolicySeries::parse(input), Err(error), "{input}");
        }
    }

    #[test]
    fn old_number_is_1_to_20_digits() {
        assert_eq!(OldPolicyNumber::parse("1").unwrap().as_str(), "1");
        assert_eq!(
            OldPolicyNumber::parse("0012 3456").unwrap().as_str(),
            "00123456"
        );
        let twenty = "1".repeat(20);
        assert_eq!(OldPolicyNumber::parse(&twenty).unwrap().as_str(), twenty);
        assert_eq!(
            OldPolicyNumber::parse(&"1".repeat(21)),
            Err(PolicyError::NumberTooLong { max: 20, got: 21 })
        );
        assert_eq!(
            OldPolicyNumber::parse(&"1".repeat(5_000)),
            Err(PolicyError::NumberTooLong {
                max: 20,
                got: 5_000
            })
        );
        assert_eq!(
            OldPolicyNumber::parse(""),
            Err(PolicyError::Empty {
                field: DigitsField::OldNumber
            })
        );
        assert_eq!(
            OldPolicyNumber::parse("АБ 123"),
            Err(PolicyError::NotDigits {
                field: DigitsField::OldNumber,
                found: 'А'
            })
        );
        // Old numbers may repeat digits: no check digit is known for them.
        assert!(OldPolicyNumber::parse("0000000").is_ok());
    }

    #[test]
    fn old_policy_combines_series_and_number() {
        let policy = PolicyNumber::parse_old("еаа", "1234 567890").unwrap();
        assert_eq!(policy.kind(), PolicyKind::Old);
        assert_eq!(policy.series(), Some("ЕАА"));
        assert_eq!(policy.number(), "1234567890");
        assert_eq!(policy.to_string(), "ЕАА 1234567890");

        let one_at_a_time = PolicyNumber::old(
            PolicySeries::parse("ЕАА").unwrap(),
            OldPolicyNumber::parse("1234567890").unwrap(),
        );
        assert_eq!(one_at_a_time, policy);

        assert_eq!(
            PolicyNumber::parse_old("", "123"),
            Err(PolicyError::SeriesEmpty)
        );
        assert_eq!(
            PolicyNumber::parse_old("ЕАА", ""),
            Err(PolicyError::Empty {
                field: DigitsField::OldNumber
            })
        );
        assert_eq!(
            PolicyNumber::parse_old("ЕАА", "12x"),
            Err(PolicyError::NotDigits {
                field: DigitsField::OldNumber,
                found: 'x'
            })
        );
    }

    #[test]
    fn parse_any_picks_the_kind_by_shape() {
        let any = |series, number| PolicyNumber::parse_any(series, number).map(|p| p.kind());
        assert_eq!(any(None, "8451999122899990"), Ok(PolicyKind::New));
        assert_eq!(any(Some(""), "8451 9991 2289 9990"), Ok(PolicyKind::New));
        assert_eq!(any(Some("  "), "8451999122899990"), Ok(PolicyKind::New));
        assert_eq!(any(None, "123456789"), Ok(PolicyKind::Temporary));
        assert_eq!(any(Some("ЕАА"), "123456"), Ok(PolicyKind::Old));
        assert_eq!(any(Some("ЕАА"), "8451999122899990"), Ok(PolicyKind::Old));
        assert_eq!(
            any(None, "1234567890123453"),
            Err(PolicyError::BadCheckDigit)
        );
        assert_eq!(
            any(None, "123456"),
            Err(PolicyError::WrongLength {
                expected: 16,
                got: 6
            })
        );
        assert_eq!(
            any(None, ""),
            Err(PolicyError::Empty {
                field: DigitsField::New
            })
        );
        assert_eq!(
            any(Some("Е.А"), "123"),
            Err(PolicyError::SeriesBadChars { found: '.' })
        );
    }

    #[test]
    fn display_groups_a_new_policy_by_four() {
        assert_eq!(
            PolicyNumber::parse_new("8451999122899990")
                .unwrap()
                .to_string(),
            "8451 9991 2289 9990"
        );
        assert_eq!(
            PolicyNumber::parse_temporary("123456789")
                .unwrap()
                .to_string(),
            "123456789"
        );
    }

    #[test]
    fn masked_reveals_at_most_the_last_four() {
        assert_eq!(
            PolicyNumber::parse_new("3851234512345678")
                .unwrap()
                .masked(),
            "•••• •••• •••• 5678"
        );
        assert_eq!(
            PolicyNumber::parse_temporary("123456789").unwrap().masked(),
            "•••••6789"
        );
        assert_eq!(
            PolicyNumber::parse_old("ЕАА", "1234567890")
                .unwrap()
                .masked(),
            "•••••••••7890"
        );
        assert_eq!(
            PolicyNumber::parse_old("ЕАА", "12").unwrap().masked(),
            "•••12"
        );
        assert_eq!(PolicyNumber::parse_old("Е", "1").unwrap().masked(), "•1");
    }

    #[test]
    fn debug_shows_only_the_masked_number() {
        let policy = PolicyNumber::parse_new("3851234512345678").unwrap();
        let debug = format!("{policy:?}");
        assert!(debug.contains("•••• •••• •••• 5678"), "{debug}");
        assert!(!debug.contains("38512345"), "{debug}");
        let old = PolicyNumber::parse_old("ЕАА", "1234567890").unwrap();
        let debug = format!("{old:?}");
        assert!(
            !debug.contains("ЕАА") && !debug.contains("123456"),
            "{debug}"
        );
    }

    #[test]
    fn serde_round_trips_every_kind_and_revalidates() {
        let policies = [
            PolicyNumber::parse_new("8451999122899990").unwrap(),
            PolicyNumber::parse_old("ЕАА", "1234567890").unwrap(),
            PolicyNumber::parse_temporary("123456789").unwrap(),
        ];
        let expected = [
            r#"{"kind":"new","number":"8451999122899990"}"#,
            r#"{"kind":"old","series":"ЕАА","number":"1234567890"}"#,
            r#"{"kind":"temporary","number":"123456789"}"#,
        ];
        for (policy, expected) in policies.iter().zip(expected) {
            let json = serde_json::to_string(policy).unwrap();
            assert_eq!(json, expected);
            assert_eq!(
                &serde_json::from_str::<PolicyNumber>(&json).unwrap(),
                policy
            );
        }
        for tampered in [
            r#"{"kind":"new","number":"1234567890123453"}"#,
            r#"{"kind":"old","number":"1234567890"}"#,
            r#"{"kind":"temporary","number":"12345678"}"#,
            r#"{"kind":"other","number":"123456789"}"#,
        ] {
            assert!(
                serde_json::from_str::<PolicyNumber>(tampered).is_err(),
                "{tampered}"
            );
        }
    }

    /// A checked string is written as the JSON string `json`, reads back from it, and `bad` (which its
    /// parse refuses) does not read.
    fn assert_string_form<T>(value: T, json: &str, bad: &str)
    where
        T: Serialize + serde::de::DeserializeOwned + PartialEq + fmt::Debug,
    {
        assert_eq!(serde_json::to_string(&value).unwrap(), json);
        assert_eq!(serde_json::from_str::<T>(json).unwrap(), value);
        assert!(serde_json::from_str::<T>(bad).is_err(), "{bad}");
    }

    #[test]
    fn series_and_old_number_serialize_as_strings() {
        assert_string_form(PolicySeries::parse("еаа").unwrap(), "\"ЕАА\"", "\"Е.А\"");
        assert_string_form(OldPolicyNumber::parse("123").unwrap(), "\"123\"", "\"12a\"");
    }

    #[test]
    fn wrong_length_key_names_the_document() {
        assert_eq!(
            PolicyError::WrongLength {
                expected: 16,
                got: 15
            }
            .key(),
            "err-policy-new-wrong-length"
        );
        assert_eq!(
            PolicyError::WrongLength {
                expected: 9,
                got: 8
            }
            .key(),
            "err-policy-temporary-wrong-length"
        );
    }

    #[test]
    fn errors_name_their_fluent_arguments() {
        let strings = |pairs: &[(&'static str, &str)]| -> Vec<(&'static str, String)> {
            pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
        };
        assert_eq!(
            PolicyError::NotDigits {
                field: DigitsField::New,
                found: 'O'
            }
            .args(),
            strings(&[("char", "O")])
        );
        assert_eq!(
            PolicyError::SeriesBadChars { found: '.' }.args(),
            strings(&[("char", ".")])
        );
        assert_eq!(
            PolicyError::WrongLength {
                expected: 16,
                got: 15
            }
            .args(),
            strings(&[("expected", "16"), ("got", "15")])
        );
        assert_eq!(
            PolicyError::SeriesTooLong { max: 10, got: 11 }.args(),
            strings(&[("max", "10"), ("got", "11")])
        );
        assert_eq!(
            PolicyError::NumberTooLong { max: 20, got: 21 }.args(),
            strings(&[("max", "20"), ("got", "21")])
        );
        for err in [
            PolicyError::Empty {
                field: DigitsField::New,
            },
            PolicyError::BadCheckDigit,
            PolicyError::AllSameDigits,
            PolicyError::SeriesEmpty,
        ] {
            assert!(err.args().is_empty(), "{err:?}");
        }
    }

    #[test]
    fn error_display_has_no_trailing_period() {
        for err in super::super::tests::all_policy_errors() {
            assert!(!err.to_string().ends_with('.'), "{err}");
        }
    }

    fn series(input: &str) -> Result<SeriesAnswer, PolicyError> {
        PolicyNumber::typed_series(input)
    }

    fn whole(series: &str, number: &str) -> Result<SeriesAnswer, PolicyError> {
        Ok(SeriesAnswer::Whole(
            PolicyNumber::parse_old(series, number).unwrap(),
        ))
    }

    fn only_series(series: &str) -> Result<SeriesAnswer, PolicyError> {
        Ok(SeriesAnswer::Series(PolicySeries::parse(series).unwrap()))
    }

    #[test]
    fn the_prompts_own_new_example_is_refused_as_a_policy_however_it_is_typed() {
        for input in [
            "8451 9991 2289 9990",
            "8451999122899990",
            "8451-9991-2289-9990",
            " номер 8451 9991 2289 9990 ",
            "№ 8451999122899990",
        ] {
            assert_eq!(
                PolicyNumber::typed_new(input),
                Err(PolicyError::ExampleNumber {
                    field: DigitsField::New
                }),
                "{input:?}"
            );
        }
        // Stored and Gosuslugi values still read: the plain parser knows no examples.
        assert!(PolicyNumber::parse_new(NEW_EXAMPLE).is_ok());
        assert_eq!(
            PolicyNumber::typed_new("3851 2345 1234 5678")
                .unwrap()
                .number(),
            "3851234512345678"
        );
    }

    #[test]
    fn a_typed_new_policy_keeps_every_rule_of_the_format() {
        let cases = [
            (
                "845199912289999",
                PolicyError::WrongLength {
                    expected: 16,
                    got: 15,
                },
            ),
            ("1234567890123453", PolicyError::BadCheckDigit),
            (
                "",
                PolicyError::Empty {
                    field: DigitsField::New,
                },
            ),
            (
                "номер",
                PolicyError::Empty {
                    field: DigitsField::New,
                },
            ),
            ("1111 1111 1111 1111", PolicyError::AllSameDigits),
        ];
        for (input, error) in cases {
            assert_eq!(PolicyNumber::typed_new(input), Err(error), "{input:?}");
        }
    }

    #[test]
    fn a_series_before_the_number_at_the_new_question_says_it_is_an_old_policy() {
        for input in ["ЕАА 1234567", "серия ЕАА номер 123456", "38ИР 123456"] {
            assert_eq!(
                PolicyNumber::typed_new(input),
                Err(PolicyError::LooksOld),
                "{input:?}"
            );
        }
        // A letter typed for a zero in the 16 characters is a typo, not a series.
        assert_eq!(
            PolicyNumber::typed_new("O451 9991 2289 9990"),
            Err(PolicyError::NotDigits {
                field: DigitsField::New,
                found: 'O'
            })
        );
        assert_eq!(
            PolicyNumber::typed_new("8451 9991 2289 999O"),
            Err(PolicyError::NotDigits {
                field: DigitsField::New,
                found: 'O'
            })
        );
    }

    #[test]
    fn an_old_policy_typed_on_one_line_is_split_into_series_and_number() {
        assert_eq!(series("3801 123456"), whole("3801", "123456"));
        assert_eq!(series("3801-123456"), whole("3801", "123456"));
        assert_eq!(series("  3801\u{00A0}123456 "), whole("3801", "123456"));
        assert_eq!(series("ЕАА 1234567"), whole("ЕАА", "1234567"));
        assert_eq!(series("еаа 12"), whole("ЕАА", "12"));
        assert_eq!(series("ЕАА 1234 5678"), whole("ЕАА", "12345678"));
        assert_eq!(series("38 ИР 123456"), whole("38ИР", "123456"));
        assert_eq!(series("серия 3801 № 123456"), whole("3801", "123456"));
        assert_eq!(series("Серия: ЕАА Номер: 765432"), whole("ЕАА", "765432"));
        assert_eq!(series("38 01 123456"), whole("3801", "123456"));
    }

    #[test]
    fn a_series_alone_stays_a_series() {
        assert_eq!(series("3801"), only_series("3801"));
        assert_eq!(series("еаа"), only_series("ЕАА"));
        assert_eq!(series("38 ИР"), only_series("38ИР"));
        assert_eq!(series("38-01"), only_series("3801"));
        assert_eq!(series("серия ЕАА"), only_series("ЕАА"));
        assert_eq!(series("ЕАА123456"), only_series("ЕАА123456"));
    }

    #[test]
    fn digit_groups_that_do_not_split_clearly_are_asked_again_never_glued() {
        for input in ["38 01", "3801 1234", "38 01 12", "1 2"] {
            assert_eq!(
                series(input),
                Err(PolicyError::SeriesAndNumberUnclear),
                "{input:?}"
            );
        }
    }

    #[test]
    fn a_series_line_keeps_the_rules_of_both_fields() {
        assert_eq!(series(""), Err(PolicyError::SeriesEmpty));
        assert_eq!(series("серия"), Err(PolicyError::SeriesEmpty));
        assert_eq!(
            series("Е.А 123456"),
            Err(PolicyError::SeriesBadChars { found: '.' })
        );
        assert_eq!(
            series("ЕАА 1234567890"),
            Err(PolicyError::ExampleNumber {
                field: DigitsField::OldNumber
            })
        );
        assert_eq!(
            series(&format!("ЕАА {}", "1".repeat(21))),
            Err(PolicyError::NumberTooLong { max: 20, got: 21 })
        );
        assert_eq!(
            series("АБВГДЕЖЗИКЛ"),
            Err(PolicyError::SeriesTooLong { max: 10, got: 11 })
        );
    }

    #[test]
    fn the_series_typed_again_before_the_number_is_dropped_not_glued() {
        let s3801 = PolicySeries::parse("3801").unwrap();
        let eaa = PolicySeries::parse("ЕАА").unwrap();
        let typed = |input, series| OldPolicyNumber::typed(input, series).map(|n| n.0);
        assert_eq!(typed("123456", &s3801), Ok("123456".into()));
        assert_eq!(typed("3801 123456", &s3801), Ok("123456".into()));
        assert_eq!(typed("38 01 123456", &s3801), Ok("123456".into()));
        assert_eq!(typed("еаа 123456", &eaa), Ok("123456".into()));
        assert_eq!(typed("№ 123456", &eaa), Ok("123456".into()));
        // Digits in groups that are not the series are one number, as on the card.
        assert_eq!(typed("0012 3456", &s3801), Ok("00123456".into()));
        // Only the series alone: no number yet.
        assert_eq!(
            typed("3801", &s3801),
            Ok("3801".into()),
            "one word is the number, whatever it looks like"
        );
        assert_eq!(
            typed("ЕАБ 123456", &eaa),
            Err(PolicyError::NotDigits {
                field: DigitsField::OldNumber,
                found: 'Е'
            })
        );
        assert_eq!(
            typed("1234 567890", &eaa),
            Err(PolicyError::ExampleNumber {
                field: DigitsField::OldNumber
            })
        );
        assert_eq!(
            typed("", &eaa),
            Err(PolicyError::Empty {
                field: DigitsField::OldNumber
            })
        );
    }

    #[test]
    fn every_shared_rule_names_the_field_it_refused() {
        let keys = |field| {
            [
                PolicyError::Empty { field }.key(),
                PolicyError::NotDigits { field, found: 'x' }.key(),
                PolicyError::ExampleNumber { field }.key(),
            ]
        };
        let all: std::collections::BTreeSet<&str> = [
            DigitsField::New,
            DigitsField::Temporary,
            DigitsField::OldNumber,
        ]
        .into_iter()
        .flat_map(keys)
        .collect();
        assert_eq!(all.len(), 9);
        assert_eq!(
            PolicyError::NotDigits {
                field: DigitsField::OldNumber,
                found: 'x'
            }
            .args(),
            vec![("char", "x".to_string())]
        );
    }
}
