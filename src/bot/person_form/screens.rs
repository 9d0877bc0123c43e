//! What the person form looks like — its questions, the summary, «Что исправить?», a refused answer — and
//! what a typed answer does, for «Мои дети» and «Мои данные» alike. Drawing only: nothing here changes the
//! store.

use fluent_bundle::FluentValue;
use teloxide::types::InlineKeyboardButton;

use crate::bot::callback::Cb as BotCb;
use crate::bot::ctx::{Ctx, Who};
use crate::bot::reply::Reply;
use crate::bot::screen::{button, Screen};
use crate::bot::state::State;
use crate::domain::{PolicyNumber, Relation, Sex};
use crate::i18n::{escape_html, Lang};
use crate::t;

use super::{Answer, Field, PersonForm, PolicyChoice, Problem, Step, Subject, Tap};

type Keyboard = Vec<Vec<InlineKeyboardButton>>;

/// What drawing a subject's form needs besides the form: its buttons and its details.
pub trait Drawn: Subject {
    /// A form button as the bot's button data.
    fn button(tap: Tap) -> BotCb;

    /// The details of a complete form, one field a line, for the summary.
    fn details_text(lang: Lang, form: &PersonForm<Self>) -> Option<String>;
}

// ---------------------------------------------------------------------------------------------------------
// Texts shared by the screens

