//! Correlated failures and changes against exact answers: the beta-factor pair (a
//! continuous-time Markov chain solved here), releases as a renewal process, canaries that
//! catch a bad release or miss it, and a shared failure over a k-of-n tier and its
//! dependency. Also: new causes are named in the attribution, and adding a change or a
//! shared failure leaves every unit's own draws unchanged (common random numbers).

use sim::engine::{Event, Observer, Plan, TrialRunner};
use sim::report::RunReport;
use sim::time::{Ticks, MINUTES_PER_YEAR};

use crate::common::{assert_within, run, scenario};

/// Lost service as a fraction, with its standard error.
fn unavailability(report: &RunReport) -> (f64, f64) {
    let d = &report.downtime_minutes_per_year;
    (d.mean / MINUTES_PER_YEAR, d.std_error / MINUTES_PER_YEAR)
}

/// Solves `a x = b` by Gaussian elimination with partial pivoting (small dense systems).
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
    let n = b.len();
    for column in 0..n {
        let pivot = (column..n)
            .max_by(|i, j| a[*i][column].abs().total_cmp(&a[*j][column].abs()))
            .unwrap();
        a.swap(column, pivot);
        b.swap(column, pivot);
        let (top, bottom) = a.split_at_mut(column + 1);
        let pivot_row = &top[column];
        for (offset, row) in bottom.iter_mut().enumerate() {
            let factor = row[column] / pivot_row[column];
            for (value, pivot_value) in row[column..].iter_mut().zip(&pivot_row[column..]) {
                *value -= factor * pivot_value;
            }
            b[column + 1 + offset] -= factor * b[column];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let known: f64 = (row + 1..n).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - known) / a[row][row];
    }
    x
}

/// The stationary unavailability of a 1-of-2 pair with the beta factor, as the spec pins
/// it: each unit fails alone at (1 - beta) lambda and is repaired at mu; a common process
/// at beta lambda strikes every unit that is up, and the struck units share one repair
/// (rate mu for the group); the process waits while struck units are down. A unit's state
/// is Up, Own (down alone) or Common (down from the strike): 9 states.
fn beta_pair_unavailability(lambda: f64, mu: f64, beta: f64) -> f64 {
    const UP: usize = 0;
    const OWN: usize = 1;
    const COMMON: usize = 2;
    let index = |a: usize, b: usize| a * 3 + b;
    let mut q = vec![vec![0.0; 9]; 9];
    for a in 0..3 {
        for b in 0..3 {
            let from = index(a, b);
            let mut add = |to: usize, rate: f64| {
                q[from][to] += rate;
                q[from][from] -= rate;
            };
            let states = [a, b];
            for unit in 0..2 {
                let mut next = states;
                match states[unit] {
                    UP => {
                        next[unit] = OWN;
                        add(index(next[0], next[1]), (1.0 - beta) * lambda);
                    }
                    OWN => {
                        next[unit] = UP;
                        add(index(next[0], next[1]), mu);
                    }
                    _ => {}
                }
            }
            let any_common = states.contains(&COMMON);
            if any_common {
                let back = states.map(|s| if s == COMMON { UP } else { s });
                add(index(back[0], back[1]), mu);
            } else if states.contains(&UP) {
                let struck = states.map(|s| if s == UP { COMMON } else { s });
                add(index(struck[0], struck[1]), beta * lambda);
            }
        }
    }
    // pi Q = 0 with sum(pi) = 1: transpose, and replace one equation by the sum.
    let mut a: Vec<Vec<f64>> = (0..9).map(|j| (0..9).map(|i| q[i][j]).collect()).collect();
    let mut b = vec![0.0; 9];
    a[8] = vec![1.0; 9];
    b[8] = 1.0;
    let pi = solve(a, b);
    (0..3)
        .flat_map(|x| (0..3).map(move |y| (x, y)))
        .filter(|(x, y)| *x != UP && *y != UP)
        .map(|(x, y)| pi[index(x, y)])
        .sum()
}

