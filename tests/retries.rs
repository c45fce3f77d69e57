//! Retries against answers derived independently of the engine: nginx's next-upstream
//! retries (crashed units passed on, hung ones only within the caller's patience,
//! non-idempotent requests not at all, `tries`), client retries over a partial
//! degradation, and retry amplification keeping a capacity-limited tier down after its
//! trigger has gone (a metastable failure). Exact timelines on constant distributions, and
//! one closed form on an exponential model (stated seed, trials and tolerance).

use sim::engine::Mechanism;
use sim::time::Ticks;

use crate::common::{assert_within, run, scenario};
use crate::engine::{one_trial, HOUR};

const SECOND: Ticks = 1_000_000;

/// The (cause name, mechanism) slots of a trial that lost service, with their losses.
fn causes(text: &str, outcome: &sim::engine::TrialOutcome) -> Vec<(String, Mechanism, f64)> {
    let plan = sim::engine::Plan::new(&scenario(text));
    let mechanisms = Mechanism::ALL.len();
    outcome
        .cause_lost
        .iter()
        .enumerate()
        .filter(|(_, lost)| **lost > 0.0)
        .map(|(slot, lost)| {
            (
                plan.causes[slot / mechanisms].clone(),
                Mechanism::ALL[slot % mechanisms],
                *lost,
            )
        })
        .collect()
}

