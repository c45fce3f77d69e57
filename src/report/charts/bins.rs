//! Log-histogram bins as the run gives them, made fit to draw: cleaned of NaN, empty and
//! inverted bins, summarised by quantiles, and merged into a few bars per decade when the
//! source bins (200 per decade) are too fine to see.

use std::collections::BTreeMap;

use super::format::fmt_duration;

/// Histogram bins cleaned of NaN, empty and inverted bins: the exact zeros apart, the
/// positive bins sorted.
pub(super) struct CleanBins {
    pub(super) zero: u64,
    pub(super) positive: Vec<(f64, f64, u64)>,
}

impl CleanBins {
    pub(super) fn new(bins: &[(f64, f64, u64)]) -> Self {
        let mut zero = 0u64;
        let mut positive = Vec::new();
        for &(low, high, count) in bins {
            if count == 0 || low.is_nan() || high.is_nan() {
                continue;
            }
            if high <= 0.0 {
                zero = zero.saturating_add(count);
                continue;
            }
            if !high.is_finite() {
                continue;
            }
            // A log histogram's lowest bin starts at 0: give it the usual bin width.
            let low = if low > 0.0 && low < high {
                low
            } else {
                high / 10f64.powf(1.0 / 200.0)
            };
            positive.push((low, high, count));
        }
        positive.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        CleanBins { zero, positive }
    }

    pub(super) fn total(&self) -> u64 {
        self.positive
            .iter()
            .fold(self.zero, |sum, b| sum.saturating_add(b.2))
    }

    /// Nearest-rank quantile, each bin standing for its geometric centre.
    pub(super) fn quantile(&self, p: f64) -> f64 {
        let total = self.total();
        if total == 0 {
            return 0.0;
        }
        let rank = ((p * total as f64).ceil() as u64).clamp(1, total);
        let mut seen = self.zero;
        if seen >= rank {
            return 0.0;
        }
        for &(low, high, count) in &self.positive {
            seen += count;
            if seen >= rank {
                return (low * high).sqrt();
            }
        }
        self.positive.last().map_or(0.0, |b| b.1)
    }

    /// "median 5.3 min · 90th percentile 1.2 h · 99th percentile 8.8 h", for values in units
    /// of `unit_seconds`.
    pub(super) fn percentiles(&self, unit_seconds: f64) -> String {
        let q = |p: f64| fmt_duration(self.quantile(p) * unit_seconds);
        format!(
            "median {} · 90th percentile {} · 99th percentile {}",
            q(0.5),
            q(0.9),
            q(0.99)
        )
    }

    /// Bars for display, (log10 low, log10 high, count): the source bins merged into a few per
    /// decade when they are finer than that.
    pub(super) fn display(&self) -> Vec<(f64, f64, u64)> {
        if self.positive.is_empty() {
            return Vec::new();
        }
        let lo = self
            .positive
            .iter()
            .map(|b| b.0)
            .fold(f64::INFINITY, f64::min)
            .log10();
        let hi = self
            .positive
            .iter()
            .map(|b| b.1)
            .fold(f64::NEG_INFINITY, f64::max)
            .log10();
        let span = (hi - lo).max(1e-9);
        let per_decade = [20.0, 10.0, 5.0, 4.0, 2.0, 1.0]
            .into_iter()
            .find(|d| span * d <= 60.0)
            .unwrap_or(1.0);
        let mut widths: Vec<f64> = self.positive.iter().map(|b| (b.1 / b.0).log10()).collect();
        widths.sort_by(f64::total_cmp);
        let median_width = widths[widths.len() / 2];
        if median_width >= 0.9 / per_decade {
            return self
                .positive
                .iter()
                .map(|b| (b.0.log10(), b.1.log10(), b.2))
                .collect();
        }
        let mut merged: BTreeMap<i64, u64> = BTreeMap::new();
        for &(low, high, count) in &self.positive {
            let centre = 0.5 * (low.log10() + high.log10());
            *merged
                .entry((centre * per_decade).floor() as i64)
                .or_insert(0) += count;
        }
        merged
            .into_iter()
            .map(|(k, n)| (k as f64 / per_decade, (k + 1) as f64 / per_decade, n))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeros_are_kept_apart_and_bad_bins_dropped() {
        let nan = f64::NAN;
        let bins = CleanBins::new(&[
            (0.0, 0.0, 4),
            (2.0, 3.0, 5),
            (1.0, 2.0, 1),
            (nan, 1.0, 7),
            (1e300, f64::INFINITY, 2),
            (5.0, 6.0, 0),
        ]);
        assert_eq!(bins.zero, 4);
        assert_eq!(bins.positive, vec![(1.0, 2.0, 1), (2.0, 3.0, 5)]);
        assert_eq!(bins.total(), 10);
        assert_eq!(bins.quantile(0.3), 0.0);
        assert_eq!(bins.quantile(1.0), 6f64.sqrt());
    }

    #[test]
    fn fine_bins_are_merged_for_display() {
        let fine: Vec<(f64, f64, u64)> = (0..400)
            .map(|i| {
                let lo = 10f64.powf(i as f64 / 200.0);
                let hi = 10f64.powf((i + 1) as f64 / 200.0);
                (lo, hi, 1)
            })
            .collect();
        let bars = CleanBins::new(&fine).display();
        assert!(bars.len() < 100, "{} bars", bars.len());
        assert_eq!(bars.iter().map(|b| b.2).sum::<u64>(), 400);
    }
}
