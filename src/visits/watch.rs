//! The slot check of a watch: the free slots of its doctor (or of its specialty's doctors with tickets),
//! soonest first. The watch worker runs it; the bot only renders what it finds.

use chrono::NaiveDateTime;

use crate::registry::{within_deadline, OrEmpty, RegistryResult};
use crate::store::Watch;

use super::Visits;

/// A specialty watch looks at the slots of at most this many of its doctors with free tickets.
const MAX_DOCTORS_LOOKED_AT: usize = 10;

/// A free slot as the watch worker sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FreeSlot {
    pub id: String,
    /// The region's local time.
    pub start: NaiveDateTime,
}

/// The free slots the watch is about, from `now` (the region's local time) on, soonest first.
pub async fn free_slots(
    visits: Visits<'_>,
    watch: &Watch,
    now: NaiveDateTime,
) -> RegistryResult<Vec<FreeSlot>> {
    let doctors: Vec<String> = match &watch.doctor_id {
        Some(doctor) => vec![doctor.clone()],
        None => within_deadline(visits.registry.doctors(watch.lpu_id, &watch.specialty_id))
            .await
            .or_empty()?
            .into_iter()
            // The participant count is what a patient can book; tickets may be for the clinic only.
            .filter(|d| d.free_participant_count > 0)
            .take(MAX_DOCTORS_LOOKED_AT)
            .map(|d| d.id)
            .collect(),
    };
    let mut free = Vec::new();
    for doctor in doctors {
        let slots = within_deadline(visits.registry.slots(watch.lpu_id, &doctor))
            .await
            .or_empty()?;
        free.extend(
            slots
                .into_iter()
                .filter(|s| s.visit_start > now)
                .map(|s| FreeSlot {
                    id: s.id,
                    start: s.visit_start,
                }),
        );
    }
    free.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.id.cmp(&b.id)));
    Ok(free)
}
