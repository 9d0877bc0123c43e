//! The booking journey's end: who books (the Gosuslugi seam), «Подтвердить», and what the user is told
//! when the clinic booked, refused, or did not answer in time.

use super::*;
use crate::visits::booking::Booked;

// ---------------------------------------------------------------------------------------------------------
// Gosuslugi: the seam

pub use crate::visits::BookingIdentity;

/// The account holder's Gosuslugi identity today; `None` when not linked.
pub(in crate::bot) async fn gosuslugi_person(
    ctx: &Ctx,
    user_id: i64,
) -> anyhow::Result<Option<BookingIdentity>> {
    let today = local_today(ctx.clock.now(), ctx.settings.region_tz);
    crate::visits::booking_identity(&ctx.store, user_id, today).await
}

/// The ESIA login URL with a fresh single-use state; `None` (logged) when it cannot be made.
pub(in crate::bot) async fn gosuslugi_login_url(
    ctx: &Ctx,
    who: &Who,
) -> anyhow::Result<Option<url::Url>> {
    let now = ctx.clock.now();
    let state = ctx
        .store
        .start_esia_login(who.user_id, who.lang, now.timestamp())
        .await?;
    match ctx.esia.authorization_url(&state, now).await {
        Ok(url) => Ok(Some(url)),
        Err(err) => {
            tracing::error!(error = %err, "booking: cannot build the ESIA login URL");
            Ok(None)
        }
    }
}

/// After a Gosuslugi login finished (the HTTP callback calls this after announcing it): a booking that
/// waited for it shows its confirmation again, as a new message.
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
    let Step::NeedGosuslugi {
        specialty,
        doctor,
        slot,
    } = flow.step.clone()
    else {
        return Ok(());
    };
    if !gosuslugi_person(ctx, user_id)
        .await?
        .is_some_and(|identity| identity.trusted)
    {
        return Ok(());
    }
    let who = Who {
        user_id,
        chat_id,
        lang,
        consented: true,
    };
    flow.step = Step::confirm(specialty, doctor, slot);
    let screen = render(ctx, &who, &mut flow, Some(t!(lang, "booking-resumed"))).await?;
    storage
        .update_dialogue(chat_id, State::Booking(Here::Flow(flow)))
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    screen.send(bot, chat_id).await?;
    Ok(())
}

/// «Продолжить» on the Gosuslugi screen: the confirmation when the account is ready, else a notice.
pub(in crate::bot) async fn resume(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    mut flow: Flow,
) -> HandlerResult {
    let Step::NeedGosuslugi {
        specialty,
        doctor,
        slot,
    } = flow.step.clone()
    else {
        return Ok(());
    };
    if !gosuslugi_person(ctx, who.user_id)
        .await?
        .is_some_and(|identity| identity.trusted)
    {
        bot.answer_callback_query(q.id.clone())
            .text(t!(who.lang, "booking-still-need-gosuslugi"))
            .await?;
        return Ok(());
    }
    bot.answer_callback_query(q.id.clone()).await?;
    flow.step = Step::confirm(specialty, doctor, slot);
    go(bot, q, ctx, who, dialogue, flow, None).await
}

// ---------------------------------------------------------------------------------------------------------
// «Подтвердить»

/// A «Подтвердить» that is not the one on display: a second tap of one already acted on is told so;
/// anything older is a stale button.
pub(in crate::bot) async fn confirm_elsewhere(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    state: &State,
    token: i64,
) -> HandlerResult {
    let now = ctx.clock.now().timestamp();
    if !ctx
        .store
        .claim_booking_token(who.user_id, token, now)
        .await?
    {
        bot.answer_callback_query(q.id.clone())
            .text(t!(who.lang, "booking-already-done"))
            .await?;
        return Ok(());
    }
    stale_button(bot, q, ctx, who, dialogue, state).await
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

pub(in crate::bot) async fn confirm(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    mut flow: Flow,
    token: i64,
) -> HandlerResult {
    let Step::Confirm {
        specialty,
        doctor,
        slot,
        ..
    } = flow.step.clone()
    else {
        return Ok(());
    };
    let lang = who.lang;
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
        bot.answer_callback_query(q.id.clone()).await?;
        flow.step = Step::NeedGosuslugi {
            specialty,
            doctor,
            slot,
        };
        return go(bot, q, ctx, who, dialogue, flow, None).await;
    };
    let now = ctx.clock.now().timestamp();
    if !ctx
        .store
        .claim_booking_token(who.user_id, token, now)
        .await?
    {
        bot.answer_callback_query(q.id.clone())
            .text(t!(lang, "booking-already-done"))
            .await?;
        return Ok(());
    }
    bot.answer_callback_query(q.id.clone()).await?;
    tracing::info!(
        user = who.user_id,
        clinic = flow.clinic,
        "booking: confirming"
    );

    let query = PatientQuery {
        lpu_id: flow.clinic,
        name: name.clone(),
        birth_date,
    };
    let patient_id = match within_deadline(ctx.registry.find_patient(&query)).await {
        Ok(id) => id,
        Err(err) if is_transient(&err) => {
            crate::bot::screen::log_registry_error("booking", &err);
            // The confirmation stays the current step: «Повторить» draws it again with a new token.
            crate::bot::screen::registry_failure(ctx, lang, &err, cb(Cb::Retry))
                .replace(bot, q)
                .await?;
            return Ok(());
        }
        Err(err) => {
            tracing::info!(user = who.user_id, clinic = flow.clinic, error = %err, "booking: patient not found");
            flow.step = Step::NotFound {
                specialty,
                doctor,
                slot,
            };
            return go(bot, q, ctx, who, dialogue, flow, None).await;
        }
    };
    if let Err(err) = ctx
        .store
        .remember_patient(who.user_id, child_id, flow.clinic, &patient_id, now)
        .await
    {
        tracing::warn!(error = %err, "booking: cannot remember the patient's clinic");
    }
    let request = AppointmentCreate::new(
        flow.clinic,
        patient_id.clone(),
        &slot.to_slot(),
        &name,
        birth_date,
        Some(identity.oid.clone()),
    );
    let details = booking_details(ctx, who, flow.clinic, &specialty, &doctor, &slot).await?;
    let new_intent = NewIntent {
        user_id: who.user_id,
        child_id,
        lpu_id: flow.clinic,
        patient_id,
        doctor_id: doctor.id.clone(),
        slot_id: slot.id.clone(),
        visit_at: to_unix(ctx, slot.start),
        details,
    };
    let booked = crate::visits::booking::book(ctx.visits(), &request, &new_intent, now).await?;
    match booked {
        Booked::Made(appointment) => show_booked(bot, q, ctx, who, dialogue, &appointment).await,
        Booked::SettledElsewhere => {
            // The sync settled it meanwhile and told the user: the list has the visit.
            save(dialogue, State::Booking(Here::Appointments)).await?;
            appointments_screen(ctx, who, None)
                .await?
                .replace(bot, q)
                .await?;
            Ok(())
        }
        Booked::Pending(intent) => {
            save(dialogue, State::Menu).await?;
            pending_screen(ctx, who, &intent).replace(bot, q).await?;
            Ok(())
        }
        Booked::Refused(_) => {
            flow.step = Step::Times {
                specialty,
                doctor,
                day: slot.start.date(),
            };
            let notice = Some(t!(lang, "booking-slot-taken"));
            go(bot, q, ctx, who, dialogue, flow, notice).await
        }
        Booked::NotStored(intent, err) => {
            tracing::error!(error = %err, user = who.user_id, "booking: booked but not stored");
            not_stored(bot, q, ctx, who, dialogue, &intent).await
        }
    }
}

