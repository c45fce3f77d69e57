//! Chaos experiments (issue 10, spec chaos.md): closed forms held in every trial (a pod
//! killed behind health checks, with and without retries to the next upstream, a zone
//! loss, a primary kill, a breaker tripping under injected latency), exit codes 0, 1 and 2,
//! JUnit that parses, determinism across threads, `--observed`, and strict validation.

use serde_json::Value;

use crate::common::{repository_file, sim};
use sim::chaos::{run_experiment, TrialMeasure};
use sim::scenario::load_str;

/// Pods behind an active health check (interval 10 s, timeout 5 s, unhealthy after 3),
/// no retries; a primary/standby database with constant failover steps and a breaker on
/// its callers' edge; zones a and b.
const SCENARIO: &str = r#"{
  "name": "chaos-test",
  "simulation": {"horizon": "30d", "trials": 400, "seed": 11},
  "zones": {"a": {}, "b": {}},
  "components": {
    "api": {"replicas": 4, "zones": ["a", "b"], "require": 1,
            "health_check": {"interval": "10s", "timeout": "5s", "unhealthy_threshold": 3, "healthy_threshold": 2},
            "retry_next_upstream": RETRY,
            "failures": [{"name": "crash", "ttf": "30d", "ttr": "1m"}],
            "depends_on": [{"component": "db", "timeout": "100ms",
                            "breaker": {"error_threshold": 50, "window": "10s", "reset_timeout": "30s"}}]},
    "db": {"replicas": 2, "zones": ["a", "b"], "role": "active_passive",
           "replication": {"mode": "async", "lag": "2s"},
           "failover": {"detection": {"constant": "10s"}, "promotion": {"constant": "5s"}, "reconnect": {"constant": "3s"}},
           "failures": [{"name": "crash", "ttf": "60d", "ttr": "10m"}]}
  },
  "entry": "api",
  "experiments": {
    "kill-pod": {"at": "1h", "inject": [{"unit": "api#1", "for": "5m"}]},
    "lose-zone-b": {"at": "1h", "inject": [{"zone": "b", "for": "30m"}]},
    "kill-primary": {"at": "1h", "inject": [{"primary": "db", "for": "10m"},
                     {"replication_lag": {"component": "db", "lag": "4s"}, "for": "10m"}]},
    "slow-db": {"at": "1h", "inject": [{"latency": {"component": "db", "add": "200ms"}, "for": "5m"}]}
  }
}"#;

fn measures(retry: bool, experiment: &str) -> Vec<TrialMeasure> {
    let text = SCENARIO.replace("RETRY", if retry { "true" } else { "false" });
    let scenario = load_str(&text, "chaos-test.json").unwrap();
    let index = scenario
        .experiments
        .iter()
        .position(|e| e.name == experiment)
        .unwrap();
    run_experiment(&scenario, index, scenario.simulation.trials)
}

/// Killing one of n = 4 health-checked pods without retries loses D / n of service, where
/// D = U(0, interval) + (unhealthy_threshold - 1) x interval is the time until the checks
/// eject it: in every trial D is in [20 s, 30 s], the service is at 3/4 until then and
/// back at 1 for good after (recovery = D = detection), and the loss is D / 4. Over 400
/// trials D's mean is 25 s within 4 s.e. (uniform: s.d. 10 / sqrt 12).
#[test]
fn killing_a_pod_loses_the_detection_time_over_n() {
    let all = measures(false, "kill-pod");
    assert_eq!(all.len(), 400);
    let mut sum = 0.0;
    for m in &all {
        let d = m.detection.expect("the checks eject it");
        assert!((20.0..=30.0).contains(&d), "{m:?}");
        assert!(m.recovered && (m.recovery - d).abs() < 1e-6, "{m:?}");
        assert!((m.lost - d / 4.0).abs() < 1e-6, "{m:?}");
        assert!((m.lowest_level - 0.75).abs() < 1e-12, "{m:?}");
        assert_eq!(m.data_loss, 0.0);
        sum += d;
    }
    let mean = sum / all.len() as f64;
    let se = 10.0 / 12f64.sqrt() / (all.len() as f64).sqrt();
    assert!((mean - 25.0).abs() <= 4.0 * se, "{mean}");
}

