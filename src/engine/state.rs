//! The mutable state of one trial, per unit, component, edge and fault domain. Plain data:
//! the logic that changes it lives in the sibling modules.

use crate::scenario::Effect;
use crate::time::Ticks;

#[derive(Debug, Clone)]
pub struct UnitState {
    /// Down by one of its own failure modes.
    pub failed: bool,
    /// The unit mode it failed with, while `failed`.
    pub mode: u32,
    /// That mode's effect, kept here because level evaluation reads it on every change.
    pub effect: Effect,
    /// Overlays covering the unit now: zone and region outages, shared failures, bad
    /// changes. The unit's own failures go on underneath.
    pub overlays: u32,
    /// Of those, how many hang requests (zone and region outages always do) or fail them
    /// fast; the rest are slow, by `overlay_latency`.
    pub overlay_hangs: u32,
    pub overlay_crashes: u32,
    /// The largest added latency of the slow overlays over it now.
    pub overlay_latency: Ticks,
    /// When its pending own failure is due (`Ticks::MAX`: none); a failure event at
    /// another time was cancelled by a common-cause strike.
    pub failure_due: Ticks,
    /// The common-cause process whose strike it is down from (`NO_PROCESS`: none).
    pub struck_by: u32,
    /// Health checks are due to take it out of rotation, or to put it back (a `Rotation`
    /// event is pending).
    pub ejection_pending: bool,
    pub admission_pending: bool,
    /// Whether routers send it requests (health checks lag the truth).
    pub in_rotation: bool,
    pub rotation_generation: u32,
    /// When it last turned bad (failed or its domain went down), for attribution.
    pub bad_since: Ticks,
    /// The attribution cause of its current badness.
    pub cause: u32,
    /// Phase of the periodic active health checks (checks at phase + k * interval).
    pub check_phase: Ticks,
    /// When passive checks last ejected it.
    pub ejected_at: Ticks,
    pub restart_count: u32,
    pub last_restart: Ticks,
    /// When its current process (container) started, for probes' initial delays.
    pub process_started: Ticks,
    /// Sync replication, or a resync after a failover: earliest time the unit can be
    /// promoted.
    pub caught_up_at: Ticks,
    /// Resync after a failover: until then it loads the new primary's data and serves no
    /// reads.
    pub resynced_at: Ticks,
}

impl Default for UnitState {
    fn default() -> Self {
        UnitState {
            failed: false,
            mode: 0,
            effect: Effect::Crash,
            overlays: 0,
            overlay_hangs: 0,
            overlay_crashes: 0,
            overlay_latency: 0,
            failure_due: Ticks::MAX,
            struck_by: NO_PROCESS,
            ejection_pending: false,
            admission_pending: false,
            in_rotation: true,
            rotation_generation: 0,
            bad_since: 0,
            cause: 0,
            check_phase: 0,
            ejected_at: 0,
            restart_count: 0,
            last_restart: 0,
            process_started: 0,
            caught_up_at: 0,
            resynced_at: 0,
        }
    }
}

impl UnitState {
    /// Neither failed nor covered by an overlay.
    #[inline]
    pub fn good(&self) -> bool {
        !self.failed && self.overlays == 0
    }
}

/// `UnitState::struck_by` of a unit not down from a common-cause strike.
pub const NO_PROCESS: u32 = u32::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailoverPhase {
    Serving,
    Detecting,
    Promoting,
    Reconnecting,
    /// No promotable replica, or no monitor quorum: waiting for one (or the primary).
    Blocked,
    /// The automatic failover failed: waiting for a manual promotion (or the primary).
    Manual,
}

#[derive(Debug, Clone)]
pub struct FailoverState {
    /// Global index of the unit that is primary.
    pub primary: u32,
    pub phase: FailoverPhase,
    pub generation: u32,
    /// The unit being promoted.
    pub target: u32,
    /// When the current outage of the primary began.
    pub outage_start: Ticks,
    /// Attribution cause of the current outage.
    pub cause: u32,
    /// A planned switchover back to the preferred unit (no data loss).
    pub planned: bool,
}

impl FailoverState {
    /// A group at the start of a trial: its first unit is primary and serves.
    pub fn serving(primary: u32, cause: u32) -> Self {
        FailoverState {
            primary,
            phase: FailoverPhase::Serving,
            generation: 0,
            target: primary,
            outage_start: 0,
            cause,
            planned: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerPhase {
    Closed,
    Open,
}

#[derive(Debug, Clone)]
pub struct EdgeState {
    /// The callee's level as the caller sees it (retries delay bad news).
    pub view: f64,
    /// The callee's level at the last change seen.
    pub callee_level: f64,
    /// The error share the pending trip was computed for.
    pub breaker_errors: f64,
    pub view_generation: u32,
    pub breaker: BreakerPhase,
    pub breaker_generation: u32,
    /// The cause that tripped the breaker, for attribution while it stays open.
    pub breaker_cause: u32,
    /// DNS endpoint: the health checker's verdict, and its pending change.
    pub deemed_healthy: bool,
    pub dns_pending: bool,
    pub dns_generation: u32,
    pub dns_phase: Ticks,
}

#[derive(Debug, Clone, Default)]
pub struct DnsState {
    /// Position of the endpoint the record points to, among the component's edges.
    pub record: usize,
    /// Fraction of clients using each endpoint now.
    pub weights: Vec<f64>,
    /// Weights when the record last changed: the clients still to move.
    pub from: Vec<f64>,
    pub generation: u32,
    pub drain_step: u32,
    pub drain_start: Ticks,
    /// When the stale resolvers give up the old answer.
    pub stale_until: Ticks,
}

/// A component's current level and what it exports to its callers.
#[derive(Debug, Clone, Copy)]
pub struct Level {
    /// Fraction of requests that succeed (including through fallbacks).
    pub served: f64,
    /// Fraction that succeed without any fallback.
    pub clean: f64,
    /// Fraction of requests that hang (time out) rather than fail fast.
    pub hanging: f64,
    /// The component's own level, ignoring dependencies.
    pub own: f64,
}

impl Level {
    pub const UP: Level = Level {
        served: 1.0,
        clean: 1.0,
        hanging: 0.0,
        own: 1.0,
    };
}

/// How slowly a component answers: the fraction of its requests that succeed slowly (slow
/// units within the deadline) and the largest latency they add. A caller whose timeout is
/// shorter sees them fail. Kept beside `Level` so the common case stays small.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Slowness {
    pub share: f64,
    pub latency: Ticks,
}
