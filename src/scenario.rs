//! Scenario files: the JSON format, its validation, and the checked model the engine runs.
//!
//! `load_file` / `load_str` are the only way in; every error they return names the file and
//! the JSON path. See `docs/scenario-format.md` for the format itself.

mod checker;
pub mod distribution;
pub mod duration;
pub mod error;
pub mod limits;
mod load;
mod load_correlated;
mod load_experiments;
mod load_mechanisms;
pub mod mechanisms;
pub mod model;
mod raw;
pub mod uncertain;

pub use distribution::Distribution;
pub use error::ScenarioError;
pub use load::{fingerprint, load_file, load_str, read_scenario, DEFAULT_TRIALS, MAX_TRIALS};
pub use mechanisms::*;
pub use model::{
    Change, Component, Expectations, Experiment, FailureMode, Fault, FaultKind, Outage, Region,
    Rollout, Scenario, SharedFailure, Simulation, Zone,
};
