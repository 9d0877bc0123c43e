//! Data retention (issue 13, `RETENTION`): what is over is not kept for ever. Idle dialogues, past visits
//! (with their reminders), expired slot watches, settled booking intents, Gosuslugi login states and the
//! demo registry's past bookings are deleted once they are older than the retention time.

use super::{with_pool, Store};

/// How many rows one purge deleted, per kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub dialogues: u64,
    pub appointments: u64,
    pub watches: u64,
    pub intents: u64,
    pub logins: u64,
    pub demo_bookings: u64,
}

impl Purged {
    pub fn total(&self) -> u64 {
        self.dialogues
            + self.appointments
            + self.watches
            + self.intents
            + self.logins
            + self.demo_bookings
    }
}

/// Each table, and the instant after which a row of it is over.
const PURGES: &[(&str, &str)] = &[
    ("dialogues", "updated_at"),
    ("appointments", "visit_at"),
    ("slot_watches", "expires_at"),
    ("booking_intents", "created_at"),
    ("esia_logins", "expires_at"),
    ("demo_bookings", "visit_start"),
];

impl Store {
    /// Deletes what has been over for longer than `retention_secs` at `now` (Unix seconds); on SQLite the
    /// deleted rows are then scrubbed from the files as `forget_user` does.
    pub async fn purge_expired(&self, now: i64, retention_secs: i64) -> anyhow::Result<Purged> {
        let cutoff = now - retention_secs;
        let mut counts = [0u64; 6];
        for (count, (table, column)) in counts.iter_mut().zip(PURGES) {
            let sql = format!("DELETE FROM {table} WHERE {column} < $1");
            *count = with_pool!(self, |pool| {
                sqlx::query(&sql)
                    .bind(cutoff)
                    .execute(pool)
                    .await?
                    .rows_affected()
            });
        }
        let [dialogues, appointments, watches, intents, logins, demo_bookings] = counts;
        let purged = Purged {
            dialogues,
            appointments,
            watches,
            intents,
            logins,
            demo_bookings,
        };
        if purged.total() > 0 {
            self.scrub_deleted().await?;
        }
        Ok(purged)
    }
}
