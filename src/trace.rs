//! Replaying one trial: its event log and the timeline of every component's service level.
//!
//! A trial depends only on (scenario, seed, trial number), so replaying trial N here shows
//! exactly what the full run saw for it. Pure: the caller renders or prints the result.

use serde::Serialize;

use crate::engine::{Event, Observer, Plan, TrialOutcome, TrialRunner};
use crate::time::{Ticks, TICKS_PER_SECOND};

/// Something worth marking on a timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mark {
    pub time: Ticks,
    /// "failover", "change" (a bad change, from its start to its rollback) or "shared" (a
    /// shared failure's occurrence), each drawn from `time - seconds` to `time`; or
    /// "data-loss" (an asynchronous failover's lost window) or "restore" (a
    /// disaster-recovery restore, with the snapshot's age).
    pub kind: &'static str,
    pub seconds: f64,
}

/// One line of the event log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogLine {
    /// Seconds since the start of the trial.
    pub t: f64,
    /// The same instant as days and hh:mm:ss.
    pub at: String,
    pub event: &'static str,
    /// What the event is about: a unit ("api/2"), zone, region, component or edge.
    pub subject: String,
    /// The failure mode, for a unit failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Whether a change that starts is "good" or "bad".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<&'static str>,
    /// The units a common-cause strike or a shared failure struck ("api/2").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub struck: Option<Vec<String>>,
    /// The system's service level after the event.
    pub system_level: f64,
}

/// A trial's history: level changes per component and for the system.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    pub trial: u64,
    pub horizon: Ticks,
    pub components: Vec<String>,
    /// Per component, (time, level) at the start and at every change.
    pub levels: Vec<Vec<(Ticks, f64)>>,
    /// The entry's level, (time, level) at the start and at every change.
    pub system: Vec<(Ticks, f64)>,
    pub marks: Vec<Mark>,
    pub log: Vec<LogLine>,
    pub outcome: TrialOutcome,
    /// What time 0 is, when not the start of the trial ("since the injection").
    pub origin: Option<String>,
}

struct Recorder<'a> {
    plan: &'a Plan,
    names: Vec<String>,
    timeline: Timeline,
    failovers_seen: usize,
    data_loss_seen: usize,
    restores_seen: usize,
    /// Start of each bad change and each shared failure's occurrence still open.
    change_started: Vec<Option<Ticks>>,
    shared_started: Vec<Option<Ticks>>,
}

impl Recorder<'_> {
    /// A band from `start` to `end` on the marks lane.
    fn band(&mut self, kind: &'static str, start: Option<Ticks>, end: Ticks) {
        if let Some(start) = start {
            self.timeline.marks.push(Mark {
                time: end,
                kind,
                seconds: (end - start) as f64 / TICKS_PER_SECOND,
            });
        }
    }
}

