//! The HTTP client of ESIA as `contracts/esia.md` describes it: the authorization URL (`/aas/oauth2/v2/ac`),
//! the token exchange (`/aas/oauth2/v3/te`), the token claims and the person's data (`/rs/prns/{oid}`).
//!
//! The login button does not carry ESIA's URL itself: ESIA checks the signed timestamp when the user
//! arrives (`ESIA-007015` otherwise), so [`EsiaClient::authorization_url`] is the bot's own
//! `{PUBLIC_URL}/esia/start?login=…`, which signs at the click ([`EsiaClient::signed_authorization_url`]).
//!
//! ESIA reports errors as `ESIA-NNNNNN` codes in `error_description` ([`EsiaCode`]); what a code means
//! for the user is its [`ErrorKind`]. Nothing here logs or prints tokens or personal data: errors name the
//! step, the HTTP status and the ESIA code only.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use url::Url;

use super::signer::{Signer, SignerError};
use crate::domain::esia::Unread;

/// How far the clocks of ESIA and the bot may disagree when checking `exp` and `nbf`.
pub const CLOCK_LEEWAY_SECONDS: i64 = 120;

/// The most documents or kids one login reads one by one (when ESIA gives links instead of objects).
const MAX_LINKED_ITEMS: usize = 20;

/// What identifies the bot to ESIA.
#[derive(Clone)]
pub struct EsiaConfig {
    /// ESIA's base URL: `https://esia.gosuslugi.ru`, or `{PUBLIC_URL}/demo/esia` in demo mode.
    pub base_url: Url,
    /// The system's mnemonic on the ESIA technology portal.
    pub client_id: String,
    /// GOST R 34.11-2012 fingerprint of the certificate, in hex.
    pub cert_hash: String,
    /// Space-separated scopes.
    pub scopes: String,
    /// `{PUBLIC_URL}/esia/callback`.
    pub redirect_uri: Url,
    /// `{PUBLIC_URL}/esia/start`: what the login button opens; it signs and redirects to ESIA.
    pub start_uri: Url,
    /// The `iss` ESIA's id tokens must carry.
    pub issuer: String,
    /// Extra root certificates (PEM) to trust for ESIA (`ESIA_CA_FILE`).
    pub extra_ca_pem: Option<Vec<u8>>,
}

impl fmt::Debug for EsiaConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EsiaConfig")
            .field("base_url", &self.base_url.as_str())
            .field("client_id", &self.client_id)
            .field("scopes", &self.scopes)
            .field("redirect_uri", &self.redirect_uri.as_str())
            .field("issuer", &self.issuer)
            .field("extra_ca", &self.extra_ca_pem.is_some())
            .finish_non_exhaustive()
    }
}

/// The request an error happened in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    TokenExchange,
    Person,
    Documents,
    Kids,
    KidDocuments,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Step::TokenExchange => "token exchange",
            Step::Person => "person request",
            Step::Documents => "documents request",
            Step::Kids => "kids request",
            Step::KidDocuments => "kid's documents request",
        })
    }
}

/// An ESIA error code, `ESIA-NNNNNN`, as ESIA puts it at the start of `error_description`. It carries no
/// personal data, so it is logged and counted.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EsiaCode(u32);

impl fmt::Display for EsiaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ESIA-{:06}", self.0)
    }
}

impl fmt::Debug for EsiaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// What an ESIA error means for the user and the operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// `ESIA-007004`: the user declined. Nothing to fix.
    Declined,
    /// The code expired or the request's time was off (`ESIA-007011`, `ESIA-007015`): a fresh login works.
    Retry,
    /// The bot's registration, certificate, signature or request is wrong (`ESIA-007053` and the like): the
    /// operator must fix it; the user is told the login is being fixed.
    Configuration,
    /// ESIA is down or overloaded (`ESIA-007007`, `ESIA-007008`), or could not be reached.
    Unavailable,
    /// Anything else.
    Other,
}

impl ErrorKind {
    /// The label `/metrics` and the log use.
    pub fn label(self) -> &'static str {
        match self {
            ErrorKind::Declined => "declined",
            ErrorKind::Retry => "retry",
            ErrorKind::Configuration => "configuration",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Other => "other",
        }
    }
}

impl EsiaCode {
    /// `ESIA-NNNNNN` anywhere in `text` (ESIA puts it first in `error_description`).
    pub fn find(text: &str) -> Option<EsiaCode> {
        let bytes = text.as_bytes();
        let mut from = 0;
        while let Some(at) = text[from..].find("ESIA-") {
            let start = from + at + 5;
            let digits = bytes.get(start..start + 6)?;
            let next_is_digit = bytes.get(start + 6).is_some_and(u8::is_ascii_digit);
            if digits.iter().all(u8::is_ascii_digit) && !next_is_digit {
                return std::str::from_utf8(digits).ok()?.parse().ok().map(EsiaCode);
            }
            from = start;
        }
        None
    }

    pub fn number(self) -> u32 {
        self.0
    }

