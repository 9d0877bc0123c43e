//! The booking journey's end: who books (the Gosuslugi seam), «Подтвердить», and what the user is told
//! when the clinic booked, refused, or did not answer in time.

use teloxide::dispatching::dialogue::Storage;
use teloxide::prelude::*;

use crate::bot::ctx::{Ctx, HandlerResult, Who};
use crate::bot::reminders::cb::Cb as ReminderCb;
use crate::bot::reply::{Extra, Reply};
use crate::bot::screen::{button, log_registry_error, registry_failure, Screen};
use crate::bot::state::State;
use crate::bot::visit::titled_visit_screen;
use crate::domain::{BirthDate, FullName};
use crate::i18n::Lang;
use crate::registry::{within_deadline, AppointmentCreate, PatientQuery};
use crate::store::dialogue::DialogueStorage;
use crate::store::{ActivePerson, Appointment, Intent, NewIntent};
use crate::t;
use crate::visits::booking::Booked;
pub use crate::visits::BookingIdentity;

use super::cb::Cb;
use super::draw::render;
use super::identity::{can_book, gosuslugi_person};
use super::registry::is_transient;
use super::screens::{booking_details, described_clinic, menu_button, to_unix};
use super::state::{Chosen, Flow, Here, Step};
use super::{cb, show};

/// After a Gosuslugi login finished (the HTTP callback calls this after announcing it): a booking that
/// waited for it shows its confirmation again, as a new message. Outside a conversation, so it sends
/// itself.
pub async fn resume_after_link(bot: &Bot, ctx: &Ctx, user_id: i64, lang: Lang) -> HandlerResult {
    let chat_id = ChatId(user_id);
    let storage = DialogueStorage::new(ctx.store.clone()).erase();
    let state = storage
        .clone()
        .get_dialogue(chat_id)
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    let Some(State::Booking(Here::Flow(mut flow))) = state else {
        return Ok(());
    };
    let Some(step) = flow.step.resumed() else {
        return Ok(());
    };
    if !can_book(ctx, user_id).await? {
        return Ok(());
    }
    let who = Who {
        user_id,
        chat_id,
        lang,
        consented: true,
    };
    flow.step = step;
    let screen = render(ctx, &who, &mut flow, Some(t!(lang, "booking-resumed"))).await?;
    storage
        .update_dialogue(chat_id, State::Booking(Here::Flow(flow)))
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    screen.send(bot, chat_id).await?;
    Ok(())
}

/// «Продолжить» on the Gosuslugi screen: the confirmation when the account is ready, else a notice.
pub(super) async fn resume(ctx: &Ctx, who: &Who, mut flow: Flow) -> anyhow::Result<Reply> {
    let Some(step) = flow.step.resumed() else {
        return Ok(Reply::stale());
    };
    if !can_book(ctx, who.user_id).await? {
        return Ok(Reply::stay().toast(t!(who.lang, "booking-still-need-gosuslugi")));
    }
    flow.step = step;
    show(ctx, who, flow, None).await
}

// ---------------------------------------------------------------------------------------------------------
// «Подтвердить»

/// A «Подтвердить» that is not the one on display: a second tap of one already acted on is told so;
/// anything older is a stale button.
pub(super) async fn confirm_elsewhere(ctx: &Ctx, who: &Who, token: i64) -> anyhow::Result<Reply> {
    Ok(claim(ctx, who, token).await?.unwrap_or_else(Reply::stale))
}

/// The one booking a confirmation card allows, claimed by its `token` whatever instance handles the tap:
/// `None` when this tap has it, else «Эта запись уже оформлена» for a card already acted on.
async fn claim(ctx: &Ctx, who: &Who, token: i64) -> anyhow::Result<Option<Reply>> {
    let now = ctx.clock.now().timestamp();
    let claimed = ctx
        .store
        .claim_booking_token(who.user_id, token, now)
        .await?;
    Ok((!claimed).then(|| Reply::stay().toast(t!(who.lang, "booking-already-done"))))
}

/// The patient's name and date of birth for the active person: the child's, or the account holder's from
/// Gosuslugi.
pub(in crate::bot) enum Patient {
    Ready {
        child_id: Option<i64>,
        name: FullName,
        birth_date: BirthDate,
    },
    /// Gosuslugi gave no usable name or date of birth.
    Incomplete,
}

