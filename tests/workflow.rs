//! The design-review and CI workflow: compare, check, sweep and trace, through the binary.

use crate::common::{scratch, sim};

pub fn json(output: &std::process::Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn comparing_a_scenario_with_itself_gives_exactly_zero() {
    let file = "tests/scenarios/compare-two-api.json";
    let result = json(&sim(&[
        "compare", file, file, "--trials", "500", "-q", "--format", "json",
    ]));
    let difference = &result["differences"][0];
    for key in ["availability", "downtime_minutes_per_year"] {
        assert_eq!(difference[key]["mean"], 0.0);
        assert_eq!(difference[key]["std_error"], 0.0);
        assert_eq!(difference[key]["ci95"], serde_json::json!([0.0, 0.0]));
    }
}

/// One more API replica, same names: the region outages and database failures are the same
/// draws in both, so the paired interval is much narrower than the unpaired one.
#[test]
fn paired_intervals_are_narrower_than_unpaired() {
    let result = json(&sim(&[
        "compare",
        "tests/scenarios/compare-two-api.json",
        "tests/scenarios/compare-three-api.json",
        "-q",
        "--format",
        "json",
    ]));
    let downtime = &result["differences"][0]["downtime_minutes_per_year"];
    let paired = downtime["std_error"].as_f64().unwrap();
    let unpaired = downtime["unpaired_std_error"].as_f64().unwrap();
    assert!(
        paired > 0.0 && paired < unpaired / 2.0,
        "paired {paired}, unpaired {unpaired}"
    );
    // More replicas: less downtime, beyond doubt.
    assert!(downtime["ci95"][1].as_f64().unwrap() < 0.0);
}

#[test]
fn markdown_comparison_snapshot() {
    let output = sim(&[
        "compare",
        "tests/scenarios/compare-two-api.json",
        "tests/scenarios/compare-three-api.json",
        "--trials",
        "400",
        "-q",
        "--format",
        "markdown",
    ]);
    assert!(output.status.success());
    insta::assert_snapshot!(String::from_utf8(output.stdout).unwrap());
}

/// The gate passes the unchanged scenario against its own baseline and fails one made worse
/// on purpose (one API replica instead of three), with the JUnit file listing both.
#[test]
fn check_fails_a_regression_and_passes_the_unchanged() {
    let directory = scratch("check");
    let baseline = directory.join("baseline.json");
    let written = sim(&[
        "run",
        "tests/scenarios/compare-three-api.json",
        "-q",
        "--output",
        baseline.to_str().unwrap(),
    ]);
    assert!(written.status.success());
    let worse = directory.join("worse.json");
    let text = std::fs::read_to_string(crate::common::repository_file(
        "tests/scenarios/compare-three-api.json",
    ))
    .unwrap();
    std::fs::write(&worse, text.replace("\"replicas\": 3", "\"replicas\": 1")).unwrap();
    let unchanged_xml = directory.join("unchanged.xml");
    let worse_xml = directory.join("worse.xml");
    let unchanged = sim(&[
        "check",
        "tests/scenarios/compare-three-api.json",
        "-q",
        "--baseline",
        baseline.to_str().unwrap(),
        "--junit",
        unchanged_xml.to_str().unwrap(),
    ]);
    assert_eq!(
        unchanged.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&unchanged.stdout)
    );
    let regressed = sim(&[
        "check",
        worse.to_str().unwrap(),
        "-q",
        "--baseline",
        baseline.to_str().unwrap(),
        "--junit",
        worse_xml.to_str().unwrap(),
    ]);
    assert_eq!(regressed.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&regressed.stdout);
    assert!(
        stdout.contains("FAIL baseline.availability") && stdout.contains("min/yr"),
        "{stdout}"
    );
    let passed = std::fs::read_to_string(&unchanged_xml).unwrap();
    let failed = std::fs::read_to_string(&worse_xml).unwrap();
    assert!(passed.contains("failures=\"0\"") && passed.contains("name=\"baseline.availability\""));
    assert!(failed.contains("failures=\"1\"") && failed.contains("<failure message="));
    // Bad input is 2, not 1.
    let missing = sim(&[
        "check",
        "tests/scenarios/compare-three-api.json",
        "--baseline",
        "no/such.json",
    ]);
    assert_eq!(missing.status.code(), Some(2));
    std::fs::remove_dir_all(&directory).unwrap();
}

