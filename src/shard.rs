//! Runs larger than one machine (`sim run --shard K/N`, `sim merge`; spec
//! precision-and-scale.md section 3, docs/scale.md): shard K of N runs its share of the
//! chunks of trials and writes a partial result; the merge rebuilds exactly the reduction
//! one machine would have made (`crate::reduction`), so its output has the same bytes.
//!
//! A part holds the scenario's text (the merge needs no other file), the seed and trial
//! count, a fingerprint of all that and of the format and `sim` version, its shard, its
//! chunk range, and the maximal aligned blocks of that range with their accumulators, the
//! floats written as their bits (`stats::bits`). Pure: the caller reads and writes files.

use serde::{Deserialize, Serialize};

use crate::compare::Chunk;
use crate::engine::Plan;
use crate::montecarlo::{RunAccumulator, CHUNK_TRIALS};
use crate::reduction::{blocks, Reduction};
use crate::scenario::Scenario;

/// The partial-result format this `sim` writes and reads.
pub const FORMAT: &str = "sim-partial/1";

/// `--shard K/N`: the K-th (1-based) of N disjoint parts of the trials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardSpec {
    pub index: u64,
    pub count: u64,
}

impl std::str::FromStr for ShardSpec {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let help = "expected K/N with 1 <= K <= N, such as 3/8";
        let (k, n) = text
            .split_once('/')
            .ok_or_else(|| format!("{text:?}: {help}"))?;
        let parse = |s: &str| {
            s.trim()
                .parse::<u64>()
                .map_err(|_| format!("{text:?}: {help}"))
        };
        let (index, count) = (parse(k)?, parse(n)?);
        if index == 0 || index > count || count > 1_000_000 {
            return Err(format!("{text:?}: {help} (and N at most 1,000,000)"));
        }
        Ok(ShardSpec { index, count })
    }
}

/// The chunks [from, to) of shard `spec` among `trials` trials: the chunks split as evenly
/// as whole chunks allow (a shard may be empty when there are fewer chunks than shards).
pub fn chunk_range(trials: u64, spec: ShardSpec) -> (u64, u64) {
    let chunks = trials.div_ceil(CHUNK_TRIALS) as u128;
    let cut = |k: u64| (chunks * u128::from(k) / u128::from(spec.count)) as u64;
    (cut(spec.index - 1), cut(spec.index))
}

/// One aligned block of a part: 2^level chunks from `first`, with each scenario's
/// accumulator and the paired differences (one scenario and none for `run`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Block {
    pub first: u64,
    pub level: u32,
    pub results: Chunk,
}

/// A scenario as the command line named it, and its text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    pub file: String,
    pub text: String,
}

/// A partial result of `sim run --shard K/N` or `sim compare --shard K/N`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Part {
    pub format: String,
    pub sim_version: String,
    /// "run" or "compare".
    pub command: String,
    pub fingerprint: String,
    /// The scenario files as given on the command line (the table names the first) and
    /// their text; the seed and trial count every one of them runs with.
    pub scenarios: Vec<Source>,
    pub seed: u64,
    pub trials: u64,
    pub shard: u64,
    pub shards: u64,
    pub chunk_from: u64,
    pub chunk_to: u64,
    /// FNV-1a of the blocks as written: a part whose numbers were altered is refused.
    pub checksum: String,
    /// For `sim check --shard`: what the merged run is held to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<CheckSpec>,
    pub blocks: Vec<Block>,
}

/// What a sharded `sim check` holds its merged run to, besides the scenario's SLOs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckSpec {
    #[serde(with = "crate::stats::bits")]
    pub tolerance: f64,
    /// A baseline report (its file and text), when the baseline is one; a baseline scenario
    /// is the part's first scenario instead.
    pub baseline_report: Option<Source>,
}

/// FNV-1a over the parts, separated: what makes two parts parts of the same run.
pub fn fingerprint(
    command: &str,
    scenarios: &[Source],
    seed: u64,
    trials: u64,
    check: Option<&CheckSpec>,
) -> String {
    let version = env!("CARGO_PKG_VERSION");
    let (seed, trials) = (seed.to_string(), trials.to_string());
    let check = serde_json::to_string(&check).expect("serializes");
    let mut parts: Vec<&str> = vec![FORMAT, version, command, &seed, &trials, &check];
    for source in scenarios {
        parts.push(&source.text);
    }
    format!("{:016x}", crate::rng::entity_key(&parts))
}

