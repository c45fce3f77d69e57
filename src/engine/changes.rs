//! Changes (`changes`): releases and configuration pushes. Changes of one name are serial:
//! an interval, then a change; a good one takes no time, a bad one makes the units running
//! it bad (with its effect) from its start. With a rollout only the canary units run it
//! until `bake` has passed, and a bad change noticed before that never reaches the others.
//! Every unit runs the previous version again at detection + rollback (from the change's
//! start); only then does the next interval start.
//!
//! Per change the draws are, in order: the interval; at its end a uniform number (bad when
//! below `bad_probability`, drawn even when 0 or 1 so that variants stay aligned); for a bad
//! change, detection then rollback.

use rand::Rng;

use super::plan::Plan;
use super::trial::TrialRunner;
use super::Event;
use crate::rng::Streams;
use crate::time::Ticks;

/// Per-trial state of the change processes.
#[derive(Debug, Clone)]
pub(super) struct Changes {
    streams: Streams,
    /// Per change: the units running its bad version now.
    bad_units: Vec<Vec<u32>>,
}

impl Changes {
    pub fn new(plan: &Plan) -> Self {
        Changes {
            streams: Streams::new(plan.changes.len()),
            bad_units: vec![Vec::new(); plan.changes.len()],
        }
    }

    pub fn reset(&mut self, plan: &Plan, trial: u64) {
        let keys = plan.changes.iter().map(|c| c.stream_key);
        self.streams.reset(plan.seed, trial, keys);
        self.bad_units.iter_mut().for_each(Vec::clear);
    }

    /// Whether change `change` has a bad version out now (for traces).
    pub fn is_bad(&self, change: u32) -> bool {
        !self.bad_units[change as usize].is_empty()
    }
}

impl TrialRunner<'_> {
    /// Draws the interval to the next change of this name.
    pub(super) fn schedule_change(&mut self, now: Ticks, change: u32) {
        let delay = self.plan.changes[change as usize]
            .spec
            .interval
            .sample(&mut self.changes.streams[change as usize]);
        // At least a microsecond: good changes take no time, so time must move between them.
        self.schedule(now, delay.max(1), Event::ChangeStarts { change });
    }

    pub(super) fn change_starts(&mut self, now: Ticks, change: u32) {
        let plan = self.plan;
        let process = &plan.changes[change as usize];
        let spec = &process.spec;
        let rng = &mut self.changes.streams[change as usize];
        if rng.random::<f64>() >= spec.bad_probability {
            self.schedule_change(now, change);
            return;
        }
        let detection = spec.detection.sample(rng);
        let rollback = spec.rollback.sample(rng);
        let mut bad = std::mem::take(&mut self.changes.bad_units[change as usize]);
        for &unit in &process.canary {
            self.cover(now, unit, spec.effect, process.canary_cause);
            bad.push(unit);
        }
        self.changes.bad_units[change as usize] = bad;
        if let Some(rollout) = &spec.rollout {
            if detection >= rollout.bake && !process.rest.is_empty() {
                self.schedule(now, rollout.bake, Event::ChangeReachesAll { change });
            }
        }
        self.schedule(
            now,
            detection.saturating_add(rollback),
            Event::ChangeRolledBack { change },
        );
    }

    /// The bake time passed unnoticed: the change reaches every unit.
    pub(super) fn change_reaches_all(&mut self, now: Ticks, change: u32) {
        let plan = self.plan;
        let process = &plan.changes[change as usize];
        for &unit in &process.rest {
            self.cover(now, unit, process.spec.effect, process.rollout_cause);
        }
        self.changes.bad_units[change as usize].extend_from_slice(&process.rest);
    }

    pub(super) fn change_rolled_back(&mut self, now: Ticks, change: u32) {
        let process = &self.plan.changes[change as usize];
        let mut bad = std::mem::take(&mut self.changes.bad_units[change as usize]);
        // The canary's units come first in the list.
        for (position, &unit) in bad.iter().enumerate() {
            let cause = if position < process.canary.len() {
                process.canary_cause
            } else {
                process.rollout_cause
            };
            self.uncover(now, unit, process.spec.effect, cause);
        }
        bad.clear();
        self.changes.bad_units[change as usize] = bad;
        self.schedule_change(now, change);
    }
}
