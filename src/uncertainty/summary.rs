//! What the parameter sets say together: percentiles of availability and downtime across
//! the sets with the trials' Monte Carlo noise taken out, the share of sets meeting each
//! tier, and which uncertain inputs drive the spread.
//!
//! The noise correction (docs/uncertainty.md, "Two intervals"): a set's estimate is its
//! true value plus noise of known variance (its squared standard error), independent
//! between sets (each set has its own trials). On the scale where the spread is compared
//! (log downtime when every set lost something, else downtime itself), the observed
//! variance is the parameter variance plus the mean noise variance, so each estimate is
//! pulled toward the mean by sqrt(1 - noise share) before percentiles are read. This is
//! exact when both parts are normal on that scale, and the share is reported; above
//! `NOISE_WARNING` a warning asks for more trials.

use indexmap::IndexMap;
use serde::Serialize;
use statrs::statistics::{Data, OrderStatistics};

use super::{Design, SetResult};
use crate::montecarlo::TIERS;
use crate::report::summary::tier_name;
use crate::scenario::uncertain::{Range, UncertainInputs};
use crate::time::MINUTES_PER_YEAR;

/// Noise shares above this are reported with a warning.
pub const NOISE_WARNING: f64 = 0.2;

/// The 5th, 50th and 95th percentiles across parameter sets.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Percentiles {
    pub p05: f64,
    pub p50: f64,
    pub p95: f64,
}

/// One uncertain input (a range, or every range of one name) and how much it matters.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Driver {
    /// The range's name, or its JSON path.
    pub parameter: String,
    /// Every JSON path it stands at.
    pub paths: Vec<String>,
    /// The bounds as written.
    pub between: [serde_json::Value; 2],
    pub prior: &'static str,
    /// Spearman's rank correlation of the input with the sets' downtime: +1, more of it
    /// always means more downtime.
    pub rank_correlation: f64,
    /// Its squared rank correlation as a share of all inputs' (an approximate share of
    /// the spread for roughly additive, monotone effects).
    pub share: f64,
    /// Mean downtime (min/yr) of the sets with the input in the lowest fifth of its range,
    /// and in the highest fifth: the tornado's bar.
    pub downtime_low_fifth: f64,
    pub downtime_high_fifth: f64,
}

/// How much of the spread across sets was Monte Carlo noise, and what was done about it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Noise {
    /// Mean squared standard error of the sets' estimates over the variance between them
    /// (on `scale`): the part of the raw spread that is noise.
    pub share: f64,
    /// "log" (of downtime) or "linear".
    pub scale: &'static str,
    /// The factor each estimate's distance from the mean was multiplied by:
    /// sqrt(1 - share).
    pub shrink: f64,
}

/// The `uncertainty` section of a report.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct UncertaintyReport {
    pub samples: u64,
    pub design: &'static str,
    /// The fewest and most trials one set ran.
    pub trials_per_sample: [u64; 2],
    /// Under `--precision`: how many sets rare-event forcing ran (written only when some
    /// did).
    #[serde(skip_serializing_if = "is_zero")]
    pub forced_sets: u64,
    pub availability: Percentiles,
    pub downtime_minutes_per_year: Percentiles,
    /// Per tier: the share of parameter sets whose availability meets it.
    pub tier_probability: IndexMap<String, f64>,
    /// The uncertain inputs, the strongest driver of the spread first.
    pub drivers: Vec<Driver>,
    pub monte_carlo_noise: Noise,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    /// Each set's availability after the noise correction, in set order (for charts and
    /// checks; not written).
    #[serde(skip)]
    pub set_availability: Vec<f64>,
}

fn is_zero(value: &u64) -> bool {
    *value == 0
}

/// Each value pulled toward the mean by sqrt(1 - noise share), on the log scale when
/// every value is positive: (corrected values, the noise description). `values` are
/// estimates of lost service and `errors` their standard errors.
pub fn corrected(values: &[f64], errors: &[f64]) -> (Vec<f64>, Noise) {
    shrunk(values, errors, values.iter().all(|v| *v > 0.0))
}

/// `corrected` on the linear scale, for values that may be negative (differences).
pub fn corrected_linear(values: &[f64], errors: &[f64]) -> (Vec<f64>, Noise) {
    shrunk(values, errors, false)
}