/// The chain reduces to two independent units at beta = 0 (a check of the solver).
#[test]
fn the_beta_chain_without_common_cause_is_two_independent_units() {
    let (lambda, mu) = (0.1_f64, 1.0_f64);
    let exact = (lambda / (lambda + mu)).powi(2);
    assert!((beta_pair_unavailability(lambda, mu, 0.0) - exact).abs() < 1e-12);
}

/// A 1-of-2 pair with exponential failures (mean 10 d), repairs (mean 1 d) and beta 0.3
/// against the chain above. A 10-year horizon makes the start-up transient (all up at 0,
/// relaxing at about mu) 0.03% of the answer; tolerance 4 s.e. Seed 31, 300 trials.
#[test]
fn a_beta_factor_pair_matches_its_markov_chain() {
    let report = run(
        &scenario(
            r#"{ "simulation": { "horizon": "10y" },
                "components": { "db": { "replicas": 2, "require": 1,
                  "failures": [ { "name": "host", "ttf": "10d", "ttr": "1d", "common_cause": 0.3 } ] } },
                "entry": "db" }"#,
        ),
        300,
        31,
    );
    let exact = beta_pair_unavailability(0.1, 1.0, 0.3);
    let independent = beta_pair_unavailability(0.1, 1.0, 0.0);
    let (mean, se) = unavailability(&report);
    assert_within("beta pair", mean, se, exact, 4.0);
    // The common cause dominates, as the beta-factor literature says it does.
    assert!(exact > 3.0 * independent);
    let top = &report.downtime_causes[0];
    assert_eq!(top.cause, "common cause db/host");
    // Each unit still fails at the mode's total rate: 36.5 own-or-common failures a year,
    // each ended by a repair (struck units count under the common cause).
    let repairs: f64 = report
        .recoveries
        .values()
        .map(|kinds| kinds["repair"])
        .sum();
    // Fewer than 2 x 36.5: a unit cannot fail while it is down (about 1 day in 11).
    assert!(
        repairs > 2.0 * 36.5 * 0.85 && repairs < 2.0 * 36.5,
        "{repairs}"
    );
}

/// Releases without a canary: a renewal process. Intervals exponential with mean I = 3 d;
/// a quarter are bad; detection is an alert rule (for 2m every 30 s, group_wait 30 s: mean
/// 15 s + 120 s + 30 s) then 10 minutes of a person, through named responses; rollback
/// 10 minutes. Down fraction p E[D+R] / (I + p E[D+R]) (renewal-reward). Seed 32, 500
/// trials, 4 s.e.
#[test]
fn releases_without_a_canary_match_the_renewal_formula() {
    let report = run(
        &scenario(
            r#"{ "components": { "app": { "replicas": 3 } }, "entry": "app",
                "responses": {
                  "alert": { "alert": { "for": "2m", "evaluation_interval": "30s", "group_wait": "30s" } },
                  "page": { "sum": [ { "response": "alert" }, { "constant": "10m" } ] } },
                "changes": { "release": { "targets": ["app"], "interval": "3d", "bad_probability": 0.25,
                  "detection": { "response": "page" }, "rollback": { "constant": "10m" } } } }"#,
        ),
        500,
        32,
    );
    let (interval, p) = (3.0 * 86_400.0, 0.25);
    let impact = 15.0 + 120.0 + 30.0 + 600.0 + 600.0;
    let exact = p * impact / (interval + p * impact);
    let (mean, se) = unavailability(&report);
    assert_within("renewal", mean, se, exact, 4.0);
    assert_eq!(report.downtime_causes[0].cause, "change release (rollout)");
    assert_eq!(report.downtime_causes.len(), 1);
}

fn canary_scenario(require: u32, detection: &str) -> String {
    format!(
        r#"{{ "components": {{ "app": {{ "replicas": 3, "require": {require} }} }}, "entry": "app",
            "changes": {{ "release": {{ "targets": ["app"], "interval": "2d", "bad_probability": 0.3,
              "detection": {{ "constant": "{detection}" }}, "rollback": {{ "constant": "30m" }},
              "rollout": {{ "canary": 0.2, "bake": "1h" }} }} }} }}"#
    )
}