    /// What the code means (the codes of the ESIA guidelines and of production logs).
    pub fn kind(self) -> ErrorKind {
        match self.0 {
            7004 => ErrorKind::Declined,
            7011 | 7015 => ErrorKind::Retry,
            7007 | 7008 => ErrorKind::Unavailable,
            7002 | 7003 | 7005 | 7006 | 7009 | 7012 | 7013 | 7014 | 7019 | 7023 | 7038 | 7053
            | 8010 => ErrorKind::Configuration,
            // Consents (ESIA-0367xx) are part of the system's registration.
            36_700..=36_799 => ErrorKind::Configuration,
            _ => ErrorKind::Other,
        }
    }
}

/// Why talking to ESIA failed. The text never contains tokens, codes or personal data.
#[derive(Debug, thiserror::Error)]
pub enum EsiaError {
    #[error(transparent)]
    Signer(#[from] SignerError),
    #[error("ESIA {step}: {source}")]
    Transport {
        step: Step,
        #[source]
        source: reqwest::Error,
    },
    #[error("ESIA {step}: HTTP {status}{}{}", code.as_ref().map(|c| format!(" ({c})")).unwrap_or_default(), esia_code.map(|c| format!(" {c}")).unwrap_or_default())]
    Status {
        step: Step,
        status: u16,
        /// ESIA's OAuth error (`error` in its JSON), when it is a short code.
        code: Option<String>,
        /// The `ESIA-NNNNNN` code of `error_description`.
        esia_code: Option<EsiaCode>,
    },
    #[error("ESIA {step}: the response is not the expected JSON ({problem})")]
    BadResponse { step: Step, problem: String },
    #[error("ESIA token response: state does not match the request")]
    StateMismatch,
    #[error("ESIA {which}: not a well-formed JWT: {problem}")]
    MalformedToken {
        which: &'static str,
        problem: &'static str,
    },
    #[error("ESIA id token: issued by another issuer (iss; expected {expected}, ESIA_ISSUER)")]
    WrongIssuer { expected: String },
    #[error("ESIA id token: issued for another client (aud)")]
    WrongAudience,
    #[error("ESIA {which}: expired")]
    Expired { which: &'static str },
    #[error("ESIA id token: not valid yet (nbf)")]
    NotYetValid,
    #[error("ESIA id token: the subject is not a person (urn:esia:sbj:typ)")]
    NotAPerson,
    #[error("ESIA tokens: no usable subject id (oid)")]
    NoSubject,
    #[error("ESIA person: the account is deleted")]
    Deleted,
}

impl EsiaError {
    /// The `ESIA-NNNNNN` code ESIA answered with, if any.
    pub fn esia_code(&self) -> Option<EsiaCode> {
        match self {
            EsiaError::Status { esia_code, .. } => *esia_code,
            _ => None,
        }
    }

    /// What the failure means: ESIA's code when it gave one, else what the failure says about us.
    pub fn kind(&self) -> ErrorKind {
        if let Some(code) = self.esia_code() {
            return code.kind();
        }
        match self {
            EsiaError::Signer(_) | EsiaError::WrongIssuer { .. } | EsiaError::WrongAudience => {
                ErrorKind::Configuration
            }
            EsiaError::Transport { .. } => ErrorKind::Unavailable,
            EsiaError::Status { status, .. } if *status >= 500 => ErrorKind::Unavailable,
            EsiaError::Status { code, .. } if code.as_deref() == Some("invalid_grant") => {
                ErrorKind::Retry
            }
            _ => ErrorKind::Other,
        }
    }
}

/// A number that ESIA has sent both as a JSON number and as a string.
fn number_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

/// The tokens of a successful exchange. ESIA's refresh token is not read: nothing would use it. `Debug`
/// shows none of them.
#[derive(Clone, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    #[serde(default)]
    pub id_token: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub token_type: Option<String>,
    /// Seconds; ESIA has sent it as a number and as a string.
    #[serde(default, deserialize_with = "number_or_string")]
    pub expires_in: Option<i64>,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("has_id_token", &self.id_token.is_some())
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

/// Who the tokens are about, from their claims.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    /// ESIA's person id: digits only.
    pub oid: String,
    /// `urn:esia:sbj:is_tru` was present: a confirmed account.
    pub is_trusted: bool,
}

/// What ESIA says alike of a person and of a kid; every field may be missing.
#[derive(Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct About {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub middle_name: Option<String>,
    /// `DD.MM.YYYY`.
    pub birth_date: Option<String>,
    /// `M` or `F`.
    pub gender: Option<String>,
}

/// `GET /rs/prns/{oid}`. Only the fields the bot uses; every one may be missing.
#[derive(Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    #[serde(flatten)]
    pub about: About,
    #[serde(default)]
    pub trusted: bool,
    pub status: Option<String>,
    #[serde(default)]
    pub verifying: bool,
}