/// SLOs written in the scenario: a target the design meets passes, a tighter one fails.
#[test]
fn check_holds_a_run_to_the_scenario_slo() {
    let directory = scratch("slo");
    let text = std::fs::read_to_string(crate::common::repository_file(
        "tests/scenarios/compare-three-api.json",
    ))
    .unwrap();
    let with_slo = |slo: &str| {
        let path = directory.join(format!("slo-{}.json", slo.len()));
        std::fs::write(
            &path,
            text.replacen(
                "\"entry\": \"api\"",
                &format!("\"entry\": \"api\", \"slo\": {slo}"),
                1,
            ),
        )
        .unwrap();
        path
    };
    let loose = with_slo(r#"{ "availability": 0.99, "max_downtime_minutes_per_year": 5000 }"#);
    let tight = with_slo(r#"{ "availability": 0.999999, "confidence": 0.99 }"#);
    assert_eq!(
        sim(&["check", loose.to_str().unwrap(), "-q"]).status.code(),
        Some(0)
    );
    let failed = sim(&["check", tight.to_str().unwrap(), "-q"]);
    assert_eq!(failed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&failed.stdout).contains("FAIL slo.availability"));
    std::fs::remove_dir_all(&directory).unwrap();
}

/// `sim trace` of the worst trial reproduces exactly the downtime the full run reported.
#[test]
fn trace_reproduces_the_worst_trial() {
    let file = "scenarios/active-passive.json";
    let report = json(&sim(&[
        "run", file, "--trials", "600", "-q", "--format", "json",
    ]));
    let worst = &report["worst_trial"];
    let trial = worst["trial"].as_u64().unwrap().to_string();
    let output = sim(&["trace", file, "--trial", &trial, "--trials", "600"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    let last: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(
        last["downtime_minutes_per_year"],
        worst["downtime_minutes_per_year"]
    );
    // Every line before the summary is an event of that trial, in time order.
    let times: Vec<f64> = text
        .lines()
        .rev()
        .skip(1)
        .map(|line| {
            serde_json::from_str::<serde_json::Value>(line).unwrap()["t"]
                .as_f64()
                .unwrap()
        })
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]));
    assert!(!times.is_empty());
}