/// A canary of ceil(0.2 x 3) = 1 unit that detection (10 min) catches before the bake
/// (1 h) ends: with 2 of 3 required, the spare units carry everything and nothing is lost,
/// exactly. Requiring all 3 shows the canary did go bad: p (D+R) / (I + p (D+R)), all of
/// it blamed on the canary. Seed 33, 400 trials, 4 s.e.
#[test]
fn a_canary_that_catches_a_bad_release_costs_nothing_with_spare_replicas() {
    let spare = run(&scenario(&canary_scenario(2, "10m")), 400, 33);
    assert_eq!(spare.downtime_minutes_per_year.mean, 0.0);
    let tight = run(&scenario(&canary_scenario(3, "10m")), 400, 33);
    let (interval, p, impact) = (2.0 * 86_400.0, 0.3, 40.0 * 60.0);
    let exact = p * impact / (interval + p * impact);
    let (mean, se) = unavailability(&tight);
    assert_within("canary caught", mean, se, exact, 4.0);
    assert_eq!(tight.downtime_causes.len(), 1);
    assert_eq!(tight.downtime_causes[0].cause, "change release (canary)");
}

/// Detection after the bake (2 h against 1 h): the release reaches every unit at 1 h and
/// the system is down from then until detection + rollback (2.5 h): 1.5 h per bad change,
/// while each bad change still takes 2.5 h of the cycle. Seed 34, 400 trials, 4 s.e.
#[test]
fn a_canary_noticed_after_the_bake_costs_from_bake_to_rollback() {
    let report = run(&scenario(&canary_scenario(2, "2h")), 400, 34);
    let (interval, p) = (2.0 * 86_400.0, 0.3);
    let exact = p * (1.5 * 3600.0) / (interval + p * 2.5 * 3600.0);
    let (mean, se) = unavailability(&report);
    assert_within("canary missed", mean, se, exact, 4.0);
    assert_eq!(report.downtime_causes[0].cause, "change release (rollout)");
}

/// A shared failure (exponential, 20 d between occurrences, 1 d long) striking each unit of
/// a 2-of-3 tier and of its single-unit dependency with probability 0.5. While it lasts the
/// system is down unless the dependency is spared and at most one tier unit is struck:
/// 1 - 0.5 x P(Bin(3, 0.5) <= 1) = 0.75. Starting quiet, the expected down fraction over
/// [0, T] is q (1 - (1 - exp(-kT)) / (kT)) x 0.75 with q = 1/21 and k = 1/20 + 1 per day.
/// Seed 35, 400 trials, 4 s.e.
#[test]
fn a_shared_failure_with_probability_strikes_a_tier_and_its_dependency() {
    let report = run(
        &scenario(
            r#"{ "components": {
                  "app": { "replicas": 3, "require": 2, "depends_on": ["db"] },
                  "db": {} },
                "entry": "app",
                "shared_failures": { "config-service": { "ttf": "20d", "ttr": "1d",
                  "targets": ["app", "db"], "probability": 0.5 } } }"#,
        ),
        400,
        35,
    );
    let q = 1.0 / 21.0;
    let k_t: f64 = (1.0 / 20.0 + 1.0) * 365.0;
    let exact = q * (1.0 - (1.0 - (-k_t).exp()) / k_t) * 0.75;
    let (mean, se) = unavailability(&report);
    assert_within("shared failure", mean, se, exact, 4.0);
    assert_eq!(report.downtime_causes[0].cause, "shared config-service");
}

/// Records each unit's own failures and recoveries: (time, event).
#[derive(Default)]
struct UnitEvents(Vec<(Ticks, Event)>);

impl Observer for UnitEvents {
    fn on_event(&mut self, time: Ticks, event: Event, _trial: &TrialRunner) {
        if matches!(event, Event::UnitFails { .. } | Event::UnitRecovers { .. }) {
            self.0.push((time, event));
        }
    }
}

fn unit_events(text: &str, trial: u64) -> Vec<(Ticks, Event)> {
    let scenario = scenario(text);
    let plan = Plan::new(&scenario);
    let mut runner = TrialRunner::new(&plan);
    let mut events = UnitEvents::default();
    runner.run_observed(trial, &mut events);
    events.0
}

