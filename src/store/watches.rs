//! Slot watches: «Сообщить, когда появятся талоны» for one doctor, or any doctor of a specialty, at one
//! clinic, for one person (the user or one of their children), within a window ([`WatchWindow`]). What a
//! user waits for can say something about their health, so the names, the ids, the window and the slots
//! seen or skipped are sealed; finding a user's watch of a doctor goes by a keyed lookup of the ids
//! (`watch_key`, per user), and the worker finds every watch of one doctor by another (`target_key`, not
//! per user: it says only that two watches wait for the same target, never which).
//!
//! A watch is `active` (checked every interval), `paused`, `booking` (one worker claimed it to book a slot
//! it found: the claim is a conditional update, so two instances never both book), `booked` or `expired`.
//! Ended watches stay listed until `RETENTION` purges them.

use anyhow::Context;
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::metadata::{watch_key, WatchIds};
use super::{text_codes, with_pool, Aad, FromRow, Store, StoreRow};
use crate::domain::WatchWindow;

const TABLE: &str = "slot_watches";
const MAX_ID: i64 = 1 << 53;
/// A watch ends by itself after this long: by then the user has booked elsewhere or forgotten it.
pub const WATCH_TTL_SECS: i64 = 30 * 86_400;
/// At most this many live (not ended) watches per user, children's included.
pub const MAX_WATCHES: usize = 10;
/// At most this many slot ids are remembered per watch.
const MAX_SEEN: usize = 500;
/// How long an auto-booking may stay in flight before another check takes the watch back (the worker
/// that claimed it died): by then the booking intent is settled by the sync.
pub const BOOKING_LEASE_SECS: i64 = 15 * 60;

/// The names a watch is shown by.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchLabels {
    pub clinic: String,
    pub specialty: String,
    /// Empty for a watch of the whole specialty.
    pub doctor: String,
}

/// What to watch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewWatch {
    pub user_id: i64,
    pub lpu_id: i64,
    pub specialty_id: String,
    /// `None`: any doctor of the specialty.
    pub doctor_id: Option<String>,
    pub labels: WatchLabels,
}

/// For whom and how a watch waits: the person, the window, and whether it books by itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WatchPlan {
    /// The child the watch is for; `None` for the user.
    pub child_id: Option<i64>,
    pub window: WatchWindow,
    /// Book a slot in the window as soon as one appears (else: tell the user).
    pub auto_book: bool,
    /// When the person already has a later visit to that doctor: book the earlier slot, then cancel the
    /// later visit (else: only tell).
    pub rebook_earlier: bool,
}

/// Where a watch is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WatchStatus {
    Active,
    Paused,
    /// A worker is booking a slot it found.
    Booking,
    /// A slot was booked for the watch: it has ended.
    Booked,
    /// Its time ran out (or its window's last day passed).
    Expired,
}

text_codes!(WatchStatus, "slot_watches.status", status_code, status_from_code, {
    WatchStatus::Active => "active",
    WatchStatus::Paused => "paused",
    WatchStatus::Booking => "booking",
    WatchStatus::Booked => "booked",
    WatchStatus::Expired => "expired",
});

impl WatchStatus {
    /// Counts against [`MAX_WATCHES`] and can be checked again.
    pub fn is_live(self) -> bool {
        matches!(
            self,
            WatchStatus::Active | WatchStatus::Paused | WatchStatus::Booking
        )
    }
}

/// [`WatchStatus::is_live`] as an SQL condition.
const LIVE: &str = "status IN ('active', 'paused', 'booking')";

