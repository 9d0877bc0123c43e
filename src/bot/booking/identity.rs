//! Who books: the account holder's identity — their Gosuslugi link, or with `ESIA_URL=off` the data they
//! typed in «Мои данные» (the seam is [`crate::visits::booking_identity`]).

use crate::bot::ctx::Ctx;
use crate::domain::local_today;
pub use crate::visits::BookingIdentity;

/// The account holder's identity today; `None` when not linked (or, with `ESIA_URL=off`, not typed yet).
pub async fn gosuslugi_person(ctx: &Ctx, user_id: i64) -> anyhow::Result<Option<BookingIdentity>> {
    let today = local_today(ctx.clock.now(), ctx.settings.region_tz);
    crate::visits::booking_identity(ctx.visits(), user_id, today).await
}

/// Whether the account can book now (linked and confirmed, or its own data typed).
pub(super) async fn can_book(ctx: &Ctx, user_id: i64) -> anyhow::Result<bool> {
    Ok(gosuslugi_person(ctx, user_id)
        .await?
        .is_some_and(|identity| identity.trusted))
}
