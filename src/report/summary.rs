//! The result of a run as a documented, serializable structure with a stable key order.
//! Built from the accumulator at the edge; the table and JSON renderers read only this.

use indexmap::IndexMap;
use serde::Serialize;

use crate::engine::{Mechanism, Plan};
use crate::montecarlo::{EventStats, RunAccumulator, TIERS};
use crate::scenario::{Recovery, Replication, Scenario};
use crate::stats::{confidence_interval, Moments};
use crate::time::{ticks_to_years, MINUTES_PER_YEAR};

/// A mean with its standard error and 95% confidence interval.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Estimate {
    pub mean: f64,
    pub std_error: f64,
    pub ci95: [f64; 2],
}

/// Availability: the time-average of the system being up, over trials.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Availability {
    pub mean: f64,
    pub std_error: f64,
    /// 95% confidence interval. When no trial saw any downtime the normal interval is
    /// degenerate; the lower bound is then 1 - 3/trials (rule of three: at most 3/trials of
    /// years can have had any downtime, each at most the whole horizon).
    pub ci95: [f64; 2],
    /// -log10(1 - mean); null when no downtime was observed.
    pub nines: Option<f64>,
    pub no_downtime_observed: bool,
}

/// Downtime in minutes per year (365 days): (1 - availability of a trial) x 525,600.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Downtime {
    pub mean: f64,
    pub std_error: f64,
    pub ci95: [f64; 2],
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

/// A tier's downtime budget and how much of it the design uses on average.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Budget {
    /// (1 - tier) x 525,600 minutes.
    pub minutes_per_year: f64,
    /// Mean downtime per year / budget: above 1, the tier is missed on average.
    pub used: f64,
}

/// Where the service went: time fully down or degraded, and requests saved by fallbacks.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Service {
    /// Minutes per year with the system's service level at 0.
    pub full_outage_minutes_per_year: Estimate,
    /// Minutes per year with the level strictly between 0 and 1.
    pub degraded_minutes_per_year: Estimate,
    /// Full outages (maximal intervals at level 0) per year; incidents count degradations too.
    pub full_outages_per_year: Estimate,
    /// Fraction of requests that succeeded only through a fallback.
    pub fallback_fraction: Estimate,
}

/// Mean and spread of a duration over all its occurrences, in seconds.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Spread {
    pub mean: f64,
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Failovers {
    pub per_year: Estimate,
    /// From the primary's failure to clients reconnected; null when none happened.
    pub duration_seconds: Option<Spread>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DataLoss {
    /// Asynchronous failovers, each losing the writes within the replication lag.
    pub events_per_year: Estimate,
    /// The lost window (recovery point) of each event; null when none happened.
    pub rpo_seconds: Option<Spread>,
}

/// Restores from the disaster-recovery copy (`disaster_recovery`), apart from the local
/// failovers' `data_loss`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DisasterRecoveryReport {
    /// Restores completed per year: every local unit lost for longer than `declare_after`
    /// plus the restore. Each is a data-loss event of its own.
    pub restores_per_year: Estimate,
    /// The writes each restore lost (the snapshot's age); null when none happened.
    pub rpo_seconds: Option<Spread>,
}

/// One root cause and the mechanism that turned it into lost service.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Cause {
    /// "component/mode", "zone NAME", "region NAME", "common cause component/mode",
    /// "shared NAME", "change NAME (canary)", "change NAME (rollout)" or "demand".
    pub cause: String,
    /// outage, detection, failover, dns, breaker, cascade or overload.
    pub mechanism: String,
    pub minutes_per_year: f64,
    pub std_error: f64,
    /// Share of all lost service.
    pub share: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ComponentReport {
    pub replicas: u32,
    pub require: u32,
    /// Up: `require` units available and every dependency up.
    pub availability: Estimate,
    /// Only its own units: `require` of them available (zones and regions included).
    pub own_availability: Estimate,
}

