//! Overlays: something outside a unit makes it bad for a while (a zone or region outage, a
//! shared failure, a bad change) while its own failures and repairs go on underneath. A
//! unit's effect is its own failure's if it has one, else the worst overlay's: a hang
//! (requests time out) before a crash (fast errors) before a slow response. A bad unit is
//! blamed on the cause of that effect, re-decided whenever one of its causes starts or
//! ends, and a change of its effect lets health checks look again.

use super::state::NO_PROCESS;
use super::trial::TrialRunner;
use crate::scenario::Effect;
use crate::time::Ticks;

impl TrialRunner<'_> {
    /// Covers `unit` with an overlay of `effect`; `cause` is blamed if it turns the unit bad.
    pub(super) fn cover(&mut self, now: Ticks, unit: u32, effect: Effect, cause: u32) {
        let was_good = self.units[unit as usize].good();
        let before = self.unit_effect(unit);
        let state = &mut self.units[unit as usize];
        state.overlays += 1;
        match effect {
            Effect::Hang => state.overlay_hangs += 1,
            Effect::Crash => state.overlay_crashes += 1,
            Effect::Slow { latency } => state.overlay_latency = state.overlay_latency.max(latency),
        }
        self.overlay_causes[unit as usize].push((cause, effect));
        if was_good {
            let state = &mut self.units[unit as usize];
            state.cause = cause;
            state.bad_since = now;
            self.unit_turned_bad(now, unit);
        } else {
            self.reblame(now, unit);
            self.effect_changed(now, unit, before);
        }
    }

    /// Ends one overlay of `effect` and `cause` over `unit`.
    pub(super) fn uncover(&mut self, now: Ticks, unit: u32, effect: Effect, cause: u32) {
        let before = self.unit_effect(unit);
        let state = &mut self.units[unit as usize];
        state.overlays -= 1;
        match effect {
            Effect::Hang => state.overlay_hangs -= 1,
            Effect::Crash => state.overlay_crashes -= 1,
            Effect::Slow { .. } => {}
        }
        let causes = &mut self.overlay_causes[unit as usize];
        if let Some(position) = causes.iter().rposition(|(c, _)| *c == cause) {
            causes.remove(position);
        }
        if let Effect::Slow { .. } = effect {
            // The slowest of the slow overlays left, if any.
            state.overlay_latency = causes
                .iter()
                .filter_map(|(_, e)| match e {
                    Effect::Slow { latency } => Some(*latency),
                    _ => None,
                })
                .max()
                .unwrap_or(0);
        }
        if self.units[unit as usize].good() {
            self.unit_turned_good(now, unit);
        } else {
            self.reblame(now, unit);
            self.effect_changed(now, unit, before);
        }
    }

    /// Blames a bad unit on the cause of what it does to requests now (`unit_effect`): its
    /// own failure, else the most recent of the overlays with the worst effect. Called
    /// whenever one of its causes starts or ends while it stays bad. An effect that costs
    /// nothing takes no blame.
    #[cold]
    #[inline(never)]
    pub(super) fn reblame(&mut self, now: Ticks, unit: u32) {
        let plan = self.plan;
        let state = &self.units[unit as usize];
        if !state.failed && self.serves_anyway(unit) && self.detection_delay(now, unit).is_none() {
            // What is left costs nothing (a slow response within the deadline, that the
            // checks cannot see): until they readmit the unit, its absence is still the
            // ended cause's.
            return;
        }
        let state = &self.units[unit as usize];
        let cause = if state.failed {
            self.own_cause(unit)
        } else {
            let rank = |effect: &Effect| match effect {
                Effect::Hang => 2,
                Effect::Crash => 1,
                Effect::Slow { .. } => 0,
            };
            let overlays = &self.overlay_causes[unit as usize];
            let worst = overlays.iter().map(|(_, e)| rank(e)).max();
            match overlays.iter().rev().find(|(_, e)| Some(rank(e)) == worst) {
                Some((cause, _)) => *cause,
                None => return,
            }
        };
        if cause != state.cause {
            self.units[unit as usize].cause = cause;
            self.enqueue(plan.units[unit as usize].component);
        }
    }

    /// The cause of a unit's own (current or last) failure: the common-cause strike that
    /// failed it, else its failure mode.
    pub(super) fn own_cause(&self, unit: u32) -> u32 {
        let state = &self.units[unit as usize];
        if state.struck_by == NO_PROCESS {
            self.plan.unit_modes[state.mode as usize].cause
        } else {
            self.plan.common_causes[state.struck_by as usize].cause
        }
    }

    /// A bad unit whose requests still succeed: slow, within the component's deadline (if
    /// it has one).
    pub(super) fn serves_anyway(&self, unit: u32) -> bool {
        match self.unit_effect(unit) {
            Effect::Slow { latency } => {
                let component = self.plan.units[unit as usize].component;
                self.plan.components[component as usize]
                    .spec
                    .deadline
                    .is_none_or(|deadline| latency < deadline)
            }
            _ => false,
        }
    }

    /// What a bad unit still in rotation does to requests: its own failure's effect, else
    /// that of the worst overlay over it.
    #[inline]
    pub(super) fn unit_effect(&self, unit: u32) -> Effect {
        let state = &self.units[unit as usize];
        if state.failed {
            state.effect
        } else if state.overlay_hangs > 0 {
            Effect::Hang
        } else if state.overlay_crashes > 0 {
            Effect::Crash
        } else {
            Effect::Slow {
                latency: state.overlay_latency,
            }
        }
    }
}
