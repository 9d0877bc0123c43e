//! Free text at the menu («запиши дочь к педиатру», «педиатр», «Иванова»): who it is for (switching the
//! active person when the text names one) and, at that person's own clinic, the specialty's doctors or the
//! doctor's days directly. Matching is [`crate::domain::Query`]'s.

use crate::bot::ctx::{Ctx, Who};
use crate::bot::reply::Reply;
use crate::bot::screen::{button, log_registry_error, Screen};
use crate::bot::state::State;
use crate::domain::{PersonHint, Query, Sex};
use crate::registry::Specialty;
use crate::store::Child;
use crate::t;

use super::cb::Cb;
use super::screens::cb;
use super::state::{Choice, Flow, Here, Step};
use crate::registry::listed;

/// The most specialties whose doctors are read to find a surname (the registry client caches them).
const SPECIALTIES_SCANNED: usize = 12;

/// Text typed at the menu.
pub(in crate::bot) async fn on_text(
    ctx: &Ctx,
    who: &Who,
    text: Option<&str>,
) -> anyhow::Result<Reply> {
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        return Ok(nothing_found(who));
    };
    let query = Query::parse(text);
    if query.is_empty() {
        return Ok(nothing_found(who));
    }
    let children = ctx.store.children(who.user_id).await?;
    match whom(&query, &children) {
        Whom::Keep => {}
        Whom::One(child) => {
            ctx.store.set_active_person(who.user_id, child).await?;
        }
        Whom::Ask(candidates) => return Ok(ask_whom(ctx, who, text, &candidates)),
    }
    find(ctx, who, &query).await
}

/// «Для кого?» answered: the person made active and the text looked up for them.
pub(super) async fn answered(
    ctx: &Ctx,
    who: &Who,
    text: &str,
    child: Option<i64>,
) -> anyhow::Result<Reply> {
    if !ctx.store.set_active_person(who.user_id, child).await? {
        return Ok(Reply::stale());
    }
    find(ctx, who, &Query::parse(text)).await
}

/// Whom the text is for.
enum Whom {
    /// The text names nobody (or nobody the user has added): the active person.
    Keep,
    /// The account holder (`None`) or one child.
    One(Option<i64>),
    /// More than one child fits.
    Ask(Vec<Child>),
}

fn whom(query: &Query, children: &[Child]) -> Whom {
    let named: Vec<&Child> = children
        .iter()
        .filter(|c| query.names_child(c.full_name().name()))
        .collect();
    let fits = |c: &&Child| match query.person() {
        Some(PersonHint::Son) => c.sex() == Sex::Male,
        Some(PersonHint::Daughter) => c.sex() == Sex::Female,
        _ => true,
    };
    let candidates: Vec<Child> = match query.person() {
        Some(PersonHint::Me) => return Whom::One(None),
        None if named.is_empty() => return Whom::Keep,
        _ if !named.is_empty() => named.into_iter().filter(fits).cloned().collect(),
        _ => children.iter().filter(fits).cloned().collect(),
    };
    match candidates.as_slice() {
        [] => Whom::Keep,
        [one] => Whom::One(Some(one.id)),
        _ => Whom::Ask(candidates),
    }
}

/// «Для кого?» with a button per child that fits.
fn ask_whom(ctx: &Ctx, who: &Who, text: &str, candidates: &[Child]) -> Reply {
    let lang = who.lang;
    let buttons: Vec<_> = candidates
        .iter()
        .map(|c| button(c.full_name().name().to_owned(), cb(Cb::Person(Some(c.id)))))
        .collect();
    let mut screen = Screen::new(ctx, lang, t!(lang, "booking-ask-whom"));
    for pair in buttons.chunks(2) {
        screen = screen.row(pair.to_vec());
    }
    let screen = screen.button(t!(lang, "btn-menu"), crate::bot::callback::Cb::Menu);
    let state = State::Booking(Here::Which {
        text: text.to_owned(),
    });
    Reply::show(state, screen)
}

