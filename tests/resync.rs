//! Replicas resyncing with a new primary after a failover (`failover.resync` and
//! `failover.parallel_syncs`, docs/model.md section 4.1): exact timelines on constant
//! distributions.

use sim::time::Ticks;

use crate::engine::one_trial;

const SECOND: Ticks = 1_000_000;
const HOUR: Ticks = 3600 * SECOND;

/// Four units of a primary_replica store (reads 0.5), one per zone a, b, c, d. Zone a (the
/// primary's) is down from 10 h, zones b and c from 10 h 02 m (each for an hour). Detection
/// 30 s, promotion 30 s, no reconnect time.
fn store(resync: &str) -> String {
    format!(
        r#"{{ "simulation": {{ "horizon": "12h" }},
            "zones": {{ "a": {{ "outage": {{ "ttf": {{ "constant": "10h" }}, "ttr": {{ "constant": "1h" }} }} }},
                       "b": {{ "outage": {{ "ttf": {{ "constant": "602m" }}, "ttr": {{ "constant": "1h" }} }} }},
                       "c": {{ "outage": {{ "ttf": {{ "constant": "602m" }}, "ttr": {{ "constant": "1h" }} }} }},
                       "d": {{}} }},
            "components": {{ "cache": {{ "replicas": 4, "zones": ["a", "b", "c", "d"], "role": "primary_replica",
              "read_fraction": 0.5,
              "failover": {{ "detection": {{ "constant": "30s" }}, "promotion": {{ "constant": "30s" }} {resync} }} }} }},
            "entry": "cache" }}"#
    )
}

/// Seconds of lost service in a 12 h trial.
fn lost_seconds(outcome: &sim::engine::TrialOutcome) -> f64 {
    outcome.lost * (12 * HOUR) as f64 / SECOND as f64
}

/// The first failover promotes unit 1 at 10 h 01 m (60 s, reads served meanwhile: 30 s
/// lost). Then units 2 and 3 resync with it, one at a time, 5 minutes each: unit 2 until
/// 10 h 06 m, unit 3 until 10 h 11 m (the k-th replica is done after k x 5 min). Zones b
/// and c take units 1 and 2 at 10 h 02 m: the only survivor, unit 3, is still loading
/// the new primary's data, so nothing serves, not even reads, and the decision at
/// 10 h 02 m 30 s finds nothing to promote. Unit 3 finishes at 10 h 11 m (reads again) and
/// is promoted at 10 h 11 m 30 s: 540 s fully down, 30 s at half, a failover of 570 s.
/// With `parallel_syncs` 2 both replicas are done at 10 h 06 m: 240 s down, 270 s failover.
/// Without resync the second failover takes 60 s with reads served throughout.
#[test]
fn a_second_failure_during_the_resync_waits_for_it() {
    let one_at_a_time = one_trial(&store(r#", "resync": { "constant": "5m" }"#));
    assert_eq!(one_at_a_time.full_outage, 540 * SECOND);
    assert_eq!(one_at_a_time.degraded, 90 * SECOND);
    assert_eq!(one_at_a_time.failover_durations, vec![60.0, 570.0]);
    assert!((lost_seconds(&one_at_a_time) - (30.0 + 540.0 + 15.0)).abs() < 1e-6);

    let two_at_a_time = one_trial(&store(
        r#", "resync": { "constant": "5m" }, "parallel_syncs": 2"#,
    ));
    assert_eq!(two_at_a_time.full_outage, 240 * SECOND);
    assert_eq!(two_at_a_time.failover_durations, vec![60.0, 270.0]);
    assert!((lost_seconds(&two_at_a_time) - (30.0 + 240.0 + 15.0)).abs() < 1e-6);

    let instant = one_trial(&store(""));
    assert_eq!(instant.full_outage, 0);
    assert_eq!(instant.degraded, 120 * SECOND);
    assert_eq!(instant.failover_durations, vec![60.0, 60.0]);
}

/// A resync that ends before the second failure changes nothing: the same store with
/// 1-minute resyncs (done at 10 h 02 m and 10 h 03 m, one at a time) loses exactly what
/// it loses without resync, except unit 3 still loading at 10 h 02 m: it reads again at
/// 10 h 03 m and is promoted at 10 h 03 m 30 s (decision at 10 h 02 m 30 s waits 30 s).
#[test]
fn a_finished_resync_costs_nothing() {
    let outcome = one_trial(&store(r#", "resync": { "constant": "1m" }"#));
    // [10 h 02 m, 10 h 03 m) fully down, then reads until the promotion 30 s later.
    assert_eq!(outcome.full_outage, 60 * SECOND);
    assert_eq!(outcome.failover_durations, vec![60.0, 90.0]);
}
