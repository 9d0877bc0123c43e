//! Counts for `/metrics`, read from the database so that every instance reports the same truth. Counts
//! only: nothing here names or identifies a person.

use super::{with_pool, Store};

/// What `/metrics` reports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Metrics {
    pub users_consented: i64,
    pub appointments_upcoming: i64,
    pub reminders_pending: i64,
    pub reminders_sent: i64,
    pub reminders_failed: i64,
    /// Pending reminders due more than a minute ago: the reminder worker is behind (or down).
    pub reminders_overdue: i64,
    /// How long the oldest overdue reminder has waited, in seconds (0 when none is overdue).
    pub reminders_oldest_overdue_secs: i64,
    pub slot_watches: i64,
    /// Users whose appointment sync is more than an interval late.
    pub sync_overdue: i64,
}

/// A reminder is "overdue" when it is still pending this long after it fell due.
pub const OVERDUE_SECS: i64 = 60;

impl Store {
    /// The counts at `now`; `sync_interval_secs` tells a late sync from one that is merely due.
    pub async fn metrics(&self, now: i64, sync_interval_secs: i64) -> anyhow::Result<Metrics> {
        let late = now - OVERDUE_SECS;
        let row: (i64, i64, i64, i64, i64, i64, Option<i64>, i64, i64) = with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT
                   (SELECT COUNT(*) FROM users WHERE consent_at IS NOT NULL),
                   (SELECT COUNT(*) FROM appointments WHERE status = 'booked' AND visit_at > $1),
                   (SELECT COUNT(*) FROM reminders WHERE status = 'pending'),
                   (SELECT COUNT(*) FROM reminders WHERE status = 'sent'),
                   (SELECT COUNT(*) FROM reminders WHERE status = 'failed'),
                   (SELECT COUNT(*) FROM reminders WHERE status = 'pending' AND due_at < $2),
                   (SELECT MIN(due_at) FROM reminders WHERE status = 'pending' AND due_at < $2),
                   (SELECT COUNT(*) FROM slot_watches WHERE expires_at > $1),
                   (SELECT COUNT(*) FROM users WHERE registry_sync_at < $3)",
            )
            .bind(now)
            .bind(late)
            .bind(now - sync_interval_secs.max(1))
            .fetch_one(pool)
            .await?
        });
        Ok(Metrics {
            users_consented: row.0,
            appointments_upcoming: row.1,
            reminders_pending: row.2,
            reminders_sent: row.3,
            reminders_failed: row.4,
            reminders_overdue: row.5,
            reminders_oldest_overdue_secs: row.6.map_or(0, |due| now - due),
            slot_watches: row.7,
            sync_overdue: row.8,
        })
    }
}

impl Metrics {
    /// The Prometheus text exposition format.
    pub fn render(&self) -> String {
        let gauges: [(&str, &str, i64); 9] = [
            (
                "kvrachu_users_consented",
                "Users who accepted the personal-data notice.",
                self.users_consented,
            ),
            (
                "kvrachu_appointments_upcoming",
                "Booked visits that have not started.",
                self.appointments_upcoming,
            ),
            (
                "kvrachu_reminders_pending",
                "Reminders waiting to be sent.",
                self.reminders_pending,
            ),
            (
                "kvrachu_reminders_sent",
                "Reminders sent.",
                self.reminders_sent,
            ),
            (
                "kvrachu_reminders_failed",
                "Reminders given up (user unreachable, visit cancelled or passed).",
                self.reminders_failed,
            ),
            (
                "kvrachu_reminders_overdue",
                "Pending reminders due more than a minute ago.",
                self.reminders_overdue,
            ),
            (
                "kvrachu_reminders_oldest_overdue_seconds",
                "How long the oldest overdue reminder has waited.",
                self.reminders_oldest_overdue_secs,
            ),
            (
                "kvrachu_slot_watches",
                "Active «Сообщить о талонах» watches.",
                self.slot_watches,
            ),
            (
                "kvrachu_sync_overdue_users",
                "Users whose appointment sync is more than an interval late.",
                self.sync_overdue,
            ),
        ];
        let mut out = String::new();
        for (name, help, value) in gauges {
            out.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n"
            ));
        }
        out
    }
}

impl Store {
    /// Whether every migration this binary carries is applied (and none failed): `/readyz`.
    pub async fn migrations_applied(&self) -> anyhow::Result<bool> {
        let migrator = match self.backend {
            super::Backend::Sqlite(_) => sqlx::migrate!("migrations/sqlite"),
            super::Backend::Postgres(_) => sqlx::migrate!("migrations/postgres"),
        };
        let applied: Vec<i64> = with_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
            )
            .fetch_all(pool)
            .await?
        });
        let expected: Vec<i64> = migrator.iter().map(|m| m.version).collect();
        Ok(expected.iter().all(|v| applied.contains(v)))
    }
}
