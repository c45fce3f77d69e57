//! The scenario compiled for simulation: flat arrays of units, failure modes, fault domains,
//! dependency edges and attribution causes, with every random stream's key precomputed.

use crate::rng::entity_key;
use crate::scenario::{Component, Distribution, Effect, Recovery, Scenario, Traffic};
use crate::time::Ticks;

/// One unit: a replica of a component.
#[derive(Debug, Clone)]
pub struct UnitPlan {
    pub component: u32,
    /// Index of the unit within its component.
    pub index: u32,
    /// Range into `Plan::unit_modes`.
    pub modes_start: u32,
    pub modes_end: u32,
    pub zone: Option<u32>,
    pub region: Option<u32>,
    /// Stream for the unit's mechanisms (check phases, restarts, replacements).
    pub mechanism_key: u64,
}

/// One failure mode of one unit.
#[derive(Debug, Clone, Copy)]
pub struct UnitMode {
    /// Index into the component's `failures`.
    pub mode: u32,
    pub stream_key: u64,
    /// Attribution cause of failures in this mode.
    pub cause: u32,
}

/// The common-cause process of one failure mode of one component (beta factor).
#[derive(Debug, Clone)]
pub struct CommonCausePlan {
    pub component: u32,
    /// Index of the mode into the component's `failures`.
    pub mode: u32,
    /// The mode's `ttf` draws are multiplied by this (1 / beta).
    pub ttf_scale: f64,
    pub stream_key: u64,
    pub cause: u32,
}

/// A shared failure compiled: the units it can strike.
#[derive(Debug, Clone)]
pub struct SharedFailurePlan {
    pub spec: crate::scenario::SharedFailure,
    /// Every unit of every target, in target order.
    pub units: Vec<u32>,
    pub stream_key: u64,
    pub cause: u32,
}

/// A change compiled: the units it reaches first (the canary) and after its bake.
#[derive(Debug, Clone)]
pub struct ChangePlan {
    pub spec: crate::scenario::Change,
    /// Units a bad change reaches first: the lowest-numbered ceil(canary x n) units of
    /// each target, or every unit without a rollout.
    pub canary: Vec<u32>,
    /// Units it reaches after `bake` (empty without a rollout).
    pub rest: Vec<u32>,
    pub stream_key: u64,
    /// Attribution of the canary's units and of the rest ("(rollout)"; without a rollout
    /// every unit is blamed on the rollout).
    pub canary_cause: u32,
    pub rollout_cause: u32,
}

