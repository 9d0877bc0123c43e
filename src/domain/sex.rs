//! Sex and the relation of a child to the account holder, as the portal's form asks them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

/// Who the child is to the parent. The portal offers only сын/дочь for children under 14.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    Son,
    Daughter,
}

impl Sex {
    /// ESIA's `gender` field: `M` or `F`; anything else is unknown rather than guessed.
    pub fn from_esia(gender: &str) -> Option<Sex> {
        match gender.trim() {
            "M" | "m" => Some(Sex::Male),
            "F" | "f" => Some(Sex::Female),
            _ => None,
        }
    }

    /// The Fluent message id of the label shown to a user.
    pub fn key(&self) -> &'static str {
        match self {
            Sex::Male => "sex-male",
            Sex::Female => "sex-female",
        }
    }
}

impl Relation {
    /// The relation a child of this sex has to a parent; the dialogue pre-selects it.
    pub fn from_sex(sex: Sex) -> Relation {
        match sex {
            Sex::Male => Relation::Son,
            Sex::Female => Relation::Daughter,
        }
    }

    pub fn sex(&self) -> Sex {
        match self {
            Relation::Son => Sex::Male,
            Relation::Daughter => Sex::Female,
        }
    }

    /// The Fluent message id of the label shown to a user.
    pub fn key(&self) -> &'static str {
        match self {
            Relation::Son => "relation-son",
            Relation::Daughter => "relation-daughter",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relation_follows_sex_and_back() {
        assert_eq!(Relation::from_sex(Sex::Male), Relation::Son);
        assert_eq!(Relation::from_sex(Sex::Female), Relation::Daughter);
        for sex in [Sex::Male, Sex::Female] {
            assert_eq!(Relation::from_sex(sex).sex(), sex);
        }
    }

    #[test]
    fn esia_gender_codes() {
        assert_eq!(Sex::from_esia("M"), Some(Sex::Male));
        assert_eq!(Sex::from_esia("F"), Some(Sex::Female));
        assert_eq!(Sex::from_esia(" f "), Some(Sex::Female));
        assert_eq!(Sex::from_esia(""), None);
        assert_eq!(Sex::from_esia("М"), None, "Cyrillic М is not ESIA's code");
        assert_eq!(Sex::from_esia("X"), None);
    }

    #[test]
    fn serde_uses_stable_lower_case_names() {
        assert_eq!(serde_json::to_string(&Sex::Female).unwrap(), "\"female\"");
        assert_eq!(serde_json::to_string(&Relation::Son).unwrap(), "\"son\"");
        assert_eq!(
            serde_json::from_str::<Relation>("\"daughter\"").unwrap(),
            Relation::Daughter
        );
        assert_eq!(serde_json::from_str::<Sex>("\"male\"").unwrap(), Sex::Male);
    }
}
