//! Large models and degenerate parameters: chains of 10,000 components (depends_on and DNS)
//! validate and run without recursion, a 10,000-dependency fan-in runs the same events as
//! the same components alone, the model size limits refuse with exit 2 and a JSON path,
//! and heavy-tailed or near-limit parameters give the documented result (saturating time,
//! never a wrapped one; CI builds the tests with overflow checks, so a wrap would panic)
//! or are refused with their path.

use sim::engine::Plan;
use sim::montecarlo::run_trials;

use crate::common::{run, scenario, scratch, sim};

const CRASH: &str = r#""failures": [{"name": "crash", "ttf": "100y", "ttr": "1h"}]"#;

/// Writes `text` to a scratch file and returns its path.
fn file(name: &str, text: &str) -> String {
    let path = scratch("large-models").join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// `sim validate` then `sim run --trials 5` on `text`: both succeed.
fn validates_and_runs(name: &str, text: &str) {
    let path = file(name, text);
    let validated = sim(&["validate", &path]);
    assert!(
        validated.status.success(),
        "validate: {:?} {}",
        validated.status,
        String::from_utf8_lossy(&validated.stderr)
    );
    let ran = sim(&["run", "--trials", "5", "--format", "json", &path]);
    assert!(
        ran.status.success(),
        "run: {:?} {}",
        ran.status,
        String::from_utf8_lossy(&ran.stderr)
    );
}

/// Exit status 2 and a message naming `path`.
fn refused_at(name: &str, text: &str, path: &str) {
    let file = file(name, text);
    let output = sim(&["validate", &file]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(": {path}: ")),
        "{path} not in {stderr}"
    );
}