/// A fault domain that has an outage process: a zone or a region.
#[derive(Debug, Clone)]
pub struct DomainPlan {
    pub kind: DomainKind,
    /// Index of the zone or region in the scenario.
    pub index: usize,
    pub time_to_failure: Distribution,
    pub time_to_repair: Distribution,
    pub stream_key: u64,
    /// Every unit the domain takes down (for a region: all units of its zones).
    pub units: Vec<u32>,
    pub cause: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainKind {
    Zone,
    Region,
}

/// A dependency edge from a caller to a callee (a `depends_on` entry or a DNS endpoint).
#[derive(Debug, Clone)]
pub struct EdgePlan {
    pub caller: u32,
    pub callee: u32,
    pub dependency: crate::scenario::Dependency,
    /// True for a DNS endpoint: the caller's clients are spread over its endpoints.
    pub dns_endpoint: bool,
    /// The caller's deep probes (readiness or liveness) fail while this callee is down: a
    /// hard dependency of a component with a deep probe.
    pub deep_probed: bool,
    pub stream_key: u64,
}

/// A group of units with one primary and its own failover: a whole component with a
/// primary role, or one shard of it.
#[derive(Debug, Clone)]
pub struct FailoverGroupPlan {
    pub component: u32,
    pub units_start: u32,
    pub units_end: u32,
}

/// A component with its checked settings, its units and edges.
#[derive(Debug, Clone)]
pub struct ComponentPlan {
    pub spec: Component,
    pub units_start: u32,
    pub units_end: u32,
    /// Edges where this component is the caller, in `depends_on` order then endpoints.
    pub edges_start: u32,
    pub edges_end: u32,
    /// Edges where this component is the callee.
    pub dependents: Vec<u32>,
    /// Its failover groups (one per shard; none without a primary role).
    pub groups_start: u32,
    pub groups_end: u32,
    /// Stream for failover and DNS decisions.
    pub mechanism_key: u64,
    /// Whether the level depends on the hour's demand.
    pub demand_sensitive: bool,
    /// Requests per second at the busiest hour (0 without traffic).
    pub peak_rate: f64,
    /// Active-active without checks, retries or capacity: while `require` units are good
    /// the component's own level is exactly 1, without looking at each unit.
    pub plain: bool,
    /// Some failure mode has a `common_cause`: the units' own draws need scaling.
    pub common_cause: bool,
    /// With `retry_next_upstream`: how many hung units a request can be passed on from
    /// while its caller still waits, k x upstream_timeout < the caller's patience.
    pub hung_passes: u32,
    /// It has `capacity` and a caller retries it: its offered load depends on its own
    /// level (retry amplification), so `settle` iterates it to a fixed point.
    pub retry_load: bool,
}

/// Everything the engine needs, in flat arrays indexed by `u32`.
#[derive(Debug, Clone)]
pub struct Plan {
    pub horizon: Ticks,
    pub seed: u64,
    pub units: Vec<UnitPlan>,
    pub unit_modes: Vec<UnitMode>,
    pub domains: Vec<DomainPlan>,
    pub components: Vec<ComponentPlan>,
    pub failover_groups: Vec<FailoverGroupPlan>,
    pub edges: Vec<EdgePlan>,
    pub entry: u32,
    pub traffic: Option<Traffic>,
    /// Names of attribution causes: "component/mode", "zone NAME", "region NAME",
    /// "common cause component/mode", "shared NAME", "change NAME (canary)" and
    /// "change NAME (rollout)", and "demand" last.
    pub causes: Vec<String>,
    /// The cause used for overload when nothing has failed.
    pub demand_cause: u32,
    /// Cumulative demand of the hours of a day (ticks), for integrating demand over time.
    pub demand_prefix: Option<[f64; 25]>,
    /// Components whose level depends on the hour's demand.
    pub demand_sensitive: Vec<u32>,
    /// Per zone: its region, for monitor quorum checks.
    pub zone_regions: Vec<Option<u32>>,
    pub region_count: usize,
    pub common_causes: Vec<CommonCausePlan>,
    pub shared_failures: Vec<SharedFailurePlan>,
    pub changes: Vec<ChangePlan>,
    /// Rare-event forcing (importance sampling), when a run uses it; `None` by default.
    pub bias: Option<super::bias::BiasPlan>,
    /// The chaos experiment every trial runs (`Plan::for_experiment`); `None` by default.
    pub experiment: Option<super::experiment::ExperimentPlan>,
}

impl Plan {
    /// The failover group `unit` belongs to, if its component has a primary.
    pub fn failover_group_of(&self, unit: u32) -> Option<u32> {
        let component = &self.components[self.units[unit as usize].component as usize];
        let groups = component.groups_end - component.groups_start;
        if groups == 0 {
            return None;
        }
        let per_group = (component.units_end - component.units_start) / groups;
        Some(component.groups_start + (unit - component.units_start) / per_group)
    }

    /// The plan of experiment number `index` of `scenario`: its faults are injected in
    /// every trial. Zones and regions it takes down get an outage process that never fires
    /// if they have none (so that they have a domain to go down), and the injected faults
    /// are blamed on "experiment NAME", a cause after "demand".
    pub fn for_experiment(scenario: &Scenario, index: usize) -> Plan {
        let experiment = &scenario.experiments[index];
        let mut scenario = scenario.clone();
        let never = || crate::scenario::Outage {
            time_to_failure: Distribution::Constant {
                value: Ticks::MAX / 4,
            },
            time_to_repair: Distribution::Constant { value: 0 },
        };
        for fault in &experiment.faults {
            match fault.kind {
                crate::scenario::FaultKind::Zone(z) => {
                    scenario.zones[z].outage.get_or_insert_with(never);
                }
                crate::scenario::FaultKind::Region(r) => {
                    scenario.regions[r].outage.get_or_insert_with(never);
                }
                _ => {}
            }
        }
        let mut plan = Plan::new(&scenario);
        plan.causes.push(format!("experiment {}", experiment.name));
        let cause = plan.causes.len() as u32 - 1;
        plan.experiment = Some(super::experiment::ExperimentPlan::new(
            &plan, experiment, cause,
        ));
        plan
    }

