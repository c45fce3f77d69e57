//! Each HA mechanism against an answer derived independently of the engine: closed forms on
//! exponential models (statistical, with stated seeds and tolerances) and exact timelines on
//! constant distributions (deterministic, exact equality).

use sim::report::RunReport;
use sim::time::{Ticks, MINUTES_PER_YEAR};

use crate::common::{assert_within, run, scenario};
use crate::engine::{one_trial, HOUR};

const SECOND: Ticks = 1_000_000;
const SECONDS_PER_YEAR: f64 = 365.0 * 86_400.0;

fn downtime_minutes(report: &RunReport) -> (f64, f64) {
    let d = &report.downtime_minutes_per_year;
    (d.mean, d.std_error)
}

/// Detection: n = 4 replicas behind an active checker (interval 10 s, 3 failures to
/// eject), no retries, crashes at 1 per 10 days per unit, repairs of 10 minutes (longer than
/// detection). Each crash costs (detection delay) x 1/n of the traffic, and the detection
/// delay is U(0, 10 s) + 2 x 10 s (mean 25 s), so the downtime is
/// n x (crashes per unit-year) x 25 s / n = 36.5 x 25 s = 15.21 minutes a year. Overlapping
/// failures change this by about 0.3%, far below the 4 standard errors (about 2%) allowed.
/// Seed 21, 3000 trials.
#[test]
fn health_check_detection_costs_its_delay_over_n() {
    let text = |retry: bool| {
        format!(
            r#"{{ "components": {{ "api": {{ "replicas": 4,
                "health_check": {{ "interval": "10s", "timeout": "2s", "unhealthy_threshold": 3, "healthy_threshold": 2 }},
                "retry_next_upstream": {retry},
                "failures": [ {{ "name": "crash", "ttf": "10d", "ttr": {{ "constant": "10m" }} }} ] }} }},
              "entry": "api" }}"#
        )
    };
    let report = run(&scenario(&text(false)), 3000, 21);
    let exact = 365.0 / 10.0 * 25.0 / 60.0;
    let (mean, se) = downtime_minutes(&report);
    assert_within("detection", mean, se, exact, 4.0);
    // All of it is attributed to detection of the crash mode.
    let top = &report.downtime_causes[0];
    assert_eq!(
        (top.cause.as_str(), top.mechanism.as_str()),
        ("api/crash", "detection")
    );
    assert!(top.share > 0.99, "{top:?}");
    // Retrying on the next upstream hides fast failures completely while a unit is up.
    let retried = run(&scenario(&text(true)), 3000, 21);
    assert!(retried.downtime_minutes_per_year.mean < 0.01 * exact);
}

/// Active-passive with exponential failures (mean 30 d, repair 1 h) and a constant failover
/// time F = 30 s detection + 20 s promotion + 10 s reconnect = 60 s. Renewal argument:
/// unavailability = (failovers per year) x F + P(both units down), where failovers happen at
/// the primary's failure rate l = 1/30 d and P(both down) = (l / (l + m))^2 for two
/// independent units. Corrections are of order l x MTTR (0.1%); tolerance 4 standard errors.
/// Seed 22, 4000 trials.
#[test]
fn active_passive_matches_the_renewal_argument() {
    let report = run(
        &scenario(
            r#"{ "components": { "db": { "replicas": 2, "role": "active_passive",
                  "failover": { "detection": { "constant": "30s" }, "promotion": { "constant": "20s" },
                                "reconnect": { "constant": "10s" } },
                  "replication": { "mode": "async", "lag": { "constant": "2s" } },
                  "failures": [ { "name": "node", "ttf": "30d", "ttr": "1h" } ] } },
               "entry": "db" }"#,
        ),
        4000,
        22,
    );
    let l: f64 = 1.0 / (30.0 * 24.0);
    let m: f64 = 1.0;
    let both_down = (l / (l + m)).powi(2);
    let failovers_per_year = 365.0 / 30.0 * (1.0 - l / (l + m));
    let exact = failovers_per_year * 60.0 / SECONDS_PER_YEAR + both_down;
    let (mean, se) = downtime_minutes(&report);
    assert_within("active-passive", mean, se, exact * MINUTES_PER_YEAR, 4.0);
    let failovers = report.failovers.as_ref().unwrap();
    assert_within(
        "failovers/year",
        failovers.per_year.mean,
        failovers.per_year.std_error,
        failovers_per_year,
        4.0,
    );
    // A failover takes exactly F unless the standby is down too (then it waits for a repair).
    let durations = failovers.duration_seconds.as_ref().unwrap();
    assert_eq!(durations.p50, 60.0);
    assert!(durations.mean > 60.0 && durations.max > 60.0);
    // Async replication: one data-loss event per promotion, each losing exactly the lag.
    let loss = report.data_loss.as_ref().unwrap();
    let rpo = loss.rpo_seconds.as_ref().unwrap();
    assert_eq!((rpo.mean, rpo.p50, rpo.max), (2.0, 2.0, 2.0));
    assert!(
        (loss.events_per_year.mean - failovers.per_year.mean).abs()
            < 0.01 * failovers.per_year.mean
    );
}

/// The lost window follows the lag distribution: exponential lag with mean 0.5 s gives a
/// mean RPO within 4 standard errors of 0.5 s and a median within 5% of 0.5 ln 2.
/// Seed 23, 4000 trials (about 48,000 failovers).
#[test]
fn async_data_loss_follows_the_lag_distribution() {
    let report = run(
        &scenario(
            r#"{ "components": { "db": { "replicas": 2, "role": "primary_replica", "read_fraction": 0.8,
                  "failover": { "detection": { "constant": "10s" }, "promotion": { "constant": "5s" } },
                  "replication": { "mode": "async", "lag": "500ms" },
                  "failures": [ { "name": "node", "ttf": "30d", "ttr": "30m" } ] } },
               "entry": "db" }"#,
        ),
        4000,
        23,
    );
    let loss = report.data_loss.as_ref().unwrap();
    let rpo = loss.rpo_seconds.as_ref().unwrap();
    let events = loss.events_per_year.mean * 4000.0;
    let se = 0.5 / events.sqrt();
    assert_within("rpo mean", rpo.mean, se, 0.5, 4.0);
    assert!(
        (rpo.p50 / (0.5 * std::f64::consts::LN_2) - 1.0).abs() < 0.05,
        "{rpo:?}"
    );
    // Reads go on during failovers: the level is 0.8, never 0, while a replica is up.
    assert!(report.service.degraded_minutes_per_year.mean > 0.0);
}

