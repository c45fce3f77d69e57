//! Relaunch in another zone (`replacement.any_zone`): an auto-scaling group replaces the
//! instances a zone outage took, after its detection and provisioning delay, in a zone of
//! the same region that is up. The relaunched unit serves again although its zone is still
//! down; when the zone comes back the group rebalances (launching before terminating, so
//! without loss) and the unit counts as in its own zone again.
//!
//! A relaunch due while no zone of the region is up waits for a zone or region to come
//! back, then launches again (detection + provisioning).
//!
//! Approximation: while relaunched, a unit is in no zone, so an outage of the zone it moved
//! to does not take it (its region's does).

use super::plan::DomainKind;
use super::trial::TrialRunner;
use super::Event;
use crate::scenario::Effect;
use crate::time::Ticks;

/// No zone outage the unit has been relaunched away from.
const NOT_MOVED: u32 = u32::MAX;

/// Per-trial state: per unit, the zone outage (domain index) it was relaunched away from,
/// and a generation that the zone's return bumps (cancelling a relaunch still on its way).
#[derive(Debug, Clone, Default)]
pub(super) struct ZoneRelaunches {
    moved_from: Vec<u32>,
    generation: Vec<u32>,
    /// Units whose relaunch found no zone of their region up, with their generation: they
    /// are tried again (a new launch) when some zone or region comes back.
    waiting: Vec<(u32, u32)>,
}

impl ZoneRelaunches {
    pub fn new(units: usize) -> Self {
        ZoneRelaunches {
            moved_from: vec![NOT_MOVED; units],
            generation: vec![0; units],
            waiting: Vec::new(),
        }
    }

    pub fn reset(&mut self) {
        self.moved_from.fill(NOT_MOVED);
        self.waiting.clear();
    }

    /// Whether a relaunch scheduled with `generation` still stands (its zone has not come
    /// back since).
    pub fn is_live(&self, unit: u32, generation: u32) -> bool {
        self.generation[unit as usize] == generation
    }

    /// Whether `unit` serves from another zone than its own (which is down).
    pub fn relaunched(&self, unit: u32) -> bool {
        self.moved_from[unit as usize] != NOT_MOVED
    }

    /// The zone outage `domain` is over for `unit`: whether it had been relaunched
    /// elsewhere (then it has nothing to recover from). Cancels a relaunch on its way.
    pub fn zone_returned(&mut self, unit: u32, domain: u32) -> bool {
        let u = unit as usize;
        self.generation[u] = self.generation[u].wrapping_add(1);
        if self.moved_from[u] == domain {
            self.moved_from[u] = NOT_MOVED;
            true
        } else {
            false
        }
    }
}

impl TrialRunner<'_> {
    /// Zone outage `domain` began: the auto-scaling groups among its units start
    /// relaunching them elsewhere.
    pub(super) fn zone_relaunches_start(&mut self, now: Ticks, domain: u32) {
        let plan = self.plan;
        let domain_plan = &plan.domains[domain as usize];
        if domain_plan.kind != DomainKind::Zone {
            return;
        }
        for &unit in &domain_plan.units {
            self.schedule_relaunch(now, unit);
        }
    }

    /// A zone or region came back: relaunches that found nowhere to go try again, after a
    /// new detection and provisioning (the group launches once a zone is usable).
    pub(super) fn zone_relaunches_retry(&mut self, now: Ticks) {
        if self.zone_relaunches.waiting.is_empty() {
            return;
        }
        let waiting = std::mem::take(&mut self.zone_relaunches.waiting);
        for &(unit, generation) in &waiting {
            // (Its own zone's return has moved the generation on: nothing to relaunch.)
            if self.zone_relaunches.is_live(unit, generation) {
                self.schedule_relaunch(now, unit);
            }
        }
    }

    fn schedule_relaunch(&mut self, now: Ticks, unit: u32) {
        let plan = self.plan;
        let component = &plan.components[plan.units[unit as usize].component as usize];
        let Some(replacement) = component.spec.replacement.as_ref().filter(|r| r.any_zone) else {
            return;
        };
        let provisioning = replacement
            .provisioning
            .sample(&mut self.unit_streams[unit as usize]);
        let delay = replacement.detection.saturating_add(provisioning);
        let generation = self.zone_relaunches.generation[unit as usize];
        self.schedule(now, delay, Event::ZoneRelaunch { unit, generation });
    }

    pub(super) fn zone_relaunch(&mut self, now: Ticks, unit: u32, generation: u32) {
        if self.zone_relaunches.generation[unit as usize] != generation {
            // The zone came back first.
            return;
        }
        let plan = self.plan;
        let unit_plan = &plan.units[unit as usize];
        let Some(zone) = unit_plan.zone.map(|z| z as usize) else {
            return;
        };
        let Some(domain) = plan
            .domains
            .iter()
            .position(|d| d.kind == DomainKind::Zone && d.index == zone)
        else {
            return;
        };
        let domain_plan = &plan.domains[domain];
        let region = unit_plan.region;
        let spec = &plan.components[unit_plan.component as usize].spec;
        let elsewhere = spec.zones.iter().any(|&z| {
            z != zone
                && !self.zone_down[z]
                && plan.zone_regions[z] == region
                && region.is_none_or(|r| !self.region_down[r as usize])
        });
        if !elsewhere {
            // No zone of its own region to relaunch in (an auto-scaling group is regional):
            // wait for one to come back.
            self.zone_relaunches.waiting.push((unit, generation));
            return;
        }
        self.zone_relaunches.moved_from[unit as usize] = domain as u32;
        self.uncover(now, unit, Effect::Hang, domain_plan.cause);
    }
}
