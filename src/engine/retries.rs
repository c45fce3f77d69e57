//! What retries cost: a router passing failed requests to the next unit (nginx's
//! `proxy_next_upstream`), and the extra load that callers' retries put on a dependency with
//! limited capacity (retry amplification), which can keep it down after its trigger has gone
//! (a metastable failure). See docs/model.md, sections 2, 8 and 9.

use super::state::{BreakerPhase, Level, Slowness};
use super::trial::TrialRunner;
use crate::scenario::NextUpstream;

/// Rounds of the amplification fixed point per evaluation. The iteration is monotone (a
/// higher load lowers the level, a lower level raises the load), so it converges; the cap
/// only bounds the work when it converges slowly, near the tipping point.
const MAX_ROUNDS: u32 = 100;

/// Amplification changes smaller than this end the iteration.
const TOLERANCE: f64 = 1e-9;

/// Share of the requests that a router with next-upstream retries fails, and of those the
/// share that hangs, over the units in rotation: `good` serve, `crashed` refuse the
/// connection (the request was not sent: always passed on), `hung` time out after
/// `upstream_timeout` (idempotent requests are passed on at most `hung_passes` times, as long
/// as the caller waits; non-idempotent ones were sent and fail), `late` answer past the
/// deadline but before the router's timeout (it waits for the answer, which fails).
/// Returns (level, hanging share).
pub(super) fn next_upstream_level(
    next: &NextUpstream,
    hung_passes: u32,
    good: u32,
    crashed: u32,
    hung: u32,
    late: u32,
) -> (f64, f64) {
    if crashed + hung + late == 0 {
        return (1.0, 0.0);
    }
    let (fail, hanging) =
        next_upstream_failures(good, crashed, hung, late, next.tries, hung_passes);
    let q = next.non_idempotent;
    if q <= 0.0 || hung == 0 {
        return (1.0 - fail, hanging);
    }
    let (fail_sent, hanging_sent) =
        next_upstream_failures(good, crashed, hung, late, next.tries, 0);
    (
        1.0 - ((1.0 - q) * fail + q * fail_sent),
        (1.0 - q) * hanging + q * hanging_sent,
    )
}

/// One class of requests through next-upstream retries, the units tried in a random order
/// without repetition (nginx's round robin skips the units a request has tried; a random
/// order is its average over where the bad units sit). A request fails when it meets a
/// `late` unit, a hung unit beyond `hung_passes`, or has tried `tries` units (0: all of
/// them) without meeting a good one. Returns (failing share, hanging share): a failure
/// hangs unless its last unit refused it at once.
///
/// Exact for that model by dynamic programming over (crashed met, hung met); with only
/// crashed units the failing share is the closed form prod_{i < tries} (c - i) / (m - i).
pub(super) fn next_upstream_failures(
    good: u32,
    crashed: u32,
    hung: u32,
    late: u32,
    tries: u32,
    hung_passes: u32,
) -> (f64, f64) {
    let units = good + crashed + hung + late;
    let tries = if tries == 0 { units } else { tries.min(units) };
    if hung == 0 && late == 0 {
        // The common case (crashed units awaiting ejection), in closed form.
        if crashed < tries {
            return (0.0, 0.0);
        }
        let fail = (0..tries)
            .map(|i| f64::from(crashed - i) / f64::from(units - i))
            .product();
        return (fail, 0.0);
    }
    let columns = hung.min(hung_passes).min(tries) as usize + 1;
    // Probability of having met i crashed and j hung units (j by column), arrived through
    // a crash or through a hang (which decides how an exhausted request fails). On the
    // stack unless a request may pass many hung units.
    const STACK_COLUMNS: usize = 16;
    let mut stack = [0.0; 3 * STACK_COLUMNS];
    let mut heap = Vec::new();
    let buffer: &mut [f64] = if columns <= STACK_COLUMNS {
        &mut stack[..3 * columns]
    } else {
        heap.resize(3 * columns, 0.0);
        &mut heap
    };
    let (by_crash, rest) = buffer.split_at_mut(columns);
    let (by_hang, next_by_crash) = rest.split_at_mut(columns);
    let (mut by_crash, mut next_by_crash) = (by_crash, next_by_crash);
    by_crash[0] = 1.0;
    let (mut fail, mut hanging) = (0.0, 0.0);
    for i in 0..=crashed.min(tries) {
        next_by_crash.fill(0.0);
        for j in 0..columns {
            let p = by_crash[j] + by_hang[j];
            if p == 0.0 {
                continue;
            }
            let met = i + j as u32;
            if met == tries {
                fail += p;
                hanging += by_hang[j];
                continue;
            }
            let left = f64::from(units - met);
            let late_share = f64::from(late) / left;
            let hung_left = f64::from(hung - j as u32);
            fail += p * late_share;
            hanging += p * late_share;
            if (j as u32) < hung_passes {
                if j + 1 < columns {
                    by_hang[j + 1] += p * hung_left / left;
                }
            } else {
                fail += p * hung_left / left;
                hanging += p * hung_left / left;
            }
            if i < crashed {
                next_by_crash[j] += p * f64::from(crashed - i) / left;
            }
        }
        std::mem::swap(&mut by_crash, &mut next_by_crash);
        by_hang.fill(0.0);
    }
    (fail.min(1.0), hanging.min(1.0))
}