pub(in crate::bot) async fn patient(
    ctx: &Ctx,
    user_id: i64,
    identity: &BookingIdentity,
) -> anyhow::Result<Patient> {
    Ok(match ctx.store.active_person(user_id).await? {
        ActivePerson::Child(child) => Patient::Ready {
            child_id: Some(child.id),
            name: child.full_name().clone(),
            birth_date: child.birth_date(),
        },
        ActivePerson::Me => match (&identity.name, identity.birth_date) {
            (Some(name), Some(birth_date)) => Patient::Ready {
                child_id: None,
                name: name.clone(),
                birth_date,
            },
            _ => Patient::Incomplete,
        },
    })
}

/// «Подтвердить» on the confirmation on display (its token checked by the caller): Gosuslugi first, then
/// the token claimed (one booking per card, whatever instance handles the tap), then the booking.
pub(super) async fn confirm(ctx: &Ctx, who: &Who, mut flow: Flow) -> anyhow::Result<Reply> {
    let Step::Confirm { chosen, token } = flow.step.clone() else {
        return Ok(Reply::stale());
    };
    // Gosuslugi first: nothing is claimed or asked of the registry for a user who cannot book yet.
    let identity = gosuslugi_person(ctx, who.user_id)
        .await?
        .filter(|identity| identity.trusted);
    let ready = match &identity {
        Some(identity) => patient(ctx, who.user_id, identity).await?,
        None => Patient::Incomplete,
    };
    let (
        Some(identity),
        Patient::Ready {
            child_id,
            name,
            birth_date,
        },
    ) = (identity, ready)
    else {
        flow.step = Step::NeedGosuslugi(chosen);
        return show(ctx, who, flow, None).await;
    };
    if let Some(already_done) = claim(ctx, who, token).await? {
        return Ok(already_done);
    }
    tracing::info!(
        user = %crate::telemetry::user_tag(who.user_id),
        clinic = flow.clinic,
        "booking: confirming"
    );
    let person = Person {
        child_id,
        name,
        birth_date,
        oid: identity.oid,
    };
    book(ctx, who, flow, chosen, person).await
}

/// Who is booked: the patient's name and birth date, and the account holder's Gosuslugi id (none with
/// `ESIA_URL=off`).
struct Person {
    child_id: Option<i64>,
    name: FullName,
    birth_date: BirthDate,
    oid: Option<String>,
}

/// The clinic's patient found, the slot booked without losing it ([`crate::visits::booking::book`]), and
/// the outcome told.
async fn book(
    ctx: &Ctx,
    who: &Who,
    mut flow: Flow,
    chosen: Chosen,
    person: Person,
) -> anyhow::Result<Reply> {
    let query = PatientQuery {
        lpu_id: flow.clinic,
        name: person.name.clone(),
        birth_date: person.birth_date,
    };
    let patient_id = match within_deadline(ctx.registry.find_patient(&query)).await {
        Ok(id) => id,
        Err(err) if is_transient(&err) => {
            log_registry_error("booking", &err);
            // The confirmation stays the current step: «Повторить» draws it again with a new token.
            let screen = registry_failure(ctx, who.lang, &err, cb(Cb::Retry));
            return Ok(Reply::show(
                State::Booking(Here::Flow(Box::new(flow))),
                screen,
            ));
        }
        Err(err) => {
            tracing::info!(user = %crate::telemetry::user_tag(who.user_id), clinic = flow.clinic, error = %err, "booking: patient not found");
            flow.step = Step::NotFound(chosen);
            return show(ctx, who, flow, None).await;
        }
    };
    let now = ctx.clock.now().timestamp();
    if let Err(err) = ctx
        .store
        .remember_patient(who.user_id, person.child_id, flow.clinic, &patient_id, now)
        .await
    {
        tracing::warn!(error = %err, "booking: cannot remember the patient's clinic");
    }
    let request = AppointmentCreate::new(
        flow.clinic,
        patient_id.clone(),
        &chosen.slot.to_slot(),
        &person.name,
        person.birth_date,
        person.oid.clone(),
    );
    let clinic = described_clinic(ctx, flow.clinic).await;
    let details = booking_details(ctx, who, clinic.as_ref(), &chosen).await?;
    let (doctor, slot) = (&chosen.doctor, &chosen.slot);
    let new_intent = NewIntent {
        user_id: who.user_id,
        child_id: person.child_id,
        lpu_id: flow.clinic,
        patient_id,
        doctor_id: doctor.id.clone(),
        slot_id: slot.id.clone(),
        visit_at: to_unix(ctx, slot.start),
        details,
    };
    let booked = crate::visits::booking::book(ctx.visits(), &request, &new_intent, now).await?;
    outcome(ctx, who, flow, chosen, booked).await
}

