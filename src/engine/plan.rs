//! The scenario compiled for simulation: flat arrays of units, failure modes, fault domains
//! and the reverse dependency edges, with every random stream's entity key precomputed.

use crate::rng::entity_key;
use crate::scenario::{Distribution, Scenario};
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
}

/// One failure mode of one unit: which mode, and the key of its random stream.
#[derive(Debug, Clone, Copy)]
pub struct UnitMode {
    /// Index into the component's `failures`.
    pub mode: u32,
    pub stream_key: u64,
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainKind {
    Zone,
    Region,
}

#[derive(Debug, Clone)]
pub struct ComponentPlan {
    pub replicas: u32,
    pub require: u32,
    /// Components that depend on this one.
    pub dependents: Vec<u32>,
    pub failures: Vec<(Distribution, Distribution)>,
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
    pub entry: u32,
}

impl Plan {
    pub fn new(scenario: &Scenario) -> Plan {
        let mut units = Vec::with_capacity(scenario.unit_count());
        let mut unit_modes = Vec::new();
        let mut zone_units: Vec<Vec<u32>> = vec![Vec::new(); scenario.zones.len()];
        let mut region_units: Vec<Vec<u32>> = vec![Vec::new(); scenario.regions.len()];
        for (component_index, component) in scenario.components.iter().enumerate() {
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
                    });
                }
                units.push(UnitPlan {
                    component: component_index as u32,
                    index,
                    modes_start,
                    modes_end: unit_modes.len() as u32,
                });
                if let Some(zone) = component.zone_of_unit(index) {
                    zone_units[zone].push(unit);
                    if let Some(region) = scenario.zones[zone].region {
                        region_units[region].push(unit);
                    }
                }
            }
        }
        let zones = scenario.zones.iter().enumerate().filter_map(|(i, zone)| {
            zone.outage.as_ref().map(|outage| DomainPlan {
                kind: DomainKind::Zone,
                index: i,
                time_to_failure: outage.time_to_failure.clone(),
                time_to_repair: outage.time_to_repair.clone(),
                stream_key: entity_key(&["zone", &zone.name]),
                units: std::mem::take(&mut zone_units[i]),
            })
        });
        let regions = scenario
            .regions
            .iter()
            .enumerate()
            .filter_map(|(i, region)| {
                region.outage.as_ref().map(|outage| DomainPlan {
                    kind: DomainKind::Region,
                    index: i,
                    time_to_failure: outage.time_to_failure.clone(),
                    time_to_repair: outage.time_to_repair.clone(),
                    stream_key: entity_key(&["region", &region.name]),
                    units: std::mem::take(&mut region_units[i]),
                })
            });
        let domains: Vec<DomainPlan> = zones
            .collect::<Vec<_>>()
            .into_iter()
            .chain(regions)
            .collect();
        let mut components: Vec<ComponentPlan> = scenario
            .components
            .iter()
            .map(|c| ComponentPlan {
                replicas: c.replicas,
                require: c.require,
                dependents: Vec::new(),
                failures: c
                    .failures
                    .iter()
                    .map(|f| (f.time_to_failure.clone(), f.time_to_repair.clone()))
                    .collect(),
            })
            .collect();
        for (index, component) in scenario.components.iter().enumerate() {
            for &dependency in &component.depends_on {
                components[dependency].dependents.push(index as u32);
            }
        }
        Plan {
            horizon: scenario.simulation.horizon,
            seed: scenario.simulation.seed,
            units,
            unit_modes,
            domains,
            components,
            entry: scenario.entry as u32,
        }
    }
}
