//! The request-level reference mode (`sim run FILE --request-level`): individual requests
//! over short horizons and small scenarios, to measure the fluid engine's approximations.
//!
//! Requests arrive at the entry as a Poisson process following the traffic profile; each is
//! routed by round robin to a unit, tried, retried, sent down its dependency calls through
//! breakers and retries, and counted as served or failed. The mechanisms follow the real
//! software they name: nginx's `ngx_http_upstream_round_robin.c` for routing and passive
//! checks (`passive.rs`, `routing.rs`), opossum for breakers (`breaker.rs`), a load
//! balancer's consecutive-result thresholds for active checks (`health.rs`). Units fail and
//! are repaired with the fluid engine's random streams and draws, so both engines see the
//! same failures in every trial. Only a subset of the format is simulated (`support.rs`);
//! anything else is refused as bad input. See docs/model.md section 13.

mod arrivals;
mod breaker;
mod flow;
mod health;
mod model;
mod passive;
mod report;
mod routing;
mod runner;
mod slab;
mod support;
mod trial;

pub use model::Model;
pub use report::{RequestLevelReport, MODE};
pub use runner::{run, run_trials, Accumulator, CHUNK_TRIALS};
pub use support::SUPPORTED;
pub use trial::{TrialCounts, TrialRunner};
