//! The registry calls of booking, each bounded in time.

use crate::bot::ctx::Ctx;
use crate::registry::{
    within_deadline, Doctor, OrEmpty, RegistryError, RegistryResult, Slot, Specialty,
};

/// Worth telling the user «попробуйте позже» rather than «нет»: the registry did not answer usably.
pub(in crate::bot) fn is_transient(err: &RegistryError) -> bool {
    matches!(
        err,
        RegistryError::Transient(_) | RegistryError::Malformed(_)
    )
}

pub(in crate::bot) async fn specialties(ctx: &Ctx, lpu_id: i64) -> RegistryResult<Vec<Specialty>> {
    within_deadline(ctx.registry.specialties(lpu_id))
        .await
        .or_empty()
}

pub(in crate::bot) async fn doctors(
    ctx: &Ctx,
    lpu_id: i64,
    specialty: &str,
) -> RegistryResult<Vec<Doctor>> {
    within_deadline(ctx.registry.doctors(lpu_id, specialty))
        .await
        .or_empty()
}

pub(in crate::bot) async fn slots(
    ctx: &Ctx,
    lpu_id: i64,
    doctor: &str,
) -> RegistryResult<Vec<Slot>> {
    within_deadline(ctx.registry.slots(lpu_id, doctor))
        .await
        .or_empty()
}
