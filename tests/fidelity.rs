//! The probes, restarts and relaunches of issue 8 behave as the real software does: deep
//! readiness and liveness probes, TCP against HTTP checks, Kubernetes readiness on a
//! container exit, startup probes and `initialDelaySeconds`, and auto-scaling groups that
//! relaunch in another zone. Exact timelines on constant distributions, bounds that every
//! trial must meet, and means against independent computations.

use rand::{Rng, SeedableRng};
use sim::engine::{Plan, TrialOutcome, TrialRunner};
use sim::time::Ticks;

use crate::common::{assert_within, run, scenario};
use crate::engine::HOUR;

const SECOND: Ticks = 1_000_000;

/// Trials `0..trials` of `text`, each outcome.
fn trials(text: &str, trials: u64) -> Vec<TrialOutcome> {
    let scenario = scenario(text);
    let plan = Plan::new(&scenario);
    let mut runner = TrialRunner::new(&plan);
    (0..trials).map(|t| runner.run(t).clone()).collect()
}

fn mean(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let values: Vec<f64> = values.collect();
    let n = values.len() as f64;
    let m = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, (var / n).sqrt())
}

/// A database down for 10 minutes at 10 h (constant), once in a 20 h horizon, under an app
/// of `app_replicas` pods with the given extra keys.
fn app_over_database(app_replicas: u32, app_keys: &str) -> String {
    format!(
        r#"{{ "simulation": {{ "horizon": "20h" }},
            "components": {{
              "app": {{ "replicas": {app_replicas}, "depends_on": ["db"] {app_keys} }},
              "db": {{ "failures": [ {{ "name": "outage", "ttf": {{ "constant": "10h" }}, "ttr": {{ "constant": "10m" }} }} ] }} }},
            "entry": "app" }}"#
    )
}

/// Deep readiness (interval 10 s, healthy after 3): every pod leaves rotation during the
/// database's outage and comes back at its next check + 2 intervals after the database
/// does. With one pod the outage is 600 s + U(0, 10 s) + 20 s: in [620, 630] s in every
/// trial, mean 625 s; a shallow check costs exactly the database's 600 s. 300 trials; the
/// mean within 4 standard errors (about 0.7 s).
#[test]
fn deep_readiness_stretches_a_database_outage_by_the_return_delay() {
    let check = |deep: bool| {
        format!(
            r#", "health_check": {{ "interval": "10s", "timeout": "1s", "unhealthy_threshold": 2, "healthy_threshold": 3, "deep": {deep} }}"#
        )
    };
    for outcome in trials(&app_over_database(1, &check(false)), 20) {
        assert_eq!(outcome.full_outage, 600 * SECOND);
    }
    let outcomes = trials(&app_over_database(1, &check(true)), 300);
    for outcome in &outcomes {
        let down = outcome.full_outage;
        assert!((620 * SECOND..=630 * SECOND).contains(&down), "{down}");
        assert_eq!(outcome.incidents, 1);
    }
    let (m, se) = mean(outcomes.iter().map(|o| o.full_outage as f64 / 1e6));
    assert!((m - 625.0).abs() < 4.0 * se, "{m} +/- {se}");
    // Two pods: the first of them back, at min of two uniform phases: mean 20 + 10/3 s.
    let outcomes = trials(&app_over_database(2, &check(true)), 300);
    let (m, se) = mean(outcomes.iter().map(|o| o.full_outage as f64 / 1e6));
    assert!((m - (620.0 + 10.0 / 3.0)).abs() < 4.0 * se, "{m} +/- {se}");
}

/// The deep liveness crash loop, computed independently: the probe (period 10 s, 3
/// failures) kills the process U(0, 10 s) + 20 s after it starts failing; the kubelet
/// restarts it after 0, 10, 20, 40, ... s (capped at 300 s), and it takes 5 s to start.
/// Returns the outage beyond the database's 600 s.
fn crash_loop_extra(rng: &mut impl Rng) -> f64 {
    let outage = 600.0;
    let mut t = 0.0; // the process is running and its probe starts failing
    let mut restarts = 0u32;
    loop {
        let kill = t + rng.random_range(0.0..10.0) + 20.0;
        if kill >= outage {
            return 0.0; // the database is back first: the kill is called off
        }
        let backoff = if restarts == 0 {
            0.0
        } else {
            (10.0 * 2f64.powi(restarts as i32 - 1)).min(300.0)
        };
        restarts += 1;
        t = kill + backoff + 5.0;
        if t >= outage {
            return t - outage;
        }
    }
}

