//! A person's full name (ФИО) as written in Russian documents.
//!
//! Rules, in the order they are checked:
//!
//! 1. Invisible characters that come with copy-paste (soft hyphen, zero-width spaces and joiners,
//!    direction marks, BOM) are dropped; runs of whitespace of any kind (spaces, tabs, NBSP, newlines)
//!    become one space; the ends are trimmed. Nothing left: [`NameError::Empty`].
//! 2. More than [`FullName::MAX_CHARS`] characters after step 1: [`NameError::TooLong`]. This runs
//!    while collapsing whitespace and stops at the first character over the limit, so a pasted
//!    5,000-character message costs one short scan and no allocation beyond the limit.
//! 3. Decomposed letters are composed (`и` + U+0306 → `й`, `е` + U+0308 → `ё`), because some
//!    keyboards and macOS copy-paste produce them. Spaces around a hyphen are removed
//!    («Салтыков - Щедрин» → «Салтыков-Щедрин»). Hyphen look-alikes U+2010 and U+2011 become `-`;
//!    apostrophe look-alikes `’` and `ʼ` become `'`.
//! 4. Only letters of the Russian alphabet (including `ё`), hyphens and apostrophes are allowed.
//!    A digit anywhere: [`NameError::HasDigits`]; otherwise a Latin letter:
//!    [`NameError::HasLatin`] naming it (a Latin `o` in a Cyrillic word is the usual culprit);
//!    otherwise anything else (emoji, punctuation, other Cyrillic alphabets' letters):
//!    [`NameError::BadCharacters`] naming the first one.
//! 5. A hyphen must join two parts of a word: a word starting or ending with a hyphen, or two
//!    hyphens in a row: [`NameError::BadHyphen`]. An apostrophe must also sit between two letters,
//!    otherwise it is reported as [`NameError::BadCharacters`].
//! 6. Words: surname, name and an optional patronymic, so 2 or 3 words. One word:
//!    [`NameError::OnlyOneWord`]. A 4th word is allowed only when it is one of the Turkic
//!    patronymic suffixes written as a separate word in Russian documents (оглы, кызы, улы, уулу,
//!    гызы): «Алиев Рашид Мамед оглы» has the patronymic «Мамед оглы». Any other 4th word, or a
//!    5th: [`NameError::TooManyWords`]. Particles such as «фон» or «де» are not supported: they
//!    are rare in patient registries and would make the split into surname and name a guess.
//!
//! Capitalisation is normalised: each word and each hyphenated piece starts with a capital letter
//! and continues in lower case («иванова-петрова мария» → «Иванова-Петрова Мария»). The
//! patronymic suffixes above stay in lower case, as documents write them («Мамед оглы»,
//! «Мамед-оглы»). After an apostrophe the letter is capitalised only when a single letter
//! precedes it («о'коннор» → «О'Коннор», «д'артаньян» → «Д'Артаньян»); otherwise the apostrophe
//! is a separating sign inside a word and the letter stays lower case («дем'ян» → «Дем'ян»).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A valid, normalised full name. Holding one is the proof that the rules above passed.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FullName {
    full: String,
    surname: String,
    name: String,
    patronymic: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("full name is empty")]
    Empty,
    #[error("full name is longer than {max} characters")]
    TooLong { max: usize },
    #[error("full name contains a digit")]
    HasDigits,
    #[error("full name contains the Latin letter {found:?}")]
    HasLatin { found: char },
    #[error("full name has only one word")]
    OnlyOneWord,
    #[error("full name has {got} words, expected 2 or 3")]
    TooManyWords { got: usize },
    #[error("full name contains the character {found:?}, which is not allowed")]
    BadCharacters { found: char },
    #[error("full name has a hyphen at the edge of a word or two hyphens in a row")]
    BadHyphen,
}

