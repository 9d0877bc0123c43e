//! Auto-booking for a slot watch, apart from Telegram: which found slot to book for the watch's person
//! ([`choose`]: never a second visit to the same specialty on one day, never a slot no earlier than the
//! visit they already have with that doctor, and a later visit moved only when they asked), and the
//! booking itself ([`auto_book`]), claimed in the store first so that one watch books once whatever the
//! number of instances, made through the same path as a booking by hand ([`super::booking::book`]: intent,
//! reminders, the sync for a lost answer).

use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;

use crate::domain::{BirthDate, FullName};
use crate::registry::{
    within_deadline, AppointmentCancel, AppointmentCreate, Clinic, PatientQuery, RegistryError,
};
use crate::store::{Appointment, AppointmentDetails, AppointmentStatus, NewIntent, Watch};

use super::booking::Booked;
use super::watch::FreeSlot;
use super::{to_unix, Visits};

/// What to do with the slots a watch found in its window.
#[derive(Clone, Debug, PartialEq)]
pub enum Choice {
    /// Nothing left: each one clashes with a visit the person has, or is no earlier than their visit to
    /// that doctor.
    Nothing,
    /// Tell the person of these (the watch does not book, or the person has a later visit to that doctor
    /// and did not ask to move it: `later`).
    Tell {
        slots: Vec<FreeSlot>,
        later: Option<Appointment>,
    },
    /// Book `slot`; then cancel `replace`, the person's later visit to that doctor.
    Book {
        slot: FreeSlot,
        replace: Option<Appointment>,
    },
}

/// Whether a visit is to what the watch waits for: its doctor, or (a specialty watch) its specialty at
/// its clinic.
fn is_of_target(watch: &Watch, visit: &Appointment) -> bool {
    visit.booking.lpu_id == watch.target.lpu_id
        && match &watch.target.doctor_id {
            Some(doctor) => visit.booking.doctor_id.as_deref() == Some(doctor.as_str()),
            None => same_specialty(watch, visit),
        }
}

fn same_specialty(watch: &Watch, visit: &Appointment) -> bool {
    let (a, b) = (
        visit.booking.details.specialty.trim(),
        watch.target.labels.specialty.trim(),
    );
    (!a.is_empty() && a.to_lowercase() == b.to_lowercase())
        || (watch.target.doctor_id.is_some() && visit.booking.doctor_id == watch.target.doctor_id)
}

fn local_day(tz: Tz, at: i64) -> Option<NaiveDate> {
    chrono::DateTime::from_timestamp(at, 0).map(|t| t.with_timezone(&tz).date_naive())
}

/// Which of `found` (in the window, soonest first) to book or to tell of, given the person's upcoming
/// `visits` (any of the user's: those of other people are passed over).
pub fn choose(watch: &Watch, found: &[FreeSlot], visits: &[Appointment], tz: Tz) -> Choice {
    let mine: Vec<&Appointment> = visits
        .iter()
        .filter(|v| {
            v.booking.child_id == watch.plan.child_id && v.status == AppointmentStatus::Booked
        })
        .collect();
    let later = mine
        .iter()
        .filter(|v| is_of_target(watch, v))
        .min_by_key(|v| v.booking.visit_at)
        .copied();
    let slots: Vec<FreeSlot> = found
        .iter()
        .filter(|free| {
            let at = to_unix(tz, free.slot.visit_start);
            if later.is_some_and(|v| at >= v.booking.visit_at) {
                return false;
            }
            // The visit being moved does not count against its own day.
            !mine.iter().any(|v| {
                Some(v.id) != later.map(|l| l.id)
                    && same_specialty(watch, v)
                    && local_day(tz, v.booking.visit_at) == Some(free.slot.visit_start.date())
            })
        })
        .cloned()
        .collect();
    let Some(first) = slots.first().cloned() else {
        return Choice::Nothing;
    };
    match later {
        Some(later) if watch.plan.auto_book && watch.plan.rebook_earlier => Choice::Book {
            slot: first,
            replace: Some(later.clone()),
        },
        _ if watch.plan.auto_book && later.is_none() => Choice::Book {
            slot: first,
            replace: None,
        },
        later => Choice::Tell {
            slots,
            later: later.cloned(),
        },
    }
}

/// Who a watch books for: the person's name and date of birth, and the account's Gosuslugi id.
#[derive(Clone, Debug)]
pub struct Patient {
    pub child_id: Option<i64>,
    pub name: FullName,
    pub birth_date: BirthDate,
    pub oid: Option<String>,
}

impl Patient {
    /// The registry's question for this person's patient id at the clinic `lpu_id`.
    pub fn query_at(&self, lpu_id: i64) -> PatientQuery {
        PatientQuery {
            lpu_id,
            name: self.name.clone(),
            birth_date: self.birth_date,
        }
    }
}

