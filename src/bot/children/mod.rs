//! Journey 3: «Мои дети» — the list of children, adding one question by question (or from Gosuslugi),
//! changing and deleting them, and choosing who the user acts for («Для кого: Я» or a child).
//!
//! The form asks ФИО → date of birth → sex → relation → policy kind → number (or series, then number) and
//! ends on a summary with «Сохранить» / «Изменить» / «Закрыть». Every answer is parsed by `domain`; a wrong
//! one keeps the question and explains the rule with an example. Buttons carry child ids only; every handler
//! asks the store for the child *of this user*, so a forged id finds nothing.
//!
//! Bottom up: [`state`] (where the user is, the form's rules), [`cb`] (the buttons), `import` (the children
//! Gosuslugi lists), `screens` (drawing); here, what a tap or a text does, as a [`Reply`] for the shell.

pub mod cb;
mod import;
pub(in crate::bot) mod screens;
pub mod state;

use teloxide::types::InlineKeyboardButton;

use crate::bot::ctx::{Ctx, Who};
use crate::bot::person_form::{self, Tapped};
use crate::bot::reply::Reply;
use crate::bot::screen::Screen;
use crate::bot::state::State;
use crate::t;

pub use crate::bot::ctx::{ImportSource, ImportableChild};
pub use cb::Cb;
pub use import::importable_children;
pub use state::{ChildrenState, Field, Form, PolicyChoice, Step, Tap};

// ---------------------------------------------------------------------------------------------------------
// Screens of the journey's states

/// The main menu's row «👤 Для кого: Я».
pub async fn menu_row(ctx: &Ctx, who: &Who) -> anyhow::Result<Vec<InlineKeyboardButton>> {
    let person = ctx.store.active_person(who.user_id).await?;
    Ok(vec![screens::for_whom_button(who.lang, &person)])
}

/// The screen of `here`, and the state to store with it (a card of a child that is gone becomes the list).
pub async fn render(
    ctx: &Ctx,
    who: &Who,
    here: ChildrenState,
) -> anyhow::Result<(ChildrenState, Screen)> {
    let lang = who.lang;
    let screen = match &here {
        ChildrenState::List => screens::list_screen(ctx, who).await?,
        ChildrenState::Card { child } | ChildrenState::ConfirmDelete { child } => {
            let Some(found) = ctx.store.child(who.user_id, *child).await? else {
                return Ok((ChildrenState::List, screens::list_screen(ctx, who).await?));
            };
            if matches!(here, ChildrenState::Card { .. }) {
                screens::card_screen(ctx, lang, &found)
            } else {
                screens::delete_screen(ctx, lang, &found)
            }
        }
        ChildrenState::ChoosePerson => screens::person_screen(ctx, who).await?,
        ChildrenState::Import => screens::import_screen(ctx, who).await?,
        ChildrenState::Form(form) => person_form::screens::form_screen(ctx, lang, form, None),
    };
    Ok((here, screen))
}

// ---------------------------------------------------------------------------------------------------------
// Buttons

/// Every `k:` button lands here (and «Мои дети» in the menu is [`ChildrenState::List`]).
pub async fn on_tap(ctx: &Ctx, who: &Who, state: &State, tap: Cb) -> anyhow::Result<Reply> {
    let here = match state {
        State::Children(here) => Some(here),
        _ => None,
    };
    let reply = match tap {
        Cb::List => go(ChildrenState::List),
        Cb::Add => go(ChildrenState::Form(Form::adding())),
        Cb::Import => go(ChildrenState::Import),
        Cb::ChoosePerson => go(ChildrenState::ChoosePerson),
        Cb::Card(child) => to_child(ctx, who, child, ChildrenState::Card { child }).await?,
        Cb::Delete(child) => {
            to_child(ctx, who, child, ChildrenState::ConfirmDelete { child }).await?
        }
        Cb::Change(id) => change(ctx, who, id).await?,
        Cb::ImportPick(n) if here == Some(&ChildrenState::Import) => {
            import_pick(ctx, who, n).await?
        }
        Cb::ImportPick(_) => Reply::stale(),
        Cb::DeleteYes(child) | Cb::DeleteNo(child)
            if here != Some(&ChildrenState::ConfirmDelete { child }) =>
        {
            Reply::stale()
        }
        Cb::DeleteYes(id) => delete(ctx, who, id).await?,
        Cb::DeleteNo(child) => go(ChildrenState::Card { child }),
        Cb::ActAsMe => act_as(ctx, who, None).await?,
        Cb::ActAs(id) => act_as(ctx, who, Some(id)).await?,
        Cb::Form(tap) => match here {
            Some(ChildrenState::Form(form)) if form.fits(tap) => {
                on_form_tap(ctx, who, form.clone(), tap).await?
            }
            _ => Reply::stale(),
        },
    };
    Ok(reply)
}

/// Stores `here` and shows its screen.
fn go(here: ChildrenState) -> Reply {
    Reply::go(State::Children(here))
}

/// A card, or «Удалить?», of a child of this user.
async fn to_child(ctx: &Ctx, who: &Who, child: i64, here: ChildrenState) -> anyhow::Result<Reply> {
    if ctx.store.child(who.user_id, child).await?.is_none() {
        return Ok(not_found(who));
    }
    Ok(go(here))
}

