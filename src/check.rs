//! The CI gate: a run held to the SLOs written in its scenario and/or to a baseline report
//! written earlier by `sim run --output`. Pure: results become text, exit codes and JUnit
//! XML at the edge.

use serde::Serialize;

use crate::compare::Difference;
use crate::report::RunReport;
use crate::scenario::Slo;
use crate::stats::normal_quantile;

/// One check and its verdict.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CheckResult {
    pub name: String,
    pub passed: bool,
    /// What was measured against what, and by how much it passed or failed.
    pub message: String,
}

/// The numbers of a baseline report that the gate compares with.
#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    pub scenario: String,
    /// The report's `scenario_fingerprint`; reports written before it existed have none.
    pub fingerprint: Option<String>,
    pub availability: f64,
    pub std_error: f64,
    /// The seed and trial count it was run with, so the check can run the same trials.
    pub seed: Option<u64>,
    pub trials: Option<u64>,
}

/// Reads the baseline from a `sim run --format json` / `--output` report, as strictly as
/// a scenario: the check reruns its seed and trial count and holds the run to its numbers,
/// so a report edited by hand (0 or 10^12 trials, an availability of 200%) is refused
/// with the JSON path at fault.
pub fn parse_baseline(text: &str) -> Result<Baseline, String> {
    use serde_json::Value;
    const FROM: &str = "expected a report written by `sim run --output`";
    let value: Value = serde_json::from_str(text).map_err(|e| {
        format!(
            "not a sim JSON report: {}",
            crate::text::tame_quoted(&e.to_string())
        )
    })?;
    if !value.is_object() {
        return Err(format!("(top level): expected an object; {FROM}"));
    }
    let at = |path: &[&str]| path.iter().try_fold(&value, |v, key| v.get(key));
    let missing = |path: &str| format!("{path}: missing; {FROM}");
    let scenario = match value.get("scenario") {
        Some(Value::String(name)) => name.clone(),
        Some(_) => {
            return Err(format!(
                "scenario: expected the scenario's name as a string; {FROM}"
            ))
        }
        None => return Err(missing("scenario")),
    };
    let fingerprint = match value.get("scenario_fingerprint") {
        None => None,
        Some(Value::String(f)) if f.len() == 16 && f.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Some(f.clone())
        }
        Some(_) => {
            return Err(format!(
                "scenario_fingerprint: expected 16 hexadecimal digits; {FROM}"
            ))
        }
    };
    let seed = match value.get("seed") {
        None => None,
        Some(seed) => Some(
            seed.as_u64()
                .ok_or_else(|| format!("seed: expected a whole number in [0, 2^64); {FROM}"))?,
        ),
    };
    let max = crate::scenario::MAX_TRIALS;
    let trials = match value.get("trials") {
        None => None,
        Some(trials) => match trials.as_u64() {
            Some(n) if (1..=max).contains(&n) => Some(n),
            _ => {
                return Err(format!(
                    "trials: expected a whole number from 1 to {max}, got {}",
                    crate::text::tame(&trials.to_string())
                ))
            }
        },
    };
    // A share in [0, 1]: an availability, its standard error or an interval's end.
    let share = |path: &[&str]| -> Result<f64, String> {
        let name = path.join(".");
        let found = at(path).ok_or_else(|| missing(&name))?;
        match found.as_f64() {
            Some(x) if x.is_finite() && (0.0..=1.0).contains(&x) => Ok(x),
            _ => Err(format!(
                "{name}: expected a number in [0, 1], got {}",
                crate::text::tame(&found.to_string())
            )),
        }
    };
    let availability = share(&["availability", "mean"])?;
    let std_error = share(&["availability", "std_error"])?;
    if let Some(interval) = at(&["availability", "ci95"]) {
        let ends = interval.as_array().filter(|ends| ends.len() == 2);
        let Some(ends) = ends else {
            return Err(format!(
                "availability.ci95: expected two numbers [low, high]; {FROM}"
            ));
        };
        let end = |i: usize| {
            ends[i]
                .as_f64()
                .filter(|x| (0.0..=1.0).contains(x))
                .ok_or_else(|| format!("availability.ci95[{i}]: expected a number in [0, 1]"))
        };
        let (low, high) = (end(0)?, end(1)?);
        if low > high {
            return Err(format!(
                "availability.ci95: its low end {low} is above its high end {high}"
            ));
        }
    }
    Ok(Baseline {
        scenario,
        fingerprint,
        seed,
        trials,
        availability,
        std_error,
    })
}

fn percent(value: f64) -> String {
    crate::report::table::percent(value)
}

