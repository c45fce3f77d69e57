//! Disaster recovery from snapshots shipped to another region (`disaster_recovery`): when
//! every local unit of a component is lost for `declare_after`, the team restores the
//! latest snapshot elsewhere (`restore`), losing the writes since that snapshot, and serves
//! from the restored copy until the local units serve again.
//!
//! Separate from the local failover on purpose: the failover's own `replication.lag` stays
//! the RPO of a local promotion, and only a restore is charged the snapshot's age. The
//! module sees the component through `alive_to_monitors` and the failover's phase, and acts
//! on it through `enqueue` and the failover's `planned` flag, nothing else.

use rand::Rng;

use super::levels::Own;
use super::plan::Plan;
use super::state::FailoverPhase;
use super::trial::TrialRunner;
use super::Event;
use crate::rng::{entity_key, Streams};
use crate::time::{Ticks, TICKS_PER_SECOND};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Some local unit is alive: nothing to do.
    Idle,
    /// No local unit alive since `lost_at`; the team declares a disaster after
    /// `declare_after` unless one comes back first.
    Declaring,
    /// Restoring the latest snapshot in another region.
    Restoring,
    /// The restored copy serves until the local units serve again.
    Serving,
}

#[derive(Debug, Clone)]
struct Copy {
    component: u32,
    phase: Phase,
    generation: u32,
    /// When the last local unit was lost.
    lost_at: Ticks,
    /// Snapshots are taken at `snapshot_phase + k x snapshot_interval`.
    snapshot_phase: Ticks,
}

/// Per-trial state of the disaster-recovery copies, one per component that has one.
#[derive(Debug, Clone)]
pub(super) struct DisasterRecoveries {
    streams: Streams,
    keys: Vec<u64>,
    copies: Vec<Copy>,
    /// Per component: its index in `copies`, or `NONE`.
    slot: Vec<u32>,
}

const NONE: u32 = u32::MAX;

impl DisasterRecoveries {
    pub fn new(plan: &Plan) -> Self {
        let mut slot = vec![NONE; plan.components.len()];
        let mut keys = Vec::new();
        let mut copies = Vec::new();
        for (c, component) in plan.components.iter().enumerate() {
            if component.spec.disaster_recovery.is_some() {
                slot[c] = copies.len() as u32;
                // A stream of its own: adding a DR copy shifts none of the component's
                // failover draws, so variants with and without it share their failovers.
                keys.push(entity_key(&[
                    "component",
                    &component.spec.name,
                    "#disaster_recovery",
                ]));
                copies.push(Copy {
                    component: c as u32,
                    phase: Phase::Idle,
                    generation: 0,
                    lost_at: 0,
                    snapshot_phase: 0,
                });
            }
        }
        DisasterRecoveries {
            streams: Streams::new(copies.len()),
            keys,
            copies,
            slot,
        }
    }

    pub fn reset(&mut self, plan: &Plan, trial: u64) {
        self.streams
            .reset(plan.seed, trial, self.keys.iter().copied());
        for (i, copy) in self.copies.iter_mut().enumerate() {
            let interval = plan.components[copy.component as usize]
                .spec
                .disaster_recovery
                .as_ref()
                .expect("disaster_recovery")
                .snapshot_interval;
            copy.phase = Phase::Idle;
            copy.generation = 0;
            copy.lost_at = 0;
            copy.snapshot_phase = self.streams[i].random_range(0..interval);
        }
    }

    /// Whether any component has a DR copy (the per-event look costs nothing otherwise).
    pub fn any(&self) -> bool {
        !self.copies.is_empty()
    }

    /// Whether `component` is served from its restored copy now.
    #[inline]
    pub fn serving(&self, component: usize) -> bool {
        let slot = self.slot[component];
        slot != NONE && self.copies[slot as usize].phase == Phase::Serving
    }
}

