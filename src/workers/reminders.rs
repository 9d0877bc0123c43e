//! The reminder worker: claims due reminders with a lease, sends each through a Telegram `Throttle`, and
//! marks it sent, failed for good, or due again later.
//!
//! Several instances run one worker each over the same database. A reminder is sent once because a worker
//! only sends what it holds a live lease on, and only a pending row can be marked; a worker that dies
//! between claim and send leaves a lease that runs out, and the reminder is claimed again. Between steps
//! the worker sleeps until the next reminder is due, or until the store says reminders changed.

use std::time::Duration;

use chrono_tz::Tz;
use futures::StreamExt;
use teloxide::adaptors::throttle::{Limits, Settings as ThrottleSettings};
use teloxide::adaptors::Throttle;
use teloxide::payloads::SendMessageSetters;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardMarkup, ParseMode};
use teloxide::{ApiError, RequestError};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::bot::visit::reminder_screen;
use crate::config::Settings;
use crate::store::{unix_now, AppointmentStatus, ClaimedReminder, Store};

/// How long a claim is held: far longer than sending a batch takes, short enough that a crashed
/// instance's reminders go out soon after.
pub const DEFAULT_LEASE_SECS: i64 = 60;
/// Reminders claimed in one step.
pub const DEFAULT_BATCH: i64 = 100;
/// Sends in flight at once; the `Throttle` keeps them within Telegram's limits.
pub const DEFAULT_CONCURRENCY: usize = 32;
/// Network failures are retried this many times (with backoff) before the reminder is given up.
pub const MAX_ATTEMPTS: i32 = 10;
/// Even with nothing due, look again this often: another instance may have added reminders.
const MAX_IDLE: Duration = Duration::from_secs(60);
/// A claim is not sent when less than this is left of its lease: someone may take it over.
const LEASE_MARGIN: Duration = Duration::from_secs(5);

/// What one step did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StepOutcome {
    /// Reminders claimed.
    pub claimed: usize,
    pub sent: usize,
    /// Given up for good (user blocked the bot, chat gone, visit passed or cancelled, too many attempts).
    pub failed: usize,
    /// Due again later (429 retry-after, network errors).
    pub retried: usize,
    /// Given back unsent (the lease ran short).
    pub released: usize,
}

impl super::StepCounts for StepOutcome {
    type Item = Delivery;
    const NAME: &'static str = "reminder step";

    fn add(&mut self, result: Delivery) {
        match result {
            Delivery::Sent => self.sent += 1,
            Delivery::Failed => self.failed += 1,
            Delivery::Retried => self.retried += 1,
            Delivery::Released => self.released += 1,
        }
    }

    /// Released reminders do not count: giving a claim back is not getting anywhere.
    fn progressed(&self) -> bool {
        self.sent + self.failed + self.retried > 0
    }

    fn eventful(&self) -> bool {
        self.sent + self.failed + self.retried + self.released > 0
    }
}

/// Where the running worker is: for health checks and metrics (a live worker finishes a step at least
/// once a minute), and for tests that must know it is waiting. See [`ReminderWorker::progress`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Steps finished since start, failed ones included.
    pub steps: u64,
    /// Waiting between steps: for the next reminder to fall due, the store's waker, or shutdown.
    pub waiting: bool,
}

pub(crate) enum Delivery {
    Sent,
    Failed,
    Retried,
    Released,
}

/// The Telegram limits the worker keeps to: 30 messages a second overall, 1 a second and 20 a minute per
/// chat (the defaults Telegram documents). Throttle's own retries are off: a 429 comes back to the worker,
/// which reschedules the reminder instead of holding its lease while it waits.
pub fn throttled_bot(bot: Bot, limits: Limits) -> Throttle<Bot> {
    Throttle::spawn_with_settings(bot, ThrottleSettings::default().limits(limits).no_retry())
}

#[derive(Clone)]
pub struct ReminderWorker {
    store: Store,
    bot: Throttle<Bot>,
    region_tz: Tz,
    demo: bool,
    lease_secs: i64,
    batch: i64,
    concurrency: usize,
    /// Shared by clones.
    progress: watch::Sender<Progress>,
}

impl ReminderWorker {
    pub fn new(store: Store, bot: Throttle<Bot>, settings: &Settings) -> Self {
        Self {
            store,
            bot,
            region_tz: settings.region_tz,
            demo: settings.is_demo(),
            lease_secs: DEFAULT_LEASE_SECS,
            batch: DEFAULT_BATCH,
            concurrency: DEFAULT_CONCURRENCY,
            progress: watch::Sender::new(Progress::default()),
        }
    }

    /// Follows what [`ReminderWorker::run`] is doing (this worker's, or a clone's).
    pub fn progress(&self) -> watch::Receiver<Progress> {
        self.progress.subscribe()
    }

