//! `sim compare` across uncertain parameters: every scenario runs the same parameter sets
//! (a range at the same path, or of the same name, takes the same value in a set), each
//! set's scenarios on common random numbers, so each set gives a paired difference. The
//! differences across sets say which design wins given what is unknown, not only on
//! average.

use rayon::prelude::*;
use serde::Serialize;

use super::summary::{corrected_linear, percentiles, Noise, Percentiles};
use super::{design_of, set_scenario, set_seed, summarise, Design, SetResult};
use crate::compare::{paired, Chunk, Comparison, Difference, Total};
use crate::engine::Plan;
use crate::scenario::{Scenario, ScenarioError};
use crate::stats::Moments;
use crate::time::MINUTES_PER_YEAR;

/// A difference (scenario minus the first) across parameter sets.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DifferenceUncertainty {
    /// The share of parameter sets in which this scenario loses less service than the
    /// first (after the noise correction).
    pub better_share: f64,
    /// Percentiles across sets of the downtime difference (min/yr; negative: better).
    pub downtime_difference: Percentiles,
    pub monte_carlo_noise: Noise,
}

/// Runs `trials_per_set` paired trials of every scenario in each of `samples` parameter
/// sets. The scenarios' seeds must already be equal (the caller sets them).
pub fn compare(
    scenarios: &[Scenario],
    samples: u64,
    trials_per_set: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Comparison, ScenarioError> {
    let seed = scenarios[0].simulation.seed;
    let designs: Vec<Option<Design>> = scenarios
        .iter()
        .map(|s| s.uncertainty.as_ref().map(|_| design_of(s, samples)))
        .collect();
    let mut sets_plans = Vec::with_capacity(samples as usize);
    let mut sets_values = Vec::with_capacity(samples as usize);
    for set in 0..samples {
        let mut plans = Vec::with_capacity(scenarios.len());
        let mut values = Vec::with_capacity(scenarios.len());
        for (scenario, design) in scenarios.iter().zip(&designs) {
            let (one, v) = match design {
                Some(design) => set_scenario(scenario, design, set)?,
                None => {
                    let mut one = scenario.clone();
                    one.simulation.seed = set_seed(seed, set);
                    (one, Vec::new())
                }
            };
            plans.push(Plan::new(&one));
            values.push(v);
        }
        sets_plans.push(plans);
        sets_values.push(values);
    }
    let finished = std::sync::atomic::AtomicU64::new(0);
    let chunks: Vec<Chunk> = sets_plans
        .par_iter()
        .map(|plans| {
            let mut total = Total::default();
            crate::compare::extend(plans, &mut total, 0, trials_per_set, &|_| {}, &|| false);
            let done = finished.fetch_add(trials_per_set, std::sync::atomic::Ordering::Relaxed);
            progress(done + trials_per_set);
            total.root().expect("a set runs trials")
        })
        .collect();
    let reports: Vec<_> = scenarios
        .iter()
        .enumerate()
        .map(|(j, scenario)| {
            let sets: Vec<SetResult> = chunks
                .iter()
                .zip(&sets_values)
                .map(|(chunk, values)| SetResult {
                    values: values[j].clone(),
                    accumulator: chunk.accumulators[j].clone(),
                    forced: false,
                })
                .collect();
            let design = designs[j].clone().unwrap_or_else(|| Design {
                keys: Vec::new(),
                quantiles: Vec::new(),
            });
            summarise(scenario, design, sets).report
        })
        .collect();
    let differences = (1..scenarios.len())
        .map(|j| difference(&reports, &chunks, j))
        .collect();
    Ok(Comparison {
        seed,
        trials: trials_per_set * samples,
        reports,
        differences,
        precision: None,
    })
}

/// Scenario `j` against the first: the mean difference with its error between sets, and
/// its spread across sets.
fn difference(reports: &[crate::report::RunReport], chunks: &[Chunk], j: usize) -> Difference {
    let (per_set, errors): (Vec<f64>, Vec<f64>) = chunks
        .iter()
        .map(|c| {
            let d = &c.differences[j - 1];
            (d.mean(), d.std_error())
        })
        .unzip();
    // Errors between the design's independent replicates, t-widened (see `pooled`).
    let blocks = super::design::blocks(per_set.len() as u64);
    let mut between = Moments::default();
    for block in &blocks {
        let values = &per_set[block.clone()];
        between.add(values.iter().sum::<f64>() / values.len() as f64);
    }
    between.widen(super::t_factor(blocks.len()));
    let unpaired = reports[0]
        .availability
        .std_error
        .hypot(reports[j].availability.std_error);
    let (fixed, noise) = corrected_linear(&per_set, &errors);
    let better = fixed.iter().filter(|d| **d < 0.0).count() as f64 / fixed.len() as f64;
    let minutes: Vec<f64> = fixed.iter().map(|d| d * MINUTES_PER_YEAR).collect();
    Difference {
        scenario: reports[j].scenario.clone(),
        availability: paired(-between.mean(), between.std_error(), unpaired, -1.0, 1.0),
        downtime_minutes_per_year: paired(
            between.mean() * MINUTES_PER_YEAR,
            between.std_error() * MINUTES_PER_YEAR,
            unpaired * MINUTES_PER_YEAR,
            -MINUTES_PER_YEAR,
            MINUTES_PER_YEAR,
        ),
        uncertainty: Some(DifferenceUncertainty {
            better_share: better,
            downtime_difference: percentiles(&minutes),
            monte_carlo_noise: noise,
        }),
    }
}
