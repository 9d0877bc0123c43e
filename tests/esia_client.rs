//! The ESIA client against a local mock of ESIA (wiremock): the URLs, form bodies and signed strings of
//! contracts/esia.md, the checks of the token response and claims, ESIA's error codes, and the person's
//! data, kids' documents read per kid, and what a login could not read.

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{TimeZone, Utc};
use kvrachu_bot::domain::PolicyKind;
use kvrachu_bot::esia::client::Step;
use kvrachu_bot::esia::{
    AccountLevel, Callback, ErrorKind, EsiaClient, EsiaConfig, EsiaError, EsiaLink, Signer,
    SignerError, Unread,
};
use serde_json::{json, Value};
use sha2::{Digest, Sha512};
use url::Url;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const CLIENT_ID: &str = "KVRACHU";
const CERT_HASH: &str = "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789";
const SCOPES: &str = "openid fullname birthdate gender medical_doc kid_fullname kid_birthdate kid_gender kid_medical_doc";
const REDIRECT: &str = "https://bot.example/esia/callback";
const START: &str = "https://bot.example/esia/start";
const OID: u64 = 1_000_299_654;

/// The test signer: 86 hex digits of the SHA-512 of stdin, which read as base64url decode to 64 bytes,
/// the length of a raw GOST R 34.10-2012 signature.
const SIGNER_CMD: &str = "sha512sum | cut -c1-86";

fn signature(message: &str) -> String {
    let digest = Sha512::digest(message.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    kvrachu_bot::esia::signer::raw_signature(&hex.as_bytes()[..86]).unwrap()
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 14, 5, 9).unwrap()
}

fn client(base: &str) -> EsiaClient {
    client_with(base, Signer::command(SIGNER_CMD))
}

fn client_with(base: &str, signer: Signer) -> EsiaClient {
    EsiaClient::new(
        EsiaConfig {
            base_url: Url::parse(base).unwrap(),
            client_id: CLIENT_ID.into(),
            cert_hash: CERT_HASH.into(),
            scopes: SCOPES.into(),
            redirect_uri: Url::parse(REDIRECT).unwrap(),
            start_uri: Url::parse(START).unwrap(),
            issuer: "http://esia.gosuslugi.ru/".into(),
            extra_ca_pem: None,
        },
        signer,
    )
}

fn jwt(payload: &Value) -> String {
    format!(
        "eyJhbGciOiJHT1NUMzQxMF8yMDEyXzI1NiJ9.{}.c2lnbmF0dXJl",
        URL_SAFE_NO_PAD.encode(payload.to_string())
    )
}

fn id_claims() -> Value {
    let now = now().timestamp();
    json!({
        "iss": "http://esia.gosuslugi.ru/", "aud": CLIENT_ID, "sub": OID,
        "exp": now + 3600, "iat": now, "nbf": now,
        "urn:esia:sbj": { "urn:esia:sbj:typ": "P", "urn:esia:sbj:is_tru": true, "urn:esia:sbj:oid": OID }
    })
}

fn access_claims() -> Value {
    json!({ "urn:esia:sbj_id": OID, "exp": now().timestamp() + 3600, "client_id": CLIENT_ID })
}

fn form(request: &Request) -> HashMap<String, String> {
    url::form_urlencoded::parse(&request.body)
        .into_owned()
        .collect()
}

/// A token endpoint that answers with `id_claims`, echoing the request's state.
async fn mount_token(server: &MockServer, id_claims: Value) {
    Mock::given(method("POST"))
        .and(path("/aas/oauth2/v3/te"))
        .respond_with(move |request: &Request| {
            let form = form(request);
            ResponseTemplate::new(200).set_body_json(json!({
                "access_token": jwt(&access_claims()),
                "id_token": jwt(&id_claims),
                "refresh_token": "refresh-token-value",
                "state": form["state"],
                "token_type": "Bearer",
                "expires_in": "3600",
            }))
        })
        .mount(server)
        .await;
}

fn person_json(trusted: bool) -> Value {
    json!({
        "firstName": "Анна", "lastName": "Иванова", "middleName": "Сергеевна",
        "birthDate": "12.03.1988", "gender": "F", "trusted": trusted,
        "status": "REGISTERED", "verifying": false
    })
}

