//! Replicas resyncing with a newly promoted primary, a few at a time (Redis Sentinel's
//! `parallel-syncs`): "there is a moment when [a replica] stops to load the bulk data from
//! the master", during which it answers nothing and cannot be promoted.
//!
//! The schedule is fixed at the promotion: the live units other than the new primary, in
//! unit order, take the first free of `parallel_syncs` slots, each for one `resync` draw
//! from the unit's own mechanism stream (Sentinel reconfigures the next replica as soon as
//! one is done, `sentinelFailoverReconfNextSlave`). A unit is promotable again from
//! `caught_up_at` (which sync replication's `catch_up` also uses) and answers reads from
//! `resynced_at`.

use std::ops::Range;

use super::trial::TrialRunner;
use super::Event;
use crate::scenario::Role;
use crate::time::Ticks;

impl TrialRunner<'_> {
    /// `primary` of `component` was just promoted: the other live units of `units` (the
    /// component's, or one shard's) resync with it. Does nothing without `failover.resync`,
    /// so scenarios without it draw exactly as before.
    pub(super) fn start_resyncs(
        &mut self,
        now: Ticks,
        component: u32,
        units: Range<u32>,
        primary: u32,
    ) {
        let plan = self.plan;
        let spec = &plan.components[component as usize].spec;
        let failover = spec.failover.as_ref().expect("failover");
        let Some(resync) = &failover.resync else {
            return;
        };
        // When each slot is next free; a handful of slots, one promotion at a time.
        let mut slots = vec![now; failover.parallel_syncs.min(units.len() as u32) as usize];
        for unit in units {
            if unit == primary || !self.alive_to_monitors(component as usize, unit) {
                // A unit down now is promotable as soon as it is back (as without resync).
                continue;
            }
            let (slot, free) = slots
                .iter()
                .enumerate()
                .min_by_key(|(_, free)| **free)
                .map(|(slot, free)| (slot, *free))
                .expect("at least one slot");
            let done = free.saturating_add(resync.sample(&mut self.unit_streams[unit as usize]));
            slots[slot] = done;
            let state = &mut self.units[unit as usize];
            state.caught_up_at = state.caught_up_at.max(done);
            state.resynced_at = done;
            // Reads count only for primary_replica: look at the level again when this
            // replica answers them again (promotions wake up through `caught_up_at`).
            if spec.role == Role::PrimaryReplica {
                self.schedule(now, done.saturating_sub(now), Event::Resynced { component });
            }
        }
    }

    /// Whether `unit` is loading a new primary's data now (it answers no reads). `last_time`
    /// is the current event's time while levels are evaluated, and the start of the
    /// interval being booked while it is explained: the state it describes.
    #[inline]
    pub(super) fn resyncing(&self, unit: u32) -> bool {
        self.units[unit as usize].resynced_at > self.last_time
    }
}
