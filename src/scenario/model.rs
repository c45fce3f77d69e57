//! The checked scenario: every reference resolved to an index, every parameter valid.
//!
//! Only `scenario::load` builds these values, so the engine can trust them completely.

use super::distribution::Distribution;
use super::mechanisms::*;
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
    /// Demand over time; `None`: constant, and capacity plays no part.
    pub traffic: Option<Traffic>,
    pub slo: Option<Slo>,
    /// Failures that strike units of several components at once, in file order.
    pub shared_failures: Vec<SharedFailure>,
    /// Releases and configuration pushes, in file order.
    pub changes: Vec<Change>,
    /// Chaos experiments (`sim chaos`), in file order; other commands ignore them.
    pub experiments: Vec<Experiment>,
    /// The uncertain parameters (`{"between": ...}`) when the file has any: this scenario
    /// is then the one at the ranges' middles, and `crate::uncertainty` runs the others.
    pub uncertainty: Option<std::sync::Arc<super::uncertain::UncertainInputs>>,
    /// What the scenario is, as 16 hex digits: FNV-1a of its document in canonical form
    /// (keys sorted, no whitespace) without `simulation.trials`, `simulation.seed` and
    /// `experiments`, which say how it is run or rehearsed, not what it is
    /// (`load::fingerprint`). Reports carry it as
    /// `scenario_fingerprint`, so that `sim check` knows a baseline of the same design.
    pub fingerprint: String,
}

/// A failure process shared by several components (`shared_failures`): while an
/// occurrence lasts, the units it struck are bad with `effect`.
#[derive(Debug, Clone)]
pub struct SharedFailure {
    pub name: String,
    pub time_to_failure: Distribution,
    pub time_to_repair: Distribution,
    /// Component indices.
    pub targets: Vec<usize>,
    /// Each unit of each target is struck with this probability at each occurrence.
    pub probability: f64,
    pub effect: Effect,
}

/// A stream of changes (releases, configuration pushes) to some components; a bad one
/// makes the units running it bad until it is noticed and rolled back.
#[derive(Debug, Clone)]
pub struct Change {
    pub name: String,
    /// Component indices.
    pub targets: Vec<usize>,
    /// From the end of one change to the start of the next.
    pub interval: Distribution,
    pub bad_probability: f64,
    pub effect: Effect,
    /// From the change's start to the moment someone notices a bad one.
    pub detection: Distribution,
    /// From detection until every unit runs the previous version.
    pub rollback: Distribution,
    pub rollout: Option<Rollout>,
}

/// A staged rollout: the canary units first, every unit after `bake`.
#[derive(Debug, Clone, Copy)]
pub struct Rollout {
    /// Fraction of each target's units in the canary: ceil(canary x n), at least one.
    pub canary: f64,
    pub bake: Ticks,
}

impl Rollout {
    /// How many of `replicas` units form the canary: ceil(canary x replicas), at least one.
    pub fn canary_units(&self, replicas: u32) -> u32 {
        // A few ulps below the product, so that 0.3 x 10 (3.0000000000000004 in binary) is
        // 3, while 0.3333333334 x 3 is still 2.
        let units = (self.canary * f64::from(replicas) * (1.0 - 4.0 * f64::EPSILON)).ceil();
        (units as u32).clamp(1, replicas)
    }
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
    pub effect: Effect,
    pub recovery: Recovery,
    /// The beta factor in [0, 1]: this share of the mode's failures strikes every unit of
    /// the component at once (IEC 61508-6 Annex D).
    pub common_cause: f64,
}

impl FailureMode {
    /// What a unit's own `ttf` draws of this mode are multiplied by: 1 / (1 - beta), the
    /// unit keeping (1 - beta) of the rate (the rest is the common-cause process);
    /// infinite (no own process) at beta = 1.
    pub fn own_ttf_scale(&self) -> f64 {
        if self.common_cause >= 1.0 {
            f64::INFINITY
        } else {
            1.0 / (1.0 - self.common_cause)
        }
    }
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
    pub depends_on: Vec<Dependency>,
    pub role: Role,
    /// Requests per second one unit can serve; `None`: unlimited.
    pub capacity: Option<f64>,
    /// Requests to this component per request to the system.
    pub load_factor: f64,
    /// Requests in flight the component can hold (workers); `None`: unlimited.
    pub concurrency: Option<f64>,
    /// Deadline of requests to this component: slow units fail requests past it.
    pub deadline: Option<Ticks>,
    pub health_check: Option<HealthCheck>,
    pub passive_check: Option<PassiveCheck>,
    /// Failed requests are retried on another unit (`proxy_next_upstream`).
    pub retry_next_upstream: Option<NextUpstream>,
    /// Work a request shed under overload still costs, as a fraction of serving one.
    pub shed_cost: f64,
    pub liveness: Option<Liveness>,
    pub startup_probe: Option<StartupProbe>,
    pub restart: Option<Restart>,
    pub replacement: Option<Replacement>,
    pub failover: Option<Failover>,
    pub replication: Option<Replication>,
    /// A copy in another region, restored from when every local unit is lost.
    pub disaster_recovery: Option<DisasterRecovery>,
    /// primary_replica: the fraction of requests that are reads.
    pub read_fraction: f64,
    pub dns: Option<DnsFailover>,
    /// Independent replica groups the requests are spread over evenly (Redis Cluster's
    /// masters); units `k * n / shards ..` form shard k, and `require` is per shard.
    pub shards: u32,
    /// One lost shard stops every request (`cluster-require-full-coverage yes`).
    pub require_full_coverage: bool,
}

