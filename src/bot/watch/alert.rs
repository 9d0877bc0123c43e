//! The worker's notices of a watch and their buttons: «Записать» books the slot for the WATCH's person
//! (whoever «Для кого» points at), «Пропустить этот» skips it and keeps watching, «Другое время» opens the
//! booking for the watch's person, «Не следить» stops it. And the notice of a watch that ended.

use chrono::TimeZone as _;
use chrono_tz::Tz;

use crate::bot::booking::state::{Choice, Flow, Here, Step};
use crate::bot::ctx::{Ctx, Who};
use crate::bot::reply::{Next, Reply};
use crate::bot::screen::{button, Screen};
use crate::bot::state::State;
use crate::i18n::{escape_html, Lang};
use crate::store::{Appointment, Watch, WatchStatus};
use crate::t;
use crate::visits::autobook::{auto_book, choose, AutoBooked, Choice as Plan, Made};
use crate::visits::watch::{FreeSlot, Polled, Poller, Target};

use super::cb::slot_tag;
use super::labels::{person_name, what_label};
use super::{cb, Cb};

/// What, for whom and where: the head of every notice of a watch.
fn head(lang: Lang, watch: &Watch, title: String, person: Option<&str>) -> Vec<String> {
    let mut lines = vec![title, what_label(lang, &watch.target.labels)];
    if !watch.target.labels.clinic.is_empty() {
        lines.push(t!(
            lang,
            "reminder-clinic",
            clinic = escape_html(&watch.target.labels.clinic)
        ));
    }
    if let Some(person) = person {
        lines.push(t!(lang, "watch-found-for", person = person.to_owned()));
    }
    lines
}

/// What a notice of slots found says: the watch, the new slots (soonest first), the person's later visit
/// to that doctor they are earlier than, and the person named (when the user has children).
#[derive(Clone, Copy, Debug)]
pub struct Found<'a> {
    pub watch: &'a Watch,
    pub slots: &'a [FreeSlot],
    pub later: Option<&'a Appointment>,
    pub person: Option<&'a str>,
}

/// «Появились талоны»: what, where, for whom, the soonest new one and how many (and the later visit it
/// would replace, or not), with «Записать» and «Пропустить этот» (both about the soonest), «Другое время»
/// and «Не ждать».
pub fn found_notice(lang: Lang, demo: bool, tz: Tz, now: i64, found: Found<'_>) -> Screen {
    let Found {
        watch,
        slots: new,
        later,
        person,
    } = found;
    let mut lines = head(lang, watch, t!(lang, "watch-found-title"), person);
    let mut screen_rows = Vec::new();
    if let Some(first) = new.first() {
        let at = tz
            .from_local_datetime(&first.slot.visit_start)
            .earliest()
            .map(|at| at.timestamp())
            .unwrap_or(now);
        lines.push(t!(
            lang,
            "watch-found-nearest",
            when = crate::bot::visit::local_when(lang, at, tz, now),
            count = new.len()
        ));
        if let Some(later) = later {
            let when = crate::bot::visit::local_when(lang, later.booking.visit_at, tz, now);
            lines.push(match watch.plan.rebook_earlier {
                true => t!(lang, "watch-found-later-move", when = when),
                false => t!(lang, "watch-found-later-keep", when = when),
            });
        }
        let tag = slot_tag(&first.slot.id);
        screen_rows.push(vec![
            button(t!(lang, "watch-btn-book"), cb(Cb::Book(watch.id, tag))),
            button(t!(lang, "watch-btn-skip"), cb(Cb::Skip(watch.id, tag))),
        ]);
    }
    lines.push(String::new());
    lines.push(t!(lang, "watch-found-hint"));
    screen_rows.push(vec![
        button(t!(lang, "watch-btn-other"), cb(Cb::Open(watch.id))),
        button(t!(lang, "watch-btn-stop"), cb(Cb::Stop(watch.id))),
    ]);
    screen_rows.into_iter().fold(
        Screen::with_badge(lang, demo, lines.join("\n")),
        Screen::row,
    )
}

