//! Markdown renderings: a run's summary (for `summary.md` and `--format markdown`) and the
//! comparison and sweep tables, for pasting into a pull request or a design document.

use std::fmt::Write;

use super::summary::RunReport;
use super::table::{minutes, percent};
use crate::compare::Comparison;

fn tier(tier: &Option<String>) -> String {
    tier.clone().unwrap_or_else(|| "below 99%".to_string())
}

/// One scenario's results as a Markdown section.
pub fn run_summary(report: &RunReport) -> String {
    let mut out = String::new();
    let a = &report.availability;
    let d = &report.downtime_minutes_per_year;
    let _ = writeln!(out, "## {}\n", report.scenario);
    let forced = report.forced();
    let replay = if forced {
        "a forced trial, not replayable".to_string()
    } else {
        format!(
            "replay it with `sim trace FILE {}`",
            report.worst_trial.replay_options()
        )
    };
    let _ = writeln!(
        out,
        "{} trials of {} year(s), seed {}; worst trial #{} ({} min/yr; {replay}).\n",
        report.trials,
        report.horizon_years,
        report.seed,
        report.worst_trial.trial,
        minutes(report.worst_trial.downtime_minutes_per_year),
    );
    if let Some(rare) = &report.rare_events {
        let _ = writeln!(out, "Method: {}.\n", rare.summary());
    }
    let _ = writeln!(out, "| measure | value |\n| --- | --- |");
    let _ = writeln!(
        out,
        "| availability | {} (95% CI {} to {}) |",
        percent(a.mean),
        percent(a.ci95[0]),
        percent(a.ci95[1])
    );
    let _ = writeln!(
        out,
        "| SLA tier | {} (mean), {} at 95% confidence |",
        tier(&report.tier),
        tier(&report.tier_at_95_confidence)
    );
    let _ = writeln!(
        out,
        "| downtime per year | mean {} min (95% CI {} to {}), p50 {}, p90 {}, p99 {}, max {} min |",
        minutes(d.mean),
        minutes(d.ci95[0]),
        minutes(d.ci95[1]),
        minutes(d.p50),
        minutes(d.p90),
        minutes(d.p99),
        minutes(d.max)
    );
    let years: Vec<String> = report
        .tier_probability
        .iter()
        .map(|(t, p)| format!("{t}: {:.1}%", p * 100.0))
        .collect();
    let _ = writeln!(out, "| years meeting each tier | {} |", years.join(", "));
    let _ = writeln!(
        out,
        "| incidents per year | {:.3} (mean length {} min) |",
        report.incidents_per_year.mean,
        report
            .mean_outage_minutes
            .as_ref()
            .map_or("-".to_string(), |m| minutes(m.mean))
    );
    if let Some(f) = &report.failovers {
        let _ = writeln!(
            out,
            "| failovers per year | {:.3}{} |",
            f.per_year.mean,
            f.duration_seconds
                .as_ref()
                .map_or(String::new(), |s| format!(
                    " (duration p50 {:.1} s, p99 {:.1} s)",
                    s.p50, s.p99
                ))
        );
    }
    if let Some(l) = &report.data_loss {
        let _ = writeln!(
            out,
            "| data-loss events per year | {:.3}{} |",
            l.events_per_year.mean,
            l.rpo_seconds.as_ref().map_or(String::new(), |s| format!(
                " (lost window p50 {:.3} s, p99 {:.3} s, max {:.3} s)",
                s.p50, s.p99, s.max
            ))
        );
    }
    if let Some(dr) = &report.disaster_recovery {
        let _ = writeln!(
            out,
            "| disaster-recovery restores per year | {:.3}{} |",
            dr.restores_per_year.mean,
            dr.rpo_seconds.as_ref().map_or(String::new(), |s| format!(
                " (lost window p50 {:.0} s, p99 {:.0} s, max {:.0} s)",
                s.p50, s.p99, s.max
            ))
        );
    }
    if let Some(uncertainty) = &report.uncertainty {
        out.push_str(&super::uncertainty::markdown(uncertainty, report));
    }
    if !report.downtime_causes.is_empty() {
        let _ = writeln!(out, "\n| where the downtime comes from | mechanism | min/yr | share |\n| --- | --- | --- | --- |");
        for cause in report.downtime_causes.iter().take(8) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.1}% |",
                cause.cause,
                cause.mechanism,
                minutes(cause.minutes_per_year),
                cause.share * 100.0
            );
        }
    }
    for note in &report.approximations {
        let _ = writeln!(out, "\n> Note: {note}");
    }
    // Names from the input reach rendered markdown: no raw HTML, no controls.
    crate::text::markdown(&out)
}

fn signed_minutes(value: f64) -> String {
    if value >= 0.0 {
        format!("+{}", minutes(value))
    } else {
        format!("-{}", minutes(-value))
    }
}

/// The comparison as a Markdown table: each scenario, and its difference from the first.
pub fn comparison_table(comparison: &Comparison) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| scenario | availability (95% CI) | downtime min/yr | data-loss events/yr | tier | vs first: downtime min/yr (95% CI, paired) | CI narrower than unpaired |"
    );
    let _ = writeln!(out, "| --- | --- | --- | --- | --- | --- | --- |");
    for (i, report) in comparison.reports.iter().enumerate() {
        let a = &report.availability;
        let loss = report.data_loss.as_ref().map_or("-".to_string(), |l| {
            format!("{:.3}", l.events_per_year.mean)
        });
        let (difference, narrowing) = match i.checked_sub(1).map(|j| &comparison.differences[j]) {
            None => ("baseline".to_string(), "-".to_string()),
            Some(d) => {
                let t = &d.downtime_minutes_per_year;
                (
                    format!(
                        "{} ({} to {})",
                        signed_minutes(t.mean),
                        signed_minutes(t.ci95[0]),
                        signed_minutes(t.ci95[1])
                    ),
                    t.narrowing.map_or("-".to_string(), |n| format!("{n:.1}x")),
                )
            }
        };
        let _ = writeln!(
            out,
            "| {} | {} ({} to {}) | {} | {} | {} | {} | {} |",
            report.scenario,
            percent(a.mean),
            percent(a.ci95[0]),
            percent(a.ci95[1]),
            minutes(report.downtime_minutes_per_year.mean),
            loss,
            tier(&report.tier),
            difference,
            narrowing
        );
    }
    let _ = writeln!(
        out,
        "\n{} trials each, seed {}, common random numbers: the same unit, zone and region draw the same numbers in every scenario.",
        comparison.trials, comparison.seed
    );
    for d in &comparison.differences {
        if let Some(u) = &d.uncertainty {
            let t = &u.downtime_difference;
            let _ = writeln!(
                out,
                "\nAcross the parameter ranges, **{}** is better than the first in {:.0}% of parameter sets (downtime difference 5th to 95th percentile {} to {} min/yr, median {}).",
                d.scenario,
                u.better_share * 100.0,
                signed_minutes(t.p05),
                signed_minutes(t.p95),
                signed_minutes(t.p50)
            );
        }
    }
    // Names from the input reach rendered markdown: no raw HTML, no controls.
    crate::text::markdown(&out)
}