async fn mount_person(server: &MockServer, person: Value, docs: Value, kids: Value) {
    let bearer = format!("Bearer {}", jwt(&access_claims()));
    for (p, body) in [
        (format!("/rs/prns/{OID}"), person),
        (format!("/rs/prns/{OID}/docs"), docs),
        (format!("/rs/prns/{OID}/kids"), kids),
    ] {
        Mock::given(method("GET"))
            .and(path(p))
            .and(header("authorization", bearer.as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(server)
            .await;
    }
}

fn docs_with_policy() -> Value {
    json!({ "elements": [
        { "id": 1, "type": "RF_PASSPORT", "series": "2500", "number": "123456", "vrfStu": "VERIFIED" },
        { "id": 2, "type": "MDCL_PLCY", "number": "3841500000012340", "vrfStu": "VERIFIED",
          "issuedBy": "СОГАЗ-МЕД", "medicalOrg": { "name": "Поликлиника № 1" } }
    ] })
}

/// Two kids whose documents are links, as ESIA gives them when not embedded.
fn kids_json() -> Value {
    json!({ "elements": [
        { "id": 11, "firstName": "Мария", "lastName": "Иванова", "middleName": "Ивановна",
          "birthDate": "01.12.2015", "gender": "F",
          "documents": "https://esia.example/rs/prns/1000299654/kids/11/docs" },
        { "id": 13, "firstName": "Пётр", "lastName": "Иванов", "birthDate": "03.05.2019", "gender": "M",
          "documents": "https://esia.example/rs/prns/1000299654/kids/13/docs" }
    ] })
}

/// Each kid's documents, read from `/kids/{id}/docs`: Мария has an old-format policy, Пётр none.
async fn mount_kid_docs(server: &MockServer) {
    for (kid, docs) in [
        (
            11,
            json!({ "elements": [
                { "id": 12, "type": "MDCL_PLCY", "series": "ИРК", "number": "123456", "vrfStu": "VERIFIED" }
            ] }),
        ),
        (13, json!({ "elements": [] })),
    ] {
        Mock::given(method("GET"))
            .and(path(format!("/rs/prns/{OID}/kids/{kid}/docs")))
            .and(query_param("embed", "(elements)"))
            .respond_with(ResponseTemplate::new(200).set_body_json(docs))
            .mount(server)
            .await;
    }
}

#[tokio::test]
async fn the_login_button_opens_the_bots_start_url_with_only_an_opaque_login_id() {
    let client = client("https://esia.example");
    let login = "7c3f1a52-9a7e-4a0e-9d7b-3e0f8f1f2c11";
    let url = client.authorization_url(login, now()).await.unwrap();
    assert_eq!(
        url.as_str(),
        format!("https://bot.example/esia/start?login={login}")
    );
}

#[tokio::test]
async fn the_authorization_url_has_every_parameter_and_signs_the_documented_string() {
    let client = client("https://esia.example");
    let state = "7c3f1a52-9a7e-4a0e-9d7b-3e0f8f1f2c11";
    let url = client.signed_authorization_url(state, now()).await.unwrap();

    assert_eq!(url.origin().ascii_serialization(), "https://esia.example");
    assert_eq!(url.path(), "/aas/oauth2/v2/ac");
    let params: HashMap<String, String> = url.query_pairs().into_owned().collect();
    let timestamp = "2026.11.26 14:05:09 +0000";
    let expected_secret = signature(&format!("{CLIENT_ID}{SCOPES}{timestamp}{state}{REDIRECT}"));
    let expected: HashMap<String, String> = [
        ("client_id", CLIENT_ID),
        ("client_secret", expected_secret.as_str()),
        ("client_certificate_hash", CERT_HASH),
        ("redirect_uri", REDIRECT),
        ("scope", SCOPES),
        ("response_type", "code"),
        ("state", state),
        ("access_type", "online"),
        ("timestamp", timestamp),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(params, expected);
}

#[tokio::test]
async fn a_failing_signer_fails_the_authorization_url_with_a_clear_error() {
    let client = client_with("https://esia.example", Signer::command("exit 1"));
    let err = client
        .signed_authorization_url("s", now())
        .await
        .unwrap_err();
    assert!(matches!(err, EsiaError::Signer(SignerError::Failed { .. })));
    assert_eq!(err.kind(), ErrorKind::Configuration);
    assert!(err.to_string().starts_with("ESIA_SIGNER_CMD"), "{err}");
}

#[tokio::test]
async fn the_token_request_is_a_signed_form_with_a_new_state() {
    let server = MockServer::start().await;
    mount_token(&server, id_claims()).await;
    let tokens = client(&server.uri())
        .exchange_code("auth-code-123", now())
        .await
        .unwrap();
    // `expires_in` came as a string; the refresh token is not read.
    assert_eq!(tokens.expires_in, Some(3600));
    assert!(!format!("{tokens:?}").contains("refresh"));

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(
        request.headers.get("content-type").unwrap(),
        "application/x-www-form-urlencoded"
    );
    let form = form(request);
    let state = form["state"].clone();
    assert_eq!(uuid::Uuid::parse_str(&state).unwrap().get_version_num(), 4);
    let timestamp = "2026.11.26 14:05:09 +0000";
    let mut keys: Vec<&str> = form.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "client_certificate_hash",
            "client_id",
            "client_secret",
            "code",
            "grant_type",
            "redirect_uri",
            "scope",
            "state",
            "timestamp",
            "token_type"
        ]
    );
    assert_eq!(form["client_id"], CLIENT_ID);
    assert_eq!(form["code"], "auth-code-123");
    assert_eq!(form["grant_type"], "authorization_code");
    assert_eq!(form["client_certificate_hash"], CERT_HASH);
    assert_eq!(form["redirect_uri"], REDIRECT);
    assert_eq!(form["scope"], SCOPES);
    assert_eq!(form["timestamp"], timestamp);
    assert_eq!(form["token_type"], "Bearer");
    assert_eq!(
        form["client_secret"],
        signature(&format!(
            "{CLIENT_ID}{SCOPES}{timestamp}{state}{REDIRECT}auth-code-123"
        ))
    );
}

#[tokio::test]
async fn a_token_response_with_another_state_is_refused() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/aas/oauth2/v3/te"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": jwt(&access_claims()),
            "id_token": jwt(&id_claims()),
            "state": uuid::Uuid::new_v4().to_string(),
            "token_type": "Bearer",
            "expires_in": 3600,
        })))
        .mount(&server)
        .await;
    let err = client(&server.uri())
        .exchange_code("code", now())
        .await
        .unwrap_err();
    assert!(matches!(err, EsiaError::StateMismatch), "{err}");
}