/// Adding a change, a shared failure and another component's common cause leaves every
/// unit's own failures and repairs where they were, trial by trial (they are overlays with
/// streams of their own), while the system's downtime does change.
#[test]
fn adding_changes_and_shared_failures_leaves_unit_draws_unchanged() {
    let base = r#"{ "components": {
          "api": { "replicas": 3, "failures": [ { "name": "crash", "ttf": "5d", "ttr": "2h" } ] },
          "db": { "replicas": 2, "failures": [ { "name": "host", "ttf": "20d", "ttr": "6h" } ] },
          "cache": { "replicas": 2, "failures": [ { "name": "evict", "ttf": "3d", "ttr": "10m" } ] } },
        "entry": "api" }"#;
    let with_more = base
        .replace(
            r#""evict", "ttf": "3d""#,
            r#""evict", "common_cause": 0.5, "ttf": "3d""#,
        )
        .replace(
            r#""entry": "api" }"#,
            r#""entry": "api",
            "changes": { "release": { "targets": ["api", "db"], "interval": "1d", "bad_probability": 0.5,
              "detection": "30m", "rollback": "10m", "rollout": { "canary": 0.3, "bake": "20m" } } },
            "shared_failures": { "idp": { "ttf": "7d", "ttr": "1h", "targets": ["api", "db"], "probability": 0.7 } } }"#,
        );
    assert_ne!(base, with_more);
    let (base_scenario, more_scenario) = (scenario(base), scenario(&with_more));
    let (base_plan, more_plan) = (Plan::new(&base_scenario), Plan::new(&more_scenario));
    // The cache units (indices 5 and 6) change their draws: their mode is split in two.
    let cache_units = |events: &[(Ticks, Event)]| -> Vec<(Ticks, Event)> {
        events
            .iter()
            .filter(|(_, e)| match e {
                Event::UnitFails { unit, .. } | Event::UnitRecovers { unit } => *unit < 5,
                _ => true,
            })
            .copied()
            .collect()
    };
    for trial in 0..20 {
        let a = unit_events(base, trial);
        let b = unit_events(&with_more, trial);
        assert!(!a.is_empty());
        assert_eq!(cache_units(&a), cache_units(&b), "trial {trial}");
    }
    let mut differs = false;
    for trial in 0..20 {
        let a = TrialRunner::new(&base_plan).run(trial).lost;
        let b = TrialRunner::new(&more_plan).run(trial).lost;
        differs |= a != b;
    }
    assert!(differs);
}

