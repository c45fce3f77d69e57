//! Several scenarios on the same trials with common random numbers, and each one's
//! difference from the first estimated from the paired trials.
//!
//! Every random stream is keyed by entity names (src/rng.rs), so the same unit, mode, zone or
//! region draws the same numbers in every scenario: the trial-by-trial differences cancel
//! most of the noise that the separate estimates carry. Each difference is reported with its
//! paired standard error and, for contrast, the unpaired one (sqrt(se_a^2 + se_b^2)).

use serde::Serialize;

use crate::engine::{Plan, TrialRunner};
use crate::montecarlo::RunAccumulator;
use crate::report::RunReport;
use crate::scenario::Scenario;
use crate::stats::{confidence_interval, Moments};
use crate::time::MINUTES_PER_YEAR;

/// A difference (scenario minus the first) with paired and unpaired uncertainty.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PairedDifference {
    pub mean: f64,
    /// From the per-trial differences (common random numbers).
    pub std_error: f64,
    pub ci95: [f64; 2],
    /// What the standard error would be from two independent runs.
    pub unpaired_std_error: f64,
    /// unpaired_std_error / std_error: how much narrower pairing makes the interval.
    pub narrowing: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Difference {
    pub scenario: String,
    pub availability: PairedDifference,
    pub downtime_minutes_per_year: PairedDifference,
    /// With uncertain parameters (written only then): the difference across parameter
    /// sets, paired set by set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncertainty: Option<crate::uncertainty::DifferenceUncertainty>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Comparison {
    pub seed: u64,
    pub trials: u64,
    pub reports: Vec<RunReport>,
    /// One per scenario after the first, in order.
    pub differences: Vec<Difference>,
    /// Under `--precision` (written only then): the least precise scenario's relative
    /// half-width, the target and what stopped the run; each report has its own.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub precision: Option<crate::precision::PrecisionReport>,
}

