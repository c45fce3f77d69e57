//! The outer loop over uncertain parameters (spec uncertainty-and-calibration.md §1,
//! docs/uncertainty.md): draw parameter sets by Latin hypercube, run trials for each, and
//! separate what the ranges say about availability from the Monte Carlo noise of the
//! trials.
//!
//! Pure: the scenarios of the sets are built (and may fail) first, then the runs cannot.

mod compare;
mod design;
mod summary;

use rayon::prelude::*;

use crate::engine::Plan;
use crate::montecarlo::{self, RunAccumulator};
use crate::precision::StopRule;
use crate::scenario::{Scenario, ScenarioError};

pub use compare::{compare, DifferenceUncertainty};
pub use design::{set_seed, Design};
pub use summary::{corrected, Percentiles, UncertaintyReport};

/// Parameter sets drawn when `--samples` does not say.
pub const DEFAULT_SAMPLES: u64 = 200;
/// The fewest trials one parameter set runs without `--precision`.
pub const MIN_TRIALS_PER_SET: u64 = 100;

/// How many trials each parameter set runs.
#[derive(Debug, Clone, Copy)]
pub enum Inner {
    /// This many trials each.
    Trials(u64),
    /// Each set to this precision (with rare-event forcing where it pays).
    Precision(StopRule),
}

impl Inner {
    /// `trials` split evenly over `samples` sets.
    pub fn split(trials: u64, samples: u64) -> Inner {
        Inner::Trials(trials_per_set(trials, samples))
    }
}

/// `trials` split evenly over `samples` sets, at least `MIN_TRIALS_PER_SET` each.
pub fn trials_per_set(trials: u64, samples: u64) -> u64 {
    trials.div_ceil(samples.max(1)).max(MIN_TRIALS_PER_SET)
}

/// One parameter set and what its trials measured.
#[derive(Debug, Clone)]
pub struct SetResult {
    /// The value of each range (seconds for durations), in the scenario's range order.
    pub values: Vec<f64>,
    pub accumulator: RunAccumulator,
    /// Whether rare-event forcing ran this set.
    pub forced: bool,
}

impl SetResult {
    /// Mean lost service (a fraction of demand) and its standard error.
    pub fn lost(&self) -> (f64, f64) {
        let d = &self.accumulator.downtime_fraction;
        (d.mean(), d.std_error())
    }
}

/// The sets of one scenario, ready to run.
pub struct Prepared {
    pub design: Design,
    pub plans: Vec<Plan>,
    pub values: Vec<Vec<f64>>,
}

/// Builds and checks the scenario of every parameter set (a sampled combination can still
/// be invalid, e.g. a uniform's min above its max): the error names the set and values.
pub fn prepare(scenario: &Scenario, samples: u64) -> Result<Prepared, ScenarioError> {
    let design = design_of(scenario, samples);
    let mut plans = Vec::with_capacity(samples as usize);
    let mut all_values = Vec::with_capacity(samples as usize);
    for set in 0..samples {
        let (one, values) = set_scenario(scenario, &design, set)?;
        plans.push(Plan::new(&one));
        all_values.push(values);
    }
    Ok(Prepared {
        design,
        plans,
        values: all_values,
    })
}

fn inputs_of(scenario: &Scenario) -> &crate::scenario::uncertain::UncertainInputs {
    scenario
        .uncertainty
        .as_ref()
        .expect("only scenarios with ranges have parameter sets")
}

/// The Latin hypercube of a scenario with ranges.
pub fn design_of(scenario: &Scenario, samples: u64) -> Design {
    Design::latin_hypercube(
        &inputs_of(scenario).ranges,
        scenario.simulation.seed,
        samples,
    )
}