/// Runs shard `spec` of `scenarios` (one for `run`, several in lockstep for `compare`;
/// loaded from `sources`, seed and trial count already set) on the current rayon pool.
pub fn run_shard(
    command: &str,
    scenarios: &[Scenario],
    sources: &[Source],
    check: Option<CheckSpec>,
    spec: ShardSpec,
    progress: &(dyn Fn(u64) + Sync),
) -> Part {
    let plans: Vec<Plan> = scenarios.iter().map(Plan::new).collect();
    let trials = scenarios[0].simulation.trials;
    let seed = scenarios[0].simulation.seed;
    let (from, to) = chunk_range(trials, spec);
    let done = std::sync::atomic::AtomicU64::new(0);
    let blocks: Vec<Block> = blocks(from, to)
        .into_iter()
        .map(|(first, level)| {
            let first_trial = first * CHUNK_TRIALS;
            let last_trial = ((first + (1 << level)) * CHUNK_TRIALS).min(trials);
            let before = done.load(std::sync::atomic::Ordering::Relaxed);
            let mut total = crate::compare::Total::default();
            crate::compare::extend(
                &plans,
                &mut total,
                first_trial,
                last_trial,
                &|n| progress(before + n - first_trial),
                &|| false,
            );
            done.fetch_add(
                last_trial - first_trial,
                std::sync::atomic::Ordering::Relaxed,
            );
            Block {
                first,
                level,
                results: total.root().expect("a block has trials"),
            }
        })
        .collect();
    Part {
        checksum: checksum(&blocks),
        format: FORMAT.to_string(),
        sim_version: env!("CARGO_PKG_VERSION").to_string(),
        command: command.to_string(),
        fingerprint: fingerprint(command, sources, seed, trials, check.as_ref()),
        check,
        scenarios: sources.to_vec(),
        seed,
        trials,
        shard: spec.index,
        shards: spec.count,
        chunk_from: from,
        chunk_to: to,
        blocks,
    }
}

fn checksum(blocks: &[Block]) -> String {
    let text = serde_json::to_string(blocks).expect("serializes");
    format!("{:016x}", crate::rng::entity_key(&[&text]))
}

/// Reads a part file's text; the error says why it is not one.
pub fn parse(file: &str, text: &str) -> Result<Part, String> {
    let part: Part = serde_json::from_str(text).map_err(|e| {
        format!(
            "{file}: not a complete sim partial result (truncated or corrupt?): {}",
            crate::text::tame_quoted(&e.to_string())
        )
    })?;
    if part.shard == 0 || part.shard > part.shards || part.shards > 1_000_000 {
        return Err(format!(
            "{file}: shard {}/{} is not a shard (1 <= K <= N <= 1,000,000; corrupt?)",
            part.shard, part.shards
        ));
    }
    if part.format != FORMAT {
        return Err(format!(
            "{file}: format {}; this sim reads {FORMAT}",
            crate::text::shown(&part.format)
        ));
    }
    if part.sim_version != env!("CARGO_PKG_VERSION") {
        return Err(format!(
            "{file}: written by sim {}, this is sim {}: merge with the same version",
            crate::text::shown(&part.sim_version),
            env!("CARGO_PKG_VERSION")
        ));
    }
    if part.fingerprint
        != fingerprint(
            &part.command,
            &part.scenarios,
            part.seed,
            part.trials,
            part.check.as_ref(),
        )
        || part.checksum != checksum(&part.blocks)
    {
        return Err(format!(
            "{file}: its checksum does not match its contents (corrupt?)"
        ));
    }
    Ok(part)
}

/// What a merge gives: the command, its scenarios (seed and trials set) and the reduction
/// of all their trials.
pub struct Merged {
    pub command: String,
    pub check: Option<CheckSpec>,
    pub files: Vec<String>,
    pub scenarios: Vec<Scenario>,
    pub results: Chunk,
}

