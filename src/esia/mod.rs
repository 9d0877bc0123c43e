//! Gosuslugi (ESIA): the client of `contracts/esia.md`, the signer, how a login becomes a link to an account
//! (the link itself is plain data in [`crate::domain::esia`], re-exported here), and
//! the built-in demo identity provider.
//!
//! A login goes: the bot stores a fresh login id and shows the button URL ([`EsiaClient::
//! authorization_url`]: `{PUBLIC_URL}/esia/start?login=…`); `/esia/start` binds the login to the browser
//! (Telegram's login data and a cookie, see [`telegram_login`]), signs the request with the click's
//! timestamp ([`EsiaClient::signed_authorization_url`]) and redirects to ESIA; ESIA sends the browser to
//! `{PUBLIC_URL}/esia/callback`, which checks the binding, consumes the login and calls [`complete_login`]
//! (exchange the code, check the claims, read the person, their OMS policy, kids and kids' documents). A
//! login bound by cookie is linked at once; any other waits for a one-time code typed in the chat that
//! started it. Other journeys ask [`booking_gate`] whether the user may book.

pub mod client;
pub mod demo;
pub mod signer;
pub mod telegram_login;

use chrono::{DateTime, NaiveDate, Utc};
use url::Url;

use crate::config::{EsiaSettings, Settings};
use crate::domain::{BirthDate, PolicyNumber, Sex};

pub use crate::domain::esia::{
    AccountLevel, EsiaKid, EsiaLink, EsiaPerson, Unread, LOGIN_TTL_SECONDS,
};
pub use client::{Callback, ErrorKind, EsiaClient, EsiaCode, EsiaConfig, EsiaError, Identity};
pub use signer::{Signer, SignerError};

/// The demo identity provider's client id and certificate hash (it accepts only these).
pub const DEMO_CLIENT_ID: &str = "KVRACHU_DEMO";
pub const DEMO_CERT_HASH: &str = "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF";

/// Where the demo identity provider lives on the bot's own HTTP server.
pub const DEMO_PATH: &str = "/demo/esia";

/// The `iss` of the demo identity provider's id tokens.
pub const DEMO_ISSUER: &str = "http://esia-demo.kvrachu.local/";

/// Where the login button points (`/esia/start`) and where ESIA sends the browser back.
pub const START_PATH: &str = "esia/start";
pub const CALLBACK_PATH: &str = "esia/callback";

/// `{PUBLIC_URL}/<path>`, keeping any path PUBLIC_URL already has.
pub fn public_endpoint(public_url: &Url, path: &str) -> Url {
    let base = public_url.as_str().trim_end_matches('/');
    Url::parse(&format!("{base}/{}", path.trim_start_matches('/')))
        .expect("PUBLIC_URL plus a static path is a URL")
}

/// The client the settings describe: the real ESIA with the signing command, or the demo provider on the
/// bot's own server with the demo signer.
pub fn client_from_settings(settings: &Settings) -> EsiaClient {
    let (config, signer) = config_from_settings(settings);
    EsiaClient::new(config, signer)
}

fn config_from_settings(settings: &Settings) -> (EsiaConfig, Signer) {
    let redirect_uri = public_endpoint(&settings.web.public_url, CALLBACK_PATH);
    let start_uri = public_endpoint(&settings.web.public_url, START_PATH);
    match &settings.esia {
        // With ESIA_URL=off no login is ever made; the demo provider's settings keep the client harmless.
        EsiaSettings::Demo | EsiaSettings::Off => (
            EsiaConfig {
                base_url: public_endpoint(&settings.web.public_url, DEMO_PATH),
                client_id: DEMO_CLIENT_ID.to_owned(),
                cert_hash: DEMO_CERT_HASH.to_owned(),
                scopes: settings.esia_scopes.clone(),
                redirect_uri,
                start_uri,
                issuer: DEMO_ISSUER.to_owned(),
                extra_ca_pem: None,
            },
            Signer::Demo,
        ),
        EsiaSettings::Remote(remote) => (
            EsiaConfig {
                base_url: remote.url.clone(),
                client_id: remote.client_id.clone(),
                cert_hash: remote.cert_hash.clone(),
                scopes: settings.esia_scopes.clone(),
                redirect_uri,
                start_uri,
                issuer: remote.issuer.clone(),
                extra_ca_pem: remote.extra_ca_pem.clone(),
            },
            Signer::command(remote.signer_cmd.clone()),
        ),
    }
}

