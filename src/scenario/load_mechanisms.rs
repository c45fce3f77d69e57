//! Checks the HA-mechanism keys of a scenario (see `docs/model.md`): failure effects and
//! recoveries, dependencies with breakers and retries, detection, restart, replacement,
//! failover, replication, DNS failover, capacity, shards and traffic.

use serde_json::Value;

use super::checker::Checker;
use super::error::ScenarioError;
use super::mechanisms::*;
use super::model::Component;
use super::raw::{RawComponent, RawDependency, RawScenario, RawSlo, RawTraffic};
use crate::time::Ticks;

const SECOND: Ticks = 1_000_000;

/// The shortest breaker `reset_timeout`: an open breaker probes this often while its
/// dependency is down, so microseconds would be millions of events per outage.
const MIN_RESET_TIMEOUT: crate::time::Ticks = 10_000;

impl Checker<'_> {
    /// `shards` and `require_full_coverage`: the units split into equal replica groups, each
    /// needing `require` of its own units.
    pub(super) fn shards(
        &self,
        path: &str,
        raw: &RawComponent,
        component: &mut Component,
    ) -> Result<(), ScenarioError> {
        let shards = raw.shards.unwrap_or(1);
        let shard_path = format!("{path}.shards");
        if shards == 0 {
            return Err(self.error(
                &shard_path,
                "must be at least 1 (leave it out for one group)",
            ));
        }
        if !component.replicas.is_multiple_of(shards) {
            return Err(self.error(
                &shard_path,
                format!(
                    "must divide replicas ({}) evenly: every shard has the same number of units",
                    component.replicas
                ),
            ));
        }
        let per_shard = component.replicas / shards;
        if shards > 1 {
            if component.require > per_shard {
                return Err(self.error(
                    &format!("{path}.require"),
                    format!(
                        "with shards, require counts units per shard: between 1 and {per_shard} (replicas / shards), got {}",
                        component.require
                    ),
                ));
            }
            if component.role != Role::ActiveActive
                && component
                    .failover
                    .as_ref()
                    .is_some_and(|f| f.monitors.is_some())
            {
                return Err(self.error(
                    &format!("{path}.failover.monitors"),
                    "in a sharded component (a Redis Cluster) the masters vote on each failover; monitors are for Sentinel: leave them out",
                ));
            }
            if component.role != Role::ActiveActive && per_shard < 2 {
                return Err(self.error(
                    &shard_path,
                    format!(
                        "each shard fails over on its own and needs a primary and a replica: at least 2 units per shard, got {per_shard} (replicas / shards)"
                    ),
                ));
            }
            if component.capacity.is_some() {
                return Err(self.error(
                    &shard_path,
                    "shards and capacity together are not supported yet: leave one out",
                ));
            }
        }
        if raw.require_full_coverage.is_some() && shards == 1 {
            return Err(self.error(
                &format!("{path}.require_full_coverage"),
                "only meaningful with shards > 1",
            ));
        }
        component.shards = shards;
        component.require_full_coverage = raw.require_full_coverage.unwrap_or(false);
        Ok(())
    }

    /// A number within [min, max] (or (min, max] when `min_open`).
    fn number_in(
        &self,
        path: &str,
        value: f64,
        min: f64,
        max: f64,
        min_open: bool,
    ) -> Result<f64, ScenarioError> {
        let above_min = if min_open { value > min } else { value >= min };
        if !value.is_finite() || !above_min || value > max {
            let low = if min_open { "(" } else { "[" };
            return Err(self.error(
                path,
                format!("must be a number in {low}{min}, {max}], got {value}"),
            ));
        }
        Ok(value)
    }

    /// Deep probes fail while a hard dependency (needed by every request, no fallback) is
    /// down; without one they are plain probes, which is surely not what was meant.
    fn has_hard_dependency(&self, path: &str, component: &Component) -> Result<(), ScenarioError> {
        if component
            .depends_on
            .iter()
            .any(|d| d.needed_by >= 1.0 && !d.fallback)
        {
            Ok(())
        } else {
            Err(self.error(
                path,
                "a deep probe fails while a hard dependency (needed_by 1, no fallback) is down, and this component has none in depends_on",
            ))
        }
    }

    fn optional_duration(
        &self,
        path: &str,
        value: Option<&Value>,
        default: Ticks,
    ) -> Result<Ticks, ScenarioError> {
        value.map_or(Ok(default), |v| self.positive_duration(path, v))
    }

    pub(super) fn effect(
        &self,
        path: &str,
        value: Option<&Value>,
    ) -> Result<Effect, ScenarioError> {
        const HELP: &str = "expected \"crash\", \"hang\" or {\"slow\": {\"latency\": \"2s\"}}";
        match value {
            None => Ok(Effect::Crash),
            Some(Value::String(text)) if text == "crash" => Ok(Effect::Crash),
            Some(Value::String(text)) if text == "hang" => Ok(Effect::Hang),
            Some(object @ Value::Object(map)) if map.contains_key("slow") && map.len() == 1 => {
                let [parameters] =
                    self.fields(&format!("{path}.slow"), &object["slow"], &["latency"])?[..]
                else {
                    unreachable!()
                };
                let latency =
                    self.positive_duration(&format!("{path}.slow.latency"), parameters)?;
                Ok(Effect::Slow { latency })
            }
            Some(other) => Err(self.error(path, format!("unknown effect {other}; {HELP}"))),
        }
    }

    /// `retry_next_upstream`: `false` (or absent), `true` (nginx's defaults) or an object
    /// with `tries`, `upstream_timeout` and `non_idempotent`.
    fn next_upstream(
        &self,
        path: &str,
        value: Option<&Value>,
    ) -> Result<Option<NextUpstream>, ScenarioError> {
        const HELP: &str = "expected true, false or {\"tries\": 2, \"upstream_timeout\": \"5s\", \"non_idempotent\": 0.1}";
        let object = match value {
            None | Some(Value::Null) | Some(Value::Bool(false)) => return Ok(None),
            Some(Value::Bool(true)) => return Ok(Some(NextUpstream::NGINX)),
            Some(Value::Object(object)) => object,
            Some(other) => {
                return Err(self.error(
                    path,
                    format!(
                        "{} is not a next-upstream setting; {HELP}",
                        super::checker::describe(other)
                    ),
                ))
            }
        };
        const KEYS: [&str; 3] = ["tries", "upstream_timeout", "non_idempotent"];
        if let Some(unknown) = object.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(self.error(
                &format!("{path}.{}", crate::text::key(unknown)),
                format!(
                    "unknown key {}; expected {}",
                    crate::text::shown(unknown),
                    KEYS.join(", ")
                ),
            ));
        }
        let mut next = NextUpstream::NGINX;
        if let Some(tries) = object.get("tries").filter(|v| !v.is_null()) {
            next.tries = tries
                .as_u64()
                .and_then(|t| u32::try_from(t).ok())
                .ok_or_else(|| {
                    self.error(
                        &format!("{path}.tries"),
                        format!("must be a whole number of tries (0 for no limit), got {tries}"),
                    )
                })?;
        }
        if let Some(timeout) = object.get("upstream_timeout").filter(|v| !v.is_null()) {
            next.upstream_timeout =
                self.positive_duration(&format!("{path}.upstream_timeout"), timeout)?;
        }
        if let Some(share) = object.get("non_idempotent").filter(|v| !v.is_null()) {
            let p = format!("{path}.non_idempotent");
            let number = share.as_f64().ok_or_else(|| {
                self.error(
                    &p,
                    format!(
                        "expected a number in [0, 1], found {}",
                        super::checker::kind_of(share)
                    ),
                )
            })?;
            next.non_idempotent = self.number_in(&p, number, 0.0, 1.0, false)?;
        }
        Ok(Some(next))
    }

    pub(super) fn recovery(
        &self,
        path: &str,
        name: Option<&str>,
    ) -> Result<Recovery, ScenarioError> {
        match name {
            None => Ok(Recovery::Repair),
            Some(name) => Recovery::ALL
                .into_iter()
                .find(|r| r.name() == name)
                .ok_or_else(|| {
                    self.error(
                        path,
                        format!(
                            "unknown recovery {}; expected \"repair\", \"restart\" or \"replace\"",
                            crate::text::shown(name)
                        ),
                    )
                }),
        }
    }

    /// One `depends_on` entry: a component name, or an object with the dependency's details.
    pub(super) fn dependency(
        &self,
        path: &str,
        value: &Value,
        scenario: &RawScenario,
    ) -> Result<Dependency, ScenarioError> {
        let raw: RawDependency = match value {
            Value::String(name) => {
                let index = self.reference(path, name, &scenario.components, "component")?;
                return Ok(Dependency::hard(index));
            }
            Value::Object(_) => self.typed(path, value)?,
            other => {
                return Err(self.error(
                    path,
                    format!(
                        "expected a component name or {{\"component\": NAME, ...}}, found {}",
                        super::checker::kind_of(other)
                    ),
                ))
            }
        };
        let component = self.reference(
            &format!("{path}.component"),
            &raw.component,
            &scenario.components,
            "component",
        )?;
        let needed_by = raw.needed_by.map_or(Ok(1.0), |v| {
            self.number_in(&format!("{path}.needed_by"), v, 0.0, 1.0, true)
        })?;
        let timeout = self.optional_duration(
            &format!("{path}.timeout"),
            raw.timeout.as_ref(),
            DEFAULT_TIMEOUT,
        )?;
        let breaker = match &raw.breaker {
            None => None,
            Some(b) => {
                let p = format!("{path}.breaker");
                let threshold = b.error_threshold.map_or(Ok(50.0), |v| {
                    self.number_in(&format!("{p}.error_threshold"), v, 0.0, 100.0, true)
                })?;
                let reset_timeout = self.optional_duration(
                    &format!("{p}.reset_timeout"),
                    b.reset_timeout.as_ref(),
                    30 * SECOND,
                )?;
                // An open breaker probes every reset_timeout while its dependency is down:
                // microseconds would be millions of events per outage (a fuzzing finding)
                // and no breaker library probes that often (opossum's default is 30 s).
                if reset_timeout < MIN_RESET_TIMEOUT {
                    return Err(self.error(
                        &format!("{p}.reset_timeout"),
                        "must be at least \"10ms\": an open breaker probes every reset_timeout while its dependency is down",
                    ));
                }
                Some(Breaker {
                    error_threshold: threshold / 100.0,
                    reset_timeout,
                    window: self.optional_duration(
                        &format!("{p}.window"),
                        b.window.as_ref(),
                        10 * SECOND,
                    )?,
                    min_volume: b.min_volume.unwrap_or(0),
                })
            }
        };
        let retries = match &raw.retries {
            None => None,
            Some(r) => {
                let p = format!("{path}.retries");
                if r.attempts == 0 || r.attempts > 20 {
                    return Err(self.error(
                        &format!("{p}.attempts"),
                        format!("must be between 1 and 20, got {}", r.attempts),
                    ));
                }
                Some(Retries {
                    attempts: r.attempts,
                    backoff: self.positive_duration(&format!("{p}.backoff"), &r.backoff)?,
                })
            }
        };
        Ok(Dependency {
            component,
            needed_by,
            fallback: raw.fallback.unwrap_or(false),
            timeout,
            breaker,
            retries,
        })
    }

    pub(super) fn slo(&self, raw: Option<&RawSlo>) -> Result<Option<Slo>, ScenarioError> {
        let Some(raw) = raw else { return Ok(None) };
        let slo = Slo {
            availability: raw
                .availability
                .map(|v| self.number_in("slo.availability", v, 0.0, 1.0, true))
                .transpose()?,
            confidence: raw.confidence.map_or(Ok(0.95), |v| {
                self.number_in("slo.confidence", v, 0.5, 0.999_999, false)
            })?,
            max_downtime_minutes_per_year: raw
                .max_downtime_minutes_per_year
                .map(|v| {
                    self.number_in(
                        "slo.max_downtime_minutes_per_year",
                        v,
                        0.0,
                        525_600.0,
                        false,
                    )
                })
                .transpose()?,
            max_data_loss_events_per_year: raw
                .max_data_loss_events_per_year
                .map(|v| self.number_in("slo.max_data_loss_events_per_year", v, 0.0, 1e9, false))
                .transpose()?,
            max_rpo_p99_seconds: raw
                .max_rpo_p99_seconds
                .map(|v| self.number_in("slo.max_rpo_p99_seconds", v, 0.0, 1e12, false))
                .transpose()?,
            probability: raw
                .probability
                .map(|v| self.number_in("slo.probability", v, 0.0, 1.0, true))
                .transpose()?,
        };
        if slo.availability.is_none()
            && slo.max_downtime_minutes_per_year.is_none()
            && slo.max_data_loss_events_per_year.is_none()
            && slo.max_rpo_p99_seconds.is_none()
        {
            return Err(self.error(
                "slo",
                "states no objective: give at least one of availability, max_downtime_minutes_per_year, max_data_loss_events_per_year, max_rpo_p99_seconds",
            ));
        }
        Ok(Some(slo))
    }

    pub(super) fn traffic(
        &self,
        raw: Option<&RawTraffic>,
    ) -> Result<Option<Traffic>, ScenarioError> {
        let Some(raw) = raw else { return Ok(None) };
        let peak_rps = self.number_in("traffic.peak_rps", raw.peak_rps, 0.0, 1e12, true)?;
        let path = "traffic.profile";
        const HELP: &str = "expected \"constant\", {\"diurnal\": {\"trough\": 0.3, \"peak_hour\": 14}} or {\"hourly\": [24 numbers in [0, 1]]}";
        let traffic = match &raw.profile {
            None => Traffic {
                peak_rps,
                hourly: [1.0; 24],
            },
            Some(Value::String(text)) if text == "constant" => Traffic {
                peak_rps,
                hourly: [1.0; 24],
            },
            Some(Value::Object(map)) if map.len() == 1 && map.contains_key("diurnal") => {
                let p = format!("{path}.diurnal");
                let [trough, peak_hour] =
                    self.fields(&p, &map["diurnal"], &["trough", "peak_hour"])?[..]
                else {
                    unreachable!()
                };
                let trough = self.positive_number(&format!("{p}.trough"), trough, true)?;
                let trough = self.number_in(&format!("{p}.trough"), trough, 0.0, 1.0, false)?;
                let peak_hour = self.positive_number(&format!("{p}.peak_hour"), peak_hour, true)?;
                let peak_hour =
                    self.number_in(&format!("{p}.peak_hour"), peak_hour, 0.0, 24.0, false)?;
                Traffic::diurnal(peak_rps, trough, peak_hour)
            }
            Some(Value::Object(map)) if map.len() == 1 && map.contains_key("hourly") => {
                let p = format!("{path}.hourly");
                let list = map["hourly"]
                    .as_array()
                    .filter(|l| l.len() == 24)
                    .ok_or_else(|| {
                        self.error(
                            &p,
                            "expected a list of 24 numbers in [0, 1], one per hour of the day",
                        )
                    })?;
                let mut hourly = [0.0; 24];
                for (i, (slot, value)) in hourly.iter_mut().zip(list).enumerate() {
                    let number = self.positive_number(&format!("{p}[{i}]"), value, true)?;
                    *slot = self.number_in(&format!("{p}[{i}]"), number, 0.0, 1.0, false)?;
                }
                if hourly.iter().all(|h| *h == 0.0) {
                    return Err(self.error(&p, "at least one hour must have demand above 0"));
                }
                Traffic { peak_rps, hourly }
            }
            Some(other) => return Err(self.error(path, format!("unknown profile {other}; {HELP}"))),
        };
        Ok(Some(traffic))
    }

    /// Fills the mechanism fields of `component` from `raw` and checks how they combine.
    pub(super) fn mechanisms(
        &self,
        path: &str,
        raw: &RawComponent,
        scenario: &RawScenario,
        component: &mut Component,
    ) -> Result<(), ScenarioError> {
        let has_traffic = scenario.traffic.is_some();
        let needs_traffic = |key: &str| {
            self.error(
                &format!("{path}.{key}"),
                format!("{key} needs request rates: add a top-level \"traffic\" with \"peak_rps\""),
            )
        };
        component.role = match raw.role.as_deref() {
            None | Some("active_active") => Role::ActiveActive,
            Some("active_passive") => Role::ActivePassive,
            Some("primary_replica") => Role::PrimaryReplica,
            Some(other) => {
                return Err(self.error(
                    &format!("{path}.role"),
                    format!("unknown role {}; expected \"active_active\", \"active_passive\" or \"primary_replica\"", crate::text::shown(other)),
                ))
            }
        };
        if let Some(capacity) = raw.capacity {
            if !has_traffic {
                return Err(needs_traffic("capacity"));
            }
            component.capacity =
                Some(self.number_in(&format!("{path}.capacity"), capacity, 0.0, 1e12, true)?);
        }
        if let Some(shed_cost) = raw.shed_cost {
            let p = format!("{path}.shed_cost");
            if raw.capacity.is_none() {
                return Err(self.error(
                    &p,
                    "only meaningful with capacity: the work an overloaded unit spends on a request it sheds",
                ));
            }
            component.shed_cost = self.number_in(&p, shed_cost, 0.0, 1.0, false)?;
        }
        if let Some(concurrency) = raw.concurrency {
            if !has_traffic {
                return Err(needs_traffic("concurrency"));
            }
            component.concurrency = Some(self.number_in(
                &format!("{path}.concurrency"),
                concurrency,
                0.0,
                1e12,
                true,
            )?);
        }
        component.load_factor = raw.load_factor.map_or(Ok(1.0), |v| {
            self.number_in(&format!("{path}.load_factor"), v, 0.0, 1e6, true)
        })?;
        component.deadline = raw
            .deadline
            .as_ref()
            .map(|v| self.positive_duration(&format!("{path}.deadline"), v))
            .transpose()?;
        if let Some(check) = &raw.health_check {
            let p = format!("{path}.health_check");
            let interval = self.positive_duration(&format!("{p}.interval"), &check.interval)?;
            let timeout = self.optional_duration(
                &format!("{p}.timeout"),
                check.timeout.as_ref(),
                (5 * SECOND).min(interval),
            )?;
            if timeout > interval {
                return Err(self.error(&format!("{p}.timeout"), "must not be longer than interval"));
            }
            let threshold = |key: &str, value: Option<u32>, default: u32| {
                let value = value.unwrap_or(default);
                if value == 0 || value > 100 {
                    Err(self.error(
                        &format!("{p}.{key}"),
                        format!("must be between 1 and 100, got {value}"),
                    ))
                } else {
                    Ok(value)
                }
            };
            let protocol = match check.protocol.as_deref() {
                None | Some("http") => CheckProtocol::Http,
                Some("tcp") => CheckProtocol::Tcp,
                Some(other) => {
                    return Err(self.error(
                        &format!("{p}.protocol"),
                        format!(
                            "unknown protocol \"{other}\"; expected \"http\" (L7) or \"tcp\" (L4)"
                        ),
                    ))
                }
            };
            let prober = match check.prober.as_deref() {
                None | Some("load_balancer") => Prober::LoadBalancer,
                Some("readiness") => Prober::Readiness,
                Some(other) => {
                    return Err(self.error(
                        &format!("{p}.prober"),
                        format!("unknown prober {}; expected \"load_balancer\" or \"readiness\" (a Kubernetes readiness probe)", crate::text::shown(other)),
                    ))
                }
            };
            let deep = check.deep.unwrap_or(false);
            if deep {
                if protocol == CheckProtocol::Tcp {
                    return Err(self.error(
                        &format!("{p}.deep"),
                        "a TCP check only opens a connection and cannot ask the dependencies: use \"protocol\": \"http\" for a deep check",
                    ));
                }
                self.has_hard_dependency(&format!("{p}.deep"), component)?;
            }
            component.health_check = Some(HealthCheck {
                interval,
                timeout,
                unhealthy_threshold: threshold(
                    "unhealthy_threshold",
                    check.unhealthy_threshold,
                    2,
                )?,
                healthy_threshold: threshold("healthy_threshold", check.healthy_threshold, 5)?,
                deep,
                protocol,
                prober,
            });
        }
        if let Some(check) = &raw.passive_check {
            let p = format!("{path}.passive_check");
            if !has_traffic {
                return Err(needs_traffic("passive_check"));
            }
            let max_fails = check.max_fails.unwrap_or(1);
            if max_fails == 0 {
                return Err(self.error(&format!("{p}.max_fails"), "must be at least 1"));
            }
            component.passive_check = Some(PassiveCheck {
                max_fails,
                fail_timeout: self.optional_duration(
                    &format!("{p}.fail_timeout"),
                    check.fail_timeout.as_ref(),
                    10 * SECOND,
                )?,
            });
        }
        component.retry_next_upstream = self.next_upstream(
            &format!("{path}.retry_next_upstream"),
            raw.retry_next_upstream.as_ref(),
        )?;
        if let Some(liveness) = &raw.liveness {
            let p = format!("{path}.liveness");
            let failure_threshold = liveness.failure_threshold.unwrap_or(3);
            if failure_threshold == 0 {
                return Err(self.error(&format!("{p}.failure_threshold"), "must be at least 1"));
            }
            let deep = liveness.deep.unwrap_or(false);
            if deep {
                self.has_hard_dependency(&format!("{p}.deep"), component)?;
                if raw.restart.is_none() {
                    return Err(self.error(
                        &format!("{p}.deep"),
                        "a failing liveness probe restarts the process: add the component's \"restart\" settings",
                    ));
                }
            }
            component.liveness = Some(Liveness {
                period: self.positive_duration(&format!("{p}.period"), &liveness.period)?,
                failure_threshold,
                initial_delay: liveness
                    .initial_delay
                    .as_ref()
                    .map_or(Ok(0), |v| self.duration(&format!("{p}.initial_delay"), v))?,
                deep,
            });
        }
        if let Some(probe) = &raw.startup_probe {
            let p = format!("{path}.startup_probe");
            let failure_threshold = probe.failure_threshold.unwrap_or(3);
            if failure_threshold == 0 {
                return Err(self.error(&format!("{p}.failure_threshold"), "must be at least 1"));
            }
            if raw.restart.is_none() {
                return Err(self.error(
                    &p,
                    "a startup probe decides when a restarted process is killed: add the component's \"restart\" settings",
                ));
            }
            component.startup_probe = Some(StartupProbe {
                period: self.positive_duration(&format!("{p}.period"), &probe.period)?,
                failure_threshold,
                initial_delay: probe
                    .initial_delay
                    .as_ref()
                    .map_or(Ok(0), |v| self.duration(&format!("{p}.initial_delay"), v))?,
            });
        }
        if let Some(restart) = &raw.restart {
            let p = format!("{path}.restart");
            let restart = Restart {
                duration: self.distribution(&format!("{p}.duration"), &restart.duration)?,
                backoff_initial: self.optional_duration(
                    &format!("{p}.backoff_initial"),
                    restart.backoff_initial.as_ref(),
                    10 * SECOND,
                )?,
                backoff_max: self.optional_duration(
                    &format!("{p}.backoff_max"),
                    restart.backoff_max.as_ref(),
                    300 * SECOND,
                )?,
                backoff_reset: self.optional_duration(
                    &format!("{p}.backoff_reset"),
                    restart.backoff_reset.as_ref(),
                    600 * SECOND,
                )?,
            };
            if restart.backoff_max < restart.backoff_initial {
                return Err(self.error(
                    &format!("{p}.backoff_max"),
                    "must not be shorter than backoff_initial",
                ));
            }
            component.restart = Some(restart);
        }
        if let Some(replacement) = &raw.replacement {
            let p = format!("{path}.replacement");
            component.replacement = Some(Replacement {
                detection: replacement
                    .detection
                    .as_ref()
                    .map_or(Ok(0), |v| self.duration(&format!("{p}.detection"), v))?,
                provisioning: self
                    .distribution(&format!("{p}.provisioning"), &replacement.provisioning)?,
                any_zone: replacement.any_zone.unwrap_or(false),
            });
            if replacement.any_zone == Some(true) {
                // An auto-scaling group is regional: it needs two distinct zones of one
                // region among the component's.
                let zones = &component.zones;
                let region_of = |z: usize| scenario.zones[z].region.as_deref();
                let possible = zones.iter().enumerate().any(|(i, &a)| {
                    zones[..i]
                        .iter()
                        .any(|&b| b != a && region_of(a) == region_of(b))
                });
                if !possible {
                    return Err(self.error(
                        &format!("{p}.any_zone"),
                        "relaunching in another zone needs the component in at least 2 distinct zones of one region",
                    ));
                }
            }
        }
        for (i, (mode, raw_mode)) in component.failures.iter().zip(&raw.failures).enumerate() {
            let p = format!("{path}.failures[{i}].recovery");
            match mode.recovery {
                Recovery::Restart if component.restart.is_none() => {
                    return Err(self.error(&p, "\"restart\" needs the component's \"restart\" settings"))
                }
                Recovery::Restart if mode.effect != Effect::Crash && component.liveness.is_none() => {
                    return Err(self.error(
                        &p,
                        "a hung or slow process is restarted only after a liveness probe fails: add the component's \"liveness\"",
                    ))
                }
                Recovery::Replace if component.replacement.is_none() => {
                    return Err(self.error(&p, "\"replace\" needs the component's \"replacement\" settings"))
                }
                _ => {}
            }
            let _ = raw_mode;
        }
        if let Some(failover) = &raw.failover {
            let p = format!("{path}.failover");
            if component.role == Role::ActiveActive {
                return Err(self.error(
                    &p,
                    "failover needs \"role\": \"active_passive\" or \"primary_replica\"",
                ));
            }
            if component.replicas < 2 {
                return Err(self.error(
                    &format!("{path}.replicas"),
                    "failover needs at least 2 replicas: a primary and one to promote",
                ));
            }
            let failure_probability = failover.failure_probability.map_or(Ok(0.0), |v| {
                self.number_in(&format!("{p}.failure_probability"), v, 0.0, 1.0, false)
            })?;
            let manual_promotion =
                match &failover.manual_promotion {
                    Some(v) => self.distribution(&format!("{p}.manual_promotion"), v)?,
                    None if failure_probability > 0.0 => return Err(self.error(
                        &format!("{p}.manual_promotion"),
                        "needed when failure_probability > 0: how long a manual promotion takes",
                    )),
                    None => Distribution::Constant { value: 1 },
                };
            let monitors = match &failover.monitors {
                None => None,
                Some(m) => {
                    let mp = format!("{p}.monitors");
                    if m.zones.is_empty() {
                        return Err(self
                            .error(&format!("{mp}.zones"), "must list the zone of each monitor"));
                    }
                    let zones = m
                        .zones
                        .iter()
                        .enumerate()
                        .map(|(i, z)| {
                            self.reference(&format!("{mp}.zones[{i}]"), z, &scenario.zones, "zone")
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    if m.quorum == 0 || m.quorum as usize > zones.len() {
                        return Err(self.error(
                            &format!("{mp}.quorum"),
                            format!(
                                "must be between 1 and the number of monitors ({}), got {}",
                                zones.len(),
                                m.quorum
                            ),
                        ));
                    }
                    Some(Monitors {
                        zones,
                        quorum: m.quorum,
                    })
                }
            };
            let zero = Distribution::Constant { value: 0 };
            let resync = failover
                .resync
                .as_ref()
                .map(|v| self.distribution(&format!("{p}.resync"), v))
                .transpose()?;
            let parallel_syncs = failover.parallel_syncs.unwrap_or(1);
            if parallel_syncs == 0 {
                return Err(self.error(
                    &format!("{p}.parallel_syncs"),
                    "must be at least 1: how many replicas resync with the new primary at a time",
                ));
            }
            if failover.parallel_syncs.is_some() && resync.is_none() {
                return Err(self.error(
                    &format!("{p}.parallel_syncs"),
                    "needs \"resync\" (how long one replica takes to resync): without it replicas follow the new primary at once",
                ));
            }
            component.failover = Some(Failover {
                detection: self.distribution(&format!("{p}.detection"), &failover.detection)?,
                promotion: self.distribution(&format!("{p}.promotion"), &failover.promotion)?,
                reconnect: failover.reconnect.as_ref().map_or(Ok(zero), |v| {
                    self.distribution(&format!("{p}.reconnect"), v)
                })?,
                failure_probability,
                manual_promotion,
                monitors,
                failback: failover.failback.unwrap_or(false),
                monitor_timeout: self.optional_duration(
                    &format!("{p}.monitor_timeout"),
                    failover.monitor_timeout.as_ref(),
                    30 * SECOND,
                )?,
                resync,
                parallel_syncs,
            });
        } else if component.role != Role::ActiveActive {
            return Err(self.error(
                &format!("{path}.failover"),
                "a component with a primary needs \"failover\" settings (detection, promotion)",
            ));
        }
        if component.role != Role::ActiveActive {
            let ignored = [
                ("capacity", raw.capacity.is_some()),
                ("health_check", raw.health_check.is_some()),
                ("passive_check", raw.passive_check.is_some()),
                ("retry_next_upstream", raw.retry_next_upstream.is_some()),
                ("require", raw.require.is_some_and(|r| r != 1)),
            ];
            if let Some((key, _)) = ignored.iter().find(|(_, present)| *present) {
                return Err(self.error(
                    &format!("{path}.{key}"),
                    "only for active_active components: a primary's health is decided by its failover settings",
                ));
            }
        }
        if let Some(replication) = &raw.replication {
            let p = format!("{path}.replication");
            if component.role == Role::ActiveActive {
                return Err(self.error(
                    &p,
                    "replication needs \"role\": \"active_passive\" or \"primary_replica\"",
                ));
            }
            component.replication = Some(match replication.mode.as_str() {
                "async" => {
                    let lag = replication.lag.as_ref().ok_or_else(|| {
                        self.error(
                            &format!("{p}.lag"),
                            "async replication needs a lag distribution",
                        )
                    })?;
                    if replication.catch_up.is_some() {
                        return Err(
                            self.error(&format!("{p}.catch_up"), "only for sync replication")
                        );
                    }
                    Replication::Async {
                        lag: self.distribution(&format!("{p}.lag"), lag)?,
                    }
                }
                "sync" => {
                    if replication.lag.is_some() {
                        return Err(self.error(&format!("{p}.lag"), "sync replication has no lag"));
                    }
                    Replication::Sync {
                        catch_up: replication
                            .catch_up
                            .as_ref()
                            .map(|v| self.distribution(&format!("{p}.catch_up"), v))
                            .transpose()?,
                    }
                }
                other => {
                    return Err(self.error(
                        &format!("{p}.mode"),
                        format!(
                            "unknown mode {}; expected \"sync\" or \"async\"",
                            crate::text::shown(other)
                        ),
                    ))
                }
            });
        }
        if let Some(dr) = &raw.disaster_recovery {
            let p = format!("{path}.disaster_recovery");
            if component.role == Role::ActiveActive {
                return Err(self.error(
                    &p,
                    "disaster_recovery needs \"role\": \"active_passive\" or \"primary_replica\" (a stateful component with a primary)",
                ));
            }
            component.disaster_recovery = Some(DisasterRecovery {
                snapshot_interval: self
                    .positive_duration(&format!("{p}.snapshot_interval"), &dr.snapshot_interval)?,
                // Zero is allowed: a runbook that restores as soon as the last unit is lost.
                declare_after: dr.declare_after.as_ref().map_or(Ok(3600 * SECOND), |v| {
                    self.duration(&format!("{p}.declare_after"), v)
                })?,
                restore: self.distribution(&format!("{p}.restore"), &dr.restore)?,
            });
        }
        if let Some(read_fraction) = raw.read_fraction {
            if component.role != Role::PrimaryReplica {
                return Err(self.error(
                    &format!("{path}.read_fraction"),
                    "only for \"role\": \"primary_replica\"",
                ));
            }
            component.read_fraction = self.number_in(
                &format!("{path}.read_fraction"),
                read_fraction,
                0.0,
                1.0,
                false,
            )?;
        }
        if let Some(dns) = &raw.dns {
            let p = format!("{path}.dns");
            if dns.endpoints.is_empty() {
                return Err(self.error(
                    &format!("{p}.endpoints"),
                    "must list at least one endpoint component",
                ));
            }
            if !component.depends_on.is_empty() {
                return Err(self.error(
                    &format!("{path}.depends_on"),
                    "a DNS component only routes to its endpoints: put dependencies on the endpoints",
                ));
            }
            let mut endpoints = Vec::with_capacity(dns.endpoints.len());
            // A set, so that a long endpoint list is checked in linear time (depends_on is
            // empty here, checked above).
            let mut listed = std::collections::HashSet::with_capacity(dns.endpoints.len());
            for (i, name) in dns.endpoints.iter().enumerate() {
                let ep = format!("{p}.endpoints[{i}]");
                let index = self.reference(&ep, name, &scenario.components, "component")?;
                if !listed.insert(index) {
                    return Err(self.error(
                        &ep,
                        format!(
                            "{} is listed twice (as an endpoint or in depends_on)",
                            crate::text::shown(name)
                        ),
                    ));
                }
                endpoints.push(index);
            }
            let check_threshold = dns.check_threshold.unwrap_or(3);
            if check_threshold == 0 {
                return Err(self.error(&format!("{p}.check_threshold"), "must be at least 1"));
            }
            let stale_fraction = dns.stale_fraction.map_or(Ok(0.0), |v| {
                self.number_in(&format!("{p}.stale_fraction"), v, 0.0, 1.0, false)
            })?;
            let stale_extra = dns
                .stale_extra
                .as_ref()
                .map(|v| self.distribution(&format!("{p}.stale_extra"), v))
                .transpose()?;
            if stale_fraction > 0.0 && stale_extra.is_none() {
                return Err(self.error(&format!("{p}.stale_extra"), "needed when stale_fraction > 0: how much longer stale resolvers keep the answer"));
            }
            component.dns = Some(DnsFailover {
                endpoints,
                check_interval: self.optional_duration(
                    &format!("{p}.check_interval"),
                    dns.check_interval.as_ref(),
                    30 * SECOND,
                )?,
                check_threshold,
                ttl: self.positive_duration(&format!("{p}.ttl"), &dns.ttl)?,
                stale_fraction,
                stale_extra,
            });
        }
        Ok(())
    }
}

use super::distribution::Distribution;
