//! Sealed metadata (issue 13, item 4): which clinic, patient record, doctor and slot a visit, a booking in
//! flight, a known clinic or a slot watch names, and the Gosuslugi person id, say something of a person's
//! health or identity, so they are sealed like the other personal values (bound to table, column and row).
//!
//! Where a query or a uniqueness rule needs equality on them (a watch of this doctor, the visit with this
//! registry id, the intent for this slot, the person linked elsewhere), a keyed lookup value stands in
//! ([`Crypto::lookup`]): HMAC-SHA256 under a subkey of the data key, scoped per user except for the person
//! id, which is looked up across users. Key rotation re-seals the ids and recomputes the lookups
//! ([`LOOKUPS`]). Databases made before this release are converted once at start-up
//! ([`Store::seal_metadata`]): migration 0012 moved their clear values to `metadata_to_seal`.

use anyhow::Context;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{set_list, with_pool, Aad, Crypto, Store, StoreRow};

/// The `store_meta` row that says the conversion of migration 0012's rows is done.
const CONVERTED: &str = "metadata_sealed";

/// The registry's ids of a visit: `appointments.ids`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct VisitIds {
    pub lpu_id: i64,
    pub patient_id: String,
    /// The registry's id when `registry_id_known`, otherwise a placeholder naming the slot.
    pub registry_id: String,
    #[serde(default)]
    pub doctor_id: Option<String>,
    #[serde(default)]
    pub slot_id: Option<String>,
}

/// The ids of a booking in flight, and the slot's start: `booking_intents.ids`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct BookingIds {
    pub lpu_id: i64,
    pub patient_id: String,
    pub doctor_id: String,
    pub slot_id: String,
    pub visit_at: i64,
}

/// A clinic a person was found in: `registry_patients.ids`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PatientIds {
    pub lpu_id: i64,
    pub patient_id: String,
}

/// What a watch waits for: `slot_watches.ids` (`doctor_id` empty for any doctor of the specialty).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct WatchIds {
    pub lpu_id: i64,
    pub specialty_id: String,
    pub doctor_id: String,
}

/// Ids sealed in a table's `ids` column, from which its lookup column is computed.
trait LookupIds: Serialize + DeserializeOwned {
    /// The table, and its lookup column.
    const TABLE: &'static str;
    const COLUMN: &'static str;
    /// The lookup value of a row of user `user_id` holding these ids (`person`: 0 for the user, else
    /// the child's id; only a clinic's patients are told apart by it).
    fn lookup(&self, crypto: &Crypto, user_id: i64, person: i64) -> Vec<u8>;
}

impl LookupIds for VisitIds {
    const TABLE: &'static str = "appointments";
    const COLUMN: &'static str = "registry_key";
    fn lookup(&self, crypto: &Crypto, user_id: i64, _person: i64) -> Vec<u8> {
        visit_key(crypto, user_id, self.lpu_id, &self.registry_id)
    }
}

impl LookupIds for BookingIds {
    const TABLE: &'static str = "booking_intents";
    const COLUMN: &'static str = "slot_key";
    fn lookup(&self, crypto: &Crypto, user_id: i64, _person: i64) -> Vec<u8> {
        slot_key(crypto, user_id, self.lpu_id, &self.slot_id)
    }
}

impl LookupIds for PatientIds {
    const TABLE: &'static str = "registry_patients";
    const COLUMN: &'static str = "clinic_key";
    fn lookup(&self, crypto: &Crypto, user_id: i64, person: i64) -> Vec<u8> {
        clinic_key(crypto, user_id, person, self.lpu_id)
    }
}

impl LookupIds for WatchIds {
    const TABLE: &'static str = "slot_watches";
    const COLUMN: &'static str = "watch_key";
    fn lookup(&self, crypto: &Crypto, user_id: i64, _person: i64) -> Vec<u8> {
        watch_key(crypto, user_id, self)
    }
}

/// `appointments.registry_key`: the user's visit at a clinic under a registry id (or placeholder).
pub(crate) fn visit_key(crypto: &Crypto, user_id: i64, lpu_id: i64, registry_id: &str) -> Vec<u8> {
    crypto.lookup(
        "appointments.registry_key",
        Some(user_id),
        &[&lpu_id.to_string(), registry_id],
    )
}

