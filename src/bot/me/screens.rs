//! What «Мои данные» looks like: the card (or the invitation to fill it), and what the form of the user's
//! own data shows of its own (its buttons, the details; the form itself is drawn by
//! [`crate::bot::person_form::screens`]). Drawing only.

use crate::bot::callback::Cb as BotCb;
use crate::bot::ctx::{Ctx, Who};
use crate::bot::person_form::screens::{policy_line, Drawn};
use crate::bot::person_form::Tap;
use crate::bot::screen::Screen;
use crate::i18n::{escape_html, Lang};
use crate::store::SelfDetails;
use crate::t;

use super::cb::Cb;
use super::state::{OwnData, SelfForm};

fn cb(cb: Cb) -> BotCb {
    BotCb::Me(cb)
}

fn details_block(lang: Lang, details: &SelfDetails, masked: bool) -> String {
    t!(
        lang,
        "me-details",
        name = escape_html(details.full_name.full()),
        birth_date = details.birth_date.to_string(),
        policy = policy_line(lang, &details.policy, masked)
    )
}

/// «Мои данные»: the data (the policy masked) with «Изменить», or what to fill and why.
pub async fn card_screen(ctx: &Ctx, who: &Who) -> anyhow::Result<Screen> {
    let lang = who.lang;
    let screen = match ctx.store.self_details(who.user_id).await? {
        Some(details) => Screen::new(
            ctx,
            lang,
            format!(
                "{}\n\n{}",
                t!(lang, "me-title"),
                details_block(lang, &details, true)
            ),
        )
        .button(t!(lang, "me-btn-change"), cb(Cb::Fill)),
        None => Screen::new(ctx, lang, t!(lang, "me-empty"))
            .button(t!(lang, "me-btn-fill"), cb(Cb::Fill)),
    };
    Ok(screen.button(t!(lang, "btn-menu"), BotCb::Menu))
}

/// The form of the user's own data: the person form, with «Мои данные»'s buttons and details.
impl Drawn for OwnData {
    fn button(tap: Tap) -> BotCb {
        cb(Cb::Form(tap))
    }

    fn details_text(lang: Lang, form: &SelfForm) -> Option<String> {
        // The summary is where the user checks what they typed, so the policy is shown whole.
        Some(details_block(lang, &form.details()?, false))
    }
}
