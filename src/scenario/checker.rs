//! The checker that turns JSON values into checked ones, naming the JSON path of anything
//! invalid: durations, numbers, parameter objects and distributions.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::distribution::Distribution;
use super::duration::{parse_duration, DURATION_HELP};
use super::error::{Location, ScenarioError};
use crate::time::Ticks;

const DISTRIBUTION_HELP: &str = "a distribution is a duration string (exponential with that mean) \
or an object with one key: exponential, constant, uniform, weibull, lognormal, gamma, empirical, \
sum, alert or response";

/// The tail probability whose quantile `Checker::tail_in_range` bounds: one draw in a million.
const TAIL_PROBABILITY: f64 = 1e-6;
/// The longest that quantile may be, in microseconds: a million times the longest duration
/// (10^18 µs), so that draws the simulation cannot represent stay below one in a million.
const MAX_TAIL: f64 = 1e24;

/// Prometheus' default `evaluation_interval` (the global default of the rule manager).
const DEFAULT_EVALUATION_INTERVAL: Ticks = 60_000_000;
/// Alertmanager's default `group_wait` for a new alert group.
const DEFAULT_GROUP_WAIT: Ticks = 30_000_000;

pub(super) struct Checker<'a> {
    pub file: &'a str,
    /// The scenario's named `responses`, checked so far (in file order): a distribution
    /// may refer to them as `{"response": NAME}`.
    pub responses: indexmap::IndexMap<String, Distribution>,
}