/// A document of the person or of a kid. The OMS policy is `type = "MDCL_PLCY"`.
#[derive(Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    #[serde(default)]
    pub id: Option<Value>,
    #[serde(rename = "type", default)]
    pub kind: String,
    pub series: Option<String>,
    pub number: Option<String>,
    pub vrf_stu: Option<String>,
    pub united_number: Option<String>,
    /// The insurer (СМО): a string or an object with a name, depending on the ESIA version.
    pub issued_by: Option<Value>,
    /// The clinic the person is attached to, likewise.
    pub medical_org: Option<Value>,
}

pub const OMS_POLICY: &str = "MDCL_PLCY";

/// A child from `GET /rs/prns/{oid}/kids`, with the documents read from `/kids/{id}/docs`.
#[derive(Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Kid {
    #[serde(default)]
    pub id: Option<Value>,
    #[serde(flatten)]
    pub about: About,
    /// What `/kids` said of the documents: an embedded collection, or a link string (not embedded).
    #[serde(default)]
    pub documents: Option<Value>,
    /// The kid's documents as read (embedded ones, or those of `/kids/{id}/docs`).
    #[serde(skip)]
    pub read_documents: Vec<Document>,
}

#[derive(Clone, Deserialize)]
pub struct Elements<T> {
    #[serde(default = "Vec::new")]
    pub elements: Vec<T>,
}

impl<T> Default for Elements<T> {
    fn default() -> Self {
        Self {
            elements: Vec::new(),
        }
    }
}

crate::domain::opaque_debug!(About, Person, Document, Kid);

impl About {
    /// «Фамилия Имя Отчество», from whichever parts ESIA gave.
    pub fn full_name(&self) -> String {
        join_name(&self.last_name, &self.first_name, &self.middle_name)
    }
}

impl Person {
    pub fn full_name(&self) -> String {
        self.about.full_name()
    }
}

impl Kid {
    pub fn full_name(&self) -> String {
        self.about.full_name()
    }

    pub fn policy(&self) -> Option<&Document> {
        oms_policy(&self.read_documents)
    }

    /// The documents embedded in `/kids`, when they are objects (not a link).
    fn embedded_documents(&self) -> Vec<Document> {
        match &self.documents {
            Some(value @ Value::Object(_)) => {
                let (objects, _) = split_elements(value);
                objects
                    .into_iter()
                    .filter_map(|v| serde_json::from_value(v).ok())
                    .collect()
            }
            _ => Vec::new(),
        }
    }
}

impl Document {
    /// A name from a field that is a string or an object with a name.
    pub fn text_of(value: &Option<Value>) -> Option<String> {
        let text = match value.as_ref()? {
            Value::String(s) => s.clone(),
            Value::Object(map) => ["name", "fullName", "shortName", "title"]
                .iter()
                .find_map(|k| map.get(*k).and_then(Value::as_str))?
                .to_owned(),
            _ => return None,
        };
        let text = text.trim();
        (!text.is_empty()).then(|| text.to_owned())
    }
}

fn join_name(last: &Option<String>, first: &Option<String>, middle: &Option<String>) -> String {
    [last, first, middle]
        .iter()
        .filter_map(|p| p.as_deref().map(str::trim).filter(|p| !p.is_empty()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The OMS policy among documents: a verified one first.
pub fn oms_policy(documents: &[Document]) -> Option<&Document> {
    let policies = documents.iter().filter(|d| d.kind == OMS_POLICY);
    let mut first = None;
    for doc in policies {
        if doc.vrf_stu.as_deref() == Some("VERIFIED") {
            return Some(doc);
        }
        first.get_or_insert(doc);
    }
    first
}

/// The items of an ESIA collection (`{"elements": [...]}`): the embedded objects, and the ids of the items
/// given only as links (`".../rs/prns/1/kids/7001"` → `7001`). Links are never followed as given: only
/// their trailing numeric id is used, under ESIA's base URL, so the bearer token goes nowhere else.
fn split_elements(collection: &Value) -> (Vec<Value>, Vec<String>) {
    let mut objects = Vec::new();
    let mut links = Vec::new();
    let items = match collection {
        Value::Object(map) => map
            .get("elements")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        Value::Array(items) => items.clone(),
        _ => Vec::new(),
    };
    for item in items {
        match item {
            Value::Object(_) => objects.push(item),
            Value::String(link) => {
                let id = link.trim_end_matches('/').rsplit('/').next().unwrap_or("");
                if let Some(id) = oid_of(&Value::String(id.to_owned())) {
                    links.push(id);
                }
            }
            _ => {}
        }
    }
    (objects, links)
}

/// Everything one login tells about a person, and what it could not read.
#[derive(Clone, Debug)]
pub struct Identity {
    pub oid: String,
    /// A confirmed account: `trusted` in the person, or `is_tru` in the id token.
    pub trusted: bool,
    pub person: Person,
    pub documents: Vec<Document>,
    pub kids: Vec<Kid>,
    /// The requests that failed (or answered oddly): the login goes on without them.
    pub unread: Unread,
}

/// What ESIA put on the callback URL.
#[derive(Clone, PartialEq, Eq)]
pub enum Callback {
    /// The user logged in: exchange `code`.
    Code { code: String, state: String },
    /// ESIA reports an error: the OAuth `error`, and the `ESIA-NNNNNN` code of `error_description`.
    Error {
        error: String,
        esia_code: Option<EsiaCode>,
        state: Option<String>,
    },
    /// Neither a code nor an error: not a callback from ESIA.
    Invalid,
}

impl fmt::Debug for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Callback::Code { .. } => f.write_str("Callback::Code"),
            Callback::Error {
                error, esia_code, ..
            } => match esia_code {
                Some(code) => write!(f, "Callback::Error({error}, {code})"),
                None => write!(f, "Callback::Error({error})"),
            },
            Callback::Invalid => f.write_str("Callback::Invalid"),
        }
    }
}