/// Everything `sim run` reports for one scenario.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RunReport {
    pub scenario: String,
    /// The scenario's fingerprint (`Scenario::fingerprint`: its document without the trials
    /// and seed): `sim check` holds a baseline report to it.
    pub scenario_fingerprint: String,
    pub description: String,
    pub seed: u64,
    pub trials: u64,
    pub horizon_years: f64,
    pub availability: Availability,
    /// Highest SLA tier the mean availability meets ("99.99%"), or null below 99%.
    pub tier: Option<String>,
    /// Highest tier the lower end of the 95% interval meets: the tier you can claim.
    pub tier_at_95_confidence: Option<String>,
    /// Per tier: the fraction of trials (years, for a 1y horizon) that met it.
    pub tier_probability: IndexMap<String, f64>,
    /// Per tier: its yearly downtime budget and the share of it the mean downtime uses.
    pub downtime_budget: IndexMap<String, Budget>,
    pub downtime_minutes_per_year: Downtime,
    pub incidents_per_year: Estimate,
    /// Mean length of one outage in minutes (ratio estimator, delta-method error); null
    /// when no outage happened.
    pub mean_outage_minutes: Option<Estimate>,
    /// Fraction of trials with any downtime.
    pub trials_with_downtime: f64,
    pub service: Service,
    /// Present when a component has failover.
    pub failovers: Option<Failovers>,
    /// Present when a component replicates asynchronously.
    pub data_loss: Option<DataLoss>,
    /// Present (and only then written) when a component has `disaster_recovery`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disaster_recovery: Option<DisasterRecoveryReport>,
    /// Lost service by cause and mechanism, largest first (non-zero only).
    pub downtime_causes: Vec<Cause>,
    /// Per failure mode: outages per year ended by repair, restart or replacement.
    pub recoveries: IndexMap<String, IndexMap<String, f64>>,
    pub components: IndexMap<String, ComponentReport>,
    /// The worst trial: replay it with `sim trace FILE --trial N`.
    pub worst_trial: WorstTrial,
    /// Simulated events over all trials (failures, repairs, mechanisms; hourly demand steps
    /// are not counted).
    pub events: u64,
    /// Where this scenario relies on a fluid approximation known to be more than 2% off the
    /// request-level reference (written only when there is one).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub approximations: Vec<String>,
    /// Under `--precision` (written only then): the relative half-width of the 95% interval
    /// of the unavailability reached, the target, and what stopped the run.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub precision: Option<crate::precision::PrecisionReport>,
    /// Under `--precision` (written only then): plain Monte Carlo or importance sampling,
    /// why, and the weights' diagnostics.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rare_events: Option<crate::rare_events::RareEventsReport>,
    /// With uncertain parameters (written only then): the spread across parameter sets,
    /// the tiers' probabilities and the drivers (`crate::uncertainty`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncertainty: Option<crate::uncertainty::UncertaintyReport>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WorstTrial {
    pub trial: u64,
    pub downtime_minutes_per_year: f64,
    /// With uncertain parameters: the parameter set the trial belongs to (`sim trace
    /// --set`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter_set: Option<u64>,
}

impl WorstTrial {
    /// The options that replay it: `--trial N`, with `--set S` first when it has one.
    pub fn replay_options(&self) -> String {
        match self.parameter_set {
            Some(set) => format!("--set {set} --trial {}", self.trial),
            None => format!("--trial {}", self.trial),
        }
    }
}

/// A tier as text, e.g. 0.9999 -> "99.99%".
pub fn tier_name(tier: f64) -> String {
    let percent = format!("{:.3}", tier * 100.0);
    format!("{}%", percent.trim_end_matches('0').trim_end_matches('.'))
}

fn highest_tier(availability: f64) -> Option<String> {
    TIERS
        .iter()
        .rev()
        // Compare downtime budgets, so 0.999 exactly meets "99.9%" despite rounding.
        .find(|tier| 1.0 - availability <= (1.0 - **tier) * (1.0 + 1e-12))
        .map(|tier| tier_name(*tier))
}

fn estimate(moments: &Moments, scale: f64, low: f64, high: f64) -> Estimate {
    let mean = moments.mean() * scale;
    let std_error = moments.std_error() * scale;
    Estimate {
        mean,
        std_error,
        ci95: confidence_interval(mean, std_error, low, high),
    }
}

