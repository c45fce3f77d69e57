//! One trial of the request-level engine: the event loop, unit failures and repairs,
//! active health checks, and the count of requests and their outcomes. The life of a
//! request (routing, tries, workers, dependency calls) is in `flow.rs`.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::arrivals::next_arrival;
use super::breaker::BreakerState;
use super::flow::{Call, Proc, Request};
use super::health::{self, CheckState};
use super::model::Model;
use super::routing::Peer;
use super::slab::{Handle, Slab};
use crate::engine::Queue;
use crate::rng::{stream, Streams};
use crate::scenario::Effect;
use crate::time::Ticks;

/// Something that happens at an instant of a trial. Handles and attempt numbers make an
/// event about a frame that has moved on (answered, given up) a no-op.
#[derive(Debug, Clone, Copy)]
pub(super) enum Event {
    Arrival,
    UnitFails {
        unit: u32,
        mode: u32,
    },
    UnitRecovers {
        unit: u32,
    },
    CheckTick {
        unit: u32,
    },
    CheckResult {
        unit: u32,
        passed: bool,
    },
    /// The proxy's read timeout of a try.
    TryTimeout {
        request: Handle,
        attempt: u32,
    },
    /// A unit finishes a request it was slow on.
    ProcDone {
        proc: Handle,
    },
    /// A caller's timeout on one attempt of a dependency call.
    CallTimeout {
        call: Handle,
        attempt: u32,
    },
    /// A retry of a dependency call after its backoff.
    CallRetry {
        call: Handle,
        attempt: u32,
    },
    BreakerReset {
        edge: u32,
        generation: u32,
    },
}

/// What one trial counted: requests that arrived before the horizon, and how each ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TrialCounts {
    pub requests: u64,
    /// Failed requests (errors and timeouts).
    pub failed: u64,
    /// Requests served with a fallback answer somewhere along their calls.
    pub fallback: u64,
}

impl TrialCounts {
    /// Failed requests as a fraction of requests (0 with no request).
    pub fn unavailability(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            self.failed as f64 / self.requests as f64
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub(super) struct UnitState {
    /// The effect of the current failure; `None` while the unit is good.
    pub effect: Option<Effect>,
    pub check: CheckState,
}

/// Simulates trials of one model, reusing its buffers.
pub struct TrialRunner<'m> {
    pub(super) model: &'m Model,
    pub(super) queue: Queue<Event>,
    mode_streams: Streams,
    unit_streams: Streams,
    pub(super) need_streams: Streams,
    arrivals: ChaCha8Rng,
    pub(super) units: Vec<UnitState>,
    /// Per unit: nginx's peer state (round robin and passive checks).
    pub(super) peers: Vec<Peer>,
    /// Per component: requests its units are working on (the worker pool).
    pub(super) in_flight: Vec<u32>,
    pub(super) breakers: Vec<BreakerState>,
    pub(super) requests: Slab<Request>,
    pub(super) procs: Slab<Proc>,
    pub(super) calls: Slab<Call>,
    pub(super) counts: TrialCounts,
}

impl<'m> TrialRunner<'m> {
    pub fn new(model: &'m Model) -> Self {
        TrialRunner {
            model,
            queue: Queue::default(),
            mode_streams: Streams::new(model.mode_keys.len()),
            unit_streams: Streams::new(model.units.len()),
            need_streams: Streams::new(model.edges.len()),
            arrivals: stream(0, 0, 0),
            units: vec![UnitState::default(); model.units.len()],
            peers: vec![Peer::default(); model.units.len()],
            in_flight: vec![0; model.components.len()],
            breakers: vec![BreakerState::default(); model.edges.len()],
            requests: Slab::default(),
            procs: Slab::default(),
            calls: Slab::default(),
            counts: TrialCounts::default(),
        }
    }

    /// Runs trial `trial` to the end: arrivals and failures stop at the horizon, and the
    /// requests still in flight then are followed to their answer.
    pub fn run(&mut self, trial: u64) -> TrialCounts {
        self.reset(trial);
        let model = self.model;
        for unit in 0..model.units.len() as u32 {
            self.schedule_unit_failure(0, unit);
        }
        self.schedule_arrival(0);
        while let Some((now, event)) = self.queue.pop() {
            match event {
                Event::Arrival => {
                    self.arrival(now);
                    self.schedule_arrival(now);
                }
                Event::UnitFails { unit, mode } => self.unit_fails(now, unit, mode),
                Event::UnitRecovers { unit } => {
                    self.units[unit as usize].effect = None;
                    self.schedule_unit_failure(now, unit);
                }
                Event::CheckTick { unit } => self.check_tick(now, unit),
                Event::CheckResult { unit, passed } => self.check_result(unit, passed),
                Event::TryTimeout { request, attempt } => self.try_timeout(now, request, attempt),
                Event::ProcDone { proc } => self.proc_done(now, proc),
                Event::CallTimeout { call, attempt } => self.call_timeout(now, call, attempt),
                Event::CallRetry { call, attempt } => self.call_retry(now, call, attempt),
                Event::BreakerReset { edge, generation } => {
                    self.breakers[edge as usize].reset_timer(generation)
                }
            }
        }
        self.counts
    }

