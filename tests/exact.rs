//! Exact answers, computed independently of the engine, and the engine checked against them.
//!
//! For scenarios whose every distribution is exponential, units and fault domains are
//! independent Markov chains. A unit's probability of being up at t comes from its chain
//! (up <-> down-by-mode-i) integrated with RK4 on a fine grid; a domain's is the closed form
//! a(t) = m/(l+m) + l/(l+m) e^-(l+m)t. Summing over the up/down states of the domains, each
//! component in the entry's closure is up with a k-of-n (Poisson-binomial) probability of its
//! available units, and the system with the product over that closure (each component once).
//! Simpson's rule over [0, T] gives the interval availability. The same mathematics produced
//! `tests/reference/expected.json`, and the first test checks this module against it.

use sim::scenario::{Distribution, Scenario};
use sim::time::TICKS_PER_SECOND;

use crate::common::{assert_within, run, scenario};

const TICKS_PER_HOUR: f64 = 3600.0 * TICKS_PER_SECOND;

fn rate_per_hour(distribution: &Distribution) -> f64 {
    match distribution {
        Distribution::Exponential { mean } => TICKS_PER_HOUR / mean,
        other => panic!("exact answers need exponential distributions, found {other:?}"),
    }
}

/// P(up at t) of a two-state exponential process that starts up.
fn two_state(failure: f64, repair: f64, t: f64) -> f64 {
    repair / (failure + repair) + failure / (failure + repair) * (-(failure + repair) * t).exp()
}

/// P(unit up) at every grid point, for modes given as (failure rate, repair rate).
fn unit_up_on_grid(modes: &[(f64, f64)], step: f64, points: usize) -> Vec<f64> {
    let derivative = |state: &[f64]| -> Vec<f64> {
        let mut d = vec![0.0; state.len()];
        for (i, (failure, repair)) in modes.iter().enumerate() {
            let flow_down = failure * state[0];
            let flow_up = repair * state[i + 1];
            d[0] += flow_up - flow_down;
            d[i + 1] += flow_down - flow_up;
        }
        d
    };
    let mut state = vec![0.0; modes.len() + 1];
    state[0] = 1.0;
    let mut up = Vec::with_capacity(points);
    for _ in 0..points {
        up.push(state[0]);
        let k1 = derivative(&state);
        let at = |k: &[f64], scale: f64| -> Vec<f64> {
            state.iter().zip(k).map(|(s, k)| s + scale * k).collect()
        };
        let k2 = derivative(&at(&k1, step / 2.0));
        let k3 = derivative(&at(&k2, step / 2.0));
        let k4 = derivative(&at(&k3, step));
        for i in 0..state.len() {
            state[i] += step / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
        }
    }
    up
}

/// P(at least `require` of independent units are up), units up with the given probabilities.
fn at_least(require: usize, probabilities: &[f64]) -> f64 {
    // distribution[k] = P(exactly k up so far)
    let mut distribution = vec![1.0];
    for p in probabilities {
        let mut next = vec![0.0; distribution.len() + 1];
        for (k, weight) in distribution.iter().enumerate() {
            next[k] += weight * (1.0 - p);
            next[k + 1] += weight * p;
        }
        distribution = next;
    }
    distribution.iter().skip(require).sum()
}