/// What the user is told of a booking's outcome.
async fn outcome(
    ctx: &Ctx,
    who: &Who,
    mut flow: Flow,
    chosen: Chosen,
    booked: Booked,
) -> anyhow::Result<Reply> {
    let lang = who.lang;
    let reply = match booked {
        Booked::Made(appointment) => booked_reply(ctx, who, &appointment).await?,
        // The sync settled it meanwhile and told the user: the list has the visit.
        Booked::SettledElsewhere => Reply::go(State::Booking(Here::Appointments)),
        Booked::Pending(intent) => {
            Reply::show(State::Menu, pending_screen(ctx, who, &intent)).must_show()
        }
        Booked::Refused(_) => {
            flow.step = chosen.times();
            show(ctx, who, flow, Some(t!(lang, "booking-slot-taken"))).await?
        }
        Booked::NotStored(intent, err) => {
            tracing::error!(error = %err, user = %crate::telemetry::user_tag(who.user_id), "booking: booked but not stored");
            not_stored(ctx, who, &intent)
        }
    };
    Ok(reply)
}

/// «✅ Вы записаны» in place of the confirmation, the calendar file, and the menu as a new message: later
/// taps edit the menu, so the confirmation with its room, address and time stays in the chat as it is.
async fn booked_reply(ctx: &Ctx, who: &Who, appointment: &Appointment) -> anyhow::Result<Reply> {
    let now = ctx.clock.now().timestamp();
    let (name, ics) =
        crate::bot::visit::calendar_file(who.lang, appointment, ctx.settings.region_tz, now);
    let menu = crate::bot::start::menu(ctx, who).await?;
    Ok(
        Reply::show(State::Menu, booked_screen(ctx, who, appointment))
            .must_show()
            .with(Extra::Document {
                name,
                bytes: ics.into_bytes(),
                caption: Some(t!(who.lang, "booking-calendar-caption")),
            })
            .with(Extra::Message(menu)),
    )
}

/// A booking asked for (`intent`) as a screen: `title`, the visit, and `hint`.
fn intent_screen(
    ctx: &Ctx,
    lang: Lang,
    intent: &Intent,
    title: String,
    hint: Option<String>,
) -> Screen {
    let visit = &intent.booking;
    titled_visit_screen(ctx, lang, title, &visit.details, visit.visit_at, hint)
}

/// The clinic has the booking; only the bot's copy (and so its reminders) is missing. Said plainly, with
/// the visit's details, rather than leaving the user at a dead «Подтвердить» — even when the dialogue
/// cannot be stored either.
fn not_stored(ctx: &Ctx, who: &Who, intent: &Intent) -> Reply {
    let lang = who.lang;
    let title = t!(lang, "booking-booked-title");
    let hint = Some(t!(lang, "booking-booked-unsaved"));
    let screen = intent_screen(ctx, lang, intent, title, hint).row(vec![menu_button(lang)]);
    Reply::show(State::Menu, screen).must_show()
}

/// «Поликлиника не ответила вовремя»: the visit asked for, and that the bot will say how it ended.
pub(in crate::bot) fn pending_screen(ctx: &Ctx, who: &Who, intent: &Intent) -> Screen {
    let lang = who.lang;
    let title = t!(lang, "booking-pending");
    let hint = Some(t!(lang, "booking-pending-hint"));
    intent_screen(ctx, lang, intent, title, hint).row(vec![
        button(t!(lang, "booking-btn-appointments"), cb(Cb::Appointments)),
        menu_button(lang),
    ])
}

/// «Вы записаны»: the visit, the address, and buttons for the map pin, cancelling and «Мои записи».
pub(in crate::bot) fn booked_screen(ctx: &Ctx, who: &Who, appointment: &Appointment) -> Screen {
    let lang = who.lang;
    let mut screen = titled_visit_screen(
        ctx,
        lang,
        t!(lang, "booking-booked-title"),
        &appointment.booking.details,
        appointment.booking.visit_at,
        Some(t!(lang, "booking-booked-hint")),
    );
    if appointment.booking.details.coordinates().is_some() {
        screen = screen.button(
            t!(lang, "btn-appointment-route"),
            crate::bot::callback::Cb::Reminders(ReminderCb::Route(appointment.id)),
        );
    }
    // No «Меню» here: the menu follows as a message of its own, and this one is kept.
    screen.button(
        t!(lang, "btn-appointment-cancel"),
        cb(Cb::Cancel(appointment.id)),
    )
}
