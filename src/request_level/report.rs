//! The request-level reference's report: availability as successful requests / requests
//! (fallback answers count as served), its standard error across trials and 95% interval,
//! and the request counts; rendered as a table, JSON or Markdown. Labelled throughout as
//! the request-level reference, so that it is never mistaken for the fluid model's report.

use std::fmt::Write;

use serde::Serialize;

use super::model::Model;
use super::runner::Accumulator;
use crate::report::table::percent;
use crate::report::Estimate;
use crate::stats::confidence_interval;
use crate::time::TICKS_PER_SECOND;

pub const MODE: &str = "request-level reference";

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RequestLevelReport {
    pub mode: &'static str,
    pub scenario: String,
    pub seed: u64,
    pub trials: u64,
    pub horizon_hours: f64,
    /// Successful requests / requests over all trials (ratio of means).
    pub availability: Estimate,
    /// 1 - availability, with the same standard error.
    pub unavailability: Estimate,
    pub requests: Requests,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Requests {
    pub total: u64,
    pub failed: u64,
    /// Served, but with a fallback answer somewhere along their calls.
    pub served_by_fallback: u64,
    pub mean_per_trial: f64,
}

impl RequestLevelReport {
    pub fn new(model: &Model, accumulator: &Accumulator) -> Self {
        let (unavailability, std_error) = accumulator.unavailability();
        let trials = accumulator.trials();
        RequestLevelReport {
            mode: MODE,
            scenario: model.name.clone(),
            seed: model.seed,
            trials,
            horizon_hours: model.horizon as f64 / TICKS_PER_SECOND / 3600.0,
            availability: Estimate {
                mean: 1.0 - unavailability,
                std_error,
                ci95: confidence_interval(1.0 - unavailability, std_error, 0.0, 1.0),
            },
            unavailability: Estimate {
                mean: unavailability,
                std_error,
                ci95: confidence_interval(unavailability, std_error, 0.0, 1.0),
            },
            requests: Requests {
                total: accumulator.requests,
                failed: accumulator.failed,
                served_by_fallback: accumulator.served_by_fallback,
                mean_per_trial: accumulator.failed_and_requests.y.mean(),
            },
        }
    }

    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a report always serializes");
        text.push('\n');
        text
    }

    pub fn table(&self) -> String {
        let mut out = String::new();
        let a = &self.availability;
        let u = &self.unavailability;
        let _ = writeln!(
            out,
            "{} ({MODE}: requests simulated one by one)",
            self.scenario
        );
        let _ = writeln!(
            out,
            "  {} trials of {} h, seed {}",
            self.trials,
            format_hours(self.horizon_hours),
            self.seed
        );
        let _ = writeln!(
            out,
            "  availability    {}  +/- {:.2e} (se)   95% CI [{}, {}]",
            percent(a.mean),
            a.std_error,
            percent(a.ci95[0]),
            percent(a.ci95[1])
        );
        let _ = writeln!(
            out,
            "  unavailability  {:.3e}  +/- {:.2e} (se)   95% CI [{:.3e}, {:.3e}]",
            u.mean, u.std_error, u.ci95[0], u.ci95[1]
        );
        let r = &self.requests;
        let _ = writeln!(
            out,
            "  requests        {} ({:.0} per trial), failed {}, served by a fallback {}",
            r.total, r.mean_per_trial, r.failed, r.served_by_fallback
        );
        out
    }

    pub fn markdown(&self) -> String {
        let a = &self.availability;
        let r = &self.requests;
        let mut out = String::new();
        let _ = writeln!(out, "### {} ({MODE})\n", self.scenario);
        let _ = writeln!(out, "| metric | value |\n| --- | --- |");
        let _ = writeln!(
            out,
            "| availability | {} (se {:.2e}; 95% CI {} to {}) |",
            percent(a.mean),
            a.std_error,
            percent(a.ci95[0]),
            percent(a.ci95[1])
        );
        let _ = writeln!(out, "| unavailability | {:.3e} |", self.unavailability.mean);
        let _ = writeln!(
            out,
            "| requests | {} ({} failed, {} served by a fallback) |",
            r.total, r.failed, r.served_by_fallback
        );
        let _ = writeln!(
            out,
            "| trials | {} of {} h, seed {} |",
            self.trials,
            format_hours(self.horizon_hours),
            self.seed
        );
        // Names from the input reach rendered markdown: no raw HTML, no controls.
        crate::text::markdown(&out)
    }
}

fn format_hours(hours: f64) -> String {
    if hours.fract() == 0.0 {
        format!("{hours:.0}")
    } else {
        format!("{hours:.3}")
    }
}
