//! What «Мои дети» looks like: the list, a child's card, «Удалить?», «Для кого», the Gosuslugi list, and
//! what the child's form shows of its own (its buttons, the child's details; the form itself is drawn by
//! [`crate::bot::person_form::screens`]). Drawing only: nothing here changes the store or the dialogue.

use teloxide::types::InlineKeyboardButton;

use crate::bot::callback::Cb as BotCb;
use crate::bot::ctx::{Ctx, Who};
use crate::bot::person_form::screens::{label, marked, policy_line, Drawn};
use crate::bot::person_form::Tap;
use crate::bot::screen::{button, Screen};
use crate::domain::FullName;
use crate::i18n::{escape_html, Lang};
use crate::store::{ActivePerson, Child, ChildDetails};
use crate::t;

use super::cb::Cb;
use super::import::fresh_importable;
use super::state::{Form, OfChild};

// ---------------------------------------------------------------------------------------------------------
// Texts shared by the screens

/// The name of the active person for buttons: «Я» or «Иванова М. И.».
pub fn person_label(lang: Lang, person: &ActivePerson) -> String {
    match person {
        ActivePerson::Me => t!(lang, "person-me"),
        ActivePerson::Child(child) => child.full_name().short(),
    }
}

/// The data of a child, one field a line.
fn details_block(lang: Lang, details: &ChildDetails, masked: bool) -> String {
    t!(
        lang,
        "child-details",
        name = escape_html(details.full_name.full()),
        birth_date = details.birth_date.to_string(),
        sex = label(lang, details.sex.key()),
        relation = label(lang, details.relation.key()),
        policy = policy_line(lang, &details.policy, masked)
    )
}

/// A journey's button as the bot's button data.
pub fn cb(cb: Cb) -> BotCb {
    BotCb::Children(cb)
}

// ---------------------------------------------------------------------------------------------------------
// Screens, in the order a user meets them

/// «Для кого: Я», in the main menu and under the list.
pub fn for_whom_button(lang: Lang, person: &ActivePerson) -> InlineKeyboardButton {
    button(
        t!(lang, "btn-for-whom", person = person_label(lang, person)),
        cb(Cb::ChoosePerson),
    )
}

pub async fn list_screen(ctx: &Ctx, who: &Who) -> anyhow::Result<Screen> {
    let lang = who.lang;
    let children = ctx.store.children(who.user_id).await?;
    let person = ctx.store.active_person(who.user_id).await?;
    let mut screen = Screen::new(ctx, lang, list_body(lang, &children));
    for child in &children {
        screen = screen.button(child.full_name().short(), cb(Cb::Card(child.id)));
    }
    screen = screen.button(t!(lang, "btn-child-add"), cb(Cb::Add));
    if !fresh_importable(ctx, who.user_id, &children)
        .await?
        .is_empty()
    {
        screen = screen.button(t!(lang, "btn-child-import"), cb(Cb::Import));
    }
    if !children.is_empty() {
        screen = screen.row(vec![for_whom_button(lang, &person)]);
    }
    Ok(screen.button(t!(lang, "btn-menu"), BotCb::Menu))
}

fn list_body(lang: Lang, children: &[Child]) -> String {
    let mut body = t!(lang, "children-title");
    if children.is_empty() {
        body.push_str("\n\n");
        body.push_str(&t!(lang, "children-empty"));
        return body;
    }
    body.push('\n');
    body.push_str(&t!(lang, "children-intro"));
    for child in children {
        body.push_str("\n\n");
        body.push_str(&t!(
            lang,
            "children-item",
            name = escape_html(child.full_name().full()),
            relation = label(lang, child.relation().key()),
            birth_date = child.birth_date().to_string(),
            policy = policy_line(lang, child.policy(), true)
        ));
    }
    body
}

pub fn card_screen(ctx: &Ctx, lang: Lang, child: &Child) -> Screen {
    Screen::new(ctx, lang, details_block(lang, &child.details, true))
        .row(vec![
            button(t!(lang, "btn-child-change"), cb(Cb::Change(child.id))),
            button(t!(lang, "btn-child-delete"), cb(Cb::Delete(child.id))),
        ])
        .button(t!(lang, "btn-child-back"), cb(Cb::List))
}

pub fn delete_screen(ctx: &Ctx, lang: Lang, child: &Child) -> Screen {
    let name = escape_html(child.full_name().full());
    Screen::new(ctx, lang, t!(lang, "child-delete-confirm", name = name)).row(vec![
        button(
            t!(lang, "btn-child-delete-yes"),
            cb(Cb::DeleteYes(child.id)),
        ),
        button(t!(lang, "btn-child-delete-no"), cb(Cb::DeleteNo(child.id))),
    ])
}

pub async fn person_screen(ctx: &Ctx, who: &Who) -> anyhow::Result<Screen> {
    let lang = who.lang;
    let children = ctx.store.children(who.user_id).await?;
    let person = ctx.store.active_person(who.user_id).await?;
    let active = match &person {
        ActivePerson::Me => None,
        ActivePerson::Child(child) => Some(child.id),
    };
    let body = t!(
        lang,
        "person-choose",
        person = escape_html(&person_label(lang, &person))
    );
    let me = marked(lang, t!(lang, "person-me"), active.is_none());
    let mut screen = Screen::new(ctx, lang, body).button(me, cb(Cb::ActAsMe));
    for child in &children {
        let name = marked(lang, child.full_name().short(), active == Some(child.id));
        screen = screen.button(name, cb(Cb::ActAs(child.id)));
    }
    Ok(screen
        .button(t!(lang, "btn-child-add"), cb(Cb::Add))
        .button(t!(lang, "btn-menu"), BotCb::Menu))
}

pub async fn import_screen(ctx: &Ctx, who: &Who) -> anyhow::Result<Screen> {
    let lang = who.lang;
    let children = ctx.store.children(who.user_id).await?;
    let kids = fresh_importable(ctx, who.user_id, &children).await?;
    let body = if kids.is_empty() {
        t!(lang, "import-empty")
    } else {
        t!(lang, "import-title")
    };
    let mut screen = Screen::new(ctx, lang, body);
    for (n, kid) in &kids {
        let name = kid
            .full_name
            .as_deref()
            .and_then(|name| FullName::parse(name).ok())
            .map(|name| name.short())
            .unwrap_or_else(|| t!(lang, "import-unnamed", n = n + 1));
        screen = screen.button(name, cb(Cb::ImportPick(*n as u8)));
    }
    Ok(screen
        .button(t!(lang, "btn-child-add"), cb(Cb::Add))
        .button(t!(lang, "btn-child-back"), cb(Cb::List)))
}

/// A child's form: the person form, with the child's buttons and details.
impl Drawn for OfChild {
    fn button(tap: Tap) -> BotCb {
        cb(Cb::Form(tap))
    }

    fn details_text(lang: Lang, form: &Form) -> Option<String> {
        // The summary is where the user checks what they typed, so the policy is shown whole.
        Some(details_block(lang, &form.details()?, false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::callback::assert_round_trips;

    #[test]
    fn every_button_round_trips_within_64_bytes_through_the_bot_codec() {
        assert_round_trips(super::super::cb::all().into_iter().map(cb));
    }
}