/// With retries to the next upstream (nginx `proxy_next_upstream`), a crashed pod's
/// requests are passed to another pod: nothing is lost in any trial, though the checks
/// still eject it after D.
#[test]
fn with_retries_to_the_next_upstream_a_killed_pod_loses_nothing() {
    for m in measures(true, "kill-pod") {
        assert_eq!(m.lost, 0.0, "{m:?}");
        assert_eq!(m.lowest_level, 1.0);
        let d = m.detection.expect("still ejected");
        assert!((20.0..=30.0).contains(&d), "{m:?}");
    }
}

/// A zone loss: the two cut-off pods of zone b hang, so the check's timeout adds to each
/// one's D (D in [25 s, 35 s], each pod with its own check phase); the database primary
/// in zone a is untouched (zone b holds the standby). Requests spread over the pods in
/// rotation: 2 bad of 4 until the first ejection at D1 = min, then 1 bad of the 3 left
/// until the second at D2 = max, so the loss is D1 / 2 + (D2 - D1) / 3, the detection D1
/// and the recovery D2.
#[test]
fn losing_a_zone_adds_the_check_timeout() {
    for m in measures(false, "lose-zone-b") {
        let first = m.detection.expect("ejected");
        assert!((25.0..=35.0).contains(&first), "{m:?}");
        assert!(
            (25.0..=35.0).contains(&m.recovery) && m.recovery >= first,
            "{m:?}"
        );
        let expected = first / 2.0 + (m.recovery - first) / 3.0;
        assert!((m.lost - expected).abs() < 1e-6, "{m:?}");
        assert_eq!(m.lowest_level, 0.5);
        assert_eq!(m.failover, None, "the primary is in zone a");
    }
}

/// Killing the primary: the first mechanism to react is the callers' breaker (below, at
/// 5 s); the service is down for detection + promotion + reconnect = 10 +
/// 5 + 3 = 18 s until the failover completes, and the injected lag is exactly the write
/// window lost (4 s). The callers' breaker (fast errors: it trips after 10 s x 50% = 5 s)
/// is open when the database comes back and closes at its first probe, 5 + 30 = 35 s
/// after the kill: the service is back at 35 s, the loss 35 s.
#[test]
fn killing_the_primary_costs_detection_promotion_reconnect_and_the_breaker() {
    for m in measures(false, "kill-primary") {
        // The first reaction is the callers' breaker (5 s), before the failover's 10 s.
        assert_eq!(m.detection, Some(5.0), "{m:?}");
        assert_eq!(m.failover, Some(18.0), "{m:?}");
        assert!((m.data_loss - 4.0).abs() < 1e-9, "{m:?}");
        assert!((m.recovery - 35.0).abs() < 1e-6, "{m:?}");
        assert!((m.lost - 35.0).abs() < 1e-6, "{m:?}");
    }
}

