//! Journey 3: «Мои дети» — the list of children, adding one question by question (or from Gosuslugi),
//! changing and deleting them, and choosing who the user acts for («Для кого: Я» or a child).
//!
//! The form asks ФИО → date of birth → sex → relation → policy kind → number (or series, then number) and
//! ends on a summary with «Сохранить» / «Изменить» / «Закрыть». Every answer is parsed by `domain`; a wrong
//! one keeps the question and explains the rule with an example. Buttons carry child ids only; every handler
//! asks the store for the child *of this user*, so a forged id finds nothing.

use serde::{Deserialize, Serialize};
use teloxide::prelude::*;

use crate::domain::{
    self, BirthDate, ChildBirthDate, FullName, OldPolicyNumber, PolicyNumber, PolicySeries,
    Relation, Sex,
};
use crate::i18n::{escape_html, Lang};
use crate::store::{ActivePerson, Child, ChildDetails};
use crate::t;

pub use super::ctx::{ImportSource, ImportableChild};
use super::screen::button;
use super::{legacy, save, BotDialogue, Ctx, HandlerResult, Screen, State, Who};

// ---------------------------------------------------------------------------------------------------------
// State

/// Where the user is in «Мои дети». Stored (sealed) as JSON inside [`State::Children`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChildrenState {
    /// The list of children.
    List,
    /// One child's card.
    Card { child: i64 },
    /// «Удалить …?» waits for a yes or no.
    ConfirmDelete { child: i64 },
    /// «Для кого записываемся?» with «Я» and the children.
    ChoosePerson,
    /// The children Gosuslugi knows, to pick one for the form.
    Import,
    /// Adding a child, or changing a saved one.
    Form(Form),
}

/// The form of a child, filled one question at a time. Every value in it has passed `domain` parsing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Form {
    pub step: Step,
    /// The saved child being changed; `None` while adding a new one.
    pub child: Option<i64>,
    /// The field being fixed from the summary: «Назад» on its first question returns to the summary.
    pub fixing: Option<Field>,
    pub full_name: Option<FullName>,
    pub birth_date: Option<BirthDate>,
    pub sex: Option<Sex>,
    pub relation: Option<Relation>,
    pub policy_kind: Option<PolicyChoice>,
    /// The series of an old policy, kept until its number is typed.
    pub series: Option<PolicySeries>,
    pub policy: Option<PolicyNumber>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    #[default]
    Name,
    BirthDate,
    Sex,
    Relation,
    PolicyKind,
    Series,
    Number,
    Summary,
    /// «Что исправить?»
    Fix,
}

/// A field the summary can send the user back to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Field {
    Name,
    BirthDate,
    Sex,
    Relation,
    Policy,
}

/// The two policy forms the portal asks about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PolicyChoice {
    /// «Нового образца — только номер».
    New,
    /// «Старого образца — серия и номер».
    Old,
}

impl Field {
    const ALL: [Field; 5] = [
        Field::Name,
        Field::BirthDate,
        Field::Sex,
        Field::Relation,
        Field::Policy,
    ];

    fn code(self) -> &'static str {
        match self {
            Field::Name => "n",
            Field::BirthDate => "d",
            Field::Sex => "s",
            Field::Relation => "r",
            Field::Policy => "p",
        }
    }

    fn first_step(self) -> Step {
        match self {
            Field::Name => Step::Name,
            Field::BirthDate => Step::BirthDate,
            Field::Sex => Step::Sex,
            Field::Relation => Step::Relation,
            Field::Policy => Step::PolicyKind,
        }
    }
}

impl Form {
    fn adding() -> Form {
        Form::default()
    }

    fn changing(child: &Child) -> Form {
        let policy = child.policy().clone();
        Form {
            step: Step::Fix,
            child: Some(child.id),
            fixing: None,
            full_name: Some(child.full_name().clone()),
            birth_date: Some(child.birth_date()),
            sex: Some(child.sex()),
            relation: Some(child.relation()),
            policy_kind: Some(choice_of(&policy)),
            series: None,
            policy: Some(policy),
        }
    }

    /// The first question without an answer, in the order the form asks them.
    fn first_missing(&self) -> Option<Step> {
        if self.full_name.is_none() {
            return Some(Step::Name);
        }
        if self.birth_date.is_none() {
            return Some(Step::BirthDate);
        }
        if self.sex.is_none() {
            return Some(Step::Sex);
        }
        if self.relation.is_none() {
            return Some(Step::Relation);
        }
        if self.policy.is_none() {
            return Some(match (self.policy_kind, &self.series) {
                (None, _) => Step::PolicyKind,
                (Some(PolicyChoice::Old), None) => Step::Series,
                _ => Step::Number,
            });
        }
        None
    }

    /// Moves on after `answered` was answered: a few questions always lead to their follow-up (relation
    /// after sex, the number after the kind), the rest to the first unanswered question or the summary.
    fn advance(&mut self, answered: Step) {
        let next = match answered {
            Step::Sex => Step::Relation,
            Step::PolicyKind if self.policy_kind == Some(PolicyChoice::Old) => Step::Series,
            Step::PolicyKind | Step::Series => Step::Number,
            _ => self.first_missing().unwrap_or(Step::Summary),
        };
        self.go(next);
    }

    fn go(&mut self, step: Step) {
        self.step = step;
        if step == Step::Summary {
            self.fixing = None;
            if let Some(policy) = &self.policy {
                self.policy_kind = Some(choice_of(policy));
            }
        }
    }

