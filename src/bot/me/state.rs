//! Where the user is in «Мои данные» (`ESIA_URL=off`), and the form of their own data with its rules: the
//! order of the questions, where «Назад» leads, what a typed answer fills. Pure: no Telegram, no store, no
//! screens. The rules are the child's form's (the same `domain` parsers and the same policy questions),
//! with the opposite age rule: here the person is 14 or older («Зарегистрироваться … можно гражданам с
//! 14 лет»; a child is added by a parent in «Мои дети»).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::{
    BirthDate, ChildBirthDate, FullName, OldPolicyNumber, PolicyKind, PolicyNumber, PolicySeries,
};
use crate::store::SelfDetails;

/// Where the user is in «Мои данные».
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MeState {
    /// The data as kept (masked), or the invitation to fill it.
    Card,
    /// Filling or changing the data.
    Form(SelfForm),
}

/// The form of the user's own data, one question at a time. Every value in it has passed `domain` parsing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelfForm {
    pub step: Step,
    /// The field being fixed from the summary: «Назад» on its first question returns to the summary.
    pub fixing: Option<Field>,
    /// Whether the data is kept already (changing it rather than filling it the first time).
    pub saved: bool,
    pub full_name: Option<FullName>,
    pub birth_date: Option<BirthDate>,
    /// New (number only) or old (series and number); temporary certificates are not asked for.
    pub policy_kind: Option<PolicyKind>,
    /// The series of an old policy, kept until its number is typed.
    pub series: Option<PolicySeries>,
    pub policy: Option<PolicyNumber>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    #[default]
    Name,
    BirthDate,
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
    Policy,
}

/// A refused answer: its Fluent key and arguments.
pub type Problem = (&'static str, Vec<(&'static str, String)>);

/// What a typed answer did to the form.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    Taken,
    /// Refused: the form is unchanged, and this is why.
    Refused(Problem),
    /// The question on screen is answered with a button.
    ButtonsOnly,
}

/// The key of the refusal of someone under 14 (the portal's rule; see `locales/*/me.ftl`).
pub const UNDER_14: &str = "me-err-under-14";

impl Field {
    pub const ALL: [Field; 3] = [Field::Name, Field::BirthDate, Field::Policy];

    pub fn first_step(self) -> Step {
        match self {
            Field::Name => Step::Name,
            Field::BirthDate => Step::BirthDate,
            Field::Policy => Step::PolicyKind,
        }
    }
}

impl SelfForm {
    /// The first time: every question, from the name.
    pub fn filling() -> SelfForm {
        SelfForm::default()
    }

    /// The kept data, opened on «Что исправить?».
    pub fn changing(details: &SelfDetails) -> SelfForm {
        SelfForm {
            step: Step::Fix,
            fixing: None,
            saved: true,
            full_name: Some(details.full_name.clone()),
            birth_date: Some(details.birth_date),
            policy_kind: Some(kind_of(&details.policy)),
            series: None,
            policy: Some(details.policy.clone()),
        }
    }

    /// The first question without an answer.
    pub fn first_missing(&self) -> Option<Step> {
        if self.full_name.is_none() {
            return Some(Step::Name);
        }
        if self.birth_date.is_none() {
            return Some(Step::BirthDate);
        }
        if self.policy.is_none() {
            return Some(match (self.policy_kind, &self.series) {
                (None, _) => Step::PolicyKind,
                (Some(PolicyKind::Old), None) => Step::Series,
                _ => Step::Number,
            });
        }
        None
    }