/// A tier of 3 units behind a router with nginx's passive checks (max_fails 5) at 10 req/s,
/// called by `lb` with a 3 s timeout. Zone a cuts unit 0 off (a hang) over [10 h, 11 h) and
/// [21 h, 22 h): it is ejected after 5 x 3 / 10 = 1.5 s of requests plus the 3 s they wait,
/// 4.5 s during which a third of the requests meet it. nginx passes them to the next unit
/// only if its `upstream_timeout` expires while `lb` still waits (60 s by default: never
/// here), and never a non-idempotent one, which was sent. After the ejection nginx probes
/// the unit with one live request per 10 s + w + (3 + 1) / 10 s until the zone returns,
/// and those probes fail or are passed on alike; w, the time a request to the hung unit
/// takes to fail, is nginx's read timeout when it is shorter than the caller's 3 s.
#[test]
fn a_hung_unit_is_retried_only_within_the_callers_patience() {
    let text = |retry: &str| {
        format!(
            r#"{{ "simulation": {{ "horizon": "24h" }}, "traffic": {{ "peak_rps": 10 }},
                "zones": {{ "a": {{ "outage": {{ "ttf": {{ "constant": "10h" }}, "ttr": {{ "constant": "1h" }} }} }}, "b": {{}}, "c": {{}} }},
                "components": {{
                  "lb": {{ "depends_on": [ {{ "component": "api", "timeout": "3s" }} ] }},
                  "api": {{ "replicas": 3, "zones": ["a", "b", "c"], "retry_next_upstream": {retry},
                    "passive_check": {{ "max_fails": 5, "fail_timeout": "10s" }} }} }},
                "entry": "lb" }}"#
        )
    };
    let day = (24 * HOUR) as f64;
    // The failures register after the wait w (the caller's 3 s, or nginx's shorter read
    // timeout): ejected after 1.5 s + w, then probed every 10 s + w + 0.4 s.
    let expected = |share: f64, wait: f64| {
        let detection = 2.0 * (1.5 + wait);
        let probing = 2.0 * (3600.0 - 1.5 - wait) / (10.0 * (10.0 + wait + 0.4));
        share * (detection / 3.0 + probing) * 1e6 / day
    };
    let close = |retry: &str, share: f64, wait: f64| {
        let (got, want) = (one_trial(&text(retry)).lost, expected(share, wait));
        assert!((got - want).abs() < 1e-12, "{retry}: {got} vs {want}");
    };
    close("false", 1.0, 3.0);
    // nginx's defaults: the 60 s read timeout outlasts the caller's 3 s.
    close("true", 1.0, 3.0);
    close(r#"{ "upstream_timeout": "3s" }"#, 1.0, 3.0);
    // A 1 s timeout: idempotent requests move on after 1 s and succeed within the 3 s.
    close(r#"{ "upstream_timeout": "1s" }"#, 0.0, 1.0);
    close(
        r#"{ "upstream_timeout": "1s", "non_idempotent": 0.3 }"#,
        0.3,
        1.0,
    );
    // Everything lost meanwhile hangs: it is the zone's, found by detection.
    let outcome = one_trial(&text("true"));
    let slots = causes(&text("true"), &outcome);
    assert_eq!(slots.len(), 1, "{slots:?}");
    assert_eq!(
        (slots[0].0.as_str(), slots[0].1),
        ("zone a", Mechanism::Detection)
    );
}

/// A bad release crashes units 0 and 1 of 3 (canary ceil(0.5 x 3) = 2) at 10 h and again
/// at 21 h 00 m 01 s; passive checks eject them after 5 x 3 / 10 = 1.5 s. Meanwhile a request
/// fails only if every unit it tries refused it: with `tries` t, prod_{i<t} (2 - i)/(3 - i):
/// 2/3 for one try, 1/3 for two, 0 for three or unlimited (nginx's default, `true`). Until
/// the rollback (1 h 1 s after the release) nginx probes each ejected unit with one live
/// request per 10 s + (3 + 1) / 10 s = 10.4 s (1/104 of the requests each): refused, so
/// passed to the good unit unless `tries` is 1.
#[test]
fn crashed_units_are_passed_on_up_to_tries() {
    let text = |retry: &str| {
        format!(
            r#"{{ "simulation": {{ "horizon": "24h" }}, "traffic": {{ "peak_rps": 10 }},
                "components": {{ "api": {{ "replicas": 3, "retry_next_upstream": {retry},
                    "passive_check": {{ "max_fails": 5 }} }} }},
                "entry": "api",
                "changes": {{ "release": {{ "targets": ["api"], "interval": {{ "constant": "10h" }},
                  "bad_probability": 1, "detection": {{ "constant": "1h" }}, "rollback": {{ "constant": "1s" }},
                  "rollout": {{ "canary": 0.5, "bake": "100h" }} }} }} }}"#
        )
    };
    let day = (24 * HOUR) as f64;
    let probing = 2.0 * 2.0 / 104.0 * (3601.0 - 1.5) * 1e6;
    for (retry, failing, probes_fail) in [
        ("false", 2.0 / 3.0, 1.0),
        (r#"{ "tries": 1 }"#, 2.0 / 3.0, 1.0),
        (r#"{ "tries": 2 }"#, 1.0 / 3.0, 0.0),
        (r#"{ "tries": 3 }"#, 0.0, 0.0),
        ("true", 0.0, 0.0),
    ] {
        let outcome = one_trial(&text(retry));
        let expected = (failing * (2 * 1_500_000) as f64 + probes_fail * probing) / day;
        assert!(
            (outcome.lost - expected).abs() < 1e-12,
            "{retry}: {} vs {expected}",
            outcome.lost
        );
    }
}

/// A pool of 4 units, one of them 5 s slow (past the 2 s deadline) over [10 h, 11 h 00 m
/// 01 s): the pool serves 3/4. A caller retrying twice (backoff 1 s: it keeps trying for
/// 3 s) fails a call only when all 3 attempts fail, (1/4)^3 = 1/64, once its retries have
/// run out: 3598 s at 1/64 instead of 3601 s at 1/4.
#[test]
fn client_retries_fail_a_call_only_when_every_attempt_fails() {
    let text = |retries: &str| {
        format!(
            r#"{{ "simulation": {{ "horizon": "12h" }},
                "components": {{
                  "api": {{ "depends_on": [ {{ "component": "pool" {retries} }} ] }},
                  "pool": {{ "replicas": 4, "deadline": "2s" }} }},
                "entry": "api",
                "changes": {{ "release": {{ "targets": ["pool"], "interval": {{ "constant": "10h" }},
                  "bad_probability": 1, "effect": {{ "slow": {{ "latency": "5s" }} }},
                  "detection": {{ "constant": "1h" }}, "rollback": {{ "constant": "1s" }},
                  "rollout": {{ "canary": 0.25, "bake": "100h" }} }} }} }}"#
        )
    };
    let horizon = (12 * HOUR) as f64;
    let plain = one_trial(&text(""));
    let expected = 0.25 * (3601 * SECOND) as f64 / horizon;
    assert!((plain.lost - expected).abs() < 1e-15, "{}", plain.lost);
    let retried = one_trial(&text(r#", "retries": { "attempts": 2, "backoff": "1s" }"#));
    let expected = (0.25f64).powi(3) * (3598 * SECOND) as f64 / horizon;
    assert!(
        (retried.lost - expected).abs() < 1e-15,
        "{} vs {expected}",
        retried.lost
    );
}

/// Client retries over a pool whose units fail independently: 4 units, each 5 s slow (past
/// the 2 s deadline, no checks: they stay in rotation) after exponential times of mean 10 d
/// for exponential times of mean 1 h, so B ~ Binomial(4, p) are slow at a time, p = 1/241.
/// A caller retrying twice fails E[(B/4)^3] of its calls; without retries E[B/4] = p. The
/// retry window (0.3 s per rise of B) shifts this by about 1e-4 of itself. Seed 5, 400
/// trials of 1 year, 4 s.e.
#[test]
fn client_retries_over_a_partly_failed_pool_match_the_binomial_closed_form() {
    let text = |retries: &str| {
        format!(
            r#"{{ "simulation": {{ "horizon": "1y" }},
                "components": {{
                  "api": {{ "depends_on": [ {{ "component": "pool" {retries} }} ] }},
                  "pool": {{ "replicas": 4, "deadline": "2s",
                    "failures": [ {{ "name": "gc", "ttf": "10d", "ttr": "1h", "effect": {{ "slow": {{ "latency": "5s" }} }} }} ] }} }},
                "entry": "api" }}"#
        )
    };
    let p: f64 = 1.0 / 241.0;
    let binomial = |k: i32| {
        let choose = [1.0, 4.0, 6.0, 4.0, 1.0][k as usize];
        choose * p.powi(k) * (1.0 - p).powi(4 - k)
    };
    let exact: f64 = (1..=4)
        .map(|k| binomial(k) * (f64::from(k) / 4.0).powi(3))
        .sum();
    let report = run(
        &scenario(&text(
            r#", "retries": { "attempts": 2, "backoff": "100ms" }"#,
        )),
        400,
        5,
    );
    let unavailable = 1.0 - report.availability.mean;
    assert_within(
        "client retries",
        unavailable,
        report.availability.std_error,
        exact,
        4.0,
    );
    let plain = run(&scenario(&text("")), 400, 5);
    assert_within(
        "no retries",
        1.0 - plain.availability.mean,
        plain.availability.std_error,
        p,
        4.0,
    );
}