/// A domain error in the user's language; its arguments (a quoted character, a count) are escaped.
pub fn explain(lang: Lang, (key, args): &Problem) -> String {
    let escaped: Vec<(&str, String)> = args.iter().map(|(k, v)| (*k, escape_html(v))).collect();
    let fluent: Vec<(&str, FluentValue<'_>)> = escaped
        .iter()
        .map(|(k, v)| (*k, FluentValue::try_number(v.as_str())))
        .collect();
    crate::i18n::format(lang, key, &fluent)
}

/// A message without arguments, by a key that is data (a subject's wording, a value's name).
pub fn label(lang: Lang, key: &str) -> String {
    crate::i18n::format(lang, key, &[])
}

/// `text` with «✓» when it is the one chosen.
pub fn marked(lang: Lang, text: String, chosen: bool) -> String {
    if chosen {
        t!(lang, "child-selected", label = text)
    } else {
        text
    }
}

/// «Полис нового образца: 8451 9991 2289 9990», masked in lists and cards.
pub fn policy_line(lang: Lang, policy: &PolicyNumber, masked: bool) -> String {
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

fn back_button<S: Drawn>(lang: Lang) -> InlineKeyboardButton {
    button(t!(lang, "btn-child-back"), S::button(Tap::Back))
}

// ---------------------------------------------------------------------------------------------------------
// Screens

/// A typed answer refused: «⚠️» and the rule, with «Назад» (the question stays on screen above).
pub fn refused_screen<S: Drawn>(lang: Lang, problem: &Problem) -> Screen {
    Screen::plain(format!("⚠️ {}", explain(lang, problem))).row(vec![back_button::<S>(lang)])
}

/// The question of `form.step`, or the summary, with `notice` (an explanation) above it.
pub fn form_screen<S: Drawn>(
    ctx: &Ctx,
    lang: Lang,
    form: &PersonForm<S>,
    notice: Option<String>,
) -> Screen {
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
    screen.row(vec![back_button::<S>(lang)])
}

/// A question's text: what to answer, the value kept (when changing), and how to stop.
fn question<S: Drawn>(lang: Lang, form: &PersonForm<S>) -> String {
    let own = |end: &str| label(lang, &format!("{}-{end}", S::KEYS));
    // The value kept is shown only when changing a saved person or fixing a field from the summary.
    let changing = form.fixing.is_some() || form.whose.saved();
    let current = |value: Option<String>| match value.filter(|_| changing) {
        Some(value) => format!("\n{}", t!(lang, "child-current", value = value)),
        None => String::new(),
    };
    let ask = match form.step {
        Step::Name => {
            let name = form.full_name.as_ref().map(|n| escape_html(n.full()));
            own("ask-name") + &current(name)
        }
        Step::BirthDate => {
            let date = form.birth_date.map(|d| d.to_string());
            own("ask-birth-date") + &current(date)
        }
        Step::Sex => t!(lang, "child-ask-sex"),
        Step::Relation => t!(lang, "child-ask-relation"),
        Step::PolicyKind => own("ask-policy-kind"),
        Step::Series => own("ask-policy-series"),
        Step::Number => match (&form.policy_kind, &form.series) {
            (Some(PolicyChoice::Old), Some(series)) => {
                let series = escape_html(series.as_str());
                let args = [("series", FluentValue::from(series))];
                let key = format!("{}-ask-old-number", S::KEYS);
                crate::i18n::format(lang, &key, &args)
            }
            _ => own("ask-new-number"),
        },
        Step::Summary | Step::Fix => String::new(),
    };
    format!("{ask}\n\n{}", t!(lang, "child-cancel-hint"))
}

/// The answers a question offers as buttons (none for a typed one).
fn choices<S: Drawn>(lang: Lang, form: &PersonForm<S>) -> Keyboard {
    match form.step {
        Step::Sex => vec![[Sex::Male, Sex::Female]
            .map(|sex| {
                let chosen = form.sex == Some(sex) && form.fixing.is_some();
                let text = marked(lang, label(lang, sex.key()), chosen);
                button(text, S::button(Tap::Sex(sex)))
            })
            .to_vec()],
        Step::Relation => {
            let preselected = form.relation.or(form.sex.map(Relation::from_sex));
            vec![[Relation::Son, Relation::Daughter]
                .map(|relation| {
                    let chosen = preselected == Some(relation);
                    let text = marked(lang, label(lang, relation.key()), chosen);
                    button(text, S::button(Tap::Relation(relation)))
                })
                .to_vec()]
        }
        Step::PolicyKind => vec![
            vec![button(
                t!(lang, "btn-policy-new"),
                S::button(Tap::Kind(PolicyChoice::New)),
            )],
            vec![button(
                t!(lang, "btn-policy-old"),
                S::button(Tap::Kind(PolicyChoice::Old)),
            )],
        ],
        _ => Vec::new(),
    }
}

/// The summary («Проверьте данные») with «Сохранить», or «Что исправить?» with a button a field.
fn summary<S: Drawn>(lang: Lang, form: &PersonForm<S>) -> (String, Keyboard) {
    let fixing = form.step == Step::Fix;
    let mut body = if fixing {
        t!(lang, "child-fix-title")
    } else {
        label(lang, &format!("{}-summary-title", S::KEYS))
    };
    if let Some(details) = S::details_text(lang, form) {
        body.push_str("\n\n");
        body.push_str(&details);
    }
    if fixing {
        return (body, fix_buttons::<S>(lang));
    }
    body.push_str("\n\n");
    body.push_str(&t!(lang, "child-summary-hint"));
    let keyboard = vec![
        vec![button(t!(lang, "btn-child-save"), S::button(Tap::Save))],
        vec![
            button(t!(lang, "btn-child-edit"), S::button(Tap::Edit)),
            button(t!(lang, "btn-child-close"), S::button(Tap::Close)),
        ],
    ];
    (body, keyboard)
}

/// «Что исправить?»: the name and the date, the sex and the relation (a child's), the policy.
fn fix_buttons<S: Drawn>(lang: Lang) -> Keyboard {
    let fix = |text: String, field: Field| button(text, S::button(Tap::Fix(field)));
    let mut rows = vec![vec![
        fix(t!(lang, "btn-fix-name"), Field::Name),
        fix(t!(lang, "btn-fix-birth-date"), Field::BirthDate),
    ]];
    if S::ASKS_SEX {
        rows.push(vec![
            fix(t!(lang, "btn-fix-sex"), Field::Sex),
            fix(t!(lang, "btn-fix-relation"), Field::Relation),
        ]);
    }
    rows.push(vec![fix(t!(lang, "btn-fix-policy"), Field::Policy)]);
    rows
}

// ---------------------------------------------------------------------------------------------------------
// A typed answer

/// What a text (or, with `None`, a message without text) did to a form on screen; the journey stores the
/// form in its state with [`Typed::reply`].
pub enum Typed {
    /// Taken (the next question), or not an answer (a hint as a toast): the form's screen.
    Shown(Option<String>),
    /// Refused: the question stays above, the rule comes as a message of its own, with «Назад».
    Refused(Screen),
    /// Text at a button question: a line pointing to the buttons, which stay where they are.
    ButtonsOnly(String),
    /// Taken again after «Назад»: the form's next screen, saying which later answers were kept.
    Noted(Screen),
}

impl Typed {
    pub fn reply(self, state: State) -> Reply {
        match self {
            Typed::Shown(None) => Reply::go(state),
            Typed::Shown(Some(hint)) => Reply::go(state).toast(hint),
            Typed::Refused(warning) => Reply::show(state, warning),
            Typed::ButtonsOnly(hint) => Reply::stay().toast(hint),
            Typed::Noted(screen) => Reply::show(state, screen),
        }
    }
}

/// `text` as the answer to the question of `form` on screen.
pub fn typed<S: Drawn>(
    ctx: &Ctx,
    who: &Who,
    form: &mut PersonForm<S>,
    text: Option<&str>,
) -> Typed {
    let lang = who.lang;
    let Some(text) = text else {
        return Typed::Shown(Some(t!(lang, "child-send-text")));
    };
    let asked = form.step;
    let kept = form.kept_after(asked);
    match form.answer(text, crate::bot::ctx::today(ctx)) {
        Answer::Taken => match kept_line(lang, asked, &kept) {
            Some(line) => Typed::Noted(form_screen(ctx, lang, form, Some(line))),
            None => Typed::Shown(None),
        },
        Answer::ButtonsOnly => Typed::ButtonsOnly(t!(lang, "child-use-buttons")),
        Answer::Refused(problem) => {
            // Only the kind of mistake is logged, never the text.
            tracing::debug!(user = %crate::telemetry::user_tag(who.user_id), step = ?asked, error = problem.0, "answer refused");
            Typed::Refused(refused_screen::<S>(lang, &problem))
        }
    }
}

/// «Дата рождения изменена; пол, родство и полис сохранены.» after `changed` was answered again with
/// `kept` given already; `None` when nothing later was.
fn kept_line(lang: Lang, changed: Step, kept: &[Field]) -> Option<String> {
    let (last, before) = kept.split_last()?;
    let changed = match changed {
        Step::Name => t!(lang, "form-changed-name"),
        _ => t!(lang, "form-changed-birth-date"),
    };
    let names: Vec<String> = before.iter().map(|f| field_word(lang, *f)).collect();
    let list = match names.is_empty() {
        true => field_word(lang, *last),
        false => t!(
            lang,
            "form-and",
            first = names.join(", "),
            last = field_word(lang, *last)
        ),
    };
    let only = match kept.len() {
        1 => format!("{last:?}"),
        _ => "many".to_owned(),
    };
    Some(t!(
        lang,
        "form-kept",
        changed = changed,
        kept = list,
        only = only
    ))
}

/// A field in a list of kept answers: «пол».
fn field_word(lang: Lang, field: Field) -> String {
    match field {
        Field::Name => t!(lang, "form-field-name"),
        Field::BirthDate => t!(lang, "form-field-birth-date"),
        Field::Sex => t!(lang, "form-field-sex"),
        Field::Relation => t!(lang, "form-field-relation"),
        Field::Policy => t!(lang, "form-field-policy"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::children::state::OfChild;
    use crate::bot::me::state::OwnData;

    #[test]
    fn a_quoted_character_is_escaped_for_html() {
        let problem: Problem = ("err-name-bad-characters", vec![("char", "<".to_owned())]);
        let text = explain(Lang::Ru, &problem);
        assert!(text.contains("«&lt;»"), "{text}");
    }

    #[test]
    fn every_subject_has_its_wording_in_both_languages() {
        let ends = [
            "ask-name",
            "ask-birth-date",
            "ask-policy-kind",
            "ask-policy-series",
            "ask-old-number",
            "ask-new-number",
            "summary-title",
        ];
        for prefix in [OfChild::KEYS, OwnData::KEYS] {
            for end in ends {
                let key = format!("{prefix}-{end}");
                for lang in Lang::ALL {
                    assert!(crate::i18n::has(lang, &key), "{key} missing in {lang:?}");
                }
            }
        }
    }
}
