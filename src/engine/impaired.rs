//! The dependency edges that currently cost their caller something, per caller, so that
//! evaluating a component costs O(impaired edges) rather than O(dependencies).
//!
//! A dependency's factor (`levels::Factor`) is exactly (served 1, clean 1, held 0, waits
//! 0) while its callee is fully up, not slow past the caller's timeout, and its breaker is
//! closed: multiplying by 1.0 and adding 0.0 leave a float unchanged bit for bit, so the
//! product over the impaired edges alone, taken in edge order, is the product over all
//! of them. A component with 10,000 dependencies then costs, per event, the few that are
//! down, and the set changes only when an edge's factor actually changes (`refresh`,
//! called wherever something a factor reads is written: a callee's level or slowness, an
//! edge's view or breaker).

use super::trial::TrialRunner;

/// Per caller: its impaired dependency edges in increasing edge order; per edge: whether it
/// is in its caller's list.
#[derive(Debug, Clone)]
pub(super) struct ImpairedEdges {
    by_caller: Vec<Vec<u32>>,
    member: Vec<bool>,
}

impl ImpairedEdges {
    pub(super) fn new(components: usize, edges: usize) -> Self {
        ImpairedEdges {
            by_caller: vec![Vec::new(); components],
            member: vec![false; edges],
        }
    }

    /// Every edge unimpaired, as at the start of a trial (every level 1, breakers closed).
    pub(super) fn reset(&mut self) {
        for list in &mut self.by_caller {
            for &edge in list.iter() {
                self.member[edge as usize] = false;
            }
            list.clear();
        }
    }

    /// `caller`'s impaired edges, in edge order.
    #[inline(always)]
    pub(super) fn of(&self, caller: usize) -> &[u32] {
        &self.by_caller[caller]
    }

    /// Puts `edge` of `caller` in or out of the set, keeping the list in edge order (the
    /// order the factors are multiplied in).
    fn set(&mut self, caller: usize, edge: u32, impaired: bool) {
        if self.member[edge as usize] == impaired {
            return;
        }
        self.member[edge as usize] = impaired;
        let list = &mut self.by_caller[caller];
        // The flag and the list always agree, so the search finds it exactly when it leaves.
        match list.binary_search(&edge) {
            Err(position) if impaired => list.insert(position, edge),
            Ok(position) if !impaired => {
                list.remove(position);
            }
            _ => {}
        }
    }
}

impl TrialRunner<'_> {
    /// Something `edge`'s factor reads has changed: puts it in or out of its caller's set.
    /// An edge whose callee hangs stays in even if its factor rounds to 1 (a vanishing
    /// `needed_by`), because `demand_bound` looks for hanging callees among these edges.
    pub(super) fn refresh_impaired(&mut self, edge: u32) {
        let edge_plan = &self.plan.edges[edge as usize];
        if edge_plan.dns_endpoint {
            // A DNS component weighs all its endpoints (`evaluate`); no factor here.
            return;
        }
        let factor = self.factor(edge as usize);
        let identity = factor.served == 1.0
            && factor.clean == 1.0
            && factor.held == 0.0
            && factor.waits == 0.0;
        let impaired = !identity || self.levels[edge_plan.callee as usize].hanging > 0.0;
        self.impaired.set(edge_plan.caller as usize, edge, impaired);
    }
}
