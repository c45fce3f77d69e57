//! `sim chaos`: runs each experiment of a scenario over many trials and measures, from the
//! injection until the service is back at 1 (and stays there until the faults end), the
//! lost service, the recovery time, the lowest level, the data lost at failovers, and when
//! the faults were detected; then holds the experiment to its expectations (spec chaos.md,
//! docs/chaos.md). The engine injects the faults (`engine::ExperimentPlan`); this module
//! observes the trials and summarises them. Pure: no I/O.

pub mod observed;

use serde::Serialize;

use crate::engine::state::FailoverPhase;
use crate::engine::{demand_integral, Event, Observer, Plan, TrialRunner};
use crate::scenario::{Experiment, FaultKind, Scenario};
use crate::time::{Ticks, TICKS_PER_SECOND};

/// What one trial of an experiment measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrialMeasure {
    /// ∫(1 - s) dt over the window, seconds.
    pub lost: f64,
    /// From the injection until the service was back at 1 for good, seconds (to the
    /// horizon when it never came back).
    pub recovery: f64,
    pub recovered: bool,
    pub lowest_level: f64,
    /// The largest lost write window of a failover in the window, seconds (0: none).
    pub data_loss: f64,
    /// From the injection until the mechanisms first reacted (a faulted unit of a checked
    /// component out of rotation, a failover past its detection, or a breaker open on a
    /// call into a slowed component), seconds; `None` if they never did.
    pub detection: Option<f64>,
    /// From the injection until a failover of a faulted primary completed, seconds.
    pub failover: Option<f64>,
    /// Requests lost (with a `traffic` section; else 0).
    pub lost_requests: f64,
}

/// Watches one trial of an experiment.
struct Watcher<'p> {
    plan: &'p Plan,
    at: Ticks,
    end: Ticks,
    entry: usize,
    /// Units the faults act on (for detection), and failover groups of primary faults.
    units: Vec<u32>,
    groups: Vec<u32>,
    /// Dependency edges into a component a fault slows (their breakers may trip).
    edges: Vec<u32>,
    primaries: Vec<u32>,
    /// Per watched unit: in rotation when the faults were injected (a unit already out,
    /// under `background`, is no detection).
    in_rotation_at_start: Vec<bool>,
    /// A watched failover was under way after the last event.
    failover_was_under_way: bool,
    last_time: Ticks,
    last_level: f64,
    up_since: Option<Ticks>,
    measure: TrialMeasure,
    data_loss_seen: usize,
    started: bool,
    done: bool,
}

impl<'p> Watcher<'p> {
    fn new(plan: &'p Plan) -> Self {
        let experiment = plan.experiment.as_ref().expect("an experiment plan");
        let mut units = Vec::new();
        let mut groups = Vec::new();
        let mut edges = Vec::new();
        for fault in &experiment.experiment.faults {
            match fault.kind {
                FaultKind::Unit {
                    component, index, ..
                } => {
                    units.push(plan.components[component].units_start + index);
                    edges.extend(plan.components[component].dependents.iter().copied());
                }
                FaultKind::Primary { component } => {
                    groups.push(plan.components[component].groups_start);
                    edges.extend(plan.components[component].dependents.iter().copied());
                }
                FaultKind::Latency { component, .. } => {
                    units.extend(
                        plan.components[component].units_start
                            ..plan.components[component].units_end,
                    );
                    edges.extend(plan.components[component].dependents.iter().copied());
                }
                FaultKind::Zone(z) => units.extend(
                    (0..plan.units.len() as u32)
                        .filter(|u| plan.units[*u as usize].zone == Some(z as u32)),
                ),
                FaultKind::Region(r) => units.extend(
                    (0..plan.units.len() as u32)
                        .filter(|u| plan.units[*u as usize].region == Some(r as u32)),
                ),
                FaultKind::ReplicationLag { .. } => {}
            }
        }
        // A zone or region outage may take primaries (their failovers count too), and the
        // breakers on calls into its components may trip.
        let zone_or_region = experiment
            .experiment
            .faults
            .iter()
            .any(|f| matches!(f.kind, FaultKind::Zone(_) | FaultKind::Region(_)));
        if zone_or_region {
            for unit in &units {
                let component = &plan.components[plan.units[*unit as usize].component as usize];
                edges.extend(component.dependents.iter().copied());
            }
        }
        edges.sort_unstable();
        edges.dedup();
        for unit in &units {
            if let Some(group) = plan.failover_group_of(*unit) {
                if !groups.contains(&group) {
                    groups.push(group);
                }
            }
        }
        // Only checked units are ejected by a mechanism (without checks routers see a
        // failure at once, which is not a detection).
        units.retain(|u| {
            let spec = &plan.components[plan.units[*u as usize].component as usize].spec;
            spec.health_check.is_some() || spec.passive_check.is_some()
        });
        Watcher {
            plan,
            at: experiment.experiment.at,
            end: experiment.end(),
            entry: plan.entry as usize,
            units,
            groups,
            edges,
            primaries: Vec::new(),
            in_rotation_at_start: Vec::new(),
            failover_was_under_way: false,
            last_time: 0,
            last_level: 1.0,
            up_since: None,
            measure: TrialMeasure {
                lost: 0.0,
                recovery: 0.0,
                recovered: false,
                lowest_level: 1.0,
                data_loss: 0.0,
                detection: None,
                failover: None,
                lost_requests: 0.0,
            },
            data_loss_seen: 0,
            started: false,
            done: false,
        }
    }