    /// Moves on after `answered`: the policy's questions lead to each other, the rest to the first
    /// unanswered question or the summary.
    pub fn advance(&mut self, answered: Step) {
        let next = match answered {
            Step::PolicyKind if self.policy_kind == Some(PolicyKind::Old) => Step::Series,
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
                self.policy_kind = Some(kind_of(policy));
            }
        }
    }

    /// Where «Назад» leads; `None` leaves the form.
    pub fn back(&self) -> Option<Step> {
        if self.step == Step::Fix || self.fixing.map(Field::first_step) == Some(self.step) {
            return Some(Step::Summary);
        }
        match self.step {
            Step::Name => None,
            Step::BirthDate => Some(Step::Name),
            Step::PolicyKind => Some(Step::BirthDate),
            Step::Series => Some(Step::PolicyKind),
            Step::Number if self.policy_kind == Some(PolicyKind::Old) => Some(Step::Series),
            Step::Number => Some(Step::PolicyKind),
            // Kept data's summary leaves the form; a first filling's goes back to the last question.
            Step::Summary if self.saved => None,
            Step::Summary => Some(Step::Number),
            Step::Fix => Some(Step::Summary),
        }
    }

    pub fn choose_kind(&mut self, kind: PolicyKind) {
        self.policy_kind = Some(kind);
        self.advance(Step::PolicyKind);
    }

    pub fn fix(&mut self, field: Field) {
        self.fixing = Some(field);
        self.step = field.first_step();
    }

    /// A typed answer to the question on screen, as of `today` (for the age). Taken, the form moves on;
    /// refused, it stays as it was.
    pub fn answer(&mut self, text: &str, today: NaiveDate) -> Answer {
        let answered = self.step;
        let taken: Result<(), Problem> = match answered {
            Step::Name => FullName::parse(text)
                .map(|name| self.full_name = Some(name))
                .map_err(|e| (e.key(), e.args())),
            Step::BirthDate => {
                adult_birth_date(text, today).map(|date| self.birth_date = Some(date))
            }
            Step::Series => PolicySeries::parse(text)
                .map(|series| self.series = Some(series))
                .map_err(|e| (e.key(), e.args())),
            Step::Number => self.answer_number(text),
            Step::PolicyKind | Step::Summary | Step::Fix => return Answer::ButtonsOnly,
        };
        match taken {
            Ok(()) => {
                self.advance(answered);
                Answer::Taken
            }
            Err(problem) => Answer::Refused(problem),
        }
    }

    fn answer_number(&mut self, text: &str) -> Result<(), Problem> {
        match (self.policy_kind, self.series.clone()) {
            (Some(PolicyKind::Old), Some(series)) => OldPolicyNumber::parse(text)
                .map(|number| self.policy = Some(PolicyNumber::old(series, number)))
                .map_err(|e| (e.key(), e.args())),
            _ => PolicyNumber::parse_new(text)
                .map(|policy| self.policy = Some(policy))
                .map_err(|e| (e.key(), e.args())),
        }
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

/// A date of birth of someone 14 or older on `today`: younger people are booked by a parent.
fn adult_birth_date(text: &str, today: NaiveDate) -> Result<BirthDate, Problem> {
    let date = BirthDate::parse(text, today).map_err(|e| (e.key(), e.args()))?;
    if date.age_on(today) < ChildBirthDate::AGE_LIMIT {
        return Err((UNDER_14, Vec::new()));
    }
    Ok(date)
}

/// The form a policy has: old when it has a series.
pub fn kind_of(policy: &PolicyNumber) -> PolicyKind {
    match policy.series() {
        Some(_) => PolicyKind::Old,
        None => PolicyKind::New,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        form.choose_kind(PolicyKind::Old);
        assert_eq!(form.step, Step::Series);
        assert_eq!(form.answer("ЕАА", today()), Answer::Taken);
        assert_eq!(form.back(), Some(Step::Series));
        assert_eq!(form.answer("1234567890", today()), Answer::Taken);
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
        let mut form = SelfForm::changing(&details);
        assert_eq!(form.step, Step::Fix);
        assert_eq!(form.back(), Some(Step::Summary));
        form.fix(Field::BirthDate);
        assert_eq!(form.back(), Some(Step::Summary));
        assert_eq!(form.answer("01.02.1990", today()), Answer::Taken);
        assert_eq!(form.step, Step::Summary);
        assert_eq!(form.back(), None);
        assert_eq!(form.policy_kind, Some(PolicyKind::New));
    }
}