/// One-sided bounds at quantile `z` of the unavailability: mean -/+ z x s.e., or Hall's
/// skewness-corrected bounds under importance sampling, whose weighted values are too
/// skewed for the normal ones (docs/precision.md).
fn lost_bounds(report: &RunReport, z: f64) -> [f64; 2] {
    let a = &report.availability;
    let lost = 1.0 - a.mean;
    match report.rare_events.as_ref().and_then(|r| r.weights.as_ref()) {
        Some(weights) => {
            let sd = a.std_error * (report.trials as f64).sqrt();
            crate::importance::hall_bounds(lost, sd, weights.skewness, report.trials, z)
        }
        None => [lost - z * a.std_error, lost + z * a.std_error],
    }
}

/// Holds `report` to `slo`: every stated objective gives one gated result, and the notes
/// are what is reported without being gated (with uncertain parameters: the mean over
/// everything when `slo.probability` holds the shares instead, or the shares when it does
/// not).
pub fn check_slo(slo: &Slo, report: &RunReport) -> (Vec<CheckResult>, Vec<String>) {
    let z = normal_quantile(slo.confidence);
    let confidence = format!("{:.0}%", slo.confidence * 100.0);
    let mut results = Vec::new();
    if let Some(target) = slo.availability {
        let a = &report.availability;
        let bound = 1.0 - lost_bounds(report, z)[1];
        let bound = if a.no_downtime_observed {
            a.ci95[0]
        } else {
            bound
        };
        results.push(CheckResult {
            name: "slo.availability".into(),
            passed: bound >= target,
            message: format!(
                "availability {} (lower {confidence} bound {}) against target {}: {}",
                percent(a.mean),
                percent(bound),
                percent(target),
                margin_minutes(bound, target)
            ),
        });
    }
    if let Some(limit) = slo.max_downtime_minutes_per_year {
        let d = &report.downtime_minutes_per_year;
        let bound = lost_bounds(report, z)[1] * crate::time::MINUTES_PER_YEAR;
        results.push(CheckResult {
            name: "slo.max_downtime_minutes_per_year".into(),
            passed: bound <= limit,
            message: format!(
                "downtime {:.2} min/yr (upper {confidence} bound {:.2}) against at most {limit}: {}",
                d.mean,
                bound,
                over_or_under(bound - limit, "min/yr")
            ),
        });
    }
    let mut notes = Vec::new();
    if let Some(uncertainty) = &report.uncertainty {
        let across = across_uncertainty(slo, uncertainty);
        if slo.probability.is_some() {
            // The objectives are held across the parameter sets instead: the mean over
            // everything is shown, not gated.
            notes.extend(results.drain(..).map(|r| {
                format!(
                    "{}: {} (the mean over all parameter sets; slo.probability holds the share of sets instead)",
                    r.name, r.message
                )
            }));
            results.extend(across);
        } else {
            notes.extend(across.into_iter().map(|r| {
                format!(
                    "{}: {} (not gated: slo.probability or --probability sets the share required)",
                    r.name, r.message
                )
            }));
        }
        if let Some(warning) = &uncertainty.warning {
            notes.push(warning.clone());
        }
    }
    if let Some(limit) = slo.max_data_loss_events_per_year {
        let (mean, se) = report.data_loss.as_ref().map_or((0.0, 0.0), |d| {
            (d.events_per_year.mean, d.events_per_year.std_error)
        });
        let bound = mean + z * se;
        results.push(CheckResult {
            name: "slo.max_data_loss_events_per_year".into(),
            passed: bound <= limit,
            message: format!(
                "data-loss events {mean:.3}/yr (upper {confidence} bound {bound:.3}) against at most {limit}: {}",
                over_or_under(bound - limit, "events/yr")
            ),
        });
    }
    if let Some(limit) = slo.max_rpo_p99_seconds {
        let p99 = report
            .data_loss
            .as_ref()
            .and_then(|d| d.rpo_seconds.as_ref())
            .map_or(0.0, |r| r.p99);
        results.push(CheckResult {
            name: "slo.max_rpo_p99_seconds".into(),
            passed: p99 <= limit,
            message: format!(
                "lost write window p99 {p99:.3} s against at most {limit} s: {}",
                over_or_under(p99 - limit, "s")
            ),
        });
    }
    (results, notes)
}