    /// Books [last_time, time) at the last level, from the injection on.
    fn book(&mut self, time: Ticks) {
        let from = self.last_time.max(self.at);
        if time <= from {
            return;
        }
        let shortfall = 1.0 - self.last_level;
        if shortfall > 0.0 {
            self.measure.lost += shortfall * (time - from) as f64 / TICKS_PER_SECOND;
            if let Some(traffic) = &self.plan.traffic {
                let demand = match &self.plan.demand_prefix {
                    Some(prefix) => {
                        demand_integral(&traffic.hourly, prefix, time)
                            - demand_integral(&traffic.hourly, prefix, from)
                    }
                    None => (time - from) as f64,
                };
                self.measure.lost_requests +=
                    shortfall * traffic.peak_rps * demand / TICKS_PER_SECOND;
            }
        }
    }

    fn seconds_since_at(&self, time: Ticks) -> f64 {
        (time - self.at) as f64 / TICKS_PER_SECOND
    }

    fn recover(&mut self, time: Ticks) {
        self.measure.recovered = true;
        self.measure.recovery = self.seconds_since_at(time);
        self.done = true;
    }

    /// Whether a watched failover group is between its primary's loss and clients
    /// reconnected.
    fn failover_under_way(&self, trial: &TrialRunner) -> bool {
        self.groups.iter().any(|g| {
            matches!(
                trial.failover_primary(*g).1,
                FailoverPhase::Detecting | FailoverPhase::Promoting | FailoverPhase::Reconnecting
            )
        })
    }

    /// The trial ended (at the horizon) before the service came back for good.
    fn finish(&mut self, horizon: Ticks) {
        if self.done {
            return;
        }
        self.book(horizon);
        match self.up_since {
            Some(since) if horizon >= self.end => self.recover(since),
            _ => {
                self.measure.recovery = self.seconds_since_at(horizon);
                self.done = true;
            }
        }
    }
}

