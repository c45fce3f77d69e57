//! Fuzzing in the test suite (docs/fuzzing.md): a short run of the fuzzer of
//! examples/fuzz with a fixed seed on each target, and a replay of every input that ever
//! failed: the files under tests/fuzz-regressions/<target>/ (each with a `.note` saying what
//! happened) and the large cases of issue 13, generated here rather than committed.
//!
//! The fuzzer's modules are compiled into this test from examples/fuzz, so the test runs
//! exactly the fuzzer's targets. Each input runs on a worker thread watched by the test: an
//! input that hangs fails the test with its number instead of hanging the suite.

#[allow(dead_code)]
#[path = "../examples/fuzz/campaign.rs"]
mod campaign;
#[allow(dead_code)]
#[path = "../examples/fuzz/mutate.rs"]
mod mutate;
#[allow(dead_code)]
#[path = "../examples/fuzz/targets.rs"]
mod targets;

use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, OnceLock};
use std::time::Duration;

use campaign::{Corpus, Input, Target};
use targets::Outcome;

use crate::common::{repository_file, scratch, sim};

/// The seed of the short runs (any seed works; this one is pinned so a failure reproduces:
/// `cargo run --release --example fuzz -- --target T --seed 13013 --inputs N`).
const SEED: u64 = 13_013;

/// How long one input may take on a loaded machine before the test calls it a hang.
const PATIENCE: Duration = Duration::from_secs(60);

fn corpus() -> Arc<Corpus> {
    static CORPUS: OnceLock<Arc<Corpus>> = OnceLock::new();
    CORPUS
        .get_or_init(|| Arc::new(Corpus::load(&repository_file(""), &[])))
        .clone()
}

/// Runs `inputs` (named for messages) through `target` on a worker thread; returns every
/// finding, and fails if one input takes longer than `PATIENCE` (the worker is left
/// behind: the test process ends without it).
fn run_all(target: Target, inputs: Vec<(String, Input)>) -> Vec<String> {
    let corpus = corpus();
    let names: Vec<String> = inputs.iter().map(|(name, _)| name.clone()).collect();
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for (name, input) in inputs {
            if sender.send(Err(name.clone())).is_err() {
                return;
            }
            let outcome = corpus.run(target, &input);
            if sender.send(Ok((name, outcome))).is_err() {
                return;
            }
        }
    });
    let mut findings = Vec::new();
    let mut running = String::new();
    for _ in 0..names.len() * 2 {
        match receiver.recv_timeout(PATIENCE) {
            Ok(Err(name)) => running = name,
            Ok(Ok((name, Outcome::Finding(note)))) => findings.push(format!("{name}: {note}")),
            Ok(Ok(_)) => {}
            Err(_) => panic!(
                "{} input {running} gave no answer within {} s (a hang: save it with the fuzzer and report it)",
                target.name(),
                PATIENCE.as_secs()
            ),
        }
    }
    findings
}

fn short_run(target: Target, count: u64) {
    let corpus = corpus();
    let inputs = (0..count)
        .map(|i| (format!("{i}"), corpus.input(target, SEED, i)))
        .collect();
    let findings = run_all(target, inputs);
    assert!(
        findings.is_empty(),
        "{} findings in the short {} run (seed {SEED}); reproduce with `cargo run --release --example fuzz -- --target {} --seed {SEED} --from N --inputs 1`:\n{}",
        findings.len(),
        target.name(),
        target.name(),
        findings.join("\n")
    );
}

#[test]
fn fuzz_short_run_scenario() {
    short_run(Target::Scenario, 5000);
}

#[test]
fn fuzz_short_run_cli() {
    short_run(Target::Cli, 5000);
}

#[test]
fn fuzz_short_run_part() {
    short_run(Target::Part, 5000);
}

/// The fuzzer builds its argument vectors from the clap definition; clap's own consistency
/// checks (run only in debug builds otherwise) hold for it.
#[test]
fn fuzz_cli_definition_passes_clap_debug_asserts() {
    use clap::CommandFactory;
    sim::cli::Cli::command().debug_assert();
}

