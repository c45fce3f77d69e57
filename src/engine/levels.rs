//! Service levels: a component's level from its units, role and mechanisms, times one
//! factor per dependency; changes propagate to callers only when a level actually moves.
//! Also the attribution of lost service to a (cause, mechanism).

use super::state::{BreakerPhase, FailoverPhase, Level, Slowness};
use super::trial::TrialRunner;
use super::{Attribution, Mechanism};
use crate::scenario::{Effect, Role};
use crate::time::Ticks;

/// What a component's own units provide, before dependencies.
#[derive(Debug, Clone, Copy)]
pub(super) struct Own {
    pub level: f64,
    pub hanging: f64,
    /// Share of requests served slowly, and the largest latency added.
    pub slow: f64,
    pub latency: Ticks,
    /// Which limit set the level, for attribution.
    pub mechanism: Mechanism,
    /// A unit whose badness explains the loss, if any.
    pub culprit: Option<u32>,
}

/// Of a component's successful requests, the share that needed no fallback.
fn clean_share(level: &Level) -> f64 {
    if level.served > 0.0 {
        (level.clean / level.served).min(1.0)
    } else {
        1.0
    }
}

/// What one dependency does to its caller's requests.
#[derive(Debug, Clone, Copy)]
pub(super) struct Factor {
    pub served: f64,
    pub clean: f64,
    /// Workers of the caller's pool its hung calls hold (0 without `concurrency`).
    pub held: f64,
    /// The share of the caller's requests that wait on a hung call through this edge.
    pub waits: f64,
}

/// What a component's dependencies let through (`TrialRunner::dependencies`).
#[derive(Debug, Clone, Copy, Default)]
struct Through {
    /// The start value times each dependency's served and clean factor, in edge order.
    served: f64,
    clean: f64,
    /// Workers of the caller's pool its hung calls hold, and the share of its requests
    /// waiting on a hung call.
    held: f64,
    waits: f64,
}

