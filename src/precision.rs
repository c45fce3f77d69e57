//! Running to a requested precision (`--precision R`): trials in steps, each step's size
//! decided from the results so far, until the 95% interval of the unavailability has a
//! half-width of at most R times the estimate, or a bound (`--max-trials`,
//! `--time-limit`) stops the run first.
//!
//! Every decision is taken at a trial count that depends only on the results of the trials
//! before it, and those are merged in trial order (chunks of `CHUNK_TRIALS`), so the output
//! is byte-identical for any number of threads, and a run that stops at N trials reports
//! exactly what `--trials N` would. Only `--time-limit` depends on the machine: it ends the
//! run at the first chunk batch boundary after the limit, and the report says so.

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::montecarlo::CHUNK_TRIALS;
use crate::stats::Moments;

/// z for a two-sided 95% interval.
const Z95: f64 = 1.959_963_984_540_054;

/// The first step's trials (4 chunks).
pub const FIRST_STEP: u64 = 4 * CHUNK_TRIALS;

/// The trial bound under `--precision` without `--max-trials`: a billion, enough for rare
/// designs at this engine's speed only with a time limit in practice (documented).
pub const DEFAULT_MAX_TRIALS: u64 = 1_000_000_000;

/// What ends a run under `--precision`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StopRule {
    /// Target relative half-width of the 95% interval of the unavailability, in (0, 1).
    pub target: f64,
    pub max_trials: u64,
    pub time_limit: Option<Duration>,
    /// Whether rare events may be accelerated (`--rare-events`).
    pub rare_events: crate::rare_events::RareEventsMode,
}

/// Why a run under `--precision` stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StoppedBy {
    /// The target was reached.
    Precision,
    MaxTrials,
    TimeLimit,
}

impl StoppedBy {
    pub fn describe(self) -> &'static str {
        match self {
            StoppedBy::Precision => "the target was reached",
            StoppedBy::MaxTrials => "stopped by --max-trials before the target",
            StoppedBy::TimeLimit => "stopped by --time-limit before the target",
        }
    }
}

/// The outcome of a run under `--precision`, for the reports.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PrecisionOutcome {
    /// The relative half-width reached (infinite, written as null, with no downtime seen).
    pub reached: f64,
    pub target: f64,
    pub stopped_by: StoppedBy,
}

/// How a run under `--precision` ended, as the reports write it (flattened into them:
/// `precision`, null if no downtime was seen, `precision_target`, `stopped_by`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PrecisionReport {
    pub precision: Option<f64>,
    pub precision_target: f64,
    pub stopped_by: StoppedBy,
}

impl From<PrecisionOutcome> for PrecisionReport {
    fn from(outcome: PrecisionOutcome) -> Self {
        PrecisionReport {
            precision: outcome.reached.is_finite().then_some(outcome.reached),
            precision_target: outcome.target,
            stopped_by: outcome.stopped_by,
        }
    }
}

impl PrecisionReport {
    /// "+/-x% (target +/-y%): what stopped it", for the tables.
    pub fn summary(&self) -> String {
        let reached = self
            .precision
            .map_or("unknown (no downtime seen)".to_string(), |r| {
                format!("+/-{:.2}%", r * 100.0)
            });
        format!(
            "{reached} (target +/-{:.2}%): {}",
            self.precision_target * 100.0,
            self.stopped_by.describe()
        )
    }
}

/// The relative half-width of the 95% interval of a mean: z x s.e. / mean; infinite while
/// the mean is 0 (nothing seen yet, so nothing is known relative to it).
pub fn relative_half_width(moments: &Moments) -> f64 {
    let mean = moments.mean();
    if moments.count() < 2 || mean <= 0.0 {
        f64::INFINITY
    } else {
        Z95 * moments.std_error() / mean
    }
}

/// The trial count of the next decision after `done` trials at relative half-width
/// `reached`: the count the 1 / sqrt(n) law predicts for the target, with 10% to spare, at
/// least one more chunk batch's worth and at most double, in whole chunks, within the
/// bound.
pub fn next_step(done: u64, reached: f64, rule: &StopRule) -> u64 {
    let predicted = if reached.is_finite() {
        let ratio = reached / rule.target;
        (done as f64 * ratio * ratio * 1.1).ceil()
    } else {
        f64::INFINITY
    };
    let floor = done + FIRST_STEP;
    let ceiling = done.saturating_mul(2).max(floor);
    let next = if predicted.is_finite() {
        (predicted as u64).clamp(floor, ceiling)
    } else {
        ceiling
    };
    let next = next.div_ceil(CHUNK_TRIALS).saturating_mul(CHUNK_TRIALS);
    next.min(rule.max_trials)
}

