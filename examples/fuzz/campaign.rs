//! The corpus, the inputs derived from it and the findings saved from them. Input `index`
//! of a target under `seed` is a pure function of the three (its own ChaCha stream), so
//! any input is reproduced from its number, runs split into ranges run anywhere in any
//! order, and a crashed worker resumes after the input that crashed it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use sim::shard::{CheckSpec, Part, ShardSpec, Source};

use super::mutate::{self, Dictionary};
use super::targets::{self, Outcome};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Scenario,
    Cli,
    Part,
}

impl Target {
    pub const ALL: [Target; 3] = [Target::Scenario, Target::Cli, Target::Part];

    pub fn name(self) -> &'static str {
        match self {
            Target::Scenario => "scenario",
            Target::Cli => "cli",
            Target::Part => "part",
        }
    }

    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The extension of its saved inputs.
    pub fn extension(self) -> &'static str {
        match self {
            Target::Cli => "args",
            _ => "json",
        }
    }
}

/// One input: file bytes (a scenario or a part) or an argument vector.
#[derive(Debug, Clone)]
pub enum Input {
    Bytes(Vec<u8>),
    Args(Vec<OsString>),
}

/// The parts of one sharded run, generated in-process by `sim::shard::run_shard`, the
/// function `sim run|compare|check --shard K/N` calls.
pub struct PartRun {
    pub texts: Vec<String>,
    pub parts: Vec<Part>,
}

/// An option or positional argument of a subcommand, as clap defines it.
pub struct ArgModel {
    pub flag: Option<String>,
    pub takes_value: bool,
    pub values: Vec<String>,
}

pub struct Corpus {
    /// (name, bytes) of every seed file, in path order.
    pub seeds: Vec<(String, Vec<u8>)>,
    pub dictionary: Dictionary,
    pub runs: Vec<PartRun>,
    /// Every subcommand and its arguments, read from `Cli::command()`.
    pub subcommands: Vec<(String, Vec<ArgModel>)>,
}

