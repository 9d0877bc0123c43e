//! Parse-don't-validate types for what a patient types or ESIA sends, and the rules that read the
//! registry's free text (clinic kinds, a doctor's участок and comment): holding a value is the proof
//! that it passed the rules. This module knows nothing of Telegram, HTTP or SQL.
//!
//! Every error enum has `key()`, a Fluent message id in `locales/{ru,en}/domain.ftl`, and `args()`,
//! the message's variables as strings. Pass numeric ones through `FluentValue::try_number` so that
//! plural selectors see numbers.

/// For a checked string `$ty` stored as the plain text it was read from
/// (`#[serde(try_from = "String", into = "String")]`): `TryFrom<String>` checks it again with `$ty::parse`,
/// `From<$ty> for String` gives back the text in its `$field`.
macro_rules! checked_string {
    ($ty:ident, $error:ty, $field:tt) => {
        impl TryFrom<String> for $ty {
            type Error = $error;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                $ty::parse(&value)
            }
        }

        impl From<$ty> for String {
            fn from(value: $ty) -> Self {
                value.$field
            }
        }
    };
}

/// Personal data: `{:?}` prints only the type's name, so that a stray `{:?}` in a log line cannot leak
/// what the value holds.
macro_rules! opaque_debug {
    ($($t:ty),+ $(,)?) => {$(
        impl std::fmt::Debug for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($t), "(<redacted>)"))
            }
        }
    )+};
}
pub(crate) use opaque_debug;

mod age;
mod birth_date;
mod clinic_kind;
mod deep_link;
mod doctor_note;
pub mod esia;
mod full_name;
mod mask;
mod offset;
mod policy;
mod query;
mod sex;
mod visit_match;
pub mod watch_window;

pub use age::{
    birthday_at, fourteen_notice, specialty_audience, AgeFit, Audience, FourteenNotice, VisitFit,
    ADULT_AGE, OWN_ACCOUNT_AGE,
};
pub use birth_date::{local_today, BirthDate, ChildBirthDate, DateError};
pub use clinic_kind::{ClinicKind, KNOWN_KINDS};
pub use deep_link::DeepLink;
pub use doctor_note::{short_note, Area};
pub use esia::{AccountLevel, EsiaKid, EsiaLink};
pub use full_name::{FullName, NameError};
pub use mask::mask;
pub use offset::{OffsetError, ReminderOffsets, MAX_OFFSETS, MAX_OFFSET_SECS, MIN_OFFSET_SECS};
pub use policy::{
    DigitsField, OldPolicyNumber, PolicyError, PolicyKind, PolicyNumber, PolicySeries, SeriesAnswer,
};
pub use query::{PersonHint, Query};
pub use sex::{Relation, Sex};
pub use visit_match::same_visit;
pub use watch_window::{WatchWindow, Weekdays, WindowError};

