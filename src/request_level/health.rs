//! Active health checks of one unit, as a load balancer runs them: a check every `interval`
//! at the unit's phase; a crashed unit fails it at once, a hung one (or a slow one at or
//! past the check's `timeout`) fails it when the timeout expires, anything else passes.
//! `unhealthy_threshold` consecutive failures take the unit out of rotation,
//! `healthy_threshold` consecutive passes put it back.
//!
//! Checks are only simulated while they can change something (the unit bad, or out of
//! rotation): a good unit in rotation passes every check, which leaves it in rotation with
//! no failure counted, so skipping those checks changes nothing.

use crate::scenario::{Effect, HealthCheck};
use crate::time::Ticks;

#[derive(Debug, Clone, Copy, Default)]
pub struct CheckState {
    pub phase: Ticks,
    pub ejected: bool,
    /// A check is scheduled (ticks run while they matter).
    pub ticking: bool,
    fails: u32,
    passes: u32,
}

/// What a check started now will report, and after how long.
pub fn outcome(effect: Option<Effect>, check: &HealthCheck) -> (bool, Ticks) {
    match effect {
        None => (true, 0),
        Some(Effect::Crash) => (false, 0),
        Some(Effect::Hang) => (false, check.timeout),
        Some(Effect::Slow { latency }) if latency >= check.timeout => (false, check.timeout),
        Some(Effect::Slow { .. }) => (true, 0),
    }
}

impl CheckState {
    /// A unit in rotation whose checks run at `phase + k x interval`.
    pub fn new(phase: Ticks) -> Self {
        CheckState {
            phase,
            ..CheckState::default()
        }
    }

    /// Starts counting afresh when ticks resume: every check since they stopped passed.
    pub fn resume(&mut self) {
        self.ticking = true;
        self.fails = 0;
        self.passes = 0;
    }

    /// Books a check's result; true if the unit's rotation changed.
    pub fn report(&mut self, passed: bool, check: &HealthCheck) -> bool {
        if passed {
            self.passes += 1;
            self.fails = 0;
            if self.ejected && self.passes >= check.healthy_threshold {
                self.ejected = false;
                return true;
            }
        } else {
            self.fails += 1;
            self.passes = 0;
            if !self.ejected && self.fails >= check.unhealthy_threshold {
                self.ejected = true;
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_count_consecutive_results() {
        let check = HealthCheck {
            interval: 10,
            timeout: 5,
            unhealthy_threshold: 2,
            healthy_threshold: 3,
            deep: false,
            protocol: crate::scenario::CheckProtocol::Http,
            prober: crate::scenario::Prober::LoadBalancer,
        };
        let mut state = CheckState::default();
        state.resume();
        assert!(!state.report(false, &check));
        assert!(!state.report(true, &check));
        assert!(!state.report(false, &check));
        assert!(state.report(false, &check) && state.ejected);
        assert!(!state.report(true, &check));
        assert!(!state.report(true, &check));
        assert!(state.report(true, &check) && !state.ejected);
    }
}
