//! `sim chaos` results for people (a table, markdown) and for CI (one JUnit test case per
//! expectation), and the `--observed` findings.

use std::fmt::Write;

use crate::chaos::observed::Finding;
use crate::chaos::{ChaosReport, ExpectationResult, ExperimentReport, Spread};
use crate::check::CheckResult;

fn seconds(value: f64) -> String {
    if value >= 3600.0 {
        format!("{:.2}h", value / 3600.0)
    } else if value >= 60.0 {
        format!("{:.1}m", value / 60.0)
    } else {
        format!("{value:.2}s")
    }
}

fn row(label: &str, spread: &Spread, format: &dyn Fn(f64) -> String) -> String {
    format!(
        "  {label:<15} {:>9} {:>9} {:>9} {:>9} {:>9}",
        format(spread.mean),
        format(spread.p50),
        format(spread.p90),
        format(spread.p99),
        format(spread.max)
    )
}

fn level(value: f64) -> String {
    format!("{value:.4}")
}

fn count(value: f64) -> String {
    format!("{value:.0}")
}

/// What an expectation asked, in words (limits exactly as given, in seconds).
fn asked(e: &ExpectationResult) -> String {
    match (e.name, e.limit) {
        ("min_level", Some(limit)) => format!("min_level {limit}"),
        (name, Some(limit)) => format!("{name} {limit}s"),
        (name, None) => format!("{name} of the above in the same trial"),
    }
}

/// One line per expectation: held in what share of trials, against what was required.
pub fn expectation_line(e: &ExpectationResult) -> String {
    format!(
        "{} {}: held in {:.1}% of trials (required {:.1}%)",
        if e.passed { "PASS" } else { "FAIL" },
        asked(e),
        e.held * 100.0,
        e.required * 100.0
    )
}

fn experiment_table(out: &mut String, file: &str, e: &ExperimentReport) {
    let _ = writeln!(
        out,
        "experiment {}: {} trials, at {}, background {}",
        e.name,
        e.trials,
        seconds(e.at_seconds),
        if e.background { "on" } else { "off" }
    );
    for fault in &e.faults {
        let _ = writeln!(out, "  inject {fault}");
    }
    let _ = writeln!(
        out,
        "  {:<15} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "", "mean", "p50", "p90", "p99", "max"
    );
    let _ = writeln!(out, "{}", row("lost service", &e.lost_seconds, &seconds));
    let _ = writeln!(out, "{}", row("recovery", &e.recovery_seconds, &seconds));
    let _ = writeln!(out, "{}", row("lowest level", &e.lowest_level, &level));
    let _ = writeln!(out, "{}", row("data loss", &e.data_loss_seconds, &seconds));
    if let Some(detection) = &e.detection_seconds {
        let _ = writeln!(out, "{}", row("detection", detection, &seconds));
    }
    if let Some(failover) = &e.failover_seconds {
        let _ = writeln!(out, "{}", row("failover", failover, &seconds));
    }
    if let Some(requests) = &e.lost_requests {
        let _ = writeln!(out, "{}", row("lost requests", requests, &count));
    }
    if e.not_recovered > 0 {
        let _ = writeln!(
            out,
            "  not back at full service by the horizon in {} trials",
            e.not_recovered
        );
    }
    for expectation in &e.expectations {
        let _ = writeln!(out, "  {}", expectation_line(expectation));
    }
    let _ = writeln!(
        out,
        "  typical trial #{}, worst #{}: sim trace {file} --experiment {} --trial N --svg trial.svg",
        e.typical_trial, e.worst_trial, e.name
    );
}

/// The results as aligned text; `file` is the scenario's path, for the replay hint.
pub fn table(report: &ChaosReport, file: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} experiments, seed {}",
        report.scenario,
        report.experiments.len(),
        report.seed
    );
    for e in &report.experiments {
        let _ = writeln!(out);
        experiment_table(&mut out, file, e);
    }
    out
}

