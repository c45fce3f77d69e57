//! Many request-level trials in parallel, reduced deterministically: trials are cut into
//! fixed chunks of `CHUNK_TRIALS` consecutive numbers, each chunk runs sequentially, and the
//! chunks' accumulators merge in chunk order, so the result is bit-identical for any number
//! of threads (`montecarlo::extend_chunks`, with smaller chunks: a request-level trial is
//! long).

use super::model::Model;
use super::trial::{TrialCounts, TrialRunner};
use crate::stats::{Moments, PairMoments};

pub const CHUNK_TRIALS: u64 = 4;

/// What the trials counted, as mergeable sums.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Accumulator {
    /// Per trial: (failed requests, requests); the unavailability is their ratio of means.
    pub failed_and_requests: PairMoments,
    /// Per trial: requests served by a fallback.
    pub fallback: Moments,
    pub requests: u64,
    pub failed: u64,
    pub served_by_fallback: u64,
}

impl Accumulator {
    pub fn add(&mut self, counts: &TrialCounts) {
        self.failed_and_requests
            .add(counts.failed as f64, counts.requests as f64);
        self.fallback.add(counts.fallback as f64);
        self.requests += counts.requests;
        self.failed += counts.failed;
        self.served_by_fallback += counts.fallback;
    }

    pub fn merge(&mut self, other: &Accumulator) {
        self.failed_and_requests.merge(&other.failed_and_requests);
        self.fallback.merge(&other.fallback);
        self.requests += other.requests;
        self.failed += other.failed;
        self.served_by_fallback += other.served_by_fallback;
    }

    pub fn trials(&self) -> u64 {
        self.failed_and_requests.x.count()
    }

    /// Failed requests / requests, with its delta-method standard error across trials.
    pub fn unavailability(&self) -> (f64, f64) {
        self.failed_and_requests.ratio().unwrap_or((0.0, 0.0))
    }
}

/// Runs trials `first..first + count` sequentially.
pub fn run_trials(model: &Model, first: u64, count: u64) -> Accumulator {
    let mut accumulator = Accumulator::default();
    let mut runner = TrialRunner::new(model);
    for trial in first..first + count {
        accumulator.add(&runner.run(trial));
    }
    accumulator
}

/// Runs `trials` trials on the current rayon pool; `progress` gets the trials finished.
pub fn run(model: &Model, trials: u64, progress: &(dyn Fn(u64) + Sync)) -> Accumulator {
    let mut total = Accumulator::default();
    crate::montecarlo::extend_chunks(
        CHUNK_TRIALS,
        0,
        trials,
        progress,
        &|| false,
        |first, count| run_trials(model, first, count),
        |part| total.merge(&part),
    );
    total
}