/// `booking_intents.slot_key`: the user's booking of a clinic's slot.
pub(crate) fn slot_key(crypto: &Crypto, user_id: i64, lpu_id: i64, slot_id: &str) -> Vec<u8> {
    crypto.lookup(
        "booking_intents.slot_key",
        Some(user_id),
        &[&lpu_id.to_string(), slot_id],
    )
}

/// `registry_patients.clinic_key`: a person of the user (0 for the user) at a clinic.
pub(crate) fn clinic_key(crypto: &Crypto, user_id: i64, person: i64, lpu_id: i64) -> Vec<u8> {
    crypto.lookup(
        "registry_patients.clinic_key",
        Some(user_id),
        &[&person.to_string(), &lpu_id.to_string()],
    )
}

/// `slot_watches.watch_key`: the user's watch of a doctor (or specialty) at a clinic.
pub(crate) fn watch_key(crypto: &Crypto, user_id: i64, ids: &WatchIds) -> Vec<u8> {
    crypto.lookup(
        "slot_watches.watch_key",
        Some(user_id),
        &[&ids.lpu_id.to_string(), &ids.specialty_id, &ids.doctor_id],
    )
}

/// `esia_links.oid_key`: the Gosuslugi person, whichever user they are linked to.
pub(crate) fn oid_key(crypto: &Crypto, oid: &str) -> Vec<u8> {
    crypto.lookup("esia_links.oid_key", None, &[oid])
}

/// Every lookup column: its table, the row column, the sealed column it is computed from, the column.
pub(crate) const LOOKUPS: &[(&str, &str, &str, &str)] = &[
    ("appointments", "id", "ids", "registry_key"),
    ("booking_intents", "id", "ids", "slot_key"),
    ("registry_patients", "id", "ids", "clinic_key"),
    ("slot_watches", "id", "ids", "watch_key"),
    ("esia_links", "user_id", "oid", "oid_key"),
];

/// The lookup value of a row of `table` whose sealed column (of [`LOOKUPS`]) opened to `plain`.
pub(crate) fn lookup_of(
    crypto: &Crypto,
    table: &str,
    user_id: i64,
    person: i64,
    plain: &[u8],
) -> anyhow::Result<Vec<u8>> {
    match table {
        "appointments" => lookup_from::<VisitIds>(crypto, user_id, person, plain),
        "booking_intents" => lookup_from::<BookingIds>(crypto, user_id, person, plain),
        "registry_patients" => lookup_from::<PatientIds>(crypto, user_id, person, plain),
        "slot_watches" => lookup_from::<WatchIds>(crypto, user_id, person, plain),
        "esia_links" => {
            let oid = std::str::from_utf8(plain)
                .with_context(|| format!("{table}: a sealed value does not decode"))?;
            Ok(oid_key(crypto, oid))
        }
        other => anyhow::bail!("{other}: no lookup column"),
    }
}

/// The lookup value of a row of `T`'s table whose sealed ids opened to `plain`.
fn lookup_from<T: LookupIds>(
    crypto: &Crypto,
    user_id: i64,
    person: i64,
    plain: &[u8],
) -> anyhow::Result<Vec<u8>> {
    let ids: T = serde_json::from_slice(plain)
        .with_context(|| format!("{}: a sealed value does not decode", T::TABLE))?;
    Ok(ids.lookup(crypto, user_id, person))
}

