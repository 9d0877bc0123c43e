//! Journey 1: /start → greeting → personal-data notice with «Согласен» → the main menu.
//! Also /cancel, the reset after an unreadable state, and answers to text nobody asked for.

use teloxide::prelude::*;

use crate::t;

use super::callback::Section;
use super::screen::button;
use super::{
    children, clinics, save, settings, BotDialogue, Cb, Ctx, HandlerResult, Screen, State, Who,
};

pub async fn start(bot: &Bot, ctx: &Ctx, who: &Who, dialogue: &BotDialogue) -> HandlerResult {
    if !who.consented {
        save(dialogue, State::Start).await?;
        return show_consent(bot, ctx, who, None).await;
    }
    bot.send_message(who.chat_id, t!(who.lang, "greeting-again"))
        .await?;
    show_menu(bot, ctx, who, dialogue, None).await
}

fn consent_screen(ctx: &Ctx, who: &Who) -> Screen {
    Screen::new(
        ctx,
        who.lang,
        format!(
            "{}\n\n{}",
            t!(
                who.lang,
                "greeting",
                region = crate::i18n::escape_html(&ctx.settings.region_name)
            ),
            t!(who.lang, "consent-notice")
        ),
    )
    .button(t!(who.lang, "btn-consent"), Cb::Consent)
    .row(vec![
        button(t!(who.lang, "btn-privacy"), Cb::Privacy),
        button(t!(who.lang, "btn-language"), Cb::Language),
    ])
}

/// The notice that nothing personal is asked before consent.
pub async fn show_consent(
    bot: &Bot,
    ctx: &Ctx,
    who: &Who,
    q: Option<&CallbackQuery>,
) -> HandlerResult {
    let screen = consent_screen(ctx, who);
    match q {
        Some(q) => screen.replace(bot, q).await?,
        None => {
            screen.send(bot, who.chat_id).await?;
        }
    }
    Ok(())
}

pub async fn consent_given(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
) -> HandlerResult {
    ctx.store
        .record_consent(who.user_id, ctx.clock.now().timestamp())
        .await?;
    bot.answer_callback_query(q.id.clone())
        .text(t!(who.lang, "consent-thanks"))
        .await?;
    let who = Who {
        consented: true,
        ..who.clone()
    };
    show_menu(bot, ctx, &who, dialogue, Some(q)).await
}

pub fn menu_screen(ctx: &Ctx, who: &Who) -> Screen {
    let lang = who.lang;
    Screen::new(ctx, lang, t!(lang, "menu-title"))
        .row(vec![button(
            t!(lang, "menu-gosuslugi"),
            Cb::Section(Section::Gosuslugi),
        )])
        .row(vec![
            button(t!(lang, "menu-book"), Cb::Section(Section::Book)),
            button(
                t!(lang, "menu-appointments"),
                Cb::Section(Section::Appointments),
            ),
        ])
        .row(vec![
            button(t!(lang, "menu-children"), Cb::Section(Section::Children)),
            button(t!(lang, "menu-settings"), Cb::Section(Section::Settings)),
        ])
}

/// Shows the main menu: in place of the tapped message, or as a new message.
pub async fn show_menu(
    bot: &Bot,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    q: Option<&CallbackQuery>,
) -> HandlerResult {
    save(dialogue, State::Menu).await?;
    let screen = menu_screen(ctx, who).row(children::menu_row(ctx, who).await?);
    match q {
        Some(q) => screen.replace(bot, q).await?,
        None => {
            screen.send(bot, who.chat_id).await?;
        }
    }
    Ok(())
}

/// /cancel: leaves whatever the user was doing and shows the menu.
pub async fn cancel(bot: &Bot, ctx: &Ctx, who: &Who, dialogue: &BotDialogue) -> HandlerResult {
    if !who.consented {
        save(dialogue, State::Start).await?;
        return show_consent(bot, ctx, who, None).await;
    }
    bot.send_message(who.chat_id, t!(who.lang, "cancelled"))
        .await?;
    show_menu(bot, ctx, who, dialogue, None).await
}

/// The stored state could not be read (a release changed it): apologise and start from the menu.
pub async fn reset_stale(bot: &Bot, ctx: &Ctx, who: &Who, dialogue: &BotDialogue) -> HandlerResult {
    save(dialogue, State::Menu).await?;
    bot.send_message(who.chat_id, t!(who.lang, "state-reset"))
        .await?;
    if who.consented {
        show_menu(bot, ctx, who, dialogue, None).await
    } else {
        save(dialogue, State::Start).await?;
        show_consent(bot, ctx, who, None).await
    }
}

pub async fn reset_stale_message(
    bot: Bot,
    ctx: std::sync::Arc<Ctx>,
    who: Who,
    dialogue: BotDialogue,
) -> HandlerResult {
    reset_stale(&bot, &ctx, &who, &dialogue).await
}

/// Text before consent: nothing personal is read; the notice is shown again.
pub async fn ask_consent_again(bot: Bot, ctx: std::sync::Arc<Ctx>, who: Who) -> HandlerResult {
    bot.send_message(who.chat_id, t!(who.lang, "consent-needed"))
        .await?;
    show_consent(&bot, &ctx, &who, None).await
}

/// Text where no question was asked: say what the bot understands and show the current step again.
pub async fn unexpected_text(
    bot: Bot,
    ctx: std::sync::Arc<Ctx>,
    who: Who,
    dialogue: BotDialogue,
    state: State,
) -> HandlerResult {
    bot.send_message(who.chat_id, t!(who.lang, "unexpected-text"))
        .await?;
    show_current_step(&bot, &ctx, &who, &dialogue, &state).await
}

/// Shows the screen of the step the user is on, as a new message.
pub async fn show_current_step(
    bot: &Bot,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    state: &State,
) -> HandlerResult {
    match state {
        State::Start if !who.consented => show_consent(bot, ctx, who, None).await,
        State::Settings => {
            settings::settings_screen(ctx, who)
                .send(bot, who.chat_id)
                .await?;
            Ok(())
        }
        State::ConfirmForget => {
            settings::forget_screen(ctx, who)
                .send(bot, who.chat_id)
                .await?;
            Ok(())
        }
        State::Children(here) => children::show_current(bot, ctx, who, dialogue, here).await,
        State::Clinics(step) => clinics::show_step(bot, ctx, who, step).await,
        State::Booking(here) => super::booking::show_current(bot, ctx, who, dialogue, here).await,
        State::Gosuslugi(step) => super::gosuslugi::show_step(bot, ctx, who, *step).await,
        State::Start | State::Menu | State::Stale => show_menu(bot, ctx, who, dialogue, None).await,
    }
}