#[test]
fn sweep_runs_each_value_in_order_and_rejects_bad_paths() {
    let result = json(&sim(&[
        "sweep",
        "tests/scenarios/compare-two-api.json",
        "--set",
        "components.api.replicas=1,2,3",
        "--trials",
        "500",
        "-q",
        "--format",
        "json",
    ]));
    let points = result["points"].as_array().unwrap();
    let labels: Vec<&str> = points
        .iter()
        .map(|p| p["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, vec!["1", "2", "3"]);
    let downtime: Vec<f64> = points
        .iter()
        .map(|p| p["downtime_minutes_per_year"].as_f64().unwrap())
        .collect();
    assert!(
        downtime[0] > downtime[1] && downtime[1] > downtime[2],
        "{downtime:?}"
    );
    for bad in [
        "components.web.replicas=1,2",
        "components.api.replicas=0",
        "nonsense",
    ] {
        let output = sim(&[
            "sweep",
            "tests/scenarios/compare-two-api.json",
            "--set",
            bad,
            "-q",
        ]);
        assert_eq!(output.status.code(), Some(2), "{bad}");
        assert!(String::from_utf8_lossy(&output.stderr).starts_with("error: "));
    }
}

#[test]
fn tornado_ranks_parameters_by_effect() {
    let result = json(&sim(&[
        "sweep",
        "tests/scenarios/compare-two-api.json",
        "--tornado",
        "--trials",
        "300",
        "-q",
        "--format",
        "json",
    ]));
    let rows = result["parameters"].as_array().unwrap();
    assert!(rows.len() >= 5);
    let effects: Vec<f64> = rows.iter().map(|r| r["effect"].as_f64().unwrap()).collect();
    assert!(effects.windows(2).all(|w| w[0] >= w[1]));
    // Counts (replicas) are not scaled; durations are.
    assert!(rows
        .iter()
        .all(|r| !r["parameter"].as_str().unwrap().ends_with("replicas")));
    assert!(rows
        .iter()
        .any(|r| r["parameter"] == "regions.r.outage.ttf"));
}

/// Compare and sweep give the same bytes on 1 and 4 threads.
#[test]
fn workflow_outputs_are_thread_independent() {
    let runs: [&[&str]; 2] = [
        &[
            "compare",
            "scenarios/pitfall-dns-ttl-1h.json",
            "scenarios/remedy-dns-ttl-60s.json",
            "--trials",
            "300",
            "-q",
            "--format",
            "json",
        ],
        &[
            "sweep",
            "tests/scenarios/compare-two-api.json",
            "--set",
            "components.db.failures[0].ttr=30m,1h,2h",
            "--trials",
            "300",
            "-q",
            "--format",
            "json",
        ],
    ];
    for args in runs {
        let one = sim(&[args, &["--threads", "1"]].concat());
        let four = sim(&[args, &["--threads", "4"]].concat());
        assert!(
            one.status.success(),
            "{}",
            String::from_utf8_lossy(&one.stderr)
        );
        assert_eq!(one.stdout, four.stdout, "{args:?}");
    }
}

#[test]
fn workflow_commands_reject_bad_input_with_2() {
    let directory = scratch("workflow-errors");
    let other_horizon = directory.join("short.json");
    let text = std::fs::read_to_string(crate::common::repository_file(
        "tests/scenarios/compare-two-api.json",
    ))
    .unwrap();
    std::fs::write(
        &other_horizon,
        text.replace("\"horizon\": \"1y\"", "\"horizon\": \"30d\""),
    )
    .unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec![
            "compare",
            "tests/scenarios/compare-two-api.json",
            other_horizon.to_str().unwrap(),
        ],
        vec![
            "compare",
            "tests/scenarios/compare-two-api.json",
            "missing.json",
        ],
        vec![
            "trace",
            "tests/scenarios/compare-two-api.json",
            "--trial",
            "999999",
        ],
        vec!["check", "tests/scenarios/compare-two-api.json"],
        vec![
            "sweep",
            "tests/scenarios/compare-two-api.json",
            "--tornado",
            "--factor",
            "0.5",
        ],
        vec!["report", "missing.json", "-o", "unused-directory"],
    ];
    for args in cases {
        let output = sim(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("error: ") && !stderr.contains("panicked"),
            "{args:?}: {stderr}"
        );
    }
    assert!(!std::path::Path::new("unused-directory").exists());
    std::fs::remove_dir_all(&directory).unwrap();
}

/// Against the scenario before the change, the gate pairs the trials and catches a small
/// regression (database failure detection 20-30 s -> 100-150 s, about +2.6 min/yr) that a
/// comparison of two summaries cannot; the unchanged scenario passes with a difference of 0.
#[test]
fn check_against_a_scenario_catches_small_regressions() {
    let directory = scratch("paired-check");
    let original = crate::common::repository_file("scenarios/active-passive.json");
    let text = std::fs::read_to_string(&original).unwrap();
    let slower = text.replace(
        r#""detection": { "uniform": { "min": "20s", "max": "30s" } }"#,
        r#""detection": { "uniform": { "min": "100s", "max": "150s" } }"#,
    );
    assert_ne!(
        slower, text,
        "the scenario's detection setting moved: update this test"
    );
    let changed = directory.join("slower.json");
    std::fs::write(&changed, slower).unwrap();
    let base = original.to_str().unwrap();
    let regressed = sim(&[
        "check",
        changed.to_str().unwrap(),
        "--baseline",
        base,
        "--trials",
        "1000",
        "-q",
    ]);
    assert_eq!(
        regressed.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&regressed.stdout)
    );
    let unchanged = sim(&["check", base, "--baseline", base, "--trials", "1000", "-q"]);
    assert_eq!(unchanged.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&unchanged.stdout).contains("+0.000 min/yr"));
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn completions_and_the_man_page_come_from_the_clap_definitions() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let output = crate::common::sim(&["completions", shell]);
        assert!(output.status.success(), "{shell}");
        let text = String::from_utf8_lossy(&output.stdout);
        // Every subcommand and a recent option are offered.
        for word in ["run", "compare", "fit", "samples", "max-events"] {
            assert!(text.contains(word), "{shell}: {word}");
        }
    }
    let output = crate::common::sim(&["man"]);
    assert!(output.status.success());
    let page = String::from_utf8_lossy(&output.stdout);
    assert!(page.contains(".TH sim 1"), "{page}");
    assert!(page.contains("completions"), "{page}");
    assert_eq!(
        crate::common::sim(&["completions", "tcsh"]).status.code(),
        Some(2)
    );
}
