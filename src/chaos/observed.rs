//! `sim chaos --observed FILE`: what a real run of an experiment (a game day) measured,
//! held against the model's predicted distribution: where each observation falls, whether
//! it lies outside the distribution, and which of the scenario's parameters sets that
//! measure and what value would explain the observation (docs/chaos.md).
//!
//! The file is JSON (an object or a list of objects) or CSV with a header row; the columns
//! or keys are `experiment` (required) and any of `detection`, `failover`, `recovery`,
//! `lost` (durations: "32s" in JSON, seconds in CSV) and `lost_requests` (a count).

use serde::Serialize;
use serde_json::Value;

use super::{ExperimentReport, TrialMeasure};
use crate::scenario::{FaultKind, Scenario};
use crate::time::TICKS_PER_SECOND;

/// One game-day measurement of one experiment.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub experiment: String,
    /// Where it came from ("FILE line 3", "FILE [0]"), for messages.
    pub source: String,
    pub values: Vec<(Metric, f64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    Detection,
    Failover,
    Recovery,
    Lost,
    LostRequests,
}

impl Metric {
    const ALL: [(Metric, &'static str); 5] = [
        (Metric::Detection, "detection"),
        (Metric::Failover, "failover"),
        (Metric::Recovery, "recovery"),
        (Metric::Lost, "lost"),
        (Metric::LostRequests, "lost_requests"),
    ];

    fn name(self) -> &'static str {
        Metric::ALL
            .iter()
            .find(|(m, _)| *m == self)
            .expect("listed")
            .1
    }

    fn of(self, measure: &TrialMeasure) -> Option<f64> {
        match self {
            Metric::Detection => measure.detection,
            Metric::Failover => measure.failover,
            Metric::Recovery => measure.recovered.then_some(measure.recovery),
            Metric::Lost => Some(measure.lost),
            Metric::LostRequests => Some(measure.lost_requests),
        }
    }
}

/// Parses an observation file; the error names the file and the line or entry.
pub fn parse(file: &str, text: &str) -> Result<Vec<Observation>, String> {
    let trimmed = text.trim_start();
    let observations = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        parse_json(file, text)?
    } else {
        parse_csv(file, text)?
    };
    if observations.is_empty() {
        return Err(format!("{file}: no observations: expected at least one row or object with \"experiment\" and a measure ({})", metric_names()));
    }
    Ok(observations)
}

fn metric_names() -> String {
    Metric::ALL
        .iter()
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse_json(file: &str, text: &str) -> Result<Vec<Observation>, String> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("{file}: not valid JSON: {e}"))?;
    let entries: Vec<(String, &Value)> = match &value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("{file} [{i}]"), v))
            .collect(),
        other => vec![(file.to_string(), other)],
    };
    entries
        .into_iter()
        .map(|(source, entry)| {
            let object = entry.as_object().ok_or_else(|| {
                format!("{source}: expected an object with \"experiment\" and measures")
            })?;
            let experiment = object
                .get("experiment")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{source}: missing \"experiment\" (the experiment's name)"))?
                .to_string();
            let mut values = Vec::new();
            for (key, value) in object {
                if key == "experiment" {
                    continue;
                }
                let Some((metric, _)) = Metric::ALL.iter().find(|(_, n)| n == key) else {
                    return Err(format!(
                        "{source}: unknown key \"{key}\"; expected experiment, {}",
                        metric_names()
                    ));
                };
                let number = if *metric == Metric::LostRequests {
                    value
                        .as_f64()
                        .filter(|v| v.is_finite() && *v >= 0.0)
                        .ok_or_else(|| {
                            format!("{source}.{key}: expected a number of requests >= 0")
                        })?
                } else {
                    let text = value.as_str().ok_or_else(|| {
                        format!("{source}.{key}: expected a duration such as \"32s\"")
                    })?;
                    crate::scenario::duration::parse_duration(text)
                        .map_err(|e| format!("{source}.{key}: {e}"))? as f64
                        / TICKS_PER_SECOND
                };
                values.push((*metric, number));
            }
            Ok(Observation {
                experiment,
                source,
                values,
            })
        })
        .collect()
}

