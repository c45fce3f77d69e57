//! Model size limits: how many components, units, failure modes of units and dependency
//! edges a scenario may have, so that a run stays within a stated memory budget
//! (docs/scenario-format.md, "Model size limits"). Each limit comes from a measured cost
//! per item; the error names the JSON path and the component that contributes most.

use super::checker::Checker;
use super::error::ScenarioError;
use super::model::Component;

/// The most components: each costs about 20 KB in the up to 64 chunk accumulators a run
/// keeps at once (per-component moments and histograms), about 400 MB at the limit.
pub const MAX_COMPONENTS: usize = 20_000;
/// The most units (replicas over all components): each costs about 0.85 KB of plan and
/// per-trial state (a million units took 886 MB), about 170 MB at the limit.
pub const MAX_UNITS: u64 = 200_000;
/// The most failure modes of units (each unit's modes, summed): each has its own random
/// stream and event, about 0.35 KB, about 350 MB at the limit.
pub const MAX_UNIT_MODES: u64 = 1_000_000;
/// The most dependency edges (`depends_on` entries and DNS endpoints): about 0.2 KB each,
/// about 40 MB at the limit.
pub const MAX_EDGES: u64 = 200_000;

/// What is counted, its limit, the count per component, and the key to name.
type Check<'a> = (&'a str, u64, &'a dyn Fn(&Component) -> u64, &'a str);

impl Checker<'_> {
    /// The number of components, checked before they are: the others need them built.
    pub(super) fn component_count(&self, count: usize) -> Result<(), ScenarioError> {
        if count > MAX_COMPONENTS {
            return Err(self.error(
                "components",
                format!(
                    "the scenario has {count} components; at most {MAX_COMPONENTS} are supported (model size limits, docs/scenario-format.md)"
                ),
            ));
        }
        Ok(())
    }

    /// Units, failure modes of units and edges, each against its limit.
    pub(super) fn model_size(&self, components: &[Component]) -> Result<(), ScenarioError> {
        let units = |c: &Component| u64::from(c.replicas);
        let modes = |c: &Component| u64::from(c.replicas) * c.failures.len() as u64;
        let edges = |c: &Component| c.dependencies().count() as u64;
        let checks: [Check; 3] = [
            ("units", MAX_UNITS, &units, "replicas"),
            (
                "failure modes of units (replicas x failures)",
                MAX_UNIT_MODES,
                &modes,
                "failures",
            ),
            (
                "dependency edges (depends_on entries and DNS endpoints)",
                MAX_EDGES,
                &edges,
                "depends_on",
            ),
        ];
        for (what, limit, count, key) in checks {
            let total: u64 = components.iter().map(count).sum();
            if total > limit {
                // The component that contributes most, to say where to cut.
                let largest = components
                    .iter()
                    .max_by_key(|c| count(c))
                    .expect("at least one component");
                let key = if key == "depends_on" && largest.dns.is_some() {
                    "dns.endpoints"
                } else {
                    key
                };
                return Err(self.error(
                    &format!("components.{}.{key}", largest.name),
                    format!(
                        "the scenario has {total} {what}; at most {limit} are supported (model size limits, docs/scenario-format.md); \"{}\" has the most, {}",
                        largest.name,
                        count(largest)
                    ),
                ));
            }
        }
        Ok(())
    }
}
