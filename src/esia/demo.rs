//! The demo identity provider (`ESIA_URL=demo`): the ESIA endpoints the bot uses, served by the bot's own
//! HTTP server under [`DEMO_PATH`](super::DEMO_PATH), so the real client is exercised end to end.
//!
//! It checks requests the way ESIA would (client id, certificate hash, the signed `client_secret` — made by
//! the demo signer — the timestamp, the code, the bearer token) and offers test persons on a login page.
//! It answers like the real ESIA where the bot must cope with it: errors as `ESIA-NNNNNN` codes in
//! `error_description` (a wrong signature comes back to the callback as `error=access_denied` with
//! `ESIA-007053`, a declined login with `ESIA-007004`), `expires_in` as a string, and kids whose documents
//! are a link to `/kids/{id}/docs` rather than embedded. It sends browsers only to the bot's own callback:
//! any other `redirect_uri` is refused (ESIA-007023), so it is not an open redirect.
//!
//! It keeps no state: codes and tokens are signed with the demo key and carry what they stand for, so any
//! instance of the bot can answer any step. Unlike the real ESIA, a code may be exchanged more than once
//! within its five minutes; the bot's own login state is single use regardless.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
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
use super::{DEMO_CERT_HASH, DEMO_CLIENT_ID, DEMO_ISSUER};
use crate::i18n::{escape_html, Lang};
use crate::t;
use crate::web::{page, BrowserLang};

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
                    "docs": [
                        { "id": 7101, "type": "MDCL_PLCY", "number": "3841500000000022", "vrfStu": "VERIFIED" }
                    ]
                }),
                json!({
                    "id": 7002, "firstName": "Пётр", "lastName": "Иванов", "middleName": "Иванович",
                    "birthDate": born_years_ago(today, 4), "gender": "M",
                    "docs": []
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

/// The demo provider, which sends browsers back only to `callback` (the bot's own `/esia/callback`).
pub fn router(callback: Url) -> Router {
    Router::new()
        .route("/aas/oauth2/v2/ac", get(login_page).post(login_choice))
        .route("/aas/oauth2/v3/te", axum::routing::post(token))
        .route("/rs/prns/{oid}", get(person))
        .route("/rs/prns/{oid}/docs", get(documents))
        .route("/rs/prns/{oid}/kids", get(kids))
        .route("/rs/prns/{oid}/kids/{kid}/docs", get(kid_documents))
        .with_state(Demo { callback })
}

/// What the demo provider knows of the bot: where its callback is.
#[derive(Clone)]
struct Demo {
    callback: Url,
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

/// How long a signed timestamp stays acceptable (ESIA answers `ESIA-007015` beyond it).
const TIMESTAMP_SKEW_SECONDS: i64 = 5 * 60;

/// A refused request: ESIA's error, and the `ESIA-NNNNNN` description it puts in `error_description`.
type Problem = (&'static str, &'static str);

const WRONG_REDIRECT: Problem = (
    "invalid_request",
    "ESIA-007023: redirect_uri is not among the system's allowed addresses",
);
const WRONG_SECRET: Problem = (
    "access_denied",
    "ESIA-007053: OAuthErrorEnum.clientSecretWrong (client_secret is not a valid signature)",
);

/// The common checks of both endpoints: redirect URI (first: only then may the browser be sent back),
/// client, certificate, state, timestamp.
fn check_client(demo: &Demo, p: &HashMap<String, String>) -> Result<(Url, String), Problem> {
    let get = |k: &str| p.get(k).map(String::as_str).unwrap_or("");
    let redirect = Url::parse(get("redirect_uri")).map_err(|_| WRONG_REDIRECT)?;
    if redirect != demo.callback {
        return Err(WRONG_REDIRECT);
    }
    if get("client_id") != DEMO_CLIENT_ID {
        return Err((
            "invalid_client",
            "ESIA-007002: unknown client_id or no certificate for it",
        ));
    }
    if !get("client_certificate_hash").eq_ignore_ascii_case(DEMO_CERT_HASH) {
        return Err(WRONG_SECRET);
    }
    if uuid::Uuid::parse_str(get("state")).is_err() {
        return Err(("invalid_request", "ESIA-007003: state is not a UUID"));
    }
    let stamp = parse_timestamp(get("timestamp")).ok_or((
        "invalid_request",
        "ESIA-007003: timestamp is not yyyy.MM.dd HH:mm:ss Z",
    ))?;
    if (Utc::now() - stamp).num_seconds().abs() > TIMESTAMP_SKEW_SECONDS {
        return Err(("invalid_request", "ESIA-007015: wrong request time"));
    }
    if !get("scope").split(' ').any(|s| s == "openid") {
        return Err(("invalid_scope", "ESIA-007006: scope lacks openid"));
    }
    Ok((redirect, get("state").to_owned()))
}

/// The request's redirect URI and state when the redirect URI is the bot's own (errors may be sent there).
fn known_callback(demo: &Demo, p: &HashMap<String, String>) -> Option<(Url, String)> {
    let redirect = Url::parse(p.get("redirect_uri")?).ok()?;
    let state = p.get("state")?.clone();
    (redirect == demo.callback && uuid::Uuid::parse_str(&state).is_ok())
        .then_some((redirect, state))
}

fn check_authorization(demo: &Demo, p: &HashMap<String, String>) -> Result<AuthRequest, Problem> {
    let get = |k: &str| p.get(k).map(String::as_str).unwrap_or("");
    let (redirect_uri, state) = check_client(demo, p)?;
    if get("response_type") != "code" {
        return Err((
            "unsupported_response_type",
            "ESIA-007003: response_type must be code",
        ));
    }
    if !matches!(get("access_type"), "offline" | "online") {
        return Err((
            "invalid_request",
            "ESIA-007003: access_type must be offline or online",
        ));
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
        return Err(WRONG_SECRET);
    }
    Ok(AuthRequest {
        redirect_uri,
        state,
    })
}

/// A refused login request, as ESIA answers it: back to the bot's callback with the error (when the
/// redirect URI is the bot's own), else a page.
fn refuse_login(
    demo: &Demo,
    lang: Lang,
    p: &HashMap<String, String>,
    problem: Problem,
) -> Response {
    match known_callback(demo, p) {
        Some((mut target, state)) => {
            target
                .query_pairs_mut()
                .append_pair("error", problem.0)
                .append_pair("error_description", problem.1)
                .append_pair("state", &state);
            Redirect::to(target.as_str()).into_response()
        }
        None => bad_request(lang, problem.1),
    }
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
async fn login_page(
    State(demo): State<Demo>,
    BrowserLang(lang): BrowserLang,
    Query(p): Query<HashMap<String, String>>,
) -> Response {
    if let Err(problem) = check_authorization(&demo, &p) {
        return refuse_login(&demo, lang, &p, problem);
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

/// A choice on the login page: back to the bot with a code, or with `ESIA-007004` (declined). The form
/// carries the request's parameters, or they stay in the URL (the demo's login in the chat resends its
/// form to the signed URL).
async fn login_choice(
    State(demo): State<Demo>,
    BrowserLang(lang): BrowserLang,
    Query(query): Query<HashMap<String, String>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut p = query;
    p.extend(form);
    let request = match check_authorization(&demo, &p) {
        Ok(request) => request,
        Err(problem) => return refuse_login(&demo, lang, &p, problem),
    };
    let mut target = request.redirect_uri.clone();
    if p.contains_key("decline") {
        target
            .query_pairs_mut()
            .append_pair("error", "access_denied")
            .append_pair(
                "error_description",
                "ESIA-007004: the resource owner or authorization server denied the request",
            )
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
async fn token(State(demo): State<Demo>, Form(p): Form<HashMap<String, String>>) -> Response {
    let get = |k: &str| p.get(k).map(String::as_str).unwrap_or("");
    if let Err((error, description)) = check_client(&demo, &p) {
        return token_error(error, description);
    }
    if get("token_type") != "Bearer" {
        return token_error("invalid_request", "ESIA-007003: token_type must be Bearer");
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
                return token_error(
                    "invalid_grant",
                    "ESIA-007011: the authorization code is invalid or expired",
                );
            };
            if code["redirect_uri"].as_str() != Some(get("redirect_uri")) {
                return token_error(
                    "invalid_grant",
                    "ESIA-007011: redirect_uri differs from the login's",
                );
            }
            if !demo_verify(&format!("{base}{}", get("code")), get("client_secret")) {
                return token_error(WRONG_SECRET.0, WRONG_SECRET.1);
            }
            code["oid"].as_u64()
        }
        _ => {
            return token_error(
                "unsupported_grant_type",
                "ESIA-007005: this grant_type is not allowed for the system",
            )
        }
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
        "iss": DEMO_ISSUER,
        "aud": DEMO_CLIENT_ID,
        "sub": person.oid,
        "iat": now, "nbf": now, "exp": now + TOKEN_TTL_SECONDS,
        "urn:esia:sbj": sbj,
    }));
    let access_token = jwt(&json!({
        "iss": DEMO_ISSUER,
        "client_id": DEMO_CLIENT_ID,
        "urn:esia:sbj_id": person.oid,
        "scope": get("scope"),
        "iat": now, "nbf": now, "exp": now + TOKEN_TTL_SECONDS,
    }));
    // No refresh token: the bot asks for none (access_type=online). `expires_in` as a string, as ESIA
    // has sent it.
    Json(json!({
        "access_token": access_token,
        "id_token": id_token,
        "state": get("state"),
        "token_type": "Bearer",
        "expires_in": TOKEN_TTL_SECONDS.to_string(),
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

/// The kids as ESIA lists them without `documents` embedded: the collection is a link (read it from
/// `/kids/{id}/docs`).
async fn kids(State(demo): State<Demo>, headers: HeaderMap, Path(oid): Path<String>) -> Response {
    match authorized(&headers, &oid) {
        Ok(person) => {
            let base = demo_base(&demo);
            let kids: Vec<Value> = person
                .kids
                .iter()
                .map(|kid| {
                    let mut kid = kid.clone();
                    if let Some(map) = kid.as_object_mut() {
                        map.remove("docs");
                        let link = format!("{base}/rs/prns/{oid}/kids/{}/docs", map["id"]);
                        map.insert("documents".to_owned(), json!(link));
                    }
                    kid
                })
                .collect();
            Json(json!({ "elements": kids })).into_response()
        }
        Err(refusal) => refused(refusal),
    }
}

/// `GET /rs/prns/{oid}/kids/{kid}/docs`: one kid's documents.
async fn kid_documents(headers: HeaderMap, Path((oid, kid)): Path<(String, String)>) -> Response {
    match authorized(&headers, &oid) {
        Ok(person) => match person
            .kids
            .iter()
            .find(|k| kid.parse::<u64>().is_ok_and(|id| k["id"] == id))
        {
            Some(found) => Json(json!({ "elements": found["docs"].clone() })).into_response(),
            None => refused((StatusCode::NOT_FOUND, "not_found")),
        },
        Err(refusal) => refused(refusal),
    }
}

/// The demo provider's base URL, for the links it gives (`…/demo/esia`).
fn demo_base(demo: &Demo) -> String {
    let callback = demo.callback.as_str();
    let root = callback
        .split('?')
        .next()
        .unwrap_or(callback)
        .trim_end_matches(super::CALLBACK_PATH)
        .trim_end_matches('/');
    format!("{root}{}", super::DEMO_PATH)
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
