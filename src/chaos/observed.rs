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
use crate::text::shown;
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
    // Spreadsheets write a byte-order mark first.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
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
                        "{source}: unknown key {}; expected experiment, {}",
                        shown(key),
                        metric_names()
                    ));
                };
                let number = match value {
                    // A bare number: requests, or seconds (as in the CSV form).
                    Value::Number(n) => n
                        .as_f64()
                        .filter(|v| v.is_finite() && *v >= 0.0)
                        .ok_or_else(|| format!("{source}.{key}: expected a number >= 0"))?,
                    Value::String(text) if *metric != Metric::LostRequests => {
                        crate::scenario::duration::parse_duration(text)
                            .map_err(|e| format!("{source}.{key}: {e}"))?
                            as f64
                            / TICKS_PER_SECOND
                    }
                    _ => {
                        return Err(format!(
                            "{source}.{key}: expected {}",
                            if *metric == Metric::LostRequests {
                                "a number of requests >= 0"
                            } else {
                                "a duration such as \"32s\", or a number of seconds"
                            }
                        ))
                    }
                };
                values.push((*metric, number));
            }
            if values.is_empty() {
                return Err(format!(
                    "{source}: no measure: give any of {}",
                    metric_names()
                ));
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
    let Some((header_index, header)) = lines.next() else {
        return Ok(Vec::new());
    };
    let header_line = format!("{file} line {}", header_index + 1);
    let columns: Vec<&str> = header.split(',').map(str::trim).collect();
    let experiment_column = columns
        .iter()
        .position(|c| *c == "experiment")
        .ok_or_else(|| {
            format!(
                "{header_line}: the header needs an \"experiment\" column (and any of {})",
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
                "{header_line}: unknown column {}; expected experiment, {}",
                shown(column),
                metric_names()
            ));
        };
        if metrics.iter().any(|(_, m)| m == metric) {
            return Err(format!(
                "{header_line}: column {} appears twice",
                shown(column)
            ));
        }
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
                            "{source}: {} {} is not a number >= 0 (seconds, or requests)",
                            shown(columns[*i]),
                            shown(cells[*i])
                        )
                    })?;
                values.push((*metric, value));
            }
            if values.is_empty() {
                return Err(format!("{source}: no measure in this row"));
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

fn average(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0u64), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        0.0
    } else {
        sum / n as f64
    }
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
                "{}: unknown experiment {}; this run has {}",
                observation.source,
                shown(&observation.experiment),
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
                parameters: parameters(
                    scenario,
                    experiment,
                    *metric,
                    *observed,
                    &Means {
                        metric: mean,
                        detection: average(measures.iter().filter_map(|m| m.detection)),
                        lost: average(measures.iter().map(|m| m.lost)),
                    },
                ),
            });
        }
    }
    Ok(findings)
}

/// The model's means over an experiment's trials, for `parameters`.
struct Means {
    /// The mean of the observed measure.
    metric: f64,
    detection: f64,
    lost: f64,
}

