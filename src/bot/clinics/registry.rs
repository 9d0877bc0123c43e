//! What the clinics journey asks the registry, each call bounded in time ([`within_deadline`]), and the
//! taps that name something the registry must still know (a district, a kind, a clinic).

use crate::registry::{listed, within_deadline, Clinic, District, RegistryResult};

use super::cb::{Cb, Tag};
use super::state::{kind_of, kinds, Step};
use crate::bot::ctx::Ctx;

pub async fn districts(ctx: &Ctx) -> RegistryResult<Vec<District>> {
    listed(ctx.registry.districts()).await
}

/// A district's name; its id when the registry no longer lists it.
pub async fn district_name(ctx: &Ctx, district: &str) -> RegistryResult<String> {
    Ok(districts(ctx)
        .await?
        .into_iter()
        .find(|d| d.id == district)
        .map_or_else(|| district.to_owned(), |d| d.name))
}

/// The active clinics of a district.
pub async fn clinics(ctx: &Ctx, district: &str) -> RegistryResult<Vec<Clinic>> {
    let mut clinics = listed(ctx.registry.clinics(district)).await?;
    clinics.retain(|c| c.is_active);
    Ok(clinics)
}

pub async fn clinic(ctx: &Ctx, id: i64) -> RegistryResult<Clinic> {
    within_deadline(ctx.registry.clinic(id)).await
}

/// Where a tap that fits `step` leads; `None` when what it names has vanished from the registry.
pub async fn next_step(ctx: &Ctx, step: &Step, tap: Cb) -> RegistryResult<Option<Step>> {
    let next = match (tap, step) {
        (Cb::District(tag), _) => districts(ctx)
            .await?
            .into_iter()
            .find(|d| Tag::of(&d.id) == tag)
            .map(|d| Step::Kinds { district: d.id }),
        (Cb::Kind(_, tag), Step::Kinds { district }) => kinds(&clinics(ctx, district).await?)
            .into_iter()
            .find(|kind| Tag::of(kind.key()) == tag)
            .map(|kind| Step::Clinics {
                district: district.clone(),
                kind,
                page: 1,
            }),
        (Cb::Clinic(id), Step::Clinics { district, kind, .. }) => {
            let listed = clinics(ctx, district)
                .await?
                .iter()
                .any(|c| c.id == id && kind_of(c) == *kind);
            listed.then(|| step.card(id)).flatten()
        }
        (tap, step) => step.moved(&tap),
    };
    Ok(next)
}
