//! Journey 6: «Мои записи» — the user's upcoming visits (compared with the registry first), and cancelling
//! one after a confirmation (the registry first, then the store, which drops the reminders).

use teloxide::prelude::*;

use crate::i18n::escape_html;
use crate::registry::{within_deadline, AppointmentCancel, RegistryError};
use crate::store::appointments::REGISTRY_LAG_SECS;
use crate::store::Appointment;
use crate::t;

use super::booking::{cb, gosuslugi_person, is_transient, menu_button, with_notice, Cb, Here};
use super::screen::button;
use super::{save, BotDialogue, Ctx, HandlerResult, Screen, State, Who};

/// «Мои записи» from the main menu or a button: synced with the registry, then listed.
pub async fn show_appointments(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
) -> HandlerResult {
    bot.answer_callback_query(q.id.clone()).await?;
    let now = ctx.clock.now().timestamp();
    let synced = crate::visits::sync::sync_user(ctx.visits(), who.user_id, who.lang, now).await?;
    // Bookings whose answer was lost and that this comparison settled: told here, as the worker would.
    let (tz, demo) = (ctx.settings.region_tz, ctx.settings.is_demo());
    for appointment in &synced.confirmed {
        super::sync::confirmed_notice(who.lang, demo, appointment, tz, now)
            .send(bot, who.chat_id)
            .await?;
    }
    for intent in &synced.not_booked {
        super::sync::not_booked_notice(who.lang, demo, intent, tz, now)
            .send(bot, who.chat_id)
            .await?;
    }
    let notice = (!synced.all_answered).then(|| t!(who.lang, "booking-sync-failed"));
    save(dialogue, State::Booking(Here::Appointments)).await?;
    appointments_screen(ctx, who, notice)
        .await?
        .replace(bot, q)
        .await?;
    Ok(())
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
    let watches_button = (watches > 0).then(|| {
        button(
            t!(lang, "watch-btn-list", count = watches),
            super::Cb::Watch(super::watch::Cb::List),
        )
    });
    if list.is_empty() {
        let body = with_notice(notice, t!(lang, "booking-appointments-empty"));
        let mut screen = Screen::new(ctx, lang, body).button(
            t!(lang, "menu-book"),
            super::Cb::Section(super::callback::Section::Book),
        );
        if let Some(watches) = watches_button {
            screen = screen.row(vec![watches]);
        }
        return Ok(screen.row(vec![menu_button(lang)]));
    }
    let mut lines = vec![t!(lang, "booking-appointments-title")];
    let mut buttons = Vec::new();
    for (n, appointment) in list.iter().enumerate() {
        let d = &appointment.details;
        let when =
            crate::bot::visit::local_when(lang, appointment.visit_at, ctx.settings.region_tz, now);
        lines.push(String::new());
        lines.push(t!(
            lang,
            "booking-appointment-item",
            n = n + 1,
            when = when,
            specialty = escape_html(&d.specialty),
            doctor = escape_html(&d.doctor),
            person = escape_html(&d.person),
            clinic = escape_html(&d.clinic),
            address = escape_html(&d.address)
        ));
        buttons.push(button(
            t!(lang, "booking-btn-cancel-n", n = n + 1),
            cb(Cb::Cancel(appointment.id)),
        ));
    }
    let mut screen = Screen::new(ctx, lang, with_notice(notice, lines.join("\n")));
    for row in buttons.chunks(2) {
        screen = screen.row(row.to_vec());
    }
    if let Some(watches) = watches_button {
        screen = screen.row(vec![watches]);
    }
    Ok(screen.row(vec![menu_button(lang)]))
}

/// «Отменить» on an appointment (in «Мои записи», after booking, or under a reminder): the question.
pub async fn ask_cancel(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    id: i64,
) -> HandlerResult {
    let Some(appointment) = booked(ctx, who, id).await? else {
        bot.answer_callback_query(q.id.clone())
            .text(t!(who.lang, "appointment-not-found"))
            .await?;
        return Ok(());
    };
    bot.answer_callback_query(q.id.clone()).await?;
    save(dialogue, State::Booking(Here::ConfirmCancel { id })).await?;
    cancel_screen(ctx, who, &appointment)
        .replace(bot, q)
        .await?;
    Ok(())
}

/// The user's booked, upcoming appointment `id`; `None` for anyone else's, a cancelled or a past one.
pub(in crate::bot) async fn booked(
    ctx: &Ctx,
    who: &Who,
    id: i64,
) -> anyhow::Result<Option<Appointment>> {
    let now = ctx.clock.now().timestamp();
    Ok(ctx
        .store
        .appointment(who.user_id, id)
        .await?
        .filter(|a| a.status == crate::store::AppointmentStatus::Booked && a.visit_at > now))
}

