//! The slot check of watches, kind to the registry: the watches due are grouped by what they wait for
//! ([`Target`]), and each doctor's free slots are asked for once per check however many people watch
//! them (a specialty watch asks for the specialty's doctors once, then for the slots of those with free
//! tickets, shared with the doctor watches of the same check). Requests are bounded by a budget per minute
//! ([`Poller`]), and a doctor whose clinic does not answer (602/603/616/660, a timeout) is left alone for
//! a while that doubles with each failure. The watch worker runs it; the bot only renders what it finds.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;

use chrono_tz::Tz;
use futures::StreamExt;
use governor::clock::FakeRelativeClock;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};

use crate::registry::{listed, Doctor, Registry, RegistryError, Slot};
use crate::store::Watch;

/// A specialty watch looks at the slots of at most this many of its doctors with free tickets.
const MAX_DOCTORS_LOOKED_AT: usize = 10;
/// Registry requests of one check in flight at once.
const CONCURRENCY: usize = 8;
/// The longest wait after failures in a row (unless the interval is longer).
const BACKOFF_MAX_SECS: i64 = 3600;
/// When the budget ran out, the watches left are looked at again this soon.
pub const DEFERRED_SECS: i64 = 20;

/// A free slot as the watch worker sees it: the registry's slot (booked as it is), and whose it is.
#[derive(Clone, Debug, PartialEq)]
pub struct FreeSlot {
    pub slot: Slot,
    pub doctor_id: String,
    /// The doctor's name as the registry's list gave it (for a specialty watch); empty otherwise.
    pub doctor_name: String,
}

impl FreeSlot {
    fn of(slot: Slot, doctor: &str, doctor_name: &str) -> FreeSlot {
        FreeSlot {
            slot,
            doctor_id: doctor.to_owned(),
            doctor_name: doctor_name.to_owned(),
        }
    }
}

/// What a watch waits for: one doctor, or any doctor of a specialty, at a clinic.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    Doctor { lpu_id: i64, doctor_id: String },
    Specialty { lpu_id: i64, specialty_id: String },
}

impl Target {
    pub fn of(watch: &Watch) -> Target {
        match &watch.target.doctor_id {
            Some(doctor_id) => Target::Doctor {
                lpu_id: watch.target.lpu_id,
                doctor_id: doctor_id.clone(),
            },
            None => Target::Specialty {
                lpu_id: watch.target.lpu_id,
                specialty_id: watch.target.specialty_id.clone(),
            },
        }
    }
}

/// What a check found for a target.
#[derive(Clone, Debug, PartialEq)]
pub enum Polled {
    /// Its free slots, soonest first.
    Slots(Vec<FreeSlot>),
    /// The registry did not answer (now, or lately): look again at `retry_at`.
    Unanswered { retry_at: i64 },
    /// The request budget ran out before it: look again at `retry_at`.
    Deferred { retry_at: i64 },
}

/// One registry request a check may make.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Request {
    Doctors { lpu_id: i64, specialty_id: String },
    Slots { lpu_id: i64, doctor_id: String },
}

/// An answer to a [`Request`], or why there is none.
enum Answer {
    Doctors(Vec<Doctor>),
    Slots(Vec<Slot>),
    Failed { retry_at: i64 },
    Deferred { retry_at: i64 },
}

#[derive(Clone, Copy, Debug)]
struct Backoff {
    failures: u32,
    until: i64,
}

/// What a [`Poller`] counted since it was made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PollCounts {
    /// Requests sent to the registry.
    pub requests: u64,
    /// Requests the budget held back.
    pub deferred: u64,
    /// Requests not sent because their clinic was backing off.
    pub backing_off: u64,
    /// Requests that failed.
    pub failed: u64,
}

type Budget =
    RateLimiter<NotKeyed, InMemoryState, FakeRelativeClock, NoOpMiddleware<governor::nanos::Nanos>>;

/// The registry requests of slot watches, across checks: the budget, the backoff of doctors whose clinic
/// did not answer, and the counts. The budget's clock is the checks' explicit "now", so tests and the
/// benchmark run it at any speed; within any minute it lets through at most `budget_per_minute`.
pub struct Poller {
    budget: Budget,
    /// The watches' interval: the first wait after a failure, doubled with each failure in a row.
    interval: i64,
    clock: FakeRelativeClock,
    state: Mutex<PollerState>,
}

#[derive(Default)]
struct PollerState {
    last_now: Option<i64>,
    backoff: HashMap<Request, Backoff>,
    counts: PollCounts,
}

