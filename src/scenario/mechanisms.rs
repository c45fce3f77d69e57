//! The checked HA mechanisms of a scenario: detection, recovery, failover, replication,
//! dependencies with breakers and retries, DNS failover, capacity and traffic. Every field
//! here has been validated by `scenario::load`; see `docs/model.md` for their meaning.

use super::distribution::Distribution;
use crate::time::Ticks;

/// What a failed unit does to the requests still sent to it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Effect {
    /// Fast errors (connection refused, 5xx); the process is gone.
    Crash,
    /// Requests time out; the process is alive.
    Hang,
    /// Requests take `latency` longer; they fail only past a deadline.
    Slow { latency: Ticks },
}

/// What ends a unit's outage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    /// The failure mode's own `ttr`.
    Repair,
    /// Restart by the orchestrator (liveness), with CrashLoopBackOff.
    Restart,
    /// Replacement of the instance after a provisioning delay.
    Replace,
}

impl Recovery {
    pub const ALL: [Recovery; 3] = [Recovery::Repair, Recovery::Restart, Recovery::Replace];

    pub fn name(self) -> &'static str {
        match self {
            Recovery::Repair => "repair",
            Recovery::Restart => "restart",
            Recovery::Replace => "replace",
        }
    }
}

/// Active health checks by whoever routes to the component (load balancer, readiness).
#[derive(Debug, Clone, PartialEq)]
pub struct HealthCheck {
    pub interval: Ticks,
    pub timeout: Ticks,
    pub unhealthy_threshold: u32,
    pub healthy_threshold: u32,
    /// The probe's endpoint also fails while a hard dependency is down (a `/healthz` that
    /// checks its database connection).
    pub deep: bool,
    pub protocol: CheckProtocol,
    pub prober: Prober,
}

/// What a health check asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckProtocol {
    /// An HTTP request (L7): a hung application fails it.
    Http,
    /// A TCP connection (L4): the kernel accepts it while the application hangs or crawls.
    Tcp,
}

/// Who runs a health check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prober {
    /// A load balancer's own periodic checks: it learns of anything only from them.
    LoadBalancer,
    /// A Kubernetes readiness probe: the kubelet also sees the container exit, which
    /// removes the endpoint at once; hangs and slowness wait for the probe.
    Readiness,
}

/// Passive checks (nginx `max_fails` / `fail_timeout`).
#[derive(Debug, Clone, PartialEq)]
pub struct PassiveCheck {
    pub max_fails: u32,
    pub fail_timeout: Ticks,
}

/// Liveness probe: how long until a hung process is killed and restarted.
#[derive(Debug, Clone, PartialEq)]
pub struct Liveness {
    pub period: Ticks,
    pub failure_threshold: u32,
    /// From the container's start to its first probe (`initialDelaySeconds`).
    pub initial_delay: Ticks,
    /// The probe also fails while a hard dependency is down: the orchestrator restarts
    /// healthy processes because of someone else's outage.
    pub deep: bool,
}

/// A Kubernetes startup probe: liveness waits until it succeeds, and it kills a process
/// that has not started after `initial_delay + failure_threshold x period`.
#[derive(Debug, Clone, PartialEq)]
pub struct StartupProbe {
    pub period: Ticks,
    pub failure_threshold: u32,
    pub initial_delay: Ticks,
}

/// Restart by an orchestrator, with CrashLoopBackOff-style exponential backoff.
#[derive(Debug, Clone)]
pub struct Restart {
    pub duration: Distribution,
    pub backoff_initial: Ticks,
    pub backoff_max: Ticks,
    /// Running this long since the last restart resets the backoff.
    pub backoff_reset: Ticks,
}

/// Replacement of a lost instance (auto-scaling group).
#[derive(Debug, Clone)]
pub struct Replacement {
    pub detection: Ticks,
    pub provisioning: Distribution,
    /// An auto-scaling group: a unit lost with its zone is relaunched in a zone that is up.
    pub any_zone: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Every healthy unit serves; `require` and capacity decide the level.
    ActiveActive,
    /// One primary serves everything; the others stand by.
    ActivePassive,
    /// One primary serves writes; any healthy unit serves the `read_fraction`.
    PrimaryReplica,
}

