//! Monte Carlo runner: many independent trials in parallel, reduced deterministically.
//!
//! Trials are cut into chunks of `CHUNK_TRIALS` consecutive trial numbers. Each chunk runs
//! sequentially into its own `RunAccumulator`; chunks run in parallel with rayon, a bounded
//! batch at a time, and are merged strictly in chunk order. Chunk boundaries depend only on
//! the trial count, so the merged result is bit-identical for any thread count, and memory
//! is bounded by one batch of fixed-size accumulators whatever the number of trials.

use rayon::prelude::*;

use crate::engine::{Mechanism, Plan, TrialOutcome, TrialRunner};
use crate::scenario::Recovery;
use crate::stats::{LogHistogram, Moments, PairMoments};
use crate::time::{ticks_to_minutes, ticks_to_years, Ticks};

/// Trials per chunk: the unit of parallel work and of ordered merging.
pub const CHUNK_TRIALS: u64 = 256;
/// Chunks in flight at once: bounds memory to this many accumulators.
const BATCH_CHUNKS: u64 = 64;

/// SLA tiers as availability fractions, from the loosest.
pub const TIERS: [f64; 4] = [0.99, 0.999, 0.9999, 0.99999];

/// A mergeable summary of one quantity that happens a variable number of times per trial
/// (failovers, lost write windows): how many per trial, and the values' distribution.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EventStats {
    /// Count per year, per trial.
    pub per_year: Moments,
    /// The values themselves (seconds).
    pub values: Moments,
    pub histogram: LogHistogram,
    /// Sums of weight x value and of weight over the values, for their weighted mean
    /// under rare-event forcing (`values` is unweighted).
    #[serde(with = "crate::stats::bits")]
    pub weighted_sum: f64,
    #[serde(with = "crate::stats::bits")]
    pub weight_sum: f64,
}

impl EventStats {
    fn new() -> Self {
        EventStats {
            per_year: Moments::default(),
            values: Moments::default(),
            // Seconds from 1 microsecond to about 30 years.
            histogram: LogHistogram::new(9, 15),
            weighted_sum: 0.0,
            weight_sum: 0.0,
        }
    }

    /// Adds one trial's values; `weight` is its likelihood ratio (`None`: a plain run).
    fn add(&mut self, values: &[f64], years: f64, weight: Option<f64>) {
        let w = weight.unwrap_or(1.0);
        self.per_year.add(w * values.len() as f64 / years);
        for value in values {
            self.values.add(*value);
            match weight {
                None => self.histogram.add(*value),
                Some(w) => {
                    self.histogram.add_weighted(*value, w);
                    self.weighted_sum += w * value;
                    self.weight_sum += w;
                }
            }
        }
    }

    /// The mean of the values: weighted under rare-event forcing.
    pub fn mean(&self, weighted: bool) -> f64 {
        if weighted {
            self.weighted_sum / self.weight_sum.max(f64::MIN_POSITIVE)
        } else {
            self.values.mean()
        }
    }

    fn merge(&mut self, other: &EventStats) {
        self.per_year.merge(&other.per_year);
        self.values.merge(&other.values);
        self.histogram.merge(&other.histogram);
        self.weighted_sum += other.weighted_sum;
        self.weight_sum += other.weight_sum;
    }
}

