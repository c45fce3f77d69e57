//! Rare-event acceleration: importance sampling by conditional failure forcing
//! (docs/precision.md, "Rare events"; design and measurements in
//! docs/design/rare-events.md).
//!
//! A *clock* is a unit's failure clock or a zone's or region's outage clock; clock `i` is
//! unit `i` for `i < units`, domain `i - units` after. Two clocks are *partners* when their
//! failures together cost service that neither costs alone (an order-2 cut), found once per
//! plan by `what_if` on the real engine. When a clock fails and is known to stay down for D,
//! each of its partners that is up is forced, with probability p_k, to fail within the
//! window [now, now + D), or else after it: its pending failure is redrawn from the clock's
//! law conditioned on the window (or on surviving it), and the trial's likelihood ratio
//! gains pi / p_k or (1 - pi) / (1 - p_k), where pi is the true probability of a failure in
//! the window given the clock's age. Every estimate then takes weight x value, which is
//! unbiased because each decision depends only on the history (the window and the
//! eligible partners are known when it is taken) and both branches have positive
//! probability. The weight of one decision is at most 1 / (1 - p_k), whatever the
//! distributions, so weights stay bounded where hazard-rate scaling's explode (lognormal
//! repairs). Forcing decisions draw from a stream of their own per clock, keyed by (seed,
//! trial, clock key): the failure clocks' own streams are consumed exactly as without it.
//!
//! Forceable clocks: units with one failure mode and no common cause, and zones and regions,
//! whose `ttf` has a survival function (not a `sum`, not a constant). Any unit or domain can
//! set off forcing when it fails.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::plan::Plan;
use super::trial::TrialRunner;
use crate::rng::stream;
use crate::scenario::{Distribution, Recovery};
use crate::time::Ticks;

/// The probability that at least one partner is forced into a window: the toy study's flat
/// optimum (relative error per trial 4.65 / 4.00 / 5.04 at p = 0.5 / 0.8 / 0.95).
pub const FORCING_PROBABILITY: f64 = 0.8;

/// Salt of the forcing streams, so that they differ from every clock's own stream.
const FORCING_SALT: u64 = 0x6a09_e667_f3bc_c908;

/// How long `what_if` lets the mechanisms act on an injected failure, at most.
const WHAT_IF_SPAN: Ticks = 24 * super::trial::HOUR;

/// The trial number `what_if` runs as (its mechanisms draw from their streams).
const WHAT_IF_TRIAL: u64 = u64::MAX;

/// Lost service a pair must add to the sum of its parts' (a fraction of `WHAT_IF_SPAN`'s
/// demand: about 9 s at a full outage) to be a cut; mechanism noise stays below it.
const PAIR_THRESHOLD: f64 = 1e-4;

/// Above this many clocks the pairwise search is not run (n^2 / 2 what-ifs).
pub const MAX_CLOCKS: usize = 400;

/// The forcing plan of a scenario: which clocks are forced when which fails.
#[derive(Debug, Clone)]
pub struct BiasPlan {
    /// Per clock: the stable key of its forcing stream.
    keys: Vec<u64>,
    /// Per clock: its time-to-failure law when it can be forced.
    laws: Vec<Option<Distribution>>,
    /// Per clock: the forceable clocks whose failure during its outage is a cut.
    partners: Vec<Vec<u32>>,
    /// Probability that at least one partner is forced into a window.
    pub probability: f64,
}

/// A pair of clocks by their stable keys: the form in which `compare` unites the partners
/// of several scenarios (the same entity has the same key in each).
pub type KeyPair = (u64, u64);

impl BiasPlan {
    /// Every clock's key and forceable law, with no partners yet.
    fn clocks(plan: &Plan) -> (Vec<u64>, Vec<Option<Distribution>>) {
        let mut keys = Vec::new();
        let mut laws = Vec::new();
        for unit in &plan.units {
            let component = &plan.components[unit.component as usize];
            let modes = unit.modes_end - unit.modes_start;
            let first = plan.unit_modes.get(unit.modes_start as usize);
            keys.push(first.map_or(0, |m| m.stream_key));
            let law = (modes == 1 && !component.common_cause)
                .then(|| &component.spec.failures[first.unwrap().mode as usize].time_to_failure)
                .filter(|d| forceable(d))
                .cloned();
            laws.push(law);
        }
        for domain in &plan.domains {
            keys.push(domain.stream_key);
            laws.push(Some(domain.time_to_failure.clone()).filter(forceable));
        }
        (keys, laws)
    }

