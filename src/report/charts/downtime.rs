//! The downtime distribution chart: how much downtime a simulated year has, as a log-scale
//! histogram over years, with each SLA tier's yearly budget as a labelled line and the chance
//! of staying within it in the legend.

use super::bins::CleanBins;
use super::canvas::no_data;
use super::format::{fmt_count, fmt_duration, fmt_share, fmt_sig};
use super::legend::Key;
use super::log_histogram::{log_histogram, LogHistogramSpec, RefLine, YFormat};
use super::palette::{BLUE, LINE_PALETTE, ZERO_BAR};
use super::text::ellipsize;

/// Distribution of downtime per year over trials: `bins` are (low, high, count) in
/// minutes/year from a log histogram (a bin (0.0, 0.0, n) holds the exact zeros and is shown
/// as a separate bar labelled "0"); x axis log scale; vertical lines at each tier's yearly
/// budget labelled "99.9%: 526 min", with the chance of staying within it in the legend.
/// `budgets`: (tier name like "99.9%", budget minutes, probability in [0,1] of a year within).
pub fn downtime_distribution_chart(
    title: &str,
    bins: &[(f64, f64, u64)],
    trials: u64,
    budgets: &[(String, f64, f64)],
) -> String {
    let hist = CleanBins::new(bins);
    if hist.total() == 0 {
        return no_data(title, "no simulated years to show");
    }
    let trials = if trials == 0 {
        hist.total()
    } else {
        trials.max(hist.total())
    };
    let share = 100.0 / trials as f64;
    let mut subtitle = vec![format!(
        "{} simulated years · {} of downtime per year",
        fmt_count(trials),
        hist.percentiles(60.0)
    )];
    if hist.zero > 0 {
        subtitle.push(format!(
            "{} of years had no downtime at all (bar \"0\").",
            fmt_share(hist.zero as f64 / trials as f64)
        ));
    }
    let mut lines = Vec::new();
    let mut legend = Vec::new();
    if !hist.positive.is_empty() {
        legend.push((
            Key::Fill(BLUE),
            "share of years with downtime in that range".to_string(),
        ));
    }
    if hist.zero > 0 {
        legend.push((Key::Fill(ZERO_BAR), "years with no downtime".to_string()));
    }
    for (i, (tier, budget, chance)) in budgets.iter().enumerate() {
        let color = LINE_PALETTE[i % LINE_PALETTE.len()];
        let tier = ellipsize(tier, 20);
        let chance = if chance.is_finite() {
            fmt_share(chance.clamp(0.0, 1.0))
        } else {
            "–".to_string()
        };
        if budget.is_finite() && *budget > 0.0 {
            lines.push(RefLine {
                value: *budget,
                label: format!("{}: {} min", tier, fmt_sig(*budget, 2)),
                color,
            });
            legend.push((
                Key::Dash(color),
                format!(
                    "{} budget: {}/yr; {} of years within it",
                    tier,
                    fmt_duration(budget * 60.0),
                    chance
                ),
            ));
        } else {
            // No line to draw on a log axis, but the tier keeps its place in the legend.
            legend.push((
                Key::Dash(color),
                format!("{} budget: none ({} of years within)", tier, chance),
            ));
        }
    }
    log_histogram(LogHistogramSpec {
        title,
        subtitle,
        x_desc: "downtime per year (log scale)",
        y_desc: "share of simulated years",
        unit_seconds: 60.0,
        hist: &hist,
        scale: share,
        y_format: YFormat::Percent,
        lines,
        legend,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::charts::fixtures::{budgets, downtime_bins, has_text, texts};

    #[test]
    fn downtime_chart_labels_budgets_and_zero_bar() {
        let svg = downtime_distribution_chart("D", &downtime_bins(), 5_000, &budgets());
        for label in [
            "99.9%: 526 min",
            "99.999%: 5.3 min",
            "99%: 5,256 min",
            "93.0% of years within",
            "1 h",
        ] {
            assert!(has_text(&svg, label), "missing {label}");
        }
        assert!(texts(&svg).iter().any(|t| t == "0"), "zero bar label");
        let total: u64 = downtime_bins().iter().map(|b| b.2).sum();
        let svg = downtime_distribution_chart("D", &downtime_bins(), total, &budgets());
        let expected = format!(
            "{} of years had no downtime",
            fmt_share(1_250.0 / total as f64)
        );
        assert!(has_text(&svg, &expected), "missing {expected}");
    }
}