/// DNS failover: clients whose cached answers expire uniformly over the TTL add TTL/2 of
/// outage per failover on average, plus detection (U(0, 30 s) + 2 x 30 s, mean 75 s), and
/// stale resolvers (10%) keep the old answer 600 s past their normal expiry. Per failover:
/// 75 + 300/2 + 0.1 x 600 = 285 s. Endpoint A fails every 30 days (while up)
/// for 2 hours; B never fails. Seed 24, 3000 trials; tolerance 4 standard errors.
#[test]
fn dns_failover_costs_detection_plus_half_the_ttl() {
    let report = run(
        &scenario(
            r#"{ "components": {
                  "dns": { "dns": { "endpoints": ["east", "west"], "check_interval": "30s", "check_threshold": 3,
                                     "ttl": "300s", "stale_fraction": 0.1, "stale_extra": { "constant": "600s" } } },
                  "east": { "failures": [ { "name": "region", "ttf": "30d", "ttr": { "constant": "2h" } } ] },
                  "west": {} },
               "entry": "dns" }"#,
        ),
        3000,
        24,
    );
    let failovers_per_year = 365.0 / (30.0 + 2.0 / 24.0);
    let exact = failovers_per_year * 285.0 / 60.0;
    let (mean, se) = downtime_minutes(&report);
    assert_within("dns", mean, se, exact, 4.0);
    assert_eq!(report.downtime_causes[0].mechanism, "dns");
}

/// Capacity: three units of 100 rps, one per zone; demand peaks at 250 rps in hours 10 and
/// 11 and is 125 rps otherwise. Zone a is down [10 h, 12 h) and [22 h, 24 h). At peak the
/// survivors serve 200 of 250 (level 0.8) for exactly the two overlapping hours; off peak
/// they suffice. Lost = 0.2 x 1.0 x 2 h out of 13 demand-hours.
#[test]
fn losing_a_zone_at_peak_sheds_the_excess() {
    let mut hourly = vec!["0.5"; 24];
    hourly[10] = "1";
    hourly[11] = "1";
    let outcome = one_trial(&format!(
        r#"{{ "simulation": {{ "horizon": "24h" }},
            "traffic": {{ "peak_rps": 250, "profile": {{ "hourly": [{}] }} }},
            "zones": {{ "a": {{ "outage": {{ "ttf": {{ "constant": "10h" }}, "ttr": {{ "constant": "2h" }} }} }}, "b": {{}}, "c": {{}} }},
            "components": {{ "api": {{ "replicas": 3, "zones": ["a", "b", "c"], "capacity": 100 }} }},
            "entry": "api" }}"#,
        hourly.join(",")
    ));
    assert!(
        (outcome.lost - 0.2 * 2.0 / 13.0).abs() < 1e-12,
        "{}",
        outcome.lost
    );
    assert_eq!(outcome.degraded, 2 * HOUR);
    assert_eq!(outcome.full_outage, 0);
    let overload = sim::engine::Mechanism::Overload as usize;
    let slots: Vec<usize> = (0..outcome.cause_lost.len())
        .filter(|s| outcome.cause_lost[*s] > 0.0)
        .collect();
    assert_eq!(slots.len(), 1);
    assert_eq!(slots[0] % sim::engine::Mechanism::ALL.len(), overload);
}

fn breaker_scenario(fallback: bool, breaker: bool) -> String {
    let breaker = if breaker {
        r#", "breaker": { "error_threshold": 50, "window": "10s", "reset_timeout": "30s" }"#
    } else {
        ""
    };
    format!(
        r#"{{ "simulation": {{ "horizon": "24h" }},
            "components": {{
              "api": {{ "depends_on": [ {{ "component": "recs", "fallback": {fallback}{breaker} }} ] }},
              "recs": {{ "failures": [ {{ "name": "crash", "ttf": {{ "constant": "10h" }}, "ttr": {{ "constant": "1h" }} }} ] }} }},
            "entry": "api" }}"#
    )
}

/// Circuit breaker (docs/model.md): with the dependency failing fast (error share 1), the trip
/// delay is window x threshold / share = 10 s x 0.5 = 5 s; the breaker, open from 10 h + 5 s,
/// probes every 30 s, so after the dependency recovers at 11 h it closes at the first probe
/// at or after it: 10 h + 5 s + 120 x 30 s = 11 h + 5 s, a close delay of 5 s. The same
/// happens to the second outage [21 h, 22 h). Without a fallback the caller is down 2 h
/// without a breaker and 2 h + 2 x 5 s with one; with a fallback nothing is lost and that
/// time is served by the fallback.
#[test]
fn breaker_trip_and_close_delays_match_the_formula() {
    let plain = one_trial(&breaker_scenario(false, false));
    assert_eq!(plain.full_outage, 2 * HOUR);
    let with_breaker = one_trial(&breaker_scenario(false, true));
    assert_eq!(with_breaker.full_outage, 2 * HOUR + 10 * SECOND);
    let with_fallback = one_trial(&breaker_scenario(true, true));
    assert_eq!(with_fallback.lost, 0.0);
    let served_by_fallback = (2 * HOUR + 10 * SECOND) as f64 / (24 * HOUR) as f64;
    assert!((with_fallback.fallback - served_by_fallback).abs() < 1e-12);
    // The extra 5 s are the breaker's.
    let breaker_slot = sim::engine::Mechanism::Breaker as usize;
    let lost_to_breaker: f64 = with_breaker
        .cause_lost
        .iter()
        .enumerate()
        .filter(|(s, _)| s % sim::engine::Mechanism::ALL.len() == breaker_slot)
        .map(|(_, v)| v)
        .sum();
    assert!((lost_to_breaker - (10 * SECOND) as f64 / (24 * HOUR) as f64).abs() < 1e-15);
}