/// Everything the run measured, as mergeable sums. Its size depends on the scenario (one
/// entry per component, cause and recovery) but not on the number of trials.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunAccumulator {
    pub horizon: Ticks,
    /// Per-trial lost service as a fraction of demand (1 - availability).
    pub downtime_fraction: Moments,
    pub downtime_histogram: LogHistogram,
    /// Per tier: trials whose availability met it.
    pub trials_meeting_tier: [u64; TIERS.len()],
    /// Trials with any lost service at all.
    pub trials_with_downtime: u64,
    /// Minutes per year with the system fully down, and degraded.
    pub full_outage_minutes: Moments,
    pub degraded_minutes: Moments,
    /// Fraction of demand served only by a fallback.
    pub fallback_fraction: Moments,
    pub incidents_per_year: Moments,
    pub full_outages_per_year: Moments,
    /// (impaired minutes, incidents) per trial: mean incident length is their ratio of means.
    pub outage_minutes_and_incidents: PairMoments,
    pub component_downtime_fraction: Vec<Moments>,
    pub component_own_downtime_fraction: Vec<Moments>,
    /// Per (cause, mechanism) slot: lost service as a fraction of demand.
    pub cause_fraction: Vec<Moments>,
    pub data_loss: EventStats,
    /// Disaster-recovery restores and the write window each lost.
    pub restores: EventStats,
    pub failovers: EventStats,
    /// Per (mode cause, recovery kind): outages ended that way, summed over trials
    /// (weighted by the likelihood ratio under rare-event forcing; whole numbers without).
    #[serde(with = "crate::stats::bits::vec")]
    pub recoveries: Vec<f64>,
    pub events: u64,
    /// The trial with the most lost service (the lowest number among equals) and that loss.
    #[serde(with = "crate::stats::bits::trial")]
    pub worst_trial: Option<(u64, f64)>,
    /// Under rare-event forcing: the weights' diagnostics and the weighted tier and
    /// any-loss estimates (every moment above is then of weight x value).
    #[serde(skip)]
    pub importance: Option<Box<crate::importance::ImportanceStats>>,
}

impl RunAccumulator {
    pub fn new(plan: &Plan) -> Self {
        let components = plan.components.len();
        RunAccumulator {
            horizon: plan.horizon,
            downtime_fraction: Moments::default(),
            downtime_histogram: LogHistogram::default(),
            trials_meeting_tier: [0; TIERS.len()],
            trials_with_downtime: 0,
            full_outage_minutes: Moments::default(),
            degraded_minutes: Moments::default(),
            fallback_fraction: Moments::default(),
            incidents_per_year: Moments::default(),
            full_outages_per_year: Moments::default(),
            outage_minutes_and_incidents: PairMoments::default(),
            component_downtime_fraction: vec![Moments::default(); components],
            component_own_downtime_fraction: vec![Moments::default(); components],
            cause_fraction: vec![Moments::default(); plan.causes.len() * Mechanism::ALL.len()],
            data_loss: EventStats::new(),
            restores: EventStats::new(),
            failovers: EventStats::new(),
            recoveries: vec![0.0; plan.causes.len() * Recovery::ALL.len()],
            events: 0,
            worst_trial: None,
            importance: plan.bias.as_ref().map(|_| Box::default()),
        }
    }

    pub fn trials(&self) -> u64 {
        self.downtime_fraction.count()
    }

    pub fn add(&mut self, trial: u64, outcome: &TrialOutcome) {
        self.note_worst(Some((trial, outcome.lost)));
        let years = ticks_to_years(self.horizon);
        let fraction = outcome.lost;
        // Under rare-event forcing every estimate is of weight x value; without, the
        // weight is exactly 1 and nothing is multiplied.
        let weight = self.importance.as_ref().map(|_| outcome.weight);
        let w = weight.unwrap_or(1.0);
        if let Some(importance) = &mut self.importance {
            importance.add(w, fraction);
            self.downtime_histogram.add_weighted(fraction, w);
        } else {
            self.downtime_histogram.add(fraction);
        }
        self.downtime_fraction.add(w * fraction);
        for (met, tier) in self.trials_meeting_tier.iter_mut().zip(TIERS) {
            // A relative tolerance, so that 1 - 0.999 rounding cannot flip a year.
            if fraction <= (1.0 - tier) * (1.0 + 1e-12) {
                *met += 1;
            }
        }
        self.trials_with_downtime += u64::from(fraction > 0.0);
        self.full_outage_minutes
            .add(w * ticks_to_minutes(outcome.full_outage) / years);
        self.degraded_minutes
            .add(w * ticks_to_minutes(outcome.degraded) / years);
        self.fallback_fraction.add(w * outcome.fallback);
        self.incidents_per_year
            .add(w * f64::from(outcome.incidents) / years);
        self.full_outages_per_year
            .add(w * f64::from(outcome.full_outages) / years);
        self.outage_minutes_and_incidents.add(
            w * ticks_to_minutes(outcome.full_outage + outcome.degraded),
            w * f64::from(outcome.incidents),
        );
        add_all(
            &mut self.component_downtime_fraction,
            &outcome.component_lost,
            w,
        );
        add_all(
            &mut self.component_own_downtime_fraction,
            &outcome.component_own_lost,
            w,
        );
        add_all(&mut self.cause_fraction, &outcome.cause_lost, w);
        self.data_loss.add(&outcome.data_loss, years, weight);
        self.restores.add(&outcome.restore_loss, years, weight);
        self.failovers
            .add(&outcome.failover_durations, years, weight);
        for (total, count) in self.recoveries.iter_mut().zip(&outcome.recoveries) {
            *total += w * f64::from(*count);
        }
        self.events += outcome.events;
    }

