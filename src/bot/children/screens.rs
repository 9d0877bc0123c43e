//! What «Мои дети» looks like: the list, a child's card, «Удалить?», «Для кого», the Gosuslugi list and the
//! form's questions and summary. Drawing only: nothing here changes the store or the dialogue.

use teloxide::types::InlineKeyboardButton;

use crate::bot::callback::Cb as BotCb;
use crate::bot::ctx::{Ctx, Who};
use crate::bot::screen::{button, Screen};
use crate::domain::{FullName, PolicyNumber, Relation, Sex};
use crate::i18n::{escape_html, Lang};
use crate::store::{ActivePerson, Child, ChildDetails};
use crate::t;

use super::cb::Cb;
use super::import::fresh_importable;
use super::state::{Field, Form, PolicyChoice, Problem, Step};

type Keyboard = Vec<Vec<InlineKeyboardButton>>;

// ---------------------------------------------------------------------------------------------------------
// Texts shared by the screens

/// A domain error in the user's language; its arguments (a quoted character, a count) are escaped.
pub fn explain(lang: Lang, (key, args): &Problem) -> String {
    let escaped: Vec<(&str, String)> = args.iter().map(|(k, v)| (*k, escape_html(v))).collect();
    let fluent: Vec<(&str, fluent_bundle::FluentValue<'_>)> = escaped
        .iter()
        .map(|(k, v)| (*k, fluent_bundle::FluentValue::try_number(v.as_str())))
        .collect();
    crate::i18n::format(lang, key, &fluent)
}

fn label(lang: Lang, key: &str) -> String {
    crate::i18n::format(lang, key, &[])
}

/// `text` with «✓» when it is the one chosen.
fn marked(lang: Lang, text: String, chosen: bool) -> String {
    if chosen {
        t!(lang, "child-selected", label = text)
    } else {
        text
    }
}

/// The name of the active person for buttons: «Я» or «Иванова М. И.».
pub fn person_label(lang: Lang, person: &ActivePerson) -> String {
    match person {
        ActivePerson::Me => t!(lang, "person-me"),
        ActivePerson::Child(child) => child.full_name().short(),
    }
}

/// «Полис нового образца: 8451 9991 2289 9990», masked in lists and cards.
pub(in crate::bot) fn policy_line(lang: Lang, policy: &PolicyNumber, masked: bool) -> String {
    let shown = if masked {
        policy.masked()
    } else {
        policy.to_string()
    };
    t!(
        lang,
        "child-policy-line",
        kind = label(lang, policy.kind().key()),
        policy = escape_html(&shown)
    )
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

fn back_button(lang: Lang) -> InlineKeyboardButton {
    button(t!(lang, "btn-child-back"), cb(Cb::Back))
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

/// A typed answer refused: «⚠️» and the rule, with «Назад» (the question stays on screen above).
pub fn refused_screen(lang: Lang, problem: &Problem) -> Screen {
    Screen::plain(format!("⚠️ {}", explain(lang, problem))).row(vec![back_button(lang)])
}

// ---------------------------------------------------------------------------------------------------------
// The form

/// The question of `form.step`, or the summary, with `notice` (an explanation) above it.
pub fn form_screen(ctx: &Ctx, lang: Lang, form: &Form, notice: Option<String>) -> Screen {
    let (text, keyboard) = match form.step {
        Step::Summary | Step::Fix => summary(lang, form),
        _ => (question(lang, form), choices(lang, form)),
    };
    let body = match notice {
        Some(notice) => format!("{notice}\n\n{text}"),
        None => text,
    };
    let mut screen = Screen::new(ctx, lang, body);
    for row in keyboard {
        screen = screen.row(row);
    }
    screen.row(vec![back_button(lang)])
}

/// A question's text: what to answer, the value kept (when changing), and how to stop.
fn question(lang: Lang, form: &Form) -> String {
    // The value kept is shown only when changing a saved child or fixing a field from the summary.
    let changing = form.fixing.is_some() || form.child.is_some();
    let current = |value: Option<String>| match value.filter(|_| changing) {
        Some(value) => format!("\n{}", t!(lang, "child-current", value = value)),
        None => String::new(),
    };
    let ask = match form.step {
        Step::Name => {
            let name = form.full_name.as_ref().map(|n| escape_html(n.full()));
            t!(lang, "child-ask-name") + &current(name)
        }
        Step::BirthDate => {
            let date = form.birth_date.map(|d| d.to_string());
            t!(lang, "child-ask-birth-date") + &current(date)
        }
        Step::Sex => t!(lang, "child-ask-sex"),
        Step::Relation => t!(lang, "child-ask-relation"),
        Step::PolicyKind => t!(lang, "child-ask-policy-kind"),
        Step::Series => t!(lang, "child-ask-policy-series"),
        Step::Number => match (&form.policy_kind, &form.series) {
            (Some(PolicyChoice::Old), Some(series)) => t!(
                lang,
                "child-ask-old-number",
                series = escape_html(series.as_str())
            ),
            _ => t!(lang, "child-ask-new-number"),
        },
        Step::Summary | Step::Fix => String::new(),
    };
    format!("{ask}\n\n{}", t!(lang, "child-cancel-hint"))
}

/// The answers a question offers as buttons (none for a typed one).
fn choices(lang: Lang, form: &Form) -> Keyboard {
    match form.step {
        Step::Sex => vec![[Sex::Male, Sex::Female]
            .map(|sex| {
                let chosen = form.sex == Some(sex) && form.fixing.is_some();
                button(
                    marked(lang, label(lang, sex.key()), chosen),
                    cb(Cb::Sex(sex)),
                )
            })
            .to_vec()],
        Step::Relation => {
            let preselected = form.relation.or(form.sex.map(Relation::from_sex));
            vec![[Relation::Son, Relation::Daughter]
                .map(|relation| {
                    let text = marked(
                        lang,
                        label(lang, relation.key()),
                        preselected == Some(relation),
                    );
                    button(text, cb(Cb::Relation(relation)))
                })
                .to_vec()]
        }
        Step::PolicyKind => vec![
            vec![button(
                t!(lang, "btn-policy-new"),
                cb(Cb::Kind(PolicyChoice::New)),
            )],
            vec![button(
                t!(lang, "btn-policy-old"),
                cb(Cb::Kind(PolicyChoice::Old)),
            )],
        ],
        _ => Vec::new(),
    }
}

/// The summary («Проверьте данные») with «Сохранить», or «Что исправить?» with a button a field.
fn summary(lang: Lang, form: &Form) -> (String, Keyboard) {
    let fixing = form.step == Step::Fix;
    let mut body = if fixing {
        t!(lang, "child-fix-title")
    } else {
        t!(lang, "child-summary-title")
    };
    if let Some(details) = form.details() {
        body.push_str("\n\n");
        // The summary is where the user checks what they typed, so the policy is shown whole.
        body.push_str(&details_block(lang, &details, false));
    }
    if fixing {
        return (body, fix_buttons(lang));
    }
    body.push_str("\n\n");
    body.push_str(&t!(lang, "child-summary-hint"));
    let keyboard = vec![
        vec![button(t!(lang, "btn-child-save"), cb(Cb::Save))],
        vec![
            button(t!(lang, "btn-child-edit"), cb(Cb::Edit)),
            button(t!(lang, "btn-child-close"), cb(Cb::Close)),
        ],
    ];
    (body, keyboard)
}

fn fix_buttons(lang: Lang) -> Keyboard {
    let fix = |text: String, field: Field| button(text, cb(Cb::Fix(field)));
    vec![
        vec![
            fix(t!(lang, "btn-fix-name"), Field::Name),
            fix(t!(lang, "btn-fix-birth-date"), Field::BirthDate),
        ],
        vec![
            fix(t!(lang, "btn-fix-sex"), Field::Sex),
            fix(t!(lang, "btn-fix-relation"), Field::Relation),
        ],
        vec![fix(t!(lang, "btn-fix-policy"), Field::Policy)],
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::callback::assert_round_trips;

    #[test]
    fn every_button_round_trips_within_64_bytes_through_the_bot_codec() {
        assert_round_trips(super::super::cb::all().into_iter().map(cb));
    }

    #[test]
    fn a_quoted_character_is_escaped_for_html() {
        let problem: Problem = ("err-name-bad-characters", vec![("char", "<".to_owned())]);
        let text = explain(Lang::Ru, &problem);
        assert!(text.contains("«&lt;»"), "{text}");
    }
}