/// The person of a watch, as a booking needs them, on `today`: `None` when the account may not book
/// (Gosuslugi not linked or not confirmed), its own name or date of birth is unknown, or the child is gone.
pub async fn patient_of(
    v: Visits<'_>,
    user_id: i64,
    child_id: Option<i64>,
    today: NaiveDate,
) -> anyhow::Result<Option<Patient>> {
    let Some(identity) = super::booking_identity(v, user_id, today)
        .await?
        .filter(|identity| identity.trusted)
    else {
        return Ok(None);
    };
    Ok(match child_id {
        Some(id) => v.store.child(user_id, id).await?.map(|child| Patient {
            child_id: Some(child.id),
            name: child.full_name().clone(),
            birth_date: child.birth_date(),
            oid: identity.oid.clone(),
        }),
        None => match (identity.name, identity.birth_date) {
            (Some(name), Some(birth_date)) => Some(Patient {
                child_id: None,
                name,
                birth_date,
                oid: identity.oid,
            }),
            _ => None,
        },
    })
}

/// How an auto-booking ended.
#[derive(Debug)]
pub enum AutoBooked {
    /// Booked and stored with its reminders; the watch has ended. `replaced`: the later visit cancelled
    /// for it; `not_cancelled`: the later visit that could not be cancelled (the user is asked to).
    Made(Box<Made>),
    /// The clinic's answer was lost (or the visit could not be stored): the sync settles it and tells
    /// the user. The watch stays claimed until then.
    Pending,
    /// The account cannot book for the person: tell them instead.
    CannotBook,
    /// Another worker claimed the watch first.
    Claimed,
    /// The slot went to someone else, or the clinic did not answer: the watch keeps looking.
    Missed(RegistryError),
}

/// A visit auto-booked, and what became of the person's later visit to that doctor.
#[derive(Debug)]
pub struct Made {
    pub appointment: Appointment,
    /// Cancelled for the new one.
    pub replaced: Option<Appointment>,
    /// Could not be cancelled (the user is asked to).
    pub not_cancelled: Option<Appointment>,
}

/// Books `slot` for the watch's person (claiming the watch first), then cancels `replace`. A watch not
/// booked looks again at `retry_at`.
pub async fn auto_book(
    v: Visits<'_>,
    watch: &Watch,
    slot: &FreeSlot,
    replace: Option<Appointment>,
    now: i64,
    retry_at: i64,
) -> anyhow::Result<AutoBooked> {
    let tz = v.settings.region_tz;
    let today = crate::domain::watch_window::local_date(now, tz);
    let Some(patient) = patient_of(v, watch.target.user_id, watch.plan.child_id, today).await?
    else {
        return Ok(AutoBooked::CannotBook);
    };
    if !v.store.claim_watch_booking(watch.id, now).await? {
        return Ok(AutoBooked::Claimed);
    }
    let release = |booked: bool, appointment: Option<i64>| {
        v.store
            .finish_watch_booking(watch.id, booked, appointment, retry_at, now)
    };
    let patient_id = match patient_at_clinic(v, watch, &patient, now).await {
        Ok(id) => id,
        Err(ended) => {
            release(false, None).await?;
            return Ok(ended);
        }
    };
    let request = AppointmentCreate::new(
        watch.target.lpu_id,
        patient_id.clone(),
        &slot.slot,
        &patient.name,
        patient.birth_date,
        patient.oid.clone(),
    );
    let new = NewIntent {
        user_id: watch.target.user_id,
        child_id: patient.child_id,
        lpu_id: watch.target.lpu_id,
        patient_id,
        doctor_id: slot.doctor_id.clone(),
        slot_id: slot.slot.id.clone(),
        visit_at: to_unix(tz, slot.slot.visit_start),
        details: visit_details(v, watch, &patient, slot).await,
    };
    let booked = super::booking::book(v, &request, &new, now).await?;
    Ok(match booked {
        Booked::Made(appointment) => {
            release(true, Some(appointment.id)).await?;
            let (replaced, not_cancelled) = match replace {
                Some(old) => replace_later(v, old, patient.oid.clone(), now).await,
                None => (None, None),
            };
            AutoBooked::Made(Box::new(Made {
                appointment,
                replaced,
                not_cancelled,
            }))
        }
        Booked::SettledElsewhere | Booked::NotStored(..) => {
            // Booked at the clinic; the sync stores the visit (if it is not yet) and tells the user.
            release(true, None).await?;
            AutoBooked::Pending
        }
        // The claim stays until the sync knows: its lease then lets the watch be looked at again, and a
        // visit the sync found stops a second booking (one specialty a day).
        Booked::Pending(_) => AutoBooked::Pending,
        Booked::Refused(err) => {
            release(false, None).await?;
            AutoBooked::Missed(err)
        }
    })
}