/// The demand of each hour: 0.95 of the 400 req/s peak until noon, `afternoon` from 12 h to
/// 16 h, 0.4 from then on.
fn profile(afternoon: f64) -> (String, [f64; 24]) {
    let mut hourly = [0.95; 24];
    for (hour, value) in hourly.iter_mut().enumerate() {
        if (12..16).contains(&hour) {
            *value = afternoon;
        } else if hour >= 16 {
            *value = 0.4;
        }
    }
    let text = hourly
        .iter()
        .map(|h| h.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    (text, hourly)
}

fn storm_scenario(afternoon: f64, outage: &str, shed_cost: f64, edge: &str) -> String {
    format!(
        r#"{{ "simulation": {{ "horizon": "24h" }},
            "traffic": {{ "peak_rps": 400, "profile": {{ "hourly": [{}] }} }},
            "zones": {{ "a": {{ "outage": {{ "ttf": {{ "constant": "10h" }}, "ttr": {{ "constant": "{outage}" }} }} }},
                       "b": {{}}, "c": {{}}, "d": {{}} }},
            "components": {{
              "api": {{ "depends_on": [ {{ "component": "db" {edge} }} ] }},
              "db": {{ "replicas": 4, "zones": ["a", "b", "c", "d"], "capacity": 100, "shed_cost": {shed_cost} }} }},
            "entry": "api" }}"#,
        profile(afternoon).0
    )
}