    /// Where «Назад» leads; `None` leaves the form.
    fn back(&self) -> Option<Step> {
        if self.step == Step::Fix {
            return Some(Step::Summary);
        }
        if self.fixing.map(Field::first_step) == Some(self.step) {
            return Some(Step::Summary);
        }
        match self.step {
            Step::Name => None,
            Step::BirthDate => Some(Step::Name),
            Step::Sex => Some(Step::BirthDate),
            Step::Relation => Some(Step::Sex),
            Step::PolicyKind => Some(Step::Relation),
            Step::Series => Some(Step::PolicyKind),
            Step::Number if self.policy_kind == Some(PolicyChoice::Old) => Some(Step::Series),
            Step::Number => Some(Step::PolicyKind),
            // A saved child's summary goes back to its card; a new child's to the last question.
            Step::Summary if self.child.is_some() => None,
            Step::Summary => Some(Step::Number),
            Step::Fix => Some(Step::Summary),
        }
    }

    fn details(&self) -> Option<ChildDetails> {
        Some(ChildDetails {
            full_name: self.full_name.clone()?,
            birth_date: self.birth_date?,
            sex: self.sex?,
            relation: self.relation?,
            policy: self.policy.clone()?,
        })
    }

    /// Where the user lands when leaving the form: the saved child's card, or the list.
    fn exit(&self) -> ChildrenState {
        match self.child {
            Some(child) => ChildrenState::Card { child },
            None => ChildrenState::List,
        }
    }
}

fn choice_of(policy: &PolicyNumber) -> PolicyChoice {
    match policy.series() {
        Some(_) => PolicyChoice::Old,
        None => PolicyChoice::New,
    }
}

// ---------------------------------------------------------------------------------------------------------
// Button data: `k:…`, child ids as decimal numbers, never names or policies.

/// Ids come from the store and stay below 2^53; anything else in button data is forged or garbage.
const MAX_CHILD_ID: i64 = 1 << 53;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cb {
    List,
    Card(i64),
    Add,
    Import,
    /// The n-th child of the Gosuslugi list.
    ImportPick(u8),
    Sex(Sex),
    Relation(Relation),
    Kind(PolicyChoice),
    Back,
    Save,
    Edit,
    Fix(Field),
    Close,
    /// «Изменить» on a child's card.
    Change(i64),
    Delete(i64),
    DeleteYes(i64),
    DeleteNo(i64),
    ChoosePerson,
    ActAsMe,
    ActAs(i64),
}

impl Cb {
    pub const PREFIX: &'static str = "k:";

    pub fn encode(&self) -> String {
        let rest = match self {
            Cb::List => "l".to_owned(),
            Cb::Card(id) => format!("c:{id}"),
            Cb::Add => "add".to_owned(),
            Cb::Import => "imp".to_owned(),
            Cb::ImportPick(n) => format!("ip:{n}"),
            Cb::Sex(Sex::Male) => "sx:m".to_owned(),
            Cb::Sex(Sex::Female) => "sx:f".to_owned(),
            Cb::Relation(Relation::Son) => "rl:s".to_owned(),
            Cb::Relation(Relation::Daughter) => "rl:d".to_owned(),
            Cb::Kind(PolicyChoice::New) => "pk:n".to_owned(),
            Cb::Kind(PolicyChoice::Old) => "pk:o".to_owned(),
            Cb::Back => "b".to_owned(),
            Cb::Save => "sv".to_owned(),
            Cb::Edit => "ed".to_owned(),
            Cb::Fix(field) => format!("fx:{}", field.code()),
            Cb::Close => "x".to_owned(),
            Cb::Change(id) => format!("ch:{id}"),
            Cb::Delete(id) => format!("d:{id}"),
            Cb::DeleteYes(id) => format!("dy:{id}"),
            Cb::DeleteNo(id) => format!("dn:{id}"),
            Cb::ChoosePerson => "who".to_owned(),
            Cb::ActAsMe => "me".to_owned(),
            Cb::ActAs(id) => format!("as:{id}"),
        };
        format!("{}{rest}", Cb::PREFIX)
    }

    pub fn decode(data: &str) -> Option<Cb> {
        let rest = data.strip_prefix(Cb::PREFIX)?;
        let (head, arg) = match rest.split_once(':') {
            Some((head, arg)) => (head, Some(arg)),
            None => (rest, None),
        };
        let id = || arg.and_then(parse_child_id);
        let cb = match (head, arg) {
            ("l", None) => Cb::List,
            ("c", Some(_)) => Cb::Card(id()?),
            ("add", None) => Cb::Add,
            ("imp", None) => Cb::Import,
            ("ip", Some(n)) if is_plain_number(n) => Cb::ImportPick(n.parse().ok()?),
            ("sx", Some("m")) => Cb::Sex(Sex::Male),
            ("sx", Some("f")) => Cb::Sex(Sex::Female),
            ("rl", Some("s")) => Cb::Relation(Relation::Son),
            ("rl", Some("d")) => Cb::Relation(Relation::Daughter),
            ("pk", Some("n")) => Cb::Kind(PolicyChoice::New),
            ("pk", Some("o")) => Cb::Kind(PolicyChoice::Old),
            ("b", None) => Cb::Back,
            ("sv", None) => Cb::Save,
            ("ed", None) => Cb::Edit,
            ("fx", Some(code)) => Cb::Fix(Field::ALL.into_iter().find(|f| f.code() == code)?),
            ("x", None) => Cb::Close,
            ("ch", Some(_)) => Cb::Change(id()?),
            ("d", Some(_)) => Cb::Delete(id()?),
            ("dy", Some(_)) => Cb::DeleteYes(id()?),
            ("dn", Some(_)) => Cb::DeleteNo(id()?),
            ("who", None) => Cb::ChoosePerson,
            ("me", None) => Cb::ActAsMe,
            ("as", Some(_)) => Cb::ActAs(id()?),
            _ => return None,
        };
        Some(cb)
    }
}

/// Digits only, no sign and no leading zero: one spelling per number, so forged variants do not decode.
fn is_plain_number(s: &str) -> bool {
    let digits = !s.is_empty() && s.len() <= 16 && s.bytes().all(|b| b.is_ascii_digit());
    digits && (s == "0" || !s.starts_with('0'))
}

