//! DNS failover: a health checker decides which endpoint the record names; clients move to
//! the new answer as their cached records expire (uniformly over the TTL), and a fraction
//! behind stale resolvers only after an extra delay.

use super::trial::TrialRunner;
use super::Event;
use crate::time::{after_steps, next_tick, Ticks};

/// Steps of the linear drain over one TTL. The level of each step is the drain's value at
/// the step's midpoint, so the time-average over the TTL is exact.
const DRAIN_STEPS: u32 = 8;

/// An endpoint counts as healthy for the DNS checker at this level or above.
pub(super) const HEALTHY_LEVEL: f64 = 0.5;

impl TrialRunner<'_> {
    /// An endpoint's level changed: its health check verdict follows after detection.
    pub(super) fn dns_endpoint_changed(&mut self, now: Ticks, edge: u32) {
        let plan = self.plan;
        let edge_plan = &plan.edges[edge as usize];
        let dns = plan.components[edge_plan.caller as usize]
            .spec
            .dns
            .as_ref()
            .expect("dns");
        let healthy = self.levels[edge_plan.callee as usize].served >= HEALTHY_LEVEL;
        let state = &mut self.edges[edge as usize];
        if healthy == state.deemed_healthy {
            // Back to what the checker believes: the pending verdict is void.
            state.dns_generation = state.dns_generation.wrapping_add(1);
            state.dns_pending = false;
            return;
        }
        if state.dns_pending {
            // The failing (or passing) checks are already being counted.
            return;
        }
        state.dns_pending = true;
        state.dns_generation = state.dns_generation.wrapping_add(1);
        // Saturating throughout: an interval near the longest duration puts the verdict
        // past the end of time, which is "never", not a wrapped early verdict.
        let first = next_tick(now, state.dns_phase, dns.check_interval);
        let verdict = after_steps(
            first,
            dns.check_interval,
            Ticks::from(dns.check_threshold - 1),
        );
        let generation = state.dns_generation;
        self.schedule(
            now,
            verdict.saturating_sub(now),
            Event::DnsCheck { edge, generation },
        );
    }

    pub(super) fn dns_check_event(&mut self, now: Ticks, edge: u32, generation: u32) {
        let plan = self.plan;
        if self.edges[edge as usize].dns_generation != generation {
            return;
        }
        self.edges[edge as usize].dns_pending = false;
        let edge_plan = &plan.edges[edge as usize];
        let caller = edge_plan.caller as usize;
        self.edges[edge as usize].deemed_healthy =
            self.levels[edge_plan.callee as usize].served >= HEALTHY_LEVEL;
        let component_plan = &plan.components[caller];
        let edges = component_plan.edges_start..component_plan.edges_end;
        // The record names the first endpoint deemed healthy; if none is, it stays.
        let record = edges
            .clone()
            .position(|e| self.edges[e as usize].deemed_healthy)
            .unwrap_or(self.dns[caller].record);
        if record == self.dns[caller].record {
            return;
        }
        let dns_spec = component_plan.spec.dns.as_ref().expect("dns");
        let stale_extra = dns_spec
            .stale_extra
            .as_ref()
            .map_or(0, |d| d.sample(&mut self.component_streams[caller]));
        let state = &mut self.dns[caller];
        state.record = record;
        let (from, weights) = (&mut state.from, &state.weights);
        from.copy_from_slice(weights);
        state.drain_step = 0;
        state.drain_start = now;
        // Stale resolvers keep the answer `extra` past their normal expiry, which is uniform
        // over the TTL: a step at the mean, TTL/2 + extra, has the same time-average.
        state.stale_until = now
            .saturating_add(dns_spec.ttl / 2)
            .saturating_add(stale_extra);
        state.generation = state.generation.wrapping_add(1);
        self.dns_apply_drain(now, caller as u32);
    }

    pub(super) fn dns_drain_event(&mut self, now: Ticks, component: u32, generation: u32) {
        if self.dns[component as usize].generation != generation {
            return;
        }
        self.dns[component as usize].drain_step += 1;
        self.dns_apply_drain(now, component);
    }

    /// Sets the weights for the current drain step and schedules the next.
    fn dns_apply_drain(&mut self, now: Ticks, component: u32) {
        let plan = self.plan;
        let c = component as usize;
        let spec = plan.components[c].spec.dns.as_ref().expect("dns");
        let state = &mut self.dns[c];
        let step = state.drain_step;
        // Share of the old answers' clients not yet moved, for this step.
        let fresh_remaining = if step < DRAIN_STEPS {
            1.0 - (f64::from(step) + 0.5) / f64::from(DRAIN_STEPS)
        } else {
            0.0
        };
        let stale_remaining = if now < state.stale_until { 1.0 } else { 0.0 };
        let remaining =
            (1.0 - spec.stale_fraction) * fresh_remaining + spec.stale_fraction * stale_remaining;
        let record = state.record;
        for (i, weight) in state.weights.iter_mut().enumerate() {
            *weight = state.from[i] * remaining;
        }
        state.weights[record] += 1.0 - remaining;
        let generation = state.generation;
        let next = if step + 1 < DRAIN_STEPS {
            // ttl x 8 fits: durations are at most 10^18 µs.
            Some(
                state
                    .drain_start
                    .saturating_add(spec.ttl * Ticks::from(step + 1) / Ticks::from(DRAIN_STEPS)),
            )
        } else if step + 1 == DRAIN_STEPS {
            Some(state.drain_start.saturating_add(spec.ttl))
        } else if now < state.stale_until {
            Some(state.stale_until)
        } else {
            None
        };
        if let Some(at) = next {
            self.schedule(
                now,
                at.max(now) - now,
                Event::DnsDrain {
                    component,
                    generation,
                },
            );
        }
        self.enqueue(component);
    }
}