/// The checked scenario of parameter set `set` (with the set's seed) and its values.
pub fn set_scenario(
    scenario: &Scenario,
    design: &Design,
    set: u64,
) -> Result<(Scenario, Vec<f64>), ScenarioError> {
    let inputs = inputs_of(scenario);
    let values = design.values(&inputs.ranges, set as usize);
    let mut one = inputs.scenario(&values).map_err(|error| {
        let shown: Vec<String> = inputs
            .ranges
            .iter()
            .zip(&values)
            .map(|(r, v)| format!("{} = {}", r.path, r.show(*v)))
            .collect();
        match error {
            ScenarioError::Invalid {
                file,
                location,
                message,
            } => ScenarioError::Invalid {
                file,
                location,
                message: format!(
                    "{message} (in parameter set {set}: {}); narrow the ranges so that every combination is valid",
                    shown.join(", ")
                ),
            },
            other => other,
        }
    })?;
    one.simulation = scenario.simulation;
    one.simulation.seed = set_seed(scenario.simulation.seed, set);
    Ok((one, values))
}

/// Runs every set on the current rayon pool (sets in parallel, each one deterministic), in
/// set order. `progress` gets the trials finished so far.
pub fn run(prepared: &Prepared, inner: Inner, progress: &(dyn Fn(u64) + Sync)) -> Vec<SetResult> {
    let finished = std::sync::atomic::AtomicU64::new(0);
    prepared
        .plans
        .par_iter()
        .zip(&prepared.values)
        .map(|(plan, values)| {
            let (accumulator, forced) = match inner {
                Inner::Trials(n) => (montecarlo::run(plan, n, &|_| {}), false),
                Inner::Precision(rule) => {
                    let (accumulator, _, choice) =
                        montecarlo::run_to_precision(plan, &rule, &|_, _| {});
                    (accumulator, choice.forced.is_some())
                }
            };
            let done = finished
                .fetch_add(accumulator.trials(), std::sync::atomic::Ordering::Relaxed)
                + accumulator.trials();
            progress(done);
            SetResult {
                values: values.clone(),
                accumulator,
                forced,
            }
        })
        .collect()
}

/// The estimate over everything: every set's trials together, with the errors of the
/// means taken between sets (`RunAccumulator::between_groups`).
pub fn pooled(sets: &[SetResult]) -> (RunAccumulator, RunAccumulator) {
    let accumulators: Vec<RunAccumulator> = sets
        .iter()
        .map(|s| {
            let mut a = s.accumulator.clone();
            // Mixed plain and forced sets cannot share weight diagnostics.
            a.importance = None;
            a
        })
        .collect();
    let mut merged = accumulators[0].clone();
    for a in &accumulators[1..] {
        merged.merge(a);
    }
    (merged, RunAccumulator::between_groups(&accumulators))
}

/// A run over parameter sets, ready for the edge: the nominal plan (the ranges' middles,
/// for names and structure), every trial merged (histograms for charts), the report, and
/// each set's results.
pub struct UncertainRun {
    pub plan: Plan,
    pub merged: RunAccumulator,
    pub report: crate::report::RunReport,
    pub sets: Vec<SetResult>,
    pub design: Design,
}

/// The report of a run over parameter sets: the estimate over everything (errors between
/// sets), beside the `uncertainty` section.
pub fn summarise(scenario: &Scenario, design: Design, sets: Vec<SetResult>) -> UncertainRun {
    use crate::report::RunReport;
    let plan = Plan::new(scenario);
    let (merged, between) = pooled(&sets);
    let mut report = RunReport::new(scenario, &plan, &merged);
    report.adopt_errors(&RunReport::new(scenario, &plan, &between));
    // A scenario without ranges run beside one with (sim compare) has no spread to show.
    report.uncertainty = scenario
        .uncertainty
        .as_ref()
        .map(|inputs| UncertaintyReport::new(inputs, &design, &sets));
    // The worst trial: the set and trial (`sim trace --set S --trial N` replays it).
    let worst = sets
        .iter()
        .enumerate()
        .filter_map(|(set, s)| s.accumulator.worst_trial.map(|w| (set, w)))
        .fold(
            None,
            |best: Option<(usize, (u64, f64))>, candidate| match best {
                Some(b) if b.1 .1 >= candidate.1 .1 => Some(b),
                _ => Some(candidate),
            },
        );
    if let Some((set, (trial, lost))) = worst {
        report.worst_trial = crate::report::summary::WorstTrial {
            trial,
            downtime_minutes_per_year: lost * crate::time::MINUTES_PER_YEAR,
            parameter_set: Some(set as u64),
        };
    }
    UncertainRun {
        plan,
        merged,
        report,
        sets,
        design,
    }
}