fn parse_csv(file: &str, text: &str) -> Result<Vec<Observation>, String> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Ok(Vec::new());
    };
    let columns: Vec<&str> = header.split(',').map(str::trim).collect();
    let experiment_column = columns
        .iter()
        .position(|c| *c == "experiment")
        .ok_or_else(|| {
            format!(
                "{file} line 1: the header needs an \"experiment\" column (and any of {})",
                metric_names()
            )
        })?;
    let mut metrics = Vec::new();
    for (i, column) in columns.iter().enumerate() {
        if i == experiment_column {
            continue;
        }
        let Some((metric, _)) = Metric::ALL.iter().find(|(_, n)| n == column) else {
            return Err(format!(
                "{file} line 1: unknown column \"{column}\"; expected experiment, {}",
                metric_names()
            ));
        };
        metrics.push((i, *metric));
    }
    lines
        .map(|(number, line)| {
            let source = format!("{file} line {}", number + 1);
            let cells: Vec<&str> = line.split(',').map(str::trim).collect();
            if cells.len() != columns.len() {
                return Err(format!(
                    "{source}: {} cells, the header has {}",
                    cells.len(),
                    columns.len()
                ));
            }
            let mut values = Vec::new();
            for (i, metric) in &metrics {
                if cells[*i].is_empty() {
                    continue;
                }
                let value: f64 = cells[*i]
                    .parse()
                    .ok()
                    .filter(|v: &f64| v.is_finite() && *v >= 0.0)
                    .ok_or_else(|| {
                        format!(
                            "{source}: {} \"{}\" is not a number >= 0 (seconds, or requests)",
                            columns[*i], cells[*i]
                        )
                    })?;
                values.push((*metric, value));
            }
            Ok(Observation {
                experiment: cells[experiment_column].to_string(),
                source,
                values,
            })
        })
        .collect()
}

/// One observed measure against the model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub experiment: String,
    pub source: String,
    pub metric: Metric,
    pub observed: f64,
    pub model_mean: f64,
    pub model_p01: f64,
    pub model_p99: f64,
    /// Share of model trials at or below the observation.
    pub percentile: f64,
    /// Outside the model's 1st to 99th percentile range (or any trial's range).
    pub outside: bool,
    /// observed / model mean.
    pub ratio: f64,
    /// The parameters that set this measure, and what would explain the observation.
    pub parameters: Vec<String>,
}

/// Holds each observation against its experiment's trials; unknown experiments are an
/// error naming the source.
pub fn analyse(
    scenario: &Scenario,
    observations: &[Observation],
    runs: &[(ExperimentReport, Vec<TrialMeasure>)],
) -> Result<Vec<Finding>, String> {
    let mut findings = Vec::new();
    for observation in observations {
        let Some((report, measures)) = runs.iter().find(|(r, _)| r.name == observation.experiment)
        else {
            let names: Vec<&str> = runs.iter().map(|(r, _)| r.name.as_str()).collect();
            return Err(format!(
                "{}: unknown experiment \"{}\"; this run has {}",
                observation.source,
                observation.experiment,
                names.join(", ")
            ));
        };
        let experiment = scenario
            .experiments
            .iter()
            .find(|e| e.name == report.name)
            .expect("runs are the scenario's");
        for (metric, observed) in &observation.values {
            let mut model: Vec<f64> = measures.iter().filter_map(|m| metric.of(m)).collect();
            if model.is_empty() {
                findings.push(Finding {
                    experiment: report.name.clone(),
                    source: observation.source.clone(),
                    metric: *metric,
                    observed: *observed,
                    model_mean: 0.0,
                    model_p01: 0.0,
                    model_p99: 0.0,
                    percentile: 1.0,
                    outside: true,
                    ratio: f64::INFINITY,
                    parameters: vec![format!(
                        "the model never shows a {} in this experiment: it has no mechanism that would",
                        metric.name()
                    )],
                });
                continue;
            }
            model.sort_by(f64::total_cmp);
            let n = model.len();
            let rank = |p: f64| model[((p * n as f64).ceil() as usize).clamp(1, n) - 1];
            let mean = model.iter().sum::<f64>() / n as f64;
            let at_or_below = model.iter().filter(|v| **v <= *observed + 1e-9).count();
            let percentile = at_or_below as f64 / n as f64;
            let (p01, p99) = (rank(0.01), rank(0.99));
            let outside = *observed < p01 - 1e-9 || *observed > p99 + 1e-9;
            let ratio = if mean > 0.0 {
                observed / mean
            } else {
                f64::INFINITY
            };
            findings.push(Finding {
                experiment: report.name.clone(),
                source: observation.source.clone(),
                metric: *metric,
                observed: *observed,
                model_mean: mean,
                model_p01: p01,
                model_p99: p99,
                percentile,
                outside,
                ratio,
                parameters: parameters(scenario, experiment, *metric, *observed, mean),
            });
        }
    }
    Ok(findings)
}

