//! The three fuzz targets, each a pure function of one input that reports what happened:
//! rejected with an error (fine), accepted (and, for a scenario, simulated), refused by the
//! event budget, or a finding (a panic or a broken invariant).
//!
//! - `scenario`: `sim::scenario::load_str`; what loads is simulated for 2 trials unless
//!   the event budget refuses it (the property of issue 13: whatever validates also runs,
//!   within the budget, or is refused with the budget's message), and reported.
//! - `cli`: an argument vector through the clap definition (`Cli::try_parse_from`); no
//!   command is executed.
//! - `part`: a partial-result file through `sim merge`'s parser (`shard::parse`), and what
//!   parses through `shard::merge` with its sibling parts and the merge's reports.

use std::ffi::OsString;
use std::panic::{catch_unwind, AssertUnwindSafe};

use clap::Parser;
use sim::cli::Cli;
use sim::engine::Plan;
use sim::report::RunReport;

/// Expected events per trial (from the means, `sim::budget::expected_events`) beyond which
/// the fuzzer does not simulate: the CLI's budget would refuse or warn long before a fuzzer
/// can afford the run.
pub const EVENT_BUDGET: f64 = 5e5;

/// Units (replicas summed) beyond which the fuzzer does not simulate: memory grows with
/// them (docs/scale.md) and the fuzzer runs many inputs at once.
pub const UNIT_LIMIT: u64 = 100_000;

/// Trials simulated per accepted scenario.
pub const TRIALS: u64 = 2;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// An error message (the expected answer to most mutants).
    Rejected,
    /// Accepted (and for scenarios simulated and reported) without a fault.
    Accepted,
    /// Accepted, but beyond the fuzzer's event budget or unit limit: not simulated.
    Refused,
    /// A panic or a broken invariant: what happened, in one line.
    Finding(String),
}

/// The message of a panic payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string());
    let location = LAST_PANIC.lock().map(|mut l| l.take()).unwrap_or(None);
    one_line(&match location {
        Some(location) => format!("{message} at {location}"),
        None => message,
    })
}

/// Where the last panic happened, recorded by the hook the fuzzer installs (the tests keep
/// the default hook, so this stays empty there).
pub static LAST_PANIC: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// A panic hook that records the location and prints nothing (the fuzzer reports).
pub fn install_quiet_hook() {
    std::panic::set_hook(Box::new(|info| {
        if let (Some(location), Ok(mut last)) = (info.location(), LAST_PANIC.lock()) {
            *last = Some(location.to_string());
        }
    }));
}

/// `text` escaped and cut to one readable line.
pub fn one_line(text: &str) -> String {
    let escaped: String = text.escape_debug().collect();
    if escaped.chars().count() > 300 {
        escaped.chars().take(300).collect::<String>() + "..."
    } else {
        escaped
    }
}

fn guarded<T>(stage: &str, work: impl FnOnce() -> T) -> Result<T, Outcome> {
    catch_unwind(AssertUnwindSafe(work)).map_err(|payload| {
        Outcome::Finding(format!("panic in {stage}: {}", panic_message(&*payload)))
    })
}

/// Scenario bytes as the CLI would read them: UTF-8, else the loader never sees them
/// (`read_to_string` fails); the fuzzer feeds the lossy text instead, to reach the loader.
pub fn scenario(bytes: &[u8]) -> Outcome {
    let text = String::from_utf8_lossy(bytes);
    let loaded = match guarded("load_str", || sim::scenario::load_str(&text, "fuzz.json")) {
        Ok(Ok(scenario)) => scenario,
        Ok(Err(error)) => {
            // The message is printed by the CLI: rendering it must not panic either.
            return match guarded("the error's Display", || error.to_string()) {
                Ok(_) => Outcome::Rejected,
                Err(finding) => finding,
            };
        }
        Err(finding) => return finding,
    };
    simulate(&loaded)
}

