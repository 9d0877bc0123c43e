//! The appointment sync: every `SYNC_INTERVAL`, each user with a recent visit has their visits compared
//! with the registry's `/appointments` (see [`crate::visits::sync`]). A visit cancelled at the clinic is
//! cancelled here with its reminders, a visit booked by phone or on the portal gets reminders, and the
//! user is told of both.
//!
//! Users are claimed in the store by moving their next sync time on, so several instances share the work
//! and never ask about the same user at once. A user whose clinic did not answer is tried again sooner.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use teloxide::adaptors::Throttle;
use teloxide::prelude::*;
use tokio::sync::watch;

use crate::bot::sync::{cancelled_notice, confirmed_notice, found_notice, not_booked_notice};
use crate::bot::{Ctx, Screen};
use crate::store::unix_now;
use crate::visits::sync::sync_user;

/// Users claimed in one step.
pub const DEFAULT_BATCH: i64 = 50;
/// Users synced at once; the registry client also bounds its own concurrency.
const CONCURRENCY: usize = 4;
/// Users whose last visit is older than this are no longer synced.
pub const HORIZON_SECS: i64 = 30 * 86_400;
/// A user whose clinic did not answer is tried again after this (or the interval, if shorter).
const RETRY_SECS: i64 = 5 * 60;
/// How often old data is purged (`RETENTION`).
const PURGE_EVERY_SECS: i64 = 3600;
/// How often the worker looks for users due.
const TICK: Duration = Duration::from_secs(30);

/// What one step did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncStep {
    /// Users claimed.
    pub users: usize,
    /// Users whose every clinic answered.
    pub synced: usize,
    /// Visits booked elsewhere, now known.
    pub found: usize,
    /// Visits cancelled elsewhere, now cancelled.
    pub cancelled: usize,
    /// Bookings whose answer was lost, found in the registry and now stored.
    pub confirmed: usize,
    /// Bookings whose answer was lost that the registry does not have.
    pub not_booked: usize,
    /// Notices about those that Telegram took.
    pub notified: usize,
}

/// A step is the sum of its users' steps (each with `users` 0).
impl super::StepCounts for SyncStep {
    type Item = SyncStep;
    const NAME: &'static str = "appointment sync step";

    fn add(&mut self, one: SyncStep) {
        self.synced += one.synced;
        self.found += one.found;
        self.cancelled += one.cancelled;
        self.confirmed += one.confirmed;
        self.not_booked += one.not_booked;
        self.notified += one.notified;
    }

    fn progressed(&self) -> bool {
        self.synced > 0
    }

    fn eventful(&self) -> bool {
        self.found + self.cancelled + self.confirmed + self.not_booked > 0
            || self.synced < self.users
    }
}

#[derive(Clone)]
pub struct SyncWorker {
    ctx: Arc<Ctx>,
    bot: Throttle<Bot>,
    batch: i64,
}

impl SyncWorker {
    pub fn new(ctx: Arc<Ctx>, bot: Throttle<Bot>) -> Self {
        Self {
            ctx,
            bot,
            batch: DEFAULT_BATCH,
        }
    }

    pub fn with_batch(mut self, batch: i64) -> Self {
        self.batch = batch.max(1);
        self
    }

    fn interval_secs(&self) -> i64 {
        (self.ctx.settings.sync_interval.as_secs() as i64).max(1)
    }

    /// Claims the users due at `now` and compares each one's visits with the registry.
    pub async fn try_execute_step(&self, now: i64) -> anyhow::Result<SyncStep> {
        let users = self
            .ctx
            .store
            .claim_registry_sync(now, self.interval_secs(), HORIZON_SECS, self.batch)
            .await?;
        let step = SyncStep {
            users: users.len(),
            ..SyncStep::default()
        };
        let results: Vec<anyhow::Result<SyncStep>> = futures::stream::iter(users)
            .map(|user_id| self.sync_one(user_id, now))
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        // A user whose sync failed is tried again at their next sync time, already moved on.
        super::gather(step, results, "appointment sync failed for a user")
    }

    async fn sync_one(&self, user_id: i64, now: i64) -> anyhow::Result<SyncStep> {
        let ctx = &self.ctx;
        let Some(user) = ctx.store.user(user_id).await? else {
            // Forgotten meanwhile.
            return Ok(SyncStep::default());
        };
        let lang = user.message_lang();
        let report = sync_user(ctx.visits(), user_id, lang, now).await?;
        let mut step = SyncStep {
            synced: usize::from(report.all_answered),
            found: report.found.len(),
            cancelled: report.cancelled.len(),
            confirmed: report.confirmed.len(),
            not_booked: report.not_booked.len(),
            ..SyncStep::default()
        };
        // A booking still unsettled has already been given an earlier turn.
        if !report.all_answered && report.pending == 0 {
            let retry = now + RETRY_SECS.min(self.interval_secs());
            ctx.store.schedule_registry_sync(user_id, retry).await?;
        }
        let (tz, demo) = (ctx.settings.region_tz, ctx.settings.is_demo());
        let notices = report
            .confirmed
            .iter()
            .map(|a| confirmed_notice(lang, demo, a, tz, now))
            .chain(
                report
                    .not_booked
                    .iter()
                    .map(|i| not_booked_notice(lang, demo, i, tz, now)),
            )
            .chain(
                report
                    .cancelled
                    .iter()
                    .map(|a| cancelled_notice(lang, demo, a, tz, now)),
            )
            .chain(
                report
                    .found
                    .iter()
                    .map(|a| found_notice(lang, demo, a, tz, now)),
            );
        for notice in notices {
            if self.notify(user_id, notice).await {
                step.notified += 1;
            }
        }
        Ok(step)
    }

    /// Sends a notice to the user's private chat. A notice Telegram refuses is logged (by kind, never by
    /// content) and not retried: the change it tells of is already in «Мои записи».
    async fn notify(&self, user_id: i64, notice: Screen) -> bool {
        match super::send_to_user(&self.bot, user_id, notice).await {
            Ok(()) => true,
            Err(err) => {
                let kind = super::failure_kind(&err);
                tracing::warn!(user = %crate::telemetry::user_tag(user_id), kind, "sync notice not delivered");
                false
            }
        }
    }

    /// Runs until `shutdown` turns true: a step every half minute (at once after a full batch).
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        tracing::info!(interval_secs = self.interval_secs(), "appointment sync");
        let next_purge = std::sync::atomic::AtomicI64::new(0);
        super::run_periodically("appointment-sync", TICK, shutdown, || async {
            let now = unix_now();
            if now >= next_purge.load(std::sync::atomic::Ordering::Relaxed) {
                next_purge.store(now + PURGE_EVERY_SECS, std::sync::atomic::Ordering::Relaxed);
                if let Err(err) = self.purge_expired(now).await {
                    tracing::error!(error = %err, "retention: cannot purge old data");
                }
            }
            let step = self.try_execute_step(now).await?;
            Ok(step.users as i64 >= self.batch)
        })
        .await;
    }

    /// Deletes what has been over for longer than `RETENTION` at `now` (idle dialogues, past visits,
    /// expired watches…); the loop does it once an hour.
    pub async fn purge_expired(&self, now: i64) -> anyhow::Result<crate::store::Purged> {
        let retention = self.ctx.settings.retention.as_secs() as i64;
        let purged = self.ctx.store.purge_expired(now, retention).await?;
        if purged.total() > 0 {
            super::log_counts("retention: purged old data", &purged);
        }
        Ok(purged)
    }
}
