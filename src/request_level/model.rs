//! The scenario compiled for the request-level engine: flat arrays of components, units,
//! failure modes and dependency edges, with every random stream's key.
//!
//! Unit failure streams use the fluid engine's keys (`"unit", C, index, mode` and `"unit",
//! C, index, "#mechanisms"`) and the same draws in the same order, so both engines see the
//! same failures and health-check phases in every trial: their difference on a trial is the
//! models' difference, not sampling noise of the failures (common random numbers).

use super::support;
use crate::rng::entity_key;
use crate::scenario::{
    Dependency, FailureMode, HealthCheck, PassiveCheck, Scenario, ScenarioError, Traffic,
};
use crate::time::Ticks;

/// How long a caller of the entry waits for a unit that never answers, without a deadline.
pub const DEFAULT_ENTRY_TIMEOUT: Ticks = 10_000_000;

#[derive(Debug, Clone)]
pub struct Model {
    pub name: String,
    pub horizon: Ticks,
    pub trials: u64,
    pub seed: u64,
    pub traffic: Traffic,
    pub entry: usize,
    pub components: Vec<ComponentModel>,
    pub units: Vec<UnitModel>,
    /// Per unit and failure mode, the stream key (units in order, modes in file order).
    pub mode_keys: Vec<u64>,
    pub edges: Vec<EdgeModel>,
    pub arrivals_key: u64,
}

#[derive(Debug, Clone)]
pub struct ComponentModel {
    pub name: String,
    pub units_start: u32,
    pub units_end: u32,
    pub require: u32,
    pub failures: Vec<FailureMode>,
    pub deadline: Option<Ticks>,
    pub health_check: Option<HealthCheck>,
    pub passive_check: Option<PassiveCheck>,
    pub retry_next_upstream: Option<crate::scenario::NextUpstream>,
    pub concurrency: Option<f64>,
    pub edges_start: u32,
    pub edges_end: u32,
}

impl ComponentModel {
    pub fn replicas(&self) -> u32 {
        self.units_end - self.units_start
    }

    /// Neither check: routers see a crashed or hung unit at once (the core model's
    /// oracle), and keep a slow one.
    pub fn oracle_routing(&self) -> bool {
        self.health_check.is_none() && self.passive_check.is_none()
    }
}

#[derive(Debug, Clone)]
pub struct UnitModel {
    pub component: u32,
    /// Range into `Model::mode_keys`; mode `m` of the component is `modes_start + m`.
    pub modes_start: u32,
    pub mechanism_key: u64,
}

#[derive(Debug, Clone)]
pub struct EdgeModel {
    pub caller: u32,
    pub dependency: Dependency,
    /// Stream of the caller's "does this request need it?" draws.
    pub needs_key: u64,
}

impl Model {
    /// Compiles a scenario, or refuses it (naming `file` and the JSON path) when it uses
    /// anything the request-level engine does not simulate.
    pub fn new(scenario: &Scenario, file: &str) -> Result<Model, ScenarioError> {
        support::check(scenario, file)?;
        let Some(traffic) = scenario.traffic.clone() else {
            unreachable!("support::check refuses a scenario without traffic");
        };
        let mut components = Vec::with_capacity(scenario.components.len());
        let mut units = Vec::new();
        let mut mode_keys = Vec::new();
        let mut edges = Vec::new();
        for (index, component) in scenario.components.iter().enumerate() {
            let units_start = units.len() as u32;
            for unit in 0..component.replicas {
                let name = unit.to_string();
                let modes_start = mode_keys.len() as u32;
                for failure in &component.failures {
                    mode_keys.push(entity_key(&["unit", &component.name, &name, &failure.name]));
                }
                units.push(UnitModel {
                    component: index as u32,
                    modes_start,
                    mechanism_key: entity_key(&["unit", &component.name, &name, "#mechanisms"]),
                });
            }
            let edges_start = edges.len() as u32;
            for dependency in &component.depends_on {
                let callee = &scenario.components[dependency.component].name;
                edges.push(EdgeModel {
                    caller: index as u32,
                    dependency: dependency.clone(),
                    needs_key: entity_key(&["request-level", "needs", &component.name, callee]),
                });
            }
            components.push(ComponentModel {
                name: component.name.clone(),
                units_start,
                units_end: units.len() as u32,
                require: component.require,
                failures: component.failures.clone(),
                deadline: component.deadline,
                health_check: component.health_check.clone(),
                passive_check: component.passive_check.clone(),
                retry_next_upstream: component.retry_next_upstream.clone(),
                concurrency: component.concurrency,
                edges_start,
                edges_end: edges.len() as u32,
            });
        }
        Ok(Model {
            name: scenario.name.clone(),
            horizon: scenario.simulation.horizon,
            trials: scenario.simulation.trials,
            seed: scenario.simulation.seed,
            traffic,
            entry: scenario.entry,
            components,
            units,
            mode_keys,
            edges,
            arrivals_key: entity_key(&["request-level", "arrivals"]),
        })
    }
}
