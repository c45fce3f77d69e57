//! Simulated time: an integer count of microseconds.
//!
//! Integer ticks keep event ordering exact (no rounding drift between two ways of adding
//! the same durations) and a `u64` of microseconds spans about 584,000 years, so horizons
//! of centuries cannot overflow. Additions saturate: a draw past the end of time is simply
//! "never", which the engine treats as beyond the horizon.

/// A point in simulated time or a length of time, in microseconds.
pub type Ticks = u64;

/// Ticks per second.
pub const TICKS_PER_SECOND: f64 = 1_000_000.0;

/// Ticks in one year of 365 days (the SLA-table year, 8,760 hours).
pub const TICKS_PER_YEAR: Ticks = 365 * 24 * 3600 * 1_000_000;

/// Minutes in one year of 365 days.
pub const MINUTES_PER_YEAR: f64 = 525_600.0;

/// The longest horizon a scenario may ask for: far below the `u64` limit, so that a
/// horizon plus any repair time still fits.
pub const MAX_HORIZON: Ticks = 10_000 * TICKS_PER_YEAR;

/// Converts a non-negative length in ticks given as a float to whole ticks, rounding to the
/// nearest tick. Saturates on huge values and maps NaN to 0, so a sampled draw can never
/// panic or wrap.
#[inline]
pub fn ticks_from_f64(value: f64) -> Ticks {
    // `as` saturates for out-of-range floats and sends NaN to 0: exactly what we want.
    (value + 0.5) as Ticks
}

/// Length in ticks as years (365 days).
pub fn ticks_to_years(ticks: Ticks) -> f64 {
    ticks as f64 / TICKS_PER_YEAR as f64
}

/// Length in ticks as minutes.
pub fn ticks_to_minutes(ticks: Ticks) -> f64 {
    ticks as f64 / (60.0 * TICKS_PER_SECOND)
}

/// The first instant at or after `now` of the form `phase + k * period`: when a periodic
/// check (active health checks, in both engines, and DNS checks) next runs. Saturates at
/// the end of time.
pub fn next_tick(now: Ticks, phase: Ticks, period: Ticks) -> Ticks {
    if now <= phase {
        phase
    } else {
        phase.saturating_add((now - phase).div_ceil(period).saturating_mul(period))
    }
}

/// `start + k * step`, saturating: the k-th of a series of periodic instants (a check
/// threshold, a drain step), which is simply "never" past the end of time.
pub fn after_steps(start: Ticks, step: Ticks, k: u64) -> Ticks {
    start.saturating_add(step.saturating_mul(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_round_and_saturate() {
        assert_eq!(ticks_from_f64(0.4), 0);
        assert_eq!(ticks_from_f64(0.6), 1);
        assert_eq!(ticks_from_f64(f64::NAN), 0);
        assert_eq!(ticks_from_f64(f64::INFINITY), u64::MAX);
        assert_eq!(ticks_to_years(TICKS_PER_YEAR), 1.0);
        assert_eq!(ticks_to_minutes(60_000_000), 1.0);
        assert!(MAX_HORIZON.checked_mul(2).is_some());
    }

    #[test]
    fn periodic_instants_saturate_at_the_end_of_time() {
        assert_eq!(next_tick(Ticks::MAX, 1, Ticks::MAX / 2), Ticks::MAX);
        assert_eq!(next_tick(25, 3, 10), 33);
        assert_eq!(after_steps(5, 10, 3), 35);
        assert_eq!(after_steps(5, Ticks::MAX / 2, 3), Ticks::MAX);
    }
}
