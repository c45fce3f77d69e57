//! Property tests: no input makes the loader panic, and every scenario the loader accepts
//! simulates without panicking.

use proptest::prelude::*;
use sim::engine::Plan;
use sim::montecarlo::run_trials;
use sim::scenario::load_str;

use crate::common::repository_file;

fn shipped_texts() -> Vec<String> {
    let mut texts = Vec::new();
    for directory in ["scenarios", "tests/reference"] {
        let mut paths: Vec<_> = std::fs::read_dir(repository_file(directory))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| {
                path.extension().is_some_and(|e| e == "json") && !path.ends_with("expected.json")
            })
            .collect();
        paths.sort();
        texts.extend(paths.iter().map(|p| std::fs::read_to_string(p).unwrap()));
    }
    texts
}

/// Every prefix of every shipped scenario is an error, never a panic.
#[test]
fn truncated_scenarios_never_panic() {
    for text in shipped_texts() {
        assert!(load_str(&text, "whole.json").is_ok());
        for end in (0..text.len()).filter(|end| text.is_char_boundary(*end)) {
            let truncated = &text[..end];
            if truncated.trim_end().ends_with('}') && end + 3 >= text.len() {
                continue; // the whole document minus trailing whitespace
            }
            assert!(
                load_str(truncated, "truncated.json").is_err(),
                "prefix of {end} bytes loaded"
            );
        }
    }
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map_or(serde_json::Value::Null, serde_json::Value::Number)),
        prop_oneof![
            "[0-9]{1,4}(\\.[0-9])?(ms|s|m|h|d|w|y|x)?",
            "[a-z]{1,8}",
            Just("-1h".to_string()),
            Just("api".to_string()),
        ]
        .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("components".to_string()),
                        Just("entry".to_string()),
                        Just("zones".to_string()),
                        Just("replicas".to_string()),
                        Just("require".to_string()),
                        Just("failures".to_string()),
                        Just("ttf".to_string()),
                        Just("ttr".to_string()),
                        Just("name".to_string()),
                        Just("weibull".to_string()),
                        Just("shape".to_string()),
                        Just("scale".to_string()),
                        "[a-z]{1,6}",
                    ],
                    inner
                ),
                0..5
            )
            .prop_map(|entries| serde_json::Value::Object(entries.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = load_str(&text, "fuzz.json");
    }

    #[test]
    fn arbitrary_json_never_panics(value in json_value()) {
        let _ = load_str(&value.to_string(), "fuzz.json");
    }
}

/// A generator of scenarios that are mostly valid, with parameters over wide ranges, to
/// check that whatever the loader accepts runs to the end.
fn scenario_text() -> impl Strategy<Value = String> {
    let duration = prop_oneof![
        (1u32..100_000).prop_map(|n| format!("\"{n}ms\"")),
        (1u32..1000).prop_map(|n| format!("\"{n}h\"")),
        (1u32..50).prop_map(|n| format!("\"{n}y\"")),
    ];
    let distribution = prop_oneof![
        duration.clone(),
        duration
            .clone()
            .prop_map(|d| format!("{{\"constant\": {d}}}")),
        (0.05f64..5.0, duration.clone())
            .prop_map(|(k, d)| format!("{{\"weibull\": {{\"shape\": {k}, \"scale\": {d}}}}}")),
        (duration.clone(), 0.0f64..3.0)
            .prop_map(|(d, s)| format!("{{\"lognormal\": {{\"median\": {d}, \"sigma\": {s}}}}}")),
        (0.05f64..5.0, duration.clone())
            .prop_map(|(k, d)| format!("{{\"gamma\": {{\"shape\": {k}, \"mean\": {d}}}}}")),
        prop::collection::vec(duration.clone(), 1..4)
            .prop_map(|v| format!("{{\"empirical\": [{}]}}", v.join(","))),
        (duration.clone(), duration.clone())
            .prop_map(|(a, b)| format!("{{\"uniform\": {{\"min\": {a}, \"max\": {b}}}}}")),
    ];
    (
        prop::collection::vec((1u32..5, 0u32..6, distribution.clone(), distribution.clone(), any::<bool>()), 1..5),
        (distribution.clone(), distribution),
        duration,
    )
        .prop_map(|(components, (zone_ttf, zone_ttr), horizon)| {
            let body: Vec<String> = components
                .iter()
                .enumerate()
                .map(|(i, (replicas, require, ttf, ttr, zoned))| {
                    let depends = if i + 1 < components.len() { format!("\"c{}\"", i + 1) } else { String::new() };
                    let zones = if *zoned { r#""zones": ["a", "b"],"# } else { "" };
                    format!(
                        r#""c{i}": {{ "replicas": {replicas}, "require": {require}, {zones} "depends_on": [{depends}],
                           "failures": [ {{ "name": "m", "ttf": {ttf}, "ttr": {ttr} }} ] }}"#
                    )
                })
                .collect();
            format!(
                r#"{{ "simulation": {{ "horizon": {horizon} }},
                    "regions": {{ "r": {{ "outage": {{ "ttf": {zone_ttf}, "ttr": {zone_ttr} }} }} }},
                    "zones": {{ "a": {{ "region": "r", "outage": {{ "ttf": {zone_ttf}, "ttr": {zone_ttr} }} }}, "b": {{}} }},
                    "components": {{ {} }}, "entry": "c0" }}"#,
                body.join(",")
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn accepted_scenarios_simulate_without_panicking(text in scenario_text()) {
        if let Ok(scenario) = load_str(&text, "generated.json") {
            let plan = Plan::new(&scenario);
            // Bound the work: only short horizons get several trials.
            let trials = if scenario.simulation.horizon < sim::time::TICKS_PER_YEAR { 3 } else { 1 };
            let accumulator = run_trials(&plan, 0, trials);
            prop_assert_eq!(accumulator.trials(), trials);
            let a = 1.0 - accumulator.downtime_fraction.mean();
            prop_assert!((0.0..=1.0).contains(&a));
        }
    }
}