/// A watch as stored: whose it is and what it waits for, for whom and how, and where it is in its life.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Watch {
    pub id: i64,
    pub target: NewWatch,
    pub plan: WatchPlan,
    pub status: WatchStatus,
    /// The free slot ids the user was last told of (or that were free when the watch began).
    pub seen: Vec<String>,
    /// The slot ids the user skipped («Пропустить этот»): never offered or booked again.
    pub skipped: Vec<String>,
    pub next_check_at: i64,
    pub expires_at: i64,
    pub created_at: i64,
    pub last_checked_at: Option<i64>,
    /// When a slot in the window was last found.
    pub last_found_at: Option<i64>,
    /// The visit the watch booked (status booked).
    pub appointment_id: Option<i64>,
    /// When the status last changed.
    pub status_at: Option<i64>,
    /// `true` when the stored target lookup is not the one of the current key (set it again).
    stale_target: bool,
}

/// What [`Store::add_watch`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddWatch {
    Added(Watch),
    /// The person already had a watch of this target: it follows the new plan, active, for another
    /// [`WATCH_TTL_SECS`].
    Renewed(Watch),
    /// The user has [`MAX_WATCHES`] live watches already.
    TooMany,
}

/// What a check of a watch found, to remember: the slots now seen, when to look again, and whether a slot
/// in its window was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatchChecked {
    pub seen: Vec<String>,
    pub next_check_at: i64,
    pub found: bool,
}

const COLUMNS: &str = "id, user_id, ids, labels, seen, next_check_at, expires_at, created_at, \
     child_id, target_key, slot_window, skipped, auto_book, rebook_earlier, status, status_at, \
     last_checked_at, last_found_at, appointment_id";

struct RawWatch {
    id: i64,
    user_id: i64,
    /// Sealed [`WatchIds`].
    ids: Option<Vec<u8>>,
    labels: Vec<u8>,
    /// Sealed JSON array of slot ids.
    seen: Option<Vec<u8>>,
    next_check_at: i64,
    expires_at: i64,
    created_at: i64,
    child_id: Option<i64>,
    target_key: Option<Vec<u8>>,
    window: Option<Vec<u8>>,
    skipped: Option<Vec<u8>>,
    auto_book: bool,
    rebook_earlier: bool,
    status: String,
    status_at: Option<i64>,
    last_checked_at: Option<i64>,
    last_found_at: Option<i64>,
    appointment_id: Option<i64>,
}

impl FromRow for RawWatch {
    fn from_row(row: &impl StoreRow) -> Self {
        RawWatch {
            id: row.col(0),
            user_id: row.col(1),
            ids: row.col(2),
            labels: row.col(3),
            seen: row.col(4),
            next_check_at: row.col(5),
            expires_at: row.col(6),
            created_at: row.col(7),
            child_id: row.col(8),
            target_key: row.col(9),
            window: row.col(10),
            skipped: row.col(11),
            auto_book: row.col(12),
            rebook_earlier: row.col(13),
            status: row.col(14),
            status_at: row.col(15),
            last_checked_at: row.col(16),
            last_found_at: row.col(17),
            appointment_id: row.col(18),
        }
    }
}

fn ids_of(new: &NewWatch) -> WatchIds {
    target_ids(new.lpu_id, &new.specialty_id, new.doctor_id.as_deref())
}

/// What a watch looks at (no doctor: the whole specialty), as its sealed ids and lookup keys are made of.
fn target_ids(lpu_id: i64, specialty_id: &str, doctor_id: Option<&str>) -> WatchIds {
    WatchIds {
        lpu_id,
        specialty_id: specialty_id.to_owned(),
        doctor_id: doctor_id.unwrap_or_default().to_owned(),
    }
}

fn sorted_ids(ids: &[String]) -> Vec<&String> {
    let mut ids: Vec<&String> = ids.iter().collect();
    ids.sort();
    ids.dedup();
    ids.truncate(MAX_SEEN);
    ids
}

impl Store {
    fn seal_labels(&self, id: i64, labels: &WatchLabels) -> anyhow::Result<Vec<u8>> {
        let json = serde_json::to_string(labels).context("cannot encode watch labels")?;
        Ok(self
            .crypto()
            .seal_str(Aad::new(TABLE, "labels", &id.to_string()), &json))
    }

