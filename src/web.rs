//! The bot's own small web pages (the Gosuslugi callback's result, the demo identity provider): one
//! self-contained HTML frame and the browser's language. A leaf: it knows nothing of the handlers that
//! serve the pages, so both `http` and `esia` may use it.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};

use crate::i18n::{escape_html, Lang};

/// The language of a browser: English when it prefers English, Russian otherwise.
pub fn lang_from_headers(headers: &HeaderMap) -> Lang {
    let first = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|tag| tag.split(';').next().unwrap_or(tag).trim().to_owned());
    Lang::from_telegram(first.as_deref())
}

/// The browser's language ([`lang_from_headers`]), as a handler takes it.
pub struct BrowserLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for BrowserLang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(BrowserLang(lang_from_headers(&parts.headers)))
    }
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
    use axum::http::HeaderValue;

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
