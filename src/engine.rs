//! The discrete-event engine: one trial of one scenario, with no I/O, no clock and no way
//! to fail. `Plan` compiles a checked scenario into flat arrays; `TrialRunner` simulates
//! trials on it, reusing its buffers.

mod plan;
mod queue;
mod trial;

pub use plan::{DomainKind, Plan};
pub use queue::EventQueue;
pub use trial::{Observer, TrialOutcome, TrialRunner};

/// Something that happens at an instant of a trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A unit fails; `mode` indexes the plan's unit modes.
    UnitFails { unit: u32, mode: u32 },
    /// A unit's repair completes.
    UnitRepaired { unit: u32 },
    /// A zone or region goes down; `domain` indexes the plan's domains.
    DomainFails { domain: u32 },
    /// A zone or region comes back.
    DomainRepaired { domain: u32 },
}
