//! Which scenarios the request-level reference can simulate. Anything else is refused with
//! the file, the JSON path of the first unsupported key and what is supported, as bad input
//! (exit status 2), before any trial runs.

use crate::scenario::error::Location;
use crate::scenario::{Recovery, Role, Scenario, ScenarioError};

/// The subset, for error messages.
pub const SUPPORTED: &str = "the request-level mode supports top-level traffic, active_active \
components with replicas (at most 64), require, failures (crash, hang or slow effects, \
recovery repair, no common_cause), deadline, health_check, passive_check, \
retry_next_upstream (tries, upstream_timeout; every request idempotent), concurrency, load_factor 1 and depends_on with needed_by, fallback, \
timeout, breaker and retries; zones without outages; at most 100 components and 256 calls \
per request";

/// The most components the entry may reach.
pub const MAX_COMPONENTS: usize = 100;

/// The most units of one component: a try's set of units already tried is one `u64`.
pub const MAX_REPLICAS: u32 = 64;

/// Refuses a scenario that uses anything the request-level engine does not simulate. Only
/// the components the entry reaches are looked at: the others cannot change a request.
pub fn check(scenario: &Scenario, file: &str) -> Result<(), ScenarioError> {
    let refuse = |path: &str, what: &str| {
        Err(ScenarioError::Invalid {
            file: file.to_string(),
            location: Location {
                path: path.to_string(),
                line_column: None,
            },
            message: format!("{what}; {SUPPORTED}"),
        })
    };
    if scenario.traffic.is_none() {
        return refuse(
            "traffic",
            "the request-level mode needs top-level traffic (requests need a rate)",
        );
    }
    for region in &scenario.regions {
        if region.outage.is_some() {
            return refuse(
                &format!("regions.{}.outage", region.name),
                "region outages are not simulated request by request",
            );
        }
    }
    for zone in &scenario.zones {
        if zone.outage.is_some() {
            return refuse(
                &format!("zones.{}.outage", zone.name),
                "zone outages are not simulated request by request",
            );
        }
    }
    if let Some(shared) = scenario.shared_failures.first() {
        return refuse(
            &format!("shared_failures.{}", shared.name),
            "shared failures are not simulated request by request",
        );
    }
    if let Some(change) = scenario.changes.first() {
        return refuse(
            &format!("changes.{}", change.name),
            "changes are not simulated request by request",
        );
    }
    let closure = scenario.entry_closure();
    if closure.len() > MAX_COMPONENTS {
        return refuse(
            "components",
            &format!(
                "the entry reaches {} components, more than the {MAX_COMPONENTS} the request-level mode simulates (it is for small scenarios)",
                closure.len()
            ),
        );
    }
    for index in closure {
        let component = &scenario.components[index];
        let path = format!("components.{}", component.name);
        let unsupported = [
            (
                component.role != Role::ActiveActive,
                "role",
                "only active_active components",
            ),
            (
                component.replicas > MAX_REPLICAS,
                "replicas",
                "at most 64 replicas",
            ),
            (
                component.capacity.is_some(),
                "capacity",
                "capacity is not simulated",
            ),
            (
                component.load_factor != 1.0,
                "load_factor",
                "only load_factor 1 (one call per caller request)",
            ),
            (
                component.liveness.is_some(),
                "liveness",
                "liveness probes are not simulated",
            ),
            (
                component.restart.is_some(),
                "restart",
                "restarts are not simulated",
            ),
            (
                component.replacement.is_some(),
                "replacement",
                "replacements are not simulated",
            ),
            (
                component.failover.is_some(),
                "failover",
                "failover is not simulated",
            ),
            (
                component.replication.is_some(),
                "replication",
                "replication is not simulated",
            ),
            (
                component.dns.is_some(),
                "dns",
                "DNS failover is not simulated",
            ),
            (component.shards > 1, "shards", "shards are not simulated"),
            (
                component
                    .retry_next_upstream
                    .as_ref()
                    .is_some_and(|n| n.non_idempotent > 0.0),
                "retry_next_upstream.non_idempotent",
                "non-idempotent requests are not simulated",
            ),
            (
                component.shed_cost > 0.0,
                "shed_cost",
                "shed costs are not simulated (nor is capacity)",
            ),
            (
                component.startup_probe.is_some(),
                "startup_probe",
                "startup probes are not simulated",
            ),
            (
                component.disaster_recovery.is_some(),
                "disaster_recovery",
                "disaster recovery is not simulated",
            ),
            (
                component.health_check.as_ref().is_some_and(|c| {
                    c.deep
                        || c.protocol != crate::scenario::CheckProtocol::Http
                        || c.prober != crate::scenario::Prober::LoadBalancer
                }),
                "health_check",
                "only plain HTTP checks by a load balancer (not deep, tcp or readiness)",
            ),
        ];
        if let Some((_, key, what)) = unsupported.iter().find(|(bad, _, _)| *bad) {
            return refuse(&format!("{path}.{key}"), what);
        }
        for (i, failure) in component.failures.iter().enumerate() {
            if failure.recovery != Recovery::Repair {
                return refuse(
                    &format!("{path}.failures[{i}].recovery"),
                    "only recovery \"repair\"",
                );
            }
            if failure.common_cause > 0.0 {
                return refuse(
                    &format!("{path}.failures[{i}].common_cause"),
                    "common-cause failures are not simulated",
                );
            }
        }
    }
    let calls = calls_per_request(
        scenario,
        scenario.entry,
        &mut vec![None; scenario.components.len()],
    );
    if calls > MAX_CALLS {
        let entry = &scenario.components[scenario.entry].name;
        return refuse(
            &format!("components.{entry}.depends_on"),
            &format!(
                "a request could make up to {calls:.0} calls (tries, retries and dependency calls) here, more than the {MAX_CALLS} the request-level mode follows (it is for small scenarios)"
            ),
        );
    }
    Ok(())
}

/// The most calls one request may make synchronously: bounds the engine's recursion (a
/// request that meets only healthy units finishes inside one call chain).
pub const MAX_CALLS: f64 = 256.0;

/// The most requests one request to `c` can cause: each try (every unit with
/// `retry_next_upstream`) makes its dependency calls, each with all its attempts. The graph
/// is acyclic (checked at load); results are memoised per component.
fn calls_per_request(scenario: &Scenario, c: usize, memo: &mut Vec<Option<f64>>) -> f64 {
    if let Some(calls) = memo[c] {
        return calls;
    }
    let component = &scenario.components[c];
    let tries = match &component.retry_next_upstream {
        Some(next) if next.tries > 0 => f64::from(next.tries.min(component.replicas)),
        Some(_) => f64::from(component.replicas),
        None => 1.0,
    };
    let mut per_try = 1.0;
    for dependency in &component.depends_on {
        let attempts = 1.0
            + dependency
                .retries
                .as_ref()
                .map_or(0.0, |r| f64::from(r.attempts));
        per_try += attempts * calls_per_request(scenario, dependency.component, memo);
    }
    let calls = tries * per_try;
    memo[c] = Some(calls);
    calls
}
