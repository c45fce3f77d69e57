//! Turns scenario text into a checked `Scenario`, or an error naming the file, the JSON path
//! and what would be valid. Nothing after this point can fail on input.

use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::distribution::Distribution;
use super::duration::{parse_duration, DURATION_HELP};
use super::error::{Location, ScenarioError};
use super::model::{Component, FailureMode, Outage, Region, Scenario, Simulation, Zone};
use super::raw::{RawComponent, RawOutage, RawScenario};
use crate::time::{Ticks, MAX_HORIZON, TICKS_PER_YEAR};

/// Default number of trials when the file does not say.
pub const DEFAULT_TRIALS: u64 = 10_000;
/// The most trials one run may ask for.
pub const MAX_TRIALS: u64 = 1_000_000_000;
/// The most units a scenario may have (keeps per-trial state small and bounded).
pub const MAX_UNITS: u64 = 1_000_000;

const DISTRIBUTION_HELP: &str = "a distribution is a duration string (exponential with that mean) \
or an object with one key: exponential, constant, uniform, weibull, lognormal, gamma or empirical";

/// Reads and checks a scenario file.
pub fn load_file(path: &std::path::Path) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
        file: file.clone(),
        source,
    })?;
    load_str(&text, &file)
}

/// Checks scenario text; `file` names it in error messages.
pub fn load_str(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    let raw = parse_raw(text, file)?;
    Checker { file }.scenario(raw)
}

fn parse_raw(text: &str, file: &str) -> Result<RawScenario, ScenarioError> {
    // First pass: syntax (with line and column), and objects where objects belong, because
    // serde would otherwise accept a list in place of a struct, matching fields by position.
    let document: Value =
        serde_json::from_str(text).map_err(|error| json_error(file, String::new(), error))?;
    if let Some((path, found)) = misplaced_list(&document) {
        return Err(ScenarioError::Invalid {
            file: file.to_string(),
            location: Location {
                path,
                line_column: None,
            },
            message: format!("expected an object {{ ... }}, found {found}"),
        });
    }
    // Second pass: the typed structure, with JSON paths and positions for its errors.
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let raw: RawScenario =
        serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
            let path = error.path().to_string();
            json_error(file, path, error.into_inner())
        })?;
    // Anything after the document is a syntax error too.
    deserializer
        .end()
        .map_err(|error| json_error(file, String::new(), error))?;
    Ok(raw)
}

/// The first place where the format expects an object but the document has a list.
fn misplaced_list(document: &Value) -> Option<(String, &'static str)> {
    let list_at = |value: &Value, path: String| value.is_array().then_some((path, "a list"));
    if let Some(found) = list_at(document, String::new()) {
        return Some(found);
    }
    let object = document.as_object()?;
    if let Some(found) = object
        .get("simulation")
        .and_then(|v| list_at(v, "simulation".into()))
    {
        return Some(found);
    }
    for section in ["regions", "zones", "components"] {
        let Some(entries) = object.get(section).and_then(Value::as_object) else {
            continue;
        };
        for (name, entry) in entries {
            let path = format!("{section}.{name}");
            if let Some(found) = list_at(entry, path.clone()) {
                return Some(found);
            }
            if let Some(found) = entry
                .get("outage")
                .and_then(|v| list_at(v, format!("{path}.outage")))
            {
                return Some(found);
            }
            let failures = entry.get("failures").and_then(Value::as_array);
            for (i, failure) in failures.into_iter().flatten().enumerate() {
                if let Some(found) = list_at(failure, format!("{path}.failures[{i}]")) {
                    return Some(found);
                }
            }
        }
    }
    None
}

/// Syntax errors carry line and column; data errors (wrong type, unknown key) the path too.
fn json_error(file: &str, path: String, error: serde_json::Error) -> ScenarioError {
    let message = strip_position(&error.to_string());
    let (line, column) = (error.line(), error.column());
    match error.classify() {
        serde_json::error::Category::Data => ScenarioError::Invalid {
            file: file.to_string(),
            location: Location {
                path,
                line_column: (line > 0).then_some((line, column)),
            },
            message: explain_data_error(&message),
        },
        _ => ScenarioError::Syntax {
            file: file.to_string(),
            line,
            column,
            message,
        },
    }
}

