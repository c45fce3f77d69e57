//! One trial: a discrete-event simulation of the scenario over the horizon.
//!
//! State is kept as counts so that each event costs O(1) plus the components whose state
//! actually flips: a unit is available while nothing blocks it (its own failure, its zone's
//! outage, its region's outage); a component keeps how many of its units are available and
//! how many of its dependencies are down, and only a flip propagates to its dependents.
//! A component's service level is derived from these counts; in the core model it is 0 or 1.

use rand_chacha::ChaCha8Rng;

use super::plan::Plan;
use super::queue::EventQueue;
use super::Event;
use crate::rng::stream;
use crate::time::Ticks;

/// What one trial measured. Lengths are in ticks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrialOutcome {
    /// Time the system (the entry component) was down.
    pub downtime: Ticks,
    /// Outages of the system: maximal intervals of positive length with the entry down.
    pub incidents: u32,
    /// Per component: time it was down, counting its dependencies.
    pub component_downtime: Vec<Ticks>,
    /// Per component: time fewer than `require` of its own units were available.
    pub component_own_downtime: Vec<Ticks>,
    /// Events processed.
    pub events: u64,
}

/// Sees every event of a trial as it is applied (for traces and tests); the no-op
/// implementation for `()` compiles away.
pub trait Observer {
    fn on_event(&mut self, _time: Ticks, _event: Event, _system_up: bool) {}
}
impl Observer for () {}

/// The reusable state of a trial. `run` resets it, so one value serves many trials without
/// allocating.
pub struct TrialRunner<'p> {
    plan: &'p Plan,
    queue: EventQueue,
    mode_streams: Vec<ChaCha8Rng>,
    domain_streams: Vec<ChaCha8Rng>,
    /// Per unit: how many things make it unavailable (own failure, zone, region).
    unit_blockers: Vec<u8>,
    available_units: Vec<u32>,
    dependencies_down: Vec<u32>,
    component_up: Vec<bool>,
    component_own_up: Vec<bool>,
    component_down_since: Vec<Ticks>,
    component_own_down_since: Vec<Ticks>,
    worklist: Vec<u32>,
    system: SystemOutages,
    outcome: TrialOutcome,
}

/// Books the system's outages, merging an outage that resumes at the very instant another
/// ended (two events at the same time must not count as two incidents).
#[derive(Debug, Default, Clone, Copy)]
struct SystemOutages {
    down_since: Ticks,
    last_outage_start: Ticks,
    last_up_at: Option<Ticks>,
}

