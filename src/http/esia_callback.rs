//! `GET /esia/callback`: where ESIA sends the browser back after a login (and, beside it, `/esia/start`,
//! see `super::esia_start`).
//!
//! The click's attempt is looked up by ESIA's `state` and its binding checked before anything is used up:
//! a login bound by cookie needs the cookie `/esia/start` set in the browser, so a forged or forwarded
//! callback changes nothing. Then the login is consumed (unknown, expired or used → an error page, nothing
//! stored), the code exchanged and the person read (see [`crate::esia::complete_login`]):
//!
//! - bound by cookie (or the demo's login in the chat): linked at once, moved from any other Telegram user
//!   (who is told), the user told in Telegram;
//! - bound by nothing (no Telegram login data, as in the demo or without a public domain): nothing is linked
//!   yet; the page shows a one-time code to type in the chat that started the login
//!   ([`crate::store::Store::complete_pending_esia_login`]).
//!
//! ESIA's errors are told apart by their `ESIA-NNNNNN` code ([`crate::esia::ErrorKind`]): logged with the
//! code, counted for `/metrics`, and each has its page. Everything lives in the database, so any instance
//! may serve the callback. In demo mode the demo identity provider is served here too.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use teloxide::prelude::*;
use teloxide::types::ParseMode;

use crate::bot::gosuslugi::{self, LoginResult};
use crate::bot::Ctx;
use crate::domain::local_today;
use crate::esia::{self, Callback, ErrorKind, EsiaCode, EsiaLink, LinkOutcome, Unread};
use crate::i18n::{escape_html, Lang};
use crate::store::{LoginAttempt, LoginBinding, Store};
use crate::t;
use crate::web::{page, BrowserLang};

/// What the callback needs: the bot's context, the bot to message the user, and its @username.
#[derive(Clone)]
pub struct EsiaHttp {
    pub ctx: Arc<Ctx>,
    pub bot: Bot,
    pub bot_username: String,
}

/// Which page to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PageKind {
    Done,
    Cancelled,
    Failed,
    Invalid,
    /// ESIA refused because of the bot's setup (`ESIA-007053` and the like).
    Configuration,
    /// The code or the request's time was refused (`ESIA-007011`, `ESIA-007015`): a fresh login.
    Retry,
    Unavailable,
    /// The one-time code to type in the chat.
    Code(String),
    /// The browser is not the one the login was bound to (or Telegram's data is not the user's).
    WrongBrowser,
    /// The request to ESIA could not be signed.
    SignerFailed,
}

impl PageKind {
    fn of_error(kind: ErrorKind) -> PageKind {
        match kind {
            ErrorKind::Declined => PageKind::Cancelled,
            ErrorKind::Retry => PageKind::Retry,
            ErrorKind::Configuration => PageKind::Configuration,
            ErrorKind::Unavailable => PageKind::Unavailable,
            ErrorKind::Other => PageKind::Failed,
        }
    }
}

/// The cookie `/esia/start` sets for the attempt `esia_state` (one name per attempt, so two tabs do not
/// overwrite each other's).
pub(crate) fn cookie_name(esia_state: &str) -> String {
    let id: String = esia_state
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(12)
        .collect();
    format!("kvrachu_esia_{id}")
}

fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub(super) async fn callback(
    State(s): State<EsiaHttp>,
    BrowserLang(browser_lang): BrowserLang,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let now = s.ctx.clock.now();
    let callback = Callback::from_query(&query);
    let Some(state) = callback.state().map(str::to_owned) else {
        tracing::info!(kind = ?callback, "ESIA callback refused: no state");
        return page_response(&s, browser_lang, PageKind::Invalid);
    };
    let attempt = match s.ctx.store.esia_attempt(&state, now.timestamp()).await {
        Ok(Some(attempt)) => attempt,
        Ok(None) => {
            tracing::info!(kind = ?callback, "ESIA callback refused: unknown, expired or used state");
            return page_response(&s, browser_lang, PageKind::Invalid);
        }
        Err(err) => {
            tracing::error!(error = %err, "ESIA callback: cannot read the login state");
            return page_response(&s, browser_lang, PageKind::Failed);
        }
    };
    let lang = attempt.login.lang;
    if attempt.binding == LoginBinding::Cookie
        && !attempt.cookie_matches(cookie_value(&headers, &cookie_name(&state)))
    {
        tracing::warn!(
            user = %crate::telemetry::user_tag(attempt.login.user_id),
            "ESIA callback refused: not the browser the login was started in (no or another cookie)"
        );
        return page_response(&s, lang, PageKind::WrongBrowser);
    }
    match s
        .ctx
        .store
        .consume_esia_attempt(&state, now.timestamp())
        .await
    {
        Ok(true) => {}
        Ok(false) => return page_response(&s, lang, PageKind::Invalid),
        Err(err) => {
            tracing::error!(error = %err, "ESIA callback: cannot use up the login state");
            return page_response(&s, lang, PageKind::Failed);
        }
    }
    let kind = match callback {
        Callback::Code { code, .. } => finish(&s, &attempt, &code, now).await,
        Callback::Error {
            error, esia_code, ..
        } => {
            let kind = callback_error_kind(esia_code);
            note_esia_error(
                &s.ctx.store,
                attempt.login.user_id,
                esia_code,
                kind,
                &error,
                now,
            )
            .await;
            let result = if kind == ErrorKind::Declined {
                LoginResult::Cancelled
            } else {
                LoginResult::Failed
            };
            tell(&s, attempt.login.user_id, lang, result, false);
            PageKind::of_error(kind)
        }
        // A callback without a state never reaches this far.
        Callback::Invalid => PageKind::Invalid,
    };
    page_response(&s, lang, kind)
}

