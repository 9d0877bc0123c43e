//! The buttons of «Мои данные» (`me:<code>`): fixed codes, never personal data. A leaf: it knows the
//! form's fields ([`super::state`]) and the domain's policy kinds, nothing else of the bot.

use crate::domain::PolicyKind;

use super::state::Field;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cb {
    /// «Заполнить» / «Изменить» on the card (or from booking): the form.
    Fill,
    Kind(PolicyKind),
    Back,
    Save,
    /// «Изменить» on the summary: «Что исправить?».
    Edit,
    Fix(Field),
    Close,
}

impl Cb {
    pub const PREFIX: &'static str = "me:";

    pub const ALL: [Cb; 10] = [
        Cb::Fill,
        Cb::Kind(PolicyKind::New),
        Cb::Kind(PolicyKind::Old),
        Cb::Back,
        Cb::Save,
        Cb::Edit,
        Cb::Fix(Field::Name),
        Cb::Fix(Field::BirthDate),
        Cb::Fix(Field::Policy),
        Cb::Close,
    ];

    /// The data after [`Cb::PREFIX`].
    pub fn code(self) -> &'static str {
        match self {
            Cb::Fill => "fill",
            Cb::Kind(PolicyKind::Old) => "pk-o",
            // Temporary certificates are not offered: a stray one reads as the new kind.
            Cb::Kind(_) => "pk-n",
            Cb::Back => "b",
            Cb::Save => "sv",
            Cb::Edit => "ed",
            Cb::Fix(Field::Name) => "fx-n",
            Cb::Fix(Field::BirthDate) => "fx-d",
            Cb::Fix(Field::Policy) => "fx-p",
            Cb::Close => "x",
        }
    }

    pub fn from_code(code: &str) -> Option<Cb> {
        Cb::ALL.into_iter().find(|cb| cb.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::codes::MAX_CALLBACK_BYTES;

    #[test]
    fn every_button_round_trips_within_64_bytes() {
        for cb in Cb::ALL {
            let code = cb.code();
            assert!(Cb::PREFIX.len() + code.len() <= MAX_CALLBACK_BYTES);
            assert_eq!(Cb::from_code(code), Some(cb), "{code}");
        }
    }

    #[test]
    fn garbage_does_not_decode() {
        for code in ["", "fill:1", "pk", "pk-t", "fx-x", "me:fill", "FILL"] {
            assert_eq!(Cb::from_code(code), None, "{code:?}");
        }
    }
}