/// Retry amplification, by hand. db: 4 units of 100 req/s (K = 400) against a 380 req/s
/// morning (N+0); each request it sheds costs c = 0.5 of a served one, so at offered load
/// L > K it serves s = (K/L - c)/(1 - c). api calls it with 3 retries (backoff 100 ms: it
/// retries for 0.7 s), so L = R x (1 + f + f^2 + f^3) with f = 1 - s. Zone a takes one unit
/// (K' = 300) over [10 h, 10 h 30 m):
///
/// - without retries s = (300/380 - 0.5)/0.5 = 0.5789 for the 30 minutes, then 1;
/// - with retries the first look gives s = 0.5789, f = 0.4211, L = 1.673 R = 636 > K', so
///   s = 0 (300/636 < c), f = 1, L = 4R: the tier serves nothing. When the unit returns
///   K/(4R) = 0.26 is still below c: it stays at 0, the trigger gone. With no success at
///   all it recovers only when K/(4R) > c, i.e. R < K/(4c) = 200 req/s, and then fully
///   (1 - (1 - s)^4 (1 - ... ) has no other fixed point there): at 16 h (160 req/s), not at
///   12 h (240 req/s); with 180 req/s from 12 h it recovers at 12 h.
///
/// api sees the drop after its 0.7 s of retries and the recovery at once. The whole loss is
/// the zone's, as overload.
#[test]
fn retries_keep_an_overloaded_tier_down_until_demand_falls() {
    let retrying = r#", "retries": { "attempts": 3, "backoff": "100ms" }"#;
    let day_demand = |hourly: &[f64; 24]| hourly.iter().sum::<f64>() * HOUR as f64;
    let (_, hourly) = profile(0.6);
    let s = (300.0 / 380.0 - 0.5) / 0.5;
    let plain = one_trial(&storm_scenario(0.6, "30m", 0.5, ""));
    let expected = (1.0 - s) * 0.95 * (HOUR / 2) as f64 / day_demand(&hourly);
    assert!(
        (plain.lost - expected).abs() < 1e-12,
        "{} vs {expected}",
        plain.lost
    );
    // Until 16 h: 2 h less 0.7 s at 0.95, then 4 h at 0.6.
    let text = storm_scenario(0.6, "30m", 0.5, retrying);
    let storm = one_trial(&text);
    let expected =
        (0.95 * (2 * HOUR - 700_000) as f64 + 0.6 * (4 * HOUR) as f64) / day_demand(&hourly);
    assert!(
        (storm.lost - expected).abs() < 1e-12,
        "{} vs {expected}",
        storm.lost
    );
    assert_eq!(storm.full_outage, 6 * HOUR - 700_000);
    let slots = causes(&text, &storm);
    assert_eq!(slots.len(), 1, "{slots:?}");
    assert_eq!(
        (slots[0].0.as_str(), slots[0].1),
        ("zone a", Mechanism::Overload)
    );
    // 180 req/s from noon is below the 200 req/s threshold: over at 12 h.
    let (_, early) = profile(0.45);
    let over_at_noon = one_trial(&storm_scenario(0.45, "30m", 0.5, retrying));
    let expected = 0.95 * (2 * HOUR - 700_000) as f64 / day_demand(&early);
    assert!(
        (over_at_noon.lost - expected).abs() < 1e-12,
        "{} vs {expected}",
        over_at_noon.lost
    );
}

