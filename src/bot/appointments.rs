//! Journey 6: «Мои записи» — the user's upcoming visits (compared with the registry first), and cancelling
//! one after a confirmation (the registry first, then the store, which drops the reminders).

use crate::bot::booking::cb::Cb;
use crate::bot::booking::identity::gosuslugi_person;
use crate::bot::booking::registry::is_transient;
use crate::bot::booking::screens::{cb, menu_button, with_notice};
use crate::bot::booking::state::Here;
use crate::bot::callback::{Cb as AnyCb, Section};
use crate::bot::ctx::{Ctx, Who};
use crate::bot::reply::{Extra, Reply};
use crate::bot::screen::{button, log_registry_error, registry_failure, Screen};
use crate::bot::state::State;
use crate::bot::watch::cb::Cb as WatchCb;
use crate::i18n::escape_html;
use crate::registry::{within_deadline, AppointmentCancel, RegistryError};
use crate::store::appointments::REGISTRY_LAG_SECS;
use crate::store::Appointment;
use crate::t;

/// Whether a `bk:` button is one of «Мои записи» (the list, cancelling) rather than of booking.
pub fn is_ours(tap: Cb) -> bool {
    matches!(
        tap,
        Cb::Appointments | Cb::Cancel(_) | Cb::CancelYes(_) | Cb::CancelNo
    )
}

/// A `bk:` button of «Мои записи», or «Повторить» while a cancellation is asked.
pub async fn on_tap(ctx: &Ctx, who: &Who, state: &State, tap: Cb) -> anyhow::Result<Reply> {
    let asked = match state {
        State::Booking(Here::ConfirmCancel { id }) => Some(*id),
        _ => None,
    };
    match tap {
        Cb::Appointments => show(ctx, who).await,
        Cb::Cancel(id) => ask_cancel(ctx, who, id).await,
        Cb::CancelYes(id) if asked == Some(id) => cancel(ctx, who, id).await,
        Cb::CancelNo if asked.is_some() => show(ctx, who).await,
        Cb::Retry if asked.is_some() => ask_cancel(ctx, who, asked.unwrap_or_default()).await,
        _ => Ok(Reply::stale()),
    }
}

/// «Мои записи» from the main menu or a button: synced with the registry, then listed. Bookings whose
/// answer was lost and that this comparison settled are told here, as the worker would.
pub async fn show(ctx: &Ctx, who: &Who) -> anyhow::Result<Reply> {
    let now = ctx.clock.now().timestamp();
    let synced = crate::visits::sync::sync_user(ctx.visits(), who.user_id, who.lang, now).await?;
    let (tz, demo) = (ctx.settings.region_tz, ctx.settings.is_demo());
    let notice = (!synced.all_answered).then(|| t!(who.lang, "booking-sync-failed"));
    let mut reply = Reply::show(
        State::Booking(Here::Appointments),
        appointments_screen(ctx, who, notice).await?,
    );
    for appointment in &synced.confirmed {
        let screen = crate::bot::sync::confirmed_notice(who.lang, demo, appointment, tz, now);
        reply = reply.with(Extra::Message(screen));
    }
    for intent in &synced.not_booked {
        let screen = crate::bot::sync::not_booked_notice(who.lang, demo, intent, tz, now);
        reply = reply.with(Extra::Message(screen));
    }
    Ok(reply)
}

/// The screen of a state of this journey: the list, or the question about a visit (the list when the
/// visit is gone).
pub async fn render(ctx: &Ctx, who: &Who, here: &Here) -> anyhow::Result<(State, Screen)> {
    if let Here::ConfirmCancel { id } = here {
        if let Some(appointment) = ctx.store.appointment(who.user_id, *id).await? {
            return Ok((
                State::Booking(here.clone()),
                cancel_screen(ctx, who, &appointment),
            ));
        }
    }
    let screen = appointments_screen(ctx, who, None).await?;
    Ok((State::Booking(Here::Appointments), screen))
}

/// The list with a word on top.
async fn listed(ctx: &Ctx, who: &Who, notice: String) -> anyhow::Result<Reply> {
    let screen = appointments_screen(ctx, who, Some(notice)).await?;
    Ok(Reply::show(State::Booking(Here::Appointments), screen))
}

