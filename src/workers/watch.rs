//! The slot-watch worker: every `WATCH_INTERVAL`, the watches due are checked — one registry request per
//! doctor however many watch them ([`Poller`]), within the request budget, with backoff for clinics that
//! do not answer — and each watch takes the free slots in its window that it has not skipped: it books
//! the soonest for its person (auto-book), or tells the user of the new ones and keeps looking.
//!
//! Watches are claimed in the store by moving their next check on, so several instances share them and
//! never look at the same one at once; an auto-booking claims its watch once more (one booking per watch,
//! whatever the instances). What was told is remembered per watch (`seen`): the same slots are never
//! announced twice, slots that were taken and came back are new again, and a notice that could not be sent
//! for a passing reason is tried again at the next check. A watch that ends without a find says so once.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use teloxide::adaptors::Throttle;
use teloxide::prelude::*;
use tokio::sync::watch;

use crate::bot::Ctx;
use crate::domain::watch_window::local_date;
use crate::store::{unix_now, Watch, WatchChecked, WatchStatus};
use crate::visits::autobook::{auto_book, choose, AutoBooked, Choice};
use crate::visits::watch::{in_window, FreeSlot, Polled, Poller, Target};

pub use super::watch_notice::{Delivery, TelegramNotifier, WatchNews, WatchNotifier};

/// Watches claimed in one step (the worker steps again at once after a full one).
pub const DEFAULT_BATCH: i64 = 1000;
/// How often the worker looks for watches due.
const TICK: Duration = Duration::from_secs(15);

/// What one step did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WatchStep {
    /// Watches claimed.
    pub checked: usize,
    /// Notices of slots found that Telegram took.
    pub notified: usize,
    /// Slots booked by auto-book.
    pub booked: usize,
    /// Watches whose registry did not answer (looked at again after a backoff).
    pub unanswered: usize,
    /// Watches the request budget did not reach (looked at again soon).
    pub deferred: usize,
    /// Watches dropped because their user cannot be written to.
    pub dropped: usize,
    /// Watches that ended.
    pub expired: usize,
}

#[derive(Clone)]
pub struct WatchWorker {
    ctx: Arc<Ctx>,
    notifier: Arc<dyn WatchNotifier>,
    poller: Arc<Poller>,
    batch: i64,
}

impl WatchWorker {
    /// The worker as the bot runs it: notices through `bot`, the budget of `WATCH_BUDGET`.
    pub fn new(ctx: Arc<Ctx>, bot: Throttle<Bot>) -> Self {
        let notifier = TelegramNotifier {
            bot,
            store: ctx.store.clone(),
            demo: ctx.settings.is_demo(),
            tz: ctx.settings.region_tz,
        };
        Self::with_notifier(ctx, Arc::new(notifier))
    }

    /// The worker telling users through `notifier`.
    pub fn with_notifier(ctx: Arc<Ctx>, notifier: Arc<dyn WatchNotifier>) -> Self {
        let interval = ctx.settings.watch_interval.as_secs() as i64;
        let poller = Arc::new(Poller::new(ctx.settings.watch_budget, interval));
        Self {
            ctx,
            notifier,
            poller,
            batch: DEFAULT_BATCH,
        }
    }

    /// The registry requests made, held back and failed so far.
    pub fn poller(&self) -> &Poller {
        &self.poller
    }

    fn interval_secs(&self) -> i64 {
        (self.ctx.settings.watch_interval.as_secs() as i64).max(1)
    }