/// Availability estimate from per-trial downtime fractions, with the rule-of-three bound
/// when none was seen.
fn availability_of(downtime: &Moments, trials_with_downtime: Option<u64>) -> Availability {
    let trials = downtime.count().max(1) as f64;
    let mean = 1.0 - downtime.mean();
    let std_error = downtime.std_error();
    let no_downtime = trials_with_downtime.map_or(downtime.mean() == 0.0, |n| n == 0);
    let ci95 = if no_downtime {
        [(1.0 - 3.0 / trials).max(0.0), 1.0]
    } else {
        confidence_interval(mean, std_error, 0.0, 1.0)
    };
    Availability {
        mean,
        std_error,
        ci95,
        nines: (!no_downtime).then(|| (-(1.0 - mean).log10()).max(0.0)),
        no_downtime_observed: no_downtime,
    }
}

fn spread(stats: &EventStats, weighted: bool) -> Option<Spread> {
    (stats.values.count() > 0).then(|| Spread {
        mean: stats.mean(weighted),
        p50: stats.histogram.quantile(0.5),
        p99: stats.histogram.quantile(0.99),
        max: stats.histogram.max(),
    })
}

fn causes(plan: &Plan, accumulator: &RunAccumulator) -> Vec<Cause> {
    let total = accumulator.downtime_fraction.mean();
    let mut causes: Vec<Cause> = accumulator
        .cause_fraction
        .iter()
        .enumerate()
        .filter(|(_, m)| m.mean() > 0.0)
        .map(|(slot, m)| {
            let mechanism = Mechanism::ALL[slot % Mechanism::ALL.len()];
            Cause {
                cause: plan.causes[slot / Mechanism::ALL.len()].clone(),
                mechanism: mechanism.name().to_string(),
                minutes_per_year: m.mean() * MINUTES_PER_YEAR,
                std_error: m.std_error() * MINUTES_PER_YEAR,
                share: if total > 0.0 { m.mean() / total } else { 0.0 },
            }
        })
        .collect();
    // Largest first; ties by name, so the order never depends on anything else.
    causes.sort_by(|a, b| {
        b.minutes_per_year
            .total_cmp(&a.minutes_per_year)
            .then_with(|| (&a.cause, &a.mechanism).cmp(&(&b.cause, &b.mechanism)))
    });
    causes
}

fn recoveries(
    plan: &Plan,
    accumulator: &RunAccumulator,
) -> IndexMap<String, IndexMap<String, f64>> {
    let years = ticks_to_years(accumulator.horizon) * accumulator.trials().max(1) as f64;
    let kinds = Recovery::ALL.len();
    plan.causes
        .iter()
        .enumerate()
        .filter_map(|(cause, name)| {
            let counts = &accumulator.recoveries[cause * kinds..(cause + 1) * kinds];
            (counts.iter().any(|c| *c > 0.0)).then(|| {
                let per_kind = Recovery::ALL
                    .iter()
                    .zip(counts)
                    .filter(|(_, c)| **c > 0.0)
                    .map(|(kind, c)| (kind.name().to_string(), *c / years))
                    .collect();
                (name.clone(), per_kind)
            })
        })
        .collect()
}

