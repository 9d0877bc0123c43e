//! «Настройки»: language, what is stored about the user (/privacy) and deleting it all (/forget).

use crate::i18n::Lang;
use crate::t;

use super::callback::Cb;
use super::ctx::{Ctx, Who};
use super::reply::Reply;
use super::screen::{button, Screen};
use super::start;
use super::state::State;

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

fn language_screen(ctx: &Ctx, who: &Who) -> Screen {
    Screen::new(ctx, who.lang, t!(who.lang, "language-choose")).row(vec![
        button("Русский".to_owned(), Cb::SetLang(Lang::Ru)),
        button("English".to_owned(), Cb::SetLang(Lang::En)),
    ])
}

/// The language picker, where the user is (/language or the button).
pub fn language_picker(ctx: &Ctx, who: &Who, state: &State) -> Reply {
    Reply::show(state.clone(), language_screen(ctx, who))
}

/// A language chosen: stored, and the menu (or the notice, before consent) in it.
pub async fn set_language(ctx: &Ctx, who: &Who, lang: Lang) -> anyhow::Result<Reply> {
    ctx.store.set_lang(who.user_id, lang).await?;
    let who = Who {
        lang,
        ..who.clone()
    };
    let reply = if who.consented {
        Reply::show(State::Menu, start::menu(ctx, &who).await?)
    } else {
        Reply::show(State::Start, start::consent_screen(ctx, &who))
    };
    Ok(reply.toast(t!(lang, "language-set")))
}

fn privacy_screen(ctx: &Ctx, who: &Who) -> Screen {
    let lang = who.lang;
    let text = if ctx.settings.esia.is_on() {
        t!(lang, "privacy-text")
    } else {
        t!(lang, "privacy-text-off")
    };
    let screen = Screen::new(ctx, lang, text);
    if who.consented {
        screen
            .button(t!(lang, "btn-forget"), Cb::ForgetAsk)
            .button(t!(lang, "btn-menu"), Cb::Menu)
    } else {
        screen.button(t!(lang, "btn-consent"), Cb::Consent)
    }
}

/// What is stored and why (/privacy or the button), where the user is.
pub fn privacy(ctx: &Ctx, who: &Who, state: &State) -> Reply {
    Reply::show(state.clone(), privacy_screen(ctx, who))
}

pub fn forget_screen(ctx: &Ctx, who: &Who) -> Screen {
    let lang = who.lang;
    let text = if ctx.settings.esia.is_on() {
        t!(lang, "forget-confirm")
    } else {
        t!(lang, "forget-confirm-off")
    };
    Screen::new(ctx, lang, text).row(vec![
        button(t!(lang, "btn-forget-yes"), Cb::ForgetYes),
        button(t!(lang, "btn-forget-no"), Cb::ForgetNo),
    ])
}

/// Deletes everything about the user, then says so. The next /start begins from scratch: the dialogue goes
/// too ([`State::Start`] is stored as no dialogue at all).
pub async fn forget(ctx: &Ctx, who: &Who) -> anyhow::Result<Reply> {
    ctx.store.forget_user(who.user_id).await?;
    tracing::info!(user = %crate::telemetry::user_tag(who.user_id), "user data deleted on request");
    Ok(Reply::show(
        State::Start,
        Screen::plain(t!(who.lang, "forget-done")),
    ))
}
