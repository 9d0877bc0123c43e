//! The form of a person's details, one question at a time: ФИО → date of birth → (a child's sex and the
//! relation) → policy kind → number (or series, then number) → the summary, with «Что исправить?». One form
//! for «Мои дети» (a child) and «Мои данные» (the user, `ESIA_URL=off`); a [`Subject`] says what differs:
//! whether sex and relation are asked, the age rule of the date of birth, the wording, and what tells a
//! saved person from a new one. Pure: no Telegram, no store; drawing is in [`screens`].

pub(in crate::bot) mod screens;

use std::fmt::Debug;

use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::domain::{
    BirthDate, FullName, OldPolicyNumber, PolicyNumber, PolicySeries, Relation, SeriesAnswer, Sex,
};

/// Whose form it is: the data kept with the form that differs between subjects, and, by its type, the
/// rules and wording that differ.
pub trait Subject: Clone + Debug + PartialEq + Eq + Serialize + DeserializeOwned {
    /// Whether the form asks the sex and the relation (a child's form does).
    const ASKS_SEX: bool;
    /// What the Fluent keys of the subject's own wording start with: `<KEYS>-ask-name`, `-ask-birth-date`,
    /// `-ask-policy-kind`, `-ask-policy-series`, `-ask-old-number`, `-ask-new-number`, `-summary-title`
    /// (the sex and the relation are asked of a child only, with keys of their own).
    const KEYS: &'static str;

    /// Whether the person is saved already: the form changes them rather than adds them.
    fn saved(&self) -> bool;

    /// A typed date of birth, as of `today`, by the subject's age rule.
    fn birth_date(text: &str, today: NaiveDate) -> Result<BirthDate, Problem>;
}

/// A person's form, filled one question at a time. Every value in it has passed `domain` parsing. Stored
/// (sealed) as JSON inside the bot's state: the subject's fields sit beside the form's, and the sex and the
/// relation are left out where they are not asked.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct PersonForm<S: Subject> {
    pub step: Step,
    #[serde(flatten)]
    pub whose: S,
    /// The field being fixed from the summary: «Назад» on its first question returns to the summary.
    pub fixing: Option<Field>,
    pub full_name: Option<FullName>,
    pub birth_date: Option<BirthDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
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

/// The two policy forms the portal asks about (temporary certificates are not asked for).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PolicyChoice {
    /// «Нового образца — только номер». (`new`: how «Мои данные» kept it before the forms were one.)
    #[serde(alias = "new")]
    New,
    /// «Старого образца — серия и номер».
    #[serde(alias = "old")]
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

/// A button of the form (each journey spells it in its own button data).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tap {
    Sex(Sex),
    Relation(Relation),
    Kind(PolicyChoice),
    Back,
    Save,
    /// «Изменить» on the summary: «Что исправить?».
    Edit,
    Fix(Field),
    Close,
}

/// What a button of the form leaves to the journey.
#[derive(Debug, PartialEq, Eq)]
pub enum Tapped {
    /// The form moved: show its new step.
    Moved,
    /// «Назад» on the first screen, or «Закрыть»: out of the form.
    Leave,
    /// «Сохранить».
    Save,
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

    /// Whether `S`'s form has this field.
    pub fn asked<S: Subject>(self) -> bool {
        S::ASKS_SEX || !matches!(self, Field::Sex | Field::Relation)
    }
}

impl Tap {
    /// Every button of `S`'s form.
    pub fn all<S: Subject>() -> Vec<Tap> {
        let mut all = Vec::new();
        if S::ASKS_SEX {
            all.extend([Sex::Male, Sex::Female].map(Tap::Sex));
            all.extend([Relation::Son, Relation::Daughter].map(Tap::Relation));
        }
        all.extend([PolicyChoice::New, PolicyChoice::Old].map(Tap::Kind));
        all.extend([Tap::Back, Tap::Save, Tap::Edit, Tap::Close]);
        all.extend(
            Field::ALL
                .into_iter()
                .filter(|f| f.asked::<S>())
                .map(Tap::Fix),
        );
        all
    }
}