    pub fn new(scenario: &Scenario) -> Plan {
        let mut causes = Vec::new();
        let mut mode_causes: Vec<Vec<u32>> = Vec::new();
        for component in &scenario.components {
            mode_causes.push(
                component
                    .failures
                    .iter()
                    .map(|f| {
                        causes.push(format!("{}/{}", component.name, f.name));
                        causes.len() as u32 - 1
                    })
                    .collect(),
            );
        }
        let mut units = Vec::with_capacity(scenario.unit_count());
        let mut unit_modes = Vec::new();
        let mut zone_units: Vec<Vec<u32>> = vec![Vec::new(); scenario.zones.len()];
        let mut region_units: Vec<Vec<u32>> = vec![Vec::new(); scenario.regions.len()];
        let mut components = Vec::with_capacity(scenario.components.len());
        let mut edges = Vec::new();
        let mut failover_groups = Vec::new();
        for (component_index, component) in scenario.components.iter().enumerate() {
            let units_start = units.len() as u32;
            for index in 0..component.replicas {
                let unit = units.len() as u32;
                let unit_name = index.to_string();
                let modes_start = unit_modes.len() as u32;
                for (mode, failure) in component.failures.iter().enumerate() {
                    unit_modes.push(UnitMode {
                        mode: mode as u32,
                        stream_key: entity_key(&[
                            "unit",
                            &component.name,
                            &unit_name,
                            &failure.name,
                        ]),
                        cause: mode_causes[component_index][mode],
                    });
                }
                let zone = component.zone_of_unit(index);
                let region = zone.and_then(|z| scenario.zones[z].region);
                if let Some(zone) = zone {
                    zone_units[zone].push(unit);
                }
                if let Some(region) = region {
                    region_units[region].push(unit);
                }
                units.push(UnitPlan {
                    component: component_index as u32,
                    index,
                    modes_start,
                    modes_end: unit_modes.len() as u32,
                    zone: zone.map(|z| z as u32),
                    region: region.map(|r| r as u32),
                    mechanism_key: entity_key(&[
                        "unit",
                        &component.name,
                        &unit_name,
                        "#mechanisms",
                    ]),
                });
            }
            let edges_start = edges.len() as u32;
            for dependency in &component.depends_on {
                edges.push(edge(component_index, dependency.clone(), false, scenario));
            }
            if let Some(dns) = &component.dns {
                for &endpoint in &dns.endpoints {
                    let mut dependency = crate::scenario::Dependency::hard(endpoint);
                    dependency.timeout = 0;
                    edges.push(edge(component_index, dependency, true, scenario));
                }
            }
            let demand_sensitive = scenario.traffic.is_some()
                && (component.capacity.is_some()
                    || component.concurrency.is_some()
                    || component.passive_check.is_some());
            // A slow unit stays in rotation without checks, so the shortcut that ignores bad
            // units needs every way of turning bad to be a crash or a hang.
            let is_slow = |effect: &Effect| matches!(effect, Effect::Slow { .. });
            let slow_possible = component.failures.iter().any(|f| is_slow(&f.effect))
                || scenario
                    .shared_failures
                    .iter()
                    .any(|s| is_slow(&s.effect) && s.targets.contains(&component_index))
                || scenario
                    .changes
                    .iter()
                    .any(|c| is_slow(&c.effect) && c.targets.contains(&component_index));
            let plain = component.role == crate::scenario::Role::ActiveActive
                && component.health_check.is_none()
                && component.passive_check.is_none()
                && component.retry_next_upstream.is_none()
                && component.capacity.is_none()
                && component.shards == 1
                && !slow_possible;
            let peak_rate = scenario.traffic.as_ref().map_or(0.0, |t| {
                t.peak_rps * t.hourly.iter().copied().fold(0.0, f64::max) * component.load_factor
            });
            let groups_start = failover_groups.len() as u32;
            if component.failover.is_some() {
                let per_shard = component.replicas / component.shards;
                for shard in 0..component.shards {
                    let start = units_start + shard * per_shard;
                    failover_groups.push(FailoverGroupPlan {
                        component: component_index as u32,
                        units_start: start,
                        units_end: start + per_shard,
                    });
                }
            }
            components.push(ComponentPlan {
                groups_start,
                groups_end: failover_groups.len() as u32,
                common_cause: component.failures.iter().any(|f| f.common_cause > 0.0),
                peak_rate,
                plain,
                spec: component.clone(),
                units_start,
                units_end: units.len() as u32,
                edges_start,
                edges_end: edges.len() as u32,
                dependents: Vec::new(),
                mechanism_key: entity_key(&["component", &component.name, "#mechanisms"]),
                demand_sensitive,
                hung_passes: 0,
                retry_load: false,
            });
        }
        for (index, edge) in edges.iter().enumerate() {
            components[edge.callee as usize]
                .dependents
                .push(index as u32);
        }
        for component in &mut components {
            component.hung_passes = hung_passes(component, &edges);
            component.retry_load = component.spec.capacity.is_some()
                && component
                    .dependents
                    .iter()
                    .any(|e| edges[*e as usize].dependency.retries.is_some());
        }
        let mut domains = Vec::new();
        for (i, zone) in scenario.zones.iter().enumerate() {
            if let Some(outage) = &zone.outage {
                causes.push(format!("zone {}", zone.name));
                domains.push(DomainPlan {
                    kind: DomainKind::Zone,
                    index: i,
                    time_to_failure: outage.time_to_failure.clone(),
                    time_to_repair: outage.time_to_repair.clone(),
                    stream_key: entity_key(&["zone", &zone.name]),
                    units: std::mem::take(&mut zone_units[i]),
                    cause: causes.len() as u32 - 1,
                });
            }
        }
        for (i, region) in scenario.regions.iter().enumerate() {
            if let Some(outage) = &region.outage {
                causes.push(format!("region {}", region.name));
                domains.push(DomainPlan {
                    kind: DomainKind::Region,
                    index: i,
                    time_to_failure: outage.time_to_failure.clone(),
                    time_to_repair: outage.time_to_repair.clone(),
                    stream_key: entity_key(&["region", &region.name]),
                    units: std::mem::take(&mut region_units[i]),
                    cause: causes.len() as u32 - 1,
                });
            }
        }
        let mut common_causes = Vec::new();
        for (c, component) in scenario.components.iter().enumerate() {
            for (mode, failure) in component.failures.iter().enumerate() {
                if failure.common_cause > 0.0 {
                    causes.push(format!("common cause {}/{}", component.name, failure.name));
                    common_causes.push(CommonCausePlan {
                        component: c as u32,
                        mode: mode as u32,
                        ttf_scale: 1.0 / failure.common_cause,
                        stream_key: entity_key(&["common", &component.name, &failure.name]),
                        cause: causes.len() as u32 - 1,
                    });
                }
            }
        }
        let units_of = |targets: &[usize]| -> Vec<u32> {
            targets
                .iter()
                .flat_map(|&t| components[t].units_start..components[t].units_end)
                .collect()
        };
        let mut shared_failures = Vec::new();
        for shared in &scenario.shared_failures {
            causes.push(format!("shared {}", shared.name));
            shared_failures.push(SharedFailurePlan {
                units: units_of(&shared.targets),
                spec: shared.clone(),
                stream_key: entity_key(&["shared", &shared.name]),
                cause: causes.len() as u32 - 1,
            });
        }
        let mut changes = Vec::new();
        for change in &scenario.changes {
            let (mut canary, mut rest) = (Vec::new(), Vec::new());
            for &t in &change.targets {
                let component = &components[t];
                let first = match &change.rollout {
                    Some(rollout) => rollout.canary_units(component.spec.replicas),
                    None => component.spec.replicas,
                };
                for unit in component.units_start..component.units_end {
                    if unit - component.units_start < first {
                        canary.push(unit);
                    } else {
                        rest.push(unit);
                    }
                }
            }
            let canary_cause = if change.rollout.is_some() {
                causes.push(format!("change {} (canary)", change.name));
                causes.len() as u32 - 1
            } else {
                causes.len() as u32
            };
            causes.push(format!("change {} (rollout)", change.name));
            changes.push(ChangePlan {
                spec: change.clone(),
                canary,
                rest,
                stream_key: entity_key(&["change", &change.name]),
                canary_cause,
                rollout_cause: causes.len() as u32 - 1,
            });
        }
        causes.push("demand".to_string());
        let demand_prefix = scenario.traffic.as_ref().map(|traffic| {
            let mut prefix = [0.0; 25];
            for hour in 0..24 {
                prefix[hour + 1] = prefix[hour] + traffic.hourly[hour] * super::trial::HOUR as f64;
            }
            prefix
        });
        let demand_sensitive = (0..components.len() as u32)
            .filter(|c| components[*c as usize].demand_sensitive)
            .collect();
        Plan {
            demand_prefix,
            demand_sensitive,
            horizon: scenario.simulation.horizon,
            seed: scenario.simulation.seed,
            units,
            unit_modes,
            domains,
            components,
            failover_groups,
            edges,
            entry: scenario.entry as u32,
            traffic: scenario.traffic.clone(),
            demand_cause: causes.len() as u32 - 1,
            causes,
            zone_regions: scenario
                .zones
                .iter()
                .map(|z| z.region.map(|r| r as u32))
                .collect(),
            region_count: scenario.regions.len(),
            common_causes,
            shared_failures,
            changes,
            bias: None,
            experiment: None,
        }
    }