/// 200 ms of added latency against the callers' 100 ms timeout: every call fails after
/// waiting the timeout, so the breaker trips at timeout + window x threshold / error share
/// = 0.1 + 10 x 0.5 / 1 = 5.1 s (opossum's rolling window, docs/model.md section 9) in
/// every trial; it stays open while the latency lasts and closes at the first probe after
/// (5.1 + 30 k s): the service is back at 305.1 s.
#[test]
fn the_breaker_trips_under_latency_past_the_timeout() {
    for m in measures(false, "slow-db") {
        let detection = m.detection.expect("the breaker trips");
        assert!((detection - 5.1).abs() < 1e-6, "{m:?}");
        assert!((m.recovery - 305.1).abs() < 1e-6, "{m:?}");
        assert_eq!(m.lowest_level, 0.0);
    }
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

fn scratch(label: &str) -> std::path::PathBuf {
    crate::common::scratch(&format!("chaos-{label}"))
}

/// Exit 0 when every expectation holds (the shipped ones), 1 when one does not, 2 for
/// bad input; the JUnit file parses, has one test case per expectation and marks the
/// failure.
#[test]
fn exit_codes_and_junit() {
    let dir = scratch("exit");
    let shipped = repository_file("scenarios/active-passive.json");
    let ok = sim(&["chaos", &shipped.to_string_lossy(), "--trials", "200"]);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    let text = SCENARIO.replace("RETRY", "false").replace(
        r#""kill-pod": {"at": "1h", "inject": [{"unit": "api#1", "for": "5m"}]}"#,
        r#""kill-pod": {"at": "1h", "inject": [{"unit": "api#1", "for": "5m"}],
                        "expect": {"max_lost": "5s", "max_recovery": "30s", "confidence": 0.9}}"#,
    );
    let file = write(&dir, "failing.json", &text);
    let junit = dir.join("chaos.xml");
    let failing = sim(&[
        "chaos",
        &file,
        "--experiment",
        "kill-pod",
        "--junit",
        &junit.to_string_lossy(),
    ]);
    let stdout = String::from_utf8_lossy(&failing.stdout);
    assert_eq!(failing.status.code(), Some(1), "{stdout}");
    // D / 4 <= 5 s needs D <= 20 s: almost never (D is U[20, 30]).
    assert!(stdout.contains("FAIL max_lost 5s"), "{stdout}");
    assert!(stdout.contains("PASS max_recovery 30s"), "{stdout}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    // One case per expectation; max_recovery held alone but not with max_lost in the same
    // trials, so both fail, saying so.
    let cases = xml.matches("<testcase ").count();
    assert_eq!(cases, 2, "{xml}");
    assert_eq!(xml.matches("<failure ").count(), 2, "{xml}");
    assert!(xml.contains("held together in only"), "{xml}");
    assert!(xml.contains("name=\"kill-pod.max_lost\""));
    // Well-formed: every opened element is closed, in order.
    let mut stack = Vec::new();
    for tag in xml.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap();
        if tag.starts_with('?') || tag.ends_with('/') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop(), Some(name.to_string()), "{xml}");
        } else {
            stack.push(tag.split_whitespace().next().unwrap().to_string());
        }
    }
    assert!(stack.is_empty(), "{xml}");
    let bad = sim(&["chaos", &file, "--experiment", "nope"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("valid experiments: kill-pod"));
    std::fs::remove_dir_all(&dir).ok();
}

