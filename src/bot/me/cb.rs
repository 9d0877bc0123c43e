//! The buttons of «Мои данные» (`me:<code>`): fixed codes, never personal data. A leaf: it knows the
//! form's buttons ([`super::state`]), nothing else of the bot.

use crate::bot::codes::FixedCodes;

use super::state::{Field, PolicyChoice, Tap};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cb {
    /// «Заполнить» / «Изменить» on the card (or from booking): the form.
    Fill,
    /// A button of the form.
    Form(Tap),
}

impl Cb {
    pub const PREFIX: &'static str = "me:";
}

impl FixedCodes for Cb {
    const ALL: &'static [Cb] = &[
        Cb::Fill,
        Cb::Form(Tap::Kind(PolicyChoice::New)),
        Cb::Form(Tap::Kind(PolicyChoice::Old)),
        Cb::Form(Tap::Back),
        Cb::Form(Tap::Save),
        Cb::Form(Tap::Edit),
        Cb::Form(Tap::Fix(Field::Name)),
        Cb::Form(Tap::Fix(Field::BirthDate)),
        Cb::Form(Tap::Fix(Field::Policy)),
        Cb::Form(Tap::Close),
    ];

    /// The data after [`Cb::PREFIX`]. The form of the user's own data has no sex or relation: a stray
    /// one reads as «Назад».
    fn code(self) -> &'static str {
        match self {
            Cb::Fill => "fill",
            Cb::Form(Tap::Kind(PolicyChoice::New)) => "pk-n",
            Cb::Form(Tap::Kind(PolicyChoice::Old)) => "pk-o",
            Cb::Form(Tap::Save) => "sv",
            Cb::Form(Tap::Edit) => "ed",
            Cb::Form(Tap::Fix(Field::Name)) => "fx-n",
            Cb::Form(Tap::Fix(Field::BirthDate)) => "fx-d",
            Cb::Form(Tap::Fix(_)) => "fx-p",
            Cb::Form(Tap::Close) => "x",
            Cb::Form(Tap::Back | Tap::Sex(_) | Tap::Relation(_)) => "b",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::me::state::OwnData;

    #[test]
    fn every_button_of_the_form_has_a_code() {
        for tap in Tap::all::<OwnData>() {
            assert!(Cb::ALL.contains(&Cb::Form(tap)), "{tap:?}");
        }
    }
}
