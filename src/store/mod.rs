//! The store: one API over SQLite (embedded default) and PostgreSQL (several instances).
//!
//! Queries are written once with `$n` placeholders, which both backends accept, and run against whichever
//! pool the URL chose (`with_pool!`). Instants are Unix seconds bound from Rust, so "now" never depends on a
//! database clock or on how a driver formats timestamps. Personal fields are sealed with [`crypto::Crypto`].

pub mod appointments;
mod booking;
mod children;
pub mod crypto;
pub mod demo_registry;
pub mod dialogue;
mod esia;
mod esia_binding;
pub mod intents;
mod keys;
mod metadata;
mod metrics;
mod recent;
mod retention;
mod self_details;
mod users;
mod watches;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

pub use appointments::{
    Appointment, AppointmentDetails, AppointmentSource, AppointmentStatus, ClaimedReminder,
    NewAppointment, Reminder, ReminderSettings, ReminderStatus, ReminderWaker,
};
pub use booking::KnownPatient;
pub use children::{ActivePerson, Child, ChildDetails};
pub use crypto::{Aad, Crypto, DataKey};
pub use demo_registry::{DemoBooking, DemoListed};
pub use esia::EsiaLogin;
pub use esia_binding::{LoginAttempt, LoginBinding};
pub use intents::{Intent, NewIntent, INTENT_GRACE_SECS};
pub use keys::{pending_key_path, sqlite_path};
pub use metrics::{Metrics, OVERDUE_SECS};
pub use recent::RecentDoctor;
pub use retention::Purged;
pub use self_details::SelfDetails;
pub use users::{Lang, UserRecord};
pub use watches::{AddWatch, NewWatch, Watch, WatchLabels, MAX_WATCHES, WATCH_TTL_SECS};

#[derive(Clone, Debug)]
enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Clone, Debug)]
pub struct Store {
    backend: Backend,
    crypto: Crypto,
    /// Rung whenever reminders change, so this process's reminder worker wakes up.
    reminder_waker: ReminderWaker,
}

/// Runs the same query code against whichever pool the store has. The body is compiled once per backend,
/// so it must use only what both support: `$n` placeholders, `ON CONFLICT … DO UPDATE`, `RETURNING`.
macro_rules! with_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.backend {
            $crate::store::Backend::Sqlite($pool) => $body,
            $crate::store::Backend::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

/// Seconds since the Unix epoch, the one way instants are stored.
pub fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

impl Store {
    /// Connects to `url` (`sqlite://…` or `postgres://…`), applies the migrations and seals what a
    /// database older than migration 0012 kept in clear ([`Store::seal_metadata`]).
    pub async fn connect(url: &str, key: &DataKey) -> anyhow::Result<Store> {
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options =
                PgConnectOptions::from_str(url).context("DATABASE_URL: not a PostgreSQL URL")?;
            let pool = PgPoolOptions::new()
                .max_connections(10)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .context("cannot connect to PostgreSQL (DATABASE_URL)")?;
            sqlx::migrate!("migrations/postgres")
                .run(&pool)
                .await
                .context("cannot migrate the PostgreSQL database")?;
            Backend::Postgres(pool)
        } else {
            if let Some(path) = sqlite_path(url) {
                keys::prepare_private_sqlite(&path)?;
            }
            let options = SqliteConnectOptions::from_str(url)
                .context("DATABASE_URL: not a SQLite URL")?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                // Deleted rows are overwritten with zeros, not left in free pages (see forget_user).
                .pragma("secure_delete", "ON")
                .busy_timeout(Duration::from_secs(10));
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .context("cannot open the SQLite database (DATABASE_URL)")?;
            sqlx::migrate!("migrations/sqlite")
                .run(&pool)
                .await
                .context("cannot migrate the SQLite database")?;
            Backend::Sqlite(pool)
        };
        let store = Store {
            backend,
            crypto: Crypto::new(key),
            reminder_waker: ReminderWaker::default(),
        };
        // Rows of a database older than migration 0012 get their ids sealed (once; checks the key first).
        if let Err(err) = store.seal_metadata().await {
            store.close().await;
            return Err(err);
        }
        Ok(store)
    }

    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    pub fn crypto(&self) -> &Crypto {
        &self.crypto
    }

    /// Answers whether the database responds, for `/healthz`.
    pub async fn ping(&self) -> anyhow::Result<()> {
        with_pool!(self, |pool| {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    pub async fn close(&self) {
        with_pool!(self, |pool| pool.close().await)
    }
}

/// The key file that sits beside a SQLite database: `kvrachu.db` → `kvrachu.key`.
pub fn key_path_for_sqlite(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path.starts_with(":memory:") {
        return None;
    }
    let db = Path::new(path);
    let dir = db
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let stem = db.file_stem()?.to_string_lossy();
    Some(dir.join(format!("{stem}.key")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_file_sits_beside_the_database() {
        assert_eq!(
            key_path_for_sqlite("sqlite://kvrachu.db"),
            Some(PathBuf::from("./kvrachu.key"))
        );
        assert_eq!(
            key_path_for_sqlite("sqlite:///var/lib/bot/data.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/bot/data.key"))
        );
        assert_eq!(key_path_for_sqlite("sqlite::memory:"), None);
        assert_eq!(key_path_for_sqlite("postgres://x"), None);
    }
}