pub(in crate::bot) fn cancel_screen(ctx: &Ctx, who: &Who, appointment: &Appointment) -> Screen {
    let lang = who.lang;
    let now = ctx.clock.now().timestamp();
    let text = crate::bot::visit::titled_visit(
        lang,
        t!(lang, "booking-cancel-question"),
        &appointment.details,
        appointment.visit_at,
        ctx.settings.region_tz,
        now,
        None,
    );
    Screen::new(ctx, lang, text).row(vec![
        button(
            t!(lang, "booking-btn-cancel-yes"),
            cb(Cb::CancelYes(appointment.id)),
        ),
        button(t!(lang, "booking-btn-cancel-no"), cb(Cb::CancelNo)),
    ])
}

pub(in crate::bot) async fn cancel(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    id: i64,
) -> HandlerResult {
    let lang = who.lang;
    let Some(appointment) = booked(ctx, who, id).await? else {
        bot.answer_callback_query(q.id.clone())
            .text(t!(lang, "appointment-not-found"))
            .await?;
        save(dialogue, State::Booking(Here::Appointments)).await?;
        return appointments_screen(ctx, who, None)
            .await?
            .replace(bot, q)
            .await
            .map_err(Into::into);
    };
    let now = ctx.clock.now().timestamp();
    // A visit booked here is known to the registry by an id of its own, learnt from its list.
    let registry_id = match &appointment.registry_id {
        Some(id) => id.clone(),
        None => match crate::visits::sync::find_registry_id(
            ctx.visits(),
            appointment.lpu_id,
            &appointment.patient_id,
            appointment.doctor_id.as_deref(),
            appointment.visit_at,
        )
        .await
        {
            Ok(Some(id)) => {
                ctx.store
                    .learn_registry_id(who.user_id, appointment.id, &id, now)
                    .await?;
                id
            }
            Ok(None) => return cancel_not_listed(bot, q, ctx, who, dialogue, &appointment).await,
            Err(err) => {
                super::screen::log_registry_error("booking", &err);
                bot.answer_callback_query(q.id.clone()).await?;
                super::screen::registry_failure(ctx, lang, &err, cb(Cb::Retry))
                    .replace(bot, q)
                    .await?;
                return Ok(());
            }
        },
    };
    let request = AppointmentCancel {
        lpu_id: appointment.lpu_id,
        patient_id: appointment.patient_id.clone(),
        appointment_id: registry_id,
        esia_id: gosuslugi_person(ctx, who.user_id).await?.map(|i| i.oid),
    };
    match within_deadline(ctx.registry.cancel(&request)).await {
        Ok(()) => {}
        Err(err) if is_transient(&err) => {
            super::screen::log_registry_error("booking", &err);
            bot.answer_callback_query(q.id.clone()).await?;
            super::screen::registry_failure(ctx, lang, &err, cb(Cb::Retry))
                .replace(bot, q)
                .await?;
            return Ok(());
        }
        Err(err) => {
            super::screen::log_registry_error("booking", &err);
            bot.answer_callback_query(q.id.clone()).await?;
            save(dialogue, State::Booking(Here::Appointments)).await?;
            let notice = match err {
                RegistryError::Business {
                    message: Some(message),
                    ..
                } => t!(lang, "registry-refused", message = escape_html(&message)),
                _ => t!(lang, "booking-cancel-refused"),
            };
            appointments_screen(ctx, who, Some(notice))
                .await?
                .replace(bot, q)
                .await?;
            return Ok(());
        }
    }
    let now = ctx.clock.now().timestamp();
    ctx.store.cancel_appointment(who.user_id, id, now).await?;
    tracing::info!(
        user = who.user_id,
        clinic = appointment.lpu_id,
        "booking: cancelled"
    );
    bot.answer_callback_query(q.id.clone())
        .text(t!(lang, "booking-cancelled"))
        .await?;
    save(dialogue, State::Booking(Here::Appointments)).await?;
    appointments_screen(ctx, who, Some(t!(lang, "booking-cancelled")))
        .await?
        .replace(bot, q)
        .await?;
    Ok(())
}

/// «Отменить» a visit booked here that the clinic's list does not show: a fresh booking the clinic has not
/// listed yet cannot be cancelled for now; an older one is not at the clinic any more, and goes here too.
pub(in crate::bot) async fn cancel_not_listed(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    appointment: &Appointment,
) -> HandlerResult {
    let lang = who.lang;
    let now = ctx.clock.now().timestamp();
    let notice = if appointment.created_at > now - REGISTRY_LAG_SECS {
        t!(lang, "booking-cancel-not-listed")
    } else {
        ctx.store
            .cancel_appointment(who.user_id, appointment.id, now)
            .await?;
        tracing::info!(
            user = who.user_id,
            clinic = appointment.lpu_id,
            "booking: cancelled, the clinic no longer listed it"
        );
        t!(lang, "booking-cancel-gone")
    };
    bot.answer_callback_query(q.id.clone()).await?;
    save(dialogue, State::Booking(Here::Appointments)).await?;
    appointments_screen(ctx, who, Some(notice))
        .await?
        .replace(bot, q)
        .await?;
    Ok(())
}
