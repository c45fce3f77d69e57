//! Common-cause failures (the beta factor, IEC 61508-6 Annex D): a share beta of a failure
//! mode's failures strikes every unit of the component at once. Each unit keeps its own
//! process for the mode with `ttf` draws stretched by 1 / (1 - beta) (`UnitMode::ttf_scale`);
//! this module is the component's extra process, with draws stretched by 1 / beta.
//!
//! A strike fails every unit that is not already down by a failure of its own (a unit
//! fails once at a time: competing risks), with the mode's effect and recovery; for
//! `repair` they share one `ttr` draw and return together. The process draws its next
//! time to failure when the last struck unit is back.

use super::plan::Plan;
use super::state::NO_PROCESS;
use super::trial::TrialRunner;
use super::Event;
use crate::rng::Streams;
use crate::time::{ticks_from_f64, Ticks};

/// Per-trial state of the common-cause processes.
#[derive(Debug, Clone)]
pub(super) struct CommonCauses {
    streams: Streams,
    /// Per process: struck units not back yet.
    outstanding: Vec<u32>,
}

impl CommonCauses {
    pub fn new(plan: &Plan) -> Self {
        CommonCauses {
            streams: Streams::new(plan.common_causes.len()),
            outstanding: vec![0; plan.common_causes.len()],
        }
    }

    pub fn reset(&mut self, plan: &Plan, trial: u64) {
        let keys = plan.common_causes.iter().map(|p| p.stream_key);
        self.streams.reset(plan.seed, trial, keys);
        self.outstanding.fill(0);
    }
}

impl TrialRunner<'_> {
    /// Draws the time to the next strike of common-cause process `process`.
    pub(super) fn schedule_common_cause(&mut self, now: Ticks, process: u32) {
        let plan = self.plan;
        let common = &plan.common_causes[process as usize];
        let failure =
            &plan.components[common.component as usize].spec.failures[common.mode as usize];
        let draw = failure
            .time_to_failure
            .sample(&mut self.common_causes.streams[process as usize]);
        let delay = ticks_from_f64(draw as f64 * common.ttf_scale).max(1);
        self.schedule(now, delay, Event::CommonCause { process });
    }

    pub(super) fn common_cause_strikes(&mut self, now: Ticks, process: u32) {
        let plan = self.plan;
        let common = &plan.common_causes[process as usize];
        let component = &plan.components[common.component as usize];
        let failure = &component.spec.failures[common.mode as usize];
        // One draw for all: a shared root cause is fixed once.
        let repair = failure
            .time_to_repair
            .sample(&mut self.common_causes.streams[process as usize]);
        let mut struck = 0;
        for unit in component.units_start..component.units_end {
            if self.units[unit as usize].failed {
                continue;
            }
            let mode_index = plan.units[unit as usize].modes_start + common.mode;
            self.fail_unit(
                now,
                unit,
                common.component,
                mode_index,
                failure,
                repair,
                common.cause,
            );
            self.units[unit as usize].struck_by = process;
            struck += 1;
        }
        self.common_causes.outstanding[process as usize] = struck;
        if struck == 0 {
            self.schedule_common_cause(now, process);
        }
    }

    /// A unit struck by `process` is back; the last one restarts the process's clock.
    pub(super) fn common_cause_unit_returned(&mut self, now: Ticks, process: u32) {
        debug_assert_ne!(process, NO_PROCESS);
        let outstanding = &mut self.common_causes.outstanding[process as usize];
        *outstanding -= 1;
        if *outstanding == 0 {
            self.schedule_common_cause(now, process);
        }
    }
}