/// Monitors that must agree before a failover (Redis Sentinel's quorum).
#[derive(Debug, Clone, PartialEq)]
pub struct Monitors {
    /// Zone index of each monitor.
    pub zones: Vec<usize>,
    pub quorum: u32,
}

#[derive(Debug, Clone)]
pub struct Failover {
    /// From the primary's failure to the decision to fail over.
    pub detection: Distribution,
    pub promotion: Distribution,
    pub reconnect: Distribution,
    /// Probability that an attempted failover fails.
    pub failure_probability: f64,
    /// After a failed failover: a manual promotion (the primary's repair may come first).
    pub manual_promotion: Distribution,
    pub monitors: Option<Monitors>,
    /// Move back to the preferred primary (unit 0) when it recovers.
    pub failback: bool,
    /// A primary that answers slower than this is down to the monitors (Sentinel's
    /// `down-after-milliseconds`); a slower-but-answering primary is alive.
    pub monitor_timeout: Ticks,
    /// After a promotion the other replicas resync with the new primary, `parallel_syncs`
    /// at a time (Sentinel's `parallel-syncs`), each for a `resync` draw; `None`: at once.
    pub resync: Option<Distribution>,
    pub parallel_syncs: u32,
}

#[derive(Debug, Clone)]
pub enum Replication {
    /// No data loss; a replica that was down must catch up before it can be promoted.
    Sync { catch_up: Option<Distribution> },
    /// The writes within the lag at the moment of failover are lost.
    Async { lag: Distribution },
}

/// Snapshots shipped to another region, restored from when the whole component is lost
/// (every local unit down): the team's disaster-recovery runbook.
#[derive(Debug, Clone)]
pub struct DisasterRecovery {
    /// A snapshot every `snapshot_interval`, at a random phase per trial.
    pub snapshot_interval: Ticks,
    /// How long the component must have had no live unit before the team restores.
    pub declare_after: Ticks,
    /// From the decision to the restored copy serving.
    pub restore: Distribution,
}

/// An opossum-style circuit breaker on a dependency.
#[derive(Debug, Clone, PartialEq)]
pub struct Breaker {
    /// Trip when the error share in the window reaches this fraction (0, 1].
    pub error_threshold: f64,
    pub reset_timeout: Ticks,
    pub window: Ticks,
    pub min_volume: u32,
}

/// Retries with exponential backoff: attempts after the first, first backoff, doubling.
#[derive(Debug, Clone, PartialEq)]
pub struct Retries {
    pub attempts: u32,
    pub backoff: Ticks,
}

impl Retries {
    /// The time a request keeps retrying: backoff x (2^attempts - 1).
    pub fn window(&self) -> Ticks {
        let factor = (1u64 << self.attempts.min(40)) - 1;
        self.backoff.saturating_mul(factor)
    }

    /// Share of calls that fail when each attempt succeeds independently with `success`:
    /// every one of the attempts + 1 tries fails, (1 - success)^(attempts + 1).
    pub fn failing_share(&self, success: f64) -> f64 {
        (1.0 - success)
            .clamp(0.0, 1.0)
            .powi(self.attempts as i32 + 1)
    }

    /// Attempts one call sends when each succeeds with `success`: the k-th retry is sent
    /// only if the k tries before it failed, 1 + f + f^2 + ... + f^attempts, f = 1 - success
    /// (exactly 1 at success 1, attempts + 1 at success 0).
    pub fn attempts_per_call(&self, success: f64) -> f64 {
        let failing = (1.0 - success).clamp(0.0, 1.0);
        let mut sum = 1.0;
        let mut term = 1.0;
        for _ in 0..self.attempts {
            term *= failing;
            sum += term;
        }
        sum
    }
}

