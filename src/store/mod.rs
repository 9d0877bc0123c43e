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
use sqlx::postgres::{PgConnectOptions, PgRow};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteRow, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Row, Sqlite, SqlitePool};

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
pub use watches::{
    AddWatch, NewWatch, Watch, WatchChecked, WatchLabels, WatchPlan, WatchStatus,
    BOOKING_LEASE_SECS, MAX_WATCHES, WATCH_TTL_SECS,
};

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

/// The two functions between an enum and the text a column stores it as: `$code` gives a value's text,
/// `$from_code` reads one back (an unknown text is an error naming `$column`). Each code is written
/// once, so the two directions cannot drift apart.
macro_rules! text_codes {
    ($vis:vis $ty:ty, $column:literal, $code:ident, $from_code:ident,
     { $($variant:path => $text:literal),+ $(,)? }) => {
        $vis fn $code(value: $ty) -> &'static str {
            match value {
                $($variant => $text,)+
            }
        }

        $vis fn $from_code(text: &str) -> anyhow::Result<$ty> {
            match text {
                $($text => Ok($variant),)+
                other => anyhow::bail!(concat!($column, " holds an unknown code {:?}"), other),
            }
        }
    };
}
pub(crate) use text_codes;

/// A column type both backends decode.
pub(crate) trait Column:
    for<'r> sqlx::Decode<'r, Sqlite>
    + sqlx::Type<Sqlite>
    + for<'r> sqlx::Decode<'r, Postgres>
    + sqlx::Type<Postgres>
{
}

impl<T> Column for T where
    T: for<'r> sqlx::Decode<'r, Sqlite>
        + sqlx::Type<Sqlite>
        + for<'r> sqlx::Decode<'r, Postgres>
        + sqlx::Type<Postgres>
{
}

/// A row of either backend, read by column index: the one row→struct mapping serves both.
pub(crate) trait StoreRow {
    /// The value of column `index`; panics, like [`sqlx::Row::get`], on a query that does not match.
    fn col<T: Column>(&self, index: usize) -> T;
}

impl StoreRow for SqliteRow {
    fn col<T: Column>(&self, index: usize) -> T {
        self.get(index)
    }
}

impl StoreRow for PgRow {
    fn col<T: Column>(&self, index: usize) -> T {
        self.get(index)
    }
}

/// A value read from a row of either backend by column index.
pub(crate) trait FromRow: Sized {
    fn from_row(row: &impl StoreRow) -> Self;
}

/// `sql` with `ids` bound to `$1, $2, …`.
fn with_ids<'q, DB: sqlx::Database>(
    sql: &'q str,
    ids: &[i64],
) -> sqlx::query::Query<'q, DB, DB::Arguments<'q>>
where
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    ids.iter()
        .fold(sqlx::query(sql), |query, &id| query.bind(id))
}

impl Store {
    /// The row `sql` selects by key with `ids` bound to `$1, $2, …`, read as `T`; `None` when there is
    /// none. For queries that select at most one row.
    pub(crate) async fn fetch_opt_as<T: FromRow>(
        &self,
        sql: &str,
        ids: &[i64],
    ) -> anyhow::Result<Option<T>> {
        Ok(self.fetch_all_as(sql, ids).await?.into_iter().next())
    }

    /// Every row `sql` selects with `ids` bound to `$1, $2, …`, read as `T`.
    pub(crate) async fn fetch_all_as<T: FromRow>(
        &self,
        sql: &str,
        ids: &[i64],
    ) -> anyhow::Result<Vec<T>> {
        let rows = with_pool!(self, |pool| with_ids(sql, ids)
            .fetch_all(pool)
            .await?
            .iter()
            .map(T::from_row)
            .collect());
        Ok(rows)
    }

    /// Runs `sql` with `ids` bound to `$1, $2, …`; how many rows it changed.
    pub(crate) async fn execute_ids(&self, sql: &str, ids: &[i64]) -> anyhow::Result<u64> {
        let changed = with_pool!(self, |pool| with_ids(sql, ids)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(changed)
    }

    /// Runs `sql` with `ids` bound to `$1, $2, …`; whether it changed exactly one row.
    pub(crate) async fn changed_one(&self, sql: &str, ids: &[i64]) -> anyhow::Result<bool> {
        Ok(self.execute_ids(sql, ids).await? == 1)
    }
}

/// Seconds since the Unix epoch, the one way instants are stored.
pub fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

impl Store {
    /// Connects to `url` (`sqlite://…` or `postgres://…`), applies the migrations and seals what a
    /// database older than migration 0012 kept in clear ([`Store::seal_metadata`]).
    pub async fn connect(url: &str, key: &DataKey) -> anyhow::Result<Store> {
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres(open_postgres(url).await?)
        } else {
            Backend::Sqlite(open_sqlite(url).await?)
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

    /// `clause` on PostgreSQL, nothing on SQLite: for the row locks only PostgreSQL needs (SQLite runs
    /// one writer at a time).
    fn on_postgres(&self, clause: &'static str) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "",
            Backend::Postgres(_) => clause,
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

/// How long a caller waits for a pooled connection, and SQLite for a lock, before giving up.
const WAIT: Duration = Duration::from_secs(10);

/// The PostgreSQL pool of `url`, migrated.
async fn open_postgres(url: &str) -> anyhow::Result<PgPool> {
    let options = PgConnectOptions::from_str(url).context("DATABASE_URL: not a PostgreSQL URL")?;
    open_pool(
        options,
        10,
        &sqlx::migrate!("migrations/postgres"),
        "PostgreSQL",
    )
    .await
}

/// The SQLite pool of `url` (its file made private first), migrated.
async fn open_sqlite(url: &str) -> anyhow::Result<SqlitePool> {
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
        .busy_timeout(WAIT);
    open_pool(options, 4, &sqlx::migrate!("migrations/sqlite"), "SQLite").await
}

/// A pool of at most `max` connections with `options`, migrated by `migrator`; `what` names the
/// database in errors.
async fn open_pool<DB: sqlx::Database>(
    options: <DB::Connection as sqlx::Connection>::Options,
    max: u32,
    migrator: &sqlx::migrate::Migrator,
    what: &str,
) -> anyhow::Result<sqlx::Pool<DB>>
where
    DB::Connection: sqlx::migrate::Migrate,
{
    let pool = sqlx::pool::PoolOptions::<DB>::new()
        .max_connections(max)
        .acquire_timeout(WAIT)
        .connect_with(options)
        .await
        .with_context(|| format!("cannot open the {what} database (DATABASE_URL)"))?;
    migrator
        .run(&pool)
        .await
        .with_context(|| format!("cannot migrate the {what} database"))?;
    Ok(pool)
}

/// `column = $2, column = $3, …`: the SET list of an UPDATE whose `$1` names the row.
pub(crate) fn set_list<'a>(columns: impl IntoIterator<Item = &'a str>) -> String {
    columns
        .into_iter()
        .enumerate()
        .map(|(i, column)| format!("{column} = ${}", i + 2))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The key file that sits beside a SQLite database: `kvrachu.db` → `kvrachu.key`.
pub fn key_path_for_sqlite(url: &str) -> Option<PathBuf> {
    let db = sqlite_path(url)?;
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
