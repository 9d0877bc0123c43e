//! What the registry says about a doctor besides the name, shaped for a short screen: the участок
//! (`ariaNumber`, free text) and the `comment` (absences such as «Командировки служебные», sick leave with
//! dates, участки; sometimes several lines).

/// A doctor's участок as it should be shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Area {
    /// Nothing to show.
    None,
    /// Bare numbers, which need the word: «14» → «участок 14», «10, 18, 19» → «участки 10, 18, 19».
    Numbers { numbers: String, many: bool },
    /// Anything else, shown as the registry wrote it («14-д участок», «1 Педиатрическое Отделение»).
    AsWritten(String),
}

impl Area {
    /// Reads `ariaNumber`: only digits, commas and spaces are bare numbers; "" is nothing.
    pub fn parse(raw: Option<&str>) -> Area {
        let written = collapse(raw.unwrap_or_default());
        if written.is_empty() {
            return Area::None;
        }
        let bare = written
            .chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == ' ');
        if !bare {
            return Area::AsWritten(written);
        }
        let numbers: Vec<&str> = written
            .split([',', ' '])
            .filter(|n| !n.is_empty())
            .collect();
        match numbers.len() {
            0 => Area::None,
            n => Area::Numbers {
                numbers: numbers.join(", "),
                many: n > 1,
            },
        }
    }
}

/// `comment` shortened for a screen: whitespace collapsed, empty lines dropped, at most `max_lines` lines
/// and `max_chars` characters in all; what is cut off ends in «…». Empty when there is nothing to say.
pub fn short_note(comment: Option<&str>, max_lines: usize, max_chars: usize) -> Vec<String> {
    let lines: Vec<String> = comment
        .unwrap_or_default()
        .lines()
        .map(collapse)
        .filter(|line| !line.is_empty())
        .collect();
    let mut shown = Vec::new();
    if max_lines == 0 {
        return shown;
    }
    let mut budget = max_chars;
    for (n, line) in lines.iter().enumerate() {
        let length = line.chars().count();
        let last_allowed = n + 1 == max_lines;
        let more_after = n + 1 < lines.len();
        if length > budget || (last_allowed && more_after) {
            // This line is the last one shown: cut it to what is left, with room for «…».
            let room = if length > budget { budget } else { length + 1 };
            let cut = cut_at_word(line, room.saturating_sub(1));
            if !cut.is_empty() {
                shown.push(format!("{cut}…"));
            } else if let Some(previous) = shown.last_mut() {
                previous.push('…');
            }
            return shown;
        }
        shown.push(line.clone());
        // A line break costs one character of the budget.
        budget -= length;
        budget = budget.saturating_sub(1);
        if shown.len() == max_lines {
            return shown;
        }
    }
    shown
}

/// At most `max` characters of `text`, ending at a word's end when one is close enough; no trailing
/// spaces or punctuation that would look odd before «…».
fn cut_at_word(text: &str, max: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= max {
        return text
            .trim_end_matches(|c: char| c.is_whitespace() || ",;:".contains(c))
            .to_owned();
    }
    let mut end = max;
    // Prefer a word boundary within the last third of the room.
    if let Some(space) = chars[..max].iter().rposition(|c| c.is_whitespace()) {
        if space >= max * 2 / 3 && space > 0 {
            end = space;
        }
    }
    let cut: String = chars[..end].iter().collect();
    cut.trim_end_matches(|c: char| c.is_whitespace() || ",;:.-–—(".contains(c))
        .to_owned()
}

/// `text` trimmed, with every run of whitespace as one space.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(numbers: &str, many: bool) -> Area {
        Area::Numbers {
            numbers: numbers.into(),
            many,
        }
    }

    #[test]
    fn bare_numbers_get_the_word_and_anything_else_is_shown_as_written() {
        let cases = [
            (None, Area::None),
            (Some(""), Area::None),
            (Some("   "), Area::None),
            (Some(","), Area::None),
            (Some("14"), numbers("14", false)),
            (Some(" 14 "), numbers("14", false)),
            (Some("10, 18, 19"), numbers("10, 18, 19", true)),
            (Some("10,18  19"), numbers("10, 18, 19", true)),
            (Some("14-д участок"), Area::AsWritten("14-д участок".into())),
            (
                Some("1 Педиатрическое  Отделение"),
                Area::AsWritten("1 Педиатрическое Отделение".into()),
            ),
            (Some("14а"), Area::AsWritten("14а".into())),
            (Some("3-5"), Area::AsWritten("3-5".into())),
            (Some("<b>7</b>"), Area::AsWritten("<b>7</b>".into())),
        ];
        for (raw, area) in cases {
            assert_eq!(Area::parse(raw), area, "{raw:?}");
        }
    }

    #[test]
    fn a_short_comment_is_kept_whole_with_its_lines() {
        assert_eq!(
            short_note(Some("Командировки служебные"), 3, 200),
            vec!["Командировки служебные"]
        );
        assert_eq!(
            short_note(
                Some("с 01.10.2026 по 13.10.2026: Нетрудоспособность\r\n\r\n  Участки   3, 4 \n"),
                3,
                200
            ),
            vec![
                "с 01.10.2026 по 13.10.2026: Нетрудоспособность",
                "Участки 3, 4"
            ]
        );
    }

    #[test]
    fn nothing_to_say_is_empty() {
        assert!(short_note(None, 3, 200).is_empty());
        assert!(short_note(Some(""), 3, 200).is_empty());
        assert!(short_note(Some(" \n\t\n "), 3, 200).is_empty());
    }

    #[test]
    fn too_many_lines_end_in_an_ellipsis() {
        assert_eq!(
            short_note(Some("один\nдва\nтри\nчетыре"), 3, 200),
            vec!["один", "два", "три…"]
        );
        assert_eq!(short_note(Some("один\nдва"), 1, 200), vec!["один…"]);
    }

    #[test]
    fn a_long_comment_is_cut_at_a_word_within_the_budget() {
        let long = "Приём ведётся только по предварительной записи через регистратуру поликлиники";
        let shown = short_note(Some(long), 1, 40);
        assert_eq!(shown, vec!["Приём ведётся только по предварительной…"]);
        assert!(shown[0].chars().count() <= 40);
        // One word longer than the budget is cut inside it.
        let word = "а".repeat(100);
        let shown = short_note(Some(&word), 3, 10);
        assert_eq!(shown, vec![format!("{}…", "а".repeat(9))]);
    }

    #[test]
    fn the_budget_counts_every_line() {
        let shown = short_note(Some("первая строка\nвторая строка подлиннее"), 3, 25);
        assert_eq!(shown, vec!["первая строка", "вторая…"]);
        let total: usize = shown.iter().map(|l| l.chars().count()).sum::<usize>() + shown.len() - 1;
        assert!(total <= 25, "{total}");
        // No room left for a word of the next line: the ellipsis goes on the last line shown.
        assert_eq!(
            short_note(Some("ровно десять\nещё"), 3, 13),
            vec!["ровно десять…"]
        );
    }
}
