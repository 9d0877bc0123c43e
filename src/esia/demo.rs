//! The demo identity provider (`ESIA_URL=demo`): the ESIA endpoints the bot uses, served by the bot's own
//! HTTP server under [`DEMO_PATH`](super::DEMO_PATH), so the real client is exercised end to end.
//!
//! It checks requests the way ESIA would (client id, certificate hash, the signed `client_secret` — made by
//! the demo signer — the timestamp, the code, the bearer token) and offers test persons on a login page.
//! It keeps no state: codes and tokens are signed with the demo key and carry what they stand for, so any
//! instance of the bot can answer any step. Unlike the real ESIA, a code may be exchanged more than once
//! within its five minutes; the bot's own login state is single use regardless.

use std::collections::HashMap;

use axum::extract::{Path, Query};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Months, NaiveDate, Utc};
use serde_json::{json, Value};
use url::Url;

use super::signer::{demo_signature, demo_verify};
use super::{DEMO_CERT_HASH, DEMO_CLIENT_ID};
use crate::i18n::{escape_html, Lang};
use crate::t;
use crate::web::{lang_from_headers, page};

const CODE_TTL_SECONDS: i64 = 5 * 60;
const TOKEN_TTL_SECONDS: i64 = 60 * 60;

/// A test person of the demo provider.
struct DemoPerson {
    oid: u64,
    first_name: &'static str,
    last_name: &'static str,
    middle_name: Option<&'static str>,
    /// Fixed, or `None` with `age` giving a date that keeps the age true as years pass.
    birth_date: Option<&'static str>,
    age: Option<u32>,
    gender: &'static str,
    trusted: bool,
    policy: Option<Value>,
    kids: Vec<Value>,
}

pub const CONFIRMED_OID: u64 = 1_000_000_001;
pub const STANDARD_OID: u64 = 1_000_000_002;
pub const SIMPLIFIED_OID: u64 = 1_000_000_003;
pub const TEENAGER_OID: u64 = 1_000_000_004;

/// A birth date that makes someone `age` full years old on `today` (a month past their birthday).
fn born_years_ago(today: NaiveDate, age: u32) -> String {
    today
        .checked_sub_months(Months::new(age * 12 + 1))
        .unwrap_or(today)
        .format("%d.%m.%Y")
        .to_string()
}

fn persons(today: NaiveDate) -> Vec<DemoPerson> {
    vec![
        DemoPerson {
            oid: CONFIRMED_OID,
            first_name: "Анна",
            last_name: "Иванова",
            middle_name: Some("Сергеевна"),
            birth_date: Some("12.03.1988"),
            age: None,
            gender: "F",
            trusted: true,
            policy: Some(json!({
                "id": 5001, "type": "MDCL_PLCY", "number": "3841500000012340", "vrfStu": "VERIFIED",
                "issuedBy": "ИРКУТСКИЙ ФИЛИАЛ АО \"СТРАХОВАЯ КОМПАНИЯ СОГАЗ-МЕД\"",
                "medicalOrg": { "name": "ОГАУЗ «Иркутская городская поликлиника № 1» (демо)" }
            })),
            kids: vec![
                json!({
                    "id": 7001, "firstName": "Мария", "lastName": "Иванова", "middleName": "Ивановна",
                    "birthDate": born_years_ago(today, 10), "gender": "F",
                    "documents": { "elements": [
                        { "id": 7101, "type": "MDCL_PLCY", "number": "3841500000000022", "vrfStu": "VERIFIED" }
                    ] }
                }),
                json!({
                    "id": 7002, "firstName": "Пётр", "lastName": "Иванов", "middleName": "Иванович",
                    "birthDate": born_years_ago(today, 4), "gender": "M",
                    "documents": { "elements": [] }
                }),
            ],
        },
        DemoPerson {
            oid: STANDARD_OID,
            first_name: "Пётр",
            last_name: "Петров",
            middle_name: Some("Петрович"),
            birth_date: Some("05.07.1975"),
            age: None,
            gender: "M",
            trusted: false,
            policy: Some(json!({
                "id": 5002, "type": "MDCL_PLCY", "series": "ИРК", "number": "123456789",
                "vrfStu": "NOT_VERIFIED"
            })),
            kids: vec![],
        },
        DemoPerson {
            oid: SIMPLIFIED_OID,
            first_name: "Светлана",
            last_name: "Сидорова",
            middle_name: None,
            birth_date: None,
            age: None,
            gender: "F",
            trusted: false,
            policy: None,
            kids: vec![],
        },
        DemoPerson {
            oid: TEENAGER_OID,
            first_name: "Илья",
            last_name: "Кузнецов",
            middle_name: Some("Андреевич"),
            birth_date: None,
            age: Some(13),
            gender: "M",
            trusted: true,
            policy: Some(json!({
                "id": 5004, "type": "MDCL_PLCY", "number": "3841500000000014", "vrfStu": "VERIFIED"
            })),
            kids: vec![],
        },
    ]
}

