//! Where the fluid model is known to be more than 2% off the request-level reference
//! (docs/model.md section 13): the scenario's features that put a run in that territory,
//! as notes for every output.

use crate::scenario::{Component, Effect, Scenario};

/// One note per approximation the scenario relies on, in a fixed order.
pub fn notes(scenario: &Scenario) -> Vec<String> {
    let closure = scenario.entry_closure();
    let mut notes = Vec::new();
    // A pool can also wait on a dependency that hangs only because its own pool is
    // saturated by a hang further down.
    let hangs = waits_on_a_hang(scenario);
    let pools: Vec<&str> = closure
        .iter()
        .map(|&c| &scenario.components[c])
        .filter(|c| c.concurrency.is_some() && c.depends_on.iter().any(|d| hangs[d.component]))
        .map(|c| c.name.as_str())
        .collect();
    if !pools.is_empty() {
        notes.push(format!(
            "worker pools over dependencies that can hang ({}): the fluid model saturates a pool at once and frees it when the dependency recovers; the request-level reference finds it 4% optimistic to 25% pessimistic there (docs/model.md section 13)",
            pools.join(", ")
        ));
    }
    let probed: Vec<&str> = closure
        .iter()
        .enumerate()
        .filter(|(_, &c)| {
            let component = &scenario.components[c];
            component.passive_check.is_some()
                && component.health_check.is_none()
                && can_hang(scenario, c)
        })
        .map(|(_, &c)| scenario.components[c].name.as_str())
        .collect();
    if !probed.is_empty() {
        notes.push(format!(
            "nginx passive checks over units that can hang ({}): the fluid model's probes of an ejected unit are 2% to 13% pessimistic against the request-level reference, the more so the longer a hung request waits against fail_timeout (docs/model.md section 13)",
            probed.join(", ")
        ));
    }
    notes
}

/// Per component: whether requests to it can hang: its own units can, or it has a worker
/// pool and a dependency whose requests can (a cascade). Computed bottom-up in dependency
/// order rather than by recursion, so a chain of any depth costs no stack.
fn waits_on_a_hang(scenario: &Scenario) -> Vec<bool> {
    let mut hangs = vec![false; scenario.components.len()];
    for c in scenario.dependency_order() {
        let component = &scenario.components[c];
        hangs[c] = can_hang(scenario, c)
            || (component.concurrency.is_some()
                && component.depends_on.iter().any(|d| hangs[d.component]));
    }
    hangs
}

/// Whether requests to component `c` can hang or crawl: a failure mode, shared failure or
/// change that hangs or slows it, or a zone or region outage that cuts it off.
fn can_hang(scenario: &Scenario, c: usize) -> bool {
    let hangs = |effect: &Effect| !matches!(effect, Effect::Crash);
    let component: &Component = &scenario.components[c];
    component.failures.iter().any(|f| hangs(&f.effect))
        || component.zones.iter().any(|&z| {
            let zone = &scenario.zones[z];
            zone.outage.is_some()
                || zone
                    .region
                    .is_some_and(|r| scenario.regions[r].outage.is_some())
        })
        || scenario
            .shared_failures
            .iter()
            .any(|s| hangs(&s.effect) && s.targets.contains(&c))
        || scenario
            .changes
            .iter()
            .any(|ch| hangs(&ch.effect) && ch.targets.contains(&c))
}