fn shrunk(values: &[f64], errors: &[f64], log: bool) -> (Vec<f64>, Noise) {
    let (scaled, noise): (Vec<f64>, Vec<f64>) = values
        .iter()
        .zip(errors)
        .map(|(v, e)| {
            if log {
                (v.ln(), (e / v).powi(2))
            } else {
                (*v, e * e)
            }
        })
        .unzip();
    let n = scaled.len() as f64;
    let mean = scaled.iter().sum::<f64>() / n;
    let total = if scaled.len() > 1 {
        scaled.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    let noise_variance = noise.iter().sum::<f64>() / n;
    let share = if total > 0.0 {
        (noise_variance / total).min(1.0)
    } else {
        0.0
    };
    let shrink = (1.0 - share).sqrt();
    // Each set by its own noise: a set whose estimate is noisier moves further toward
    // the mean, so that every corrected value carries the parameter variance alone:
    // k_i^2 (tau^2 + v_i) = tau^2.
    let parameter_variance = (total - noise_variance).max(0.0);
    let corrected = scaled
        .iter()
        .zip(&noise)
        .map(|(y, v)| {
            // Nothing to move by (no spread, or a value known exactly): stay.
            let k = if total > 0.0 && parameter_variance + v > 0.0 {
                (parameter_variance / (parameter_variance + v)).sqrt()
            } else {
                1.0
            };
            let y = mean + k * (y - mean);
            if log {
                y.exp()
            } else {
                y
            }
        })
        .collect();
    (
        corrected,
        Noise {
            share,
            scale: if log { "log" } else { "linear" },
            shrink,
        },
    )
}

/// The 5th, 50th and 95th percentiles (statrs' order statistics).
pub fn percentiles(values: &[f64]) -> Percentiles {
    let mut data = Data::new(values.to_vec());
    Percentiles {
        p05: data.quantile(0.05),
        p50: data.quantile(0.5),
        p95: data.quantile(0.95),
    }
}

/// Ranks with ties sharing their average rank.
fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|a, b| values[*a].total_cmp(&values[*b]));
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0;
        for k in &order[i..=j] {
            ranks[*k] = rank;
        }
        i = j + 1;
    }
    ranks
}

/// Spearman's rank correlation (0 when either side is constant).
pub fn rank_correlation(x: &[f64], y: &[f64]) -> f64 {
    let (rx, ry) = (ranks(x), ranks(y));
    let n = rx.len() as f64;
    let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in rx.iter().zip(&ry) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx).powi(2);
        syy += (b - my).powi(2);
    }
    if sxx > 0.0 && syy > 0.0 {
        sxy / (sxx * syy).sqrt()
    } else {
        0.0
    }
}

impl UncertaintyReport {
    pub fn new(inputs: &UncertainInputs, design: &Design, sets: &[SetResult]) -> Self {
        let (lost, errors) = set_errors(sets);
        let (lost_corrected, noise) = corrected(&lost, &errors);
        let availability: Vec<f64> = lost_corrected.iter().map(|l| 1.0 - l).collect();
        let downtime: Vec<f64> = lost_corrected
            .iter()
            .map(|l| l * MINUTES_PER_YEAR)
            .collect();
        let d = percentiles(&downtime);
        let tier_probability = TIERS
            .iter()
            .map(|tier| {
                let met = lost_corrected
                    .iter()
                    .filter(|l| **l <= (1.0 - tier) * (1.0 + 1e-12))
                    .count();
                (tier_name(*tier), met as f64 / sets.len() as f64)
            })
            .collect();
        let raw_downtime: Vec<f64> = lost.iter().map(|l| l * MINUTES_PER_YEAR).collect();
        let drivers = drivers(&inputs.ranges, design, &raw_downtime);
        let trials: Vec<u64> = sets.iter().map(|s| s.accumulator.trials()).collect();
        let warning = (noise.share > NOISE_WARNING).then(|| {
            format!(
                "{:.0}% of the spread between parameter sets was Monte Carlo noise and was taken out (docs/uncertainty.md); the percentiles are more reliable with more trials per set (--trials, or --precision)",
                noise.share * 100.0
            )
        });
        UncertaintyReport {
            samples: sets.len() as u64,
            design: "latin-hypercube",
            trials_per_sample: [
                trials.iter().copied().min().unwrap_or(0),
                trials.iter().copied().max().unwrap_or(0),
            ],
            availability: Percentiles {
                p05: 1.0 - d.p95 / MINUTES_PER_YEAR,
                p50: 1.0 - d.p50 / MINUTES_PER_YEAR,
                p95: 1.0 - d.p05 / MINUTES_PER_YEAR,
            },
            downtime_minutes_per_year: d,
            tier_probability,
            drivers,
            forced_sets: sets.iter().filter(|s| s.forced).count() as u64,
            monte_carlo_noise: noise,
            warning,
            set_availability: availability,
        }
    }
}

