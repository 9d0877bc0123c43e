//! Visits made or cancelled elsewhere (at the clinic's desk, on the portal, by phone), and bookings whose
//! answer was lost: the comparison of the bot's appointments with the registry's `/appointments`. It knows
//! nothing of Telegram: it returns what it changed ([`SyncReport`]) and the bot says it.
//!
//! «Мои записи» runs the comparison before showing the list; the sync worker runs it in the background for
//! everyone with a recent visit, so that a visit the clinic cancelled is not reminded of, a visit booked by
//! phone is, and a booking whose answer was lost is settled.

use crate::domain::{same_visit, FullName};
use crate::i18n::Lang;
use crate::registry::{within_deadline, OrEmpty, PatientAppointment, RegistryResult};
use crate::store::appointments::REGISTRY_LAG_SECS;
use crate::store::{
    Appointment, AppointmentDetails, AppointmentSource, AppointmentStatus, Intent, KnownPatient,
    NewAppointment, INTENT_GRACE_SECS,
};
use crate::t;

use super::{to_unix, Visits};

fn log_registry_error(err: &crate::registry::RegistryError) {
    tracing::warn!(error = %err, "sync: the registry failed");
}

/// At most this many (person, clinic) pairs are asked about per user, the most recent first.
const MAX_SYNCED_PAIRS: usize = 12;
/// A user with a booking whose outcome is not known yet is asked about again this soon.
pub const INTENT_RECHECK_SECS: i64 = 60;

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
    /// Bookings made through the bot whose answer was lost, found in the registry: now stored with
    /// their reminders.
    pub confirmed: Vec<Appointment>,
    /// Bookings made through the bot whose answer was lost and that the registry still does not list
    /// after [`INTENT_GRACE_SECS`]: not made.
    pub not_booked: Vec<Intent>,
    /// Bookings whose outcome is still not known.
    pub pending: usize,
}

/// The doctor a listed visit names, when it names one.
fn listed_doctor(visit: &PatientAppointment) -> Option<&str> {
    visit
        .doctor
        .as_ref()
        .map(|d| d.id.as_str())
        .filter(|id| !id.trim().is_empty())
}

/// The registry's id of a visit booked through the bot: `/appointments` of its clinic and patient, matched
/// on (doctor, start). `Ok(None)` when the registry answers without it.
pub async fn find_registry_id(
    v: Visits<'_>,
    lpu_id: i64,
    patient_id: &str,
    doctor_id: Option<&str>,
    visit_at: i64,
) -> RegistryResult<Option<String>> {
    let listed = within_deadline(v.registry.appointments(lpu_id, patient_id))
        .await
        .or_empty()?;
    Ok(listed
        .into_iter()
        .find(|visit| {
            same_visit(
                doctor_id,
                visit_at,
                listed_doctor(visit),
                to_unix(v.settings.region_tz, visit.visit_start),
            )
        })
        .map(|visit| visit.appointment_id))
}

/// The registry's id of a stored visit, needed to cancel it: the one it has, else found in the clinic's
/// list ([`find_registry_id`]) and remembered for next time. `Ok(None)` when the list does not hold it.
pub async fn registry_id_of(
    v: Visits<'_>,
    visit: &Appointment,
    now: i64,
) -> RegistryResult<Option<String>> {
    if let Some(id) = &visit.booking.registry_id {
        return Ok(Some(id.clone()));
    }
    let found = find_registry_id(
        v,
        visit.booking.lpu_id,
        &visit.booking.patient_id,
        visit.booking.doctor_id.as_deref(),
        visit.booking.visit_at,
    )
    .await?;
    if let Some(id) = &found {
        let learned = v
            .store
            .learn_registry_id(visit.booking.user_id, visit.id, id, now)
            .await;
        if let Err(err) = learned {
            tracing::warn!(user = %crate::telemetry::user_tag(visit.booking.user_id), error = %err, "cannot store a visit's registry id");
        }
    }
    Ok(found)
}

/// Stores the visit of a booking made through the bot (with its registry id when known) and closes the
/// intent it came from. `None` when another tap or instance closed the intent first (and so told the
/// user); the visit is stored either way, once.
pub async fn settle_intent(
    v: Visits<'_>,
    intent: &Intent,
    registry_id: Option<String>,
    now: i64,
) -> anyhow::Result<Option<Appointment>> {
    let booking = &intent.booking;
    let new = NewAppointment {
        user_id: booking.user_id,
        child_id: booking.child_id,
        lpu_id: booking.lpu_id,
        patient_id: booking.patient_id.clone(),
        registry_id,
        doctor_id: Some(booking.doctor_id.clone()),
        slot_id: Some(booking.slot_id.clone()),
        visit_at: booking.visit_at,
        details: booking.details.clone(),
        source: AppointmentSource::Bot,
    };
    let stored = v
        .store
        .upsert_appointment(&new, &v.settings.reminders, now)
        .await?;
    let closed = v.store.close_intent(booking.user_id, intent.id).await?;
    Ok(closed.then_some(stored))
}