/// The person's patient id at the watch's clinic (remembered for the booking journey), or how the
/// auto-booking ends without one: the clinic did not answer (the watch keeps looking), or does not know
/// the person (they book by hand, or are told why).
async fn patient_at_clinic(
    v: Visits<'_>,
    watch: &Watch,
    patient: &Patient,
    now: i64,
) -> Result<String, AutoBooked> {
    let query = patient.query_at(watch.target.lpu_id);
    let patient_id = match within_deadline(v.registry.find_patient(&query)).await {
        Ok(id) => id,
        Err(err) if err.is_transient() => return Err(AutoBooked::Missed(err)),
        Err(_) => return Err(AutoBooked::CannotBook),
    };
    let remembered = v
        .store
        .remember_patient(
            watch.target.user_id,
            patient.child_id,
            watch.target.lpu_id,
            &patient_id,
            now,
        )
        .await;
    if let Err(err) = remembered {
        tracing::warn!(error = %err, "watch: cannot remember the patient's clinic");
    }
    Ok(patient_id)
}

/// Cancels the later visit an earlier one was booked for: (cancelled, could not be cancelled).
async fn replace_later(
    v: Visits<'_>,
    old: Appointment,
    oid: Option<String>,
    now: i64,
) -> (Option<Appointment>, Option<Appointment>) {
    match cancel_visit(v, &old, oid, now).await {
        Ok(true) => (Some(old), None),
        Ok(false) => (None, Some(old)),
        Err(err) => {
            tracing::warn!(error = %err, "watch: the later visit was not cancelled");
            (None, Some(old))
        }
    }
}

/// Where a visit is: the slot's own address, or the clinic's where the slot has none (or a blank one).
pub fn visit_address(slot: Option<&str>, clinic: Option<&Clinic>) -> String {
    slot.filter(|a| !a.trim().is_empty())
        .or_else(|| clinic.and_then(|c| c.address.as_deref()))
        .unwrap_or_default()
        .to_owned()
}

/// What the visit's reminders and card will say: the watch's names, the slot's place, the clinic's
/// phone and map pin when the registry gives them.
async fn visit_details(
    v: Visits<'_>,
    watch: &Watch,
    patient: &Patient,
    found: &FreeSlot,
) -> AppointmentDetails {
    let clinic = within_deadline(v.registry.clinic(watch.target.lpu_id))
        .await
        .ok();
    let slot = &found.slot;
    let address = visit_address(slot.address.as_deref(), clinic.as_ref());
    let doctor = if found.doctor_name.is_empty() {
        watch.target.labels.doctor.clone()
    } else {
        found.doctor_name.clone()
    };
    let clinic_name = clinic
        .as_ref()
        .map(|c| c.display_name().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| watch.target.labels.clinic.clone());
    let local = |at: NaiveDateTime| at.format("%Y-%m-%dT%H:%M:%S").to_string();
    AppointmentDetails {
        person: patient.name.full().to_owned(),
        doctor,
        specialty: watch.target.labels.specialty.clone(),
        clinic: clinic_name,
        address,
        room: slot.room.clone().filter(|r| !r.trim().is_empty()),
        phone: clinic.as_ref().and_then(|c| c.phone.clone()),
        latitude: clinic.as_ref().and_then(|c| c.latitude),
        longitude: clinic.as_ref().and_then(|c| c.longitude),
        local_time: local(slot.visit_start),
        local_end: slot
            .visit_end
            .filter(|end| *end > slot.visit_start)
            .map(local),
    }
}

/// Cancels a visit at the clinic and in the store: `false` when the clinic's list does not show it or
/// the clinic refused or did not answer.
pub async fn cancel_visit(
    v: Visits<'_>,
    visit: &Appointment,
    oid: Option<String>,
    now: i64,
) -> anyhow::Result<bool> {
    let Ok(Some(registry_id)) = super::sync::registry_id_of(v, visit, now).await else {
        return Ok(false);
    };
    let request = AppointmentCancel {
        lpu_id: visit.booking.lpu_id,
        patient_id: visit.booking.patient_id.clone(),
        appointment_id: registry_id,
        esia_id: oid,
    };
    if let Err(err) = within_deadline(v.registry.cancel(&request)).await {
        tracing::info!(user = %crate::telemetry::user_tag(visit.booking.user_id), error = %err, "watch: the later visit was not cancelled");
        return Ok(false);
    }
    v.store
        .cancel_appointment(visit.booking.user_id, visit.id, now)
        .await?;
    Ok(true)
}
