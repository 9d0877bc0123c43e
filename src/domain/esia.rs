//! What a link to a Gosuslugi (ESIA) account holds: plain data, as the store keeps it and the journeys
//! read it. Getting it from ESIA is `crate::esia`'s business (`EsiaLink::from_identity` lives there).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{BirthDate, ChildBirthDate, PolicyNumber, Sex};

/// How long a «Войти через Госуслуги» button works.
pub const LOGIN_TTL_SECONDS: i64 = 10 * 60;

/// How long the one-time code of a login that still has to be confirmed in the chat is valid.
pub const PENDING_CODE_TTL_SECONDS: i64 = 10 * 60;

/// How many wrong one-time codes end a pending login.
pub const PENDING_CODE_ATTEMPTS: i64 = 5;

/// What a login could not read from Gosuslugi. The person is linked all the same; the bot says what is
/// missing and offers to log in again.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Unread {
    /// The person's documents (`/docs`): the OMS policy, insurer and attachment are unknown.
    #[serde(default)]
    pub policy: bool,
    /// The person's children (`/kids`): none are listed.
    #[serde(default)]
    pub kids: bool,
    /// The documents of at least one child (`/kids/{id}/docs`): their policy is unknown.
    #[serde(default)]
    pub kids_policies: bool,
}

impl Unread {
    /// Everything was read.
    pub fn is_empty(&self) -> bool {
        *self == Unread::default()
    }
}

/// What ESIA says about the account. It documents one flag (`trusted`); `verifying` tells that a check of
/// the person's data is under way, which is worth saying to someone who just applied for confirmation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountLevel {
    /// «Подтверждённая»: may book.
    Confirmed,
    /// «Упрощённая» or «стандартная»: ESIA does not say which.
    NotConfirmed,
    /// Not confirmed, and ESIA is checking the person's data right now.
    Verifying,
}

impl AccountLevel {
    pub fn code(self) -> &'static str {
        match self {
            AccountLevel::Confirmed => "confirmed",
            AccountLevel::NotConfirmed => "not_confirmed",
            AccountLevel::Verifying => "verifying",
        }
    }

    pub fn from_code(code: &str) -> Option<AccountLevel> {
        [
            AccountLevel::Confirmed,
            AccountLevel::NotConfirmed,
            AccountLevel::Verifying,
        ]
        .into_iter()
        .find(|l| l.code() == code)
    }

    pub fn is_confirmed(self) -> bool {
        self == AccountLevel::Confirmed
    }
}

/// A person as ESIA describes them — the linked user or one of their children: the name, and the birth
/// date, sex and OMS policy when ESIA gave them in a form that parses.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EsiaPerson {
    /// «Фамилия Имя Отчество» as ESIA has it.
    pub full_name: String,
    pub birth_date: Option<BirthDate>,
    pub sex: Option<Sex>,
    /// The policy when `medical_doc` (the user) or `kid_medical_doc` (a child) was granted.
    pub policy: Option<PolicyNumber>,
}

impl std::fmt::Debug for EsiaPerson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EsiaPerson")
            .field("has_birth_date", &self.birth_date.is_some())
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// A child ESIA knows (`/kids`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EsiaKid {
    /// ESIA's id of the kid record, when given.
    #[serde(default)]
    pub esia_id: Option<String>,
    #[serde(flatten)]
    pub person: EsiaPerson,
}

/// A Telegram user's link to their Gosuslugi account, decrypted. Serializable so that a login waiting for
/// its one-time code can be kept sealed until the code is typed.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EsiaLink {
    /// ESIA's person id.
    pub oid: String,
    pub level: AccountLevel,
    /// The user as ESIA describes them.
    #[serde(flatten)]
    pub person: EsiaPerson,
    /// The insurer (СМО), when ESIA gives it.
    pub insurer: Option<String>,
    /// The clinic the person is attached to, when ESIA gives it.
    pub attachment: Option<String>,
    #[serde(default)]
    pub kids: Vec<EsiaKid>,
    /// Unix seconds.
    pub linked_at: i64,
    pub updated_at: i64,
}

impl std::fmt::Debug for EsiaLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EsiaLink")
            .field("oid", &self.oid)
            .field("level", &self.level)
            .field("policy", &self.person.policy)
            .field("kids", &self.kids.len())
            .finish_non_exhaustive()
    }
}

impl EsiaLink {
    /// A confirmed account («подтверждённая учётная запись»).
    pub fn trusted(&self) -> bool {
        self.level.is_confirmed()
    }

    /// Under 14 on `today` by the birth date ESIA gave.
    pub fn is_under_14(&self, today: NaiveDate) -> bool {
        self.person
            .birth_date
            .is_some_and(|b| b.age_on(today) < ChildBirthDate::AGE_LIMIT)
    }
}

/// A login whose browser was not proven to be the chat's (no Telegram login data): it is linked only when
/// the one-time code its page showed is typed in the chat that started it. What typing a code gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PendingLoginOutcome {
    /// The code was right: the person is linked to this user.
    Linked(Box<LinkedLogin>),
    /// Not the code; `attempts_left` more tries (0: the pending login is gone, log in again).
    WrongCode { attempts_left: i64 },
    /// No login waits for a code: none was made, it expired, or it was used up.
    NoPendingLogin,
}

/// A person just linked to a Telegram user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkedLogin {
    pub link: EsiaLink,
    /// What could not be read from Gosuslugi (offer to log in again when not empty).
    pub unread: Unread,
    /// The Telegram user who had this Gosuslugi person linked until now and lost the link (one person is
    /// linked to at most one Telegram user): they should be told.
    pub previous_user: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A link as it was sealed before the person's fields were grouped in [`EsiaPerson`]: the JSON of a
    /// pending login and of the `kids` column. It must read the same and write the same bytes.
    const STORED: &str = concat!(
        r#"{"oid":"1000299654","level":"confirmed","full_name":"Иванова Анна Сергеевна","#,
        r#""birth_date":"1988-03-12","sex":"female","policy":{"kind":"new","number":"3841500000012340"},"#,
        r#""insurer":"СОГАЗ-МЕД","attachment":null,"kids":[{"esia_id":"7001","#,
        r#""full_name":"Иванова Мария Ивановна","birth_date":null,"sex":null,"policy":null}],"#,
        r#""linked_at":1764000000,"updated_at":1764000000}"#
    );

    #[test]
    fn a_link_stored_before_esia_person_reads_and_writes_the_same_json() {
        let link: EsiaLink = serde_json::from_str(STORED).unwrap();
        assert_eq!(link.person.full_name, "Иванова Анна Сергеевна");
        assert_eq!(link.person.sex, Some(Sex::Female));
        assert_eq!(
            link.person.policy,
            Some(PolicyNumber::parse_new("3841500000012340").unwrap())
        );
        assert_eq!(link.kids[0].person.full_name, "Иванова Мария Ивановна");
        assert_eq!(link.kids[0].esia_id.as_deref(), Some("7001"));
        assert_eq!(serde_json::to_string(&link).unwrap(), STORED);
    }
}