/// The detection draws of a change do not depend on the bake time, so on common random
/// numbers a longer bake catches a superset of the bad releases on the canary and every
/// trial loses no more: the swept downtime cannot increase with the bake, exactly.
#[test]
fn a_longer_bake_never_costs_more_on_common_random_numbers() {
    let result = crate::workflow::json(&crate::common::sim(&[
        "sweep",
        "tests/scenarios/canary-release.json",
        "--set",
        "changes.release.rollout.bake=0s,15m,1h,4h",
        "-q",
        "--format",
        "json",
    ]));
    let downtime: Vec<f64> = result["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["downtime_minutes_per_year"].as_f64().unwrap())
        .collect();
    assert_eq!(downtime.len(), 4);
    assert!(downtime.windows(2).all(|w| w[1] <= w[0]), "{downtime:?}");
    assert!(downtime[3] < 0.5 * downtime[0], "{downtime:?}");
}

/// The tornado varies every number of a change and of its named responses, so it shows
/// whether the canary or the detection time matters more.
#[test]
fn a_tornado_varies_the_canary_the_bake_and_the_detection() {
    let result = crate::workflow::json(&crate::common::sim(&[
        "sweep",
        "tests/scenarios/canary-release.json",
        "--tornado",
        "--trials",
        "200",
        "-q",
        "--format",
        "json",
    ]));
    let rows = result["parameters"].as_array().unwrap();
    let row = |name: &str| {
        rows.iter()
            .find(|r| r["parameter"] == name)
            .unwrap_or_else(|| panic!("{name} not in the tornado: {rows:?}"))
    };
    for name in [
        "changes.release.rollout.canary",
        "changes.release.rollout.bake",
        "changes.release.bad_probability",
        "changes.release.interval",
        "changes.release.rollback.constant",
        "responses.page.sum[1].exponential.mean",
        "responses.alert.alert.for",
    ] {
        row(name);
    }
    // Twice as many bad releases cost more than half as many.
    let bad = row("changes.release.bad_probability");
    assert!(
        bad["downtime_at_high"].as_f64().unwrap() > bad["downtime_at_low"].as_f64().unwrap(),
        "{bad}"
    );
}

/// The CI gate sees changes: a big-bang release held to its canaried baseline (same
/// scenario but the rollout, run on the same trials) fails the check with exit status 1.
#[test]
fn check_fails_a_big_bang_release_against_its_canary_baseline() {
    let output = crate::common::sim(&[
        "check",
        "scenarios/pitfall-big-bang-release.json",
        "--baseline",
        "scenarios/remedy-canary-release.json",
        "--trials",
        "300",
        "-q",
    ]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let passed = crate::common::sim(&[
        "check",
        "scenarios/remedy-canary-release.json",
        "--baseline",
        "scenarios/pitfall-big-bang-release.json",
        "--trials",
        "300",
        "-q",
    ]);
    assert_eq!(passed.status.code(), Some(0));
}

/// A crash under a harmless slow overlay (100 ms, below the check timeout, no deadline):
/// the checks still eject the crashed unit and readmit it after its repair, so every
/// trial loses what it loses without the overlay, to rounding (the overlay draws from its
/// own stream and changes no other draw).
#[test]
fn a_crash_under_a_harmless_slow_overlay_is_ejected_as_without_it() {
    let base = r#"{ "components": { "web": { "replicas": 3,
          "health_check": { "interval": "10s", "timeout": "5s", "unhealthy_threshold": 2 },
          "failures": [ { "name": "host", "ttf": "10d", "ttr": "1d" } ] } },
        "entry": "web" }"#;
    let slow = base.replace(
        r#""entry": "web" }"#,
        r#""entry": "web", "shared_failures": { "gc": { "ttf": "1d", "ttr": "1d",
            "targets": ["web"], "effect": { "slow": { "latency": "100ms" } } } } }"#,
    );
    let (a, b) = (scenario(base), scenario(&slow));
    let (plan_a, plan_b) = (Plan::new(&a), Plan::new(&b));
    let (mut runner_a, mut runner_b) = (TrialRunner::new(&plan_a), TrialRunner::new(&plan_b));
    let mut lost = 0.0;
    for trial in 0..200 {
        let without = runner_a.run(trial).lost;
        let with = runner_b.run(trial).lost;
        // Equal but for the rounding of sums split at the overlay's extra events.
        assert!(
            (without - with).abs() <= 1e-9 * without.max(1e-12),
            "trial {trial}: {without} without the overlay, {with} with it"
        );
        lost += without;
    }
    assert!(lost > 0.0);
}

/// Attribution follows what a unit does now: a zone outage (a hang) over [10 d, 12 d) and
/// a bad change (a crash) over [11 d, 14 d) on a single unit cost 4 days, 2 blamed on the
/// zone (the hang is the worse effect while both last) and 2 on the change, exactly.
#[test]
fn a_unit_is_blamed_on_the_cause_still_active() {
    let report = run(
        &scenario(
            r#"{ "simulation": { "horizon": "15d" },
                "zones": { "z": { "outage": { "ttf": { "constant": "10d" }, "ttr": { "constant": "2d" } } } },
                "components": { "app": { "zones": ["z"] } }, "entry": "app",
                "changes": { "release": { "targets": ["app"], "interval": { "constant": "11d" },
                  "bad_probability": 1, "detection": { "constant": "2d" }, "rollback": { "constant": "1d" } } } }"#,
        ),
        3,
        1,
    );
    let days = |cause: &str| {
        report
            .downtime_causes
            .iter()
            .filter(|c| c.cause == cause)
            .map(|c| c.minutes_per_year * 15.0 / 365.0 / 1440.0)
            .sum::<f64>()
    };
    assert!(
        (days("zone z") - 2.0).abs() < 1e-9,
        "{:?}",
        report.downtime_causes
    );
    assert!((days("change release (rollout)") - 2.0).abs() < 1e-9);
}

