//! Uncertain parameters: `{"between": [low, high]}` written in place of a number or a
//! duration (spec uncertainty-and-calibration.md §1, docs/uncertainty.md).
//!
//! Ranges are found in the scenario's JSON before it is checked. A parameter set is the
//! document with every range replaced by one value, checked exactly like a file, so a range
//! is accepted wherever the value it stands for would be, and nothing downstream of
//! `load` knows ranges exist except the outer loop (`crate::uncertainty`).

use serde_json::{Number, Value};

use super::duration::parse_duration;
use super::error::{Location, ScenarioError};
use super::model::Scenario;
use crate::time::TICKS_PER_SECOND;

/// What a range stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// A duration string; the bounds are in seconds.
    Duration,
    /// A JSON number.
    Number,
}

/// How the unknown value is spread over its range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prior {
    /// Uniform in log space: every factor of ten equally likely (positive quantities).
    LogUniform,
    /// Uniform: probabilities and fractions, and ranges that start at zero.
    Uniform,
}

impl Prior {
    pub fn name(self) -> &'static str {
        match self {
            Prior::LogUniform => "log-uniform",
            Prior::Uniform => "uniform",
        }
    }
}

/// One step of a JSON path.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

/// One uncertain parameter.
#[derive(Debug, Clone)]
pub struct Range {
    /// Its JSON path, as error messages print paths.
    pub path: String,
    steps: Vec<Step>,
    /// The optional `name`: ranges with the same name take the same quantile in every
    /// parameter set (one unknown written in several places), and in compared scenarios.
    pub name: Option<String>,
    /// Bounds in seconds (durations) or as written (numbers).
    pub low: f64,
    pub high: f64,
    pub quantity: Quantity,
    pub prior: Prior,
    /// The bounds as the file wrote them, for reports.
    pub written: [Value; 2],
}

impl Range {
    /// The key of its draws: the name if it has one, else its path.
    pub fn key(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.path)
    }

    /// The label reports use: the name, or the path.
    pub fn label(&self) -> String {
        self.key().to_string()
    }

    /// The value at quantile `u` in [0, 1] of the prior.
    pub fn value_at(&self, u: f64) -> f64 {
        let u = u.clamp(0.0, 1.0);
        // The ends exactly (they are what the file says and what is checked).
        if u == 0.0 {
            return self.low;
        }
        if u == 1.0 {
            return self.high;
        }
        let value = match self.prior {
            // ln(high) - ln(low), not ln(high / low): the ratio can overflow.
            Prior::LogUniform => (self.low.ln() + u * (self.high.ln() - self.low.ln())).exp(),
            Prior::Uniform => self.low + u * (self.high - self.low),
        };
        // exp(ln) can step a hair outside the bounds.
        value.clamp(self.low, self.high)
    }

    /// The value as the scenario format writes it.
    fn json(&self, value: f64) -> Value {
        match self.quantity {
            // Microseconds are the format's resolution, so six decimals of seconds are exact.
            Quantity::Duration => Value::String(format!("{value:.6}s")),
            Quantity::Number => Number::from_f64(value).map_or(Value::Null, Value::Number),
        }
    }

    /// The value as text for tables: a duration with a readable unit, or the number.
    pub fn show(&self, value: f64) -> String {
        match self.quantity {
            Quantity::Duration => crate::sweep::readable_duration(value),
            Quantity::Number => format!("{}", (value * 1e6).round() / 1e6),
        }
    }
}

/// A scenario's document and its ranges: every parameter set is built from these.
#[derive(Debug, Clone)]
pub struct UncertainInputs {
    document: Value,
    pub ranges: Vec<Range>,
    file: String,
}

impl UncertainInputs {
    /// The checked scenario with range `i` at `values[i]`.
    pub fn scenario(&self, values: &[f64]) -> Result<Scenario, ScenarioError> {
        let mut document = self.document.clone();
        for (range, value) in self.ranges.iter().zip(values) {
            *locate(&mut document, &range.steps) = range.json(*value);
        }
        let text = serde_json::to_string(&document).unwrap_or_default();
        super::load::load_plain(&text, &self.file).map_err(|error| match error {
            // Positions would point into the rewritten text, not the user's file.
            ScenarioError::Invalid {
                file,
                location,
                message,
            } => ScenarioError::Invalid {
                file,
                location: Location {
                    path: location.path,
                    line_column: None,
                },
                message,
            },
            other => other,
        })
    }

    /// Each range at the quantile `u`: the middle (0.5), the low ends (0) or the high (1).
    pub fn values_at(&self, u: f64) -> Vec<f64> {
        self.ranges.iter().map(|r| r.value_at(u)).collect()
    }
}