impl Callback {
    pub fn from_query(query: &HashMap<String, String>) -> Callback {
        let get = |k: &str| query.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
        if let Some(error) = get("error") {
            return Callback::Error {
                error: short_code(error).unwrap_or_else(|| "unknown".to_owned()),
                esia_code: get("error_description").and_then(EsiaCode::find),
                state: get("state").map(str::to_owned),
            };
        }
        match (get("code"), get("state")) {
            (Some(code), Some(state)) => Callback::Code {
                code: code.to_owned(),
                state: state.to_owned(),
            },
            _ => Callback::Invalid,
        }
    }

    /// The state the callback carries, if any.
    pub fn state(&self) -> Option<&str> {
        match self {
            Callback::Code { state, .. } => Some(state),
            Callback::Error { state, .. } => state.as_deref(),
            Callback::Invalid => None,
        }
    }

    /// What an error callback means. ESIA sends `error=access_denied` for its own failures too
    /// (`ESIA-007053` is a wrong signature): only `ESIA-007004` is a user who declined.
    pub fn error_kind(&self) -> Option<ErrorKind> {
        match self {
            Callback::Error {
                esia_code: Some(code),
                ..
            } => Some(code.kind()),
            Callback::Error { .. } => Some(ErrorKind::Other),
            _ => None,
        }
    }

    /// The user declined on ESIA's page (`ESIA-007004`).
    pub fn is_denied(&self) -> bool {
        self.error_kind() == Some(ErrorKind::Declined)
    }
}

/// `yyyy.MM.dd HH:mm:ss Z`, e.g. `2026.11.26 14:05:09 +0000`.
pub fn timestamp(now: DateTime<Utc>) -> String {
    now.format("%Y.%m.%d %H:%M:%S %z").to_string()
}

pub struct EsiaClient {
    http: reqwest::Client,
    config: EsiaConfig,
    signer: Signer,
}

impl fmt::Debug for EsiaClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EsiaClient")
            .field("config", &self.config)
            .field("signer", &self.signer)
            .finish_non_exhaustive()
    }
}

/// The back channel's HTTP client: no redirects, short timeouts, the extra root certificates.
fn http_client(extra_ca_pem: Option<&[u8]>) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(20))
        // ESIA answers the back channel directly; a redirect there would be a misconfiguration.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("kvrachu-bot/", env!("CARGO_PKG_VERSION")));
    if let Some(pem) = extra_ca_pem {
        let certificates = reqwest::Certificate::from_pem_bundle(pem)
            .map_err(|_| "ESIA_CA_FILE: not a PEM certificate bundle".to_owned())?;
        if certificates.is_empty() {
            return Err("ESIA_CA_FILE: no certificate in the file".to_owned());
        }
        for certificate in certificates {
            builder = builder.add_root_certificate(certificate);
        }
    }
    builder
        .build()
        .map_err(|err| format!("cannot build the HTTP client: {err}"))
}

impl EsiaClient {
    /// The client; with extra root certificates that do not load, `Err` says why.
    pub fn try_new(config: EsiaConfig, signer: Signer) -> Result<EsiaClient, String> {
        let http = http_client(config.extra_ca_pem.as_deref())?;
        Ok(EsiaClient {
            http,
            config,
            signer,
        })
    }

    /// The client. Extra root certificates that do not load (checked at start, see [`Self::try_new`])
    /// are logged and left out.
    pub fn new(config: EsiaConfig, signer: Signer) -> EsiaClient {
        let http = match http_client(config.extra_ca_pem.as_deref()) {
            Ok(http) => http,
            Err(problem) => {
                tracing::error!(%problem, "the ESIA client runs without its extra root certificates");
                http_client(None).unwrap_or_default()
            }
        };
        EsiaClient {
            http,
            config,
            signer,
        }
    }

    pub fn config(&self) -> &EsiaConfig {
        &self.config
    }

    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    fn endpoint(&self, path: &str) -> String {
        format!(
            "{}/{}",
            self.config.base_url.as_str().trim_end_matches('/'),
            path
        )
    }