/// The availability and downtime objectives across uncertain parameters: the share of
/// parameter sets (after the noise correction) that meet each, held to `slo.probability`
/// when the scenario states one, reported otherwise.
fn across_uncertainty(
    slo: &Slo,
    uncertainty: &crate::uncertainty::UncertaintyReport,
) -> Vec<CheckResult> {
    let sets = &uncertainty.set_availability;
    let share = |meets: &dyn Fn(f64) -> bool| {
        sets.iter().filter(|a| meets(**a)).count() as f64 / sets.len().max(1) as f64
    };
    let mut objectives: Vec<(&str, String, f64)> = Vec::new();
    if let Some(target) = slo.availability {
        objectives.push((
            "slo.availability.across_parameters",
            format!("availability at least {}", percent(target)),
            share(&|a| a >= target),
        ));
    }
    if let Some(limit) = slo.max_downtime_minutes_per_year {
        objectives.push((
            "slo.max_downtime_minutes_per_year.across_parameters",
            format!("downtime at most {limit} min/yr"),
            share(&|a| (1.0 - a) * crate::time::MINUTES_PER_YEAR <= limit),
        ));
    }
    let z = normal_quantile(slo.confidence);
    let confidence = format!("{:.0}%", slo.confidence * 100.0);
    let n = sets.len().max(1) as f64;
    objectives
        .into_iter()
        .map(|(name, objective, met)| {
            // The share is itself an estimate from the sets drawn: held by its one-sided
            // Wilson score bound at the SLO's confidence (conservative for a Latin
            // hypercube, whose shares vary less than independent draws').
            let bound = wilson_lower(met, n, z);
            let of = format!(
                "{objective} in {:.1}% of {} parameter sets (lower {confidence} bound {:.1}%)",
                met * 100.0,
                sets.len(),
                bound * 100.0
            );
            let required = slo.probability.unwrap_or(0.0);
            let noise = uncertainty.monte_carlo_noise.share;
            // The most a share of n sets can show at this confidence: all n meet it.
            let reachable = wilson_lower(1.0, n, z);
            if noise > crate::uncertainty::NOISE_WARNING {
                // Fail closed: the sets' shares are mostly Monte Carlo noise.
                CheckResult {
                    name: name.into(),
                    passed: false,
                    message: format!(
                        "{of}: cannot be held, {:.0}% of the spread between parameter sets is Monte Carlo noise (at most {:.0}%): raise --trials or use --precision",
                        noise * 100.0,
                        crate::uncertainty::NOISE_WARNING * 100.0
                    ),
                }
            } else if required > reachable {
                CheckResult {
                    name: name.into(),
                    passed: false,
                    message: format!(
                        "{of}: the required {:.1}% cannot be shown with {} sets (even all of them give a bound of {:.1}%): raise --samples",
                        required * 100.0,
                        sets.len(),
                        reachable * 100.0
                    ),
                }
            } else {
                CheckResult {
                    name: name.into(),
                    passed: bound >= required,
                    message: format!("{of}, against the required {:.1}%", required * 100.0),
                }
            }
        })
        .collect()
}

/// The Wilson score interval's lower end for a share `p` of `n` at quantile `z`.
fn wilson_lower(p: f64, n: f64, z: f64) -> f64 {
    let z2 = z * z;
    let centre = p + z2 / (2.0 * n);
    let spread = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - spread) / (1.0 + z2 / n)).max(0.0)
}

fn margin_minutes(bound: f64, target: f64) -> String {
    over_or_under(
        (target - bound) * crate::time::MINUTES_PER_YEAR,
        "min/yr of downtime",
    )
}

fn over_or_under(excess: f64, unit: &str) -> String {
    if excess > 0.0 {
        format!("missed by {excess:.3} {unit}")
    } else {
        format!("met with {:.3} {unit} to spare", -excess)
    }
}

/// The one-sided test both baseline checks use: an availability `drop` with standard error
/// `std_error` is a regression when z = drop / std_error exceeds the 95% quantile (1.645)
/// and the drop exceeds `tolerance`. Returns (z, the critical z, regression?).
fn regression(drop: f64, std_error: f64, tolerance: f64) -> (f64, f64, bool) {
    let z = if std_error > 0.0 {
        drop / std_error
    } else if drop > 0.0 {
        f64::INFINITY
    } else {
        0.0
    };
    let critical = normal_quantile(0.95);
    (z, critical, z > critical && drop > tolerance)
}

/// Worse than the baseline beyond noise: a one-sided z-test at 95% on the two independent
/// estimates, z = (baseline - current) / sqrt(se_b^2 + se_c^2) > 1.645, and a drop larger
/// than `tolerance` (availability, e.g. 0.00001 for a thousandth of a percent).
pub fn check_baseline(baseline: &Baseline, report: &RunReport, tolerance: f64) -> CheckResult {
    let a = &report.availability;
    let drop = baseline.availability - a.mean;
    let (z, critical, worse) = regression(drop, baseline.std_error.hypot(a.std_error), tolerance);
    CheckResult {
        name: "baseline.availability".into(),
        passed: !worse,
        message: format!(
            "availability {} against baseline {} ({}): change {:+.3} min/yr of downtime, z = {:.2} (fails above {:.3} with a drop above tolerance {})",
            percent(a.mean),
            percent(baseline.availability),
            crate::text::key(&baseline.scenario),
            drop * crate::time::MINUTES_PER_YEAR,
            z,
            critical,
            tolerance
        ),
    }
}

