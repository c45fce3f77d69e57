//! Turns scenario text into a checked `Scenario`, or an error naming the file, the JSON path
//! and what would be valid. Nothing after this point can fail on input.

use indexmap::IndexMap;
use serde_json::Value;

use super::checker::{names, Checker};
use super::error::{Location, ScenarioError};
use super::mechanisms::{Dependency, Role};
use super::model::{Component, FailureMode, Outage, Region, Scenario, Simulation, Zone};
use super::raw::{RawComponent, RawOutage, RawScenario};
use crate::text::{key as key_text, shown};
use crate::time::{MAX_HORIZON, TICKS_PER_YEAR};

/// Default number of trials when the file does not say.
pub const DEFAULT_TRIALS: u64 = 10_000;
/// The most trials one run may ask for.
pub const MAX_TRIALS: u64 = 1_000_000_000;
/// The most components (and zones, and regions) a scenario may have: the model size limit
/// (`limits::MAX_COMPONENTS`), checked here already on the parsed document, before the
/// typed pass, because checking one costs about 4 KB while it loads (a 15 MB file of a
/// million empty components took 3.7 GB before this check).
pub const MAX_COMPONENTS: usize = super::limits::MAX_COMPONENTS;

/// Reads and checks a scenario file (at most `input::MAX_SCENARIO_BYTES`, UTF-8).
pub fn load_file(path: &std::path::Path) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    let text = read_scenario(path)?;
    load_str(&text, &file)
}

/// A scenario file's text, bounded in size and checked to be UTF-8: the error names the
/// file, and for bad bytes their line, column and offset and the encoding expected.
pub fn read_scenario(path: &std::path::Path) -> Result<String, ScenarioError> {
    use crate::input::{read_text, ReadError, MAX_SCENARIO_BYTES};
    let file = path.display().to_string();
    read_text(path, MAX_SCENARIO_BYTES, "a scenario file").map_err(|error| match error {
        ReadError::Io(source) => ScenarioError::Read { file, source },
        other => ScenarioError::Unreadable {
            file,
            message: other.to_string(),
        },
    })
}

/// Checks scenario text; `file` names it in error messages. A scenario with uncertain
/// parameters (`{"between": [low, high]}`) is checked at both ends of every range and
/// returned at their middles, with the ranges attached (`Scenario::uncertainty`).
pub fn load_str(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    // Editors on some systems save a byte-order mark; it is not part of the JSON.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Only a document that mentions the key is searched, so plain files load as before.
    let ranged = if text.contains("\"between\"") {
        let document: Value =
            serde_json::from_str(text).map_err(|error| json_error(file, String::new(), error))?;
        super::uncertain::load(document, file)?
    } else {
        None
    };
    let mut scenario = match ranged {
        Some(scenario) => scenario,
        None => load_plain(text, file)?,
    };
    // The text loaded, so it is JSON: of the document as written (ranges included).
    if let Ok(document) = serde_json::from_str::<Value>(text) {
        scenario.fingerprint = fingerprint(&document);
    }
    Ok(scenario)
}

/// The scenario's fingerprint (`Scenario::fingerprint`): FNV-1a, the hash `crate::shard`
/// fingerprints parts with, of the canonical document without the run's trials and seed
/// and without `experiments`. A check may run with other trials or another seed than its
/// baseline, and chaos experiments change no run: neither makes the design another one.
pub fn fingerprint(document: &Value) -> String {
    let mut document = canonical(document);
    // Chaos experiments rehearse the design; runs and checks ignore them.
    if let Some(top) = document.as_object_mut() {
        top.shift_remove("experiments");
    }
    if let Some(simulation) = document
        .get_mut("simulation")
        .and_then(Value::as_object_mut)
    {
        // shift_remove keeps the sorted order (`remove` swaps the last key in).
        simulation.shift_remove("trials");
        simulation.shift_remove("seed");
    }
    // What is left of `simulation` (the horizon) counts; an empty one is no key at all.
    let empty = |v: &Value| v.as_object().is_some_and(serde_json::Map::is_empty);
    if let Some(top) = document.as_object_mut() {
        if top.get("simulation").is_some_and(empty) {
            top.shift_remove("simulation");
        }
    }
    let canonical = document.to_string();
    format!(
        "{:016x}",
        crate::rng::entity_key(&["sim-scenario/1", &canonical])
    )
}

