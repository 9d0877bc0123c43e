//! A screen is a text with its inline keyboard. Navigation edits the message in place; answers to typed
//! input arrive as new messages (Telegram cannot edit the user's own message).

use teloxide::payloads::{EditMessageTextSetters, SendMessageSetters};
use teloxide::prelude::*;
use teloxide::types::{
    InlineKeyboardButton, InlineKeyboardButtonKind, InlineKeyboardMarkup, MessageId, ParseMode,
};
use teloxide::ApiError;
use teloxide::RequestError;

use crate::i18n::Lang;

use super::callback::Cb;
use super::ctx::Ctx;

#[derive(Clone, Debug, PartialEq)]
pub struct Screen {
    pub text: String,
    pub keyboard: Vec<Vec<InlineKeyboardButton>>,
}

impl Screen {
    /// A screen whose first line says «Демо-режим» when the bot runs on the sandbox registry (see
    /// [`crate::config::Settings::is_demo`]); with a real registry bookings are real, whatever the login.
    pub fn new(ctx: &Ctx, lang: Lang, body: String) -> Self {
        if ctx.settings.is_demo() && !ctx.settings.esia.is_on() {
            // The demo registry without Gosuslugi: the badge says nothing of a login.
            let badge = crate::t!(lang, "demo-badge-off");
            return Self::plain(format!(
                "{badge}

{body}"
            ));
        }
        Self::with_badge(lang, ctx.settings.is_demo(), body)
    }

    /// The same, for the workers' messages, which are written without a conversation's context.
    pub fn with_badge(lang: Lang, demo: bool, body: String) -> Self {
        let text = if demo {
            format!("{}\n\n{body}", crate::t!(lang, "demo-badge"))
        } else {
            body
        };
        Self {
            text,
            keyboard: Vec::new(),
        }
    }

    /// A screen without the demo line, for short notices.
    pub fn plain(text: String) -> Self {
        Self {
            text,
            keyboard: Vec::new(),
        }
    }

    pub fn row(mut self, buttons: Vec<InlineKeyboardButton>) -> Self {
        if !buttons.is_empty() {
            self.keyboard.push(buttons);
        }
        self
    }

    pub fn button(self, label: String, cb: Cb) -> Self {
        self.row(vec![button(label, cb)])
    }