    /// The effect and recovery of unit mode `mode_index`.
    pub fn mode_behaviour(&self, unit: u32, mode_index: u32) -> (Effect, Recovery) {
        let component = &self.components[self.units[unit as usize].component as usize].spec;
        let failure = &component.failures[self.unit_modes[mode_index as usize].mode as usize];
        (failure.effect, failure.recovery)
    }
}

/// How many hung units (each costing `upstream_timeout`) a request can be passed on from
/// before its caller gives up: the largest k with k x upstream_timeout shorter than the
/// caller's patience, which is the shortest timeout of the edges calling the component and
/// its own `deadline` (a retried answer later than that fails too), 10 s if it has neither
/// (as `request_timeout` in units.rs).
fn hung_passes(component: &ComponentPlan, edges: &[EdgePlan]) -> u32 {
    let Some(next) = &component.spec.retry_next_upstream else {
        return 0;
    };
    let callers = component
        .dependents
        .iter()
        .map(|e| edges[*e as usize].dependency.timeout)
        .filter(|t| *t > 0)
        .min();
    let patience = match (callers, component.spec.deadline) {
        (Some(callers), Some(deadline)) => callers.min(deadline),
        (callers, deadline) => callers.or(deadline).unwrap_or(10_000_000),
    };
    u32::try_from((patience - 1) / next.upstream_timeout).unwrap_or(u32::MAX)
}

fn edge(
    caller: usize,
    dependency: crate::scenario::Dependency,
    dns_endpoint: bool,
    scenario: &Scenario,
) -> EdgePlan {
    let callee = dependency.component;
    EdgePlan {
        caller: caller as u32,
        callee: callee as u32,
        stream_key: entity_key(&[
            "edge",
            &scenario.components[caller].name,
            &scenario.components[callee].name,
        ]),
        deep_probed: !dns_endpoint
            && dependency.needed_by >= 1.0
            && !dependency.fallback
            && (scenario.components[caller]
                .health_check
                .as_ref()
                .is_some_and(|c| c.deep)
                || scenario.components[caller]
                    .liveness
                    .as_ref()
                    .is_some_and(|l| l.deep)),
        dependency,
        dns_endpoint,
    }
}
