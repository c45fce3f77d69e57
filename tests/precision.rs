//! `--precision`, `--max-trials` and `--time-limit` (spec precision-and-scale.md section 1):
//! a run to a precision reaches it and says so, bounds stop it and say so, the bytes do not
//! depend on the thread count, a run that stopped at N trials reports what `--trials N`
//! reports, and without the flag nothing changes.

use serde_json::Value;

use crate::common::{repository_file, sim};

fn file(name: &str) -> String {
    repository_file(&format!("scenarios/{name}.json"))
        .to_string_lossy()
        .into_owned()
}

fn json(args: &[&str]) -> (Value, Vec<u8>) {
    let output = sim(args);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let value = serde_json::from_slice(&output.stdout).expect("JSON");
    (value, output.stdout)
}

/// The target is reached (the reported relative half-width of the unavailability's 95%
/// interval is at most the target, and recomputes from the reported interval), with the
/// same bytes for 1 and 2 threads; and the report equals `--trials N`'s for the N reached,
/// apart from the precision fields.
#[test]
fn a_precision_is_reached_identically_for_any_thread_count() {
    let scenario = file("active-passive");
    let run = |threads: &str| {
        json(&[
            "run",
            &scenario,
            "--precision",
            "0.03",
            "--format",
            "json",
            "--threads",
            threads,
        ])
    };
    let (one, one_bytes) = run("1");
    let (_, two_bytes) = run("2");
    assert_eq!(one_bytes, two_bytes);
    assert_eq!(one["stopped_by"], "precision");
    assert_eq!(one["precision_target"], 0.03);
    let reached = one["precision"].as_f64().unwrap();
    assert!(reached <= 0.03, "{reached}");
    let unavailability = 1.0 - one["availability"]["mean"].as_f64().unwrap();
    let se = one["availability"]["std_error"].as_f64().unwrap();
    assert!((reached - 1.959964 * se / unavailability).abs() < 1e-4 * reached);
    let trials = one["trials"].as_u64().unwrap();
    assert!(trials > 1024, "{trials}");
    let (mut fixed, _) = json(&[
        "run",
        &scenario,
        "--trials",
        &trials.to_string(),
        "--format",
        "json",
    ]);
    let mut stripped = one.clone();
    for key in ["precision", "precision_target", "stopped_by", "rare_events"] {
        stripped.as_object_mut().unwrap().remove(key);
        assert!(fixed.get(key).is_none(), "{key} without --precision");
    }
    fixed.as_object_mut().unwrap().remove("approximations");
    assert_eq!(stripped, fixed);
}

/// `--max-trials` stops a run short of its target and says so (exit 0), in JSON and in the
/// table; `--time-limit` too.
#[test]
fn bounds_stop_the_run_and_say_so() {
    let scenario = file("active-passive");
    let (capped, _) = json(&[
        "run",
        &scenario,
        "--precision",
        "0.001",
        "--max-trials",
        "3000",
        "--format",
        "json",
    ]);
    assert_eq!(capped["trials"], 3000);
    assert_eq!(capped["stopped_by"], "max_trials");
    assert!(capped["precision"].as_f64().unwrap() > 0.001);
    let table = sim(&[
        "run",
        &scenario,
        "--precision",
        "0.001",
        "--max-trials",
        "3000",
    ]);
    assert!(table.status.success());
    assert!(String::from_utf8_lossy(&table.stdout).contains("stopped by --max-trials"));
    let (timed, _) = json(&[
        "run",
        &scenario,
        "--precision",
        "0.0001",
        "--time-limit",
        "1s",
        "--format",
        "json",
    ]);
    assert_eq!(timed["stopped_by"], "time_limit");
    assert_eq!(timed["trials"].as_u64().unwrap() % 256, 0);
}

/// compare runs in lockstep until every scenario reaches the precision, each report with
/// its own; check accepts the flag too.
#[test]
fn compare_runs_until_the_least_precise_scenario_reaches_it() {
    let (comparison, _) = json(&[
        "compare",
        &file("pitfall-single-lb"),
        &file("remedy-redundant-lb"),
        "--precision",
        "0.1",
        "--format",
        "json",
    ]);
    assert_eq!(comparison["stopped_by"], "precision");
    let worst = comparison["precision"].as_f64().unwrap();
    assert!(worst <= 0.1);
    let each: Vec<f64> = comparison["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["precision"].as_f64().unwrap())
        .collect();
    assert_eq!(each.iter().copied().fold(0.0, f64::max), worst);
}

/// Bad values exit 2 with what would be valid; --trials and --precision exclude each other,
/// and the bounds need --precision.
#[test]
fn bad_precision_flags_exit_2() {
    let scenario = file("active-passive");
    for args in [
        vec!["run", &scenario, "--precision", "0"],
        vec!["run", &scenario, "--precision", "1.5"],
        vec!["run", &scenario, "--precision", "x"],
        vec!["run", &scenario, "--precision", "0.05", "--trials", "10"],
        vec!["run", &scenario, "--max-trials", "10"],
        vec![
            "run",
            &scenario,
            "--precision",
            "0.05",
            "--time-limit",
            "0s",
        ],
        vec![
            "run",
            &scenario,
            "--precision",
            "0.05",
            "--time-limit",
            "soon",
        ],
    ] {
        let output = sim(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(!output.stderr.is_empty());
    }
}
