//! The data key's guard and its rotation (issue 13).
//!
//! A sealed check value in `store_meta` opens only with the key the data was sealed with, so start-up can
//! refuse a lost, replaced or mistyped key ([`Store::verify_data_key`]) instead of writing new data under
//! a key that cannot read the old. [`Store::rotate_key`] re-seals every sealed value under a new key in
//! one transaction. The key file beside a SQLite database is never made anew for a database that exists,
//! and is refused when others may read it ([`DataKey::for_sqlite`]).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use sqlx::Row;

use super::crypto::{write_private, Aad, Crypto, DataKey};
use super::metadata::{lookup_of, LOOKUPS};
use super::{set_list, with_pool, Store};

const CHECK_NAME: &str = "key_check";
const CHECK_VALUE: &[u8] = b"kvrachu-bot data key";

/// Every sealed column: its table, the column whose text is the row part of the seal, the sealed columns.
pub(crate) const SEALED: &[(&str, &str, &[&str])] = &[
    ("dialogues", "chat_id", &["state"]),
    (
        "esia_links",
        "user_id",
        &[
            "full_name",
            "oid",
            "birth_date",
            "policy",
            "insurer",
            "attachment",
            "kids",
            "refresh_token",
        ],
    ),
    ("children", "id", &["full_name", "birth_date", "policy"]),
    (
        "self_details",
        "user_id",
        &["full_name", "birth_date", "policy"],
    ),
    ("appointments", "id", &["details", "ids"]),
    ("booking_intents", "id", &["details", "ids"]),
    ("registry_patients", "id", &["ids"]),
    (
        "slot_watches",
        "id",
        &["labels", "ids", "seen", "slot_window", "skipped"],
    ),
    ("esia_pending_links", "user_id", &["sealed"]),
    (
        "demo_bookings",
        "id",
        &["patient_full_name", "patient_birth_date"],
    ),
    ("store_meta", "name", &["value"]),
];

/// The SQLite database file a `sqlite://…` URL names (`None` for memory databases and other URLs).
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path.starts_with(":memory:") {
        return None;
    }
    Some(PathBuf::from(path))
}

/// Where a key rotation keeps the new key until the database is re-sealed under it: `kvrachu.key.new`.
pub fn pending_key_path(key: &Path) -> PathBuf {
    let mut name = key.as_os_str().to_owned();
    name.push(".new");
    PathBuf::from(name)
}

impl DataKey {
    /// The key of the SQLite database at `db`, from the key file `key`: created (mode 0600) only when
    /// the database does not exist yet. A missing key beside an existing database, a key file others may
    /// read, or an unfinished rotation stop start-up with one line.
    pub fn for_sqlite(key: &Path, db: &Path) -> anyhow::Result<DataKey> {
        let pending = pending_key_path(key);
        if pending.exists() {
            bail!(
                "{}: a key rotation was interrupted; run `kvrachu-bot rotate-key` again to finish it",
                pending.display()
            );
        }
        if key.exists() {
            return DataKey::load_existing(key);
        }
        let db_has_data = std::fs::metadata(db).map(|m| m.len() > 0).unwrap_or(false);
        if db_has_data {
            bail!(
                "{}: missing beside the existing database {}, whose personal data only that key opens; \
                 restore the key file (or set DATA_KEY to it): a new key is never made for an existing database",
                key.display(),
                db.display()
            );
        }
        DataKey::load_or_create(key)
    }

    /// Reads an existing key file, refusing one that the group or others may read.
    pub fn load_existing(path: &Path) -> anyhow::Result<DataKey> {
        check_private(path)?;
        let raw = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        DataKey::from_base64(&raw)
            .map_err(|problem| anyhow::anyhow!("{}: {problem}", path.display()))
    }

    /// Writes a new key file (mode 0600); fails if the file exists.
    pub fn write_new(&self, path: &Path) -> anyhow::Result<()> {
        write_private(path, self.to_base64().as_bytes())
            .with_context(|| format!("cannot create the data key file {}", path.display()))
    }
}