/// Cascade: 100 rps, half of which need a dependency that hangs; calls time out after 2 s, so
/// 100 x 0.5 x 2 = 100 workers would be held, ten times the caller's 10: the pool is
/// saturated and only 10/100 of the requests get a worker (a worker freed by a timeout serves
/// the requests that need no hung call until one that does takes it), so the caller serves
/// 0.1 of its requests (the fallback answers the others' calls) for the whole hang (1 h,
/// twice). With a breaker (50% of a 10 s window) the trip comes when failures / fires in
/// the window passes the threshold (opossum): timeouts register from 2 s, so after 2 + 10 x
/// 0.5 = 7 s per hang.
#[test]
fn a_hanging_dependency_cascades_without_a_breaker() {
    let text = |breaker: &str| {
        format!(
            r#"{{ "simulation": {{ "horizon": "24h" }}, "traffic": {{ "peak_rps": 100 }},
                "components": {{
                  "api": {{ "concurrency": 10,
                            "depends_on": [ {{ "component": "search", "needed_by": 0.5, "timeout": "2s", "fallback": true {breaker} }} ] }},
                  "search": {{ "failures": [ {{ "name": "gc-pause", "effect": "hang",
                                               "ttf": {{ "constant": "10h" }}, "ttr": {{ "constant": "1h" }} }} ] }} }},
                "entry": "api" }}"#
        )
    };
    let day = (24 * HOUR) as f64;
    let cascading = one_trial(&text(""));
    assert_eq!(cascading.full_outage, 0);
    assert_eq!(cascading.degraded, 2 * HOUR);
    let expected = 0.9 * (2 * HOUR) as f64 / day;
    assert!(
        (cascading.lost - expected).abs() < 1e-12,
        "{}",
        cascading.lost
    );
    let protected = one_trial(&text(
        r#", "breaker": { "error_threshold": 50, "window": "10s", "reset_timeout": "30s" }"#,
    ));
    assert_eq!(protected.degraded, 2 * 7 * SECOND);
    let expected = 0.9 * (2 * 7 * SECOND) as f64 / day;
    assert!(
        (protected.lost - expected).abs() < 1e-12,
        "{}",
        protected.lost
    );
}

/// Retries with backoff 1 s, 3 attempts retry for 1 + 2 + 4 = 7 s: a 5 s blip of the
/// dependency is invisible, a 60 s one is seen for 53 s.
#[test]
fn retries_hide_blips_shorter_than_their_window() {
    let text = |outage: &str| {
        format!(
            r#"{{ "simulation": {{ "horizon": "12h" }},
                "components": {{
                  "api": {{ "depends_on": [ {{ "component": "db", "retries": {{ "attempts": 3, "backoff": "1s" }} }} ] }},
                  "db": {{ "failures": [ {{ "name": "blip", "ttf": {{ "constant": "10h" }}, "ttr": {{ "constant": "{outage}" }} }} ] }} }},
                "entry": "api" }}"#
        )
    };
    assert_eq!(one_trial(&text("5s")).full_outage, 0);
    assert_eq!(one_trial(&text("60s")).full_outage, 53 * SECOND);
}

/// Restart with CrashLoopBackOff: a process that crashes 60 s after each start, restarts
/// taking 5 s, backoff 10 s doubling up to 40 s. Outages: 5 s (first restart immediate), then
/// 10 + 5, 20 + 5, 40 + 5, 40 + 5, ... over a 20-minute horizon.
#[test]
fn restarts_back_off_like_crash_loop_backoff() {
    let outcome = one_trial(
        r#"{ "simulation": { "horizon": "20m" },
            "components": { "worker": {
              "restart": { "duration": { "constant": "5s" }, "backoff_initial": "10s", "backoff_max": "40s", "backoff_reset": "10m" },
              "failures": [ { "name": "oom", "ttf": { "constant": "60s" }, "ttr": { "constant": "1h" }, "recovery": "restart" } ] } },
            "entry": "worker" }"#,
    );
    // Independent replay of the timeline: up 60 s, then down for backoff_k + 5 s.
    let horizon = 1200;
    let (mut t, mut down, mut restarts, mut completed) = (0u64, 0u64, 0u32, 0u32);
    loop {
        t += 60;
        if t >= horizon {
            break;
        }
        let backoff = if restarts == 0 {
            0
        } else {
            (10u64 << (restarts - 1)).min(40)
        };
        let outage = backoff + 5;
        down += outage.min(horizon - t);
        t += outage;
        restarts += 1;
        completed += u32::from(t < horizon);
    }
    assert_eq!(outcome.full_outage, down * SECOND);
    let restart_slot = 1; // Recovery::ALL order: repair, restart, replace
    assert_eq!(outcome.recoveries[restart_slot], completed);
}

/// Replacement: detection 1 m plus provisioning 4 m replaces a lost host in 5 minutes, not
/// the 2-day repair of the failure mode.
#[test]
fn replacement_ends_the_outage_after_detection_and_provisioning() {
    let outcome = one_trial(
        r#"{ "simulation": { "horizon": "24h" },
            "components": { "vm": {
              "replacement": { "detection": "1m", "provisioning": { "constant": "4m" } },
              "failures": [ { "name": "host", "ttf": { "constant": "10h" }, "ttr": { "constant": "2d" }, "recovery": "replace" } ] } },
            "entry": "vm" }"#,
    );
    assert_eq!(outcome.full_outage, 2 * 5 * 60 * SECOND);
}