    /// The text as Telegram takes it: at most [`MAX_TEXT_CHARS`] characters. A longer one (a Gosuslugi card
    /// with many children, say) is cut at the last whole line that fits, with «…» after it, rather than
    /// refused by Telegram and lost.
    fn text(&self) -> std::borrow::Cow<'_, str> {
        fit_text(&self.text)
    }

    fn markup(&self) -> InlineKeyboardMarkup {
        InlineKeyboardMarkup::new(self.keyboard.clone())
    }

    pub async fn send(&self, bot: &Bot, chat: ChatId) -> Result<Message, RequestError> {
        let sent = bot
            .send_message(chat, self.text())
            .parse_mode(ParseMode::Html)
            .reply_markup(self.markup())
            .await;
        match sent {
            Err(err) if link_refused(&err) => match self.without_links() {
                Some(screen) => Box::pin(screen.send(bot, chat)).await,
                None => Err(err),
            },
            other => other,
        }
    }

    pub async fn edit(
        &self,
        bot: &Bot,
        chat: ChatId,
        message: MessageId,
    ) -> Result<(), RequestError> {
        match bot
            .edit_message_text(chat, message, self.text())
            .parse_mode(ParseMode::Html)
            .reply_markup(self.markup())
            .await
        {
            Ok(_) => Ok(()),
            // A second tap on the same button shows the same screen: nothing to change is fine.
            Err(RequestError::Api(ApiError::MessageNotModified)) => Ok(()),
            Err(err) if link_refused(&err) => match self.without_links() {
                Some(screen) => Box::pin(screen.edit(bot, chat, message)).await,
                None => Err(err),
            },
            Err(err) => Err(err),
        }
    }

    /// What is left to try when Telegram refuses a link in the keyboard: first, Telegram login buttons
    /// become plain links (a domain not set with @BotFather's /setdomain refuses them; a plain link still
    /// logs in, confirmed with a one-time code); then the plain links go (a PUBLIC_URL on 127.0.0.1 or
    /// `localhost`, say). Every such screen also offers a way on that needs no link (in the demo,
    /// «Тестовый вход в чате»). `None` when nothing is left to drop.
    fn without_links(&self) -> Option<Screen> {
        let is_login =
            |b: &InlineKeyboardButton| matches!(b.kind, InlineKeyboardButtonKind::LoginUrl(_));
        if self.keyboard.iter().flatten().any(is_login) {
            tracing::warn!("Telegram refused a login button: is PUBLIC_URL's domain set with @BotFather's /setdomain?");
            let keyboard = self
                .keyboard
                .iter()
                .map(|row| row.iter().map(plain_link).collect())
                .collect();
            return Some(Screen {
                text: self.text.clone(),
                keyboard,
            });
        }
        let is_link = |b: &InlineKeyboardButton| matches!(b.kind, InlineKeyboardButtonKind::Url(_));
        if !self.keyboard.iter().flatten().any(is_link) {
            return None;
        }
        tracing::warn!(
            "Telegram refused a link button: is PUBLIC_URL reachable from the internet?"
        );
        let keyboard = self
            .keyboard
            .iter()
            .map(|row| {
                row.iter()
                    .filter(|b| !is_link(b))
                    .cloned()
                    .collect::<Vec<_>>()
            })
            .filter(|row| !row.is_empty())
            .collect();
        Some(Screen {
            text: self.text.clone(),
            keyboard,
        })
    }

    /// Shows the screen in place of the message the button was on, or as a new message when that one can no
    /// longer be edited (too old, deleted, or not known).
    pub async fn replace(&self, bot: &Bot, q: &CallbackQuery) -> Result<(), RequestError> {
        if let Some(message) = q.regular_message() {
            match self.edit(bot, message.chat.id, message.id).await {
                Ok(()) => return Ok(()),
                Err(err) => tracing::debug!(error = %err, "cannot edit; sending a new message"),
            }
        }
        let chat = super::callback_chat(q);
        self.send(bot, chat).await.map(|_| ())
    }
}

/// Telegram's limit for a message's text, in UTF-16 code units as Telegram counts them (after entities are
/// parsed; counting the markup too keeps us on the safe side).
pub const MAX_TEXT_CHARS: usize = 4096;

/// `text` cut to [`MAX_TEXT_CHARS`] at the last whole line that fits, with «…» after it.
pub fn fit_text(text: &str) -> std::borrow::Cow<'_, str> {
    let units = |s: &str| s.encode_utf16().count();
    if units(text) <= MAX_TEXT_CHARS {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut kept = String::new();
    for line in text.lines() {
        // The line, its newline and the «…» line must all fit.
        if units(&kept) + units(line) + 3 > MAX_TEXT_CHARS {
            break;
        }
        kept.push_str(line);
        kept.push('\n');
    }
    kept.push('…');
    std::borrow::Cow::Owned(kept)
}

/// A Telegram login button as a plain link to the same URL; any other button as it is.
fn plain_link(b: &InlineKeyboardButton) -> InlineKeyboardButton {
    match &b.kind {
        InlineKeyboardButtonKind::LoginUrl(login) => {
            InlineKeyboardButton::url(b.text.clone(), login.url.clone())
        }
        _ => b.clone(),
    }
}

/// Telegram refused a link in the keyboard (it does not accept links to `localhost`, for one, nor login
/// buttons for a domain the bot is not linked to).
fn link_refused(err: &RequestError) -> bool {
    match err {
        RequestError::Api(ApiError::ButtonUrlInvalid) => true,
        RequestError::Api(ApiError::Unknown(text)) => {
            let text = text.to_ascii_lowercase();
            text.contains("button url")
                || text.contains("url_invalid")
                || text.contains("domain_invalid")
        }
        _ => false,
    }
}

