//! Deep probes (`health_check.deep`, `liveness.deep`): a probe endpoint that also checks
//! the component's hard dependencies (the `/healthz` that returns 200 only if the database
//! answers). While one of them is down, every unit fails its probes although its process is
//! fine:
//!
//! - deep readiness takes every unit out of rotation after the checks' usual delay, and
//!   each comes back only after `healthy_threshold` good checks once the dependency is back;
//! - deep liveness kills every process after `failure_threshold` failed probes; restarted
//!   into the same outage it is killed again, with CrashLoopBackOff's growing waits, so the
//!   component stays down after its dependency has recovered.
//!
//! Both are modelled as overlays (`overlay.rs`) with a crash effect (the probe fails fast)
//! blamed on the dependency's root cause; the process keeps its own failures underneath.

use rand::Rng;

use super::trial::TrialRunner;
use super::Event;
use crate::scenario::Effect;
use crate::time::Ticks;

/// Per-trial state of the deep probes.
#[derive(Debug, Clone, Default)]
pub(super) struct DeepProbes {
    /// Per edge: its caller probes it deeply and sees it down.
    edge_down: Vec<bool>,
    /// Per component: how many of its deeply probed dependencies are down.
    failing: Vec<u32>,
    /// Per component: the cause its failing probes are blamed on (the first dependency
    /// that went down).
    cause: Vec<u32>,
    /// Per component: whether its deep readiness overlays are on.
    ejected: Vec<bool>,
    /// Per unit: generation of its pending liveness kill (a bump cancels it).
    kill_generation: Vec<u32>,
    /// Per unit: killed by a deep liveness probe and not yet restarted, and the cause the
    /// restart's overlay was put on with.
    restarting: Vec<bool>,
    restart_cause: Vec<u32>,
}

impl DeepProbes {
    pub fn new(edges: usize, components: usize, units: usize) -> Self {
        DeepProbes {
            edge_down: vec![false; edges],
            failing: vec![0; components],
            cause: vec![0; components],
            ejected: vec![false; components],
            kill_generation: vec![0; units],
            restarting: vec![false; units],
            restart_cause: vec![0; units],
        }
    }

    pub fn reset(&mut self) {
        self.edge_down.fill(false);
        self.failing.fill(0);
        self.ejected.fill(false);
        self.restarting.fill(false);
        // Generations are left as they are: stale events are dropped with the queue.
    }

    /// Whether a kill scheduled with `generation` still stands: not called off, and the
    /// process not already down.
    pub fn kill_is_live(&self, unit: u32, generation: u32) -> bool {
        self.kill_generation[unit as usize] == generation && !self.restarting[unit as usize]
    }

    /// Whether `unit` was killed by its deep liveness probe and is restarting: its process
    /// is gone (a Kubernetes readiness probe sees the exit at once).
    pub fn restarting(&self, unit: u32) -> bool {
        self.restarting.get(unit as usize).copied().unwrap_or(false)
    }
}