impl Observer for Recorder<'_> {
    fn on_event(&mut self, time: Ticks, event: Event, trial: &TrialRunner) {
        let levels = trial.levels();
        let entry = self.plan.entry as usize;
        let system_level = levels[entry].served;
        let system_changed = self
            .timeline
            .system
            .last()
            .is_none_or(|(_, l)| *l != system_level);
        for (series, level) in self.timeline.levels.iter_mut().zip(levels) {
            if series.last().is_none_or(|(_, l)| *l != level.served) {
                series.push((time, level.served));
            }
        }
        if system_changed {
            self.timeline.system.push((time, system_level));
        }
        let outcome = trial.outcome();
        for seconds in &outcome.failover_durations[self.failovers_seen..] {
            self.timeline.marks.push(Mark {
                time,
                kind: "failover",
                seconds: *seconds,
            });
        }
        self.failovers_seen = outcome.failover_durations.len();
        for seconds in &outcome.data_loss[self.data_loss_seen..] {
            self.timeline.marks.push(Mark {
                time,
                kind: "data-loss",
                seconds: *seconds,
            });
        }
        self.data_loss_seen = outcome.data_loss.len();
        for seconds in &outcome.restore_loss[self.restores_seen..] {
            self.timeline.marks.push(Mark {
                time,
                kind: "restore",
                seconds: *seconds,
            });
        }
        self.restores_seen = outcome.restore_loss.len();
        match event {
            Event::ChangeStarts { change } if trial.change_is_bad(change) => {
                self.change_started[change as usize] = Some(time)
            }
            Event::ChangeRolledBack { change } => {
                let start = self.change_started[change as usize].take();
                self.band("change", start, time);
            }
            Event::SharedFails { shared } => self.shared_started[shared as usize] = Some(time),
            Event::SharedRecovers { shared } => {
                let start = self.shared_started[shared as usize].take();
                self.band("shared", start, time);
            }
            _ => {}
        }
        // Hourly demand steps are noise in a log unless they moved the system.
        if matches!(event, Event::TrafficHour) && !system_changed {
            return;
        }
        let (name, subject, mode) = self.describe(event);
        let struck = match event {
            Event::CommonCause { process } => Some(trial.struck_by_common_cause(process).to_vec()),
            Event::SharedFails { shared } => Some(trial.struck_by_shared_failure(shared).to_vec()),
            _ => None,
        }
        .map(|units| units.into_iter().map(|u| self.unit_name(u)).collect());
        let version = match event {
            Event::ChangeStarts { change } if trial.change_is_bad(change) => Some("bad"),
            Event::ChangeStarts { .. } => Some("good"),
            _ => None,
        };
        self.timeline.log.push(LogLine {
            t: time as f64 / TICKS_PER_SECOND,
            at: clock(time),
            event: name,
            subject,
            mode,
            version,
            struck,
            system_level,
        });
    }
}

