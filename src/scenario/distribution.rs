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

/// A failure clock forced into, or out of, a window (rare-event acceleration, see
/// docs/design/rare-events.md): the draw and its likelihood-ratio factor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Forced {
    /// Time from the clock's current age to its failure, in ticks.
    pub delay: f64,
    /// True when it fell inside the window.
    pub inside: bool,
    /// f / g of the draw: pi / p inside, (1 - pi) / (1 - p) after.
    pub factor: f64,
}

impl Distribution {
    /// P(X > x) for a duration of `x` ticks; `None` where there is no closed form to
    /// force with (a sum of parts).
    pub fn survival(&self, x: f64) -> Option<f64> {
        use statrs::distribution::ContinuousCDF;
        if x <= 0.0 {
            return Some(1.0);
        }
        Some(match self {
            Distribution::Exponential { mean } => (-x / mean).exp(),
            Distribution::Constant { value } => f64::from(u8::from(x < *value as f64)),
            Distribution::Uniform { min, max } => ((max - x) / (max - min)).clamp(0.0, 1.0),
            Distribution::Weibull { shape, scale } => (-(x / scale).powf(*shape)).exp(),
            Distribution::Lognormal { median, sigma } => {
                statrs::distribution::LogNormal::new(median.ln(), *sigma)
                    .ok()?
                    .sf(x)
            }
            Distribution::Gamma { shape, mean, .. } => {
                statrs::distribution::Gamma::new(*shape, shape / mean)
                    .ok()?
                    .sf(x)
            }
            Distribution::Empirical { values } => {
                values.iter().filter(|v| **v as f64 > x).count() as f64 / values.len() as f64
            }
            Distribution::Sum { .. } => return None,
        })
    }

    /// The duration at which the survival function falls to `s` in (0, 1]: the inverse
    /// of `survival` (for an empirical distribution, the smallest value with at most `s`
    /// of the values above it); `None` where `survival` is.
    pub fn inverse_survival(&self, s: f64) -> Option<f64> {
        use statrs::distribution::ContinuousCDF;
        let s = s.clamp(f64::MIN_POSITIVE, 1.0);
        Some(match self {
            Distribution::Exponential { mean } => -mean * s.ln(),
            Distribution::Constant { value } => *value as f64,
            Distribution::Uniform { min, max } => max - s * (max - min),
            Distribution::Weibull { shape, scale } => scale * (-s.ln()).powf(1.0 / shape),
            Distribution::Lognormal { median, sigma } => {
                statrs::distribution::LogNormal::new(median.ln(), *sigma)
                    .ok()?
                    .inverse_cdf(1.0 - s)
            }
            Distribution::Gamma { shape, mean, .. } => {
                statrs::distribution::Gamma::new(*shape, shape / mean)
                    .ok()?
                    .inverse_cdf(1.0 - s)
            }
            Distribution::Empirical { values } => {
                let mut sorted: Vec<f64> = values.iter().map(|v| *v as f64).collect();
                sorted.sort_by(f64::total_cmp);
                let n = sorted.len();
                // At most s x n values strictly above: index n - floor(s n) - 1.
                let above = (s * n as f64).floor() as usize;
                sorted[n.saturating_sub(above + 1).min(n - 1)]
            }
            Distribution::Sum { .. } => return None,
        })
    }