    pub fn with_batch(mut self, batch: i64, concurrency: usize) -> Self {
        self.batch = batch.max(1);
        self.concurrency = concurrency.max(1);
        self
    }

    /// Claims one batch of reminders due at `now` and delivers them.
    pub async fn try_execute_step(&self, now: i64) -> anyhow::Result<StepOutcome> {
        let claimed_at = Instant::now();
        let claimed = self
            .store
            .claim_due_reminders(now, self.lease_secs, self.batch)
            .await?;
        let outcome = StepOutcome {
            claimed: claimed.len(),
            ..StepOutcome::default()
        };
        if claimed.is_empty() {
            return Ok(outcome);
        }
        let lease = Duration::from_secs(self.lease_secs.max(0) as u64);
        let results: Vec<anyhow::Result<Delivery>> = futures::stream::iter(claimed)
            .map(|reminder| self.deliver(reminder, now, claimed_at, lease))
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        // A reminder whose bookkeeping failed mid-way is claimed again when its lease runs out.
        super::gather(outcome, results, "reminder bookkeeping failed")
    }

    async fn deliver(
        &self,
        reminder: ClaimedReminder,
        now: i64,
        claimed_at: Instant,
        lease: Duration,
    ) -> anyhow::Result<Delivery> {
        let store = &self.store;
        let Some(appointment) = store
            .appointment(reminder.user_id, reminder.appointment_id)
            .await?
        else {
            // Deleted with its user (/forget): the reminder went with it.
            return Ok(Delivery::Failed);
        };
        if appointment.status != AppointmentStatus::Booked {
            store.mark_reminder_failed(reminder.id, "cancelled").await?;
            return Ok(Delivery::Failed);
        }
        if appointment.booking.visit_at <= now {
            // Late (the bot was down): a reminder of a visit that has begun helps nobody.
            store
                .mark_reminder_failed(reminder.id, "visit-passed")
                .await?;
            return Ok(Delivery::Failed);
        }
        if claimed_at.elapsed() + LEASE_MARGIN >= lease {
            store.release_reminder(reminder.id).await?;
            return Ok(Delivery::Released);
        }
        let lang = store
            .user(reminder.user_id)
            .await?
            .map(|user| user.message_lang())
            .unwrap_or_default();
        let screen = reminder_screen(lang, self.demo, &appointment, self.region_tz, now);
        let sent = self
            .bot
            .send_message(ChatId(reminder.user_id), screen.text)
            .parse_mode(ParseMode::Html)
            .reply_markup(InlineKeyboardMarkup::new(screen.keyboard))
            .await;
        match sent {
            Ok(_) => {
                if !store.mark_reminder_sent(reminder.id, now).await? {
                    tracing::warn!(
                        reminder = reminder.id,
                        "a sent reminder was no longer pending (changed meanwhile)"
                    );
                }
                Ok(Delivery::Sent)
            }
            Err(err) => {
                let verdict = classify(&err, reminder.attempts, now);
                match verdict {
                    Verdict::Final(kind) => {
                        tracing::info!(
                            reminder = reminder.id,
                            user = %crate::telemetry::user_tag(reminder.user_id),
                            kind,
                            "reminder cannot be delivered"
                        );
                        store.mark_reminder_failed(reminder.id, kind).await?;
                        Ok(Delivery::Failed)
                    }
                    Verdict::RetryAt(at, kind) => {
                        tracing::warn!(
                            reminder = reminder.id,
                            kind,
                            retry_at = at,
                            "reminder deferred"
                        );
                        store.reschedule_reminder(reminder.id, at, kind).await?;
                        Ok(Delivery::Retried)
                    }
                }
            }
        }
    }

    /// Runs until `shutdown` turns true: a step, then sleep until the next reminder is due (or the store
    /// rings the waker, or a minute passes). A step in progress is finished before stopping.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!("reminder worker started");
        let waker = self.store.reminder_waker().clone();
        loop {
            if *shutdown.borrow() {
                break;
            }
            let step = self.try_execute_step(unix_now()).await;
            self.progress.send_modify(|p| p.steps += 1);
            let pause = match step {
                // A full batch: there may be more due right now.
                Ok(outcome) if outcome.claimed as i64 >= self.batch => continue,
                Ok(outcome) => match self.store.next_reminder_at().await {
                    Ok(next) => until_next(next, unix_now(), outcome.claimed == 0),
                    Err(err) => {
                        tracing::error!(error = %err, "cannot read the next reminder time");
                        Duration::from_secs(5)
                    }
                },
                Err(err) => {
                    tracing::error!(error = %err, "reminder step failed");
                    Duration::from_secs(5)
                }
            };
            self.progress.send_modify(|p| p.waiting = true);
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = waker.woken() => {}
                _ = shutdown.changed() => {}
            }
            self.progress.send_modify(|p| p.waiting = false);
        }
        tracing::info!("reminder worker stopped");
    }
}

