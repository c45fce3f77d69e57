//! The discrete-event engine: one trial of one scenario, with no I/O, no clock and no way
//! to fail. `Plan` compiles a checked scenario into flat arrays; `TrialRunner` simulates
//! trials on it, reusing its buffers.
//!
//! Every component has a service level in [0, 1] at every instant (the fraction of its
//! requests that succeed), derived from the state of its units and mechanisms; the system's
//! is the entry's. See `docs/model.md` for each mechanism and the approximation it makes.

pub mod bias;
mod changes;
mod common_cause;
mod deep_probes;
mod disaster_recovery;
mod dns;
mod edges;
mod experiment;
mod failover;
mod impaired;
mod levels;
mod overlay;
mod plan;
mod queue;
mod resync;
mod retries;
mod shared;
pub mod state;
mod trial;
mod units;
mod zone_relaunch;

pub use bias::BiasPlan;
pub use experiment::ExperimentPlan;
pub use plan::{ChangePlan, CommonCausePlan, DomainKind, Plan, SharedFailurePlan};
pub use queue::{EventQueue, Queue};
pub use state::Level;
pub use trial::{demand_integral, Observer, TrialOutcome, TrialRunner};

/// Something that happens at an instant of a trial. `generation` fields cancel events made
/// stale by a later change: an event whose generation is not the current one is ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A unit fails; `mode` indexes the plan's unit modes.
    UnitFails {
        unit: u32,
        mode: u32,
    },
    /// A unit's outage ends (repair, restart or replacement).
    UnitRecovers {
        unit: u32,
    },
    /// A zone or region goes down; `domain` indexes the plan's domains.
    DomainFails {
        domain: u32,
    },
    /// A zone or region comes back.
    DomainRecovers {
        domain: u32,
    },
    /// Health checks take a unit out of rotation or put it back.
    Rotation {
        unit: u32,
        generation: u32,
    },
    /// The next step of a failover; `group` indexes the plan's failover groups.
    Failover {
        group: u32,
        generation: u32,
    },
    /// A caller's retry-delayed view of a dependency catches up.
    EdgeView {
        edge: u32,
        generation: u32,
    },
    /// A circuit breaker trips or probes (half-open).
    Breaker {
        edge: u32,
        generation: u32,
    },
    /// The DNS health checker's verdict on an endpoint changes.
    DnsCheck {
        edge: u32,
        generation: u32,
    },
    /// Clients move between DNS answers as cached records expire.
    DnsDrain {
        component: u32,
        generation: u32,
    },
    /// The hour changes: demand follows the traffic profile.
    TrafficHour,
    /// A common-cause process strikes every unit of its component; `process` indexes the
    /// plan's common causes.
    CommonCause {
        process: u32,
    },
    /// The strike over a unit that another mode had already failed is over.
    CommonCauseOverlayEnds {
        unit: u32,
        process: u32,
    },
    /// A shared failure begins, or ends; `shared` indexes the plan's shared failures.
    SharedFails {
        shared: u32,
    },
    SharedRecovers {
        shared: u32,
    },
    /// A change starts (good or bad), reaches every unit after its bake, or is rolled back.
    ChangeStarts {
        change: u32,
    },
    ChangeReachesAll {
        change: u32,
    },
    ChangeRolledBack {
        change: u32,
    },
    /// A deep liveness probe has failed `failure_threshold` times: the process is killed.
    DeepLivenessKill {
        unit: u32,
        generation: u32,
    },
    /// A process killed by its deep liveness probe has restarted.
    DeepRestartEnds {
        unit: u32,
    },
    /// An auto-scaling group has relaunched, in another zone, a unit its zone's outage took.
    ZoneRelaunch {
        unit: u32,
        generation: u32,
    },
    /// The next step of a component's disaster recovery: the declaration, or the restore done.
    DisasterRecovery {
        component: u32,
        generation: u32,
    },
    /// A chaos experiment's fault `fault` (index into its faults) is injected, or ends.
    FaultStarts {
        fault: u32,
    },
    FaultEnds {
        fault: u32,
    },
    /// A replica of `component` finished resyncing with a new primary: it serves reads again.
    Resynced {
        component: u32,
    },
}

/// What turned a failure into lost service, for attribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mechanism {
    /// The failure itself: too few units up until repair, restart or replacement.
    Outage,
    /// Failed units still in rotation until health checks eject them.
    Detection,
    /// A primary's failure until the failover completes (or the primary returns).
    Failover,
    /// Clients still sent to a failed endpoint: DNS detection, TTL and stale resolvers.
    Dns,
    /// A circuit breaker still open after its dependency recovered.
    Breaker,
    /// A caller whose workers are held by a hanging dependency.
    Cascade,
    /// Healthy capacity below demand.
    Overload,
}

impl Mechanism {
    pub const ALL: [Mechanism; 7] = [
        Mechanism::Outage,
        Mechanism::Detection,
        Mechanism::Failover,
        Mechanism::Dns,
        Mechanism::Breaker,
        Mechanism::Cascade,
        Mechanism::Overload,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Mechanism::Outage => "outage",
            Mechanism::Detection => "detection",
            Mechanism::Failover => "failover",
            Mechanism::Dns => "dns",
            Mechanism::Breaker => "breaker",
            Mechanism::Cascade => "cascade",
            Mechanism::Overload => "overload",
        }
    }
}

/// A root cause (index into `Plan::causes`) and the mechanism that made it cost service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attribution {
    pub cause: u32,
    pub mechanism: Mechanism,
}

impl Attribution {
    /// Index into a flat per-(cause, mechanism) table.
    pub fn slot(self) -> usize {
        self.cause as usize * Mechanism::ALL.len() + self.mechanism as usize
    }
}
