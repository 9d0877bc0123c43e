//! Slot watches: «Сообщить, когда появятся талоны» for one doctor, or any doctor of a specialty, at one
//! clinic. What a user waits for can say something about their health, so the names, the ids and the
//! free slots seen are sealed; finding a user's watch of a doctor goes by a keyed lookup of the ids.

use anyhow::Context;
use rand::Rng;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::metadata::{watch_key, WatchIds};
use super::{with_pool, Aad, Backend, Store};

const TABLE: &str = "slot_watches";
const MAX_ID: i64 = 1 << 53;
/// A watch ends by itself after this long: by then the user has booked elsewhere or forgotten it.
pub const WATCH_TTL_SECS: i64 = 30 * 86_400;
/// At most this many watches per user.
pub const MAX_WATCHES: usize = 10;
/// At most this many slot ids are remembered per watch.
const MAX_SEEN: usize = 500;

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

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Watch {
    pub id: i64,
    pub user_id: i64,
    pub lpu_id: i64,
    pub specialty_id: String,
    pub doctor_id: Option<String>,
    pub labels: WatchLabels,
    /// The free slot ids the user was last told of (or that were free when the watch began).
    pub seen: Vec<String>,
    pub next_check_at: i64,
    pub expires_at: i64,
    pub created_at: i64,
}

/// What [`Store::add_watch`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddWatch {
    Added(Watch),
    /// The user already watches this; the watch is renewed.
    Renewed(Watch),
    /// The user has [`MAX_WATCHES`] already.
    TooMany,
}

const COLUMNS: &str = "id, user_id, ids, labels, seen, next_check_at, expires_at, created_at";

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
}

fn raw_from_row<R: Row>(row: &R) -> RawWatch
where
    usize: sqlx::ColumnIndex<R>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Vec<u8>: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<Vec<u8>>: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    RawWatch {
        id: row.get(0),
        user_id: row.get(1),
        ids: row.get(2),
        labels: row.get(3),
        seen: row.get(4),
        next_check_at: row.get(5),
        expires_at: row.get(6),
        created_at: row.get(7),
    }
}

impl Store {
    fn seal_labels(&self, id: i64, labels: &WatchLabels) -> anyhow::Result<Vec<u8>> {
        let json = serde_json::to_string(labels).context("cannot encode watch labels")?;
        Ok(self
            .crypto()
            .seal_str(Aad::new(TABLE, "labels", &id.to_string()), &json))
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
        Ok(Watch {
            id: raw.id,
            user_id: raw.user_id,
            lpu_id: ids.lpu_id,
            specialty_id: ids.specialty_id,
            doctor_id: Some(ids.doctor_id).filter(|d| !d.is_empty()),
            labels,
            seen,
            next_check_at: raw.next_check_at,
            expires_at: raw.expires_at,
            created_at: raw.created_at,
        })
    }