impl Observer for Watcher<'_> {
    fn on_event(&mut self, time: Ticks, event: Event, trial: &TrialRunner) {
        if self.done {
            return;
        }
        if time < self.at {
            self.last_time = time;
            self.last_level = trial.levels()[self.entry].served;
            return;
        }
        if !self.started {
            self.started = true;
            self.data_loss_seen = trial.outcome().data_loss.len();
            self.primaries = self
                .groups
                .iter()
                .map(|g| trial.failover_primary(*g).0)
                .collect();
            self.in_rotation_at_start = self
                .units
                .iter()
                .map(|u| trial.unit_in_rotation(*u))
                .collect();
        }
        self.book(time);
        // Back at 1 since `up_since`, through the end of the faults and with no failover
        // they set off still under way before this event: the window closed at
        // `up_since`, and this event is outside it.
        if time >= self.end && !self.failover_was_under_way {
            if let Some(since) = self.up_since {
                self.recover(since);
                return;
            }
        }
        let losses = &trial.outcome().data_loss;
        for window in &losses[self.data_loss_seen.min(losses.len())..] {
            self.measure.data_loss = self.measure.data_loss.max(*window);
        }
        self.data_loss_seen = losses.len();
        if self.measure.detection.is_none() {
            let ejected = self
                .units
                .iter()
                .zip(&self.in_rotation_at_start)
                .any(|(u, was_in)| *was_in && !trial.unit_in_rotation(*u));
            // The monitors decided: the failover is past its detection.
            let failing_over = self.groups.iter().zip(&self.primaries).any(|(g, before)| {
                let (primary, phase) = trial.failover_primary(*g);
                primary != *before
                    || !matches!(phase, FailoverPhase::Serving | FailoverPhase::Detecting)
            });
            let tripped = self.edges.iter().any(|e| trial.breaker_open(*e));
            if ejected || failing_over || tripped {
                self.measure.detection = Some(self.seconds_since_at(time));
            }
        }
        if self.measure.failover.is_none() {
            let promoted = self.groups.iter().zip(&self.primaries).any(|(g, before)| {
                let (primary, phase) = trial.failover_primary(*g);
                primary != *before && phase == FailoverPhase::Serving
            });
            if promoted {
                self.measure.failover = Some(self.seconds_since_at(time));
            }
        }
        let level = trial.levels()[self.entry].served;
        self.last_time = time;
        self.last_level = level;
        self.measure.lowest_level = self.measure.lowest_level.min(level);
        if level < 1.0 {
            self.up_since = None;
        } else if self.up_since.is_none() {
            self.up_since = Some(time);
        }
        self.failover_was_under_way = self.failover_under_way(trial);
        let recovered_now = level >= 1.0 && time >= self.end && !self.failover_was_under_way;
        if recovered_now {
            let since = self.up_since.unwrap_or(time);
            self.recover(since);
        }
        let _ = event;
    }

    fn done(&self) -> bool {
        self.done
    }
}

/// At most this many trials per experiment: every trial's measures are kept (80 bytes
/// each) for exact percentiles and `--observed`.
pub const MAX_TRIALS: u64 = 10_000_000;

/// Runs trial `trial` of an experiment plan and measures it.
pub fn measure_trial(runner: &mut TrialRunner, trial: u64) -> TrialMeasure {
    let plan = runner.plan();
    let mut watcher = Watcher::new(plan);
    runner.run_observed(trial, &mut watcher);
    watcher.finish(plan.horizon);
    watcher.measure
}

/// Runs `trials` trials of experiment `index` of `scenario` (on the current rayon pool, in
/// ordered chunks: the result does not depend on the thread count).
pub fn run_experiment(scenario: &Scenario, index: usize, trials: u64) -> Vec<TrialMeasure> {
    let plan = Plan::for_experiment(scenario, index);
    let mut all = Vec::with_capacity(trials.min(MAX_TRIALS) as usize);
    crate::montecarlo::extend_chunks(
        crate::montecarlo::CHUNK_TRIALS,
        0,
        trials,
        &|_| {},
        &|| false,
        |first, count| {
            let mut runner = TrialRunner::new(&plan);
            (first..first + count)
                .map(|trial| measure_trial(&mut runner, trial))
                .collect::<Vec<_>>()
        },
        |part| all.extend(part),
    );
    all
}

/// A distribution summarised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spread {
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    /// Nearest-rank percentiles of `values` (none: all zero).
    pub fn of(values: &[f64]) -> Spread {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let rank = |p: f64| {
            if sorted.is_empty() {
                return 0.0;
            }
            let k = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
            sorted[k - 1]
        };
        Spread {
            mean: if sorted.is_empty() {
                0.0
            } else {
                sorted.iter().sum::<f64>() / sorted.len() as f64
            },
            p50: rank(0.5),
            p90: rank(0.9),
            p99: rank(0.99),
            min: sorted.first().copied().unwrap_or(0.0),
            max: sorted.last().copied().unwrap_or(0.0),
        }
    }
}