pub(in crate::bot) async fn appointments_screen(
    ctx: &Ctx,
    who: &Who,
    notice: Option<String>,
) -> anyhow::Result<Screen> {
    let lang = who.lang;
    let now = ctx.clock.now().timestamp();
    let list = ctx.store.upcoming_appointments(who.user_id, now).await?;
    let watches = ctx.store.watches(who.user_id).await?.len();
    // «Записаться снова»: the active person's recent doctors, one tap to a doctor's days.
    let again = crate::bot::booking::shortcuts::recent_buttons(ctx, who).await?;
    let watches_button = (watches > 0).then(|| {
        button(
            t!(lang, "watch-btn-list", count = watches),
            AnyCb::Watch(WatchCb::List),
        )
    });
    if list.is_empty() {
        let body = with_notice(notice, t!(lang, "booking-appointments-empty"));
        let mut screen = Screen::new(ctx, lang, body)
            .button(t!(lang, "menu-book"), AnyCb::Section(Section::Book));
        screen.keyboard.extend(again);
        if let Some(watches) = watches_button {
            screen = screen.row(vec![watches]);
        }
        return Ok(screen.row(vec![menu_button(lang)]));
    }
    // Grouped by person, each group in the order of its soonest visit; numbers run through the groups.
    let mut people: Vec<&str> = Vec::new();
    for appointment in &list {
        if !people.contains(&appointment.booking.details.person.as_str()) {
            people.push(&appointment.booking.details.person);
        }
    }
    let mut lines = vec![t!(lang, "booking-appointments-title")];
    let mut buttons = Vec::new();
    for person in people {
        lines.push(String::new());
        lines.push(t!(
            lang,
            "booking-appointments-person",
            person = escape_html(person)
        ));
        for appointment in list.iter().filter(|a| a.booking.details.person == person) {
            let n = buttons.len() + 1;
            lines.extend(item_lines(ctx, lang, appointment, n, now));
            buttons.push(button(
                t!(lang, "booking-btn-cancel-n", n = n),
                cb(Cb::Cancel(appointment.id)),
            ));
        }
    }
    let mut screen = Screen::new(ctx, lang, with_notice(notice, lines.join("\n")));
    for row in buttons.chunks(2) {
        screen = screen.row(row.to_vec());
    }
    screen.keyboard.extend(again);
    if let Some(watches) = watches_button {
        screen = screen.row(vec![watches]);
    }
    Ok(screen.row(vec![menu_button(lang)]))
}

/// One visit of «Мои записи»: number, time, doctor, clinic and address, and the room and the clinic's
/// phone when known.
fn item_lines(
    ctx: &Ctx,
    lang: crate::i18n::Lang,
    appointment: &Appointment,
    n: usize,
    now: i64,
) -> Vec<String> {
    let d = &appointment.booking.details;
    let when = crate::bot::visit::local_when(
        lang,
        appointment.booking.visit_at,
        ctx.settings.region_tz,
        now,
    );
    let mut lines = vec![t!(
        lang,
        "booking-appointment-item",
        n = n,
        when = when,
        specialty = escape_html(&d.specialty),
        doctor = escape_html(&d.doctor),
        clinic = escape_html(&d.clinic),
        address = escape_html(&d.address)
    )];
    if let Some(room) = d.room.as_deref().filter(|r| !r.trim().is_empty()) {
        lines.push(t!(
            lang,
            "booking-appointment-room",
            room = escape_html(room)
        ));
    }
    if let Some(phone) = d.phone.as_deref().filter(|p| !p.trim().is_empty()) {
        lines.push(t!(
            lang,
            "booking-appointment-phone",
            phone = escape_html(phone)
        ));
    }
    lines
}

/// «Отменить» on an appointment (in «Мои записи», after booking, or under a reminder): the question.
pub async fn ask_cancel(ctx: &Ctx, who: &Who, id: i64) -> anyhow::Result<Reply> {
    let Some(appointment) = booked(ctx, who, id).await? else {
        return Ok(Reply::stay().toast(t!(who.lang, "appointment-not-found")));
    };
    let screen = cancel_screen(ctx, who, &appointment);
    Ok(Reply::show(
        State::Booking(Here::ConfirmCancel { id }),
        screen,
    ))
}

/// The user's booked, upcoming appointment `id`; `None` for anyone else's, a cancelled or a past one.
pub(in crate::bot) async fn booked(
    ctx: &Ctx,
    who: &Who,
    id: i64,
) -> anyhow::Result<Option<Appointment>> {
    let now = ctx.clock.now().timestamp();
    Ok(ctx.store.appointment(who.user_id, id).await?.filter(|a| {
        a.status == crate::store::AppointmentStatus::Booked && a.booking.visit_at > now
    }))
}

