//! One trial: the event loop, the per-trial state, and the accounting of lost service.
//!
//! The engine integrates the entry's service level between events: each interval adds
//! (1 - level) x demand x length to the lost service and, when the level is below 1, the
//! same amount to the attribution slot of its cause. Components keep their own level and the
//! time it was set, so their accounting costs O(1) per change.

use rand_chacha::ChaCha8Rng;

use super::bias::Forcing;
use super::changes::Changes;
use super::common_cause::CommonCauses;
use super::disaster_recovery::DisasterRecoveries;
use super::plan::Plan;
use super::queue::EventQueue;
use super::shared::SharedFailures;
use super::state::{BreakerPhase, DnsState, EdgeState, FailoverState, Level, UnitState};
use super::{Attribution, Event, Mechanism};
use crate::rng::{stream, LazyStreams};
use crate::scenario::Recovery;
use crate::time::Ticks;

/// Ticks in one hour.
pub const HOUR: Ticks = 3_600_000_000;

/// Demand integrated over [0, t): relative demand x ticks, following the hourly profile.
/// `prefix[h]` is the demand of hours 0..h of a day (so `prefix[24]` is a whole day's).
pub fn demand_integral(hourly: &[f64; 24], prefix: &[f64; 25], t: Ticks) -> f64 {
    let day = 24 * HOUR;
    let (days, rest) = (t / day, t % day);
    let (hour, within) = ((rest / HOUR) as usize, rest % HOUR);
    days as f64 * prefix[24] + prefix[hour] + hourly[hour] * within as f64
}

/// What one trial measured.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrialOutcome {
    /// Lost service as a fraction of the demand over the horizon: 1 - availability.
    pub lost: f64,
    /// Time with the system's level at 0.
    pub full_outage: Ticks,
    /// Time with the system's level strictly between 0 and 1.
    pub degraded: Ticks,
    /// Fraction of the demand served only through a fallback.
    pub fallback: f64,
    /// Maximal intervals of positive length with the system's level below 1.
    pub incidents: u32,
    /// Maximal intervals of positive length with the system's level at 0.
    pub full_outages: u32,
    /// Per component: time-average of 1 - level (dependencies included).
    pub component_lost: Vec<f64>,
    /// Per component: time-average of 1 - own level (its units only).
    pub component_own_lost: Vec<f64>,
    /// Per (cause, mechanism) slot: lost service as a fraction of the demand.
    pub cause_lost: Vec<f64>,
    /// Write windows lost at asynchronous failovers, in seconds.
    pub data_loss: Vec<f64>,
    /// Write windows lost at disaster-recovery restores (the snapshot's age), in seconds.
    pub restore_loss: Vec<f64>,
    /// Failover outages (primary failure to clients reconnected), in seconds.
    pub failover_durations: Vec<f64>,
    /// Per (unit mode cause, recovery kind): outages ended that way.
    pub recoveries: Vec<u32>,
    /// Events processed, not counting hourly demand steps.
    pub events: u64,
    /// The likelihood ratio of the trial's failure history under rare-event forcing (1
    /// without): every estimate takes weight x value.
    pub weight: f64,
}

/// Counts maximal intervals of positive length during which a condition holds, fed one
/// interval at a time. One that resumes at the very instant the last one ended is the same.
#[derive(Debug, Default, Clone, Copy)]
struct Intervals {
    open: bool,
    last_end: Option<Ticks>,
}

impl Intervals {
    /// The interval starting at `start` (and ending at the next event) has `active`; returns
    /// 1 when it opens a new counted interval.
    fn observe(&mut self, active: bool, start: Ticks) -> u32 {
        match (active, self.open) {
            (true, false) => {
                self.open = true;
                u32::from(self.last_end != Some(start))
            }
            (false, true) => {
                self.open = false;
                self.last_end = Some(start);
                0
            }
            _ => 0,
        }
    }
}