fn parse_child_id(s: &str) -> Option<i64> {
    if !is_plain_number(s) {
        return None;
    }
    s.parse::<i64>()
        .ok()
        .filter(|id| (1..MAX_CHILD_ID).contains(id))
}

// ---------------------------------------------------------------------------------------------------------
// «Добавить из Госуслуг»: the seam to the ESIA link.

/// The children the user's Gosuslugi account lists, in its order.
pub async fn importable_children(ctx: &Ctx, user_id: i64) -> anyhow::Result<Vec<ImportableChild>> {
    match &ctx.children_import {
        ImportSource::Fixed(kids) => Ok(kids.clone()),
        // The `/kids` list of the linked account, as stored at the last login.
        ImportSource::Gosuslugi => Ok(ctx
            .store
            .esia_link(user_id)
            .await?
            .map(|link| link.kids)
            .unwrap_or_default()
            .into_iter()
            .map(|kid| ImportableChild {
                full_name: Some(kid.full_name),
                birth_date: kid.birth_date.map(|d| d.to_string()),
                sex: kid.sex,
                policy_series: kid
                    .policy
                    .as_ref()
                    .and_then(|p| p.series().map(str::to_owned)),
                policy_number: kid.policy.as_ref().map(|p| p.number().to_owned()),
            })
            .collect()),
    }
}

/// The importable children not added yet (same name and date of birth), with their index in the list.
async fn fresh_importable(
    ctx: &Ctx,
    who: &Who,
    children: &[Child],
) -> anyhow::Result<Vec<(usize, ImportableChild)>> {
    let kids = importable_children(ctx, who.user_id).await?;
    Ok(kids
        .into_iter()
        .enumerate()
        .filter(|(_, kid)| {
            let name = kid
                .full_name
                .as_deref()
                .and_then(|n| FullName::parse(n).ok());
            let date = kid
                .birth_date
                .as_deref()
                .and_then(|d| BirthDate::from_esia(d).ok());
            !children
                .iter()
                .any(|c| Some(c.full_name()) == name.as_ref() && Some(c.birth_date()) == date)
        })
        // Button data carries the index as a small number.
        .take(usize::from(u8::MAX))
        .collect())
}

/// A value that came and is not blank.
fn filled(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.trim().is_empty())
}

/// A domain error to show: its Fluent key and arguments.
type Problem = (&'static str, Vec<(&'static str, String)>);

/// Fills a form from Gosuslugi's data. Returns the problem of the first question still to answer, if its
/// value came but did not pass.
fn prefill(kid: &ImportableChild, today: chrono::NaiveDate) -> (Form, Option<Problem>) {
    let mut form = Form::adding();
    let mut problems: Vec<(Step, Problem)> = Vec::new();

    if let Some(name) = filled(&kid.full_name) {
        match FullName::parse(name) {
            Ok(name) => form.full_name = Some(name),
            Err(e) => problems.push((Step::Name, (e.key(), e.args()))),
        }
    }
    if let Some(date) = filled(&kid.birth_date) {
        match ChildBirthDate::parse(date, today) {
            Ok(date) => form.birth_date = Some(date.birth_date()),
            Err(e) => problems.push((Step::BirthDate, (e.key(), e.args()))),
        }
    }
    if let Some(sex) = kid.sex {
        form.sex = Some(sex);
        form.relation = Some(Relation::from_sex(sex));
    }
    match (filled(&kid.policy_series), filled(&kid.policy_number)) {
        (Some(series), number) => {
            form.policy_kind = Some(PolicyChoice::Old);
            match PolicySeries::parse(series) {
                Ok(series) => {
                    if let Some(number) = number {
                        match OldPolicyNumber::parse(number) {
                            Ok(number) => {
                                form.policy = Some(PolicyNumber::old(series.clone(), number))
                            }
                            Err(e) => problems.push((Step::Number, (e.key(), e.args()))),
                        }
                    }
                    form.series = Some(series);
                }
                Err(e) => problems.push((Step::Series, (e.key(), e.args()))),
            }
        }
        (None, Some(number)) => {
            form.policy_kind = Some(PolicyChoice::New);
            // ESIA may hold a temporary certificate (9 digits) as well as a new policy.
            match PolicyNumber::parse_any(None, number) {
                Ok(policy) => form.policy = Some(policy),
                Err(e) => problems.push((Step::Number, (e.key(), e.args()))),
            }
        }
        (None, None) => {}
    }
    let step = form.first_missing().unwrap_or(Step::Summary);
    form.go(step);
    let problem = problems
        .into_iter()
        .find(|(at, _)| *at == step)
        .map(|(_, problem)| problem);
    (form, problem)
}

// ---------------------------------------------------------------------------------------------------------
// Texts shared by the screens

