//! Group chats: the bot never reads or shows personal data there; it points to a private chat instead.

use teloxide::prelude::*;
use teloxide::types::{Me, MessageEntityKind};

use crate::i18n::Lang;
use crate::t;

use super::ctx::HandlerResult;

/// Answers a command, a mention or a reply addressed to the bot with one line; other group chatter is
/// not for the bot and is left alone.
pub async fn refuse_message(bot: Bot, msg: Message, me: Me) -> HandlerResult {
    if !is_addressed_to_bot(&msg, &me) {
        return Ok(());
    }
    let lang = Lang::from_telegram(msg.from.as_ref().and_then(|u| u.language_code.as_deref()));
    bot.send_message(
        msg.chat.id,
        t!(lang, "group-refusal", bot = bot_username(&me)),
    )
    .await?;
    Ok(())
}

pub async fn refuse_callback(bot: Bot, q: CallbackQuery, me: Me) -> HandlerResult {
    let lang = Lang::from_telegram(q.from.language_code.as_deref());
    bot.answer_callback_query(q.id.clone())
        .text(t!(lang, "group-refusal", bot = bot_username(&me)))
        .show_alert(true)
        .await?;
    Ok(())
}

fn is_addressed_to_bot(msg: &Message, me: &Me) -> bool {
    let username = bot_username(me);
    let text = msg.text().or(msg.caption()).unwrap_or_default();
    if text.starts_with('/') {
        return true;
    }
    if msg
        .reply_to_message()
        .and_then(|m| m.from.as_ref())
        .is_some_and(|u| u.id == me.user.id)
    {
        return true;
    }
    let mentioned = msg.parse_entities().unwrap_or_default().iter().any(|e| {
        matches!(e.kind(), MessageEntityKind::Mention)
            && e.text()
                .trim_start_matches('@')
                .eq_ignore_ascii_case(&username)
    });
    mentioned
        || (!username.is_empty()
            && text
                .to_lowercase()
                .contains(&format!("@{}", username.to_lowercase())))
}

/// The bot's @username, for links back to it.
pub fn bot_username(me: &Me) -> String {
    me.user.username.clone().unwrap_or_default()
}