    /// The pairs of clocks that are order-2 cuts of `plan`, by key, each as (trigger,
    /// forceable partner); empty when there are too many clocks to search.
    pub fn find_pairs(plan: &Plan) -> Vec<KeyPair> {
        let (keys, laws) = BiasPlan::clocks(plan);
        let clocks = keys.len();
        if clocks > MAX_CLOCKS || laws.iter().all(Option::is_none) {
            return Vec::new();
        }
        let mut runner = TrialRunner::new(plan);
        let can_fail: Vec<bool> = (0..clocks).map(|c| runner.can_fail(c)).collect();
        let alone: Vec<f64> = (0..clocks)
            .map(|c| {
                if can_fail[c] {
                    runner.what_if(&[c])
                } else {
                    0.0
                }
            })
            .collect();
        // Each row of pairs on a thread of its own (its own runner), collected in order.
        use rayon::prelude::*;
        let rows: Vec<Vec<KeyPair>> = (0..clocks)
            .into_par_iter()
            .map(|i| {
                let mut runner = TrialRunner::new(plan);
                let mut row = Vec::new();
                for k in i + 1..clocks {
                    if !(can_fail[i] && can_fail[k]) || (laws[i].is_none() && laws[k].is_none()) {
                        continue;
                    }
                    let together = runner.what_if(&[i, k]);
                    if together > alone[i] + alone[k] + PAIR_THRESHOLD {
                        if laws[k].is_some() {
                            row.push((keys[i], keys[k]));
                        }
                        if laws[i].is_some() {
                            row.push((keys[k], keys[i]));
                        }
                    }
                }
                row
            })
            .collect();
        rows.into_iter().flatten().collect()
    }

    /// The forcing plan of `plan` from pairs by key (its own, or the union of several
    /// scenarios' for `compare`); pairs naming clocks it does not have are ignored.
    pub fn from_pairs(plan: &Plan, pairs: &[KeyPair], probability: f64) -> BiasPlan {
        let (keys, laws) = BiasPlan::clocks(plan);
        let mut partners = vec![Vec::new(); keys.len()];
        for (trigger, partner) in pairs {
            let Some(i) = keys.iter().position(|k| k == trigger) else {
                continue;
            };
            let Some(k) = keys.iter().position(|k| k == partner) else {
                continue;
            };
            if laws[k].is_some() && !partners[i].contains(&(k as u32)) {
                partners[i].push(k as u32);
            }
        }
        for list in &mut partners {
            list.sort_unstable();
        }
        // Each window's forcing multiplies E[L^2] by about 1 / (1 - p) when the partner
        // stays out, so over N windows a trial's weights spread like E[(1 / (1 - p))^N]:
        // with frequent triggers (pods that crash monthly) or clustered ones (a Weibull
        // shape below 1 renews into its high early hazard) a fixed p = 0.8 collapses the
        // weights. N is sampled from the triggers' own up/down renewal processes, and p is
        // the largest (at most `probability`) with E[(1 / (1 - p))^N] <= 2.
        let triggers: Vec<usize> = (0..keys.len())
            .filter(|c| !partners[*c].is_empty())
            .collect();
        let windows = sample_windows(plan, &triggers);
        let probability = largest_probability(&windows, probability, WEIGHT_SPREAD);
        BiasPlan {
            keys: keys.iter().map(|k| k ^ FORCING_SALT).collect(),
            laws,
            partners,
            probability,
        }
    }

    /// Whether any clock has a partner to force.
    pub fn forces_anything(&self) -> bool {
        self.partners.iter().any(|p| !p.is_empty())
    }

    /// How many clocks can be forced by some failure.
    pub fn forced_clocks(&self) -> usize {
        let mut forced = vec![false; self.keys.len()];
        for list in &self.partners {
            for k in list {
                forced[*k as usize] = true;
            }
        }
        forced.iter().filter(|f| **f).count()
    }
}

/// The bound on E[(1 / (1 - p))^N] that sets the forcing probability.
const WEIGHT_SPREAD: f64 = 2.0;

/// Replications of the triggers' renewal processes sampled to choose p.
const WINDOW_SAMPLES: usize = 512;