/// Every `.json` file under `directory`, recursively, in path order.
fn json_files(directory: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(directory) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

impl Corpus {
    /// The shipped scenarios (scenarios/, tests/scenarios/, tests/reference/), the fuzz
    /// corpus and regression folders, `extra` folders, and parts generated from the
    /// reference scenarios.
    pub fn load(root: &Path, extra: &[PathBuf]) -> Corpus {
        let mut paths = Vec::new();
        for directory in [
            "scenarios",
            "tests/scenarios",
            "tests/reference",
            "fuzz/corpus/scenario",
        ] {
            json_files(&root.join(directory), &mut paths);
        }
        for directory in extra {
            json_files(directory, &mut paths);
        }
        let seeds: Vec<(String, Vec<u8>)> = paths
            .iter()
            .filter_map(|p| Some((p.display().to_string(), std::fs::read(p).ok()?)))
            .filter(|(_, bytes)| bytes.len() <= mutate::MAX_LEN)
            .collect();
        let documents: Vec<Value> = seeds
            .iter()
            .filter_map(|(_, b)| serde_json::from_slice(b).ok())
            .collect();
        Corpus {
            dictionary: Dictionary::from_documents(&documents),
            seeds,
            runs: part_runs(root),
            subcommands: subcommands(),
        }
    }

    /// Input `index` of `target` under `seed`.
    pub fn input(&self, target: Target, seed: u64, index: u64) -> Input {
        let key =
            sim::rng::entity_key(&["fuzz", target.name(), &seed.to_string(), &index.to_string()]);
        let mut rng = ChaCha8Rng::seed_from_u64(key);
        match target {
            Target::Scenario => {
                let (_, seed_bytes) = &self.seeds[rng.random_range(0..self.seeds.len())];
                let (_, other) = &self.seeds[rng.random_range(0..self.seeds.len())];
                Input::Bytes(mutate::mutate(
                    &mut rng,
                    seed_bytes,
                    other,
                    &self.dictionary,
                ))
            }
            Target::Part => {
                let run = &self.runs[rng.random_range(0..self.runs.len())];
                let text = &run.texts[rng.random_range(0..run.texts.len())];
                let other = &self.runs[rng.random_range(0..self.runs.len())].texts[0];
                let mut bytes = mutate::mutate(
                    &mut rng,
                    text.as_bytes(),
                    other.as_bytes(),
                    &self.dictionary,
                );
                // Most mutants would fail the checksum: sign half of them again, so that
                // the checks after it and the merge see altered numbers and layouts.
                if rng.random_bool(0.6) {
                    bytes = resign(&bytes).unwrap_or(bytes);
                }
                Input::Bytes(bytes)
            }
            Target::Cli => Input::Args(self.arguments(&mut rng)),
        }
    }

    /// The sibling parts a part is merged with: the generated parts of the run it claims to
    /// belong to (same fingerprint), other shards only.
    pub fn siblings(&self, bytes: &[u8]) -> Vec<(String, Part)> {
        let Ok(part) = serde_json::from_slice::<Part>(bytes) else {
            return Vec::new();
        };
        self.runs
            .iter()
            .flat_map(|run| &run.parts)
            .filter(|p| p.fingerprint == part.fingerprint && p.shard != part.shard)
            .map(|p| (format!("sibling-{}.json", p.shard), p.clone()))
            .collect()
    }

    /// Runs one input through its target.
    pub fn run(&self, target: Target, input: &Input) -> Outcome {
        match (target, input) {
            (Target::Scenario, Input::Bytes(bytes)) => targets::scenario(bytes),
            (Target::Part, Input::Bytes(bytes)) => targets::part(bytes, &self.siblings(bytes)),
            (Target::Cli, Input::Args(args)) => targets::cli(args),
            _ => Outcome::Finding("an input of the wrong kind for its target".to_string()),
        }
    }

    fn arguments(&self, rng: &mut ChaCha8Rng) -> Vec<OsString> {
        let mut args = vec![OsString::from("sim")];
        if rng.random_bool(0.03) {
            args.push(OsString::from(*pick(
                rng,
                &["--help", "--version", "-h", "-V", "help"],
            )));
        }
        let choice = rng.random_range(0..100);
        let (name, options) = &self.subcommands[rng.random_range(0..self.subcommands.len())];
        if choice < 92 {
            args.push(OsString::from(name));
        } else if choice < 97 {
            args.push(value(rng, &[]));
        }
        let count = rng.random_range(0..10);
        for _ in 0..count {
            let roll = rng.random_range(0..100);
            let options = if roll < 8 {
                // An option of another subcommand.
                &self.subcommands[rng.random_range(0..self.subcommands.len())].1
            } else {
                options
            };
            if options.is_empty() || roll >= 80 {
                args.push(value(rng, &[]));
                continue;
            }
            let option = &options[rng.random_range(0..options.len())];
            let Some(flag) = &option.flag else {
                args.push(value(rng, &option.values));
                continue;
            };
            if !option.takes_value || rng.random_bool(0.1) {
                args.push(OsString::from(flag));
            } else if flag.starts_with("--") && rng.random_bool(0.2) {
                let mut joined = OsString::from(format!("{flag}="));
                joined.push(value(rng, &option.values));
                args.push(joined);
            } else {
                args.push(OsString::from(flag));
                args.push(value(rng, &option.values));
            }
        }
        args
    }
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// Values for options and positionals: the option's own possible values, extremes, files.
const VALUES: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "16",
    "1024",
    "1025",
    "1000000000",
    "1000000001",
    "18446744073709551615",
    "18446744073709551616",
    "-0",
    "0.05",
    "0.5",
    "1",
    "1.5",
    "1e-300",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e308",
    "",
    " ",
    "1/2",
    "2/2",
    "0/3",
    "3/2",
    "1/1000000",
    "1/1000001",
    "0/0",
    "18446744073709551615/18446744073709551615",
    "a/b",
    "/",
    "//",
    "components.api.replicas=2,3,4",
    "components.api.replicas=",
    "=",
    "components.api.failures[0].ttf=1s,1h",
    "components.api.replicas=1..1000000",
    "x=1,,2",
    "simulation.horizon=0s",
    "scenarios/active-passive.json",
    "tests/reference/v1-single.json",
    "/dev/null",
    "/dev/zero",
    "-",
    "--",
    "-q",
    "--quiet",
    "--trials",
    "\u{1b}[2J\u{7}",
    "a\nb",
    "💥",
    "table",
    "json",
    "markdown",
    "bash",
    "zsh",
    "1h",
    "1y",
    "0s",
    "--trials=",
    "-o",
    "---",
    "-=",
];

fn value(rng: &mut ChaCha8Rng, own: &[String]) -> OsString {
    match rng.random_range(0..20) {
        0..=7 if !own.is_empty() => OsString::from(pick(rng, own)),
        0..=13 => OsString::from(*pick(rng, VALUES)),
        14 => OsString::from(rng.random::<u64>().to_string()),
        15 => OsString::from(format!(
            "{}",
            rng.random::<f64>() * 10f64.powi(rng.random_range(-10..10))
        )),
        16 => OsString::from("x".repeat(rng.random_range(100..20_000))),
        17 => {
            // Not UTF-8.
            use std::os::unix::ffi::OsStringExt;
            let n = rng.random_range(1..8);
            OsString::from_vec((0..n).map(|_| rng.random_range(0x80..=0xffu8)).collect())
        }
        18 => OsString::from(format!("-{}", char::from(rng.random_range(b'a'..=b'z')))),
        _ => {
            let n = rng.random_range(1..12);
            let word: String = (0..n)
                .map(|_| char::from(rng.random_range(b' '..=b'~')))
                .collect();
            OsString::from(format!("--{word}"))
        }
    }
}

/// The subcommands and their arguments, from the clap definition itself (so the fuzzer
/// follows the CLI as it changes).
fn subcommands() -> Vec<(String, Vec<ArgModel>)> {
    use clap::CommandFactory;
    let command = sim::cli::Cli::command();
    command
        .get_subcommands()
        .map(|sub| {
            let args = sub
                .get_arguments()
                .map(|arg| ArgModel {
                    flag: arg
                        .get_long()
                        .map(|l| format!("--{l}"))
                        .or_else(|| arg.get_short().map(|s| format!("-{s}"))),
                    takes_value: arg.get_action().takes_values(),
                    values: arg
                        .get_possible_values()
                        .iter()
                        .map(|v| v.get_name().to_string())
                        .collect(),
                })
                .collect();
            (sub.get_name().to_string(), args)
        })
        .collect()
}

/// Parts of a few small sharded runs, written exactly as `sim run|compare|check --shard`
/// writes them.
fn part_runs(root: &Path) -> Vec<PartRun> {
    let load = |file: &str, trials: u64| {
        let path = root.join(file);
        let text = std::fs::read_to_string(&path).expect("a reference scenario");
        let mut scenario = sim::scenario::load_str(&text, file).expect("a valid scenario");
        scenario.simulation.trials = trials;
        (
            scenario,
            Source {
                file: file.to_string(),
                text,
            },
        )
    };
    let baseline = {
        let (scenario, _) = load("tests/reference/v1-single.json", 300);
        let plan = sim::engine::Plan::new(&scenario);
        let accumulator = sim::montecarlo::run_trials(&plan, 0, 300);
        sim::report::to_json(&sim::report::RunReport::new(&scenario, &plan, &accumulator))
    };
    // (command, scenario files, trials, shards, what a check holds the run to)
    type Run<'a> = (&'a str, Vec<&'a str>, u64, u64, Option<CheckSpec>);
    let runs: Vec<Run> = vec![
        ("run", vec!["tests/reference/v1-single.json"], 600, 2, None),
        (
            "run",
            vec!["tests/reference/v3-two-of-three.json"],
            300,
            3,
            None,
        ),
        (
            "compare",
            vec![
                "tests/reference/v1-single.json",
                "tests/reference/v2-pair.json",
            ],
            520,
            2,
            None,
        ),
        (
            "check",
            vec!["tests/reference/v1-single.json"],
            300,
            2,
            Some(CheckSpec {
                tolerance: 0.001,
                baseline_report: Some(Source {
                    file: "baseline.json".to_string(),
                    text: baseline,
                }),
            }),
        ),
    ];
    runs.into_iter()
        .map(|(command, files, trials, shards, check)| {
            let (scenarios, sources): (Vec<_>, Vec<_>) =
                files.iter().map(|f| load(f, trials)).unzip();
            let parts: Vec<Part> = (1..=shards)
                .map(|index| {
                    sim::shard::run_shard(
                        command,
                        &scenarios,
                        &sources,
                        check.clone(),
                        ShardSpec {
                            index,
                            count: shards,
                        },
                        &|_| {},
                    )
                })
                .collect();
            PartRun {
                texts: parts
                    .iter()
                    .map(|p| serde_json::to_string_pretty(p).expect("serializes"))
                    .collect(),
                parts,
            }
        })
        .collect()
}

/// A mutated part with its fingerprint and checksum made right again, when it still has
/// the shape of a part.
fn resign(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut document: Value = serde_json::from_slice(bytes).ok()?;
    let part: Part = serde_json::from_value(document.clone()).ok()?;
    let fingerprint = sim::shard::fingerprint(
        &part.command,
        &part.scenarios,
        part.seed,
        part.trials,
        part.check.as_ref(),
    );
    let blocks = serde_json::to_string(&part.blocks).ok()?;
    let checksum = format!("{:016x}", sim::rng::entity_key(&[&blocks]));
    let map = document.as_object_mut()?;
    map.insert("fingerprint".to_string(), Value::from(fingerprint));
    map.insert("checksum".to_string(), Value::from(checksum));
    serde_json::to_vec(&document).ok()
}

/// FNV-1a of the input's bytes: the name of its saved file.
pub fn short_hash(input: &Input) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in encode(input) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")[..12].to_string()
}