/// Refuses a personal-data file that the group or others may read or write.
#[cfg(unix)]
pub(crate) fn check_private(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        bail!(
            "{}: readable by others (mode {:o}); the data key must be private: chmod 600 {}",
            path.display(),
            mode & 0o777,
            path.display()
        );
    }
    Ok(())
}

#[cfg(not(unix))]
pub(crate) fn check_private(_path: &Path) -> anyhow::Result<()> {
    Ok(())
}

/// Makes the SQLite database file (mode 0600) before SQLite does, so that it and its `-wal` and `-shm`
/// files (which SQLite creates with the database's mode) are the owner's only; narrows existing ones.
#[cfg(unix)]
pub(crate) fn prepare_private_sqlite(db: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(db)
        .with_context(|| format!("cannot create the SQLite database {}", db.display()))?;
    let mut paths = vec![db.to_path_buf()];
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        paths.push(PathBuf::from(name));
    }
    for path in paths.iter().filter(|p| p.exists()) {
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700))
                .with_context(|| format!("cannot make {} private", path.display()))?;
        }
    }
    Ok(())
}

#[cfg(not(unix))]
pub(crate) fn prepare_private_sqlite(_db: &Path) -> anyhow::Result<()> {
    Ok(())
}

fn check_aad() -> Aad<'static> {
    Aad::new("store_meta", "value", CHECK_NAME)
}