/// Sees every event of a trial as it is applied (for traces and tests); the no-op
/// implementation for `()` compiles away.
pub trait Observer {
    /// Called after each event is applied; `trial` shows the state it left.
    fn on_event(&mut self, _time: Ticks, _event: Event, _trial: &TrialRunner) {}
    /// True once the observer has seen what it needed: the trial ends there (the outcome
    /// then covers the trial up to the horizon as if nothing else happened).
    fn done(&self) -> bool {
        false
    }
}
impl Observer for () {}

/// The reusable state of a trial. `run` resets it, so one value serves many trials.
pub struct TrialRunner<'p> {
    pub(super) plan: &'p Plan,
    pub(super) queue: EventQueue,
    pub(super) mode_streams: Vec<ChaCha8Rng>,
    pub(super) domain_streams: Vec<ChaCha8Rng>,
    /// Streams most trials of most scenarios never draw from: built on first use.
    pub(super) unit_streams: LazyStreams,
    pub(super) component_streams: LazyStreams,
    pub(super) edge_streams: LazyStreams,
    /// The correlated processes, each with its own streams and state.
    pub(super) common_causes: CommonCauses,
    pub(super) shared_failures: SharedFailures,
    pub(super) changes: Changes,
    pub(super) deep: super::deep_probes::DeepProbes,
    pub(super) zone_relaunches: super::zone_relaunch::ZoneRelaunches,
    pub(super) disaster_recovery: DisasterRecoveries,
    /// A chaos experiment's per-trial state (which primary it took, injected lags).
    pub(super) injections: super::experiment::Injections,
    /// Rare-event acceleration's per-trial state, when the plan has a bias plan.
    pub(super) forcing: Option<Forcing>,
    pub(super) units: Vec<UnitState>,
    /// Per unit: the cause and effect of each overlay over it, oldest first.
    pub(super) overlay_causes: Vec<Vec<(u32, crate::scenario::Effect)>>,
    /// Per component: how many of its units are good (not failed, no outage over them).
    pub(super) good_units: Vec<u32>,
    pub(super) levels: Vec<Level>,
    /// Per component: offered load over demand, from its callers' retries (1: none).
    pub(super) amplification: Vec<f64>,
    /// Per component: what set off the retries that overload it now, for attribution.
    pub(super) storm_cause: Vec<u32>,
    /// Per component: how slowly it answers (for callers' timeouts).
    pub(super) slowness: Vec<super::state::Slowness>,
    /// Per component: what its dependencies let through, while nothing they read changes.
    pub(super) dependency_cache: super::levels::DependencyCache,
    /// Per component: the dependency edges whose factor is not exactly 1 now.
    pub(super) impaired: super::impaired::ImpairedEdges,
    level_since: Vec<Ticks>,
    /// Per failover group (`Plan::failover_groups`).
    pub(super) failovers: Vec<FailoverState>,
    pub(super) edges: Vec<EdgeState>,
    pub(super) dns: Vec<DnsState>,
    /// Per zone and per region: whether an outage covers it now.
    pub(super) zone_down: Vec<bool>,
    /// Per domain: how many outages hold it down now (a random one and an injected one
    /// can overlap).
    pub(super) domain_holds: Vec<u32>,
    pub(super) region_down: Vec<bool>,
    /// Demand now, relative to the peak.
    pub(super) demand: f64,
    pub(super) worklist: Vec<u32>,
    /// Components with failover whose units changed during the current event: decided once
    /// all of the event's changes are in (a zone's return brings several units back at once).
    pub(super) failover_pending: Vec<u32>,
    /// Per component: whether its level could move with the hour's demand; and how many do.
    pub(super) demand_bound: Vec<bool>,
    pub(super) demand_bound_count: u32,
    /// An hourly step is scheduled.
    traffic_pending: bool,
    pub(super) queued: Vec<bool>,
    pub(super) last_time: Ticks,
    total_weight: f64,
    pub(super) cause_dirty: bool,
    entry_cause: Attribution,
    /// Intervals with the system below 1 (incidents) and at 0 (full outages).
    incidents: Intervals,
    full_outages: Intervals,
    pub(super) outcome: TrialOutcome,
}

