//! Bad input: every class of error names the file and the JSON path (or line and column),
//! says what would be valid, exits with status 2, and never panics.

use crate::common::{scratch, sim};

const VALID_COMPONENT: &str =
    r#"{ "failures": [ { "name": "crash", "ttf": "30d", "ttr": "1h" } ] }"#;

/// (what is wrong, scenario text, path the message must name, words it must contain)
fn cases() -> Vec<(&'static str, String, &'static str, &'static str)> {
    let with_api = |api: &str| format!(r#"{{ "components": {{ "api": {api} }}, "entry": "api" }}"#);
    // A valid scenario with `keys` added at the top level.
    let correlated = |keys: &str| {
        format!(r#"{{ "components": {{ "api": {VALID_COMPONENT} }}, "entry": "api", {keys} }}"#)
    };
    // A valid change with `keys` replacing or adding to its defaults.
    let change = |keys: &str| {
        let mut object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(
            r#"{ "targets": ["api"], "interval": "2d", "bad_probability": 0.1, "detection": "10m", "rollback": "10m" }"#,
        )
        .unwrap();
        let extra: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&format!("{{ {keys} }}")).unwrap();
        object.extend(extra);
        format!(
            r#""changes": {{ "release": {} }}"#,
            serde_json::Value::Object(object)
        )
    };
    vec![
        ("unknown top-level key", format!(r#"{{ "components": {{ "api": {VALID_COMPONENT} }}, "entry": "api", "entyr": 1 }}"#), "entyr", "expected one of"),
        ("unknown component key", with_api(r#"{ "replica": 2 }"#), "components.api.replica", "replicas"),
        ("unknown failure key", with_api(r#"{ "failures": [ { "name": "x", "ttf": "1d", "ttr": "1h", "mttr": "1h" } ] }"#), "components.api.failures[0].mttr", "expected one of"),
        ("bad duration unit", with_api(r#"{ "failures": [ { "name": "x", "ttf": "30days", "ttr": "1h" } ] }"#), "components.api.failures[0].ttf", "unknown unit"),
        ("bare number duration", with_api(r#"{ "failures": [ { "name": "x", "ttf": 30, "ttr": "1h" } ] }"#), "components.api.failures[0].ttf", "\"30s\""),
        ("negative duration", with_api(r#"{ "failures": [ { "name": "x", "ttf": "-3h", "ttr": "1h" } ] }"#), "components.api.failures[0].ttf", "non-negative"),
        ("zero mean", with_api(r#"{ "failures": [ { "name": "x", "ttf": "0s", "ttr": "1h" } ] }"#), "components.api.failures[0].ttf", "longer than zero"),
        ("negative weibull shape", with_api(r#"{ "failures": [ { "name": "x", "ttf": { "weibull": { "shape": -1, "scale": "1d" } }, "ttr": "1h" } ] }"#), "components.api.failures[0].ttf.weibull.shape", "> 0"),
        ("zero gamma shape", with_api(r#"{ "failures": [ { "name": "x", "ttf": "1d", "ttr": { "gamma": { "shape": 0, "mean": "1h" } } } ] }"#), "components.api.failures[0].ttr.gamma.shape", "> 0"),
        ("huge number parameter", with_api(r#"{ "failures": [ { "name": "x", "ttf": "1d", "ttr": { "lognormal": { "median": "1h", "sigma": 1e999 } } } ] }"#), "", ""),
        ("non-finite sigma", with_api(r#"{ "failures": [ { "name": "x", "ttf": "1d", "ttr": { "lognormal": { "median": "1h", "sigma": -0.5 } } } ] }"#), "components.api.failures[0].ttr.lognormal.sigma", ">= 0"),
        ("unknown distribution", with_api(r#"{ "failures": [ { "name": "x", "ttf": { "poisson": { "mean": "1d" } }, "ttr": "1h" } ] }"#), "components.api.failures[0].ttf.poisson", "weibull"),
        ("missing distribution parameter", with_api(r#"{ "failures": [ { "name": "x", "ttf": { "weibull": { "shape": 2 } }, "ttr": "1h" } ] }"#), "components.api.failures[0].ttf.weibull", "scale"),
        ("uniform min above max", with_api(r#"{ "failures": [ { "name": "x", "ttf": { "uniform": { "min": "2h", "max": "1h" } }, "ttr": "1h" } ] }"#), "components.api.failures[0].ttf.uniform.min", "max"),
        ("empty empirical", with_api(r#"{ "failures": [ { "name": "x", "ttf": "1d", "ttr": { "empirical": [] } } ] }"#), "components.api.failures[0].ttr.empirical", "at least one"),
        ("duplicate mode name", with_api(r#"{ "failures": [ { "name": "x", "ttf": "1d", "ttr": "1h" }, { "name": "x", "ttf": "1d", "ttr": "1h" } ] }"#), "components.api.failures[1].name", "twice"),
        ("zero replicas", with_api(r#"{ "replicas": 0 }"#), "components.api.replicas", "at least 1"),
        ("negative replicas", with_api(r#"{ "replicas": -2 }"#), "components.api.replicas", "whole number"),
        ("require above replicas", with_api(r#"{ "replicas": 3, "require": 4 }"#), "components.api.require", "between 1 and replicas (3)"),
        ("require zero", with_api(r#"{ "replicas": 3, "require": 0 }"#), "components.api.require", "between 1 and replicas"),
        ("unknown zone", with_api(r#"{ "zones": ["us-east-1a"] }"#), "components.api.zones[0]", "unknown zone"),
        ("empty zone list", with_api(r#"{ "zones": [] }"#), "components.api.zones", "at least one zone"),
        ("unknown region", r#"{ "zones": { "a": { "region": "mars" } }, "components": { "api": {} }, "entry": "api" }"#.to_string(), "zones.a.region", "unknown region"),
        ("unknown dependency", with_api(r#"{ "depends_on": ["db"] }"#), "components.api.depends_on[0]", "valid components: \"api\""),
        ("self dependency", with_api(r#"{ "depends_on": ["api"] }"#), "components.api.depends_on", "cycle api -> api"),
        ("dependency cycle", r#"{ "components": { "a": { "depends_on": ["b"] }, "b": { "depends_on": ["c"] }, "c": { "depends_on": ["a"] } }, "entry": "a" }"#.to_string(), "components.c.depends_on", "a -> b -> c -> a"),
        ("duplicate dependency", r#"{ "components": { "a": { "depends_on": ["b", "b"] }, "b": {} }, "entry": "a" }"#.to_string(), "components.a.depends_on[1]", "twice"),
        ("missing entry", format!(r#"{{ "components": {{ "api": {VALID_COMPONENT} }} }}"#), "entry", "\"api\""),
        ("empty entry", format!(r#"{{ "components": {{ "api": {VALID_COMPONENT} }}, "entry": "" }}"#), "entry", "missing or empty"),
        ("unknown entry", format!(r#"{{ "components": {{ "api": {VALID_COMPONENT} }}, "entry": "web" }}"#), "entry", "unknown component \"web\""),
        ("no components", r#"{ "components": {}, "entry": "api" }"#.to_string(), "components", "at least one component"),
        ("missing components", r#"{ "entry": "api" }"#.to_string(), "(top level)", "components"),
        ("zero trials", format!(r#"{{ "simulation": {{ "trials": 0 }}, "components": {{ "api": {VALID_COMPONENT} }}, "entry": "api" }}"#), "simulation.trials", "between 1 and"),
        ("zero horizon", format!(r#"{{ "simulation": {{ "horizon": "0y" }}, "components": {{ "api": {VALID_COMPONENT} }}, "entry": "api" }}"#), "simulation.horizon", "longer than zero"),
        ("horizon too long", format!(r#"{{ "simulation": {{ "horizon": "20000y" }}, "components": {{ "api": {VALID_COMPONENT} }}, "entry": "api" }}"#), "simulation.horizon", "10000y"),
        ("negative seed", format!(r#"{{ "simulation": {{ "seed": -1 }}, "components": {{ "api": {VALID_COMPONENT} }}, "entry": "api" }}"#), "simulation.seed", "whole number"),
        ("wrong type", r#"{ "components": { "api": { "zones": "a" } }, "entry": "api" }"#.to_string(), "components.api.zones", "expected a sequence"),
        ("invalid JSON", r#"{ "components": { "api": { } }, "entry": "api" "#.to_string(), ":1:", "invalid JSON"),
        ("trailing garbage", format!(r#"{{ "components": {{ "api": {VALID_COMPONENT} }}, "entry": "api" }} x"#), ":1:", "invalid JSON"),
        ("not an object", "[1, 2]".to_string(), "(top level)", "expected an object"),
        ("list for a struct", with_api(r#"{ "failures": [ ["x", "1d", "1h"] ] }"#), "components.api.failures[0]", "expected an object"),
        ("list for simulation", format!(r#"{{ "simulation": ["1y", 10, 3], "components": {{ "api": {VALID_COMPONENT} }}, "entry": "api" }}"#), "simulation", "expected an object"),
        ("duplicate component", r#"{ "components": { "api": {}, "api": { "replicas": 2 } }, "entry": "api" }"#.to_string(), "components", "defined twice"),
        ("empty file", String::new(), ":1:", "invalid JSON"),
        ("degenerate gamma shape", with_api(r#"{ "failures": [ { "name": "x", "ttf": { "gamma": { "shape": 1e-300, "mean": "1h" } }, "ttr": "1h" } ] }"#), "components.api.failures[0].ttf.gamma.shape", "between 0.01 and 100"),
        ("empty slo", format!(r#"{{ "slo": {{}}, "components": {{ "api": {VALID_COMPONENT} }}, "entry": "api" }}"#), "slo", "no objective"),
        ("slo above 1", format!(r#"{{ "slo": {{ "availability": 99.9 }}, "components": {{ "api": {VALID_COMPONENT} }}, "entry": "api" }}"#), "slo.availability", "(0, 1]"),
        ("unknown effect", with_api(r#"{ "failures": [ { "name": "x", "ttf": "1d", "ttr": "1h", "effect": "explode" } ] }"#), "components.api.failures[0].effect", "\"hang\""),
        ("slow without latency", with_api(r#"{ "failures": [ { "name": "x", "ttf": "1d", "ttr": "1h", "effect": { "slow": {} } } ] }"#), "components.api.failures[0].effect.slow", "latency"),
        ("restart without settings", with_api(r#"{ "failures": [ { "name": "x", "ttf": "1d", "ttr": "1h", "recovery": "restart" } ] }"#), "components.api.failures[0].recovery", "\"restart\" settings"),
        ("hang restart without liveness", with_api(r#"{ "restart": { "duration": "10s" }, "failures": [ { "name": "x", "ttf": "1d", "ttr": "1h", "effect": "hang", "recovery": "restart" } ] }"#), "components.api.failures[0].recovery", "liveness"),
        ("unknown recovery", with_api(r#"{ "failures": [ { "name": "x", "ttf": "1d", "ttr": "1h", "recovery": "reboot" } ] }"#), "components.api.failures[0].recovery", "\"replace\""),
        ("capacity without traffic", with_api(r#"{ "capacity": 100 }"#), "components.api.capacity", "traffic"),
        ("negative capacity", r#"{ "traffic": { "peak_rps": 10 }, "components": { "api": { "capacity": -5 } }, "entry": "api" }"#.to_string(), "components.api.capacity", "(0, "),
        ("bad traffic profile", format!(r#"{{ "traffic": {{ "peak_rps": 10, "profile": "weekly" }}, "components": {{ "api": {VALID_COMPONENT} }}, "entry": "api" }}"#), "traffic.profile", "diurnal"),
        ("short hourly profile", format!(r#"{{ "traffic": {{ "peak_rps": 10, "profile": {{ "hourly": [1, 2] }} }}, "components": {{ "api": {VALID_COMPONENT} }}, "entry": "api" }}"#), "traffic.profile.hourly", "24 numbers"),
        ("health check timeout above interval", with_api(r#"{ "health_check": { "interval": "5s", "timeout": "10s" } }"#), "components.api.health_check.timeout", "interval"),
        ("deep check without a hard dependency", with_api(r#"{ "health_check": { "interval": "5s", "deep": true } }"#), "components.api.health_check.deep", "hard dependency"),
        ("deep TCP check", with_api(r#"{ "health_check": { "interval": "5s", "protocol": "tcp", "deep": true } }"#), "components.api.health_check.deep", "TCP"),
        ("unknown check protocol", with_api(r#"{ "health_check": { "interval": "5s", "protocol": "grpc" } }"#), "components.api.health_check.protocol", "\"tcp\""),
        ("unknown prober", with_api(r#"{ "health_check": { "interval": "5s", "prober": "kubelet" } }"#), "components.api.health_check.prober", "\"readiness\""),
        ("deep liveness without restart", format!(r#"{{ "components": {{ "api": {{ "depends_on": ["db"], "liveness": {{ "period": "10s", "deep": true }} }}, "db": {VALID_COMPONENT} }}, "entry": "api" }}"#), "components.api.liveness.deep", "restart"),
        ("startup probe without restart", with_api(r#"{ "startup_probe": { "period": "10s" } }"#), "components.api.startup_probe", "restart"),
        ("zero startup threshold", with_api(r#"{ "restart": { "duration": "5s" }, "startup_probe": { "period": "10s", "failure_threshold": 0 } }"#), "components.api.startup_probe.failure_threshold", "at least 1"),
        ("negative initial delay", with_api(r#"{ "liveness": { "period": "10s", "initial_delay": "-5s" } }"#), "components.api.liveness.initial_delay", ""),
        ("any_zone in one zone", r#"{ "zones": { "a": {} }, "components": { "api": { "zones": ["a"], "replacement": { "provisioning": "1m", "any_zone": true } } }, "entry": "api" }"#.to_string(), "components.api.replacement.any_zone", "2 distinct zones"),
        ("any_zone in one zone twice", r#"{ "zones": { "a": {} }, "components": { "api": { "replicas": 2, "zones": ["a", "a"], "replacement": { "provisioning": "1m", "any_zone": true } } }, "entry": "api" }"#.to_string(), "components.api.replacement.any_zone", "distinct zones of one region"),
        ("any_zone across regions", r#"{ "regions": { "r1": {}, "r2": {} }, "zones": { "a": { "region": "r1" }, "b": { "region": "r2" } }, "components": { "api": { "replicas": 2, "zones": ["a", "b"], "replacement": { "provisioning": "1m", "any_zone": true } } }, "entry": "api" }"#.to_string(), "components.api.replacement.any_zone", "one region"),
        ("any_zone not a bool", r#"{ "zones": { "a": {}, "b": {} }, "components": { "api": { "zones": ["a", "b"], "replacement": { "provisioning": "1m", "any_zone": "yes" } } }, "entry": "api" }"#.to_string(), "components.api.replacement.any_zone", ""),
        ("zero unhealthy threshold", with_api(r#"{ "health_check": { "interval": "5s", "unhealthy_threshold": 0 } }"#), "components.api.health_check.unhealthy_threshold", "between 1 and 100"),
        ("failover on active-active", with_api(r#"{ "failover": { "detection": "10s", "promotion": "10s" } }"#), "components.api.failover", "role"),
        ("primary without failover", with_api(r#"{ "replicas": 2, "role": "active_passive" }"#), "components.api.failover", "failover"),
        ("unknown role", with_api(r#"{ "role": "leader" }"#), "components.api.role", "active_passive"),
        ("async without lag", with_api(r#"{ "replicas": 2, "role": "active_passive", "failover": { "detection": "10s", "promotion": "10s" }, "replication": { "mode": "async" } }"#), "components.api.replication.lag", "lag"),
        ("failover probability above 1", with_api(r#"{ "replicas": 2, "role": "active_passive", "failover": { "detection": "10s", "promotion": "10s", "failure_probability": 2 } }"#), "components.api.failover.failure_probability", "[0, 1]"),
        ("monitor quorum too big", r#"{ "zones": { "a": {} }, "components": { "api": { "replicas": 2, "role": "active_passive", "failover": { "detection": "10s", "promotion": "10s", "monitors": { "zones": ["a"], "quorum": 2 } } } }, "entry": "api" }"#.to_string(), "components.api.failover.monitors.quorum", "between 1 and"),
        ("needed_by zero", r#"{ "components": { "api": { "depends_on": [ { "component": "db", "needed_by": 0 } ] }, "db": {} }, "entry": "api" }"#.to_string(), "components.api.depends_on[0].needed_by", "(0, 1]"),
        ("unknown dependency key", r#"{ "components": { "api": { "depends_on": [ { "component": "db", "fallbak": true } ] }, "db": {} }, "entry": "api" }"#.to_string(), "components.api.depends_on[0].fallbak", "fallback"),
        ("breaker threshold above 100", r#"{ "components": { "api": { "depends_on": [ { "component": "db", "breaker": { "error_threshold": 150 } } ] }, "db": {} }, "entry": "api" }"#.to_string(), "components.api.depends_on[0].breaker.error_threshold", "100"),
        ("dns endpoint unknown", r#"{ "components": { "dns": { "dns": { "endpoints": ["east", "nowhere"], "ttl": "60s" } }, "east": {} }, "entry": "dns" }"#.to_string(), "components.dns.dns.endpoints[1]", "unknown component"),
        ("dns endpoint cycle", r#"{ "components": { "dns": { "dns": { "endpoints": ["east"], "ttl": "60s" } }, "east": { "depends_on": ["dns"] } }, "entry": "dns" }"#.to_string(), "depends_on", "cycle"),
        ("stale without extra", r#"{ "components": { "dns": { "dns": { "endpoints": ["east"], "ttl": "60s", "stale_fraction": 0.1 } }, "east": {} }, "entry": "dns" }"#.to_string(), "components.dns.dns.stale_extra", "stale_fraction"),
        ("zero shards", with_api(r#"{ "replicas": 2, "shards": 0 }"#), "components.api.shards", "at least 1"),
        ("shards not dividing replicas", with_api(r#"{ "replicas": 5, "shards": 2 }"#), "components.api.shards", "divide replicas (5)"),
        ("require above a shard", with_api(r#"{ "replicas": 4, "shards": 2, "require": 3 }"#), "components.api.require", "per shard"),
        ("monitors on a Redis Cluster", with_api(r#"{ "replicas": 6, "shards": 3, "role": "active_passive", "failover": { "detection": "10s", "promotion": "10s", "monitors": { "zones": ["a"], "quorum": 1 } }, "zones": ["a"] }"#).replace(r#""entry""#, r#""zones": { "a": {} }, "entry""#), "components.api.failover.monitors", "masters vote"),
        ("a primary shard without a replica", with_api(r#"{ "replicas": 3, "shards": 3, "role": "active_passive", "failover": { "detection": "10s", "promotion": "10s" } }"#), "components.api.shards", "at least 2 units per shard"),
        ("full coverage without shards", with_api(r#"{ "replicas": 2, "require_full_coverage": true }"#), "components.api.require_full_coverage", "shards > 1"),
        ("disaster recovery on active-active", with_api(r#"{ "disaster_recovery": { "snapshot_interval": "24h", "restore": "2h" } }"#), "components.api.disaster_recovery", "active_passive"),
        ("zero snapshot interval", with_api(r#"{ "replicas": 2, "role": "active_passive", "failover": { "detection": "10s", "promotion": "10s" }, "disaster_recovery": { "snapshot_interval": "0s", "restore": "2h" } }"#), "components.api.disaster_recovery.snapshot_interval", "longer than zero"),
        ("disaster recovery without restore", with_api(r#"{ "replicas": 2, "role": "active_passive", "failover": { "detection": "10s", "promotion": "10s" }, "disaster_recovery": { "snapshot_interval": "24h" } }"#), "components.api.disaster_recovery", "restore"),
        ("negative declare_after", with_api(r#"{ "replicas": 2, "role": "active_passive", "failover": { "detection": "10s", "promotion": "10s" }, "disaster_recovery": { "snapshot_interval": "24h", "restore": "2h", "declare_after": "-1h" } }"#), "components.api.disaster_recovery.declare_after", "non-negative"),
        ("bad restore distribution", with_api(r#"{ "replicas": 2, "role": "active_passive", "failover": { "detection": "10s", "promotion": "10s" }, "disaster_recovery": { "snapshot_interval": "24h", "restore": { "lognormal": { "median": "2h" } } } }"#), "components.api.disaster_recovery.restore.lognormal", "sigma"),
        ("zero parallel syncs", with_api(r#"{ "replicas": 3, "role": "primary_replica", "failover": { "detection": "10s", "promotion": "10s", "resync": "1m", "parallel_syncs": 0 } }"#), "components.api.failover.parallel_syncs", "at least 1"),
        ("parallel syncs without resync", with_api(r#"{ "replicas": 3, "role": "primary_replica", "failover": { "detection": "10s", "promotion": "10s", "parallel_syncs": 2 } }"#), "components.api.failover.parallel_syncs", "\"resync\""),
        ("negative resync", with_api(r#"{ "replicas": 3, "role": "primary_replica", "failover": { "detection": "10s", "promotion": "10s", "resync": "-1m" } }"#), "components.api.failover.resync", "non-negative"),
        ("next upstream not a bool or object", with_api(r#"{ "retry_next_upstream": "yes" }"#), "components.api.retry_next_upstream", "expected true, false or"),
        ("next upstream unknown key", with_api(r#"{ "retry_next_upstream": { "retries": 2 } }"#), "components.api.retry_next_upstream.retries", "tries, upstream_timeout, non_idempotent"),
        ("next upstream negative tries", with_api(r#"{ "retry_next_upstream": { "tries": -1 } }"#), "components.api.retry_next_upstream.tries", "whole number"),
        ("next upstream zero timeout", with_api(r#"{ "retry_next_upstream": { "upstream_timeout": "0s" } }"#), "components.api.retry_next_upstream.upstream_timeout", "longer than zero"),
        ("next upstream share above 1", with_api(r#"{ "retry_next_upstream": { "non_idempotent": 1.5 } }"#), "components.api.retry_next_upstream.non_idempotent", "[0, 1]"),
        ("next upstream share not a number", with_api(r#"{ "retry_next_upstream": { "non_idempotent": "some" } }"#), "components.api.retry_next_upstream.non_idempotent", "a number in [0, 1]"),
        ("next upstream on a primary", with_api(r#"{ "replicas": 2, "role": "active_passive", "failover": { "detection": "10s", "promotion": "10s" }, "retry_next_upstream": { "tries": 2 } }"#), "components.api.retry_next_upstream", "active_active"),
        ("shed cost without capacity", with_api(r#"{ "shed_cost": 0.5 }"#), "components.api.shed_cost", "capacity"),
        ("shed cost above 1", r#"{ "traffic": { "peak_rps": 10 }, "components": { "api": { "capacity": 5, "shed_cost": 1.5 } }, "entry": "api" }"#.to_string(), "components.api.shed_cost", "[0, 1]"),
        ("zero monitor timeout", with_api(r#"{ "replicas": 2, "role": "active_passive", "failover": { "detection": "10s", "promotion": "10s", "monitor_timeout": "0s" } }"#), "components.api.failover.monitor_timeout", "longer than zero"),
        ("common cause above 1", with_api(r#"{ "replicas": 2, "failures": [ { "name": "x", "ttf": "1d", "ttr": "1h", "common_cause": 1.5 } ] }"#), "components.api.failures[0].common_cause", "[0, 1]"),
        ("common cause not a number", with_api(r#"{ "failures": [ { "name": "x", "ttf": "1d", "ttr": "1h", "common_cause": "high" } ] }"#), "components.api.failures[0].common_cause", "f64"),
        ("shared unknown target", correlated(r#""shared_failures": { "idp": { "ttf": "90d", "ttr": "1h", "targets": ["api", "web"] } }"#), "shared_failures.idp.targets[1]", "unknown component \"web\""),
        ("shared no targets", correlated(r#""shared_failures": { "idp": { "ttf": "90d", "ttr": "1h", "targets": [] } }"#), "shared_failures.idp.targets", "at least one component"),
        ("shared duplicate target", correlated(r#""shared_failures": { "idp": { "ttf": "90d", "ttr": "1h", "targets": ["api", "api"] } }"#), "shared_failures.idp.targets[1]", "twice"),
        ("shared probability above 1", correlated(r#""shared_failures": { "idp": { "ttf": "90d", "ttr": "1h", "targets": ["api"], "probability": 1.2 } }"#), "shared_failures.idp.probability", "[0, 1]"),
        ("shared bad effect", correlated(r#""shared_failures": { "idp": { "ttf": "90d", "ttr": "1h", "targets": ["api"], "effect": "melt" } }"#), "shared_failures.idp.effect", "\"hang\""),
        ("shared bad ttr", correlated(r#""shared_failures": { "idp": { "ttf": "90d", "ttr": "soon", "targets": ["api"] } }"#), "shared_failures.idp.ttr", "duration"),
        ("shared missing ttf", correlated(r#""shared_failures": { "idp": { "ttr": "1h", "targets": ["api"] } }"#), "shared_failures.idp", "ttf"),
        ("shared unknown key", correlated(r#""shared_failures": { "idp": { "ttf": "90d", "ttr": "1h", "targets": ["api"], "scope": "global" } }"#), "shared_failures.idp.scope", "expected one of"),
        ("shared as a list", correlated(r#""shared_failures": { "idp": ["90d", "1h", ["api"]] }"#), "shared_failures.idp", "expected an object"),
        ("shared reserved name", correlated(r##""shared_failures": { "#idp": { "ttf": "90d", "ttr": "1h", "targets": ["api"] } }"##), "shared_failures.#idp", "reserved"),
        ("change unknown target", correlated(&change(r#""targets": ["web"]"#)), "changes.release.targets[0]", "unknown component"),
        ("change bad probability", correlated(&change(r#""targets": ["api"], "bad_probability": -0.1"#)), "changes.release.bad_probability", "[0, 1]"),
        ("change missing bad probability", correlated(r#""changes": { "release": { "targets": ["api"], "interval": "2d", "detection": "10m", "rollback": "10m" } }"#), "changes.release", "bad_probability"),
        ("change missing detection", correlated(r#""changes": { "release": { "targets": ["api"], "interval": "2d", "bad_probability": 0.1, "rollback": "10m" } }"#), "changes.release", "detection"),
        ("change bad interval", correlated(&change(r#""targets": ["api"], "interval": { "constant": "0s" }"#)), "changes.release.interval.constant", "longer than zero"),
        ("change bad rollback", correlated(&change(r#""targets": ["api"], "rollback": { "weibull": { "shape": 2 } }"#)), "changes.release.rollback.weibull", "scale"),
        ("change bad effect", correlated(&change(r#""targets": ["api"], "effect": { "slow": { "latency": "fast" } }"#)), "changes.release.effect.slow.latency", "duration"),
        ("canary zero", correlated(&change(r#""targets": ["api"], "rollout": { "canary": 0, "bake": "1h" }"#)), "changes.release.rollout.canary", "(0, 1]"),
        ("canary above 1", correlated(&change(r#""targets": ["api"], "rollout": { "canary": 1.5, "bake": "1h" }"#)), "changes.release.rollout.canary", "(0, 1]"),
        ("canary without bake", correlated(&change(r#""targets": ["api"], "rollout": { "canary": 0.1 }"#)), "changes.release.rollout", "bake"),
        ("bad bake", correlated(&change(r#""targets": ["api"], "rollout": { "canary": 0.1, "bake": "-1h" }"#)), "changes.release.rollout.bake", "non-negative"),
        ("rollout as a list", correlated(&change(r#""targets": ["api"], "rollout": [0.1, "1h"]"#)), "changes.release.rollout", "expected an object"),
        ("change unknown key", correlated(&change(r#""targets": ["api"], "canary": 0.1"#)), "changes.release.canary", "expected one of"),
        ("empty sum", correlated(&change(r#""targets": ["api"], "detection": { "sum": [] }"#)), "changes.release.detection.sum", "at least one distribution"),
        ("sum not a list", correlated(&change(r#""targets": ["api"], "detection": { "sum": "10m" }"#)), "changes.release.detection.sum", "list of distributions"),
        ("bad sum part", correlated(&change(r#""targets": ["api"], "detection": { "sum": ["10m", { "poisson": 3 }] }"#)), "changes.release.detection.sum[1].poisson", "unknown distribution"),
        ("alert unknown key", correlated(&change(r#""targets": ["api"], "detection": { "alert": { "fore": "2m" } }"#)), "changes.release.detection.alert.fore", "evaluation_interval"),
        ("alert zero interval", correlated(&change(r#""targets": ["api"], "detection": { "alert": { "for": "2m", "evaluation_interval": "0s" } }"#)), "changes.release.detection.alert.evaluation_interval", "longer than zero"),
        ("unknown response", correlated(&change(r#""targets": ["api"], "detection": { "response": "pager" }"#)), "changes.release.detection.response", "unknown response \"pager\""),
        ("response used before it is defined", correlated(r#""responses": { "page": { "sum": [{ "response": "alert" }, "5m"] }, "alert": { "alert": { "for": "2m" } } }"#), "responses.page.sum[0].response", "defined before it"),
        ("bad response", correlated(r#""responses": { "page": { "lognormal": { "median": "5m" } } }"#), "responses.page.lognormal", "sigma"),
        ("response name not text", correlated(&change(r#""targets": ["api"], "detection": { "response": 3 }"#)), "changes.release.detection.response", "name of one of the scenario's responses"),
    ]
}

#[test]
fn every_bad_input_names_file_and_path_and_exits_2() {
    let directory = scratch("errors");
    for (i, (what, text, path, words)) in cases().into_iter().enumerate() {
        let file = directory.join(format!("case-{i}.json"));
        std::fs::write(&file, &text).unwrap();
        let file_text = file.to_str().unwrap();
        for command in ["validate", "run"] {
            let output = sim(&[command, file_text, "-q"][..if command == "run" { 3 } else { 2 }]);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(
                output.status.code(),
                Some(2),
                "{what} ({command}): {stderr}"
            );
            assert!(output.stdout.is_empty(), "{what}: wrote to stdout");
            assert!(!stderr.contains("panicked"), "{what}: {stderr}");
            assert!(
                stderr.starts_with("error: ") && stderr.contains(file_text),
                "{what}: {stderr}"
            );
            assert!(
                stderr.contains(path),
                "{what}: message does not name {path:?}: {stderr}"
            );
            assert!(
                stderr.contains(words),
                "{what}: message lacks {words:?}: {stderr}"
            );
        }
    }
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn unreadable_files_exit_2() {
    for target in ["does/not/exist.json", "tests"] {
        let output = sim(&["run", target]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(target) && stderr.contains("cannot read"),
            "{stderr}"
        );
    }
}

#[test]
fn bad_flags_exit_2_with_usage() {
    for args in [
        &["run", "tests/reference/v1-single.json", "--trials", "0"][..],
        &["run", "tests/reference/v1-single.json", "--threads", "0"],
        &["run", "tests/reference/v1-single.json", "--format", "xml"],
        &["frobnicate"],
    ] {
        let output = sim(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
}

/// A failed write leaves no file and exits 1 (not bad input).
#[test]
fn an_unwritable_output_exits_1_and_writes_nothing() {
    let output = sim(&[
        "run",
        "tests/reference/v1-single.json",
        "--trials",
        "10",
        "-q",
        "--output",
        "no/such/dir/out.json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no/such/dir/out.json"));
    assert!(!std::path::Path::new("no/such/dir").exists());
}
