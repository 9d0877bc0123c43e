//! The rules of booking and of keeping visits true to the registry, apart from Telegram: who may book
//! ([`BookingIdentity`]), the registry's local times as instants, and the comparison with the registry's
//! lists ([`sync`]). The bot renders what these return; the workers run them in the background.

pub mod autobook;
pub mod booking;
pub mod sync;
pub mod watch;

use chrono::{Duration, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

use crate::config::Settings;
use crate::domain::{BirthDate, FullName};
use crate::registry::Registry;
use crate::store::Store;

/// What the visit rules need: the store, the registry and the settings — nothing of Telegram.
#[derive(Clone, Copy)]
pub struct Visits<'a> {
    pub store: &'a Store,
    pub registry: &'a dyn Registry,
    pub settings: &'a Settings,
}

/// The registry's local time (`REGION_TZ`) as a Unix instant. A local time that does not exist (a gap in
/// the clock) is read as the offset just before it.
pub fn to_unix(tz: Tz, local: NaiveDateTime) -> i64 {
    match tz.from_local_datetime(&local).earliest() {
        Some(at) => at.timestamp(),
        None => tz
            .from_local_datetime(&(local + Duration::hours(1)))
            .earliest()
            .map_or_else(|| local.and_utc().timestamp(), |at| at.timestamp() - 3600),
    }
}

/// Who books: the account holder as Gosuslugi knows them, or (with `ESIA_URL=off`) as they typed it.
#[derive(Clone, Debug)]
pub struct BookingIdentity {
    pub name: Option<FullName>,
    pub birth_date: Option<BirthDate>,
    /// ESIA's person id, sent with the booking as `esiaId`; `None` without Gosuslugi.
    pub oid: Option<String>,
    /// May book: a confirmed Gosuslugi account of someone 14 or older, or the user's own typed data
    /// (checked to be someone 14 or older when typed).
    pub trusted: bool,
}

/// The account holder's identity on `today` (the region's date); `None` when there is none yet (not linked
/// to Gosuslugi, or with `ESIA_URL=off` no data typed). The one place the "may book" rule is read.
pub async fn booking_identity(
    visits: Visits<'_>,
    user_id: i64,
    today: NaiveDate,
) -> anyhow::Result<Option<BookingIdentity>> {
    if !visits.settings.esia.is_on() {
        return Ok(visits
            .store
            .self_details(user_id)
            .await?
            .map(|details| BookingIdentity {
                name: Some(details.full_name),
                birth_date: Some(details.birth_date),
                oid: None,
                // Typed by the user, who was 14 or older then: nothing else to confirm.
                trusted: true,
            }));
    }
    let Some(link) = visits.store.esia_link(user_id).await? else {
        return Ok(None);
    };
    let name = FullName::parse(&link.person.full_name).ok();
    let (birth_date, oid) = (link.person.birth_date, Some(link.oid.clone()));
    // The one rule of who may book with Gosuslugi: a linked, confirmed account of someone 14 or older.
    let trusted = matches!(
        crate::esia::booking_gate(Some(link), today),
        crate::esia::BookingGate::Allowed(_)
    );
    Ok(Some(BookingIdentity {
        name,
        birth_date,
        oid,
        trusted,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_become_instants_through_the_regions_zone() {
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap();
        // 09:30 in Irkutsk (UTC+8) is 01:30 UTC.
        assert_eq!(
            to_unix(chrono_tz::Asia::Irkutsk, at("2026-12-01T09:30")),
            1_796_088_600
        );
        // A time in a spring-forward gap is read with the offset before it.
        let gap = to_unix(chrono_tz::Europe::Berlin, at("2026-03-29T02:30"));
        assert_eq!(
            gap,
            to_unix(chrono_tz::Europe::Berlin, at("2026-03-29T01:30"))
        );
    }
}