impl DemoPerson {
    fn label(&self, lang: Lang) -> (String, String) {
        let name = [
            Some(self.last_name),
            Some(self.first_name),
            self.middle_name,
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        let about = match self.oid {
            CONFIRMED_OID => t!(lang, "demo-person-confirmed"),
            STANDARD_OID => t!(lang, "demo-person-standard"),
            SIMPLIFIED_OID => t!(lang, "demo-person-simplified"),
            _ => t!(lang, "demo-person-teenager"),
        };
        (name, about)
    }

    fn json(&self, today: NaiveDate) -> Value {
        let mut person = json!({
            "firstName": self.first_name,
            "lastName": self.last_name,
            "gender": self.gender,
            "trusted": self.trusted,
            "status": "REGISTERED",
            "verifying": false,
        });
        if let Some(middle) = self.middle_name {
            person["middleName"] = json!(middle);
        }
        let birth = match (self.birth_date, self.age) {
            (Some(date), _) => Some(date.to_owned()),
            (None, Some(age)) => Some(born_years_ago(today, age)),
            (None, None) => None,
        };
        if let Some(birth) = birth {
            person["birthDate"] = json!(birth);
        }
        person
    }
}

pub fn router() -> Router {
    Router::new()
        .route("/aas/oauth2/v2/ac", get(login_page).post(login_choice))
        .route("/aas/oauth2/v3/te", axum::routing::post(token))
        .route("/rs/prns/{oid}", get(person))
        .route("/rs/prns/{oid}/docs", get(documents))
        .route("/rs/prns/{oid}/kids", get(kids))
}

/// The test persons as the login page offers them: oid, name and a word about the account, in `lang`.
pub fn test_persons(lang: Lang) -> Vec<(u64, String, String)> {
    persons(today())
        .iter()
        .map(|person| {
            let (name, about) = person.label(lang);
            (person.oid, name, about)
        })
        .collect()
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// The parameters of `/v2/ac` after the checks ESIA makes.
struct AuthRequest {
    redirect_uri: Url,
    state: String,
}

const AUTH_PARAMS: [&str; 9] = [
    "client_id",
    "client_secret",
    "client_certificate_hash",
    "redirect_uri",
    "scope",
    "response_type",
    "state",
    "access_type",
    "timestamp",
];

fn parse_timestamp(raw: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_str(raw, "%Y.%m.%d %H:%M:%S %z")
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The common checks of both endpoints: client, certificate, state, timestamp, redirect URI.
fn check_client(p: &HashMap<String, String>) -> Result<(Url, String), &'static str> {
    let get = |k: &str| p.get(k).map(String::as_str).unwrap_or("");
    if get("client_id") != DEMO_CLIENT_ID {
        return Err("unknown client_id");
    }
    if !get("client_certificate_hash").eq_ignore_ascii_case(DEMO_CERT_HASH) {
        return Err("wrong client_certificate_hash");
    }
    if uuid::Uuid::parse_str(get("state")).is_err() {
        return Err("state is not a UUID");
    }
    let stamp =
        parse_timestamp(get("timestamp")).ok_or("timestamp is not yyyy.MM.dd HH:mm:ss Z")?;
    if (Utc::now() - stamp).num_seconds().abs() > 3600 {
        return Err("timestamp is more than an hour off");
    }
    let redirect = Url::parse(get("redirect_uri")).map_err(|_| "redirect_uri is not a URL")?;
    if !matches!(redirect.scheme(), "http" | "https") {
        return Err("redirect_uri is not http(s)");
    }
    if !get("scope").split(' ').any(|s| s == "openid") {
        return Err("scope lacks openid");
    }
    Ok((redirect, get("state").to_owned()))
}

fn check_authorization(p: &HashMap<String, String>) -> Result<AuthRequest, &'static str> {
    let get = |k: &str| p.get(k).map(String::as_str).unwrap_or("");
    let (redirect_uri, state) = check_client(p)?;
    if get("response_type") != "code" {
        return Err("response_type must be code");
    }
    if !matches!(get("access_type"), "offline" | "online") {
        return Err("access_type must be offline or online");
    }
    let message = format!(
        "{}{}{}{}{}",
        get("client_id"),
        get("scope"),
        get("timestamp"),
        get("state"),
        get("redirect_uri")
    );
    if !demo_verify(&message, get("client_secret")) {
        return Err("client_secret is not a valid signature");
    }
    Ok(AuthRequest {
        redirect_uri,
        state,
    })
}

fn bad_request(lang: Lang, problem: &str) -> Response {
    let body = format!(
        "<p>{}</p><p><code>{}</code></p>",
        t!(lang, "demo-bad-request"),
        escape_html(problem)
    );
    (
        StatusCode::BAD_REQUEST,
        Html(page(lang, &t!(lang, "demo-title"), &body)),
    )
        .into_response()
}

/// The login page: one button per test person, and a way to decline.
async fn login_page(headers: HeaderMap, Query(p): Query<HashMap<String, String>>) -> Response {
    let lang = lang_from_headers(&headers);
    if let Err(problem) = check_authorization(&p) {
        return bad_request(lang, problem);
    }
    let hidden: String = AUTH_PARAMS
        .iter()
        .map(|k| {
            format!(
                r#"<input type="hidden" name="{k}" value="{}">"#,
                escape_html(p.get(*k).map(String::as_str).unwrap_or(""))
            )
        })
        .collect();
    let buttons: String = persons(today())
        .iter()
        .map(|person| {
            let (name, about) = person.label(lang);
            format!(
                r#"<button class="person" type="submit" name="person" value="{}"><b>{}</b><small>{}</small></button>"#,
                person.oid,
                escape_html(&name),
                escape_html(&about)
            )
        })
        .collect();
    let body = format!(
        r#"<h1>{title}</h1><p class="badge">{badge}</p><p>{intro}</p><form method="post" action="ac">{hidden}{buttons}<button class="secondary" type="submit" name="decline" value="1">{decline}</button></form>"#,
        title = t!(lang, "demo-title"),
        badge = t!(lang, "demo-badge-page"),
        intro = t!(lang, "demo-intro"),
        decline = t!(lang, "demo-decline"),
    );
    Html(page(lang, &t!(lang, "demo-title"), &body)).into_response()
}

/// A choice on the login page: back to the bot with a code, or with `error=access_denied`.
async fn login_choice(headers: HeaderMap, Form(p): Form<HashMap<String, String>>) -> Response {
    let lang = lang_from_headers(&headers);
    let request = match check_authorization(&p) {
        Ok(request) => request,
        Err(problem) => return bad_request(lang, problem),
    };
    let mut target = request.redirect_uri.clone();
    if p.contains_key("decline") {
        target
            .query_pairs_mut()
            .append_pair("error", "access_denied")
            .append_pair("error_description", "The user declined")
            .append_pair("state", &request.state);
        return Redirect::to(target.as_str()).into_response();
    }
    let oid = p
        .get("person")
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|oid| persons(today()).iter().any(|person| person.oid == *oid));
    let Some(oid) = oid else {
        return bad_request(lang, "unknown test person");
    };
    let code = sign_blob(&json!({
        "kind": "code",
        "oid": oid,
        "redirect_uri": request.redirect_uri.as_str(),
        "exp": Utc::now().timestamp() + CODE_TTL_SECONDS,
        "nonce": uuid::Uuid::new_v4().simple().to_string(),
    }));
    target
        .query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &request.state);
    Redirect::to(target.as_str()).into_response()
}

