//! The slot-watch worker: every `WATCH_INTERVAL`, each watch's free slots are looked at; when there are
//! slots the user has not been told of, one notice goes out for the lot (see [`crate::bot::watch`]).
//!
//! Watches are claimed in the store by moving their next check on, so several instances share them and
//! never look at the same one at once. What was told is remembered per watch (`seen`): the same slots are
//! never announced twice, slots that were taken and came back are new again, and a notice that could not
//! be sent for a passing reason is tried again at the next check.

use std::sync::Arc;
use std::time::Duration;

use teloxide::adaptors::Throttle;
use teloxide::prelude::*;
use tokio::sync::watch;

use crate::bot::watch::found_notice;
use crate::bot::Ctx;
use crate::store::unix_now;
use crate::visits::watch::free_slots;

/// Watches claimed in one step.
pub const DEFAULT_BATCH: i64 = 50;
/// How often the worker looks for watches due.
const TICK: Duration = Duration::from_secs(15);

/// What one step did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WatchStep {
    /// Watches claimed.
    pub checked: usize,
    /// Notices Telegram took.
    pub notified: usize,
    /// Watches whose registry did not answer (looked at again next time).
    pub unanswered: usize,
    /// Watches dropped because their user cannot be written to.
    pub dropped: usize,
}

#[derive(Clone)]
pub struct WatchWorker {
    ctx: Arc<Ctx>,
    bot: Throttle<Bot>,
    batch: i64,
}

impl WatchWorker {
    pub fn new(ctx: Arc<Ctx>, bot: Throttle<Bot>) -> Self {
        Self {
            ctx,
            bot,
            batch: DEFAULT_BATCH,
        }
    }

    fn interval_secs(&self) -> i64 {
        (self.ctx.settings.watch_interval.as_secs() as i64).max(1)
    }

    /// Claims the watches due at `now` and looks at each one's free slots.
    pub async fn try_execute_step(&self, now: i64) -> anyhow::Result<WatchStep> {
        let ctx = &self.ctx;
        let watches = ctx
            .store
            .claim_due_watches(now, self.interval_secs(), self.batch)
            .await?;
        let mut step = WatchStep {
            checked: watches.len(),
            ..WatchStep::default()
        };
        let (tz, demo) = (ctx.settings.region_tz, ctx.settings.is_demo());
        let local_now = chrono::DateTime::from_timestamp(now, 0)
            .unwrap_or_default()
            .with_timezone(&tz)
            .naive_local();
        // One watch after another: the registry client caches a doctor's slots briefly, so watches of
        // the same doctor cost one request.
        for watch in watches {
            let free = match free_slots(ctx.visits(), &watch, local_now).await {
                Ok(free) => free,
                Err(err) => {
                    tracing::warn!(error = %err, "watch: the registry failed");
                    step.unanswered += 1;
                    continue;
                }
            };
            let ids: Vec<String> = free.iter().map(|s| s.id.clone()).collect();
            let new: Vec<_> = free
                .into_iter()
                .filter(|s| !watch.seen.contains(&s.id))
                .collect();
            if new.is_empty() {
                // Slots taken meanwhile are forgotten, so that they count as new if they come back.
                if ids.len() != watch.seen.len() {
                    ctx.store.set_watch_seen(watch.id, &ids).await?;
                }
                continue;
            }
            let user = ctx.store.user(watch.user_id).await?;
            let lang = user.map(|u| u.message_lang()).unwrap_or_default();
            let notice = found_notice(lang, demo, &watch, &new, tz, now);
            let sent = super::send_to_user(&self.bot, watch.user_id, notice).await;
            match sent {
                Ok(_) => {
                    ctx.store.set_watch_seen(watch.id, &ids).await?;
                    step.notified += 1;
                    tracing::info!(user = %crate::telemetry::user_tag(watch.user_id), new = new.len(), "watch: notified");
                }
                Err(err) if super::user_unreachable(&err) => {
                    // Blocked, deleted: nobody to tell, now or later.
                    ctx.store.remove_watch(watch.user_id, watch.id).await?;
                    step.dropped += 1;
                    tracing::info!(user = %crate::telemetry::user_tag(watch.user_id), "watch: user unreachable, dropped");
                }
                Err(err) => {
                    // Told nothing: the same slots are still new at the next check.
                    let kind = super::failure_kind(&err);
                    tracing::warn!(user = %crate::telemetry::user_tag(watch.user_id), kind, "watch: notice not delivered");
                }
            }
        }
        if step.notified + step.unanswered + step.dropped > 0 {
            tracing::info!(
                checked = step.checked,
                notified = step.notified,
                unanswered = step.unanswered,
                dropped = step.dropped,
                "watch step"
            );
        }
        Ok(step)
    }

    /// Runs until `shutdown` turns true: a step every quarter minute (at once after a full batch).
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        tracing::info!(interval_secs = self.interval_secs(), "slot watches");
        super::run_periodically("slot-watch", TICK, shutdown, || async {
            let step = self.try_execute_step(unix_now()).await?;
            Ok(step.checked as i64 >= self.batch)
        })
        .await;
    }
}

/// Starts the worker; it stops when `shutdown` turns true.
pub fn spawn(
    ctx: Arc<Ctx>,
    bot: Throttle<Bot>,
    shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(WatchWorker::new(ctx, bot).run(shutdown))
}