impl Through {
    /// Bit for bit the same.
    fn same(&self, other: &Through) -> bool {
        [self.served, self.clean, self.held, self.waits]
            .iter()
            .zip([other.served, other.clean, other.held, other.waits])
            .all(|(a, b)| a.to_bits() == b.to_bits())
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct CachedThrough {
    /// `DependencyCache::epoch` and the demand it was computed at.
    epoch: u64,
    demand: f64,
    through: Through,
}

/// Per component: what its dependencies let through a level of 1, as last computed. An
/// entry stands while the epoch has not moved; everything a dependency factor reads
/// (a component's level or slowness, an edge's view or breaker) moves it when it changes,
/// and the demand, which moves every hour with a traffic profile, is checked by value.
#[derive(Debug, Clone)]
pub(super) struct DependencyCache {
    epoch: u64,
    entries: Vec<CachedThrough>,
}

impl DependencyCache {
    pub(super) fn new(components: usize) -> Self {
        DependencyCache {
            // Entries start at 0: stale.
            epoch: 1,
            entries: vec![CachedThrough::default(); components],
        }
    }

    /// Something a dependency factor reads has changed: every entry is stale.
    #[inline]
    pub(super) fn invalidate(&mut self) {
        self.epoch += 1;
    }
}

impl TrialRunner<'_> {
    /// Marks a component for re-evaluation at the end of the current event.
    #[inline]
    pub(super) fn enqueue(&mut self, component: u32) {
        // Whatever moved may change why the system is down, even if no level moves.
        self.cause_dirty = true;
        if !self.queued[component as usize] {
            self.queued[component as usize] = true;
            self.worklist.push(component);
        }
    }

    /// Re-evaluates every marked component; a component whose level moved marks its callers.
    pub(super) fn settle(&mut self, now: Ticks) {
        while let Some(component) = self.worklist.pop() {
            self.queued[component as usize] = false;
            self.note_demand_bound(component as usize);
            let (level, slowness) = if self.plan.components[component as usize].retry_load {
                self.evaluate_amplified(component as usize)
            } else {
                self.evaluate(component as usize)
            };
            let old = &self.levels[component as usize];
            let same_level = level.served == old.served
                && level.clean == old.clean
                && level.hanging == old.hanging
                && level.own == old.own;
            if same_level && slowness == self.slowness[component as usize] {
                continue;
            }
            self.level_moved(now, component, level, slowness, same_level);
        }
    }

    /// `component`'s level or slowness moved: books it and marks its callers. Out of line,
    /// so that `settle`'s loop stays small for the usual event, which moves nothing.
    #[inline(never)]
    fn level_moved(
        &mut self,
        now: Ticks,
        component: u32,
        level: Level,
        slowness: Slowness,
        same_level: bool,
    ) {
        self.slowness[component as usize] = slowness;
        self.dependency_cache.invalidate();
        if !same_level {
            self.set_level(now, component as usize, level);
        }
        let plan = self.plan;
        for &edge in &plan.components[component as usize].dependents {
            self.callee_changed(now, edge);
            self.refresh_impaired(edge);
            self.enqueue(plan.edges[edge as usize].caller);
        }
    }

    /// Records whether the component's level could move with the hour's demand, so that
    /// hourly steps visit only such components (and stop when there are none).
    #[inline(always)]
    pub(super) fn note_demand_bound(&mut self, component: usize) {
        let bound = self.demand_bound(component);
        if bound != self.demand_bound[component] {
            self.demand_bound[component] = bound;
            if bound {
                self.demand_bound_count += 1;
            } else {
                self.demand_bound_count -= 1;
            }
        }
    }

    /// Conservatively: capacity that the good units in rotation could not carry at the
    /// busiest hour, or workers that a hanging dependency holds in proportion to demand.
    #[inline(always)]
    fn demand_bound(&self, component: usize) -> bool {
        let plan = self.plan;
        let component_plan = &plan.components[component];
        if !component_plan.demand_sensitive {
            return false;
        }
        let spec = &component_plan.spec;
        let hangs = |e: &u32| self.levels[plan.edges[*e as usize].callee as usize].hanging > 0.0;
        // An edge whose callee hangs is always among the impaired ones (DNS endpoints have
        // no factor and are all looked at).
        let waits_on_hang = || {
            if spec.dns.is_some() {
                (component_plan.edges_start..component_plan.edges_end).any(|e| hangs(&e))
            } else {
                self.impaired.of(component).iter().any(hangs)
            }
        };
        if spec.concurrency.is_some() && waits_on_hang() {
            return true;
        }
        if spec.passive_check.is_some()
            && spec.health_check.is_none()
            && (component_plan.units_start..component_plan.units_end).any(|u| {
                let state = &self.units[u as usize];
                !state.in_rotation && !state.good()
            })
        {
            // Probes of ejected units come at a rate that follows the demand.
            return true;
        }
        match spec.capacity {
            Some(capacity) => {
                let serving = (component_plan.units_start..component_plan.units_end)
                    .filter(|u| {
                        let state = &self.units[*u as usize];
                        state.in_rotation && state.good()
                    })
                    .count();
                (serving as f64) * capacity < component_plan.peak_rate
                    // Retries' load follows the callers' demand hour by hour.
                    || self.amplification[component] > 1.0
            }
            None => false,
        }
    }

    /// The component's level from the current state, and how slowly it answers.
    #[inline(always)]
    pub(super) fn evaluate(&mut self, component: usize) -> (Level, Slowness) {
        let plan = self.plan;
        let spec = &plan.components[component].spec;
        let own = self.own_level(component);
        let mut served = own.level;
        let mut clean = own.level;
        let mut hanging = own.hanging;
        let edges = plan.components[component].edges_start..plan.components[component].edges_end;
        if spec.dns.is_some() {
            let dns = &self.dns[component];
            let mut through = 0.0;
            let mut through_clean = 0.0;
            let mut hang = 0.0;
            for (position, edge) in edges.enumerate() {
                let weight = dns.weights[position];
                let view = self.edges[edge as usize].view;
                let callee = &self.levels[plan.edges[edge as usize].callee as usize];
                through += weight * view;
                through_clean += weight * view * clean_share(callee);
                hang += weight * callee.hanging;
            }
            served *= through;
            clean *= through_clean;
            hanging = (hanging + own.level * hang).min(1.0);
        } else if !edges.is_empty() {
            let through = if own.level == 1.0 {
                self.cached_dependencies(component)
            } else {
                self.dependencies(component, own.level)
            };
            served = through.served;
            clean = through.clean;
            let held = through.held;
            let waits = through.waits;
            let admitted = self.pool_admitted(component, held);
            if admitted < 1.0 {
                // One pool for all the hung calls: only the admitted share gets a worker,
                // and those waiting on a hung call hang to the caller's own callers.
                served *= admitted;
                clean *= admitted;
                hanging = (hanging + admitted * waits).min(1.0);
            }
        }
        let slowness = if own.slow > 0.0 {
            // The slow share of what still succeeds (dependencies add no latency here).
            Slowness {
                share: own.slow.min(served),
                latency: own.latency,
            }
        } else {
            Slowness::default()
        };
        (
            Level {
                served,
                clean,
                hanging,
                own: own.level,
            },
            slowness,
        )
    }

    /// What a component's dependencies let through of `start` (its own level): a request
    /// makes its calls one after the other and stops at the first that fails without a
    /// fallback, so a later call comes only from the share that got that far. Out of line:
    /// the cache answers most calls. Only the impaired edges are visited, in edge order:
    /// every other factor is exactly 1 and would change no bit (`impaired.rs`).
    #[inline(never)]
    fn dependencies(&self, component: usize, start: f64) -> Through {
        let through = Self::fold_factors(
            start,
            self.impaired
                .of(component)
                .iter()
                .map(|&edge| self.factor(edge as usize)),
        );
        #[cfg(debug_assertions)]
        {
            // Every edge, as before the impaired set: the same bits.
            let component_plan = &self.plan.components[component];
            let all = Self::fold_factors(
                start,
                (component_plan.edges_start..component_plan.edges_end)
                    .map(|edge| self.factor(edge as usize)),
            );
            debug_assert!(through.same(&all), "impaired edge set missed a change");
        }
        through
    }

    /// The product of the factors, in order, applied to `start`.
    #[inline(always)]
    fn fold_factors(start: f64, factors: impl Iterator<Item = Factor>) -> Through {
        let mut through = Through {
            served: start,
            clean: start,
            held: 0.0,
            waits: 0.0,
        };
        let mut reach = 1.0;
        for factor in factors {
            through.held += reach * factor.held;
            through.waits += reach * factor.waits;
            reach *= factor.served;
            through.served *= factor.served;
            through.clean *= factor.clean;
        }
        through
    }

    /// `dependencies(component, 1.0)`, from the cache while nothing it reads has changed:
    /// most events change one unit of a component that keeps its own level of 1, and the
    /// factors of its dependencies are then the same as last time.
    #[inline(always)]
    fn cached_dependencies(&mut self, component: usize) -> Through {
        let cache = &self.dependency_cache;
        let entry = &cache.entries[component];
        if entry.epoch == cache.epoch && entry.demand == self.demand {
            // A missed invalidation would show here in debug builds (the tests).
            debug_assert!(entry.through.same(&self.dependencies(component, 1.0)));
            return entry.through;
        }
        let through = self.dependencies(component, 1.0);
        let epoch = self.dependency_cache.epoch;
        self.dependency_cache.entries[component] = CachedThrough {
            epoch,
            demand: self.demand,
            through,
        };
        through
    }

    /// The level a component's units provide, and what limits it.
    #[inline(always)]
    pub(super) fn own_level(&self, component: usize) -> Own {
        let component_plan = &self.plan.components[component];
        if component_plan.plain && self.good_units[component] >= component_plan.spec.require {
            // Every good unit serves and no bad one is in rotation: nothing to scan.
            return Own {
                level: 1.0,
                hanging: 0.0,
                slow: 0.0,
                latency: 0,
                // What the full scan reports for a component at level 1.
                mechanism: Mechanism::Detection,
                culprit: None,
            };
        }
        self.scanned_level(component)
    }

    /// `own_level` when it needs a look at the units (or the primary).
    fn scanned_level(&self, component: usize) -> Own {
        let plan = self.plan;
        let component_plan = &plan.components[component];
        let spec = &component_plan.spec;
        if spec.role != Role::ActiveActive {
            // Served from the disaster-recovery copy, whatever the local units do.
            if let Some(own) = self.disaster_recovery_level(component) {
                return own;
            }
            return self.primary_level(component);
        }
        if spec.shards == 1 {
            return self.group_level(
                component,
                component_plan.units_start..component_plan.units_end,
            );
        }
        let per_shard = spec.replicas / spec.shards;
        self.combine_shards(
            component,
            (0..spec.shards).map(|shard| {
                let start = component_plan.units_start + shard * per_shard;
                self.group_level(component, start..start + per_shard)
            }),
        )
    }

    /// Requests spread evenly over the shards: each serves its share as a group of its
    /// own; with full coverage required, one lost shard refuses everything at once (Redis
    /// Cluster's CLUSTERDOWN), which fails fast.
    fn combine_shards(&self, component: usize, shards: impl Iterator<Item = Own>) -> Own {
        let spec = &self.plan.components[component].spec;
        let mut total = Own {
            level: 0.0,
            hanging: 0.0,
            slow: 0.0,
            latency: 0,
            mechanism: Mechanism::Detection,
            culprit: None,
        };
        let mut worst = f64::INFINITY;
        for own in shards {
            total.level += own.level / f64::from(spec.shards);
            total.hanging += own.hanging / f64::from(spec.shards);
            total.slow += own.slow / f64::from(spec.shards);
            total.latency = total.latency.max(own.latency);
            if own.level < worst {
                worst = own.level;
                total.mechanism = own.mechanism;
                total.culprit = own.culprit;
            }
        }
        if spec.require_full_coverage && worst <= 0.0 {
            total.level = 0.0;
            total.hanging = 0.0;
            total.slow = 0.0;
        }
        total
    }

    /// The level a group of units provides (all of an active-active component, or one
    /// shard), and what limits it.
    fn group_level(&self, component: usize, units: std::ops::Range<u32>) -> Own {
        let plan = self.plan;
        let spec = &plan.components[component].spec;
        let mut serving = 0u32;
        let mut in_rotation = 0u32;
        let mut hanging = 0u32;
        let (mut bad, mut bad_hanging) = (0u32, 0u32);
        let mut culprit: Option<u32> = None;
        // A good unit that health checks have not readmitted yet, and the last failure it had.
        let mut returning: Option<u32> = None;
        // The most recently turned-bad unit that costs service (out of rotation, or failing
        // its requests); a bad unit still serving (slow within the deadline) only if none.
        let mut harmful_culprit: Option<u32> = None;
        // Units in rotation answering slowly within the deadline, and the largest latency.
        let (mut slow_serving, mut slowest) = (0u32, 0);
        // Of the hanging units, those slow past the deadline but answering before a
        // next-upstream router would give up on them: it waits for their late answer.
        let mut late = 0u32;
        let router_timeout = spec
            .retry_next_upstream
            .as_ref()
            .map(|n| n.upstream_timeout);
        // Bad units that nginx's passive checks have ejected but still probe with live
        // requests (only passive checks probe so: an active check keeps them out).
        let passive_probes = spec.passive_check.is_some() && spec.health_check.is_none();
        let (mut probing, mut probing_hangs) = (0u32, 0u32);
        for unit in units {
            let state = &self.units[unit as usize];
            let good = state.good();
            let effect = self.unit_effect(unit);
            if !good {
                bad += 1;
                bad_hanging += u32::from(effect != Effect::Crash);
                let later = |c: Option<u32>| {
                    c.is_none_or(|c| state.bad_since >= self.units[c as usize].bad_since)
                };
                if later(culprit) {
                    culprit = Some(unit);
                }
                let harmless = state.in_rotation && self.serves_anyway(unit);
                if !harmless && later(harmful_culprit) {
                    harmful_culprit = Some(unit);
                }
            }
            if !state.in_rotation {
                if good
                    && returning.is_none_or(|r| state.bad_since >= self.units[r as usize].bad_since)
                {
                    returning = Some(unit);
                }
                if !good && passive_probes {
                    // nginx lets one live request through to it every fail_timeout.
                    probing += 1;
                    probing_hangs += u32::from(effect != Effect::Crash);
                }
                continue;
            }
            in_rotation += 1;
            if good {
                serving += 1;
                continue;
            }
            match effect {
                Effect::Crash => {}
                Effect::Hang => hanging += 1,
                // The router's timeout expires first: to it the unit hangs.
                Effect::Slow { latency } if router_timeout.is_some_and(|t| latency >= t) => {
                    hanging += 1
                }
                Effect::Slow { latency } => match spec.deadline {
                    Some(deadline) if latency >= deadline => {
                        hanging += 1;
                        late += 1;
                    }
                    // Slow but within the deadline: the request succeeds, slowly.
                    _ => {
                        serving += 1;
                        slow_serving += 1;
                        slowest = slowest.max(latency);
                    }
                },
            }
        }
        let culprit = harmful_culprit.or(culprit);
        if serving < spec.require || in_rotation == 0 {
            // Down: requests meet the failed units, which hang or fail fast by their effect.
            let hanging = if bad == 0 {
                0.0
            } else {
                f64::from(bad_hanging) / f64::from(bad)
            };
            // Nothing bad left: the units are back but not yet readmitted by the checks.
            let (mechanism, culprit) = match (culprit, returning) {
                (None, Some(unit)) => (Mechanism::Detection, Some(unit)),
                (culprit, _) => (Mechanism::Outage, culprit),
            };
            return Own {
                level: 0.0,
                hanging,
                slow: 0.0,
                latency: 0,
                mechanism,
                culprit,
            };
        }
        let (routed, hang_share) = match &spec.retry_next_upstream {
            None => (
                f64::from(serving) / f64::from(in_rotation),
                f64::from(hanging) / f64::from(in_rotation),
            ),
            Some(next) => super::retries::next_upstream_level(
                next,
                plan.components[component].hung_passes,
                serving,
                in_rotation - serving - hanging,
                hanging - late,
                late,
            ),
        };
        let (routed, hang_share) = if probing > 0 {
            self.with_passive_probes(component, routed, hang_share, probing, probing_hangs)
        } else {
            (routed, hang_share)
        };
        let mut level = routed;
        let mut mechanism = Mechanism::Detection;
        if let Some(capacity) = spec.capacity {
            // Retries by its callers add to the demand (1 unless some caller retries).
            let demand = self.request_rate(component) * self.amplification[component];
            if demand > 0.0 {
                let mut supplied = (f64::from(serving) * capacity / demand).min(1.0);
                if spec.shed_cost > 0.0 && supplied < routed {
                    supplied = routed
                        * super::retries::shed_success(
                            f64::from(serving) * capacity / (demand * routed),
                            spec.shed_cost,
                        );
                }
                // Each serving unit gets its share of the demand and serves at most its
                // capacity: the level is the smaller of routing and capacity.
                if supplied < routed {
                    mechanism = Mechanism::Overload;
                    level = supplied;
                }
            }
        }
        Own {
            level,
            hanging: hang_share,
            // Requests routed to the slow units (none retried away from them).
            slow: (f64::from(slow_serving) / f64::from(in_rotation)).min(level),
            latency: slowest,
            mechanism,
            culprit,
        }
    }

    /// The routing level and hanging share once `probing` ejected bad units (of which
    /// `probing_hangs` hang) each take their probes: nginx's round robin gives a peer that
    /// reached `max_fails` one live request when `fail_timeout` has passed
    /// (`ngx_http_upstream_get_peer`), which fails and ejects it for another fail_timeout.
    /// A probe comes every cycle = fail_timeout + (the wait for the round robin to pick it,
    /// about m / rate over m peers) + (the callers' timeout, for a hang), so each probing
    /// unit takes 1 / (rate x cycle) of the requests. A crashed probe is passed to the next
    /// upstream with `retry_next_upstream` (nothing was sent); a hung one fails unless the
    /// router's retries save it, as for a hung unit in rotation.
    #[cold]
    #[inline(never)]
    fn with_passive_probes(
        &self,
        component: usize,
        routed: f64,
        hang_share: f64,
        probing: u32,
        probing_hangs: u32,
    ) -> (f64, f64) {
        let spec = &self.plan.components[component].spec;
        let passive = spec.passive_check.as_ref().expect("passive probes");
        let rate = self.request_rate(component);
        if rate <= 0.0 {
            return (routed, hang_share);
        }
        let peers = f64::from(spec.replicas / spec.shards);
        let share = |wait: Ticks| {
            (1.0 / (rate * probe_cycle(passive.fail_timeout, wait, peers, rate))).min(1.0)
        };
        let crashes = probing - probing_hangs;
        let timeout = self.passive_wait(component);
        let hung_fail = match &spec.retry_next_upstream {
            None => 1.0,
            Some(next) => {
                // Of the requests that meet one hung unit first among the serving ones,
                // the share that fails.
                let serving = (routed * peers).round().max(1.0) as u32;
                let (level, _) = super::retries::next_upstream_level(
                    next,
                    self.plan.components[component].hung_passes,
                    serving,
                    0,
                    1,
                    0,
                );
                ((1.0 - level) * f64::from(serving + 1)).min(1.0)
            }
        };
        // A refused probe is passed to the next unit, unless a request gets one try only.
        let crash_fail = match &spec.retry_next_upstream {
            Some(next) if next.tries != 1 => 0.0,
            _ => 1.0,
        };
        let crash_share = f64::from(crashes) * share(0);
        let hang_probe_share = f64::from(probing_hangs) * share(timeout);
        let probes = (crash_share + hang_probe_share).min(1.0);
        let failing = crash_share * crash_fail + hang_probe_share * hung_fail;
        // The other requests go to the units in rotation as before.
        let level = (routed * (1.0 - probes) + (probes - failing)).clamp(0.0, 1.0);
        let hanging = (hang_share * (1.0 - probes) + hang_probe_share * hung_fail).min(1.0);
        (level, hanging)
    }

    /// Level of a component with a primary: that of its one failover group, or of its
    /// shards' groups combined.
    fn primary_level(&self, component: usize) -> Own {
        let component_plan = &self.plan.components[component];
        let groups = component_plan.groups_start..component_plan.groups_end;
        if groups.len() == 1 {
            return self.failover_group_level(groups.start as usize);
        }
        self.combine_shards(
            component,
            groups.map(|g| self.failover_group_level(g as usize)),
        )
    }

    /// Level of a failover group: everything while the primary serves, the reads
    /// (primary_replica) while a replica is up, nothing otherwise.
    fn failover_group_level(&self, group: usize) -> Own {
        let plan = self.plan;
        let group_plan = &plan.failover_groups[group];
        let spec = &plan.components[group_plan.component as usize].spec;
        let failover = &self.failovers[group];
        let primary = &self.units[failover.primary as usize];
        if failover.phase == FailoverPhase::Serving
            && (primary.good() || self.serves_anyway(failover.primary))
        {
            // Good, or slow within the deadline: every request succeeds.
            let latency = match self.unit_effect(failover.primary) {
                Effect::Slow { latency } if !primary.good() => latency,
                _ => 0,
            };
            let slow = latency > 0;
            return Own {
                level: 1.0,
                hanging: 0.0,
                slow: if slow { 1.0 } else { 0.0 },
                latency,
                // A caller that times out on the slow primary blames its slowness.
                mechanism: if slow {
                    Mechanism::Outage
                } else {
                    Mechanism::Failover
                },
                culprit: slow.then_some(failover.primary),
            };
        }
        // Reads go to any unit that answers them in time (good, or slow within the deadline),
        // including a freshly promoted primary.
        let replica_up = (group_plan.units_start..group_plan.units_end)
            .any(|u| self.units[u as usize].good() || self.serves_anyway(u));
        // A replica loading a new primary's data answers nothing (`resync`).
        let readable = replica_up
            && (group_plan.units_start..group_plan.units_end).any(|u| {
                (self.units[u as usize].good() || self.serves_anyway(u)) && !self.resyncing(u)
            });
        let reads = if spec.role == Role::PrimaryReplica && readable {
            spec.read_fraction
        } else {
            0.0
        };
        let serving_slow = failover.phase == FailoverPhase::Serving;
        let hanging = if (failover.phase == FailoverPhase::Detecting || serving_slow)
            && !primary.good()
            && self.unit_effect(failover.primary) != Effect::Crash
        {
            1.0 - reads
        } else {
            0.0
        };
        Own {
            level: reads,
            hanging,
            slow: 0.0,
            latency: 0,
            // With no good unit at all there is nothing to fail over to, and a primary the
            // monitors still see alive (slow past the deadline) is not failed over: a plain
            // outage.
            mechanism: if replica_up && !serving_slow {
                Mechanism::Failover
            } else {
                Mechanism::Outage
            },
            culprit: Some(failover.primary),
        }
    }

    /// The share of the callee's requests that succeed too slowly for this caller: slow
    /// answers at or past the edge's `timeout` are failures to it (they wait the timeout).
    #[inline(never)]
    pub(super) fn timed_out(&self, edge: usize) -> f64 {
        let edge_plan = &self.plan.edges[edge];
        let timeout = edge_plan.dependency.timeout;
        let callee = &self.slowness[edge_plan.callee as usize];
        if timeout > 0 && callee.share > 0.0 && callee.latency >= timeout {
            callee.share
        } else {
            0.0
        }
    }

    /// The callee's success rate as the caller of `edge` sees it (its timeout included).
    pub(super) fn served_for(&self, edge: usize) -> f64 {
        let callee = self.plan.edges[edge].callee as usize;
        (self.levels[callee].served - self.timed_out(edge)).max(0.0)
    }

    /// Calls one call through `edge` makes with its retries at the callee's level now: every
    /// attempt that hangs holds the caller's worker for the timeout again.
    #[cold]
    #[inline(never)]
    fn attempts_per_call(&self, edge: usize, retries: &crate::scenario::Retries) -> f64 {
        retries.attempts_per_call(self.served_for(edge))
    }

    /// What dependency edge `edge` does to its caller's requests.
    #[inline(always)]
    pub(super) fn factor(&self, edge: usize) -> Factor {
        let plan = self.plan;
        let edge_plan = &plan.edges[edge];
        let dependency = &edge_plan.dependency;
        let state = &self.edges[edge];
        let needed = dependency.needed_by;
        let callee = &self.levels[edge_plan.callee as usize];
        let (mut held, mut waits) = (0.0, 0.0);
        let failing = if state.breaker == BreakerPhase::Open {
            // Calls fail fast: nothing waits, every call needing the dependency fails.
            needed
        } else {
            if plan.components[edge_plan.caller as usize]
                .spec
                .concurrency
                .is_some()
            {
                // Little's law: workers held = call rate x share hanging x time held.
                waits = needed * (callee.hanging + self.timed_out(edge));
                held = self.request_rate(edge_plan.caller as usize)
                    * waits
                    * dependency.timeout as f64
                    / 1e6;
                if let Some(retries) = &dependency.retries {
                    held *= self.attempts_per_call(edge, retries);
                }
            }
            match &dependency.retries {
                // Each attempt succeeds on its own: a call fails only if every one fails.
                Some(retries) => needed * retries.failing_share(state.view),
                None => needed * (1.0 - state.view),
            }
        };
        let succeeding = 1.0 - failing;
        // Calls that succeeded only through the callee's own fallbacks are not clean either.
        let clean = 1.0 - needed + (needed - failing) * clean_share(callee);
        Factor {
            served: if dependency.fallback { 1.0 } else { succeeding },
            clean,
            held,
            waits,
        }
    }

    /// The share of `component`'s requests that get a worker: 1, or concurrency / held
    /// when its hung calls over all its dependencies would hold more workers than it has
    /// (the pool is saturated: a worker freed by a timeout, concurrency / timeout per
    /// second, serves the requests that need no hung call at once until one that does
    /// takes it again; the others are refused at once).
    fn pool_admitted(&self, component: usize, held: f64) -> f64 {
        match self.plan.components[component].spec.concurrency {
            Some(concurrency) if held >= concurrency && held > 0.0 => concurrency / held,
            _ => 1.0,
        }
    }

    /// Why `component` is below 1: follows the factor that costs the most down to a root
    /// cause and names the mechanism that made it cost service.
    ///
    /// A walk down one path of the acyclic graph, as a loop rather than by recursion, so
    /// that a chain of any depth costs no stack: where the path passes a DNS answer, a
    /// saturated pool or a timeout, that first mechanism names the result and the walk goes
    /// on for the root cause (`named`).
    pub(super) fn explain(&self, component: u32) -> Attribution {
        let plan = self.plan;
        let mut component = component as usize;
        // The mechanism the outermost such hop gave the attribution, if any.
        let mut named: Option<Mechanism> = None;
        let attribution =
            |cause: u32, mechanism: Mechanism, named: Option<Mechanism>| Attribution {
                cause,
                mechanism: named.unwrap_or(mechanism),
            };
        // A path of the acyclic graph visits each component at most once.
        for _ in 0..=plan.components.len() {
            let own = self.own_level(component);
            let mut worst: Option<(f64, usize, (Factor, bool))> = None;
            let component_plan = &plan.components[component];
            if component_plan.spec.dns.is_some() {
                // The endpoint that costs the most. If it failed outright, clients still
                // sent there are DNS's doing; a mere degradation DNS never acts on is the
                // endpoint's own story.
                if own.level >= 1.0 {
                    let dns = &self.dns[component];
                    let edges = component_plan.edges_start..component_plan.edges_end;
                    let cost = |(p, e): &(usize, u32)| {
                        dns.weights[*p] * (1.0 - self.edges[*e as usize].view)
                    };
                    let worst_endpoint = edges
                        .enumerate()
                        .filter(|endpoint| cost(endpoint) > 0.0)
                        .max_by(|a, b| cost(a).total_cmp(&cost(b)));
                    if let Some((_, edge)) = worst_endpoint {
                        let callee = plan.edges[edge as usize].callee;
                        // DNS is to blame only if it had somewhere better to send them.
                        let alternative = (component_plan.edges_start..component_plan.edges_end)
                            .any(|e| {
                                e != edge
                                    && self.edges[e as usize].view >= super::dns::HEALTHY_LEVEL
                            });
                        if self.edges[edge as usize].view >= super::dns::HEALTHY_LEVEL
                            || !alternative
                        {
                            component = callee as usize;
                            continue;
                        }
                        named = named.or(Some(Mechanism::Dns));
                        component = callee as usize;
                        continue;
                    }
                }
            } else {
                // Only impaired edges can cost anything or hold workers.
                let factors: Vec<(usize, Factor)> = self
                    .impaired
                    .of(component)
                    .iter()
                    .map(|&e| (e as usize, self.factor(e as usize)))
                    .collect();
                let mut reach = 1.0;
                let held: f64 = factors
                    .iter()
                    .map(|(_, f)| {
                        let held = reach * f.held;
                        reach *= f.served;
                        held
                    })
                    .sum();
                let saturated = self.pool_admitted(component, held) < 1.0;
                // With a saturated pool the edge holding the most workers is to blame.
                let cascading = saturated.then(|| {
                    factors
                        .iter()
                        .max_by(|a, b| a.1.held.total_cmp(&b.1.held))
                        .map(|(e, _)| *e)
                });
                for (edge, factor) in factors {
                    let cascade = cascading.flatten() == Some(edge);
                    let cost = if cascade { 2.0 } else { 1.0 - factor.served };
                    if cost > 0.0 && worst.is_none_or(|(w, _, _)| cost > w) {
                        worst = Some((cost, edge, (factor, cascade)));
                    }
                }
            }
            let own_cost = 1.0 - own.level;
            match worst {
                Some((cost, edge, (_, cascade))) if cost > own_cost => {
                    let state = &self.edges[edge];
                    let callee = plan.edges[edge].callee;
                    if cascade {
                        named = named.or(Some(Mechanism::Cascade));
                        component = callee as usize;
                        continue;
                    }
                    if self.timed_out(edge) > 0.0 {
                        // Answers too slow for this caller's timeout: the callee is as good
                        // as down to it, whatever its breaker does meanwhile.
                        named = named.or(Some(Mechanism::Outage));
                        component = callee as usize;
                        continue;
                    }
                    if state.breaker == BreakerPhase::Open
                        && self.levels[callee as usize].served >= 1.0
                    {
                        return attribution(state.breaker_cause, Mechanism::Breaker, named);
                    }
                    component = callee as usize;
                }
                _ => {
                    let cause = match (own.mechanism, own.culprit) {
                        (Mechanism::Failover, culprit) => culprit
                            .and_then(|unit| plan.failover_group_of(unit))
                            .map_or(plan.demand_cause, |g| self.failovers[g as usize].cause),
                        (_, Some(unit)) => self.units[unit as usize].cause,
                        // Overloaded by its callers' retries after the trigger has gone:
                        // the retry storm is the trigger's doing.
                        (Mechanism::Overload, None) if self.amplification[component] > 1.0 => {
                            self.storm_cause[component]
                        }
                        (_, None) => plan.demand_cause,
                    };
                    return attribution(cause, own.mechanism, named);
                }
            }
        }
        attribution(plan.demand_cause, Mechanism::Outage, named)
    }
}

/// Seconds between nginx's live probes of an ejected peer that stays bad: each probe is
/// sent once `fail_timeout` F has passed since `checked` and the round robin picks the peer
/// (about g = (peers + 1) / rate later); `checked` is set when a probe is sent and again
/// when it fails, `wait` w later (0 for a refused connection). With w <= F + g the next
/// probe waits for the failure: a cycle of w + F + g. With a longer wait the probes
/// overlap, each failure postponing the next send: a periodic schedule of period D with
/// D = F + g + (w mod D), that is D = (w + F + g) / floor((w + F + g) / (F + g)).
fn probe_cycle(fail_timeout: Ticks, wait: Ticks, peers: f64, rate: f64) -> f64 {
    let gap = fail_timeout as f64 / 1e6 + (peers + 1.0) / rate;
    let total = wait as f64 / 1e6 + gap;
    total / (total / gap).floor().max(1.0)
}
