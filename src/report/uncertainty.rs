//! The uncertainty section as text: the two intervals side by side (Monte Carlo: how well
//! the mean is known for the ranges; parameter: where the availability lies given the
//! ranges), the tiers' probabilities and the drivers.

use std::fmt::Write;

use super::summary::RunReport;
use super::table::{minutes, percent};
use crate::uncertainty::UncertaintyReport;

fn bounds(between: &[serde_json::Value; 2]) -> String {
    let show = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    format!("[{}, {}]", show(&between[0]), show(&between[1]))
}

fn tiers(u: &UncertaintyReport, separator: &str) -> String {
    u.tier_probability
        .iter()
        .map(|(tier, p)| format!("{tier}{separator}{:.1}%", p * 100.0))
        .collect::<Vec<_>>()
        .join("   ")
}

fn trials(u: &UncertaintyReport) -> String {
    let forced = if u.forced_sets > 0 {
        format!(", {} of them with rare-event forcing", u.forced_sets)
    } else {
        String::new()
    };
    match u.trials_per_sample {
        [low, high] if low == high => format!("{low}{forced}"),
        [low, high] => format!("{low}-{high}{forced}"),
    }
}

/// Lines for the run table, after the worst trial.
pub fn table(u: &UncertaintyReport, report: &RunReport) -> String {
    let mut out = String::new();
    let a = &u.availability;
    let d = &u.downtime_minutes_per_year;
    let _ = writeln!(
        out,
        "\n  uncertain parameters: {} sets x {} trials (Latin hypercube); Monte Carlo noise was {:.1}% of their spread and is taken out",
        u.samples,
        trials(u),
        u.monte_carlo_noise.share * 100.0
    );
    let _ = writeln!(
        out,
        "  availability      parameter 90% range [{}, {}], median {}   (Monte Carlo 95% CI of the mean [{}, {}])",
        percent(a.p05),
        percent(a.p95),
        percent(a.p50),
        percent(report.availability.ci95[0]),
        percent(report.availability.ci95[1])
    );
    let _ = writeln!(
        out,
        "  downtime/year     p05 {}   p50 {}   p95 {} min   (mean {} +/- {})",
        minutes(d.p05),
        minutes(d.p50),
        minutes(d.p95),
        minutes(report.downtime_minutes_per_year.mean),
        minutes(report.downtime_minutes_per_year.std_error)
    );
    let _ = writeln!(out, "  sets meeting      {}", tiers(u, " "));
    let _ = writeln!(
        out,
        "  drivers           rank corr.  share   mean downtime, lowest -> highest fifth of the range"
    );
    for driver in &u.drivers {
        let _ = writeln!(
            out,
            "    {:+.2}  {:>4.0}%   {} -> {} min/yr   {} {} ({})",
            driver.rank_correlation,
            driver.share * 100.0,
            minutes(driver.downtime_low_fifth),
            minutes(driver.downtime_high_fifth),
            driver.parameter,
            bounds(&driver.between),
            driver.prior
        );
    }
    if let Some(warning) = &u.warning {
        let _ = writeln!(out, "  warning: {warning}");
    }
    out
}

/// A markdown block for `run_summary`.
pub fn markdown(u: &UncertaintyReport, report: &RunReport) -> String {
    let mut out = String::new();
    let a = &u.availability;
    let d = &u.downtime_minutes_per_year;
    let _ = writeln!(
        out,
        "\n**Uncertain parameters** ({} parameter sets x {} trials, Latin hypercube; Monte Carlo noise {:.1}% of the spread, taken out):\n",
        u.samples,
        trials(u),
        u.monte_carlo_noise.share * 100.0
    );
    let _ = writeln!(
        out,
        "| interval | availability | downtime per year |\n| --- | --- | --- |"
    );
    let _ = writeln!(
        out,
        "| Monte Carlo (95% CI of the mean) | {} to {} | {} to {} min |",
        percent(report.availability.ci95[0]),
        percent(report.availability.ci95[1]),
        minutes(report.downtime_minutes_per_year.ci95[0]),
        minutes(report.downtime_minutes_per_year.ci95[1])
    );
    let _ = writeln!(
        out,
        "| parameters (5th to 95th percentile, median) | {} to {} ({}) | {} to {} ({}) min |",
        percent(a.p05),
        percent(a.p95),
        percent(a.p50),
        minutes(d.p05),
        minutes(d.p95),
        minutes(d.p50)
    );
    let _ = writeln!(
        out,
        "\nShare of parameter sets meeting each tier: {}.\n",
        tiers(u, ": ")
    );
    let _ = writeln!(
        out,
        "| uncertain input | range | rank correlation | share | mean downtime, lowest to highest fifth |\n| --- | --- | --- | --- | --- |"
    );
    for driver in &u.drivers {
        let _ = writeln!(
            out,
            "| `{}` | {} {} | {:+.2} | {:.0}% | {} to {} min/yr |",
            driver.parameter,
            bounds(&driver.between),
            driver.prior,
            driver.rank_correlation,
            driver.share * 100.0,
            minutes(driver.downtime_low_fifth),
            minutes(driver.downtime_high_fifth)
        );
    }
    if let Some(warning) = &u.warning {
        let _ = writeln!(out, "\n> Warning: {warning}");
    }
    out
}