impl<'p> TrialRunner<'p> {
    pub fn new(plan: &'p Plan) -> Self {
        let placeholder = stream(0, 0, 0);
        let components = plan.components.len();
        let slots = plan.causes.len() * Mechanism::ALL.len();
        TrialRunner {
            plan,
            queue: EventQueue::default(),
            mode_streams: vec![placeholder.clone(); plan.unit_modes.len()],
            domain_streams: vec![placeholder.clone(); plan.domains.len()],
            unit_streams: LazyStreams::new(plan.units.iter().map(|u| u.mechanism_key).collect()),
            component_streams: LazyStreams::new(
                plan.components.iter().map(|c| c.mechanism_key).collect(),
            ),
            edge_streams: LazyStreams::new(plan.edges.iter().map(|e| e.stream_key).collect()),
            common_causes: CommonCauses::new(plan),
            shared_failures: SharedFailures::new(plan),
            changes: Changes::new(plan),
            deep: super::deep_probes::DeepProbes::new(
                plan.edges.len(),
                components,
                plan.units.len(),
            ),
            zone_relaunches: super::zone_relaunch::ZoneRelaunches::new(plan.units.len()),
            disaster_recovery: DisasterRecoveries::new(plan),
            forcing: plan.bias.as_ref().map(Forcing::new),
            injections: super::experiment::Injections::new(plan),
            units: vec![UnitState::default(); plan.units.len()],
            overlay_causes: vec![Vec::new(); plan.units.len()],
            good_units: vec![0; components],
            levels: vec![Level::UP; components],
            amplification: vec![1.0; components],
            storm_cause: vec![plan.demand_cause; components],
            slowness: vec![super::state::Slowness::default(); components],
            dependency_cache: super::levels::DependencyCache::new(components),
            impaired: super::impaired::ImpairedEdges::new(components, plan.edges.len()),
            level_since: vec![0; components],
            // Filled by `reset`, like the edges.
            failovers: Vec::with_capacity(plan.failover_groups.len()),
            edges: Vec::with_capacity(plan.edges.len()),
            dns: vec![DnsState::default(); components],
            zone_down: vec![false; plan.zone_regions.len()],
            domain_holds: vec![0; plan.domains.len()],
            region_down: vec![false; plan.region_count],
            demand: 1.0,
            worklist: Vec::with_capacity(components),
            failover_pending: Vec::new(),
            demand_bound: vec![false; components],
            demand_bound_count: 0,
            traffic_pending: false,
            queued: vec![false; components],
            last_time: 0,
            total_weight: 0.0,
            cause_dirty: false,
            entry_cause: Attribution {
                cause: 0,
                mechanism: Mechanism::Outage,
            },
            incidents: Intervals::default(),
            full_outages: Intervals::default(),
            outcome: TrialOutcome {
                component_lost: vec![0.0; components],
                component_own_lost: vec![0.0; components],
                cause_lost: vec![0.0; slots],
                recoveries: vec![0; plan.causes.len() * Recovery::ALL.len()],
                weight: 1.0,
                ..TrialOutcome::default()
            },
        }
    }

    /// Simulates trial number `trial` and returns what it measured.
    pub fn run(&mut self, trial: u64) -> &TrialOutcome {
        self.run_observed(trial, &mut ())
    }

    /// Like `run`, showing every event to `observer`.
    pub fn run_observed<O: Observer>(&mut self, trial: u64, observer: &mut O) -> &TrialOutcome {
        // An experiment without background has only its injected faults.
        let clocks = self
            .plan
            .experiment
            .as_ref()
            .is_none_or(|e| e.experiment.background);
        self.reset(trial, clocks);
        while let Some((now, event)) = self.queue.pop() {
            if !self.is_live(now, event) {
                // Cancelled by a later change (its generation moved on): neither processed
                // nor counted nor shown in traces.
                continue;
            }
            self.apply(now, event);
            observer.on_event(now, event, self);
            if observer.done() {
                break;
            }
        }
        self.close();
        &self.outcome
    }