/// A column to set, and its value.
type SetColumn = (&'static str, Vec<u8>);

/// A row of `metadata_to_seal`: the clear values migration 0012 took out of one row.
struct Staged {
    table: String,
    row_id: i64,
    user_id: i64,
    lpu_id: Option<i64>,
    patient_id: Option<String>,
    registry_id: Option<String>,
    doctor_id: Option<String>,
    slot_id: Option<String>,
    specialty_id: Option<String>,
    visit_at: Option<i64>,
    person: Option<i64>,
    seen: Option<String>,
    oid: Option<String>,
}

impl Staged {
    /// The row column of the table, and the values to set: sealed ids and their lookup.
    fn sealed(self, crypto: &Crypto) -> anyhow::Result<(&'static str, Vec<SetColumn>)> {
        let row = self.row_id.to_string();
        if self.table == "esia_links" {
            let oid = self.oid.unwrap_or_default();
            let sealed = crypto.seal(Aad::new("esia_links", "oid", &row), oid.as_bytes());
            let values = vec![("oid", sealed), ("oid_key", oid_key(crypto, &oid))];
            return Ok(("user_id", values));
        }
        let (table, ids, lookup) = self.ids_and_lookup(crypto)?;
        let mut values = vec![
            ("ids", crypto.seal(Aad::new(table, "ids", &row), &ids)),
            lookup,
        ];
        if table == "slot_watches" {
            let seen = self.seen.as_deref().unwrap_or("[]");
            let seen = crypto.seal(Aad::new(table, "seen", &row), seen.as_bytes());
            values.push(("seen", seen));
        }
        Ok(("id", values))
    }

    /// For a table whose rows are named by `id`: its name, the ids it seals (as JSON), and its lookup
    /// column with the value computed from them.
    fn ids_and_lookup(
        &self,
        crypto: &Crypto,
    ) -> anyhow::Result<(&'static str, Vec<u8>, SetColumn)> {
        let lpu_id = self.lpu_id.unwrap_or_default();
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        match self.table.as_str() {
            "appointments" => self.sealed_ids(
                VisitIds {
                    lpu_id,
                    patient_id: text(&self.patient_id),
                    registry_id: text(&self.registry_id),
                    doctor_id: self.doctor_id.clone(),
                    slot_id: self.slot_id.clone(),
                },
                crypto,
            ),
            "booking_intents" => self.sealed_ids(
                BookingIds {
                    lpu_id,
                    patient_id: text(&self.patient_id),
                    doctor_id: text(&self.doctor_id),
                    slot_id: text(&self.slot_id),
                    visit_at: self.visit_at.unwrap_or_default(),
                },
                crypto,
            ),
            "registry_patients" => self.sealed_ids(
                PatientIds {
                    lpu_id,
                    patient_id: text(&self.patient_id),
                },
                crypto,
            ),
            "slot_watches" => self.sealed_ids(
                WatchIds {
                    lpu_id,
                    specialty_id: text(&self.specialty_id),
                    doctor_id: text(&self.doctor_id),
                },
                crypto,
            ),
            other => anyhow::bail!("metadata_to_seal: unknown table {other}"),
        }
    }

    /// `ids`' table, `ids` as JSON, and the lookup column with its value for this row.
    fn sealed_ids<T: LookupIds>(
        &self,
        ids: T,
        crypto: &Crypto,
    ) -> anyhow::Result<(&'static str, Vec<u8>, SetColumn)> {
        let person = self.person.unwrap_or_default();
        let key = ids.lookup(crypto, self.user_id, person);
        Ok((T::TABLE, serde_json::to_vec(&ids)?, (T::COLUMN, key)))
    }

    /// The UPDATE that puts the sealed values into the row (`$1` the row, then the values in order).
    fn update(self, crypto: &Crypto) -> anyhow::Result<(String, i64, Vec<Vec<u8>>)> {
        let table = self.table.clone();
        let row_id = self.row_id;
        let (row_column, values) = self.sealed(crypto)?;
        let sets = set_list(values.iter().map(|(column, _)| *column));
        let sql = format!("UPDATE {table} SET {sets} WHERE {row_column} = $1");
        Ok((sql, row_id, values.into_iter().map(|(_, v)| v).collect()))
    }
}

const STAGED_COLUMNS: &str = "tbl, row_id, user_id, lpu_id, patient_id, registry_id, doctor_id, \
     slot_id, specialty_id, visit_at, person, seen, oid";

fn staged_from_row(row: &impl StoreRow) -> Staged {
    Staged {
        table: row.col(0),
        row_id: row.col(1),
        user_id: row.col(2),
        lpu_id: row.col(3),
        patient_id: row.col(4),
        registry_id: row.col(5),
        doctor_id: row.col(6),
        slot_id: row.col(7),
        specialty_id: row.col(8),
        visit_at: row.col(9),
        person: row.col(10),
        seen: row.col(11),
        oid: row.col(12),
    }
}

impl Store {
    /// Seals `value` as JSON into `table.column` of row `row`.
    pub(crate) fn seal_json<T: Serialize>(
        &self,
        table: &str,
        column: &str,
        row: i64,
        value: &T,
    ) -> anyhow::Result<Vec<u8>> {
        let json =
            serde_json::to_vec(value).with_context(|| format!("cannot encode {table}.{column}"))?;
        Ok(self
            .crypto()
            .seal(Aad::new(table, column, &row.to_string()), &json))
    }

    /// Opens the JSON sealed in `table.column` of row `row`. Errors name the column and the row only.
    pub(crate) fn open_json<T: DeserializeOwned>(
        &self,
        table: &str,
        column: &str,
        row: i64,
        sealed: Option<&[u8]>,
    ) -> anyhow::Result<T> {
        let sealed =
            sealed.with_context(|| format!("{table}.{column} of row {row} is not sealed yet"))?;
        let plain = self
            .crypto()
            .open(Aad::new(table, column, &row.to_string()), sealed)
            .map_err(|err| anyhow::anyhow!("{table}.{column} of row {row}: {err}"))?;
        serde_json::from_slice(&plain)
            .with_context(|| format!("{table}.{column} of row {row} does not decode"))
    }

    /// Seals the clear values migration 0012 set aside (`metadata_to_seal`) into their rows, computes their
    /// lookups and drops that table: once, in one transaction, after checking the data key (so nothing is
    /// sealed under a wrong one). Marked done in `store_meta`; two instances starting at once convert once
    /// (the second waits on the mark, then finds it). Run by [`Store::connect`] after the migrations.
    pub(crate) async fn seal_metadata(&self) -> anyhow::Result<()> {
        if self.metadata_sealed().await? {
            return Ok(());
        }
        self.verify_data_key().await?;
        let mark = self
            .crypto()
            .seal(Aad::new("store_meta", "value", CONVERTED), b"done");
        let converted = with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            let first = sqlx::query(
                "INSERT INTO store_meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            )
            .bind(CONVERTED)
            .bind(&mark)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if !first {
                return Ok(());
            }
            let staged: Vec<Staged> =
                sqlx::query(&format!("SELECT {STAGED_COLUMNS} FROM metadata_to_seal"))
                    .fetch_all(&mut *tx)
                    .await?
                    .iter()
                    .map(staged_from_row)
                    .collect();
            let count = staged.len();
            for staged in staged {
                let (sql, row_id, values) = staged.update(self.crypto())?;
                let mut query = sqlx::query(&sql).bind(row_id);
                for value in values {
                    query = query.bind(value);
                }
                query.execute(&mut *tx).await?;
            }
            sqlx::query("DROP TABLE metadata_to_seal")
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            count
        });
        if converted > 0 {
            tracing::info!(rows = converted, "sealed the ids kept in clear before");
        }
        // The clear values are gone from the tables; on SQLite, from the files too.
        self.scrub_deleted().await
    }

    /// Whether the conversion of migration 0012's rows is marked done.
    async fn metadata_sealed(&self) -> anyhow::Result<bool> {
        let done: Option<String> = with_pool!(self, |pool| {
            sqlx::query_scalar("SELECT name FROM store_meta WHERE name = $1")
                .bind(CONVERTED)
                .fetch_optional(pool)
                .await?
        });
        Ok(done.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visit_ids_keep_their_stored_json() {
        let old = r#"{"lpu_id":204,"patient_id":"p-1","registry_id":"14643472"}"#;
        let ids: VisitIds = serde_json::from_str(old).unwrap();
        assert_eq!(
            ids,
            VisitIds {
                lpu_id: 204,
                patient_id: "p-1".into(),
                registry_id: "14643472".into(),
                doctor_id: None,
                slot_id: None,
            }
        );
        let full = VisitIds {
            doctor_id: Some("ab-17".into()),
            slot_id: Some("s-9".into()),
            ..ids
        };
        let json = r#"{"lpu_id":204,"patient_id":"p-1","registry_id":"14643472","doctor_id":"ab-17","slot_id":"s-9"}"#;
        assert_eq!(serde_json::to_string(&full).unwrap(), json);
        assert_eq!(serde_json::from_str::<VisitIds>(json).unwrap(), full);
    }
}