impl Comparison {
    /// Records how a run under `--precision` ended, here and in each scenario's report
    /// (each with its own precision).
    fn set_precision(&mut self, outcome: crate::precision::PrecisionOutcome, each: &[f64]) {
        self.precision = Some(outcome.into());
        for (report, reached) in self.reports.iter_mut().zip(each) {
            report.precision = Some(
                crate::precision::PrecisionOutcome {
                    reached: *reached,
                    ..outcome
                }
                .into(),
            );
        }
    }
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Chunk {
    pub accumulators: Vec<RunAccumulator>,
    /// Per scenario after the first: per-trial (lost_i - lost_0).
    pub differences: Vec<Moments>,
}

/// Runs every scenario's trials in lockstep (trial t of each, then t + 1) so that the
/// differences pair up. Seeds and trial counts must already be equal (the caller sets them).
pub fn compare(scenarios: &[Scenario], progress: &(dyn Fn(u64) + Sync)) -> Comparison {
    let plans: Vec<Plan> = scenarios.iter().map(Plan::new).collect();
    let trials = scenarios[0].simulation.trials;
    let mut total = Total::default();
    extend(&plans, &mut total, 0, trials, progress, &|| false);
    finish(scenarios, &plans, total.root(), trials)
}

/// `compare` under `--precision`: in lockstep until every scenario's unavailability has
/// reached the precision (or a bound stopped the run); the seed must already be equal.
pub fn compare_to_precision(
    scenarios: &[Scenario],
    rule: &crate::precision::StopRule,
    progress: &(dyn Fn(u64, f64) + Sync),
) -> (Comparison, crate::precision::PrecisionOutcome) {
    let plans: Vec<Plan> = scenarios.iter().map(Plan::new).collect();
    let pilot = |plans: &[Plan], first: u64| {
        let mut chunks = Total::default();
        let to = first + crate::precision::FIRST_STEP;
        extend(plans, &mut chunks, first, to, &|_| {}, &|| false);
        let total = chunks.root().expect("a pilot runs trials");
        crate::rare_events::Pilot::of(&total.accumulators, crate::precision::FIRST_STEP)
    };
    let choice = crate::rare_events::choose(
        &plans,
        rule,
        rule.rare_events,
        || pilot(&plans, 0),
        |forced| pilot(forced, crate::rare_events::PILOT_FIRST_TRIAL),
    );
    let used = choice.forced.as_deref().unwrap_or(&plans);
    let mut chunks = Total::default();
    let mut total: Option<Chunk> = None;
    let (trials, outcome) = crate::precision::drive(
        rule,
        choice.forced.is_some(),
        |from, to, progress, stop| {
            let done = extend(used, &mut chunks, from, to, progress, stop);
            total = chunks.root();
            let (precision, may_stop) = total.as_ref().map_or((f64::INFINITY, true), |t| {
                let may_stop = t.accumulators.iter().all(RunAccumulator::may_stop);
                (least_precise(t), may_stop)
            });
            crate::precision::Measure {
                done,
                precision,
                may_stop,
            }
        },
        progress,
    );
    let each: Vec<f64> = total.as_ref().map_or(Vec::new(), |t| {
        t.accumulators
            .iter()
            .map(RunAccumulator::relative_half_width)
            .collect()
    });
    let rare_events: Vec<_> = total.as_ref().map_or(Vec::new(), |t| {
        t.accumulators
            .iter()
            .map(|a| crate::rare_events::RareEventsReport::new(&choice, a))
            .collect()
    });
    let mut comparison = finish(scenarios, &plans, total, trials);
    comparison.set_precision(outcome, &each);
    for (report, rare) in comparison.reports.iter_mut().zip(rare_events) {
        report.rare_events = Some(rare);
    }
    (comparison, outcome)
}

/// The least precise scenario's relative half-width: it decides when a comparison stops.
pub fn least_precise(total: &Chunk) -> f64 {
    total
        .accumulators
        .iter()
        .map(RunAccumulator::relative_half_width)
        .fold(0.0, f64::max)
}

impl crate::reduction::Merge for Chunk {
    fn merge(&mut self, later: &Self) {
        for (mine, theirs) in self.accumulators.iter_mut().zip(&later.accumulators) {
            mine.merge(theirs);
        }
        for (mine, theirs) in self.differences.iter_mut().zip(&later.differences) {
            mine.merge(theirs);
        }
    }
}

/// The chunks run so far, reduced canonically (`crate::reduction`).
pub type Total = crate::reduction::Reduction<Chunk>;

/// Runs trials `from..to` of every plan in lockstep and adds their chunks to `total` in
/// order; returns the trial count reached (less than `to` only when `stop` said so).
pub fn extend(
    plans: &[Plan],
    total: &mut Total,
    from: u64,
    to: u64,
    progress: &(dyn Fn(u64) + Sync),
    stop: &dyn Fn() -> bool,
) -> u64 {
    crate::montecarlo::extend_chunks(
        crate::montecarlo::CHUNK_TRIALS,
        from,
        to,
        progress,
        stop,
        |first, count| run_chunk(plans, first, count),
        |part| total.push(part),
    )
}

/// The reports and paired differences of everything run.
pub fn finish(
    scenarios: &[Scenario],
    plans: &[Plan],
    total: Option<Chunk>,
    trials: u64,
) -> Comparison {
    let total = total.expect("at least one trial");
    let reports: Vec<RunReport> = scenarios
        .iter()
        .zip(plans)
        .zip(&total.accumulators)
        .map(|((scenario, plan), accumulator)| RunReport::new(scenario, plan, accumulator))
        .collect();
    let differences = total
        .differences
        .iter()
        .enumerate()
        .map(|(i, moments)| {
            let (base, other) = (&reports[0], &reports[i + 1]);
            let unpaired = base
                .availability
                .std_error
                .hypot(other.availability.std_error);
            // Availability difference = -(lost difference).
            let availability = paired(-moments.mean(), moments.std_error(), unpaired, -1.0, 1.0);
            let downtime = paired(
                moments.mean() * MINUTES_PER_YEAR,
                moments.std_error() * MINUTES_PER_YEAR,
                unpaired * MINUTES_PER_YEAR,
                -MINUTES_PER_YEAR,
                MINUTES_PER_YEAR,
            );
            Difference {
                scenario: other.scenario.clone(),
                availability,
                downtime_minutes_per_year: downtime,
                uncertainty: None,
            }
        })
        .collect();
    Comparison {
        seed: scenarios[0].simulation.seed,
        trials,
        reports,
        differences,
        precision: None,
    }
}

pub(crate) fn paired(
    mean: f64,
    std_error: f64,
    unpaired: f64,
    low: f64,
    high: f64,
) -> PairedDifference {
    PairedDifference {
        mean,
        std_error,
        ci95: confidence_interval(mean, std_error, low, high),
        unpaired_std_error: unpaired,
        narrowing: (std_error > 0.0).then(|| unpaired / std_error),
    }
}

fn run_chunk(plans: &[Plan], first: u64, count: u64) -> Chunk {
    let mut runners: Vec<TrialRunner> = plans.iter().map(TrialRunner::new).collect();
    let mut chunk = Chunk {
        accumulators: plans.iter().map(RunAccumulator::new).collect(),
        differences: vec![Moments::default(); plans.len().saturating_sub(1)],
    };
    for trial in first..first + count {
        let mut base = 0.0;
        for (i, runner) in runners.iter_mut().enumerate() {
            let outcome = runner.run(trial);
            chunk.accumulators[i].add(trial, outcome);
            // Under rare-event forcing each side is weight x value: the difference of two
            // unbiased estimates (weight exactly 1 without forcing).
            let lost = outcome.weight * outcome.lost;
            if i == 0 {
                base = lost;
            } else {
                chunk.differences[i - 1].add(lost - base);
            }
        }
    }
    chunk
}
