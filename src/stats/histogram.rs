//! A fixed-size histogram of non-negative values on a logarithmic scale, for percentiles
//! (of per-trial downtime, of lost write windows) without keeping every value in memory.
//!
//! Exactly zero has its own bin (highly available systems have many years without any
//! downtime); the rest of (0, top] is split into `BINS_PER_DECADE` bins per decade down to
//! top x 1e-decades, values below that going to the lowest bin and above `top` to the
//! highest. A percentile is reported as its bin's geometric centre, so it is within 0.6% of
//! the exact order statistic (clamped to the observed minimum and maximum, kept exactly).

/// Bins per factor of ten: adjacent bin edges differ by 10^(1/200), about 1.16%.
pub const BINS_PER_DECADE: usize = 200;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LogHistogram {
    /// counts[0]: exact zeros; counts[i], i >= 1: (edge(i - 1), edge(i)].
    #[serde(with = "sparse")]
    counts: Vec<u64>,
    /// log10 of the top edge, and the number of decades with bins below it.
    top_exponent: i32,
    decades: usize,
    total: u64,
    #[serde(with = "super::bits")]
    min_positive: f64,
    #[serde(with = "super::bits")]
    max: f64,
    /// Under rare-event forcing: the summed likelihood ratios per bin (and in all), from
    /// which the quantiles are then read; empty for plain runs.
    #[serde(with = "super::bits::vec")]
    weights: Vec<f64>,
    #[serde(with = "super::bits")]
    weight_total: f64,
}

/// Counts as their length and the non-zero (index, count) pairs: most bins are empty.
mod sparse {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Sparse {
        len: usize,
        bins: Vec<(usize, u64)>,
    }

    pub fn serialize<S: Serializer>(counts: &[u64], serializer: S) -> Result<S::Ok, S::Error> {
        Sparse {
            len: counts.len(),
            bins: counts
                .iter()
                .enumerate()
                .filter(|(_, c)| **c > 0)
                .map(|(i, c)| (i, *c))
                .collect(),
        }
        .serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u64>, D::Error> {
        let sparse = Sparse::deserialize(deserializer)?;
        if sparse.len > 1 << 20 {
            return Err(serde::de::Error::custom("too many histogram bins"));
        }
        let mut counts = vec![0; sparse.len];
        for (i, c) in sparse.bins {
            *counts
                .get_mut(i)
                .ok_or_else(|| serde::de::Error::custom("histogram bin out of range"))? = c;
        }
        Ok(counts)
    }
}

impl Default for LogHistogram {
    /// For fractions in [0, 1], down to 1e-12 (30 ms a year).
    fn default() -> Self {
        LogHistogram::new(0, 12)
    }
}

impl LogHistogram {
    /// Bins for (10^(top_exponent - decades), 10^top_exponent].
    pub fn new(top_exponent: i32, decades: usize) -> Self {
        LogHistogram {
            counts: vec![0; BINS_PER_DECADE * decades + 1],
            top_exponent,
            decades,
            total: 0,
            min_positive: f64::INFINITY,
            max: 0.0,
            weights: Vec::new(),
            weight_total: 0.0,
        }
    }

    /// Upper edge of bin `i` (i >= 1).
    fn upper_edge(&self, i: usize) -> f64 {
        10f64.powf(
            i as f64 / BINS_PER_DECADE as f64 - self.decades as f64 + f64::from(self.top_exponent),
        )
    }

    /// Non-empty bins as (lower edge, upper edge, count); exact zeros as (0, 0, count).
    pub fn bins(&self) -> Vec<(f64, f64, u64)> {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, count)| **count > 0)
            .map(|(bin, count)| match bin {
                0 => (0.0, 0.0, *count),
                1 => (0.0, self.upper_edge(1), *count),
                _ => (self.upper_edge(bin - 1), self.upper_edge(bin), *count),
            })
            .collect()
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    #[inline]
    pub fn add(&mut self, value: f64) {
        self.add_counted(value);
    }

    /// Adds a value carrying likelihood ratio `weight` (rare-event forcing): quantiles are
    /// then those of the weighted distribution, sum of weights at or below over the sum of
    /// all weights (Glynn, "Importance sampling for Monte Carlo estimation of quantiles",
    /// 1996), an approximation without an interval.
    pub fn add_weighted(&mut self, value: f64, weight: f64) {
        let bin = self.add_counted(value);
        if self.weights.is_empty() {
            self.weights = vec![0.0; self.counts.len()];
        }
        self.weights[bin] += weight;
        self.weight_total += weight;
    }