/// Deep liveness restarts every pod, again and again while the database is down, with
/// CrashLoopBackOff's growing waits: the app stays down after the database is back, by
/// the rest of the restart in progress. Bounds in every trial (at most the 300 s cap + the
/// 5 s start) and the mean against `crash_loop_extra` (200 000 draws; seed 81); 400 trials,
/// 4 standard errors. A shallow probe costs exactly the 600 s.
#[test]
fn deep_liveness_keeps_the_app_down_after_its_database_returns() {
    let keys = |deep: bool| {
        format!(
            r#", "liveness": {{ "period": "10s", "failure_threshold": 3, "deep": {deep} }},
                "restart": {{ "duration": {{ "constant": "5s" }}, "backoff_initial": "10s", "backoff_max": "300s", "backoff_reset": "600s" }}"#
        )
    };
    for outcome in trials(&app_over_database(1, &keys(false)), 20) {
        assert_eq!(outcome.full_outage, 600 * SECOND);
    }
    let outcomes = trials(&app_over_database(1, &keys(true)), 400);
    for outcome in &outcomes {
        let extra = outcome.full_outage as f64 / 1e6 - 600.0;
        assert!((0.0..=305.0).contains(&extra), "{extra}");
    }
    let (m, se) = mean(outcomes.iter().map(|o| o.full_outage as f64 / 1e6 - 600.0));
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(81);
    let draws = 200_000;
    let exact = (0..draws).map(|_| crash_loop_extra(&mut rng)).sum::<f64>() / draws as f64;
    assert!(
        exact > 100.0,
        "the loop should outlast the database: {exact}"
    );
    assert!((m - exact).abs() < 4.0 * se, "{m} +/- {se} vs {exact}");
}

/// A TCP (L4) check cannot see a hung process: a single pod that hangs for 10 minutes is
/// never ejected, so it serves again the instant it recovers; an HTTP check ejects it and
/// readmits it only after U(0, 10 s) + 10 s. A crash refuses the connection and a zone
/// outage cuts the pod off: a TCP check sees both.
#[test]
fn a_tcp_check_cannot_see_a_hang() {
    let single = |protocol: &str, effect: &str, zone_outage: bool| {
        let (ttf, zone) = if zone_outage {
            (
                r#"{ "constant": "100h" }"#,
                r#"{ "ttf": { "constant": "10h" }, "ttr": { "constant": "10m" } }"#,
            )
        } else {
            (r#"{ "constant": "10h" }"#, "null")
        };
        format!(
            r#"{{ "simulation": {{ "horizon": "20h" }},
                "zones": {{ "z": {{ "outage": {zone} }} }},
                "components": {{ "app": {{ "replicas": 1, "zones": ["z"],
                  "health_check": {{ "interval": "10s", "timeout": "2s", "unhealthy_threshold": 2, "healthy_threshold": 2, "protocol": "{protocol}" }},
                  "failures": [ {{ "name": "x", "ttf": {ttf}, "ttr": {{ "constant": "10m" }}, "effect": "{effect}" }} ] }} }},
                "entry": "app" }}"#
        )
    };
    let return_delay = |outcome: &TrialOutcome| outcome.full_outage as i64 - 600 * SECOND as i64;
    let ejected = |outcome: &TrialOutcome| {
        let extra = return_delay(outcome);
        (10 * SECOND as i64..=20 * SECOND as i64).contains(&extra)
    };
    for outcome in trials(&single("tcp", "hang", false), 20) {
        assert_eq!(return_delay(&outcome), 0);
    }
    for (protocol, effect, zone_outage) in [
        ("http", "hang", false),
        ("tcp", "crash", false),
        ("http", "crash", false),
        ("tcp", "crash", true),
        ("http", "crash", true),
    ] {
        for outcome in trials(&single(protocol, effect, zone_outage), 20) {
            assert!(
                ejected(&outcome),
                "{protocol} {effect} {zone_outage}: {}",
                return_delay(&outcome)
            );
        }
    }
}

