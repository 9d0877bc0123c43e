//! Background work that runs beside the dispatcher: reminders before visits, the appointment sync with
//! the registry, and slot watches. Each worker is a small `try_execute_step(now)` that tests call
//! directly, and a loop around it that sleeps until there is something to do or it is told to stop.

pub mod reminders;
pub mod sync;
pub mod watch;
pub mod watch_notice;

pub use reminders::{ReminderWorker, StepOutcome};
pub use sync::{SyncStep, SyncWorker};
pub use watch::{Delivery, WatchNews, WatchNotifier, WatchStep, WatchWorker};

use std::future::Future;
use std::time::Duration;

use teloxide::adaptors::Throttle;
use teloxide::payloads::SendMessageSetters;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardMarkup, ParseMode};
use teloxide::{ApiError, RequestError};
use tokio::sync::watch::Receiver;

use crate::bot::Screen;

/// The counts of one worker step, gathered from its items' results by [`gather`].
pub(crate) trait StepCounts: std::fmt::Debug {
    /// What one item of the step reports.
    type Item;
    /// The step's log line.
    const NAME: &'static str;
    /// Counts one item's result in.
    fn add(&mut self, item: Self::Item);
    /// Whether any item got anywhere: when none did, the step fails with the first item's error.
    fn progressed(&self) -> bool;
    /// Whether the counts are worth a log line.
    fn eventful(&self) -> bool;
}

/// Counts `results` into `step`: each failure is logged as `failed` and left to the item's own retry
/// (its claim runs out or its next time has moved on). The counts are then logged. The first failure is
/// the step's error only when no item got anywhere (the store or the network is down), so the loop backs
/// off then and not for one item's trouble.
pub(crate) fn gather<S: StepCounts>(
    mut step: S,
    results: Vec<anyhow::Result<S::Item>>,
    failed: &'static str,
) -> anyhow::Result<S> {
    let mut first_error = None;
    for result in results {
        match result {
            Ok(item) => step.add(item),
            Err(err) => {
                tracing::error!(error = %err, "{failed}");
                first_error.get_or_insert(err);
            }
        }
    }
    if step.eventful() {
        log_counts(S::NAME, &step);
    }
    match first_error {
        Some(err) if !step.progressed() => Err(err),
        _ => Ok(step),
    }
}

/// Logs what a step (or a purge) counted, as one line: `counts` with every count, and `name`. Counts
/// only: never an id or anything personal.
pub(crate) fn log_counts(name: &str, counts: &impl std::fmt::Debug) {
    tracing::info!(counts = ?counts, "{name}");
}

/// Sends a worker's message to the user's private chat (a Telegram user's private chat id is their id).
pub(crate) async fn send_to_user(
    bot: &Throttle<Bot>,
    user_id: i64,
    screen: Screen,
) -> Result<(), RequestError> {
    bot.send_message(ChatId(user_id), screen.text)
        .parse_mode(ParseMode::Html)
        .reply_markup(InlineKeyboardMarkup::new(screen.keyboard))
        .await
        .map(|_| ())
}

/// The user can no longer be written to (blocked the bot, deleted the account, never started a chat).
pub(crate) fn user_unreachable(err: &RequestError) -> bool {
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

/// What kind of failure a send met, for the logs: never the message or anything personal.
pub(crate) fn failure_kind(err: &RequestError) -> &'static str {
    match err {
        _ if user_unreachable(err) => "user-unreachable",
        RequestError::RetryAfter(_) => "retry-after",
        RequestError::Api(_) => "api-error",
        _ => "network",
    }
}

/// The loop of a periodic worker: `step` (which says whether it took a full batch, so that more may be
/// waiting), then a pause of `tick` unless the batch was full, until `shutdown` turns true. A step in
/// progress is finished before stopping.
pub(crate) async fn run_periodically<F, Fut>(
    name: &'static str,
    tick: Duration,
    mut shutdown: Receiver<bool>,
    mut step: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<bool>>,
{
    tracing::info!(worker = name, "worker started");
    loop {
        if *shutdown.borrow() {
            break;
        }
        match step().await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(err) => tracing::error!(worker = name, error = %err, "worker step failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(tick) => {}
            _ = shutdown.changed() => {}
        }
    }
    tracing::info!(worker = name, "worker stopped");
}