impl TrialRunner<'_> {
    /// After every event: a component whose last local unit was just lost starts the clock
    /// to a declaration; one whose units came back before the restore completed cancels it
    /// (the local failover proceeds with its own lag); one served from its copy switches
    /// back once the local failover serves again. A scan of each DR component's units,
    /// only in scenarios that have one.
    pub(super) fn disaster_recovery_look(&mut self, now: Ticks) {
        for i in 0..self.disaster_recovery.copies.len() {
            let copy = &self.disaster_recovery.copies[i];
            let c = copy.component as usize;
            let plan = &self.plan.components[c];
            let any_alive =
                (plan.units_start..plan.units_end).any(|u| self.alive_to_monitors(c, u));
            match copy.phase {
                Phase::Idle if !any_alive => {
                    let declare_after = plan
                        .spec
                        .disaster_recovery
                        .as_ref()
                        .expect("disaster_recovery")
                        .declare_after;
                    let copy = &mut self.disaster_recovery.copies[i];
                    copy.phase = Phase::Declaring;
                    copy.lost_at = now;
                    self.disaster_recovery_step(now, i, declare_after);
                }
                Phase::Declaring | Phase::Restoring if any_alive => {
                    let copy = &mut self.disaster_recovery.copies[i];
                    copy.phase = Phase::Idle;
                    copy.generation = copy.generation.wrapping_add(1);
                }
                Phase::Serving if self.local_serving(c) => {
                    // A planned switch back, assumed lossless and instant: the copy's writes
                    // are shipped back before the local primary takes over (not modelled).
                    self.disaster_recovery.copies[i].phase = Phase::Idle;
                    self.enqueue(c as u32);
                }
                _ => {}
            }
        }
    }

    /// The local failover serves: every failover group (shard) has its primary alive and
    /// is not failing over.
    fn local_serving(&self, component: usize) -> bool {
        let component_plan = &self.plan.components[component];
        let groups = component_plan.groups_start..component_plan.groups_end;
        !groups.is_empty()
            && groups.into_iter().all(|g| {
                let failover = &self.failovers[g as usize];
                failover.phase == FailoverPhase::Serving
                    && self.alive_to_monitors(component, failover.primary)
            })
    }

    /// The current phase lasts `delay`: cancels the pending step and schedules the next.
    fn disaster_recovery_step(&mut self, now: Ticks, copy: usize, delay: Ticks) {
        let state = &mut self.disaster_recovery.copies[copy];
        state.generation = state.generation.wrapping_add(1);
        let (component, generation) = (state.component, state.generation);
        self.schedule(
            now,
            delay,
            Event::DisasterRecovery {
                component,
                generation,
            },
        );
    }

    /// Whether a step scheduled with `generation` still stands.
    pub(super) fn disaster_recovery_is_live(&self, component: u32, generation: u32) -> bool {
        let i = self.disaster_recovery.slot[component as usize] as usize;
        self.disaster_recovery.copies[i].generation == generation
    }

    pub(super) fn disaster_recovery_event(&mut self, now: Ticks, component: u32, generation: u32) {
        let i = self.disaster_recovery.slot[component as usize] as usize;
        let copy = &self.disaster_recovery.copies[i];
        if copy.generation != generation {
            return;
        }
        let spec = self.plan.components[component as usize]
            .spec
            .disaster_recovery
            .as_ref()
            .expect("disaster_recovery");
        match copy.phase {
            Phase::Declaring => {
                let restore = spec.restore.sample(&mut self.disaster_recovery.streams[i]);
                self.disaster_recovery.copies[i].phase = Phase::Restoring;
                self.disaster_recovery_step(now, i, restore);
            }
            Phase::Restoring => {
                let copy = &mut self.disaster_recovery.copies[i];
                copy.phase = Phase::Serving;
                // The writes since the last snapshot taken before the last local unit was
                // lost (snapshots are periodic from a phase before the trial started).
                let interval = spec.snapshot_interval;
                let age = (copy.lost_at + interval - copy.snapshot_phase) % interval;
                self.outcome
                    .restore_loss
                    .push(age as f64 / TICKS_PER_SECOND);
                // The outage is over for the component: whatever the local failover does
                // next (the primary returns, or a replica is promoted) is a planned switch
                // back, with no replication-lag loss and no failover recorded.
                let component_plan = &self.plan.components[component as usize];
                for g in component_plan.groups_start..component_plan.groups_end {
                    self.failovers[g as usize].planned = true;
                }
                self.enqueue(component);
            }
            Phase::Idle | Phase::Serving => {}
        }
    }

    /// The component's own level while its restored copy serves: everything, from another
    /// region, whatever its local units do.
    #[inline]
    pub(super) fn disaster_recovery_level(&self, component: usize) -> Option<Own> {
        self.disaster_recovery.serving(component).then_some(Own {
            level: 1.0,
            hanging: 0.0,
            slow: 0.0,
            latency: 0,
            mechanism: super::Mechanism::Failover,
            culprit: None,
        })
    }
}