/// The results as markdown (a section per experiment).
pub fn markdown(report: &ChaosReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## Chaos experiments: {}\n", report.scenario);
    for e in &report.experiments {
        let _ = writeln!(
            out,
            "### {} {}\n",
            e.name,
            if e.expectations.is_empty() {
                ""
            } else if e.passed {
                "(pass)"
            } else {
                "(FAIL)"
            }
        );
        let _ = writeln!(
            out,
            "{} trials; at {}; background {}; injects {}.\n",
            e.trials,
            seconds(e.at_seconds),
            if e.background { "on" } else { "off" },
            e.faults.join("; ")
        );
        let _ = writeln!(
            out,
            "| measure | mean | p50 | p90 | p99 | max |\n| --- | --- | --- | --- | --- | --- |"
        );
        let mut line = |label: &str, s: &Spread, f: &dyn Fn(f64) -> String| {
            let _ = writeln!(
                out,
                "| {label} | {} | {} | {} | {} | {} |",
                f(s.mean),
                f(s.p50),
                f(s.p90),
                f(s.p99),
                f(s.max)
            );
        };
        line("lost service", &e.lost_seconds, &seconds);
        line("recovery", &e.recovery_seconds, &seconds);
        line("lowest level", &e.lowest_level, &level);
        line("data loss", &e.data_loss_seconds, &seconds);
        if let Some(d) = &e.detection_seconds {
            line("detection", d, &seconds);
        }
        if let Some(f) = &e.failover_seconds {
            line("failover", f, &seconds);
        }
        if let Some(r) = &e.lost_requests {
            line("lost requests", r, &count);
        }
        let _ = writeln!(out);
        for expectation in &e.expectations {
            let _ = writeln!(out, "- {}", expectation_line(expectation));
        }
        if !e.expectations.is_empty() {
            let _ = writeln!(out);
        }
    }
    // Names from the input reach rendered markdown: no raw HTML, no controls.
    crate::text::markdown(&out)
}

/// One JUnit test case per expectation (named EXPERIMENT.EXPECTATION). When each holds
/// alone but not all in the same trial (`all`), every one of them fails, saying so.
pub fn junit_results(report: &ChaosReport) -> Vec<CheckResult> {
    report
        .experiments
        .iter()
        .flat_map(|e| {
            let joint = e.expectations.iter().find(|x| x.name == "all");
            e.expectations
                .iter()
                .filter(|x| x.name != "all")
                .map(move |x| {
                    let mut message = expectation_line(x);
                    let mut passed = x.passed;
                    if let Some(joint) = joint.filter(|j| !j.passed) {
                        passed = false;
                        message.push_str(&format!(
                            "; all of the experiment's expectations held together in only {:.1}% of trials (required {:.1}%)",
                            joint.held * 100.0,
                            joint.required * 100.0
                        ));
                    }
                    CheckResult {
                        name: format!("{}.{}", e.name, x.name),
                        passed,
                        message,
                    }
                })
        })
        .collect()
}

/// The `--observed` findings as text.
pub fn findings(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let name = serde_json::to_value(f.metric)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let format = |v: f64| {
            if name == "lost_requests" {
                count(v)
            } else {
                seconds(v)
            }
        };
        let ratio = if f.ratio.is_finite() {
            format!("{:.2}x the model's mean", f.ratio)
        } else {
            "the model's mean is 0".to_string()
        };
        let _ = writeln!(
            out,
            "{} {} {}: observed {} ({}), model mean {}, 1st-99th percentile {} to {}; the observation is at the {:.1}th percentile, {ratio}",
            if f.outside { "DISAGREES" } else { "agrees" },
            f.experiment,
            name,
            format(f.observed),
            f.source,
            format(f.model_mean),
            format(f.model_p01),
            format(f.model_p99),
            f.percentile * 100.0,
        );
        for parameter in &f.parameters {
            let _ = writeln!(out, "  {parameter}");
        }
    }
    out
}