fn callback_error_kind(code: Option<EsiaCode>) -> ErrorKind {
    code.map_or(ErrorKind::Other, EsiaCode::kind)
}

/// Logs an ESIA error with its code (no personal data) and counts the code for `/metrics`.
async fn note_esia_error(
    store: &Store,
    user: i64,
    code: Option<EsiaCode>,
    kind: ErrorKind,
    error: &str,
    now: DateTime<Utc>,
) {
    let code_text = code.map(|c| c.to_string());
    let shown = code_text.as_deref().unwrap_or("none");
    match kind {
        ErrorKind::Configuration => tracing::error!(
            user,
            esia_code = shown,
            error,
            "ESIA refused the login because of the bot's ESIA setup (ESIA_CLIENT_ID, ESIA_CERT_HASH, ESIA_SIGNER_CMD, redirect URI, scopes): fix it"
        ),
        ErrorKind::Declined => tracing::info!(user, esia_code = shown, "the user declined the Gosuslugi login"),
        _ => tracing::warn!(user, esia_code = shown, error, kind = kind.label(), "ESIA returned an error"),
    }
    if let Some(code) = code_text {
        if let Err(err) = store
            .count_esia_error(&code, kind.label(), now.timestamp())
            .await
        {
            tracing::warn!(error = %err, "cannot count an ESIA error");
        }
    }
}

/// Exchanges the code and reads the person; links or keeps the login for its one-time code, by the
/// attempt's binding. Returns the page to show.
async fn finish(s: &EsiaHttp, attempt: &LoginAttempt, code: &str, now: DateTime<Utc>) -> PageKind {
    let ctx = &s.ctx;
    let (user_id, lang) = (attempt.login.user_id, attempt.login.lang);
    let today = local_today(now, ctx.settings.region_tz);
    let outcome = match esia::complete_login(&ctx.esia, code, now, today).await {
        Ok(outcome) => outcome,
        Err(err) => {
            let kind = err.kind();
            tracing::warn!(user = %crate::telemetry::user_tag(user_id), error = %err, "Gosuslugi login failed; nothing linked");
            if let Some(code) = err.esia_code() {
                note_esia_error(&ctx.store, user_id, Some(code), kind, "token", now).await;
            } else if kind == ErrorKind::Configuration {
                tracing::error!(user = %crate::telemetry::user_tag(user_id), error = %err, "the bot's ESIA setup needs fixing");
            }
            tell(s, user_id, lang, LoginResult::Failed, false);
            return PageKind::of_error(kind);
        }
    };
    let (link, unread) = match outcome {
        LinkOutcome::Underage => {
            tracing::info!(user = %crate::telemetry::user_tag(user_id), "Gosuslugi login of someone under 14");
            tell(s, user_id, lang, LoginResult::Underage, false);
            return PageKind::Done;
        }
        LinkOutcome::Linked { link, unread } => (*link, unread),
    };
    if attempt.binding == LoginBinding::Code {
        return match ctx
            .store
            .save_pending_esia_link(user_id, &link, unread, now.timestamp())
            .await
        {
            Ok(code) => {
                tracing::info!(
                    user = %crate::telemetry::user_tag(user_id),
                    "Gosuslugi login waits for its one-time code in the chat"
                );
                send_text(s, user_id, t!(lang, "esia-chat-code-prompt"));
                PageKind::Code(code)
            }
            Err(err) => {
                tracing::error!(user = %crate::telemetry::user_tag(user_id), error = %err, "cannot keep the login for its code");
                PageKind::Failed
            }
        };
    }
    match link_now(s, user_id, lang, link, unread).await {
        Ok(()) => PageKind::Done,
        Err(err) => {
            tracing::error!(user = %crate::telemetry::user_tag(user_id), error = %err, "cannot store the Gosuslugi link");
            tell(s, user_id, lang, LoginResult::Failed, false);
            PageKind::Failed
        }
    }
}