/// Merges parts (file name, part), in any order, into the results of the whole run; every
/// inconsistency is an error naming the file.
pub fn merge(parts: &[(String, Part)]) -> Result<Merged, String> {
    let Some((first_file, first)) = parts.first() else {
        return Err("no parts to merge".to_string());
    };
    let scenarios = first
        .scenarios
        .iter()
        .map(|source| {
            let mut scenario = crate::scenario::load_str(&source.text, &source.file)
                .map_err(|e| format!("{first_file}: its scenario does not load: {e}"))?;
            scenario.simulation.seed = first.seed;
            scenario.simulation.trials = first.trials;
            Ok(scenario)
        })
        .collect::<Result<Vec<_>, String>>()?;
    let mut scenarios = scenarios;
    if first.command == "check" && scenarios.len() == 2 {
        // sim check runs the baseline scenario with the checked one's simulation settings.
        scenarios[0].simulation = scenarios[1].simulation;
    }
    let known = match first.command.as_str() {
        "run" => scenarios.len() == 1,
        "compare" => scenarios.len() >= 2,
        "check" => (1..=2).contains(&scenarios.len()) && first.check.is_some(),
        _ => false,
    };
    if !known {
        return Err(format!(
            "{first_file}: not a part of a run or a comparison (corrupt?)"
        ));
    }
    let shapes: Vec<RunAccumulator> = scenarios
        .iter()
        .map(|s| RunAccumulator::new(&Plan::new(s)))
        .collect();
    let names = |part: &Part| {
        part.scenarios
            .iter()
            .map(|s| s.file.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut by_shard: Vec<Option<&(String, Part)>> = vec![None; first.shards as usize];
    for entry in parts {
        let (file, part) = entry;
        if part.fingerprint != first.fingerprint || part.shards != first.shards {
            return Err(format!(
                "{file}: a part of another run (sim {} of {}, seed {}, {} trials, {} shards) than {first_file} (sim {} of {}, seed {}, {} trials, {} shards)",
                part.command, names(part), part.seed, part.trials, part.shards,
                first.command, names(first), first.seed, first.trials, first.shards
            ));
        }
        if part.shard == 0 || part.shard > part.shards {
            return Err(format!(
                "{file}: shard {}/{} is not a shard",
                part.shard, part.shards
            ));
        }
        if let Some((other, _)) = by_shard[(part.shard - 1) as usize] {
            return Err(format!(
                "{file}: shard {}/{} again (also {other})",
                part.shard, part.shards
            ));
        }
        let spec = ShardSpec {
            index: part.shard,
            count: part.shards,
        };
        let expected = chunk_range(part.trials, spec);
        let expected_blocks = blocks(expected.0, expected.1);
        let layout: Vec<(u64, u32)> = part.blocks.iter().map(|b| (b.first, b.level)).collect();
        if (part.chunk_from, part.chunk_to) != expected || layout != expected_blocks {
            return Err(format!(
                "{file}: its chunks do not match shard {}/{} (corrupt?)",
                part.shard, part.shards
            ));
        }
        let fits = |results: &Chunk| {
            results.accumulators.len() == shapes.len()
                && results.differences.len() == shapes.len() - 1
                && results
                    .accumulators
                    .iter()
                    .zip(&shapes)
                    .all(|(read, shape)| same_shape(read, shape))
        };
        if part.blocks.iter().any(|b| !fits(&b.results)) {
            return Err(format!(
                "{file}: its results do not fit the scenario (corrupt?)"
            ));
        }
        by_shard[(part.shard - 1) as usize] = Some(entry);
    }
    let missing: Vec<String> = by_shard
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_none())
        .map(|(i, _)| format!("{}/{}", i + 1, first.shards))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "shard(s) {} missing: merge needs all {} parts of the run",
            missing.join(", "),
            first.shards
        ));
    }
    let by_shard_first = by_shard[0].expect("shard 1 is there");
    let mut total: Reduction<Chunk> = Reduction::default();
    for (_, part) in by_shard.into_iter().flatten() {
        for block in &part.blocks {
            if !total.push_block(block.level, block.results.clone()) {
                return Err("the parts' chunks do not line up".to_string());
            }
        }
    }
    let results = total.root().ok_or("the parts hold no trials")?;
    // The names the table shows come from shard 1, whatever order the parts came in.
    let first = &by_shard_first.1;
    Ok(Merged {
        command: first.command.clone(),
        check: first.check.clone(),
        files: first.scenarios.iter().map(|s| s.file.clone()).collect(),
        scenarios,
        results,
    })
}

/// Whether an accumulator read from a file has the sizes the scenario's plan gives.
fn same_shape(read: &RunAccumulator, plan: &RunAccumulator) -> bool {
    read.horizon == plan.horizon
        && read.component_downtime_fraction.len() == plan.component_downtime_fraction.len()
        && read.component_own_downtime_fraction.len() == plan.component_own_downtime_fraction.len()
        && read.cause_fraction.len() == plan.cause_fraction.len()
        && read.recoveries.len() == plan.recoveries.len()
        && read.downtime_histogram.same_bins(&plan.downtime_histogram)
        && read
            .failovers
            .histogram
            .same_bins(&plan.failovers.histogram)
        && read
            .data_loss
            .histogram
            .same_bins(&plan.data_loss.histogram)
        && read.restores.histogram.same_bins(&plan.restores.histogram)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_the_chunks_evenly_and_completely() {
        for trials in [1u64, 255, 256, 1000, 4000, 100_001] {
            for n in [1u64, 2, 3, 7, 40] {
                let mut next = 0;
                for k in 1..=n {
                    let (from, to) = chunk_range(trials, ShardSpec { index: k, count: n });
                    assert_eq!(from, next);
                    next = to;
                }
                assert_eq!(next, trials.div_ceil(CHUNK_TRIALS));
            }
        }
        assert!("0/3".parse::<ShardSpec>().is_err());
        assert!("4/3".parse::<ShardSpec>().is_err());
        assert!("3".parse::<ShardSpec>().is_err());
        assert_eq!(
            "2/3".parse::<ShardSpec>(),
            Ok(ShardSpec { index: 2, count: 3 })
        );
    }
}