/// Saved inputs (everything but `.note` files) of `target`, in path order.
fn saved(target: Target) -> Vec<PathBuf> {
    let directory = repository_file("tests/fuzz-regressions").join(target.name());
    let Ok(entries) = std::fs::read_dir(&directory) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e != "note"))
        .collect();
    paths.sort();
    paths
}

/// A saved finding still open: its note starts with "OPEN", and the replay of open
/// findings is `#[ignore]`d until the fix lands.
fn is_open(path: &Path) -> bool {
    std::fs::read_to_string(path.with_extension("note")).is_ok_and(|n| n.starts_with("OPEN"))
}

fn replay(open: bool) {
    let mut findings = Vec::new();
    let mut count = 0;
    for target in Target::ALL {
        let inputs: Vec<(String, Input)> = saved(target)
            .into_iter()
            .filter(|p| is_open(p) == open)
            .map(|path| {
                let bytes = std::fs::read(&path).unwrap();
                (path.display().to_string(), campaign::decode(target, &bytes))
            })
            .collect();
        count += inputs.len();
        findings.extend(run_all(target, inputs));
    }
    assert!(count > 0 || open, "no saved regression inputs found");
    assert!(
        findings.is_empty(),
        "saved fuzz regressions fail again:\n{}",
        findings.join("\n")
    );
}

/// Every input that ever failed loads with an error, or runs (2 trials) without a panic
/// within the event budget, or is refused by it.
#[test]
fn fuzz_regressions_replay() {
    replay(false);
}

/// The findings not fixed yet (notes starting with OPEN): run with `--ignored` once the fix
/// lands, then drop the OPEN from the note.
#[test]
#[ignore]
fn fuzz_regressions_open_replay() {
    replay(true);
}

fn run_scenario(text: String) -> Outcome {
    run_all(
        Target::Scenario,
        vec![("generated".to_string(), Input::Bytes(text.into_bytes()))],
    )
    .into_iter()
    .next()
    .map_or(Outcome::Accepted, Outcome::Finding)
}

/// Issue 13: a ttf of 1 s ran for hours without notice; the budget refuses it, naming it.
#[test]
fn fuzz_regression_event_explosion_is_refused_by_the_budget() {
    let path = "tests/fuzz-regressions/scenario/issue13-event-explosion-ttf-1s.json";
    let text = std::fs::read_to_string(repository_file(path)).unwrap();
    let scenario = sim::scenario::load_str(&text, path).unwrap();
    assert_eq!(targets::simulate(&scenario), Outcome::Refused);
    let message = sim::budget::refusal(&scenario, 6.3e7 * 1000.0, 1000, 1_000_000);
    assert!(
        message.contains("components.api.failures[0] (\"crash\")"),
        "{message}"
    );
}