/// The document with every object's keys sorted, so that reordering keys changes nothing.
fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(object) => {
            let mut entries: Vec<(&String, &Value)> = object.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), canonical(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// Checks scenario text that has no ranges.
pub(super) fn load_plain(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    let raw = parse_raw(text, file)?;
    let mut checker = Checker {
        file,
        responses: IndexMap::new(),
    };
    // Responses first: every distribution after them may use them.
    checker.responses(&raw)?;
    checker.scenario(raw)
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
    for section in ["components", "zones", "regions"] {
        let count = document
            .get(section)
            .and_then(Value::as_object)
            .map_or(0, |entries| entries.len());
        if count > MAX_COMPONENTS {
            return Err(ScenarioError::Invalid {
                file: file.to_string(),
                location: Location {
                    path: section.to_string(),
                    line_column: None,
                },
                message: format!(
                    "{count} entries; at most {MAX_COMPONENTS} are supported (docs/scenario-format.md, Limits)"
                ),
            });
        }
    }
    // Second pass: the typed structure, with JSON paths and positions for its errors.
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let raw: RawScenario =
        serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
            let path = path_of(error.path());
            json_error(file, path, error.into_inner())
        })?;
    // Anything after the document is a syntax error too.
    deserializer
        .end()
        .map_err(|error| json_error(file, String::new(), error))?;
    Ok(raw)
}

