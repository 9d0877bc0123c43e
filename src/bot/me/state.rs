//! Where the user is in «Мои данные» (`ESIA_URL=off`), and what the form of their own data has of its own:
//! no sex or relation, and the opposite age rule of the child's form (the form's rules are
//! [`crate::bot::person_form`]'s): here the person is 14 or older («Зарегистрироваться … можно гражданам с
//! 14 лет»; a child is added by a parent in «Мои дети»).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::bot::person_form::{PersonForm, Subject};
use crate::domain::{BirthDate, ChildBirthDate};
use crate::store::SelfDetails;

pub use crate::bot::person_form::{Answer, Field, PolicyChoice, Problem, Step, Tap};

/// Where the user is in «Мои данные».
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MeState {
    /// The data as kept (masked), or the invitation to fill it.
    Card,
    /// Filling or changing the data.
    Form(SelfForm),
}

/// The form of the user's own data: the person form of [`crate::bot::person_form`], without the sex and
/// the relation, and with the date of birth of someone 14 or older.
pub type SelfForm = PersonForm<OwnData>;

/// The user's own data: whether it is kept already (changing it rather than filling it the first time).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnData {
    pub saved: bool,
}

/// The key of the refusal of someone under 14 (the portal's rule; see `locales/*/me.ftl`).
pub const UNDER_14: &str = "me-err-under-14";

impl Subject for OwnData {
    const ASKS_SEX: bool = false;
    const KEYS: &'static str = "me";

    fn saved(&self) -> bool {
        self.saved
    }

    /// A date of birth of someone 14 or older on `today`: younger people are booked by a parent.
    fn birth_date(text: &str, today: NaiveDate) -> Result<BirthDate, Problem> {
        let date = BirthDate::parse(text, today).map_err(|e| (e.key(), e.args()))?;
        if date.age_on(today) < ChildBirthDate::AGE_LIMIT {
            return Err((UNDER_14, Vec::new()));
        }
        Ok(date)
    }
}

impl SelfForm {
    /// The first time: every question, from the name.
    pub fn filling() -> SelfForm {
        SelfForm::default()
    }

    /// The kept data, opened on «Что исправить?».
    pub fn changing_own(details: &SelfDetails) -> SelfForm {
        let whose = OwnData { saved: true };
        PersonForm::changing(
            whose,
            &details.full_name,
            details.birth_date,
            &details.policy,
        )
    }

    /// Everything the store needs, once every question is answered.
    pub fn details(&self) -> Option<SelfDetails> {
        Some(SelfDetails {
            full_name: self.full_name.clone()?,
            birth_date: self.birth_date?,
            policy: self.policy.clone()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::person_form::PolicyChoice;
    use crate::domain::{FullName, PolicyNumber};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
    }

    #[test]
    fn the_form_asks_name_date_and_policy_then_sums_up() {
        let mut form = SelfForm::filling();
        assert_eq!(form.answer("Иванов Иван Иванович", today()), Answer::Taken);
        assert_eq!(form.step, Step::BirthDate);
        assert_eq!(form.answer("12.03.1985", today()), Answer::Taken);
        assert_eq!(form.step, Step::PolicyKind);
        assert_eq!(form.answer("новый", today()), Answer::ButtonsOnly);
        form.choose_kind(PolicyChoice::Old);
        assert_eq!(form.step, Step::Series);
        assert_eq!(form.answer("ЕАА", today()), Answer::Taken);
        assert_eq!(form.back(), Some(Step::Series));
        assert_eq!(form.answer("7654321098", today()), Answer::Taken);
        assert_eq!(form.step, Step::Summary);
        let details = form.details().unwrap();
        assert_eq!(details.policy.series(), Some("ЕАА"));
        assert_eq!(form.back(), Some(Step::Number));
    }

    #[test]
    fn someone_under_14_is_refused_and_14_on_the_day_is_taken() {
        let mut form = SelfForm::filling();
        form.full_name = Some(FullName::parse("Иванов Иван Иванович").unwrap());
        form.go(Step::BirthDate);
        let before = form.clone();
        assert_eq!(
            form.answer("27.11.2012", today()),
            Answer::Refused((UNDER_14, Vec::new()))
        );
        assert_eq!(form, before, "a refused answer changes nothing");
        let Answer::Refused((key, _)) = form.answer("27.11.2030", today()) else {
            panic!("a future date is refused");
        };
        assert_eq!(key, "err-date-in-future");
        assert_eq!(form.answer("26.11.2012", today()), Answer::Taken);
    }

    #[test]
    fn fixing_returns_to_the_summary_and_kept_data_leaves_from_it() {
        let details = SelfDetails {
            full_name: FullName::parse("Иванов Иван Иванович").unwrap(),
            birth_date: BirthDate::from_esia("12.03.1985").unwrap(),
            policy: PolicyNumber::parse_new("8451999122899990").unwrap(),
        };
        let mut form = SelfForm::changing_own(&details);
        assert_eq!(form.step, Step::Fix);
        assert_eq!(form.back(), Some(Step::Summary));
        form.fix(Field::BirthDate);
        assert_eq!(form.back(), Some(Step::Summary));
        assert_eq!(form.answer("01.02.1990", today()), Answer::Taken);
        assert_eq!(form.step, Step::Summary);
        assert_eq!(form.back(), None);
        assert_eq!(form.policy_kind, Some(PolicyChoice::New));
    }
}