/// The top-level sections where a range makes no sense (run settings, objectives, the
/// experiments' own fixed faults).
const FIXED_SECTIONS: [&str; 6] = [
    "simulation",
    "slo",
    "experiments",
    "name",
    "description",
    "entry",
];

/// Loads a document that contains ranges: the scenario at the ranges' middles, with the
/// inputs attached. Both ends of every range must give a valid scenario too.
pub(super) fn load(document: Value, file: &str) -> Result<Option<Scenario>, ScenarioError> {
    let mut ranges = Vec::new();
    find(&document, &mut Vec::new(), file, &mut ranges)?;
    if ranges.is_empty() {
        return Ok(None);
    }
    let inputs = UncertainInputs {
        document,
        ranges,
        file: file.to_string(),
    };
    for (u, which) in [(0.0, "low"), (1.0, "high")] {
        inputs
            .scenario(&inputs.values_at(u))
            .map_err(|error| error.with_context(&format!("with every range at its {which} end")))?;
    }
    let mut scenario = inputs.scenario(&inputs.values_at(0.5))?;
    scenario.uncertainty = Some(std::sync::Arc::new(inputs));
    Ok(Some(scenario))
}

/// Whether an object is a range: its "between" is a list (a component may be named
/// "between").
pub fn is_range(map: &serde_json::Map<String, Value>) -> bool {
    map.get("between").is_some_and(Value::is_array)
}

/// The ranges of a document (for tests and tools that hold a document, not a file).
pub fn find_ranges(document: &Value, file: &str) -> Result<Vec<Range>, ScenarioError> {
    let mut ranges = Vec::new();
    find(document, &mut Vec::new(), file, &mut ranges)?;
    Ok(ranges)
}

fn path_text(steps: &[Step]) -> String {
    let mut text = String::new();
    for step in steps {
        match step {
            Step::Key(key) if text.is_empty() => text.push_str(key),
            Step::Key(key) => {
                text.push('.');
                text.push_str(key);
            }
            Step::Index(i) => text.push_str(&format!("[{i}]")),
        }
    }
    text
}

fn locate<'v>(document: &'v mut Value, steps: &[Step]) -> &'v mut Value {
    steps.iter().fold(document, |value, step| match step {
        Step::Key(key) => &mut value[key.as_str()],
        Step::Index(i) => &mut value[*i],
    })
}

fn find(
    value: &Value,
    steps: &mut Vec<Step>,
    file: &str,
    ranges: &mut Vec<Range>,
) -> Result<(), ScenarioError> {
    match value {
        Value::Object(map) if is_range(map) => {
            ranges.push(range(map, steps, file)?);
        }
        Value::Object(map) => {
            for (key, child) in map {
                steps.push(Step::Key(key.clone()));
                find(child, steps, file, ranges)?;
                steps.pop();
            }
        }
        Value::Array(list) => {
            for (i, child) in list.iter().enumerate() {
                steps.push(Step::Index(i));
                find(child, steps, file, ranges)?;
                steps.pop();
            }
        }
        _ => {}
    }
    Ok(())
}