    /// Applies one live event and everything it sets off at the same instant.
    #[inline(always)]
    pub(super) fn apply(&mut self, now: Ticks, event: Event) {
        // Hourly demand steps are bookkeeping, not failures or mechanisms: not counted.
        self.outcome.events += u64::from(event != Event::TrafficHour);
        self.integrate(now);
        if let Some(traffic) = &self.plan.traffic {
            self.demand = traffic.hourly[((now / HOUR) % 24) as usize];
        }
        {
            match event {
                Event::UnitFails { unit, mode } => self.unit_fails(now, unit, mode),
                Event::UnitRecovers { unit } => self.unit_recovers(now, unit),
                Event::DomainFails { domain } => self.domain_fails(now, domain),
                Event::DomainRecovers { domain } => self.domain_recovers(now, domain),
                Event::Rotation { unit, generation } => self.rotation_event(now, unit, generation),
                Event::Failover { group, generation } => {
                    self.failover_event(now, group, generation)
                }
                Event::EdgeView { edge, generation } => self.edge_view_event(now, edge, generation),
                Event::Breaker { edge, generation } => self.breaker_event(now, edge, generation),
                Event::DnsCheck { edge, generation } => self.dns_check_event(now, edge, generation),
                Event::DnsDrain {
                    component,
                    generation,
                } => self.dns_drain_event(now, component, generation),
                Event::TrafficHour => self.traffic_hour(),
                Event::CommonCause { process } => self.common_cause_strikes(now, process),
                Event::CommonCauseOverlayEnds { unit, process } => {
                    self.common_cause_overlay_ends(now, unit, process)
                }
                Event::SharedFails { shared } => self.shared_fails(now, shared),
                Event::SharedRecovers { shared } => self.shared_recovers(now, shared),
                Event::ChangeStarts { change } => self.change_starts(now, change),
                Event::ChangeReachesAll { change } => self.change_reaches_all(now, change),
                Event::ChangeRolledBack { change } => self.change_rolled_back(now, change),
                Event::DeepLivenessKill { unit, generation } => {
                    self.deep_liveness_kill(now, unit, generation)
                }
                Event::DeepRestartEnds { unit } => self.deep_restart_ends(now, unit),
                Event::ZoneRelaunch { unit, generation } => {
                    self.zone_relaunch(now, unit, generation)
                }
                Event::Resynced { component } => self.enqueue(component),
                Event::FaultStarts { fault } => self.fault_starts(now, fault),
                Event::FaultEnds { fault } => self.fault_ends(now, fault),
                Event::DisasterRecovery {
                    component,
                    generation,
                } => self.disaster_recovery_event(now, component, generation),
            }
        }
        self.after_event(now);
    }

    /// Everything an event's changes set off at the same instant: failovers decided,
    /// disaster recovery looked at, levels settled, hourly steps armed.
    pub(super) fn after_event(&mut self, now: Ticks) {
        self.run_pending_failovers(now);
        if self.disaster_recovery.any() {
            self.disaster_recovery_look(now);
        }
        self.settle(now);
        self.arm_traffic(now);
    }

    /// Lost service as a fraction of the demand over [0, `end`), booking up to `end`.
    pub(super) fn lost_fraction_until(&mut self, end: Ticks) -> f64 {
        self.integrate(end);
        self.outcome.lost / self.total_weight.max(f64::MIN_POSITIVE)
    }

    /// Whether `event` still stands: events carry the generation of the state they were
    /// scheduled for, and a later change cancels them by moving it on.
    pub(super) fn is_live(&self, now: Ticks, event: Event) -> bool {
        match event {
            // A common-cause strike took the unit down first.
            Event::UnitFails { unit, .. } => self.units[unit as usize].failure_due == now,
            // Rare-event forcing moved the outage to another time.
            Event::DomainFails { domain } => self
                .forcing
                .as_ref()
                .is_none_or(|f| f.domain_due(self.plan, domain) == now),
            Event::Rotation { unit, generation } => {
                self.units[unit as usize].rotation_generation == generation
            }
            Event::Failover { group, generation } => {
                self.failovers[group as usize].generation == generation
            }
            Event::EdgeView { edge, generation } => {
                self.edges[edge as usize].view_generation == generation
            }
            Event::Breaker { edge, generation } => {
                self.edges[edge as usize].breaker_generation == generation
            }
            Event::DnsCheck { edge, generation } => {
                self.edges[edge as usize].dns_generation == generation
            }
            Event::DnsDrain {
                component,
                generation,
            } => self.dns[component as usize].generation == generation,
            Event::DeepLivenessKill { unit, generation } => {
                self.deep.kill_is_live(unit, generation) && !self.units[unit as usize].failed
            }
            Event::ZoneRelaunch { unit, generation } => {
                self.zone_relaunches.is_live(unit, generation)
            }
            Event::DisasterRecovery {
                component,
                generation,
            } => self.disaster_recovery_is_live(component, generation),
            _ => true,
        }
    }