impl TrialRunner<'_> {
    /// The caller of deeply probed `edge` now sees its callee at `level`: its probes start
    /// or stop failing when the callee goes down or comes back.
    pub(super) fn deep_probe_sees(&mut self, now: Ticks, edge: u32, level: f64) {
        let down = level <= 0.0;
        if self.deep.edge_down[edge as usize] == down {
            return;
        }
        self.deep.edge_down[edge as usize] = down;
        let plan = self.plan;
        let edge_plan = &plan.edges[edge as usize];
        let caller = edge_plan.caller as usize;
        if down {
            self.deep.failing[caller] += 1;
            if self.deep.failing[caller] == 1 {
                self.deep.cause[caller] = self.explain(edge_plan.callee).cause;
                self.deep_probes_fail(now, caller);
            }
        } else {
            self.deep.failing[caller] -= 1;
            if self.deep.failing[caller] == 0 {
                self.deep_probes_pass(now, caller);
            }
        }
    }

    fn deep_probes_fail(&mut self, now: Ticks, component: usize) {
        let plan = self.plan;
        let component_plan = &plan.components[component];
        let spec = &component_plan.spec;
        let cause = self.deep.cause[component];
        let units = component_plan.units_start..component_plan.units_end;
        if spec.health_check.as_ref().is_some_and(|c| c.deep) {
            self.deep.ejected[component] = true;
            for unit in units.clone() {
                self.cover(now, unit, Effect::Crash, cause);
            }
        }
        if spec.liveness.as_ref().is_some_and(|l| l.deep) {
            for unit in units {
                self.schedule_deep_kill(now, unit);
            }
        }
    }

    fn deep_probes_pass(&mut self, now: Ticks, component: usize) {
        let plan = self.plan;
        let component_plan = &plan.components[component];
        let units = component_plan.units_start..component_plan.units_end;
        if std::mem::take(&mut self.deep.ejected[component]) {
            let cause = self.deep.cause[component];
            for unit in units.clone() {
                self.uncover(now, unit, Effect::Crash, cause);
            }
        }
        // Pending kills are off; processes already restarting finish their restart.
        for unit in units {
            let generation = &mut self.deep.kill_generation[unit as usize];
            *generation = generation.wrapping_add(1);
        }
    }

    /// The liveness probe of a running process starts failing now: it is killed after the
    /// first failed probe (a uniform phase within the period, and not before
    /// `initial_delay` from the process's start, when the probe begins) and
    /// `failure_threshold - 1` more.
    fn schedule_deep_kill(&mut self, now: Ticks, unit: u32) {
        let plan = self.plan;
        let component = plan.units[unit as usize].component as usize;
        let liveness = plan.components[component]
            .spec
            .liveness
            .as_ref()
            .expect("deep liveness");
        let phase = self.unit_streams[unit as usize].random_range(0..liveness.period);
        let probing_from = self.units[unit as usize]
            .process_started
            .saturating_add(liveness.initial_delay);
        let delay = crate::time::after_steps(
            probing_from.saturating_sub(now).saturating_add(phase),
            liveness.period,
            Ticks::from(liveness.failure_threshold - 1),
        );
        let generation = &mut self.deep.kill_generation[unit as usize];
        *generation = generation.wrapping_add(1);
        let generation = *generation;
        self.schedule(now, delay, Event::DeepLivenessKill { unit, generation });
    }

    pub(super) fn deep_liveness_kill(&mut self, now: Ticks, unit: u32, generation: u32) {
        let u = unit as usize;
        if self.deep.kill_generation[u] != generation
            || self.deep.restarting[u]
            || self.units[u].failed
        {
            // Cancelled, or the process is down for its own reasons anyway.
            return;
        }
        let component = self.plan.units[u].component as usize;
        let cause = self.deep.cause[component];
        self.deep.restarting[u] = true;
        self.deep.restart_cause[u] = cause;
        self.cover(now, unit, Effect::Crash, cause);
        // Killed: the container exits and restarts with CrashLoopBackOff.
        let delay = self.restart_delay(now, unit, Effect::Crash);
        self.schedule(now, delay, Event::DeepRestartEnds { unit });
    }

    pub(super) fn deep_restart_ends(&mut self, now: Ticks, unit: u32) {
        let u = unit as usize;
        self.deep.restarting[u] = false;
        let cause = self.deep.restart_cause[u];
        self.uncover(now, unit, Effect::Crash, cause);
        self.deep_process_started(now, unit);
    }

    /// A process of `unit` has (re)started: into a dependency outage, its deep liveness
    /// probe fails again.
    pub(super) fn deep_process_started(&mut self, now: Ticks, unit: u32) {
        let component = self.plan.units[unit as usize].component as usize;
        if self.deep.failing[component] > 0
            && self.plan.components[component]
                .spec
                .liveness
                .as_ref()
                .is_some_and(|l| l.deep)
        {
            self.schedule_deep_kill(now, unit);
        }
    }
}