/// Issue 13: a 32 MB string value (it came back as 33 MB of stderr): an error or a run,
/// never a panic, as a name, an unknown entry and an unknown key.
#[test]
fn fuzz_regression_32_mb_string_values() {
    let huge = "\u{1b}".repeat(1 << 10) + &"a".repeat(32 << 20);
    let component =
        r#"{"replicas": 1, "failures": [{"name": "crash", "ttf": "30d", "ttr": "1h"}]}"#;
    for text in [
        format!(r#"{{"name": "{huge}", "components": {{"api": {component}}}, "entry": "api"}}"#)
            .replace('\u{1b}', "\\u001b"),
        format!(r#"{{"components": {{"api": {component}}}, "entry": "{huge}"}}"#),
        format!(r#"{{"components": {{"api": {component}, "{huge}": 1}}, "entry": "api"}}"#),
    ] {
        let outcome = run_scenario(text);
        assert!(!matches!(outcome, Outcome::Finding(_)), "{outcome:?}");
    }
}

/// Issue 13: very deep nesting is an error (serde_json's recursion limit), not a stack
/// overflow, in lists and objects.
#[test]
fn fuzz_regression_deep_nesting() {
    let n = 100_000;
    for text in [
        format!(r#"{{"components": {}{}}}"#, "[".repeat(n), "]".repeat(n)),
        format!(
            r#"{{"components": {}1{}}}"#,
            r#"{"a": "#.repeat(n),
            "}".repeat(n)
        ),
    ] {
        assert!(sim::scenario::load_str(&text, "deep.json").is_err());
    }
}

/// A chain of `n` components, each depending on the next through `edge` ("depends_on" or
/// "dns").
fn chain(n: usize, edge: &str) -> String {
    let components: Vec<String> = (0..n)
        .map(|i| {
            let next = if i + 1 < n { format!(r#""c{}""#, i + 1) } else { String::new() };
            if edge == "dns" && i % 2 == 0 && i + 1 < n {
                format!(
                    r#""c{i}": {{"replicas": 1, "dns": {{"endpoints": [{next}], "check_interval": "30s", "check_threshold": 3, "ttl": "60s"}}}}"#
                )
            } else {
                format!(
                    r#""c{i}": {{"replicas": 1, "failures": [{{"name": "f", "ttf": "1y", "ttr": "1h"}}], "depends_on": [{next}]}}"#
                )
            }
        })
        .collect();
    format!(
        r#"{{"simulation": {{"horizon": "1y", "trials": 2}}, "components": {{{}}}, "entry": "c0"}}"#,
        components.join(", ")
    )
}

/// Runs `sim` on a generated file and returns its exit status (None: killed by a signal,
/// such as the SIGABRT of a stack overflow).
fn sim_status(name: &str, text: &str, args: &[&str]) -> Option<i32> {
    let path = scratch("fuzz-regressions").join(name);
    std::fs::write(&path, text).unwrap();
    let path = path.display().to_string();
    let mut all = args.to_vec();
    all.push(&path);
    let output = sim(&all);
    output.status.code()
}

/// Issue 13: chains of components (cascade and DNS edges) must validate and run with the
/// contract's exit status, 0 or 2, never 134 (a stack overflow aborts). 1,000 links run
/// today in about a second.
#[test]
fn fuzz_regression_dependency_chains() {
    for edge in ["depends_on", "dns"] {
        let text = chain(1000, edge);
        for args in [vec!["validate"], vec!["run", "-q", "--trials", "2"]] {
            let status = sim_status(&format!("chain-1000-{edge}.json"), &text, &args);
            assert!(matches!(status, Some(0 | 2)), "{edge} {args:?}: {status:?}");
        }
    }
}

/// The same at 10,000 links. Ignored: the issue's build aborted with a stack overflow
/// (exit 134); on this branch both chains run to exit 0, but take 46 s (DNS) and 152 s
/// (depends_on) on the loaded 2-core machine, per-event walks that grow with the graph. The
/// walks are made iterative and incremental on branch i13c; run with `--ignored` there.
#[test]
#[ignore]
fn fuzz_regression_dependency_chains_of_10000() {
    for edge in ["depends_on", "dns"] {
        let text = chain(10_000, edge);
        for args in [vec!["validate"], vec!["run", "-q", "--trials", "2"]] {
            let status = sim_status(&format!("chain-10000-{edge}.json"), &text, &args);
            assert!(matches!(status, Some(0 | 2)), "{edge} {args:?}: {status:?}");
        }
    }
}

/// A component depending on `n` others.
fn wide(n: usize) -> String {
    let names: Vec<String> = (0..n).map(|i| format!(r#""d{i}""#)).collect();
    let components: Vec<String> = (0..n)
        .map(|i| format!(r#""d{i}": {{"replicas": 1}}"#))
        .collect();
    format!(
        r#"{{"components": {{"api": {{"replicas": 1, "depends_on": [{}]}}, {}}}, "entry": "api"}}"#,
        names.join(", "),
        components.join(", ")
    )
}

/// Issue 13: a long depends_on list loads (20,000 entries here, well under a second).
#[test]
fn fuzz_regression_wide_depends_on() {
    let outcome = run_scenario(wide(20_000));
    assert!(!matches!(outcome, Outcome::Finding(_)), "{outcome:?}");
}

/// Issue 13: a 200,000-entry depends_on took 28.5 s and 600 MB to validate (quadratic).
/// It is now over the model size limit (20,000 components), refused from the parsed
/// document with the limit named; lists within the limit validate in linear time
/// (tests/hostile_inputs.rs, 19,999 entries).
#[test]
fn fuzz_regression_wide_depends_on_200k() {
    let error = sim::scenario::load_str(&wide(200_000), "wide.json").unwrap_err();
    assert!(error.to_string().contains("at most 20000"), "{error}");
}