/// The start-up check of a real ESIA setup: the extra root certificates load and the signer prints a raw
/// signature. A wrong setup stops start-up with one line that says what is wrong, not the first login.
pub async fn check_at_start(settings: &Settings) -> anyhow::Result<()> {
    if matches!(settings.esia, EsiaSettings::Demo | EsiaSettings::Off) {
        return Ok(());
    }
    let (config, signer) = config_from_settings(settings);
    let client = EsiaClient::try_new(config, signer).map_err(|problem| anyhow::anyhow!(problem))?;
    client
        .signer()
        .check()
        .await
        .map_err(|err| anyhow::anyhow!("the ESIA signer does not work: {err}"))
}

// `EsiaLink` and its parts are plain data in `crate::domain::esia`, so that the store can keep them
// without knowing this client; turning what ESIA answers into a link is the client's business, here.
impl EsiaLink {
    /// What the person's data from one login becomes. Values that do not parse are left out (and
    /// counted in the log), never guessed.
    pub fn from_identity(identity: &Identity, now: i64) -> EsiaLink {
        let person = &identity.person;
        let level = match (identity.trusted, person.verifying) {
            (true, _) => AccountLevel::Confirmed,
            (false, true) => AccountLevel::Verifying,
            (false, false) => AccountLevel::NotConfirmed,
        };
        let policy_doc = client::oms_policy(&identity.documents);
        let kids: Vec<EsiaKid> = identity
            .kids
            .iter()
            .map(|kid| EsiaKid {
                esia_id: kid.id.as_ref().and_then(id_text),
                person: esia_person(&kid.about, kid.policy()),
            })
            .collect();
        EsiaLink {
            oid: identity.oid.clone(),
            level,
            person: esia_person(&person.about, policy_doc),
            insurer: policy_doc.and_then(|d| client::Document::text_of(&d.issued_by)),
            attachment: policy_doc.and_then(|d| client::Document::text_of(&d.medical_org)),
            kids,
            linked_at: now,
            updated_at: now,
        }
    }
}

/// A person (the user or a kid) from what ESIA says of them and their policy document, if any.
fn esia_person(about: &client::About, policy: Option<&client::Document>) -> EsiaPerson {
    EsiaPerson {
        full_name: about.full_name(),
        birth_date: parse_birth_date(about.birth_date.as_deref()),
        sex: about.gender.as_deref().and_then(Sex::from_esia),
        policy: policy.and_then(policy_of),
    }
}

fn id_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn parse_birth_date(raw: Option<&str>) -> Option<BirthDate> {
    let raw = raw?;
    match BirthDate::from_esia(raw) {
        Ok(date) => Some(date),
        Err(err) => {
            tracing::warn!(error = %err, "a birth date from ESIA does not parse; left out");
            None
        }
    }
}

/// The policy of an `MDCL_PLCY` document: the single number (`unitedNumber`) when it is a valid
/// new-format one, else series and number as given.
fn policy_of(doc: &client::Document) -> Option<PolicyNumber> {
    if let Some(united) = doc.united_number.as_deref() {
        if let Ok(policy) = PolicyNumber::parse_new(united) {
            return Some(policy);
        }
    }
    let number = doc.number.as_deref()?;
    match PolicyNumber::parse_any(doc.series.as_deref(), number) {
        Ok(policy) => Some(policy),
        Err(err) => {
            tracing::warn!(error = %err, "an OMS policy from ESIA does not parse; left out");
            None
        }
    }
}