/// What one step of a run measured: the trials reached, the precision of everything so
/// far, and whether the run may stop there (importance sampling's guards, always true for
/// plain Monte Carlo).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measure {
    pub done: u64,
    pub precision: f64,
    pub may_stop: bool,
}

/// Extra trials, as a fraction of those run, after an importance-sampled run first reaches
/// its target (1: as many again): stopping at the first crossing under-covers, because the
/// variance estimate tends to be low there (Glynn & Whitt, Ann. Appl. Prob. 2, 1992). A
/// 25% extension covered 89/100 on skewed Weibull weights, doubling 93/100
/// (docs/precision.md).
pub const EXTENSION: f64 = 1.0;

/// Drives a run to the rule: `step(from, to, progress, stop)` simulates trials
/// `from..to`, merging them in order and telling `progress` the trials done, and returns
/// how far it got (less than `to` only when `stop()` said so between its batches) with the
/// precision of everything so far; `progress` hears (trials done, precision reached so
/// far). With `extend` (importance sampling), the run continues `EXTENSION` further each
/// time the target is reached, and stops only if the extended sample still meets it. The only clock read in a run is
/// here, for `--time-limit`.
pub fn drive(
    rule: &StopRule,
    extend: bool,
    mut step: impl FnMut(u64, u64, &(dyn Fn(u64) + Sync), &dyn Fn() -> bool) -> Measure,
    progress: &(dyn Fn(u64, f64) + Sync),
) -> (u64, PrecisionOutcome) {
    let deadline = rule.time_limit.map(|limit| Instant::now() + limit);
    let past_deadline = || deadline.is_some_and(|d| Instant::now() >= d);
    let (mut done, mut precision) = (0, f64::INFINITY);
    let mut next = FIRST_STEP.min(rule.max_trials);
    // Under `extend`: the target was reached at the previous step, and this step was its
    // extension; the run stops only if the extended sample still meets it.
    let mut extending = false;
    loop {
        let so_far = precision;
        let measure = step(done, next, &|n| progress(n, so_far), &past_deadline);
        (done, precision) = (measure.done, measure.precision);
        progress(done, precision);
        let reached = precision <= rule.target && measure.may_stop;
        if reached && extend && !extending && done < rule.max_trials {
            extending = true;
            let more = ((done as f64 * EXTENSION).ceil() as u64).max(CHUNK_TRIALS);
            next = (done + more)
                .div_ceil(CHUNK_TRIALS)
                .saturating_mul(CHUNK_TRIALS)
                .min(rule.max_trials);
            continue;
        }
        extending = false;
        let stopped_by = if reached {
            Some(StoppedBy::Precision)
        } else if done >= rule.max_trials {
            Some(StoppedBy::MaxTrials)
        } else if past_deadline() {
            Some(StoppedBy::TimeLimit)
        } else {
            None
        };
        if let Some(stopped_by) = stopped_by {
            return (
                done,
                PrecisionOutcome {
                    reached: precision,
                    target: rule.target,
                    stopped_by,
                },
            );
        }
        // Guards not yet passed: predict as if just short of the target.
        let predicting = if measure.may_stop {
            precision
        } else {
            precision.max(rule.target * 1.05)
        };
        next = next_step(done, predicting, rule);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(target: f64, max_trials: u64) -> StopRule {
        StopRule {
            target,
            max_trials,
            time_limit: None,
            rare_events: Default::default(),
        }
    }

    #[test]
    fn steps_follow_the_square_root_law_within_bounds() {
        let r = rule(0.05, 1_000_000);
        // At 0.10 after 1024 trials: 4 x 1024 x 1.1 = 4506 would be needed, capped at double.
        assert_eq!(next_step(1024, 0.10, &r), 2048);
        // Close to the target: the prediction (10 240 x 1.002^2 x 1.1 = 11 309) in whole
        // chunks, and at least one more first step.
        assert_eq!(next_step(10_240, 0.0501, &r), 11_520);
        assert_eq!(next_step(10_240, 0.04, &r), 10_240 + FIRST_STEP);
        // Nothing seen: double.
        assert_eq!(next_step(4096, f64::INFINITY, &r), 8192);
        // Whole chunks, and never past the bound.
        assert_eq!(next_step(1024, 0.06, &r) % CHUNK_TRIALS, 0);
        assert_eq!(next_step(600_000, 0.2, &rule(0.05, 1_000_000)), 1_000_000);
    }

    #[test]
    fn the_half_width_is_relative_to_the_mean() {
        let mut m = Moments::default();
        assert!(relative_half_width(&m).is_infinite());
        for x in [1.0, 3.0] {
            m.add(x);
        }
        // mean 2, s.e. sqrt(2)/sqrt(2) = 1.
        assert!((relative_half_width(&m) - Z95 / 2.0).abs() < 1e-12);
    }
}
