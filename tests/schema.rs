//! `sim schema`: the JSON Schema of the scenario format (schema/scenario.schema.json),
//! checked with the `jsonschema` crate against the 2020-12 meta-schema, every shipped
//! scenario, the bad inputs it must reject (which `sim validate` rejects too) and valid
//! variations that both must accept.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sim::scenario::load_str;

use crate::common::{repository_file, scratch, sim};

const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

fn schema() -> Value {
    let text = std::fs::read_to_string(repository_file("schema/scenario.schema.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn validator() -> jsonschema::Validator {
    jsonschema::draft202012::new(&schema()).unwrap_or_else(|e| panic!("the schema compiles: {e}"))
}

/// The schema's complaints about `document`, one line each ("" when it is valid).
fn complaints(validator: &jsonschema::Validator, document: &Value) -> String {
    validator
        .iter_errors(document)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every JSON file under `directory`, recursively, sorted.
fn json_files(directory: &Path, found: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(directory)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            json_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "json") {
            found.push(path);
        }
    }
}

/// The shipped scenarios: scenarios/, tests/scenarios/ and the reference models (a JSON
/// file with "components"; tests/reference/expected.json holds results, not a scenario).
fn shipped_scenarios() -> Vec<(PathBuf, Value)> {
    let mut files = Vec::new();
    for directory in ["scenarios", "tests/scenarios", "tests/reference"] {
        json_files(&repository_file(directory), &mut files);
    }
    files
        .into_iter()
        .filter_map(|path| {
            let document: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            document
                .get("components")
                .is_some()
                .then_some((path, document))
        })
        .collect()
}

fn loads(document: &Value) -> Result<(), String> {
    load_str(&document.to_string(), "t.json")
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// A small valid scenario to vary: one component with one failure mode.
fn base() -> Value {
    json!({
        "components": {"app": {"replicas": 2, "failures": [{"name": "crash", "ttf": "30d", "ttr": "1h"}]}},
        "entry": "app"
    })
}

/// `base()` with the JSON value at `pointer` replaced (or removed when `value` is None).
fn with(pointer: &str, value: Option<Value>) -> Value {
    let mut document = base();
    set(&mut document, pointer, value);
    document
}

fn set(document: &mut Value, pointer: &str, value: Option<Value>) {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let parent = document
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("{pointer}"));
    match (parent, value) {
        (Value::Object(map), Some(value)) => {
            map.insert(key.to_string(), value);
        }
        (Value::Object(map), None) => {
            map.remove(key);
        }
        (Value::Array(list), Some(value)) => list[key.parse::<usize>().unwrap()] = value,
        (Value::Array(list), None) => {
            list.remove(key.parse::<usize>().unwrap());
        }
        _ => panic!("{pointer} is not in an object or a list"),
    }
}

#[test]
fn the_schema_is_a_valid_2020_12_schema() {
    let schema = schema();
    assert_eq!(schema["$schema"], DRAFT);
    jsonschema::draft202012::meta::validate(&schema)
        .unwrap_or_else(|e| panic!("the schema fails the 2020-12 meta-schema: {e}"));
    validator();
}

#[test]
fn sim_schema_prints_the_file_byte_for_byte() {
    let file = std::fs::read(repository_file("schema/scenario.schema.json")).unwrap();
    let first = sim(&["schema"]);
    let second = sim(&["schema"]);
    assert!(first.status.success(), "{first:?}");
    assert_eq!(first.stdout, second.stdout, "stable output");
    assert_eq!(
        first.stdout, file,
        "sim schema prints schema/scenario.schema.json"
    );
    assert_eq!(first.stdout.last(), Some(&b'\n'));
    let output = scratch("schema").join("scenario.schema.json");
    let written = sim(&["schema", "--output", output.to_str().unwrap()]);
    assert!(written.status.success(), "{written:?}");
    assert!(written.stdout.is_empty());
    assert_eq!(std::fs::read(&output).unwrap(), file);
}

#[test]
fn every_shipped_scenario_validates() {
    let validator = validator();
    let scenarios = shipped_scenarios();
    assert!(scenarios.len() >= 60, "{} scenarios", scenarios.len());
    for (path, document) in &scenarios {
        loads(document)
            .unwrap_or_else(|e| panic!("{}: the loader rejects it: {e}", path.display()));
        let errors = complaints(&validator, document);
        assert!(errors.is_empty(), "{}:\n{errors}", path.display());
    }
}

/// The bad-input classes the schema can express. Each must be rejected by the schema and
/// by `sim validate` (exit 2): the schema never rejects what the loader accepts here.
fn bad_inputs() -> Vec<(&'static str, Value)> {
    let ttf = "/components/app/failures/0/ttf";
    let ttr = "/components/app/failures/0/ttr";
    let mut missing_components = base();
    missing_components
        .as_object_mut()
        .unwrap()
        .remove("components");
    vec![
        ("unknown top-level key", with("/compnents", Some(json!({})))),
        (
            "unknown key in a component",
            with("/components/app/replica", Some(json!(2))),
        ),
        (
            "unknown key in a distribution",
            with(ttf, Some(json!({"weibull": {"shape": 2, "scal": "30d"}}))),
        ),
        (
            "unknown key in a failure mode",
            with("/components/app/failures/0/mtbf", Some(json!("1d"))),
        ),
        (
            "number where a duration is required",
            with(ttr, Some(json!(30))),
        ),
        (
            "number where a mechanism's duration is required",
            with(
                "/components/app/health_check",
                Some(json!({"interval": 10})),
            ),
        ),
        (
            "string where a number is required (replicas)",
            with("/components/app/replicas", Some(json!("2"))),
        ),
        (
            "string where a number is required (shape)",
            with(
                ttf,
                Some(json!({"weibull": {"shape": "2", "scale": "30d"}})),
            ),
        ),
        ("duration without a unit", with(ttr, Some(json!("30")))),
        (
            "duration with an unknown unit",
            with(ttr, Some(json!("30x"))),
        ),
        (
            "duration with a word for a unit",
            with("/simulation", Some(json!({"horizon": "1 year"}))),
        ),
        (
            "duration with an upper-case unit",
            with(ttr, Some(json!("1Y"))),
        ),
        (
            "duration in exponent notation",
            with(ttr, Some(json!("1e3h"))),
        ),
        ("negative duration", with(ttr, Some(json!("-1h")))),
        (
            "zero where a positive duration is required",
            with(ttr, Some(json!("0s"))),
        ),
        ("missing components", missing_components),
        ("empty components", with("/components", Some(json!({})))),
        ("missing entry", with("/entry", None)),
        ("empty entry", with("/entry", Some(json!("")))),
        (
            "failure without a name",
            with("/components/app/failures/0/name", None),
        ),
        ("failure without ttf", with(ttf, None)),
        ("failure without ttr", with(ttr, None)),
        (
            "negative replicas",
            with("/components/app/replicas", Some(json!(-1))),
        ),
        (
            "zero replicas",
            with("/components/app/replicas", Some(json!(0))),
        ),
        (
            "fractional replicas",
            with("/components/app/replicas", Some(json!(1.5))),
        ),
        (
            "unknown distribution",
            with(ttf, Some(json!({"normal": {"mean": "1d", "sd": "1h"}}))),
        ),
        (
            "distribution object with two keys",
            with(
                ttf,
                Some(json!({"exponential": {"mean": "1d"}, "constant": "1d"})),
            ),
        ),
        ("empty distribution object", with(ttf, Some(json!({})))),
        (
            "distribution parameter missing",
            with(ttf, Some(json!({"uniform": {"max": "1d"}}))),
        ),
        (
            "shape out of range",
            with(ttf, Some(json!({"gamma": {"shape": 1000, "mean": "1d"}}))),
        ),
        (
            "range with one value",
            with(ttf, Some(json!({"between": ["10d"]}))),
        ),
        (
            "range with three values",
            with(ttf, Some(json!({"between": ["1d", "2d", "3d"]}))),
        ),
        (
            "range with mixed bounds",
            with(ttf, Some(json!({"between": ["1d", 2]}))),
        ),
        (
            "range with an unknown key",
            with(ttf, Some(json!({"between": ["1d", "2d"], "mean": "1d"}))),
        ),
        (
            "range with an unknown prior",
            with(
                ttf,
                Some(json!({"between": ["1d", "2d"], "prior": "normal"})),
            ),
        ),
        (
            "range of numbers for a duration",
            with(ttf, Some(json!({"between": [1, 2]}))),
        ),
        (
            "range in simulation",
            with(
                "/simulation",
                Some(json!({"horizon": {"between": ["1y", "2y"]}})),
            ),
        ),
        (
            "range for a count",
            with("/components/app/replicas", Some(json!({"between": [1, 3]}))),
        ),
        (
            "probability above 1",
            with("/components/app/failures/0/common_cause", Some(json!(1.5))),
        ),
        (
            "unknown role",
            with("/components/app/role", Some(json!("leader"))),
        ),
        (
            "unknown effect",
            with("/components/app/failures/0/effect", Some(json!("explode"))),
        ),
        (
            "unknown recovery",
            with("/components/app/failures/0/recovery", Some(json!("reboot"))),
        ),
        (
            "list where an object belongs",
            with("/components/app", Some(json!([]))),
        ),
        ("null description", with("/description", Some(Value::Null))),
        (
            "trials out of range",
            with("/simulation", Some(json!({"trials": 0}))),
        ),
        (
            "slo without an objective",
            with("/slo", Some(json!({"confidence": 0.9}))),
        ),
        (
            "fault with two kinds",
            with(
                "/experiments",
                Some(
                    json!({"x": {"at": "1d", "inject": [{"for": "1h", "zone": "a", "region": "r"}]}}),
                ),
            ),
        ),
        (
            "experiment without faults",
            with(
                "/experiments",
                Some(json!({"x": {"at": "1d", "inject": []}})),
            ),
        ),
        (
            "shared failure name starting with #",
            with(
                "/shared_failures",
                Some(json!({"#x": {"ttf": "1y", "ttr": "1h", "targets": ["app"]}})),
            ),
        ),
        (
            "$schema that is not a string",
            with("/$schema", Some(json!(1))),
        ),
    ]
}

#[test]
fn the_schema_rejects_bad_input_that_sim_validate_rejects() {
    let validator = validator();
    let directory = scratch("schema-bad");
    let mut accepted = Vec::new();
    for (i, (class, document)) in bad_inputs().into_iter().enumerate() {
        if validator.is_valid(&document) {
            accepted.push(format!("the schema accepts {class}: {document}"));
        }
        let path = directory.join(format!("bad-{i}.json"));
        std::fs::write(&path, document.to_string()).unwrap();
        let output = sim(&["validate", path.to_str().unwrap()]);
        assert_eq!(
            output.status.code(),
            Some(2),
            "sim validate must reject {class}: {document}\n{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
    assert!(accepted.is_empty(), "{}", accepted.join("\n"));
}

/// Valid variations: ranges, the `$schema` key, every distribution and every mechanism.
fn good_inputs() -> Vec<(&'static str, Value)> {
    let ttf = "/components/app/failures/0/ttf";
    let app = |extra: Value| {
        let mut document = base();
        let component = document["components"]["app"].as_object_mut().unwrap();
        for (key, value) in extra.as_object().unwrap() {
            component.insert(key.clone(), value.clone());
        }
        document
    };
    let primary = |extra: Value| {
        let mut document = app(json!({
            "role": "primary_replica",
            "replicas": 3,
            "failover": {"detection": "30s", "promotion": {"uniform": {"min": "0s", "max": "1m"}}}
        }));
        let component = document["components"]["app"].as_object_mut().unwrap();
        for (key, value) in extra.as_object().unwrap() {
            component.insert(key.clone(), value.clone());
        }
        document
    };
    vec![
        ("the base", base()),
        ("a $schema key", with("/$schema", Some(json!("./schema/scenario.schema.json")))),
        ("a $schema URL", with("/$schema", Some(json!(DRAFT)))),
        ("the smallest file", json!({"components": {"app": {}}, "entry": "app"})),
        ("null for absent keys", with("/name", Some(Value::Null))),
        (
            "every duration syntax",
            with(
                "/components/app/failures/0/ttf",
                Some(json!({"empirical": [" 1.5 h ", ".5d", "+1h", "4mo", "2w", "250ms", "1y", "3m", "1.s"]})),
            ),
        ),
        (
            "every distribution",
            with(
                ttf,
                Some(json!({"sum": [
                    {"exponential": {"mean": "1d"}},
                    {"constant": "1h"},
                    {"uniform": {"min": "0s", "max": "1h"}},
                    {"weibull": {"shape": 0.5, "scale": "30d"}},
                    {"lognormal": {"median": "1h", "sigma": 0}},
                    {"gamma": {"shape": 2, "mean": "1d"}},
                    {"alert": {}},
                    {"alert": {"for": "5m", "evaluation_interval": "30s", "group_wait": "0s"}},
                    {"response": "page"}
                ]})),
            ),
        ),
        ("a range of durations", with(ttf, Some(json!({"between": ["10d", "100d"]})))),
        (
            "ranges inside distributions",
            with(
                ttf,
                Some(json!({"weibull": {"shape": {"between": [0.8, 1.5], "prior": "uniform", "name": "k"},
                    "scale": {"between": ["20d", "40d"], "prior": "log-uniform", "name": null}}})),
            ),
        ),
        (
            "a range of probabilities",
            with("/components/app/failures/0/common_cause", Some(json!({"between": [0, 0.1]}))),
        ),
        (
            "correlated failures and changes",
            with(
                "/shared_failures",
                Some(json!({"cert": {"ttf": "1y", "ttr": {"response": "page"}, "targets": ["app"],
                    "probability": {"between": [0.5, 1]}, "effect": "hang"}})),
            ),
        ),
        (
            "a change with a canary",
            with(
                "/changes",
                Some(json!({"deploy": {"targets": ["app"], "interval": "7d", "bad_probability": 0.05,
                    "effect": {"slow": {"latency": "2s"}}, "detection": {"alert": {"for": "5m"}},
                    "rollback": "10m", "rollout": {"canary": 0.1, "bake": "30m"}}})),
            ),
        ),
        (
            "traffic and the request-level mechanisms",
            {
                let mut document = app(json!({
                    "replicas": 3, "require": 1, "capacity": 500, "load_factor": 1.5,
                    "concurrency": {"between": [100, 200]}, "deadline": "5s", "shed_cost": 0.1,
                    "health_check": {"interval": "10s", "timeout": "2s", "unhealthy_threshold": 3,
                        "healthy_threshold": 2, "deep": false, "protocol": "tcp", "prober": "readiness"},
                    "passive_check": {"max_fails": 2, "fail_timeout": "30s"},
                    "retry_next_upstream": {"tries": 2, "upstream_timeout": "5s", "non_idempotent": 0.1}
                }));
                document["traffic"] = json!({"peak_rps": 1000, "profile": {"diurnal": {"trough": 0.3, "peak_hour": 14}}});
                document
            },
        ),
        (
            "hourly traffic and retry_next_upstream true",
            {
                let mut document = app(json!({"retry_next_upstream": true}));
                document["traffic"] = json!({"peak_rps": {"between": [500, 2000]}, "profile": {"hourly": [
                    0.2, 0.2, 0.2, 0.2, 0.2, 0.3, 0.5, 0.8, 1, 1, 1, 1,
                    1, 1, 1, 1, 1, 0.9, 0.8, 0.6, 0.5, 0.4, 0.3, {"between": [0.1, 0.3]}]}});
                document
            },
        ),
        (
            "dependencies with breakers and retries",
            {
                let mut document = app(json!({"depends_on": ["db", {"component": "cache", "needed_by": 0.5,
                    "fallback": true, "timeout": "1s",
                    "breaker": {"error_threshold": 50, "reset_timeout": "30s", "window": "10s", "min_volume": 20},
                    "retries": {"attempts": 3, "backoff": "100ms"}}]}));
                document["components"]["db"] = json!({});
                document["components"]["cache"] = json!({"failures": [{"name": "oom", "ttf": "7d", "ttr": "5m", "recovery": "repair"}]});
                document
            },
        ),
        (
            "restarts, probes and replacement",
            {
                let mut document = app(json!({
                    "zones": ["a", "b"],
                    "liveness": {"period": "10s", "failure_threshold": 3, "initial_delay": "0s", "deep": false},
                    "startup_probe": {"period": "5s", "failure_threshold": 30, "initial_delay": "10s"},
                    "restart": {"duration": "30s", "backoff_initial": "10s", "backoff_max": "5m", "backoff_reset": "10m"},
                    "replacement": {"detection": "1m", "provisioning": {"lognormal": {"median": "5m", "sigma": 0.5}}, "any_zone": true}
                }));
                document["components"]["app"]["failures"] = json!([
                    {"name": "crash", "ttf": "30d", "ttr": "1h", "recovery": "restart"},
                    {"name": "hang", "ttf": "90d", "ttr": "1h", "effect": "hang", "recovery": "restart"},
                    {"name": "disk", "ttf": "1y", "ttr": "1d", "recovery": "replace", "common_cause": 0.01}
                ]);
                document["regions"] = json!({"eu": {"outage": {"ttf": "10y", "ttr": "4h"}}});
                document["zones"] = json!({"a": {"region": "eu"}, "b": {"region": "eu", "outage": null}});
                document
            },
        ),
        (
            "failover, replication and disaster recovery",
            {
                let mut document = primary(json!({
                    "zones": ["a", "b", "c"],
                    "replication": {"mode": "async", "lag": {"exponential": {"mean": "200ms"}}},
                    "disaster_recovery": {"snapshot_interval": "1h", "restore": "2h", "declare_after": "30m"},
                    "read_fraction": 0.8
                }));
                document["components"]["app"]["failover"] = json!({"detection": "30s", "promotion": "10s",
                    "reconnect": "5s", "failure_probability": 0.05, "manual_promotion": "30m",
                    "monitors": {"zones": ["a", "b", "c"], "quorum": 2}, "failback": false,
                    "monitor_timeout": "30s", "parallel_syncs": 1, "resync": "10m"});
                document["zones"] = json!({"a": {}, "b": {}, "c": {}});
                document
            },
        ),
        (
            "sync replication and shards",
            primary(json!({"replicas": 6, "shards": 3, "require_full_coverage": true,
                "replication": {"mode": "sync", "catch_up": "1m"}})),
        ),
        (
            "DNS failover",
            json!({
                "components": {
                    "dns": {"dns": {"endpoints": ["east", "west"], "check_interval": "30s", "check_threshold": 3,
                        "ttl": {"between": ["60s", "1h"]}, "stale_fraction": 0.1, "stale_extra": "1h"}},
                    "east": {"failures": [{"name": "outage", "ttf": "1y", "ttr": "4h"}]},
                    "west": {}
                },
                "entry": "dns"
            }),
        ),
        (
            "chaos experiments and an slo with a probability",
            {
                let mut document = primary(json!({"replication": {"mode": "async", "lag": "1s"}}));
                document["zones"] = json!({"a": {}});
                document["regions"] = json!({"r": {}});
                document["experiments"] = json!({
                    "unit": {"at": "30d", "inject": [{"for": "1h", "unit": "app#0", "effect": {"slow": {"latency": "1s"}}}],
                        "expect": {"max_lost": "5m", "max_recovery": "10m", "min_level": 0.5, "max_data_loss": "10s", "confidence": 0.9},
                        "background": true},
                    "primary": {"at": "1d", "inject": [{"for": "10m", "primary": "app"}]},
                    "zone": {"at": "1d", "inject": [{"for": "10m", "zone": "a"}, {"for": "5m", "region": "r"}]},
                    "slow": {"at": "0s", "inject": [{"for": "1h", "latency": {"component": "app", "add": "2s"}},
                        {"for": "1h", "replication_lag": {"component": "app", "lag": "30s"}}]}
                });
                document["slo"] = json!({"availability": 0.999, "confidence": 0.95, "probability": 0.9,
                    "max_downtime_minutes_per_year": 60, "max_data_loss_events_per_year": 1, "max_rpo_p99_seconds": 5});
                document["simulation"] = json!({"horizon": "1y", "trials": 100, "seed": 7});
                document
            },
        ),
    ]
    .into_iter()
    .map(|(label, mut document)| {
        // The response the distribution list uses.
        document["responses"] = json!({"page": {"sum": [{"alert": {"for": "5m"}}, {"uniform": {"min": "1m", "max": "15m"}}]}});
        (label, document)
    })
    .collect()
}

#[test]
fn valid_variations_pass_the_schema_and_the_loader() {
    let validator = validator();
    let inputs = good_inputs();
    assert!(inputs.len() >= 20);
    for (label, document) in inputs {
        loads(&document)
            .unwrap_or_else(|e| panic!("{label}: the loader rejects it: {e}\n{document}"));
        let errors = complaints(&validator, &document);
        assert!(
            errors.is_empty(),
            "{label}: the schema rejects it:\n{errors}\n{document}"
        );
    }
}

/// Every JSON pointer to a value in `document`, in document order.
fn pointers(value: &Value, at: String, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let escaped = key.replace('~', "~0").replace('/', "~1");
                pointers(child, format!("{at}/{escaped}"), found);
            }
        }
        Value::Array(list) => {
            for (i, child) in list.iter().enumerate() {
                pointers(child, format!("{at}/{i}"), found);
            }
        }
        _ => {}
    }
    if !at.is_empty() {
        found.push(at);
    }
}

