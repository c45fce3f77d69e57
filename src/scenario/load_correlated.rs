//! Checks the keys of correlated failures and changes (see `docs/model.md`): named
//! `responses`, `shared_failures` and `changes` (a mode's `common_cause` is checked with
//! its failure mode).

use super::checker::Checker;
use super::error::ScenarioError;
use super::model::{Change, Rollout, SharedFailure};
use super::raw::RawScenario;

impl Checker<'_> {
    /// A probability or share in [0, 1].
    pub(super) fn fraction(&self, path: &str, value: f64) -> Result<f64, ScenarioError> {
        if !(0.0..=1.0).contains(&value) {
            return Err(self.error(path, format!("must be a number in [0, 1], got {value}")));
        }
        Ok(value)
    }

    /// The named responses, in file order; each may use those before it.
    pub(super) fn responses(&mut self, raw: &RawScenario) -> Result<(), ScenarioError> {
        for (name, value) in raw.responses.iter() {
            let path = format!("responses.{}", crate::text::key(name));
            self.name(&path, name)?;
            let distribution = self.distribution(&path, value)?;
            self.responses.insert(name.clone(), distribution);
        }
        Ok(())
    }

    /// A non-empty list of distinct component names, as indices.
    fn targets(
        &self,
        path: &str,
        targets: &[String],
        raw: &RawScenario,
    ) -> Result<Vec<usize>, ScenarioError> {
        if targets.is_empty() {
            return Err(self.error(path, "must list at least one component"));
        }
        let mut indices: Vec<usize> = Vec::with_capacity(targets.len());
        // A set, so that a long list is checked in linear time.
        let mut listed = std::collections::HashSet::with_capacity(targets.len());
        for (i, name) in targets.iter().enumerate() {
            let item = format!("{path}[{i}]");
            let index = self.reference(&item, name, &raw.components, "component")?;
            if !listed.insert(index) {
                return Err(self.error(
                    &item,
                    format!("{} is listed twice", crate::text::shown(name)),
                ));
            }
            indices.push(index);
        }
        Ok(indices)
    }

    fn process_name(&self, path: &str, name: &str) -> Result<(), ScenarioError> {
        self.name(path, name)?;
        if name.starts_with('#') {
            return Err(self.error(
                path,
                "names starting with '#' are reserved for the simulator's own random streams",
            ));
        }
        Ok(())
    }

    pub(super) fn shared_failures(
        &self,
        raw: &RawScenario,
    ) -> Result<Vec<SharedFailure>, ScenarioError> {
        raw.shared_failures
            .iter()
            .map(|(name, shared)| {
                let path = format!("shared_failures.{}", crate::text::key(name));
                self.process_name(&path, name)?;
                Ok(SharedFailure {
                    name: name.clone(),
                    time_to_failure: self.distribution(&format!("{path}.ttf"), &shared.ttf)?,
                    time_to_repair: self.distribution(&format!("{path}.ttr"), &shared.ttr)?,
                    targets: self.targets(&format!("{path}.targets"), &shared.targets, raw)?,
                    probability: self.fraction(
                        &format!("{path}.probability"),
                        shared.probability.unwrap_or(1.0),
                    )?,
                    effect: self.effect(&format!("{path}.effect"), shared.effect.as_ref())?,
                })
            })
            .collect()
    }

    pub(super) fn changes(&self, raw: &RawScenario) -> Result<Vec<Change>, ScenarioError> {
        raw.changes
            .iter()
            .map(|(name, change)| {
                let path = format!("changes.{}", crate::text::key(name));
                self.process_name(&path, name)?;
                let rollout = change
                    .rollout
                    .as_ref()
                    .map(|rollout| {
                        let canary = rollout.canary;
                        if !(canary > 0.0 && canary <= 1.0) {
                            return Err(self.error(
                                &format!("{path}.rollout.canary"),
                                format!(
                                    "must be a fraction in (0, 1] of each target's units, got {canary}"
                                ),
                            ));
                        }
                        Ok(Rollout {
                            canary,
                            bake: self.duration(&format!("{path}.rollout.bake"), &rollout.bake)?,
                        })
                    })
                    .transpose()?;
                Ok(Change {
                    name: name.clone(),
                    targets: self.targets(&format!("{path}.targets"), &change.targets, raw)?,
                    interval: self.distribution(&format!("{path}.interval"), &change.interval)?,
                    bad_probability: self.fraction(
                        &format!("{path}.bad_probability"),
                        change.bad_probability,
                    )?,
                    effect: self.effect(&format!("{path}.effect"), change.effect.as_ref())?,
                    detection: self.distribution(&format!("{path}.detection"), &change.detection)?,
                    rollback: self.distribution(&format!("{path}.rollback"), &change.rollback)?,
                    rollout,
                })
            })
            .collect()
    }
}
