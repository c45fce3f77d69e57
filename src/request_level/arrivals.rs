//! Request arrivals at the entry: a Poisson process whose rate is `peak_rps` times the
//! hour's value of the traffic profile (piecewise constant by hour, trials starting at hour
//! 0, as in the fluid engine).

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::Exp1;

use crate::scenario::Traffic;
use crate::time::{ticks_from_f64, Ticks, TICKS_PER_SECOND};

pub const HOUR: Ticks = 3_600_000_000;

/// The time of the first arrival after `now` and before `horizon`, or `None`. An exponential
/// gap is drawn at the current hour's rate; if it crosses the hour's end the draw is
/// discarded and a new one starts there (the process is memoryless, so this is exact).
pub fn next_arrival(
    traffic: &Traffic,
    rng: &mut ChaCha8Rng,
    now: Ticks,
    horizon: Ticks,
) -> Option<Ticks> {
    let mut from = now;
    while from < horizon {
        let hour_end = (from / HOUR + 1) * HOUR;
        let rate = traffic.peak_rps * traffic.hourly[((from / HOUR) % 24) as usize];
        if rate > 0.0 {
            let gap: f64 = rng.sample(Exp1);
            let at = from as f64 + gap / rate * TICKS_PER_SECOND;
            if at < hour_end as f64 {
                let at = ticks_from_f64(at).max(now);
                return (at < horizon).then_some(at);
            }
        }
        from = hour_end;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    /// The count over a day matches the profile's integral (Poisson: within 5 sd).
    #[test]
    fn arrivals_follow_the_hourly_profile() {
        let traffic = Traffic::diurnal(2.0, 0.2, 14.0);
        let mut rng = stream(7, 0, 1);
        let horizon = 24 * HOUR * 20;
        let (mut count, mut now, mut night) = (0u64, 0, 0u64);
        while let Some(at) = next_arrival(&traffic, &mut rng, now, horizon) {
            count += 1;
            if (at / HOUR) % 24 == 2 {
                night += 1;
            }
            now = at;
        }
        let expected = traffic.hourly.iter().sum::<f64>() * 3600.0 * 2.0 * 20.0;
        assert!(
            (count as f64 - expected).abs() < 5.0 * expected.sqrt(),
            "{count} vs {expected}"
        );
        let expected_night = traffic.hourly[2] * 3600.0 * 2.0 * 20.0;
        assert!((night as f64 - expected_night).abs() < 5.0 * expected_night.sqrt());
    }
}