    /// `slot_watches.target_key`: every watch of one doctor (or specialty) at a clinic, whoever's.
    fn target_key(&self, ids: &WatchIds) -> Vec<u8> {
        self.crypto().lookup(
            "slot_watches.target_key",
            None,
            &[&ids.lpu_id.to_string(), &ids.specialty_id, &ids.doctor_id],
        )
    }

    fn open_watch(&self, raw: RawWatch) -> anyhow::Result<Watch> {
        // Errors name the column and the row id only, never the value.
        let json = self
            .crypto()
            .open_str(Aad::new(TABLE, "labels", &raw.id.to_string()), &raw.labels)
            .map_err(|err| anyhow::anyhow!("slot_watches.labels of row {}: {err}", raw.id))?;
        let labels = serde_json::from_str(&json)
            .with_context(|| format!("slot_watches.labels of row {} is not valid", raw.id))?;
        let ids: WatchIds = self.open_json(TABLE, "ids", raw.id, raw.ids.as_deref())?;
        let seen = self.open_json(TABLE, "seen", raw.id, raw.seen.as_deref())?;
        let window = match raw.window.as_deref() {
            Some(sealed) => self.open_json(TABLE, "slot_window", raw.id, Some(sealed))?,
            None => WatchWindow::any(),
        };
        let skipped = match raw.skipped.as_deref() {
            Some(sealed) => self.open_json(TABLE, "skipped", raw.id, Some(sealed))?,
            None => Vec::new(),
        };
        let stale_target = raw.target_key.as_deref() != Some(&self.target_key(&ids)[..]);
        let target = NewWatch {
            user_id: raw.user_id,
            lpu_id: ids.lpu_id,
            specialty_id: ids.specialty_id,
            doctor_id: Some(ids.doctor_id).filter(|d| !d.is_empty()),
            labels,
        };
        let plan = WatchPlan {
            child_id: raw.child_id,
            window,
            auto_book: raw.auto_book,
            rebook_earlier: raw.rebook_earlier,
        };
        Ok(Watch {
            id: raw.id,
            target,
            plan,
            status: status_from_code(&raw.status)?,
            seen,
            skipped,
            next_check_at: raw.next_check_at,
            expires_at: raw.expires_at,
            created_at: raw.created_at,
            last_checked_at: raw.last_checked_at,
            last_found_at: raw.last_found_at,
            appointment_id: raw.appointment_id,
            status_at: raw.status_at,
            stale_target,
        })
    }

    async fn fetch_watches(&self, sql: &str, binds: &[i64]) -> anyhow::Result<Vec<Watch>> {
        let raws: Vec<RawWatch> = self.fetch_all_as(sql, binds).await?;
        raws.into_iter().map(|raw| self.open_watch(raw)).collect()
    }

    /// Starts watching for the user (any time, telling them); see [`Store::add_watch_for`].
    pub async fn add_watch(
        &self,
        new: &NewWatch,
        interval_secs: i64,
        now: i64,
    ) -> anyhow::Result<AddWatch> {
        self.add_watch_for(new, &WatchPlan::default(), interval_secs, now)
            .await
    }