impl NameError {
    /// The Fluent message id (in `locales/*/domain.ftl`) that explains this error to a user.
    pub fn key(&self) -> &'static str {
        match self {
            NameError::Empty => "err-name-empty",
            NameError::TooLong { .. } => "err-name-too-long",
            NameError::HasDigits => "err-name-has-digits",
            NameError::HasLatin { .. } => "err-name-has-latin",
            NameError::OnlyOneWord => "err-name-only-one-word",
            NameError::TooManyWords { .. } => "err-name-too-many-words",
            NameError::BadCharacters { .. } => "err-name-bad-characters",
            NameError::BadHyphen => "err-name-bad-hyphen",
        }
    }

    /// The Fluent variables of the message named by [`NameError::key`].
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match *self {
            NameError::TooLong { max } => vec![("max", max.to_string())],
            NameError::HasLatin { found } | NameError::BadCharacters { found } => {
                vec![("char", super::show_char(found))]
            }
            NameError::TooManyWords { got } => vec![("got", got.to_string())],
            NameError::Empty
            | NameError::HasDigits
            | NameError::OnlyOneWord
            | NameError::BadHyphen => Vec::new(),
        }
    }
}

/// Turkic patronymic suffixes that Russian documents write as a separate lower-case word.
const PATRONYMIC_SUFFIXES: [&str; 5] = ["оглы", "кызы", "улы", "уулу", "гызы"];

impl FullName {
    /// The longest accepted name, counted in characters after whitespace is collapsed.
    pub const MAX_CHARS: usize = 100;

    pub fn parse(input: &str) -> Result<FullName, NameError> {
        let collapsed = collapse_whitespace(input)?;
        let text = normalise_marks(&collapsed);
        check_characters(&text)?;

        let words: Vec<&str> = text.split(' ').collect();
        for word in &words {
            check_word_shape(word)?;
        }

        let (surname, name, patronymic) = match words.as_slice() {
            [] | [_] => return Err(NameError::OnlyOneWord),
            [surname, name] => (*surname, *name, None),
            [surname, name, patronymic] => {
                (*surname, *name, Some(capitalise_word(patronymic, true)))
            }
            [surname, name, father, suffix] if is_patronymic_suffix(suffix) => {
                let patronymic = format!(
                    "{} {}",
                    capitalise_word(father, true),
                    suffix.to_lowercase()
                );
                (*surname, *name, Some(patronymic))
            }
            _ => return Err(NameError::TooManyWords { got: words.len() }),
        };

        let surname = capitalise_word(surname, false);
        let name = capitalise_word(name, false);
        let full = match &patronymic {
            Some(patronymic) => format!("{surname} {name} {patronymic}"),
            None => format!("{surname} {name}"),
        };
        Ok(FullName {
            full,
            surname,
            name,
            patronymic,
        })
    }

    pub fn surname(&self) -> &str {
        &self.surname
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn patronymic(&self) -> Option<&str> {
        self.patronymic.as_deref()
    }

    /// «Иванова Мария Ивановна».
    pub fn full(&self) -> &str {
        &self.full
    }

    /// «Иванова М. И.», or «Иванова М.» without a patronymic.
    pub fn short(&self) -> String {
        let mut short = format!("{} {}.", self.surname, initial(&self.name));
        if let Some(patronymic) = &self.patronymic {
            short.push(' ');
            short.push(initial(patronymic));
            short.push('.');
        }
        short
    }
}

fn initial(word: &str) -> char {
    // Parsing guarantees every part starts with a letter.
    word.chars().next().unwrap_or('?')
}

impl fmt::Display for FullName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.full)
    }
}

// Names are personal data: a stray `{:?}` in a log line must not leak them.
opaque_debug!(FullName);

checked_string!(FullName, NameError, full);

impl TryFrom<&str> for FullName {
    type Error = NameError;

    fn try_from(value: &str) -> Result<Self, Self::Error> {
        FullName::parse(value)
    }
}

/// Characters that copy-paste brings along and nobody means to type.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{200B}'
            | '\u{200C}'
            | '\u{200D}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{2060}'
            | '\u{FEFF}'
    )
}