    /// Claims the watches due at `now`, checks their targets once each, and acts on what each finds.
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
        let today = local_date(now, ctx.settings.region_tz);
        let mut active = Vec::new();
        for watch in watches {
            if watch.expires_at <= now || watch.plan.window.is_over(today) {
                self.expire(&watch, now, &mut step).await?;
                continue;
            }
            match watch.status {
                WatchStatus::Active => active.push(watch),
                // A booking whose worker died: the watch is looked at again (a visit the sync stored
                // meanwhile keeps it from booking twice).
                WatchStatus::Booking => {
                    ctx.store
                        .finish_watch_booking(watch.id, false, None, now, now)
                        .await?
                }
                WatchStatus::Paused | WatchStatus::Booked | WatchStatus::Expired => {}
            }
        }
        let targets: BTreeSet<Target> = active.iter().map(Target::of).collect();
        let targets: Vec<Target> = targets.into_iter().collect();
        let polled = self.poller.poll(ctx.registry.as_ref(), &targets, now).await;
        let next = self.next_checks(&polled, now);
        for watch in &active {
            let target = Target::of(watch);
            let (Some(result), Some(next)) = (polled.get(&target), next.get(&target)) else {
                continue;
            };
            self.check(watch, result, *next, now, &mut step).await?;
        }
        self.align(&active, &polled, &next, now).await?;
        if step.checked > 0 {
            super::log_counts("watch step", &step);
        }
        Ok(step)
    }

    /// When each target is looked at again: an interval on (with a jitter of up to a tenth, the same for
    /// every watch of the target), after the backoff, or soon when the budget ran out.
    fn next_checks(&self, polled: &BTreeMap<Target, Polled>, now: i64) -> BTreeMap<Target, i64> {
        let interval = self.interval_secs();
        let mut rng = rand::thread_rng();
        polled
            .iter()
            .map(|(target, result)| {
                let next = match result {
                    Polled::Slots(_) => now + interval + rng.gen_range(0..=interval / 10),
                    Polled::Unanswered { retry_at } | Polled::Deferred { retry_at } => *retry_at,
                };
                (target.clone(), next)
            })
            .collect()
    }

    /// Keeps the other watches of each target checked (due later in this interval) due with it.
    async fn align(
        &self,
        active: &[Watch],
        polled: &BTreeMap<Target, Polled>,
        next: &BTreeMap<Target, i64>,
        now: i64,
    ) -> anyhow::Result<()> {
        let mut done = BTreeSet::new();
        for watch in active {
            let target = Target::of(watch);
            if !matches!(polled.get(&target), Some(Polled::Slots(_)))
                || !done.insert(target.clone())
            {
                continue;
            }
            if let Some(at) = next.get(&target) {
                self.ctx
                    .store
                    .align_target(
                        watch.target.lpu_id,
                        &watch.target.specialty_id,
                        watch.target.doctor_id.as_deref(),
                        now,
                        *at,
                    )
                    .await?;
            }
        }
        Ok(())
    }

    /// One watch's part of a check: the slots in its window, booked or told of.
    async fn check(
        &self,
        watch: &Watch,
        polled: &Polled,
        next: i64,
        now: i64,
        step: &mut WatchStep,
    ) -> anyhow::Result<()> {
        let store = &self.ctx.store;
        let slots = match polled {
            Polled::Slots(slots) => slots,
            Polled::Unanswered { .. } | Polled::Deferred { .. } => {
                if matches!(polled, Polled::Unanswered { .. }) {
                    step.unanswered += 1;
                } else {
                    step.deferred += 1;
                }
                return store.postpone_watch(watch.id, next).await;
            }
        };
        metrics::counter!("kvrachu_watch_checks_total").increment(1);
        let tz = self.ctx.settings.region_tz;
        let found = in_window(watch, slots, now, tz);
        let ids: Vec<String> = found.iter().map(|s| s.slot.id.clone()).collect();
        let is_new = |s: &FreeSlot| !watch.seen.contains(&s.slot.id);
        let record = |seen: Vec<String>, found: bool| WatchChecked {
            seen,
            next_check_at: next,
            found,
        };
        if !(found.iter().any(is_new) || (watch.plan.auto_book && !found.is_empty())) {
            // Slots taken meanwhile are forgotten, so that they count as new if they come back.
            let found_any = !found.is_empty();
            return store
                .record_watch_check(watch.id, &record(ids, found_any), now)
                .await;
        }
        let visits = store
            .upcoming_appointments(watch.target.user_id, now)
            .await?;
        match choose(watch, &found, &visits, tz) {
            Choice::Nothing => {
                store
                    .record_watch_check(watch.id, &record(ids, false), now)
                    .await
            }
            Choice::Tell { slots, later } => {
                let fresh: Vec<FreeSlot> = slots.into_iter().filter(is_new).collect();
                self.tell_found(watch, &fresh, later.as_ref(), ids, next, now, step)
                    .await
            }
            Choice::Book { slot, replace } => {
                metrics::counter!("kvrachu_watch_finds_total").increment(1);
                self.book(watch, &slot, replace, &found, next, now, step)
                    .await
            }
        }
    }

    /// Tells the user of `fresh` slots (none: nothing to say) and remembers what they were told.
    #[allow(clippy::too_many_arguments)]
    async fn tell_found(
        &self,
        watch: &Watch,
        fresh: &[FreeSlot],
        later: Option<&crate::store::Appointment>,
        ids: Vec<String>,
        next: i64,
        now: i64,
        step: &mut WatchStep,
    ) -> anyhow::Result<()> {
        let store = &self.ctx.store;
        let mut checked = WatchChecked {
            seen: ids,
            next_check_at: next,
            found: true,
        };
        if fresh.is_empty() {
            return store.record_watch_check(watch.id, &checked, now).await;
        }
        metrics::counter!("kvrachu_watch_finds_total").increment(1);
        let news = WatchNews::Found {
            watch,
            slots: fresh,
            later,
        };
        match self.notifier.tell(news, now).await {
            Delivery::Sent => {
                step.notified += 1;
                tracing::info!(user = %crate::telemetry::user_tag(watch.target.user_id), new = fresh.len(), "watch: notified");
            }
            Delivery::Unreachable => return self.drop_unreachable(watch, step).await,
            // Told nothing: the same slots are still new at the next check.
            Delivery::Failed => checked.seen = watch.seen.clone(),
        }
        store.record_watch_check(watch.id, &checked, now).await
    }

    /// Books `slot` for the watch's person; what cannot be booked is told of instead.
    #[allow(clippy::too_many_arguments)]
    async fn book(
        &self,
        watch: &Watch,
        slot: &FreeSlot,
        replace: Option<crate::store::Appointment>,
        found: &[FreeSlot],
        next: i64,
        now: i64,
        step: &mut WatchStep,
    ) -> anyhow::Result<()> {
        let booked = auto_book(self.ctx.visits(), watch, slot, replace, now, next).await?;
        let outcome = match &booked {
            AutoBooked::Made(_) => "booked",
            AutoBooked::Pending => "pending",
            AutoBooked::CannotBook => "cannot-book",
            AutoBooked::Claimed => "claimed-elsewhere",
            AutoBooked::Missed(_) => "missed",
        };
        metrics::counter!("kvrachu_watch_autobook_total", "outcome" => outcome).increment(1);
        tracing::info!(user = %crate::telemetry::user_tag(watch.target.user_id), outcome, "watch: auto-book");
        match booked {
            AutoBooked::Made(made) => {
                step.booked += 1;
                let news = WatchNews::Booked {
                    watch,
                    appointment: &made.appointment,
                    replaced: made.replaced.as_ref(),
                    not_cancelled: made.not_cancelled.as_ref(),
                };
                // The visit is booked and has its reminders whether or not this notice goes out.
                if self.notifier.tell(news, now).await == Delivery::Unreachable {
                    tracing::info!(user = %crate::telemetry::user_tag(watch.target.user_id), "watch: booked, user unreachable");
                }
                Ok(())
            }
            AutoBooked::CannotBook => {
                let fresh: Vec<FreeSlot> = found
                    .iter()
                    .filter(|s| !watch.seen.contains(&s.slot.id))
                    .cloned()
                    .collect();
                let ids = found.iter().map(|s| s.slot.id.clone()).collect();
                self.tell_found(watch, &fresh, None, ids, next, now, step)
                    .await
            }
            AutoBooked::Pending | AutoBooked::Claimed | AutoBooked::Missed(_) => Ok(()),
        }
    }

    /// Ends a watch past its time (or its window's last day): one notice when it never found anything.
    async fn expire(&self, watch: &Watch, now: i64, step: &mut WatchStep) -> anyhow::Result<()> {
        if watch.last_found_at.is_none() && watch.status != WatchStatus::Booking {
            match self.notifier.tell(WatchNews::Expired { watch }, now).await {
                Delivery::Sent | Delivery::Unreachable => {}
                // Told at the next check (the claim moved it an interval on).
                Delivery::Failed => return Ok(()),
            }
        }
        if self.ctx.store.expire_watch(watch.id, now).await? {
            step.expired += 1;
            metrics::counter!("kvrachu_watch_expired_total").increment(1);
        }
        Ok(())
    }

    async fn drop_unreachable(&self, watch: &Watch, step: &mut WatchStep) -> anyhow::Result<()> {
        // Blocked, deleted: nobody to tell, now or later.
        self.ctx
            .store
            .remove_watch(watch.target.user_id, watch.id)
            .await?;
        step.dropped += 1;
        tracing::info!(user = %crate::telemetry::user_tag(watch.target.user_id), "watch: user unreachable, dropped");
        Ok(())
    }

    /// Runs until `shutdown` turns true: a step every quarter minute (at once after a full batch).
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        tracing::info!(
            interval_secs = self.interval_secs(),
            budget_per_minute = self.ctx.settings.watch_budget,
            "slot watches"
        );
        // A short WATCH_INTERVAL (a test's, say) is looked at twice an interval, so that a watch is
        // checked within one interval of falling due.
        let tick = (self.ctx.settings.watch_interval / 2).clamp(Duration::from_secs(1), TICK);
        super::run_periodically("slot-watch", tick, shutdown, || async {
            let step = self.try_execute_step(unix_now()).await?;
            Ok(step.checked as i64 >= self.batch)
        })
        .await;
    }
}