/// Strict validation: each mistake is exit 2 with the file and the JSON path.
#[test]
fn invalid_experiments_name_their_json_path() {
    let dir = scratch("invalid");
    let base = SCENARIO.replace("RETRY", "false");
    let cases = [
        (
            r#"{"unit": "nope#0", "for": "5m"}"#,
            "experiments.kill-pod.inject[0].unit",
            "unknown component \"nope\"",
        ),
        (
            r#"{"unit": "api#9", "for": "5m"}"#,
            "experiments.kill-pod.inject[0].unit",
            "0 to 3",
        ),
        (
            r#"{"zone": "c", "for": "5m"}"#,
            "experiments.kill-pod.inject[0].zone",
            "unknown zone \"c\"",
        ),
        (
            r#"{"region": "r", "for": "5m"}"#,
            "experiments.kill-pod.inject[0].region",
            "no regions",
        ),
        (
            r#"{"primary": "api", "for": "5m"}"#,
            "experiments.kill-pod.inject[0].primary",
            "active_active",
        ),
        (
            r#"{"replication_lag": {"component": "api", "lag": "1s"}, "for": "5m"}"#,
            "experiments.kill-pod.inject[0].replication_lag.component",
            "no asynchronous replication",
        ),
        (
            r#"{"latency": {"component": "db"}, "for": "5m"}"#,
            "experiments.kill-pod.inject[0].latency",
            "missing key \"add\"",
        ),
        (
            r#"{"unit": "api#0"}"#,
            "experiments.kill-pod.inject[0]",
            "missing key \"for\"",
        ),
        (
            r#"{"unit": "api#0", "zone": "a", "for": "5m"}"#,
            "experiments.kill-pod.inject[0]",
            "names 2 faults",
        ),
        (
            r#"{"unit": "api#0", "for": "60d"}"#,
            "experiments.kill-pod.at",
            "horizon",
        ),
    ];
    for (fault, path, message) in cases {
        let text = base.replace(r#"{"unit": "api#1", "for": "5m"}"#, fault);
        let file = write(&dir, "bad.json", &text);
        let output = sim(&["chaos", &file]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{fault}: {stderr}");
        assert!(stderr.contains("bad.json"), "{fault}: {stderr}");
        assert!(stderr.contains(path), "{fault}: want {path} in {stderr}");
        assert!(
            stderr.contains(message),
            "{fault}: want {message} in {stderr}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// The same bytes for 1 and 2 threads, in JSON and table form.
#[test]
fn chaos_is_identical_for_any_thread_count() {
    let file = repository_file("scenarios/multi-az-three-tier.json");
    let file = file.to_string_lossy();
    for format in ["json", "table", "markdown"] {
        let run = |threads: &str| {
            sim(&[
                "chaos",
                &file,
                "--trials",
                "300",
                "--format",
                format,
                "--threads",
                threads,
            ])
            .stdout
        };
        let one = run("1");
        assert!(!one.is_empty());
        assert_eq!(one, run("2"), "{format}");
    }
}

/// `--observed`: a game day whose detection took three times the model's (75 s against
/// D = U(0, 10) + 20 s, mean 25 s) is flagged as outside the predicted distribution,
/// with the health check's interval named and the interval that would explain it (mean
/// detection = interval x (threshold - 1/2): 75 / 2.5 = 30 s); an observation inside the
/// distribution agrees. JSON and CSV.
#[test]
fn observed_game_days_are_held_against_the_model() {
    let dir = scratch("observed");
    let file = write(&dir, "s.json", &SCENARIO.replace("RETRY", "false"));
    let json_obs = write(
        &dir,
        "game-day.json",
        r#"[{"experiment": "kill-pod", "detection": "75s"}, {"experiment": "kill-pod", "detection": "24s", "lost": "6s"}]"#,
    );
    let output = sim(&[
        "chaos",
        &file,
        "--experiment",
        "kill-pod",
        "--observed",
        &json_obs,
    ]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains("DISAGREES kill-pod detection: observed 1.2m"),
        "{text}"
    );
    assert!(
        text.contains("agrees kill-pod detection: observed 24.00s"),
        "{text}"
    );
    assert!(
        text.contains("agrees kill-pod lost: observed 6.00s"),
        "{text}"
    );
    let output = sim(&[
        "chaos",
        &file,
        "--experiment",
        "kill-pod",
        "--observed",
        &json_obs,
        "--format",
        "json",
    ]);
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    let slow = &value["observed"][0];
    assert_eq!(slow["outside"], true);
    // 75 s against a mean of 25 s (within its sampling error over 400 trials).
    let ratio = slow["ratio"].as_f64().unwrap();
    assert!((ratio - 3.0).abs() < 0.1, "{ratio}");
    let parameter = slow["parameters"][0].as_str().unwrap();
    assert!(
        parameter.starts_with("components.api.health_check (interval 10s"),
        "{parameter}"
    );
    let implied: f64 = parameter
        .split("an interval of about ")
        .nth(1)
        .and_then(|rest| rest.split('s').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!((implied - 30.0).abs() < 1.0, "{parameter}");
    assert_eq!(value["observed"][1]["outside"], false);
    let csv = write(
        &dir,
        "game-day.csv",
        "experiment,detection,lost_requests\nkill-pod,75,\n",
    );
    let output = sim(&[
        "chaos",
        &file,
        "--experiment",
        "kill-pod",
        "--observed",
        &csv,
        "--format",
        "json",
    ]);
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    let finding = &value["observed"][0];
    assert_eq!(finding["metric"], "detection");
    assert_eq!(finding["outside"], true);
    assert_eq!(finding["percentile"], 1.0);
    assert!((finding["ratio"].as_f64().unwrap() - 3.0).abs() < 0.05);
    // A bad row is exit 2 with its line.
    let bad = write(&dir, "bad.csv", "experiment,detection\nkill-pod,soon\n");
    let output = sim(&["chaos", &file, "--observed", &bad]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("bad.csv line 2"));
    let unknown = write(
        &dir,
        "unknown.json",
        r#"{"experiment": "nope", "detection": "1s"}"#,
    );
    let output = sim(&["chaos", &file, "--observed", &unknown]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown experiment \"nope\""));
    std::fs::remove_dir_all(&dir).ok();
}

/// `sim trace --experiment` replays an experiment's trial: the log starts with the
/// injection and the SVG is written; a scenario without experiments keeps `sim run`'s
/// bytes (experiments do not change a run).
#[test]
fn trace_replays_an_experiment_trial() {
    let dir = scratch("trace");
    let file = write(&dir, "s.json", &SCENARIO.replace("RETRY", "false"));
    let svg = dir.join("t.svg");
    let output = sim(&[
        "trace",
        &file,
        "--experiment",
        "kill-primary",
        "--trial",
        "3",
        "--svg",
        &svg.to_string_lossy(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let log = String::from_utf8_lossy(&output.stdout);
    let first: Value = serde_json::from_str(log.lines().next().unwrap()).unwrap();
    assert_eq!(first["event"], "fault_starts");
    assert!(log.contains("\"failover_step\""));
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
    let without: Value = serde_json::from_str(
        &SCENARIO
            .replace("RETRY", "false")
            .split(",\n  \"experiments\"")
            .next()
            .map(|head| format!("{head}\n}}"))
            .unwrap(),
    )
    .unwrap();
    let plain = write(&dir, "plain.json", &without.to_string());
    let run = |f: &str| sim(&["run", f, "--trials", "200", "--format", "json"]).stdout;
    assert_eq!(run(&file), run(&plain));
    std::fs::remove_dir_all(&dir).ok();
}

/// A failover the faults set off is measured to its end even when it outlives them and the
/// service never dropped (a soft dependency with a fallback): a 12 s primary kill is
/// detected at 10 s and promoted at 15 s, after it ended, losing the injected 4 s of
/// writes (the lag fault lasts 30 s), and clients are reconnected at 18 s.
#[test]
fn a_failover_that_outlives_the_faults_is_measured() {
    let text = SCENARIO
        .replace("RETRY", "false")
        .replace(
            r#""timeout": "100ms","#,
            r#""timeout": "100ms", "fallback": true, "needed_by": 0.3,"#,
        )
        .replace(
            r#""kill-pod": {"at": "1h", "inject": [{"unit": "api#1", "for": "5m"}]},"#,
            r#""short-kill": {"at": "1h", "inject": [{"primary": "db", "for": "12s"},
                {"replication_lag": {"component": "db", "lag": "4s"}, "for": "30s"}]},"#,
        );
    let scenario = load_str(&text, "short.json").unwrap();
    assert_eq!(scenario.experiments[0].name, "short-kill");
    for m in run_experiment(&scenario, 0, 100) {
        assert_eq!(m.lowest_level, 1.0, "{m:?}");
        assert!((m.data_loss - 4.0).abs() < 1e-9, "{m:?}");
        assert_eq!(m.failover, Some(18.0), "{m:?}");
    }
}

/// `--observed` on a primary kill: the outage is detection + promotion + reconnect, so a
/// loss Δ longer than the model's asks for a failover detection Δ longer (not scaled by the
/// ratio): 35 s modelled, 60 s observed, detection 10 s -> about 35 s.
#[test]
fn observed_primary_losses_shift_the_failover_detection() {
    let dir = scratch("observed-primary");
    let file = write(&dir, "s.json", &SCENARIO.replace("RETRY", "false"));
    let observed = write(
        &dir,
        "o.json",
        r#"{"experiment": "kill-primary", "lost": 60}"#,
    );
    let output = sim(&[
        "chaos",
        &file,
        "--experiment",
        "kill-primary",
        "--observed",
        &observed,
        "--format",
        "json",
    ]);
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    let finding = &value["observed"][0];
    assert_eq!(finding["outside"], true);
    let parameter = finding["parameters"][0].as_str().unwrap();
    assert!(
        parameter.starts_with("components.db.failover.detection (mean 10.0s): about 35.0s"),
        "{parameter}"
    );
    // Without --precision, --max-trials and --time-limit are refused (exit 2).
    let refused = sim(&["chaos", &file, "--time-limit", "1s"]);
    assert_eq!(refused.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}