/// Exact interval availability of an all-exponential scenario over its horizon.
// The grid index addresses several per-component arrays at once.
#[allow(clippy::needless_range_loop)]
pub fn exact_availability(scenario: &Scenario) -> f64 {
    let horizon = scenario.simulation.horizon as f64 / TICKS_PER_HOUR;
    // Fault domains with an outage process: (failure rate, repair rate, zone or region).
    let mut domains: Vec<(f64, f64, Option<usize>, Option<usize>)> = Vec::new();
    for (i, zone) in scenario.zones.iter().enumerate() {
        if let Some(outage) = &zone.outage {
            let (l, m) = (
                rate_per_hour(&outage.time_to_failure),
                rate_per_hour(&outage.time_to_repair),
            );
            domains.push((l, m, Some(i), None));
        }
    }
    for (i, region) in scenario.regions.iter().enumerate() {
        if let Some(outage) = &region.outage {
            let (l, m) = (
                rate_per_hour(&outage.time_to_failure),
                rate_per_hour(&outage.time_to_repair),
            );
            domains.push((l, m, None, Some(i)));
        }
    }
    let closure = scenario.entry_closure();
    let modes: Vec<Vec<(f64, f64)>> = scenario
        .components
        .iter()
        .map(|c| {
            c.failures
                .iter()
                .map(|f| {
                    (
                        rate_per_hour(&f.time_to_failure),
                        rate_per_hour(&f.time_to_repair),
                    )
                })
                .collect()
        })
        .collect();
    let fastest = modes
        .iter()
        .flatten()
        .copied()
        .chain(domains.iter().map(|(l, m, _, _)| (*l, *m)))
        .map(|(l, m)| l.max(m))
        .fold(1.0 / horizon, f64::max);
    let mut intervals = ((horizon * fastest / 0.01).ceil() as usize).max(20_000);
    intervals += intervals % 2; // Simpson needs an even count
    let step = horizon / intervals as f64;
    let points = intervals + 1;
    let unit_up: Vec<Vec<f64>> = scenario
        .components
        .iter()
        .enumerate()
        .map(|(c, _)| {
            if closure.contains(&c) {
                unit_up_on_grid(&modes[c], step, points)
            } else {
                Vec::new()
            }
        })
        .collect();
    let mut integral = 0.0;
    for j in 0..points {
        let t = j as f64 * step;
        let domain_up: Vec<f64> = domains
            .iter()
            .map(|(l, m, _, _)| two_state(*l, *m, t))
            .collect();
        let mut system_up = 0.0;
        for state in 0..(1u32 << domains.len()) {
            let down = |d: usize| state & (1 << d) != 0;
            let mut weight = 1.0;
            for (d, p) in domain_up.iter().enumerate() {
                weight *= if down(d) { 1.0 - p } else { *p };
            }
            let zone_down = |zone: usize| {
                domains.iter().enumerate().any(|(d, (_, _, z, r))| {
                    down(d)
                        && (*z == Some(zone) || (r.is_some() && *r == scenario.zones[zone].region))
                })
            };
            for &c in &closure {
                let component = &scenario.components[c];
                let probabilities: Vec<f64> = (0..component.replicas)
                    .map(|u| match component.zone_of_unit(u) {
                        Some(zone) if zone_down(zone) => 0.0,
                        _ => unit_up[c][j],
                    })
                    .collect();
                weight *= at_least(component.require as usize, &probabilities);
            }
            system_up += weight;
        }
        let simpson = if j == 0 || j == intervals {
            1.0
        } else if j % 2 == 1 {
            4.0
        } else {
            2.0
        };
        integral += simpson * system_up;
    }
    integral * step / 3.0 / horizon
}

fn expected() -> serde_json::Value {
    let text = std::fs::read_to_string(crate::common::repository_file(
        "tests/reference/expected.json",
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The calculator itself reproduces the published exact values (v1-v5) to 1e-9.
#[test]
fn calculator_reproduces_reference_values() {
    let expected = expected();
    for case in [
        "v1-single",
        "v2-pair",
        "v3-two-of-three",
        "v4-three-zones",
        "v5-series",
    ] {
        let file = crate::common::repository_file(&format!("tests/reference/{case}.json"));
        let scenario = sim::scenario::load_file(&file).unwrap();
        let exact = expected[format!("{case}.json")]["availability"]
            .as_f64()
            .unwrap();
        let computed = exact_availability(&scenario);
        assert!(
            (computed - exact).abs() < 1e-9,
            "{case}: {computed} vs {exact}"
        );
    }
}

/// Own cases with exact answers. Each runs 20,000 one-year trials with the stated seed; the
/// estimate must lie within 4 standard errors of the exact value (a false alarm has odds of
/// about 1 in 16,000 per case for a normal estimate).
fn check_case(name: &str, text: &str, seed: u64) -> (f64, sim::report::RunReport) {
    let scenario = scenario(text);
    let exact = exact_availability(&scenario);
    let report = run(&scenario, 20_000, seed);
    let a = &report.availability;
    assert_within(name, a.mean, a.std_error, exact, 4.0);
    assert!(a.ci95[0] < a.mean && a.mean < a.ci95[1]);
    (exact, report)
}

#[test]
fn series_of_three_single_units() {
    check_case(
        "series",
        r#"{ "components": {
            "web": { "failures": [ { "name": "crash", "ttf": "40d", "ttr": "2h" } ], "depends_on": ["app"] },
            "app": { "failures": [ { "name": "crash", "ttf": "60d", "ttr": "4h" } ], "depends_on": ["db"] },
            "db":  { "failures": [ { "name": "crash", "ttf": "90d", "ttr": "8h" } ] } },
            "entry": "web" }"#,
        11,
    );
}

#[test]
fn three_of_five() {
    check_case(
        "3-of-5",
        r#"{ "components": { "store": { "replicas": 5, "require": 3,
             "failures": [ { "name": "crash", "ttf": "100h", "ttr": "10h" } ] } },
            "entry": "store" }"#,
        12,
    );
}