/// Passive checks: 10 rps over 2 units is 5 rps per unit; max_fails 5 ejects a unit cut off
/// by its zone's outage once 5 requests failed, each failing only at the 2 s deadline:
/// after 1 s + 2 s. Meanwhile half the requests fail: 0.5 x 3 s per outage, two outages.
/// Then nginx probes it with one live request per cycle of fail_timeout 10 s + the 2 s
/// wait + (peers + 1) / rate = 0.3 s, 1 / (10 x 12.3) of the requests, for the rest of the
/// hour.
#[test]
fn passive_checks_eject_after_max_fails() {
    let outcome = one_trial(
        r#"{ "simulation": { "horizon": "24h" }, "traffic": { "peak_rps": 10 },
            "zones": { "a": { "outage": { "ttf": { "constant": "10h" }, "ttr": { "constant": "1h" } } }, "b": {} },
            "components": { "api": { "replicas": 2, "zones": ["a", "b"], "deadline": "2s",
              "passive_check": { "max_fails": 5, "fail_timeout": "10s" } } },
            "entry": "api" }"#,
    );
    assert_eq!(outcome.degraded, 2 * HOUR);
    let probes = 1.0 / (10.0 * 12.3);
    let expected = 2.0 * (0.5 * 3.0 + probes * 3597.0) / 86_400.0;
    assert!((outcome.lost - expected).abs() < 1e-12, "{}", outcome.lost);
}

/// A failover that fails waits for the manual promotion (10 min) unless the primary comes
/// back first; monitors that lose their quorum block the failover until a zone returns.
#[test]
fn failed_failovers_and_lost_quorum_wait() {
    let manual = one_trial(
        r#"{ "simulation": { "horizon": "24h" },
            "components": { "db": { "replicas": 2, "role": "active_passive",
              "failover": { "detection": { "constant": "30s" }, "promotion": { "constant": "30s" },
                            "failure_probability": 1, "manual_promotion": { "constant": "10m" } },
              "failures": [ { "name": "node", "ttf": { "constant": "10h" }, "ttr": { "constant": "2h" } } ] } },
            "entry": "db" }"#,
    );
    // Both units fail at 10 h (same constant clocks): nothing to promote until 12 h, when
    // the primary itself returns; then both fail again at 22 h until the horizon.
    assert_eq!(manual.full_outage, 2 * HOUR + 2 * HOUR);
    let quorum = one_trial(
        r#"{ "simulation": { "horizon": "24h" },
            "zones": { "a": { "outage": { "ttf": { "constant": "10h" }, "ttr": { "constant": "1h" } } },
                       "b": { "outage": { "ttf": { "constant": "10h" }, "ttr": { "constant": "30m" } } },
                       "c": {} },
            "components": { "db": { "replicas": 2, "zones": ["a", "c"], "role": "active_passive",
              "failover": { "detection": { "constant": "30s" }, "promotion": { "constant": "30s" },
                            "monitors": { "zones": ["a", "b", "c"], "quorum": 2 } } } },
            "entry": "db" }"#,
    );
    // Zones a and b fail at 10 h: the primary (in a) is down, only monitor c is up. Zone b
    // returns at 10.5 h: quorum again, promotion takes 30 s. The new primary is in zone c and
    // stays primary (no automatic failback), so zone a's second outage at 21 h costs nothing.
    assert_eq!(quorum.full_outage, 30 * 60 * SECOND + 30 * SECOND);
}

/// A soft dependency needed by 30% of requests: its 1-hour outages cost 0.3 of the traffic
/// for exactly that hour, twice; the caller is degraded, never fully down.
#[test]
fn a_soft_dependency_costs_its_share() {
    let outcome = one_trial(
        r#"{ "simulation": { "horizon": "24h" },
            "components": {
              "api": { "depends_on": [ { "component": "recs", "needed_by": 0.3 } ] },
              "recs": { "failures": [ { "name": "crash", "ttf": { "constant": "10h" }, "ttr": { "constant": "1h" } } ] } },
            "entry": "api" }"#,
    );
    assert_eq!(outcome.degraded, 2 * HOUR);
    assert_eq!(outcome.full_outage, 0);
    assert_eq!((outcome.incidents, outcome.full_outages), (2, 0));
    assert!((outcome.lost - 0.3 * 2.0 / 24.0).abs() < 1e-12);
}

/// Health checks on a hang: the check must time out, so detection is the check schedule
/// plus the timeout. One of two units hangs at 10 h (for 1 h) with checks every 10 s at
/// phase p, 2 failures to eject, timeout 3 s: half the requests fail from 10 h until the
/// second failing check completes. The phase is random, so compare with the schedule
/// computed from the run's own lost time: it must lie in [10 s + 3 s, 20 s + 3 s).
#[test]
fn hung_units_are_detected_after_the_check_timeout() {
    let outcome = one_trial(
        r#"{ "simulation": { "horizon": "11h" },
            "zones": { "a": { "outage": { "ttf": { "constant": "10h" }, "ttr": { "constant": "1h" } } }, "b": {} },
            "components": { "api": { "replicas": 2, "zones": ["a", "b"],
              "health_check": { "interval": "10s", "timeout": "3s", "unhealthy_threshold": 2 } } },
            "entry": "api" }"#,
    );
    let detection = outcome.degraded;
    assert!(
        (13 * SECOND..23 * SECOND).contains(&detection),
        "{detection}"
    );
    let expected_lost = 0.5 * detection as f64 / (11 * HOUR) as f64;
    assert!((outcome.lost - expected_lost).abs() < 1e-15);
}

/// A slow unit (3 s of added latency) fails only requests whose deadline it exceeds.
#[test]
fn slow_units_fail_only_past_the_deadline() {
    let text = |deadline: &str| {
        format!(
            r#"{{ "simulation": {{ "horizon": "24h" }},
                "components": {{ "api": {{ "replicas": 2, "deadline": "{deadline}",
                  "health_check": {{ "interval": "10s", "timeout": "5s" }},
                  "failures": [ {{ "name": "gc", "effect": {{ "slow": {{ "latency": "3s" }} }},
                                  "ttf": {{ "constant": "10h" }}, "ttr": {{ "constant": "1h" }} }} ] }} }},
                "entry": "api" }}"#
        )
    };
    // Both units are slow together, the checks (5 s timeout) still pass them.
    assert_eq!(one_trial(&text("10s")).lost, 0.0);
    assert_eq!(one_trial(&text("2s")).full_outage, 2 * HOUR);
}

