//! `sim`: a deterministic discrete-event Monte Carlo simulator of high-availability
//! architectures.
//!
//! Guarantees, which the tests pin:
//! - **Ordering**: events are processed in (time, insertion sequence) order, time being an
//!   integer number of microseconds, so ties resolve the same way on every run.
//! - **Randomness**: every random stream is keyed by (master seed, trial, entity), where the
//!   entity is a stable name (a unit's failure mode, a zone, a region). A unit draws the same
//!   numbers whatever else the scenario contains, and no stream is shared across threads.
//! - **Reduction**: trials are grouped in fixed-size chunks whose accumulators merge in chunk
//!   order, so the output is byte-identical for any number of threads.
//! - **Purity**: `engine`, `montecarlo` and `stats` do no I/O, read no clock and cannot fail;
//!   every input error is caught by `scenario` with its JSON path. `precision` reads the
//!   clock only for `--time-limit`. Signals are read by the command line through the
//!   runs' `stop` hooks (`interrupt`), never by the engine.
//! - **Outputs**: every file goes through `output`: atomic, only regular files that are not
//!   inputs are replaced, report folders are swapped whole.

pub mod budget;
pub mod chaos;
pub mod check;
pub mod cli;
pub mod compare;
pub mod engine;
pub mod fit;
pub mod importance;
pub mod input;
pub mod interrupt;
pub mod montecarlo;
pub mod output;
pub mod precision;
pub mod rare_events;
pub mod reduction;
pub mod report;
pub mod request_level;
pub mod rng;
pub mod scenario;
pub mod shard;
pub mod stats;
pub mod sweep;
pub mod text;
pub mod time;
pub mod trace;
pub mod uncertainty;