    fn reset(&mut self, trial: u64) {
        let model = self.model;
        let seed = model.seed;
        self.queue.clear();
        self.mode_streams
            .reset(seed, trial, model.mode_keys.iter().copied());
        self.unit_streams
            .reset(seed, trial, model.units.iter().map(|u| u.mechanism_key));
        self.need_streams
            .reset(seed, trial, model.edges.iter().map(|e| e.needs_key));
        self.arrivals = stream(seed, trial, model.arrivals_key);
        for (u, unit) in model.units.iter().enumerate() {
            // The fluid engine's first draw of the unit's mechanism stream, whether or not
            // there are checks: the same phase in both engines.
            let draw: u64 = self.unit_streams[u].random();
            let component = &model.components[unit.component as usize];
            let phase = component
                .health_check
                .as_ref()
                .map_or(0, |check| draw % check.interval);
            self.units[u] = UnitState {
                effect: None,
                check: CheckState::new(phase),
            };
        }
        self.peers.fill(Peer::default());
        self.in_flight.fill(0);
        self.breakers.fill(BreakerState::default());
        self.requests.clear();
        self.procs.clear();
        self.calls.clear();
        self.counts = TrialCounts::default();
    }

    /// Schedules `event` at `time` if it is before the horizon (failures, checks, arrivals:
    /// the world stops at the horizon; requests in flight still finish).
    fn schedule_before_horizon(&mut self, time: Ticks, event: Event) {
        if time < self.model.horizon {
            self.queue.push(time, event);
        }
    }

    fn schedule_arrival(&mut self, now: Ticks) {
        let model = self.model;
        if let Some(at) = next_arrival(&model.traffic, &mut self.arrivals, now, model.horizon) {
            self.queue.push(at, Event::Arrival);
        }
    }

    /// Every failure mode draws a time to failure; the earliest wins (as the fluid engine,
    /// draw for draw).
    fn schedule_unit_failure(&mut self, now: Ticks, unit: u32) {
        let model = self.model;
        let unit_model = &model.units[unit as usize];
        let component = &model.components[unit_model.component as usize];
        let mut earliest: Option<(Ticks, u32)> = None;
        for (mode, failure) in component.failures.iter().enumerate() {
            let stream = (unit_model.modes_start as usize) + mode;
            let delay = failure
                .time_to_failure
                .sample(&mut self.mode_streams[stream]);
            if earliest.is_none_or(|(best, _)| delay < best) {
                earliest = Some((delay, mode as u32));
            }
        }
        if let Some((delay, mode)) = earliest {
            let at = now.saturating_add(delay.max(1));
            self.schedule_before_horizon(at, Event::UnitFails { unit, mode });
        }
    }

    fn unit_fails(&mut self, now: Ticks, unit: u32, mode: u32) {
        let model = self.model;
        let unit_model = &model.units[unit as usize];
        let component = &model.components[unit_model.component as usize];
        let failure = &component.failures[mode as usize];
        let stream = (unit_model.modes_start + mode) as usize;
        let repair = failure
            .time_to_repair
            .sample(&mut self.mode_streams[stream]);
        self.schedule_before_horizon(now.saturating_add(repair), Event::UnitRecovers { unit });
        let state = &mut self.units[unit as usize];
        state.effect = Some(failure.effect);
        if let Some(check) = &component.health_check {
            if !state.check.ticking {
                state.check.resume();
                let at = crate::time::next_tick(now, state.check.phase, check.interval);
                self.schedule_before_horizon(at, Event::CheckTick { unit });
            }
        }
    }

    fn check_tick(&mut self, now: Ticks, unit: u32) {
        let model = self.model;
        let component = &model.components[model.units[unit as usize].component as usize];
        let Some(check) = &component.health_check else {
            return;
        };
        let state = self.units[unit as usize];
        let (passed, wait) = health::outcome(state.effect, check);
        if wait == 0 {
            self.check_result(unit, passed);
        } else {
            self.schedule_before_horizon(
                now.saturating_add(wait),
                Event::CheckResult { unit, passed },
            );
        }
        let state = &mut self.units[unit as usize];
        if state.effect.is_none() && !state.check.ejected {
            // Every later check passes until the unit fails again.
            state.check.ticking = false;
        } else {
            self.schedule_before_horizon(
                now.saturating_add(check.interval),
                Event::CheckTick { unit },
            );
        }
    }

    fn check_result(&mut self, unit: u32, passed: bool) {
        let model = self.model;
        let component = &model.components[model.units[unit as usize].component as usize];
        if let Some(check) = &component.health_check {
            self.units[unit as usize].check.report(passed, check);
        }
    }

    fn arrival(&mut self, now: Ticks) {
        self.counts.requests += 1;
        let model = self.model;
        let entry = &model.components[model.entry];
        let timeout = entry
            .deadline
            .unwrap_or(super::model::DEFAULT_ENTRY_TIMEOUT);
        self.start_request(now, model.entry as u32, None, timeout);
    }

    /// A request that arrived at the entry got its answer.
    pub(super) fn count_answer(&mut self, served: bool, fallback: bool) {
        if !served {
            self.counts.failed += 1;
        } else if fallback {
            self.counts.fallback += 1;
        }
    }
}
