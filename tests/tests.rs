//! One integration-test binary, a module per area. Statistical tests state their seed and
//! tolerance; run them in release mode (`cargo test --release`).

mod budget;
mod chaos;
mod common;
mod correlated;
mod coverage;
mod determinism;
mod disaster_recovery;
mod engine;
mod errors;
mod exact;
mod fidelity;
mod fit;
mod fuzz;
mod fuzz_regressions;
mod hostile_inputs;
mod hostile_outputs;
mod large_models;
mod mechanisms;
mod precision;
mod rare_events;
mod reference;
mod reports;
mod request_level;
mod resync;
mod retries;
mod schema;
mod shard;
mod snapshots;
mod uncertainty;
mod validation;
mod workflow;