/// serde_json appends " at line L column C"; we print the position ourselves.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_string(),
        None => message.to_string(),
    }
}

/// Adds the fix to serde's messages where it does not say what would be valid.
fn explain_data_error(message: &str) -> String {
    if message.starts_with("missing field `components`") {
        format!("{message}: a scenario needs a \"components\" object")
    } else if message.contains("expected u32") || message.contains("expected u64") {
        format!("{message}: use a whole number >= 0")
    } else {
        message.to_string()
    }
}

struct Checker<'a> {
    file: &'a str,
}

impl Checker<'_> {
    fn error(&self, path: &str, message: impl Into<String>) -> ScenarioError {
        ScenarioError::Invalid {
            file: self.file.to_string(),
            location: Location {
                path: path.to_string(),
                line_column: None,
            },
            message: message.into(),
        }
    }

    fn scenario(&self, raw: RawScenario) -> Result<Scenario, ScenarioError> {
        let simulation = self.simulation(&raw)?;
        let regions = raw
            .regions
            .iter()
            .map(|(name, region)| {
                let path = format!("regions.{name}");
                self.name(&path, name)?;
                Ok(Region {
                    name: name.clone(),
                    outage: self.outage(&format!("{path}.outage"), region.outage.as_ref())?,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let zones = raw
            .zones
            .iter()
            .map(|(name, zone)| {
                let path = format!("zones.{name}");
                self.name(&path, name)?;
                let region = match &zone.region {
                    None => None,
                    Some(region) => Some(self.reference(
                        &format!("{path}.region"),
                        region,
                        &raw.regions,
                        "region",
                    )?),
                };
                Ok(Zone {
                    name: name.clone(),
                    region,
                    outage: self.outage(&format!("{path}.outage"), zone.outage.as_ref())?,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if raw.components.is_empty() {
            return Err(self.error(
                "components",
                "there must be at least one component (an object of name -> component)",
            ));
        }
        let components = raw
            .components
            .iter()
            .map(|(name, component)| self.component(name, component, &raw))
            .collect::<Result<Vec<_>, _>>()?;
        let total_units: u64 = components.iter().map(|c| u64::from(c.replicas)).sum();
        if total_units > MAX_UNITS {
            return Err(self.error(
                "components",
                format!("the scenario has {total_units} units; at most {MAX_UNITS} are supported"),
            ));
        }
        self.no_cycles(&components)?;
        let entry = match raw.entry.as_deref() {
            None | Some("") => {
                return Err(self.error(
                    "entry",
                    format!(
                        "missing or empty: name the component users call, one of {}",
                        names(raw.components.keys())
                    ),
                ))
            }
            Some(entry) => self.reference("entry", entry, &raw.components, "component")?,
        };
        Ok(Scenario {
            name: raw.name.clone().unwrap_or_else(|| default_name(self.file)),
            description: raw.description.clone(),
            simulation,
            regions,
            zones,
            components,
            entry,
        })
    }

    fn simulation(&self, raw: &RawScenario) -> Result<Simulation, ScenarioError> {
        let horizon = match &raw.simulation.horizon {
            None => TICKS_PER_YEAR,
            Some(value) => self.duration("simulation.horizon", value)?,
        };
        if horizon == 0 || horizon > MAX_HORIZON {
            return Err(self.error(
                "simulation.horizon",
                "must be longer than zero and at most \"10000y\"",
            ));
        }
        let trials = raw.simulation.trials.unwrap_or(DEFAULT_TRIALS);
        if trials == 0 || trials > MAX_TRIALS {
            return Err(self.error(
                "simulation.trials",
                format!("must be between 1 and {MAX_TRIALS}, got {trials}"),
            ));
        }
        Ok(Simulation {
            horizon,
            trials,
            seed: raw.simulation.seed.unwrap_or(0),
        })
    }

    fn name(&self, path: &str, name: &str) -> Result<(), ScenarioError> {
        if name.trim().is_empty() {
            return Err(self.error(path, "names must not be empty"));
        }
        Ok(())
    }

    fn component(
        &self,
        name: &str,
        raw: &RawComponent,
        scenario: &RawScenario,
    ) -> Result<Component, ScenarioError> {
        let path = format!("components.{name}");
        self.name(&path, name)?;
        let replicas = raw.replicas.unwrap_or(1);
        if replicas == 0 {
            return Err(self.error(
                &format!("{path}.replicas"),
                "must be at least 1 (leave it out for a single unit)",
            ));
        }
        let require = raw.require.unwrap_or(1);
        if require == 0 || require > replicas {
            return Err(self.error(
                &format!("{path}.require"),
                format!("must be between 1 and replicas ({replicas}), got {require}"),
            ));
        }
        let zones = match &raw.zones {
            None => Vec::new(),
            Some(list) if list.is_empty() => {
                return Err(self.error(
                    &format!("{path}.zones"),
                    "must list at least one zone, or be left out",
                ))
            }
            Some(list) => list
                .iter()
                .enumerate()
                .map(|(i, zone)| {
                    self.reference(&format!("{path}.zones[{i}]"), zone, &scenario.zones, "zone")
                })
                .collect::<Result<Vec<_>, _>>()?,
        };
        let mut failures: Vec<FailureMode> = Vec::with_capacity(raw.failures.len());
        for (i, failure) in raw.failures.iter().enumerate() {
            let failure_path = format!("{path}.failures[{i}]");
            self.name(&format!("{failure_path}.name"), &failure.name)?;
            if failures.iter().any(|f| f.name == failure.name) {
                return Err(self.error(
                    &format!("{failure_path}.name"),
                    format!(
                        "\"{}\" is used twice in this component; each failure mode needs its own name",
                        failure.name
                    ),
                ));
            }
            failures.push(FailureMode {
                name: failure.name.clone(),
                time_to_failure: self.distribution(&format!("{failure_path}.ttf"), &failure.ttf)?,
                time_to_repair: self.distribution(&format!("{failure_path}.ttr"), &failure.ttr)?,
            });
        }
        let mut depends_on: Vec<usize> = Vec::with_capacity(raw.depends_on.len());
        for (i, dependency) in raw.depends_on.iter().enumerate() {
            let dependency_path = format!("{path}.depends_on[{i}]");
            let index = self.reference(
                &dependency_path,
                dependency,
                &scenario.components,
                "component",
            )?;
            if depends_on.contains(&index) {
                return Err(self.error(
                    &dependency_path,
                    format!("\"{dependency}\" is listed twice"),
                ));
            }
            depends_on.push(index);
        }
        Ok(Component {
            name: name.to_string(),
            replicas,
            zones,
            require,
            failures,
            depends_on,
        })
    }

    /// Resolves a name to its index in `map`, or says which names exist.
    fn reference<T>(
        &self,
        path: &str,
        name: &str,
        map: &IndexMap<String, T>,
        kind: &str,
    ) -> Result<usize, ScenarioError> {
        map.get_index_of(name).ok_or_else(|| {
            let valid = if map.is_empty() {
                format!("the scenario defines no {kind}s")
            } else {
                format!("valid {kind}s: {}", names(map.keys()))
            };
            self.error(path, format!("unknown {kind} \"{name}\"; {valid}"))
        })
    }

    /// Depth-first search; a dependency reached again while still on the stack is a cycle.
    fn no_cycles(&self, components: &[Component]) -> Result<(), ScenarioError> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            OnStack,
            Done,
        }
        let mut marks = vec![Mark::New; components.len()];
        for start in 0..components.len() {
            if marks[start] != Mark::New {
                continue;
            }
            // Stack of (component, next dependency position to visit).
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            marks[start] = Mark::OnStack;
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                if let Some(&dependency) = components[node].depends_on.get(*next) {
                    *next += 1;
                    match marks[dependency] {
                        Mark::New => {
                            marks[dependency] = Mark::OnStack;
                            stack.push((dependency, 0));
                        }
                        Mark::OnStack => {
                            let first = stack.iter().position(|(n, _)| *n == dependency);
                            let mut cycle: Vec<&str> = stack[first.unwrap_or(0)..]
                                .iter()
                                .map(|(n, _)| components[*n].name.as_str())
                                .collect();
                            cycle.push(&components[dependency].name);
                            return Err(self.error(
                                &format!("components.{}.depends_on", components[node].name),
                                format!(
                                    "dependency cycle {}; depends_on must form no cycles",
                                    cycle.join(" -> ")
                                ),
                            ));
                        }
                        Mark::Done => {}
                    }
                } else {
                    marks[node] = Mark::Done;
                    stack.pop();
                }
            }
        }
        Ok(())
    }

    fn outage(&self, path: &str, raw: Option<&RawOutage>) -> Result<Option<Outage>, ScenarioError> {
        raw.map(|outage| {
            Ok(Outage {
                time_to_failure: self.distribution(&format!("{path}.ttf"), &outage.ttf)?,
                time_to_repair: self.distribution(&format!("{path}.ttr"), &outage.ttr)?,
            })
        })
        .transpose()
    }

    fn duration(&self, path: &str, value: &Value) -> Result<Ticks, ScenarioError> {
        match value {
            Value::String(text) => parse_duration(text).map_err(|message| self.error(path, message)),
            Value::Number(number) => Err(self.error(
                path,
                format!(
                    "a bare number is not a duration: write it with a unit, e.g. \"{number}s\" or \"{number}h\""
                ),
            )),
            other => Err(self.error(
                path,
                format!("expected a duration, found {}; {DURATION_HELP}", kind_of(other)),
            )),
        }
    }

    fn positive_duration(&self, path: &str, value: &Value) -> Result<Ticks, ScenarioError> {
        let ticks = self.duration(path, value)?;
        if ticks == 0 {
            return Err(self.error(path, "must be longer than zero"));
        }
        Ok(ticks)
    }

    fn positive_number(
        &self,
        path: &str,
        value: &Value,
        allow_zero: bool,
    ) -> Result<f64, ScenarioError> {
        let bound = if allow_zero { ">= 0" } else { "> 0" };
        let number = value.as_f64().ok_or_else(|| {
            self.error(
                path,
                format!("expected a finite number {bound}, found {}", kind_of(value)),
            )
        })?;
        let in_range = if allow_zero {
            number >= 0.0
        } else {
            number > 0.0
        };
        if !number.is_finite() || !in_range {
            return Err(self.error(
                path,
                format!("must be a finite number {bound}, got {number}"),
            ));
        }
        Ok(number)
    }

    /// The fields of a parameter object, rejecting missing and unknown keys.
    fn fields<'v>(
        &self,
        path: &str,
        value: &'v Value,
        keys: &[&str],
    ) -> Result<Vec<&'v Value>, ScenarioError> {
        let object: &Map<String, Value> = value.as_object().ok_or_else(|| {
            self.error(
                path,
                format!(
                    "expected an object with keys {}, found {}",
                    keys.join(", "),
                    kind_of(value)
                ),
            )
        })?;
        if let Some(unknown) = object.keys().find(|k| !keys.contains(&k.as_str())) {
            return Err(self.error(
                &format!("{path}.{unknown}"),
                format!("unknown key \"{unknown}\"; expected {}", keys.join(", ")),
            ));
        }
        keys.iter()
            .map(|key| {
                object.get(*key).ok_or_else(|| {
                    self.error(
                        path,
                        format!("missing key \"{key}\"; expected {}", keys.join(", ")),
                    )
                })
            })
            .collect()
    }

    fn distribution(&self, path: &str, value: &Value) -> Result<Distribution, ScenarioError> {
        let object = match value {
            Value::String(_) | Value::Number(_) => {
                let mean = self.positive_duration(path, value)? as f64;
                return Ok(Distribution::Exponential { mean });
            }
            Value::Object(object) if object.len() == 1 => object,
            other => {
                return Err(self.error(
                    path,
                    format!(
                        "expected a distribution, found {}; {DISTRIBUTION_HELP}",
                        describe(other)
                    ),
                ))
            }
        };
        let (kind, parameters) = object.iter().next().expect("one key");
        let path = format!("{path}.{kind}");
        let path = path.as_str();
        match kind.as_str() {
            "exponential" => {
                let [mean] = self.fields(path, parameters, &["mean"])?[..] else {
                    unreachable!()
                };
                let mean = self.positive_duration(&format!("{path}.mean"), mean)? as f64;
                Ok(Distribution::Exponential { mean })
            }
            "constant" => Ok(Distribution::Constant {
                value: self.positive_duration(path, parameters)?,
            }),
            "uniform" => {
                let [min, max] = self.fields(path, parameters, &["min", "max"])?[..] else {
                    unreachable!()
                };
                let min = self.duration(&format!("{path}.min"), min)?;
                let max = self.positive_duration(&format!("{path}.max"), max)?;
                if min > max {
                    return Err(self.error(&format!("{path}.min"), "must not be greater than max"));
                }
                Ok(Distribution::Uniform {
                    min: min as f64,
                    max: max as f64,
                })
            }
            "weibull" => {
                let [shape, scale] = self.fields(path, parameters, &["shape", "scale"])?[..] else {
                    unreachable!()
                };
                let shape = self.positive_number(&format!("{path}.shape"), shape, false)?;
                let scale = self.positive_duration(&format!("{path}.scale"), scale)? as f64;
                Ok(Distribution::Weibull { shape, scale })
            }
            "lognormal" => {
                let [median, sigma] = self.fields(path, parameters, &["median", "sigma"])?[..]
                else {
                    unreachable!()
                };
                let median = self.positive_duration(&format!("{path}.median"), median)? as f64;
                let sigma = self.positive_number(&format!("{path}.sigma"), sigma, true)?;
                Ok(Distribution::Lognormal { median, sigma })
            }
            "gamma" => {
                let [shape, mean] = self.fields(path, parameters, &["shape", "mean"])?[..] else {
                    unreachable!()
                };
                let shape = self.positive_number(&format!("{path}.shape"), shape, false)?;
                let mean = self.positive_duration(&format!("{path}.mean"), mean)? as f64;
                let sampler = rand_distr::Gamma::new(shape, mean / shape)
                    .map_err(|e| self.error(path, format!("invalid gamma parameters: {e}")))?;
                Ok(Distribution::Gamma {
                    shape,
                    mean,
                    sampler,
                })
            }
            "empirical" => {
                let list = parameters.as_array().ok_or_else(|| {
                    self.error(
                        path,
                        format!(
                            "expected a list of durations, found {}",
                            kind_of(parameters)
                        ),
                    )
                })?;
                if list.is_empty() {
                    return Err(self.error(path, "must list at least one duration"));
                }
                let values = list
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.positive_duration(&format!("{path}[{i}]"), v))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Distribution::Empirical { values })
            }
            _ => Err(self.error(
                path,
                format!("unknown distribution \"{kind}\"; {DISTRIBUTION_HELP}"),
            )),
        }
    }
}

fn names<'a>(keys: impl Iterator<Item = &'a String>) -> String {
    keys.map(|k| format!("\"{k}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Object(object) if object.is_empty() => "an empty object".to_string(),
        Value::Object(object) => format!(
            "an object with {} keys ({})",
            object.len(),
            names(object.keys())
        ),
        other => kind_of(other).to_string(),
    }
}

/// The file's stem, used as the scenario's name when it has none.
fn default_name(file: &str) -> String {
    std::path::Path::new(file)
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".to_string())
}
