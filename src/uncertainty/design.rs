//! Latin hypercube parameter sets: for each uncertain quantity, the `samples` sets take
//! one value from each of `samples` equally likely strata of its prior, in an order
//! shuffled by the quantity's own stream. Keyed like every other draw: by (seed, the
//! range's name or JSON path), so adding a range leaves the others' values unchanged, and
//! two scenarios with a range at the same path (or of the same name) draw the same values
//! in the same sets, which pairs them in `sim compare`.

use rand::Rng;

use crate::rng::{entity_key, stream};
use crate::scenario::uncertain::Range;

/// Each set's quantile in [0, 1] of each distinct uncertain quantity.
#[derive(Debug, Clone)]
pub struct Design {
    /// The distinct keys (a range's name, or its path), in first-appearance order.
    pub keys: Vec<String>,
    /// `quantiles[set][key]`.
    pub quantiles: Vec<Vec<f64>>,
}

impl Design {
    pub fn latin_hypercube(ranges: &[Range], seed: u64, samples: u64) -> Design {
        let mut keys: Vec<String> = Vec::new();
        for range in ranges {
            if !keys.iter().any(|k| k == range.key()) {
                keys.push(range.key().to_string());
            }
        }
        let samples = samples as usize;
        let mut quantiles = vec![vec![0.0; keys.len()]; samples];
        for (column, key) in keys.iter().enumerate() {
            let mut rng = stream(seed, 0, entity_key(&["uncertainty", key]));
            let mut strata: Vec<usize> = (0..samples).collect();
            // Fisher-Yates, drawn in a fixed order from the key's own stream.
            for i in (1..samples).rev() {
                let j = rng.random_range(0..=i);
                strata.swap(i, j);
            }
            for (set, stratum) in strata.into_iter().enumerate() {
                let jitter: f64 = rng.random();
                quantiles[set][column] = (stratum as f64 + jitter) / samples as f64;
            }
        }
        Design { keys, quantiles }
    }

    /// The quantile of `range` in set `set`.
    pub fn quantile(&self, range: &Range, set: usize) -> f64 {
        let column = self.keys.iter().position(|k| k == range.key()).unwrap_or(0);
        self.quantiles[set][column]
    }

    /// Every range's value in set `set`.
    pub fn values(&self, ranges: &[Range], set: usize) -> Vec<f64> {
        ranges
            .iter()
            .map(|r| r.value_at(self.quantile(r, set)))
            .collect()
    }
}

/// The master seed of parameter set `set`: its trials are independent of every other
/// set's (so set estimates are independent, and the between-set spread is honest), and
/// the same in every scenario run with the same seed (so compared designs are paired).
pub fn set_seed(seed: u64, set: u64) -> u64 {
    let key = entity_key(&["uncertainty-set"]);
    let mut rng = stream(seed, set, key);
    rng.random()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stratum_is_used_once() {
        let document = serde_json::json!({"components": {"a": {"x": {"between": [1.0, 2.0]},
            "y": {"between": [1.0, 2.0], "name": "shared"}, "z": {"between": [3.0, 4.0], "name": "shared"}}}});
        let scenario_ranges = crate::scenario::uncertain::find_ranges(&document, "t.json").unwrap();
        let design = Design::latin_hypercube(&scenario_ranges, 7, 50);
        assert_eq!(design.keys, vec!["components.a.x", "shared"]);
        for column in 0..2 {
            let mut strata: Vec<usize> = design
                .quantiles
                .iter()
                .map(|q| (q[column] * 50.0).floor() as usize)
                .collect();
            strata.sort_unstable();
            assert_eq!(strata, (0..50).collect::<Vec<_>>());
        }
        // Named ranges share their quantile.
        for set in 0..50 {
            assert_eq!(
                design.quantile(&scenario_ranges[1], set),
                design.quantile(&scenario_ranges[2], set)
            );
        }
        // Keyed by name/path: a design without the named range leaves x's draws alone.
        let alone = Design::latin_hypercube(&scenario_ranges[..1], 7, 50);
        for set in 0..50 {
            assert_eq!(alone.quantiles[set][0], design.quantiles[set][0]);
        }
        assert_ne!(set_seed(7, 0), set_seed(7, 1));
        assert_ne!(set_seed(7, 0), set_seed(8, 0));
    }
}