impl<S: Subject> PersonForm<S> {
    /// An empty form, from the first question.
    pub fn new(whose: S) -> PersonForm<S> {
        PersonForm {
            step: Step::Name,
            whose,
            fixing: None,
            full_name: None,
            birth_date: None,
            sex: None,
            relation: None,
            policy_kind: None,
            series: None,
            policy: None,
        }
    }

    /// A saved person's form, opened on «Что исправить?».
    pub fn changing(
        whose: S,
        full_name: &FullName,
        birth_date: BirthDate,
        policy: &PolicyNumber,
    ) -> Self {
        PersonForm {
            step: Step::Fix,
            full_name: Some(full_name.clone()),
            birth_date: Some(birth_date),
            policy_kind: Some(choice_of(policy)),
            policy: Some(policy.clone()),
            ..PersonForm::new(whose)
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
        if S::ASKS_SEX && self.sex.is_none() {
            return Some(Step::Sex);
        }
        if S::ASKS_SEX && self.relation.is_none() {
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

    /// The answers after `step` given already, which a new answer to `step` keeps: `step` answered before
    /// and asked again after «Назад» from a later question (not when fixing a field from the summary,
    /// which shows them all).
    pub fn kept_after(&self, step: Step) -> Vec<Field> {
        let (this, later): (Field, &[Field]) = match step {
            Step::Name => (
                Field::Name,
                &[Field::BirthDate, Field::Sex, Field::Relation, Field::Policy],
            ),
            Step::BirthDate => (
                Field::BirthDate,
                &[Field::Sex, Field::Relation, Field::Policy],
            ),
            _ => return Vec::new(),
        };
        if self.fixing.is_some() || !self.has(this) {
            return Vec::new();
        }
        later
            .iter()
            .copied()
            .filter(|field| field.asked::<S>() && self.has(*field))
            .collect()
    }

    /// Whether `field` is answered.
    fn has(&self, field: Field) -> bool {
        match field {
            Field::Name => self.full_name.is_some(),
            Field::BirthDate => self.birth_date.is_some(),
            Field::Sex => self.sex.is_some(),
            Field::Relation => self.relation.is_some(),
            Field::Policy => self.policy.is_some(),
        }
    }

    /// Back to the first question left (saving a form that is not complete; the buttons never do).
    pub fn ask_missing(&mut self) {
        self.go(self.first_missing().unwrap_or(Step::Name));
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
        if self.step == Step::Fix || self.fixing.map(Field::first_step) == Some(self.step) {
            return Some(Step::Summary);
        }
        match self.step {
            Step::Name => None,
            Step::BirthDate => Some(Step::Name),
            Step::Sex => Some(Step::BirthDate),
            Step::Relation => Some(Step::Sex),
            Step::PolicyKind if S::ASKS_SEX => Some(Step::Relation),
            Step::PolicyKind => Some(Step::BirthDate),
            Step::Series => Some(Step::PolicyKind),
            Step::Number if self.policy_kind == Some(PolicyChoice::Old) => Some(Step::Series),
            Step::Number => Some(Step::PolicyKind),
            // A saved person's summary leaves the form; a new one's goes back to the last question.
            Step::Summary if self.whose.saved() => None,
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

    /// Whether a button belongs to the question on screen.
    pub fn fits(&self, tap: Tap) -> bool {
        matches!(
            (tap, self.step),
            (Tap::Sex(_), Step::Sex)
                | (Tap::Relation(_), Step::Relation)
                | (Tap::Kind(_), Step::PolicyKind)
                | (Tap::Save | Tap::Edit | Tap::Close, Step::Summary)
                | (Tap::Fix(_), Step::Fix)
                | (Tap::Back, _)
        )
    }

    /// A button that [`fits`](Self::fits): the form moves on, or the journey leaves or saves it.
    pub fn tap(&mut self, tap: Tap) -> Tapped {
        match tap {
            Tap::Sex(sex) => self.choose_sex(sex),
            Tap::Relation(relation) => self.choose_relation(relation),
            Tap::Kind(choice) => self.choose_kind(choice),
            Tap::Back => match self.back() {
                Some(step) => self.go(step),
                None => return Tapped::Leave,
            },
            Tap::Edit => self.go(Step::Fix),
            Tap::Fix(field) => self.fix(field),
            Tap::Close => return Tapped::Leave,
            Tap::Save => return Tapped::Save,
        }
        Tapped::Moved
    }

    /// A typed answer to the question on screen, as of `today` (for the date of birth). Taken, the form
    /// moves on; refused, it stays as it was.
    pub fn answer(&mut self, text: &str, today: NaiveDate) -> Answer {
        let answered = self.step;
        let taken: Result<(), Problem> = match answered {
            Step::Name => FullName::parse(text)
                .map(|name| self.full_name = Some(name))
                .map_err(|e| (e.key(), e.args())),
            Step::BirthDate => S::birth_date(text, today).map(|date| self.birth_date = Some(date)),
            Step::Series => match PolicyNumber::typed_series(text) {
                Ok(SeriesAnswer::Series(series)) => {
                    self.series = Some(series);
                    Ok(())
                }
                // The series and the number on one line: both taken, the number is not asked.
                Ok(SeriesAnswer::Whole(policy)) => {
                    self.series = policy.series().and_then(|s| PolicySeries::parse(s).ok());
                    self.policy = Some(policy);
                    self.advance(Step::Number);
                    return Answer::Taken;
                }
                Err(e) => Err((e.key(), e.args())),
            },
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
            (Some(PolicyChoice::Old), Some(series)) => OldPolicyNumber::typed(text, &series)
                .map(|number| self.policy = Some(PolicyNumber::old(series, number)))
                .map_err(|e| (e.key(), e.args())),
            _ => PolicyNumber::typed_new(text)
                .map(|policy| self.policy = Some(policy))
                .map_err(|e| (e.key(), e.args())),
        }
    }
}

/// The form a policy has: old when it has a series.
pub fn choice_of(policy: &PolicyNumber) -> PolicyChoice {
    match policy.series() {
        Some(_) => PolicyChoice::Old,
        None => PolicyChoice::New,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::children::state::OfChild;
    use crate::bot::me::state::OwnData;

    fn keys(value: &serde_json::Value) -> Vec<&str> {
        let mut keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        keys
    }

    #[test]
    fn a_stored_form_keeps_the_json_each_journey_stored_before_the_forms_were_one() {
        let child = PersonForm::new(OfChild { child: Some(7) });
        let json = serde_json::to_value(&child).unwrap();
        assert_eq!(
            keys(&json),
            [
                "birth_date",
                "child",
                "fixing",
                "full_name",
                "policy",
                "policy_kind",
                "series",
                "step"
            ]
        );
        assert_eq!(
            serde_json::from_value::<PersonForm<OfChild>>(json).unwrap(),
            child
        );

        let mut own = PersonForm::new(OwnData { saved: true });
        own.policy_kind = Some(PolicyChoice::Old);
        let mut json = serde_json::to_value(&own).unwrap();
        assert_eq!(
            keys(&json),
            [
                "birth_date",
                "fixing",
                "full_name",
                "policy",
                "policy_kind",
                "saved",
                "series",
                "step"
            ]
        );
        // «Мои данные» kept the kind as the domain's `PolicyKind` spells it.
        json["policy_kind"] = serde_json::json!("old");
        assert_eq!(
            serde_json::from_value::<PersonForm<OwnData>>(json).unwrap(),
            own
        );
    }
}