/// Failback: with it, the preferred primary takes over again once healthy, through a
/// planned switchover (promotion time, no data loss); without it, the promoted replica stays.
#[test]
fn failback_only_when_configured() {
    let text = |failback: bool| {
        format!(
            r#"{{ "simulation": {{ "horizon": "24h" }},
                "zones": {{ "a": {{ "outage": {{ "ttf": {{ "constant": "5h" }}, "ttr": {{ "constant": "1h" }} }} }}, "b": {{}} }},
                "components": {{ "db": {{ "replicas": 2, "zones": ["a", "b"], "role": "active_passive",
                  "failover": {{ "detection": {{ "constant": "30s" }}, "promotion": {{ "constant": "20s" }}, "failback": {failback} }},
                  "replication": {{ "mode": "async", "lag": {{ "constant": "1s" }} }} }} }},
                "entry": "db" }}"#
        )
    };
    // Zone a (the preferred primary's) is down [5 h, 6 h), [11 h, 12 h), [17 h, 18 h), [23 h, 24 h).
    let stay = one_trial(&text(false));
    assert_eq!(stay.full_outage, 50 * SECOND);
    assert_eq!(stay.data_loss, vec![1.0]);
    // With failback, every outage of zone a is a failover (50 s) and every return a
    // switchover (20 s), except the last return, after the horizon.
    let back = one_trial(&text(true));
    assert_eq!(back.full_outage, 4 * 50 * SECOND + 3 * 20 * SECOND);
    assert_eq!(back.data_loss, vec![1.0; 4]);
    assert_eq!(back.failover_durations, vec![50.0; 4]);
}

/// Sync replication: a replica that was down must catch up before it can be promoted.
#[test]
fn sync_replicas_must_catch_up_before_promotion() {
    let outcome = one_trial(
        r#"{ "simulation": { "horizon": "12h" },
            "zones": { "a": { "outage": { "ttf": { "constant": "10h" }, "ttr": { "constant": "1h" } } },
                       "b": { "outage": { "ttf": { "constant": "9h" }, "ttr": { "constant": "1h" } } } },
            "components": { "db": { "replicas": 2, "zones": ["a", "b"], "role": "active_passive",
              "failover": { "detection": { "constant": "30s" }, "promotion": { "constant": "20s" } },
              "replication": { "mode": "sync", "catch_up": { "constant": "30m" } } } },
            "entry": "db" }"#,
    );
    // The standby (zone b) is down [9 h, 10 h) and catches up until 10.5 h; the primary's
    // zone fails at 10 h, so the failover waits for the catch-up, then promotes (20 s).
    assert_eq!(outcome.full_outage, 30 * 60 * SECOND + 20 * SECOND);
    assert!(outcome.data_loss.is_empty());
}

/// The diurnal profile peaks at its peak hour and bottoms out at the trough, 12 hours away.
#[test]
fn diurnal_traffic_has_its_peak_and_trough() {
    let traffic = sim::scenario::Traffic::diurnal(1000.0, 0.2, 14.5);
    assert!((traffic.hourly[14] - 1.0).abs() < 1e-12);
    assert!((traffic.hourly[2] - 0.2).abs() < 1e-12);
    assert!(traffic.hourly.iter().all(|h| (0.2..=1.0).contains(h)));
    assert!(!traffic.is_constant());
}

/// Requests saved by a fallback deep in the graph are reported at the entry too.
#[test]
fn fallbacks_are_counted_through_hard_dependencies() {
    let text = |entry: &str| {
        breaker_scenario(true, true)
            .replace(r#""entry": "api""#, &format!(r#""entry": "{entry}""#))
            .replace(
                r#""components": {"#,
                r#""components": { "lb": { "depends_on": ["api"] },"#,
            )
    };
    let direct = one_trial(&text("api"));
    let through = one_trial(&text("lb"));
    assert!(direct.fallback > 0.0);
    assert_eq!(through.fallback, direct.fallback);
    assert_eq!(through.lost, 0.0);
}

/// After a zone outage, units return only when health checks readmit them; that wait is
/// the zone's, through detection, not an unexplained loss.
#[test]
fn readmission_after_an_outage_is_attributed_to_it() {
    let outcome = one_trial(
        r#"{ "simulation": { "horizon": "24h" },
            "zones": { "a": { "outage": { "ttf": { "constant": "10h" }, "ttr": { "constant": "1h" } } } },
            "components": { "db": { "zones": ["a"],
              "health_check": { "interval": "30s", "unhealthy_threshold": 2, "healthy_threshold": 5 } } },
            "entry": "db" }"#,
    );
    let mechanisms = sim::engine::Mechanism::ALL.len();
    let zone_cause = outcome
        .cause_lost
        .iter()
        .enumerate()
        .filter(|(_, v)| **v > 0.0)
        .map(|(slot, _)| {
            (
                slot / mechanisms,
                sim::engine::Mechanism::ALL[slot % mechanisms],
            )
        })
        .collect::<Vec<_>>();
    // One cause (the zone), as an outage and then as the readmission wait.
    assert!(zone_cause
        .iter()
        .all(|(cause, _)| *cause == zone_cause[0].0));
    assert!(zone_cause.contains(&(zone_cause[0].0, sim::engine::Mechanism::Outage)));
    assert!(zone_cause.contains(&(zone_cause[0].0, sim::engine::Mechanism::Detection)));
    // Readmission takes between 4 and 5 check intervals after the zone returns.
    let after = outcome.full_outage - 2 * HOUR;
    assert!(
        (120 * SECOND..150 * SECOND).contains(&(after / 2)),
        "{after}"
    );
}

