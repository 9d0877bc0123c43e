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

/// Buttons spelled by a fixed code each (`gu:retry`, `me:sv`, `s:book`): the code of a button, and the
/// button of a code, looked up among all of them.
pub trait FixedCodes: Copy + PartialEq + 'static {
    /// Every button; [`FixedCodes::from_code`] finds only these.
    const ALL: &'static [Self];

    /// The button's code, after its journey's prefix.
    fn code(self) -> &'static str;

    /// The button of `code`, read back.
    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|cb| cb.code() == code)
    }
}

/// The entry of `code` in a journey's table of codes (of buttons, or of their constructors).
pub fn by_code<T: Copy>(table: &[(&'static str, T)], code: &str) -> Option<T> {
    table
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, entry)| *entry)
}

/// The code of the first entry of `table` that `is` picks; empty when none does (each journey's tests
/// round-trip every button through its table).
pub fn code_where<T>(table: &[(&'static str, T)], is: impl Fn(&T) -> bool) -> &'static str {
    table
        .iter()
        .find(|(_, entry)| is(entry))
        .map_or("", |(code, _)| code)
}

/// Test helper: every button of `T` round-trips through its code and fits Telegram's limit behind `prefix`,
/// and no string of `garbage` decodes.
#[cfg(test)]
#[track_caller]
pub(crate) fn assert_codes_round_trip<T: FixedCodes + std::fmt::Debug>(
    prefix: &str,
    garbage: &[&str],
) {
    for cb in T::ALL {
        let code = cb.code();
        assert!(prefix.len() + code.len() <= MAX_CALLBACK_BYTES, "{code}");
        assert_eq!(T::from_code(code), Some(*cb), "{code}");
    }
    for code in garbage {
        assert_eq!(T::from_code(code), None, "{code:?}");
    }
}

/// Test helper for a journey's own codec: each of `all` encodes within [`MAX_CALLBACK_BYTES`] (with `prefix`,
/// what the bot puts before it) and decodes back to itself.
#[cfg(test)]
#[track_caller]
pub(crate) fn assert_codec_round_trips<T: PartialEq + std::fmt::Debug>(
    prefix: &str,
    all: impl IntoIterator<Item = T>,
    encode: impl Fn(&T) -> String,
    decode: impl Fn(&str) -> Option<T>,
) {
    for cb in all {
        let data = encode(&cb);
        assert!(prefix.len() + data.len() <= MAX_CALLBACK_BYTES, "{data}");
        assert_eq!(decode(&data), Some(cb), "{data}");
    }
}

/// Test helper: `decode` (the bot's codec or a journey's own) refuses every string in `garbage`.
#[cfg(test)]
#[track_caller]
pub(crate) fn assert_garbage_refused<T: PartialEq + std::fmt::Debug>(
    decode: impl Fn(&str) -> Option<T>,
    garbage: &[&str],
) {
    for data in garbage {
        assert_eq!(decode(data), None, "{data:?}");
    }
}