/// «Изменить» on a card: the saved child's form, on «Что исправить?».
async fn change(ctx: &Ctx, who: &Who, id: i64) -> anyhow::Result<Reply> {
    let Some(child) = ctx.store.child(who.user_id, id).await? else {
        return Ok(not_found(who));
    };
    Ok(go(ChildrenState::Form(Form::changing_child(&child))))
}

/// A child picked from the Gosuslugi list: the form filled with what passed, at the first question left.
async fn import_pick(ctx: &Ctx, who: &Who, n: u8) -> anyhow::Result<Reply> {
    let kids = importable_children(ctx, who.user_id).await?;
    let Some(kid) = kids.get(usize::from(n)) else {
        return Ok(Reply::stale());
    };
    let (form, problem) = import::prefill(kid, crate::bot::ctx::today(ctx));
    tracing::info!(user = %crate::telemetry::user_tag(who.user_id), step = ?form.step, "child prefilled from Gosuslugi");
    let mut notice = if form.step == Step::Summary {
        t!(who.lang, "import-complete")
    } else {
        t!(who.lang, "import-filled")
    };
    if let Some(problem) = &problem {
        notice = format!(
            "{notice}\n\n⚠️ {}",
            person_form::screens::explain(who.lang, problem)
        );
    }
    let screen = person_form::screens::form_screen(ctx, who.lang, &form, Some(notice));
    Ok(Reply::show(
        State::Children(ChildrenState::Form(form)),
        screen,
    ))
}

/// «Да, удалить»: gone from the store, and the list.
async fn delete(ctx: &Ctx, who: &Who, id: i64) -> anyhow::Result<Reply> {
    if !ctx.store.delete_child(who.user_id, id).await? {
        return Ok(not_found(who));
    }
    tracing::info!(user = %crate::telemetry::user_tag(who.user_id), child = id, "child deleted");
    Ok(go(ChildrenState::List).toast(t!(who.lang, "child-deleted")))
}

/// «Я» or a child in «Для кого»: the bot books for them from now on, and the menu says so.
async fn act_as(ctx: &Ctx, who: &Who, child: Option<i64>) -> anyhow::Result<Reply> {
    if !ctx.store.set_active_person(who.user_id, child).await? {
        return Ok(not_found(who));
    }
    let person = ctx.store.active_person(who.user_id).await?;
    tracing::info!(user = %crate::telemetry::user_tag(who.user_id), child = ?child, "active person switched");
    let person = screens::person_label(who.lang, &person);
    Ok(Reply::go(State::Menu).toast(t!(who.lang, "person-chosen", person = person)))
}

/// A button of the form's question (it fits): the form moves on, or is left, or saved.
async fn on_form_tap(ctx: &Ctx, who: &Who, mut form: Form, tap: Tap) -> anyhow::Result<Reply> {
    match form.tap(tap) {
        Tapped::Moved => Ok(go(ChildrenState::Form(form))),
        Tapped::Leave => Ok(go(form.exit())),
        Tapped::Save => save_child(ctx, who, form).await,
    }
}

/// «Сохранить»: a new child is added (and the list shown), a saved one changed (and its card shown).
async fn save_child(ctx: &Ctx, who: &Who, mut form: Form) -> anyhow::Result<Reply> {
    let Some(details) = form.details() else {
        // Cannot happen through the buttons; ask what is missing rather than fail.
        form.ask_missing();
        return Ok(go(ChildrenState::Form(form)));
    };
    let next = match form.whose.child {
        Some(id) => {
            if !ctx.store.update_child(who.user_id, id, &details).await? {
                return Ok(not_found(who));
            }
            tracing::info!(user = %crate::telemetry::user_tag(who.user_id), child = id, "child changed");
            ChildrenState::Card { child: id }
        }
        None => {
            let child = ctx.store.add_child(who.user_id, &details).await?;
            tracing::info!(user = %crate::telemetry::user_tag(who.user_id), child = child.id, "child added");
            ChildrenState::List
        }
    };
    Ok(go(next).toast(t!(who.lang, "child-saved")))
}

/// A button naming a child this user does not have (deleted meanwhile, or forged): refuse and show the list.
fn not_found(who: &Who) -> Reply {
    tracing::info!(
        user = %crate::telemetry::user_tag(who.user_id),
        "a button named a child the user does not have"
    );
    go(ChildrenState::List).alert(t!(who.lang, "child-not-found"))
}

// ---------------------------------------------------------------------------------------------------------
// Typed answers

/// Text (or, with `None`, a message without text) while in «Мои дети»: an answer to the question on screen,
/// or a hint to use the buttons.
pub fn on_text(ctx: &Ctx, who: &Who, here: ChildrenState, text: Option<&str>) -> Reply {
    let ChildrenState::Form(mut form) = here else {
        return Reply::buttons_only(who.lang);
    };
    let typed = person_form::screens::typed(ctx, who, &mut form, text);
    typed.reply(State::Children(ChildrenState::Form(form)))
}