    /// Starts trial `trial` afresh; `clocks`: with the stochastic failure and change
    /// processes scheduled (false only for `what_if`, which injects its failures itself).
    pub(super) fn reset(&mut self, trial: u64, clocks: bool) {
        let plan = self.plan;
        let seed = plan.seed;
        self.queue.clear();
        for (rng, mode) in self.mode_streams.iter_mut().zip(&plan.unit_modes) {
            *rng = stream(seed, trial, mode.stream_key);
        }
        for (rng, domain) in self.domain_streams.iter_mut().zip(&plan.domains) {
            *rng = stream(seed, trial, domain.stream_key);
        }
        self.unit_streams.reset(seed, trial);
        self.component_streams.reset(seed, trial);
        self.edge_streams.reset(seed, trial);
        self.common_causes.reset(plan, trial);
        self.shared_failures.reset(plan, trial);
        self.changes.reset(plan, trial);
        self.deep.reset();
        self.zone_relaunches.reset();
        self.disaster_recovery.reset(plan, trial);
        for unit in &mut self.units {
            *unit = UnitState {
                in_rotation: true,
                ..UnitState::default()
            };
        }
        for causes in &mut self.overlay_causes {
            causes.clear();
        }
        for (good, component) in self.good_units.iter_mut().zip(&plan.components) {
            *good = component.spec.replicas;
        }
        self.levels.fill(Level::UP);
        self.amplification.fill(1.0);
        self.storm_cause.fill(plan.demand_cause);
        self.slowness.fill(super::state::Slowness::default());
        self.dependency_cache.invalidate();
        self.impaired.reset();
        self.level_since.fill(0);
        self.zone_down.fill(false);
        self.domain_holds.fill(0);
        self.region_down.fill(false);
        self.failovers.clear();
        self.failovers.extend(
            plan.failover_groups
                .iter()
                .map(|group| FailoverState::serving(group.units_start, plan.demand_cause)),
        );
        self.edges.clear();
        for edge in &plan.edges {
            let _ = edge;
            self.edges.push(EdgeState {
                view: 1.0,
                callee_level: 1.0,
                breaker_errors: 0.0,
                view_generation: 0,
                breaker: BreakerPhase::Closed,
                breaker_generation: 0,
                breaker_cause: plan.demand_cause,
                deemed_healthy: true,
                dns_pending: false,
                dns_generation: 0,
                dns_phase: 0,
            });
        }
        for (c, component) in plan.components.iter().enumerate() {
            if component.spec.dns.is_some() {
                let endpoints = (component.edges_end - component.edges_start) as usize;
                let dns = &mut self.dns[c];
                dns.record = 0;
                dns.weights.clear();
                dns.weights.resize(endpoints, 0.0);
                dns.weights[0] = 1.0;
                dns.from.clear();
                dns.from.resize(endpoints, 0.0);
                dns.generation = 0;
                dns.drain_step = 0;
            }
        }
        self.demand = plan.traffic.as_ref().map_or(1.0, |t| t.hourly[0]);
        self.queued.fill(false);
        self.worklist.clear();
        self.failover_pending.clear();
        self.demand_bound.fill(false);
        self.demand_bound_count = 0;
        self.traffic_pending = false;
        self.last_time = 0;
        self.total_weight = 0.0;
        self.cause_dirty = false;
        self.incidents = Intervals::default();
        self.full_outages = Intervals::default();
        let outcome = &mut self.outcome;
        outcome.lost = 0.0;
        outcome.full_outage = 0;
        outcome.degraded = 0;
        outcome.fallback = 0.0;
        outcome.incidents = 0;
        outcome.full_outages = 0;
        outcome.events = 0;
        outcome.component_lost.fill(0.0);
        outcome.component_own_lost.fill(0.0);
        outcome.cause_lost.fill(0.0);
        outcome.data_loss.clear();
        outcome.restore_loss.clear();
        outcome.failover_durations.clear();
        outcome.recoveries.fill(0);
        outcome.weight = 1.0;
        if let Some(forcing) = &mut self.forcing {
            forcing.reset(plan.seed, trial);
        }
        self.draw_initial_phases();
        if clocks {
            for unit in 0..plan.units.len() as u32 {
                self.schedule_unit_failure(0, unit);
            }
            for domain in 0..plan.domains.len() as u32 {
                self.schedule_domain_failure(0, domain);
            }
            for process in 0..plan.common_causes.len() as u32 {
                self.schedule_common_cause(0, process);
            }
            for shared in 0..plan.shared_failures.len() as u32 {
                self.schedule_shared_failure(0, shared);
            }
            for change in 0..plan.changes.len() as u32 {
                self.schedule_change(0, change);
            }
        }
        self.injections.reset();
        self.schedule_experiment();
        // Components whose level depends on demand start at their level for hour 0 (an
        // under-provisioned tier is short from the first instant), and hourly steps are
        // armed while any of them could move with demand.
        for &c in &plan.demand_sensitive {
            self.enqueue(c);
        }
        self.settle(0);
        self.arm_traffic(0);
    }