/// The bytes saved for an input: the file itself, or the arguments as a JSON list (a
/// string each, or its bytes when it is not UTF-8).
pub fn encode(input: &Input) -> Vec<u8> {
    match input {
        Input::Bytes(bytes) => bytes.clone(),
        Input::Args(args) => {
            use std::os::unix::ffi::OsStrExt;
            let list: Vec<Value> = args
                .iter()
                .map(|a| match a.to_str() {
                    Some(s) => Value::from(s),
                    None => Value::from(a.as_bytes().to_vec()),
                })
                .collect();
            serde_json::to_vec(&list).expect("serializes")
        }
    }
}

/// The input a saved file holds (`encode` reversed).
pub fn decode(target: Target, bytes: &[u8]) -> Input {
    match target {
        Target::Cli => {
            use std::os::unix::ffi::OsStringExt;
            let list: Vec<Value> = serde_json::from_slice(bytes).expect("a saved argument list");
            Input::Args(
                list.into_iter()
                    .map(|v| match v {
                        Value::String(s) => OsString::from(s),
                        other => OsString::from_vec(serde_json::from_value(other).expect("bytes")),
                    })
                    .collect(),
            )
        }
        _ => Input::Bytes(bytes.to_vec()),
    }
}

/// Saves a finding as `<save>/<target>/<hash>.<ext>` and its note beside it
/// (`<hash>.note`); returns the input's path.
pub fn save(save: &Path, target: Target, input: &Input, note: &str) -> std::io::Result<PathBuf> {
    let directory = save.join(target.name());
    std::fs::create_dir_all(&directory)?;
    let hash = short_hash(input);
    let path = directory.join(format!("{hash}.{}", target.extension()));
    std::fs::write(&path, encode(input))?;
    std::fs::write(
        directory.join(format!("{hash}.note")),
        format!("{}\n", targets::one_line(note)),
    )?;
    Ok(path)
}