/// serde_path_to_error's path, each key escaped and cut (`text::key`) so that a newline or
/// escape sequence in a key cannot break the path or reach a terminal.
pub(super) fn path_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&key_text(key));
            }
            Segment::Unknown => out.push_str(if out.is_empty() { "?" } else { ".?" }),
        }
    }
    if out.is_empty() {
        ".".to_string()
    } else {
        out
    }
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
    for section in [
        "regions",
        "zones",
        "components",
        "shared_failures",
        "changes",
        "experiments",
    ] {
        let Some(entries) = object.get(section).and_then(Value::as_object) else {
            continue;
        };
        for (name, entry) in entries {
            let path = format!("{section}.{}", key_text(name));
            if let Some(found) = list_at(entry, path.clone()) {
                return Some(found);
            }
            for key in ["outage", "rollout"] {
                if let Some(found) = entry
                    .get(key)
                    .and_then(|v| list_at(v, format!("{path}.{key}")))
                {
                    return Some(found);
                }
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

/// serde_json appends " at line L column C"; we print the position ourselves. serde's
/// messages echo keys and values from the input: they come out escaped and cut.
pub(super) fn strip_position(message: &str) -> String {
    let message = match message.rfind(" at line ") {
        Some(index) => &message[..index],
        None => message,
    };
    crate::text::tame_quoted(message)
}

/// Adds the fix to serde's messages where it does not say what would be valid.
fn explain_data_error(message: &str) -> String {
    // serde names our internal types ("struct RawFailure"); users wrote JSON objects.
    let message = regex_free_struct_names(message);
    if message.starts_with("missing field `components`") {
        format!("{message}: a scenario needs a \"components\" object")
    } else if message.contains("expected u32") || message.contains("expected u64") {
        format!("{message}: use a whole number")
    } else {
        message
    }
}

/// Replaces "struct RawSomething" with "a JSON object".
fn regex_free_struct_names(message: &str) -> String {
    let mut out = String::new();
    let mut rest = message;
    while let Some(start) = rest.find("struct Raw") {
        out.push_str(&rest[..start]);
        let after = &rest[start + "struct Raw".len()..];
        let end = after
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(after.len());
        out.push_str("a JSON object");
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

impl Checker<'_> {
    fn scenario(&self, raw: RawScenario) -> Result<Scenario, ScenarioError> {
        let simulation = self.simulation(&raw)?;
        let regions = raw
            .regions
            .iter()
            .map(|(name, region)| {
                let path = format!("regions.{}", key_text(name));
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
                let path = format!("zones.{}", key_text(name));
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
        self.component_count(raw.components.len())?;
        let components = raw
            .components
            .iter()
            .map(|(name, component)| self.component(name, component, &raw))
            .collect::<Result<Vec<_>, _>>()?;
        self.model_size(&components)?;
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
        let shared_failures = self.shared_failures(&raw)?;
        let changes = self.changes(&raw)?;
        let experiments = self.experiments(&raw, &components, simulation.horizon)?;
        Ok(Scenario {
            shared_failures,
            changes,
            experiments,
            name: raw.name.clone().unwrap_or_else(|| default_name(self.file)),
            description: raw.description.clone(),
            simulation,
            regions,
            zones,
            components,
            entry,
            traffic: self.traffic(raw.traffic.as_ref())?,
            slo: self.slo(raw.slo.as_ref())?,
            uncertainty: None,
            fingerprint: String::new(),
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

    pub(super) fn name(&self, path: &str, name: &str) -> Result<(), ScenarioError> {
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
        let path = format!("components.{}", key_text(name));
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
        // Sets, not scans of what came before: a list of 200,000 entries stays linear.
        let mut mode_names = std::collections::HashSet::with_capacity(raw.failures.len());
        for (i, failure) in raw.failures.iter().enumerate() {
            let failure_path = format!("{path}.failures[{i}]");
            self.name(&format!("{failure_path}.name"), &failure.name)?;
            if failure.name.starts_with('#') {
                return Err(self.error(
                    &format!("{failure_path}.name"),
                    "names starting with '#' are reserved for the simulator's own random streams",
                ));
            }
            if !mode_names.insert(failure.name.as_str()) {
                return Err(self.error(
                    &format!("{failure_path}.name"),
                    format!(
                        "{} is used twice in this component; each failure mode needs its own name",
                        shown(&failure.name)
                    ),
                ));
            }
            failures.push(FailureMode {
                name: failure.name.clone(),
                time_to_failure: self.distribution(&format!("{failure_path}.ttf"), &failure.ttf)?,
                time_to_repair: self.distribution(&format!("{failure_path}.ttr"), &failure.ttr)?,
                effect: self.effect(&format!("{failure_path}.effect"), failure.effect.as_ref())?,
                recovery: self.recovery(
                    &format!("{failure_path}.recovery"),
                    failure.recovery.as_deref(),
                )?,
                common_cause: self.fraction(
                    &format!("{failure_path}.common_cause"),
                    failure.common_cause.unwrap_or(0.0),
                )?,
            });
        }
        let mut depends_on: Vec<Dependency> = Vec::with_capacity(raw.depends_on.len());
        // Components listed so far, so that a long list is checked in linear time (a set,
        // not a flag per component, which would cost every component the whole scenario).
        let mut listed = std::collections::HashSet::with_capacity(raw.depends_on.len());
        for (i, value) in raw.depends_on.iter().enumerate() {
            let dependency_path = format!("{path}.depends_on[{i}]");
            let dependency = self.dependency(&dependency_path, value, scenario)?;
            if !listed.insert(dependency.component) {
                let name = scenario
                    .components
                    .get_index(dependency.component)
                    .map_or("", |(n, _)| n.as_str());
                return Err(
                    self.error(&dependency_path, format!("{} is listed twice", shown(name)))
                );
            }
            depends_on.push(dependency);
        }
        let mut component = Component {
            name: name.to_string(),
            replicas,
            zones,
            require,
            failures,
            depends_on,
            role: Role::ActiveActive,
            capacity: None,
            load_factor: 1.0,
            concurrency: None,
            deadline: None,
            health_check: None,
            passive_check: None,
            retry_next_upstream: None,
            shed_cost: 0.0,
            liveness: None,
            startup_probe: None,
            restart: None,
            replacement: None,
            failover: None,
            replication: None,
            disaster_recovery: None,
            read_fraction: 0.0,
            dns: None,
            shards: 1,
            require_full_coverage: false,
        };
        self.mechanisms(&path, raw, scenario, &mut component)?;
        self.shards(&path, raw, &mut component)?;
        Ok(component)
    }

    /// Resolves a name to its index in `map`, or says which names exist.
    pub(super) fn reference<T>(
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
            self.error(path, format!("unknown {kind} {}; {valid}", shown(name)))
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
        // Each component's dependencies as a list: `Iterator::nth` on the chained iterator
        // would walk from the start at every step, quadratic in a long depends_on.
        let edges: Vec<Vec<usize>> = components
            .iter()
            .map(|c| c.dependencies().collect())
            .collect();
        for start in 0..components.len() {
            if marks[start] != Mark::New {
                continue;
            }
            // Stack of (component, next dependency position to visit).
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            marks[start] = Mark::OnStack;
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                if let Some(&dependency) = edges[node].get(*next) {
                    *next += 1;
                    match marks[dependency] {
                        Mark::New => {
                            marks[dependency] = Mark::OnStack;
                            stack.push((dependency, 0));
                        }
                        Mark::OnStack => {
                            let first = stack.iter().position(|(n, _)| *n == dependency);
                            let mut cycle: Vec<String> = stack[first.unwrap_or(0)..]
                                .iter()
                                .map(|(n, _)| key_text(&components[*n].name))
                                .collect();
                            cycle.push(key_text(&components[dependency].name));
                            return Err(self.error(
                                &format!(
                                    "components.{}.depends_on",
                                    key_text(&components[node].name)
                                ),
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
}

/// The file's stem, used as the scenario's name when it has none.
fn default_name(file: &str) -> String {
    std::path::Path::new(file)
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".to_string())
}
