//! Results at the edge: the serializable run report and its renderings (table, JSON).
//! Renderers return strings; only `output` writes files.

pub mod approximations;
pub mod chaos;
pub mod charts;
pub mod html;
pub mod markdown;
pub mod summary;
pub mod table;
pub mod uncertainty;

pub use summary::{Estimate, RunReport};

/// The report as pretty JSON with a trailing newline. Keys keep their declared order.
pub fn to_json(report: &RunReport) -> String {
    let mut text = serde_json::to_string_pretty(report).expect("a report always serializes");
    text.push('\n');
    text
}
