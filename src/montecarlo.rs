//! Monte Carlo runner: many independent trials in parallel, reduced deterministically.
//!
//! Trials are cut into chunks of `CHUNK_TRIALS` consecutive trial numbers. Each chunk runs
//! sequentially into its own `RunAccumulator`; chunks run in parallel with rayon, a bounded
//! batch at a time, and are merged strictly in chunk order. Chunk boundaries depend only on
//! the trial count, so the merged result is bit-identical for any thread count, and memory
//! is bounded by one batch of fixed-size accumulators whatever the number of trials.

use rayon::prelude::*;

use crate::engine::{Plan, TrialOutcome, TrialRunner};
use crate::stats::{LogHistogram, Moments, PairMoments};
use crate::time::{ticks_to_minutes, ticks_to_years, Ticks};

/// Trials per chunk: the unit of parallel work and of ordered merging.
pub const CHUNK_TRIALS: u64 = 256;
/// Chunks in flight at once: bounds memory to this many accumulators.
const BATCH_CHUNKS: u64 = 64;

/// SLA tiers as availability fractions, from the loosest.
pub const TIERS: [f64; 4] = [0.99, 0.999, 0.9999, 0.99999];

/// Everything the run measured, as mergeable sums. Its size depends on the scenario (one
/// entry per component) but not on the number of trials.
#[derive(Debug, Clone, PartialEq)]
pub struct RunAccumulator {
    pub horizon: Ticks,
    /// Per-trial downtime as a fraction of the horizon (1 - availability).
    pub downtime_fraction: Moments,
    pub downtime_histogram: LogHistogram,
    /// Per tier: trials whose availability met it.
    pub trials_meeting_tier: [u64; TIERS.len()],
    /// Trials with any downtime at all.
    pub trials_with_downtime: u64,
    pub incidents_per_year: Moments,
    /// (downtime minutes, incidents) per trial: mean outage length is their ratio of means.
    pub outage_minutes_and_incidents: PairMoments,
    pub component_downtime_fraction: Vec<Moments>,
    pub component_own_downtime_fraction: Vec<Moments>,
    pub events: u64,
}

impl RunAccumulator {
    pub fn new(plan: &Plan) -> Self {
        RunAccumulator {
            horizon: plan.horizon,
            downtime_fraction: Moments::default(),
            downtime_histogram: LogHistogram::default(),
            trials_meeting_tier: [0; TIERS.len()],
            trials_with_downtime: 0,
            incidents_per_year: Moments::default(),
            outage_minutes_and_incidents: PairMoments::default(),
            component_downtime_fraction: vec![Moments::default(); plan.components.len()],
            component_own_downtime_fraction: vec![Moments::default(); plan.components.len()],
            events: 0,
        }
    }

    pub fn trials(&self) -> u64 {
        self.downtime_fraction.count()
    }

    pub fn add(&mut self, outcome: &TrialOutcome) {
        let horizon = self.horizon as f64;
        let fraction = outcome.downtime as f64 / horizon;
        self.downtime_fraction.add(fraction);
        self.downtime_histogram.add(fraction);
        for (met, tier) in self.trials_meeting_tier.iter_mut().zip(TIERS) {
            // Compare times, not availabilities, so 1 - 0.999 rounding cannot flip a year.
            if (outcome.downtime as f64) <= horizon * (1.0 - tier) {
                *met += 1;
            }
        }
        self.trials_with_downtime += u64::from(outcome.downtime > 0);
        self.incidents_per_year
            .add(f64::from(outcome.incidents) / ticks_to_years(self.horizon));
        self.outage_minutes_and_incidents.add(
            ticks_to_minutes(outcome.downtime),
            f64::from(outcome.incidents),
        );
        for (moments, downtime) in self
            .component_downtime_fraction
            .iter_mut()
            .zip(&outcome.component_downtime)
        {
            moments.add(*downtime as f64 / horizon);
        }
        for (moments, downtime) in self
            .component_own_downtime_fraction
            .iter_mut()
            .zip(&outcome.component_own_downtime)
        {
            moments.add(*downtime as f64 / horizon);
        }
        self.events += outcome.events;
    }

    /// Adds the results of later trials. Merging in trial order gives the same bits on
    /// every run.
    pub fn merge(&mut self, other: &RunAccumulator) {
        self.downtime_fraction.merge(&other.downtime_fraction);
        self.downtime_histogram.merge(&other.downtime_histogram);
        for (mine, theirs) in self
            .trials_meeting_tier
            .iter_mut()
            .zip(other.trials_meeting_tier)
        {
            *mine += theirs;
        }
        self.trials_with_downtime += other.trials_with_downtime;
        self.incidents_per_year.merge(&other.incidents_per_year);
        self.outage_minutes_and_incidents
            .merge(&other.outage_minutes_and_incidents);
        for (mine, theirs) in self
            .component_downtime_fraction
            .iter_mut()
            .zip(&other.component_downtime_fraction)
        {
            mine.merge(theirs);
        }
        for (mine, theirs) in self
            .component_own_downtime_fraction
            .iter_mut()
            .zip(&other.component_own_downtime_fraction)
        {
            mine.merge(theirs);
        }
        self.events += other.events;
    }
}

/// Runs trials `first..first + count` sequentially into one accumulator.
pub fn run_trials(plan: &Plan, first: u64, count: u64) -> RunAccumulator {
    let mut accumulator = RunAccumulator::new(plan);
    let mut runner = TrialRunner::new(plan);
    for trial in first..first + count {
        accumulator.add(runner.run(trial));
    }
    accumulator
}

/// Runs `trials` trials on the current rayon pool. `progress` is called with the number of
/// trials finished so far (from any thread, in any order); it cannot affect the result.
pub fn run(plan: &Plan, trials: u64, progress: &(dyn Fn(u64) + Sync)) -> RunAccumulator {
    let chunks = trials.div_ceil(CHUNK_TRIALS);
    let mut total = RunAccumulator::new(plan);
    let finished = std::sync::atomic::AtomicU64::new(0);
    let mut batch_start = 0;
    while batch_start < chunks {
        let batch_end = (batch_start + BATCH_CHUNKS).min(chunks);
        let parts: Vec<RunAccumulator> = (batch_start..batch_end)
            .into_par_iter()
            .map(|chunk| {
                let first = chunk * CHUNK_TRIALS;
                let count = CHUNK_TRIALS.min(trials - first);
                let part = run_trials(plan, first, count);
                let done = finished.fetch_add(count, std::sync::atomic::Ordering::Relaxed) + count;
                progress(done);
                part
            })
            .collect();
        for part in &parts {
            total.merge(part);
        }
        batch_start = batch_end;
    }
    total
}
