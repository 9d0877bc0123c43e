//! «⚡ Ближайший приём»: the soonest free times of a specialty's doctors (the screen, «чт 03.12 11:00 —
//! Белова А. В.», is [`super::screens`]'s), one tap to the same confirmation card as a time chosen on a
//! doctor's day.

use crate::bot::ctx::Ctx;
use crate::bot::screen::log_registry_error;
use crate::registry::{Doctor, RegistryResult, Slot};

use super::schedule::{horizon, local_now, upcoming};
use super::state::{Choice, Chosen, PickedSlot, Step};
use crate::registry::listed;

/// How many times the screen offers.
const SHOWN: usize = 6;
/// The most doctors whose slots are asked for (those with free places, in the registry's order).
const DOCTORS_ASKED: usize = 10;

/// The soonest free times of the specialty's doctors that have free places, soonest first, at most
/// [`SHOWN`]. A doctor whose slots do not come is left out; the doctors list failing fails the screen.
pub(super) async fn soonest(
    ctx: &Ctx,
    lpu: i64,
    specialty: &str,
) -> RegistryResult<Vec<(Doctor, Slot)>> {
    let asked: Vec<Doctor> = listed(ctx.registry.doctors(lpu, specialty))
        .await?
        .into_iter()
        .filter(|d| d.free_participant_count > 0)
        .take(DOCTORS_ASKED)
        .collect();
    let answers =
        futures::future::join_all(asked.iter().map(|d| listed(ctx.registry.slots(lpu, &d.id))))
            .await;
    let now = local_now(ctx);
    let mut all = Vec::new();
    for (doctor, answer) in asked.into_iter().zip(answers) {
        let free = match answer {
            Ok(free) => free,
            Err(err) => {
                log_registry_error("booking", &err);
                continue;
            }
        };
        let last = horizon(now.date(), doctor.last_date.map(|at| at.date()));
        for slot in upcoming(free, now, last).into_iter().take(SHOWN) {
            all.push((doctor.clone(), slot));
        }
    }
    all.sort_by_key(|(_, slot)| slot.visit_start);
    all.truncate(SHOWN);
    Ok(all)
}

/// The confirmation of the soonest time `slot_id`, if it is still one of them.
pub(super) async fn find(
    ctx: &Ctx,
    lpu: i64,
    specialty: &Choice,
    slot_id: &str,
) -> RegistryResult<Option<Step>> {
    let found = soonest(ctx, lpu, &specialty.id)
        .await?
        .into_iter()
        .find(|(_, slot)| slot.id == slot_id);
    Ok(found.map(|(doctor, slot)| {
        let doctor = Choice {
            name: doctor.full_name(),
            id: doctor.id,
        };
        Step::confirm(Chosen {
            specialty: specialty.clone(),
            doctor,
            slot: PickedSlot::of(&slot),
        })
    }))
}