/// One line with an example; the menu stays.
fn nothing_found(who: &Who) -> Reply {
    Reply::stay().toast(t!(who.lang, "booking-ask-nothing"))
}

/// The active person's clinic, and there what the text names.
async fn find(ctx: &Ctx, who: &Who, query: &Query) -> anyhow::Result<Reply> {
    let child = super::person::ForWhom::active(ctx, who).await?.child;
    let Some(lpu) = super::shortcuts::clinic_of(ctx, who, child).await? else {
        return Ok(Reply::stay().toast(t!(who.lang, "booking-ask-no-clinic")));
    };
    let list = match listed(ctx.registry.specialties(lpu)).await {
        Ok(list) => list,
        Err(err) => {
            log_registry_error("booking", &err);
            return open(ctx, who, lpu, Step::Specialties { page: 1 }).await;
        }
    };
    if let Some(specialty) = best_specialty(query, &list) {
        let step = Step::Doctors {
            specialty: choice(specialty),
            page: 1,
        };
        return open(ctx, who, lpu, step).await;
    }
    match named_doctor(ctx, who, query, lpu, child, &list).await? {
        Some(step) => open(ctx, who, lpu, step).await,
        None => Ok(nothing_found(who)),
    }
}

fn choice(specialty: &Specialty) -> Choice {
    Choice {
        id: specialty.id.clone(),
        name: specialty.name.clone(),
    }
}

/// The specialty that answers the text best (the first of equals); `None` when none does.
fn best_specialty<'a>(query: &Query, list: &'a [Specialty]) -> Option<&'a Specialty> {
    let mut best: Option<(&Specialty, usize)> = None;
    for specialty in list {
        let score = query.specialty_score(&specialty.name);
        if score > 0 && best.is_none_or(|(_, top)| score > top) {
            best = Some((specialty, score));
        }
    }
    best.map(|(specialty, _)| specialty)
}

/// The days of the doctor whose surname the text names: the person's recent doctors at `lpu` first, then
/// the doctors of the clinic's specialties (those with free places first, at most
/// [`SPECIALTIES_SCANNED`]).
async fn named_doctor(
    ctx: &Ctx,
    who: &Who,
    query: &Query,
    lpu: i64,
    child: Option<i64>,
    list: &[Specialty],
) -> anyhow::Result<Option<Step>> {
    let recent = ctx.store.recent_doctors(who.user_id, child, 10).await?;
    for doctor in recent.iter().filter(|d| d.lpu_id == lpu) {
        let specialty = list.iter().find(|s| s.name == doctor.specialty);
        if let (Some(specialty), true) = (specialty, query.names_doctor(&doctor.doctor)) {
            return Ok(Some(days(
                choice(specialty),
                &doctor.doctor_id,
                &doctor.doctor,
            )));
        }
    }
    let mut scanned: Vec<&Specialty> = list.iter().collect();
    scanned.sort_by_key(|s| s.count_free_participant == 0);
    for specialty in scanned.into_iter().take(SPECIALTIES_SCANNED) {
        let Ok(found) = listed(ctx.registry.doctors(lpu, &specialty.id)).await else {
            continue;
        };
        if let Some(doctor) = found.iter().find(|d| query.names_doctor(&d.full_name())) {
            return Ok(Some(days(
                choice(specialty),
                &doctor.id,
                &doctor.full_name(),
            )));
        }
    }
    Ok(None)
}

fn days(specialty: Choice, id: &str, name: &str) -> Step {
    Step::Days {
        specialty,
        doctor: Choice {
            id: id.to_owned(),
            name: name.to_owned(),
        },
        week: None,
    }
}

/// `step` at `lpu` on screen, with what still stands between the account and booking said first.
async fn open(ctx: &Ctx, who: &Who, lpu: i64, step: Step) -> anyhow::Result<Reply> {
    let flow = Flow::at(lpu, step);
    let (state, screen) = super::draw(ctx, who, flow, None).await?;
    let screen = super::identity::gate(ctx, who, screen).await?;
    Ok(Reply::show(state, screen))
}
