//! Who books: the account holder's identity — their Gosuslugi link, or with `ESIA_URL=off` the data they
//! typed in «Мои данные» (the seam is [`crate::visits::booking_identity`]).

use crate::bot::callback::{Cb, Section};
use crate::bot::ctx::{today, Ctx, Who};
use crate::bot::screen::Screen;
use crate::domain::OWN_ACCOUNT_AGE;
use crate::t;
pub use crate::visits::BookingIdentity;

/// The account holder's identity today; `None` when not linked (or, with `ESIA_URL=off`, not typed yet).
pub async fn gosuslugi_person(ctx: &Ctx, user_id: i64) -> anyhow::Result<Option<BookingIdentity>> {
    let today = today(ctx);
    crate::visits::booking_identity(ctx.visits(), user_id, today).await
}

/// Whether the account can book now (linked and confirmed, or its own data typed).
pub(super) async fn can_book(ctx: &Ctx, user_id: i64) -> anyhow::Result<bool> {
    Ok(gosuslugi_person(ctx, user_id)
        .await?
        .is_some_and(|identity| identity.trusted))
}

/// The gate at «Записаться»: why this account cannot book yet and the way forward, said before the first
/// choice (browsing goes on, and what is chosen waits at the confirmation until the account can book);
/// `screen` unchanged when it can book.
pub(in crate::bot) async fn gate(ctx: &Ctx, who: &Who, screen: Screen) -> anyhow::Result<Screen> {
    let lang = who.lang;
    let today = today(ctx);
    let (why, button) = match gosuslugi_person(ctx, who.user_id).await? {
        Some(identity) if identity.trusted => return Ok(screen),
        Some(identity)
            if identity
                .birth_date
                .is_some_and(|b| b.age_on(today) < OWN_ACCOUNT_AGE) =>
        {
            (t!(lang, "booking-gate-under-14"), None)
        }
        Some(_) => (
            t!(lang, "booking-gate-not-confirmed"),
            Some(Section::Gosuslugi),
        ),
        None if ctx.settings.esia.is_on() => (
            t!(lang, "booking-gate-not-linked"),
            Some(Section::Gosuslugi),
        ),
        None => (t!(lang, "booking-gate-no-details"), Some(Section::Me)),
    };
    let mut screen = Screen {
        text: format!("{}\n\n{why}", screen.text),
        ..screen
    };
    if let Some(section) = button {
        let label = match section {
            Section::Me => t!(lang, "menu-me"),
            _ => t!(lang, "menu-gosuslugi"),
        };
        screen.keyboard.insert(
            0,
            vec![crate::bot::screen::button(label, Cb::Section(section))],
        );
    }
    Ok(screen)
}