async fn token_error(error: &str, description: &str) -> EsiaError {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/aas/oauth2/v3/te"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": error,
            "error_description": description,
        })))
        .mount(&server)
        .await;
    client(&server.uri())
        .exchange_code("auth-code-123", now())
        .await
        .unwrap_err()
}

#[tokio::test]
async fn an_esia_error_response_gives_its_codes_but_not_its_description() {
    let err = token_error("invalid_grant", "ESIA-007011: code auth-code-123 expired").await;
    assert_eq!(
        err.to_string(),
        "ESIA token exchange: HTTP 400 (invalid_grant) ESIA-007011"
    );
    assert_eq!(err.esia_code().map(|c| c.number()), Some(7011));
    assert_eq!(
        err.kind(),
        ErrorKind::Retry,
        "an expired code: log in again"
    );
}

#[tokio::test]
async fn a_wrong_signature_at_the_token_endpoint_is_a_configuration_error() {
    let err = token_error(
        "invalid_client",
        "ESIA-007053: OAuthErrorEnum.clientSecretWrong",
    )
    .await;
    assert_eq!(err.kind(), ErrorKind::Configuration);
    let err = token_error("invalid_request", "ESIA-007015: wrong request time").await;
    assert_eq!(err.kind(), ErrorKind::Retry);
}