impl Recorder<'_> {
    fn unit_name(&self, unit: u32) -> String {
        let unit_plan = &self.plan.units[unit as usize];
        format!(
            "{}/{}",
            self.names[unit_plan.component as usize], unit_plan.index
        )
    }

    fn edge_name(&self, edge: u32) -> String {
        let edge_plan = &self.plan.edges[edge as usize];
        format!(
            "{} -> {}",
            self.names[edge_plan.caller as usize], self.names[edge_plan.callee as usize]
        )
    }

    fn cause(&self, cause: u32) -> String {
        self.plan.causes[cause as usize].clone()
    }

    /// "experiment NAME: fault i (what it injects)".
    fn fault_name(&self, fault: u32) -> String {
        let Some(experiment) = &self.plan.experiment else {
            return format!("fault {fault}");
        };
        let kind = &experiment.experiment.faults[fault as usize].kind;
        let what = match kind {
            crate::scenario::FaultKind::Unit {
                component, index, ..
            } => format!("unit {}#{index}", self.names[*component]),
            crate::scenario::FaultKind::Primary { component } => {
                format!("primary of {}", self.names[*component])
            }
            crate::scenario::FaultKind::Zone(_) | crate::scenario::FaultKind::Region(_) => {
                "domain outage".to_string()
            }
            crate::scenario::FaultKind::Latency { component, .. } => {
                format!("latency on {}", self.names[*component])
            }
            crate::scenario::FaultKind::ReplicationLag { component, .. } => {
                format!("replication lag of {}", self.names[*component])
            }
        };
        format!("{}: {what}", self.cause(experiment.cause))
    }

    fn change_name(&self, change: u32) -> String {
        format!("change {}", self.plan.changes[change as usize].spec.name)
    }

    fn describe(&self, event: Event) -> (&'static str, String, Option<String>) {
        let plan = self.plan;
        match event {
            Event::UnitFails { unit, mode } => {
                let cause = plan.unit_modes[mode as usize].cause as usize;
                let mode_name = plan.causes[cause]
                    .rsplit('/')
                    .next()
                    .unwrap_or("")
                    .to_string();
                ("unit_fails", self.unit_name(unit), Some(mode_name))
            }
            Event::UnitRecovers { unit } => ("unit_recovers", self.unit_name(unit), None),
            Event::DomainFails { domain } => (
                "domain_fails",
                self.cause(plan.domains[domain as usize].cause),
                None,
            ),
            Event::DomainRecovers { domain } => (
                "domain_recovers",
                self.cause(plan.domains[domain as usize].cause),
                None,
            ),
            Event::Rotation { unit, .. } => ("rotation", self.unit_name(unit), None),
            Event::Failover { group, .. } => {
                let group_plan = &plan.failover_groups[group as usize];
                let component = group_plan.component as usize;
                let first = plan.components[component].groups_start;
                let name = if plan.components[component].groups_end - first > 1 {
                    format!("{} shard {}", self.names[component], group - first)
                } else {
                    self.names[component].clone()
                };
                ("failover_step", name, None)
            }
            Event::EdgeView { edge, .. } => ("retry_window", self.edge_name(edge), None),
            Event::Breaker { edge, .. } => ("breaker", self.edge_name(edge), None),
            Event::DnsCheck { edge, .. } => ("dns_check", self.edge_name(edge), None),
            Event::DnsDrain { component, .. } => {
                ("dns_drain", self.names[component as usize].clone(), None)
            }
            Event::TrafficHour => ("traffic_hour", String::new(), None),
            Event::CommonCause { process } => (
                "common_cause",
                self.cause(plan.common_causes[process as usize].cause),
                None,
            ),
            Event::CommonCauseOverlayEnds { unit, .. } => {
                ("common_cause_ends", self.unit_name(unit), None)
            }
            Event::SharedFails { shared } => (
                "shared_fails",
                self.cause(plan.shared_failures[shared as usize].cause),
                None,
            ),
            Event::SharedRecovers { shared } => (
                "shared_recovers",
                self.cause(plan.shared_failures[shared as usize].cause),
                None,
            ),
            Event::ChangeStarts { change } => ("change_starts", self.change_name(change), None),
            Event::ChangeReachesAll { change } => {
                ("change_reaches_all", self.change_name(change), None)
            }
            Event::ChangeRolledBack { change } => {
                ("change_rolled_back", self.change_name(change), None)
            }
            Event::DeepLivenessKill { unit, .. } => {
                ("deep_liveness_kill", self.unit_name(unit), None)
            }
            Event::DeepRestartEnds { unit } => ("deep_restart_ends", self.unit_name(unit), None),
            Event::ZoneRelaunch { unit, .. } => ("zone_relaunch", self.unit_name(unit), None),
            Event::FaultStarts { fault } => ("fault_starts", self.fault_name(fault), None),
            Event::FaultEnds { fault } => ("fault_ends", self.fault_name(fault), None),
            Event::DisasterRecovery { component, .. } => (
                "disaster_recovery_step",
                self.names[component as usize].clone(),
                None,
            ),
            Event::Resynced { component } => (
                "replica_resynced",
                self.names[component as usize].clone(),
                None,
            ),
        }
    }
}

/// `d` days and hh:mm:ss.mmm of a time.
pub fn clock(time: Ticks) -> String {
    let millis = time / 1000;
    let (days, rest) = (millis / 86_400_000, millis % 86_400_000);
    format!(
        "{days}d {:02}:{:02}:{:02}.{:03}",
        rest / 3_600_000,
        rest / 60_000 % 60,
        rest / 1000 % 60,
        rest % 1000
    )
}

/// Replays trial `trial` of `plan` and records its timeline and event log.
pub fn record(plan: &Plan, component_names: &[String], trial: u64) -> Timeline {
    let mut recorder = Recorder {
        plan,
        names: component_names.to_vec(),
        timeline: Timeline {
            trial,
            horizon: plan.horizon,
            components: component_names.to_vec(),
            levels: vec![vec![(0, 1.0)]; component_names.len()],
            system: vec![(0, 1.0)],
            marks: Vec::new(),
            log: Vec::new(),
            outcome: TrialOutcome::default(),
            origin: None,
        },
        failovers_seen: 0,
        data_loss_seen: 0,
        restores_seen: 0,
        change_started: vec![None; plan.changes.len()],
        shared_started: vec![None; plan.shared_failures.len()],
    };
    let mut runner = TrialRunner::new(plan);
    let outcome = runner.run_observed(trial, &mut recorder).clone();
    // Occurrences still open at the horizon are drawn up to it.
    for c in 0..plan.changes.len() {
        let start = recorder.change_started[c].take();
        recorder.band("change", start, plan.horizon);
    }
    for s in 0..plan.shared_failures.len() {
        let start = recorder.shared_started[s].take();
        recorder.band("shared", start, plan.horizon);
    }
    recorder.timeline.outcome = outcome;
    recorder.timeline
}