/// How long to sleep when the next reminder can be claimed at `next` (Unix seconds). Something already
/// due that this step could not claim (another instance holds it) is looked at again in a second.
fn until_next(next: Option<i64>, now: i64, idle: bool) -> Duration {
    match next {
        None => MAX_IDLE,
        Some(at) if at > now => {
            // Wake at the start of second `at`: the claim compares whole seconds.
            let wall = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            let target = Duration::from_secs(at.max(0) as u64);
            target.saturating_sub(wall).min(MAX_IDLE)
        }
        Some(_) if idle => Duration::from_secs(1),
        Some(_) => Duration::ZERO,
    }
}

enum Verdict {
    Final(&'static str),
    RetryAt(i64, &'static str),
}

/// What to do after a failed send. The kinds are stored and logged: never message text or personal data.
fn classify(err: &RequestError, attempts: i32, now: i64) -> Verdict {
    match err {
        RequestError::Api(ApiError::BotBlocked) => Verdict::Final("bot-blocked"),
        RequestError::Api(ApiError::ChatNotFound) => Verdict::Final("chat-not-found"),
        RequestError::Api(ApiError::UserDeactivated) => Verdict::Final("user-deactivated"),
        RequestError::Api(ApiError::BotKicked | ApiError::BotKickedFromSupergroup) => {
            Verdict::Final("bot-kicked")
        }
        RequestError::Api(ApiError::CantInitiateConversation | ApiError::CantTalkWithBots) => {
            Verdict::Final("cannot-write")
        }
        RequestError::MigrateToChatId(_) => Verdict::Final("chat-migrated"),
        // Flood control: wait as long as Telegram says, without counting it as a failure.
        RequestError::RetryAfter(after) => {
            Verdict::RetryAt(now + after.seconds() as i64 + 1, "retry-after")
        }
        RequestError::Api(ApiError::Unknown(_)) | RequestError::Api(_)
            if attempts >= MAX_ATTEMPTS =>
        {
            Verdict::Final("api-error")
        }
        RequestError::Api(_) => Verdict::RetryAt(now + backoff_secs(attempts), "api-error"),
        RequestError::Network(_) | RequestError::Io(_) | RequestError::InvalidJson { .. }
            if attempts >= MAX_ATTEMPTS =>
        {
            Verdict::Final("network")
        }
        RequestError::Network(_) | RequestError::Io(_) | RequestError::InvalidJson { .. } => {
            Verdict::RetryAt(now + backoff_secs(attempts), "network")
        }
    }
}

/// 15 s, 30 s, 1 min, 2 min … at most 30 min, after attempt `attempts` (1 for the first).
pub fn backoff_secs(attempts: i32) -> i64 {
    let exponent = attempts.clamp(1, 12) as u32 - 1;
    (15i64 << exponent).min(30 * 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_half_an_hour() {
        assert_eq!(backoff_secs(1), 15);
        assert_eq!(backoff_secs(2), 30);
        assert_eq!(backoff_secs(3), 60);
        assert_eq!(backoff_secs(9), 30 * 60);
        assert_eq!(backoff_secs(100), 30 * 60);
        assert_eq!(backoff_secs(0), 15);
    }

    #[test]
    fn users_who_cannot_be_reached_are_final_and_flood_control_waits() {
        let now = 1_000;
        for (err, kind) in [
            (RequestError::Api(ApiError::BotBlocked), "bot-blocked"),
            (RequestError::Api(ApiError::ChatNotFound), "chat-not-found"),
            (
                RequestError::Api(ApiError::UserDeactivated),
                "user-deactivated",
            ),
        ] {
            assert!(matches!(classify(&err, 1, now), Verdict::Final(k) if k == kind));
        }
        let flood = RequestError::RetryAfter(teloxide::types::Seconds::from_seconds(7));
        assert!(matches!(
            classify(&flood, 50, now),
            Verdict::RetryAt(1_008, "retry-after")
        ));
        let odd = RequestError::Api(ApiError::Unknown("Internal Server Error".into()));
        assert!(matches!(
            classify(&odd, 1, now),
            Verdict::RetryAt(1_015, "api-error")
        ));
        assert!(matches!(
            classify(&odd, MAX_ATTEMPTS, now),
            Verdict::Final("api-error")
        ));
    }

    #[test]
    fn the_sleep_ends_at_the_next_due_second_and_never_spins() {
        assert_eq!(until_next(None, 100, true), MAX_IDLE);
        assert_eq!(until_next(Some(50), 100, true), Duration::from_secs(1));
        assert_eq!(until_next(Some(50), 100, false), Duration::ZERO);
        let now = unix_now();
        let pause = until_next(Some(now + 3), now, true);
        assert!(
            pause <= Duration::from_secs(3) && pause > Duration::from_secs(1),
            "{pause:?}"
        );
        assert_eq!(until_next(Some(now + 10_000), now, true), MAX_IDLE);
    }
}
