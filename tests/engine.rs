//! The engine on hand-made timelines with constant distributions, where every instant is
//! known: overlays, simultaneous events, incidents, the horizon, and event order.

use sim::engine::{Event, Observer, Plan, TrialRunner};
use sim::time::Ticks;

use crate::common::scenario;

pub const HOUR: Ticks = 3_600_000_000;

/// hours_down / horizon_hours, computed as the engine does.
fn fraction(hours_down: u64, horizon_hours: u64) -> f64 {
    (hours_down * HOUR) as f64 / (horizon_hours * HOUR) as f64
}

pub fn one_trial(text: &str) -> sim::engine::TrialOutcome {
    let scenario = scenario(text);
    let plan = Plan::new(&scenario);
    let mut runner = TrialRunner::new(&plan);
    runner.run(0).clone()
}

/// A unit down [10h, 20h) and its zone down [15h, 25h): unavailable [10h, 25h), then the
/// unit again from 30h to the 40h horizon (counted up to the horizon).
#[test]
fn zone_outage_overlays_the_unit() {
    let outcome = one_trial(
        r#"{ "simulation": { "horizon": "40h" },
            "zones": { "z": { "outage": { "ttf": { "constant": "15h" }, "ttr": { "constant": "10h" } } } },
            "components": { "app": { "zones": ["z"],
              "failures": [ { "name": "crash", "ttf": { "constant": "10h" }, "ttr": { "constant": "10h" } } ] } },
            "entry": "app" }"#,
    );
    assert_eq!(outcome.full_outage, 25 * HOUR);
    assert_eq!(outcome.lost, fraction(25, 40));
    assert_eq!(outcome.incidents, 2);
    assert_eq!(outcome.component_own_lost, vec![fraction(25, 40)]);
}

/// A region outage takes down the units of its zones, and only those.
#[test]
fn region_outage_takes_down_its_zones_units() {
    let outcome = one_trial(
        r#"{ "simulation": { "horizon": "10h" },
            "regions": { "east": { "outage": { "ttf": { "constant": "2h" }, "ttr": { "constant": "3h" } } }, "west": {} },
            "zones": { "e1": { "region": "east" }, "w1": { "region": "west" } },
            "components": {
              "east-only": { "zones": ["e1"] },
              "both": { "replicas": 2, "zones": ["e1", "w1"] },
              "entry": { "depends_on": ["east-only", "both"] } },
            "entry": "entry" }"#,
    );
    // Region down [2h, 5h) and again [7h, 10h).
    assert_eq!(outcome.component_own_lost, vec![fraction(6, 10), 0.0, 0.0]);
    assert_eq!(
        outcome.component_lost,
        vec![fraction(6, 10), 0.0, fraction(6, 10)]
    );
    assert_eq!(outcome.full_outage, 6 * HOUR);
    assert_eq!(outcome.incidents, 2);
}

/// a and b in series: b down [3h, 12h) and from 15h; unit a down [10h, 15h). At 15h a's repair
/// (scheduled earlier) is processed before b's failure, so the system is up for zero time:
/// that must be one outage [3h, 24h), not two.
#[test]
fn an_outage_resuming_at_the_same_instant_is_one_incident() {
    let outcome = one_trial(
        r#"{ "simulation": { "horizon": "24h" },
            "components": {
              "a": { "failures": [ { "name": "x", "ttf": { "constant": "10h" }, "ttr": { "constant": "5h" } } ] },
              "b": { "failures": [ { "name": "x", "ttf": { "constant": "3h" }, "ttr": { "constant": "9h" } } ] },
              "system": { "depends_on": ["a", "b"] } },
            "entry": "system" }"#,
    );
    assert_eq!(outcome.full_outage, 21 * HOUR);
    assert_eq!(outcome.incidents, 1);
    assert_eq!(outcome.full_outages, 1);
}

#[derive(Default)]
struct Recorder {
    times: Vec<Ticks>,
    events: Vec<Event>,
}
impl Observer for Recorder {
    fn on_event(&mut self, time: Ticks, event: Event, _trial: &TrialRunner) {
        self.times.push(time);
        self.events.push(event);
    }
}

/// Events come out in time order; every event is before the horizon; replaying a trial
/// gives the same event sequence (the basis of reproducing any trial from its number).
#[test]
fn events_are_ordered_and_replayable() {
    let scenario = scenario(
        r#"{ "zones": { "a": { "outage": { "ttf": "60d", "ttr": "4h" } }, "b": { "outage": { "ttf": "60d", "ttr": "4h" } } },
            "components": { "api": { "replicas": 4, "require": 2, "zones": ["a", "b"],
              "failures": [ { "name": "crash", "ttf": "10d", "ttr": "10m" },
                            { "name": "host", "ttf": { "weibull": { "shape": 1.5, "scale": "90d" } }, "ttr": { "gamma": { "shape": 2, "mean": "3h" } } } ] } },
            "entry": "api" }"#,
    );
    let plan = Plan::new(&scenario);
    let mut runner = TrialRunner::new(&plan);
    let mut first = Recorder::default();
    let outcome = runner.run_observed(42, &mut first).clone();
    assert!(first.times.len() > 100);
    assert!(first.times.windows(2).all(|w| w[0] <= w[1]));
    assert!(first.times.iter().all(|t| *t < scenario.simulation.horizon));
    assert_eq!(outcome.events, first.events.len() as u64);
    runner.run(7);
    let mut second = Recorder::default();
    assert_eq!(runner.run_observed(42, &mut second), &outcome);
    assert_eq!(first.events, second.events);
}

/// The sequence number breaks ties: with constant times, two units failing at the same
/// instant are processed in the order they were scheduled (unit order at time 0).
#[test]
fn simultaneous_events_keep_their_scheduling_order() {
    let scenario = scenario(
        r#"{ "simulation": { "horizon": "3h" },
            "components": { "api": { "replicas": 3, "require": 3,
              "failures": [ { "name": "crash", "ttf": { "constant": "1h" }, "ttr": { "constant": "1h" } } ] } },
            "entry": "api" }"#,
    );
    let plan = Plan::new(&scenario);
    let mut recorder = Recorder::default();
    TrialRunner::new(&plan).run_observed(0, &mut recorder);
    let units: Vec<u32> = recorder
        .events
        .iter()
        .map(|event| match event {
            Event::UnitFails { unit, .. } | Event::UnitRecovers { unit } => *unit,
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(units, vec![0, 1, 2, 0, 1, 2]);
    assert_eq!(
        recorder.times,
        vec![HOUR, HOUR, HOUR, 2 * HOUR, 2 * HOUR, 2 * HOUR]
    );
}