/// Replays trial `trial` of an experiment's plan (`Plan::for_experiment`) and keeps its
/// window: from the injection to a fifth of the experiment's span (at least a second) after
/// the service came back or the faults ended, whichever is later; times count from the
/// injection.
pub fn record_experiment(plan: &Plan, component_names: &[String], trial: u64) -> Timeline {
    let timeline = record(plan, component_names, trial);
    let Some(experiment) = &plan.experiment else {
        return timeline;
    };
    let measure = crate::chaos::measure_trial(&mut TrialRunner::new(plan), trial);
    let at = experiment.experiment.at;
    let back = at.saturating_add((measure.recovery * TICKS_PER_SECOND) as Ticks);
    let last = back.max(experiment.end());
    let margin = ((last - at) / 5).max(TICKS_PER_SECOND as Ticks);
    let mut window = timeline.window(at, last.saturating_add(margin));
    window.origin = Some("since the injection".to_string());
    window
}

impl Timeline {
    /// The part of the timeline in [`from`, `to`), with times counted from `from` (a chaos
    /// experiment's window): each lane starts at its level at `from`.
    pub fn window(&self, from: Ticks, to: Ticks) -> Timeline {
        let to = to.min(self.horizon).max(from + 1);
        let lane = |points: &[(Ticks, f64)]| {
            let start = points
                .iter()
                .take_while(|(t, _)| *t <= from)
                .last()
                .map_or(1.0, |(_, level)| *level);
            std::iter::once((0, start))
                .chain(
                    points
                        .iter()
                        .filter(|(t, _)| *t > from && *t < to)
                        .map(|(t, level)| (t - from, *level)),
                )
                .collect::<Vec<_>>()
        };
        Timeline {
            trial: self.trial,
            horizon: to - from,
            components: self.components.clone(),
            levels: self.levels.iter().map(|points| lane(points)).collect(),
            system: lane(&self.system),
            marks: self
                .marks
                .iter()
                .filter(|m| m.time >= from && m.time < to)
                .map(|m| Mark {
                    time: m.time - from,
                    ..m.clone()
                })
                .collect(),
            log: self
                .log
                .iter()
                .filter(|l| {
                    let t = (l.t * TICKS_PER_SECOND) as Ticks;
                    t >= from && t < to
                })
                .cloned()
                .collect(),
            outcome: self.outcome.clone(),
            origin: self.origin.clone(),
        }
    }
}

/// The lowest-numbered trial whose lost service is within 1.2% (two histogram bins) of
/// `median` (both zero counts as equal), or the closest of the first `limit` trials.
pub fn typical_trial(plan: &Plan, median: f64, limit: u64) -> u64 {
    let mut runner = TrialRunner::new(plan);
    let mut best = (f64::INFINITY, 0);
    for trial in 0..limit.max(1) {
        let lost = runner.run(trial).lost;
        let distance = if median == 0.0 {
            lost
        } else {
            (lost / median - 1.0).abs()
        };
        if (median == 0.0 && lost == 0.0) || (median > 0.0 && distance <= 0.012) {
            return trial;
        }
        if distance < best.0 {
            best = (distance, trial);
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::clock;

    #[test]
    fn clock_shows_days_and_time() {
        assert_eq!(clock(0), "0d 00:00:00.000");
        assert_eq!(clock(90_061_001_000), "1d 01:01:01.001");
    }
}