/// Each set's lost service and its standard error. A set in which no trial lost anything
/// has a sample error of 0, which would let the correction keep it as exact (and count it
/// as meeting every tier): it gets the rule-of-three error instead. With at most 3/n of
/// its trials losing service (95%), each losing L (the mean loss of a losing trial over all
/// sets), the variance of its mean is at most (3/n) L^2 / n: s.e. = sqrt(3) L / n.
pub fn set_errors(sets: &[SetResult]) -> (Vec<f64>, Vec<f64>) {
    let (total, losing) = sets.iter().fold((0.0, 0u64), |(total, losing), s| {
        let a = &s.accumulator;
        (
            total + a.downtime_fraction.mean() * a.trials() as f64,
            losing + a.trials_with_downtime,
        )
    });
    let loss_per_losing_trial = if losing > 0 {
        total / losing as f64
    } else {
        0.0
    };
    sets.iter()
        .map(|s| {
            let (lost, error) = s.lost();
            let trials = s.accumulator.trials().max(1) as f64;
            if s.accumulator.trials_with_downtime == 0 {
                (lost, 3f64.sqrt() * loss_per_losing_trial / trials)
            } else {
                (lost, error)
            }
        })
        .unzip()
}

fn drivers(ranges: &[Range], design: &Design, downtime: &[f64]) -> Vec<Driver> {
    let mut drivers: Vec<Driver> = design
        .keys
        .iter()
        .enumerate()
        .map(|(column, key)| {
            let members: Vec<&Range> = ranges.iter().filter(|r| r.key() == key).collect();
            let first = members[0];
            let quantiles: Vec<f64> = design.quantiles.iter().map(|q| q[column]).collect();
            let fifth = |low: bool| {
                let chosen: Vec<f64> = quantiles
                    .iter()
                    .zip(downtime)
                    .filter(|(u, _)| if low { **u < 0.2 } else { **u >= 0.8 })
                    .map(|(_, d)| *d)
                    .collect();
                chosen.iter().sum::<f64>() / chosen.len().max(1) as f64
            };
            Driver {
                parameter: key.clone(),
                paths: members.iter().map(|r| r.path.clone()).collect(),
                between: first.written.clone(),
                prior: first.prior.name(),
                rank_correlation: rank_correlation(&quantiles, downtime),
                share: 0.0,
                downtime_low_fifth: fifth(true),
                downtime_high_fifth: fifth(false),
            }
        })
        .collect();
    let total: f64 = drivers.iter().map(|d| d.rank_correlation.powi(2)).sum();
    for driver in &mut drivers {
        driver.share = if total > 0.0 {
            driver.rank_correlation.powi(2) / total
        } else {
            0.0
        };
    }
    drivers.sort_by(|a, b| {
        b.rank_correlation
            .abs()
            .total_cmp(&a.rank_correlation.abs())
            .then_with(|| a.parameter.cmp(&b.parameter))
    });
    drivers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_and_correlation() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![2.5, 0.0, 2.5, 1.0]);
        let x = [1.0, 2.0, 3.0, 4.0];
        assert!((rank_correlation(&x, &[10.0, 20.0, 25.0, 100.0]) - 1.0).abs() < 1e-12);
        assert!((rank_correlation(&x, &[4.0, 3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
        assert_eq!(rank_correlation(&x, &[1.0; 4]), 0.0);
    }

    #[test]
    fn noise_correction_recovers_the_parameter_spread() {
        // Values exp(z_i) with z_i spread sd 1, observed with log-noise of sd 0.5: the
        // corrected values' log spread is back to about 1.
        let n = 4000;
        let mut values = Vec::new();
        let mut errors = Vec::new();
        let mut state = 12345u64;
        let mut normal = || {
            // Box-Muller from a small LCG: deterministic and enough for a unit test.
            let mut next = || {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
            };
            let (a, b) = (next(), next());
            (-2.0 * a.ln()).sqrt() * (std::f64::consts::TAU * b).cos()
        };
        for _ in 0..n {
            let truth: f64 = normal();
            let noisy = truth + 0.5 * normal();
            values.push(noisy.exp());
            errors.push(0.5 * noisy.exp());
        }
        let (fixed, noise) = corrected(&values, &errors);
        assert_eq!(noise.scale, "log");
        assert!((noise.share - 0.2).abs() < 0.03, "{}", noise.share);
        let logs: Vec<f64> = fixed.iter().map(|v| v.ln()).collect();
        let mean = logs.iter().sum::<f64>() / n as f64;
        let sd = (logs.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
        assert!((sd - 1.0).abs() < 0.05, "{sd}");
        // Without noise nothing moves.
        let (same, none) = corrected(&[1.0, 2.0, 4.0], &[0.0; 3]);
        assert_eq!(none.shrink, 1.0);
        for (a, b) in same.iter().zip([1.0, 2.0, 4.0]) {
            assert!((a - b).abs() < 1e-12);
        }
    }
}