/// The scenario parameters that set `metric` in `experiment`, and what value would make the
/// model's mean match `observed`.
///
/// * A primary fault: the service is down for the failover, detection + promotion +
///   reconnect (+ what follows), so a detection, a lost service or a failover that is
///   longer by Δ asks for a failover detection longer by Δ (lost requests: Δ in seconds of
///   lost service, in proportion).
/// * A unit or latency fault on a health-checked component: the check marks the unit down
///   after D = U(0, i) + (k - 1) i + waits, mean i (k - 1/2) + waits (waits: its timeout for
///   a hang, 0 for a crash, measured as the model's mean detection minus i (k - 1/2)). An
///   observed detection d asks for i = (d - waits) / (k - 1/2); lost service and lost
///   requests are proportional to D, so they ask for D scaled by their ratio first.
/// * A zone or region: several mechanisms react; each candidate is listed with its own
///   mean reaction, the earliest of which sets the detection.
fn parameters(
    scenario: &Scenario,
    experiment: &crate::scenario::Experiment,
    metric: Metric,
    observed: f64,
    means: &Means,
) -> Vec<String> {
    let seconds = |t: u64| t as f64 / TICKS_PER_SECOND;
    let mean_of = |d: &crate::scenario::Distribution| d.mean() / TICKS_PER_SECOND;
    let ratio = observed / means.metric.max(1e-12);
    // The observation as extra seconds of outage, for the failover rules.
    let extra = match metric {
        Metric::LostRequests => (ratio - 1.0) * means.lost,
        _ => observed - means.metric,
    };
    let mut out = Vec::new();
    for fault in &experiment.faults {
        match fault.kind {
            FaultKind::Primary { component } => {
                let spec = &scenario.components[component];
                let Some(failover) = &spec.failover else {
                    continue;
                };
                let name = &spec.name;
                let detection = mean_of(&failover.detection);
                if metric == Metric::Failover {
                    let (promotion, reconnect) =
                        (mean_of(&failover.promotion), mean_of(&failover.reconnect));
                    out.push(format!(
                        "components.{name}.failover: detection {detection:.1}s + promotion {promotion:.1}s + reconnect {reconnect:.1}s on average; the observation is {extra:+.1}s from the model's mean failover: one of them (likely the detection, the longest) is off by about that"
                    ));
                } else if metric != Metric::Recovery {
                    out.push(format!(
                        "components.{name}.failover.detection (mean {detection:.1}s): about {:.1}s would match the observation ({extra:+.1}s)",
                        (detection + extra).max(0.0)
                    ));
                }
            }
            FaultKind::Unit { component, .. } | FaultKind::Latency { component, .. } => {
                let spec = &scenario.components[component];
                let name = &spec.name;
                if let Some(check) = &spec.health_check {
                    let k = f64::from(check.unhealthy_threshold) - 0.5;
                    let interval = seconds(check.interval);
                    let waits = (means.detection - interval * k).max(0.0);
                    let wanted_detection = match metric {
                        Metric::Detection => Some(observed),
                        Metric::Lost | Metric::LostRequests => Some(means.detection * ratio),
                        _ => None,
                    };
                    if let Some(d) = wanted_detection {
                        out.push(format!(
                            "components.{name}.health_check (interval {interval}s, unhealthy_threshold {}, timeout {}s; mean detection {:.1}s): an interval of about {:.1}s would match the observation",
                            check.unhealthy_threshold,
                            seconds(check.timeout),
                            means.detection,
                            ((d - waits) / k).max(0.0)
                        ));
                    }
                }
                if let Some(passive) = &spec.passive_check {
                    out.push(format!(
                        "components.{name}.passive_check (max_fails {}, fail_timeout {}s) and its callers' timeouts: a unit is ejected after max_fails failed requests; {ratio:.2}x the model's mean",
                        passive.max_fails,
                        seconds(passive.fail_timeout)
                    ));
                }
            }
            FaultKind::Zone(_) | FaultKind::Region(_) => {
                let in_domain = |c: &crate::scenario::Component| {
                    c.zones.iter().any(|z| match fault.kind {
                        FaultKind::Zone(zone) => *z == zone,
                        FaultKind::Region(region) => scenario.zones[*z].region == Some(region),
                        _ => false,
                    })
                };
                let mut candidates = Vec::new();
                for spec in scenario.components.iter().filter(|c| in_domain(c)) {
                    let name = &spec.name;
                    if let Some(check) = &spec.health_check {
                        let d = seconds(check.interval)
                            * (f64::from(check.unhealthy_threshold) - 0.5)
                            + seconds(check.timeout);
                        candidates.push(format!(
                            "components.{name}.health_check (about {d:.1}s for a cut-off unit)"
                        ));
                    }
                    if let Some(passive) = &spec.passive_check {
                        candidates.push(format!(
                            "components.{name}.passive_check (max_fails {}, fail_timeout {}s, with its callers' timeouts)",
                            passive.max_fails,
                            seconds(passive.fail_timeout)
                        ));
                    }
                    if let Some(failover) = &spec.failover {
                        candidates.push(format!(
                            "components.{name}.failover.detection (mean {:.1}s, if its primary is in the domain)",
                            mean_of(&failover.detection)
                        ));
                    }
                }
                if !candidates.is_empty() {
                    let lead = if metric == Metric::Detection {
                        "the earliest of these mechanisms sets the detection"
                    } else {
                        "these mechanisms set the loss (a failover's outage usually dominates)"
                    };
                    out.push(format!(
                        "{lead}: {}; the observation is {ratio:.2}x the model's mean",
                        candidates.join(", ")
                    ));
                }
            }
            FaultKind::ReplicationLag { .. } => {}
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
