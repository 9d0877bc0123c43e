//! The HTTP client of ESIA as `contracts/esia.md` describes it: the authorization URL (`/aas/oauth2/v2/ac`),
//! the token exchange (`/aas/oauth2/v3/te`), the token claims and the person's data (`/rs/prns/{oid}`).
//!
//! Nothing here logs or prints tokens or personal data: errors name the step and what went wrong only.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use super::signer::{Signer, SignerError};

/// How far the clocks of ESIA and the bot may disagree when checking `exp` and `nbf`.
pub const CLOCK_LEEWAY_SECONDS: i64 = 120;

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
}

impl fmt::Debug for EsiaConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EsiaConfig")
            .field("base_url", &self.base_url.as_str())
            .field("client_id", &self.client_id)
            .field("scopes", &self.scopes)
            .field("redirect_uri", &self.redirect_uri.as_str())
            .finish_non_exhaustive()
    }
}

/// The request an error happened in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    TokenExchange,
    TokenRefresh,
    Person,
    Documents,
    Kids,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Step::TokenExchange => "token exchange",
            Step::TokenRefresh => "token refresh",
            Step::Person => "person request",
            Step::Documents => "documents request",
            Step::Kids => "kids request",
        })
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
    #[error("ESIA {step}: HTTP {status}{}", code.as_ref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Status {
        step: Step,
        status: u16,
        /// ESIA's error code (`error` in its JSON), when it is a short code.
        code: Option<String>,
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
    #[error("ESIA id token: issued for another client (aud)")]
    WrongAudience,
    #[error("ESIA id token: expired")]
    Expired,
    #[error("ESIA id token: not valid yet (nbf)")]
    NotYetValid,
    #[error("ESIA id token: the subject is not a person (urn:esia:sbj:typ)")]
    NotAPerson,
    #[error("ESIA tokens: no usable subject id (oid)")]
    NoSubject,
    #[error("ESIA person: the account is deleted")]
    Deleted,
}

/// The tokens of a successful exchange. `Debug` shows none of them.
#[derive(Clone, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    #[serde(default)]
    pub id_token: Option<String>,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub token_type: Option<String>,
    #[serde(default)]
    pub expires_in: Option<i64>,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("has_id_token", &self.id_token.is_some())
            .field("has_refresh_token", &self.refresh_token.is_some())
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

/// `GET /rs/prns/{oid}`. Only the fields the bot uses; every one may be missing.
#[derive(Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub middle_name: Option<String>,
    /// `DD.MM.YYYY`.
    pub birth_date: Option<String>,
    /// `M` or `F`.
    pub gender: Option<String>,
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

/// A child from `GET /rs/prns/{oid}/kids`.
#[derive(Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Kid {
    #[serde(default)]
    pub id: Option<Value>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub middle_name: Option<String>,
    pub birth_date: Option<String>,
    pub gender: Option<String>,
    #[serde(default)]
    pub documents: Option<Elements<Document>>,
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

// Personal data: a stray `{:?}` must not print it.
macro_rules! opaque_debug {
    ($($t:ty),*) => {$(
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($t), "(<personal data>)"))
            }
        }
    )*};
}
opaque_debug!(Person, Document, Kid);

impl Person {
    /// «Фамилия Имя Отчество», from whichever parts ESIA gave.
    pub fn full_name(&self) -> String {
        join_name(&self.last_name, &self.first_name, &self.middle_name)
    }
}

impl Kid {
    pub fn full_name(&self) -> String {
        join_name(&self.last_name, &self.first_name, &self.middle_name)
    }

