//! Masking of identifiers shown in lists and summaries, so a screenshot of a chat does not leak them.

/// How many trailing characters may be shown at most.
const REVEALED: usize = 4;

/// Masks an identifier with `•`.
///
/// Exactly 16 ASCII digits (a new-format policy) are shown grouped as on the card:
/// `•••• •••• •••• 5678`. Anything else keeps at most its last 4 characters and never more than
/// half of them (rounded down), so a short identifier is never shown whole: `123456789` →
/// `•••••6789`, `ЕАА12` → `•••12`, `Е1` → `•1`.
pub fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() == 16 && chars.iter().all(char::is_ascii_digit) {
        let tail: String = chars[12..].iter().collect();
        return format!("•••• •••• •••• {tail}");
    }
    let revealed = REVEALED.min(chars.len() / 2);
    let hidden = chars.len() - revealed;
    let mut masked = "•".repeat(hidden);
    masked.extend(&chars[hidden..]);
    masked
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each `(value, masked)`: the value is shown masked so.
    fn masks(cases: &[(&str, &str)]) {
        for &(value, masked) in cases {
            assert_eq!(mask(value), masked, "{value:?}");
        }
    }

    #[test]
    fn sixteen_digits_are_grouped_like_the_card() {
        masks(&[
            ("3851234512345678", "•••• •••• •••• 5678"),
            ("8451999122899990", "•••• •••• •••• 9990"),
        ]);
    }

    #[test]
    fn other_values_keep_only_the_last_four() {
        masks(&[
            ("123456789", "•••••6789"),
            ("ЕАА1234567890", "•••••••••7890"),
            ("12345678901234567", "•••••••••••••4567"),
            ("385123451234567X", "••••••••••••567X"),
        ]);
    }

    #[test]
    fn short_values_are_never_shown_whole() {
        masks(&[
            ("", ""),
            ("1", "•"),
            ("12", "•2"),
            ("123", "••3"),
            ("1234", "••34"),
            ("12345", "•••45"),
            ("12345678", "••••5678"),
        ]);
    }

    #[test]
    fn masking_keeps_the_length_and_reveals_at_most_four_characters() {
        let source = "ЕАА98765432109876543210";
        for len in 0..=source.chars().count() {
            let value: String = source.chars().take(len).collect();
            let masked = mask(&value);
            let revealed = masked.chars().filter(|&c| c != '•' && c != ' ').count();
            assert!(revealed <= 4, "{value} → {masked}");
            assert!(len == 0 || revealed < len, "{value} → {masked}");
            assert!(
                value.ends_with(masked.trim_start_matches(['•', ' '])),
                "{value} → {masked}"
            );
        }
    }
}
