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
use teloxide::Bot;

use crate::bot::gosuslugi::{self, LoginResult};
use crate::bot::Ctx;
use crate::config::EsiaSettings;
use crate::domain::local_today;
use crate::esia::{self, Callback, LinkOutcome};
use crate::i18n::{escape_html, Lang};
use crate::t;

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
    let (result, kind) = match callback {
        Callback::Code { code, .. } => {
            let today = local_today(now, s.ctx.settings.region_tz);
            match esia::complete_login(&s.ctx.esia, &s.ctx.store, login.user_id, &code, now, today)
                .await
            {
                Ok(LinkOutcome::Linked(link)) => (LoginResult::Linked(link), PageKind::Done),
                Ok(LinkOutcome::Underage) => {
                    tracing::info!(user = login.user_id, "Gosuslugi login of someone under 14");
                    (LoginResult::Underage, PageKind::Done)
                }
                Err(err) => {
                    tracing::warn!(user = login.user_id, error = %err, "Gosuslugi login failed; nothing linked");
                    (LoginResult::Failed, PageKind::Failed)
                }
            }
        }
        Callback::Error { error, .. } => {
            tracing::info!(user = login.user_id, error = %error, "ESIA returned an error");
            if error == "access_denied" {
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

/// The language of a browser: English when it prefers English, Russian otherwise.
pub fn lang_from_headers(headers: &HeaderMap) -> Lang {
    let first = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|tag| tag.split(';').next().unwrap_or(tag).trim().to_owned());
    Lang::from_telegram(first.as_deref())
}

/// A small self-contained HTML page: inline CSS, no external assets, readable on a phone.
pub fn page(lang: Lang, title: &str, body: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title}</title>
<style>
*{{box-sizing:border-box}}
body{{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:#eef2f7;
font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1b2733}}
main{{width:100%;max-width:28rem;margin:1rem;padding:2rem 1.5rem;background:#fff;border-radius:1rem;
box-shadow:0 4px 24px rgba(15,40,80,.10);text-align:center}}
h1{{font-size:1.4rem;margin:.5rem 0 1rem}}
p{{line-height:1.5;margin:0 0 1rem}}
.icon{{line-height:0}}
.button,button{{display:block;width:100%;padding:.9rem 1rem;margin:.75rem 0 0;border:0;border-radius:.6rem;
background:#0d4cd3;color:#fff;font-size:1rem;text-decoration:none;cursor:pointer;text-align:center}}
button.person{{background:#f3f6fb;color:#1b2733;border:1px solid #c9d4e5;text-align:left}}
button.person:hover{{border-color:#0d4cd3}}
button.person b,button.person small{{display:block}}
button.person small{{color:#4d5b6a;margin-top:.25rem}}
button.secondary{{background:#fff;color:#b3261e;border:1px solid #e3b5b1}}
.badge{{display:inline-block;padding:.25rem .6rem;border-radius:1rem;background:#fff4d6;color:#7a5a00;font-size:.85rem}}
code{{word-break:break-all}}
</style>
</head>
<body><main>{body}</main></body>
</html>
"#,
        lang = lang.code(),
        title = escape_html(title),
        body = body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_browser_language_picks_the_page_language() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::ACCEPT_LANGUAGE,
                HeaderValue::from_str(value).unwrap(),
            );
            lang_from_headers(&headers)
        };
        assert_eq!(with("en-US,en;q=0.9,ru;q=0.8"), Lang::En);
        assert_eq!(with("ru-RU,ru;q=0.9"), Lang::Ru);
        assert_eq!(with("de"), Lang::Ru);
        assert_eq!(lang_from_headers(&HeaderMap::new()), Lang::Ru);
    }

    #[test]
    fn the_page_escapes_its_title_and_has_no_external_assets() {
        let html = page(Lang::Ru, "<x>", "<p>тело</p>");
        assert!(html.contains("<title>&lt;x&gt;</title>"));
        assert!(html.contains("<p>тело</p>"));
        assert!(!html.contains("http://") && !html.contains("https://"));
        assert!(html.contains(r#"name="viewport""#));
    }
}