    /// Schedules `event` after `delay`, unless that falls at or past the horizon (nothing
    /// after the horizon can affect the trial). Always inlined: the event then goes into the
    /// queue from registers rather than through memory.
    #[inline(always)]
    pub(super) fn schedule(&mut self, now: Ticks, delay: Ticks, event: Event) {
        let time = now.saturating_add(delay);
        if time < self.plan.horizon {
            self.queue.push(time, event);
        }
    }

    /// Books the interval since the last event at the entry's current level. Inlined in
    /// the event loop for its usual case; the rest is `book_impaired`.
    #[inline(always)]
    fn integrate(&mut self, now: Ticks) {
        if now <= self.last_time {
            return;
        }
        let level = self.levels[self.plan.entry as usize];
        // Demand-weighted length, exact across hour boundaries without hourly events.
        let weight = match (&self.plan.traffic, &self.plan.demand_prefix) {
            (Some(traffic), Some(prefix)) => {
                demand_integral(&traffic.hourly, prefix, now)
                    - demand_integral(&traffic.hourly, prefix, self.last_time)
            }
            _ => (now - self.last_time) as f64,
        };
        self.total_weight += weight;
        if level.served >= 1.0 && level.clean >= level.served && !self.incidents.open {
            // Fully up, no fallback, no incident to close (nor a full outage, which is
            // one): nothing else to book; most intervals are like this.
            debug_assert!(!self.full_outages.open);
            self.last_time = now;
            return;
        }
        self.book_impaired(now, level, weight);
    }

    /// `integrate` for an interval below 1, with a fallback, or closing an incident.
    #[inline(never)]
    fn book_impaired(&mut self, now: Ticks, level: Level, weight: f64) {
        self.outcome.fallback += (level.served - level.clean).max(0.0) * weight;
        if level.served < 1.0 {
            let lost = (1.0 - level.served) * weight;
            self.outcome.lost += lost;
            if self.cause_dirty {
                self.entry_cause = self.explain(self.plan.entry);
                self.cause_dirty = false;
            }
            self.outcome.cause_lost[self.entry_cause.slot()] += lost;
            if level.served <= 0.0 {
                self.outcome.full_outage += now - self.last_time;
            } else {
                self.outcome.degraded += now - self.last_time;
            }
        }
        let start = self.last_time;
        self.outcome.incidents += self.incidents.observe(level.served < 1.0, start);
        self.outcome.full_outages += self.full_outages.observe(level.served <= 0.0, start);
        self.last_time = now;
    }