/// The spec's strike "fails every unit this mode has not already failed": a unit down by
/// mode a (100 h to 103 h) when mode b's common cause strikes (at 51 h x 2 = 102 h, repair
/// 5 h) stays down until both are over, 107 h: 7 hours of the 110-hour horizon.
#[test]
fn a_strike_also_fails_a_unit_down_by_another_mode() {
    let outcome = crate::engine::one_trial(
        r#"{ "simulation": { "horizon": "110h" },
            "components": { "app": { "failures": [
              { "name": "a", "ttf": { "constant": "100h" }, "ttr": { "constant": "3h" } },
              { "name": "b", "ttf": { "constant": "51h" }, "ttr": { "constant": "5h" }, "common_cause": 0.5 } ] } },
            "entry": "app" }"#,
    );
    assert!(
        (outcome.lost - 7.0 / 110.0).abs() < 1e-12,
        "{}",
        outcome.lost
    );
}

/// A struck unit's own pending failure is cancelled: in the trace every unit alternates
/// between failing and recovering, never failing twice in a row.
#[test]
fn traces_show_no_cancelled_failures() {
    let plan = Plan::new(&scenario(
        r#"{ "components": { "db": { "replicas": 3,
              "failures": [ { "name": "host", "ttf": "5d", "ttr": "1d", "common_cause": 0.5 } ] } },
            "entry": "db" }"#,
    ));
    let names = vec!["db".to_string()];
    let timeline = sim::trace::record(&plan, &names, 4);
    let mut down = [false; 3];
    let mut strikes = 0;
    for line in &timeline.log {
        let unit = |subject: &str| subject.trim_start_matches("db/").parse::<usize>().ok();
        match line.event {
            "unit_fails" => {
                let u = unit(&line.subject).unwrap();
                assert!(!down[u], "db/{u} fails twice at {}", line.at);
                down[u] = true;
            }
            "unit_recovers" => down[unit(&line.subject).unwrap()] = false,
            "common_cause" => {
                strikes += 1;
                for struck in line.struck.as_ref().unwrap() {
                    down[unit(struck).unwrap()] = true;
                }
            }
            _ => {}
        }
    }
    assert!(strikes > 10);
}

/// A slow bad change (2 s, past the checks' 1 s timeout) on a canary unit while a harmless
/// shared slowdown (200 ms) covers every unit: the checks eject the canary, and once the
/// change is rolled back they readmit it although the slowdown goes on (the latency left
/// is the slowdown's own). With 2 of 2 units required, every second out of rotation is lost,
/// so the loss must be the same as without the slowdown, to rounding. The lost service is
/// the change's, not the harmless slowdown's.
#[test]
fn a_harmless_slowdown_neither_delays_readmission_nor_takes_the_blame() {
    let base = r#"{ "simulation": { "horizon": "72h" },
        "components": { "web": { "replicas": 2, "require": 2,
          "health_check": { "interval": "10s", "timeout": "1s", "unhealthy_threshold": 2, "healthy_threshold": 2 } } },
        "entry": "web",
        "changes": { "rel": { "targets": ["web"], "interval": { "constant": "10h" }, "bad_probability": 1,
          "effect": { "slow": { "latency": "2s" } },
          "detection": { "constant": "1h" }, "rollback": { "constant": "1h" },
          "rollout": { "canary": 0.5, "bake": "10d" } } } }"#;
    let slowed = base.replace(
        r#""entry": "web","#,
        r#""entry": "web", "shared_failures": { "gc": { "ttf": { "constant": "5h" }, "ttr": { "constant": "35h" },
            "targets": ["web"], "effect": { "slow": { "latency": "200ms" } } } },"#,
    );
    let without = crate::engine::one_trial(base);
    let with = crate::engine::one_trial(&slowed);
    assert!(without.lost > 0.0);
    assert!(
        (without.lost - with.lost).abs() <= 1e-9 * without.lost,
        "{} without the slowdown, {} with it",
        without.lost,
        with.lost
    );
    let report = run(&scenario(&slowed), 2, 1);
    assert!(
        report
            .downtime_causes
            .iter()
            .all(|c| c.cause == "change rel (canary)"),
        "{:?}",
        report.downtime_causes
    );
}