    /// Counts `value`; returns its bin.
    #[inline]
    fn add_counted(&mut self, value: f64) -> usize {
        let value = if value.is_nan() { 0.0 } else { value.max(0.0) };
        let last = self.counts.len() - 1;
        let bin = if value <= 0.0 {
            0
        } else {
            let position = (value.log10() - f64::from(self.top_exponent) + self.decades as f64)
                * BINS_PER_DECADE as f64;
            (position.ceil().max(1.0) as usize).min(last)
        };
        self.counts[bin] += 1;
        self.total += 1;
        if value > 0.0 {
            self.min_positive = self.min_positive.min(value);
        }
        self.max = self.max.max(value);
        bin
    }

    /// Adds another histogram with the same range.
    pub fn merge(&mut self, other: &LogHistogram) {
        // Saturating: counts read from a part file must not wrap (see Moments::merge).
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine = mine.saturating_add(*theirs);
        }
        self.total = self.total.saturating_add(other.total);
        if !other.weights.is_empty() {
            if self.weights.is_empty() {
                self.weights = vec![0.0; self.counts.len()];
            }
            for (mine, theirs) in self.weights.iter_mut().zip(&other.weights) {
                *mine += theirs;
            }
            self.weight_total += other.weight_total;
        }
        self.min_positive = self.min_positive.min(other.min_positive);
        self.max = self.max.max(other.max);
    }

    /// Whether `other` has the same bins (a histogram read from a file, checked before a
    /// merge).
    pub fn same_bins(&self, other: &LogHistogram) -> bool {
        self.counts.len() == other.counts.len()
            && self.top_exponent == other.top_exponent
            && self.decades == other.decades
            && (self.weights.is_empty() || self.weights.len() == self.counts.len())
    }

    pub fn max(&self) -> f64 {
        self.max
    }

    /// The nearest-rank `p`-quantile (0 < p <= 1): the smallest value with at least
    /// `p * total` values at or below it, to within the bin width.
    pub fn quantile(&self, p: f64) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        if !self.weights.is_empty() {
            return self.weighted_quantile(p);
        }
        let rank = ((p * self.total as f64).ceil() as u64).clamp(1, self.total);
        if rank == self.total {
            return self.max; // the largest value is kept exactly
        }
        let mut seen = 0;
        for (bin, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return self.centre(bin);
            }
        }
        self.max
    }
}

impl LogHistogram {
    /// What a quantile in bin `bin` reports: 0 for the zeros, else the bin's geometric
    /// centre, within the observed range.
    fn centre(&self, bin: usize) -> f64 {
        if bin == 0 {
            return 0.0;
        }
        let centre = if bin == 1 {
            self.upper_edge(1)
        } else {
            (self.upper_edge(bin - 1) * self.upper_edge(bin)).sqrt()
        };
        centre.clamp(self.min_positive, self.max)
    }

    /// The `p`-quantile of the weighted distribution: the smallest bin whose cumulative
    /// weight reaches `p` of the total, as its geometric centre.
    fn weighted_quantile(&self, p: f64) -> f64 {
        let target = p * self.weight_total;
        let mut seen = 0.0;
        for (bin, weight) in self.weights.iter().enumerate() {
            seen += weight;
            if *weight > 0.0 && seen >= target * (1.0 - 1e-12) {
                return self.centre(bin);
            }
        }
        self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_within_bin_precision() {
        let mut histogram = LogHistogram::default();
        let values: Vec<f64> = (1..=1000).map(|i| i as f64 * 1e-6).collect();
        values.iter().for_each(|v| histogram.add(*v));
        for (p, exact) in [(0.5, 500e-6), (0.9, 900e-6), (0.99, 990e-6)] {
            let estimate = histogram.quantile(p);
            assert!(
                (estimate / exact - 1.0).abs() < 0.006,
                "{p}: {estimate} vs {exact}"
            );
        }
        assert_eq!(histogram.quantile(1.0), 1000e-6);
        assert_eq!(histogram.max(), 1000e-6);
    }

    #[test]
    fn other_ranges() {
        let mut seconds = LogHistogram::new(9, 15);
        (1..=100).for_each(|i| seconds.add(i as f64));
        assert!((seconds.quantile(0.5) / 50.0 - 1.0).abs() < 0.006);
        assert_eq!(seconds.quantile(1.0), 100.0);
        assert_eq!(seconds.total(), 100);
    }

    #[test]
    fn zeros_and_merging() {
        let mut a = LogHistogram::default();
        let mut b = LogHistogram::default();
        (0..90).for_each(|_| a.add(0.0));
        (0..10).for_each(|_| b.add(0.25));
        a.merge(&b);
        assert_eq!(a.quantile(0.5), 0.0);
        assert_eq!(a.quantile(0.9), 0.0);
        assert_eq!(a.quantile(0.91), 0.25);
        assert_eq!(a.max(), 0.25);
    }
}