    /// Books a component's level change at `now`.
    pub(super) fn set_level(&mut self, now: Ticks, component: usize, level: Level) {
        let old = self.levels[component];
        let length = (now - self.level_since[component]) as f64;
        self.outcome.component_lost[component] += (1.0 - old.served) * length;
        self.outcome.component_own_lost[component] += (1.0 - old.own) * length;
        self.level_since[component] = now;
        self.levels[component] = level;
        self.cause_dirty = true;
    }

    /// Ends the trial at the horizon: open intervals count up to it; sums become fractions.
    fn close(&mut self) {
        let horizon = self.plan.horizon;
        self.integrate(horizon);
        if let Some(forcing) = &self.forcing {
            self.outcome.weight = forcing.weight();
        }
        for c in 0..self.levels.len() {
            let level = self.levels[c];
            self.set_level(horizon, c, level);
        }
        let horizon = horizon as f64;
        let total = self.total_weight.max(f64::MIN_POSITIVE);
        self.outcome.lost /= total;
        self.outcome.fallback /= total;
        for lost in &mut self.outcome.cause_lost {
            *lost /= total;
        }
        for lost in self
            .outcome
            .component_lost
            .iter_mut()
            .chain(self.outcome.component_own_lost.iter_mut())
        {
            *lost /= horizon;
        }
    }

    /// The hour changed while some component's level could move with demand: look again.
    fn traffic_hour(&mut self) {
        self.traffic_pending = false;
        let plan = self.plan;
        for &c in &plan.demand_sensitive {
            if self.demand_bound[c as usize] {
                self.enqueue(c);
            }
        }
    }

    /// Schedules the next hourly step if a component's level could move with demand and
    /// the profile changes over the day.
    #[inline]
    fn arm_traffic(&mut self, now: Ticks) {
        if self.demand_bound_count == 0 || self.traffic_pending {
            // Checked first: after every event, and most have nothing bound to demand.
            return;
        }
        let varies = self.plan.traffic.as_ref().is_some_and(|t| !t.is_constant());
        if varies {
            self.traffic_pending = true;
            let next_hour = (now / HOUR + 1) * HOUR;
            self.schedule(now, next_hour - now, Event::TrafficHour);
        }
    }

    /// Whether `unit` is in rotation now (routers send it requests).
    pub fn unit_in_rotation(&self, unit: u32) -> bool {
        self.units[unit as usize].in_rotation
    }

    /// Whether the circuit breaker on dependency edge `edge` is open now.
    pub fn breaker_open(&self, edge: u32) -> bool {
        self.edges[edge as usize].breaker == BreakerPhase::Open
    }

    /// Failover group `group`'s primary unit and phase now.
    pub fn failover_primary(&self, group: u32) -> (u32, super::state::FailoverPhase) {
        let state = &self.failovers[group as usize];
        (state.primary, state.phase)
    }

    /// Every component's current level, in scenario order.
    pub fn levels(&self) -> &[Level] {
        &self.levels
    }

    /// What the trial has measured so far (sums, not yet fractions, until it ends).
    pub fn outcome(&self) -> &TrialOutcome {
        &self.outcome
    }

    pub fn plan(&self) -> &'p Plan {
        self.plan
    }

    /// The units the last strike of common-cause process `process` took down (failed, or
    /// covered when another mode had failed them already).
    pub fn struck_by_common_cause(&self, process: u32) -> &[u32] {
        self.common_causes.struck(process)
    }

    /// The units the current occurrence of shared failure `shared` struck.
    pub fn struck_by_shared_failure(&self, shared: u32) -> &[u32] {
        self.shared_failures.struck(shared)
    }

    /// Whether change number `change` has a bad version out now.
    pub fn change_is_bad(&self, change: u32) -> bool {
        self.changes.is_bad(change)
    }

    /// Records that an outage of a unit in mode cause `cause` ended by `recovery`.
    pub(super) fn count_recovery(&mut self, cause: u32, recovery: Recovery) {
        let slot = cause as usize * Recovery::ALL.len() + recovery as usize;
        self.outcome.recoveries[slot] += 1;
    }
}
