//! Whether the registry has been answering lately, for `/readyz`: every call bounded by
//! [`super::within_deadline`] reports its outcome here. A call that got an answer — even a refusal such as
//! "no such patient" — counts as answering; only transient failures (unreachable, timed out, overloaded)
//! count against it. Readiness is lost only when the registry has failed without a single answer for
//! [`SILENT_FOR`]: one slow call does not take an instance out of a load balancer, a registry that is down
//! does (and the instance's pages say why).

use std::sync::atomic::{AtomicI64, Ordering};

use super::RegistryResult;

/// How long the registry may fail without one answer before `/readyz` says so.
pub const SILENT_FOR: i64 = 120;

/// The outcomes of registry calls, as far as readiness goes.
#[derive(Debug, Default)]
pub struct Health {
    /// When the current run of failures began (seconds since the epoch), 0 while the registry answers.
    failing_since: AtomicI64,
}

/// This process's registry calls.
static PROCESS: Health = Health {
    failing_since: AtomicI64::new(0),
};

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl Health {
    /// Notes the outcome of one registry call at `now`.
    fn record<T>(&self, result: &RegistryResult<T>, now: i64) {
        match result {
            Err(err) if err.is_transient() => {
                // The first failure after an answer starts the run; later ones keep its start.
                let _ = self.failing_since.compare_exchange(
                    0,
                    now,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                );
            }
            _ => self.failing_since.store(0, Ordering::Relaxed),
        }
    }

    fn problem(&self, now: i64) -> Option<String> {
        problem_at(self.failing_since.load(Ordering::Relaxed), now)
    }
}

/// Notes the outcome of one registry call of this process.
pub fn record<T>(result: &RegistryResult<T>) {
    PROCESS.record(result, now());
}

/// What `/readyz` should say of this process's registry calls now, if anything.
pub fn problem() -> Option<String> {
    PROCESS.problem(now())
}

fn problem_at(failing_since: i64, now: i64) -> Option<String> {
    let silent = now - failing_since;
    (failing_since > 0 && silent >= SILENT_FOR)
        .then(|| format!("registry not answering for {silent} s"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::RegistryError;

    #[test]
    fn only_a_long_run_of_failures_without_an_answer_is_a_problem() {
        let cases = [
            (0, 1_000, None),
            (1_000, 1_000, None),
            (1_000, 1_000 + SILENT_FOR - 1, None),
            (
                1_000,
                1_000 + SILENT_FOR,
                Some(format!("registry not answering for {SILENT_FOR} s")),
            ),
            (
                1_000,
                1_600,
                Some("registry not answering for 600 s".to_owned()),
            ),
        ];
        for (since, now, expected) in cases {
            assert_eq!(problem_at(since, now), expected, "since {since}, now {now}");
        }
    }

    #[test]
    fn failures_start_a_run_an_answer_or_a_refusal_ends_it() {
        let health = Health::default();
        let down = || Err::<(), _>(RegistryError::Transient("down".to_owned()));
        health.record(&down(), 1_000);
        health.record(&down(), 1_100);
        assert_eq!(health.problem(1_100), None, "not yet two minutes");
        assert_eq!(
            health.problem(1_130),
            Some("registry not answering for 130 s".to_owned()),
            "the run keeps the start of its first failure"
        );
        health.record::<()>(&Err(RegistryError::from_code(404, None)), 1_140);
        assert_eq!(health.problem(1_500), None, "a refusal is an answer");
        health.record(&down(), 2_000);
        health.record::<u8>(&Ok(1), 2_010);
        assert_eq!(health.problem(3_000), None, "an answer ends the run");
        health.record(&down(), 3_000);
        assert!(health.problem(3_120).is_some(), "a new run starts afresh");
    }
}