/// A Kubernetes readiness probe removes the endpoint as soon as the container exits. Four
/// pods, crashes once per 10 days each, 10-minute repairs, checks every 10 s ejecting after
/// 3 failures: a load balancer's own checks lose each crash's detection delay over n,
/// 36.5 x 25 s = 15.21 min/yr (as in mechanisms.rs, 4 standard errors); the readiness probe
/// loses nothing (under 1% of that: only the rare moments when all four are down). A hang
/// is no exit: it waits for the probe either way, 36.5 x (25 s + 2 s timeout).
/// Seed 21, 2000 trials.
#[test]
fn kubernetes_readiness_sees_a_container_exit_at_once() {
    let text = |prober: &str, effect: &str| {
        format!(
            r#"{{ "components": {{ "api": {{ "replicas": 4,
                "health_check": {{ "interval": "10s", "timeout": "2s", "unhealthy_threshold": 3, "healthy_threshold": 2, "prober": "{prober}" }},
                "failures": [ {{ "name": "x", "ttf": "10d", "ttr": {{ "constant": "10m" }}, "effect": "{effect}" }} ] }} }},
              "entry": "api" }}"#
        )
    };
    let downtime = |prober: &str, effect: &str| {
        let report = run(&scenario(&text(prober, effect)), 2000, 21);
        let d = &report.downtime_minutes_per_year;
        (d.mean, d.std_error)
    };
    let exact = 365.0 / 10.0 * 25.0 / 60.0;
    let (lb, se) = downtime("load_balancer", "crash");
    assert_within("load balancer, crash", lb, se, exact, 4.0);
    let (readiness, _) = downtime("readiness", "crash");
    assert!(readiness < 0.01 * exact, "{readiness}");
    let hang = 365.0 / 10.0 * 27.0 / 60.0;
    let (m, se) = downtime("readiness", "hang");
    assert_within("readiness, hang", m, se, hang, 4.0);
}

/// An auto-scaling group relaunches the pods of a lost zone in the other one after
/// detection (30 s) + provisioning (90 s): 4 pods over 2 zones, each carrying a quarter of
/// the peak (N+0), a 1-hour zone outage at 10 h: half the demand is lost for 120 s rather
/// than for the hour.
#[test]
fn an_auto_scaling_group_relaunches_in_a_zone_that_is_up() {
    let text = |any_zone: bool| {
        format!(
            r#"{{ "simulation": {{ "horizon": "20h" }},
                "traffic": {{ "peak_rps": 400 }},
                "zones": {{ "a": {{ "outage": {{ "ttf": {{ "constant": "10h" }}, "ttr": {{ "constant": "1h" }} }} }}, "b": {{}} }},
                "components": {{ "app": {{ "replicas": 4, "zones": ["a", "b"], "require": 1, "capacity": 100,
                  "replacement": {{ "detection": "30s", "provisioning": {{ "constant": "90s" }}, "any_zone": {any_zone} }} }} }},
                "entry": "app" }}"#
        )
    };
    let horizon = 20.0 * 3600.0;
    let without = &trials(&text(false), 1)[0];
    assert!(
        (without.lost - 0.5 * 3600.0 / horizon).abs() < 1e-12,
        "{}",
        without.lost
    );
    for outcome in trials(&text(true), 5) {
        assert!(
            (outcome.lost - 0.5 * 120.0 / horizon).abs() < 1e-12,
            "{}",
            outcome.lost
        );
    }
}