/// Links the person to `user_id` (moving them from anyone else, who is told), and tells the user.
async fn link_now(
    s: &EsiaHttp,
    user_id: i64,
    lang: Lang,
    link: EsiaLink,
    unread: Unread,
) -> anyhow::Result<()> {
    let previous = s.ctx.store.link_esia_person(user_id, &link).await?;
    tracing::info!(
        user = %crate::telemetry::user_tag(user_id),
        level = link.level.code(),
        kids = link.kids.len(),
        has_policy = link.person.policy.is_some(),
        moved_from_another_user = previous.is_some(),
        unread_policy = unread.policy,
        unread_kids = unread.kids,
        unread_kids_policies = unread.kids_policies,
        "Gosuslugi account linked"
    );
    if let Some(previous) = previous {
        tell_link_moved(s, previous);
    }
    tell(s, user_id, lang, LoginResult::Linked(link), true);
    if !unread.is_empty() {
        send_text(s, user_id, unread_text(lang, unread));
    }
    Ok(())
}

/// «Часть данных … прочитать не удалось: полис ОМС, …».
pub fn unread_text(lang: Lang, unread: Unread) -> String {
    crate::bot::gosuslugi::unread_text(lang, unread)
}

/// Tells the user in Telegram how the login ended, without making the page wait; after a link, a booking
/// that waited for it comes back to its confirmation.
fn tell(s: &EsiaHttp, user_id: i64, lang: Lang, result: LoginResult, resume: bool) {
    let (bot, ctx) = (s.bot.clone(), s.ctx.clone());
    tokio::spawn(async move {
        if let Err(err) = gosuslugi::announce(&bot, &ctx, user_id, lang, &result).await {
            tracing::warn!(user = %crate::telemetry::user_tag(user_id), error = %err, "cannot tell the user the Gosuslugi result");
        }
        if resume {
            if let Err(err) =
                crate::bot::booking::resume_after_link(&bot, &ctx, user_id, lang).await
            {
                tracing::warn!(user = %crate::telemetry::user_tag(user_id), error = %err, "cannot resume the booking after the login");
            }
        }
    });
}

/// A plain message to the user (HTML), without making the page wait.
fn send_text(s: &EsiaHttp, user_id: i64, text: String) {
    let bot = s.bot.clone();
    tokio::spawn(async move {
        if let Err(err) = bot
            .send_message(ChatId(user_id), text)
            .parse_mode(ParseMode::Html)
            .await
        {
            tracing::warn!(user = %crate::telemetry::user_tag(user_id), error = %err, "cannot send a Gosuslugi note");
        }
    });
}

/// Tells the user whose link moved to another Telegram user, in their language.
fn tell_link_moved(s: &EsiaHttp, previous: i64) {
    let (bot, store) = (s.bot.clone(), s.ctx.store.clone());
    tokio::spawn(async move {
        let lang = match store.user(previous).await {
            Ok(Some(user)) => user.message_lang(),
            _ => Lang::default(),
        };
        tracing::info!(
            user = %crate::telemetry::user_tag(previous),
            "Gosuslugi link moved to another Telegram user"
        );
        if let Err(err) = bot
            .send_message(ChatId(previous), t!(lang, "esia-chat-link-moved"))
            .await
        {
            tracing::warn!(user = %crate::telemetry::user_tag(previous), error = %err, "cannot tell a user their link moved");
        }
    });
}

/// The headers of every page around the login: no caching, no referrer (the URLs carry codes), no
/// framing, and nothing loaded from elsewhere.
pub(crate) fn harden(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    );
}

pub(crate) fn page_response(s: &EsiaHttp, lang: Lang, kind: PageKind) -> Response {
    let (status, icon, title, text) = page_parts(lang, &kind);
    let link = format!("https://t.me/{}", urlencode_username(&s.bot_username));
    let body = format!(
        r#"<div class="icon" aria-hidden="true">{icon}</div><h1>{title}</h1><p>{text}</p><a class="button" href="{link}">{button}</a>"#,
        title = escape_html(&title),
        text = text,
        link = escape_html(&link),
        button = t!(lang, "page-open-telegram"),
    );
    let html = page(lang, &title, &body).replace(
        "</style>",
        ".code{font-size:2.2rem;font-weight:700;letter-spacing:.2em;margin:1rem 0}\n</style>",
    );
    let mut response = (status, Html(html)).into_response();
    harden(&mut response);
    response
}

