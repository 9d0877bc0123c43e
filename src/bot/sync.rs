//! Visits made or cancelled elsewhere (at the clinic's desk, on the portal, by phone): the comparison of
//! the bot's appointments with the registry's `/appointments`, and the notices about what it changed.
//!
//! «Мои записи» runs the comparison before showing the list; the sync worker runs it in the background for
//! everyone with a recent visit and sends the notices, so that a visit the clinic cancelled is not
//! reminded of, and a visit booked by phone is.

use chrono_tz::Tz;

use crate::i18n::Lang;
use crate::registry::{OrEmpty, PatientAppointment};
use crate::store::appointments::REGISTRY_LAG_SECS;
use crate::store::{
    Appointment, AppointmentDetails, AppointmentSource, AppointmentStatus, KnownPatient,
    NewAppointment,
};
use crate::t;

use super::booking::{ask, gosuslugi_person, log_registry_error, to_unix, BookingIdentity};
use super::callback::Section;
use super::reminders::visit_card_lines;
use super::screen::button;
use super::{Ctx, Screen};

/// At most this many (person, clinic) pairs are asked about per user, the most recent first.
const MAX_SYNCED_PAIRS: usize = 12;

/// What one comparison did.
#[derive(Debug, Default)]
pub struct SyncReport {
    /// Every pair was answered; when `false`, visits of the pairs not answered were left as they were.
    pub all_answered: bool,
    /// Upcoming visits the registry lists that the bot did not know (booked elsewhere), now stored with
    /// their reminders.
    pub found: Vec<Appointment>,
    /// Upcoming visits the registry no longer lists (cancelled elsewhere), now cancelled with their
    /// reminders.
    pub cancelled: Vec<Appointment>,
}

/// Asks the registry for the visits of every (person, clinic) pair the user has booked with, stores those
/// booked elsewhere and cancels those the registry no longer lists. A pair the registry did not answer
/// changes nothing. `lang` only names the user («Я») when Gosuslugi does not.
pub async fn sync_user(
    ctx: &Ctx,
    user_id: i64,
    lang: Lang,
    now: i64,
) -> anyhow::Result<SyncReport> {
    let pairs = ctx.store.known_patients(user_id).await?;
    // Read once, and kept up to date with what the comparison stores below.
    let mut upcoming = ctx.store.upcoming_appointments(user_id, now).await?;
    let mut report = SyncReport {
        all_answered: true,
        ..SyncReport::default()
    };
    for pair in pairs.into_iter().take(MAX_SYNCED_PAIRS) {
        let listed = match ask(ctx.registry.appointments(pair.lpu_id, &pair.patient_id))
            .await
            .or_empty()
        {
            Ok(listed) => listed,
            Err(err) => {
                log_registry_error(&err);
                report.all_answered = false;
                continue;
            }
        };
        let known: Vec<String> = upcoming
            .iter()
            .filter(|a| a.lpu_id == pair.lpu_id && a.patient_id == pair.patient_id)
            .map(|a| a.registry_id.clone())
            .collect();
        let mut ids = Vec::new();
        for visit in &listed {
            ids.push(visit.appointment_id.clone());
            let visit_at = to_unix(ctx, visit.visit_start);
            if visit_at <= now || known.contains(&visit.appointment_id) {
                continue;
            }
            if just_cancelled_here(ctx, user_id, pair.lpu_id, &visit.appointment_id, now).await? {
                continue;
            }
            let new = NewAppointment {
                user_id,
                child_id: pair.child_id,
                lpu_id: pair.lpu_id,
                patient_id: pair.patient_id.clone(),
                registry_id: visit.appointment_id.clone(),
                visit_at,
                details: details_from_registry(ctx, user_id, lang, &pair, visit).await?,
                source: AppointmentSource::Registry,
            };
            let stored = ctx
                .store
                .upsert_appointment(&new, &ctx.settings.reminders, now)
                .await?;
            tracing::info!(
                user = user_id,
                clinic = pair.lpu_id,
                "sync: a visit booked elsewhere found"
            );
            upcoming.push(stored.clone());
            report.found.push(stored);
        }
        let cancelled = ctx
            .store
            .cancel_missing_from_registry(user_id, pair.lpu_id, &pair.patient_id, &ids, now)
            .await?;
        for id in cancelled {
            tracing::info!(
                user = user_id,
                clinic = pair.lpu_id,
                "sync: a visit cancelled elsewhere"
            );
            if let Some(appointment) = ctx.store.appointment(user_id, id).await? {
                report.cancelled.push(appointment);
            }
        }
    }
    if report.all_answered {
        // Just compared: the background sync need not ask again before its interval is up.
        let next = now + ctx.settings.sync_interval.as_secs() as i64;
        ctx.store.schedule_registry_sync(user_id, next).await?;
    }
    Ok(report)
}