    /// Starts watching for the plan's person, or gives their existing watch of the same target the new
    /// plan (active again, for another [`WATCH_TTL_SECS`]). The first check comes with the other watches
    /// of the same target, or within one `interval_secs` from `now`.
    pub async fn add_watch_for(
        &self,
        new: &NewWatch,
        plan: &WatchPlan,
        interval_secs: i64,
        now: i64,
    ) -> anyhow::Result<AddWatch> {
        self.ensure_user(new.user_id).await?;
        let ids = ids_of(new);
        if let Some(existing) = self
            .find_watch_for(new.user_id, plan.child_id, &ids)
            .await?
        {
            if !existing.status.is_live() && self.live_watches(new.user_id).await? >= MAX_WATCHES {
                return Ok(AddWatch::TooMany);
            }
            let next = self.first_check(&ids, interval_secs, now).await?;
            self.replan(&existing, plan, Some(next), now).await?;
            let watch = self
                .watch(new.user_id, existing.id)
                .await?
                .context("watch vanished right after it was renewed")?;
            return Ok(AddWatch::Renewed(watch));
        }
        if self.live_watches(new.user_id).await? >= MAX_WATCHES {
            return Ok(AddWatch::TooMany);
        }
        let id = rand::thread_rng().gen_range(1..MAX_ID);
        let next = self.first_check(&ids, interval_secs, now).await?;
        let inserted = with_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO slot_watches (id, user_id, ids, watch_key, labels, seen, next_check_at,
                     expires_at, created_at, child_id, target_key, slot_window, skipped, auto_book,
                     rebook_earlier, status, status_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'active', $9)
                 ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(new.user_id)
            .bind(self.seal_json(TABLE, "ids", id, &ids)?)
            .bind(watch_key(self.crypto(), new.user_id, &ids))
            .bind(self.seal_labels(id, &new.labels)?)
            .bind(self.seal_json(TABLE, "seen", id, &Vec::<String>::new())?)
            .bind(next)
            .bind(now + WATCH_TTL_SECS)
            .bind(now)
            .bind(plan.child_id)
            .bind(self.target_key(&ids))
            .bind(self.seal_json(TABLE, "slot_window", id, &plan.window)?)
            .bind(self.seal_json(TABLE, "skipped", id, &Vec::<String>::new())?)
            .bind(plan.auto_book)
            .bind(plan.rebook_earlier)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if inserted == 0 {
            // A second tap that raced this one: theirs stands, with this plan.
            return Box::pin(self.add_watch_for(new, plan, interval_secs, now)).await;
        }
        let watch = self
            .watch(new.user_id, id)
            .await?
            .context("watch vanished right after it was written")?;
        Ok(AddWatch::Added(watch))
    }

