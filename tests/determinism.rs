//! Same scenario, seed and trials give the same bytes, whatever the thread count; another
//! seed gives other numbers; a unit draws the same numbers whatever else the scenario holds.

use crate::common::{run_with, scenario, scratch, sim};

#[test]
fn one_thread_and_four_threads_give_identical_json_bytes() {
    let one = sim(&[
        "run",
        "scenarios/multi-az-three-tier.json",
        "--trials",
        "1500",
        "--threads",
        "1",
        "--format",
        "json",
        "-q",
    ]);
    let four = sim(&[
        "run",
        "scenarios/multi-az-three-tier.json",
        "--trials",
        "1500",
        "--threads",
        "4",
        "--format",
        "json",
        "-q",
    ]);
    assert!(one.status.success() && four.status.success());
    assert!(!one.stdout.is_empty());
    assert_eq!(one.stdout, four.stdout);
}

#[test]
fn same_seed_twice_is_identical_and_another_seed_differs() {
    let args = |seed: &'static str| {
        [
            "run",
            "scenarios/active-passive.json",
            "--trials",
            "800",
            "--seed",
            seed,
            "--format",
            "json",
            "-q",
        ]
    };
    let first = sim(&args("5"));
    let again = sim(&args("5"));
    let other = sim(&args("6"));
    assert_eq!(first.stdout, again.stdout);
    let mean = |bytes: &[u8]| -> f64 {
        let report: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        report["availability"]["mean"].as_f64().unwrap()
    };
    assert_ne!(mean(&first.stdout), mean(&other.stdout));
}

/// Thread counts that do not divide the chunks evenly, and a trial count that is not a
/// multiple of the chunk size, still give the same report.
#[test]
fn library_runs_are_independent_of_the_pool_size() {
    let scenario = scenario(
        r#"{ "zones": { "a": { "outage": { "ttf": "1y", "ttr": "2h" } }, "b": {} },
            "components": { "api": { "replicas": 3, "require": 2, "zones": ["a", "b"],
              "failures": [ { "name": "crash", "ttf": "30d", "ttr": { "lognormal": { "median": "20m", "sigma": 1 } } } ] } },
            "entry": "api" }"#,
    );
    let reference = run_with(&scenario, 1_337, 9, 1);
    for threads in [2, 3, 4] {
        assert_eq!(
            run_with(&scenario, 1_337, 9, threads),
            reference,
            "{threads} threads"
        );
    }
}

/// Common random numbers: adding an unrelated component, or moving a component to another
/// position in the file, leaves every other unit's draws (and so its availability) unchanged.
#[test]
fn a_unit_draws_the_same_numbers_whatever_else_the_scenario_contains() {
    let alone = scenario(
        r#"{ "components": { "db": { "replicas": 2, "failures": [ { "name": "crash", "ttf": "20d", "ttr": "6h" } ] } }, "entry": "db" }"#,
    );
    let with_more = scenario(
        r#"{ "zones": { "z": { "outage": { "ttf": "30d", "ttr": "1h" } } },
            "components": {
              "cache": { "replicas": 4, "zones": ["z"], "failures": [ { "name": "evict", "ttf": "3d", "ttr": "1m" } ] },
              "api": { "depends_on": ["db"], "failures": [ { "name": "crash", "ttf": "5d", "ttr": "5m" } ] },
              "db": { "replicas": 2, "failures": [ { "name": "crash", "ttf": "20d", "ttr": "6h" } ] } },
            "entry": "api" }"#,
    );
    let a = run_with(&alone, 500, 3, 2);
    let b = run_with(&with_more, 500, 3, 2);
    assert_eq!(a.components["db"], b.components["db"]);
    assert_ne!(a.availability, b.availability);
}

/// --output writes the same JSON as --format json, and nothing else is left behind.
#[test]
fn output_file_matches_standard_output() {
    let directory = scratch("output");
    let target = directory.join("result.json");
    let target_text = target.to_str().unwrap();
    let written = sim(&[
        "run",
        "tests/reference/v2-pair.json",
        "--trials",
        "300",
        "-q",
        "--output",
        target_text,
    ]);
    assert!(written.status.success());
    let printed = sim(&[
        "run",
        "tests/reference/v2-pair.json",
        "--trials",
        "300",
        "-q",
        "--format",
        "json",
    ]);
    assert_eq!(std::fs::read(&target).unwrap(), printed.stdout);
    assert_eq!(std::fs::read_dir(&directory).unwrap().count(), 1);
    std::fs::remove_dir_all(&directory).unwrap();
}

fn every_scenario() -> Vec<std::path::PathBuf> {
    let mut paths = Vec::new();
    for directory in ["scenarios", "tests/scenarios"] {
        for entry in std::fs::read_dir(crate::common::repository_file(directory)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths
}

/// Every mechanism, in every shipped and test scenario: 1 and 3 threads give the same
/// report, and the lost service attributed to causes adds up to the downtime.
#[test]
fn every_scenario_is_thread_independent_and_fully_attributed() {
    let paths = every_scenario();
    assert!(paths.len() >= 6);
    for path in paths {
        let scenario = sim::scenario::load_file(&path).unwrap();
        let one = run_with(&scenario, 300, 17, 1);
        let three = run_with(&scenario, 300, 17, 3);
        assert_eq!(one, three, "{}", path.display());
        let attributed: f64 = one.downtime_causes.iter().map(|c| c.minutes_per_year).sum();
        let downtime = one.downtime_minutes_per_year.mean;
        assert!(
            (attributed - downtime).abs() <= 1e-9 * downtime.max(1e-9),
            "{}: causes add up to {attributed}, downtime is {downtime}",
            path.display()
        );
    }
}