/// A visit cancelled through the bot minutes ago that the clinic's list still shows: its system may
/// catch up a little later, and bringing the visit back would undo the user's own cancellation.
async fn just_cancelled_here(
    ctx: &Ctx,
    user_id: i64,
    lpu_id: i64,
    registry_id: &str,
    now: i64,
) -> anyhow::Result<bool> {
    let stored = ctx
        .store
        .appointment_by_registry_id(user_id, lpu_id, registry_id)
        .await?;
    Ok(stored.is_some_and(|a| {
        a.status == AppointmentStatus::Cancelled && a.updated_at > now - REGISTRY_LAG_SECS
    }))
}

/// What the store keeps of a visit the registry lists (booked elsewhere).
async fn details_from_registry(
    ctx: &Ctx,
    user_id: i64,
    lang: Lang,
    pair: &KnownPatient,
    visit: &PatientAppointment,
) -> anyhow::Result<AppointmentDetails> {
    let person = match &visit.patient_full_name {
        Some(name) if !name.trim().is_empty() => name.clone(),
        _ => person_name(ctx, user_id, lang, pair.child_id).await?,
    };
    // The card gives what the visit does not (the map pin); its absence is no reason to fail.
    let clinic = ask(ctx.registry.clinic(pair.lpu_id)).await.ok();
    Ok(AppointmentDetails {
        person,
        doctor: visit
            .doctor
            .as_ref()
            .map(|d| d.name.clone())
            .unwrap_or_default(),
        specialty: visit
            .specialty
            .as_ref()
            .map(|s| s.name.clone())
            .unwrap_or_default(),
        clinic: visit
            .lpu_short_name
            .clone()
            .or_else(|| clinic.as_ref().map(|c| c.display_name().to_owned()))
            .unwrap_or_default(),
        address: visit
            .lpu_address
            .clone()
            .or_else(|| clinic.as_ref().and_then(|c| c.address.clone()))
            .unwrap_or_default(),
        room: None,
        phone: visit
            .lpu_phone
            .clone()
            .or_else(|| clinic.as_ref().and_then(|c| c.phone.clone())),
        latitude: clinic.as_ref().and_then(|c| c.latitude),
        longitude: clinic.as_ref().and_then(|c| c.longitude),
        local_time: visit.visit_start.format("%Y-%m-%dT%H:%M:%S").to_string(),
    })
}

/// The name of the person a visit is for: the child's, or the user's own as Gosuslugi knows it («Я»
/// otherwise) — whoever is chosen in «Для кого» at the moment does not matter.
async fn person_name(
    ctx: &Ctx,
    user_id: i64,
    lang: Lang,
    child_id: Option<i64>,
) -> anyhow::Result<String> {
    if let Some(child_id) = child_id {
        if let Some(child) = ctx.store.child(user_id, child_id).await? {
            return Ok(child.full_name().full().to_owned());
        }
        return Ok(String::new());
    }
    Ok(match gosuslugi_person(ctx, user_id).await? {
        Some(BookingIdentity {
            name: Some(name), ..
        }) => name.full().to_owned(),
        _ => t!(lang, "person-me"),
    })
}

/// «Нашли вашу запись, сделанную не через бота»: the visit's card and the reminder's buttons.
pub fn found_notice(lang: Lang, demo: bool, appointment: &Appointment, tz: Tz, now: i64) -> Screen {
    let mut lines = vec![t!(lang, "sync-found-title")];
    lines.extend(visit_card_lines(lang, appointment, tz, now));
    lines.push(String::new());
    lines.push(t!(lang, "sync-found-hint"));
    super::reminders::visit_screen(lang, demo, appointment, lines)
}

/// «Запись отменена в поликлинике»: what was cancelled, and a way to book again.
pub fn cancelled_notice(
    lang: Lang,
    demo: bool,
    appointment: &Appointment,
    tz: Tz,
    now: i64,
) -> Screen {
    let mut lines = vec![t!(lang, "sync-cancelled-title")];
    lines.extend(visit_card_lines(lang, appointment, tz, now));
    lines.push(String::new());
    lines.push(t!(lang, "sync-cancelled-hint"));
    Screen::with_badge(lang, demo, lines.join("\n")).row(vec![
        button(
            t!(lang, "btn-sync-book-again"),
            super::Cb::Section(Section::Book),
        ),
        button(
            t!(lang, "btn-sync-appointments"),
            super::Cb::Section(Section::Appointments),
        ),
    ])
}