    /// What the «Войти через Госуслуги» button opens for the login `login` (the state the store made):
    /// `{PUBLIC_URL}/esia/start?login=…`, an opaque id and nothing personal. The bot's server signs the
    /// request to ESIA there, when the user clicks ([`Self::signed_authorization_url`]), since ESIA checks
    /// the signed timestamp when the user arrives. `_now` is kept for the callers' sake.
    pub async fn authorization_url(
        &self,
        login: &str,
        _now: DateTime<Utc>,
    ) -> Result<Url, EsiaError> {
        let mut url = self.config.start_uri.clone();
        url.query_pairs_mut().clear().append_pair("login", login);
        Ok(url)
    }

    /// Whether the login button should be a Telegram `login_url` button (which binds the browser by
    /// Telegram's login data): only for a public https domain, which must also be set as the bot's domain
    /// with @BotFather (`/setdomain`). Otherwise a plain URL button, and the login is confirmed with a code.
    pub fn telegram_login_button(&self) -> bool {
        let start = &self.config.start_uri;
        let public_domain = match start.host() {
            Some(url::Host::Domain(name)) => name != "localhost" && name.contains('.'),
            _ => false,
        };
        start.scheme() == "https" && public_domain
    }

    /// The URL of ESIA's login page for a login with `state`, signed at `now` (the click).
    pub async fn signed_authorization_url(
        &self,
        state: &str,
        now: DateTime<Utc>,
    ) -> Result<Url, EsiaError> {
        let c = &self.config;
        let timestamp = timestamp(now);
        let redirect_uri = c.redirect_uri.as_str();
        let message = format!(
            "{}{}{}{}{}",
            c.client_id, c.scopes, timestamp, state, redirect_uri
        );
        let secret = self.signer.sign(&message).await?;
        let mut url =
            Url::parse(&self.endpoint("aas/oauth2/v2/ac")).map_err(|_| EsiaError::BadResponse {
                step: Step::TokenExchange,
                problem: "ESIA_URL does not make an authorization URL".to_owned(),
            })?;
        url.query_pairs_mut()
            .append_pair("client_id", &c.client_id)
            .append_pair("client_secret", &secret)
            .append_pair("client_certificate_hash", &c.cert_hash)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", &c.scopes)
            .append_pair("response_type", "code")
            .append_pair("state", state)
            // No refresh token is asked for: nothing would use it.
            .append_pair("access_type", "online")
            .append_pair("timestamp", &timestamp);
        Ok(url)
    }

    /// Exchanges an authorization code for tokens (`grant_type=authorization_code`).
    pub async fn exchange_code(&self, code: &str, now: DateTime<Utc>) -> Result<Tokens, EsiaError> {
        let c = &self.config;
        // A new state for this request, which the response must echo.
        let state = uuid::Uuid::new_v4().to_string();
        let timestamp = timestamp(now);
        let redirect_uri = c.redirect_uri.as_str();
        let message = format!(
            "{}{}{}{}{}{}",
            c.client_id, c.scopes, timestamp, state, redirect_uri, code
        );
        let secret = self.signer.sign(&message).await?;
        let form: [(&str, &str); 10] = [
            ("client_id", &c.client_id),
            ("code", code),
            ("grant_type", "authorization_code"),
            ("client_secret", secret.as_str()),
            ("client_certificate_hash", c.cert_hash.as_str()),
            ("state", state.as_str()),
            ("redirect_uri", redirect_uri),
            ("scope", c.scopes.as_str()),
            ("timestamp", timestamp.as_str()),
            ("token_type", "Bearer"),
        ];
        let request = self
            .http
            .post(self.endpoint("aas/oauth2/v3/te"))
            .form(&form);
        let tokens: Tokens = self.send_json(Step::TokenExchange, request).await?;
        if tokens.state.as_deref() != Some(state.as_str()) {
            return Err(EsiaError::StateMismatch);
        }
        Ok(tokens)
    }