#[test]
fn the_callback_tells_a_declined_login_from_a_code() {
    let query = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let denied = Callback::from_query(&query(&[
        ("error", "access_denied"),
        ("error_description", "ESIA-007004: the user declined"),
        ("state", "abc"),
    ]));
    assert!(denied.is_denied());
    assert_eq!(denied.state(), Some("abc"));
    // ESIA says access_denied for its own refusals too: the code tells them apart.
    for (description, kind) in [
        (
            "ESIA-007053: OAuthErrorEnum.clientSecretWrong",
            ErrorKind::Configuration,
        ),
        ("ESIA-007011: code invalid", ErrorKind::Retry),
        ("ESIA-007015: wrong request time", ErrorKind::Retry),
        ("something else", ErrorKind::Other),
    ] {
        let refused = Callback::from_query(&query(&[
            ("error", "access_denied"),
            ("error_description", description),
            ("state", "abc"),
        ]));
        assert!(!refused.is_denied(), "{description}");
        assert_eq!(refused.error_kind(), Some(kind), "{description}");
    }
    let code = Callback::from_query(&query(&[("code", "c"), ("state", "abc")]));
    assert_eq!(
        code,
        Callback::Code {
            code: "c".into(),
            state: "abc".into()
        }
    );
    assert!(!code.is_denied());
}

/// Runs the whole back channel and returns its error; the person endpoint must not be reached.
async fn identity_error(id_token: Value) -> EsiaError {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/aas/oauth2/v3/te"))
        .respond_with(move |request: &Request| {
            ResponseTemplate::new(200).set_body_json(json!({
                "access_token": jwt(&access_claims()),
                "id_token": id_token,
                "state": form(request)["state"],
                "token_type": "Bearer",
            }))
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(person_json(true)))
        .expect(0)
        .mount(&server)
        .await;
    client(&server.uri())
        .identity("code", now())
        .await
        .unwrap_err()
}

#[tokio::test]
async fn a_malformed_jwt_is_refused_before_any_person_data_is_read() {
    for token in [
        json!("not-a-jwt"),
        json!("a.b.c"),
        json!(format!("a.{}.c", URL_SAFE_NO_PAD.encode("[1,2]"))),
    ] {
        let err = identity_error(token).await;
        assert!(
            matches!(
                err,
                EsiaError::MalformedToken {
                    which: "id token",
                    ..
                }
            ),
            "{err}"
        );
    }
}

#[tokio::test]
async fn a_token_for_another_client_is_refused() {
    let mut claims = id_claims();
    claims["aud"] = json!("SOMEONE_ELSE");
    let err = identity_error(json!(jwt(&claims))).await;
    assert!(matches!(err, EsiaError::WrongAudience), "{err}");
}

#[tokio::test]
async fn a_token_from_another_issuer_is_refused() {
    for iss in [json!("http://esia-portal1.test.gosuslugi.ru/"), json!(null)] {
        let mut claims = id_claims();
        claims["iss"] = iss.clone();
        let err = identity_error(json!(jwt(&claims))).await;
        assert!(matches!(err, EsiaError::WrongIssuer { .. }), "{iss}: {err}");
        assert_eq!(err.kind(), ErrorKind::Configuration);
    }
    // With or without the trailing slash, the production issuer is the same.
    let server = MockServer::start().await;
    let mut claims = id_claims();
    claims["iss"] = json!("http://esia.gosuslugi.ru");
    mount_token(&server, claims).await;
    let client = client(&server.uri());
    let tokens = client.exchange_code("c", now()).await.unwrap();
    assert!(client.subject(&tokens, now()).is_ok());
}

#[tokio::test]
async fn expired_future_and_non_person_tokens_are_refused() {
    let now = now().timestamp();
    let mut expired = id_claims();
    expired["exp"] = json!(now - 600);
    assert!(matches!(
        identity_error(json!(jwt(&expired))).await,
        EsiaError::Expired { which: "id token" }
    ));
    let mut early = id_claims();
    early["nbf"] = json!(now + 600);
    assert!(matches!(
        identity_error(json!(jwt(&early))).await,
        EsiaError::NotYetValid
    ));
    let mut organisation = id_claims();
    organisation["urn:esia:sbj"]["urn:esia:sbj:typ"] = json!("O");
    assert!(matches!(
        identity_error(json!(jwt(&organisation))).await,
        EsiaError::NotAPerson
    ));
}

#[tokio::test]
async fn a_little_clock_skew_is_tolerated() {
    let server = MockServer::start().await;
    let mut claims = id_claims();
    claims["exp"] = json!(now().timestamp() - 30);
    claims["nbf"] = json!(now().timestamp() + 30);
    mount_token(&server, claims).await;
    let client = client(&server.uri());
    let tokens = client.exchange_code("c", now()).await.unwrap();
    assert_eq!(client.subject(&tokens, now()).unwrap().oid, OID.to_string());
}

#[tokio::test]
async fn a_failing_person_request_fails_the_login_without_personal_data_in_the_error() {
    let server = MockServer::start().await;
    mount_token(&server, id_claims()).await;
    Mock::given(method("GET"))
        .and(path(format!("/rs/prns/{OID}")))
        .respond_with(ResponseTemplate::new(500).set_body_string("Иванова Анна: internal error"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "elements": [] })))
        .mount(&server)
        .await;
    let err = client(&server.uri())
        .identity("auth-code-123", now())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            EsiaError::Status {
                step: Step::Person,
                status: 500,
                ..
            }
        ),
        "{err}"
    );
    let shown = format!("{err} {err:?}");
    for secret in [
        "Иванова",
        "auth-code-123",
        &OID.to_string(),
        "refresh-token",
    ] {
        assert!(!shown.contains(secret), "{shown}");
    }
}

