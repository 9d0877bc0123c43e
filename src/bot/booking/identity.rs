//! Who books: the account holder's Gosuslugi identity (the seam to the ESIA link) and the login URL.

use crate::bot::ctx::{Ctx, Who};
use crate::domain::local_today;
pub use crate::visits::BookingIdentity;

/// The account holder's Gosuslugi identity today; `None` when not linked.
pub async fn gosuslugi_person(ctx: &Ctx, user_id: i64) -> anyhow::Result<Option<BookingIdentity>> {
    let today = local_today(ctx.clock.now(), ctx.settings.region_tz);
    crate::visits::booking_identity(&ctx.store, user_id, today).await
}

/// The ESIA login URL with a fresh single-use state; `None` (logged) when it cannot be made.
pub async fn gosuslugi_login_url(ctx: &Ctx, who: &Who) -> anyhow::Result<Option<url::Url>> {
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

/// Whether the account can book now (linked and confirmed).
pub(super) async fn can_book(ctx: &Ctx, user_id: i64) -> anyhow::Result<bool> {
    Ok(gosuslugi_person(ctx, user_id)
        .await?
        .is_some_and(|identity| identity.trusted))
}