/// Share of its requests an overloaded unit serves when every request it sheds still costs
/// `cost` of a served one: with `ratio` = capacity / offered load below 1, served x 1 +
/// shed x cost = capacity gives (ratio - cost) / (1 - cost), and nothing once the shed
/// requests alone use it up. `cost` 0 is plain shedding (min(1, ratio)); 1 is a server
/// without admission control whose queue outgrows its clients' patience (no goodput).
pub(super) fn shed_success(ratio: f64, cost: f64) -> f64 {
    if ratio >= 1.0 {
        1.0
    } else if cost >= 1.0 {
        0.0
    } else {
        ((ratio - cost) / (1.0 - cost)).clamp(0.0, 1.0)
    }
}

impl TrialRunner<'_> {
    /// `evaluate` for a component with capacity whose callers retry: its offered load is
    /// the demand times the attempts each call makes at its own level, so the level is a
    /// fixed point, found by iterating from the amplification it had. Starting from the
    /// previous state is what makes a metastable failure: a level held down by retries
    /// stays down after the trigger has gone, until the demand falls far enough.
    pub(super) fn evaluate_amplified(&mut self, component: usize) -> (Level, Slowness) {
        let mut result = self.evaluate(component);
        for _ in 0..MAX_ROUNDS {
            let amplification = self.retry_amplification(component, &result.0, &result.1);
            let stored = self.amplification[component];
            // Back to exactly 1 always lands, so that a quiet component stops hourly looks.
            if amplification == stored
                || (amplification != 1.0 && (amplification - stored).abs() <= TOLERANCE)
            {
                break;
            }
            if stored == 1.0 {
                // A retry storm starts: remember what set it off.
                self.storm_cause[component] = self.explain(component as u32).cause;
            }
            self.amplification[component] = amplification;
            self.note_demand_bound(component);
            result = self.evaluate(component);
        }
        result
    }

    /// Offered load over demand if the component answered at `level`: each retrying
    /// caller sends rate x needed_by x attempts per call, the attempts counting from the
    /// success rate that caller sees (its timeout included); a caller whose breaker is open
    /// sends no retries.
    fn retry_amplification(&self, component: usize, level: &Level, slowness: &Slowness) -> f64 {
        let plan = self.plan;
        let demand = self.request_rate(component);
        if demand <= 0.0 {
            return 1.0;
        }
        let mut extra = 0.0;
        for &edge in &plan.components[component].dependents {
            let edge_plan = &plan.edges[edge as usize];
            let Some(retries) = &edge_plan.dependency.retries else {
                continue;
            };
            if self.edges[edge as usize].breaker == BreakerPhase::Open {
                continue;
            }
            let timeout = edge_plan.dependency.timeout;
            let too_slow = if timeout > 0 && slowness.share > 0.0 && slowness.latency >= timeout {
                slowness.share
            } else {
                0.0
            };
            let success = (level.served - too_slow).max(0.0);
            let attempts = retries.attempts_per_call(success);
            if attempts > 1.0 {
                extra += self.request_rate(edge_plan.caller as usize)
                    * edge_plan.dependency.needed_by
                    * (attempts - 1.0);
            }
        }
        1.0 + extra / demand
    }
}

#[cfg(test)]
mod tests {
    use super::{next_upstream_failures, shed_success};

    #[test]
    fn crashed_units_fail_a_request_only_when_all_its_tries_meet_them() {
        // b of m crashed, tries t: prod_{i<t} (b - i) / (m - i).
        assert_eq!(next_upstream_failures(1, 2, 0, 0, 0, 0), (0.0, 0.0));
        let (fail, hanging) = next_upstream_failures(1, 2, 0, 0, 2, 0);
        assert!((fail - 2.0 / 3.0 * 1.0 / 2.0).abs() < 1e-15);
        assert_eq!(hanging, 0.0);
        let (fail, _) = next_upstream_failures(1, 2, 0, 0, 1, 0);
        assert!((fail - 2.0 / 3.0).abs() < 1e-15);
        let (fail, _) = next_upstream_failures(7, 3, 0, 0, 2, 0);
        assert!((fail - 3.0 / 10.0 * 2.0 / 9.0).abs() < 1e-15);
    }

    #[test]
    fn hung_units_fail_their_requests_unless_the_caller_outwaits_the_router() {
        // No pass: a request fails (hanging) when a hung unit comes before every good one,
        // crashed ones being skipped: h / (g + h).
        let (fail, hanging) = next_upstream_failures(2, 1, 1, 0, 0, 0);
        assert!((fail - 1.0 / 3.0).abs() < 1e-15, "{fail}");
        assert!((hanging - 1.0 / 3.0).abs() < 1e-15);
        // One pass: only a request that meets both hung units first fails, after two
        // timeouts: 2/4 x 1/3 (the crashed one in between changes nothing).
        let (fail, hanging) = next_upstream_failures(2, 0, 2, 0, 0, 1);
        assert!((fail - 2.0 / 4.0 * 1.0 / 3.0).abs() < 1e-15, "{fail}");
        assert!((hanging - fail).abs() < 1e-15);
        // A late unit always fails its requests, a crashed one never does here.
        let (fail, hanging) = next_upstream_failures(2, 1, 0, 1, 0, 5);
        assert!((fail - 1.0 / 3.0).abs() < 1e-15, "{fail}");
        assert!((hanging - 1.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn shedding_costs_its_share_of_capacity() {
        assert_eq!(shed_success(1.2, 0.5), 1.0);
        assert_eq!(shed_success(0.8, 0.0), 0.8);
        assert!((shed_success(0.75, 0.5) - 0.5).abs() < 1e-15);
        assert_eq!(shed_success(0.4, 0.5), 0.0);
        assert_eq!(shed_success(0.99, 1.0), 0.0);
    }
}
