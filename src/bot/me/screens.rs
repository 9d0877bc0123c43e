//! What «Мои данные» looks like: the card (or the invitation to fill it), the form's questions and summary,
//! and a refused answer. Drawing only.

use teloxide::types::InlineKeyboardButton;

use crate::bot::callback::Cb as BotCb;
use crate::bot::ctx::{Ctx, Who};
use crate::bot::screen::{button, Screen};
use crate::domain::PolicyKind;
use crate::i18n::{escape_html, Lang};
use crate::store::SelfDetails;
use crate::t;

use crate::bot::children::screens::{explain, policy_line};

use super::cb::Cb;
use super::state::{Field, Problem, SelfForm, Step};

type Keyboard = Vec<Vec<InlineKeyboardButton>>;

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

/// A typed answer refused: «⚠️» and the rule, with «Назад» (the question stays on screen above).
pub fn refused_screen(lang: Lang, problem: &Problem) -> Screen {
    Screen::plain(format!("⚠️ {}", explain(lang, problem)))
        .row(vec![button(t!(lang, "btn-child-back"), cb(Cb::Back))])
}

/// The question of `form.step`, or the summary.
pub fn form_screen(ctx: &Ctx, lang: Lang, form: &SelfForm, notice: Option<String>) -> Screen {
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
    screen.row(vec![button(t!(lang, "btn-child-back"), cb(Cb::Back))])
}

fn question(lang: Lang, form: &SelfForm) -> String {
    // The value kept is shown only when changing it.
    let current = |value: Option<String>| match value.filter(|_| form.fixing.is_some()) {
        Some(value) => format!("\n{}", t!(lang, "child-current", value = value)),
        None => String::new(),
    };
    let ask = match form.step {
        Step::Name => {
            let name = form.full_name.as_ref().map(|n| escape_html(n.full()));
            t!(lang, "me-ask-name") + &current(name)
        }
        Step::BirthDate => {
            t!(lang, "me-ask-birth-date") + &current(form.birth_date.map(|d| d.to_string()))
        }
        Step::PolicyKind => t!(lang, "me-ask-policy-kind"),
        Step::Series => t!(lang, "me-ask-policy-series"),
        Step::Number => match (&form.policy_kind, &form.series) {
            (Some(PolicyKind::Old), Some(series)) => t!(
                lang,
                "me-ask-old-number",
                series = escape_html(series.as_str())
            ),
            _ => t!(lang, "me-ask-new-number"),
        },
        Step::Summary | Step::Fix => String::new(),
    };
    format!("{ask}\n\n{}", t!(lang, "child-cancel-hint"))
}

fn choices(lang: Lang, form: &SelfForm) -> Keyboard {
    if form.step != Step::PolicyKind {
        return Vec::new();
    }
    vec![
        vec![button(
            t!(lang, "btn-policy-new"),
            cb(Cb::Kind(PolicyKind::New)),
        )],
        vec![button(
            t!(lang, "btn-policy-old"),
            cb(Cb::Kind(PolicyKind::Old)),
        )],
    ]
}

/// «Проверьте свои данные» with «Сохранить», or «Что исправить?» with a button a field.
fn summary(lang: Lang, form: &SelfForm) -> (String, Keyboard) {
    let fixing = form.step == Step::Fix;
    let mut body = if fixing {
        t!(lang, "child-fix-title")
    } else {
        t!(lang, "me-summary-title")
    };
    if let Some(details) = form.details() {
        body.push_str("\n\n");
        // The summary is where the user checks what they typed, so the policy is shown whole.
        body.push_str(&details_block(lang, &details, false));
    }
    if fixing {
        let fix = |text: String, field: Field| button(text, cb(Cb::Fix(field)));
        return (
            body,
            vec![
                vec![
                    fix(t!(lang, "btn-fix-name"), Field::Name),
                    fix(t!(lang, "btn-fix-birth-date"), Field::BirthDate),
                ],
                vec![fix(t!(lang, "btn-fix-policy"), Field::Policy)],
            ],
        );
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
