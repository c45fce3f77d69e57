//! Mean and variance that merge: Welford's update for one value and Chan et al.'s formula
//! ("Updating formulae and a pairwise algorithm for computing sample variances", 1979) for
//! two partial results. Merging fixed chunks in a fixed order makes the result independent
//! of how many threads computed the chunks.

/// Count, mean and sum of squared deviations of a stream of values.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Moments {
    count: u64,
    #[serde(with = "super::bits")]
    mean: f64,
    #[serde(with = "super::bits")]
    squared_deviations: f64,
}

impl Moments {
    #[inline]
    pub fn add(&mut self, value: f64) {
        self.count += 1;
        let delta = value - self.mean;
        self.mean += delta / self.count as f64;
        self.squared_deviations += delta * (value - self.mean);
    }

    /// Combines with the moments of another, disjoint set of values.
    pub fn merge(&mut self, other: &Moments) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = *other;
            return;
        }
        // Saturating: a merged part file is checked, but a count must not wrap whatever it
        // holds (a fuzzing finding under overflow checks).
        let count = self.count.saturating_add(other.count);
        let delta = other.mean - self.mean;
        let weight = other.count as f64 / count as f64;
        self.mean += delta * weight;
        self.squared_deviations +=
            other.squared_deviations + delta * delta * self.count as f64 * weight;
        self.count = count;
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// Sample variance (n - 1 in the denominator); 0 for fewer than two values.
    pub fn variance(&self) -> f64 {
        if self.count < 2 {
            0.0
        } else {
            (self.squared_deviations / (self.count - 1) as f64).max(0.0)
        }
    }

    /// Multiplies the spread (and so the standard error) by `factor`, keeping the mean:
    /// used to turn errors from few groups into t-based ones (`crate::uncertainty`).
    pub fn widen(&mut self, factor: f64) {
        self.squared_deviations *= factor * factor;
    }

    /// Standard error of the mean.
    pub fn std_error(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            (self.variance() / self.count as f64).sqrt()
        }
    }
}

/// Moments of two quantities measured together, with their covariance: enough for the
/// standard error of a ratio of means by the delta method.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PairMoments {
    pub x: Moments,
    pub y: Moments,
    #[serde(with = "super::bits")]
    co_deviations: f64,
}

impl PairMoments {
    #[inline]
    pub fn add(&mut self, x: f64, y: f64) {
        let delta_x = x - self.x.mean();
        self.x.add(x);
        self.y.add(y);
        self.co_deviations += delta_x * (y - self.y.mean());
    }

    pub fn merge(&mut self, other: &PairMoments) {
        let (n_a, n_b) = (self.x.count() as f64, other.x.count() as f64);
        if n_b > 0.0 && n_a > 0.0 {
            let delta_x = other.x.mean() - self.x.mean();
            let delta_y = other.y.mean() - self.y.mean();
            self.co_deviations += other.co_deviations + delta_x * delta_y * n_a * n_b / (n_a + n_b);
        } else if n_b > 0.0 {
            self.co_deviations = other.co_deviations;
        }
        self.x.merge(&other.x);
        self.y.merge(&other.y);
    }

    /// `Moments::widen` for both quantities and their covariance.
    pub fn widen(&mut self, factor: f64) {
        self.x.widen(factor);
        self.y.widen(factor);
        self.co_deviations *= factor * factor;
    }

    pub fn covariance(&self) -> f64 {
        let n = self.x.count();
        if n < 2 {
            0.0
        } else {
            self.co_deviations / (n - 1) as f64
        }
    }

    /// mean(x) / mean(y) and its delta-method standard error; `None` when mean(y) is 0.
    pub fn ratio(&self) -> Option<(f64, f64)> {
        let (mean_x, mean_y) = (self.x.mean(), self.y.mean());
        if mean_y <= 0.0 {
            return None;
        }
        let ratio = mean_x / mean_y;
        let n = self.x.count() as f64;
        let variance = (self.x.variance() - 2.0 * ratio * self.covariance()
            + ratio * ratio * self.y.variance())
            / (n * mean_y * mean_y);
        Some((ratio, variance.max(0.0).sqrt()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_chunks_match_one_pass() {
        let values: Vec<f64> = (0..1000)
            .map(|i| ((i * 7919) % 1000) as f64 / 7.0)
            .collect();
        let mut whole = Moments::default();
        values.iter().for_each(|v| whole.add(*v));
        let mut merged = Moments::default();
        for chunk in values.chunks(37) {
            let mut part = Moments::default();
            chunk.iter().for_each(|v| part.add(*v));
            merged.merge(&part);
        }
        assert_eq!(whole.count(), merged.count());
        assert!((whole.mean() - merged.mean()).abs() < 1e-12);
        assert!((whole.variance() / merged.variance() - 1.0).abs() < 1e-12);
        let direct_mean = values.iter().sum::<f64>() / 1000.0;
        let direct_variance = values
            .iter()
            .map(|v| (v - direct_mean).powi(2))
            .sum::<f64>()
            / 999.0;
        assert!((whole.variance() / direct_variance - 1.0).abs() < 1e-12);
    }

    #[test]
    fn pair_covariance_merges() {
        let pairs: Vec<(f64, f64)> = (0..500)
            .map(|i| (i as f64, (i % 13) as f64 + 1.0))
            .collect();
        let mut whole = PairMoments::default();
        pairs.iter().for_each(|(x, y)| whole.add(*x, *y));
        let mut merged = PairMoments::default();
        for chunk in pairs.chunks(64) {
            let mut part = PairMoments::default();
            chunk.iter().for_each(|(x, y)| part.add(*x, *y));
            merged.merge(&part);
        }
        assert!((whole.covariance() - merged.covariance()).abs() < 1e-9);
        let (ratio, _) = whole.ratio().unwrap();
        assert!((ratio - 249.5 / whole.y.mean()).abs() < 1e-12);
    }
}
