//! `GET /esia/start?login=…`: what the «Войти через Госуслуги» button opens. It signs the request to ESIA
//! now, at the click (ESIA checks the signed timestamp when the user arrives: `ESIA-007015` otherwise), and
//! redirects (302) to ESIA's login page with a fresh state for this click.
//!
//! It also binds the login to the browser. When Telegram opened the page from a `login_url` button, its
//! login data is checked ([`crate::esia::telegram_login`]: the hash under the bot token, a fresh
//! `auth_date`, and `id` = the Telegram user who started the login); then a short-lived cookie (HttpOnly,
//! SameSite=Lax, Secure over https) is set for this click, and the callback requires it. Without Telegram's
//! data (a plain link: the demo, or no public domain), nothing proves the browser, and the callback asks for
//! a one-time code in the chat instead. Telegram's data that does not check is refused.
//!
//! `POST /esia/start` (demo only) is the demo's login inside the chat: the bot's own server drives the demo
//! login page for a test person (`person`), so the login goes through the real client and callback.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;

use crate::config::EsiaSettings;
use crate::domain::esia::LOGIN_TTL_SECONDS;
use crate::esia::telegram_login;
use crate::store::LoginBinding;
use crate::web::BrowserLang;

use super::esia_callback::{cookie_name, harden, page_response, EsiaHttp, PageKind};

/// `GET /esia/start?login=…[&id=…&auth_date=…&hash=…]`.
pub async fn start(
    State(s): State<EsiaHttp>,
    BrowserLang(browser_lang): BrowserLang,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let login = query.get("login").map(String::as_str).unwrap_or("");
    let now = s.ctx.clock.now();
    let (binding, cookie) = if telegram_login::present(&query) {
        let owner = match s.ctx.store.esia_login_owner(login, now.timestamp()).await {
            Ok(Some(owner)) => owner,
            Ok(None) => return page_response(&s, browser_lang, PageKind::Invalid),
            Err(err) => {
                tracing::error!(error = %err, "/esia/start: cannot read the login");
                return page_response(&s, browser_lang, PageKind::Failed);
            }
        };
        if let Err(refusal) =
            telegram_login::verify(s.bot.token(), &query, owner.user_id, now.timestamp())
        {
            tracing::warn!(user = %crate::telemetry::user_tag(owner.user_id), %refusal, "/esia/start refused Telegram's login data");
            return page_response(&s, owner.lang, PageKind::WrongBrowser);
        }
        let mut secret = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut secret);
        (LoginBinding::Cookie, Some(URL_SAFE_NO_PAD.encode(secret)))
    } else {
        (LoginBinding::Code, None)
    };
    redirect_to_esia(&s, browser_lang, login, binding, cookie, StatusCode::FOUND).await
}

/// `POST /esia/start` with `login` and `person` (demo only): the demo's login inside the chat. The browser's
/// form is resent to the demo login page (307 keeps the method and the body), which sends it back to the
/// callback; the test persons are fictional, so the login is linked at once.
pub async fn demo_start(
    State(s): State<EsiaHttp>,
    BrowserLang(lang): BrowserLang,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if s.ctx.settings.esia != EsiaSettings::Demo || !form.contains_key("person") {
        return page_response(&s, lang, PageKind::Invalid);
    }
    let login = form.get("login").map(String::as_str).unwrap_or("");
    redirect_to_esia(
        &s,
        lang,
        login,
        LoginBinding::DemoChat,
        None,
        StatusCode::TEMPORARY_REDIRECT,
    )
    .await
}

async fn redirect_to_esia(
    s: &EsiaHttp,
    lang: crate::i18n::Lang,
    login: &str,
    binding: LoginBinding,
    cookie: Option<String>,
    status: StatusCode,
) -> Response {
    let now = s.ctx.clock.now();
    let started = s
        .ctx
        .store
        .start_esia_attempt(login, binding, cookie.as_deref(), now.timestamp())
        .await;
    let (owner, esia_state) = match started {
        Ok(Some(started)) => started,
        Ok(None) => {
            tracing::info!("/esia/start refused: unknown, expired or used login");
            return page_response(s, lang, PageKind::Invalid);
        }
        Err(err) => {
            tracing::error!(error = %err, "/esia/start: cannot record the attempt");
            return page_response(s, lang, PageKind::Failed);
        }
    };
    let url = match s.ctx.esia.signed_authorization_url(&esia_state, now).await {
        Ok(url) => url,
        Err(err) => {
            tracing::error!(user = %crate::telemetry::user_tag(owner.user_id), error = %err, "cannot sign the ESIA login request: fix ESIA_SIGNER_CMD");
            return page_response(s, owner.lang, PageKind::SignerFailed);
        }
    };
    let Ok(location) = HeaderValue::from_str(url.as_str()) else {
        return page_response(s, owner.lang, PageKind::Failed);
    };
    let mut response = (status, [(header::LOCATION, location)]).into_response();
    if let Some(cookie) = cookie {
        let callback = &s.ctx.esia.config().redirect_uri;
        let secure = if callback.scheme() == "https" {
            "; Secure"
        } else {
            ""
        };
        let set = format!(
            "{}={cookie}; Path={}; Max-Age={LOGIN_TTL_SECONDS}; HttpOnly; SameSite=Lax{secure}",
            cookie_name(&esia_state),
            callback.path(),
        );
        match HeaderValue::from_str(&set) {
            Ok(value) => {
                response.headers_mut().insert(header::SET_COOKIE, value);
            }
            Err(_) => return page_response(s, owner.lang, PageKind::Failed),
        }
    }
    harden(&mut response);
    response
}
