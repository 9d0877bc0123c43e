//! The booking journey's one piece of shared state outside the dialogue: which «Подтвердить» taps have been
//! acted on. A confirmation screen carries a random token; the first tap claims it, any later tap with the
//! same token (a double tap, or another instance reading the same old dialogue state) finds it claimed.

use std::collections::BTreeMap;

use sqlx::Row;

use super::metadata::{BookingIds, PatientIds, VisitIds};
use super::{with_pool, Store};

/// A row of [`Store::known_patients`]: id, child, sealed ids, when it was last seen.
type KnownRow = (i64, Option<i64>, Option<Vec<u8>>, i64);

/// Claims older than this are forgotten: a confirmation screen that old has long been replaced.
const KEEP_SECS: i64 = 86_400;

/// A patient the bot has booked (or found) in a clinic: whose visits «Мои записи» asks the registry for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownPatient {
    /// The child it is; `None` for the user.
    pub child_id: Option<i64>,
    pub lpu_id: i64,
    /// The patient's id in that clinic.
    pub patient_id: String,
}

impl Store {
    /// Claims `token` for `user_id`: `true` for the first claim only, whatever runs concurrently.
    pub async fn claim_booking_token(
        &self,
        user_id: i64,
        token: i64,
        now: i64,
    ) -> anyhow::Result<bool> {
        self.ensure_user(user_id).await?;
        let sql = "DELETE FROM booking_claims WHERE claimed_at < $1";
        self.execute_ids(sql, &[now - KEEP_SECS]).await?;
        let claimed = with_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO booking_claims (user_id, token, claimed_at) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
            )
            .bind(user_id)
            .bind(token)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
                == 1
        });
        Ok(claimed)
    }

    /// Every (person, clinic) pair the user's visits may be listed under, most relevant first: those of
    /// bookings whose outcome is not known yet, then those of the user's appointments (booked or
    /// cancelled) and of the clinics a person was found in, the most recent first.
    pub async fn known_patients(&self, user_id: i64) -> anyhow::Result<Vec<KnownPatient>> {
        // The clinics and patient ids are sealed: each table's rows of the user are read and opened here.
        let appointments: Vec<KnownRow> = self
            .known_rows(
                "SELECT id, child_id, ids, visit_at FROM appointments WHERE user_id = $1",
                user_id,
            )
            .await?;
        let intents = self
            .known_rows(
                "SELECT id, child_id, ids, CAST(9223372036854775807 AS BIGINT) FROM booking_intents
                 WHERE user_id = $1",
                user_id,
            )
            .await?;
        let patients = self
            .known_rows(
                "SELECT id, NULLIF(person, 0), ids, seen_at FROM registry_patients WHERE user_id = $1",
                user_id,
            )
            .await?;
        // (child, clinic, patient) → the latest time it was seen.
        let mut latest: BTreeMap<(Option<i64>, i64, String), i64> = BTreeMap::new();
        let mut add = |child_id: Option<i64>, lpu_id: i64, patient_id: String, at: i64| {
            let entry = latest.entry((child_id, lpu_id, patient_id)).or_insert(at);
            *entry = (*entry).max(at);
        };
        for (id, child_id, sealed, at) in appointments {
            let ids: VisitIds = self.open_json("appointments", "ids", id, sealed.as_deref())?;
            add(child_id, ids.lpu_id, ids.patient_id, at);
        }
        for (id, child_id, sealed, at) in intents {
            let ids: BookingIds =
                self.open_json("booking_intents", "ids", id, sealed.as_deref())?;
            add(child_id, ids.lpu_id, ids.patient_id, at);
        }
        for (id, child_id, sealed, at) in patients {
            let ids: PatientIds =
                self.open_json("registry_patients", "ids", id, sealed.as_deref())?;
            add(child_id, ids.lpu_id, ids.patient_id, at);
        }
        let mut rows: Vec<_> = latest.into_iter().collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0 .1.cmp(&b.0 .1)));
        Ok(rows
            .into_iter()
            .map(|((child_id, lpu_id, patient_id), _)| KnownPatient {
                child_id,
                lpu_id,
                patient_id,
            })
            .collect())
    }

    /// Rows of (id, child, sealed ids, time) of one user, for [`Store::known_patients`].
    async fn known_rows(&self, sql: &str, user_id: i64) -> anyhow::Result<Vec<KnownRow>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query(sql)
                .bind(user_id)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|row| (row.get(0), row.get(1), row.get(2), row.get(3)))
                .collect()
        }))
    }

    /// Claims up to `limit` users whose visits are due to be compared with the registry's list at `now`:
    /// those with a visit after `now - horizon_secs`, a booking whose outcome is not known yet, or a clinic
    /// they were found in since then, whose sync time has come. Each claimed user's next
    /// sync moves to `now + interval_secs`, which is also what keeps a second instance from claiming them
    /// meanwhile (rows another instance is claiming are skipped on PostgreSQL). Longest-waiting first.
    pub async fn claim_registry_sync(
        &self,
        now: i64,
        interval_secs: i64,
        horizon_secs: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<i64>> {
        const SELECT_DUE: &str = "SELECT u.id FROM users u
             WHERE COALESCE(u.registry_sync_at, 0) <= $2
               AND (EXISTS (SELECT 1 FROM appointments a WHERE a.user_id = u.id AND a.visit_at > $3)
                    OR EXISTS (SELECT 1 FROM booking_intents i WHERE i.user_id = u.id)
                    OR EXISTS (SELECT 1 FROM registry_patients r WHERE r.user_id = u.id AND r.seen_at > $3))
             ORDER BY COALESCE(u.registry_sync_at, 0), u.id
             LIMIT $4";
        let next = now + interval_secs.max(1);
        let since = now - horizon_secs.max(0);
        // PostgreSQL skips the users another instance is claiming; SQLite runs one writer at a time.
        let lock = self.on_postgres(" FOR UPDATE OF u SKIP LOCKED");
        let sql = format!(
            "UPDATE users SET registry_sync_at = $1
             WHERE COALESCE(registry_sync_at, 0) <= $2 AND id IN ({SELECT_DUE}{lock}) RETURNING id"
        );
        let mut ids: Vec<i64> = with_pool!(self, |pool| {
            sqlx::query_scalar(&sql)
                .bind(next)
                .bind(now)
                .bind(since)
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        ids.sort_unstable();
        Ok(ids)
    }

    /// Sets when the user's visits are next compared with the registry: sooner after a failed sync,
    /// later after «Мои записи» has just done it.
    pub async fn schedule_registry_sync(&self, user_id: i64, at: i64) -> anyhow::Result<()> {
        with_pool!(self, |pool| {
            sqlx::query("UPDATE users SET registry_sync_at = $2 WHERE id = $1")
                .bind(user_id)
                .bind(at)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// When the user's visits are next compared with the registry (`None`: as soon as they have a visit).
    pub async fn registry_sync_at(&self, user_id: i64) -> anyhow::Result<Option<i64>> {
        let at: Option<Option<i64>> = with_pool!(self, |pool| {
            sqlx::query_scalar("SELECT registry_sync_at FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(pool)
                .await?
        });
        Ok(at.flatten())
    }
}