/// A router that passes a failed request to the next unit: nginx's `proxy_next_upstream
/// error timeout` (its default), with `proxy_next_upstream_tries` and `proxy_read_timeout`.
#[derive(Debug, Clone, PartialEq)]
pub struct NextUpstream {
    /// Units a request may try, the first included; 0: no limit (nginx's default).
    pub tries: u32,
    /// How long the router waits for a unit's answer before it gives up on it and tries
    /// the next (`proxy_read_timeout`, also `proxy_connect_timeout`: both 60 s by default).
    pub upstream_timeout: Ticks,
    /// Share of requests with a non-idempotent method (POST, PATCH, LOCK): once sent to a
    /// unit they are not passed to another one.
    pub non_idempotent: f64,
}

impl NextUpstream {
    /// nginx's defaults: no limit on tries, 60 s timeout, every request idempotent.
    pub const NGINX: NextUpstream = NextUpstream {
        tries: 0,
        upstream_timeout: 60_000_000,
        non_idempotent: 0.0,
    };
}

/// How long a caller waits for a dependency unless told otherwise (opossum's default).
pub const DEFAULT_TIMEOUT: Ticks = 10_000_000;

/// One dependency of a component.
#[derive(Debug, Clone)]
pub struct Dependency {
    pub component: usize,
    /// Fraction of the caller's requests that need the dependency (1 = hard).
    pub needed_by: f64,
    /// Requests whose call fails get a fallback answer instead of an error.
    pub fallback: bool,
    /// How long the caller waits for the dependency before giving up.
    pub timeout: Ticks,
    pub breaker: Option<Breaker>,
    pub retries: Option<Retries>,
}

impl Dependency {
    pub fn hard(component: usize) -> Self {
        Dependency {
            component,
            needed_by: 1.0,
            fallback: false,
            timeout: DEFAULT_TIMEOUT,
            breaker: None,
            retries: None,
        }
    }
}

/// DNS failover between endpoints, in priority order.
#[derive(Debug, Clone)]
pub struct DnsFailover {
    pub endpoints: Vec<usize>,
    pub check_interval: Ticks,
    pub check_threshold: u32,
    pub ttl: Ticks,
    /// Fraction of clients behind resolvers that keep answers past the TTL.
    pub stale_fraction: f64,
    pub stale_extra: Option<Distribution>,
}

/// Service level objectives that `sim check` holds a run to.
#[derive(Debug, Clone, PartialEq)]
pub struct Slo {
    /// Availability target: met when the one-sided lower bound at `confidence` reaches it.
    pub availability: Option<f64>,
    pub confidence: f64,
    /// Met when the one-sided upper bound at `confidence` stays at or below it.
    pub max_downtime_minutes_per_year: Option<f64>,
    pub max_data_loss_events_per_year: Option<f64>,
    /// Met when the 99th percentile of the lost write window stays at or below it.
    pub max_rpo_p99_seconds: Option<f64>,
    /// With uncertain parameters: the share of parameter sets that must meet the
    /// availability and downtime objectives (`None`: the share is reported, not gated).
    pub probability: Option<f64>,
}

/// Demand over the day, as a multiple of the peak rate for each hour.
#[derive(Debug, Clone, PartialEq)]
pub struct Traffic {
    pub peak_rps: f64,
    /// 24 values in [0, 1]: demand of each hour of the day relative to the peak.
    pub hourly: [f64; 24],
}

impl Traffic {
    /// True when every hour has the same demand (no hourly events needed).
    pub fn is_constant(&self) -> bool {
        self.hourly.iter().all(|h| *h == self.hourly[0])
    }

    /// The diurnal profile: a cosine between `trough` and 1 with its top at `peak_hour`,
    /// taken at each hour's midpoint.
    pub fn diurnal(peak_rps: f64, trough: f64, peak_hour: f64) -> Traffic {
        let mut hourly = [0.0; 24];
        for (hour, value) in hourly.iter_mut().enumerate() {
            let angle = 2.0 * std::f64::consts::PI * (hour as f64 + 0.5 - peak_hour) / 24.0;
            *value = trough + (1.0 - trough) * (1.0 + angle.cos()) / 2.0;
        }
        Traffic { peak_rps, hourly }
    }
}