/// `payload.signature`, both base64url: the demo's codes and refresh tokens.
fn sign_blob(payload: &Value) -> String {
    let body = URL_SAFE_NO_PAD.encode(payload.to_string());
    let signature = demo_signature(&body);
    format!("{body}.{signature}")
}

fn open_blob(blob: &str, kind: &str) -> Option<Value> {
    let (body, signature) = blob.split_once('.')?;
    if !demo_verify(body, signature) {
        return None;
    }
    let value: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).ok()?).ok()?;
    let fresh = value["exp"].as_i64()? >= Utc::now().timestamp();
    (value["kind"] == kind && fresh).then_some(value)
}

/// A JWT signed with the demo key (HS256 over `header.payload`).
fn jwt(payload: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT","sbt":"demo"}"#);
    let body = URL_SAFE_NO_PAD.encode(payload.to_string());
    let signature = demo_signature(&format!("{header}.{body}"));
    format!("{header}.{body}.{signature}")
}

fn token_error(error: &str, description: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

/// `POST /aas/oauth2/v3/te`.
async fn token(Form(p): Form<HashMap<String, String>>) -> Response {
    let get = |k: &str| p.get(k).map(String::as_str).unwrap_or("");
    if let Err(problem) = check_client(&p) {
        return token_error("invalid_request", problem);
    }
    if get("token_type") != "Bearer" {
        return token_error("invalid_request", "token_type must be Bearer");
    }
    let base = format!(
        "{}{}{}{}{}",
        get("client_id"),
        get("scope"),
        get("timestamp"),
        get("state"),
        get("redirect_uri")
    );
    let oid = match get("grant_type") {
        "authorization_code" => {
            let Some(code) = open_blob(get("code"), "code") else {
                return token_error("invalid_grant", "the code is unknown or expired");
            };
            if code["redirect_uri"].as_str() != Some(get("redirect_uri")) {
                return token_error("invalid_grant", "redirect_uri differs from the login's");
            }
            if !demo_verify(&format!("{base}{}", get("code")), get("client_secret")) {
                return token_error("invalid_client", "client_secret is not a valid signature");
            }
            code["oid"].as_u64()
        }
        "refresh_token" => {
            let Some(refresh) = open_blob(get("refresh_token"), "refresh") else {
                return token_error("invalid_grant", "the refresh token is unknown or expired");
            };
            if !demo_verify(&base, get("client_secret")) {
                return token_error("invalid_client", "client_secret is not a valid signature");
            }
            refresh["oid"].as_u64()
        }
        _ => return token_error("unsupported_grant_type", "unsupported grant_type"),
    };
    let Some(person) = oid.and_then(|oid| persons(today()).into_iter().find(|p| p.oid == oid))
    else {
        return token_error("invalid_grant", "unknown person");
    };
    let now = Utc::now().timestamp();
    let mut sbj = json!({ "urn:esia:sbj:typ": "P", "urn:esia:sbj:oid": person.oid });
    if person.trusted {
        sbj["urn:esia:sbj:is_tru"] = json!(true);
    }
    let id_token = jwt(&json!({
        "iss": "http://esia-demo.kvrachu.local/",
        "aud": DEMO_CLIENT_ID,
        "sub": person.oid,
        "iat": now, "nbf": now, "exp": now + TOKEN_TTL_SECONDS,
        "urn:esia:sbj": sbj,
    }));
    let access_token = jwt(&json!({
        "iss": "http://esia-demo.kvrachu.local/",
        "client_id": DEMO_CLIENT_ID,
        "urn:esia:sbj_id": person.oid,
        "scope": get("scope"),
        "iat": now, "nbf": now, "exp": now + TOKEN_TTL_SECONDS,
    }));
    let refresh_token = sign_blob(&json!({
        "kind": "refresh", "oid": person.oid, "exp": now + 30 * 86_400,
        "nonce": uuid::Uuid::new_v4().simple().to_string(),
    }));
    Json(json!({
        "access_token": access_token,
        "id_token": id_token,
        "refresh_token": refresh_token,
        "state": get("state"),
        "token_type": "Bearer",
        "expires_in": TOKEN_TTL_SECONDS,
    }))
    .into_response()
}

/// Why a resource request is refused: status and ESIA-style error code.
type Refusal = (StatusCode, &'static str);

fn refused((status, error): Refusal) -> Response {
    (status, Json(json!({ "error": error }))).into_response()
}

/// The person a bearer token may read: the token must be the demo's, fresh, and about `oid`.
fn authorized(headers: &HeaderMap, oid: &str) -> Result<DemoPerson, Refusal> {
    const UNAUTHORIZED: Refusal = (StatusCode::UNAUTHORIZED, "invalid_token");
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(UNAUTHORIZED)?;
    let (signed, signature) = token.rsplit_once('.').ok_or(UNAUTHORIZED)?;
    if !demo_verify(signed, signature) {
        return Err(UNAUTHORIZED);
    }
    let payload = super::client::jwt_payload(token, "access token").map_err(|_| UNAUTHORIZED)?;
    let fresh = payload["exp"]
        .as_i64()
        .is_some_and(|exp| exp >= Utc::now().timestamp());
    let subject = payload["urn:esia:sbj_id"].as_u64().map(|o| o.to_string());
    if !fresh || subject.as_deref() != Some(oid) {
        return Err(UNAUTHORIZED);
    }
    persons(today())
        .into_iter()
        .find(|p| p.oid.to_string() == oid)
        .ok_or((StatusCode::NOT_FOUND, "not_found"))
}

async fn person(headers: HeaderMap, Path(oid): Path<String>) -> Response {
    match authorized(&headers, &oid) {
        Ok(person) => Json(person.json(today())).into_response(),
        Err(refusal) => refused(refusal),
    }
}

async fn documents(headers: HeaderMap, Path(oid): Path<String>) -> Response {
    match authorized(&headers, &oid) {
        Ok(person) => Json(json!({ "elements": person.policy.into_iter().collect::<Vec<_>>() }))
            .into_response(),
        Err(refusal) => refused(refusal),
    }
}

async fn kids(headers: HeaderMap, Path(oid): Path<String>) -> Response {
    match authorized(&headers, &oid) {
        Ok(person) => Json(json!({ "elements": person.kids })).into_response(),
        Err(refusal) => refused(refusal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_teenager_stays_thirteen_and_the_kids_stay_under_fourteen() {
        for today in ["2026-11-27", "2030-02-28", "2032-03-01"] {
            let today: NaiveDate = today.parse().unwrap();
            let age = |d: &str| {
                crate::domain::BirthDate::from_esia(d)
                    .unwrap()
                    .age_on(today)
            };
            assert_eq!(age(&born_years_ago(today, 13)), 13);
            assert_eq!(age(&born_years_ago(today, 10)), 10);
        }
    }

    #[test]
    fn blobs_open_only_with_their_kind_and_signature() {
        let exp = Utc::now().timestamp() + 60;
        let blob = sign_blob(&json!({ "kind": "code", "oid": 1, "exp": exp }));
        assert_eq!(open_blob(&blob, "code").unwrap()["oid"], 1);
        assert!(open_blob(&blob, "refresh").is_none());
        let forged = format!("{}x", blob);
        assert!(open_blob(&forged, "code").is_none());
        let old = sign_blob(&json!({ "kind": "code", "oid": 1, "exp": 0 }));
        assert!(open_blob(&old, "code").is_none());
    }
}
