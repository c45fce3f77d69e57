//! Choosing how a run under `--precision` estimates: plain Monte Carlo, or importance
//! sampling by failure forcing (`engine::bias`) when the downtime comes from rare
//! coincidences (docs/precision.md, "Rare events").
//!
//! The choice is taken once, from pilots whose results depend only on the scenario and the
//! seed (work is counted in events, not seconds), so the output stays byte-identical for
//! any thread count: a plain pilot of the first step; if plain Monte Carlo would reach the
//! target within `PLAIN_ENOUGH` trials, it continues plain (and the run is exactly
//! `--trials N`'s); otherwise the order-2 cuts are searched and a forced pilot, on trial
//! numbers the estimate never uses, compares the projected work.

use serde::Serialize;

use crate::engine::{BiasPlan, Plan};
use crate::precision::{StopRule, FIRST_STEP};

/// The forced pilot's effective sample size, as a share of its trials, below which forcing
/// is not chosen.
pub const MIN_EFFECTIVE_SHARE: f64 = 0.1;

/// Below this projected trial count plain Monte Carlo is kept, whatever forcing might do.
pub const PLAIN_ENOUGH: f64 = 1e6;

/// The first trial number of the forced pilot: far from any trial an estimate uses.
pub const PILOT_FIRST_TRIAL: u64 = 1 << 62;

/// `--rare-events`: how a run under `--precision` may accelerate rare events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum RareEventsMode {
    /// Plain Monte Carlo, always.
    Off,
    /// Importance sampling when a pilot shows it needs less than half plain's work.
    #[default]
    Auto,
    /// Importance sampling whenever a coincidence can be forced.
    Is,
}

/// The method chosen and why, before the run.
#[derive(Debug, Clone)]
pub struct Choice {
    /// The plans to run: forced copies under importance sampling, or `None` for plain.
    pub forced: Option<Vec<Plan>>,
    pub reason: String,
    /// Failure clocks forcing can move (0 for plain).
    pub forced_clocks: usize,
}

/// What a pilot measured: the precision reached (the worst over scenarios), events per
/// trial and trials with downtime.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pilot {
    pub precision: f64,
    pub events_per_trial: f64,
    pub hits: u64,
    /// Kish's effective sample size of the weights over the pilot's trials (its trial
    /// count for plain Monte Carlo), and whether the mean weight is 1 within 4 s.e.
    pub effective: f64,
    pub weights_ok: bool,
}

impl Pilot {
    /// What a pilot of `trials` trials measured, from each scenario's accumulator: the
    /// least precise, the summed events, the fewest trials with downtime, the smallest
    /// effective sample size, and whether every mean weight is 1 within 4 s.e.
    pub fn of(accumulators: &[crate::montecarlo::RunAccumulator], trials: u64) -> Pilot {
        let n = trials as f64;
        Pilot {
            precision: accumulators
                .iter()
                .map(|a| a.relative_half_width())
                .fold(0.0, f64::max),
            events_per_trial: accumulators.iter().map(|a| a.events as f64).sum::<f64>() / n,
            hits: accumulators
                .iter()
                .map(|a| a.trials_with_downtime)
                .min()
                .unwrap_or(0),
            effective: accumulators
                .iter()
                .map(|a| a.importance.as_ref().map_or(n, |i| i.kish()))
                .fold(n, f64::min),
            weights_ok: accumulators
                .iter()
                .all(|a| a.importance.as_ref().is_none_or(|i| i.weight_check())),
        }
    }

    /// Trials to reach `target` by the 1 / sqrt(n) law (infinite when nothing was seen).
    fn trials_for(&self, target: f64) -> f64 {
        FIRST_STEP as f64 * (self.precision / target).powi(2)
    }

    fn work_for(&self, target: f64) -> f64 {
        self.trials_for(target) * self.events_per_trial.max(1.0)
    }
}

/// The forced copies of `plans`, with the union of their order-2 cuts (so that, in a
/// comparison, the same clocks are forced the same way in every scenario).
pub fn forced_plans(plans: &[Plan]) -> (Vec<Plan>, usize) {
    let mut pairs: Vec<(u64, u64)> = plans.iter().flat_map(BiasPlan::find_pairs).collect();
    pairs.sort_unstable();
    pairs.dedup();
    let mut forced_clocks = 0;
    let biases: Vec<BiasPlan> = plans
        .iter()
        .map(|plan| BiasPlan::from_pairs(plan, &pairs, crate::engine::bias::FORCING_PROBABILITY))
        .collect();
    // One probability for all, so that a comparison forces its scenarios alike.
    let probability = biases
        .iter()
        .filter(|b| b.forces_anything())
        .map(|b| b.probability)
        .fold(crate::engine::bias::FORCING_PROBABILITY, f64::min);
    let forced = plans
        .iter()
        .zip(biases)
        .map(|(plan, mut bias)| {
            bias.probability = probability;
            forced_clocks = forced_clocks.max(bias.forced_clocks());
            let mut plan = plan.clone();
            plan.bias = bias.forces_anything().then_some(bias);
            plan
        })
        .collect::<Vec<_>>();
    (forced, forced_clocks)
}