/// «Ожидание закончилось»: which watch (what, where, for whom) and that nothing suitable turned up.
pub fn expired_notice(lang: Lang, demo: bool, watch: &Watch, person: Option<&str>) -> Screen {
    let mut lines = head(lang, watch, t!(lang, "watch-expired-title"), person);
    lines.extend([String::new(), t!(lang, "watch-expired-hint")]);
    Screen::with_badge(lang, demo, lines.join("\n"))
}

/// The message of a tapped notice becomes `screen` (the stored dialogue stays where it is).
fn edit(screen: Screen) -> Reply {
    Reply::new(Next::Edit(screen))
}

/// The watch's free slot tagged `tag`, asked of the registry now (it may be gone).
async fn slot_now(ctx: &Ctx, watch: &Watch, tag: u32, now: i64) -> Option<FreeSlot> {
    let interval = ctx.settings.watch_interval.as_secs() as i64;
    let poller = Poller::new(ctx.settings.watch_budget, interval);
    let target = Target::of(watch);
    let mut polled = poller
        .poll(&*ctx.registry, std::slice::from_ref(&target), now)
        .await;
    match polled.remove(&target) {
        Some(Polled::Slots(slots)) => slots.into_iter().find(|s| slot_tag(&s.slot.id) == tag),
        _ => None,
    }
}

/// «Записать»: the slot booked for the watch's person, the visit's card with «Отменить».
pub(super) async fn book(ctx: &Ctx, who: &Who, id: i64, tag: u32) -> anyhow::Result<Reply> {
    let lang = who.lang;
    let Some(watch) = ctx.store.watch(who.user_id, id).await? else {
        return Ok(Reply::stay().alert(t!(lang, "watch-gone")));
    };
    match watch.status {
        WatchStatus::Booking => return Ok(Reply::stay().toast(t!(lang, "watch-busy"))),
        WatchStatus::Booked | WatchStatus::Expired => {
            return Ok(Reply::stay().alert(t!(lang, "watch-ended")))
        }
        WatchStatus::Active | WatchStatus::Paused => {}
    }
    let now = ctx.clock.now().timestamp();
    let Some(slot) = slot_now(ctx, &watch, tag, now).await else {
        return Ok(Reply::stay().alert(t!(lang, "watch-slot-gone")));
    };
    if watch.status == WatchStatus::Paused {
        ctx.store.pause_watch(who.user_id, id, false, now).await?;
    }
    // As auto-book would: never a second visit to the specialty that day; the later visit to that doctor
    // moved only when the watch asks for it.
    let visits = ctx.store.upcoming_appointments(who.user_id, now).await?;
    let mut as_asked = watch.clone();
    as_asked.plan.auto_book = true;
    let tz = ctx.settings.region_tz;
    let replace = match choose(&as_asked, std::slice::from_ref(&slot), &visits, tz) {
        Plan::Book { replace, .. } => replace,
        Plan::Tell { .. } => None,
        Plan::Nothing => return Ok(Reply::stay().alert(t!(lang, "watch-slot-unfit"))),
    };
    let retry_at = now + ctx.settings.watch_interval.as_secs() as i64;
    tracing::info!(user = %crate::telemetry::user_tag(who.user_id), clinic = watch.target.lpu_id, "watch: booking from a notice");
    let booked = auto_book(ctx.visits(), &watch, &slot, replace, now, retry_at).await?;
    Ok(match booked {
        AutoBooked::Made(made) => edit(booked_screen(ctx, lang, &made, now)).must_show(),
        AutoBooked::Pending => edit(Screen::new(ctx, lang, t!(lang, "watch-pending"))).must_show(),
        AutoBooked::CannotBook => Reply::stay().alert(t!(lang, "watch-cannot-book")),
        AutoBooked::Claimed => Reply::stay().toast(t!(lang, "watch-busy")),
        AutoBooked::Missed(_) => Reply::stay().alert(t!(lang, "watch-slot-gone")),
    })
}

