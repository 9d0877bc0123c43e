//! Bookings in flight, and the clinics each person is known in.
//!
//! A booking intent is written before `/appointment/create` is called and removed once the outcome is
//! known. When the answer is lost (a timeout, a crash, a restart), the intent stays, and the registry sync
//! settles it against that clinic's `/appointments`: the visit found becomes an appointment with
//! reminders; not found after [`INTENT_GRACE_SECS`], the user is told it did not go through.

use anyhow::Context;
use rand::Rng;
use sqlx::Row;

use super::metadata::{clinic_key, slot_key, BookingIds, PatientIds};
use super::{with_pool, Aad, AppointmentDetails, Store};

const TABLE: &str = "booking_intents";

/// How long a booking whose answer was lost may be missing from the clinic's `/appointments` before it is
/// taken as not made: the registry may finish a slow create, and list it, a little later.
pub const INTENT_GRACE_SECS: i64 = 5 * 60;

/// What the bot is about to book (or booked without hearing back).
#[derive(Clone, Debug, PartialEq)]
pub struct NewIntent {
    pub user_id: i64,
    pub child_id: Option<i64>,
    pub lpu_id: i64,
    pub patient_id: String,
    pub doctor_id: String,
    pub slot_id: String,
    /// The slot's start, Unix seconds.
    pub visit_at: i64,
    pub details: AppointmentDetails,
}

/// A booking in flight as recorded: what was to be booked, under its id.
#[derive(Clone, Debug, PartialEq)]
pub struct Intent {
    pub id: i64,
    pub booking: NewIntent,
    /// When `/appointment/create` was last called for it.
    pub created_at: i64,
}

impl Intent {
    /// Whether the registry's visit (`doctor_id` when it names one, starting at `visit_at`) is this booking.
    pub fn matches(&self, doctor_id: Option<&str>, visit_at: i64) -> bool {
        let booking = &self.booking;
        crate::domain::same_visit(
            Some(&booking.doctor_id),
            booking.visit_at,
            doctor_id,
            visit_at,
        )
    }
}

impl Store {
    /// Records a booking about to be asked of the registry; the same slot booked again by the same user
    /// (a retry after a lost answer) renews the existing intent. Returns its id and whether an intent for
    /// that slot already existed (an earlier try whose answer was lost).
    pub async fn open_intent(&self, new: &NewIntent, now: i64) -> anyhow::Result<(i64, bool)> {
        self.ensure_user(new.user_id).await?;
        let lookup = slot_key(self.crypto(), new.user_id, new.lpu_id, &new.slot_id);
        let ids = BookingIds {
            lpu_id: new.lpu_id,
            patient_id: new.patient_id.clone(),
            doctor_id: new.doctor_id.clone(),
            slot_id: new.slot_id.clone(),
            visit_at: new.visit_at,
        };
        if let Some(id) = self.intent_by_slot(new.user_id, &lookup).await? {
            let details = self.seal_intent_details(id, &new.details)?;
            let sealed_ids = self.seal_json(TABLE, "ids", id, &ids)?;
            with_pool!(self, |pool| {
                sqlx::query(
                    "UPDATE booking_intents SET child_id = $2, ids = $3, details = $4, created_at = $5
                     WHERE id = $1",
                )
                .bind(id)
                .bind(new.child_id)
                .bind(&sealed_ids)
                .bind(&details)
                .bind(now)
                .execute(pool)
                .await?;
            });
            return Ok((id, true));
        }
        for _ in 0..5 {
            let id = rand::thread_rng().gen_range(1..(1i64 << 53));
            let details = self.seal_intent_details(id, &new.details)?;
            let sealed_ids = self.seal_json(TABLE, "ids", id, &ids)?;
            let inserted = with_pool!(self, |pool| {
                sqlx::query(
                    "INSERT INTO booking_intents (id, user_id, child_id, ids, slot_key, details, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)
                     ON CONFLICT DO NOTHING",
                )
                .bind(id)
                .bind(new.user_id)
                .bind(new.child_id)
                .bind(&sealed_ids)
                .bind(&lookup)
                .bind(&details)
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected()
                    == 1
            });
            if inserted {
                return Ok((id, false));
            }
            // Another tap of the same slot at once: theirs is the intent.
            if let Some(id) = self.intent_by_slot(new.user_id, &lookup).await? {
                return Ok((id, true));
            }
        }
        anyhow::bail!("cannot find a free booking intent id")
    }