    /// Adds the results of later trials. Merging in trial order gives the same bits on
    /// every run.
    fn note_worst(&mut self, candidate: Option<(u64, f64)>) {
        let Some((trial, lost)) = candidate else {
            return;
        };
        let better = match self.worst_trial {
            None => true,
            Some((best_trial, best_lost)) => {
                lost > best_lost || (lost == best_lost && trial < best_trial)
            }
        };
        if better {
            self.worst_trial = Some((trial, lost));
        }
    }

    pub fn merge(&mut self, other: &RunAccumulator) {
        self.note_worst(other.worst_trial);
        self.downtime_fraction.merge(&other.downtime_fraction);
        self.downtime_histogram.merge(&other.downtime_histogram);
        for (mine, theirs) in self
            .trials_meeting_tier
            .iter_mut()
            .zip(other.trials_meeting_tier)
        {
            *mine = mine.saturating_add(theirs);
        }
        self.trials_with_downtime = self
            .trials_with_downtime
            .saturating_add(other.trials_with_downtime);
        self.full_outage_minutes.merge(&other.full_outage_minutes);
        self.degraded_minutes.merge(&other.degraded_minutes);
        self.fallback_fraction.merge(&other.fallback_fraction);
        self.incidents_per_year.merge(&other.incidents_per_year);
        self.full_outages_per_year
            .merge(&other.full_outages_per_year);
        self.outage_minutes_and_incidents
            .merge(&other.outage_minutes_and_incidents);
        merge_all(
            &mut self.component_downtime_fraction,
            &other.component_downtime_fraction,
        );
        merge_all(
            &mut self.component_own_downtime_fraction,
            &other.component_own_downtime_fraction,
        );
        merge_all(&mut self.cause_fraction, &other.cause_fraction);
        self.data_loss.merge(&other.data_loss);
        self.restores.merge(&other.restores);
        self.failovers.merge(&other.failovers);
        for (mine, theirs) in self.recoveries.iter_mut().zip(&other.recoveries) {
            *mine += theirs;
        }
        self.events = self.events.saturating_add(other.events);
        if let (Some(mine), Some(theirs)) = (&mut self.importance, &other.importance) {
            mine.merge(theirs);
        }
    }

    /// Calls `visit` on every per-trial mean the accumulator keeps (not the per-event
    /// values), in a fixed order.
    fn visit_trial_moments(&mut self, visit: &mut dyn FnMut(&mut Moments)) {
        for m in [
            &mut self.downtime_fraction,
            &mut self.full_outage_minutes,
            &mut self.degraded_minutes,
            &mut self.fallback_fraction,
            &mut self.incidents_per_year,
            &mut self.full_outages_per_year,
            &mut self.data_loss.per_year,
            &mut self.restores.per_year,
            &mut self.failovers.per_year,
        ] {
            visit(m);
        }
        for list in [
            &mut self.component_downtime_fraction,
            &mut self.component_own_downtime_fraction,
            &mut self.cause_fraction,
        ] {
            list.iter_mut().for_each(&mut *visit);
        }
    }

