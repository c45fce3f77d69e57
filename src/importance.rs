//! Estimates from importance-sampled trials (rare-event forcing, `engine::bias`): the
//! diagnostics of the weights, Hall's skewness-corrected interval, and the guards a run
//! must pass before it may stop at its precision (docs/precision.md, "Rare events").
//!
//! Every trial gives Y = L x X, its likelihood ratio L times what it measured X; the
//! accumulator's moments are moments of Y, so their means are unbiased and their standard
//! errors the usual ones. This module adds what only weighted runs need.

use serde::Serialize;

use crate::montecarlo::TIERS;
use crate::stats::Moments;

/// z for a two-sided 95% interval.
const Z95: f64 = 1.959_963_984_540_054;

/// Trials with any lost service a run must have seen before it may stop.
pub const MIN_HITS: u64 = 100;
/// The largest single trial's share of the summed Y above which a run may not stop: one
/// trial dominating means the weights have degenerated.
pub const MAX_SHARE: f64 = 0.05;

/// What weighted trials add to a `RunAccumulator`, mergeable in trial order like the rest.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImportanceStats {
    /// The likelihood ratios: their mean must be 1 (a built-in check).
    pub weight: Moments,
    pub weight_sq_sum: f64,
    /// Sums of Y, Y^2 and Y^3 (Y = L x lost fraction), for the skewness.
    pub y_sums: [f64; 3],
    /// L x X^2: its mean estimates E[X^2] without forcing, for the equivalent plain trials.
    pub x_squared: Moments,
    /// The largest Y of one trial.
    pub max_y: f64,
    /// Trials with any lost service (unweighted).
    pub hits: u64,
    /// Per tier: L x 1{the trial missed it}; the complement is rare, so it is estimated.
    pub tier_miss: [Moments; TIERS.len()],
    /// L x 1{any lost service}.
    pub any_loss: Moments,
}

impl ImportanceStats {
    pub fn add(&mut self, weight: f64, lost: f64) {
        let y = weight * lost;
        self.weight.add(weight);
        self.weight_sq_sum += weight * weight;
        self.y_sums[0] += y;
        self.y_sums[1] += y * y;
        self.y_sums[2] += y * y * y;
        self.x_squared.add(weight * lost * lost);
        self.max_y = self.max_y.max(y);
        self.hits += u64::from(lost > 0.0);
        for (miss, tier) in self.tier_miss.iter_mut().zip(TIERS) {
            let missed = lost > (1.0 - tier) * (1.0 + 1e-12);
            miss.add(if missed { weight } else { 0.0 });
        }
        self.any_loss.add(if lost > 0.0 { weight } else { 0.0 });
    }

    pub fn merge(&mut self, other: &ImportanceStats) {
        self.weight.merge(&other.weight);
        self.weight_sq_sum += other.weight_sq_sum;
        for (mine, theirs) in self.y_sums.iter_mut().zip(other.y_sums) {
            *mine += theirs;
        }
        self.x_squared.merge(&other.x_squared);
        self.max_y = self.max_y.max(other.max_y);
        self.hits = self.hits.saturating_add(other.hits);
        for (mine, theirs) in self.tier_miss.iter_mut().zip(&other.tier_miss) {
            mine.merge(theirs);
        }
        self.any_loss.merge(&other.any_loss);
    }

    /// The sample skewness of Y.
    fn skewness(&self) -> f64 {
        let n = self.weight.count() as f64;
        if n < 3.0 {
            return 0.0;
        }
        let mean = self.y_sums[0] / n;
        let m2 = (self.y_sums[1] / n - mean * mean).max(0.0);
        let m3 = self.y_sums[2] / n - 3.0 * mean * self.y_sums[1] / n + 2.0 * mean.powi(3);
        if m2 <= 0.0 {
            0.0
        } else {
            m3 / m2.powf(1.5)
        }
    }

    /// Hall's skewness-corrected 95% interval of the mean of Y, given the moments of Y
    /// (`downtime`): wider on the side where rare large contributions may be missing.
    pub fn interval(&self, downtime: &Moments) -> [f64; 2] {
        hall_interval(
            downtime.mean(),
            downtime.std_error() * (downtime.count() as f64).sqrt(),
            self.skewness(),
            downtime.count(),
        )
    }

    /// The relative half-width of Hall's interval (its wider side over the mean): the
    /// precision reached; infinite while nothing was seen.
    pub fn relative_half_width(&self, downtime: &Moments) -> f64 {
        let mean = downtime.mean();
        if downtime.count() < 2 || mean <= 0.0 {
            return f64::INFINITY;
        }
        let [low, high] = self.interval(downtime);
        (mean - low).max(high - mean) / mean
    }

    /// Whether the run may stop: enough hits, no trial dominating, and mean weight 1
    /// within 4 standard errors.
    pub fn guards_pass(&self) -> bool {
        self.hits >= MIN_HITS && self.max_share() <= MAX_SHARE && self.weight_check()
    }

    /// Mean weight within 4 standard errors of 1.
    pub fn weight_check(&self) -> bool {
        (self.weight.mean() - 1.0).abs() <= 4.0 * self.weight.std_error()
    }

    /// The largest single trial's share of the summed Y.
    pub fn max_share(&self) -> f64 {
        if self.y_sums[0] > 0.0 {
            self.max_y / self.y_sums[0]
        } else {
            1.0
        }
    }

