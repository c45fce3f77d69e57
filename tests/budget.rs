//! The event budget (docs/scale.md, "Event budget"): an exploding model is refused before
//! it runs, naming the process; --max-events 0 runs it anyway; ordinary runs are untouched.

use crate::common::{scratch, sim};

fn write(name: &str, text: &str) -> String {
    let path = scratch("budget").join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn an_exploding_model_is_refused_with_the_process_named() {
    // A 10 s ttf and 10 s ttr over a year: 2 x 31,536,000 / 20 = 3.15e6 events per unit
    // and trial, x 3 replicas x 10,000 trials = 9.5e10 events, beyond the default 5e9.
    let file = write(
        "boom.json",
        r#"{"components": {"api": {"replicas": 3, "failures": [
            {"name": "steady", "ttf": "30d", "ttr": "1h"},
            {"name": "flap", "ttf": "10s", "ttr": "10s"}]}}, "entry": "api"}"#,
    );
    for command in [
        vec!["run", file.as_str()],
        vec!["compare", file.as_str(), file.as_str()],
        vec!["check", file.as_str(), "--baseline", file.as_str()],
    ] {
        let output = sim(&command);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{command:?}: {stderr}");
        assert!(stderr.contains("flap"), "{stderr}");
        assert!(stderr.contains("9.461e6 events per trial"), "{stderr}");
        assert!(stderr.contains("--max-events 0"), "{stderr}");
    }
    // Told to go ahead, one trial runs (and counts about what the means predict).
    let output = sim(&[
        "run",
        &file,
        "--trials",
        "1",
        "--max-events",
        "0",
        "--format",
        "json",
        "-q",
    ]);
    assert!(output.status.success());
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let events = report["events"].as_f64().unwrap();
    assert!((events / 9.4608e6 - 1.0).abs() < 0.01, "{events}");
    // A budget that the pilot, not the means, exceeds: the pilot measures real events.
    let small = sim(&["run", &file, "--trials", "1", "--max-events", "1000000"]);
    assert_eq!(small.status.code(), Some(2));
}

#[test]
fn ordinary_runs_are_not_touched_by_the_budget() {
    // The budget only refuses or prints to standard error: the report is the same bytes
    // with the check disabled.
    let file = "scenarios/active-passive.json";
    let with = sim(&["run", file, "--trials", "300", "--format", "json", "-q"]);
    let without = sim(&[
        "run",
        file,
        "--trials",
        "300",
        "--format",
        "json",
        "-q",
        "--max-events",
        "0",
    ]);
    assert!(with.status.success());
    assert_eq!(with.stdout, without.stdout);
}