impl Store {
    /// Checks that the store's key opens this database's sealed data, and records the check value on
    /// first use. A database sealed before the check existed is checked on one sealed value of each table.
    pub async fn verify_data_key(&self) -> anyhow::Result<()> {
        let stored: Option<Vec<u8>> = with_pool!(self, |pool| {
            sqlx::query_scalar("SELECT value FROM store_meta WHERE name = $1")
                .bind(CHECK_NAME)
                .fetch_optional(pool)
                .await?
        });
        let refused = || {
            anyhow::anyhow!(
                "the data key (DATA_KEY or the key file) does not open this database's personal data; \
                 start with the key it was made with"
            )
        };
        if let Some(sealed) = stored {
            return match self.crypto.open(check_aad(), &sealed) {
                Ok(_) => Ok(()),
                Err(_) => Err(refused()),
            };
        }
        for (table, row_column, columns) in SEALED {
            let column = columns[0];
            let sql = format!(
                "SELECT CAST({row_column} AS TEXT), {column} FROM {table} WHERE {column} IS NOT NULL LIMIT 1"
            );
            let sample: Option<(String, Vec<u8>)> = with_pool!(self, |pool| {
                sqlx::query(&sql)
                    .fetch_optional(pool)
                    .await?
                    .map(|row| (row.get(0), row.get(1)))
            });
            if let Some((row, sealed)) = sample {
                if self
                    .crypto
                    .open(Aad::new(table, column, &row), &sealed)
                    .is_err()
                {
                    return Err(refused());
                }
            }
        }
        let sealed = self.crypto.seal(check_aad(), CHECK_VALUE);
        with_pool!(self, |pool| {
            sqlx::query("INSERT INTO store_meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                .bind(CHECK_NAME)
                .bind(&sealed)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Whether `key` opens this database's check value (to finish an interrupted rotation).
    pub async fn key_opens(&self, key: &DataKey) -> anyhow::Result<bool> {
        let stored: Option<Vec<u8>> = with_pool!(self, |pool| {
            sqlx::query_scalar("SELECT value FROM store_meta WHERE name = $1")
                .bind(CHECK_NAME)
                .fetch_optional(pool)
                .await?
        });
        Ok(stored.is_some_and(|sealed| Crypto::new(key).open(check_aad(), &sealed).is_ok()))
    }

    /// Re-seals every sealed value under `new`, and recomputes every lookup value from the ids it stands
    /// for, in one transaction: all of them or none. Returns how many values were re-sealed. The bot must
    /// not run meanwhile (on PostgreSQL the tables are locked).
    pub async fn rotate_key(&self, new: &DataKey) -> anyhow::Result<u64> {
        self.verify_data_key().await?;
        let new = Crypto::new(new);
        let old = &self.crypto;
        let mut count = 0u64;
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            if self.backend_name() == "postgres" {
                let tables: Vec<&str> = SEALED.iter().map(|(table, _, _)| *table).collect();
                let lock = format!("LOCK TABLE {} IN EXCLUSIVE MODE", tables.join(", "));
                sqlx::query(&lock).execute(&mut *tx).await?;
            }
            for (table, row_column, columns) in SEALED {
                let (select, update) = reseal_statements(table, row_column, columns);
                for row in sqlx::query(&select).fetch_all(&mut *tx).await? {
                    let id: String = row.get(0);
                    let mut query = sqlx::query(&update).bind(id.clone());
                    for (i, column) in columns.iter().enumerate() {
                        let sealed: Option<Vec<u8>> = row.get(i + 1);
                        let aad = Aad::new(table, column, &id);
                        let resealed = sealed.map(|s| reseal(old, &new, aad, &s)).transpose()?;
                        count += u64::from(resealed.is_some());
                        query = query.bind(resealed);
                    }
                    query.execute(&mut *tx).await?;
                }
            }
            // The lookups follow the key: computed again from the ids just re-sealed.
            for lookup in LOOKUPS {
                let (select, update) = lookup_statements(lookup);
                for row in sqlx::query(&select).fetch_all(&mut *tx).await? {
                    let id: i64 = row.get(0);
                    let Some(sealed) = row.get::<Option<Vec<u8>>, _>(3) else {
                        continue;
                    };
                    let owner = (row.get(1), row.get(2));
                    let value = recomputed_lookup(&new, lookup, id, owner, &sealed)?;
                    sqlx::query(&update)
                        .bind(id)
                        .bind(value)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            tx.commit().await?;
        });
        Ok(count)
    }
}

/// The statements that re-seal `table`: the SELECT of every row (its row text, then `columns`) and the
/// UPDATE of one row (`$1` the row text, then the columns in order).
fn reseal_statements(table: &str, row_column: &str, columns: &[&str]) -> (String, String) {
    let select = format!(
        "SELECT CAST({row_column} AS TEXT), {} FROM {table}",
        columns.join(", ")
    );
    let update = format!(
        "UPDATE {table} SET {} WHERE CAST({row_column} AS TEXT) = $1",
        set_list(columns.iter().copied())
    );
    (select, update)
}

/// A value sealed under `old` sealed again under `new`, bound to the same place.
fn reseal(old: &Crypto, new: &Crypto, aad: Aad<'_>, sealed: &[u8]) -> anyhow::Result<Vec<u8>> {
    let plain = old.open(aad, sealed).map_err(|_| {
        anyhow::anyhow!(
            "{}.{}: a value does not open with the current key",
            aad.table,
            aad.column
        )
    })?;
    Ok(new.seal(aad, &plain))
}

/// A lookup of [`LOOKUPS`]: its table, row column, sealed column and lookup column.
type Lookup = (&'static str, &'static str, &'static str, &'static str);

/// The statements that recompute a lookup column: the SELECT of every row (row id, user, person, sealed
/// ids) and the UPDATE of one row's lookup.
fn lookup_statements(
    &(table, row_column, sealed_column, lookup_column): &Lookup,
) -> (String, String) {
    let person = if table == "registry_patients" {
        "person"
    } else {
        "CAST(0 AS BIGINT)"
    };
    let select = format!("SELECT {row_column}, user_id, {person}, {sealed_column} FROM {table}");
    let update = format!("UPDATE {table} SET {lookup_column} = $2 WHERE {row_column} = $1");
    (select, update)
}

/// The lookup value of row `id` (of user and person `owner`) from its ids re-sealed under `new`.
fn recomputed_lookup(
    new: &Crypto,
    &(table, _, sealed_column, _): &Lookup,
    id: i64,
    (user_id, person): (i64, i64),
    sealed: &[u8],
) -> anyhow::Result<Vec<u8>> {
    let row = id.to_string();
    let plain = new
        .open(Aad::new(table, sealed_column, &row), sealed)
        .map_err(|_| anyhow::anyhow!("{table}.{sealed_column}: a re-sealed value does not open"))?;
    lookup_of(new, table, user_id, person, &plain)
}
