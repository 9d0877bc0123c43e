//! Who books: the account holder's Gosuslugi identity (the seam to the ESIA link) and the login URL.

use crate::bot::ctx::Ctx;
use crate::domain::local_today;
pub use crate::visits::BookingIdentity;

/// The account holder's Gosuslugi identity today; `None` when not linked.
pub async fn gosuslugi_person(ctx: &Ctx, user_id: i64) -> anyhow::Result<Option<BookingIdentity>> {
    let today = local_today(ctx.clock.now(), ctx.settings.region_tz);
    crate::visits::booking_identity(&ctx.store, user_id, today).await
}

/// Whether the account can book now (linked and confirmed).
pub(super) async fn can_book(ctx: &Ctx, user_id: i64) -> anyhow::Result<bool> {
    Ok(gosuslugi_person(ctx, user_id)
        .await?
        .is_some_and(|identity| identity.trusted))
}
