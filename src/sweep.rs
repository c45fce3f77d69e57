//! Variants of a scenario for sweeps: set a value at a JSON path, or scale every numeric
//! parameter by a factor (tornado). Works on the scenario's JSON before loading, so every
//! variant goes through the same validation as a file would.

use serde_json::Value;

use crate::scenario::duration::{parse_duration, UNITS};
use crate::text::shown;
use crate::time::TICKS_PER_SECOND;

/// A parsed `PATH=V1,V2,...` argument.
#[derive(Debug, Clone, PartialEq)]
pub struct SetArgument {
    pub path: String,
    pub values: Vec<Value>,
    /// The values as the user wrote them, for labels.
    pub labels: Vec<String>,
}

/// Parses `components.api.replicas=2,3,4`. Each value is JSON if it parses as JSON (numbers,
/// booleans, objects), else a string (`60s`).
pub fn parse_set(argument: &str) -> Result<SetArgument, String> {
    let (path, values) = argument.split_once('=').ok_or_else(|| {
        format!(
            "{}: expected PATH=V1,V2,... e.g. components.api.replicas=2,3,4",
            shown(argument)
        )
    })?;
    if path.is_empty() || values.is_empty() {
        return Err(format!("{}: expected PATH=V1,V2,...", shown(argument)));
    }
    let labels: Vec<String> = split_values(values);
    let values = labels
        .iter()
        .map(|v| serde_json::from_str(v).unwrap_or_else(|_| Value::String(v.clone())))
        .collect();
    Ok(SetArgument {
        path: path.to_string(),
        values,
        labels,
    })
}

/// Splits on commas outside brackets and braces, so JSON objects can be values.
fn split_values(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut current = String::new();
    for c in text.chars() {
        match c {
            '{' | '[' => depth += 1,
            '}' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    parts.into_iter().map(|p| p.trim().to_string()).collect()
}

/// One step of a JSON path: an object key or a list index.
enum Step {
    Key(String),
    Index(usize),
}

fn steps(path: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            steps.push(Step::Key(key.to_string()));
        }
        while let Some(stripped) = rest.strip_prefix('[') {
            let end = stripped
                .find(']')
                .ok_or_else(|| format!("unclosed [ in {}", shown(path)))?;
            let index = stripped[..end].parse().map_err(|_| {
                format!(
                    "{} is not a list index in {}",
                    shown(&stripped[..end]),
                    shown(path)
                )
            })?;
            steps.push(Step::Index(index));
            rest = &stripped[end + 1..];
        }
        if !rest.is_empty() {
            return Err(format!("unexpected {} in {}", shown(rest), shown(path)));
        }
    }
    Ok(steps)
}

/// Replaces the value at `path` (which must exist, so a typo cannot silently add a key).
pub fn set(document: &mut Value, path: &str, value: Value) -> Result<(), String> {
    let mut target = document;
    let mut walked = String::new();
    for step in steps(path)? {
        target = match step {
            Step::Key(key) => {
                let here = if walked.is_empty() {
                    "(top level)".to_string()
                } else {
                    walked.clone()
                };
                walked = if walked.is_empty() {
                    key.clone()
                } else {
                    format!("{walked}.{key}")
                };
                target.get_mut(&key).ok_or_else(|| {
                    format!(
                        "{} has no key {} (path {})",
                        crate::text::path(&here),
                        shown(&key),
                        crate::text::path(path)
                    )
                })?
            }
            Step::Index(index) => {
                let here = walked.clone();
                walked = format!("{walked}[{index}]");
                let list = target
                    .as_array_mut()
                    .ok_or_else(|| format!("{here} is not a list (path {path})"))?;
                let length = list.len();
                list.get_mut(index).ok_or_else(|| {
                    format!("{here} has {length} entries, no [{index}] (path {path})")
                })?
            }
        };
    }
    *target = value;
    Ok(())
}

/// Keys whose numbers are counts or positions (an hour of the day): scaling them by a
/// factor is not meaningful.
pub(crate) const COUNT_KEYS: [&str; 16] = [
    "peak_hour",
    "replicas",
    "require",
    "unhealthy_threshold",
    "healthy_threshold",
    "failure_threshold",
    "max_fails",
    "attempts",
    "tries",
    "min_volume",
    "quorum",
    "check_threshold",
    "parallel_syncs",
    "shards",
    "trials",
    "seed",
];