/// How a login ended.
pub enum LinkOutcome {
    /// A link to store: confirmed or not (see [`EsiaLink::level`]), and what could not be read (the person
    /// is linked without it).
    Linked { link: Box<EsiaLink>, unread: Unread },
    /// The person is under 14 by ESIA's birth date: nothing is to be stored; a parent adds them as a child.
    Underage,
}

/// Finishes a login whose state was valid: the back channel and the checks. Storing the link is the
/// caller's business, once every step here succeeded. ESIA's tokens are used here and dropped.
pub async fn complete_login(
    client: &EsiaClient,
    code: &str,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<LinkOutcome, EsiaError> {
    let identity = client.identity(code, now).await?;
    let link = EsiaLink::from_identity(&identity, now.timestamp());
    if link.is_under_14(today) {
        return Ok(LinkOutcome::Underage);
    }
    Ok(LinkOutcome::Linked {
        link: Box::new(link),
        unread: identity.unread,
    })
}

/// Whether a user may book, and if not, why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BookingGate {
    Allowed(Box<EsiaLink>),
    NotLinked,
    NotConfirmed(Box<EsiaLink>),
    Underage,
}

/// Only a linked, confirmed account of someone 14 or older may book.
pub fn booking_gate(link: Option<EsiaLink>, today: NaiveDate) -> BookingGate {
    match link {
        None => BookingGate::NotLinked,
        Some(link) if link.is_under_14(today) => BookingGate::Underage,
        Some(link) if !link.trusted() => BookingGate::NotConfirmed(Box::new(link)),
        Some(link) => BookingGate::Allowed(Box::new(link)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_endpoints_keep_the_public_path() {
        let at = |base: &str| public_endpoint(&Url::parse(base).unwrap(), "esia/callback");
        assert_eq!(
            at("http://127.0.0.1:8080").as_str(),
            "http://127.0.0.1:8080/esia/callback"
        );
        assert_eq!(
            at("https://example.org/bot/").as_str(),
            "https://example.org/bot/esia/callback"
        );
        assert_eq!(
            public_endpoint(&Url::parse("https://example.org/bot").unwrap(), DEMO_PATH).as_str(),
            "https://example.org/bot/demo/esia"
        );
    }

    #[test]
    fn account_levels_round_trip_their_codes() {
        for level in [
            AccountLevel::Confirmed,
            AccountLevel::NotConfirmed,
            AccountLevel::Verifying,
        ] {
            assert_eq!(AccountLevel::from_code(level.code()), Some(level));
        }
        assert_eq!(AccountLevel::from_code("gold"), None);
    }

    fn link(level: AccountLevel, birth: &str) -> EsiaLink {
        EsiaLink {
            oid: "1".into(),
            level,
            person: EsiaPerson {
                full_name: "Иванова Анна Сергеевна".into(),
                birth_date: BirthDate::from_esia(birth).ok(),
                sex: None,
                policy: None,
            },
            insurer: None,
            attachment: None,
            kids: vec![],
            linked_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn only_a_confirmed_adult_may_book() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        assert_eq!(booking_gate(None, today), BookingGate::NotLinked);
        let adult = link(AccountLevel::Confirmed, "12.03.1988");
        assert_eq!(
            booking_gate(Some(adult.clone()), today),
            BookingGate::Allowed(Box::new(adult))
        );
        let unconfirmed = link(AccountLevel::Verifying, "12.03.1988");
        assert!(matches!(
            booking_gate(Some(unconfirmed), today),
            BookingGate::NotConfirmed(_)
        ));
        // 14 on 27.11.2026: still 13 the day before.
        let teen = link(AccountLevel::Confirmed, "27.11.2012");
        assert_eq!(
            booking_gate(Some(teen.clone()), today),
            BookingGate::Underage
        );
        let tomorrow = today.succ_opt().unwrap();
        assert!(matches!(
            booking_gate(Some(teen), tomorrow),
            BookingGate::Allowed(_)
        ));
    }
}
