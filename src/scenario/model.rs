//! The checked scenario: every reference resolved to an index, every parameter valid.
//!
//! Only `scenario::load` builds these values, so the engine can trust them completely.

use super::distribution::Distribution;
use crate::time::Ticks;

/// A whole scenario after validation.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub simulation: Simulation,
    pub regions: Vec<Region>,
    pub zones: Vec<Zone>,
    /// Components in the order the file lists them.
    pub components: Vec<Component>,
    /// Index of the entry component into `components`.
    pub entry: usize,
}

/// How to simulate: horizon, number of trials and master seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Simulation {
    pub horizon: Ticks,
    pub trials: u64,
    pub seed: u64,
}

/// A failure-and-repair process of a fault domain (zone or region).
#[derive(Debug, Clone)]
pub struct Outage {
    pub time_to_failure: Distribution,
    pub time_to_repair: Distribution,
}

#[derive(Debug, Clone)]
pub struct Region {
    pub name: String,
    pub outage: Option<Outage>,
}

#[derive(Debug, Clone)]
pub struct Zone {
    pub name: String,
    /// Index into `Scenario::regions`.
    pub region: Option<usize>,
    pub outage: Option<Outage>,
}

/// One way a unit fails, competing with the unit's other modes.
#[derive(Debug, Clone)]
pub struct FailureMode {
    pub name: String,
    pub time_to_failure: Distribution,
    pub time_to_repair: Distribution,
}

/// A group of identical units that is up while `require` of them are available and every
/// dependency is up.
#[derive(Debug, Clone)]
pub struct Component {
    pub name: String,
    pub replicas: u32,
    /// Zone indices; unit `i` lives in `zones[i % zones.len()]`. Empty: no zone.
    pub zones: Vec<usize>,
    pub require: u32,
    pub failures: Vec<FailureMode>,
    /// Indices of hard dependencies.
    pub depends_on: Vec<usize>,
}

impl Component {
    /// The zone of unit `unit`, if the component is placed in zones.
    pub fn zone_of_unit(&self, unit: u32) -> Option<usize> {
        if self.zones.is_empty() {
            None
        } else {
            Some(self.zones[unit as usize % self.zones.len()])
        }
    }
}

impl Scenario {
    /// Total number of units over all components.
    pub fn unit_count(&self) -> usize {
        self.components.iter().map(|c| c.replicas as usize).sum()
    }

    /// The entry component and everything it depends on, directly or not, each once, in
    /// component order. Components outside this set cannot affect the system.
    pub fn entry_closure(&self) -> Vec<usize> {
        let mut needed = vec![false; self.components.len()];
        let mut stack = vec![self.entry];
        while let Some(index) = stack.pop() {
            if !needed[index] {
                needed[index] = true;
                stack.extend(self.components[index].depends_on.iter().copied());
            }
        }
        (0..needed.len()).filter(|i| needed[*i]).collect()
    }
}
