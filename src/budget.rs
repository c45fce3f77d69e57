//! The event budget: a valid but degenerate model (a `ttf` of seconds over a year, a
//! million replicas, microsecond repairs) must not run for hours without warning. Before a
//! run, the expected events per trial are estimated from the distributions' means (which
//! names the process that explodes), then measured on a short pilot of real trials
//! (mechanisms add events per failure that the means do not see). A run whose projected
//! events exceed `--max-events` is refused with exit 2 (docs/scale.md, "Event budget").
//!
//! Pure: the caller decides what to print and whether to go ahead.

use crate::engine::Plan;
use crate::scenario::{Distribution, Scenario};
use crate::text::{key, shown};
use crate::time::TICKS_PER_SECOND;

/// The default budget of events for one run (`--max-events`): about five minutes of this
/// engine on one core at the 15-20 million events per second it reaches on small models.
pub const DEFAULT_MAX_EVENTS: u64 = 5_000_000_000;

/// Trials the pilot runs (fewer when the run has fewer).
pub const PILOT_TRIALS: u64 = 16;

/// One process's expected events in one trial.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// Where it is written, as a JSON path with the mode's name.
    pub path: String,
    pub events_per_trial: f64,
    /// Why: the means that make it so.
    pub why: String,
}

/// Expected events per trial of every failure, outage, shared failure and change process
/// (an alternating renewal process: about 2 H / (E[ttf] + E[ttr]) events, a failure and a
/// repair per cycle, over a horizon H), largest first.
pub fn expected_events(scenario: &Scenario) -> Vec<Source> {
    let horizon = scenario.simulation.horizon as f64 / TICKS_PER_SECOND;
    let seconds = |d: &Distribution| d.mean() / TICKS_PER_SECOND;
    let cycle = |up: &Distribution, down: &Distribution| {
        let length = (seconds(up) + seconds(down)).max(1e-6);
        2.0 * horizon / length
    };
    let show = |s: f64| crate::sweep::readable_duration(s);
    let mut sources = Vec::new();
    for component in &scenario.components {
        for (i, mode) in component.failures.iter().enumerate() {
            let per_unit = cycle(&mode.time_to_failure, &mode.time_to_repair);
            sources.push(Source {
                path: format!(
                    "components.{}.failures[{i}] ({})",
                    key(&component.name),
                    shown(&mode.name)
                ),
                events_per_trial: per_unit * f64::from(component.replicas),
                why: format!(
                    "mean ttf {} + ttr {} over a {} horizon, x {} replicas",
                    show(seconds(&mode.time_to_failure)),
                    show(seconds(&mode.time_to_repair)),
                    show(horizon),
                    component.replicas
                ),
            });
            if mode.common_cause > 0.0 {
                // The common-cause process strikes every unit at once, at rate beta / E[ttf],
                // whatever state the units are in (docs/model.md section 11): a strike and
                // its end per occurrence.
                let interval = (seconds(&mode.time_to_failure) / mode.common_cause).max(1e-6);
                sources.push(Source {
                    path: format!(
                        "components.{}.failures[{i}].common_cause ({})",
                        key(&component.name),
                        shown(&mode.name)
                    ),
                    events_per_trial: 2.0 * horizon / interval * f64::from(component.replicas),
                    why: format!(
                        "a strike every {} on average (mean ttf / common_cause), x {} replicas",
                        show(interval),
                        component.replicas
                    ),
                });
            }
        }
    }
    let mut outage = |path: String, o: &Option<crate::scenario::Outage>| {
        if let Some(o) = o {
            sources.push(Source {
                path,
                events_per_trial: cycle(&o.time_to_failure, &o.time_to_repair),
                why: format!(
                    "mean ttf {} + ttr {}",
                    show(seconds(&o.time_to_failure)),
                    show(seconds(&o.time_to_repair))
                ),
            });
        }
    };
    for zone in &scenario.zones {
        outage(format!("zones.{}.outage", key(&zone.name)), &zone.outage);
    }
    for region in &scenario.regions {
        outage(
            format!("regions.{}.outage", key(&region.name)),
            &region.outage,
        );
    }
    for shared in &scenario.shared_failures {
        sources.push(Source {
            path: format!("shared_failures.{}", key(&shared.name)),
            events_per_trial: cycle(&shared.time_to_failure, &shared.time_to_repair),
            why: format!(
                "mean ttf {} + ttr {}",
                show(seconds(&shared.time_to_failure)),
                show(seconds(&shared.time_to_repair))
            ),
        });
    }
    for change in &scenario.changes {
        let per_change = 1.0 + 2.0 * change.bad_probability;
        sources.push(Source {
            path: format!("changes.{}", key(&change.name)),
            events_per_trial: horizon / seconds(&change.interval).max(1e-6) * per_change,
            why: format!("mean interval {}", show(seconds(&change.interval))),
        });
    }
    sources.sort_by(|a, b| {
        b.events_per_trial
            .total_cmp(&a.events_per_trial)
            .then_with(|| a.path.cmp(&b.path))
    });
    sources
}