    /// The id of the user's intent for the slot whose lookup is `slot_key`, if there is one.
    async fn intent_by_slot(&self, user_id: i64, slot_key: &[u8]) -> anyhow::Result<Option<i64>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT id FROM booking_intents WHERE user_id = $1 AND slot_key = $2",
            )
            .bind(user_id)
            .bind(slot_key)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// Drops an intent whose outcome is known. `false` when it was already gone (settled elsewhere).
    pub async fn close_intent(&self, user_id: i64, id: i64) -> anyhow::Result<bool> {
        let sql = "DELETE FROM booking_intents WHERE id = $1 AND user_id = $2";
        self.changed_one(sql, &[id, user_id]).await
    }

    /// The user's bookings whose outcome is not known yet, oldest first.
    pub async fn open_intents(&self, user_id: i64) -> anyhow::Result<Vec<Intent>> {
        type IntentRow = (i64, Option<i64>, i64, Vec<u8>, Option<Vec<u8>>);
        let rows: Vec<IntentRow> = with_pool!(self, |pool| {
            sqlx::query(
                "SELECT id, child_id, created_at, details, ids
                 FROM booking_intents WHERE user_id = $1 ORDER BY created_at, id",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|row| (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4)))
            .collect()
        });
        rows.into_iter()
            .map(|(id, child_id, created_at, sealed, sealed_ids)| {
                let ids: BookingIds = self.open_json(TABLE, "ids", id, sealed_ids.as_deref())?;
                let json = self
                    .crypto()
                    .open_str(Aad::new(TABLE, "details", &id.to_string()), &sealed)
                    .with_context(|| format!("cannot open booking_intents.details of {id}"))?;
                let details = serde_json::from_str(&json)
                    .with_context(|| format!("booking_intents.details of {id} does not decode"))?;
                let booking = NewIntent {
                    user_id,
                    child_id,
                    lpu_id: ids.lpu_id,
                    patient_id: ids.patient_id,
                    doctor_id: ids.doctor_id,
                    slot_id: ids.slot_id,
                    visit_at: ids.visit_at,
                    details,
                };
                Ok(Intent {
                    id,
                    booking,
                    created_at,
                })
            })
            .collect()
    }

    fn seal_intent_details(
        &self,
        id: i64,
        details: &AppointmentDetails,
    ) -> anyhow::Result<Vec<u8>> {
        let json = serde_json::to_string(details).context("cannot encode booking details")?;
        Ok(self
            .crypto()
            .seal_str(Aad::new(TABLE, "details", &id.to_string()), &json))
    }

    /// Remembers that the user (`child_id: None`) or their child was found in clinic `lpu_id` under
    /// `patient_id`, so the sync asks that clinic about their visits too.
    pub async fn remember_patient(
        &self,
        user_id: i64,
        child_id: Option<i64>,
        lpu_id: i64,
        patient_id: &str,
        now: i64,
    ) -> anyhow::Result<()> {
        self.ensure_user(user_id).await?;
        let person = child_id.unwrap_or(0);
        // A fresh row id each time: the sealed ids name the row, and an update takes the new id with them.
        let id = rand::thread_rng().gen_range(1..(1i64 << 53));
        let ids = PatientIds {
            lpu_id,
            patient_id: patient_id.to_owned(),
        };
        let ids = self.seal_json("registry_patients", "ids", id, &ids)?;
        let lookup = clinic_key(self.crypto(), user_id, person, lpu_id);
        with_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO registry_patients (id, user_id, person, ids, clinic_key, seen_at)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (user_id, clinic_key)
                 DO UPDATE SET id = EXCLUDED.id, ids = EXCLUDED.ids, seen_at = EXCLUDED.seen_at",
            )
            .bind(id)
            .bind(user_id)
            .bind(person)
            .bind(&ids)
            .bind(&lookup)
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }
}