/// Step 1 and 2 of the rules: one pass that stops as soon as the result is over the limit.
fn collapse_whitespace(input: &str) -> Result<String, NameError> {
    let mut out = String::new();
    let mut count = 0;
    let mut pending_space = false;
    for c in input.chars() {
        if is_invisible(c) {
            continue;
        }
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        let needed = if pending_space { 2 } else { 1 };
        if count + needed > FullName::MAX_CHARS {
            return Err(NameError::TooLong {
                max: FullName::MAX_CHARS,
            });
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
        count += needed;
    }
    if out.is_empty() {
        return Err(NameError::Empty);
    }
    Ok(out)
}

/// Step 3: composes decomposed letters, unifies hyphens and apostrophes, drops spaces around hyphens.
fn normalise_marks(text: &str) -> String {
    let mut out: Vec<char> = Vec::with_capacity(text.len());
    for c in text.chars() {
        let c = match c {
            '\u{2010}' | '\u{2011}' => '-',
            '\u{2019}' | '\u{02BC}' => '\'',
            other => other,
        };
        let composed = match (out.last(), c) {
            (Some('и'), '\u{0306}') => Some('й'),
            (Some('И'), '\u{0306}') => Some('Й'),
            (Some('е'), '\u{0308}') => Some('ё'),
            (Some('Е'), '\u{0308}') => Some('Ё'),
            _ => None,
        };
        if let Some(letter) = composed {
            out.pop();
            out.push(letter);
            continue;
        }
        if c == ' ' && out.last() == Some(&'-') {
            continue;
        }
        if c == '-' && out.last() == Some(&' ') {
            out.pop();
        }
        out.push(c);
    }
    out.into_iter().collect()
}

pub(crate) fn is_russian_letter(c: char) -> bool {
    matches!(c, 'А'..='я' | 'Ё' | 'ё')
}

pub(crate) fn is_latin_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || (matches!(c, '\u{00C0}'..='\u{024F}') && c.is_alphabetic())
}

/// Step 4: the most specific complaint wins, so a name with a digit and an emoji hears about the digit.
fn check_characters(text: &str) -> Result<(), NameError> {
    let mut latin = None;
    let mut bad = None;
    for c in text.chars() {
        if is_russian_letter(c) || matches!(c, ' ' | '-' | '\'') {
            continue;
        }
        if c.is_numeric() {
            return Err(NameError::HasDigits);
        }
        if is_latin_letter(c) {
            latin.get_or_insert(c);
        } else {
            bad.get_or_insert(c);
        }
    }
    if let Some(found) = latin {
        return Err(NameError::HasLatin { found });
    }
    if let Some(found) = bad {
        return Err(NameError::BadCharacters { found });
    }
    Ok(())
}

/// Step 5, for one word that has only Russian letters, hyphens and apostrophes.
fn check_word_shape(word: &str) -> Result<(), NameError> {
    if word.starts_with('-') || word.ends_with('-') || word.contains("--") {
        return Err(NameError::BadHyphen);
    }
    for piece in word.split('-') {
        if piece.starts_with('\'') || piece.ends_with('\'') || piece.contains("''") {
            return Err(NameError::BadCharacters { found: '\'' });
        }
    }
    Ok(())
}

fn is_patronymic_suffix(word: &str) -> bool {
    let lower = word.to_lowercase();
    PATRONYMIC_SUFFIXES.contains(&lower.as_str())
}

/// Capitalises each hyphenated piece; in a patronymic, a suffix piece («Мамед-оглы») stays lower case.
fn capitalise_word(word: &str, is_patronymic: bool) -> String {
    let pieces: Vec<String> = word
        .split('-')
        .enumerate()
        .map(|(i, piece)| {
            if is_patronymic && i > 0 && is_patronymic_suffix(piece) {
                return piece.to_lowercase();
            }
            capitalise_piece(piece)
        })
        .collect();
    pieces.join("-")
}