/// Simulates an accepted scenario for `TRIALS` trials (on a thread of the default size, as
/// the CLI's rayon workers are) and renders its reports, unless beyond the budget.
pub fn simulate(scenario: &sim::scenario::Scenario) -> Outcome {
    let expected = match guarded("budget::expected_events", || {
        sim::budget::expected_events(scenario)
            .iter()
            .map(|s| s.events_per_trial)
            .sum::<f64>()
    }) {
        Ok(events) => events,
        Err(finding) => return finding,
    };
    let units: u64 = scenario
        .components
        .iter()
        .map(|c| u64::from(c.replicas))
        .sum();
    if expected.is_nan() || expected > EVENT_BUDGET || units > UNIT_LIMIT {
        // The budget's message must name something: render it as the CLI would.
        return match guarded("budget::refusal", || {
            sim::budget::refusal(scenario, expected * 1000.0, 1000, 1)
        }) {
            Ok(_) => Outcome::Refused,
            Err(finding) => finding,
        };
    }
    let result = std::thread::scope(|scope| {
        scope
            .spawn(|| {
                guarded("the simulation", || {
                    let plan = Plan::new(scenario);
                    let accumulator = sim::montecarlo::run_trials(&plan, 0, TRIALS);
                    (plan, accumulator)
                })
                .and_then(|(plan, accumulator)| {
                    if accumulator.trials() != TRIALS {
                        return Err(Outcome::Finding(format!(
                            "ran {} trials of {TRIALS}",
                            accumulator.trials()
                        )));
                    }
                    let availability = 1.0 - accumulator.downtime_fraction.mean();
                    if !(0.0..=1.0).contains(&availability) {
                        return Err(Outcome::Finding(format!(
                            "availability {availability} outside [0, 1]"
                        )));
                    }
                    guarded("the reports", || {
                        let report = RunReport::new(scenario, &plan, &accumulator);
                        let json = sim::report::to_json(&report);
                        let table = sim::report::table::render(&report);
                        let markdown = sim::report::markdown::run_summary(&report);
                        json.len() + table.len() + markdown.len()
                    })
                })
            })
            .join()
            .unwrap_or_else(|payload| {
                Err(Outcome::Finding(format!(
                    "panic in the simulation thread: {}",
                    panic_message(&*payload)
                )))
            })
    });
    match result {
        Ok(_) => Outcome::Accepted,
        Err(finding) => finding,
    }
}

/// An argument vector (the program name first) through the clap definition.
pub fn cli(args: &[OsString]) -> Outcome {
    match guarded("Cli::try_parse_from", || {
        Cli::try_parse_from(args).map_err(|e| e.render().to_string())
    }) {
        Ok(Ok(_)) => Outcome::Accepted,
        Ok(Err(_)) => Outcome::Rejected,
        Err(finding) => finding,
    }
}

/// A part file through the merge's parser; what parses is merged with `siblings` (the other
/// parts the fuzzer chose) and rendered as `sim merge` would.
pub fn part(bytes: &[u8], siblings: &[(String, sim::shard::Part)]) -> Outcome {
    let text = String::from_utf8_lossy(bytes);
    let parsed = match guarded("shard::parse", || {
        sim::shard::parse("fuzz.part.json", &text)
    }) {
        Ok(Ok(part)) => part,
        Ok(Err(_)) => return Outcome::Rejected,
        Err(finding) => return finding,
    };
    let mut parts = vec![("fuzz.part.json".to_string(), parsed)];
    parts.extend(siblings.iter().cloned());
    let merged = match guarded("shard::merge", || sim::shard::merge(&parts)) {
        Ok(Ok(merged)) => merged,
        Ok(Err(_)) => return Outcome::Rejected,
        Err(finding) => return finding,
    };
    let units: u64 = merged
        .scenarios
        .iter()
        .flat_map(|s| &s.components)
        .map(|c| u64::from(c.replicas))
        .sum();
    if units > UNIT_LIMIT {
        return Outcome::Refused;
    }
    match guarded("the merged reports", || finish(&merged)) {
        Ok(()) => Outcome::Accepted,
        Err(finding) => finding,
    }
}

/// What `sim merge` computes from a merge (src/cli/merge.rs), without its output.
fn finish(merged: &sim::shard::Merged) {
    let plans: Vec<Plan> = merged.scenarios.iter().map(Plan::new).collect();
    let _ = sim::compare::least_precise(&merged.results);
    let trials = merged.scenarios[0].simulation.trials;
    if merged.command == "compare" || (merged.command == "check" && merged.scenarios.len() == 2) {
        let comparison = sim::compare::finish(
            &merged.scenarios,
            &plans,
            Some(merged.results.clone()),
            trials,
        );
        let _ = serde_json::to_string(&comparison).expect("serializes");
        let _ = sim::report::markdown::comparison_table(&comparison);
        if let Some(check) = &merged.check {
            let _ =
                sim::check::check_paired("baseline", &comparison.differences[0], check.tolerance);
        }
        return;
    }
    let report = RunReport::new(
        &merged.scenarios[0],
        &plans[0],
        &merged.results.accumulators[0],
    );
    let _ = sim::report::to_json(&report);
    let _ = sim::report::table::render(&report);
    if let Some(source) = merged
        .check
        .as_ref()
        .and_then(|c| c.baseline_report.as_ref())
    {
        if let Ok(baseline) = sim::check::parse_baseline(&source.text) {
            let tolerance = merged.check.as_ref().map_or(0.0, |c| c.tolerance);
            let _ = sim::check::check_baseline(&baseline, &report, tolerance);
        }
    }
}