/// Every numeric parameter a tornado varies: durations (strings with a unit) and
/// non-count numbers, outside `simulation` and `slo`, as (path, value).
pub fn numeric_parameters(document: &Value) -> Vec<(String, Value)> {
    let mut found = Vec::new();
    collect(document, String::new(), &mut found);
    found
}

fn collect(value: &Value, path: String, found: &mut Vec<(String, Value)>) {
    match value {
        // An uncertain parameter already has its range; `sim run` ranks those.
        Value::Object(map) if crate::scenario::uncertain::is_range(map) => {}
        Value::Object(map) => {
            for (key, child) in map {
                if path.is_empty()
                    && matches!(
                        key.as_str(),
                        "simulation" | "slo" | "name" | "description" | "entry"
                    )
                {
                    continue;
                }
                if COUNT_KEYS.contains(&key.as_str()) {
                    continue;
                }
                let child_path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                collect(child, child_path, found);
            }
        }
        Value::Array(list) => {
            for (i, child) in list.iter().enumerate() {
                collect(child, format!("{path}[{i}]"), found);
            }
        }
        Value::Number(_) => found.push((path, value.clone())),
        Value::String(text) if parse_duration(text).is_ok_and(|t| t > 0) => {
            found.push((path, value.clone()))
        }
        _ => {}
    }
}

/// The value scaled by `factor`: durations are written back in the largest unit that keeps
/// the number at least 1 (`"5y"`, `"8.5h"`, `"750ms"`).
pub fn scaled(value: &Value, factor: f64) -> Option<Value> {
    match value {
        Value::Number(n) => serde_json::Number::from_f64(n.as_f64()? * factor).map(Value::Number),
        Value::String(text) => {
            let seconds = parse_duration(text).ok()? as f64 * factor / TICKS_PER_SECOND;
            Some(Value::String(readable_duration(seconds)))
        }
        _ => None,
    }
}

/// A duration in seconds as text with a unit and at most six decimals.
pub fn readable_duration(seconds: f64) -> String {
    // Weeks and months are skipped: "45d" reads better than "6.428571w".
    let (unit, length) = UNITS
        .iter()
        .rev()
        .filter(|(unit, _)| *unit != "w" && *unit != "mo")
        .find(|(_, length)| seconds >= *length)
        .copied()
        .unwrap_or(("ms", 0.001));
    let value = seconds / length;
    // Six decimals at most, trailing zeros dropped.
    let text = format!("{value:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}{unit}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_and_sets_paths() {
        let argument =
            parse_set("components.api.failures[0].ttr=30s,{\"constant\": \"1m\"},2h").unwrap();
        assert_eq!(argument.labels, vec!["30s", "{\"constant\": \"1m\"}", "2h"]);
        assert_eq!(argument.values[1], json!({"constant": "1m"}));
        let mut document = json!({"components": {"api": {"failures": [{"ttr": "1h"}]}}});
        set(&mut document, &argument.path, json!("5m")).unwrap();
        assert_eq!(
            document["components"]["api"]["failures"][0]["ttr"],
            json!("5m")
        );
        assert!(set(&mut document, "components.web.replicas", json!(2))
            .unwrap_err()
            .contains("\"web\""));
        assert!(
            set(&mut document, "components.api.failures[3].ttr", json!(2))
                .unwrap_err()
                .contains("1 entries")
        );
        assert!(parse_set("nothing").is_err());
    }

    #[test]
    fn finds_and_scales_numeric_parameters() {
        let document = json!({"simulation": {"trials": 10, "horizon": "1y"},
            "components": {"api": {"replicas": 3, "capacity": 100.0,
                "failures": [{"name": "crash", "ttf": "30d", "ttr": {"weibull": {"shape": 1.5, "scale": "2h"}}}]}}});
        let paths: Vec<String> = numeric_parameters(&document)
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        assert_eq!(
            paths,
            vec![
                "components.api.capacity",
                "components.api.failures[0].ttf",
                "components.api.failures[0].ttr.weibull.shape",
                "components.api.failures[0].ttr.weibull.scale",
            ]
        );
        assert_eq!(scaled(&json!("2h"), 0.5), Some(json!("1h")));
        assert_eq!(scaled(&json!("17h"), 0.5), Some(json!("8.5h")));
        assert_eq!(scaled(&json!("1s"), 0.75), Some(json!("750ms")));
        assert_eq!(scaled(&json!("5y"), 2.0), Some(json!("10y")));
        assert_eq!(scaled(&json!(100.0), 2.0), Some(json!(200.0)));
    }
}