    /// Forces the failure of a clock of age `age` (ticks since it started) into the window
    /// of the next `window` ticks with probability `p`, or after it: the conditional draw
    /// by inversion of the survival function from the uniform `u`, decided by the uniform
    /// `coin`. With pi = P(fail in the window | survived to age), the factor is pi / p
    /// inside and (1 - pi) / (1 - p) after, so E[factor x anything] under forcing equals
    /// its expectation without. `None` when the window cannot be forced (pi is 0 or 1, or
    /// no survival function).
    pub fn force(&self, age: f64, window: f64, u: f64, coin: f64, p: f64) -> Option<Forced> {
        let start = self.survival(age)?;
        let end = self.survival(age + window)?;
        if start <= 0.0 {
            return None;
        }
        let pi = (start - end) / start;
        if !(pi > 0.0 && pi < 1.0 && p > 0.0 && p < 1.0) {
            return None;
        }
        let inside = coin < p;
        let target = if inside {
            end + u * (start - end)
        } else {
            u * end
        };
        let at = self.inverse_survival(target.max(f64::MIN_POSITIVE))?;
        // Inversion can round just across the window's edge: keep the draw on its side.
        let delay = if inside {
            (at - age).clamp(0.0, window)
        } else {
            (at - age).max(window)
        };
        Some(Forced {
            delay,
            inside,
            factor: if inside {
                pi / p
            } else {
                (1.0 - pi) / (1.0 - p)
            },
        })
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

    fn continuous_cases() -> Vec<Distribution> {
        vec![
            Distribution::Exponential { mean: 1e6 },
            Distribution::Uniform { min: 1e6, max: 3e6 },
            Distribution::Weibull {
                shape: 0.8,
                scale: 1e6,
            },
            Distribution::Lognormal {
                median: 1e6,
                sigma: 1.0,
            },
            Distribution::Gamma {
                shape: 2.0,
                mean: 1e6,
                sampler: Gamma::new(2.0, 1e6 / 2.0).unwrap(),
            },
        ]
    }

    /// The inverse survival function undoes the survival function, and the survival
    /// function matches the empirical one of 200k draws (seed 7) within 4 standard errors.
    #[test]
    fn survival_functions_invert_and_match_draws() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for distribution in continuous_cases() {
            let draws: Vec<f64> = (0..200_000)
                .map(|_| distribution.sample(&mut rng) as f64)
                .collect();
            for x in [0.3e6, 1e6, 2.5e6] {
                let s = distribution.survival(x).unwrap();
                if s > 1e-9 && s < 1.0 {
                    let back = distribution.inverse_survival(s).unwrap();
                    assert!((back - x).abs() < 1e-6 * x, "{distribution:?} {x} {back}");
                }
                let seen = draws.iter().filter(|d| **d > x).count() as f64 / draws.len() as f64;
                let se = (s * (1.0 - s) / draws.len() as f64).sqrt().max(1e-6);
                assert!(
                    (seen - s).abs() < 4.0 * se,
                    "{distribution:?} at {x}: {seen} vs {s}"
                );
            }
        }
        assert!(Distribution::Sum { parts: vec![] }.survival(1.0).is_none());
    }

    /// Forcing keeps every expectation: over many (u, coin) pairs, the factor-weighted share
    /// of draws inside the window is pi, the weighted mean delay equals the conditional
    /// mean computed by numerical integration of the survival function, and every draw
    /// lies on its side of the window's edge.
    #[test]
    fn forcing_is_unbiased_with_its_factor() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for distribution in continuous_cases() {
            let (age, window, p) = (1.2e6, 0.4e6, 0.8);
            let start = distribution.survival(age).unwrap();
            let pi = (start - distribution.survival(age + window).unwrap()) / start;
            let n = 200_000;
            let (mut inside, mut mean_delay) = (0.0, 0.0);
            for _ in 0..n {
                let forced = distribution
                    .force(age, window, rng.random(), rng.random(), p)
                    .unwrap();
                assert_eq!(forced.inside, forced.delay <= window);
                let capped = forced.delay.min(4e6);
                inside += f64::from(u8::from(forced.inside)) * forced.factor;
                mean_delay += capped * forced.factor;
            }
            inside /= n as f64;
            mean_delay /= n as f64;
            // The weighted indicator has variance pi^2 (1/p - 1): 4 of its standard errors.
            let se = pi * ((1.0 / p - 1.0) / n as f64).sqrt();
            assert!(
                (inside - pi).abs() < 4.0 * se,
                "{distribution:?}: {inside} vs {pi}"
            );
            // E[min(X - age, 4e6) | X > age] = integral of S(age + t) / S(age) over [0, 4e6].
            let steps = 40_000;
            let h = 4e6 / steps as f64;
            let exact: f64 = (0..steps)
                .map(|i| distribution.survival(age + (i as f64 + 0.5) * h).unwrap() / start * h)
                .sum();
            assert!(
                (mean_delay - exact).abs() < 0.02 * exact,
                "{distribution:?}: {mean_delay} vs {exact}"
            );
        }
    }

    #[test]
    fn an_empirical_distribution_forces_by_counting() {
        let d = Distribution::Empirical {
            values: vec![1, 2, 3, 4],
        };
        assert_eq!(d.survival(2.5), Some(0.5));
        assert_eq!(d.inverse_survival(0.5), Some(2.0));
        assert_eq!(d.inverse_survival(1.0), Some(1.0));
        // Age 1.5 (survival 3/4), window 1: pi = (3/4 - 2/4) / (3/4) = 1/3.
        let forced = d.force(1.5, 1.0, 0.5, 0.1, 0.8).unwrap();
        assert!((forced.factor - (1.0 / 3.0) / 0.8).abs() < 1e-12);
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