    /// Reads and checks the claims: `iss`, `aud`, `exp`/`nbf` (of both tokens), a person as subject, and
    /// the oid.
    pub fn subject(&self, tokens: &Tokens, now: DateTime<Utc>) -> Result<Subject, EsiaError> {
        let access = jwt_payload(&tokens.access_token, "access token")?;
        let id_token = tokens
            .id_token
            .as_deref()
            .ok_or(EsiaError::MalformedToken {
                which: "id token",
                problem: "missing",
            })?;
        let id = jwt_payload(id_token, "id token")?;

        let issuer = id.get("iss").and_then(Value::as_str).unwrap_or("");
        if !same_issuer(issuer, &self.config.issuer) {
            return Err(EsiaError::WrongIssuer {
                expected: self.config.issuer.clone(),
            });
        }
        let audience_matches = match id.get("aud") {
            Some(Value::String(aud)) => aud == &self.config.client_id,
            Some(Value::Array(auds)) => auds
                .iter()
                .any(|a| a.as_str() == Some(self.config.client_id.as_str())),
            _ => false,
        };
        if !audience_matches {
            return Err(EsiaError::WrongAudience);
        }
        let now = now.timestamp();
        let exp = id
            .get("exp")
            .and_then(Value::as_i64)
            .ok_or(EsiaError::MalformedToken {
                which: "id token",
                problem: "no exp",
            })?;
        if now > exp + CLOCK_LEEWAY_SECONDS {
            return Err(EsiaError::Expired { which: "id token" });
        }
        if let Some(nbf) = id.get("nbf").and_then(Value::as_i64) {
            if now + CLOCK_LEEWAY_SECONDS < nbf {
                return Err(EsiaError::NotYetValid);
            }
        }
        if let Some(exp) = access.get("exp").and_then(Value::as_i64) {
            if now > exp + CLOCK_LEEWAY_SECONDS {
                return Err(EsiaError::Expired {
                    which: "access token",
                });
            }
        }
        let sbj = id.get("urn:esia:sbj");
        if sbj
            .and_then(|s| s.get("urn:esia:sbj:typ"))
            .and_then(Value::as_str)
            != Some("P")
        {
            return Err(EsiaError::NotAPerson);
        }
        let is_trusted = sbj
            .and_then(|s| s.get("urn:esia:sbj:is_tru"))
            .is_some_and(|v| !v.is_null() && v != &Value::Bool(false));

        let oid = [
            access.get("urn:esia:sbj_id"),
            sbj.and_then(|s| s.get("urn:esia:sbj:oid")),
            id.get("sub"),
        ]
        .into_iter()
        .flatten()
        .find_map(oid_of)
        .ok_or(EsiaError::NoSubject)?;
        Ok(Subject { oid, is_trusted })
    }

    pub async fn person(&self, access_token: &str, oid: &str) -> Result<Person, EsiaError> {
        let url = self.endpoint(&format!("rs/prns/{oid}"));
        let person: Person = self
            .send_json(Step::Person, self.http.get(url).bearer_auth(access_token))
            .await?;
        if person.status.as_deref() == Some("DELETED") {
            return Err(EsiaError::Deleted);
        }
        Ok(person)
    }

    /// The items of the collection at `path` (`?embed=(elements)` is added), reading those given only as
    /// links one by one under `path/{id}`.
    async fn collection<T: DeserializeOwned>(
        &self,
        step: Step,
        access_token: &str,
        path: &str,
    ) -> Result<Vec<T>, EsiaError> {
        let url = self.endpoint(&format!("{path}?embed=(elements)"));
        let collection: Value = self
            .send_json(step, self.http.get(url).bearer_auth(access_token))
            .await?;
        if !collection.is_object() {
            return Err(EsiaError::BadResponse {
                step,
                problem: "not a JSON object".to_owned(),
            });
        }
        let (objects, links) = split_elements(&collection);
        let mut items = Vec::with_capacity(objects.len() + links.len());
        for object in objects {
            items.push(
                serde_json::from_value(object).map_err(|err| EsiaError::BadResponse {
                    step,
                    problem: format!("{:?} error in an element", err.classify()),
                })?,
            );
        }
        let linked = links.iter().take(MAX_LINKED_ITEMS).map(|id| {
            let url = self.endpoint(&format!("{path}/{id}"));
            self.send_json::<T>(step, self.http.get(url).bearer_auth(access_token))
        });
        for item in futures::future::join_all(linked).await {
            items.push(item?);
        }
        Ok(items)
    }

    /// The person's kids, as `/kids` lists them (documents not read yet: see [`Self::documents`]).
    pub async fn kids(&self, access_token: &str, oid: &str) -> Result<Vec<Kid>, EsiaError> {
        self.collection(Step::Kids, access_token, &format!("rs/prns/{oid}/kids"))
            .await
    }

    /// The documents of the person (`kid` `None`: `GET /rs/prns/{oid}/docs`) or of one of their kids
    /// (`GET /rs/prns/{oid}/kids/{kid}/docs`), `?embed=(elements)`.
    pub async fn documents(
        &self,
        access_token: &str,
        oid: &str,
        kid: Option<&str>,
    ) -> Result<Vec<Document>, EsiaError> {
        let (step, path) = match kid {
            None => (Step::Documents, format!("rs/prns/{oid}/docs")),
            Some(kid) => (Step::KidDocuments, format!("rs/prns/{oid}/kids/{kid}/docs")),
        };
        self.collection(step, access_token, &path).await
    }

