//! Appointments (booked here or synced from the registry) and the reminders scheduled before each visit.
//!
//! Booking, cancelling and moving an appointment recompute its reminders in the same transaction, and wake
//! the reminder worker of this process ([`ReminderWaker`]). Workers of several instances share the
//! `reminders` table: a worker claims due rows with a lease, sends, and marks them; only a pending row can be
//! marked, and a lease that runs out (the worker died between claim and send) lets another worker claim the
//! row again.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use rand::Rng;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use tokio::sync::Notify;

use super::metadata::{visit_key, VisitIds};
use super::{text_codes, with_pool, Aad, FromRow, Store, StoreRow};

const TABLE: &str = "appointments";
/// Ids are random and below 2^53, so they survive any JSON reader as numbers.
const MAX_ID: i64 = 1 << 53;

/// What a reminder and a calendar file say about a visit. Sealed as JSON: it names the patient.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AppointmentDetails {
    /// Whom the visit is for, as the user knows them («Иванов Иван Иванович»).
    pub person: String,
    pub doctor: String,
    pub specialty: String,
    /// The clinic's short name.
    pub clinic: String,
    pub address: String,
    #[serde(default)]
    pub room: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub latitude: Option<f64>,
    #[serde(default)]
    pub longitude: Option<f64>,
    /// The visit's start as the registry gave it: local time of the region, e.g. `2026-12-01T09:30:00`.
    pub local_time: String,
    /// The visit's end (the slot's `visitEnd`), local time of the region, when the registry gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_end: Option<String>,
}