#[tokio::test]
async fn a_confirmed_person_with_a_policy_and_kids_with_and_without_policies() {
    let server = MockServer::start().await;
    mount_token(&server, id_claims()).await;
    mount_person(&server, person_json(true), docs_with_policy(), kids_json()).await;
    mount_kid_docs(&server).await;
    let identity = client(&server.uri()).identity("code", now()).await.unwrap();
    assert_eq!(identity.oid, OID.to_string());
    assert!(identity.trusted);
    assert_eq!(identity.unread, Unread::default());

    let link = EsiaLink::from_identity(&identity, 100);
    assert_eq!(link.level, AccountLevel::Confirmed);
    assert_eq!(link.person.full_name, "Иванова Анна Сергеевна");
    assert_eq!(link.person.birth_date.unwrap().to_string(), "12.03.1988");
    let policy = link.person.policy.as_ref().unwrap();
    assert_eq!(policy.kind(), PolicyKind::New);
    assert_eq!(policy.masked(), "•••• •••• •••• 2340");
    assert_eq!(link.insurer.as_deref(), Some("СОГАЗ-МЕД"));
    assert_eq!(link.attachment.as_deref(), Some("Поликлиника № 1"));
    assert_eq!(link.kids.len(), 2);
    let maria = &link.kids[0];
    assert_eq!(maria.person.full_name, "Иванова Мария Ивановна");
    assert_eq!(maria.esia_id.as_deref(), Some("11"));
    let maria_policy = maria.person.policy.as_ref().unwrap();
    assert_eq!(maria_policy.kind(), PolicyKind::Old);
    assert_eq!(maria_policy.series(), Some("ИРК"));
    let petr = &link.kids[1];
    assert_eq!(petr.person.full_name, "Иванов Пётр");
    assert_eq!(petr.person.policy, None);
    assert_eq!(petr.person.birth_date.unwrap().to_string(), "03.05.2019");
    // The requests asked for embedded elements; the kids' documents were read per kid from our own
    // base URL, not from the link ESIA gave.
    let requests = server.received_requests().await.unwrap();
    assert!(requests
        .iter()
        .any(|r| r.url.path().ends_with("/docs") && r.url.query() == Some("embed=(elements)")));
    assert!(requests
        .iter()
        .any(|r| r.url.path() == format!("/rs/prns/{OID}/kids/11/docs")));
}

#[tokio::test]
async fn embedded_kids_documents_still_count_when_the_per_kid_request_fails() {
    let server = MockServer::start().await;
    mount_token(&server, id_claims()).await;
    let kids = json!({ "elements": [
        { "id": 11, "firstName": "Мария", "lastName": "Иванова", "birthDate": "01.12.2015", "gender": "F",
          "documents": { "elements": [
              { "id": 12, "type": "MDCL_PLCY", "number": "3841500000000022", "vrfStu": "VERIFIED" }
          ] } }
    ] });
    mount_person(&server, person_json(true), docs_with_policy(), kids).await;
    Mock::given(method("GET"))
        .and(path(format!("/rs/prns/{OID}/kids/11/docs")))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({ "error": "access_denied" })))
        .mount(&server)
        .await;
    let identity = client(&server.uri()).identity("code", now()).await.unwrap();
    assert_eq!(identity.unread, Unread::default());
    let link = EsiaLink::from_identity(&identity, 100);
    assert!(link.kids[0].person.policy.is_some());
}