/// Asks the registry for the visits of every (person, clinic) pair the user may have visits under, stores
/// those booked elsewhere, learns the registry's ids of visits booked here, settles bookings whose answer
/// was lost, and cancels visits the registry no longer lists. A pair the registry did not answer changes
/// nothing. `lang` only names the user («Я») when Gosuslugi does not.
pub async fn sync_user(
    v: Visits<'_>,
    user_id: i64,
    lang: Lang,
    now: i64,
) -> anyhow::Result<SyncReport> {
    let pairs = v.store.known_patients(user_id).await?;
    // Read once, and kept up to date with what the comparison stores below.
    let mut upcoming = v.store.upcoming_appointments(user_id, now).await?;
    let mut intents = Vec::new();
    let mut report = SyncReport {
        all_answered: true,
        ..SyncReport::default()
    };
    for intent in v.store.open_intents(user_id).await? {
        if intent.booking.visit_at <= now {
            // Its time has passed: nothing left to remind of or to tell.
            v.store.close_intent(user_id, intent.id).await?;
        } else {
            intents.push(intent);
        }
    }
    let mut answered = Vec::new();
    for pair in pairs.into_iter().take(MAX_SYNCED_PAIRS) {
        let listed = match within_deadline(v.registry.appointments(pair.lpu_id, &pair.patient_id))
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
        answered.push((pair.lpu_id, pair.patient_id.clone()));
        let mut state = Comparison {
            v,
            user_id,
            lang,
            now,
            upcoming: &mut upcoming,
            intents: &mut intents,
            report: &mut report,
        };
        compare_pair(&mut state, &pair, &listed).await?;
    }
    for intent in intents {
        let booking = &intent.booking;
        let asked = answered
            .iter()
            .any(|(lpu, patient)| *lpu == booking.lpu_id && *patient == booking.patient_id);
        if asked && intent.created_at <= now - INTENT_GRACE_SECS {
            tracing::info!(
                user = %crate::telemetry::user_tag(user_id),
                clinic = booking.lpu_id,
                "sync: a booking whose answer was lost is not in the registry"
            );
            if v.store.close_intent(user_id, intent.id).await? {
                report.not_booked.push(intent);
            }
        } else {
            report.pending += 1;
        }
    }
    if report.pending > 0 {
        // A booking still unsettled is asked about again soon, whatever the interval.
        v.store
            .schedule_registry_sync(user_id, now + INTENT_RECHECK_SECS)
            .await?;
    } else if report.all_answered {
        // Just compared: the background sync need not ask again before its interval is up.
        let next = now + v.settings.sync_interval.as_secs() as i64;
        v.store.schedule_registry_sync(user_id, next).await?;
    }
    Ok(report)
}

/// What the comparison of one user carries from one (person, clinic) pair to the next.
struct Comparison<'a> {
    v: Visits<'a>,
    user_id: i64,
    /// Names the user («Я») when Gosuslugi does not.
    lang: Lang,
    now: i64,
    /// The user's upcoming visits, kept up to date with what the comparison stores.
    upcoming: &'a mut Vec<Appointment>,
    /// Bookings whose answer was lost, not settled yet.
    intents: &'a mut Vec<Intent>,
    report: &'a mut SyncReport,
}

/// Compares the registry's list of one (person, clinic) pair with what the bot holds: learns the ids of
/// visits booked here, settles lost answers, stores visits booked elsewhere, cancels what is gone.
async fn compare_pair(
    state: &mut Comparison<'_>,
    pair: &KnownPatient,
    listed: &[PatientAppointment],
) -> anyhow::Result<()> {
    let mut ids = Vec::new();
    for visit in listed {
        ids.push(visit.appointment_id.clone());
        compare_visit(state, pair, visit).await?;
    }
    let (v, user_id, now) = (state.v, state.user_id, state.now);
    let cancelled = v
        .store
        .cancel_missing_from_registry(user_id, pair.lpu_id, &pair.patient_id, &ids, now)
        .await?;
    for id in cancelled {
        tracing::info!(
            user = %crate::telemetry::user_tag(user_id),
            clinic = pair.lpu_id,
            "sync: a visit cancelled elsewhere"
        );
        if let Some(appointment) = v.store.appointment(user_id, id).await? {
            state.report.cancelled.push(appointment);
        }
    }
    Ok(())
}