impl AppointmentDetails {
    /// The clinic's coordinates, when the registry knows both.
    pub fn coordinates(&self) -> Option<(f64, f64)> {
        match (self.latitude, self.longitude) {
            (Some(lat), Some(lon)) if lat.is_finite() && lon.is_finite() => Some((lat, lon)),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppointmentStatus {
    Booked,
    Cancelled,
}

text_codes!(AppointmentStatus, "appointments.status", status_code, status_from_code, {
    AppointmentStatus::Booked => "booked",
    AppointmentStatus::Cancelled => "cancelled",
});

/// Where the bot learnt of an appointment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppointmentSource {
    /// Booked through the bot.
    Bot,
    /// Found in the registry's `/appointments` (booked elsewhere).
    Registry,
}

text_codes!(AppointmentSource, "appointments.source", source_code, source_from_code, {
    AppointmentSource::Bot => "bot",
    AppointmentSource::Registry => "registry",
});

/// A booked visit to record: from the booking journey or from a sync with the registry.
#[derive(Clone, Debug, PartialEq)]
pub struct NewAppointment {
    pub user_id: i64,
    /// The child it is for; `None` for the user.
    pub child_id: Option<i64>,
    pub lpu_id: i64,
    /// The patient's id in that clinic.
    pub patient_id: String,
    /// The registry's id of the booking (`appointmentId` in `/appointments`); `None` while it is not
    /// known yet (just booked through the bot: the registry lists the visit under an id of its own).
    pub registry_id: Option<String>,
    /// The registry's doctor id, when known: with the clinic and the start it names the visit until its
    /// `registry_id` is learned.
    pub doctor_id: Option<String>,
    /// The slot booked through the bot (`None` for a visit found in the registry).
    pub slot_id: Option<String>,
    /// The visit's start, Unix seconds.
    pub visit_at: i64,
    pub details: AppointmentDetails,
    pub source: AppointmentSource,
}

/// A visit as recorded: what was booked, under its id, and whether it still stands.
#[derive(Clone, Debug, PartialEq)]
pub struct Appointment {
    pub id: i64,
    pub booking: NewAppointment,
    pub status: AppointmentStatus,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A reminder to create: `offset_secs` before the visit, due at `due_at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlannedReminder {
    pub offset_secs: i64,
    pub due_at: i64,
}

/// How long a visit just booked through the bot may be missing from the registry's `/appointments` before
/// a sync takes it as cancelled elsewhere.
pub const REGISTRY_LAG_SECS: i64 = 600;

/// Which reminders a visit at `visit_at` gets when booked (or moved) at `now`.
///
/// The rule of the reminders issue: offsets already past at booking time are skipped; a visit booked for
/// later the same day still gets the smallest offset (the 2 h one) if that moment is in the future. Both
/// halves are one test: a reminder is planned exactly when its moment is still ahead (`due_at > now`).
/// So a visit in 25 h gets 24 h and 2 h, one in 5 h gets only 2 h, one in 1 h gets none (the booking
/// confirmation has just told the user everything a reminder would), and a past visit gets none.
/// Offsets that are not positive are ignored; repeats count once. Largest offset first.
pub fn plan_reminders(visit_at: i64, offsets: &[i64], now: i64) -> Vec<PlannedReminder> {
    let mut offsets: Vec<i64> = offsets.iter().copied().filter(|&o| o > 0).collect();
    offsets.sort_unstable_by(|a, b| b.cmp(a));
    offsets.dedup();
    offsets
        .into_iter()
        .map(|offset_secs| PlannedReminder {
            offset_secs,
            due_at: visit_at.saturating_sub(offset_secs),
        })
        .filter(|planned| planned.due_at > now)
        .collect()
}

/// A user's reminder settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReminderSettings {
    pub enabled: bool,
    /// The offsets the user chose, in seconds, largest first; `None` follows `REMINDERS`.
    pub offsets: Option<Vec<i64>>,
}

impl Default for ReminderSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            offsets: None,
        }
    }
}

impl ReminderSettings {
    /// The offsets in force, in seconds, largest first: none when reminders are off.
    pub fn effective_offsets(&self, defaults: &[Duration]) -> Vec<i64> {
        if !self.enabled {
            return Vec::new();
        }
        let mut offsets = match &self.offsets {
            Some(chosen) => chosen.clone(),
            None => defaults.iter().map(|d| d.as_secs() as i64).collect(),
        };
        offsets.sort_unstable_by(|a, b| b.cmp(a));
        offsets.dedup();
        offsets
    }
}

fn offsets_to_text(offsets: &[i64]) -> String {
    offsets
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn offsets_from_text(raw: &str) -> Option<Vec<i64>> {
    raw.split(',')
        .filter(|part| !part.trim().is_empty())
        .map(|part| part.trim().parse::<i64>().ok().filter(|&o| o > 0))
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReminderStatus {
    Pending,
    Sent,
    Failed,
}

impl ReminderStatus {
    fn from_code(code: &str) -> anyhow::Result<Self> {
        match code {
            "pending" => Ok(ReminderStatus::Pending),
            "sent" => Ok(ReminderStatus::Sent),
            "failed" => Ok(ReminderStatus::Failed),
            other => anyhow::bail!("unknown reminder status {other:?}"),
        }
    }
}

/// A reminder row as stored, for the worker's bookkeeping and for tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reminder {
    pub id: i64,
    pub appointment_id: i64,
    pub user_id: i64,
    pub offset_secs: i64,
    pub due_at: i64,
    pub status: ReminderStatus,
    pub lease_until: Option<i64>,
    pub attempts: i32,
    pub next_try_at: Option<i64>,
    pub sent_at: Option<i64>,
    pub last_error: Option<String>,
}

const REMINDER_COLUMNS: &str =
    "id, appointment_id, user_id, offset_secs, due_at, status, lease_until, \
     attempts, next_try_at, sent_at, last_error";

/// A reminder a worker has claimed until `lease_until`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimedReminder {
    pub id: i64,
    pub appointment_id: i64,
    pub user_id: i64,
    pub offset_secs: i64,
    pub due_at: i64,
    /// How many times it has been claimed, this claim included.
    pub attempts: i32,
    pub lease_until: i64,
}

/// Wakes this process's reminder worker when reminders change, so it need not poll. Cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct ReminderWaker(Arc<Notify>);

impl ReminderWaker {
    pub fn wake(&self) {
        // `notify_one` keeps a permit when the worker is busy, so a change during a step is not missed.
        self.0.notify_one();
    }

    /// Resolves at the next [`ReminderWaker::wake`] (or at once for a wake that came while nobody waited).
    pub async fn woken(&self) {
        self.0.notified().await;
    }
}

struct RawAppointment {
    id: i64,
    user_id: i64,
    child_id: Option<i64>,
    /// Sealed [`VisitIds`].
    ids: Option<Vec<u8>>,
    registry_id_known: bool,
    visit_at: i64,
    details: Vec<u8>,
    status: String,
    source: String,
    created_at: i64,
    updated_at: i64,
}

const APPOINTMENT_COLUMNS: &str = "id, user_id, child_id, visit_at, details, status, source, \
     created_at, updated_at, registry_id_known, ids";

impl FromRow for RawAppointment {
    fn from_row(row: &impl StoreRow) -> Self {
        RawAppointment {
            id: row.col(0),
            user_id: row.col(1),
            child_id: row.col(2),
            visit_at: row.col(3),
            details: row.col(4),
            status: row.col(5),
            source: row.col(6),
            created_at: row.col(7),
            updated_at: row.col(8),
            registry_id_known: row.col(9),
            ids: row.col(10),
        }
    }
}

/// What the `registry_id` column holds for a visit whose registry id is not known yet: never an id the
/// registry gives, unique per clinic like the slot it names.
fn placeholder_registry_id(slot_id: Option<&str>) -> String {
    match slot_id {
        Some(slot) => format!("slot:{slot}"),
        None => format!("unknown:{}", new_id()),
    }
}

fn reminder_from_row(row: &impl StoreRow) -> anyhow::Result<Reminder> {
    Ok(Reminder {
        id: row.col(0),
        appointment_id: row.col(1),
        user_id: row.col(2),
        offset_secs: row.col(3),
        due_at: row.col(4),
        status: ReminderStatus::from_code(&row.col::<String>(5))?,
        lease_until: row.col(6),
        attempts: row.col(7),
        next_try_at: row.col(8),
        sent_at: row.col(9),
        last_error: row.col(10),
    })
}

/// A row found by its lookup: id, start, status and sealed [`VisitIds`].
type FoundRow = (i64, i64, String, Option<Vec<u8>>);

fn new_id() -> i64 {
    rand::thread_rng().gen_range(1..MAX_ID)
}

/// Makes the reminders of an appointment match `$plan` inside transaction `$tx`. With `$all`, every reminder
/// goes first, sent and failed ones too (the visit moved: what was said about the old time says nothing of
/// the new one). Without, pending reminders that still fit the plan are kept untouched — a worker may hold
/// a lease on one right now, and a fresh row would let another worker send it again — the others are
/// dropped, and an offset already sent is not sent again.
macro_rules! replace_reminders {
    ($tx:expr, $appointment_id:expr, $user_id:expr, $plan:expr, $all:expr) => {{
        let plan: Vec<PlannedReminder> = $plan.into_iter().copied().collect();
        if $all {
            sqlx::query("DELETE FROM reminders WHERE appointment_id = $1")
                .bind($appointment_id)
                .execute(&mut *$tx)
                .await?;
        } else {
            let pending: Vec<(i64, i64, i64)> = sqlx::query(
                "SELECT id, offset_secs, due_at FROM reminders
                 WHERE appointment_id = $1 AND status = 'pending'",
            )
            .bind($appointment_id)
            .fetch_all(&mut *$tx)
            .await?
            .iter()
            .map(|row| (row.get(0), row.get(1), row.get(2)))
            .collect();
            for (id, offset_secs, due_at) in pending {
                let fits = plan
                    .iter()
                    .any(|p| p.offset_secs == offset_secs && p.due_at == due_at);
                if !fits {
                    sqlx::query("DELETE FROM reminders WHERE id = $1")
                        .bind(id)
                        .execute(&mut *$tx)
                        .await?;
                }
            }
        }
        for planned in &plan {
            sqlx::query(
                "INSERT INTO reminders (id, appointment_id, user_id, offset_secs, due_at, status)
                 VALUES ($1, $2, $3, $4, $5, 'pending')
                 ON CONFLICT (appointment_id, offset_secs) DO NOTHING",
            )
            .bind(new_id())
            .bind($appointment_id)
            .bind($user_id)
            .bind(planned.offset_secs)
            .bind(planned.due_at)
            .execute(&mut *$tx)
            .await?;
        }
    }};
}

impl Store {
    /// The handle that wakes this process's reminder worker; the store rings it on every change.
    pub fn reminder_waker(&self) -> &ReminderWaker {
        &self.reminder_waker
    }

    fn seal_details(&self, id: i64, details: &AppointmentDetails) -> anyhow::Result<Vec<u8>> {
        let json = serde_json::to_string(details).context("cannot encode appointment details")?;
        Ok(self
            .crypto()
            .seal_str(Aad::new(TABLE, "details", &id.to_string()), &json))
    }

    fn open_appointment(&self, raw: RawAppointment) -> anyhow::Result<Appointment> {
        // Errors name the column and the row id only, never the value.
        let json = self
            .crypto()
            .open_str(
                Aad::new(TABLE, "details", &raw.id.to_string()),
                &raw.details,
            )
            .with_context(|| format!("cannot open appointments.details of {}", raw.id))?;
        let details: AppointmentDetails = serde_json::from_str(&json)
            .with_context(|| format!("appointments.details of {} does not decode", raw.id))?;
        let ids: VisitIds = self.open_json(TABLE, "ids", raw.id, raw.ids.as_deref())?;
        let booking = NewAppointment {
            user_id: raw.user_id,
            child_id: raw.child_id,
            lpu_id: ids.lpu_id,
            patient_id: ids.patient_id,
            registry_id: raw.registry_id_known.then_some(ids.registry_id),
            doctor_id: ids.doctor_id,
            slot_id: ids.slot_id,
            visit_at: raw.visit_at,
            details,
            source: source_from_code(&raw.source)?,
        };
        Ok(Appointment {
            id: raw.id,
            booking,
            status: status_from_code(&raw.status)?,
            created_at: raw.created_at,
            updated_at: raw.updated_at,
        })
    }

    /// The user's reminder settings (the defaults for an unknown user).
    pub async fn reminder_settings(&self, user_id: i64) -> anyhow::Result<ReminderSettings> {
        let row: Option<(bool, Option<String>)> = with_pool!(self, |pool| {
            sqlx::query("SELECT reminders_enabled, reminder_offsets FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(pool)
                .await?
                .map(|row| (row.get(0), row.get(1)))
        });
        Ok(match row {
            Some((enabled, offsets)) => ReminderSettings {
                enabled,
                offsets: offsets.as_deref().and_then(offsets_from_text),
            },
            None => ReminderSettings::default(),
        })
    }

    /// Stores the user's reminder settings and re-plans the reminders of their upcoming visits: turning
    /// reminders off drops the pending ones; new offsets add reminders that are still ahead, and an offset
    /// already sent is not sent again.
    pub async fn set_reminder_settings(
        &self,
        user_id: i64,
        settings: &ReminderSettings,
        defaults: &[Duration],
        now: i64,
    ) -> anyhow::Result<()> {
        self.ensure_user(user_id).await?;
        let offsets_text = settings.offsets.as_deref().map(offsets_to_text);
        let offsets = settings.effective_offsets(defaults);
        let upcoming = self.upcoming_appointments(user_id, now).await?;
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "UPDATE users SET reminders_enabled = $2, reminder_offsets = $3, updated_at = $4
                 WHERE id = $1",
            )
            .bind(user_id)
            .bind(settings.enabled)
            .bind(&offsets_text)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            for appointment in &upcoming {
                let plan = plan_reminders(appointment.booking.visit_at, &offsets, now);
                replace_reminders!(tx, appointment.id, user_id, plan.iter(), false);
            }
            tx.commit().await?;
        });
        self.reminder_waker.wake();
        Ok(())
    }

    /// Records a booked appointment and plans its reminders from the user's settings. An appointment
    /// already stored — known by its registry id, or, while that is unknown, by the slot booked — is
    /// updated instead (and learns its registry id when `new` brings it). A visit whose time changed is
    /// treated as moved.
    pub async fn upsert_appointment(
        &self,
        new: &NewAppointment,
        defaults: &[Duration],
        now: i64,
    ) -> anyhow::Result<Appointment> {
        self.ensure_user(new.user_id).await?;
        let offsets = self
            .reminder_settings(new.user_id)
            .await?
            .effective_offsets(defaults);
        let plan = plan_reminders(new.visit_at, &offsets, now);
        let mut existing = None;
        if let Some(registry_id) = &new.registry_id {
            existing = self
                .find_by_key(new.user_id, new.lpu_id, registry_id, true)
                .await?;
        }
        // Found by its slot only: the registry's id, when `new` brings it, is learnt below.
        let mut by_slot = false;
        if existing.is_none() {
            if let Some(slot_id) = &new.slot_id {
                let key = placeholder_registry_id(Some(slot_id));
                existing = self
                    .find_by_key(new.user_id, new.lpu_id, &key, false)
                    .await?;
                by_slot = existing.is_some();
            }
        }
        let id = match existing {
            Some((id, visit_at, status, sealed_ids)) => {
                let details = self.seal_details(id, &new.details)?;
                // The registry id (or placeholder) and the clinic stay: they are what found the row.
                let old: VisitIds = self.open_json(TABLE, "ids", id, sealed_ids.as_deref())?;
                let ids = VisitIds {
                    lpu_id: old.lpu_id,
                    patient_id: new.patient_id.clone(),
                    registry_id: old.registry_id,
                    doctor_id: new.doctor_id.clone().or(old.doctor_id),
                    slot_id: new.slot_id.clone().or(old.slot_id),
                };
                let ids = self.seal_json(TABLE, "ids", id, &ids)?;
                // A visit that moved, or came back after a cancellation, starts its reminders afresh.
                let all =
                    visit_at != new.visit_at || status != status_code(AppointmentStatus::Booked);
                with_pool!(self, |pool| {
                    let mut tx = pool.begin().await?;
                    sqlx::query(
                        "UPDATE appointments SET child_id = $2, ids = $3, visit_at = $4, details = $5,
                             status = 'booked', updated_at = $6
                         WHERE id = $1",
                    )
                    .bind(id)
                    .bind(new.child_id)
                    .bind(&ids)
                    .bind(new.visit_at)
                    .bind(&details)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    replace_reminders!(tx, id, new.user_id, plan.iter(), all);
                    tx.commit().await?;
                });
                if let (true, Some(registry_id)) = (by_slot, &new.registry_id) {
                    self.learn_registry_id(new.user_id, id, registry_id, now)
                        .await?;
                }
                id
            }
            None => self.insert_appointment(new, &plan, now).await?,
        };
        self.reminder_waker.wake();
        self.appointment(new.user_id, id)
            .await?
            .context("appointment vanished right after it was written")
    }

    /// The row of the user's appointment at `lpu_id` whose sealed registry id is `key` (a registry id
    /// when `known`, a placeholder otherwise), found by its lookup: its id, start, status and sealed ids.
    async fn find_by_key(
        &self,
        user_id: i64,
        lpu_id: i64,
        key: &str,
        known: bool,
    ) -> anyhow::Result<Option<FoundRow>> {
        let lookup = visit_key(self.crypto(), user_id, lpu_id, key);
        Ok(with_pool!(self, |pool| {
            sqlx::query(
                "SELECT id, visit_at, status, ids FROM appointments
                 WHERE user_id = $1 AND registry_key = $2 AND registry_id_known = $3",
            )
            .bind(user_id)
            .bind(&lookup)
            .bind(known)
            .fetch_optional(pool)
            .await?
            .map(|row| (row.get(0), row.get(1), row.get(2), row.get(3)))
        }))
    }

    /// Records that the registry lists the user's appointment `id` under `registry_id`. Another row of the
    /// user's that already holds that registry id (a copy an older release stored for the same visit) is
    /// dropped with its reminders, so the visit is reminded of once. `false` when `id` is not the user's.
    pub async fn learn_registry_id(
        &self,
        user_id: i64,
        id: i64,
        registry_id: &str,
        now: i64,
    ) -> anyhow::Result<bool> {
        let learned = with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            let sealed: Option<Option<Vec<u8>>> =
                sqlx::query_scalar("SELECT ids FROM appointments WHERE id = $1 AND user_id = $2")
                    .bind(id)
                    .bind(user_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some(sealed) = sealed else {
                return Ok(false);
            };
            let mut ids: VisitIds = self.open_json(TABLE, "ids", id, sealed.as_deref())?;
            ids.registry_id = registry_id.to_owned();
            let lookup = visit_key(self.crypto(), user_id, ids.lpu_id, registry_id);
            let ids = self.seal_json(TABLE, "ids", id, &ids)?;
            sqlx::query(
                "DELETE FROM appointments WHERE user_id = $1 AND registry_key = $2 AND id <> $3",
            )
            .bind(user_id)
            .bind(&lookup)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE appointments SET ids = $3, registry_key = $4, registry_id_known = TRUE,
                     updated_at = $5
                 WHERE id = $1 AND user_id = $2",
            )
            .bind(id)
            .bind(user_id)
            .bind(&ids)
            .bind(&lookup)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            true
        });
        Ok(learned)
    }

    async fn insert_appointment(
        &self,
        new: &NewAppointment,
        plan: &[PlannedReminder],
        now: i64,
    ) -> anyhow::Result<i64> {
        let key = match &new.registry_id {
            Some(registry_id) => registry_id.clone(),
            None => placeholder_registry_id(new.slot_id.as_deref()),
        };
        let known = new.registry_id.is_some();
        let lookup = visit_key(self.crypto(), new.user_id, new.lpu_id, &key);
        // A random id of 53 bits collides about never; a collision is retried with another id. Two
        // inserts of the same registry appointment at once: the loser finds the winner's row.
        for _ in 0..5 {
            let id = new_id();
            let details = self.seal_details(id, &new.details)?;
            let ids = VisitIds {
                lpu_id: new.lpu_id,
                patient_id: new.patient_id.clone(),
                registry_id: key.clone(),
                doctor_id: new.doctor_id.clone(),
                slot_id: new.slot_id.clone(),
            };
            let ids = self.seal_json(TABLE, "ids", id, &ids)?;
            let inserted: Option<i64> = with_pool!(self, |pool| {
                let mut tx = pool.begin().await?;
                let inserted: Option<i64> = sqlx::query(
                    "INSERT INTO appointments (id, user_id, child_id, ids, registry_key,
                         visit_at, details, status, source, created_at, updated_at, registry_id_known)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'booked', $8, $9, $9, $10)
                     ON CONFLICT DO NOTHING
                     RETURNING id",
                )
                .bind(id)
                .bind(new.user_id)
                .bind(new.child_id)
                .bind(&ids)
                .bind(&lookup)
                .bind(new.visit_at)
                .bind(&details)
                .bind(source_code(new.source))
                .bind(now)
                .bind(known)
                .fetch_optional(&mut *tx)
                .await?
                .map(|row| row.get(0));
                if inserted.is_some() {
                    replace_reminders!(tx, id, new.user_id, plan.iter(), true);
                }
                tx.commit().await?;
                inserted
            });
            if let Some(id) = inserted {
                return Ok(id);
            }
            if let Some((id, _, _, _)) = self
                .find_by_key(new.user_id, new.lpu_id, &key, known)
                .await?
            {
                return Ok(id);
            }
        }
        anyhow::bail!("cannot find a free appointment id")
    }

    /// The appointments a query selects, opened: `rest` follows `SELECT … FROM appointments WHERE`, with
    /// `ids` bound to `$1, $2, …`.
    pub(super) async fn appointments_where(
        &self,
        rest: &str,
        ids: &[i64],
    ) -> anyhow::Result<Vec<Appointment>> {
        let sql = format!("SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE {rest}");
        let raws: Vec<RawAppointment> = self.fetch_all_as(&sql, ids).await?;
        raws.into_iter()
            .map(|raw| self.open_appointment(raw))
            .collect()
    }

    /// The appointment `id` if it belongs to `user_id`; `None` for anyone else's or an unknown id.
    pub async fn appointment(&self, user_id: i64, id: i64) -> anyhow::Result<Option<Appointment>> {
        let rest = "id = $1 AND user_id = $2";
        Ok(self.appointments_where(rest, &[id, user_id]).await?.pop())
    }

    /// The user's appointment at clinic `lpu_id` with the registry's id `registry_id`, booked or not.
    pub async fn appointment_by_registry_id(
        &self,
        user_id: i64,
        lpu_id: i64,
        registry_id: &str,
    ) -> anyhow::Result<Option<Appointment>> {
        let lookup = visit_key(self.crypto(), user_id, lpu_id, registry_id);
        let raw = with_pool!(self, |pool| {
            sqlx::query(&format!(
                "SELECT {APPOINTMENT_COLUMNS} FROM appointments
                 WHERE user_id = $1 AND registry_key = $2 AND registry_id_known = TRUE"
            ))
            .bind(user_id)
            .bind(&lookup)
            .fetch_optional(pool)
            .await?
            .as_ref()
            .map(RawAppointment::from_row)
        });
        raw.map(|raw| self.open_appointment(raw)).transpose()
    }

    /// The user's booked visits that have not started by `now`, soonest first (children's included).
    pub async fn upcoming_appointments(
        &self,
        user_id: i64,
        now: i64,
    ) -> anyhow::Result<Vec<Appointment>> {
        let rest = "user_id = $1 AND status = 'booked' AND visit_at > $2 ORDER BY visit_at, id";
        self.appointments_where(rest, &[user_id, now]).await
    }

    /// Marks the user's appointment cancelled and drops its pending reminders. `false` when there is no
    /// such booked appointment of this user.
    pub async fn cancel_appointment(
        &self,
        user_id: i64,
        id: i64,
        now: i64,
    ) -> anyhow::Result<bool> {
        let cancelled = with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "UPDATE appointments SET status = 'cancelled', updated_at = $3
                 WHERE id = $1 AND user_id = $2 AND status = 'booked'",
            )
            .bind(id)
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if done {
                sqlx::query(
                    "DELETE FROM reminders WHERE appointment_id = $1 AND status = 'pending'",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            done
        });
        if cancelled {
            self.reminder_waker.wake();
        }
        Ok(cancelled)
    }

    /// After a sync with the registry's `/appointments` for one patient in one clinic: cancels the user's
    /// upcoming booked visits there that the registry no longer lists (cancelled elsewhere): those whose
    /// registry id is not in `listed`, and those whose registry id is still unknown (the caller matched
    /// every listed visit it could to them first). Returns their ids. A visit recorded in the last
    /// [`REGISTRY_LAG_SECS`] is left alone: a clinic's system may list a fresh booking only a little later.
    pub async fn cancel_missing_from_registry(
        &self,
        user_id: i64,
        lpu_id: i64,
        patient_id: &str,
        listed: &[String],
        now: i64,
    ) -> anyhow::Result<Vec<i64>> {
        // The clinic and the patient are sealed: the user's few upcoming visits are read and matched here.
        let rows: Vec<(i64, bool, Option<Vec<u8>>)> = with_pool!(self, |pool| {
            sqlx::query(
                "SELECT id, registry_id_known, ids FROM appointments
                 WHERE user_id = $1 AND status = 'booked' AND visit_at > $2 AND created_at <= $3",
            )
            .bind(user_id)
            .bind(now)
            .bind(now - REGISTRY_LAG_SECS)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|row| (row.get(0), row.get(1), row.get(2)))
            .collect()
        });
        let mut cancelled = Vec::new();
        for (id, id_known, sealed) in rows {
            let ids: VisitIds = self.open_json(TABLE, "ids", id, sealed.as_deref())?;
            if ids.lpu_id != lpu_id || ids.patient_id != patient_id {
                continue;
            }
            let missing = !id_known || !listed.contains(&ids.registry_id);
            if missing && self.cancel_appointment(user_id, id, now).await? {
                cancelled.push(id);
            }
        }
        Ok(cancelled)
    }

    /// Every reminder of an appointment, by offset (largest first).
    pub async fn reminders_of(&self, appointment_id: i64) -> anyhow::Result<Vec<Reminder>> {
        with_pool!(self, |pool| {
            sqlx::query(&format!(
                "SELECT {REMINDER_COLUMNS} FROM reminders WHERE appointment_id = $1
                 ORDER BY offset_secs DESC"
            ))
            .bind(appointment_id)
            .fetch_all(pool)
            .await?
            .iter()
            .map(reminder_from_row)
            .collect()
        })
    }

    pub async fn reminder(&self, id: i64) -> anyhow::Result<Option<Reminder>> {
        with_pool!(self, |pool| {
            sqlx::query(&format!(
                "SELECT {REMINDER_COLUMNS} FROM reminders WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(pool)
            .await?
            .as_ref()
            .map(reminder_from_row)
            .transpose()
        })
    }

    /// Claims up to `limit` due reminders until `now + lease_secs`, soonest first. A pending reminder is due
    /// when its time has come, its retry time (if any) too, and nobody holds a live lease on it. On
    /// PostgreSQL rows another instance is claiming are skipped (`FOR UPDATE SKIP LOCKED`); SQLite runs
    /// one writer at a time, so the single statement is enough.
    pub async fn claim_due_reminders(
        &self,
        now: i64,
        lease_secs: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<ClaimedReminder>> {
        const SELECT_DUE: &str = "SELECT id FROM reminders
             WHERE status = 'pending' AND due_at <= $2
               AND (lease_until IS NULL OR lease_until < $2)
               AND (next_try_at IS NULL OR next_try_at <= $2)
             ORDER BY due_at
             LIMIT $3";
        const RETURNING: &str =
            "RETURNING id, appointment_id, user_id, offset_secs, due_at, attempts, lease_until";
        let lease_until = now + lease_secs;
        let lock = self.on_postgres(" FOR UPDATE SKIP LOCKED");
        let sql = format!(
            "UPDATE reminders SET lease_until = $1, attempts = attempts + 1
             WHERE status = 'pending' AND id IN ({SELECT_DUE}{lock}) {RETURNING}"
        );
        let mut claimed: Vec<ClaimedReminder> =
            self.fetch_all_as(&sql, &[lease_until, now, limit]).await?;
        claimed.sort_by_key(|c| (c.due_at, c.id));
        Ok(claimed)
    }

    /// Marks a claimed reminder sent. `false` when it was no longer pending (cancelled meanwhile, or
    /// already marked by another worker).
    pub async fn mark_reminder_sent(&self, id: i64, now: i64) -> anyhow::Result<bool> {
        let sql = "UPDATE reminders SET status = 'sent', sent_at = $2, lease_until = NULL,
                 next_try_at = NULL, last_error = NULL
             WHERE id = $1 AND status = 'pending'";
        self.changed_one(sql, &[id, now]).await
    }

    /// Gives a reminder up for good: `error` names the kind of failure (never personal data).
    pub async fn mark_reminder_failed(&self, id: i64, error: &str) -> anyhow::Result<bool> {
        let done = with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE reminders SET status = 'failed', lease_until = NULL, next_try_at = NULL,
                     last_error = $2
                 WHERE id = $1 AND status = 'pending'",
            )
            .bind(id)
            .bind(error)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    /// Lets a reminder be claimed again from `next_try_at` on, after a failure worth retrying.
    pub async fn reschedule_reminder(
        &self,
        id: i64,
        next_try_at: i64,
        error: &str,
    ) -> anyhow::Result<bool> {
        let done = with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE reminders SET lease_until = NULL, next_try_at = $2, last_error = $3
                 WHERE id = $1 AND status = 'pending'",
            )
            .bind(id)
            .bind(next_try_at)
            .bind(error)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    /// Gives a claim back unsent (shutting down, or the lease ran out before sending): any worker may
    /// claim it at once.
    pub async fn release_reminder(&self, id: i64) -> anyhow::Result<()> {
        with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE reminders SET lease_until = NULL WHERE id = $1 AND status = 'pending'",
            )
            .bind(id)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// When the next pending reminder can be claimed: its due time, its retry time if later, or just
    /// after a live lease on it runs out. `None` when nothing is pending.
    pub async fn next_reminder_at(&self) -> anyhow::Result<Option<i64>> {
        with_pool!(self, |pool| {
            let next: Option<i64> = sqlx::query(
                "SELECT MIN(CASE WHEN lease_until IS NOT NULL AND lease_until >= ready
                                 THEN lease_until + 1 ELSE ready END)
                 FROM (SELECT lease_until,
                              CASE WHEN next_try_at > due_at THEN next_try_at ELSE due_at END AS ready
                       FROM reminders WHERE status = 'pending') AS pending",
            )
            .fetch_one(pool)
            .await?
            .get(0);
            Ok(next)
        })
    }
}

impl FromRow for ClaimedReminder {
    fn from_row(row: &impl StoreRow) -> Self {
        ClaimedReminder {
            id: row.col(0),
            appointment_id: row.col(1),
            user_id: row.col(2),
            offset_secs: row.col(3),
            due_at: row.col(4),
            attempts: row.col(5),
            lease_until: row.col(6),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3600;
    const DEFAULTS: [i64; 2] = [24 * H, 2 * H];
    const NOW: i64 = 1_000_000;

    fn offsets(plan: &[PlannedReminder]) -> Vec<i64> {
        plan.iter().map(|p| p.offset_secs).collect()
    }

    /// The offsets planned with [`DEFAULTS`] for a visit `ahead` seconds after `NOW`, booked at `NOW`.
    fn offsets_ahead(ahead: i64) -> Vec<i64> {
        offsets(&plan_reminders(NOW + ahead, &DEFAULTS, NOW))
    }

    #[test]
    fn a_visit_days_ahead_gets_every_offset_largest_first() {
        let visit = NOW + 3 * 24 * H;
        assert_eq!(
            plan_reminders(visit, &DEFAULTS, NOW),
            vec![
                PlannedReminder {
                    offset_secs: 24 * H,
                    due_at: visit - 24 * H
                },
                PlannedReminder {
                    offset_secs: 2 * H,
                    due_at: visit - 2 * H
                },
            ]
        );
    }

    #[test]
    fn an_offset_already_past_at_booking_time_is_skipped() {
        // Tomorrow morning, booked 20 h ahead: the 24 h moment is gone, the 2 h one is not.
        assert_eq!(offsets_ahead(20 * H), vec![2 * H]);
    }

    #[test]
    fn a_visit_later_the_same_day_still_gets_the_two_hour_reminder_when_it_is_ahead() {
        assert_eq!(offsets_ahead(5 * H), vec![2 * H]);
        // One second of margin is enough: the 2 h moment is still in the future.
        assert_eq!(offsets_ahead(2 * H + 1), vec![2 * H]);
    }

    #[test]
    fn a_visit_closer_than_the_smallest_offset_gets_no_reminder() {
        assert!(offsets_ahead(H).is_empty());
        // Exactly at the 2 h moment: it is now, not ahead.
        assert!(offsets_ahead(2 * H).is_empty());
        assert!(offsets_ahead(-H).is_empty());
    }

    #[test]
    fn offsets_are_deduplicated_sorted_and_must_be_positive() {
        let now = 0;
        assert_eq!(
            offsets(&plan_reminders(
                100 * H,
                &[2 * H, 0, -5, 24 * H, 2 * H, H],
                now
            )),
            vec![24 * H, 2 * H, H]
        );
        assert!(plan_reminders(100 * H, &[], now).is_empty());
    }

    #[test]
    fn details_keep_their_stored_json() {
        // As an older release stored them: no room, phone, coordinates or end.
        let old = r#"{"person":"Иванов Иван Иванович","doctor":"Петров Пётр Петрович","specialty":"Терапевт","clinic":"Поликлиника № 1","address":"ул. Ленина, 1","local_time":"2026-12-01T09:30:00"}"#;
        let details: AppointmentDetails = serde_json::from_str(old).unwrap();
        assert_eq!(
            details,
            AppointmentDetails {
                person: "Иванов Иван Иванович".into(),
                doctor: "Петров Пётр Петрович".into(),
                specialty: "Терапевт".into(),
                clinic: "Поликлиника № 1".into(),
                address: "ул. Ленина, 1".into(),
                local_time: "2026-12-01T09:30:00".into(),
                ..AppointmentDetails::default()
            }
        );
        // Written now: every key, the end only when known.
        let full = AppointmentDetails {
            room: Some("12".into()),
            phone: None,
            latitude: Some(52.25),
            longitude: Some(104.5),
            local_end: Some("2026-12-01T09:45:00".into()),
            ..details.clone()
        };
        let json = r#"{"person":"Иванов Иван Иванович","doctor":"Петров Пётр Петрович","specialty":"Терапевт","clinic":"Поликлиника № 1","address":"ул. Ленина, 1","room":"12","phone":null,"latitude":52.25,"longitude":104.5,"local_time":"2026-12-01T09:30:00","local_end":"2026-12-01T09:45:00"}"#;
        assert_eq!(serde_json::to_string(&full).unwrap(), json);
        assert_eq!(
            serde_json::from_str::<AppointmentDetails>(json).unwrap(),
            full
        );
        assert!(!serde_json::to_string(&details)
            .unwrap()
            .contains("local_end"));
    }

    #[test]
    fn settings_choose_the_offsets_in_force() {
        let defaults = [Duration::from_secs(86_400), Duration::from_secs(7_200)];
        assert_eq!(
            ReminderSettings::default().effective_offsets(&defaults),
            vec![86_400, 7_200]
        );
        let chosen = ReminderSettings {
            enabled: true,
            offsets: Some(vec![3_600]),
        };
        assert_eq!(chosen.effective_offsets(&defaults), vec![3_600]);
        let off = ReminderSettings {
            enabled: false,
            offsets: Some(vec![3_600]),
        };
        assert!(off.effective_offsets(&defaults).is_empty());
    }

    #[test]
    fn stored_offsets_round_trip_and_garbage_falls_back_to_the_default() {
        assert_eq!(
            offsets_from_text(&offsets_to_text(&[86_400, 7_200])),
            Some(vec![86_400, 7_200])
        );
        assert_eq!(offsets_from_text("86400,x"), None);
        assert_eq!(offsets_from_text("-1"), None);
    }
}
