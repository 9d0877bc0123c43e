//! «Настройки»: language, what is stored about the user (/privacy) and deleting it all (/forget).

use teloxide::prelude::*;

use crate::i18n::Lang;
use crate::t;

use super::screen::button;
use super::{
    forget_dialogue, save, start, BotDialogue, Cb, Ctx, HandlerResult, Screen, State, Who,
};

pub fn settings_screen(ctx: &Ctx, who: &Who) -> Screen {
    let lang = who.lang;
    Screen::new(ctx, lang, t!(lang, "settings-title"))
        .button(t!(lang, "btn-language"), Cb::Language)
        .button(
            t!(lang, "btn-reminders"),
            Cb::Reminders(super::reminders::Cb::Settings),
        )
        .button(t!(lang, "btn-privacy"), Cb::Privacy)
        .button(t!(lang, "btn-forget"), Cb::ForgetAsk)
        .button(t!(lang, "btn-menu"), Cb::Menu)
}

pub async fn show(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
) -> HandlerResult {
    bot.answer_callback_query(q.id.clone()).await?;
    save(dialogue, State::Settings).await?;
    settings_screen(ctx, who).replace(bot, q).await?;
    Ok(())
}

fn language_screen(ctx: &Ctx, who: &Who) -> Screen {
    Screen::new(ctx, who.lang, t!(who.lang, "language-choose")).row(vec![
        button("Русский".to_owned(), Cb::SetLang(Lang::Ru)),
        button("English".to_owned(), Cb::SetLang(Lang::En)),
    ])
}

pub async fn language_picker(bot: &Bot, q: &CallbackQuery, ctx: &Ctx, who: &Who) -> HandlerResult {
    bot.answer_callback_query(q.id.clone()).await?;
    language_screen(ctx, who).replace(bot, q).await?;
    Ok(())
}

pub async fn language_picker_message(bot: &Bot, ctx: &Ctx, who: &Who) -> HandlerResult {
    language_screen(ctx, who).send(bot, who.chat_id).await?;
    Ok(())
}

pub async fn set_language(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    lang: Lang,
) -> HandlerResult {
    ctx.store.set_lang(who.user_id, lang).await?;
    let who = Who {
        lang,
        ..who.clone()
    };
    bot.answer_callback_query(q.id.clone())
        .text(t!(lang, "language-set"))
        .await?;
    if who.consented {
        start::show_menu(bot, ctx, &who, dialogue, Some(q)).await
    } else {
        start::show_consent(bot, ctx, &who, Some(q)).await
    }
}

fn privacy_screen(ctx: &Ctx, who: &Who) -> Screen {
    let lang = who.lang;
    let screen = Screen::new(ctx, lang, t!(lang, "privacy-text"));
    if who.consented {
        screen
            .button(t!(lang, "btn-forget"), Cb::ForgetAsk)
            .button(t!(lang, "btn-menu"), Cb::Menu)
    } else {
        screen.button(t!(lang, "btn-consent"), Cb::Consent)
    }
}

pub async fn privacy(bot: &Bot, q: &CallbackQuery, ctx: &Ctx, who: &Who) -> HandlerResult {
    bot.answer_callback_query(q.id.clone()).await?;
    privacy_screen(ctx, who).replace(bot, q).await?;
    Ok(())
}

pub async fn privacy_message(bot: &Bot, ctx: &Ctx, who: &Who) -> HandlerResult {
    privacy_screen(ctx, who).send(bot, who.chat_id).await?;
    Ok(())
}

pub fn forget_screen(ctx: &Ctx, who: &Who) -> Screen {
    let lang = who.lang;
    Screen::new(ctx, lang, t!(lang, "forget-confirm")).row(vec![
        button(t!(lang, "btn-forget-yes"), Cb::ForgetYes),
        button(t!(lang, "btn-forget-no"), Cb::ForgetNo),
    ])
}

/// «Удалить все мои данные?» with a yes and a no.
pub async fn ask_forget(
    bot: &Bot,
    q: Option<&CallbackQuery>,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
) -> HandlerResult {
    save(dialogue, State::ConfirmForget).await?;
    let screen = forget_screen(ctx, who);
    match q {
        Some(q) => {
            bot.answer_callback_query(q.id.clone()).await?;
            screen.replace(bot, q).await?;
        }
        None => {
            screen.send(bot, who.chat_id).await?;
        }
    }
    Ok(())
}

/// Deletes everything about the user, then says so. The next /start begins from scratch.
pub async fn forget(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
) -> HandlerResult {
    ctx.store.forget_user(who.user_id).await?;
    forget_dialogue(dialogue).await?;
    tracing::info!(user = who.user_id, "user data deleted on request");
    bot.answer_callback_query(q.id.clone()).await?;
    Screen::plain(t!(who.lang, "forget-done"))
        .replace(bot, q)
        .await?;
    Ok(())
}