/// One expectation and how often it held.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExpectationResult {
    /// "max_lost", "max_recovery", "min_level", "max_data_loss", or "all" (every one in
    /// the same trial, when there are several).
    pub name: &'static str,
    /// The limit, in seconds (a level for min_level; null for "all").
    pub limit: Option<f64>,
    /// Share of trials in which it held.
    pub held: f64,
    /// Share required (the experiment's `confidence`).
    pub required: f64,
    pub passed: bool,
}

/// One experiment's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExperimentReport {
    pub name: String,
    pub trials: u64,
    pub at_seconds: f64,
    pub background: bool,
    /// What is injected, in words.
    pub faults: Vec<String>,
    pub lost_seconds: Spread,
    pub recovery_seconds: Spread,
    pub lowest_level: Spread,
    pub data_loss_seconds: Spread,
    /// Over the trials where the mechanisms reacted (null if they never did).
    pub detection_seconds: Option<Spread>,
    pub failover_seconds: Option<Spread>,
    /// Present with a `traffic` section.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lost_requests: Option<Spread>,
    /// Trials in which the service was not back at 1 by the horizon.
    pub not_recovered: u64,
    pub expectations: Vec<ExpectationResult>,
    /// Every expectation held (true when there are none).
    pub passed: bool,
    /// The trial whose lost service is the median, and the worst (lowest number among
    /// equals): replay with `sim trace FILE --experiment NAME --trial N`.
    pub typical_trial: u64,
    pub worst_trial: u64,
}

/// Everything `sim chaos` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChaosReport {
    pub scenario: String,
    pub seed: u64,
    pub trials: u64,
    pub experiments: Vec<ExperimentReport>,
    pub passed: bool,
}

/// Describes a fault in words ("unit api#0 crash for 300s").
pub fn describe_fault(scenario: &Scenario, fault: &crate::scenario::Fault) -> String {
    let names = |c: usize| scenario.components[c].name.clone();
    let seconds = fault.duration as f64 / TICKS_PER_SECOND;
    let what = match &fault.kind {
        FaultKind::Unit {
            component,
            index,
            effect,
        } => format!("unit {}#{index} {}", names(*component), effect_name(effect)),
        FaultKind::Primary { component } => format!("primary of {} crash", names(*component)),
        FaultKind::Zone(z) => format!("zone {} outage", scenario.zones[*z].name),
        FaultKind::Region(r) => format!("region {} outage", scenario.regions[*r].name),
        FaultKind::Latency { component, add } => format!(
            "latency +{}s on {}",
            *add as f64 / TICKS_PER_SECOND,
            names(*component)
        ),
        FaultKind::ReplicationLag { component, lag } => format!(
            "replication lag {}s on {}",
            *lag as f64 / TICKS_PER_SECOND,
            names(*component)
        ),
    };
    format!("{what} for {seconds}s")
}

fn effect_name(effect: &crate::scenario::Effect) -> String {
    match effect {
        crate::scenario::Effect::Crash => "crash".to_string(),
        crate::scenario::Effect::Hang => "hang".to_string(),
        crate::scenario::Effect::Slow { latency } => {
            format!("slow {}s", *latency as f64 / TICKS_PER_SECOND)
        }
    }
}

/// Whether expectation `name` with `limit` held in a trial (seconds, or a level).
fn holds(name: &str, limit: f64, m: &TrialMeasure) -> bool {
    match name {
        "max_lost" => m.lost <= limit + 1e-9,
        "max_recovery" => m.recovered && m.recovery <= limit + 1e-9,
        "min_level" => m.lowest_level >= limit - 1e-12,
        _ => m.data_loss <= limit + 1e-9,
    }
}

