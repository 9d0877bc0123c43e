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
use teloxide::payloads::SendMessageSetters;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardMarkup, ParseMode};
use teloxide::{ApiError, RequestError};
use tokio::sync::watch;

use crate::bot::watch::{found_notice, free_slots};
use crate::bot::Ctx;
use crate::store::unix_now;

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
            let free = match free_slots(ctx, &watch, local_now).await {
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
            let sent = self
                .bot
                .send_message(ChatId(watch.user_id), notice.text)
                .parse_mode(ParseMode::Html)
                .reply_markup(InlineKeyboardMarkup::new(notice.keyboard))
                .await;
            match sent {
                Ok(_) => {
                    ctx.store.set_watch_seen(watch.id, &ids).await?;
                    step.notified += 1;
                    tracing::info!(user = watch.user_id, new = new.len(), "watch: notified");
                }
                Err(err) if unreachable_user(&err) => {
                    // Blocked, deleted: nobody to tell, now or later.
                    ctx.store.remove_watch(watch.user_id, watch.id).await?;
                    step.dropped += 1;
                    tracing::info!(user = watch.user_id, "watch: user unreachable, dropped");
                }
                Err(_) => {
                    // Told nothing: the same slots are still new at the next check.
                    tracing::warn!(user = watch.user_id, "watch: notice not delivered");
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

    /// Runs until `shutdown` turns true: a step, then a pause (none after a full batch).
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(
            interval_secs = self.interval_secs(),
            "slot watch worker started"
        );
        loop {
            if *shutdown.borrow() {
                break;
            }
            let pause = match self.try_execute_step(unix_now()).await {
                Ok(step) if step.checked as i64 >= self.batch => Duration::ZERO,
                Ok(_) => TICK,
                Err(err) => {
                    tracing::error!(error = %err, "slot watch step failed");
                    TICK
                }
            };
            if pause.is_zero() {
                continue;
            }
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = shutdown.changed() => {}
            }
        }
        tracing::info!("slot watch worker stopped");
    }
}

fn unreachable_user(err: &RequestError) -> bool {
    matches!(
        err,
        RequestError::Api(
            ApiError::BotBlocked
                | ApiError::ChatNotFound
                | ApiError::UserDeactivated
                | ApiError::CantInitiateConversation
        )
    )
}

/// Starts the worker; it stops when `shutdown` turns true.
pub fn spawn(
    ctx: Arc<Ctx>,
    bot: Throttle<Bot>,
    shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(WatchWorker::new(ctx, bot).run(shutdown))
}