/// Each shipped pitfall is worse than its remedy by more than 4 standard errors of the
/// difference (1000 trials each, seed 7; same names, so common random numbers).
#[test]
fn every_remedy_beats_its_pitfall() {
    let pairs = [
        ("pitfall-single-lb", "remedy-redundant-lb"),
        ("pitfall-sticky-sessions", "remedy-external-sessions"),
        ("pitfall-dns-ttl-1h", "remedy-dns-ttl-60s"),
        ("pitfall-cross-region-call", "remedy-region-local-calls"),
        ("pitfall-hang-no-breaker", "remedy-breaker-fallback"),
        ("pitfall-big-bang-release", "remedy-canary-release"),
        ("pitfall-shared-config-service", "remedy-cached-config"),
        ("pitfall-deep-health-checks", "remedy-shallow-probes"),
        ("pitfall-retry-storm", "remedy-retry-breaker"),
        (
            "pitfall-certificates-expire-together",
            "remedy-staggered-certificates",
        ),
    ];
    for (pitfall, remedy) in pairs {
        let load = |name: &str| {
            sim::scenario::load_file(&crate::common::repository_file(&format!(
                "scenarios/{name}.json"
            )))
            .unwrap()
        };
        let bad = run(&load(pitfall), 1000, 7).downtime_minutes_per_year;
        let good = run(&load(remedy), 1000, 7).downtime_minutes_per_year;
        let se = (bad.std_error.powi(2) + good.std_error.powi(2)).sqrt();
        assert!(
            bad.mean - good.mean > 4.0 * se,
            "{pitfall} {} vs {remedy} {} (se {se})",
            bad.mean,
            good.mean
        );
    }
}

/// A region outage takes down the primary and its replica together; when the region returns
/// both are back in the same instant, so nothing is promoted: the outage is exactly the
/// region's, with no failover and no data loss.
#[test]
fn a_primary_returning_with_its_region_is_not_failed_over() {
    let outcome = one_trial(
        r#"{ "simulation": { "horizon": "24h" },
            "regions": { "r": { "outage": { "ttf": { "constant": "10h" }, "ttr": { "constant": "1h" } } } },
            "zones": { "a": { "region": "r" }, "b": { "region": "r" } },
            "components": { "db": { "replicas": 2, "zones": ["a", "b"], "role": "active_passive",
              "failover": { "detection": { "constant": "30s" }, "promotion": { "constant": "20s" } },
              "replication": { "mode": "async", "lag": { "constant": "1s" } } } },
            "entry": "db" }"#,
    );
    assert_eq!(outcome.full_outage, 2 * HOUR);
    assert!(
        outcome.failover_durations.is_empty(),
        "{:?}",
        outcome.failover_durations
    );
    assert!(outcome.data_loss.is_empty());
}