/// Samples, for `WINDOW_SAMPLES` independent horizons, how many times the trigger clocks
/// fail (each an alternating renewal process of its own up and down draws, the unit's
/// earliest mode winning): the number of forcing windows a trial opens. Deterministic: a
/// stream of its own, keyed by the plan's seed.
fn sample_windows(plan: &Plan, triggers: &[usize]) -> Vec<u32> {
    let units = plan.units.len();
    let horizon = plan.horizon;
    let mut rng = stream(plan.seed, u64::MAX - 1, FORCING_SALT.rotate_left(17));
    (0..WINDOW_SAMPLES)
        .map(|_| {
            let mut windows = 0u32;
            for &clock in triggers {
                let mut t: Ticks = 0;
                // A cap on draws per horizon keeps a degenerate law from looping.
                for _ in 0..100_000 {
                    let (up, down) = if clock < units {
                        let unit = &plan.units[clock];
                        let failures = &plan.components[unit.component as usize].spec.failures;
                        (unit.modes_start..unit.modes_end)
                            .map(|m| {
                                let mode = &failures[plan.unit_modes[m as usize].mode as usize];
                                (mode.time_to_failure.sample(&mut rng), mode)
                            })
                            .min_by_key(|(up, _)| *up)
                            .map(|(up, mode)| (up, mode.time_to_repair.sample(&mut rng)))
                            .unwrap_or((Ticks::MAX, 0))
                    } else {
                        let domain = &plan.domains[clock - units];
                        (
                            domain.time_to_failure.sample(&mut rng),
                            domain.time_to_repair.sample(&mut rng),
                        )
                    };
                    t = t.saturating_add(up.max(1));
                    if t >= horizon {
                        break;
                    }
                    windows += 1;
                    t = t.saturating_add(down);
                }
            }
            windows
        })
        .collect()
}

/// The largest p in [0, `cap`] with mean((1 / (1 - p))^N) <= `spread` over the sampled
/// window counts (bisection: the mean grows with p).
fn largest_probability(windows: &[u32], cap: f64, spread: f64) -> f64 {
    let spread_at = |p: f64| {
        let factor = 1.0 / (1.0 - p);
        windows.iter().map(|n| factor.powi(*n as i32)).sum::<f64>() / windows.len().max(1) as f64
    };
    if spread_at(cap) <= spread {
        return cap;
    }
    let (mut low, mut high) = (0.0, cap);
    for _ in 0..50 {
        let mid = (low + high) / 2.0;
        if spread_at(mid) <= spread {
            low = mid;
        } else {
            high = mid;
        }
    }
    low
}

/// A law forcing can condition: a survival function, and not a constant (whose failure
/// time is certain: nothing to force).
fn forceable(law: &Distribution) -> bool {
    !matches!(
        law,
        Distribution::Constant { .. } | Distribution::Sum { .. }
    )
}

/// The per-trial state of forcing: each clock's start, its pending failure (for domains;
/// units keep theirs in `UnitState::failure_due`), until when it may not be forced again,
/// its forcing stream, and the log of the trial's likelihood ratio.
#[derive(Debug, Clone)]
pub struct Forcing {
    started: Vec<Ticks>,
    due: Vec<Ticks>,
    locked_until: Vec<Ticks>,
    streams: Vec<Option<ChaCha8Rng>>,
    seed: u64,
    trial: u64,
    log_weight: f64,
}

impl Forcing {
    pub fn new(bias: &BiasPlan) -> Self {
        let clocks = bias.keys.len();
        Forcing {
            started: vec![0; clocks],
            due: vec![Ticks::MAX; clocks],
            locked_until: vec![0; clocks],
            streams: vec![None; clocks],
            seed: 0,
            trial: 0,
            log_weight: 0.0,
        }
    }

    pub fn reset(&mut self, seed: u64, trial: u64) {
        self.started.fill(0);
        self.due.fill(Ticks::MAX);
        self.locked_until.fill(0);
        // Keyed lazily: most clocks are never forced in a trial.
        self.streams.fill(None);
        self.seed = seed;
        self.trial = trial;
        self.log_weight = 0.0;
    }

    /// Clock `clock` starts a new up period at `now`: forceable again.
    pub fn clock_started(&mut self, clock: usize, now: Ticks) {
        self.started[clock] = now;
        self.locked_until[clock] = 0;
    }

    pub fn set_due(&mut self, clock: usize, due: Ticks) {
        self.due[clock] = due;
    }

    /// When domain `domain`'s pending outage is due.
    pub fn domain_due(&self, plan: &Plan, domain: u32) -> Ticks {
        self.due[plan.units.len() + domain as usize]
    }

    /// The trial's likelihood ratio.
    pub fn weight(&self) -> f64 {
        self.log_weight.exp()
    }

    fn coins(&mut self, bias: &BiasPlan, clock: usize) -> (f64, f64) {
        let (seed, trial) = (self.seed, self.trial);
        let rng = self.streams[clock].get_or_insert_with(|| stream(seed, trial, bias.keys[clock]));
        (rng.random(), rng.random())
    }
}