/// Chooses the method for `plans` under `rule`: `plain_pilot()` runs the first step
/// plain, `forced_pilot(plans)` runs a step of the forced plans on pilot trial numbers.
pub fn choose(
    plans: &[Plan],
    rule: &StopRule,
    mode: RareEventsMode,
    plain_pilot: impl FnOnce() -> Pilot,
    forced_pilot: impl FnOnce(&[Plan]) -> Pilot,
) -> Choice {
    let plain = |reason: String| Choice {
        forced: None,
        reason,
        forced_clocks: 0,
    };
    if mode == RareEventsMode::Off {
        return plain("switched off (--rare-events off)".to_string());
    }
    let plain_pilot = (mode == RareEventsMode::Auto).then(plain_pilot);
    if let Some(pilot) = &plain_pilot {
        let trials = pilot.trials_for(rule.target);
        if trials <= PLAIN_ENOUGH {
            return plain(format!(
                "plain Monte Carlo reaches the target in about {} trials",
                trials.max(FIRST_STEP as f64).round()
            ));
        }
    }
    let clocks = plans
        .iter()
        .map(|p| p.units.len() + p.domains.len())
        .max()
        .unwrap_or(0);
    if clocks > crate::engine::bias::MAX_CLOCKS {
        return plain(format!(
            "the design has {clocks} failure clocks (units, zones, regions); the search for coincidences compares every pair and is not run above {}",
            crate::engine::bias::MAX_CLOCKS
        ));
    }
    let (forced, forced_clocks) = forced_plans(plans);
    if forced.iter().all(|p| p.bias.is_none()) {
        return plain(
            "no failure can be forced: no two failure clocks whose coincidence costs service \
             that neither costs alone, among units with one failure mode and no common cause, \
             zones and regions (changes, shared failures, common causes and cuts of three or \
             more are not forced)"
                .to_string(),
        );
    }
    let Some(plain_pilot) = plain_pilot else {
        return Choice {
            forced: Some(forced),
            reason: "asked for (--rare-events is)".to_string(),
            forced_clocks,
        };
    };
    let pilot = forced_pilot(&forced);
    // Weights that already degenerate over the pilot make an interval that lies (a heavy
    // tail the pilot cannot see), however good the projection looks.
    if !pilot.weights_ok || pilot.effective < MIN_EFFECTIVE_SHARE * FIRST_STEP as f64 {
        return plain(format!(
            "the forced pilot's weights degenerate (effective sample size {:.0} of {FIRST_STEP} trials): forcing is not reliable for this design",
            pilot.effective
        ));
    }
    let (plain_work, forced_work) = (
        plain_pilot.work_for(rule.target),
        pilot.work_for(rule.target),
    );
    let better = if plain_work.is_finite() || forced_work.is_finite() {
        forced_work * 2.0 < plain_work
    } else {
        pilot.hits > plain_pilot.hits
    };
    if better {
        let gain = if plain_work.is_finite() {
            format!(
                "about {:.0}x less work than plain Monte Carlo",
                plain_work / forced_work
            )
        } else {
            "a precision plain Monte Carlo had no downtime to estimate yet".to_string()
        };
        Choice {
            forced: Some(forced),
            reason: format!(
                "the downtime comes from rare coincidences: a forced pilot projects {gain}"
            ),
            forced_clocks,
        }
    } else {
        plain("a forced pilot projected no gain over plain Monte Carlo".to_string())
    }
}

/// How a run under `--precision` estimated: the `rare_events` object of the reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RareEventsReport {
    /// "importance_sampling" or "plain".
    pub method: &'static str,
    pub reason: String,
    /// The weights' diagnostics, under importance sampling only.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub weights: Option<crate::importance::WeightReport>,
}

impl RareEventsReport {
    pub fn new(choice: &Choice, accumulator: &crate::montecarlo::RunAccumulator) -> Self {
        let weights = accumulator.importance.as_ref().map(|stats| {
            crate::importance::WeightReport::new(
                stats,
                &accumulator.downtime_fraction,
                choice.forced_clocks,
            )
        });
        RareEventsReport {
            method: if weights.is_some() {
                "importance_sampling"
            } else {
                "plain"
            },
            reason: choice.reason.clone(),
            weights,
        }
    }

    /// One line for the tables.
    pub fn summary(&self) -> String {
        match &self.weights {
            None => format!("plain Monte Carlo: {}", self.reason),
            Some(w) => {
                let mut line = format!(
                    "importance sampling (failure forcing): {}; worth about {:.3e} plain trials, \
                     effective sample size {:.0}, mean weight {:.4}",
                    self.reason, w.equivalent_plain_trials, w.effective_sample_size, w.mean_weight
                );
                if let Some(warning) = &w.warning {
                    line.push_str(&format!("; WARNING: {warning}"));
                }
                line
            }
        }
    }
}
