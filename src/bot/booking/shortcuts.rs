//! Fewer taps: «Записаться снова» (the active person's recent doctors, one tap to a doctor's days) and
//! «Моя поликлиника» (the clinic the person is attached to, one tap to its specialties).

use futures::future::join_all;
use teloxide::types::InlineKeyboardButton;

use crate::bot::ctx::{today, Ctx, Who};
use crate::bot::reply::Reply;
use crate::bot::screen::button;
use crate::domain::PolicyNumber;
use crate::registry::{within_deadline, Clinic, PolicyQuery};
use crate::store::RecentDoctor;
use crate::t;

use super::cb::Cb;
use super::person::active_child;
use super::screens::cb;
use super::state::{Choice, Flow, Here, Step};
use crate::registry::listed;

/// How many recent doctors the menu offers.
pub const RECENT_IN_MENU: usize = 2;

async fn recent(ctx: &Ctx, who: &Who) -> anyhow::Result<Vec<RecentDoctor>> {
    let child = active_child(ctx, who.user_id).await?;
    ctx.store
        .recent_doctors(who.user_id, child, RECENT_IN_MENU)
        .await
}

/// «🔁 Терапевт: Иванова А. С.» for each recent doctor of the active person.
pub(in crate::bot) async fn recent_buttons(
    ctx: &Ctx,
    who: &Who,
) -> anyhow::Result<Vec<Vec<InlineKeyboardButton>>> {
    Ok(recent(ctx, who)
        .await?
        .iter()
        .enumerate()
        .map(|(n, doctor)| {
            let label = t!(
                who.lang,
                "booking-btn-again",
                specialty = doctor.specialty.clone(),
                doctor = short_doctor(&doctor.doctor)
            );
            vec![button(label, cb(Cb::Again(n as u16, doctor.lpu_id)))]
        })
        .collect())
}

/// «Иванова А. С.» from «Иванова Анна Сергеевна»; other shapes as written, cut to fit a button.
fn short_doctor(name: &str) -> String {
    match crate::domain::FullName::parse(name) {
        Ok(full) => full.short(),
        Err(_) => name.chars().take(24).collect(),
    }
}

/// The n-th recent doctor's days, if the menu's button still names the same clinic.
pub(super) async fn again(ctx: &Ctx, who: &Who, n: u16, lpu: i64) -> anyhow::Result<Reply> {
    let recent = recent(ctx, who).await?;
    let Some(doctor) = recent.get(usize::from(n)).filter(|d| d.lpu_id == lpu) else {
        return Ok(Reply::stale());
    };
    // The visit kept the specialty's name; its id is the clinic's, looked up by that name.
    let specialty = match listed(ctx.registry.specialties(lpu)).await {
        Ok(list) => list.into_iter().find(|s| s.name == doctor.specialty),
        Err(_) => None,
    };
    let Some(specialty) = specialty else {
        return Ok(Reply::go(crate::bot::state::State::Booking(Here::at_clinic(
            lpu, None,
        )))
        .toast(t!(who.lang, "booking-again-gone")));
    };
    let step = Step::Days {
        specialty: Choice {
            id: specialty.id,
            name: specialty.name,
        },
        doctor: Choice {
            id: doctor.doctor_id.clone(),
            name: doctor.doctor.clone(),
        },
        week: None,
    };
    let flow = Flow::at(lpu, step);
    super::show(ctx, who, flow, None).await
}

/// Someone the user books for: the account holder (`child` `None`) or a child, with their policy.
struct Person {
    child: Option<i64>,
    name: String,
    policy: Option<PolicyNumber>,
    age: u32,
}

/// The account holder (policy from Gosuslugi or «Мои данные») and the children, in that order.
async fn people(ctx: &Ctx, who: &Who) -> anyhow::Result<Vec<Person>> {
    let today = today(ctx);
    let adult = crate::domain::ADULT_AGE;
    let (policy, age) = if ctx.settings.esia.is_on() {
        let link = ctx.store.esia_link(who.user_id).await?;
        let age = link.as_ref().and_then(|l| l.person.birth_date);
        (link.and_then(|l| l.person.policy), age)
    } else {
        let details = ctx.store.self_details(who.user_id).await?;
        let age = details.as_ref().map(|d| d.birth_date);
        (details.map(|d| d.policy), age)
    };
    let mut people = vec![Person {
        child: None,
        name: t!(who.lang, "person-me"),
        policy,
        age: age.map_or(adult, |b| b.age_on(today)),
    }];
    for child in ctx.store.children(who.user_id).await? {
        people.push(Person {
            child: Some(child.id),
            name: child.full_name().name().to_owned(),
            policy: Some(child.policy().clone()),
            age: child.birth_date().age_on(today),
        });
    }
    Ok(people)
}

/// The clinic a policy is attached to that fits the age best (a children's polyclinic for a child, an
/// adults' one for an adult); `None` when the registry does not say.
async fn attached(ctx: &Ctx, policy: &PolicyNumber, age: u32) -> Option<Clinic> {
    let query = PolicyQuery {
        number: policy.number().to_owned(),
        series: policy.series().map(str::to_owned),
    };
    let mut clinics = within_deadline(ctx.registry.attached_clinics(&query))
        .await
        .ok()?;
    clinics.sort_by_key(|c| {
        crate::domain::ClinicKind::classify(c.kind.as_deref())
            .audience()
            .rank(age)
    });
    clinics.into_iter().next()
}

/// «🏥 Я: Поликлиника № 11», «🏥 Мария: Детская поликлиника № 2»: each person's own clinic, one tap to its
/// specialties for that person (skipping district, kind and page). The registry is asked about everyone
/// at once; the buttons keep the people's order.
pub(in crate::bot) async fn my_clinic_buttons(
    ctx: &Ctx,
    who: &Who,
) -> anyhow::Result<Vec<Vec<InlineKeyboardButton>>> {
    let people = people(ctx, who).await?;
    let insured: Vec<(&Person, &PolicyNumber)> = people
        .iter()
        .filter_map(|person| Some((person, person.policy.as_ref()?)))
        .collect();
    let clinics = join_all(
        insured
            .iter()
            .map(|(person, policy)| attached(ctx, policy, person.age)),
    )
    .await;
    let mut rows = Vec::new();
    for ((person, _), clinic) in insured.into_iter().zip(clinics) {
        if let Some(clinic) = clinic {
            let label = t!(
                who.lang,
                "booking-btn-my-clinic",
                person = person.name.clone(),
                clinic = clinic.display_name().to_owned()
            );
            rows.push(vec![button(
                label,
                cb(Cb::AtClinic(clinic.id, person.child)),
            )]);
        }
    }
    Ok(rows)
}

/// The clinic to book `child` (`None`: the account holder) at without asking: the clinic their policy is
/// attached to that fits their age, else the clinic of their latest visit booked here; `None` when neither
/// is known.
pub(super) async fn clinic_of(
    ctx: &Ctx,
    who: &Who,
    child: Option<i64>,
) -> anyhow::Result<Option<i64>> {
    let person = people(ctx, who)
        .await?
        .into_iter()
        .find(|p| p.child == child);
    if let Some(Person {
        policy: Some(policy),
        age,
        ..
    }) = &person
    {
        if let Some(clinic) = attached(ctx, policy, *age).await {
            return Ok(Some(clinic.id));
        }
    }
    let recent = ctx.store.recent_doctors(who.user_id, child, 1).await?;
    Ok(recent.first().map(|doctor| doctor.lpu_id))
}