/// One visit of the registry's list for `pair`: a booking here whose registry id is learnt, one known
/// already, a booking whose answer was lost (settled now), one just cancelled here, or a visit booked
/// elsewhere (stored).
async fn compare_visit(
    state: &mut Comparison<'_>,
    pair: &KnownPatient,
    visit: &PatientAppointment,
) -> anyhow::Result<()> {
    let (v, user_id, now) = (state.v, state.user_id, state.now);
    let at_pair = |a: &Appointment| {
        a.booking.lpu_id == pair.lpu_id && a.booking.patient_id == pair.patient_id
    };
    let visit_at = to_unix(v.settings.region_tz, visit.visit_start);
    if visit_at <= now {
        return Ok(());
    }
    let doctor = listed_doctor(visit);
    // Booked here, its registry id not known yet: the clinic, the doctor and the start name it.
    if let Some(stored) = state.upcoming.iter_mut().find(|a| {
        at_pair(a)
            && a.booking.registry_id.is_none()
            && same_visit(
                a.booking.doctor_id.as_deref(),
                a.booking.visit_at,
                doctor,
                visit_at,
            )
    }) {
        v.store
            .learn_registry_id(user_id, stored.id, &visit.appointment_id, now)
            .await?;
        stored.booking.registry_id = Some(visit.appointment_id.clone());
        let learned = stored.id;
        // A copy stored under that id by an older release is gone now.
        state.upcoming.retain(|a| {
            a.id == learned
                || !(at_pair(a) && a.booking.registry_id.as_ref() == Some(&visit.appointment_id))
        });
        return Ok(());
    }
    if state
        .upcoming
        .iter()
        .any(|a| at_pair(a) && a.booking.registry_id.as_ref() == Some(&visit.appointment_id))
    {
        return Ok(());
    }
    // A booking whose answer was lost: it went through.
    if let Some(n) = state.intents.iter().position(|i| {
        i.booking.lpu_id == pair.lpu_id
            && i.booking.patient_id == pair.patient_id
            && i.matches(doctor, visit_at)
    }) {
        let intent = state.intents.remove(n);
        let settled = settle_intent(v, &intent, Some(visit.appointment_id.clone()), now).await?;
        tracing::info!(
            user = %crate::telemetry::user_tag(user_id),
            clinic = pair.lpu_id,
            "sync: a booking whose answer was lost is in the registry"
        );
        if let Some(stored) = settled {
            state.upcoming.push(stored.clone());
            state.report.confirmed.push(stored);
        }
        return Ok(());
    }
    if just_cancelled_here(v, user_id, pair.lpu_id, &visit.appointment_id, now).await? {
        return Ok(());
    }
    store_found(state, pair, visit, visit_at).await
}

/// A visit booked elsewhere (by phone, at the desk, on the portal): stored with its reminders, and told.
async fn store_found(
    state: &mut Comparison<'_>,
    pair: &KnownPatient,
    visit: &PatientAppointment,
    visit_at: i64,
) -> anyhow::Result<()> {
    let (v, user_id, lang, now) = (state.v, state.user_id, state.lang, state.now);
    let doctor = listed_doctor(visit);
    let new = NewAppointment {
        user_id,
        child_id: pair.child_id,
        lpu_id: pair.lpu_id,
        patient_id: pair.patient_id.clone(),
        registry_id: Some(visit.appointment_id.clone()),
        doctor_id: doctor.map(str::to_owned),
        slot_id: None,
        visit_at,
        details: details_from_registry(v, user_id, lang, pair, visit).await?,
        source: AppointmentSource::Registry,
    };
    let stored = v
        .store
        .upsert_appointment(&new, &v.settings.reminders, now)
        .await?;
    tracing::info!(
        user = %crate::telemetry::user_tag(user_id),
        clinic = pair.lpu_id,
        "sync: a visit booked elsewhere found"
    );
    state.upcoming.push(stored.clone());
    state.report.found.push(stored);
    Ok(())
}

/// A visit cancelled through the bot minutes ago that the clinic's list still shows: its system may
/// catch up a little later, and bringing the visit back would undo the user's own cancellation.
async fn just_cancelled_here(
    v: Visits<'_>,
    user_id: i64,
    lpu_id: i64,
    registry_id: &str,
    now: i64,
) -> anyhow::Result<bool> {
    let stored = v
        .store
        .appointment_by_registry_id(user_id, lpu_id, registry_id)
        .await?;
    Ok(stored.is_some_and(|a| {
        a.status == AppointmentStatus::Cancelled && a.updated_at > now - REGISTRY_LAG_SECS
    }))
}

/// What the store keeps of a visit the registry lists (booked elsewhere).
async fn details_from_registry(
    v: Visits<'_>,
    user_id: i64,
    lang: Lang,
    pair: &KnownPatient,
    visit: &PatientAppointment,
) -> anyhow::Result<AppointmentDetails> {
    let person = match &visit.patient_full_name {
        Some(name) if !name.trim().is_empty() => name.clone(),
        _ => person_name(v, user_id, lang, pair.child_id).await?,
    };
    // The card gives what the visit does not (the map pin); its absence is no reason to fail.
    let clinic = within_deadline(v.registry.clinic(pair.lpu_id)).await.ok();
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
        local_end: None,
    })
}

/// The name of the person a visit is for: the child's, or the user's own as Gosuslugi knows it («Я»
/// otherwise) — whoever is chosen in «Для кого» at the moment does not matter.
async fn person_name(
    v: Visits<'_>,
    user_id: i64,
    lang: Lang,
    child_id: Option<i64>,
) -> anyhow::Result<String> {
    if let Some(child_id) = child_id {
        if let Some(child) = v.store.child(user_id, child_id).await? {
            return Ok(child.full_name().full().to_owned());
        }
        return Ok(String::new());
    }
    let name = v
        .store
        .esia_link(user_id)
        .await?
        .and_then(|link| FullName::parse(&link.person.full_name).ok());
    Ok(match name {
        Some(name) => name.full().to_owned(),
        None => t!(lang, "person-me"),
    })
}
