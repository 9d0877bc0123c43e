//! Where the user is in «Мои дети», and the child's form with its rules: the order of the questions, where
//! «Назад» leads, what a typed answer fills. Pure: no Telegram, no store, no screens.

use serde::{Deserialize, Serialize};

use crate::domain::{
    BirthDate, ChildBirthDate, FullName, OldPolicyNumber, PolicyNumber, PolicySeries, Relation, Sex,
};
use crate::store::{Child, ChildDetails};

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

/// The form of a child, filled one question at a time. Every value in it has passed `domain` parsing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Form {
    pub step: Step,
    /// The saved child being changed; `None` while adding a new one.
    pub child: Option<i64>,
    /// The field being fixed from the summary: «Назад» on its first question returns to the summary.
    pub fixing: Option<Field>,
    pub full_name: Option<FullName>,
    pub birth_date: Option<BirthDate>,
    pub sex: Option<Sex>,
    pub relation: Option<Relation>,
    pub policy_kind: Option<PolicyChoice>,
    /// The series of an old policy, kept until its number is typed.
    pub series: Option<PolicySeries>,
    pub policy: Option<PolicyNumber>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    #[default]
    Name,
    BirthDate,
    Sex,
    Relation,
    PolicyKind,
    Series,
    Number,
    Summary,
    /// «Что исправить?»
    Fix,
}

/// A field the summary can send the user back to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Field {
    Name,
    BirthDate,
    Sex,
    Relation,
    Policy,
}

/// The two policy forms the portal asks about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PolicyChoice {
    /// «Нового образца — только номер».
    New,
    /// «Старого образца — серия и номер».
    Old,
}

/// A domain error to show: its Fluent key and arguments.
pub type Problem = (&'static str, Vec<(&'static str, String)>);

/// What a typed answer did to the form.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    /// Taken: the form moved on.
    Taken,
    /// Refused: the form is unchanged, and this is why.
    Refused(Problem),
    /// The question on screen is answered with a button, not with text.
    ButtonsOnly,
}

impl Field {
    pub const ALL: [Field; 5] = [
        Field::Name,
        Field::BirthDate,
        Field::Sex,
        Field::Relation,
        Field::Policy,
    ];

    pub fn first_step(self) -> Step {
        match self {
            Field::Name => Step::Name,
            Field::BirthDate => Step::BirthDate,
            Field::Sex => Step::Sex,
            Field::Relation => Step::Relation,
            Field::Policy => Step::PolicyKind,
        }
    }
}

impl Form {
    pub fn adding() -> Form {
        Form::default()
    }

    /// A saved child's form, opened on «Что исправить?».
    pub fn changing(child: &Child) -> Form {
        let policy = child.policy().clone();
        Form {
            step: Step::Fix,
            child: Some(child.id),
            fixing: None,
            full_name: Some(child.full_name().clone()),
            birth_date: Some(child.birth_date()),
            sex: Some(child.sex()),
            relation: Some(child.relation()),
            policy_kind: Some(choice_of(&policy)),
            series: None,
            policy: Some(policy),
        }
    }

    /// The first question without an answer, in the order the form asks them.
    pub fn first_missing(&self) -> Option<Step> {
        if self.full_name.is_none() {
            return Some(Step::Name);
        }
        if self.birth_date.is_none() {
            return Some(Step::BirthDate);
        }
        if self.sex.is_none() {
            return Some(Step::Sex);
        }
        if self.relation.is_none() {
            return Some(Step::Relation);
        }
        if self.policy.is_none() {
            return Some(match (self.policy_kind, &self.series) {
                (None, _) => Step::PolicyKind,
                (Some(PolicyChoice::Old), None) => Step::Series,
                _ => Step::Number,
            });
        }
        None
    }

    /// Moves on after `answered` was answered: a few questions always lead to their follow-up (relation
    /// after sex, the number after the kind), the rest to the first unanswered question or the summary.
    pub fn advance(&mut self, answered: Step) {
        let next = match answered {
            Step::Sex => Step::Relation,
            Step::PolicyKind if self.policy_kind == Some(PolicyChoice::Old) => Step::Series,
            Step::PolicyKind | Step::Series => Step::Number,
            _ => self.first_missing().unwrap_or(Step::Summary),
        };
        self.go(next);
    }