    /// Kish's effective sample size of the weights, (sum L)^2 / sum L^2.
    pub fn kish(&self) -> f64 {
        let sum = self.weight.mean() * self.weight.count() as f64;
        if self.weight_sq_sum > 0.0 {
            sum * sum / self.weight_sq_sum
        } else {
            0.0
        }
    }

    /// How many plain trials would give the same standard error: n x Var_plain(X) /
    /// Var(Y), with Var_plain(X) estimated by mean(L X^2) - mean(Y)^2.
    pub fn equivalent_plain_trials(&self, downtime: &Moments) -> f64 {
        let n = downtime.count() as f64;
        let mean = downtime.mean();
        let plain_variance = (self.x_squared.mean() - mean * mean).max(0.0);
        let variance = downtime.std_error().powi(2) * n;
        if variance > 0.0 {
            n * plain_variance / variance
        } else {
            0.0
        }
    }
}

/// Hall's (1992) skewness-corrected interval for a mean, in the form of Zhou & Dinh
/// (Biostatistics 6, 2005): with the sample mean `mean`, standard deviation `sd`,
/// skewness `skew` of `n` values, [mean - sd g^-1(z / sqrt n), mean - sd g^-1(-z / sqrt n)]
/// where g^-1(t) = (3 / skew) [(1 + skew (t - skew / (6 n)))^(1/3) - 1]. With no skewness
/// it is the normal interval.
pub fn hall_interval(mean: f64, sd: f64, skew: f64, n: u64) -> [f64; 2] {
    hall_bounds(mean, sd, skew, n, Z95)
}

/// Hall's bounds at the normal quantile `z` (1.96 for a two-sided 95% interval; 1.645 for
/// one-sided 95% bounds).
pub fn hall_bounds(mean: f64, sd: f64, skew: f64, n: u64, z: f64) -> [f64; 2] {
    let n = n.max(1) as f64;
    let t = z / n.sqrt();
    let inverse = |t: f64| {
        if skew.abs() < 1e-9 {
            t
        } else {
            3.0 / skew * ((1.0 + skew * (t - skew / (6.0 * n))).cbrt() - 1.0)
        }
    };
    [mean - sd * inverse(t), mean - sd * inverse(-t)]
}

/// The diagnostics of an importance-sampled run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeightReport {
    pub trials: u64,
    /// Trials with any lost service.
    pub trials_with_downtime: u64,
    /// Kish's (sum L)^2 / sum L^2.
    pub effective_sample_size: f64,
    /// Plain Monte Carlo trials that would give the same standard error.
    pub equivalent_plain_trials: f64,
    pub mean_weight: f64,
    pub mean_weight_std_error: f64,
    /// The largest single trial's share of the estimate.
    pub max_weight_share: f64,
    /// Failure clocks that forcing can move.
    pub forced_clocks: usize,
    /// Skewness of the weighted per-trial values (Hall's interval corrects for it).
    pub skewness: f64,
    /// Set when a diagnostic failed at the end of the run (the estimate is still shown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

impl WeightReport {
    pub fn new(stats: &ImportanceStats, downtime: &Moments, forced_clocks: usize) -> Self {
        let warning = (!stats.guards_pass()).then(|| {
            format!(
                "weight diagnostics failed: {} trials with downtime (need {MIN_HITS}), \
                 largest trial {:.1}% of the estimate (at most {:.0}%), mean weight {:.4} \
                 +/- {:.4} (must be 1 within 4 s.e.)",
                stats.hits,
                stats.max_share() * 100.0,
                MAX_SHARE * 100.0,
                stats.weight.mean(),
                stats.weight.std_error()
            )
        });
        WeightReport {
            trials: downtime.count(),
            trials_with_downtime: stats.hits,
            effective_sample_size: stats.kish(),
            equivalent_plain_trials: stats.equivalent_plain_trials(downtime),
            mean_weight: stats.weight.mean(),
            mean_weight_std_error: stats.weight.std_error(),
            max_weight_share: stats.max_share(),
            forced_clocks,
            skewness: stats.skewness(),
            warning,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hall_is_normal_without_skew_and_widens_the_heavy_side() {
        let [low, high] = hall_interval(1.0, 2.0, 0.0, 100);
        assert!((low - (1.0 - Z95 * 0.2)).abs() < 1e-12);
        assert!((high - (1.0 + Z95 * 0.2)).abs() < 1e-12);
        let [low, high] = hall_interval(1.0, 2.0, 5.0, 100);
        assert!(
            1.0 - low < Z95 * 0.2 && high - 1.0 > Z95 * 0.2,
            "{low} {high}"
        );
    }

    #[test]
    fn diagnostics_of_equal_weights_are_those_of_plain_trials() {
        let mut stats = ImportanceStats::default();
        let mut downtime = Moments::default();
        for i in 0..1000 {
            let x = if i % 10 == 0 { 1e-4 } else { 0.0 };
            stats.add(1.0, x);
            downtime.add(x);
        }
        assert_eq!(stats.hits, 100);
        assert!((stats.kish() - 1000.0).abs() < 1e-9);
        assert!((stats.equivalent_plain_trials(&downtime) - 1000.0 * 999.0 / 1000.0).abs() < 1e-6);
        assert!((stats.tier_miss[3].mean() - 0.1).abs() < 1e-12);
        assert!(stats.guards_pass() || stats.max_share() > MAX_SHARE);
    }
}
