//! The demo registry's bookings. Only the sandbox registry (`registry::demo`) uses these; the bot itself
//! never reads them — it asks the registry, as it would a real one.

use sqlx::Row;

use super::{with_pool, Aad, Store};

const TABLE: &str = "demo_bookings";

/// A booking in the demo registry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoBooking {
    pub lpu_id: i64,
    /// The slot id.
    pub appointment_id: String,
    pub doctor_id: String,
    pub specialty_id: String,
    pub patient_id: String,
    pub patient_full_name: String,
    /// As the registry was given it (ISO date).
    pub patient_birth_date: String,
    /// Unix seconds.
    pub visit_start: i64,
}

/// A booking as the demo registry lists it: with the row's id (the booking's own id, unlike the slot id)
/// and when it was made (Unix seconds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoListed {
    pub row_id: String,
    pub booking: DemoBooking,
    pub created_at: i64,
}

impl Store {
    /// Books a slot; `false` when it is already taken.
    pub async fn demo_book(&self, booking: &DemoBooking, now: i64) -> anyhow::Result<bool> {
        let id = uuid::Uuid::new_v4().to_string();
        let name = self.crypto().seal_str(
            Aad::new(TABLE, "patient_full_name", &id),
            &booking.patient_full_name,
        );
        let birth = self.crypto().seal_str(
            Aad::new(TABLE, "patient_birth_date", &id),
            &booking.patient_birth_date,
        );
        let inserted = with_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO demo_bookings (id, lpu_id, appointment_id, doctor_id, specialty_id, patient_id,
                     patient_full_name, patient_birth_date, visit_start, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                 ON CONFLICT (lpu_id, appointment_id) DO NOTHING",
            )
            .bind(&id)
            .bind(booking.lpu_id)
            .bind(&booking.appointment_id)
            .bind(&booking.doctor_id)
            .bind(&booking.specialty_id)
            .bind(&booking.patient_id)
            .bind(name)
            .bind(birth)
            .bind(booking.visit_start)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(inserted == 1)
    }

    /// The slot ids of a doctor's bookings from `from` (Unix seconds) on.
    pub async fn demo_booked_slots(
        &self,
        lpu_id: i64,
        doctor_id: &str,
        from: i64,
    ) -> anyhow::Result<Vec<String>> {
        let ids = with_pool!(self, |pool| {
            sqlx::query(
                "SELECT appointment_id FROM demo_bookings
                 WHERE lpu_id = $1 AND doctor_id = $2 AND visit_start >= $3",
            )
            .bind(lpu_id)
            .bind(doctor_id)
            .bind(from)
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|row| row.get::<String, _>(0))
            .collect()
        });
        Ok(ids)
    }

    /// Cancels a patient's booking by its row id (what the demo registry's appointment id is made from);
    /// `false` when there is no such booking of that patient in that clinic.
    pub async fn demo_cancel_row(
        &self,
        lpu_id: i64,
        patient_id: &str,
        row_id: &str,
    ) -> anyhow::Result<bool> {
        let deleted = with_pool!(self, |pool| {
            sqlx::query(
                "DELETE FROM demo_bookings WHERE id = $1 AND lpu_id = $2 AND patient_id = $3",
            )
            .bind(row_id)
            .bind(lpu_id)
            .bind(patient_id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(deleted == 1)
    }

    /// A patient's bookings in a clinic from `from` (Unix seconds) on, soonest first.
    pub async fn demo_appointments(
        &self,
        lpu_id: i64,
        patient_id: &str,
        from: i64,
    ) -> anyhow::Result<Vec<DemoBooking>> {
        Ok(self
            .demo_bookings_listed(lpu_id, patient_id, from)
            .await?
            .into_iter()
            .map(|listed| listed.booking)
            .collect())
    }

    /// A patient's bookings in a clinic from `from` (Unix seconds) on, soonest first, with their row ids and
    /// when they were made.
    pub async fn demo_bookings_listed(
        &self,
        lpu_id: i64,
        patient_id: &str,
        from: i64,
    ) -> anyhow::Result<Vec<DemoListed>> {
        type Raw = (String, String, String, String, Vec<u8>, Vec<u8>, i64, i64);
        let rows: Vec<Raw> = with_pool!(self, |pool| {
            sqlx::query(
                "SELECT id, appointment_id, doctor_id, specialty_id, patient_full_name, patient_birth_date,
                        visit_start, created_at
                 FROM demo_bookings
                 WHERE lpu_id = $1 AND patient_id = $2 AND visit_start >= $3
                 ORDER BY visit_start, appointment_id",
            )
            .bind(lpu_id)
            .bind(patient_id)
            .bind(from)
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|row| {
                (
                    row.get(0),
                    row.get(1),
                    row.get(2),
                    row.get(3),
                    row.get(4),
                    row.get(5),
                    row.get(6),
                    row.get(7),
                )
            })
            .collect()
        });
        rows.into_iter()
            .map(
                |(
                    id,
                    appointment_id,
                    doctor_id,
                    specialty_id,
                    name,
                    birth,
                    visit_start,
                    created_at,
                )| {
                    let booking = DemoBooking {
                        lpu_id,
                        appointment_id,
                        doctor_id,
                        specialty_id,
                        patient_id: patient_id.to_owned(),
                        patient_full_name: self
                            .crypto()
                            .open_str(Aad::new(TABLE, "patient_full_name", &id), &name)?,
                        patient_birth_date: self
                            .crypto()
                            .open_str(Aad::new(TABLE, "patient_birth_date", &id), &birth)?,
                        visit_start,
                    };
                    Ok(DemoListed {
                        row_id: id,
                        booking,
                        created_at,
                    })
                },
            )
            .collect()
    }
}
