//! Helpers shared by the test modules.

use std::path::PathBuf;
use std::process::{Command, Output};

use sim::engine::Plan;
use sim::montecarlo;
use sim::report::RunReport;
use sim::scenario::{load_str, Scenario};

/// Loads scenario text, panicking with the loader's message if it is invalid.
pub fn scenario(text: &str) -> Scenario {
    load_str(text, "test.json").unwrap_or_else(|e| panic!("{e}"))
}

/// Runs a scenario on a pool of `threads` threads with the given trials and seed.
pub fn run_with(scenario: &Scenario, trials: u64, seed: u64, threads: usize) -> RunReport {
    let mut scenario = scenario.clone();
    scenario.simulation.trials = trials;
    scenario.simulation.seed = seed;
    let plan = Plan::new(&scenario);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let accumulator = pool.install(|| montecarlo::run(&plan, trials, &|_| {}));
    RunReport::new(&scenario, &plan, &accumulator)
}

pub fn run(scenario: &Scenario, trials: u64, seed: u64) -> RunReport {
    run_with(scenario, trials, seed, 2)
}

pub fn repository_file(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// Runs the `sim` binary with `args`.
pub fn sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the sim binary runs")
}

/// Every file under `root` (walked without recursion), as sorted paths relative to it.
pub fn files_under(root: &std::path::Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(directory) = pending.pop() {
        for entry in std::fs::read_dir(&directory).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path.strip_prefix(root).unwrap().to_path_buf());
            }
        }
    }
    files.sort();
    files
}

/// A scratch directory unique to this test process and `name`.
pub fn scratch(name: &str) -> PathBuf {
    let directory = std::env::temp_dir().join(format!("sim-tests-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    directory
}

/// Asserts `estimate` is within `k` standard errors of `exact`.
pub fn assert_within(name: &str, estimate: f64, std_error: f64, exact: f64, k: f64) {
    let z = (estimate - exact) / std_error;
    assert!(
        std_error > 0.0 && z.abs() <= k,
        "{name}: estimate {estimate} +/- {std_error} is {z:.2} standard errors from the exact {exact}"
    );
}