/// A character as a message can quote it: invisible and control characters as `U+XXXX`, so the
/// user sees something instead of an empty «».
fn show_char(c: char) -> String {
    // Invisible, combining, and the bidirectional controls (marks, embeddings, overrides, isolates): echoed
    // raw, an override would turn the rest of the message around.
    let invisible = c.is_control()
        || c.is_whitespace()
        || matches!(c, '\u{0300}'..='\u{036F}' | '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}');
    if invisible {
        return format!("U+{:04X}", u32::from(c));
    }
    c.to_string()
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeSet;

    #[test]
    fn bidirectional_controls_are_named_not_echoed() {
        for c in [
            '\u{202E}', '\u{202D}', '\u{202A}', '\u{2066}', '\u{2069}', '\u{200F}', '\u{061C}',
        ] {
            let shown = super::show_char(c);
            assert!(shown.starts_with("U+"), "{shown:?}");
        }
        // A name with a right-to-left override is refused, and the refusal names the character.
        let err = super::FullName::parse("Иванов\u{202E}Иван Иванович").unwrap_err();
        assert!(
            err.args().iter().all(|(_, v)| !v.contains('\u{202E}')),
            "{err:?}"
        );
        assert_eq!(super::show_char('Ж'), "Ж");
    }

    use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};

    use super::*;

    const RU: &str = include_str!("../../locales/ru/domain.ftl");
    const EN: &str = include_str!("../../locales/en/domain.ftl");

    pub(crate) fn all_name_errors() -> Vec<NameError> {
        vec![
            NameError::Empty,
            NameError::TooLong { max: 100 },
            NameError::HasDigits,
            NameError::HasLatin { found: 'o' },
            NameError::OnlyOneWord,
            NameError::TooManyWords { got: 4 },
            NameError::BadCharacters { found: '😀' },
            NameError::BadHyphen,
        ]
    }

    pub(crate) fn all_date_errors() -> Vec<DateError> {
        vec![
            DateError::BadFormat,
            DateError::NoSuchDate,
            DateError::InFuture,
            DateError::TooOld,
            DateError::TooOldForChild { age: 14 },
        ]
    }

    pub(crate) fn all_policy_errors() -> Vec<PolicyError> {
        vec![
            PolicyError::Empty {
                field: DigitsField::New,
            },
            PolicyError::Empty {
                field: DigitsField::Temporary,
            },
            PolicyError::Empty {
                field: DigitsField::OldNumber,
            },
            PolicyError::NotDigits {
                field: DigitsField::New,
                found: 'O',
            },
            PolicyError::NotDigits {
                field: DigitsField::Temporary,
                found: 'O',
            },
            PolicyError::NotDigits {
                field: DigitsField::OldNumber,
                found: 'O',
            },
            PolicyError::ExampleNumber {
                field: DigitsField::New,
            },
            PolicyError::ExampleNumber {
                field: DigitsField::Temporary,
            },
            PolicyError::ExampleNumber {
                field: DigitsField::OldNumber,
            },
            PolicyError::LooksOld,
            PolicyError::SeriesAndNumberUnclear,
            PolicyError::WrongLength {
                expected: 16,
                got: 15,
            },
            PolicyError::WrongLength {
                expected: 9,
                got: 8,
            },
            PolicyError::BadCheckDigit,
            PolicyError::AllSameDigits,
            PolicyError::SeriesEmpty,
            PolicyError::SeriesTooLong { max: 10, got: 11 },
            PolicyError::SeriesBadChars { found: '.' },
            PolicyError::NumberTooLong { max: 20, got: 21 },
        ]
    }

    pub(crate) fn all_offset_errors() -> Vec<OffsetError> {
        vec![
            OffsetError::Empty,
            OffsetError::Unreadable {
                text: "завтра".into(),
            },
            OffsetError::TooShort { text: "5м".into() },
            OffsetError::TooLong { text: "8д".into() },
            OffsetError::TooMany { max: 4, got: 5 },
        ]
    }

    /// An error of any enum, as the bot sees it: key, arguments and the developer-facing Display.
    type AnyError = (&'static str, Vec<(&'static str, String)>, String);

    /// The errors of every list given, as [`AnyError`]s (the enums share no trait, only the shape of
    /// `key()`, `args()` and `Display`).
    macro_rules! as_any_errors {
        ($($errors:expr),+ $(,)?) => {{
            let mut all: Vec<AnyError> = Vec::new();
            $(all.extend($errors.iter().map(|e| (e.key(), e.args(), e.to_string())));)+
            all
        }};
    }

    fn all_errors() -> Vec<AnyError> {
        as_any_errors!(
            all_name_errors(),
            all_date_errors(),
            all_offset_errors(),
            all_policy_errors(),
        )
    }

    fn label_keys() -> Vec<&'static str> {
        let mut keys = vec![
            Sex::Male.key(),
            Sex::Female.key(),
            Relation::Son.key(),
            Relation::Daughter.key(),
        ];
        keys.extend([PolicyKind::New, PolicyKind::Old, PolicyKind::Temporary].map(|k| k.key()));
        keys
    }

    fn defines(ftl: &str, key: &str) -> bool {
        ftl.starts_with(&format!("{key} =")) || ftl.contains(&format!("\n{key} ="))
    }

    fn message_ids(ftl: &str) -> BTreeSet<&str> {
        ftl.lines()
            .filter(|line| line.starts_with(|c: char| c.is_ascii_lowercase()))
            .filter_map(|line| line.split_once(" =").map(|(id, _)| id))
            .collect()
    }

    fn bundle(locale: &str, ftl: &str) -> FluentBundle<FluentResource> {
        let resource = FluentResource::try_new(ftl.to_string())
            .unwrap_or_else(|(_, errors)| panic!("{locale}/domain.ftl does not parse: {errors:?}"));
        let mut bundle = FluentBundle::new(vec![locale.parse().unwrap()]);
        bundle.set_use_isolating(false);
        bundle.add_resource(resource).unwrap();
        bundle
    }

    fn format(
        bundle: &FluentBundle<FluentResource>,
        key: &str,
        args: &[(&'static str, String)],
    ) -> String {
        let message = bundle
            .get_message(key)
            .unwrap_or_else(|| panic!("no message {key}"));
        let pattern = message
            .value()
            .unwrap_or_else(|| panic!("message {key} has no value"));
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, FluentValue::try_number(value));
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
        assert!(errors.is_empty(), "{key}: {errors:?}");
        text.into_owned()
    }

    #[test]
    fn every_error_key_exists_in_both_locales() {
        for (key, _, _) in all_errors() {
            assert!(defines(RU, key), "ru/domain.ftl lacks {key}");
            assert!(defines(EN, key), "en/domain.ftl lacks {key}");
        }
        for key in label_keys() {
            assert!(defines(RU, key), "ru/domain.ftl lacks {key}");
            assert!(defines(EN, key), "en/domain.ftl lacks {key}");
        }
    }

    #[test]
    fn both_locales_define_the_same_messages_and_nothing_unused() {
        let ru = message_ids(RU);
        assert_eq!(ru, message_ids(EN));
        let used: BTreeSet<&str> = all_errors()
            .iter()
            .map(|(key, _, _)| *key)
            .chain(label_keys())
            .collect();
        assert_eq!(ru, used);
    }

    #[test]
    fn every_error_message_formats_with_its_arguments_and_shows_an_example() {
        for (locale, ftl, example) in [("ru", RU, "пример"), ("en", EN, "example")] {
            let bundle = bundle(locale, ftl);
            for (key, args, _) in all_errors() {
                let text = format(&bundle, key, &args);
                assert!(
                    text.to_lowercase().contains(example),
                    "{locale} {key}: {text}"
                );
                assert!(
                    !text.contains('{') && !text.contains('$'),
                    "{locale} {key}: {text}"
                );
                assert_eq!(text.trim(), text, "{locale} {key}");
                for (name, value) in &args {
                    // Every variable the error carries is worth showing, except the ones the text
                    // states in words because they never change.
                    if matches!(*name, "max" | "min_year" | "limit" | "expected" | "age") {
                        continue;
                    }
                    assert!(
                        text.contains(value.as_str()),
                        "{locale} {key} does not show ${name}: {text}"
                    );
                }
            }
            for key in label_keys() {
                assert!(!format(&bundle, key, &[]).is_empty(), "{locale} {key}");
            }
        }
    }

    #[test]
    fn the_length_messages_quote_the_documented_example() {
        let ru = bundle("ru", RU);
        let err = PolicyError::WrongLength {
            expected: 16,
            got: 15,
        };
        assert_eq!(
            format(&ru, err.key(), &err.args()),
            "В номере полиса нового образца 16 цифр, а вы ввели 15. Пример: 8451 9991 2289 9990"
        );
    }

    #[test]
    fn parse_errors_carry_keys_that_exist() {
        // The keys come from real parse failures, not only from hand-built variants.
        let today = chrono::NaiveDate::from_ymd_opt(2026, 5, 10).unwrap();
        let keys = [
            FullName::parse("😀😀").unwrap_err().key(),
            BirthDate::parse("31.02.2020", today).unwrap_err().key(),
            ChildBirthDate::parse("01.01.2000", today)
                .unwrap_err()
                .key(),
            PolicyNumber::parse_new("845199912289999")
                .unwrap_err()
                .key(),
            PolicyNumber::parse_temporary("1").unwrap_err().key(),
        ];
        for key in keys {
            assert!(defines(RU, key) && defines(EN, key), "{key}");
        }
    }

    #[test]
    fn error_display_has_no_trailing_period() {
        for (key, _, display) in all_errors() {
            assert!(!display.ends_with('.'), "{key}: {display}");
            assert!(!display.is_empty(), "{key}");
        }
    }

    #[test]
    fn invisible_characters_are_quoted_by_code_point() {
        assert_eq!(show_char('😀'), "😀");
        assert_eq!(show_char('o'), "o");
        assert_eq!(show_char('\u{0}'), "U+0000");
        assert_eq!(show_char('\u{0306}'), "U+0306");
        assert_eq!(show_char('\u{FE0F}'), "U+FE0F");
        assert_eq!(show_char('\u{00A0}'), "U+00A0");
        assert_eq!(
            NameError::BadCharacters { found: '\u{7}' }.args(),
            vec![("char", "U+0007".to_string())]
        );
    }
}