impl TrialRunner<'_> {
    /// Clock `clock` failed at `now` and stays down for `outage`: forces its partners that
    /// are up (and not already forced) into the window, or out of it.
    #[cold]
    #[inline(never)]
    pub(super) fn force_partners(&mut self, now: Ticks, clock: usize, outage: Ticks) {
        let plan = self.plan;
        let Some(bias) = &plan.bias else {
            return;
        };
        let partners = &bias.partners[clock];
        if partners.is_empty() {
            return;
        }
        let window_end = now.saturating_add(outage).min(plan.horizon);
        if window_end <= now {
            return;
        }
        let eligible: Vec<u32> = partners
            .iter()
            .copied()
            .filter(|k| self.clock_pending(*k as usize, now))
            .collect();
        if eligible.is_empty() {
            return;
        }
        // At least one of them is forced in with probability `probability`.
        let p = 1.0 - (1.0 - bias.probability).powf(1.0 / eligible.len() as f64);
        let window = (window_end - now) as f64;
        for k in eligible {
            let k = k as usize;
            let law = bias.laws[k].as_ref().expect("partners are forceable");
            let forcing = self
                .forcing
                .as_mut()
                .expect("a bias plan has forcing state");
            let age = now - forcing.started[k];
            let (coin, u) = forcing.coins(bias, k);
            let Some(forced) = law.force(age as f64, window, u, coin, p) else {
                continue;
            };
            forcing.log_weight += forced.factor.ln();
            let delay = crate::time::ticks_from_f64(forced.delay).max(1);
            let due = now.saturating_add(delay);
            forcing.locked_until[k] = if forced.inside {
                Ticks::MAX
            } else {
                window_end
            };
            self.reschedule_clock(k, due);
        }
    }

    /// Whether clock `clock` is up, its failure still to come, and free to be forced.
    fn clock_pending(&self, clock: usize, now: Ticks) -> bool {
        let forcing = self.forcing.as_ref().expect("forcing state");
        if forcing.locked_until[clock] > now {
            return false;
        }
        let units = self.plan.units.len();
        let due = if clock < units {
            let state = &self.units[clock];
            if state.failed {
                return false;
            }
            state.failure_due
        } else {
            forcing.due[clock]
        };
        due != Ticks::MAX && due > now
    }

    /// Moves clock `clock`'s pending failure to `due`; the event already queued for the old
    /// time is dropped as stale by `is_live`.
    fn reschedule_clock(&mut self, clock: usize, due: Ticks) {
        let plan = self.plan;
        let units = plan.units.len();
        if clock < units {
            let unit = clock as u32;
            self.units[clock].failure_due = due;
            let mode = plan.units[clock].modes_start;
            if due < plan.horizon {
                self.queue.push(due, super::Event::UnitFails { unit, mode });
            }
        } else {
            let domain = (clock - units) as u32;
            self.forcing.as_mut().expect("forcing state").due[clock] = due;
            if due < plan.horizon {
                self.queue.push(due, super::Event::DomainFails { domain });
            }
        }
    }

    /// Whether clock `clock` has anything that can fail (a unit without failure modes has
    /// not).
    fn can_fail(&self, clock: usize) -> bool {
        let plan = self.plan;
        clock >= plan.units.len() || plan.units[clock].modes_end > plan.units[clock].modes_start
    }

    /// The lost service, as a fraction of the demand over the first day (or the horizon if
    /// shorter), when `clocks` fail at time 0 and never recover and nothing else fails; the
    /// mechanisms (checks, failover, DNS, relaunches) act as in a trial.
    pub(super) fn what_if(&mut self, clocks: &[usize]) -> f64 {
        let plan = self.plan;
        self.reset(WHAT_IF_TRIAL, false);
        let units = plan.units.len();
        for &clock in clocks {
            if clock < units {
                let unit = clock as u32;
                let unit_plan = &plan.units[clock];
                let component = unit_plan.component;
                let failures = &plan.components[component as usize].spec.failures;
                // The mode that fails most often stands for the unit.
                let Some(mode_index) =
                    (unit_plan.modes_start..unit_plan.modes_end).max_by(|a, b| {
                        let rate = |m: &u32| {
                            let mode = plan.unit_modes[*m as usize].mode as usize;
                            1.0 / failures[mode].time_to_failure.mean().max(1.0)
                        };
                        rate(a).total_cmp(&rate(b)).then(b.cmp(a))
                    })
                else {
                    continue;
                };
                let mode = plan.unit_modes[mode_index as usize];
                let mut failure = failures[mode.mode as usize].clone();
                // Down for good: no restart or replacement brings it back.
                failure.recovery = Recovery::Repair;
                self.fail_unit(
                    0,
                    unit,
                    component,
                    mode_index,
                    &failure,
                    Ticks::MAX,
                    mode.cause,
                );
                self.units[clock].failure_due = Ticks::MAX;
            } else {
                self.domain_goes_down(0, (clock - units) as u32);
            }
        }
        self.after_event(0);
        let span = WHAT_IF_SPAN.min(plan.horizon);
        while let Some((now, event)) = self.queue.pop() {
            if now >= span {
                break;
            }
            if self.is_live(now, event) {
                self.apply(now, event);
            }
        }
        self.lost_fraction_until(span)
    }
}
