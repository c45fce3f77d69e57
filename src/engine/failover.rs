//! Failover of components with a primary: detection (with a monitor quorum), promotion of
//! a replica (which can fail), client reconnection, optional failback, and the data lost
//! with asynchronous replication.
//!
//! Each *failover group* has its own primary: the whole component, or each of its shards
//! (a Redis Cluster master with its replicas fails over on its own). Groups are indexed by
//! `Plan::failover_groups`.

use rand::Rng;

use super::state::{FailoverPhase, FailoverState};
use super::trial::TrialRunner;
use super::Event;
use crate::scenario::{Effect, Replication};
use crate::time::{Ticks, TICKS_PER_SECOND};

impl TrialRunner<'_> {
    /// Notes that a unit of `component` turned good or bad during the current event: its
    /// failover groups look at their units once the event's changes are all in.
    #[inline]
    pub(super) fn failover_needs_look(&mut self, component: u32) {
        let component_plan = &self.plan.components[component as usize];
        let groups = component_plan.groups_start..component_plan.groups_end;
        // Most components have no primary: nothing to do, on a hot path.
        if !groups.is_empty() {
            self.failover_groups_need_look(groups);
        }
    }

    #[inline(never)]
    fn failover_groups_need_look(&mut self, groups: std::ops::Range<u32>) {
        for group in groups {
            if !self.failover_pending.contains(&group) {
                self.failover_pending.push(group);
            }
        }
    }

    /// Moves every failover whose units changed during the event, once all changes are in.
    pub(super) fn run_pending_failovers(&mut self, now: Ticks) {
        while let Some(group) = self.failover_pending.pop() {
            self.failover_unit_changed(now, group);
        }
    }

    /// A unit of failover group `group` turned good or bad: move its failover along.
    pub(super) fn failover_unit_changed(&mut self, now: Ticks, group: u32) {
        let g = group as usize;
        let c = self.plan.failover_groups[g].component as usize;
        let failover = &self.failovers[g];
        let primary_good = self.alive_to_monitors(c, failover.primary);
        match failover.phase {
            FailoverPhase::Serving if !primary_good => {
                let spec = self.plan.components[c]
                    .spec
                    .failover
                    .as_ref()
                    .expect("failover");
                let detection = spec.detection.sample(&mut self.component_streams[c]);
                let cause = self.units[failover.primary as usize].cause;
                let state = &mut self.failovers[g];
                state.phase = FailoverPhase::Detecting;
                state.outage_start = now;
                state.cause = cause;
                state.planned = false;
                self.next_step(now, group, detection);
            }
            FailoverPhase::Serving => self.maybe_fail_back(now, group),
            FailoverPhase::Detecting | FailoverPhase::Blocked | FailoverPhase::Manual
                if primary_good =>
            {
                // The primary came back before anyone was promoted: no failover, no loss.
                let state = &mut self.failovers[g];
                state.phase = FailoverPhase::Serving;
                bump(state);
            }
            FailoverPhase::Blocked => self.decide(now, group),
            _ => {}
        }
    }

    /// Domains changed: a blocked failover may now have its monitor quorum. Looked at with
    /// the event's other changes, so a primary returning with its zone is seen first.
    pub(super) fn domains_changed(&mut self) {
        for g in 0..self.failovers.len() {
            if self.failovers[g].phase == FailoverPhase::Blocked
                && !self.failover_pending.contains(&(g as u32))
            {
                self.failover_pending.push(g as u32);
            }
        }
    }

    pub(super) fn failover_event(&mut self, now: Ticks, group: u32, generation: u32) {
        let g = group as usize;
        let state = &self.failovers[g];
        if state.generation != generation {
            return;
        }
        match state.phase {
            FailoverPhase::Detecting | FailoverPhase::Blocked => self.decide(now, group),
            FailoverPhase::Promoting | FailoverPhase::Manual => self.promote(now, group),
            FailoverPhase::Reconnecting => {
                let state = &mut self.failovers[g];
                state.phase = FailoverPhase::Serving;
                bump(state);
                if !state.planned {
                    let seconds = (now - state.outage_start) as f64 / TICKS_PER_SECOND;
                    self.outcome.failover_durations.push(seconds);
                }
                self.enqueue(self.plan.failover_groups[g].component);
                // The new primary may have failed while clients reconnected.
                self.failover_unit_changed(now, group);
            }
            FailoverPhase::Serving => self.maybe_fail_back(now, group),
        }
    }

    /// The monitors agreed the primary is down: promote a replica if one can be.
    fn decide(&mut self, now: Ticks, group: u32) {
        let g = group as usize;
        let plan = self.plan;
        let c = plan.failover_groups[g].component as usize;
        let spec = plan.components[c].spec.failover.as_ref().expect("failover");
        if !self.failover_authorized(g) {
            self.block(group);
            return;
        }
        let Some(target) = self.candidate(now, g) else {
            self.block(group);
            if let Some(ready) = self.next_caught_up(now, g) {
                self.look_again_at(now, group, ready);
            }
            return;
        };
        let failed = self.component_streams[c].random::<f64>() < spec.failure_probability;
        let state = &mut self.failovers[g];
        state.target = target;
        let delay = if failed {
            state.phase = FailoverPhase::Manual;
            spec.manual_promotion.sample(&mut self.component_streams[c])
        } else {
            state.phase = FailoverPhase::Promoting;
            spec.promotion.sample(&mut self.component_streams[c])
        };
        self.next_step(now, group, delay);
    }

    /// The phase just set lasts `delay`: invalidates pending steps and schedules the next.
    fn next_step(&mut self, now: Ticks, group: u32, delay: Ticks) {
        let generation = bump(&mut self.failovers[group as usize]);
        self.schedule(now, delay, Event::Failover { group, generation });
    }

    /// Revisits the failover at `at` unless something changes it first.
    fn look_again_at(&mut self, now: Ticks, group: u32, at: Ticks) {
        let generation = self.failovers[group as usize].generation;
        self.schedule(
            now,
            at.saturating_sub(now),
            Event::Failover { group, generation },
        );
    }

    fn block(&mut self, group: u32) {
        let state = &mut self.failovers[group as usize];
        if state.phase != FailoverPhase::Blocked {
            state.phase = FailoverPhase::Blocked;
            bump(state);
        }
    }

    /// Promotion done: the target becomes primary (losing the replication lag's writes),
    /// then clients reconnect.
    fn promote(&mut self, now: Ticks, group: u32) {
        let g = group as usize;
        let plan = self.plan;
        let c = plan.failover_groups[g].component as usize;
        let spec = &plan.components[c].spec;
        let target = self.failovers[g].target;
        let target = if self.alive_to_monitors(c, target) {
            target
        } else if let Some(other) = self.candidate(now, g) {
            other
        } else {
            self.block(group);
            return;
        };
        let planned = self.failovers[g].planned;
        if let (Some(Replication::Async { lag }), false) = (&spec.replication, planned) {
            let window = lag.sample(&mut self.component_streams[c]);
            // A chaos experiment's injected lag replaces the draw (drawn anyway, so the
            // stream stays aligned).
            let window = self.injections.lag(c).unwrap_or(window);
            self.outcome
                .data_loss
                .push(window as f64 / TICKS_PER_SECOND);
        }
        let reconnect = spec
            .failover
            .as_ref()
            .expect("failover")
            .reconnect
            .sample(&mut self.component_streams[c]);
        let state = &mut self.failovers[g];
        state.primary = target;
        state.phase = FailoverPhase::Reconnecting;
        let group_plan = &plan.failover_groups[g];
        let units = group_plan.units_start..group_plan.units_end;
        self.start_resyncs(now, c as u32, units, target);
        self.next_step(now, group, reconnect);
        self.enqueue(c as u32);
    }

    /// A planned switchover back to the group's first unit once it is healthy, if
    /// configured.
    fn maybe_fail_back(&mut self, now: Ticks, group: u32) {
        let g = group as usize;
        let plan = self.plan;
        let c = plan.failover_groups[g].component as usize;
        let preferred = plan.failover_groups[g].units_start;
        let spec = plan.components[c].spec.failover.as_ref().expect("failover");
        let state = &self.failovers[g];
        if !spec.failback || state.primary == preferred || !self.units[preferred as usize].good() {
            return;
        }
        if !self.caught_up(now, preferred) {
            // Look again when it has caught up.
            let ready = self.units[preferred as usize].caught_up_at;
            self.look_again_at(now, group, ready);
            return;
        }
        let delay = spec.promotion.sample(&mut self.component_streams[c]);
        let state = &mut self.failovers[g];
        state.phase = FailoverPhase::Promoting;
        state.target = preferred;
        state.planned = true;
        state.outage_start = now;
        self.next_step(now, group, delay);
        self.enqueue(c as u32);
    }

    /// The first good, caught-up unit of the group other than its primary.
    fn candidate(&self, now: Ticks, group: usize) -> Option<u32> {
        let group_plan = &self.plan.failover_groups[group];
        let component = group_plan.component as usize;
        let primary = self.failovers[group].primary;
        (group_plan.units_start..group_plan.units_end).find(|&u| {
            u != primary && self.alive_to_monitors(component, u) && self.caught_up(now, u)
        })
    }

    fn caught_up(&self, now: Ticks, unit: u32) -> bool {
        self.units[unit as usize].caught_up_at <= now
    }

    /// When the group's next good replica finishes catching up (sync replication).
    fn next_caught_up(&self, now: Ticks, group: usize) -> Option<Ticks> {
        let group_plan = &self.plan.failover_groups[group];
        let component = group_plan.component as usize;
        (group_plan.units_start..group_plan.units_end)
            .filter(|&u| {
                self.alive_to_monitors(component, u) && self.units[u as usize].caught_up_at > now
            })
            .map(|u| self.units[u as usize].caught_up_at)
            .min()
    }

    /// Whether the monitors see `unit` (a primary, or a replica to promote) as alive: good,
    /// or slow but answering within their `monitor_timeout` (Sentinel pings and marks an
    /// instance down only when it has not answered for `down-after-milliseconds`; Patroni's
    /// leader keeps its lock while its loop runs).
    pub(super) fn alive_to_monitors(&self, component: usize, unit: u32) -> bool {
        if self.units[unit as usize].good() {
            return true;
        }
        let timeout = self.plan.components[component]
            .spec
            .failover
            .as_ref()
            .expect("failover")
            .monitor_timeout;
        matches!(self.unit_effect(unit), Effect::Slow { latency } if latency < timeout)
    }

    /// Whether the failover of `group` can be authorized: in a Redis Cluster (a sharded
    /// component) by a majority of all masters, the failed one counted (the replica needs
    /// their votes, and marking the master FAIL needs their reports: redis.io, "Redis
    /// cluster specification", so a cluster of fewer than 3 masters never fails over);
    /// otherwise by the monitors.
    fn failover_authorized(&self, group: usize) -> bool {
        let plan = self.plan;
        let c = plan.failover_groups[group].component as usize;
        let component_plan = &plan.components[c];
        let masters = component_plan.groups_end - component_plan.groups_start;
        if masters == 1 {
            return self.monitor_quorum(c);
        }
        let voting = (component_plan.groups_start..component_plan.groups_end)
            .filter(|&g| g as usize != group)
            .filter(|&g| self.alive_to_monitors(c, self.failovers[g as usize].primary))
            .count();
        voting as u32 > masters / 2
    }

    /// Enough monitors can see each other (their zones and regions are up): `quorum` of
    /// them to agree the primary is down, and a majority of all of them to elect the one
    /// that fails over (Redis Sentinel's `sentinelGetLeader`: the leader needs
    /// max(voters / 2 + 1, quorum) votes, voters counting every known sentinel; a
    /// consensus store such as Patroni's etcd needs its majority too).
    fn monitor_quorum(&self, component: usize) -> bool {
        let spec = self.plan.components[component]
            .spec
            .failover
            .as_ref()
            .expect("failover");
        let Some(monitors) = &spec.monitors else {
            return true;
        };
        let up = monitors
            .zones
            .iter()
            .filter(|&&zone| {
                !self.zone_down[zone]
                    && self.plan.zone_regions[zone].is_none_or(|r| !self.region_down[r as usize])
            })
            .count();
        let majority = monitors.zones.len() / 2 + 1;
        up >= (monitors.quorum as usize).max(majority)
    }
}

/// Invalidates pending failover events and returns the new generation.
fn bump(state: &mut FailoverState) -> u32 {
    state.generation = state.generation.wrapping_add(1);
    state.generation
}