/// What the pilot measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pilot {
    pub trials: u64,
    pub events_per_trial: f64,
    /// Wall-clock seconds per trial on one thread (machine-dependent: used only for the
    /// time estimate printed, never for a result).
    pub seconds_per_trial: f64,
}

/// Runs the first `PILOT_TRIALS` trials (their results are discarded: the run runs them
/// again, so the run's bytes do not depend on the pilot).
pub fn pilot(plan: &Plan, trials: u64) -> Pilot {
    let count = trials.clamp(1, PILOT_TRIALS);
    let started = std::time::Instant::now();
    let accumulator = crate::montecarlo::run_trials(plan, 0, count);
    Pilot {
        trials: count,
        events_per_trial: accumulator.events as f64 / count as f64,
        seconds_per_trial: started.elapsed().as_secs_f64() / count as f64,
    }
}

/// Why a run is refused: the projected events, the budget and the largest sources.
pub fn refusal(scenario: &Scenario, events: f64, trials: u64, max_events: u64) -> String {
    let sources = expected_events(scenario);
    let top: Vec<String> = sources
        .iter()
        .take(3)
        .filter(|s| s.events_per_trial > 0.0)
        .map(|s| {
            format!(
                "{}: about {:.3e} events per trial ({})",
                s.path, s.events_per_trial, s.why
            )
        })
        .collect();
    format!(
        "{}: about {:.3e} events per trial x {trials} trials = {:.3e} events, beyond the budget of {max_events} (--max-events); the largest processes: {}. Check these parameters, or pass --max-events 0 to run anyway",
        shown(&scenario.name),
        events / trials.max(1) as f64,
        events,
        if top.is_empty() {
            "mechanisms (the pilot measured them; the means alone predict few)".to_string()
        } else {
            top.join("; ")
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_process_that_explodes() {
        let scenario = crate::scenario::load_str(
            r#"{"components": {"api": {"replicas": 3, "failures": [
                {"name": "slow", "ttf": "30d", "ttr": "1h"},
                {"name": "flap", "ttf": "1s", "ttr": "1s"}]}}, "entry": "api"}"#,
            "t.json",
        )
        .unwrap();
        let sources = expected_events(&scenario);
        assert!(
            sources[0].path.contains("failures[1]"),
            "{}",
            sources[0].path
        );
        assert!(sources[0].path.contains("flap"), "{}", sources[0].path);
        // 2 x 31,536,000 s / 2 s x 3 replicas.
        assert!((sources[0].events_per_trial - 94_608_000.0).abs() < 1.0);
        let message = refusal(&scenario, 9.5e7 * 10.0, 10, 1_000_000);
        assert!(message.contains("flap"), "{message}");
        assert!(message.contains("--max-events 0"), "{message}");
    }
}