#[test]
fn zones_and_a_region() {
    check_case(
        "zones+region",
        r#"{ "regions": { "r1": { "outage": { "ttf": "2y", "ttr": "6h" } } },
            "zones": { "a": { "region": "r1", "outage": { "ttf": "1y", "ttr": "3h" } },
                       "b": { "region": "r1", "outage": { "ttf": "1y", "ttr": "3h" } },
                       "c": { "outage": { "ttf": "1y", "ttr": "3h" } } },
            "components": {
              "api": { "replicas": 3, "require": 2, "zones": ["a", "b", "c"],
                       "failures": [ { "name": "crash", "ttf": "20d", "ttr": "1h" } ] } },
            "entry": "api" }"#,
        13,
    );
}

#[test]
fn several_failure_modes() {
    check_case(
        "two modes",
        r#"{ "components": { "server": { "replicas": 2, "require": 1,
             "failures": [ { "name": "crash", "ttf": "10d", "ttr": "30m" },
                           { "name": "disk", "ttf": "200d", "ttr": { "exponential": { "mean": "2d" } } } ] } },
            "entry": "server" }"#,
        14,
    );
}

#[test]
fn dependency_shared_by_two_callers_counts_once() {
    let text = r#"{ "components": {
            "gateway": { "replicas": 2, "failures": [ { "name": "crash", "ttf": "30d", "ttr": "1h" } ],
                         "depends_on": ["orders", "users"] },
            "orders": { "replicas": 2, "failures": [ { "name": "crash", "ttf": "20d", "ttr": "2h" } ], "depends_on": ["db"] },
            "users":  { "replicas": 2, "failures": [ { "name": "crash", "ttf": "20d", "ttr": "2h" } ], "depends_on": ["db"] },
            "db": { "failures": [ { "name": "crash", "ttf": "30d", "ttr": "3h" } ] } },
            "entry": "gateway" }"#;
    let (exact, report) = check_case("shared dependency", text, 15);
    // The test has the power to notice double counting: counting the shared database once
    // per caller would multiply in its availability a second time.
    let db_alone = exact_availability(&scenario(
        r#"{ "components": { "db": { "failures": [ { "name": "crash", "ttf": "30d", "ttr": "3h" } ] } }, "entry": "db" }"#,
    ));
    let double_counted = exact * db_alone;
    assert!((exact - double_counted).abs() > 8.0 * report.availability.std_error);
}

/// Each component's own availability matches its exact value too (v5: api 1-of-2, db).
#[test]
fn component_availabilities_are_exact() {
    let file = crate::common::repository_file("tests/reference/v5-series.json");
    let full = sim::scenario::load_file(&file).unwrap();
    let report = run(&full, 20_000, 16);
    let api_alone = scenario(
        r#"{ "components": { "api": { "replicas": 2, "require": 1,
             "failures": [ { "name": "crash", "ttf": "60d", "ttr": "1h" } ] } }, "entry": "api" }"#,
    );
    let db_alone = scenario(
        r#"{ "components": { "db": { "failures": [ { "name": "crash", "ttf": "90d", "ttr": "2h" } ] } }, "entry": "db" }"#,
    );
    let api = &report.components["api"];
    let db = &report.components["db"];
    assert_within(
        "api own",
        api.own_availability.mean,
        api.own_availability.std_error,
        exact_availability(&api_alone),
        4.0,
    );
    assert_within(
        "db",
        db.availability.mean,
        db.availability.std_error,
        exact_availability(&db_alone),
        4.0,
    );
    // api counting its dependency is the system.
    assert_eq!(api.availability.mean, report.availability.mean);
}
