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

/// The standard normal quantile (inverse CDF) by Acklam's rational approximation
/// (relative error below 1.2e-9 on (0, 1)). Used for one-sided confidence bounds at a
/// stated confidence.
pub fn normal_quantile(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let low = 0.02425;
    if p < low {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - low {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantiles() {
        assert!((normal_quantile(0.975) - Z95).abs() < 1e-6);
        assert!((normal_quantile(0.95) - 1.644_853_626_951_472).abs() < 1e-6);
        assert!((normal_quantile(0.5)).abs() < 1e-9);
        assert!((normal_quantile(0.01) + 2.326_347_874_040_841).abs() < 1e-6);
    }
}