fn range(
    map: &serde_json::Map<String, Value>,
    steps: &[Step],
    file: &str,
) -> Result<Range, ScenarioError> {
    let path = path_text(steps);
    let error = |at: &str, message: String| ScenarioError::Invalid {
        file: file.to_string(),
        location: Location {
            path: if at.is_empty() {
                path.clone()
            } else {
                format!("{path}.{at}")
            },
            line_column: None,
        },
        message,
    };
    if let Some(Step::Key(section)) = steps.first() {
        if FIXED_SECTIONS.contains(&section.as_str()) {
            return Err(error(
                "",
                format!("a range is not accepted in {}: ranges stand for uncertain model parameters (durations and numbers in distributions, mechanisms, changes and shared failures, and probabilities)", crate::text::shown(section)),
            ));
        }
    }
    if let Some(Step::Key(key)) = steps.last() {
        if crate::sweep::COUNT_KEYS.contains(&key.as_str()) {
            return Err(error(
                "",
                format!("{} takes a whole number, not a range: ranges stand for durations, rates and probabilities", crate::text::shown(key)),
            ));
        }
    }
    for key in map.keys() {
        if !matches!(key.as_str(), "between" | "prior" | "name") {
            return Err(error(
                key,
                format!("unknown key {} in a range; expected between, and optionally prior (\"log-uniform\" or \"uniform\") and name", crate::text::shown(key)),
            ));
        }
    }
    let bounds = match &map["between"] {
        Value::Array(list) if list.len() == 2 => [list[0].clone(), list[1].clone()],
        _ => {
            return Err(error(
                "between",
                "expected a list of two values [low, high], e.g. {\"between\": [\"4mo\", \"3y\"]} or {\"between\": [0.01, 0.1]}".into(),
            ))
        }
    };
    let (quantity, low, high) = match (&bounds[0], &bounds[1]) {
        (Value::String(a), Value::String(b)) => {
            let seconds = |i: usize, text: &str| {
                parse_duration(text)
                    .map(|ticks| ticks as f64 / TICKS_PER_SECOND)
                    .map_err(|message| error(&format!("between[{i}]"), message))
            };
            (Quantity::Duration, seconds(0, a)?, seconds(1, b)?)
        }
        (Value::Number(a), Value::Number(b)) => {
            let (a, b) = (
                a.as_f64().unwrap_or(f64::NAN),
                b.as_f64().unwrap_or(f64::NAN),
            );
            if !a.is_finite() || !b.is_finite() {
                return Err(error("between", "bounds must be finite numbers".into()));
            }
            (Quantity::Number, a, b)
        }
        _ => {
            return Err(error(
                "between",
                "both bounds must be durations (\"120d\", \"3y\") or both numbers (0.01, 0.1)"
                    .into(),
            ))
        }
    };
    if low > high {
        return Err(error(
            "between",
            format!(
                "the low end must not exceed the high end, got [{}, {}]",
                bounds[0], bounds[1]
            ),
        ));
    }
    let probability = matches!(steps.last(), Some(Step::Key(key))
        if key.ends_with("probability") || key.ends_with("fraction"));
    let prior = match map.get("prior") {
        None | Some(Value::Null) if probability || low <= 0.0 => Prior::Uniform,
        None | Some(Value::Null) => Prior::LogUniform,
        Some(Value::String(p)) if p == "uniform" => Prior::Uniform,
        Some(Value::String(p)) if p == "log-uniform" && low > 0.0 => Prior::LogUniform,
        Some(Value::String(p)) if p == "log-uniform" => {
            return Err(error(
                "prior",
                "log-uniform needs a low end above zero; use \"uniform\"".into(),
            ))
        }
        Some(other) => {
            return Err(error(
                "prior",
                format!(
                    "unknown prior {}; expected \"log-uniform\" or \"uniform\"",
                    super::checker::kind_of(other)
                ),
            ))
        }
    };
    let name = match map.get("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(n)) if !n.trim().is_empty() => Some(n.clone()),
        Some(_) => return Err(error("name", "expected a non-empty string".into())),
    };
    Ok(Range {
        path,
        steps: steps.to_vec(),
        name,
        low,
        high,
        quantity,
        prior,
        written: bounds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ranges_of(document: Value) -> Result<Vec<Range>, ScenarioError> {
        let mut ranges = Vec::new();
        find(&document, &mut Vec::new(), "t.json", &mut ranges).map(|_| ranges)
    }

    #[test]
    fn finds_ranges_with_their_priors() {
        let ranges = ranges_of(json!({"components": {"db": {"failures": [{"name": "crash",
            "ttf": {"exponential": {"mean": {"between": ["10d", "100d"]}}}, "ttr": "1h"}]}},
            "changes": {"deploy": {"bad_probability": {"between": [0.01, 0.1]}}}}))
        .unwrap();
        assert_eq!(ranges.len(), 2);
        assert_eq!(
            ranges[0].path,
            "components.db.failures[0].ttf.exponential.mean"
        );
        assert_eq!(ranges[0].prior, Prior::LogUniform);
        assert_eq!(ranges[0].low, 864_000.0);
        assert!((ranges[0].value_at(0.5) - 864_000.0 * 10f64.sqrt()).abs() < 1e-6);
        assert_eq!(ranges[1].prior, Prior::Uniform);
        assert!((ranges[1].value_at(0.5) - 0.055).abs() < 1e-12);
        assert_eq!(ranges[0].json(1.5), json!("1.500000s"));
    }

    #[test]
    fn refuses_ranges_where_they_make_no_sense() {
        for (document, needle) in [
            (
                json!({"simulation": {"trials": {"between": [1, 2]}}}),
                "\"simulation\"",
            ),
            (
                json!({"components": {"a": {"replicas": {"between": [1, 3]}}}}),
                "whole number",
            ),
            (
                json!({"components": {"a": {"x": {"between": ["1d"]}}}}),
                "two values",
            ),
            (
                json!({"components": {"a": {"x": {"between": ["1d", 2]}}}}),
                "both bounds",
            ),
            (
                json!({"components": {"a": {"x": {"between": ["2d", "1d"]}}}}),
                "must not exceed",
            ),
            (
                json!({"components": {"a": {"x": {"between": [0, 1], "prior": "log-uniform"}}}}),
                "above zero",
            ),
            (
                json!({"components": {"a": {"x": {"between": [1, 2], "mean": 3}}}}),
                "unknown key",
            ),
        ] {
            let message = ranges_of(document).unwrap_err().to_string();
            assert!(message.contains(needle), "{message}");
        }
    }
}