    /// The whole back channel of one login: exchange `code`, check the claims, read the person, their
    /// documents and kids, and each kid's documents. Only the exchange, the claims and the person are
    /// required: a failing documents or kids request is logged and said in [`Identity::unread`].
    pub async fn identity(&self, code: &str, now: DateTime<Utc>) -> Result<Identity, EsiaError> {
        let tokens = self.exchange_code(code, now).await?;
        let subject = self.subject(&tokens, now)?;
        let access = tokens.access_token.as_str();
        let oid = subject.oid.as_str();
        let (person, documents, kids) = tokio::join!(
            self.person(access, oid),
            self.documents(access, oid, None),
            self.kids(access, oid),
        );
        let person = person?;
        let mut unread = Unread::default();
        let documents = documents.unwrap_or_else(|err| {
            tracing::warn!(error = %err, "the person's documents could not be read; linked without them");
            unread.policy = true;
            Vec::new()
        });
        let mut kids = kids.unwrap_or_else(|err| {
            tracing::warn!(error = %err, "the person's kids could not be read; linked without them");
            unread.kids = true;
            Vec::new()
        });
        let reads = kids.iter().map(|kid| async {
            let id = kid.id.as_ref().and_then(oid_of)?;
            Some(self.documents(access, oid, Some(&id)).await)
        });
        let results = futures::future::join_all(reads).await;
        for (kid, result) in kids.iter_mut().zip(results) {
            kid.read_documents = match result {
                Some(Ok(documents)) => documents,
                Some(Err(err)) => {
                    let embedded = kid.embedded_documents();
                    if embedded.is_empty() {
                        tracing::warn!(error = %err, "a kid's documents could not be read; linked without them");
                        unread.kids_policies = true;
                    }
                    embedded
                }
                None => {
                    let embedded = kid.embedded_documents();
                    if embedded.is_empty() {
                        unread.kids_policies = true;
                    }
                    embedded
                }
            };
        }
        Ok(Identity {
            trusted: person.trusted || subject.is_trusted,
            oid: subject.oid,
            person,
            documents,
            kids,
            unread,
        })
    }

    async fn send_json<T: DeserializeOwned>(
        &self,
        step: Step,
        request: reqwest::RequestBuilder,
    ) -> Result<T, EsiaError> {
        let transport = |source: reqwest::Error| EsiaError::Transport {
            step,
            source: source.without_url(),
        };
        let response = request.send().await.map_err(transport)?;
        let status = response.status();
        let body = response.bytes().await.map_err(transport)?;
        if !status.is_success() {
            let json = serde_json::from_slice::<Value>(&body).ok();
            let field = |name: &str| {
                json.as_ref()
                    .and_then(|v| v.get(name))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            };
            let code = field("error").as_deref().and_then(short_code);
            // ESIA's code is in error_description (JSON), or in a plain-text body.
            let esia_code = field("error_description")
                .as_deref()
                .and_then(EsiaCode::find)
                .or_else(|| std::str::from_utf8(&body).ok().and_then(EsiaCode::find));
            return Err(EsiaError::Status {
                step,
                status: status.as_u16(),
                code,
                esia_code,
            });
        }
        // serde's messages may quote the offending value; report only where it failed.
        serde_json::from_slice(&body).map_err(|err| EsiaError::BadResponse {
            step,
            problem: format!(
                "{:?} error at line {}, column {}",
                err.classify(),
                err.line(),
                err.column()
            ),
        })
    }
}

/// Issuers compare equal with or without a trailing slash.
fn same_issuer(got: &str, expected: &str) -> bool {
    !got.is_empty() && got.trim_end_matches('/') == expected.trim_end_matches('/')
}

/// The JSON payload of a JWT (`header.payload.signature`, base64url).
pub fn jwt_payload(token: &str, which: &'static str) -> Result<Value, EsiaError> {
    let malformed = |problem| EsiaError::MalformedToken { which, problem };
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty()) {
        return Err(malformed("not three dot-separated parts"));
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(parts[1].trim_end_matches('='))
        .map_err(|_| malformed("payload is not base64url"))?;
    let payload: Value =
        serde_json::from_slice(&bytes).map_err(|_| malformed("payload is not JSON"))?;
    if !payload.is_object() {
        return Err(malformed("payload is not a JSON object"));
    }
    Ok(payload)
}

/// An oid (or another ESIA id) is a number (or a string of digits); anything else is not used, since it
/// goes into URL paths.
pub fn oid_of(value: &Value) -> Option<String> {
    let text = match value {
        Value::Number(n) => n.as_u64()?.to_string(),
        Value::String(s) => s.trim().to_owned(),
        _ => return None,
    };
    (!text.is_empty() && text.len() <= 20 && text.bytes().all(|b| b.is_ascii_digit()))
        .then_some(text)
}