/// A slow start killed by liveness is the endless CrashLoopBackOff: a process that takes
/// 40 s to start under a liveness probe that kills at 20 s (period 10 s, 3 failures, no
/// initial delay) never comes back; `initialDelaySeconds` 30 s (kill at 50 s) or a startup
/// probe (30 x 10 s) lets it start in its 40 s.
#[test]
fn a_slow_start_under_liveness_loops_until_a_startup_probe_allows_it() {
    let text = |extra: &str| {
        format!(
            r#"{{ "simulation": {{ "horizon": "20h" }},
                "components": {{ "app": {{
                  "liveness": {{ "period": "10s", "failure_threshold": 3 {extra} }},
                  "restart": {{ "duration": {{ "constant": "40s" }} }},
                  "failures": [ {{ "name": "crash", "ttf": {{ "constant": "10h" }}, "ttr": "1s", "recovery": "restart" }} ] }} }},
                "entry": "app" }}"#
        )
    };
    let looping = &trials(&text(""), 1)[0];
    assert_eq!(looping.full_outage, 10 * HOUR);
    let delayed = &trials(&text(r#", "initial_delay": "30s""#), 1)[0];
    assert_eq!(delayed.full_outage, 40 * SECOND);
    let with_startup = r#"{ "simulation": { "horizon": "20h" },
            "components": { "app": {
              "liveness": { "period": "10s", "failure_threshold": 3 },
              "startup_probe": { "period": "10s", "failure_threshold": 30 },
              "restart": { "duration": { "constant": "40s" } },
              "failures": [ { "name": "crash", "ttf": { "constant": "10h" }, "ttr": "1s", "recovery": "restart" } ] } },
            "entry": "app" }"#;
    assert_eq!(trials(with_startup, 1)[0].full_outage, 40 * SECOND);
}

/// A Redis Cluster of 3 shards, each a master and a replica with its own failover (30 s
/// detection + 20 s promotion + 10 s reconnect), nodes failing once per 30 days with
/// exponential repairs of mean 1 h. Each shard alone is an active-passive pair: the
/// primary fails at l = 1/30 d while its replica is up (probability 1 - q, q = l/(l+m), m
/// = 1/h); a repair within the 30 s detection (probability 1 - e^(-30 s/1 h)) costs the
/// repair, E[R; R < 30 s] = mu(1 - e^(-a/mu)(1 + a/mu)), and triggers no failover; any
/// other costs the 60 s failover. U_g = l(1 - q) E[cost] + q^2 (both down). Without full
/// coverage the cluster serves the mean of its shards: U = U_g; with
/// `require_full_coverage` it needs every shard: U = 1 - (1 - U_g)^3 (independent shards).
/// Every shard fails over on its own: 3 l (1 - q) e^(-a/mu) failovers a year. The three
/// masters are in three zones without outages, so the vote never blocks. 4 standard
/// errors; seed 23, 3000 trials.
#[test]
fn each_shard_fails_over_on_its_own() {
    let text = |full: bool| {
        format!(
            r#"{{ "components": {{ "redis": {{ "replicas": 6, "shards": 3, "require_full_coverage": {full},
                  "role": "active_passive",
                  "failover": {{ "detection": {{ "constant": "30s" }}, "promotion": {{ "constant": "20s" }},
                                "reconnect": {{ "constant": "10s" }} }},
                  "replication": {{ "mode": "async", "lag": {{ "constant": "1s" }} }},
                  "failures": [ {{ "name": "node", "ttf": "30d", "ttr": "1h" }} ] }} }},
               "entry": "redis" }}"#
        )
    };
    let l: f64 = 1.0 / (30.0 * 24.0);
    let m: f64 = 1.0;
    let q = l / (l + m);
    let (a, mu) = (30.0_f64, 3600.0_f64);
    let no_failover = mu * (1.0 - (-a / mu).exp() * (1.0 + a / mu));
    let cost = no_failover + 60.0 * (-a / mu).exp();
    let failures_per_year = 365.0 / 30.0 * (1.0 - q);
    let failovers_per_year = failures_per_year * (-a / mu).exp();
    let shard = failures_per_year * cost / (365.0 * 86_400.0) + q * q;
    let minutes = |u: f64| u * 365.0 * 24.0 * 60.0;
    let partial = run(&scenario(&text(false)), 3000, 23);
    let d = &partial.downtime_minutes_per_year;
    assert_within("partial coverage", d.mean, d.std_error, minutes(shard), 4.0);
    let failovers = partial.failovers.as_ref().unwrap();
    assert_within(
        "failovers per year",
        failovers.per_year.mean,
        failovers.per_year.std_error,
        3.0 * failovers_per_year,
        4.0,
    );
    let full = run(&scenario(&text(true)), 3000, 23);
    let d = &full.downtime_minutes_per_year;
    let exact = minutes(1.0 - (1.0 - shard).powi(3));
    assert_within("full coverage", d.mean, d.std_error, exact, 4.0);
}