impl Checker<'_> {
    pub fn error(&self, path: &str, message: impl Into<String>) -> ScenarioError {
        ScenarioError::Invalid {
            file: self.file.to_string(),
            location: Location {
                path: path.to_string(),
                line_column: None,
            },
            message: message.into(),
        }
    }

    /// Deserializes a JSON value into `T`, prefixing serde's path with `path`.
    pub fn typed<T: DeserializeOwned>(
        &self,
        path: &str,
        value: &Value,
    ) -> Result<T, ScenarioError> {
        serde_path_to_error::deserialize(value).map_err(|error| {
            let inner = error.path().to_string();
            let full = if inner == "." {
                path.to_string()
            } else {
                format!("{path}.{inner}")
            };
            self.error(
                &full,
                super::load::strip_position(&error.into_inner().to_string()),
            )
        })
    }

    pub fn duration(&self, path: &str, value: &Value) -> Result<Ticks, ScenarioError> {
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

    pub fn positive_duration(&self, path: &str, value: &Value) -> Result<Ticks, ScenarioError> {
        let ticks = self.duration(path, value)?;
        if ticks == 0 {
            return Err(self.error(path, "must be longer than zero"));
        }
        Ok(ticks)
    }

    pub fn positive_number(
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

    /// Shapes far outside what fits real failure or repair data make almost every draw 0 or
    /// astronomically long; [0.01, 100] covers infant mortality to sharp wear-out.
    fn shape_in_range(&self, path: &str, shape: f64) -> Result<(), ScenarioError> {
        if !(0.01..=100.0).contains(&shape) {
            return Err(self.error(path, format!("must be between 0.01 and 100, got {shape:?}")));
        }
        Ok(())
    }

    /// Rejects a distribution whose one-in-a-million draw (its 1 - 10^-6 quantile) is
    /// longer than `MAX_TAIL`: a million times the longest duration a file may state. Draws
    /// past the end of time only mean "never" (they saturate), but a tail that reaches so
    /// far puts the mean and the variance in draws the simulation cannot represent, so the
    /// result would depend on where time saturates. `parameter` names the key to fix.
    fn tail_in_range(
        &self,
        path: &str,
        parameter: &str,
        distribution: &Distribution,
        fix: &str,
    ) -> Result<(), ScenarioError> {
        let tail = distribution.inverse_survival(TAIL_PROBABILITY);
        // NaN (no finite quantile) is past the bound too.
        if tail.is_some_and(|tail| tail.is_nan() || tail > MAX_TAIL) {
            return Err(self.error(
                &format!("{path}.{parameter}"),
                format!(
                    "one draw in a million would be longer than 10^24 microseconds (a million times the longest duration, about 31,700 years): a distribution this spread makes the simulation meaningless; {fix}"
                ),
            ));
        }
        Ok(())
    }

    /// The fields of a parameter object, rejecting missing and unknown keys.
    pub fn fields<'v>(
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
                &format!("{path}.{}", crate::text::key(unknown)),
                format!(
                    "unknown key {}; expected {}",
                    crate::text::shown(unknown),
                    keys.join(", ")
                ),
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

    pub fn distribution(&self, path: &str, value: &Value) -> Result<Distribution, ScenarioError> {
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
        let path = format!("{path}.{}", crate::text::key(kind));
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
                self.shape_in_range(&format!("{path}.shape"), shape)?;
                let scale = self.positive_duration(&format!("{path}.scale"), scale)? as f64;
                let weibull = Distribution::Weibull { shape, scale };
                // scale x (ln 10^6)^(1/shape) <= MAX_TAIL
                let least = TAIL_PROBABILITY.ln().abs().ln() / (MAX_TAIL / scale).ln();
                self.tail_in_range(
                    path,
                    "shape",
                    &weibull,
                    &format!("use a shape of at least {least:.3} with this scale"),
                )?;
                Ok(weibull)
            }
            "lognormal" => {
                let [median, sigma] = self.fields(path, parameters, &["median", "sigma"])?[..]
                else {
                    unreachable!()
                };
                let median = self.positive_duration(&format!("{path}.median"), median)? as f64;
                let sigma = self.positive_number(&format!("{path}.sigma"), sigma, true)?;
                let lognormal = Distribution::Lognormal { median, sigma };
                // median x exp(z sigma) <= MAX_TAIL, z the normal 1 - 10^-6 quantile.
                let most = (MAX_TAIL / median).ln() / 4.753_424_308_822_899;
                self.tail_in_range(
                    path,
                    "sigma",
                    &lognormal,
                    &format!("use a sigma of at most {most:.3} with this median"),
                )?;
                Ok(lognormal)
            }
            "gamma" => {
                let [shape, mean] = self.fields(path, parameters, &["shape", "mean"])?[..] else {
                    unreachable!()
                };
                let shape = self.positive_number(&format!("{path}.shape"), shape, false)?;
                self.shape_in_range(&format!("{path}.shape"), shape)?;
                let mean = self.positive_duration(&format!("{path}.mean"), mean)? as f64;
                let sampler = rand_distr::Gamma::new(shape, mean / shape)
                    .map_err(|e| self.error(path, format!("invalid gamma parameters: {e}")))?;
                // No tail check: with shape >= 0.01 and mean <= 10^18 µs the one-in-a-
                // million draw stays below 10^21 µs (scale <= 10^20, quantile about 7.3).
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
            "sum" => {
                let list = parameters.as_array().ok_or_else(|| {
                    self.error(
                        path,
                        format!(
                            "expected a list of distributions, found {}",
                            kind_of(parameters)
                        ),
                    )
                })?;
                if list.is_empty() {
                    return Err(self.error(path, "must list at least one distribution"));
                }
                let parts = list
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.distribution(&format!("{path}[{i}]"), v))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Distribution::Sum { parts })
            }
            "alert" => self.alert(path, parameters),
            "response" => {
                let name = parameters.as_str().ok_or_else(|| {
                    self.error(
                        path,
                        format!(
                            "expected the name of one of the scenario's responses, found {}",
                            kind_of(parameters)
                        ),
                    )
                })?;
                self.responses.get(name).cloned().ok_or_else(|| {
                    let valid = if self.responses.is_empty() {
                        "no responses are defined before this point (a top-level \"responses\" entry can use only those defined before it)".to_string()
                    } else {
                        format!(
                            "valid here: {} (a response can use only those defined before it)",
                            names(self.responses.keys())
                        )
                    };
                    self.error(path, format!("unknown response {}; {valid}", crate::text::shown(name)))
                })
            }
            _ => Err(self.error(
                path,
                format!(
                    "unknown distribution {}; {DISTRIBUTION_HELP}",
                    crate::text::shown(kind)
                ),
            )),
        }
    }

    /// A Prometheus alert rule and its Alertmanager route: the time from the moment the
    /// condition holds until the notification leaves. The first rule evaluation that sees
    /// the condition comes uniformly within one `evaluation_interval`; the alert fires at
    /// the first evaluation at least `for` later (a whole number of intervals), and
    /// Alertmanager holds a new group for `group_wait`.
    fn alert(&self, path: &str, parameters: &Value) -> Result<Distribution, ScenarioError> {
        const KEYS: [&str; 3] = ["for", "evaluation_interval", "group_wait"];
        let object = parameters.as_object().ok_or_else(|| {
            self.error(
                path,
                format!(
                    "expected an object with keys {}, found {}",
                    KEYS.join(", "),
                    kind_of(parameters)
                ),
            )
        })?;
        if let Some(unknown) = object.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(self.error(
                &format!("{path}.{}", crate::text::key(unknown)),
                format!(
                    "unknown key {}; expected {}",
                    crate::text::shown(unknown),
                    KEYS.join(", ")
                ),
            ));
        }
        let hold = match object.get("for") {
            Some(value) => self.duration(&format!("{path}.for"), value)?,
            None => 0,
        };
        let interval = match object.get("evaluation_interval") {
            Some(value) => self.positive_duration(&format!("{path}.evaluation_interval"), value)?,
            None => DEFAULT_EVALUATION_INTERVAL,
        };
        let group_wait = match object.get("group_wait") {
            Some(value) => self.duration(&format!("{path}.group_wait"), value)?,
            None => DEFAULT_GROUP_WAIT,
        };
        let held = hold.div_ceil(interval).saturating_mul(interval);
        Ok(Distribution::Sum {
            parts: vec![
                Distribution::Uniform {
                    min: 0.0,
                    max: interval as f64,
                },
                Distribution::Constant {
                    value: held.saturating_add(group_wait),
                },
            ],
        })
    }
}

/// The names a message lists as valid: each shown escaped and cut, at most 20 of them (a
/// scenario may have thousands).
pub(super) fn names<'a>(keys: impl ExactSizeIterator<Item = &'a String>) -> String {
    const LISTED: usize = 20;
    let total = keys.len();
    let mut listed: Vec<String> = keys.take(LISTED).map(|k| crate::text::shown(k)).collect();
    if total > LISTED {
        listed.push(format!("and {} more", total - LISTED));
    }
    listed.join(", ")
}

pub(super) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

pub(super) fn describe(value: &Value) -> String {
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