    pub fn policy(&self) -> Option<&Document> {
        self.documents
            .as_ref()
            .and_then(|d| oms_policy(&d.elements))
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

/// Everything one login tells about a person.
#[derive(Clone, Debug)]
pub struct Identity {
    pub oid: String,
    /// A confirmed account: `trusted` in the person, or `is_tru` in the id token.
    pub trusted: bool,
    pub person: Person,
    pub documents: Vec<Document>,
    pub kids: Vec<Kid>,
    pub refresh_token: Option<String>,
}

/// What ESIA put on the callback URL.
#[derive(Clone, PartialEq, Eq)]
pub enum Callback {
    /// The user logged in: exchange `code`.
    Code { code: String, state: String },
    /// ESIA reports an error (`access_denied` when the user declined).
    Error {
        error: String,
        state: Option<String>,
    },
    /// Neither a code nor an error: not a callback from ESIA.
    Invalid,
}

impl fmt::Debug for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Callback::Code { .. } => f.write_str("Callback::Code"),
            Callback::Error { error, .. } => write!(f, "Callback::Error({error})"),
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

    pub fn is_denied(&self) -> bool {
        matches!(self, Callback::Error { error, .. } if error == "access_denied")
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

impl EsiaClient {
    pub fn new(config: EsiaConfig, signer: Signer) -> EsiaClient {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            // ESIA answers the back channel directly; a redirect there would be a misconfiguration.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("kvrachu-bot/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client builds with static settings");
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

    /// The URL of ESIA's login page for a login with `state`, signed at `now`.
    pub async fn authorization_url(
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
        let mut url = Url::parse(&self.endpoint("aas/oauth2/v2/ac"))
            .expect("the ESIA base URL was a valid URL");
        url.query_pairs_mut()
            .append_pair("client_id", &c.client_id)
            .append_pair("client_secret", &secret)
            .append_pair("client_certificate_hash", &c.cert_hash)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", &c.scopes)
            .append_pair("response_type", "code")
            .append_pair("state", state)
            .append_pair("access_type", "offline")
            .append_pair("timestamp", &timestamp);
        Ok(url)
    }

    /// Exchanges an authorization code for tokens (`grant_type=authorization_code`).
    pub async fn exchange_code(&self, code: &str, now: DateTime<Utc>) -> Result<Tokens, EsiaError> {
        self.token_request(Grant::Code(code), now).await
    }

    /// New tokens for a refresh token (`grant_type=refresh_token`), signed without a code.
    pub async fn refresh(
        &self,
        refresh_token: &str,
        now: DateTime<Utc>,
    ) -> Result<Tokens, EsiaError> {
        self.token_request(Grant::Refresh(refresh_token), now).await
    }

    async fn token_request(
        &self,
        grant: Grant<'_>,
        now: DateTime<Utc>,
    ) -> Result<Tokens, EsiaError> {
        let c = &self.config;
        let step = match grant {
            Grant::Code(_) => Step::TokenExchange,
            Grant::Refresh(_) => Step::TokenRefresh,
        };
        // A new state for this request, which the response must echo.
        let state = uuid::Uuid::new_v4().to_string();
        let timestamp = timestamp(now);
        let redirect_uri = c.redirect_uri.as_str();
        let mut message = format!(
            "{}{}{}{}{}",
            c.client_id, c.scopes, timestamp, state, redirect_uri
        );
        if let Grant::Code(code) = grant {
            message.push_str(code);
        }
        let secret = self.signer.sign(&message).await?;
        let mut form: Vec<(&str, &str)> = vec![("client_id", &c.client_id)];
        match grant {
            Grant::Code(code) => {
                form.push(("code", code));
                form.push(("grant_type", "authorization_code"));
            }
            Grant::Refresh(token) => {
                form.push(("refresh_token", token));
                form.push(("grant_type", "refresh_token"));
            }
        }
        form.extend([
            ("client_secret", secret.as_str()),
            ("client_certificate_hash", c.cert_hash.as_str()),
            ("state", state.as_str()),
            ("redirect_uri", redirect_uri),
            ("scope", c.scopes.as_str()),
            ("timestamp", timestamp.as_str()),
            ("token_type", "Bearer"),
        ]);
        let request = self
            .http
            .post(self.endpoint("aas/oauth2/v3/te"))
            .form(&form);
        let tokens: Tokens = self.send_json(step, request).await?;
        if tokens.state.as_deref() != Some(state.as_str()) {
            return Err(EsiaError::StateMismatch);
        }
        Ok(tokens)
    }

    /// Reads and checks the claims: `aud`, `exp`/`nbf`, a person as subject, and the oid.
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
            return Err(EsiaError::Expired);
        }
        if let Some(nbf) = id.get("nbf").and_then(Value::as_i64) {
            if now + CLOCK_LEEWAY_SECONDS < nbf {
                return Err(EsiaError::NotYetValid);
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

    pub async fn documents(
        &self,
        access_token: &str,
        oid: &str,
    ) -> Result<Vec<Document>, EsiaError> {
        let url = self.endpoint(&format!("rs/prns/{oid}/docs?embed=(elements)"));
        let docs: Elements<Document> = self
            .send_json(
                Step::Documents,
                self.http.get(url).bearer_auth(access_token),
            )
            .await?;
        Ok(docs.elements)
    }

    pub async fn kids(&self, access_token: &str, oid: &str) -> Result<Vec<Kid>, EsiaError> {
        let url = self.endpoint(&format!("rs/prns/{oid}/kids?embed=(elements)"));
        let kids: Elements<Kid> = self
            .send_json(Step::Kids, self.http.get(url).bearer_auth(access_token))
            .await?;
        Ok(kids.elements)
    }

    /// The whole back channel of one login: exchange `code`, check the claims, read the person, their
    /// documents and kids.
    pub async fn identity(&self, code: &str, now: DateTime<Utc>) -> Result<Identity, EsiaError> {
        let tokens = self.exchange_code(code, now).await?;
        let subject = self.subject(&tokens, now)?;
        let access = tokens.access_token.as_str();
        let (person, documents, kids) = tokio::try_join!(
            self.person(access, &subject.oid),
            self.documents(access, &subject.oid),
            self.kids(access, &subject.oid),
        )?;
        Ok(Identity {
            trusted: person.trusted || subject.is_trusted,
            oid: subject.oid,
            person,
            documents,
            kids,
            refresh_token: tokens.refresh_token,
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
            let code = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v.get("error").and_then(Value::as_str).and_then(short_code));
            return Err(EsiaError::Status {
                step,
                status: status.as_u16(),
                code,
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

#[derive(Clone, Copy)]
enum Grant<'a> {
    Code(&'a str),
    Refresh(&'a str),
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

/// An oid is a number (or a string of digits); anything else is not used, since it goes into URL paths.
fn oid_of(value: &Value) -> Option<String> {
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
            ("error_description", "the user declined"),
            ("state", "s"),
        ]));
        assert!(denied.is_denied());
        assert_eq!(denied.state(), Some("s"));
        assert_eq!(
            Callback::from_query(&q(&[("code", "c")])),
            Callback::Invalid
        );
        let odd = Callback::from_query(&q(&[("error", "<script>")]));
        assert_eq!(
            odd,
            Callback::Error {
                error: "unknown".into(),
                state: None
            }
        );
    }
}
