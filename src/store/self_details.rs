//! The user's own data when there is no Gosuslugi login (`ESIA_URL=off`): ФИО, date of birth and OMS
//! policy, typed once in the chat and booked with. One record per user, sealed like every personal value
//! (bound to `self_details/<column>/<user id>`), gone with the user.

use anyhow::Context;
use chrono::NaiveDate;
use sqlx::Row;

use crate::domain::{BirthDate, FullName, PolicyNumber};

use super::{with_pool, Aad, Store};

const TABLE: &str = "self_details";

/// What a user tells about themselves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelfDetails {
    pub full_name: FullName,
    /// Someone 14 or older when it was typed.
    pub birth_date: BirthDate,
    pub policy: PolicyNumber,
}

impl Store {
    /// Keeps (or replaces) the user's own data, at `now`.
    pub async fn save_self_details(
        &self,
        user_id: i64,
        details: &SelfDetails,
        now: i64,
    ) -> anyhow::Result<()> {
        self.ensure_user(user_id).await?;
        let row = user_id.to_string();
        let crypto = self.crypto();
        let policy = serde_json::to_string(&details.policy).context("cannot encode a policy")?;
        let full_name =
            crypto.seal_str(Aad::new(TABLE, "full_name", &row), details.full_name.full());
        let birth_date = crypto.seal_str(
            Aad::new(TABLE, "birth_date", &row),
            &details.birth_date.date().format("%Y-%m-%d").to_string(),
        );
        let policy = crypto.seal_str(Aad::new(TABLE, "policy", &row), &policy);
        with_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO self_details (user_id, full_name, birth_date, policy, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $5)
                 ON CONFLICT (user_id) DO UPDATE SET full_name = excluded.full_name,
                     birth_date = excluded.birth_date, policy = excluded.policy,
                     updated_at = excluded.updated_at",
            )
            .bind(user_id)
            .bind(&full_name)
            .bind(&birth_date)
            .bind(&policy)
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The user's own data, if they typed it.
    pub async fn self_details(&self, user_id: i64) -> anyhow::Result<Option<SelfDetails>> {
        let sealed: Option<(Vec<u8>, Vec<u8>, Vec<u8>)> = with_pool!(self, |pool| {
            sqlx::query("SELECT full_name, birth_date, policy FROM self_details WHERE user_id = $1")
                .bind(user_id)
                .fetch_optional(pool)
                .await?
                .map(|row| (row.get(0), row.get(1), row.get(2)))
        });
        let Some((full_name, birth_date, policy)) = sealed else {
            return Ok(None);
        };
        let row = user_id.to_string();
        // Errors name the column and the user id only, never the value.
        let open = |column: &str, sealed: &[u8]| {
            self.crypto()
                .open_str(Aad::new(TABLE, column, &row), sealed)
                .with_context(|| format!("cannot open self_details.{column} of user {user_id}"))
        };
        let full_name = FullName::parse(&open("full_name", &full_name)?)
            .map_err(|e| anyhow::anyhow!("self_details.full_name of user {user_id}: {e}"))?;
        let date = NaiveDate::parse_from_str(&open("birth_date", &birth_date)?, "%Y-%m-%d")
            .with_context(|| format!("self_details.birth_date of user {user_id} is not a date"))?;
        let birth_date = BirthDate::try_from(date)
            .map_err(|e| anyhow::anyhow!("self_details.birth_date of user {user_id}: {e}"))?;
        let policy: PolicyNumber = serde_json::from_str(&open("policy", &policy)?)
            .with_context(|| format!("self_details.policy of user {user_id} does not decode"))?;
        Ok(Some(SelfDetails {
            full_name,
            birth_date,
            policy,
        }))
    }
}