    pub fn go(&mut self, step: Step) {
        self.step = step;
        if step == Step::Summary {
            self.fixing = None;
            if let Some(policy) = &self.policy {
                self.policy_kind = Some(choice_of(policy));
            }
        }
    }

    /// Where «Назад» leads; `None` leaves the form.
    pub fn back(&self) -> Option<Step> {
        if self.step == Step::Fix {
            return Some(Step::Summary);
        }
        if self.fixing.map(Field::first_step) == Some(self.step) {
            return Some(Step::Summary);
        }
        match self.step {
            Step::Name => None,
            Step::BirthDate => Some(Step::Name),
            Step::Sex => Some(Step::BirthDate),
            Step::Relation => Some(Step::Sex),
            Step::PolicyKind => Some(Step::Relation),
            Step::Series => Some(Step::PolicyKind),
            Step::Number if self.policy_kind == Some(PolicyChoice::Old) => Some(Step::Series),
            Step::Number => Some(Step::PolicyKind),
            // A saved child's summary goes back to its card; a new child's to the last question.
            Step::Summary if self.child.is_some() => None,
            Step::Summary => Some(Step::Number),
            Step::Fix => Some(Step::Summary),
        }
    }

    /// The sex chosen: a different one forgets the relation (it is asked next, preselected by the sex).
    pub fn choose_sex(&mut self, sex: Sex) {
        if self.sex != Some(sex) {
            self.relation = None;
        }
        self.sex = Some(sex);
        self.advance(Step::Sex);
    }

    pub fn choose_relation(&mut self, relation: Relation) {
        self.relation = Some(relation);
        self.advance(Step::Relation);
    }

    pub fn choose_kind(&mut self, choice: PolicyChoice) {
        self.policy_kind = Some(choice);
        self.advance(Step::PolicyKind);
    }

    /// «Что исправить?» → `field`: its first question, and «Назад» there returns to the summary.
    pub fn fix(&mut self, field: Field) {
        self.fixing = Some(field);
        self.step = field.first_step();
    }

    /// A typed answer to the question on screen, as of `today` (for the date of birth). Taken, the form
    /// moves on; refused, it stays as it was.
    pub fn answer(&mut self, text: &str, today: chrono::NaiveDate) -> Answer {
        let answered = self.step;
        let taken: Result<(), Problem> = match answered {
            Step::Name => FullName::parse(text)
                .map(|name| self.full_name = Some(name))
                .map_err(|e| (e.key(), e.args())),
            Step::BirthDate => ChildBirthDate::parse(text, today)
                .map(|date| self.birth_date = Some(date.birth_date()))
                .map_err(|e| (e.key(), e.args())),
            Step::Series => PolicySeries::parse(text)
                .map(|series| self.series = Some(series))
                .map_err(|e| (e.key(), e.args())),
            Step::Number => self.answer_number(text),
            Step::Sex | Step::Relation | Step::PolicyKind | Step::Summary | Step::Fix => {
                return Answer::ButtonsOnly
            }
        };
        match taken {
            Ok(()) => {
                self.advance(answered);
                Answer::Taken
            }
            Err(problem) => Answer::Refused(problem),
        }
    }

    /// The policy number: after the series of an old policy, or a new policy's 16 digits.
    fn answer_number(&mut self, text: &str) -> Result<(), Problem> {
        match (self.policy_kind, self.series.clone()) {
            (Some(PolicyChoice::Old), Some(series)) => OldPolicyNumber::parse(text)
                .map(|number| self.policy = Some(PolicyNumber::old(series, number)))
                .map_err(|e| (e.key(), e.args())),
            _ => PolicyNumber::parse_new(text)
                .map(|policy| self.policy = Some(policy))
                .map_err(|e| (e.key(), e.args())),
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
        match self.child {
            Some(child) => ChildrenState::Card { child },
            None => ChildrenState::List,
        }
    }
}

pub fn choice_of(policy: &PolicyNumber) -> PolicyChoice {
    match policy.series() {
        Some(_) => PolicyChoice::Old,
        None => PolicyChoice::New,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