/// The scenario parameters that set `metric` in `experiment`, with what they would have to
/// be for the model's mean to match `observed`.
fn parameters(
    scenario: &Scenario,
    experiment: &crate::scenario::Experiment,
    metric: Metric,
    observed: f64,
    mean: f64,
) -> Vec<String> {
    let seconds = |t: u64| t as f64 / TICKS_PER_SECOND;
    let mut out = Vec::new();
    for fault in &experiment.faults {
        let component = match fault.kind {
            FaultKind::Unit { component, .. } | FaultKind::Latency { component, .. } => {
                Some(component)
            }
            FaultKind::Primary { component } | FaultKind::ReplicationLag { component, .. } => {
                Some(component)
            }
            FaultKind::Zone(_) | FaultKind::Region(_) => None,
        };
        let components: Vec<usize> = match component {
            Some(c) => vec![c],
            None => (0..scenario.components.len()).collect(),
        };
        for c in components {
            let spec = &scenario.components[c];
            let name = &spec.name;
            let primary = matches!(fault.kind, FaultKind::Primary { .. });
            match (metric, &spec.failover, &spec.health_check) {
                (Metric::Detection | Metric::Lost | Metric::LostRequests, Some(failover), _)
                    if primary =>
                {
                    let model = failover.detection.mean() / TICKS_PER_SECOND;
                    out.push(format!(
                        "components.{name}.failover.detection (mean {model:.1}s): about {:.1}s would match the observation",
                        (model * observed / mean.max(1e-9)).max(0.0)
                    ));
                }
                (Metric::Failover, Some(failover), _) => {
                    let parts = [
                        ("detection", failover.detection.mean()),
                        ("promotion", failover.promotion.mean()),
                        ("reconnect", failover.reconnect.mean()),
                    ];
                    let total: f64 = parts.iter().map(|(_, m)| m).sum::<f64>() / TICKS_PER_SECOND;
                    out.push(format!(
                        "components.{name}.failover.{{detection, promotion, reconnect}} (means {}; {total:.1}s together): {:.1}x longer would match the observation",
                        parts
                            .iter()
                            .map(|(k, m)| format!("{k} {:.1}s", m / TICKS_PER_SECOND))
                            .collect::<Vec<_>>()
                            .join(", "),
                        observed / mean.max(1e-9)
                    ));
                }
                (Metric::Detection | Metric::Lost | Metric::LostRequests, _, Some(check))
                    if !primary =>
                {
                    // Mean detection of a check: interval x (threshold - 1/2) + timeout for a
                    // hang; solve for the interval that gives the observed mean.
                    let k = f64::from(check.unhealthy_threshold) - 0.5;
                    let interval = seconds(check.interval);
                    let implied = if metric == Metric::Detection {
                        let waits = mean - interval * k;
                        ((observed - waits) / k).max(0.0)
                    } else {
                        interval * observed / mean.max(1e-9)
                    };
                    out.push(format!(
                        "components.{name}.health_check (interval {interval}s, unhealthy_threshold {}, timeout {}s): an interval of about {implied:.1}s would match the observation",
                        check.unhealthy_threshold,
                        seconds(check.timeout)
                    ));
                }
                _ => {}
            }
        }
    }
    if out.is_empty() {
        out.push(format!(
            "no single parameter sets the {} here: compare the timeline of a trial (sim trace --experiment {} --trial N) with the game day's",
            metric.name(),
            experiment.name
        ));
    }
    out.dedup();
    out
}
