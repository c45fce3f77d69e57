//! Statistics that merge: moments, a fixed-size log histogram, and confidence intervals.
//! Pure functions and plain data; no I/O.

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