fn capitalise_piece(piece: &str) -> String {
    let mut out = String::with_capacity(piece.len());
    let mut previous_part_len = 0;
    for (i, part) in piece.split('\'').enumerate() {
        let capital = i == 0 || previous_part_len == 1;
        if i > 0 {
            out.push('\'');
        }
        for (j, c) in part.chars().enumerate() {
            if j == 0 && capital {
                out.extend(c.to_uppercase());
            } else {
                out.extend(c.to_lowercase());
            }
        }
        previous_part_len = part.chars().count();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(input: &str) -> String {
        match FullName::parse(input) {
            Ok(name) => name.full().to_string(),
            Err(err) => panic!("{input:?} was refused: {err}"),
        }
    }

    fn err(input: &str) -> NameError {
        match FullName::parse(input) {
            Ok(name) => panic!("{input:?} was accepted as {:?}", name.full()),
            Err(err) => err,
        }
    }

    /// Each `(input, full name)`: the input is accepted and reads as that full name.
    fn accepts(cases: &[(&str, &str)]) {
        for &(input, expected) in cases {
            assert_eq!(full(input), expected, "{input:?}");
        }
    }

    /// Each `(input, error)`: the input is refused with that error.
    fn refuses(cases: &[(&str, NameError)]) {
        for &(input, expected) in cases {
            assert_eq!(err(input), expected, "{input:?}");
        }
    }

    /// Each input is refused with `expected`.
    fn refuses_all(inputs: &[&str], expected: NameError) {
        for input in inputs {
            assert_eq!(err(input), expected, "{input:?}");
        }
    }

    /// The name `input` reads as has these parts: surname, name, patronymic, full and short form.
    fn has_parts(input: &str, expected: (&str, &str, Option<&str>, &str, &str)) {
        let name = FullName::parse(input).unwrap();
        let short = name.short();
        let parts = (
            name.surname(),
            name.name(),
            name.patronymic(),
            name.full(),
            short.as_str(),
        );
        assert_eq!(parts, expected, "{input:?}");
    }

    #[test]
    fn three_words_are_surname_name_patronymic() {
        has_parts(
            "Иванова Мария Ивановна",
            (
                "Иванова",
                "Мария",
                Some("Ивановна"),
                "Иванова Мария Ивановна",
                "Иванова М. И.",
            ),
        );
        let name = FullName::parse("Иванова Мария Ивановна").unwrap();
        assert_eq!(name.to_string(), "Иванова Мария Ивановна");
    }

    #[test]
    fn two_words_have_no_patronymic() {
        has_parts("Смит Анна", ("Смит", "Анна", None, "Смит Анна", "Смит А."));
    }

    #[test]
    fn capitalisation_is_normalised_per_word_and_hyphenated_piece() {
        accepts(&[
            ("иванова-петрова мария", "Иванова-Петрова Мария"),
            ("ИВАНОВА МАРИЯ ИВАНОВНА", "Иванова Мария Ивановна"),
            ("иВАНОВ иВАН иВАНОВИЧ", "Иванов Иван Иванович"),
            (
                "салтыков-щедрин михаил евграфович",
                "Салтыков-Щедрин Михаил Евграфович",
            ),
            ("петров анна-мария", "Петров Анна-Мария"),
        ]);
    }

    #[test]
    fn yo_is_kept_in_both_cases() {
        accepts(&[
            ("ёлкина алёна петровна", "Ёлкина Алёна Петровна"),
            ("ЁЛКИНА АЛЁНА", "Ёлкина Алёна"),
        ]);
    }

    #[test]
    fn decomposed_letters_are_composed() {
        accepts(&[
            ("Каи\u{0306}городов Сергеи\u{0306}", "Кайгородов Сергей"),
            ("Е\u{0308}лкина Але\u{0308}на", "Ёлкина Алёна"),
            ("И\u{0306}ван Иванов", "Йван Иванов"),
        ]);
    }

    #[test]
    fn a_combining_mark_without_its_letter_is_a_bad_character() {
        assert_eq!(
            err("Ива\u{0306} Иванов"),
            NameError::BadCharacters { found: '\u{0306}' }
        );
    }

    #[test]
    fn whitespace_of_every_kind_is_collapsed() {
        accepts(&[
            ("  Иванова   Мария\tИвановна \n", "Иванова Мария Ивановна"),
            (
                "Иванова\u{00A0}Мария\u{00A0}\u{00A0}Ивановна",
                "Иванова Мария Ивановна",
            ),
            (
                "Иванова\u{2007}Мария\u{202F}Ивановна\u{3000}",
                "Иванова Мария Ивановна",
            ),
            ("\r\nИванова\r\nМария\r\n", "Иванова Мария"),
        ]);
    }

    #[test]
    fn invisible_characters_from_copy_paste_are_dropped() {
        accepts(&[
            (
                "\u{FEFF}Ива\u{200B}нова Ма\u{00AD}рия\u{200E}",
                "Иванова Мария",
            ),
            ("Иванова\u{2060} Мария", "Иванова Мария"),
        ]);
    }

    #[test]
    fn spaces_around_a_hyphen_are_removed() {
        accepts(&[
            ("Салтыков - Щедрин Михаил", "Салтыков-Щедрин Михаил"),
            ("Салтыков -Щедрин Михаил", "Салтыков-Щедрин Михаил"),
            ("Салтыков-  Щедрин Михаил", "Салтыков-Щедрин Михаил"),
        ]);
    }

    #[test]
    fn hyphen_look_alikes_become_a_hyphen() {
        accepts(&[
            ("Иванова\u{2010}Петрова Мария", "Иванова-Петрова Мария"),
            ("Иванова\u{2011}Петрова Мария", "Иванова-Петрова Мария"),
        ]);
    }

    #[test]
    fn dashes_are_not_hyphens() {
        refuses(&[
            (
                "Иванова—Петрова Мария",
                NameError::BadCharacters { found: '—' },
            ),
            (
                "Иванова–Петрова Мария",
                NameError::BadCharacters { found: '–' },
            ),
        ]);
    }

    #[test]
    fn apostrophes_inside_words_are_kept_and_unified() {
        accepts(&[
            ("дем'янов дем'ян", "Дем'янов Дем'ян"),
            ("Дем’янов Дем’ян", "Дем'янов Дем'ян"),
            ("Демʼянов Демʼян", "Дем'янов Дем'ян"),
        ]);
    }

    #[test]
    fn a_single_letter_before_an_apostrophe_capitalises_the_next_letter() {
        accepts(&[
            ("о'коннор шон", "О'Коннор Шон"),
            ("Д'АРТАНЬЯН ШАРЛЬ", "Д'Артаньян Шарль"),
        ]);
    }

    #[test]
    fn an_apostrophe_at_the_edge_of_a_word_is_a_bad_character() {
        let apostrophe = NameError::BadCharacters { found: '\'' };
        refuses(&[
            ("'Иванов Иван", apostrophe),
            ("Иванов' Иван", apostrophe),
            ("Ива''нов Иван", apostrophe),
            ("Иванова-'Петрова Мария", apostrophe),
            ("Иванова'-Петрова Мария", apostrophe),
            ("' Иванов Иван", apostrophe),
        ]);
    }

    #[test]
    fn turkic_patronymic_suffix_may_be_a_fourth_word() {
        has_parts(
            "алиев рашид мамед ОГЛЫ",
            (
                "Алиев",
                "Рашид",
                Some("Мамед оглы"),
                "Алиев Рашид Мамед оглы",
                "Алиев Р. М.",
            ),
        );
        for suffix in ["оглы", "кызы", "улы", "уулу", "гызы"] {
            let input = format!("Алиева Лейла Мамед {suffix}");
            assert_eq!(full(&input), input);
        }
    }

    #[test]
    fn hyphenated_turkic_patronymic_keeps_the_suffix_lower_case() {
        accepts(&[
            ("алиев рашид мамед-оглы", "Алиев Рашид Мамед-оглы"),
            ("Алиева Лейла Мамед-Кызы", "Алиева Лейла Мамед-кызы"),
        ]);
    }

    #[test]
    fn suffix_words_are_only_special_in_the_patronymic() {
        assert_eq!(full("улы оглы"), "Улы Оглы");
    }

    #[test]
    fn empty_and_blank_input_is_empty() {
        refuses_all(
            &[
                "",
                " ",
                "\t\n",
                "\u{00A0}",
                "\u{200B}\u{FEFF}",
                &" ".repeat(5_000),
            ],
            NameError::Empty,
        );
    }

    #[test]
    fn one_word_is_refused_and_a_hyphen_between_words_joins_them() {
        refuses(&[
            ("Иванова", NameError::OnlyOneWord),
            ("  иванова  ", NameError::OnlyOneWord),
            ("Иванова-Петрова", NameError::OnlyOneWord),
            // A hyphen between words joins them: «Иванова - Мария» reads as a double surname with
            // spaces, not two words.
            ("Иванова - Мария", NameError::OnlyOneWord),
            ("Иванова- Мария", NameError::OnlyOneWord),
        ]);
    }

    #[test]
    fn four_or_more_words_are_refused() {
        refuses(&[
            (
                "Иванова Мария Ивановна Петровна",
                NameError::TooManyWords { got: 4 },
            ),
            (
                "Иванова Мария Ивановна Оглы Кызы",
                NameError::TooManyWords { got: 5 },
            ),
            ("а б в г д е ж", NameError::TooManyWords { got: 7 }),
        ]);
    }

    #[test]
    fn digits_are_refused() {
        refuses_all(
            &[
                "Иванова Мария 2",
                "Иван0ва Мария",
                "12345",
                // Full-width and other script digits are digits too.
                "Иванова Мария ７",
            ],
            NameError::HasDigits,
        );
    }

    #[test]
    fn latin_letters_emoji_and_punctuation_are_refused_and_named() {
        refuses(&[
            // Latin letters.
            ("Ivanova Maria", NameError::HasLatin { found: 'I' }),
            ("Иванова Mария", NameError::HasLatin { found: 'M' }),
            ("Renée Анна", NameError::HasLatin { found: 'R' }),
            ("Анна Renée", NameError::HasLatin { found: 'R' }),
            ("Анна Петрé", NameError::HasLatin { found: 'é' }),
            // Look-alikes inside a Cyrillic word are caught: Latin "o", "a", "e", "c", "p", "x" look
            // exactly like their Cyrillic twins.
            ("Ивaнoва Мария", NameError::HasLatin { found: 'a' }),
            ("Иванoва Мария", NameError::HasLatin { found: 'o' }),
            ("Иванова Мария Ивановнa", NameError::HasLatin { found: 'a' }),
            ("Cеменов Пётр", NameError::HasLatin { found: 'C' }),
            ("Иванова Mаpия", NameError::HasLatin { found: 'M' }),
            // Emoji and punctuation are bad characters.
            ("😀😀", NameError::BadCharacters { found: '😀' }),
            ("Иванова Мария 😀", NameError::BadCharacters { found: '😀' }),
            ("Иванова М. И.", NameError::BadCharacters { found: '.' }),
            ("Иванова, Мария", NameError::BadCharacters { found: ',' }),
            ("Иванова Мария!", NameError::BadCharacters { found: '!' }),
            ("Иванова_Мария", NameError::BadCharacters { found: '_' }),
            ("«Иванова» Мария", NameError::BadCharacters { found: '«' }),
            (
                "Иванова Мария\u{0}",
                NameError::BadCharacters { found: '\u{0}' },
            ),
        ]);
    }

    #[test]
    fn letters_of_other_cyrillic_alphabets_are_bad_characters() {
        // Documents write names in the Russian alphabet; a registry would not match these.
        refuses(&[
            (
                "Дорж Цыренжап Баирович Һ",
                NameError::BadCharacters { found: 'Һ' },
            ),
            ("Гнатюк Їжак", NameError::BadCharacters { found: 'Ї' }),
            ("Дүгар Баир", NameError::BadCharacters { found: 'ү' }),
        ]);
    }

    #[test]
    fn digits_win_over_latin_and_latin_over_other_characters() {
        refuses(&[
            ("😀 Ivan 1", NameError::HasDigits),
            ("😀 Ivan", NameError::HasLatin { found: 'I' }),
        ]);
    }

    #[test]
    fn misplaced_hyphens_are_refused() {
        refuses_all(
            &[
                "-Иванова Мария",
                "Иванова Мария-",
                "Иванова--Петрова Мария",
                "Иванова - - Петрова Мария",
                "Иванова Мария -",
                "- Иванова Мария",
                "-",
                "---",
            ],
            NameError::BadHyphen,
        );
    }

    #[test]
    fn length_limit_is_100_characters_after_collapsing_whitespace() {
        let name_of = |len: usize| format!("{} Мария", "А".repeat(len - " Мария".chars().count()));
        let at_limit = name_of(100);
        assert_eq!(at_limit.chars().count(), 100);
        assert_eq!(full(&at_limit).chars().count(), 100);

        let over_limit = name_of(101);
        assert_eq!(err(&over_limit), NameError::TooLong { max: 100 });

        // Extra whitespace is not counted against the limit.
        let spaced = at_limit.replace(' ', " \t\u{00A0} ");
        assert_eq!(full(&spaced).chars().count(), 100);
    }

    #[test]
    fn five_thousand_characters_are_refused_as_too_long() {
        for input in [
            "а".repeat(5_000),
            "😀".repeat(5_000),
            "1".repeat(5_000),
            "Иван ".repeat(1_000),
        ] {
            assert_eq!(err(&input), NameError::TooLong { max: 100 });
        }
    }

    #[test]
    fn too_long_is_checked_before_characters() {
        let input = format!("Ivan {}", "а".repeat(200));
        assert_eq!(err(&input), NameError::TooLong { max: 100 });
    }

    #[test]
    fn parsing_the_normalised_form_gives_the_same_name() {
        let inputs = [
            "иванова-петрова мария",
            "алиев рашид мамед оглы",
            "о'коннор шон",
            "Ёлкина  Алёна\u{00A0}Петровна",
            "Салтыков - Щедрин Михаил Евграфович",
        ];
        for input in inputs {
            let once = FullName::parse(input).unwrap();
            let twice = FullName::parse(once.full()).unwrap();
            assert_eq!(once, twice, "{input:?}");
            assert_eq!(twice.full(), once.full());
        }
    }

    #[test]
    fn every_russian_letter_is_accepted_in_either_case() {
        let lower = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя";
        let upper = lower.to_uppercase();
        assert_eq!(upper, "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ");
        assert_eq!(
            full(&format!("{lower} {upper}")),
            format!("А{} А{}", &lower[2..], &lower[2..])
        );
    }

    #[test]
    fn serde_round_trips_as_the_full_string() {
        let name = FullName::parse("иванова мария ивановна").unwrap();
        let json = serde_json::to_string(&name).unwrap();
        assert_eq!(json, "\"Иванова Мария Ивановна\"");
        let back: FullName = serde_json::from_str(&json).unwrap();
        assert_eq!(back, name);
    }

    #[test]
    fn deserializing_revalidates() {
        assert!(serde_json::from_str::<FullName>("\"Ivanov Ivan\"").is_err());
        assert!(serde_json::from_str::<FullName>("\"Иванов\"").is_err());
        let normalised: FullName = serde_json::from_str("\"иванов  иван\"").unwrap();
        assert_eq!(normalised.full(), "Иванов Иван");
    }

    #[test]
    fn debug_does_not_reveal_the_name() {
        let name = FullName::parse("Иванова Мария Ивановна").unwrap();
        let debug = format!("{name:?}");
        assert!(!debug.contains("Иванова"), "{debug}");
        assert!(!debug.contains("Мария"), "{debug}");
    }

    #[test]
    fn errors_name_their_fluent_arguments() {
        assert_eq!(
            NameError::TooLong { max: 100 }.args(),
            vec![("max", "100".to_string())]
        );
        assert_eq!(
            NameError::HasLatin { found: 'o' }.args(),
            vec![("char", "o".to_string())]
        );
        assert_eq!(
            NameError::BadCharacters { found: '😀' }.args(),
            vec![("char", "😀".to_string())]
        );
        assert_eq!(
            NameError::TooManyWords { got: 5 }.args(),
            vec![("got", "5".to_string())]
        );
        assert!(NameError::Empty.args().is_empty());
        assert!(NameError::HasDigits.args().is_empty());
        assert!(NameError::OnlyOneWord.args().is_empty());
        assert!(NameError::BadHyphen.args().is_empty());
    }

    #[test]
    fn error_display_has_no_trailing_period() {
        for err in crate::domain::tests::all_name_errors() {
            assert!(!err.to_string().ends_with('.'), "{err}");
        }
    }
}
