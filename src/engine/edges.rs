//! Dependency edges: retries that hide short blips of a dependency, and opossum-style
//! circuit breakers that trip on the error share in a rolling window and close after a
//! successful half-open probe.

use rand::Rng;

use super::state::BreakerPhase;
use super::trial::TrialRunner;
use super::Event;
use crate::time::{ticks_from_f64, Ticks};

impl TrialRunner<'_> {
    /// The callee of `edge` changed level: update the caller's view and its breaker.
    pub(super) fn callee_changed(&mut self, now: Ticks, edge: u32) {
        let plan = self.plan;
        let edge_plan = &plan.edges[edge as usize];
        let level = self.served_for(edge as usize);
        if edge_plan.deep_probed {
            self.deep_probe_sees(now, edge, level);
        }
        if edge_plan.dns_endpoint {
            self.edges[edge as usize].view = level;
            self.dependency_cache.invalidate();
            self.dns_endpoint_changed(now, edge);
            return;
        }
        let state = &mut self.edges[edge as usize];
        // Only a move of the success rate matters here; restarting the timers on any other
        // change (such as the hanging share) could postpone them indefinitely.
        if level == state.callee_level {
            return;
        }
        state.callee_level = level;
        state.view_generation = state.view_generation.wrapping_add(1);
        match &edge_plan.dependency.retries {
            // Retries hide bad news for as long as they keep trying; good news is immediate.
            Some(retries) if level < state.view => {
                let generation = state.view_generation;
                self.schedule(now, retries.window(), Event::EdgeView { edge, generation });
            }
            _ => {
                state.view = level;
                self.dependency_cache.invalidate();
                self.breaker_reconsider(now, edge);
            }
        }
    }

    pub(super) fn edge_view_event(&mut self, now: Ticks, edge: u32, generation: u32) {
        if self.edges[edge as usize].view_generation != generation {
            return;
        }
        self.edges[edge as usize].view = self.served_for(edge as usize);
        self.dependency_cache.invalidate();
        self.refresh_impaired(edge);
        self.breaker_reconsider(now, edge);
        self.enqueue(self.plan.edges[edge as usize].caller);
    }

    /// While closed: schedule the trip if the error share is at or above the threshold, or
    /// cancel a pending one if it fell below.
    fn breaker_reconsider(&mut self, now: Ticks, edge: u32) {
        let plan = self.plan;
        let edge_plan = &plan.edges[edge as usize];
        let Some(breaker) = &edge_plan.dependency.breaker else {
            return;
        };
        let state = &self.edges[edge as usize];
        if state.breaker == BreakerPhase::Open {
            return;
        }
        let errors = 1.0 - state.view;
        let calls_per_window = self.request_rate(edge_plan.caller as usize)
            * edge_plan.dependency.needed_by
            * breaker.window as f64
            / 1e6;
        let enough_volume =
            plan.traffic.is_none() || calls_per_window >= f64::from(breaker.min_volume);
        let callee = edge_plan.callee as usize;
        let hanging = self.levels[callee].hanging > 0.0 || self.timed_out(edge as usize) > 0.0;
        let cause = if errors > 0.0 {
            self.explain(edge_plan.callee).cause
        } else {
            plan.demand_cause
        };
        let state = &mut self.edges[edge as usize];
        // opossum opens only when the share is strictly above the threshold.
        let trips = errors > breaker.error_threshold && enough_volume;
        if trips && state.breaker_errors > 0.0 {
            // A trip is already on its way; the window keeps filling.
            return;
        }
        state.breaker_generation = state.breaker_generation.wrapping_add(1);
        state.breaker_errors = 0.0;
        if trips {
            let timeout = if hanging {
                edge_plan.dependency.timeout
            } else {
                0
            };
            let delay = trip_delay(breaker, errors, timeout);
            state.breaker_cause = cause;
            state.breaker_errors = errors;
            let generation = state.breaker_generation;
            self.schedule(now, delay, Event::Breaker { edge, generation });
        }
    }

    pub(super) fn breaker_event(&mut self, now: Ticks, edge: u32, generation: u32) {
        let plan = self.plan;
        let edge_plan = &plan.edges[edge as usize];
        let breaker = edge_plan
            .dependency
            .breaker
            .as_ref()
            .expect("breaker events need a breaker");
        if self.edges[edge as usize].breaker_generation != generation {
            return;
        }
        let view = self.edges[edge as usize].view;
        // The breaker opens or, after a probe, may close.
        self.dependency_cache.invalidate();
        let state = &mut self.edges[edge as usize];
        match state.breaker {
            BreakerPhase::Closed => {
                state.breaker = BreakerPhase::Open;
                state.breaker_errors = 0.0;
                state.breaker_generation = state.breaker_generation.wrapping_add(1);
                let generation = state.breaker_generation;
                self.schedule(
                    now,
                    breaker.reset_timeout,
                    Event::Breaker { edge, generation },
                );
            }
            BreakerPhase::Open => {
                // Half-open: one trial call, which succeeds with the dependency's level.
                let success = self.edge_streams[edge as usize].random::<f64>() < view;
                let state = &mut self.edges[edge as usize];
                state.breaker_generation = state.breaker_generation.wrapping_add(1);
                if success {
                    state.breaker = BreakerPhase::Closed;
                    self.breaker_reconsider(now, edge);
                } else {
                    let generation = state.breaker_generation;
                    self.schedule(
                        now,
                        breaker.reset_timeout,
                        Event::Breaker { edge, generation },
                    );
                }
            }
        }
        self.refresh_impaired(edge);
        self.enqueue(edge_plan.caller);
        if plan.components[edge_plan.callee as usize].retry_load {
            // An open breaker sends no calls, so no retries either.
            self.enqueue(edge_plan.callee);
        }
    }
}

/// When a closed breaker trips after the error share of the calls jumps to `errors` above
/// the threshold at time 0, failures registering `timeout` after their call (0 for fast
/// errors). opossum (`lib/circuit.js`, `fail()`) compares failures / fires in its rolling
/// window of W = `window`, a call counting as fired when it starts and as failed when it
/// fails, and opens when the share is strictly above the threshold th. At a steady call
/// rate r the window holds r W fires and, from `timeout` on, e r (t - timeout) failures, so
/// it trips at timeout + W th / e (never when e equals th).
pub(super) fn trip_delay(breaker: &crate::scenario::Breaker, errors: f64, timeout: Ticks) -> Ticks {
    timeout.saturating_add(ticks_from_f64(
        breaker.window as f64 * breaker.error_threshold / errors,
    ))
}

#[cfg(test)]
mod tests {
    use super::trip_delay;
    use crate::scenario::Breaker;

    fn breaker(threshold: f64) -> Breaker {
        Breaker {
            error_threshold: threshold,
            reset_timeout: 30_000_000,
            window: 10_000_000,
            min_volume: 0,
        }
    }

    #[test]
    fn the_window_fills_with_failures_after_the_timeout() {
        // Every call failing at once: half the 10 s window, 5 s.
        assert_eq!(trip_delay(&breaker(0.5), 1.0, 0), 5_000_000);
        assert_eq!(trip_delay(&breaker(0.5), 0.8, 0), 6_250_000);
        // A hang with a 2 s timeout: failures register from 2 s, 7 s; with a 10 s timeout
        // (the window's length), 15 s.
        assert_eq!(trip_delay(&breaker(0.5), 1.0, 2_000_000), 7_000_000);
        assert_eq!(trip_delay(&breaker(0.5), 1.0, 10_000_000), 15_000_000);
    }
}