pub fn button(label: String, cb: Cb) -> InlineKeyboardButton {
    InlineKeyboardButton::callback(label, cb.encode())
}

/// «Сервис записи временно недоступен» with «Повторить» (`retry`) and «Меню»; a refusal shows the
/// registry's own words.
pub fn registry_failure(
    ctx: &Ctx,
    lang: Lang,
    err: &crate::registry::RegistryError,
    retry: Cb,
) -> Screen {
    let body = match err {
        crate::registry::RegistryError::Business {
            message: Some(message),
            ..
        } => crate::t!(
            lang,
            "registry-refused",
            message = crate::i18n::escape_html(message)
        ),
        _ => crate::t!(lang, "registry-unavailable"),
    };
    Screen::new(ctx, lang, body)
        .button(crate::t!(lang, "clinics-btn-retry"), retry)
        .row(vec![button(crate::t!(lang, "btn-menu"), Cb::Menu)])
}

/// The one log line of a registry call that failed in a journey (its kind, never a response).
pub fn log_registry_error(journey: &'static str, err: &crate::registry::RegistryError) {
    tracing::warn!(journey, error = %err, "the registry failed");
    crate::telemetry::registry_error(err.metric_code());
}

/// Page buttons shown at once, besides «‹» and «›».
pub const PAGE_WINDOW: u32 = 5;

/// «‹ 1 2 3 4 5 ›» around the current page, which is marked «· n ·»; nothing for a single page.
pub fn pager(page: u32, pages: u32) -> Vec<(String, u32)> {
    if pages <= 1 {
        return Vec::new();
    }
    let first = page
        .saturating_sub(PAGE_WINDOW / 2)
        .min(pages.saturating_sub(PAGE_WINDOW - 1))
        .max(1);
    let last = (first + PAGE_WINDOW - 1).min(pages);
    let mut buttons = Vec::new();
    if page > 1 {
        buttons.push(("‹".to_owned(), page - 1));
    }
    for n in first..=last {
        let label = if n == page {
            format!("· {n} ·")
        } else {
            n.to_string()
        };
        buttons.push((label, n));
    }
    if page < pages {
        buttons.push(("›".to_owned(), page + 1));
    }
    buttons
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_over_telegrams_limit_is_cut_at_a_whole_line() {
        let short = "Мои дети\nМария";
        assert_eq!(fit_text(short), short);
        let line = "👧 <b>Иванова Мария Ивановна</b>, 01.02.2015, полис •••• 1234";
        let long: String = std::iter::repeat_n(line, 200)
            .collect::<Vec<_>>()
            .join("\n");
        let cut = fit_text(&long);
        assert!(cut.encode_utf16().count() <= MAX_TEXT_CHARS);
        assert!(cut.ends_with('…'));
        // Only whole lines are kept: every kept line is one of the originals.
        let kept: Vec<&str> = cut.trim_end_matches('…').lines().collect();
        assert!(!kept.is_empty() && kept.iter().all(|l| *l == line));
    }

    #[test]
    fn the_pager_marks_the_current_page_and_slides_its_window() {
        let labels = |page, pages| {
            pager(page, pages)
                .into_iter()
                .map(|(l, _)| l)
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(labels(1, 1), "");
        assert_eq!(labels(1, 3), "· 1 · 2 3 ›");
        assert_eq!(labels(2, 3), "‹ 1 · 2 · 3 ›");
        assert_eq!(labels(3, 3), "‹ 1 2 · 3 ·");
        assert_eq!(labels(1, 9), "· 1 · 2 3 4 5 ›");
        assert_eq!(labels(5, 9), "‹ 3 4 · 5 · 6 7 ›");
        assert_eq!(labels(9, 9), "‹ 5 6 7 8 · 9 ·");
        assert_eq!(pager(2, 3)[0], ("‹".to_owned(), 1));
    }
}