/// A relaunch due while its region is down waits for the region and launches again:
/// zone a down [10 h, 13 h), the region (zones a and b) down [10 h 1 m, 10 h 10 m); the
/// relaunch after 120 s finds no zone up, so it launches again when the region returns
/// (10 h 10 m + 120 s). Two pods of capacity 50 against 100 req/s: half the demand is lost
/// while one pod serves, all of it while the region is down; without `any_zone` the half
/// lasts until zone a returns at 13 h.
#[test]
fn a_relaunch_that_finds_no_zone_waits_for_one() {
    let text = |any_zone: bool| {
        format!(
            r#"{{ "simulation": {{ "horizon": "20h" }},
                "traffic": {{ "peak_rps": 100 }},
                "regions": {{ "r": {{ "outage": {{ "ttf": {{ "constant": "601m" }}, "ttr": {{ "constant": "9m" }} }} }} }},
                "zones": {{ "a": {{ "region": "r", "outage": {{ "ttf": {{ "constant": "10h" }}, "ttr": {{ "constant": "3h" }} }} }},
                           "b": {{ "region": "r" }} }},
                "components": {{ "app": {{ "replicas": 2, "zones": ["a", "b"], "require": 1, "capacity": 50,
                  "replacement": {{ "detection": "30s", "provisioning": {{ "constant": "90s" }}, "any_zone": {any_zone} }} }} }},
                "entry": "app" }}"#
        )
    };
    // Pod 1 (zone b) serves except during the region outage; pod 0 carries nothing alone.
    let with = &trials(&text(true), 1)[0];
    let without = &trials(&text(false), 1)[0];
    assert_eq!(with.full_outage, without.full_outage);
    assert_eq!(with.full_outage, 9 * 60 * SECOND);
    let horizon = 20.0 * 3600.0;
    // Half the demand is lost while only one pod serves: [10 h, 10 h 1 m) before the
    // region outage, and [10 h 10 m, 10 h 12 m) after it with the relaunch.
    let half = |seconds: f64| 0.5 * seconds / horizon;
    assert!(
        (with.lost - (9.0 * 60.0 / horizon + half(60.0 + 120.0))).abs() < 1e-12,
        "{}",
        with.lost
    );
    assert!(
        (without.lost - (9.0 * 60.0 / horizon + half(60.0 + 3.0 * 3600.0 - 600.0))).abs() < 1e-12,
        "{}",
        without.lost
    );
}

/// Redis Cluster's masters vote on each failover, a majority of all of them (the failed one
/// counted). Two shards over zones a and b, both masters in zone a, zone a down 30 minutes
/// at 1 h: the surviving replicas cannot gather 2 votes, so nothing fails over and the
/// cluster (full coverage) is down the whole 30 minutes. With three shards and only one
/// master in the lost zone, the other two vote: it fails over after 15 s + 1 s.
#[test]
fn redis_cluster_masters_vote_on_each_failover() {
    let two_shards = r#"{ "simulation": { "horizon": "2h" },
        "zones": { "a": { "outage": { "ttf": { "constant": "1h" }, "ttr": { "constant": "30m" } } }, "b": {} },
        "components": { "redis": { "replicas": 4, "zones": ["a", "b"], "shards": 2, "require_full_coverage": true,
          "role": "active_passive", "failover": { "detection": { "constant": "15s" }, "promotion": { "constant": "1s" } } } },
        "entry": "redis" }"#;
    let outcome = &trials(two_shards, 1)[0];
    assert_eq!(outcome.full_outage, 30 * 60 * SECOND);
    assert!(outcome.failover_durations.is_empty());
    // Three shards of 2 units over zones a, b, c: masters 0, 2, 4 in a, c, b.
    let three_shards = r#"{ "simulation": { "horizon": "2h" },
        "zones": { "a": { "outage": { "ttf": { "constant": "1h" }, "ttr": { "constant": "30m" } } }, "b": {}, "c": {} },
        "components": { "redis": { "replicas": 6, "zones": ["a", "b", "c"], "shards": 3, "require_full_coverage": true,
          "role": "active_passive", "failover": { "detection": { "constant": "15s" }, "promotion": { "constant": "1s" } } } },
        "entry": "redis" }"#;
    let outcome = &trials(three_shards, 1)[0];
    assert_eq!(outcome.full_outage, 16 * SECOND);
    assert_eq!(outcome.failover_durations, vec![16.0]);
}