impl Poller {
    /// A poller that sends at most `budget_per_minute` requests in any minute (a quarter of it at once,
    /// the rest spread over the minute), for watches checked every `interval_secs`.
    pub fn new(budget_per_minute: u32, interval_secs: i64) -> Poller {
        let budget_per_minute = budget_per_minute.max(1);
        let burst = (budget_per_minute / 4).max(1);
        let spread = budget_per_minute.saturating_sub(burst).max(1);
        let period = Duration::from_secs(60) / spread;
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_minute(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN));
        let clock = FakeRelativeClock::default();
        Poller {
            budget: RateLimiter::direct_with_clock(quota, clock.clone()),
            interval: interval_secs.max(1),
            clock,
            state: Mutex::default(),
        }
    }

    pub fn counts(&self) -> PollCounts {
        self.lock().counts
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PollerState> {
        // A panic elsewhere while holding the lock leaves only counters and waits behind: carry on.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Moves the budget's clock to `now` (never back).
    fn tick(&self, now: i64) {
        let mut state = self.lock();
        if let Some(last) = state.last_now {
            if now > last {
                self.clock
                    .advance(Duration::from_secs(u64::try_from(now - last).unwrap_or(0)));
            }
        }
        state.last_now = Some(state.last_now.map_or(now, |last| last.max(now)));
    }

    /// The free slots of each target at `now`, one request per doctor (and per specialty's list).
    pub async fn poll(
        &self,
        registry: &dyn Registry,
        targets: &[Target],
        now: i64,
    ) -> BTreeMap<Target, Polled> {
        self.tick(now);
        let lists: BTreeSet<Request> = targets
            .iter()
            .filter_map(|t| match t {
                Target::Specialty {
                    lpu_id,
                    specialty_id,
                } => Some(Request::Doctors {
                    lpu_id: *lpu_id,
                    specialty_id: specialty_id.clone(),
                }),
                Target::Doctor { .. } => None,
            })
            .collect();
        let lists = self
            .ask_all(registry, lists.into_iter().collect(), now)
            .await;
        // The doctors each specialty is looked at through, with their names.
        let mut through: BTreeMap<Target, Vec<(String, String)>> = BTreeMap::new();
        for (request, answer) in &lists {
            if let (
                Request::Doctors {
                    lpu_id,
                    specialty_id,
                },
                Answer::Doctors(doctors),
            ) = (request, answer)
            {
                let doctors = doctors
                    .iter()
                    // The participant count is what a patient can book; tickets may be for the clinic only.
                    .filter(|d| d.free_participant_count > 0)
                    .take(MAX_DOCTORS_LOOKED_AT)
                    .map(|d| (d.id.clone(), d.full_name()))
                    .collect();
                let target = Target::Specialty {
                    lpu_id: *lpu_id,
                    specialty_id: specialty_id.clone(),
                };
                through.insert(target, doctors);
            }
        }
        let mut slots: BTreeSet<Request> = BTreeSet::new();
        for target in targets {
            match target {
                Target::Doctor { lpu_id, doctor_id } => {
                    slots.insert(Request::Slots {
                        lpu_id: *lpu_id,
                        doctor_id: doctor_id.clone(),
                    });
                }
                Target::Specialty { lpu_id, .. } => {
                    for (doctor_id, _) in through.get(target).into_iter().flatten() {
                        slots.insert(Request::Slots {
                            lpu_id: *lpu_id,
                            doctor_id: doctor_id.clone(),
                        });
                    }
                }
            }
        }
        let slots = self
            .ask_all(registry, slots.into_iter().collect(), now)
            .await;
        targets
            .iter()
            .map(|target| {
                let polled = assemble(target, &lists, &through, &slots, now);
                (target.clone(), polled)
            })
            .collect()
    }

    /// Sends the requests the budget and the backoff allow, a few at once.
    async fn ask_all(
        &self,
        registry: &dyn Registry,
        requests: Vec<Request>,
        now: i64,
    ) -> HashMap<Request, Answer> {
        let mut answers = HashMap::new();
        let mut allowed = Vec::new();
        for request in requests {
            match self.admit(&request, now) {
                Some(answer) => {
                    answers.insert(request, answer);
                }
                None => allowed.push(request),
            }
        }
        let asked: Vec<(Request, Result<Answer, RegistryError>)> = futures::stream::iter(allowed)
            .map(|request| async move {
                let answer = ask(registry, &request).await;
                (request, answer)
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        for (request, answer) in asked {
            let answer = self.settle(&request, answer, now);
            answers.insert(request, answer);
        }
        answers
    }

    /// `None` when `request` may be sent now; else why not.
    fn admit(&self, request: &Request, now: i64) -> Option<Answer> {
        let mut state = self.lock();
        if let Some(backoff) = state.backoff.get(request).copied() {
            if backoff.until > now {
                state.counts.backing_off += 1;
                return Some(Answer::Failed {
                    retry_at: backoff.until,
                });
            }
        }
        if self.budget.check().is_err() {
            state.counts.deferred += 1;
            metrics::counter!("kvrachu_watch_deferred_total").increment(1);
            return Some(Answer::Deferred {
                retry_at: now + DEFERRED_SECS,
            });
        }
        state.counts.requests += 1;
        None
    }

    /// Remembers a failure (doubling the wait before this request is sent again) or a success.
    fn settle(&self, request: &Request, answer: Result<Answer, RegistryError>, now: i64) -> Answer {
        let mut state = self.lock();
        match answer {
            Ok(answer) => {
                state.backoff.remove(request);
                answer
            }
            Err(err) => {
                state.counts.failed += 1;
                metrics::counter!("kvrachu_watch_registry_errors_total", "code" => err.metric_code())
                    .increment(1);
                crate::telemetry::registry_error(err.metric_code());
                let failures = state.backoff.get(request).map_or(0, |b| b.failures) + 1;
                let wait = self
                    .interval
                    .saturating_mul(1 << (failures - 1).min(10))
                    .min(BACKOFF_MAX_SECS.max(self.interval));
                let until = now + wait;
                state
                    .backoff
                    .insert(request.clone(), Backoff { failures, until });
                tracing::warn!(error = %err, wait, "watch: the registry did not answer");
                Answer::Failed { retry_at: until }
            }
        }
    }
}

async fn ask(registry: &dyn Registry, request: &Request) -> Result<Answer, RegistryError> {
    metrics::counter!("kvrachu_watch_registry_requests_total").increment(1);
    match request {
        Request::Doctors {
            lpu_id,
            specialty_id,
        } => listed(registry.doctors(*lpu_id, specialty_id))
            .await
            .map(Answer::Doctors),
        Request::Slots { lpu_id, doctor_id } => listed(registry.slots(*lpu_id, doctor_id))
            .await
            .map(Answer::Slots),
    }
}

/// A target's slots from the answers of one check.
fn assemble(
    target: &Target,
    lists: &HashMap<Request, Answer>,
    through: &BTreeMap<Target, Vec<(String, String)>>,
    slots: &HashMap<Request, Answer>,
    now: i64,
) -> Polled {
    let (lpu_id, doctors) = match target {
        Target::Doctor { lpu_id, doctor_id } => (*lpu_id, vec![(doctor_id.clone(), String::new())]),
        Target::Specialty {
            lpu_id,
            specialty_id,
        } => {
            let list = Request::Doctors {
                lpu_id: *lpu_id,
                specialty_id: specialty_id.clone(),
            };
            match lists.get(&list) {
                Some(Answer::Failed { retry_at }) => {
                    return Polled::Unanswered {
                        retry_at: *retry_at,
                    }
                }
                Some(Answer::Deferred { retry_at }) => {
                    return Polled::Deferred {
                        retry_at: *retry_at,
                    }
                }
                None => {
                    return Polled::Deferred {
                        retry_at: now + DEFERRED_SECS,
                    }
                }
                Some(_) => (*lpu_id, through.get(target).cloned().unwrap_or_default()),
            }
        }
    };
    let mut free = Vec::new();
    let mut missing = None;
    for (doctor_id, name) in &doctors {
        let request = Request::Slots {
            lpu_id,
            doctor_id: doctor_id.clone(),
        };
        match slots.get(&request) {
            Some(Answer::Slots(found)) => free.extend(
                found
                    .iter()
                    .cloned()
                    .map(|slot| FreeSlot::of(slot, doctor_id, name)),
            ),
            Some(Answer::Failed { retry_at }) => {
                missing.get_or_insert(Polled::Unanswered {
                    retry_at: *retry_at,
                });
            }
            Some(Answer::Deferred { retry_at }) => {
                missing.get_or_insert(Polled::Deferred {
                    retry_at: *retry_at,
                });
            }
            Some(Answer::Doctors(_)) | None => {}
        }
    }
    // A doctor not answered leaves its target to the next check, unless others of it have free slots.
    match missing {
        Some(polled) if free.is_empty() => polled,
        _ => {
            free.sort_by(|a, b| {
                let (a, b) = (&a.slot, &b.slot);
                a.visit_start
                    .cmp(&b.visit_start)
                    .then_with(|| a.id.cmp(&b.id))
            });
            Polled::Slots(free)
        }
    }
}

/// The free slots a watch may take at `now`: in its window, and not skipped.
pub fn in_window(watch: &Watch, slots: &[FreeSlot], now: i64, tz: Tz) -> Vec<FreeSlot> {
    slots
        .iter()
        .filter(|free| watch.plan.window.admits(free.slot.visit_start, now, tz))
        .filter(|free| !watch.skipped.contains(&free.slot.id))
        .cloned()
        .collect()
}
