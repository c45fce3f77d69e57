//! The life of a request, in three kinds of frames:
//!
//! - `Request`: a request at a component, as its router (nginx) handles it: pick a unit by
//!   round robin, try it, and on a failed try (connection refused, or no answer within the
//!   read timeout) try the next unit if `retry_next_upstream` (each unit once, at most
//!   `tries`), else fail. The caller's timeout (an edge's `timeout`; for the entry its
//!   `deadline`, or 10 s, shortened by the component's own `deadline`) bounds the whole
//!   request; with `retry_next_upstream` each try's read timeout is `upstream_timeout`
//!   (nginx's proxy_read_timeout) within it, else the caller's timeout itself.
//! - `Proc`: a unit working on a request. It holds one of the component's `concurrency`
//!   workers (a request finding them all busy is answered with an error at once) until it
//!   answers: it makes its dependency calls one after the other, in file order (each with
//!   probability `needed_by`), then answers after its own latency (0, or a slow effect's).
//!   A failed call without fallback makes it answer an error at once. It keeps working, and
//!   holds its worker, after the router or the caller gave up on it.
//! - `Call`: a caller's call to a dependency: up to 1 + `retries.attempts` attempts, waiting
//!   `backoff`, doubling, between them, each through the edge's breaker and bounded by the
//!   edge's `timeout`; after the last failed attempt, the fallback answer if there is one.
//!
//! A healthy call answers in zero time, so most requests finish synchronously inside
//! `start_request` without any event; only timeouts, slow units and backoffs schedule one.
//! Where a request meets a unit, the unit's state at that instant decides (a failure or
//! repair during the call does not change a try already under way).

use super::breaker::{After, Permit};
use super::routing;
use super::slab::Handle;
use super::trial::{Event, TrialRunner};
use crate::scenario::Effect;
use crate::time::Ticks;

/// How a unit or a component answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Answer {
    Served {
        fallback: bool,
    },
    /// An error response (a dependency failed, no quorum, no free worker): nginx's default
    /// `proxy_next_upstream error timeout` neither retries it nor counts it against the unit.
    Error,
    /// No answer: connection refused, or the read timeout expired.
    Failed,
}