/// A domain error in the user's language; its arguments (a quoted character, a count) are escaped.
fn explain(lang: Lang, (key, args): &Problem) -> String {
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

/// The name of the active person for buttons: «Я» or «Иванова М. И.».
fn person_label(lang: Lang, person: &ActivePerson) -> String {
    match person {
        ActivePerson::Me => t!(lang, "person-me"),
        ActivePerson::Child(child) => child.full_name().short(),
    }
}

/// «Полис нового образца: 8451 9991 2289 9990», masked in lists and cards.
fn policy_line(lang: Lang, policy: &PolicyNumber, masked: bool) -> String {
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

// ---------------------------------------------------------------------------------------------------------
// Screens, in the order a user meets them

/// The main menu's row «👤 Для кого: Я».
pub async fn menu_row(
    ctx: &Ctx,
    who: &Who,
) -> anyhow::Result<Vec<teloxide::types::InlineKeyboardButton>> {
    let person = ctx.store.active_person(who.user_id).await?;
    Ok(vec![button(
        t!(
            who.lang,
            "btn-for-whom",
            person = person_label(who.lang, &person)
        ),
        super::Cb::Children(Cb::ChoosePerson),
    )])
}

fn cb(cb: Cb) -> super::Cb {
    super::Cb::Children(cb)
}

fn back_button(lang: Lang) -> teloxide::types::InlineKeyboardButton {
    button(t!(lang, "btn-child-back"), cb(Cb::Back))
}

async fn list_screen(ctx: &Ctx, who: &Who) -> anyhow::Result<Screen> {
    let lang = who.lang;
    let children = ctx.store.children(who.user_id).await?;
    let person = ctx.store.active_person(who.user_id).await?;
    let mut body = t!(lang, "children-title");
    if children.is_empty() {
        body.push_str("\n\n");
        body.push_str(&t!(lang, "children-empty"));
    } else {
        body.push('\n');
        body.push_str(&t!(lang, "children-intro"));
        for child in &children {
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
    }
    let mut screen = Screen::new(ctx, lang, body);
    for child in &children {
        screen = screen.button(child.full_name().short(), cb(Cb::Card(child.id)));
    }
    screen = screen.button(t!(lang, "btn-child-add"), cb(Cb::Add));
    if !fresh_importable(ctx, who, &children).await?.is_empty() {
        screen = screen.button(t!(lang, "btn-child-import"), cb(Cb::Import));
    }
    if !children.is_empty() {
        screen = screen.button(
            t!(lang, "btn-for-whom", person = person_label(lang, &person)),
            cb(Cb::ChoosePerson),
        );
    }
    Ok(screen.button(t!(lang, "btn-menu"), super::Cb::Menu))
}

fn card_screen(ctx: &Ctx, lang: Lang, child: &Child) -> Screen {
    Screen::new(ctx, lang, details_block(lang, &child.details, true))
        .row(vec![
            button(t!(lang, "btn-child-change"), cb(Cb::Change(child.id))),
            button(t!(lang, "btn-child-delete"), cb(Cb::Delete(child.id))),
        ])
        .button(t!(lang, "btn-child-back"), cb(Cb::List))
}

fn delete_screen(ctx: &Ctx, lang: Lang, child: &Child) -> Screen {
    Screen::new(
        ctx,
        lang,
        t!(
            lang,
            "child-delete-confirm",
            name = escape_html(child.full_name().full())
        ),
    )
    .row(vec![
        button(
            t!(lang, "btn-child-delete-yes"),
            cb(Cb::DeleteYes(child.id)),
        ),
        button(t!(lang, "btn-child-delete-no"), cb(Cb::DeleteNo(child.id))),
    ])
}

async fn person_screen(ctx: &Ctx, who: &Who) -> anyhow::Result<Screen> {
    let lang = who.lang;
    let children = ctx.store.children(who.user_id).await?;
    let person = ctx.store.active_person(who.user_id).await?;
    let active = match &person {
        ActivePerson::Me => None,
        ActivePerson::Child(child) => Some(child.id),
    };
    let mark = |text: String, chosen: bool| {
        if chosen {
            t!(lang, "child-selected", label = text)
        } else {
            text
        }
    };
    let body = t!(
        lang,
        "person-choose",
        person = escape_html(&person_label(lang, &person))
    );
    let mut screen = Screen::new(ctx, lang, body).button(
        mark(t!(lang, "person-me"), active.is_none()),
        cb(Cb::ActAsMe),
    );
    for child in &children {
        screen = screen.button(
            mark(child.full_name().short(), active == Some(child.id)),
            cb(Cb::ActAs(child.id)),
        );
    }
    Ok(screen
        .button(t!(lang, "btn-child-add"), cb(Cb::Add))
        .button(t!(lang, "btn-menu"), super::Cb::Menu))
}

async fn import_screen(ctx: &Ctx, who: &Who) -> anyhow::Result<Screen> {
    let lang = who.lang;
    let children = ctx.store.children(who.user_id).await?;
    let kids = fresh_importable(ctx, who, &children).await?;
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

/// The question of `form.step`, or the summary, with `notice` (an explanation) above it.
fn form_screen(ctx: &Ctx, lang: Lang, form: &Form, notice: Option<String>) -> Screen {
    let mut body = notice.map(|n| format!("{n}\n\n")).unwrap_or_default();
    let current = |value: Option<String>| {
        value
            .filter(|_| form.fixing.is_some() || form.child.is_some())
            .map(|v| format!("\n{}", t!(lang, "child-current", value = v)))
            .unwrap_or_default()
    };
    let cancel = format!("\n\n{}", t!(lang, "child-cancel-hint"));
    let mut keyboard: Vec<Vec<teloxide::types::InlineKeyboardButton>> = Vec::new();
    match form.step {
        Step::Name => {
            body.push_str(&t!(lang, "child-ask-name"));
            body.push_str(&current(
                form.full_name.as_ref().map(|n| escape_html(n.full())),
            ));
            body.push_str(&cancel);
        }
        Step::BirthDate => {
            body.push_str(&t!(lang, "child-ask-birth-date"));
            body.push_str(&current(form.birth_date.map(|d| d.to_string())));
            body.push_str(&cancel);
        }
        Step::Sex => {
            body.push_str(&t!(lang, "child-ask-sex"));
            body.push_str(&cancel);
            keyboard.push(
                [Sex::Male, Sex::Female]
                    .map(|sex| {
                        let text = label(lang, sex.key());
                        let text = if form.sex == Some(sex) && form.fixing.is_some() {
                            t!(lang, "child-selected", label = text)
                        } else {
                            text
                        };
                        button(text, cb(Cb::Sex(sex)))
                    })
                    .to_vec(),
            );
        }
        Step::Relation => {
            body.push_str(&t!(lang, "child-ask-relation"));
            body.push_str(&cancel);
            let preselected = form.relation.or(form.sex.map(Relation::from_sex));
            keyboard.push(
                [Relation::Son, Relation::Daughter]
                    .map(|relation| {
                        let text = label(lang, relation.key());
                        let text = if preselected == Some(relation) {
                            t!(lang, "child-selected", label = text)
                        } else {
                            text
                        };
                        button(text, cb(Cb::Relation(relation)))
                    })
                    .to_vec(),
            );
        }
        Step::PolicyKind => {
            body.push_str(&t!(lang, "child-ask-policy-kind"));
            body.push_str(&cancel);
            keyboard.push(vec![button(
                t!(lang, "btn-policy-new"),
                cb(Cb::Kind(PolicyChoice::New)),
            )]);
            keyboard.push(vec![button(
                t!(lang, "btn-policy-old"),
                cb(Cb::Kind(PolicyChoice::Old)),
            )]);
        }
        Step::Series => {
            body.push_str(&t!(lang, "child-ask-policy-series"));
            body.push_str(&cancel);
        }
        Step::Number => {
            match (&form.policy_kind, &form.series) {
                (Some(PolicyChoice::Old), Some(series)) => body.push_str(&t!(
                    lang,
                    "child-ask-old-number",
                    series = escape_html(series.as_str())
                )),
                _ => body.push_str(&t!(lang, "child-ask-new-number")),
            }
            body.push_str(&cancel);
        }
        Step::Summary | Step::Fix => {
            let title = if form.step == Step::Fix {
                t!(lang, "child-fix-title")
            } else {
                t!(lang, "child-summary-title")
            };
            body.push_str(&title);
            if let Some(details) = form.details() {
                body.push_str("\n\n");
                // The summary is where the user checks what they typed, so the policy is shown whole.
                body.push_str(&details_block(lang, &details, false));
            }
            if form.step == Step::Summary {
                body.push_str("\n\n");
                body.push_str(&t!(lang, "child-summary-hint"));
                keyboard.push(vec![button(t!(lang, "btn-child-save"), cb(Cb::Save))]);
                keyboard.push(vec![
                    button(t!(lang, "btn-child-edit"), cb(Cb::Edit)),
                    button(t!(lang, "btn-child-close"), cb(Cb::Close)),
                ]);
            } else {
                keyboard.push(vec![
                    button(t!(lang, "btn-fix-name"), cb(Cb::Fix(Field::Name))),
                    button(
                        t!(lang, "btn-fix-birth-date"),
                        cb(Cb::Fix(Field::BirthDate)),
                    ),
                ]);
                keyboard.push(vec![
                    button(t!(lang, "btn-fix-sex"), cb(Cb::Fix(Field::Sex))),
                    button(t!(lang, "btn-fix-relation"), cb(Cb::Fix(Field::Relation))),
                ]);
                keyboard.push(vec![button(
                    t!(lang, "btn-fix-policy"),
                    cb(Cb::Fix(Field::Policy)),
                )]);
            }
        }
    }
    keyboard.push(vec![back_button(lang)]);
    let mut screen = Screen::new(ctx, lang, body);
    for row in keyboard {
        screen = screen.row(row);
    }
    screen
}

/// The screen of `state`, and the state to store with it (a card of a child that is gone becomes the list).
async fn render(
    ctx: &Ctx,
    who: &Who,
    state: ChildrenState,
) -> anyhow::Result<(ChildrenState, Screen)> {
    let lang = who.lang;
    let screen = match &state {
        ChildrenState::List => list_screen(ctx, who).await?,
        ChildrenState::Card { child } | ChildrenState::ConfirmDelete { child } => {
            let Some(found) = ctx.store.child(who.user_id, *child).await? else {
                return Ok((ChildrenState::List, list_screen(ctx, who).await?));
            };
            if matches!(state, ChildrenState::Card { .. }) {
                card_screen(ctx, lang, &found)
            } else {
                delete_screen(ctx, lang, &found)
            }
        }
        ChildrenState::ChoosePerson => person_screen(ctx, who).await?,
        ChildrenState::Import => import_screen(ctx, who).await?,
        ChildrenState::Form(form) => form_screen(ctx, lang, form, None),
    };
    Ok((state, screen))
}

/// Stores `state` and shows its screen: in place of the tapped message, or as a new message.
async fn show(
    bot: &Bot,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    state: ChildrenState,
    q: Option<&CallbackQuery>,
) -> HandlerResult {
    let (state, screen) = render(ctx, who, state).await?;
    save(dialogue, State::Children(state)).await?;
    present(bot, who, &screen, q).await
}

async fn present(
    bot: &Bot,
    who: &Who,
    screen: &Screen,
    q: Option<&CallbackQuery>,
) -> HandlerResult {
    match q {
        Some(q) => screen.replace(bot, q).await?,
        None => {
            screen.send(bot, who.chat_id).await?;
        }
    }
    Ok(())
}

/// Re-shows the step the user is on as a new message (after a stale button or unexpected text).
pub async fn show_current(
    bot: &Bot,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    state: &ChildrenState,
) -> HandlerResult {
    show(bot, ctx, who, dialogue, state.clone(), None).await
}

// ---------------------------------------------------------------------------------------------------------
// Buttons

/// Every `k:` button lands here (and «Мои дети» in the menu, as [`Cb::List`]).
pub async fn route(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    state: &State,
    tapped: Cb,
) -> HandlerResult {
    let here = match state {
        State::Children(here) => Some(here),
        _ => None,
    };
    let form = match here {
        Some(ChildrenState::Form(form)) => Some(form.clone()),
        _ => None,
    };
    let stale = || legacy::stale_button(bot, q, ctx, who, dialogue, state);
    let answer = || async { bot.answer_callback_query(q.id.clone()).await.map(|_| ()) };

    match tapped {
        Cb::List => {
            answer().await?;
            show(bot, ctx, who, dialogue, ChildrenState::List, Some(q)).await
        }
        Cb::Card(id) => {
            if !owns(ctx, who, id).await? {
                return not_found(bot, q, ctx, who, dialogue).await;
            }
            answer().await?;
            show(
                bot,
                ctx,
                who,
                dialogue,
                ChildrenState::Card { child: id },
                Some(q),
            )
            .await
        }
        Cb::Add => {
            answer().await?;
            let state = ChildrenState::Form(Form::adding());
            show(bot, ctx, who, dialogue, state, Some(q)).await
        }
        Cb::Import => {
            answer().await?;
            show(bot, ctx, who, dialogue, ChildrenState::Import, Some(q)).await
        }
        Cb::ImportPick(n) => {
            if here != Some(&ChildrenState::Import) {
                return stale().await;
            }
            let kids = importable_children(ctx, who.user_id).await?;
            let Some(kid) = kids.get(usize::from(n)) else {
                return stale().await;
            };
            let (form, problem) = prefill(kid, today(ctx));
            tracing::info!(user = who.user_id, step = ?form.step, "child prefilled from Gosuslugi");
            answer().await?;
            let mut notice = if form.step == Step::Summary {
                t!(who.lang, "import-complete")
            } else {
                t!(who.lang, "import-filled")
            };
            if let Some(problem) = &problem {
                notice = format!("{notice}\n\n⚠️ {}", explain(who.lang, problem));
            }
            let screen = form_screen(ctx, who.lang, &form, Some(notice));
            save(dialogue, State::Children(ChildrenState::Form(form))).await?;
            present(bot, who, &screen, Some(q)).await
        }
        Cb::Change(id) => {
            let Some(child) = ctx.store.child(who.user_id, id).await? else {
                return not_found(bot, q, ctx, who, dialogue).await;
            };
            answer().await?;
            let state = ChildrenState::Form(Form::changing(&child));
            show(bot, ctx, who, dialogue, state, Some(q)).await
        }
        Cb::Delete(id) => {
            if !owns(ctx, who, id).await? {
                return not_found(bot, q, ctx, who, dialogue).await;
            }
            answer().await?;
            let state = ChildrenState::ConfirmDelete { child: id };
            show(bot, ctx, who, dialogue, state, Some(q)).await
        }
        Cb::DeleteYes(id) | Cb::DeleteNo(id)
            if here != Some(&ChildrenState::ConfirmDelete { child: id }) =>
        {
            stale().await
        }
        Cb::DeleteYes(id) => {
            if !ctx.store.delete_child(who.user_id, id).await? {
                return not_found(bot, q, ctx, who, dialogue).await;
            }
            tracing::info!(user = who.user_id, child = id, "child deleted");
            bot.answer_callback_query(q.id.clone())
                .text(t!(who.lang, "child-deleted"))
                .await?;
            show(bot, ctx, who, dialogue, ChildrenState::List, Some(q)).await
        }
        Cb::DeleteNo(id) => {
            answer().await?;
            show(
                bot,
                ctx,
                who,
                dialogue,
                ChildrenState::Card { child: id },
                Some(q),
            )
            .await
        }
        Cb::ChoosePerson => {
            answer().await?;
            show(
                bot,
                ctx,
                who,
                dialogue,
                ChildrenState::ChoosePerson,
                Some(q),
            )
            .await
        }
        Cb::ActAsMe | Cb::ActAs(_) => {
            let child = match tapped {
                Cb::ActAs(id) => Some(id),
                _ => None,
            };
            if !ctx.store.set_active_person(who.user_id, child).await? {
                return not_found(bot, q, ctx, who, dialogue).await;
            }
            let person = ctx.store.active_person(who.user_id).await?;
            tracing::info!(user = who.user_id, child = ?child, "active person switched");
            bot.answer_callback_query(q.id.clone())
                .text(t!(
                    who.lang,
                    "person-chosen",
                    person = person_label(who.lang, &person)
                ))
                .await?;
            super::legacy::show_menu(bot, ctx, who, dialogue, Some(q)).await
        }
        Cb::Sex(_)
        | Cb::Relation(_)
        | Cb::Kind(_)
        | Cb::Back
        | Cb::Save
        | Cb::Edit
        | Cb::Fix(_)
        | Cb::Close => {
            let Some(form) = form else {
                return stale().await;
            };
            if !fits(&form, tapped) {
                return stale().await;
            }
            on_form_button(bot, q, ctx, who, dialogue, form, tapped).await
        }
    }
}

/// Whether a form button belongs to the question on screen.
fn fits(form: &Form, tapped: Cb) -> bool {
    matches!(
        (tapped, form.step),
        (Cb::Sex(_), Step::Sex)
            | (Cb::Relation(_), Step::Relation)
            | (Cb::Kind(_), Step::PolicyKind)
            | (Cb::Save | Cb::Edit | Cb::Close, Step::Summary)
            | (Cb::Fix(_), Step::Fix)
            | (Cb::Back, _)
    )
}

async fn on_form_button(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    mut form: Form,
    tapped: Cb,
) -> HandlerResult {
    let next = match tapped {
        Cb::Sex(sex) => {
            if form.sex != Some(sex) {
                form.relation = None;
            }
            form.sex = Some(sex);
            form.advance(Step::Sex);
            ChildrenState::Form(form)
        }
        Cb::Relation(relation) => {
            form.relation = Some(relation);
            form.advance(Step::Relation);
            ChildrenState::Form(form)
        }
        Cb::Kind(choice) => {
            form.policy_kind = Some(choice);
            form.advance(Step::PolicyKind);
            ChildrenState::Form(form)
        }
        Cb::Back => match form.back() {
            Some(step) => {
                form.go(step);
                ChildrenState::Form(form)
            }
            None => form.exit(),
        },
        Cb::Edit => {
            form.go(Step::Fix);
            ChildrenState::Form(form)
        }
        Cb::Fix(field) => {
            form.fixing = Some(field);
            form.step = field.first_step();
            ChildrenState::Form(form)
        }
        Cb::Close => form.exit(),
        Cb::Save => return save_child(bot, q, ctx, who, dialogue, form).await,
        _ => {
            return legacy::stale_button(
                bot,
                q,
                ctx,
                who,
                dialogue,
                &State::Children(ChildrenState::Form(form)),
            )
            .await
        }
    };
    bot.answer_callback_query(q.id.clone()).await?;
    show(bot, ctx, who, dialogue, next, Some(q)).await
}

async fn save_child(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    mut form: Form,
) -> HandlerResult {
    let Some(details) = form.details() else {
        // Cannot happen through the buttons; ask what is missing rather than fail.
        let step = form.first_missing().unwrap_or(Step::Name);
        form.go(step);
        bot.answer_callback_query(q.id.clone()).await?;
        return show(bot, ctx, who, dialogue, ChildrenState::Form(form), Some(q)).await;
    };
    let saved = match form.child {
        Some(id) => {
            if !ctx.store.update_child(who.user_id, id, &details).await? {
                return not_found(bot, q, ctx, who, dialogue).await;
            }
            tracing::info!(user = who.user_id, child = id, "child changed");
            id
        }
        None => {
            let child = ctx.store.add_child(who.user_id, &details).await?;
            tracing::info!(user = who.user_id, child = child.id, "child added");
            child.id
        }
    };
    bot.answer_callback_query(q.id.clone())
        .text(t!(who.lang, "child-saved"))
        .await?;
    let next = match form.child {
        Some(_) => ChildrenState::Card { child: saved },
        None => ChildrenState::List,
    };
    show(bot, ctx, who, dialogue, next, Some(q)).await
}

async fn owns(ctx: &Ctx, who: &Who, child: i64) -> anyhow::Result<bool> {
    Ok(ctx.store.child(who.user_id, child).await?.is_some())
}

/// A button naming a child this user does not have (deleted meanwhile, or forged): refuse and show the list.
async fn not_found(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
) -> HandlerResult {
    tracing::info!(
        user = who.user_id,
        "a button named a child the user does not have"
    );
    bot.answer_callback_query(q.id.clone())
        .text(t!(who.lang, "child-not-found"))
        .show_alert(true)
        .await?;
    show(bot, ctx, who, dialogue, ChildrenState::List, Some(q)).await
}

fn today(ctx: &Ctx) -> chrono::NaiveDate {
    domain::local_today(ctx.clock.now(), ctx.settings.region_tz)
}

// ---------------------------------------------------------------------------------------------------------
// Typed answers

/// Text while in «Мои дети»: an answer to the question on screen, or a hint to use the buttons.
pub async fn on_text(
    bot: Bot,
    msg: Message,
    ctx: std::sync::Arc<Ctx>,
    who: Who,
    dialogue: BotDialogue,
    here: ChildrenState,
) -> HandlerResult {
    let ChildrenState::Form(mut form) = here else {
        return super::legacy::unexpected_text(bot, ctx, who, dialogue, State::Children(here))
            .await;
    };
    let lang = who.lang;
    let Some(text) = msg.text() else {
        bot.send_message(who.chat_id, t!(lang, "child-send-text"))
            .await?;
        return show_current(&bot, &ctx, &who, &dialogue, &ChildrenState::Form(form)).await;
    };
    let answered = form.step;
    let result: Result<(), Problem> = match answered {
        Step::Name => FullName::parse(text)
            .map(|name| form.full_name = Some(name))
            .map_err(|e| (e.key(), e.args())),
        Step::BirthDate => ChildBirthDate::parse(text, today(&ctx))
            .map(|date| form.birth_date = Some(date.birth_date()))
            .map_err(|e| (e.key(), e.args())),
        Step::Series => PolicySeries::parse(text)
            .map(|series| {
                form.series = Some(series);
            })
            .map_err(|e| (e.key(), e.args())),
        Step::Number => match (form.policy_kind, form.series.clone()) {
            (Some(PolicyChoice::Old), Some(series)) => OldPolicyNumber::parse(text)
                .map(|number| form.policy = Some(PolicyNumber::old(series, number)))
                .map_err(|e| (e.key(), e.args())),
            _ => PolicyNumber::parse_new(text)
                .map(|policy| form.policy = Some(policy))
                .map_err(|e| (e.key(), e.args())),
        },
        Step::Sex | Step::Relation | Step::PolicyKind | Step::Summary | Step::Fix => {
            bot.send_message(who.chat_id, t!(lang, "child-use-buttons"))
                .await?;
            return show_current(&bot, &ctx, &who, &dialogue, &ChildrenState::Form(form)).await;
        }
    };
    if let Err(problem) = result {
        // Only the kind of mistake is logged, never the text.
        tracing::debug!(user = who.user_id, step = ?answered, error = problem.0, "answer refused");
        Screen::plain(format!("⚠️ {}", explain(lang, &problem)))
            .row(vec![back_button(lang)])
            .send(&bot, who.chat_id)
            .await?;
        return Ok(());
    }
    form.advance(answered);
    show(&bot, &ctx, &who, &dialogue, ChildrenState::Form(form), None).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::callback::{assert_garbage_refused, assert_round_trips};

    fn all() -> Vec<Cb> {
        let mut all = vec![
            Cb::List,
            Cb::Add,
            Cb::Import,
            Cb::ImportPick(0),
            Cb::ImportPick(254),
            Cb::Back,
            Cb::Save,
            Cb::Edit,
            Cb::Close,
            Cb::ChoosePerson,
            Cb::ActAsMe,
            Cb::Sex(Sex::Male),
            Cb::Sex(Sex::Female),
            Cb::Relation(Relation::Son),
            Cb::Relation(Relation::Daughter),
            Cb::Kind(PolicyChoice::New),
            Cb::Kind(PolicyChoice::Old),
        ];
        all.extend(Field::ALL.map(Cb::Fix));
        for id in [1, 42, MAX_CHILD_ID - 1] {
            all.extend([
                Cb::Card(id),
                Cb::Change(id),
                Cb::Delete(id),
                Cb::DeleteYes(id),
                Cb::DeleteNo(id),
                Cb::ActAs(id),
            ]);
        }
        all
    }

    #[test]
    fn every_button_round_trips_within_64_bytes_through_the_bot_codec() {
        assert_round_trips(all().into_iter().map(cb));
    }

    #[test]
    fn garbage_and_impossible_ids_do_not_decode() {
        assert_garbage_refused(
            Cb::decode,
            &[
                "k:",
                "k:c",
                "k:c:",
                "k:c:0",
                "k:c:-5",
                "k:c:+5",
                "k:c:007",
                "k:c:9007199254740992",
                "k:c:99999999999999999999",
                "k:c:1:2",
                "k:c:abc",
                "k:sx:x",
                "k:rl:",
                "k:pk:t",
                "k:fx:z",
                "k:ip:256",
                "k:ip:01",
                "k:l:1",
                "k:b:",
                "k:zzz",
                "kk:l",
                "k:as:1.5",
            ],
        );
    }

    fn complete() -> Form {
        let mut form = Form::adding();
        form.full_name = Some(FullName::parse("Иванова Мария Ивановна").unwrap());
        form.birth_date = Some(BirthDate::from_esia("01.12.2015").unwrap());
        form.sex = Some(Sex::Female);
        form.relation = Some(Relation::Daughter);
        form.policy_kind = Some(PolicyChoice::New);
        form.policy = Some(PolicyNumber::parse_new("8451999122899990").unwrap());
        form.go(Step::Summary);
        form
    }

    #[test]
    fn a_new_form_asks_every_question_in_order() {
        let mut form = Form::adding();
        assert_eq!(form.step, Step::Name);
        form.full_name = complete().full_name;
        form.advance(Step::Name);
        assert_eq!(form.step, Step::BirthDate);
        form.birth_date = complete().birth_date;
        form.advance(Step::BirthDate);
        assert_eq!(form.step, Step::Sex);
        form.sex = Some(Sex::Male);
        form.advance(Step::Sex);
        assert_eq!(form.step, Step::Relation);
        form.relation = Some(Relation::Son);
        form.advance(Step::Relation);
        assert_eq!(form.step, Step::PolicyKind);
        form.policy_kind = Some(PolicyChoice::Old);
        form.advance(Step::PolicyKind);
        assert_eq!(form.step, Step::Series);
        assert_eq!(form.back(), Some(Step::PolicyKind));
        form.series = Some(PolicySeries::parse("ЕАА").unwrap());
        form.advance(Step::Series);
        assert_eq!(form.step, Step::Number);
        assert_eq!(form.back(), Some(Step::Series));
        form.policy = Some(PolicyNumber::parse_old("ЕАА", "123").unwrap());
        form.advance(Step::Number);
        assert_eq!(form.step, Step::Summary);
        assert!(form.details().is_some());
    }

    #[test]
    fn fixing_a_field_returns_to_the_summary_and_back_cancels_the_fix() {
        let mut form = complete();
        form.fixing = Some(Field::BirthDate);
        form.step = Step::BirthDate;
        assert_eq!(form.back(), Some(Step::Summary));
        form.advance(Step::BirthDate);
        assert_eq!(form.step, Step::Summary);
        assert_eq!(form.fixing, None);

        form.fixing = Some(Field::Policy);
        form.step = Step::PolicyKind;
        form.policy_kind = Some(PolicyChoice::Old);
        form.advance(Step::PolicyKind);
        assert_eq!(form.step, Step::Series);
        assert_eq!(form.back(), Some(Step::PolicyKind));
        form.go(Step::PolicyKind);
        assert_eq!(form.back(), Some(Step::Summary));
        form.go(Step::Summary);
        assert_eq!(
            form.policy_kind,
            Some(PolicyChoice::New),
            "the kind follows the policy kept"
        );
    }

    #[test]
    fn gosuslugi_data_fills_the_form_and_the_first_gap_is_asked() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 5, 10).unwrap();
        let full = ImportableChild {
            full_name: Some("ИВАНОВА мария ивановна".into()),
            birth_date: Some("01.12.2015".into()),
            sex: Some(Sex::Female),
            policy_series: None,
            policy_number: Some("8451999122899990".into()),
        };
        let (form, problem) = prefill(&full, today);
        assert_eq!(form.step, Step::Summary);
        assert_eq!(problem, None);
        assert_eq!(form.relation, Some(Relation::Daughter));
        assert_eq!(form.full_name.unwrap().full(), "Иванова Мария Ивановна");

        let no_policy = ImportableChild {
            policy_number: None,
            ..full.clone()
        };
        let (form, problem) = prefill(&no_policy, today);
        assert_eq!((form.step, problem), (Step::PolicyKind, None));

        let bad_number = ImportableChild {
            policy_number: Some("1234567890123453".into()),
            ..full.clone()
        };
        let (form, problem) = prefill(&bad_number, today);
        assert_eq!(form.step, Step::Number);
        assert_eq!(problem.unwrap().0, "err-policy-bad-check-digit");

        let old = ImportableChild {
            policy_series: Some("еаа".into()),
            policy_number: Some("1234567890".into()),
            ..full.clone()
        };
        let (form, _) = prefill(&old, today);
        assert_eq!(form.step, Step::Summary);
        assert_eq!(form.policy.unwrap().to_string(), "ЕАА 1234567890");

        let teen = ImportableChild {
            birth_date: Some("01.01.2011".into()),
            sex: None,
            ..full
        };
        let (form, problem) = prefill(&teen, today);
        assert_eq!(form.step, Step::BirthDate);
        assert_eq!(problem.unwrap().0, "err-date-too-old-for-child");
        assert_eq!(form.sex, None);
    }

    #[test]
    fn a_quoted_character_is_escaped_for_html() {
        let problem: Problem = ("err-name-bad-characters", vec![("char", "<".to_owned())]);
        let text = explain(Lang::Ru, &problem);
        assert!(text.contains("«&lt;»"), "{text}");
    }
}