/// The visit booked from a notice, with «Отменить», and what became of the later one.
fn booked_screen(ctx: &Ctx, lang: Lang, made: &Made, now: i64) -> Screen {
    let tz = ctx.settings.region_tz;
    let mut lines = vec![t!(lang, "watch-booked-title")];
    lines.extend(crate::bot::visit::visit_card_lines(
        lang,
        &made.appointment,
        tz,
        now,
    ));
    let when =
        |visit: &Appointment| crate::bot::visit::local_when(lang, visit.booking.visit_at, tz, now);
    if let Some(old) = &made.replaced {
        lines.extend([
            String::new(),
            t!(lang, "watch-booked-replaced", when = when(old)),
        ]);
    }
    if let Some(old) = &made.not_cancelled {
        lines.extend([
            String::new(),
            t!(lang, "watch-booked-not-cancelled", when = when(old)),
        ]);
    }
    let demo = ctx.settings.is_demo();
    crate::bot::visit::visit_screen(lang, demo, &made.appointment, lines)
}

/// «Пропустить этот»: the slot is never offered or booked for this watch again; the watch goes on.
pub(super) async fn skip(ctx: &Ctx, who: &Who, id: i64, tag: u32) -> anyhow::Result<Reply> {
    let lang = who.lang;
    let Some(watch) = ctx.store.watch(who.user_id, id).await? else {
        return Ok(Reply::stay().alert(t!(lang, "watch-gone")));
    };
    let known = watch.seen.iter().find(|s| slot_tag(s) == tag).cloned();
    let slot = match known {
        Some(slot) => Some(slot),
        None => slot_now(ctx, &watch, tag, ctx.clock.now().timestamp())
            .await
            .map(|s| s.slot.id),
    };
    let Some(slot) = slot else {
        return Ok(Reply::stay().toast(t!(lang, "watch-slot-gone")));
    };
    ctx.store.skip_watch_slot(who.user_id, id, &slot).await?;
    tracing::info!(user = %crate::telemetry::user_tag(who.user_id), "watch: slot skipped");
    let said = t!(lang, "watch-skipped");
    let mut lines = head(lang, &watch, said.clone(), None);
    lines.truncate(3);
    let screen = Screen::new(ctx, lang, lines.join("\n")).row(vec![
        button(t!(lang, "watch-btn-other"), cb(Cb::Open(id))),
        button(t!(lang, "watch-btn-to-list"), cb(Cb::List)),
    ]);
    Ok(edit(screen).toast(said))
}

/// «Другое время»: the booking at the watched doctor (or specialty), for the watch's person.
pub(super) async fn open(ctx: &Ctx, who: &Who, id: i64) -> anyhow::Result<Reply> {
    let lang = who.lang;
    let Some(watch) = ctx.store.watch(who.user_id, id).await? else {
        return Ok(Reply::go(State::Watches).toast(t!(lang, "watch-gone")));
    };
    if !ctx
        .store
        .set_active_person(who.user_id, watch.plan.child_id)
        .await?
    {
        return Ok(Reply::go(State::Watches).toast(t!(lang, "watch-gone")));
    }
    let person = person_name(&ctx.store, lang, who.user_id, watch.plan.child_id).await?;
    let flow = booking_of(&watch);
    Ok(
        Reply::go(State::Booking(Here::Flow(Box::new(flow)))).toast(t!(
            lang,
            "watch-for-now",
            person = person
        )),
    )
}

/// The booking a watch opens: the doctor's days, or the specialty's doctors.
fn booking_of(watch: &Watch) -> Flow {
    let specialty = Choice {
        id: watch.target.specialty_id.clone(),
        name: watch.target.labels.specialty.clone(),
    };
    let step = match watch.target.doctor_id.clone() {
        Some(id) => Step::Days {
            specialty,
            doctor: Choice {
                id,
                name: watch.target.labels.doctor.clone(),
            },
            week: None,
        },
        None => Step::Doctors { specialty, page: 1 },
    };
    Flow::at(watch.target.lpu_id, step)
}