impl Answer {
    fn served(self) -> Option<bool> {
        match self {
            Answer::Served { fallback } => Some(fallback),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Request {
    component: u32,
    /// The call attempt waiting for this request; `None` for a request at the entry.
    parent: Option<(Handle, u32)>,
    timeout: Ticks,
    tried: u64,
    /// Tries made so far: events and answers of earlier tries carry an older number.
    attempt: u32,
    /// The unit (index within the component) of the current try.
    unit: u32,
    /// The current try's unit is slow by at least the read timeout: its answer is too late.
    late: bool,
    /// The caller gave up: no further try.
    abandoned: bool,
    /// When the caller stops waiting (its timeout from the request's start): no try
    /// starts or lasts past it.
    give_up_at: Ticks,
    waiting: bool,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Proc {
    component: u32,
    request: Handle,
    request_attempt: u32,
    next_edge: u32,
    latency: Ticks,
    fallback: bool,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Call {
    edge: u32,
    proc: Handle,
    attempt: u32,
    /// The current attempt waits for `request`, started at `attempt_started`.
    pending: bool,
    attempt_started: Ticks,
    request: Option<Handle>,
}

impl TrialRunner<'_> {
    /// A request reaches `component`; its answer goes to `parent` (or is counted).
    pub(super) fn start_request(
        &mut self,
        now: Ticks,
        component: u32,
        parent: Option<(Handle, u32)>,
        caller_timeout: Ticks,
    ) -> Handle {
        let spec = &self.model.components[component as usize];
        let timeout = spec
            .deadline
            .map_or(caller_timeout, |d| d.min(caller_timeout));
        let handle = self.requests.insert(Request {
            component,
            parent,
            timeout,
            tried: 0,
            attempt: 0,
            unit: 0,
            late: false,
            abandoned: false,
            give_up_at: now.saturating_add(timeout),
            waiting: false,
        });
        self.next_try(now, handle);
        handle
    }

    fn next_try(&mut self, now: Ticks, handle: Handle) {
        let model = self.model;
        let Some(request) = self.requests.get_mut(handle) else {
            return;
        };
        if request.abandoned {
            return self.finish_request(now, handle, Answer::Failed);
        }
        let c = request.component as usize;
        let spec = &model.components[c];
        let (start, end) = (spec.units_start as usize, spec.units_end as usize);
        let units = &self.units[start..end];
        let ejected = |i: usize| match (&spec.health_check, units[i].effect) {
            (Some(_), _) => units[i].check.ejected,
            // Without any check the router sees a dead or hung unit at once.
            (None, Some(Effect::Crash | Effect::Hang)) => spec.oracle_routing(),
            (None, _) => false,
        };
        let peers = &mut self.peers[start..end];
        let passive = spec.passive_check.as_ref();
        let mut picked = routing::pick(peers, &mut request.tried, now, passive, |i| !ejected(i));
        if picked.is_none() && spec.oracle_routing() {
            // Every unit is bad: without checks the requests still meet them, and get their
            // effect (a hung unit holds them), as in the fluid model.
            picked = routing::pick(peers, &mut request.tried, now, passive, |_| true);
        }
        let Some(unit) = picked else {
            // nginx: no live upstreams (502).
            return self.finish_request(now, handle, Answer::Failed);
        };
        // With `retry_next_upstream` nginx gives up on a unit after `upstream_timeout`
        // (proxy_read_timeout) to try the next, within the caller's patience.
        let left = request.give_up_at.saturating_sub(now);
        let timeout = match &spec.retry_next_upstream {
            Some(next) => next.upstream_timeout.min(left),
            None => request.timeout,
        };
        if timeout == 0 {
            return self.finish_request(now, handle, Answer::Failed);
        }
        request.attempt += 1;
        request.unit = unit as u32;
        request.late = false;
        request.waiting = true;
        let attempt = request.attempt;
        match self.units[start + unit].effect {
            Some(Effect::Crash) => self.try_ended(now, handle, attempt, Answer::Failed),
            Some(Effect::Hang) => self.queue.push(
                now.saturating_add(timeout),
                Event::TryTimeout {
                    request: handle,
                    attempt,
                },
            ),
            effect => {
                let latency = match effect {
                    Some(Effect::Slow { latency }) => latency,
                    _ => 0,
                };
                let full = spec
                    .concurrency
                    .is_some_and(|workers| f64::from(self.in_flight[c]) >= workers);
                if full || self.below_require(c) {
                    return self.try_ended(now, handle, attempt, Answer::Error);
                }
                if let Some(request) = self.requests.get_mut(handle) {
                    request.late = latency >= timeout;
                }
                self.start_proc(now, c as u32, handle, attempt, latency);
                if self
                    .requests
                    .get(handle)
                    .is_some_and(|r| r.waiting && r.attempt == attempt)
                {
                    self.queue.push(
                        now.saturating_add(timeout),
                        Event::TryTimeout {
                            request: handle,
                            attempt,
                        },
                    );
                }
            }
        }
    }

    /// Fewer than `require` units serve (good, or slow within the deadline, and in
    /// rotation): the component answers errors.
    fn below_require(&self, c: usize) -> bool {
        let spec = &self.model.components[c];
        if spec.require <= 1 {
            return false;
        }
        let units = &self.units[spec.units_start as usize..spec.units_end as usize];
        let serving = units
            .iter()
            .filter(|u| {
                let in_rotation = spec.health_check.is_none() || !u.check.ejected;
                let serves = match u.effect {
                    None => true,
                    Some(Effect::Slow { latency }) => spec.deadline.is_none_or(|d| latency < d),
                    Some(_) => false,
                };
                in_rotation && serves
            })
            .count();
        serving < spec.require as usize
    }

    pub(super) fn try_timeout(&mut self, now: Ticks, handle: Handle, attempt: u32) {
        self.try_ended(now, handle, attempt, Answer::Failed);
    }

    /// The try `attempt` of a request ended with `answer`: the passive check books it, then
    /// the router retries another unit or answers.
    fn try_ended(&mut self, now: Ticks, handle: Handle, attempt: u32, answer: Answer) {
        let model = self.model;
        let Some(request) = self.requests.get_mut(handle) else {
            return;
        };
        if !request.waiting || request.attempt != attempt {
            return;
        }
        request.waiting = false;
        // A slow unit at or past the read timeout fails (as in the fluid model), even when
        // its answer and the timeout fall on the same instant.
        let answer = if request.late { Answer::Failed } else { answer };
        let spec = &model.components[request.component as usize];
        if let Some(check) = &spec.passive_check {
            let start = spec.units_start as usize;
            let peers = &mut self.peers[start..spec.units_end as usize];
            routing::release(
                peers,
                request.unit as usize,
                now,
                answer == Answer::Failed,
                check,
            );
        }
        let another_try = spec.retry_next_upstream.as_ref().is_some_and(|next| {
            (next.tries == 0 || request.attempt < next.tries) && now < request.give_up_at
        });
        if answer == Answer::Failed && another_try && !request.abandoned {
            self.next_try(now, handle);
        } else {
            self.finish_request(now, handle, answer);
        }
    }

    fn finish_request(&mut self, now: Ticks, handle: Handle, answer: Answer) {
        let Some(request) = self.requests.remove(handle) else {
            return;
        };
        match request.parent {
            None => self.count_answer(answer.served().is_some(), answer.served() == Some(true)),
            Some((call, attempt)) => self.attempt_ended(now, call, attempt, answer.served()),
        }
    }

    fn start_proc(
        &mut self,
        now: Ticks,
        component: u32,
        request: Handle,
        attempt: u32,
        latency: Ticks,
    ) {
        self.in_flight[component as usize] += 1;
        let proc = self.procs.insert(Proc {
            component,
            request,
            request_attempt: attempt,
            next_edge: self.model.components[component as usize].edges_start,
            latency,
            fallback: false,
        });
        self.proc_continue(now, proc);
    }

    /// The next dependency call the request needs, or the unit's answer.
    fn proc_continue(&mut self, now: Ticks, handle: Handle) {
        let model = self.model;
        let Some(proc) = self.procs.get_mut(handle) else {
            return;
        };
        let edges_end = model.components[proc.component as usize].edges_end;
        while proc.next_edge < edges_end {
            let edge = proc.next_edge;
            proc.next_edge += 1;
            let needed_by = model.edges[edge as usize].dependency.needed_by;
            let needed = needed_by >= 1.0 || {
                let draw: f64 = rand::Rng::random(&mut self.need_streams[edge as usize]);
                draw < needed_by
            };
            if needed {
                return self.start_call(now, edge, handle);
            }
        }
        if proc.latency > 0 {
            let at = now.saturating_add(proc.latency);
            self.queue.push(at, Event::ProcDone { proc: handle });
        } else {
            let answer = Answer::Served {
                fallback: proc.fallback,
            };
            self.proc_answers(now, handle, answer);
        }
    }

    pub(super) fn proc_done(&mut self, now: Ticks, handle: Handle) {
        if let Some(proc) = self.procs.get(handle) {
            let answer = Answer::Served {
                fallback: proc.fallback,
            };
            self.proc_answers(now, handle, answer);
        }
    }

    fn proc_answers(&mut self, now: Ticks, handle: Handle, answer: Answer) {
        let Some(proc) = self.procs.remove(handle) else {
            return;
        };
        self.in_flight[proc.component as usize] -= 1;
        self.try_ended(now, proc.request, proc.request_attempt, answer);
    }

    /// A dependency call made by `proc` ended: served (with a fallback or not) or failed.
    fn dependency_answered(&mut self, now: Ticks, handle: Handle, served: Option<bool>) {
        match served {
            Some(fallback) => {
                if let Some(proc) = self.procs.get_mut(handle) {
                    proc.fallback |= fallback;
                }
                self.proc_continue(now, handle);
            }
            None => self.proc_answers(now, handle, Answer::Error),
        }
    }

    fn start_call(&mut self, now: Ticks, edge: u32, proc: Handle) {
        let call = self.calls.insert(Call {
            edge,
            proc,
            attempt: 0,
            pending: false,
            attempt_started: now,
            request: None,
        });
        self.call_attempt(now, call);
    }

    fn call_attempt(&mut self, now: Ticks, handle: Handle) {
        let model = self.model;
        let Some(call) = self.calls.get_mut(handle) else {
            return;
        };
        call.attempt += 1;
        let (edge, attempt) = (call.edge, call.attempt);
        let dependency = &model.edges[edge as usize].dependency;
        if let Some(breaker) = &dependency.breaker {
            if self.breakers[edge as usize].fire(now, breaker) == Permit::Reject {
                // Rejected at once: not a failure to the breaker's statistics.
                return self.attempt_failed(now, handle, false);
            }
        }
        call.pending = true;
        call.attempt_started = now;
        let request = self.start_request(
            now,
            dependency.component as u32,
            Some((handle, attempt)),
            dependency.timeout,
        );
        if let Some(call) = self.calls.get_mut(handle) {
            if call.pending && call.attempt == attempt {
                call.request = Some(request);
                let at = now.saturating_add(dependency.timeout);
                self.queue.push(
                    at,
                    Event::CallTimeout {
                        call: handle,
                        attempt,
                    },
                );
            }
        }
    }

    /// The request of attempt `attempt` answered.
    fn attempt_ended(&mut self, now: Ticks, handle: Handle, attempt: u32, served: Option<bool>) {
        let Some(call) = self.calls.get_mut(handle) else {
            return;
        };
        if !call.pending || call.attempt != attempt {
            return;
        }
        call.pending = false;
        let edge = call.edge as usize;
        // An answer at the caller's timeout is a timeout.
        let timeout = self.model.edges[edge].dependency.timeout;
        let served = served.filter(|_| now.saturating_sub(call.attempt_started) < timeout);
        match served {
            Some(fallback) => {
                if self.model.edges[edge].dependency.breaker.is_some() {
                    self.breakers[edge].success();
                }
                let proc = call.proc;
                self.calls.remove(handle);
                self.dependency_answered(now, proc, Some(fallback));
            }
            None => self.attempt_failed(now, handle, true),
        }
    }

    pub(super) fn call_timeout(&mut self, now: Ticks, handle: Handle, attempt: u32) {
        let Some(call) = self.calls.get_mut(handle) else {
            return;
        };
        if !call.pending || call.attempt != attempt {
            return;
        }
        call.pending = false;
        if let Some(request) = call.request.take().and_then(|r| self.requests.get_mut(r)) {
            request.abandoned = true;
        }
        self.attempt_failed(now, handle, true);
    }

    /// An attempt failed (`counted`: not a breaker rejection): book it, then retry after
    /// the backoff, or end the call with its fallback or as a failure.
    fn attempt_failed(&mut self, now: Ticks, handle: Handle, counted: bool) {
        let model = self.model;
        let Some(call) = self.calls.get(handle).copied() else {
            return;
        };
        let dependency = &model.edges[call.edge as usize].dependency;
        if let (Some(breaker), true) = (&dependency.breaker, counted) {
            let state = &mut self.breakers[call.edge as usize];
            if state.failure(now, breaker) == After::Opened {
                let event = Event::BreakerReset {
                    edge: call.edge,
                    generation: state.generation,
                };
                self.queue
                    .push(now.saturating_add(breaker.reset_timeout), event);
            }
        }
        if let Some(retries) = dependency
            .retries
            .as_ref()
            .filter(|r| call.attempt <= r.attempts)
        {
            let doublings = (call.attempt - 1).min(40);
            let wait = retries.backoff.saturating_mul(1 << doublings);
            let event = Event::CallRetry {
                call: handle,
                attempt: call.attempt,
            };
            self.queue.push(now.saturating_add(wait), event);
            return;
        }
        self.calls.remove(handle);
        let served = dependency.fallback.then_some(true);
        self.dependency_answered(now, call.proc, served);
    }

    pub(super) fn call_retry(&mut self, now: Ticks, handle: Handle, attempt: u32) {
        if self
            .calls
            .get(handle)
            .is_some_and(|c| c.attempt == attempt && !c.pending)
        {
            self.call_attempt(now, handle);
        }
    }
}