/// A tier too small for its peak sheds load from the first instant, failure or not: 2 units
/// of 100 rps against 250 rps at hours 10 and 11 (0.8 served) and 125 rps otherwise.
#[test]
fn an_undersized_tier_sheds_at_peak_without_any_failure() {
    let mut hourly = vec!["0.5"; 24];
    hourly[10] = "1";
    hourly[11] = "1";
    let text = |profile: String| {
        format!(
            r#"{{ "simulation": {{ "horizon": "48h" }}, "traffic": {{ "peak_rps": 250, "profile": {profile} }},
                "components": {{ "api": {{ "replicas": 2, "capacity": 100 }} }}, "entry": "api" }}"#
        )
    };
    let peaks = one_trial(&text(format!(r#"{{ "hourly": [{}] }}"#, hourly.join(","))));
    // 4 peak hours over two days, 0.2 of their demand lost, out of 2 x 13 demand-hours.
    assert!(
        (peaks.lost - 0.2 * 4.0 / 26.0).abs() < 1e-12,
        "{}",
        peaks.lost
    );
    assert_eq!(peaks.degraded, 4 * HOUR);
    let constant = one_trial(&text(r#""constant""#.to_string()));
    assert!((constant.lost - 0.2).abs() < 1e-12, "{}", constant.lost);
}

/// Redis Sentinel: 5 sentinels, quorum 2. Zones a, b, c fail at 10 h, leaving the sentinels
/// of d and e: enough to agree the primary (in a) is down, but not a majority to elect the
/// leader that fails over (3 of 5). The failover is blocked until zone b returns at 12 h;
/// promotion then takes 30 s: down from 10 h to 12 h 00 m 30 s. With quorum alone it would
/// fail over at 10 h 00 m 40 s.
#[test]
fn sentinel_needs_a_majority_to_fail_over() {
    let outcome = one_trial(
        r#"{ "simulation": { "horizon": "20h" },
            "zones": {
              "a": { "outage": { "ttf": { "constant": "10h" }, "ttr": { "constant": "5h" } } },
              "b": { "outage": { "ttf": { "constant": "10h" }, "ttr": { "constant": "2h" } } },
              "c": { "outage": { "ttf": { "constant": "10h" }, "ttr": { "constant": "5h" } } },
              "d": {}, "e": {} },
            "components": { "redis": { "replicas": 2, "zones": ["a", "d"], "role": "active_passive",
              "failover": { "detection": { "constant": "10s" }, "promotion": { "constant": "30s" },
                "monitors": { "zones": ["a", "b", "c", "d", "e"], "quorum": 2 } } } },
            "entry": "redis" }"#,
    );
    assert_eq!(outcome.full_outage, 2 * HOUR + 30 * SECOND);
}

/// nginx at low traffic: 0.06 req/s over 2 units is 0.03 req/s per unit; max_fails 3 ejects
/// a unit cut off by its zone once 3 requests failed, each at the 2 s deadline: after
/// 3 / 0.03 = 100 s + 2 s, although that is far more than fail_timeout (10 s): nginx resets
/// its failure count only on a success. Half the requests fail meanwhile: 0.5 x 102 s per
/// outage, two outages. Then one live request per cycle of 10 s + 2 s + (2 + 1) / 0.06 s =
/// 62 s probes it and fails: 1 / (0.06 x 62) of the requests, as long as the zone is down
/// (at so little traffic ejection saves only about half).
#[test]
fn passive_checks_eject_at_low_traffic_too() {
    let outcome = one_trial(
        r#"{ "simulation": { "horizon": "24h" }, "traffic": { "peak_rps": 0.06 },
            "zones": { "a": { "outage": { "ttf": { "constant": "10h" }, "ttr": { "constant": "1h" } } }, "b": {} },
            "components": { "api": { "replicas": 2, "zones": ["a", "b"], "deadline": "2s",
              "passive_check": { "max_fails": 3, "fail_timeout": "10s" } } },
            "entry": "api" }"#,
    );
    assert_eq!(outcome.degraded, 2 * HOUR);
    let probes = 1.0 / (0.06 * 62.0);
    let expected = 2.0 * (0.5 * 102.0 + probes * 3498.0) / 86_400.0;
    assert!((outcome.lost - expected).abs() < 1e-12, "{}", outcome.lost);
}

/// Latency is not a failure: +200 ms on a PostgreSQL primary (no deadline) and on a tier
/// without health checks costs nothing and triggers no failover (the monitors see a primary
/// that answers within their 30 s timeout as alive). The same slowness past a 100 ms
/// deadline costs its whole duration on the tier, and a primary that stops answering within
/// the monitors' timeout (45 s) is failed over. Seed 3, 200 trials; the first two are exact.
#[test]
fn latency_fails_only_what_deadlines_and_timeouts_say() {
    let text = |latency: &str, deadline: &str| {
        format!(
            r#"{{ "components": {{
                "api": {{ "replicas": 2, "depends_on": ["db"], {deadline}
                  "failures": [ {{ "name": "gc", "ttf": "5d", "ttr": "10m", "effect": {{ "slow": {{ "latency": "{latency}" }} }} }} ] }},
                "db": {{ "replicas": 2, "role": "active_passive",
                  "failover": {{ "detection": "30s", "promotion": "20s" }},
                  "failures": [ {{ "name": "slow", "ttf": "30d", "ttr": "10m", "effect": {{ "slow": {{ "latency": "{latency}" }} }} }} ] }} }},
              "entry": "api" }}"#
        )
    };
    let fast = run(&scenario(&text("200ms", "")), 200, 3);
    assert_eq!(fast.downtime_minutes_per_year.mean, 0.0);
    assert_eq!(
        fast.failovers.as_ref().map_or(0.0, |f| f.per_year.mean),
        0.0
    );
    let past_deadline = run(&scenario(&text("200ms", r#""deadline": "100ms","#)), 200, 3);
    assert!(past_deadline.downtime_minutes_per_year.mean > 0.0);
    let stuck = run(&scenario(&text("45s", r#""deadline": "60s","#)), 200, 3);
    assert!(stuck
        .failovers
        .as_ref()
        .is_some_and(|f| f.per_year.mean > 5.0));
}

/// Shards (Redis Cluster's masters): 3 shards of 1 unit, in zones a, b and c; zones a and b
/// are down over [10 h, 11 h). Requests spread evenly over the shards, so 1/3 are served
/// meanwhile (not the product of soft dependencies); with full coverage required, the
/// cluster refuses everything.
#[test]
fn shards_serve_their_share_or_stop_everything() {
    let text = |full: bool| {
        format!(
            r#"{{ "simulation": {{ "horizon": "20h" }},
                "zones": {{ "a": {{ "outage": {{ "ttf": {{ "constant": "10h" }}, "ttr": {{ "constant": "1h" }} }} }},
                           "b": {{ "outage": {{ "ttf": {{ "constant": "10h" }}, "ttr": {{ "constant": "1h" }} }} }}, "c": {{}} }},
                "components": {{ "cache": {{ "replicas": 3, "shards": 3, "zones": ["a", "b", "c"],
                  "require_full_coverage": {full} }} }},
                "entry": "cache" }}"#
        )
    };
    let partial = one_trial(&text(false));
    assert!(
        (partial.lost - 2.0 / 3.0 / 20.0).abs() < 1e-12,
        "{}",
        partial.lost
    );
    assert_eq!(partial.degraded, HOUR);
    let full = one_trial(&text(true));
    assert!((full.lost - 1.0 / 20.0).abs() < 1e-12, "{}", full.lost);
    assert_eq!(full.full_outage, HOUR);
}

/// 3 shards of a 1-of-2 pair each, units failing at 1 per 10 days and repaired in 1 day
/// (exponential): a shard is down (lambda / (lambda + mu))^2 = 1/121 of the time. Without
/// full coverage the cluster loses one shard's share per lost shard: on average exactly one
/// shard's unavailability. With full coverage the shards are in series: 1 - (1 - 1/121)^3.
/// Seed 41, 300 trials of 10 years, 4 s.e.
#[test]
fn shard_coverage_matches_one_shard_and_shards_in_series() {
    let text = |full: bool| {
        format!(
            r#"{{ "simulation": {{ "horizon": "10y" }},
                "components": {{ "cache": {{ "replicas": 6, "shards": 3, "require_full_coverage": {full},
                  "failures": [ {{ "name": "node", "ttf": "10d", "ttr": "1d" }} ] }} }},
                "entry": "cache" }}"#
        )
    };
    let shard: f64 = 1.0 / 121.0;
    for (full, exact) in [(false, shard), (true, 1.0 - (1.0 - shard).powi(3))] {
        let report = run(&scenario(&text(full)), 300, 41);
        let (mean, se) = downtime_minutes(&report);
        assert_within(
            &format!("shards, full coverage {full}"),
            mean / MINUTES_PER_YEAR,
            se / MINUTES_PER_YEAR,
            exact,
            4.0,
        );
    }
}

/// A slow unit past the deadline on a tier without checks stays in rotation and fails its
/// share: a bad release makes 1 of 3 units 5 s slow (deadline 2 s) over [12 h, 13 h 00 m
/// 01 s): 1/3 of the requests fail for 3601 s of the day. And a replica that is only slow
/// (200 ms, within the deadline and the monitors' timeout) is promoted when the primary
/// crashes: a slowdown over [11 h, 13 h) on both database units, the primary crashes at
/// 12 h: 10 s detection + 5 s promotion, 15 s lost (with reads served by the slow replica,
/// 80% of requests: 3 s).
#[test]
fn slow_units_serve_fail_over_and_count_as_they_should() {
    let tier = one_trial(
        r#"{ "simulation": { "horizon": "1d" },
            "components": { "web": { "replicas": 3, "require": 1, "deadline": "2s" } }, "entry": "web",
            "changes": { "rel": { "targets": ["web"], "interval": { "constant": "12h" }, "bad_probability": 1,
              "effect": { "slow": { "latency": "5s" } }, "detection": { "constant": "1h" },
              "rollback": { "constant": "1s" }, "rollout": { "canary": 0.01, "bake": "100h" } } } }"#,
    );
    let day = (24 * HOUR) as f64;
    assert!(
        (tier.lost - (3601 * SECOND) as f64 / 3.0 / day).abs() < 1e-12,
        "{}",
        tier.lost
    );
    let database = |role: &str, reads: &str| {
        one_trial(&format!(
            r#"{{ "simulation": {{ "horizon": "1d" }},
                "components": {{ "db": {{ "replicas": 2, "role": "{role}", {reads} "deadline": "3s",
                  "failover": {{ "detection": {{ "constant": "10s" }}, "promotion": {{ "constant": "5s" }} }} }} }},
                "entry": "db",
                "changes": {{ "rel": {{ "targets": ["db"], "interval": {{ "constant": "12h" }}, "bad_probability": 1,
                  "detection": {{ "constant": "1h" }}, "rollback": {{ "constant": "1s" }},
                  "rollout": {{ "canary": 0.5, "bake": "100h" }} }} }},
                "shared_failures": {{ "noisy": {{ "ttf": {{ "constant": "11h" }}, "ttr": {{ "constant": "2h" }},
                  "targets": ["db"], "effect": {{ "slow": {{ "latency": "200ms" }} }} }} }} }}"#
        ))
    };
    let passive = database("active_passive", "");
    assert_eq!(passive.full_outage, 15 * SECOND);
    let replica = database("primary_replica", r#""read_fraction": 0.8,"#);
    assert!(
        (replica.lost - (3 * SECOND) as f64 / day).abs() < 1e-12,
        "{}",
        replica.lost
    );
}