    /// Multiplies the standard error of every per-trial mean by `factor`.
    pub fn widen_errors(&mut self, factor: f64) {
        self.visit_trial_moments(&mut |m: &mut Moments| m.widen(factor));
        self.outage_minutes_and_incidents.widen(factor);
    }

    /// The accumulator whose per-trial moments are those of the groups' means, one value
    /// per group: its means are the groups' average (each group weighs the same whatever
    /// its trial count) and its standard errors the spread of the group means over the
    /// square root of their number. This is how trials that share a parameter set (and are
    /// therefore not independent of each other) get honest errors (`crate::uncertainty`).
    /// Everything else (histograms, counts, worst trial) is the plain merge. `groups`
    /// must not be empty.
    pub fn between_groups(groups: &[RunAccumulator]) -> RunAccumulator {
        let mut merged = groups[0].clone();
        for group in &groups[1..] {
            merged.merge(group);
        }
        let mut of_means: Vec<Moments> = Vec::new();
        let mut pair = PairMoments::default();
        for group in groups {
            let mut means = Vec::new();
            group
                .clone()
                .visit_trial_moments(&mut |m: &mut Moments| means.push(m.mean()));
            of_means.resize(means.len(), Moments::default());
            for (total, mean) in of_means.iter_mut().zip(means) {
                total.add(mean);
            }
            let outage = &group.outage_minutes_and_incidents;
            pair.add(outage.x.mean(), outage.y.mean());
        }
        let mut next = of_means.into_iter();
        merged.visit_trial_moments(&mut |m: &mut Moments| {
            *m = next.next().unwrap_or_default();
        });
        merged.outage_minutes_and_incidents = pair;
        merged
    }

    /// Whether a run to a precision may stop here: always for plain Monte Carlo, once the
    /// weights pass their guards under rare-event forcing (`ImportanceStats::guards_pass`).
    pub fn may_stop(&self) -> bool {
        self.importance
            .as_ref()
            .is_none_or(|stats| stats.guards_pass())
    }

    /// The relative half-width of the unavailability's 95% interval: the normal one, or
    /// Hall's under rare-event forcing.
    pub fn relative_half_width(&self) -> f64 {
        match &self.importance {
            Some(importance) => importance.relative_half_width(&self.downtime_fraction),
            None => crate::precision::relative_half_width(&self.downtime_fraction),
        }
    }
}

fn add_all(moments: &mut [Moments], values: &[f64], weight: f64) {
    for (m, v) in moments.iter_mut().zip(values) {
        m.add(weight * v);
    }
}

fn merge_all(moments: &mut [Moments], others: &[Moments]) {
    for (m, o) in moments.iter_mut().zip(others) {
        m.merge(o);
    }
}

/// Runs trials `first..first + count` sequentially into one accumulator.
pub fn run_trials(plan: &Plan, first: u64, count: u64) -> RunAccumulator {
    let mut accumulator = RunAccumulator::new(plan);
    let mut runner = TrialRunner::new(plan);
    for trial in first..first + count {
        accumulator.add(trial, runner.run(trial));
    }
    accumulator
}

impl crate::reduction::Merge for RunAccumulator {
    fn merge(&mut self, later: &Self) {
        RunAccumulator::merge(self, later);
    }
}

/// The chunks run so far, reduced canonically (`crate::reduction`): the same bits whatever
/// thread or shard ran which chunk.
pub type Total = crate::reduction::Reduction<RunAccumulator>;

/// Runs `trials` trials on the current rayon pool. `progress` is called with the number of
/// trials finished so far (from any thread, in any order); it cannot affect the result.
pub fn run(plan: &Plan, trials: u64, progress: &(dyn Fn(u64) + Sync)) -> RunAccumulator {
    let mut total = Total::default();
    extend(plan, &mut total, 0, trials, progress, &|| false);
    total.root().unwrap_or_else(|| RunAccumulator::new(plan))
}