impl<'p> TrialRunner<'p> {
    pub fn new(plan: &'p Plan) -> Self {
        let placeholder = stream(0, 0, 0);
        let components = plan.components.len();
        TrialRunner {
            plan,
            queue: EventQueue::default(),
            mode_streams: vec![placeholder.clone(); plan.unit_modes.len()],
            domain_streams: vec![placeholder; plan.domains.len()],
            unit_blockers: vec![0; plan.units.len()],
            available_units: vec![0; components],
            dependencies_down: vec![0; components],
            component_up: vec![true; components],
            component_own_up: vec![true; components],
            component_down_since: vec![0; components],
            component_own_down_since: vec![0; components],
            worklist: Vec::with_capacity(components),
            system: SystemOutages::default(),
            outcome: TrialOutcome {
                component_downtime: vec![0; components],
                component_own_downtime: vec![0; components],
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
        self.reset(trial);
        let horizon = self.plan.horizon;
        while let Some((now, event)) = self.queue.pop() {
            self.outcome.events += 1;
            match event {
                Event::UnitFails { unit, mode } => self.unit_fails(now, unit, mode),
                Event::UnitRepaired { unit } => self.unit_repaired(now, unit),
                Event::DomainFails { domain } => self.domain_fails(now, domain),
                Event::DomainRepaired { domain } => self.domain_repaired(now, domain),
            }
            observer.on_event(now, event, self.component_up[self.plan.entry as usize]);
        }
        self.close(horizon);
        &self.outcome
    }

    fn reset(&mut self, trial: u64) {
        let plan = self.plan;
        self.queue.clear();
        for (rng, mode) in self.mode_streams.iter_mut().zip(&plan.unit_modes) {
            *rng = stream(plan.seed, trial, mode.stream_key);
        }
        for (rng, domain) in self.domain_streams.iter_mut().zip(&plan.domains) {
            *rng = stream(plan.seed, trial, domain.stream_key);
        }
        self.unit_blockers.fill(0);
        for (available, component) in self.available_units.iter_mut().zip(&plan.components) {
            *available = component.replicas;
        }
        self.dependencies_down.fill(0);
        self.component_up.fill(true);
        self.component_own_up.fill(true);
        self.system = SystemOutages::default();
        self.outcome.downtime = 0;
        self.outcome.incidents = 0;
        self.outcome.events = 0;
        self.outcome.component_downtime.fill(0);
        self.outcome.component_own_downtime.fill(0);
        for unit in 0..plan.units.len() as u32 {
            self.schedule_unit_failure(0, unit);
        }
        for domain in 0..plan.domains.len() as u32 {
            self.schedule_domain_failure(0, domain);
        }
    }

    /// Schedules `event` after `delay`, unless that falls at or past the horizon (nothing
    /// after the horizon can affect the trial).
    #[inline]
    fn schedule(&mut self, now: Ticks, delay: Ticks, event: Event) {
        let time = now.saturating_add(delay);
        if time < self.plan.horizon {
            self.queue.push(time, event);
        }
    }

    /// Draws every failure mode's time to failure; the earliest wins (competing risks).
    fn schedule_unit_failure(&mut self, now: Ticks, unit: u32) {
        let plan = self.plan;
        let unit_plan = &plan.units[unit as usize];
        let failures = &plan.components[unit_plan.component as usize].failures;
        let mut earliest: Option<(Ticks, u32)> = None;
        for index in unit_plan.modes_start..unit_plan.modes_end {
            let mode = plan.unit_modes[index as usize].mode;
            let delay = failures[mode as usize]
                .0
                .sample(&mut self.mode_streams[index as usize]);
            if earliest.is_none_or(|(best, _)| delay < best) {
                earliest = Some((delay, index));
            }
        }
        if let Some((delay, mode)) = earliest {
            self.schedule(now, delay, Event::UnitFails { unit, mode });
        }
    }

    fn schedule_domain_failure(&mut self, now: Ticks, domain: u32) {
        let delay = self.plan.domains[domain as usize]
            .time_to_failure
            .sample(&mut self.domain_streams[domain as usize]);
        self.schedule(now, delay, Event::DomainFails { domain });
    }

    fn unit_fails(&mut self, now: Ticks, unit: u32, mode_index: u32) {
        let plan = self.plan;
        let component = plan.units[unit as usize].component;
        let mode = plan.unit_modes[mode_index as usize].mode;
        let repair = plan.components[component as usize].failures[mode as usize]
            .1
            .sample(&mut self.mode_streams[mode_index as usize]);
        self.schedule(now, repair, Event::UnitRepaired { unit });
        self.block_unit(now, unit);
    }

    fn unit_repaired(&mut self, now: Ticks, unit: u32) {
        self.unblock_unit(now, unit);
        // As good as new: every mode's clock starts afresh.
        self.schedule_unit_failure(now, unit);
    }

    fn domain_fails(&mut self, now: Ticks, domain: u32) {
        let plan = self.plan;
        let domain_plan = &plan.domains[domain as usize];
        let repair = domain_plan
            .time_to_repair
            .sample(&mut self.domain_streams[domain as usize]);
        self.schedule(now, repair, Event::DomainRepaired { domain });
        for &unit in &domain_plan.units {
            self.block_unit(now, unit);
        }
    }

    fn domain_repaired(&mut self, now: Ticks, domain: u32) {
        let plan = self.plan;
        for &unit in &plan.domains[domain as usize].units {
            self.unblock_unit(now, unit);
        }
        self.schedule_domain_failure(now, domain);
    }

    #[inline]
    fn block_unit(&mut self, now: Ticks, unit: u32) {
        let blockers = &mut self.unit_blockers[unit as usize];
        *blockers += 1;
        if *blockers == 1 {
            let component = self.plan.units[unit as usize].component;
            self.available_units[component as usize] -= 1;
            self.refresh(now, component);
        }
    }

    #[inline]
    fn unblock_unit(&mut self, now: Ticks, unit: u32) {
        let blockers = &mut self.unit_blockers[unit as usize];
        *blockers -= 1;
        if *blockers == 0 {
            let component = self.plan.units[unit as usize].component;
            self.available_units[component as usize] += 1;
            self.refresh(now, component);
        }
    }

    /// Re-derives `component`'s state from its counts and, if it flipped, its dependents'.
    fn refresh(&mut self, now: Ticks, component: u32) {
        self.worklist.push(component);
        while let Some(component) = self.worklist.pop() {
            let c = component as usize;
            let plan = &self.plan.components[c];
            let own_up = self.available_units[c] >= plan.require;
            if own_up != self.component_own_up[c] {
                self.component_own_up[c] = own_up;
                if own_up {
                    self.outcome.component_own_downtime[c] +=
                        now - self.component_own_down_since[c];
                } else {
                    self.component_own_down_since[c] = now;
                }
            }
            let up = own_up && self.dependencies_down[c] == 0;
            if up == self.component_up[c] {
                continue;
            }
            self.component_up[c] = up;
            if up {
                self.outcome.component_downtime[c] += now - self.component_down_since[c];
            } else {
                self.component_down_since[c] = now;
            }
            if component == self.plan.entry {
                self.system_changed(now, up);
            }
            for &dependent in &plan.dependents {
                let count = &mut self.dependencies_down[dependent as usize];
                if up {
                    *count -= 1;
                } else {
                    *count += 1;
                }
                self.worklist.push(dependent);
            }
        }
    }

    fn system_changed(&mut self, now: Ticks, up: bool) {
        let system = &mut self.system;
        if up {
            let length = now - system.down_since;
            if length > 0 {
                self.outcome.incidents += 1;
                self.outcome.downtime += length;
                system.last_outage_start = system.down_since;
                system.last_up_at = Some(now);
            }
        } else if system.last_up_at == Some(now) {
            // Down again at the instant the last outage ended: it is the same outage.
            self.outcome.incidents -= 1;
            self.outcome.downtime -= now - system.last_outage_start;
            system.down_since = system.last_outage_start;
            system.last_up_at = None;
        } else {
            system.down_since = now;
        }
    }

    /// Ends the trial at the horizon: open outages count up to it.
    fn close(&mut self, horizon: Ticks) {
        for c in 0..self.plan.components.len() {
            if !self.component_up[c] {
                self.outcome.component_downtime[c] += horizon - self.component_down_since[c];
            }
            if !self.component_own_up[c] {
                self.outcome.component_own_downtime[c] +=
                    horizon - self.component_own_down_since[c];
            }
        }
        if !self.component_up[self.plan.entry as usize] {
            self.system_changed(horizon, true);
        }
    }
}