/// What a page of `kind` says: its status, icon, title (plain text) and text (HTML).
fn page_parts(lang: Lang, kind: &PageKind) -> (StatusCode, &'static str, String, String) {
    let (status, icon) = match kind {
        PageKind::Done | PageKind::Code(_) => (StatusCode::OK, ICON_DONE),
        PageKind::Cancelled => (StatusCode::OK, ICON_CANCELLED),
        PageKind::Failed | PageKind::Configuration | PageKind::Unavailable => {
            (StatusCode::BAD_GATEWAY, ICON_FAILED)
        }
        PageKind::Retry => (StatusCode::BAD_REQUEST, ICON_FAILED),
        PageKind::Invalid => (StatusCode::BAD_REQUEST, ICON_INVALID),
        PageKind::WrongBrowser => (StatusCode::FORBIDDEN, ICON_INVALID),
        PageKind::SignerFailed => (StatusCode::SERVICE_UNAVAILABLE, ICON_FAILED),
    };
    let (title, text) = match kind {
        PageKind::Done => (t!(lang, "page-done-title"), t!(lang, "page-done-text")),
        PageKind::Cancelled => (
            t!(lang, "page-cancelled-title"),
            t!(lang, "page-cancelled-text"),
        ),
        PageKind::Failed => (t!(lang, "page-failed-title"), t!(lang, "page-failed-text")),
        PageKind::Invalid => (
            t!(lang, "page-invalid-title"),
            t!(lang, "page-invalid-text"),
        ),
        PageKind::Configuration => (t!(lang, "page-config-title"), t!(lang, "page-config-text")),
        PageKind::Retry => (t!(lang, "page-retry-title"), t!(lang, "page-retry-text")),
        PageKind::Unavailable => (
            t!(lang, "page-unavailable-title"),
            t!(lang, "page-unavailable-text"),
        ),
        PageKind::Code(code) => (
            t!(lang, "page-code-title"),
            format!(
                r#"{}</p><p class="code" id="code">{}</p><p><small>{}</small>"#,
                t!(lang, "page-code-text"),
                escape_html(&spaced_code(code)),
                t!(lang, "page-code-warning")
            ),
        ),
        PageKind::WrongBrowser => (
            t!(lang, "page-browser-title"),
            t!(lang, "page-browser-text"),
        ),
        PageKind::SignerFailed => (t!(lang, "page-signer-title"), t!(lang, "page-signer-text")),
    };
    (status, icon, title, text)
}

/// `123456` as `123 456`, easier to read and type.
fn spaced_code(code: &str) -> String {
    if code.len() == 6 && code.is_ascii() {
        format!("{} {}", &code[..3], &code[3..])
    } else {
        code.to_owned()
    }
}

// Inline SVG icons: no external assets, and no reliance on the device having an emoji font.
const ICON_DONE: &str = r##"<svg viewBox="0 0 48 48" width="56" height="56"><circle cx="24" cy="24" r="22" fill="#1e8e3e"/><path d="M14 25l7 7 13-15" fill="none" stroke="#fff" stroke-width="4" stroke-linecap="round" stroke-linejoin="round"/></svg>"##;
const ICON_CANCELLED: &str = r##"<svg viewBox="0 0 48 48" width="56" height="56"><circle cx="24" cy="24" r="22" fill="#6b7785"/><path d="M16 24h16" stroke="#fff" stroke-width="4" stroke-linecap="round"/></svg>"##;
const ICON_FAILED: &str = r##"<svg viewBox="0 0 48 48" width="56" height="56"><circle cx="24" cy="24" r="22" fill="#e8a200"/><path d="M24 13v14" stroke="#fff" stroke-width="4" stroke-linecap="round"/><circle cx="24" cy="34" r="2.5" fill="#fff"/></svg>"##;
const ICON_INVALID: &str = r##"<svg viewBox="0 0 48 48" width="56" height="56"><circle cx="24" cy="24" r="22" fill="#c5221f"/><path d="M17 17l14 14M31 17l-14 14" stroke="#fff" stroke-width="4" stroke-linecap="round"/></svg>"##;

fn urlencode_username(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// The ESIA error counts in Prometheus' text format, for `/metrics`: codes only, nothing personal.
pub async fn metrics_text(store: &Store) -> String {
    let counts = match store.esia_error_counts().await {
        Ok(counts) => counts,
        Err(err) => {
            tracing::warn!(error = %err, "metrics: cannot read the ESIA error counts");
            return String::new();
        }
    };
    let mut out = String::from(
        "# HELP kvrachu_esia_errors_total ESIA error codes answered to logins, by code and kind (configuration: the bot's ESIA setup needs fixing).\n# TYPE kvrachu_esia_errors_total counter\n",
    );
    for (code, kind, count) in counts {
        // Both come from our own formatting (ESIA-NNNNNN, a fixed label): nothing to escape.
        out.push_str(&format!(
            "kvrachu_esia_errors_total{{code=\"{code}\",kind=\"{kind}\"}} {count}\n"
        ));
    }
    out
}