/// The kind of a finding, for minimization: its panic location, or its whole text.
fn kind(note: &str) -> &str {
    note.rsplit_once(" at ")
        .map_or(note, |(_, location)| location)
}

/// A smaller input with the same finding, by deleting chunks (halves, quarters, ... single
/// bytes) while the finding stays the same; at most `attempts` runs. Only byte inputs of
/// the scenario target are minimized (a part's checksum breaks under any deletion).
pub fn minimize(
    corpus: &Corpus,
    target: Target,
    input: &Input,
    note: &str,
    attempts: usize,
) -> Input {
    let (Target::Scenario, Input::Bytes(bytes)) = (target, input) else {
        return input.clone();
    };
    let wanted = kind(note).to_string();
    let mut best = bytes.clone();
    let mut left = attempts;
    let mut chunk = best.len() / 2;
    while chunk > 0 && left > 0 {
        let mut start = 0;
        while start < best.len() && left > 0 {
            let mut candidate = best.clone();
            candidate.drain(start..(start + chunk).min(best.len()));
            left -= 1;
            match corpus.run(target, &Input::Bytes(candidate.clone())) {
                Outcome::Finding(n) if kind(&n) == wanted => best = candidate,
                _ => start += chunk,
            }
        }
        chunk /= 2;
    }
    Input::Bytes(best)
}

/// Counts of outcomes.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub inputs: u64,
    pub rejected: u64,
    pub accepted: u64,
    pub refused: u64,
    pub findings: u64,
}

impl Tally {
    pub fn add(&mut self, outcome: &Outcome) {
        self.inputs += 1;
        match outcome {
            Outcome::Rejected => self.rejected += 1,
            Outcome::Accepted => self.accepted += 1,
            Outcome::Refused => self.refused += 1,
            Outcome::Finding(_) => self.findings += 1,
        }
    }
}
