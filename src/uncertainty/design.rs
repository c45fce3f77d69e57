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
    /// `samples` sets in `replicates(samples)` independent Latin hypercubes (replicate b
    /// holds the sets `blocks(samples)[b]`): each unknown takes one value from each of a
    /// replicate's equally likely strata. Independent replicates give an honest error for
    /// the mean over the sets (the spread of the replicate means), which a single hypercube,
    /// whose stratification removes most of the between-set variance, does not.
    pub fn latin_hypercube(ranges: &[Range], seed: u64, samples: u64) -> Design {
        let mut keys: Vec<String> = Vec::new();
        for range in ranges {
            if !keys.iter().any(|k| k == range.key()) {
                keys.push(range.key().to_string());
            }
        }
        let blocks = blocks(samples);
        let mut quantiles = vec![vec![0.0; keys.len()]; samples as usize];
        for (column, key) in keys.iter().enumerate() {
            for (replicate, block) in blocks.iter().enumerate() {
                let size = block.len();
                let mut rng = stream(seed, replicate as u64, entity_key(&["uncertainty", key]));
                let mut strata: Vec<usize> = (0..size).collect();
                // Fisher-Yates, drawn in a fixed order from the key's own stream.
                for i in (1..size).rev() {
                    let j = rng.random_range(0..=i);
                    strata.swap(i, j);
                }
                for (set, stratum) in block.clone().zip(strata) {
                    let jitter: f64 = rng.random();
                    quantiles[set][column] = (stratum as f64 + jitter) / size as f64;
                }
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

/// Independent Latin hypercubes the sets are split into: 10, or one per set below 10.
pub const REPLICATES: u64 = 10;

/// The sets of each replicate, in order: contiguous blocks whose sizes differ by at most one.
pub fn blocks(samples: u64) -> Vec<std::ops::Range<usize>> {
    let replicates = REPLICATES.min(samples).max(1);
    (0..replicates)
        .map(|b| {
            let start = (b * samples / replicates) as usize;
            let end = ((b + 1) * samples / replicates) as usize;
            start..end
        })
        .collect()
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
        // 10 replicates of 5 sets: each uses each of its 5 strata once per unknown.
        assert_eq!(blocks(50).len(), 10);
        for block in blocks(50) {
            for column in 0..2 {
                let mut strata: Vec<usize> = design.quantiles[block.clone()]
                    .iter()
                    .map(|q| (q[column] * 5.0).floor() as usize)
                    .collect();
                strata.sort_unstable();
                assert_eq!(strata, (0..5).collect::<Vec<_>>());
            }
        }
        assert_eq!(blocks(7).len(), 7);
        assert_eq!(blocks(23).iter().map(|b| b.len()).sum::<usize>(), 23);
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