/// «✅ Вы записаны» in place of the confirmation, and the calendar file.
async fn show_booked(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    appointment: &Appointment,
) -> HandlerResult {
    save(dialogue, State::Menu).await?;
    booked_screen(ctx, who, appointment).replace(bot, q).await?;
    let now = ctx.clock.now().timestamp();
    let (file_name, ics) =
        crate::bot::visit::calendar_file(who.lang, appointment, ctx.settings.region_tz, now);
    bot.send_document(
        who.chat_id,
        InputFile::memory(ics.into_bytes()).file_name(file_name),
    )
    .caption(t!(who.lang, "booking-calendar-caption"))
    .await?;
    Ok(())
}

/// The clinic has the booking; only the bot's copy (and so its reminders) is missing. Said plainly, with
/// the visit's details, rather than leaving the user at a dead «Подтвердить».
async fn not_stored(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    intent: &Intent,
) -> HandlerResult {
    let lang = who.lang;
    let text = intent_text(
        ctx,
        lang,
        intent,
        t!(lang, "booking-booked-title"),
        t!(lang, "booking-booked-unsaved"),
    );
    if let Err(err) = save(dialogue, State::Menu).await {
        tracing::error!(error = %err, "booking: cannot reset the dialogue");
    }
    Screen::new(ctx, lang, text)
        .row(vec![menu_button(lang)])
        .replace(bot, q)
        .await?;
    Ok(())
}

/// A booking asked for (`intent`) as a message: `title`, the visit, and `hint`.
fn intent_text(ctx: &Ctx, lang: Lang, intent: &Intent, title: String, hint: String) -> String {
    let now = ctx.clock.now().timestamp();
    crate::bot::visit::titled_visit(
        lang,
        title,
        &intent.details,
        intent.visit_at,
        ctx.settings.region_tz,
        now,
        Some(hint),
    )
}

/// «Поликлиника не ответила вовремя»: the visit asked for, and that the bot will say how it ended.
pub(in crate::bot) fn pending_screen(ctx: &Ctx, who: &Who, intent: &Intent) -> Screen {
    let lang = who.lang;
    let text = intent_text(
        ctx,
        lang,
        intent,
        t!(lang, "booking-pending"),
        t!(lang, "booking-pending-hint"),
    );
    Screen::new(ctx, lang, text).row(vec![
        button(t!(lang, "booking-btn-appointments"), cb(Cb::Appointments)),
        menu_button(lang),
    ])
}

/// «Вы записаны»: the visit, the address, and buttons for the map pin, cancelling and «Мои записи».
pub(in crate::bot) fn booked_screen(ctx: &Ctx, who: &Who, appointment: &Appointment) -> Screen {
    let lang = who.lang;
    let now = ctx.clock.now().timestamp();
    let text = crate::bot::visit::titled_visit(
        lang,
        t!(lang, "booking-booked-title"),
        &appointment.details,
        appointment.visit_at,
        ctx.settings.region_tz,
        now,
        Some(t!(lang, "booking-booked-hint")),
    );
    let mut screen = Screen::new(ctx, lang, text);
    if appointment.details.coordinates().is_some() {
        screen = screen.button(
            t!(lang, "btn-appointment-route"),
            crate::bot::Cb::Reminders(reminders::Cb::Route(appointment.id)),
        );
    }
    screen
        .button(
            t!(lang, "btn-appointment-cancel"),
            cb(Cb::Cancel(appointment.id)),
        )
        .row(vec![
            button(t!(lang, "booking-btn-appointments"), cb(Cb::Appointments)),
            menu_button(lang),
        ])
}