impl RunReport {
    pub fn new(scenario: &Scenario, plan: &Plan, accumulator: &RunAccumulator) -> RunReport {
        let trials = accumulator.trials();
        let weighted = accumulator.importance.is_some();
        let mut availability = availability_of(
            &accumulator.downtime_fraction,
            Some(accumulator.trials_with_downtime),
        );
        if let Some(importance) = &accumulator.importance {
            // Hall's interval: normal theory under-covers the skewed weighted values.
            if !availability.no_downtime_observed {
                let [low, high] = importance.interval(&accumulator.downtime_fraction);
                availability.ci95 = [(1.0 - high).clamp(0.0, 1.0), (1.0 - low).clamp(0.0, 1.0)];
            }
        }
        let downtime = &accumulator.downtime_fraction;
        let histogram = &accumulator.downtime_histogram;
        let mut downtime_estimate = estimate(downtime, MINUTES_PER_YEAR, 0.0, MINUTES_PER_YEAR);
        if let (Some(importance), false) =
            (&accumulator.importance, availability.no_downtime_observed)
        {
            let [low, high] = importance.interval(downtime);
            downtime_estimate.ci95 = [
                (low * MINUTES_PER_YEAR).max(0.0),
                (high * MINUTES_PER_YEAR).min(MINUTES_PER_YEAR),
            ];
        }
        let tier_probability = TIERS
            .iter()
            .enumerate()
            .zip(accumulator.trials_meeting_tier)
            .map(|((i, tier), met)| {
                let probability = match &accumulator.importance {
                    // The miss is the rare event: estimated, and the meeting its complement.
                    Some(importance) => (1.0 - importance.tier_miss[i].mean()).clamp(0.0, 1.0),
                    None => met as f64 / trials.max(1) as f64,
                };
                (tier_name(*tier), probability)
            })
            .collect();
        let mean_outage_minutes =
            accumulator
                .outage_minutes_and_incidents
                .ratio()
                .map(|(mean, std_error)| Estimate {
                    mean,
                    std_error,
                    ci95: confidence_interval(mean, std_error, 0.0, f64::INFINITY),
                });
        let components = scenario
            .components
            .iter()
            .enumerate()
            .map(|(i, component)| {
                let as_estimate = |moments: &Moments| {
                    let a = availability_of(moments, None);
                    Estimate {
                        mean: a.mean,
                        std_error: a.std_error,
                        ci95: a.ci95,
                    }
                };
                (
                    component.name.clone(),
                    ComponentReport {
                        replicas: component.replicas,
                        require: component.require,
                        availability: as_estimate(&accumulator.component_downtime_fraction[i]),
                        own_availability: as_estimate(
                            &accumulator.component_own_downtime_fraction[i],
                        ),
                    },
                )
            })
            .collect();
        RunReport {
            scenario: scenario.name.clone(),
            scenario_fingerprint: scenario.fingerprint.clone(),
            description: scenario.description.clone(),
            seed: scenario.simulation.seed,
            trials,
            horizon_years: ticks_to_years(scenario.simulation.horizon),
            tier: highest_tier(availability.mean),
            tier_at_95_confidence: highest_tier(availability.ci95[0]),
            availability,
            tier_probability,
            downtime_budget: TIERS
                .iter()
                .map(|tier| {
                    // Rounded to the microminute: 52.56, not 52.559999999994.
                    let budget = ((1.0 - tier) * MINUTES_PER_YEAR * 1e6).round() / 1e6;
                    (
                        tier_name(*tier),
                        Budget {
                            minutes_per_year: budget,
                            used: downtime_estimate.mean / budget,
                        },
                    )
                })
                .collect(),
            downtime_minutes_per_year: Downtime {
                mean: downtime_estimate.mean,
                std_error: downtime_estimate.std_error,
                ci95: downtime_estimate.ci95,
                p50: histogram.quantile(0.50) * MINUTES_PER_YEAR,
                p90: histogram.quantile(0.90) * MINUTES_PER_YEAR,
                p99: histogram.quantile(0.99) * MINUTES_PER_YEAR,
                max: histogram.max() * MINUTES_PER_YEAR,
            },
            incidents_per_year: estimate(&accumulator.incidents_per_year, 1.0, 0.0, f64::INFINITY),
            mean_outage_minutes,
            trials_with_downtime: match &accumulator.importance {
                Some(importance) => importance.any_loss.mean(),
                None => accumulator.trials_with_downtime as f64 / trials.max(1) as f64,
            },
            service: Service {
                full_outage_minutes_per_year: estimate(
                    &accumulator.full_outage_minutes,
                    1.0,
                    0.0,
                    MINUTES_PER_YEAR,
                ),
                full_outages_per_year: estimate(
                    &accumulator.full_outages_per_year,
                    1.0,
                    0.0,
                    f64::INFINITY,
                ),
                degraded_minutes_per_year: estimate(
                    &accumulator.degraded_minutes,
                    1.0,
                    0.0,
                    MINUTES_PER_YEAR,
                ),
                fallback_fraction: estimate(&accumulator.fallback_fraction, 1.0, 0.0, 1.0),
            },
            failovers: scenario
                .components
                .iter()
                .any(|c| c.failover.is_some())
                .then(|| Failovers {
                    per_year: estimate(&accumulator.failovers.per_year, 1.0, 0.0, f64::INFINITY),
                    duration_seconds: spread(&accumulator.failovers, weighted),
                }),
            data_loss: scenario
                .components
                .iter()
                .any(|c| matches!(c.replication, Some(Replication::Async { .. })))
                .then(|| DataLoss {
                    events_per_year: estimate(
                        &accumulator.data_loss.per_year,
                        1.0,
                        0.0,
                        f64::INFINITY,
                    ),
                    rpo_seconds: spread(&accumulator.data_loss, weighted),
                }),
            disaster_recovery: scenario
                .components
                .iter()
                .any(|c| c.disaster_recovery.is_some())
                .then(|| DisasterRecoveryReport {
                    restores_per_year: estimate(
                        &accumulator.restores.per_year,
                        1.0,
                        0.0,
                        f64::INFINITY,
                    ),
                    rpo_seconds: spread(&accumulator.restores, weighted),
                }),
            downtime_causes: causes(plan, accumulator),
            recoveries: recoveries(plan, accumulator),
            components,
            worst_trial: {
                let (trial, lost) = accumulator.worst_trial.unwrap_or((0, 0.0));
                WorstTrial {
                    trial,
                    downtime_minutes_per_year: lost * MINUTES_PER_YEAR,
                    parameter_set: None,
                }
            },
            events: accumulator.events,
            approximations: super::approximations::notes(scenario),
            precision: None,
            rare_events: None,
            uncertainty: None,
        }
    }
}