#[tokio::test]
async fn failing_documents_kids_or_kids_documents_requests_do_not_fail_the_login() {
    let server = MockServer::start().await;
    mount_token(&server, id_claims()).await;
    Mock::given(method("GET"))
        .and(path(format!("/rs/prns/{OID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(person_json(true)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/rs/prns/{OID}/docs")))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/rs/prns/{OID}/kids")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "elements": "not a list" })))
        .mount(&server)
        .await;
    let identity = client(&server.uri()).identity("code", now()).await.unwrap();
    assert_eq!(
        identity.unread,
        Unread {
            policy: true,
            kids: false,
            kids_policies: false
        }
    );
    let link = EsiaLink::from_identity(&identity, 100);
    assert_eq!(link.person.full_name, "Иванова Анна Сергеевна");
    assert_eq!(link.person.policy, None);

    // Kids that fail, and one kid's documents that fail.
    let server = MockServer::start().await;
    mount_token(&server, id_claims()).await;
    mount_person(
        &server,
        person_json(true),
        docs_with_policy(),
        json!("oops"),
    )
    .await;
    let identity = client(&server.uri()).identity("code", now()).await.unwrap();
    assert!(identity.unread.kids && !identity.unread.policy);

    let server = MockServer::start().await;
    mount_token(&server, id_claims()).await;
    mount_person(&server, person_json(true), docs_with_policy(), kids_json()).await;
    Mock::given(method("GET"))
        .and(path(format!("/rs/prns/{OID}/kids/11/docs")))
        .respond_with(ResponseTemplate::new(502))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/rs/prns/{OID}/kids/13/docs")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "elements": [] })))
        .mount(&server)
        .await;
    let identity = client(&server.uri()).identity("code", now()).await.unwrap();
    assert_eq!(
        identity.unread,
        Unread {
            policy: false,
            kids: false,
            kids_policies: true
        }
    );
    assert_eq!(identity.kids.len(), 2);
}

#[tokio::test]
async fn kids_given_as_links_are_read_one_by_one_under_our_base_url() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rs/prns/42/kids"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "elements": [
            "https://esia.gosuslugi.ru/rs/prns/42/kids/7001",
        ] })),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rs/prns/42/kids/7001"))
        .and(header("authorization", "Bearer tkn"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 7001, "firstName": "Мария", "lastName": "Иванова"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let kids = client(&server.uri()).kids("tkn", "42").await.unwrap();
    assert_eq!(kids.len(), 1);
    assert_eq!(kids[0].full_name(), "Иванова Мария");
}

#[tokio::test]
async fn an_account_that_is_not_trusted_is_linked_as_not_confirmed() {
    let server = MockServer::start().await;
    let mut claims = id_claims();
    claims["urn:esia:sbj"]
        .as_object_mut()
        .unwrap()
        .remove("urn:esia:sbj:is_tru");
    mount_token(&server, claims).await;
    mount_person(
        &server,
        person_json(false),
        json!({ "elements": [] }),
        json!({ "elements": [] }),
    )
    .await;
    let identity = client(&server.uri()).identity("code", now()).await.unwrap();
    assert!(!identity.trusted);
    let link = EsiaLink::from_identity(&identity, 100);
    assert_eq!(link.level, AccountLevel::NotConfirmed);
    assert!(!link.trusted());
    assert_eq!(link.person.policy, None);
    assert!(link.kids.is_empty());
}

#[tokio::test]
async fn the_oid_comes_from_the_access_token_claim() {
    let server = MockServer::start().await;
    mount_token(&server, id_claims()).await;
    let client = client(&server.uri());
    let tokens = client.exchange_code("c", now()).await.unwrap();
    let subject = client.subject(&tokens, now()).unwrap();
    assert_eq!(subject.oid, "1000299654");
    assert!(subject.is_trusted);
}

#[tokio::test]
async fn a_person_request_carries_the_bearer_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rs/prns/42/kids"))
        .and(query_param("embed", "(elements)"))
        .and(header("authorization", "Bearer tkn"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "elements": [] })))
        .expect(1)
        .mount(&server)
        .await;
    assert!(client(&server.uri())
        .kids("tkn", "42")
        .await
        .unwrap()
        .is_empty());
}
