//! The pieces of button data every journey's codes are made of. A leaf: it knows no journey.

/// Telegram's limit for `callback_data`.
pub const MAX_CALLBACK_BYTES: usize = 64;

/// A number in button data: 1 to 16 ASCII digits (every id the bot hands out is below 2^53).
pub fn digits(raw: &str) -> bool {
    !raw.is_empty() && raw.len() <= 16 && raw.bytes().all(|b| b.is_ascii_digit())
}

/// A store id in button data: [`digits`], and above zero.
pub fn parse_id(raw: &str) -> Option<i64> {
    digits(raw)
        .then(|| raw.parse().ok())
        .flatten()
        .filter(|id| *id > 0)
}
