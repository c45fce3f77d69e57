//! An opossum circuit breaker (lib/circuit.js and lib/status.js), one per dependency edge:
//!
//! - statistics in a rolling window of `window` cut into 10 buckets, rotated every
//!   `window / 10` from the start of the trial; `fires` counts every call (rejected ones
//!   included) when it starts, `failures` every failed call (timeouts included) when it
//!   fails;
//! - on each failure while closed: if fires >= `min_volume` and failures / fires is
//!   *strictly* above `error_threshold` (opossum's `errorRate > errorThresholdPercentage`),
//!   the breaker opens;
//! - open: calls are rejected at once (fallback if any); after `reset_timeout` it is
//!   half-open and the next call goes through as the probe, the calls after it being
//!   rejected; any success while half-open closes it, any failure re-opens it (late answers
//!   of calls started earlier included, as in opossum).

use crate::scenario::Breaker;
use crate::time::Ticks;

const BUCKETS: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Closed,
    Open,
    HalfOpen { probe_sent: bool },
}

/// What `fire` lets a call do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permit {
    Call,
    Reject,
}

#[derive(Debug, Clone)]
pub struct BreakerState {
    pub phase: Phase,
    /// Cancels a pending half-open timer when the breaker closes or re-opens.
    pub generation: u32,
    fires: [u32; BUCKETS],
    failures: [u32; BUCKETS],
    /// Absolute index of the newest bucket (time / bucket length).
    newest: u64,
}

impl Default for BreakerState {
    fn default() -> Self {
        BreakerState {
            phase: Phase::Closed,
            generation: 0,
            fires: [0; BUCKETS],
            failures: [0; BUCKETS],
            newest: 0,
        }
    }
}

/// What the caller must do after a result: schedule the half-open timer?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    Nothing,
    Opened,
}

impl BreakerState {
    fn rotate(&mut self, now: Ticks, config: &Breaker) {
        let bucket = (config.window / BUCKETS as Ticks).max(1);
        let index = now / bucket;
        let stale = index.saturating_sub(self.newest).min(BUCKETS as u64);
        for k in 1..=stale {
            let slot = ((self.newest + k) % BUCKETS as u64) as usize;
            self.fires[slot] = 0;
            self.failures[slot] = 0;
        }
        self.newest = self.newest.max(index);
    }

    fn slot(&self) -> usize {
        (self.newest % BUCKETS as u64) as usize
    }

    /// A call starts.
    pub fn fire(&mut self, now: Ticks, config: &Breaker) -> Permit {
        self.rotate(now, config);
        let slot = self.slot();
        self.fires[slot] += 1;
        match self.phase {
            Phase::Closed => Permit::Call,
            Phase::Open | Phase::HalfOpen { probe_sent: true } => Permit::Reject,
            Phase::HalfOpen { probe_sent: false } => {
                self.phase = Phase::HalfOpen { probe_sent: true };
                Permit::Call
            }
        }
    }

    pub fn success(&mut self) {
        if matches!(self.phase, Phase::HalfOpen { .. }) {
            self.phase = Phase::Closed;
            self.generation += 1;
        }
    }

    pub fn failure(&mut self, now: Ticks, config: &Breaker) -> After {
        self.rotate(now, config);
        let slot = self.slot();
        self.failures[slot] += 1;
        let half_open = matches!(self.phase, Phase::HalfOpen { .. });
        let fires: u32 = self.fires.iter().sum();
        if fires < config.min_volume && !half_open {
            return After::Nothing;
        }
        let failures: u32 = self.failures.iter().sum();
        let rate = f64::from(failures) / f64::from(fires.max(1));
        if (rate > config.error_threshold || half_open) && self.phase != Phase::Open {
            self.phase = Phase::Open;
            self.generation += 1;
            return After::Opened;
        }
        After::Nothing
    }

    /// The reset timer of generation `generation` expired.
    pub fn reset_timer(&mut self, generation: u32) {
        if generation == self.generation && self.phase == Phase::Open {
            self.phase = Phase::HalfOpen { probe_sent: false };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Ticks = 1_000_000;

    fn config() -> Breaker {
        Breaker {
            error_threshold: 0.5,
            reset_timeout: 30 * S,
            window: 10 * S,
            min_volume: 0,
        }
    }

    #[test]
    fn trips_strictly_above_the_threshold_and_probes_once() {
        let config = config();
        let mut breaker = BreakerState::default();
        assert_eq!(breaker.fire(0, &config), Permit::Call);
        assert_eq!(breaker.fire(0, &config), Permit::Call);
        breaker.success();
        assert_eq!(
            breaker.failure(S, &config),
            After::Nothing,
            "1 of 2 is not above 50%"
        );
        assert_eq!(breaker.fire(2 * S, &config), Permit::Call);
        assert_eq!(breaker.failure(2 * S, &config), After::Opened);
        assert_eq!(breaker.fire(3 * S, &config), Permit::Reject);
        breaker.reset_timer(breaker.generation);
        assert_eq!(breaker.fire(33 * S, &config), Permit::Call);
        assert_eq!(breaker.fire(33 * S, &config), Permit::Reject);
        breaker.success();
        assert_eq!(breaker.phase, Phase::Closed);
    }

    #[test]
    fn old_buckets_leave_the_window() {
        let config = config();
        let mut breaker = BreakerState::default();
        breaker.fire(0, &config);
        breaker.failure(0, &config);
        assert_eq!(breaker.phase, Phase::Open);
        breaker.reset_timer(breaker.generation);
        breaker.fire(30 * S, &config);
        breaker.success();
        // Ten seconds later the old failure is gone: 1 failure of 1 call opens it again,
        // but 1 of 3 does not.
        breaker.fire(41 * S, &config);
        breaker.fire(41 * S, &config);
        breaker.fire(41 * S, &config);
        assert_eq!(breaker.failure(41 * S, &config), After::Nothing);
    }

    /// The trip delay of model.md section 9, (timeout if the callee hangs) + window x
    /// threshold / e, here with e = 1: calls every 100 ms, the callee dead from 20 s, each
    /// call failing at once (crash) or after a 10 s timeout (hang). The window spans 9 to 10
    /// buckets, so the delay is within one bucket (1 s) of the closed form, and above it
    /// by less than a call.
    #[test]
    fn trip_delay_matches_the_closed_form_within_a_bucket() {
        let config = config();
        for timeout in [0, 10 * S] {
            let mut breaker = BreakerState::default();
            let mut results: Vec<(Ticks, bool)> = Vec::new();
            let mut tripped = None;
            for k in 0..600u64 {
                let now = k * S / 10;
                // Results due by now first (a timeout expires before a new call starts).
                results.sort_unstable();
                while results.first().is_some_and(|(at, _)| *at <= now) {
                    let (at, ok) = results.remove(0);
                    if ok {
                        breaker.success();
                    } else if breaker.failure(at, &config) == After::Opened {
                        tripped = tripped.or(Some(at));
                    }
                }
                if breaker.fire(now, &config) == Permit::Call {
                    results.push((now + timeout, now < 20 * S));
                }
            }
            let delay = tripped.expect("the breaker trips") - 20 * S;
            let closed_form = timeout + config.window / 2;
            assert!(
                delay > closed_form - S && delay <= closed_form + S / 10,
                "timeout {timeout}: tripped {delay} after the outage, closed form {closed_form}"
            );
        }
    }
}