impl RunReport {
    /// Takes every mean and its error from `between`, the report of the same trials whose
    /// moments are taken between groups of trials (`RunAccumulator::between_groups`),
    /// keeping this report's counts, percentiles and worst trial. Used when trials share
    /// parameter sets, so that the errors count the sets, not the trials.
    pub fn adopt_errors(&mut self, between: &RunReport) {
        let (trials, no_downtime) = (self.trials, self.availability.no_downtime_observed);
        self.availability = between.availability.clone();
        if no_downtime {
            // Nothing was lost in any trial: the rule of three over every trial.
            self.availability.ci95 = [(1.0 - 3.0 / trials.max(1) as f64).max(0.0), 1.0];
            self.availability.no_downtime_observed = true;
        }
        self.tier = between.tier.clone();
        self.tier_at_95_confidence = between.tier_at_95_confidence.clone();
        self.downtime_budget = between.downtime_budget.clone();
        let d = &between.downtime_minutes_per_year;
        self.downtime_minutes_per_year.mean = d.mean;
        self.downtime_minutes_per_year.std_error = d.std_error;
        self.downtime_minutes_per_year.ci95 = d.ci95;
        self.incidents_per_year = between.incidents_per_year.clone();
        self.mean_outage_minutes = between.mean_outage_minutes.clone();
        self.service = between.service.clone();
        if let (Some(mine), Some(theirs)) = (&mut self.failovers, &between.failovers) {
            mine.per_year = theirs.per_year.clone();
        }
        if let (Some(mine), Some(theirs)) = (&mut self.data_loss, &between.data_loss) {
            mine.events_per_year = theirs.events_per_year.clone();
        }
        if let (Some(mine), Some(theirs)) =
            (&mut self.disaster_recovery, &between.disaster_recovery)
        {
            mine.restores_per_year = theirs.restores_per_year.clone();
        }
        self.downtime_causes = between.downtime_causes.clone();
        self.components = between.components.clone();
    }

    /// Whether the run was importance-sampled (its trials forced: none is a year of the
    /// scenario to replay).
    pub fn forced(&self) -> bool {
        self.rare_events
            .as_ref()
            .is_some_and(|r| r.weights.is_some())
    }
}

/// How many standard errors `value` is from the estimate (for tests and checks).
pub fn z_score(estimate_mean: f64, std_error: f64, value: f64) -> f64 {
    if std_error == 0.0 {
        if estimate_mean == value {
            0.0
        } else {
            f64::INFINITY
        }
    } else {
        (estimate_mean - value) / std_error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_are_named_and_met_exactly() {
        assert_eq!(tier_name(0.99), "99%");
        assert_eq!(tier_name(0.999), "99.9%");
        assert_eq!(tier_name(0.99999), "99.999%");
        assert_eq!(highest_tier(0.999), Some("99.9%".to_string()));
        assert_eq!(highest_tier(0.99989), Some("99.9%".to_string()));
        assert_eq!(highest_tier(0.98), None);
        assert_eq!(highest_tier(1.0), Some("99.999%".to_string()));
    }
}
