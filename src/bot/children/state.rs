//! Where the user is in «Мои дети», and what the child's form has of its own: which child it is of, the
//! sex and the relation asked, the age rule (under 14). The form's rules are [`crate::bot::person_form`]'s.
//! Pure: no Telegram, no store, no screens.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::bot::person_form::{PersonForm, Subject};
use crate::domain::{BirthDate, ChildBirthDate};
use crate::store::{Child, ChildDetails};

pub use crate::bot::person_form::{Answer, Field, PolicyChoice, Problem, Step, Tap};

/// Where the user is in «Мои дети». Stored (sealed) as JSON inside the bot's `State::Children`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChildrenState {
    /// The list of children.
    List,
    /// One child's card.
    Card { child: i64 },
    /// «Удалить …?» waits for a yes or no.
    ConfirmDelete { child: i64 },
    /// «Для кого записываемся?» with «Я» and the children.
    ChoosePerson,
    /// The children Gosuslugi knows, to pick one for the form.
    Import,
    /// Adding a child, or changing a saved one.
    Form(Form),
}

/// A child's form: the person form of [`crate::bot::person_form`], with the sex and the relation asked and
/// the date of birth of someone under 14.
pub type Form = PersonForm<OfChild>;

/// Which child a form is of: the saved child being changed, or `None` while adding a new one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfChild {
    pub child: Option<i64>,
}

impl Subject for OfChild {
    const ASKS_SEX: bool = true;
    const KEYS: &'static str = "child";

    fn saved(&self) -> bool {
        self.child.is_some()
    }

    fn birth_date(text: &str, today: NaiveDate) -> Result<BirthDate, Problem> {
        ChildBirthDate::parse(text, today)
            .map(|date| date.birth_date())
            .map_err(|e| (e.key(), e.args()))
    }
}

impl Form {
    pub fn adding() -> Form {
        Form::default()
    }

    /// A saved child's form, opened on «Что исправить?».
    pub fn changing_child(child: &Child) -> Form {
        let whose = OfChild {
            child: Some(child.id),
        };
        Form {
            sex: Some(child.sex()),
            relation: Some(child.relation()),
            ..PersonForm::changing(whose, child.full_name(), child.birth_date(), child.policy())
        }
    }

    /// Everything the store needs, once every question is answered.
    pub fn details(&self) -> Option<ChildDetails> {
        Some(ChildDetails {
            full_name: self.full_name.clone()?,
            birth_date: self.birth_date?,
            sex: self.sex?,
            relation: self.relation?,
            policy: self.policy.clone()?,
        })
    }

    /// Where the user lands when leaving the form: the saved child's card, or the list.
    pub fn exit(&self) -> ChildrenState {
        match self.whose.child {
            Some(child) => ChildrenState::Card { child },
            None => ChildrenState::List,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{FullName, PolicyNumber, PolicySeries, Relation, Sex};

    fn complete() -> Form {
        let mut form = Form::adding();
        form.full_name = Some(FullName::parse("Иванова Мария Ивановна").unwrap());
        form.birth_date = Some(BirthDate::from_esia("01.12.2015").unwrap());
        form.sex = Some(Sex::Female);
        form.relation = Some(Relation::Daughter);
        form.policy_kind = Some(PolicyChoice::New);
        form.policy = Some(PolicyNumber::parse_new("8451999122899990").unwrap());
        form.go(Step::Summary);
        form
    }

    #[test]
    fn a_new_form_asks_every_question_in_order() {
        let mut form = Form::adding();
        assert_eq!(form.step, Step::Name);
        form.full_name = complete().full_name;
        form.advance(Step::Name);
        assert_eq!(form.step, Step::BirthDate);
        form.birth_date = complete().birth_date;
        form.advance(Step::BirthDate);
        assert_eq!(form.step, Step::Sex);
        form.sex = Some(Sex::Male);
        form.advance(Step::Sex);
        assert_eq!(form.step, Step::Relation);
        form.relation = Some(Relation::Son);
        form.advance(Step::Relation);
        assert_eq!(form.step, Step::PolicyKind);
        form.policy_kind = Some(PolicyChoice::Old);
        form.advance(Step::PolicyKind);
        assert_eq!(form.step, Step::Series);
        assert_eq!(form.back(), Some(Step::PolicyKind));
        form.series = Some(PolicySeries::parse("ЕАА").unwrap());
        form.advance(Step::Series);
        assert_eq!(form.step, Step::Number);
        assert_eq!(form.back(), Some(Step::Series));
        form.policy = Some(PolicyNumber::parse_old("ЕАА", "123").unwrap());
        form.advance(Step::Number);
        assert_eq!(form.step, Step::Summary);
        assert!(form.details().is_some());
    }

    #[test]
    fn fixing_a_field_returns_to_the_summary_and_back_cancels_the_fix() {
        let mut form = complete();
        form.fixing = Some(Field::BirthDate);
        form.step = Step::BirthDate;
        assert_eq!(form.back(), Some(Step::Summary));
        form.advance(Step::BirthDate);
        assert_eq!(form.step, Step::Summary);
        assert_eq!(form.fixing, None);

        form.fixing = Some(Field::Policy);
        form.step = Step::PolicyKind;
        form.policy_kind = Some(PolicyChoice::Old);
        form.advance(Step::PolicyKind);
        assert_eq!(form.step, Step::Series);
        assert_eq!(form.back(), Some(Step::PolicyKind));
        form.go(Step::PolicyKind);
        assert_eq!(form.back(), Some(Step::Summary));
        form.go(Step::Summary);
        assert_eq!(
            form.policy_kind,
            Some(PolicyChoice::New),
            "the kind follows the policy kept"
        );
    }

    #[test]
    fn a_typed_answer_is_taken_refused_or_sent_to_the_buttons() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 5, 10).unwrap();
        let mut form = Form::adding();
        assert_eq!(form.answer("Иванова Мария Ивановна", today), Answer::Taken);
        assert_eq!(form.step, Step::BirthDate);
        let before = form.clone();
        let Answer::Refused((key, _)) = form.answer("11.05.2026", today) else {
            panic!("a future date is refused");
        };
        assert_eq!(key, "err-date-in-future");
        assert_eq!(form, before, "a refused answer changes nothing");
        assert_eq!(form.answer("01.12.2015", today), Answer::Taken);
        assert_eq!(form.step, Step::Sex);
        let asked = form.clone();
        assert_eq!(form.answer("женский", today), Answer::ButtonsOnly);
        assert_eq!(form, asked, "text at a button question changes nothing");
    }

    #[test]
    fn another_sex_forgets_the_relation_and_a_fix_starts_at_its_first_question() {
        let mut form = complete();
        form.step = Step::Sex;
        form.choose_sex(Sex::Female);
        assert_eq!(form.relation, Some(Relation::Daughter));
        form.step = Step::Sex;
        form.choose_sex(Sex::Male);
        assert_eq!((form.step, form.relation), (Step::Relation, None));
        form.choose_relation(Relation::Son);
        assert_eq!(form.step, Step::Summary);
        form.fix(Field::Policy);
        assert_eq!(
            (form.step, form.fixing),
            (Step::PolicyKind, Some(Field::Policy))
        );
        form.choose_kind(PolicyChoice::Old);
        assert_eq!(form.step, Step::Series);
    }
}