/// Worse than a baseline scenario run on the same trials (common random numbers): the
/// paired difference's one-sided z-test at 95%, z = drop / se(paired) > 1.645, and a drop
/// larger than `tolerance`. Far more sensitive than comparing two summaries, because the
/// failures both designs share cancel trial by trial.
pub fn check_paired(baseline: &str, difference: &Difference, tolerance: f64) -> CheckResult {
    let change = &difference.availability;
    let drop = -change.mean;
    let (z, critical, worse) = regression(drop, change.std_error, tolerance);
    let downtime = &difference.downtime_minutes_per_year;
    CheckResult {
        name: "baseline.availability".into(),
        passed: !worse,
        message: format!(
            "against baseline scenario {baseline} on the same trials: downtime change {:+.3} min/yr (paired 95% CI {:+.3} to {:+.3}), z = {:.2} (fails above {:.3} with a drop above tolerance {})",
            downtime.mean, downtime.ci95[0], downtime.ci95[1], z, critical, tolerance
        ),
    }
}

/// JUnit XML for CI systems: one test case per check.
pub fn junit(suite: &str, results: &[CheckResult]) -> String {
    let failures = results.iter().filter(|r| !r.passed).count();
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\">\n",
        escape(suite),
        results.len(),
        failures
    );
    for result in results {
        xml.push_str(&format!(
            "    <testcase classname=\"sim.check\" name=\"{}\"",
            escape(&result.name)
        ));
        if result.passed {
            xml.push_str(&format!(
                ">\n      <system-out>{}</system-out>\n    </testcase>\n",
                escape(&result.message)
            ));
        } else {
            xml.push_str(&format!(
                ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                escape(&result.message),
                escape(&result.message)
            ));
        }
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    xml
}

fn escape(text: &str) -> String {
    // Control characters from names are forbidden in XML: made visible first.
    crate::text::document(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junit_lists_passes_and_failures() {
        let xml = junit(
            "s<1>",
            &[
                CheckResult {
                    name: "a".into(),
                    passed: true,
                    message: "ok & fine".into(),
                },
                CheckResult {
                    name: "b".into(),
                    passed: false,
                    message: "bad".into(),
                },
            ],
        );
        assert!(xml.contains("tests=\"2\" failures=\"1\""));
        assert!(xml.contains("s&lt;1&gt;") && xml.contains("ok &amp; fine"));
        assert!(xml.contains("<failure message=\"bad\">"));
    }

    #[test]
    fn tampered_baselines_are_refused_with_the_path() {
        let report = |trials: &str, mean: &str| {
            format!(
                r#"{{"scenario": "x", "seed": 1, "trials": {trials}, "availability": {{"mean": {mean}, "std_error": 0.0001, "ci95": [0.99, 0.9999]}}}}"#
            )
        };
        assert!(parse_baseline(&report("100", "0.999")).is_ok());
        for (trials, mean, path) in [
            ("0", "0.999", "trials"),
            ("1e12", "0.999", "trials"),
            ("1000000000000", "0.999", "trials"),
            ("-3", "0.999", "trials"),
            ("100", "2.0", "availability.mean"),
            ("100", "-0.1", "availability.mean"),
            ("100", "\"0.9\"", "availability.mean"),
        ] {
            let message = parse_baseline(&report(trials, mean)).unwrap_err();
            assert!(message.starts_with(path), "{trials} {mean}: {message}");
        }
        let reversed = r#"{"scenario": "x", "availability": {"mean": 0.9, "std_error": 0.01, "ci95": [0.95, 0.85]}}"#;
        assert!(parse_baseline(reversed).unwrap_err().contains("ci95"));
        let seed =
            r#"{"scenario": "x", "seed": 1.5, "availability": {"mean": 0.9, "std_error": 0.01}}"#;
        assert!(parse_baseline(seed).unwrap_err().starts_with("seed"));
    }

    #[test]
    fn baselines_parse_or_say_why() {
        let b = parse_baseline(
            r#"{"scenario": "x", "availability": {"mean": 0.999, "std_error": 0.0001}}"#,
        )
        .unwrap();
        assert_eq!((b.availability, b.std_error), (0.999, 0.0001));
        assert_eq!((b.seed, b.trials), (None, None));
        assert!(parse_baseline("{}").unwrap_err().starts_with("scenario"));
        assert!(parse_baseline(r#"{"scenario": "x"}"#)
            .unwrap_err()
            .starts_with("availability.mean: missing"));
        assert!(parse_baseline("nope").is_err());
    }
}