pub(in crate::bot) fn cancel_screen(ctx: &Ctx, who: &Who, appointment: &Appointment) -> Screen {
    let lang = who.lang;
    let question = t!(lang, "booking-cancel-question");
    let (details, visit_at) = (&appointment.booking.details, appointment.booking.visit_at);
    crate::bot::visit::titled_visit_screen(ctx, lang, question, details, visit_at, None).row(vec![
        button(
            t!(lang, "booking-btn-cancel-yes"),
            cb(Cb::CancelYes(appointment.id)),
        ),
        button(t!(lang, "booking-btn-cancel-no"), cb(Cb::CancelNo)),
    ])
}

/// «Да, отменить»: the registry first (by the visit's registry id, learnt from the clinic's list when the
/// bot does not know it yet), then the store, which drops the reminders.
async fn cancel(ctx: &Ctx, who: &Who, id: i64) -> anyhow::Result<Reply> {
    let lang = who.lang;
    let Some(appointment) = booked(ctx, who, id).await? else {
        let screen = appointments_screen(ctx, who, None).await?;
        return Ok(Reply::show(State::Booking(Here::Appointments), screen)
            .toast(t!(lang, "appointment-not-found")));
    };
    let now = ctx.clock.now().timestamp();
    let registry_id =
        match crate::visits::sync::registry_id_of(ctx.visits(), &appointment, now).await {
            Ok(Some(id)) => id,
            Ok(None) => return cancel_not_listed(ctx, who, &appointment).await,
            Err(err) => return Ok(failed(ctx, who, id, &err)),
        };
    let request = AppointmentCancel {
        lpu_id: appointment.booking.lpu_id,
        patient_id: appointment.booking.patient_id.clone(),
        appointment_id: registry_id,
        esia_id: gosuslugi_person(ctx, who.user_id)
            .await?
            .and_then(|i| i.oid),
    };
    match within_deadline(ctx.registry.cancel(&request)).await {
        Ok(()) => {}
        Err(err) if is_transient(&err) => return Ok(failed(ctx, who, id, &err)),
        Err(err) => {
            log_registry_error("booking", &err);
            let notice = match err {
                RegistryError::Business {
                    message: Some(message),
                    ..
                } => t!(lang, "registry-refused", message = escape_html(&message)),
                _ => t!(lang, "booking-cancel-refused"),
            };
            return listed(ctx, who, notice).await;
        }
    }
    let now = ctx.clock.now().timestamp();
    ctx.store.cancel_appointment(who.user_id, id, now).await?;
    tracing::info!(
        user = %crate::telemetry::user_tag(who.user_id),
        clinic = appointment.booking.lpu_id,
        "booking: cancelled"
    );
    let said = t!(lang, "booking-cancelled");
    Ok(listed(ctx, who, said.clone()).await?.toast(said))
}

/// The registry did not answer: the question stays, with «Повторить».
fn failed(ctx: &Ctx, who: &Who, id: i64, err: &RegistryError) -> Reply {
    log_registry_error("booking", err);
    let screen = registry_failure(ctx, who.lang, err, cb(Cb::Retry));
    Reply::show(State::Booking(Here::ConfirmCancel { id }), screen)
}

/// «Отменить» a visit booked here that the clinic's list does not show: a fresh booking the clinic has not
/// listed yet cannot be cancelled for now; an older one is not at the clinic any more, and goes here too.
async fn cancel_not_listed(
    ctx: &Ctx,
    who: &Who,
    appointment: &Appointment,
) -> anyhow::Result<Reply> {
    let lang = who.lang;
    let now = ctx.clock.now().timestamp();
    let notice = if appointment.created_at > now - REGISTRY_LAG_SECS {
        t!(lang, "booking-cancel-not-listed")
    } else {
        ctx.store
            .cancel_appointment(who.user_id, appointment.id, now)
            .await?;
        tracing::info!(
            user = %crate::telemetry::user_tag(who.user_id),
            clinic = appointment.booking.lpu_id,
            "booking: cancelled, the clinic no longer listed it"
        );
        t!(lang, "booking-cancel-gone")
    };
    listed(ctx, who, notice).await
}