/// The playbook's chaos test, "add latency to the database, verify the breaker trips",
/// against the caller's 3 s timeout: +200 ms costs nothing and trips nothing; +8 s times
/// every call out, so the breaker trips after timeout + window x threshold / e = 3 + 5 =
/// 8 s (opossum: failures / fires in the window), the calls fail for the whole 601 s of
/// slowness, and the breaker closes at its next probe, 30 - (593 mod 30) = 7 s later: 608 s
/// lost, exactly.
#[test]
fn a_slow_dependency_fails_calls_past_the_callers_timeout() {
    let text = |latency: &str| {
        format!(
            r#"{{ "simulation": {{ "horizon": "1d" }}, "traffic": {{ "peak_rps": 100 }},
                "components": {{
                  "api": {{ "depends_on": [ {{ "component": "db", "timeout": "3s",
                    "breaker": {{ "error_threshold": 50, "reset_timeout": "30s", "window": "10s" }} }} ] }},
                  "db": {{}} }},
                "entry": "api",
                "changes": {{ "rel": {{ "targets": ["db"], "interval": {{ "constant": "12h" }}, "bad_probability": 1,
                  "effect": {{ "slow": {{ "latency": "{latency}" }} }},
                  "detection": {{ "constant": "10m" }}, "rollback": {{ "constant": "1s" }} }} }} }}"#
        )
    };
    assert_eq!(one_trial(&text("200ms")).lost, 0.0);
    let slow = one_trial(&text("8s"));
    assert_eq!(slow.full_outage, 608 * SECOND);
}

/// Passive checks follow the demand hour by hour: a unit cut off by its zone at 0 h 30 m,
/// in an hour without traffic, is ejected once traffic comes back at 1 h: 5 requests at
/// 5 req/s per unit take 1 s, each failing at the 2 s deadline: ejected at 1 h + 3 s. The
/// second outage (6 h) is in a busy hour: 3 s again. Half the requests fail for 3 s each
/// time, over 9 hours of demand; after each ejection the probes fail 1 / (10 x 12.3) of the
/// requests until the zone returns (5 h 30 m) or the horizon (10 h).
#[test]
fn passive_checks_follow_the_hourly_demand() {
    let mut hourly = vec!["1"; 24];
    hourly[0] = "0";
    let outcome = one_trial(&format!(
        r#"{{ "simulation": {{ "horizon": "10h" }},
            "traffic": {{ "peak_rps": 10, "profile": {{ "hourly": [{}] }} }},
            "zones": {{ "a": {{ "outage": {{ "ttf": {{ "constant": "30m" }}, "ttr": {{ "constant": "5h" }} }} }}, "b": {{}} }},
            "components": {{ "api": {{ "replicas": 2, "zones": ["a", "b"], "deadline": "2s",
              "passive_check": {{ "max_fails": 5, "fail_timeout": "10s" }} }} }},
            "entry": "api" }}"#,
        hourly.join(", ")
    ));
    let probes = 1.0 / (10.0 * 12.3);
    let probing = (4.5 * 3600.0 - 3.0) + (4.0 * 3600.0 - 3.0);
    let expected = (0.5 * 6.0 + probes * probing) / (9.0 * 3600.0);
    assert!(
        (outcome.lost - expected).abs() < 1e-12,
        "{} vs {expected}",
        outcome.lost
    );
}

/// A primary slow by 3 s (within its own 10 s deadline and its monitors' timeout: no
/// failover) over [10 h, 12 h), [22 h, 24 h), ... fails every call of a caller with a 2 s
/// timeout: 1/6 of the time, blamed on the slowness.
#[test]
fn a_slow_primary_is_blamed_for_its_callers_timeouts() {
    let report = run(
        &scenario(
            r#"{ "simulation": { "horizon": "120h" },
                "components": {
                  "api": { "depends_on": [ { "component": "db", "timeout": "2s" } ] },
                  "db": { "replicas": 2, "role": "active_passive", "deadline": "10s",
                    "failover": { "detection": { "constant": "10s" }, "promotion": { "constant": "10s" } },
                    "failures": [ { "name": "gc", "ttf": { "constant": "10h" }, "ttr": { "constant": "2h" },
                      "effect": { "slow": { "latency": "3s" } } } ] } },
                "entry": "api" }"#,
        ),
        2,
        1,
    );
    assert!((report.availability.mean - 5.0 / 6.0).abs() < 1e-12);
    assert_eq!(report.downtime_causes.len(), 1);
    let cause = &report.downtime_causes[0];
    assert_eq!(
        (cause.cause.as_str(), cause.mechanism.as_str()),
        ("db/gc", "outage")
    );
}
