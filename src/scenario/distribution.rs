//! Distributions of durations and how to draw from them.
//!
//! Parameters are stored in ticks so that a draw is one multiplication away from a time.
//! Every distribution here was validated when the scenario loaded, so sampling cannot fail.

use rand::Rng;
use rand_distr::{Distribution as _, Exp1, Gamma, StandardNormal};

use crate::time::{ticks_from_f64, Ticks};

/// A checked distribution of a non-negative duration.
#[derive(Debug, Clone)]
pub enum Distribution {
    /// Exponential with the given mean (memoryless; the MTBF/MTTR shorthand).
    Exponential { mean: f64 },
    /// Always the same length.
    Constant { value: Ticks },
    /// Uniform between `min` and `max`.
    Uniform { min: f64, max: f64 },
    /// Weibull with shape `k` and scale `lambda`: `lambda * E^(1/k)` with `E ~ Exp(1)`.
    Weibull { shape: f64, scale: f64 },
    /// Lognormal: `median * exp(sigma * Z)` with `Z ~ N(0, 1)`.
    Lognormal { median: f64, sigma: f64 },
    /// Gamma with the given shape and mean (scale = mean / shape).
    Gamma {
        shape: f64,
        mean: f64,
        sampler: Gamma<f64>,
    },
    /// One of the listed values, each equally likely.
    Empirical { values: Vec<Ticks> },
    /// The sum of one draw from each part, in order (an alert rule, then a page, then a
    /// diagnosis). `{"alert": ...}` and named `responses` compile to this.
    Sum { parts: Vec<Distribution> },
}

impl Distribution {
    /// Draws one duration in ticks.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Ticks {
        match self {
            Distribution::Exponential { mean } => {
                let unit: f64 = rng.sample(Exp1);
                ticks_from_f64(mean * unit)
            }
            Distribution::Constant { value } => *value,
            Distribution::Uniform { min, max } => {
                let fraction: f64 = rng.random();
                ticks_from_f64(min + fraction * (max - min))
            }
            Distribution::Weibull { shape, scale } => {
                let unit: f64 = rng.sample(Exp1);
                ticks_from_f64(scale * unit.powf(1.0 / shape))
            }
            Distribution::Lognormal { median, sigma } => {
                let normal: f64 = rng.sample(StandardNormal);
                ticks_from_f64(median * (sigma * normal).exp())
            }
            Distribution::Gamma { sampler, .. } => ticks_from_f64(sampler.sample(rng)),
            Distribution::Empirical { values } => values[rng.random_range(0..values.len())],
            Distribution::Sum { parts } => sample_sum(parts, rng),
        }
    }

    /// The distribution's mean in ticks (used in docs, summaries and tests).
    pub fn mean(&self) -> f64 {
        match self {
            Distribution::Exponential { mean } | Distribution::Gamma { mean, .. } => *mean,
            Distribution::Constant { value } => *value as f64,
            Distribution::Uniform { min, max } => (min + max) / 2.0,
            Distribution::Weibull { shape, scale } => scale * gamma_function(1.0 + 1.0 / shape),
            Distribution::Lognormal { median, sigma } => median * (sigma * sigma / 2.0).exp(),
            Distribution::Empirical { values } => {
                values.iter().map(|v| *v as f64).sum::<f64>() / values.len() as f64
            }
            Distribution::Sum { parts } => parts.iter().map(Distribution::mean).sum(),
        }
    }

    /// True for the exponential distribution, whose closed forms the tests rely on.
    pub fn is_exponential(&self) -> bool {
        matches!(self, Distribution::Exponential { .. })
    }
}

/// One draw of each part, added. Out of line so that `sample` itself is not recursive and
/// stays inlinable in the engine's hot loops.
#[inline(never)]
fn sample_sum<R: Rng + ?Sized>(parts: &[Distribution], rng: &mut R) -> Ticks {
    parts.iter().fold(0, |total: Ticks, part| {
        total.saturating_add(part.sample(rng))
    })
}

/// The gamma function by the Lanczos approximation (g = 7, n = 9), accurate to about 1e-15
/// for the positive arguments a Weibull mean needs.
pub fn gamma_function(x: f64) -> f64 {
    const COEFFICIENTS: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection formula.
        std::f64::consts::PI / ((std::f64::consts::PI * x).sin() * gamma_function(1.0 - x))
    } else {
        let x = x - 1.0;
        let mut sum = COEFFICIENTS[0];
        let t = x + 7.5;
        for (i, c) in COEFFICIENTS.iter().enumerate().skip(1) {
            sum += c / (x + i as f64);
        }
        (2.0 * std::f64::consts::PI).sqrt() * t.powf(x + 0.5) * (-t).exp() * sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn sample_mean(distribution: &Distribution, draws: usize) -> f64 {
        let mut rng = ChaCha8Rng::seed_from_u64(42);
        (0..draws)
            .map(|_| distribution.sample(&mut rng) as f64)
            .sum::<f64>()
            / draws as f64
    }

    #[test]
    fn gamma_function_matches_known_values() {
        assert!((gamma_function(5.0) - 24.0).abs() < 1e-10);
        assert!((gamma_function(0.5) - std::f64::consts::PI.sqrt()).abs() < 1e-12);
        assert!((gamma_function(1.5) - 0.886_226_925_452_758).abs() < 1e-12);
    }

    /// Sample means within 5 standard errors of the analytic mean (seed 42, 200k draws).
    #[test]
    fn sample_means_match_analytic_means() {
        let cases = [
            Distribution::Exponential { mean: 1e6 },
            Distribution::Uniform { min: 1e6, max: 3e6 },
            Distribution::Weibull {
                shape: 2.0,
                scale: 1e6,
            },
            Distribution::Lognormal {
                median: 1e6,
                sigma: 0.5,
            },
            Distribution::Gamma {
                shape: 3.0,
                mean: 1e6,
                sampler: Gamma::new(3.0, 1e6 / 3.0).unwrap(),
            },
            Distribution::Empirical {
                values: vec![1_000_000, 2_000_000, 6_000_000],
            },
            Distribution::Sum {
                parts: vec![
                    Distribution::Constant { value: 2_000_000 },
                    Distribution::Uniform { min: 0.0, max: 1e6 },
                    Distribution::Exponential { mean: 1e6 },
                ],
            },
        ];
        for distribution in &cases {
            let draws = 200_000;
            let mean = distribution.mean();
            // Every case above has a coefficient of variation below 1.2.
            let standard_error = 1.2 * mean / (draws as f64).sqrt();
            let observed = sample_mean(distribution, draws);
            assert!(
                (observed - mean).abs() < 5.0 * standard_error,
                "{distribution:?}: {observed} vs {mean}"
            );
        }
    }
}