/// Mutants of a shipped scenario: each value removed, set to null, and each duration or
/// number turned into a range around itself. Whatever the loader accepts, the schema must
/// accept too (the schema is never stricter than `sim validate`). Generated models (the
/// 5,000-component copyset file) repeat one shape thousands of times and are left out.
#[test]
fn the_schema_accepts_whatever_the_loader_accepts_among_mutants() {
    let validator = validator();
    let (mut loaded, mut tried) = (0, 0);
    for (path, document) in shipped_scenarios() {
        if document["components"]
            .as_object()
            .is_some_and(|c| c.len() > 100)
        {
            continue;
        }
        let mut found = Vec::new();
        pointers(&document, String::new(), &mut found);
        for pointer in found {
            let current = document.pointer(&pointer).unwrap().clone();
            let mut replacements = vec![None, Some(Value::Null)];
            match &current {
                Value::String(_) | Value::Number(_) => {
                    replacements.push(Some(json!({"between": [current, current]})));
                }
                _ => {}
            }
            for replacement in replacements {
                let mut mutant = document.clone();
                let (parent, key) = pointer.rsplit_once('/').unwrap();
                let key = key.replace("~1", "/").replace("~0", "~");
                let Some(target) = mutant.pointer_mut(parent) else {
                    continue;
                };
                match (target, replacement) {
                    (Value::Object(map), None) => {
                        map.shift_remove(&key);
                    }
                    (Value::Object(map), Some(value)) => {
                        map.insert(key, value);
                    }
                    (Value::Array(list), Some(value)) => {
                        list[key.parse::<usize>().unwrap()] = value
                    }
                    (Value::Array(list), None) => {
                        list.remove(key.parse::<usize>().unwrap());
                    }
                    _ => continue,
                }
                tried += 1;
                if loads(&mutant).is_ok() {
                    loaded += 1;
                    let errors = complaints(&validator, &mutant);
                    assert!(
                        errors.is_empty(),
                        "{} with {pointer} mutated: the loader accepts it, the schema does not:\n{errors}",
                        path.display()
                    );
                }
            }
        }
    }
    eprintln!("{loaded} of {tried} mutants load; the schema accepts each of them");
    assert!(loaded > 1000, "{loaded} of {tried} mutants loaded");
}
