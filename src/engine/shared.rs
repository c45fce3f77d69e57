//! Shared failures (`shared_failures`): one process over units of several components, such
//! as a configuration service, an identity provider or a certificate. Occurrences alternate
//! with quiet periods like a zone's outages; each occurrence strikes every unit of every
//! target independently with the failure's `probability` (drawn once, at its start) and
//! covers the struck units with its effect until it ends. The units' own failures go on
//! underneath (`overlay.rs`).

use rand::Rng;

use super::plan::Plan;
use super::trial::TrialRunner;
use super::Event;
use crate::rng::Streams;
use crate::time::Ticks;

/// Per-trial state of the shared failures.
#[derive(Debug, Clone)]
pub(super) struct SharedFailures {
    streams: Streams,
    /// Per shared failure: the units the current occurrence struck.
    struck: Vec<Vec<u32>>,
}

impl SharedFailures {
    pub fn new(plan: &Plan) -> Self {
        SharedFailures {
            streams: Streams::new(plan.shared_failures.len()),
            struck: vec![Vec::new(); plan.shared_failures.len()],
        }
    }

    pub fn reset(&mut self, plan: &Plan, trial: u64) {
        let keys = plan.shared_failures.iter().map(|s| s.stream_key);
        self.streams.reset(plan.seed, trial, keys);
        self.struck.iter_mut().for_each(Vec::clear);
    }

    /// The units the current occurrence of `shared` struck.
    pub fn struck(&self, shared: u32) -> &[u32] {
        &self.struck[shared as usize]
    }
}

impl TrialRunner<'_> {
    pub(super) fn schedule_shared_failure(&mut self, now: Ticks, shared: u32) {
        let delay = self.plan.shared_failures[shared as usize]
            .spec
            .time_to_failure
            .sample(&mut self.shared_failures.streams[shared as usize]);
        self.schedule(now, delay.max(1), Event::SharedFails { shared });
    }

    pub(super) fn shared_fails(&mut self, now: Ticks, shared: u32) {
        let plan = self.plan;
        let process = &plan.shared_failures[shared as usize];
        let rng = &mut self.shared_failures.streams[shared as usize];
        let repair = process.spec.time_to_repair.sample(rng);
        let mut struck = std::mem::take(&mut self.shared_failures.struck[shared as usize]);
        // One draw per unit whatever the probability, so that variants with another
        // probability strike nested sets of units (common random numbers).
        for &unit in &process.units {
            if rng.random::<f64>() < process.spec.probability {
                struck.push(unit);
            }
        }
        for &unit in &struck {
            self.cover(now, unit, process.spec.effect, process.cause);
        }
        self.shared_failures.struck[shared as usize] = struck;
        self.schedule(now, repair, Event::SharedRecovers { shared });
    }

    pub(super) fn shared_recovers(&mut self, now: Ticks, shared: u32) {
        let process = &self.plan.shared_failures[shared as usize];
        let mut struck = std::mem::take(&mut self.shared_failures.struck[shared as usize]);
        for &unit in &struck {
            self.uncover(now, unit, process.spec.effect, process.cause);
        }
        struck.clear();
        self.shared_failures.struck[shared as usize] = struck;
        self.schedule_shared_failure(now, shared);
    }
}
