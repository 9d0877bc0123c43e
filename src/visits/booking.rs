//! Booking a slot so that no booking is lost or made twice, apart from Telegram: the intent is recorded
//! before `/appointment/create`; a clear answer settles it at once (stored with its reminders and the
//! registry's own id, or refused); a lost answer (a timeout, a 5xx) is looked for in the clinic's list, and
//! what is still unknown is left to the sync ([`super::sync`]).

use crate::registry::{within_deadline, AppointmentCreate, RegistryError};
use crate::store::{Appointment, Intent, NewIntent};

use super::sync::{find_registry_id, settle_intent, INTENT_RECHECK_SECS};
use super::Visits;

/// How a booking ended, for the bot to say.
pub enum Booked {
    /// Made, and stored with its reminders.
    Made(Appointment),
    /// Made, and already settled by the sync meanwhile (which told the user).
    SettledElsewhere,
    /// The registry's answer was lost and its list does not show the visit yet: the sync settles it.
    Pending(Intent),
    /// The registry refused (the slot went to someone else meanwhile).
    Refused(RegistryError),
    /// Made at the clinic, but the bot's copy could not be stored: no reminders.
    NotStored(Intent, anyhow::Error),
}

/// Books `request` for the patient `new` describes. Errors are the store's before anything was asked of
/// the registry.
pub async fn book(
    v: Visits<'_>,
    request: &AppointmentCreate,
    new: &NewIntent,
    now: i64,
) -> anyhow::Result<Booked> {
    let (intent_id, tried_before) = v.store.open_intent(new, now).await?;
    let intent = Intent {
        id: intent_id,
        booking: new.clone(),
        created_at: now,
    };
    // If this process dies before the answer, the sync looks soon, whatever else.
    v.store
        .schedule_registry_sync(new.user_id, now + INTENT_RECHECK_SECS)
        .await?;
    let outcome = within_deadline(v.registry.book(request)).await;
    let registry_id = match outcome {
        Ok(()) => {
            tracing::info!(user = %crate::telemetry::user_tag(new.user_id), clinic = new.lpu_id, "booking: booked");
            // The registry lists the visit under an id of its own: learnt now if it answers, by the sync
            // otherwise.
            listed_id(v, &intent).await.ok().flatten()
        }
        Err(err) => match listed_id(v, &intent).await {
            // An earlier answer was lost, or this one: the clinic has the visit all the same.
            Ok(Some(id)) => {
                tracing::info!(user = %crate::telemetry::user_tag(new.user_id), clinic = new.lpu_id, error = %err, "booking: booked, the answer was lost");
                Some(id)
            }
            _ if matches!(
                err,
                RegistryError::Transient(_) | RegistryError::Malformed(_)
            ) =>
            {
                tracing::warn!(user = %crate::telemetry::user_tag(new.user_id), clinic = new.lpu_id, error = %err, "booking: outcome unknown, the sync will settle it");
                return Ok(Booked::Pending(intent));
            }
            _ => {
                tracing::info!(user = %crate::telemetry::user_tag(new.user_id), clinic = new.lpu_id, error = %err, tried_before, "booking: refused");
                v.store.close_intent(new.user_id, intent.id).await?;
                return Ok(Booked::Refused(err));
            }
        },
    };
    Ok(match settle_intent(v, &intent, registry_id, now).await {
        Ok(Some(appointment)) => Booked::Made(appointment),
        Ok(None) => Booked::SettledElsewhere,
        Err(err) => Booked::NotStored(intent, err),
    })
}

/// The registry's id of the visit `intent` asked for, from the clinic's list.
async fn listed_id(
    v: Visits<'_>,
    intent: &Intent,
) -> crate::registry::RegistryResult<Option<String>> {
    let booking = &intent.booking;
    find_registry_id(
        v,
        booking.lpu_id,
        &booking.patient_id,
        Some(&booking.doctor_id),
        booking.visit_at,
    )
    .await
}
