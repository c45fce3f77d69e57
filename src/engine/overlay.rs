//! Overlays: something outside a unit makes it bad for a while (a zone or region outage, a
//! shared failure, a bad change) while its own failures and repairs go on underneath. A
//! unit's effect is its own failure's if it has one, else the worst overlay's: a hang
//! (requests time out) before a crash (fast errors) before a slow response.

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
        if was_good {
            state.cause = cause;
            state.bad_since = now;
            self.unit_turned_bad(now, unit);
        } else if self.unit_effect(unit) != before {
            self.enqueue(self.plan.units[unit as usize].component);
        }
    }

    /// Ends one overlay of `effect` over `unit`.
    pub(super) fn uncover(&mut self, now: Ticks, unit: u32, effect: Effect) {
        let before = self.unit_effect(unit);
        let state = &mut self.units[unit as usize];
        state.overlays -= 1;
        match effect {
            Effect::Hang => state.overlay_hangs -= 1,
            Effect::Crash => state.overlay_crashes -= 1,
            Effect::Slow { .. } => {}
        }
        if state.overlays == state.overlay_hangs + state.overlay_crashes {
            // No slow overlay left.
            state.overlay_latency = 0;
        }
        if state.good() {
            self.unit_turned_good(now, unit);
        } else if self.unit_effect(unit) != before {
            self.enqueue(self.plan.units[unit as usize].component);
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