/// Summarises an experiment's trials and holds them to its expectations.
pub fn summarise(
    scenario: &Scenario,
    experiment: &Experiment,
    measures: &[TrialMeasure],
) -> ExperimentReport {
    let pick = |f: &dyn Fn(&TrialMeasure) -> f64| measures.iter().map(f).collect::<Vec<_>>();
    let lost = pick(&|m| m.lost);
    let detection: Vec<f64> = measures.iter().filter_map(|m| m.detection).collect();
    let failover: Vec<f64> = measures.iter().filter_map(|m| m.failover).collect();
    let expect = &experiment.expect;
    let seconds = |t: Ticks| t as f64 / TICKS_PER_SECOND;
    let checks: Vec<(&'static str, f64)> = [
        ("max_lost", expect.max_lost.map(seconds)),
        ("max_recovery", expect.max_recovery.map(seconds)),
        ("min_level", expect.min_level),
        ("max_data_loss", expect.max_data_loss.map(seconds)),
    ]
    .into_iter()
    .filter_map(|(name, limit)| limit.map(|l| (name, l)))
    .collect();
    let share = |held: usize| held as f64 / measures.len().max(1) as f64;
    let required = expect.confidence;
    let mut expectations: Vec<ExpectationResult> = checks
        .iter()
        .map(|(name, limit)| {
            let held = share(measures.iter().filter(|m| holds(name, *limit, m)).count());
            ExpectationResult {
                name,
                limit: Some(*limit),
                held,
                required,
                passed: held >= required - 1e-12,
            }
        })
        .collect();
    if checks.len() > 1 {
        let held = share(
            measures
                .iter()
                .filter(|m| checks.iter().all(|(name, limit)| holds(name, *limit, m)))
                .count(),
        );
        expectations.push(ExpectationResult {
            name: "all",
            limit: None,
            held,
            required,
            passed: held >= required - 1e-12,
        });
    }
    // The median trial by lost service, and the worst; lowest trial number among equals.
    let mut order: Vec<usize> = (0..measures.len()).collect();
    order.sort_by(|a, b| lost[*a].total_cmp(&lost[*b]).then(a.cmp(b)));
    let typical = order
        .get(measures.len().saturating_sub(1) / 2)
        .map_or(0, |t| *t as u64);
    let worst = order
        .iter()
        .copied()
        .filter(|t| lost[*t] == lost[*order.last().unwrap_or(&0)])
        .min()
        .unwrap_or(0) as u64;
    ExperimentReport {
        name: experiment.name.clone(),
        trials: measures.len() as u64,
        at_seconds: seconds(experiment.at),
        background: experiment.background,
        faults: experiment
            .faults
            .iter()
            .map(|f| describe_fault(scenario, f))
            .collect(),
        lost_seconds: Spread::of(&lost),
        recovery_seconds: Spread::of(&pick(&|m| m.recovery)),
        lowest_level: Spread::of(&pick(&|m| m.lowest_level)),
        data_loss_seconds: Spread::of(&pick(&|m| m.data_loss)),
        detection_seconds: (!detection.is_empty()).then(|| Spread::of(&detection)),
        failover_seconds: (!failover.is_empty()).then(|| Spread::of(&failover)),
        lost_requests: scenario
            .traffic
            .as_ref()
            .map(|_| Spread::of(&pick(&|m| m.lost_requests))),
        not_recovered: measures.iter().filter(|m| !m.recovered).count() as u64,
        passed: expectations.iter().all(|e| e.passed),
        expectations,
        typical_trial: typical,
        worst_trial: worst,
    }
}

/// Runs the chosen experiments (all when `only` is `None`) with the scenario's trial count
/// and seed: the report, and each experiment's per-trial measures (for `--observed`).
pub fn run(scenario: &Scenario, only: Option<usize>) -> (ChaosReport, Vec<Vec<TrialMeasure>>) {
    let trials = scenario.simulation.trials;
    let (experiments, measures): (Vec<ExperimentReport>, Vec<Vec<TrialMeasure>>) =
        (0..scenario.experiments.len())
            .filter(|i| only.is_none_or(|o| o == *i))
            .map(|i| {
                let measures = run_experiment(scenario, i, trials);
                (
                    summarise(scenario, &scenario.experiments[i], &measures),
                    measures,
                )
            })
            .unzip();
    (
        ChaosReport {
            scenario: scenario.name.clone(),
            seed: scenario.simulation.seed,
            trials,
            passed: experiments.iter().all(|e| e.passed),
            experiments,
        },
        measures,
    )
}
