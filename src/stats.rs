//! Statistics that merge: moments, a fixed-size log histogram, and confidence intervals.
//! Pure functions and plain data; no I/O.

pub mod bits;
mod histogram;
mod moments;

pub use histogram::LogHistogram;
pub use moments::{Moments, PairMoments};

/// The 97.5% quantile of the standard normal: a 95% two-sided interval is mean +- Z95 * se.
pub const Z95: f64 = 1.959_963_984_540_054;

/// A 95% normal-approximation confidence interval for a mean, clamped to `[low, high]`.
pub fn confidence_interval(mean: f64, std_error: f64, low: f64, high: f64) -> [f64; 2] {
    [
        (mean - Z95 * std_error).clamp(low, high),
        (mean + Z95 * std_error).clamp(low, high),
    ]
}

/// The standard normal quantile (inverse CDF), from statrs (the maintained implementation,
/// through the inverse complementary error function). Used for one-sided confidence
/// bounds at a stated confidence; infinite at 0 and 1.
pub fn normal_quantile(p: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    Normal::standard().inverse_cdf(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantiles() {
        assert!((normal_quantile(0.975) - Z95).abs() < 1e-12);
        assert!((normal_quantile(0.95) - 1.644_853_626_951_472).abs() < 1e-12);
        assert!((normal_quantile(0.5)).abs() < 1e-9);
        assert!((normal_quantile(0.01) + 2.326_347_874_040_841).abs() < 1e-12);
    }
}
