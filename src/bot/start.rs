//! Journey 1: /start → greeting → personal-data notice with «Согласен» → the main menu.
//! Also /cancel, the reset after an unreadable state, and answers to text nobody asked for.

use crate::t;

use super::callback::{Cb, Section};
use super::children;
use super::ctx::{Ctx, Who};
use super::reply::Reply;
use super::screen::{button, Screen};
use super::state::State;

/// /start: the notice before consent, the menu after it.
pub fn start(who: &Who) -> Reply {
    if !who.consented {
        return Reply::go(State::Start);
    }
    // The menu itself says where the user is: no «С возвращением!» line before it.
    Reply::go(State::Menu)
}

pub fn consent_screen(ctx: &Ctx, who: &Who) -> Screen {
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
            if ctx.settings.esia.is_on() {
                t!(who.lang, "consent-notice")
            } else {
                t!(who.lang, "consent-notice-off")
            }
        ),
    )
    .button(t!(who.lang, "btn-consent"), Cb::Consent)
    .row(vec![
        button(t!(who.lang, "btn-privacy"), Cb::Privacy),
        button(t!(who.lang, "btn-language"), Cb::Language),
    ])
}

/// «Согласен»: the consent is recorded with its time, and the menu opens.
pub async fn consent_given(ctx: &Ctx, who: &Who) -> anyhow::Result<Reply> {
    ctx.store
        .record_consent(who.user_id, ctx.clock.now().timestamp())
        .await?;
    let who = Who {
        consented: true,
        ..who.clone()
    };
    let menu = menu(ctx, &who).await?;
    Ok(Reply::show(State::Menu, menu).toast(t!(who.lang, "consent-thanks")))
}

/// A button other than the notice's own before consent: the notice again.
pub fn consent_needed(who: &Who) -> Reply {
    Reply::go(State::Start).toast(t!(who.lang, "consent-needed"))
}

pub fn menu_screen(ctx: &Ctx, who: &Who) -> Screen {
    let lang = who.lang;
    Screen::new(ctx, lang, t!(lang, "menu-title"))
        .row(vec![if ctx.settings.esia.is_on() {
            button(t!(lang, "menu-gosuslugi"), Cb::Section(Section::Gosuslugi))
        } else {
            button(t!(lang, "menu-me"), Cb::Section(Section::Me))
        }])
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

/// The main menu with the line of the person the bot books for.
pub async fn menu(ctx: &Ctx, who: &Who) -> anyhow::Result<Screen> {
    let mut screen = menu_screen(ctx, who);
    // «Записаться снова»: the active person's recent doctors, right under «Записаться».
    let again = super::booking::shortcuts::recent_buttons(ctx, who).await?;
    screen.keyboard.splice(2..2, again);
    Ok(screen.row(children::menu_row(ctx, who).await?))
}

/// /cancel: leaves whatever the user was doing and shows the menu.
pub fn cancel(who: &Who) -> Reply {
    if !who.consented {
        return Reply::go(State::Start);
    }
    Reply::go(State::Menu).toast(t!(who.lang, "cancelled"))
}

/// The stored state could not be read (a release changed it): apologise and start from the menu (or the
/// notice, before consent).
pub fn reset_stale(who: &Who) -> Reply {
    let state = if who.consented {
        State::Menu
    } else {
        State::Start
    };
    Reply::go(state).alert(t!(who.lang, "state-reset"))
}

/// Text before consent: nothing personal is read; the notice is shown again.
pub fn ask_consent_again(who: &Who) -> Reply {
    Reply::go(State::Start).toast(t!(who.lang, "consent-needed"))
}

/// Text where no question was asked: say what the bot understands and show the current step again —
/// or, where a button screen is already on display, point to its buttons and leave it where it is.
pub fn unexpected_text(who: &Who, state: &State) -> Reply {
    match state {
        State::Start => Reply::go(state.clone()).toast(t!(who.lang, "unexpected-text")),
        _ => Reply::buttons_only(who.lang),
    }
}