/// Without a cost for shed requests the retries cannot hold the tier down: rejected
/// attempts are free, the successful ones are what the capacity carries, so a call
/// succeeds with 1 - (1 - s)^4 = K'/R, just as without retries, and the loss ends with the
/// repair. And a circuit breaker (50% of a 10 s window, reset 30 s) ends a storm: it opens
/// 5 s after api sees the failure, the retries stop, db carries its demand again when the
/// unit returns at 20 s, and the probe at 35.7 s closes the breaker: 35 s lost, not 6 h.
#[test]
fn free_shedding_and_breakers_end_the_storm() {
    let retrying = r#", "retries": { "attempts": 3, "backoff": "100ms" }"#;
    let (_, hourly) = profile(0.6);
    let demand = hourly.iter().sum::<f64>() * HOUR as f64;
    let free = one_trial(&storm_scenario(0.6, "30m", 0.0, retrying));
    // K'/R served while the unit is out (from 0.7 s on; fully before), then everything.
    let expected = (1.0 - 300.0 / 380.0) * 0.95 * (HOUR / 2 - 700_000) as f64 / demand;
    assert!(
        (free.lost - expected).abs() < 1e-6 * expected,
        "{} vs {expected}",
        free.lost
    );
    let breaker = r#", "retries": { "attempts": 3, "backoff": "100ms" },
        "breaker": { "error_threshold": 50, "window": "10s", "reset_timeout": "30s" }"#;
    let broken = one_trial(&storm_scenario(0.6, "20s", 0.5, breaker));
    let expected = 0.95 * (35 * SECOND) as f64 / demand;
    assert!(
        (broken.lost - expected).abs() < 1e-12,
        "{} vs {expected}",
        broken.lost
    );
    let unbroken = one_trial(&storm_scenario(0.6, "20s", 0.5, retrying));
    assert_eq!(unbroken.full_outage, 6 * HOUR - 700_000);
}

/// Every attempt at a hanging dependency holds a worker for the timeout again. api (10
/// req/s, half of them need db, 10 s timeout) holds 10 x 0.5 x 10 = 50 workers while db
/// hangs over [10 h, 11 h); with 2 retries each call makes 3 attempts: 150. With 100
/// workers that is a cascade only with the retries: the pool saturated, 100/150 of the
/// requests get a worker, and of those the half that needs db fails once the retries' 0.3 s
/// have run out; without a cascade api loses the half that needs db (after the 0.3 s).
#[test]
fn retried_hanging_calls_hold_workers_once_per_attempt() {
    let text = |concurrency: u32, retries: &str| {
        format!(
            r#"{{ "simulation": {{ "horizon": "12h" }}, "traffic": {{ "peak_rps": 10 }},
                "zones": {{ "a": {{ "outage": {{ "ttf": {{ "constant": "10h" }}, "ttr": {{ "constant": "1h" }} }} }} }},
                "components": {{
                  "api": {{ "concurrency": {concurrency},
                    "depends_on": [ {{ "component": "db", "needed_by": 0.5 {retries} }} ] }},
                  "db": {{ "zones": ["a"] }} }},
                "entry": "api" }}"#
        )
    };
    let retrying = r#", "retries": { "attempts": 2, "backoff": "100ms" }"#;
    let horizon = (12 * HOUR) as f64;
    let half = one_trial(&text(100, ""));
    assert!((half.lost - 0.5 / 12.0).abs() < 1e-15, "{}", half.lost);
    let cascade = one_trial(&text(100, retrying));
    assert_eq!((cascade.full_outage, cascade.degraded), (0, HOUR));
    let expected = (300_000.0 / 3.0 + (HOUR - 300_000) as f64 * (1.0 - 1.0 / 3.0)) / horizon;
    assert!((cascade.lost - expected).abs() < 1e-12, "{}", cascade.lost);
    let roomy = one_trial(&text(200, retrying));
    let expected = 0.5 * (HOUR - 300_000) as f64 / horizon;
    assert!((roomy.lost - expected).abs() < 1e-15, "{}", roomy.lost);
    assert_eq!(roomy.full_outage, 0);
}
