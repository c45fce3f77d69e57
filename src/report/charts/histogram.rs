//! The duration histogram: how long events such as failovers or lost-write windows last, as
//! a log-scale histogram of event counts.

use super::bins::CleanBins;
use super::canvas::no_data;
use super::format::{fmt_count, fmt_share};
use super::log_histogram::{log_histogram, LogHistogramSpec, YFormat};

/// A histogram of durations in seconds from log-histogram bins (low, high, count), log x
/// axis (failover durations, lost-write windows).
pub fn histogram_chart(title: &str, x_label: &str, bins: &[(f64, f64, u64)]) -> String {
    let hist = CleanBins::new(bins);
    if hist.total() == 0 {
        return no_data(title, "no events to show");
    }
    let mut subtitle = vec![format!(
        "{} events · {}",
        fmt_count(hist.total()),
        hist.percentiles(1.0)
    )];
    if hist.zero > 0 {
        subtitle.push(format!(
            "{} of them ({}) lasted exactly 0 (bar \"0\").",
            fmt_count(hist.zero),
            fmt_share(hist.zero as f64 / hist.total() as f64)
        ));
    }
    let x_desc = if x_label.trim().is_empty() {
        "duration (log scale)".to_string()
    } else {
        format!("{} (log scale)", x_label)
    };
    log_histogram(LogHistogramSpec {
        title,
        subtitle,
        x_desc: &x_desc,
        y_desc: "number of events",
        unit_seconds: 1.0,
        hist: &hist,
        scale: 1.0,
        y_format: YFormat::Count,
        lines: vec![],
        legend: vec![],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::charts::fixtures::{duration_bins, has_text};

    #[test]
    fn histogram_chart_shows_its_axis_and_round_durations() {
        let svg = histogram_chart("H", "failover duration", &duration_bins());
        assert!(has_text(&svg, "failover duration (log scale)"));
        assert!(has_text(&svg, "1 min"));
    }
}