/// An error code worth logging: short and plain, so it cannot carry a token or a name.
fn short_code(raw: &str) -> Option<String> {
    let ok = !raw.is_empty()
        && raw.len() <= 64
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    ok.then(|| raw.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_timestamp_has_the_documented_format() {
        let at = Utc.with_ymd_and_hms(2026, 11, 26, 14, 5, 9).unwrap();
        assert_eq!(timestamp(at), "2026.11.26 14:05:09 +0000");
    }

    #[test]
    fn a_jwt_payload_is_base64url_json() {
        let payload = URL_SAFE_NO_PAD.encode(br#"{"a":1}"#);
        assert_eq!(
            jwt_payload(&format!("h.{payload}.s"), "id token").unwrap()["a"],
            1
        );
        for bad in ["", "a.b", "a..c", "a.!!!.c", "a.bm90IGpzb24.c", "a.WzFd.c"] {
            assert!(
                matches!(
                    jwt_payload(bad, "id token"),
                    Err(EsiaError::MalformedToken { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn esia_codes_are_found_and_told_apart() {
        let code = |t: &str| EsiaCode::find(t);
        assert_eq!(
            code("ESIA-007053: clientSecretWrong").map(|c| c.number()),
            Some(7053)
        );
        assert_eq!(
            code("x ESIA-007004 y").map(|c| c.to_string()),
            Some("ESIA-007004".into())
        );
        assert_eq!(code("ESIA-0070531"), None);
        assert_eq!(code("ESIA-70"), None);
        assert_eq!(code("no code"), None);
        let kind = |t: &str| code(t).map(EsiaCode::kind);
        assert_eq!(kind("ESIA-007004"), Some(ErrorKind::Declined));
        assert_eq!(kind("ESIA-007011"), Some(ErrorKind::Retry));
        assert_eq!(kind("ESIA-007015"), Some(ErrorKind::Retry));
        assert_eq!(kind("ESIA-007053"), Some(ErrorKind::Configuration));
        assert_eq!(kind("ESIA-007002"), Some(ErrorKind::Configuration));
        assert_eq!(kind("ESIA-007023"), Some(ErrorKind::Configuration));
        assert_eq!(kind("ESIA-007008"), Some(ErrorKind::Unavailable));
        assert_eq!(kind("ESIA-999999"), Some(ErrorKind::Other));
    }

    #[test]
    fn expires_in_is_read_as_a_number_or_a_string() {
        for body in [
            r#"{"access_token":"a","expires_in":3600}"#,
            r#"{"access_token":"a","expires_in":"3600"}"#,
        ] {
            let tokens: Tokens = serde_json::from_str(body).unwrap();
            assert_eq!(tokens.expires_in, Some(3600), "{body}");
        }
    }

    #[test]
    fn collections_give_objects_and_the_ids_of_links() {
        let (objects, links) = split_elements(&serde_json::json!({ "elements": [
            { "id": 1 },
            "https://esia.gosuslugi.ru/rs/prns/1000/kids/7001",
            "https://evil.example/steal?token=x",
            "../../etc/",
        ] }));
        assert_eq!(objects.len(), 1);
        assert_eq!(links, vec!["7001".to_owned()]);
    }

    #[test]
    fn only_a_public_https_domain_gets_a_telegram_login_button() {
        let client_at = |start: &str| {
            let url = Url::parse(start).unwrap();
            EsiaClient::new(
                EsiaConfig {
                    base_url: url.clone(),
                    client_id: "C".into(),
                    cert_hash: "H".into(),
                    scopes: "openid".into(),
                    redirect_uri: url.clone(),
                    start_uri: url,
                    issuer: "I".into(),
                    extra_ca_pem: None,
                },
                Signer::Demo,
            )
        };
        assert!(client_at("https://bot.example.ru/esia/start").telegram_login_button());
        assert!(!client_at("http://bot.example.ru/esia/start").telegram_login_button());
        assert!(!client_at("https://127.0.0.1/esia/start").telegram_login_button());
        assert!(!client_at("https://localhost/esia/start").telegram_login_button());
    }

    #[test]
    fn oids_are_digits_only() {
        assert_eq!(
            oid_of(&serde_json::json!(1000299654)),
            Some("1000299654".into())
        );
        assert_eq!(oid_of(&serde_json::json!("42")), Some("42".into()));
        assert_eq!(oid_of(&serde_json::json!("../x")), None);
        assert_eq!(oid_of(&serde_json::json!(-1)), None);
    }

    #[test]
    fn the_callback_query_is_read_without_showing_the_code() {
        let q = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<HashMap<_, _>>()
        };
        let cb = Callback::from_query(&q(&[("code", "secret-code"), ("state", "s")]));
        assert_eq!(cb.state(), Some("s"));
        assert!(!format!("{cb:?}").contains("secret"));
        let denied = Callback::from_query(&q(&[
            ("error", "access_denied"),
            ("error_description", "ESIA-007004: the user declined"),
            ("state", "s"),
        ]));
        assert!(denied.is_denied());
        assert_eq!(denied.state(), Some("s"));
        let misconfigured = Callback::from_query(&q(&[
            ("error", "access_denied"),
            (
                "error_description",
                "ESIA-007053: OAuthErrorEnum.clientSecretWrong",
            ),
            ("state", "s"),
        ]));
        assert!(!misconfigured.is_denied());
        assert_eq!(misconfigured.error_kind(), Some(ErrorKind::Configuration));
        assert_eq!(
            format!("{misconfigured:?}"),
            "Callback::Error(access_denied, ESIA-007053)"
        );
        let bare = Callback::from_query(&q(&[("error", "access_denied"), ("state", "s")]));
        assert!(!bare.is_denied(), "only ESIA-007004 is a user who declined");
        assert_eq!(
            Callback::from_query(&q(&[("code", "c")])),
            Callback::Invalid
        );
        let odd = Callback::from_query(&q(&[("error", "<script>")]));
        assert_eq!(
            odd,
            Callback::Error {
                error: "unknown".into(),
                esia_code: None,
                state: None
            }
        );
    }
}
