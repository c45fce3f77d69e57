//! The run report as a table for people: aligned, with units, and with the uncertainty of
//! every estimate next to it.

use std::fmt::Write;

use super::summary::RunReport;

/// Percent with enough decimals to show three significant digits of the unavailability.
pub fn percent(availability: f64) -> String {
    let unavailability = 1.0 - availability;
    let decimals = if unavailability <= 0.0 {
        2
    } else {
        ((-unavailability.log10()).ceil() as i64).clamp(2, 9) as usize
    };
    format!("{:.*}%", decimals, availability * 100.0)
}

/// Minutes with precision that suits their size.
pub fn minutes(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 1.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.3}")
    }
}

/// "   LABEL mean M s  p50 A  p99 B  max C s" for a spread of seconds.
fn spread(label: &str, d: &super::summary::Spread) -> String {
    format!(
        "   {label} mean {} s  p50 {}  p99 {}  max {} s",
        seconds(d.mean),
        seconds(d.p50),
        seconds(d.p99),
        seconds(d.max)
    )
}

/// Causes listed in the table (the JSON has them all).
const TOP_CAUSES: usize = 8;

fn seconds(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 1.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.3}")
    }
}

/// Renders the report; every line ends with a newline.
pub fn render(report: &RunReport) -> String {
    let mut out = String::new();
    let a = &report.availability;
    let d = &report.downtime_minutes_per_year;
    let _ = writeln!(out, "{}", report.scenario);
    let _ = writeln!(
        out,
        "{} trials x {} y horizon, seed {}, {} events",
        report.trials, report.horizon_years, report.seed, report.events
    );
    if let Some(precision) = &report.precision {
        let _ = writeln!(
            out,
            "precision of the unavailability's 95% interval {}",
            precision.summary()
        );
    }
    if let Some(rare) = &report.rare_events {
        let _ = writeln!(out, "method: {}", rare.summary());
    }
    let _ = writeln!(out);
    let nines = a.nines.map_or("no downtime observed".to_string(), |n| {
        format!("{n:.2} nines")
    });
    let _ = writeln!(
        out,
        "  availability      {}  +/- {} (1 s.e.)  95% CI [{}, {}]  {}",
        percent(a.mean),
        format_args!("{:.2e}", a.std_error),
        percent(a.ci95[0]),
        percent(a.ci95[1]),
        nines
    );
    let tier = |t: &Option<String>| t.clone().unwrap_or_else(|| "below 99%".to_string());
    let _ = writeln!(
        out,
        "  SLA tier          {} (mean), {} at 95% confidence",
        tier(&report.tier),
        tier(&report.tier_at_95_confidence)
    );
    let _ = writeln!(
        out,
        "  downtime/year     mean {} min +/- {}   p50 {}   p90 {}   p99 {}   max {} min",
        minutes(d.mean),
        minutes(d.std_error),
        minutes(d.p50),
        minutes(d.p90),
        minutes(d.p99),
        minutes(d.max)
    );
    let years: Vec<String> = report
        .tier_probability
        .iter()
        .map(|(tier, p)| format!("{tier} {:.1}%", p * 100.0))
        .collect();
    let _ = writeln!(out, "  trials meeting    {}", years.join("   "));
    let budgets: Vec<String> = report
        .downtime_budget
        .iter()
        .map(|(tier, b)| {
            format!(
                "{tier} {} min ({:.0}% used)",
                minutes(b.minutes_per_year),
                b.used * 100.0
            )
        })
        .collect();
    let _ = writeln!(out, "  budget/year       {}", budgets.join("   "));
    let incidents = &report.incidents_per_year;
    let outage = report
        .mean_outage_minutes
        .as_ref()
        .map_or("-".to_string(), |o| {
            format!("{} min +/- {}", minutes(o.mean), minutes(o.std_error))
        });
    let _ = writeln!(
        out,
        "  incidents/year    {:.3} +/- {:.3} (of which full outages {:.3})   mean length {}",
        incidents.mean, incidents.std_error, report.service.full_outages_per_year.mean, outage
    );
    let forced = report.forced();
    if forced {
        // A forced trial is not a year of the scenario: nothing to replay.
        let _ = writeln!(
            out,
            "  worst trial       #{} with {} min/yr (a forced trial: sim trace replays trials without forcing)",
            report.worst_trial.trial,
            minutes(report.worst_trial.downtime_minutes_per_year),
        );
    } else {
        let _ = writeln!(
            out,
            "  worst trial       #{} with {} min/yr (replay: sim trace FILE {})",
            report.worst_trial.trial,
            minutes(report.worst_trial.downtime_minutes_per_year),
            report.worst_trial.replay_options()
        );
    }
    if let Some(uncertainty) = &report.uncertainty {
        out.push_str(&super::uncertainty::table(uncertainty, report));
    }
    let service = &report.service;
    if service.degraded_minutes_per_year.mean > 0.0 || service.fallback_fraction.mean > 0.0 {
        let _ = writeln!(
            out,
            "  service           full outage {} min/yr   degraded {} min/yr   served by fallback {:.4}%",
            minutes(service.full_outage_minutes_per_year.mean),
            minutes(service.degraded_minutes_per_year.mean),
            service.fallback_fraction.mean * 100.0
        );
    }
    if let Some(failovers) = &report.failovers {
        let durations = failovers
            .duration_seconds
            .as_ref()
            .map_or(String::new(), |d| spread("duration", d));
        let _ = writeln!(
            out,
            "  failovers/year    {:.3} +/- {:.3}{durations}",
            failovers.per_year.mean, failovers.per_year.std_error
        );
    }
    if let Some(loss) = &report.data_loss {
        let rpo = loss
            .rpo_seconds
            .as_ref()
            .map_or(String::new(), |d| spread("lost window (RPO)", d));
        let _ = writeln!(
            out,
            "  data loss/year    {:.3} +/- {:.3} events{rpo}",
            loss.events_per_year.mean, loss.events_per_year.std_error
        );
    }
    if let Some(dr) = &report.disaster_recovery {
        let rpo = dr
            .rpo_seconds
            .as_ref()
            .map_or(String::new(), |d| spread("lost window (RPO)", d));
        let _ = writeln!(
            out,
            "  DR restores/year  {:.3} +/- {:.3}{rpo}",
            dr.restores_per_year.mean, dr.restores_per_year.std_error
        );
    }
    if !report.downtime_causes.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "  where the downtime comes from (top {TOP_CAUSES}, minutes/year)"
        );
        for cause in report.downtime_causes.iter().take(TOP_CAUSES) {
            let _ = writeln!(
                out,
                "  {:>10} +/- {:<8} {:>5.1}%  {} ({})",
                minutes(cause.minutes_per_year),
                minutes(cause.std_error),
                cause.share * 100.0,
                cause.cause,
                cause.mechanism
            );
        }
    }
    let _ = writeln!(out);
    let width = report
        .components
        .keys()
        .map(|name| name.len())
        .max()
        .unwrap_or(0)
        .max("component".len());
    let _ = writeln!(
        out,
        "  {:<width$}  units  require  availability   own units   (time-weighted)",
        "component"
    );
    for (name, component) in &report.components {
        let _ = writeln!(
            out,
            "  {:<width$}  {:>5}  {:>7}  {:<13}  {}",
            name,
            component.replicas,
            component.require,
            percent(component.availability.mean),
            percent(component.own_availability.mean)
        );
    }
    for note in &report.approximations {
        let _ = writeln!(out, "\n  note: {note}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_shows_three_significant_digits_of_downtime() {
        assert_eq!(percent(0.999876), "99.9876%");
        assert_eq!(percent(0.9901), "99.010%");
        assert_eq!(percent(1.0), "100.00%");
        assert_eq!(percent(0.5), "50.00%");
    }
}
