//! Chaos experiments (spec chaos.md, `sim chaos`): faults injected at a fixed time of every
//! trial and removed after their duration, acting on the model through the same narrow
//! interfaces as the random failures: overlays on units (a unit's fault, the primary's
//! crash, added latency), a zone or region outage (`domain_goes_down` /
//! `domain_comes_back`), and a fixed replication lag read at failover. Measuring what the
//! experiment did is the observer's job (`crate::chaos`), not the engine's.

use super::plan::{DomainKind, Plan};
use super::trial::TrialRunner;
use super::Event;
use crate::scenario::{Effect, Experiment, FaultKind};
use crate::time::Ticks;

/// An experiment compiled against a plan.
#[derive(Debug, Clone)]
pub struct ExperimentPlan {
    pub experiment: Experiment,
    /// Attribution cause of the injected faults ("experiment NAME").
    pub cause: u32,
    /// Per fault: the domain index of a zone or region fault.
    domains: Vec<Option<u32>>,
}

impl ExperimentPlan {
    /// Compiles `experiment` against `plan`, whose domains include every zone and region
    /// the experiment injects (`Plan::for_experiment` sees to it).
    pub fn new(plan: &Plan, experiment: &Experiment, cause: u32) -> Self {
        let domains = experiment
            .faults
            .iter()
            .map(|fault| {
                let (kind, index) = match fault.kind {
                    FaultKind::Zone(z) => (DomainKind::Zone, z),
                    FaultKind::Region(r) => (DomainKind::Region, r),
                    _ => return None,
                };
                plan.domains
                    .iter()
                    .position(|d| d.kind == kind && d.index == index)
                    .map(|d| d as u32)
            })
            .collect();
        ExperimentPlan {
            experiment: experiment.clone(),
            cause,
            domains,
        }
    }

    /// When the last fault ends.
    pub fn end(&self) -> Ticks {
        let at = self.experiment.at;
        self.experiment
            .faults
            .iter()
            .map(|f| at.saturating_add(f.duration))
            .max()
            .unwrap_or(at)
    }
}

/// Per-trial state: which unit each primary fault took, and the injected replication lags.
#[derive(Debug, Clone, Default)]
pub(super) struct Injections {
    primary_units: Vec<u32>,
    /// Per component: the lag a replication fault fixes, while it lasts.
    lags: Vec<Option<Ticks>>,
}

impl Injections {
    pub fn new(plan: &Plan) -> Self {
        let faults = plan
            .experiment
            .as_ref()
            .map_or(0, |e| e.experiment.faults.len());
        Injections {
            primary_units: vec![u32::MAX; faults],
            lags: vec![None; plan.components.len()],
        }
    }

    pub fn reset(&mut self) {
        self.primary_units.fill(u32::MAX);
        self.lags.fill(None);
    }

    /// The replication lag an experiment fixes for `component` now, if any.
    pub fn lag(&self, component: usize) -> Option<Ticks> {
        self.lags.get(component).copied().flatten()
    }
}

impl TrialRunner<'_> {
    /// Schedules the experiment's faults (at reset, after the random clocks).
    pub(super) fn schedule_experiment(&mut self) {
        let Some(plan) = &self.plan.experiment else {
            return;
        };
        let at = plan.experiment.at;
        for (i, fault) in plan.experiment.faults.iter().enumerate() {
            let fault_index = i as u32;
            self.schedule(0, at, Event::FaultStarts { fault: fault_index });
            self.schedule(
                0,
                at.saturating_add(fault.duration),
                Event::FaultEnds { fault: fault_index },
            );
        }
    }

    pub(super) fn fault_starts(&mut self, now: Ticks, fault: u32) {
        self.toggle_fault(now, fault, true);
    }

    pub(super) fn fault_ends(&mut self, now: Ticks, fault: u32) {
        self.toggle_fault(now, fault, false);
    }

    /// Injects fault `fault` (`on`) or removes it: the same overlay, outage or lag, put on
    /// and taken off through the same interfaces as the random failures.
    fn toggle_fault(&mut self, now: Ticks, fault: u32, on: bool) {
        let plan = self.plan;
        let experiment = plan.experiment.as_ref().expect("an experiment's event");
        let cause = experiment.cause;
        let overlay = |runner: &mut Self, unit: u32, effect: Effect| {
            if on {
                runner.cover(now, unit, effect, cause);
            } else {
                runner.uncover(now, unit, effect, cause);
            }
        };
        match experiment.experiment.faults[fault as usize].kind {
            FaultKind::Unit {
                component,
                index,
                effect,
            } => overlay(self, plan.components[component].units_start + index, effect),
            FaultKind::Primary { component } => {
                // The unit that was primary when the fault began, whoever is primary now.
                let unit = if on {
                    let group = plan.components[component].groups_start;
                    let unit = self.failovers[group as usize].primary;
                    self.injections.primary_units[fault as usize] = unit;
                    unit
                } else {
                    self.injections.primary_units[fault as usize]
                };
                if unit != u32::MAX {
                    overlay(self, unit, Effect::Crash);
                }
            }
            FaultKind::Zone(_) | FaultKind::Region(_) => {
                if let Some(domain) = experiment.domains[fault as usize] {
                    if on {
                        self.domain_goes_down(now, domain);
                    } else {
                        self.domain_comes_back(now, domain);
                    }
                }
            }
            FaultKind::Latency { component, add } => {
                let units =
                    plan.components[component].units_start..plan.components[component].units_end;
                for unit in units {
                    overlay(self, unit, Effect::Slow { latency: add });
                }
            }
            FaultKind::ReplicationLag { component, lag } => {
                self.injections.lags[component] = on.then_some(lag);
            }
        }
    }
}