impl Component {
    /// Every component this one needs: its dependencies and its DNS endpoints.
    pub fn dependencies(&self) -> impl Iterator<Item = usize> + '_ {
        let endpoints = self
            .dns
            .iter()
            .flat_map(|dns| dns.endpoints.iter().copied());
        self.depends_on.iter().map(|d| d.component).chain(endpoints)
    }

    /// Its `position`-th dependency in `dependencies()` order, in constant time (graph
    /// walks keep a position per component on an explicit stack).
    pub fn dependency_at(&self, position: usize) -> Option<usize> {
        match self.depends_on.get(position) {
            Some(dependency) => Some(dependency.component),
            None => self
                .dns
                .as_ref()
                .and_then(|dns| dns.endpoints.get(position - self.depends_on.len()))
                .copied(),
        }
    }

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
                stack.extend(self.components[index].dependencies());
            }
        }
        (0..needed.len()).filter(|i| needed[*i]).collect()
    }

    /// Every component once, each after everything it depends on: the order in which a
    /// memoised walk down the (acyclic, checked at load) graph can be computed bottom-up.
    /// A depth-first search on an explicit stack, so a chain of any length costs no
    /// call stack.
    pub fn dependency_order(&self) -> Vec<usize> {
        let count = self.components.len();
        let mut order = Vec::with_capacity(count);
        let mut seen = vec![false; count];
        // (component, position of its next dependency to visit)
        let mut stack: Vec<(usize, usize)> = Vec::new();
        for root in 0..count {
            if seen[root] {
                continue;
            }
            seen[root] = true;
            stack.push((root, 0));
            while let Some((node, next)) = stack.last_mut() {
                match self.components[*node].dependency_at(*next) {
                    Some(dependency) => {
                        *next += 1;
                        if !seen[dependency] {
                            seen[dependency] = true;
                            stack.push((dependency, 0));
                        }
                    }
                    None => {
                        order.push(*node);
                        stack.pop();
                    }
                }
            }
        }
        order
    }
}

#[cfg(test)]
mod tests {
    use super::Rollout;

    #[test]
    fn the_canary_is_ceil_of_its_share_at_least_one() {
        let units = |canary: f64, replicas: u32| Rollout { canary, bake: 0 }.canary_units(replicas);
        assert_eq!(units(0.3, 10), 3);
        assert_eq!(units(0.1, 10), 1);
        assert_eq!(units(0.3333333334, 3), 2);
        assert_eq!(units(0.01, 3), 1);
        assert_eq!(units(0.25, 3), 1);
        assert_eq!(units(1.0, 7), 7);
    }
}

/// A chaos experiment (`experiments`, spec chaos.md): faults injected at `at` in every
/// trial, measured from `at` until the service is back at 1 (and stays there until the
/// faults end), and held to `expect`.
#[derive(Debug, Clone)]
pub struct Experiment {
    pub name: String,
    pub at: Ticks,
    pub faults: Vec<Fault>,
    pub expect: Expectations,
    /// The scenario's random failures keep happening around the experiment.
    pub background: bool,
}

/// One injected fault, lasting `duration` from the experiment's `at`.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    pub duration: Ticks,
    pub kind: FaultKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// Unit `index` of component `component` is bad with `effect`.
    Unit {
        component: usize,
        index: u32,
        effect: Effect,
    },
    /// The current primary of the component (of its first shard) crashes.
    Primary {
        component: usize,
    },
    /// An outage of the zone or region (index into the scenario's lists).
    Zone(usize),
    Region(usize),
    /// Every unit of the component answers `add` slower.
    Latency {
        component: usize,
        add: Ticks,
    },
    /// The component's asynchronous replication lags by exactly `lag`.
    ReplicationLag {
        component: usize,
        lag: Ticks,
    },
}

/// What an experiment must show; `None`: not checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Expectations {
    pub max_lost: Option<Ticks>,
    pub max_recovery: Option<Ticks>,
    pub min_level: Option<f64>,
    pub max_data_loss: Option<Ticks>,
    /// Share of trials in which every expectation must hold.
    pub confidence: f64,
}

impl Expectations {
    pub fn any(&self) -> bool {
        self.max_lost.is_some()
            || self.max_recovery.is_some()
            || self.min_level.is_some()
            || self.max_data_loss.is_some()
    }
}
