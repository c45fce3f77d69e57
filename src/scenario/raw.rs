//! The scenario file as written: serde structures that mirror the JSON one to one.
//!
//! They reject unknown keys (a typo must not silently change a result) but check nothing
//! else; durations and distributions stay JSON values here and are checked, with their JSON
//! path, by `scenario::load`.

use std::fmt;
use std::marker::PhantomData;

use indexmap::IndexMap;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A JSON object of named entries that rejects a name given twice (serde's maps would
/// silently keep the last one, and a scenario with two `db` components is a mistake).
#[derive(Debug)]
pub struct UniqueMap<T>(pub IndexMap<String, T>);

impl<T> std::ops::Deref for UniqueMap<T> {
    type Target = IndexMap<String, T>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<T> Default for UniqueMap<T> {
    fn default() -> Self {
        UniqueMap(IndexMap::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for UniqueMap<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct UniqueVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for UniqueVisitor<T> {
            type Value = UniqueMap<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of name -> definition")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut map = IndexMap::new();
                while let Some(key) = access.next_key::<String>()? {
                    if map.contains_key(&key) {
                        return Err(serde::de::Error::custom(format!(
                            "{} is defined twice; names must be unique",
                            crate::text::shown(&key)
                        )));
                    }
                    let value = access.next_value()?;
                    map.insert(key, value);
                }
                Ok(UniqueMap(map))
            }
        }
        deserializer.deserialize_map(UniqueVisitor(PhantomData))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// The JSON Schema the file follows (`sim schema`), for editors; ignored.
    #[serde(rename = "$schema")]
    #[allow(dead_code)]
    pub schema: Option<String>,
    pub name: Option<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub simulation: RawSimulation,
    #[serde(default)]
    pub regions: UniqueMap<RawRegion>,
    #[serde(default)]
    pub zones: UniqueMap<RawZone>,
    pub components: UniqueMap<RawComponent>,
    pub entry: Option<String>,
    pub traffic: Option<RawTraffic>,
    pub slo: Option<RawSlo>,
    /// Named, reusable distributions (alert rules, on-call response), used as
    /// `{"response": NAME}` wherever a distribution is accepted.
    #[serde(default)]
    pub responses: UniqueMap<Value>,
    #[serde(default)]
    pub shared_failures: UniqueMap<RawSharedFailure>,
    #[serde(default)]
    pub changes: UniqueMap<RawChange>,
    /// Chaos experiments (`sim chaos`), checked by `load_experiments`.
    #[serde(default)]
    pub experiments: UniqueMap<RawExperiment>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExperiment {
    pub at: Value,
    pub inject: Vec<Value>,
    pub expect: Option<RawExpect>,
    pub background: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExpect {
    pub max_lost: Option<Value>,
    pub max_recovery: Option<Value>,
    pub min_level: Option<f64>,
    pub max_data_loss: Option<Value>,
    pub confidence: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSharedFailure {
    pub ttf: Value,
    pub ttr: Value,
    pub targets: Vec<String>,
    pub probability: Option<f64>,
    pub effect: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChange {
    pub targets: Vec<String>,
    pub interval: Value,
    pub bad_probability: f64,
    pub effect: Option<Value>,
    pub detection: Value,
    pub rollback: Value,
    pub rollout: Option<RawRollout>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRollout {
    pub canary: f64,
    pub bake: Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSlo {
    pub availability: Option<f64>,
    pub confidence: Option<f64>,
    pub max_downtime_minutes_per_year: Option<f64>,
    pub max_data_loss_events_per_year: Option<f64>,
    pub max_rpo_p99_seconds: Option<f64>,
    pub probability: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTraffic {
    pub peak_rps: f64,
    /// "constant", {"diurnal": {...}} or {"hourly": [24 numbers]}
    pub profile: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSimulation {
    pub horizon: Option<Value>,
    pub trials: Option<u64>,
    pub seed: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutage {
    pub ttf: Value,
    pub ttr: Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRegion {
    pub outage: Option<RawOutage>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawZone {
    pub region: Option<String>,
    pub outage: Option<RawOutage>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawComponent {
    pub replicas: Option<u32>,
    pub zones: Option<Vec<String>>,
    pub require: Option<u32>,
    #[serde(default)]
    pub failures: Vec<RawFailure>,
    /// Each a component name (a hard dependency) or a `RawDependency` object.
    #[serde(default)]
    pub depends_on: Vec<Value>,
    pub role: Option<String>,
    pub capacity: Option<f64>,
    pub load_factor: Option<f64>,
    pub concurrency: Option<f64>,
    pub deadline: Option<Value>,
    pub health_check: Option<RawHealthCheck>,
    pub passive_check: Option<RawPassiveCheck>,
    /// `true`, `false` or {"tries": n, "upstream_timeout": D, "non_idempotent": x}.
    pub retry_next_upstream: Option<Value>,
    pub shed_cost: Option<f64>,
    pub liveness: Option<RawLiveness>,
    pub startup_probe: Option<RawStartupProbe>,
    pub restart: Option<RawRestart>,
    pub replacement: Option<RawReplacement>,
    pub failover: Option<RawFailover>,
    pub replication: Option<RawReplication>,
    pub disaster_recovery: Option<RawDisasterRecovery>,
    pub read_fraction: Option<f64>,
    pub dns: Option<RawDns>,
    pub shards: Option<u32>,
    pub require_full_coverage: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHealthCheck {
    pub interval: Value,
    pub timeout: Option<Value>,
    pub unhealthy_threshold: Option<u32>,
    pub healthy_threshold: Option<u32>,
    pub deep: Option<bool>,
    pub protocol: Option<String>,
    pub prober: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPassiveCheck {
    pub max_fails: Option<u32>,
    pub fail_timeout: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLiveness {
    pub period: Value,
    pub failure_threshold: Option<u32>,
    pub initial_delay: Option<Value>,
    pub deep: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStartupProbe {
    pub period: Value,
    pub failure_threshold: Option<u32>,
    pub initial_delay: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRestart {
    pub duration: Value,
    pub backoff_initial: Option<Value>,
    pub backoff_max: Option<Value>,
    pub backoff_reset: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReplacement {
    pub detection: Option<Value>,
    pub provisioning: Value,
    pub any_zone: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFailover {
    pub detection: Value,
    pub promotion: Value,
    pub reconnect: Option<Value>,
    pub failure_probability: Option<f64>,
    pub manual_promotion: Option<Value>,
    pub monitors: Option<RawMonitors>,
    pub failback: Option<bool>,
    pub monitor_timeout: Option<Value>,
    pub parallel_syncs: Option<u32>,
    pub resync: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMonitors {
    pub zones: Vec<String>,
    pub quorum: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReplication {
    pub mode: String,
    pub lag: Option<Value>,
    pub catch_up: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDisasterRecovery {
    pub snapshot_interval: Value,
    pub restore: Value,
    pub declare_after: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDependency {
    pub component: String,
    pub needed_by: Option<f64>,
    pub fallback: Option<bool>,
    pub timeout: Option<Value>,
    pub breaker: Option<RawBreaker>,
    pub retries: Option<RawRetries>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBreaker {
    pub error_threshold: Option<f64>,
    pub reset_timeout: Option<Value>,
    pub window: Option<Value>,
    pub min_volume: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRetries {
    pub attempts: u32,
    pub backoff: Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDns {
    pub endpoints: Vec<String>,
    pub check_interval: Option<Value>,
    pub check_threshold: Option<u32>,
    pub ttl: Value,
    pub stale_fraction: Option<f64>,
    pub stale_extra: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFailure {
    pub name: String,
    pub ttf: Value,
    pub ttr: Value,
    /// "crash", "hang" or {"slow": {"latency": D}}
    pub effect: Option<Value>,
    /// "repair", "restart" or "replace"
    pub recovery: Option<String>,
    /// The beta factor: the fraction of this mode's failures that strike every unit.
    pub common_cause: Option<f64>,
}
