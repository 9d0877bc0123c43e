//! `GET /esia/callback`: where ESIA sends the browser back after a login.
//!
//! The state is consumed first (unknown, expired or used → an error page, nothing stored), so a replayed
//! or forged callback changes nothing. Then the code is exchanged and the link stored (see
//! [`crate::esia::complete_login`]), the browser gets a small page «Готово — вернитесь в Telegram», and the
//! bot tells the user the result in Telegram. Everything lives in the database, so any instance may serve
//! the callback. In demo mode the demo identity provider is served here too.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use teloxide::Bot;

use crate::bot::gosuslugi::{self, LoginResult};
use crate::bot::Ctx;
use crate::config::EsiaSettings;
use crate::domain::local_today;
use crate::esia::{self, Callback, LinkOutcome};
use crate::i18n::{escape_html, Lang};
use crate::t;
use crate::web::{lang_from_headers, page};

/// What the callback needs: the bot's context, the bot to message the user, and its @username.
#[derive(Clone)]
pub struct EsiaHttp {
    pub ctx: Arc<Ctx>,
    pub bot: Bot,
    pub bot_username: String,
}

/// `/esia/callback`, and the demo identity provider under `/demo/esia` in demo mode.
pub fn router(esia_http: EsiaHttp) -> Router {
    let demo = esia_http.ctx.settings.esia == EsiaSettings::Demo;
    let router = Router::new()
        .route("/esia/callback", get(callback))
        .with_state(esia_http);
    if demo {
        router.nest(esia::DEMO_PATH, esia::demo::router())
    } else {
        router
    }
}

/// Which page to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PageKind {
    Done,
    Cancelled,
    Failed,
    Invalid,
}

async fn callback(
    State(s): State<EsiaHttp>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let now = s.ctx.clock.now();
    let callback = Callback::from_query(&query);
    let consumed = match callback.state() {
        Some(state) => s.ctx.store.consume_esia_login(state, now.timestamp()).await,
        None => Ok(None),
    };
    let login = match consumed {
        Ok(Some(login)) => login,
        Ok(None) => {
            tracing::info!(kind = ?callback, "ESIA callback refused: unknown, expired or used state");
            return page_response(&s, lang_from_headers(&headers), PageKind::Invalid);
        }
        Err(err) => {
            tracing::error!(error = %err, "ESIA callback: cannot read the login state");
            return page_response(&s, lang_from_headers(&headers), PageKind::Failed);
        }
    };
    let denied = callback.is_denied();
    let (result, kind) = match callback {
        Callback::Code { code, .. } => {
            match link_account(&s.ctx, login.user_id, &code, now).await {
                Ok(result) => (result, PageKind::Done),
                Err(err) => {
                    tracing::warn!(user = login.user_id, error = %err, "Gosuslugi login failed; nothing linked");
                    (LoginResult::Failed, PageKind::Failed)
                }
            }
        }
        Callback::Error { error, .. } => {
            tracing::info!(user = login.user_id, error = %error, "ESIA returned an error");
            if denied {
                (LoginResult::Cancelled, PageKind::Cancelled)
            } else {
                (LoginResult::Failed, PageKind::Failed)
            }
        }
        // A callback without a state never consumes one.
        Callback::Invalid => (LoginResult::Failed, PageKind::Failed),
    };
    // The page does not wait for Telegram.
    let (bot, ctx, user_id, lang) = (s.bot.clone(), s.ctx.clone(), login.user_id, login.lang);
    tokio::spawn(async move {
        if let Err(err) = gosuslugi::announce(&bot, &ctx, user_id, lang, &result).await {
            tracing::warn!(user = user_id, error = %err, "cannot tell the user the Gosuslugi result");
        }
        // A booking that waited for the login comes back to its confirmation.
        if let Err(err) = crate::bot::booking::resume_after_link(&bot, &ctx, user_id, lang).await {
            tracing::warn!(user = user_id, error = %err, "cannot resume the booking after the login");
        }
    });
    page_response(&s, login.lang, kind)
}

/// Exchanges the code, checks the person and stores the link: nothing is stored unless every step
/// succeeded (see [`esia::complete_login`]).
async fn link_account(
    ctx: &Ctx,
    user_id: i64,
    code: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<LoginResult> {
    let today = local_today(now, ctx.settings.region_tz);
    match esia::complete_login(&ctx.esia, code, now, today).await? {
        LinkOutcome::Underage => {
            tracing::info!(user = user_id, "Gosuslugi login of someone under 14");
            Ok(LoginResult::Underage)
        }
        LinkOutcome::Linked {
            link,
            refresh_token,
        } => {
            ctx.store
                .save_esia_link(user_id, &link, refresh_token.as_deref())
                .await?;
            tracing::info!(
                user = user_id,
                level = link.level.code(),
                kids = link.kids.len(),
                has_policy = link.policy.is_some(),
                "Gosuslugi account linked"
            );
            Ok(LoginResult::Linked(*link))
        }
    }
}

fn page_response(s: &EsiaHttp, lang: Lang, kind: PageKind) -> Response {
    let (status, icon, title, text) = match kind {
        PageKind::Done => (
            StatusCode::OK,
            ICON_DONE,
            t!(lang, "page-done-title"),
            t!(lang, "page-done-text"),
        ),
        PageKind::Cancelled => (
            StatusCode::OK,
            ICON_CANCELLED,
            t!(lang, "page-cancelled-title"),
            t!(lang, "page-cancelled-text"),
        ),
        PageKind::Failed => (
            StatusCode::BAD_GATEWAY,
            ICON_FAILED,
            t!(lang, "page-failed-title"),
            t!(lang, "page-failed-text"),
        ),
        PageKind::Invalid => (
            StatusCode::BAD_REQUEST,
            ICON_INVALID,
            t!(lang, "page-invalid-title"),
            t!(lang, "page-invalid-text"),
        ),
    };
    let link = format!("https://t.me/{}", urlencode_username(&s.bot_username));
    let body = format!(
        r#"<div class="icon" aria-hidden="true">{icon}</div><h1>{title}</h1><p>{text}</p><a class="button" href="{link}">{button}</a>"#,
        title = escape_html(&title),
        text = text,
        link = escape_html(&link),
        button = t!(lang, "page-open-telegram"),
    );
    let mut response = (status, Html(page(lang, &title, &body))).into_response();
    // The URL held a one-time code: keep it out of caches and referrers.
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
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