#[test]
fn a_chain_of_10000_dependencies_validates_and_runs() {
    let n = 10_000;
    let components: Vec<String> = (0..n)
        .map(|i| {
            let next = if i + 1 < n {
                format!(r#", "depends_on": ["c{}"]"#, i + 1)
            } else {
                String::new()
            };
            format!(r#""c{i}": {{ {CRASH}{next} }}"#)
        })
        .collect();
    let text = format!(
        r#"{{"components": {{ {} }}, "entry": "c0"}}"#,
        components.join(",")
    );
    validates_and_runs("chain.json", &text);
}

#[test]
fn a_chain_of_10000_dns_components_validates_and_runs() {
    // Each DNS component fails over from the next one down to a spare: attribution walks
    // the whole chain through DNS hops (it used to recurse, and overflowed the stack).
    let n = 10_000;
    let mut components = Vec::new();
    for i in 0..n {
        components.push(format!(r#""s{i}": {{ {CRASH} }}"#));
        components.push(if i + 1 < n {
            format!(
                r#""c{i}": {{"dns": {{"endpoints": ["c{}", "s{i}"], "ttl": "1m"}}}}"#,
                i + 1
            )
        } else {
            format!(r#""c{i}": {{ {CRASH} }}"#)
        });
    }
    let text = format!(
        r#"{{"components": {{ {} }}, "entry": "c0"}}"#,
        components.join(",")
    );
    validates_and_runs("dns-chain.json", &text);
}

#[test]
fn a_wide_fan_in_runs_the_events_of_its_dependencies_alone() {
    // 10,000 dependencies of one component: evaluating it costs the ones that are down,
    // not all of them. The same components without the caller draw the same failures, so
    // the event counts are equal.
    let n = 10_000;
    let dependencies: Vec<String> = (0..n)
        .map(|i| {
            format!(r#""d{i}": {{"failures": [{{"name": "crash", "ttf": "30d", "ttr": "1h"}}]}}"#)
        })
        .collect();
    let names: Vec<String> = (0..n).map(|i| format!(r#""d{i}""#)).collect();
    let fan = scenario(&format!(
        r#"{{"components": {{"hub": {{"depends_on": [{}]}}, {}}}, "entry": "hub"}}"#,
        names.join(","),
        dependencies.join(",")
    ));
    let alone = scenario(&format!(
        r#"{{"components": {{"hub": {{}}, {}}}, "entry": "hub"}}"#,
        dependencies.join(",")
    ));
    let events = |s: &sim::scenario::Scenario| run_trials(&Plan::new(s), 0, 2).events;
    let fan_events = events(&fan);
    // About 24 events per dependency-year.
    assert!(fan_events > 400_000, "{fan_events}");
    assert_eq!(fan_events, events(&alone));
    // With ten dependencies each down 1/721 of the time, the hub is nearly always down.
    let report = run(&fan, 2, 0);
    assert!(
        report.availability.mean < 0.01,
        "{}",
        report.availability.mean
    );
}

#[test]
fn model_size_limits_refuse_with_a_path() {
    let components: Vec<String> = (0..20_001).map(|i| format!(r#""c{i}": {{}}"#)).collect();
    refused_at(
        "components.json",
        &format!(
            r#"{{"components": {{ {} }}, "entry": "c0"}}"#,
            components.join(",")
        ),
        "components",
    );
    refused_at(
        "units.json",
        r#"{"components": {"app": {"replicas": 200001}}, "entry": "app"}"#,
        "components.app.replicas",
    );
    let modes: Vec<String> = (0..11)
        .map(|i| format!(r#"{{"name": "m{i}", "ttf": "1y", "ttr": "1h"}}"#))
        .collect();
    refused_at(
        "modes.json",
        &format!(
            r#"{{"components": {{"app": {{"replicas": 100000, "failures": [{}]}}}}, "entry": "app"}}"#,
            modes.join(",")
        ),
        "components.app.failures",
    );
    // 700 components, each depending on every later one: 244,650 edges.
    let n = 700;
    let components: Vec<String> = (0..n)
        .map(|i| {
            let later: Vec<String> = (i + 1..n).map(|j| format!(r#""c{j}""#)).collect();
            format!(r#""c{i}": {{"depends_on": [{}]}}"#, later.join(","))
        })
        .collect();
    refused_at(
        "edges.json",
        &format!(
            r#"{{"components": {{ {} }}, "entry": "c0"}}"#,
            components.join(",")
        ),
        "components.c0.depends_on",
    );
}

#[test]
fn distributions_whose_tail_passes_the_end_of_time_are_refused() {
    let with = |ttr: &str| {
        format!(
            r#"{{"components": {{"app": {{"failures": [{{"name": "x", "ttf": "30d", "ttr": {ttr}}}]}}}}, "entry": "app"}}"#
        )
    };
    // The kinds of parameters that overflowed the engine's time arithmetic.
    refused_at(
        "sigma.json",
        &with(r#"{"lognormal": {"median": "1h", "sigma": 40}}"#),
        "components.app.failures[0].ttr.lognormal.sigma",
    );
    refused_at(
        "weibull.json",
        &with(r#"{"weibull": {"shape": 0.01, "scale": "10000y"}}"#),
        "components.app.failures[0].ttr.weibull.shape",
    );
    // The bound is the one-in-a-million draw at 10^24 µs: sigma 6.99 passes with a median
    // of 1h, 7 does not.
    let path = file(
        "sigma-ok.json",
        &with(r#"{"lognormal": {"median": "1h", "sigma": 6.99}}"#),
    );
    assert!(sim(&["validate", &path]).status.success());
    refused_at(
        "sigma-7.json",
        &with(r#"{"lognormal": {"median": "1h", "sigma": 7}}"#),
        "components.app.failures[0].ttr.lognormal.sigma",
    );
}

/// A DNS record over a primary that fails and a spare that never does.
fn dns(dns: &str, primary_ttr: &str) -> String {
    format!(
        r#"{{"simulation": {{"horizon": "10000y"}},
            "components": {{
              "front": {{"dns": {dns}}},
              "primary": {{"failures": [{{"name": "crash", "ttf": "100y", "ttr": {primary_ttr}}}]}},
              "spare": {{}}}},
            "entry": "front"}}"#
    )
}

#[test]
fn a_dns_check_interval_near_the_duration_limit_never_moves_the_record() {
    // 37 further checks of 10^18 µs wrap a u64 to about 3,400 years, inside the horizon:
    // the verdict must instead fall past the end of time, so the record stays on the
    // primary and the front is exactly as available as the primary.
    let text = dns(
        r#"{"endpoints": ["primary", "spare"], "ttl": "1m", "check_interval": "1000000000000s", "check_threshold": 38}"#,
        r#""10y""#,
    );
    let report = run(&scenario(&text), 20, 1);
    let primary = &report.components["primary"].availability;
    // Equal up to the rounding of two ways of summing the same intervals.
    assert!(
        (report.availability.mean - primary.mean).abs() < 1e-9,
        "{} vs {}",
        report.availability.mean,
        primary.mean
    );
    assert!(
        report.availability.mean < 0.95,
        "{}",
        report.availability.mean
    );
}

#[test]
fn dns_ttls_and_heavy_tails_near_the_limits_saturate() {
    // A TTL of the longest duration, and stale resolvers whose extra time is a heavy but
    // accepted lognormal (sigma 5 with a median of 1y: about 0.4% of draws pass the end of
    // time, which wrapped `now + ttl / 2 + extra`). Each move of the record takes its first
    // drain step at once, r = 1 - (1/2)(1/16) of the clients staying put, and the rest of
    // the drain (ttl / 8 = 3,960 years on) never comes. Flipping to the spare and back,
    // the spare's share w goes to w r + 1 - r and then to w r: it never passes
    // r / (1 + r) x r + 1 - r < 0.51. So the front saves some of the primary's downtime,
    // never more than 51% of it.
    let text = dns(
        r#"{"endpoints": ["primary", "spare"], "ttl": "1000000000000s", "stale_fraction": 0.5,
            "stale_extra": {"lognormal": {"median": "1y", "sigma": 5}}}"#,
        r#"{"constant": "1d"}"#,
    )
    .replace(r#""horizon": "10000y""#, r#""horizon": "1y""#)
    .replace(r#""ttf": "100y""#, r#""ttf": "2d""#);
    let report = run(&scenario(&text), 50, 3);
    let availability = report.availability.mean;
    let primary = report.components["primary"].availability.mean;
    assert!(
        availability > primary && availability <= primary + 0.51 * (1.0 - primary),
        "{availability} vs {primary}"
    );
}