/// Simulates trials `from..to` (`from` a multiple of `CHUNK_TRIALS`, the chunks before it in
/// `total`) and adds their chunks to `total` in order; returns the trial count reached:
/// `to`, or less when `stop` said so (asked between batches of chunks, so the count is
/// still whole chunks).
pub fn extend(
    plan: &Plan,
    total: &mut Total,
    from: u64,
    to: u64,
    progress: &(dyn Fn(u64) + Sync),
    stop: &dyn Fn() -> bool,
) -> u64 {
    extend_chunks(
        CHUNK_TRIALS,
        from,
        to,
        progress,
        stop,
        |first, count| run_trials(plan, first, count),
        |part| total.push(part),
    )
}

/// The chunked, ordered loop behind every run: trials `from..to` (`from` a multiple of
/// `chunk_trials`) in chunks of `chunk_trials`, `run_chunk(first, count)` on rayon a
/// bounded batch at a time, and each part handed to `merge` strictly in chunk order, so
/// the result does not depend on the thread count and memory on the trial count. `stop`
/// is asked between batches; returns the trial count reached.
pub fn extend_chunks<P: Send>(
    chunk_trials: u64,
    from: u64,
    to: u64,
    progress: &(dyn Fn(u64) + Sync),
    stop: &dyn Fn() -> bool,
    run_chunk: impl Fn(u64, u64) -> P + Sync,
    mut merge: impl FnMut(P),
) -> u64 {
    debug_assert_eq!(from % chunk_trials, 0);
    let chunks = to.div_ceil(chunk_trials);
    let finished = std::sync::atomic::AtomicU64::new(from);
    let mut batch_start = from / chunk_trials;
    while batch_start < chunks {
        if stop() {
            return batch_start * chunk_trials;
        }
        let batch_end = (batch_start + BATCH_CHUNKS).min(chunks);
        let parts: Vec<P> = (batch_start..batch_end)
            .into_par_iter()
            .map(|chunk| {
                let first = chunk * chunk_trials;
                let count = chunk_trials.min(to - first);
                let part = run_chunk(first, count);
                let done = finished.fetch_add(count, std::sync::atomic::Ordering::Relaxed) + count;
                progress(done);
                part
            })
            .collect();
        for part in parts {
            merge(part);
        }
        batch_start = batch_end;
    }
    to
}

/// Runs to a precision (`crate::precision`), choosing plain Monte Carlo or rare-event
/// forcing first (`crate::rare_events`): the accumulator of every trial run, why it
/// stopped, and the method chosen.
pub fn run_to_precision(
    plan: &Plan,
    rule: &crate::precision::StopRule,
    progress: &(dyn Fn(u64, f64) + Sync),
) -> (
    RunAccumulator,
    crate::precision::PrecisionOutcome,
    crate::rare_events::Choice,
) {
    use crate::precision::FIRST_STEP;
    use crate::rare_events::{Pilot, PILOT_FIRST_TRIAL};
    let pilot = |plan: &Plan, first: u64| {
        let mut chunks = Total::default();
        extend(
            plan,
            &mut chunks,
            first,
            first + FIRST_STEP,
            &|_| {},
            &|| false,
        );
        let total = chunks.root().unwrap_or_else(|| RunAccumulator::new(plan));
        Pilot::of(std::slice::from_ref(&total), FIRST_STEP)
    };
    let choice = crate::rare_events::choose(
        std::slice::from_ref(plan),
        rule,
        rule.rare_events,
        || pilot(plan, 0),
        |forced| pilot(&forced[0], PILOT_FIRST_TRIAL),
    );
    let used = choice.forced.as_ref().map_or(plan, |forced| &forced[0]);
    let mut chunks = Total::default();
    let mut total = RunAccumulator::new(used);
    let (_, outcome) = crate::precision::drive(
        rule,
        used.bias.is_some(),
        |from, to, progress, stop| {
            let done = extend(used, &mut chunks, from, to, progress, stop);
            total = chunks.root().unwrap_or_else(|| RunAccumulator::new(used));
            crate::precision::Measure {
                done,
                precision: total.relative_half_width(),
                may_stop: total.may_stop(),
            }
        },
        progress,
    );
    (total, outcome, choice)
}
