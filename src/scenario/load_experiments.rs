//! Checks `experiments` (spec chaos.md): each fault names a unit, primary, zone, region or
//! component that exists and can take that fault, with the JSON path of anything wrong.

use serde_json::Value;

use super::checker::{kind_of, Checker};
use super::error::ScenarioError;
use super::mechanisms::{Replication, Role};
use super::model::{Component, Expectations, Experiment, Fault, FaultKind};
use super::raw::RawScenario;
use crate::time::Ticks;

/// The keys that say what a fault injects: exactly one per fault.
const FAULT_KINDS: [&str; 6] = [
    "unit",
    "primary",
    "zone",
    "region",
    "latency",
    "replication_lag",
];

impl Checker<'_> {
    pub(super) fn experiments(
        &self,
        raw: &RawScenario,
        components: &[Component],
        horizon: Ticks,
    ) -> Result<Vec<Experiment>, ScenarioError> {
        raw.experiments
            .iter()
            .map(|(name, experiment)| {
                let path = format!("experiments.{}", crate::text::key(name));
                self.name(&path, name)?;
                let at = self.duration(&format!("{path}.at"), &experiment.at)?;
                if experiment.inject.is_empty() {
                    return Err(self.error(
                        &format!("{path}.inject"),
                        format!("must list at least one fault, each an object with \"for\" and one of {}", FAULT_KINDS.join(", ")),
                    ));
                }
                let faults = experiment
                    .inject
                    .iter()
                    .enumerate()
                    .map(|(i, fault)| {
                        self.fault(&format!("{path}.inject[{i}]"), fault, raw, components)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let end = faults
                    .iter()
                    .map(|f| at.saturating_add(f.duration))
                    .max()
                    .unwrap_or(at);
                if end >= horizon {
                    return Err(self.error(
                        &format!("{path}.at"),
                        format!(
                            "the faults end at {:.0}s, at or after the simulation's horizon ({:.0}s): inject earlier or shorten them",
                            end as f64 / 1e6,
                            horizon as f64 / 1e6
                        ),
                    ));
                }
                let expect = match &experiment.expect {
                    None => Expectations {
                        max_lost: None,
                        max_recovery: None,
                        min_level: None,
                        max_data_loss: None,
                        confidence: 1.0,
                    },
                    Some(expect) => {
                        let duration = |key: &str, value: &Option<Value>| {
                            value
                                .as_ref()
                                .map(|v| self.duration(&format!("{path}.expect.{key}"), v))
                                .transpose()
                        };
                        let level = |key: &str, value: Option<f64>| {
                            value
                                .map(|v| self.fraction(&format!("{path}.expect.{key}"), v))
                                .transpose()
                        };
                        let confidence = level("confidence", expect.confidence)?.unwrap_or(1.0);
                        if confidence <= 0.0 {
                            return Err(self.error(
                                &format!("{path}.expect.confidence"),
                                "must be in (0, 1]: the share of trials in which the expectations must hold",
                            ));
                        }
                        Expectations {
                            max_lost: duration("max_lost", &expect.max_lost)?,
                            max_recovery: duration("max_recovery", &expect.max_recovery)?,
                            min_level: level("min_level", expect.min_level)?,
                            max_data_loss: duration("max_data_loss", &expect.max_data_loss)?,
                            confidence,
                        }
                    }
                };
                Ok(Experiment {
                    name: name.clone(),
                    at,
                    faults,
                    expect,
                    background: experiment.background.unwrap_or(false),
                })
            })
            .collect()
    }

    fn fault(
        &self,
        path: &str,
        value: &Value,
        raw: &RawScenario,
        components: &[Component],
    ) -> Result<Fault, ScenarioError> {
        let help = format!(
            "a fault is an object with \"for\" (how long it lasts) and exactly one of {}",
            FAULT_KINDS.join(", ")
        );
        let object = value.as_object().ok_or_else(|| {
            self.error(
                path,
                format!("expected an object, found {}; {help}", kind_of(value)),
            )
        })?;
        let kinds: Vec<&str> = FAULT_KINDS
            .iter()
            .copied()
            .filter(|k| object.contains_key(*k))
            .collect();
        let kind = match kinds[..] {
            [kind] => kind,
            [] => return Err(self.error(path, format!("says nothing to inject; {help}"))),
            _ => {
                return Err(self.error(
                    path,
                    format!(
                        "names {} faults ({}); {help}",
                        kinds.len(),
                        kinds.join(", ")
                    ),
                ))
            }
        };
        let allowed: &[&str] = if kind == "unit" {
            &["for", "unit", "effect"]
        } else {
            &["for", kind]
        };
        if let Some(unknown) = object.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(self.error(
                &format!("{path}.{}", crate::text::key(unknown)),
                format!(
                    "unknown key {} in a {kind} fault; expected {}",
                    crate::text::shown(unknown),
                    allowed.join(", ")
                ),
            ));
        }
        let duration = match object.get("for") {
            None => {
                return Err(self.error(
                    path,
                    format!("missing key \"for\": how long the fault lasts; {help}"),
                ))
            }
            Some(value) => self.positive_duration(&format!("{path}.for"), value)?,
        };
        let item = format!("{path}.{kind}");
        let text = |value: &Value, what: &str| -> Result<String, ScenarioError> {
            value.as_str().map(str::to_string).ok_or_else(|| {
                self.error(
                    &item,
                    format!("expected {what} as a string, found {}", kind_of(value)),
                )
            })
        };
        let component =
            |path: &str, name: &str| self.reference(path, name, &raw.components, "component");
        let kind = match kind {
            "unit" => {
                let name = text(&object["unit"], "\"COMPONENT#INDEX\" (0-based)")?;
                let Some((component_name, index)) = name.rsplit_once('#') else {
                    return Err(self.error(
                        &item,
                        format!(
                            "{} is not \"COMPONENT#INDEX\" (0-based), e.g. \"api#0\"",
                            crate::text::shown(&name)
                        ),
                    ));
                };
                let c = component(&item, component_name)?;
                let replicas = components[c].replicas;
                let index: u32 = index.parse().map_err(|_| {
                    self.error(&item, format!("\"{index}\" is not a unit index: write \"{component_name}#0\" to \"{component_name}#{}\"", replicas - 1))
                })?;
                if index >= replicas {
                    return Err(self.error(
                        &item,
                        format!(
                            "{component_name} has {replicas} units: the index must be 0 to {}",
                            replicas - 1
                        ),
                    ));
                }
                FaultKind::Unit {
                    component: c,
                    index,
                    effect: self.effect(&format!("{path}.effect"), object.get("effect"))?,
                }
            }
            "primary" => {
                let name = text(&object["primary"], "a component name")?;
                let c = component(&item, &name)?;
                if components[c].role == Role::ActiveActive {
                    return Err(self.error(
                        &item,
                        format!("{name} is active_active: it has no primary; a \"primary\" fault needs role active_passive or primary_replica (fail one of its units with \"unit\": \"{name}#0\" instead)"),
                    ));
                }
                FaultKind::Primary { component: c }
            }
            "zone" => {
                let name = text(&object["zone"], "a zone name")?;
                FaultKind::Zone(self.reference(&item, &name, &raw.zones, "zone")?)
            }
            "region" => {
                let name = text(&object["region"], "a region name")?;
                FaultKind::Region(self.reference(&item, &name, &raw.regions, "region")?)
            }
            "latency" => {
                let [name, add] =
                    self.fields(&item, &object["latency"], &["component", "add"])?[..]
                else {
                    unreachable!()
                };
                let name = text(name, "a component name")?;
                FaultKind::Latency {
                    component: component(&format!("{item}.component"), &name)?,
                    add: self.positive_duration(&format!("{item}.add"), add)?,
                }
            }
            _ => {
                let [name, lag] =
                    self.fields(&item, &object["replication_lag"], &["component", "lag"])?[..]
                else {
                    unreachable!()
                };
                let name = text(name, "a component name")?;
                let c = component(&format!("{item}.component"), &name)?;
                if !matches!(components[c].replication, Some(Replication::Async { .. })) {
                    return Err(self.error(
                        &format!("{item}.component"),
                        format!("{name} has no asynchronous replication (\"replication\": {{\"mode\": \"async\", ...}}): there is no lag to inject"),
                    ));
                }
                FaultKind::ReplicationLag {
                    component: c,
                    lag: self.duration(&format!("{item}.lag"), lag)?,
                }
            }
        };
        Ok(Fault { duration, kind })
    }
}
