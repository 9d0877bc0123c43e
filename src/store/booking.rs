//! The booking journey's one piece of shared state outside the dialogue: which «Подтвердить» taps have been
//! acted on. A confirmation screen carries a random token; the first tap claims it, any later tap with the
//! same token (a double tap, or another instance reading the same old dialogue state) finds it claimed.

use sqlx::Row;

use super::{with_pool, Store};

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
        let claimed = with_pool!(self, |pool| {
            sqlx::query("DELETE FROM booking_claims WHERE claimed_at < $1")
                .bind(now - KEEP_SECS)
                .execute(pool)
                .await?;
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

    /// Every (person, clinic) pair of the user's appointments, booked or cancelled, most recent first.
    pub async fn known_patients(&self, user_id: i64) -> anyhow::Result<Vec<KnownPatient>> {
        let rows: Vec<(Option<i64>, i64, String, i64)> = with_pool!(self, |pool| {
            sqlx::query(
                "SELECT child_id, lpu_id, patient_id, MAX(visit_at) FROM appointments
                 WHERE user_id = $1
                 GROUP BY child_id, lpu_id, patient_id",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|row| (row.get(0), row.get(1), row.get(2), row.get(3)))
            .collect()
        });
        let mut rows = rows;
        rows.sort_by(|a, b| b.3.cmp(&a.3).then_with(|| a.1.cmp(&b.1)));
        Ok(rows
            .into_iter()
            .map(|(child_id, lpu_id, patient_id, _)| KnownPatient {
                child_id,
                lpu_id,
                patient_id,
            })
            .collect())
    }
}