    /// When a new watch of `ids` is first checked: with the watches of the same target already waiting
    /// (so that one registry request serves them all), or at a random moment of the next interval (so
    /// that the targets' checks, and the registry requests, spread evenly over the interval).
    async fn first_check(
        &self,
        ids: &WatchIds,
        interval_secs: i64,
        now: i64,
    ) -> anyhow::Result<i64> {
        let interval = interval_secs.max(1);
        let due: Option<i64> = with_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT MIN(next_check_at) FROM slot_watches
                 WHERE target_key = $1 AND status = 'active' AND next_check_at > $2",
            )
            .bind(self.target_key(ids))
            .bind(now)
            .fetch_one(pool)
            .await?
        });
        Ok(due
            .filter(|at| *at <= now + interval)
            .unwrap_or_else(|| now + rand::thread_rng().gen_range(1..=interval)))
    }

    async fn live_watches(&self, user_id: i64) -> anyhow::Result<usize> {
        let sql = format!("SELECT COUNT(*) FROM slot_watches WHERE user_id = $1 AND {LIVE}");
        let count: i64 = with_pool!(self, |pool| {
            sqlx::query_scalar(&sql)
                .bind(user_id)
                .fetch_one(pool)
                .await?
        });
        Ok(usize::try_from(count).unwrap_or(usize::MAX))
    }

    /// Gives the watch `plan`'s window and flags, active, renewed from `now`; `next` moves its next check.
    async fn replan(
        &self,
        watch: &Watch,
        plan: &WatchPlan,
        next: Option<i64>,
        now: i64,
    ) -> anyhow::Result<()> {
        with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE slot_watches SET slot_window = $2, auto_book = $3, rebook_earlier = $4,
                     status = 'active', status_at = $5, expires_at = $6,
                     next_check_at = COALESCE($7, next_check_at)
                 WHERE id = $1 AND status <> 'booking'",
            )
            .bind(watch.id)
            .bind(self.seal_json(TABLE, "slot_window", watch.id, &plan.window)?)
            .bind(plan.auto_book)
            .bind(plan.rebook_earlier)
            .bind(now)
            .bind(now + WATCH_TTL_SECS)
            .bind(next)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Changes the window and the flags of the user's watch `id` (the person and the target stay). A paused
    /// or ended watch becomes active again. `false` when there is no such watch, or it is booking now.
    pub async fn edit_watch(
        &self,
        user_id: i64,
        id: i64,
        window: &WatchWindow,
        auto_book: bool,
        rebook_earlier: bool,
        now: i64,
    ) -> anyhow::Result<bool> {
        let Some(watch) = self.watch(user_id, id).await? else {
            return Ok(false);
        };
        if watch.status == WatchStatus::Booking {
            return Ok(false);
        }
        let plan = WatchPlan {
            child_id: watch.plan.child_id,
            window: window.clone(),
            auto_book,
            rebook_earlier,
        };
        let next = (!watch.status.is_live()).then_some(now);
        self.replan(&watch, &plan, next, now).await?;
        Ok(true)
    }

    /// Pauses (`paused` true) or resumes the user's watch `id`. A paused watch is not checked; it still
    /// ends at its time. `false` when there is no such live watch.
    pub async fn pause_watch(
        &self,
        user_id: i64,
        id: i64,
        paused: bool,
        now: i64,
    ) -> anyhow::Result<bool> {
        let (from, to) = if paused {
            ("active", "paused")
        } else {
            ("paused", "active")
        };
        let changed = with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE slot_watches SET status = $4, status_at = $5,
                     next_check_at = CASE WHEN $4 = 'paused' THEN expires_at ELSE $5 END
                 WHERE id = $1 AND user_id = $2 AND status = $3",
            )
            .bind(id)
            .bind(user_id)
            .bind(from)
            .bind(to)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(changed == 1)
    }

    /// The user's watch `id` (`None` when it is not theirs, or gone).
    pub async fn watch(&self, user_id: i64, id: i64) -> anyhow::Result<Option<Watch>> {
        let sql = format!("SELECT {COLUMNS} FROM slot_watches WHERE id = $1 AND user_id = $2");
        Ok(self.fetch_watches(&sql, &[id, user_id]).await?.pop())
    }

    /// The user's own watch of exactly this doctor (or specialty, with `doctor_id` `None`) at the clinic.
    pub async fn find_watch(
        &self,
        user_id: i64,
        lpu_id: i64,
        specialty_id: &str,
        doctor_id: Option<&str>,
    ) -> anyhow::Result<Option<Watch>> {
        self.person_watch(user_id, None, lpu_id, specialty_id, doctor_id)
            .await
    }

    /// The person's watch of this target (whatever its status).
    async fn find_watch_for(
        &self,
        user_id: i64,
        child_id: Option<i64>,
        ids: &WatchIds,
    ) -> anyhow::Result<Option<Watch>> {
        let lookup = watch_key(self.crypto(), user_id, ids);
        let raws: Vec<RawWatch> = with_pool!(self, |pool| {
            sqlx::query(&format!(
                "SELECT {COLUMNS} FROM slot_watches
                 WHERE user_id = $1 AND watch_key = $2 AND COALESCE(child_id, 0) = $3"
            ))
            .bind(user_id)
            .bind(&lookup)
            .bind(child_id.unwrap_or(0))
            .fetch_all(pool)
            .await?
            .iter()
            .map(RawWatch::from_row)
            .collect()
        });
        raws.into_iter()
            .next()
            .map(|raw| self.open_watch(raw))
            .transpose()
    }

    /// The person's watch of this doctor (or specialty) at the clinic, whatever its status.
    pub async fn person_watch(
        &self,
        user_id: i64,
        child_id: Option<i64>,
        lpu_id: i64,
        specialty_id: &str,
        doctor_id: Option<&str>,
    ) -> anyhow::Result<Option<Watch>> {
        let ids = target_ids(lpu_id, specialty_id, doctor_id);
        self.find_watch_for(user_id, child_id, &ids).await
    }

    /// The user's watches (their children's included), oldest first.
    pub async fn watches(&self, user_id: i64) -> anyhow::Result<Vec<Watch>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM slot_watches WHERE user_id = $1 ORDER BY created_at, id"
        );
        self.fetch_watches(&sql, &[user_id]).await
    }

    /// How many more watches the user may start now.
    pub async fn watches_left(&self, user_id: i64) -> anyhow::Result<usize> {
        Ok(MAX_WATCHES.saturating_sub(self.live_watches(user_id).await?))
    }

    /// Stops the user's watch `id`; `false` when there was none.
    pub async fn remove_watch(&self, user_id: i64, id: i64) -> anyhow::Result<bool> {
        let removed = with_pool!(self, |pool| {
            sqlx::query("DELETE FROM slot_watches WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(user_id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(removed > 0)
    }

    /// Claims up to `limit` watches due at `now` (active ones; paused ones at their end; bookings in
    /// flight past [`BOOKING_LEASE_SECS`]), moving each one's next check `interval_secs` on: the lease that
    /// keeps another instance from claiming it meanwhile (rows being claimed elsewhere are skipped on
    /// PostgreSQL). Watches of one target come out together.
    pub async fn claim_due_watches(
        &self,
        now: i64,
        interval_secs: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<Watch>> {
        let next = now + interval_secs.max(1);
        let lock = self.on_postgres(" FOR UPDATE SKIP LOCKED");
        let sql = format!(
            "UPDATE slot_watches SET next_check_at = $1
             WHERE next_check_at <= $2 AND id IN (
                 SELECT id FROM slot_watches WHERE next_check_at <= $2 AND {LIVE}
                 ORDER BY next_check_at, target_key, id LIMIT $3{lock}
             ) RETURNING {COLUMNS}"
        );
        let raws: Vec<RawWatch> = self.fetch_all_as(&sql, &[next, now, limit]).await?;
        let mut watches = Vec::with_capacity(raws.len());
        for raw in raws {
            match self.open_watch(raw) {
                Ok(watch) => watches.push(watch),
                // One unreadable row (a changed DATA_KEY) must not stop everyone else's watches.
                Err(err) => tracing::error!(error = %err, "a slot watch cannot be read"),
            }
        }
        for watch in watches.iter_mut().filter(|w| w.stale_target) {
            self.set_target_key(watch).await?;
        }
        watches.sort_by_key(|w| (w.target.user_id, w.id));
        Ok(watches)
    }

    /// Sets the target lookup of a watch made before it existed (or under an older data key).
    async fn set_target_key(&self, watch: &mut Watch) -> anyhow::Result<()> {
        let ids = ids_of(&watch.target);
        with_pool!(self, |pool| {
            sqlx::query("UPDATE slot_watches SET target_key = $2 WHERE id = $1")
                .bind(watch.id)
                .bind(self.target_key(&ids))
                .execute(pool)
                .await?;
        });
        watch.stale_target = false;
        Ok(())
    }

    /// Remembers a check of an active watch: the slots seen, its next check, and whether a slot in its
    /// window was found.
    pub async fn record_watch_check(
        &self,
        id: i64,
        checked: &WatchChecked,
        now: i64,
    ) -> anyhow::Result<()> {
        let sealed = self.seal_json(TABLE, "seen", id, &sorted_ids(&checked.seen))?;
        with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE slot_watches SET seen = $2, next_check_at = $3, last_checked_at = $4,
                     last_found_at = CASE WHEN $5 THEN $4 ELSE last_found_at END
                 WHERE id = $1 AND status = 'active'",
            )
            .bind(id)
            .bind(&sealed)
            .bind(checked.next_check_at)
            .bind(now)
            .bind(checked.found)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Moves the next check of an active watch that could not be checked now (the registry did not
    /// answer, or the request budget ran out): nothing else about it changes.
    pub async fn postpone_watch(&self, id: i64, next_check_at: i64) -> anyhow::Result<()> {
        let sql = "UPDATE slot_watches SET next_check_at = $2 WHERE id = $1 AND status = 'active'";
        self.execute_ids(sql, &[id, next_check_at]).await?;
        Ok(())
    }

    /// Moves the next check of the active watches of `ids` due after `now` but before `at` to `at`: every
    /// watch of one target stays due together, so one registry request serves them all.
    pub async fn align_target(
        &self,
        lpu_id: i64,
        specialty_id: &str,
        doctor_id: Option<&str>,
        now: i64,
        at: i64,
    ) -> anyhow::Result<u64> {
        let ids = target_ids(lpu_id, specialty_id, doctor_id);
        Ok(with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE slot_watches SET next_check_at = $3
                 WHERE target_key = $1 AND status = 'active' AND next_check_at > $2
                   AND next_check_at < $3",
            )
            .bind(self.target_key(&ids))
            .bind(now)
            .bind(at)
            .execute(pool)
            .await?
            .rows_affected()
        }))
    }

    /// Remembers the free slots the watch has now seen (the user has been told of any new ones).
    pub async fn set_watch_seen(&self, id: i64, seen: &[String]) -> anyhow::Result<()> {
        let sealed = self.seal_json(TABLE, "seen", id, &sorted_ids(seen))?;
        with_pool!(self, |pool| {
            sqlx::query("UPDATE slot_watches SET seen = $2 WHERE id = $1")
                .bind(id)
                .bind(&sealed)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// «Пропустить этот»: the slot is never offered or booked for the user's watch `id` again; the watch
    /// keeps looking. `false` when there is no such watch.
    pub async fn skip_watch_slot(
        &self,
        user_id: i64,
        id: i64,
        slot_id: &str,
    ) -> anyhow::Result<bool> {
        let Some(watch) = self.watch(user_id, id).await? else {
            return Ok(false);
        };
        let mut skipped = watch.skipped;
        skipped.push(slot_id.to_owned());
        let sealed = self.seal_json(TABLE, "skipped", id, &sorted_ids(&skipped))?;
        with_pool!(self, |pool| {
            sqlx::query("UPDATE slot_watches SET skipped = $3 WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(user_id)
                .bind(&sealed)
                .execute(pool)
                .await?;
        });
        Ok(true)
    }

    /// Claims an active watch to book a slot it found: exactly one caller gets `true`, whatever instance
    /// it runs in. The claim lasts [`BOOKING_LEASE_SECS`]: a claim whose worker died is checked again then.
    pub async fn claim_watch_booking(&self, id: i64, now: i64) -> anyhow::Result<bool> {
        let sql = "UPDATE slot_watches SET status = 'booking', status_at = $2, next_check_at = $3
                   WHERE id = $1 AND status = 'active'";
        self.changed_one(sql, &[id, now, now + BOOKING_LEASE_SECS])
            .await
    }

    /// Ends a booking claim: `booked` (the watch ends, naming the visit when it was stored), or not (the
    /// watch looks again at `next_check_at`).
    pub async fn finish_watch_booking(
        &self,
        id: i64,
        booked: bool,
        appointment_id: Option<i64>,
        next_check_at: i64,
        now: i64,
    ) -> anyhow::Result<()> {
        let status = if booked {
            WatchStatus::Booked
        } else {
            WatchStatus::Active
        };
        with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE slot_watches SET status = $2, status_at = $3, appointment_id = $4,
                     next_check_at = $5, last_checked_at = $3,
                     last_found_at = CASE WHEN $6 THEN $3 ELSE last_found_at END
                 WHERE id = $1 AND status = 'booking'",
            )
            .bind(id)
            .bind(status_code(status))
            .bind(now)
            .bind(appointment_id)
            .bind(next_check_at)
            .bind(booked)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Ends a live watch whose time ran out; `false` when it had ended already.
    pub async fn expire_watch(&self, id: i64, now: i64) -> anyhow::Result<bool> {
        let sql = format!(
            "UPDATE slot_watches SET status = 'expired', status_at = $2 WHERE id = $1 AND {LIVE}"
        );
        self.changed_one(&sql, &[id, now]).await
    }
}