    /// Starts watching (first check one `interval_secs` from `now`), or renews the same watch for another
    /// [`WATCH_TTL_SECS`].
    pub async fn add_watch(
        &self,
        new: &NewWatch,
        interval_secs: i64,
        now: i64,
    ) -> anyhow::Result<AddWatch> {
        self.ensure_user(new.user_id).await?;
        let ids = WatchIds {
            lpu_id: new.lpu_id,
            specialty_id: new.specialty_id.clone(),
            doctor_id: new.doctor_id.clone().unwrap_or_default(),
        };
        let lookup = watch_key(self.crypto(), new.user_id, &ids);
        let existing: Option<i64> = with_pool!(self, |pool| {
            sqlx::query_scalar("SELECT id FROM slot_watches WHERE user_id = $1 AND watch_key = $2")
                .bind(new.user_id)
                .bind(&lookup)
                .fetch_optional(pool)
                .await?
        });
        if let Some(id) = existing {
            with_pool!(self, |pool| {
                sqlx::query("UPDATE slot_watches SET expires_at = $2 WHERE id = $1")
                    .bind(id)
                    .bind(now + WATCH_TTL_SECS)
                    .execute(pool)
                    .await?;
            });
            let watch = self
                .watch(new.user_id, id)
                .await?
                .context("watch vanished right after it was renewed")?;
            return Ok(AddWatch::Renewed(watch));
        }
        if self.watches(new.user_id).await?.len() >= MAX_WATCHES {
            return Ok(AddWatch::TooMany);
        }
        let id = rand::thread_rng().gen_range(1..MAX_ID);
        let labels = self.seal_labels(id, &new.labels)?;
        let sealed_ids = self.seal_json(TABLE, "ids", id, &ids)?;
        let seen = self.seal_json(TABLE, "seen", id, &Vec::<String>::new())?;
        let inserted = with_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO slot_watches (id, user_id, ids, watch_key, labels, seen,
                     next_check_at, expires_at, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(new.user_id)
            .bind(&sealed_ids)
            .bind(&lookup)
            .bind(&labels)
            .bind(&seen)
            .bind(now + interval_secs.max(1))
            .bind(now + WATCH_TTL_SECS)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if inserted == 0 {
            // A second tap that raced this one: theirs stands.
            return Box::pin(self.add_watch(new, interval_secs, now)).await;
        }
        let watch = self
            .watch(new.user_id, id)
            .await?
            .context("watch vanished right after it was written")?;
        Ok(AddWatch::Added(watch))
    }

    /// The user's watch `id` (`None` when it is not theirs, or gone).
    pub async fn watch(&self, user_id: i64, id: i64) -> anyhow::Result<Option<Watch>> {
        let raw = with_pool!(self, |pool| {
            sqlx::query(&format!(
                "SELECT {COLUMNS} FROM slot_watches WHERE id = $1 AND user_id = $2"
            ))
            .bind(id)
            .bind(user_id)
            .fetch_optional(pool)
            .await?
            .map(|row| raw_from_row(&row))
        });
        raw.map(|raw| self.open_watch(raw)).transpose()
    }

    /// The user's watch of exactly this doctor (or specialty, with `doctor_id` `None`) at the clinic.
    pub async fn find_watch(
        &self,
        user_id: i64,
        lpu_id: i64,
        specialty_id: &str,
        doctor_id: Option<&str>,
    ) -> anyhow::Result<Option<Watch>> {
        let ids = WatchIds {
            lpu_id,
            specialty_id: specialty_id.to_owned(),
            doctor_id: doctor_id.unwrap_or_default().to_owned(),
        };
        let lookup = watch_key(self.crypto(), user_id, &ids);
        let raw = with_pool!(self, |pool| {
            sqlx::query(&format!(
                "SELECT {COLUMNS} FROM slot_watches WHERE user_id = $1 AND watch_key = $2"
            ))
            .bind(user_id)
            .bind(&lookup)
            .fetch_optional(pool)
            .await?
            .map(|row| raw_from_row(&row))
        });
        raw.map(|raw| self.open_watch(raw)).transpose()
    }

    /// The user's watches, oldest first.
    pub async fn watches(&self, user_id: i64) -> anyhow::Result<Vec<Watch>> {
        let raws: Vec<RawWatch> = with_pool!(self, |pool| {
            sqlx::query(&format!(
                "SELECT {COLUMNS} FROM slot_watches WHERE user_id = $1 ORDER BY created_at, id"
            ))
            .bind(user_id)
            .fetch_all(pool)
            .await?
            .iter()
            .map(raw_from_row)
            .collect()
        });
        raws.into_iter().map(|raw| self.open_watch(raw)).collect()
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

    /// Claims up to `limit` watches due at `now`, moving each one's next check `interval_secs` on (which
    /// is also what keeps another instance from claiming it meanwhile; rows being claimed elsewhere are
    /// skipped on PostgreSQL). Watches past their end are deleted first.
    pub async fn claim_due_watches(
        &self,
        now: i64,
        interval_secs: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<Watch>> {
        with_pool!(self, |pool| {
            sqlx::query("DELETE FROM slot_watches WHERE expires_at <= $1")
                .bind(now)
                .execute(pool)
                .await?;
        });
        const SELECT_DUE: &str =
            "SELECT id FROM slot_watches WHERE next_check_at <= $2 ORDER BY next_check_at, id LIMIT $3";
        let next = now + interval_secs.max(1);
        let raws: Vec<RawWatch> = match &self.backend {
            Backend::Sqlite(pool) => sqlx::query(&format!(
                "UPDATE slot_watches SET next_check_at = $1
                 WHERE next_check_at <= $2 AND id IN ({SELECT_DUE}) RETURNING {COLUMNS}"
            ))
            .bind(next)
            .bind(now)
            .bind(limit)
            .fetch_all(pool)
            .await?
            .iter()
            .map(raw_from_row)
            .collect(),
            Backend::Postgres(pool) => sqlx::query(&format!(
                "UPDATE slot_watches SET next_check_at = $1
                 WHERE next_check_at <= $2 AND id IN ({SELECT_DUE} FOR UPDATE SKIP LOCKED)
                 RETURNING {COLUMNS}"
            ))
            .bind(next)
            .bind(now)
            .bind(limit)
            .fetch_all(pool)
            .await?
            .iter()
            .map(raw_from_row)
            .collect(),
        };
        let mut watches = Vec::with_capacity(raws.len());
        for raw in raws {
            match self.open_watch(raw) {
                Ok(watch) => watches.push(watch),
                // One unreadable row (a changed DATA_KEY) must not stop everyone else's watches.
                Err(err) => tracing::error!(error = %err, "a slot watch cannot be read"),
            }
        }
        watches.sort_by_key(|w| (w.user_id, w.id));
        Ok(watches)
    }

    /// Remembers the free slots the watch has now seen (the user has been told of any new ones).
    pub async fn set_watch_seen(&self, id: i64, seen: &[String]) -> anyhow::Result<()> {
        let mut seen: Vec<&String> = seen.iter().collect();
        seen.sort();
        seen.dedup();
        seen.truncate(MAX_SEEN);
        let sealed = self.seal_json(TABLE, "seen", id, &seen)?;
        with_pool!(self, |pool| {
            sqlx::query("UPDATE slot_watches SET seen = $2 WHERE id = $1")
                .bind(id)
                .bind(&sealed)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
