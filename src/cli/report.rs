//! `sim report`: runs each scenario and writes its charts (SVG), a self-contained
//! `index.html` and `summary.md`. Same inputs and seed, same bytes. The folder is
//! replaced whole, all or nothing, even under SIGKILL (`crate::output::replace_folder`);
//! a folder holding files a report does not write is refused before anything runs.

use std::path::{Path, PathBuf};

use super::run::simulate_full;
use super::{CliError, SimOptions};
use crate::montecarlo::TIERS;
use crate::report::charts;
use crate::report::html::{self, Chart, ScenarioSection};
use crate::report::summary::tier_name;
use crate::time::MINUTES_PER_YEAR;
use crate::trace::{record, typical_trial};

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Scenario files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Directory to write the report into (created if missing). It is replaced whole, all
    /// or nothing, so it may hold only a report (docs/workflow.md).
    #[arg(long, short = 'o')]
    pub output: PathBuf,
    #[command(flatten)]
    pub options: SimOptions,
}

fn chart(file: &str, caption: String, svg: String) -> Chart {
    Chart {
        file: file.to_string(),
        caption,
        svg,
    }
}

fn scale(bins: &[(f64, f64, u64)], factor: f64) -> Vec<(f64, f64, u64)> {
    bins.iter()
        .map(|(low, high, count)| (low * factor, high * factor, *count))
        .collect()
}

fn section(file: &Path, options: &SimOptions) -> Result<ScenarioSection, CliError> {
    let scenario = options.load(file)?;
    let (plan, accumulator, report) = simulate_full(&scenario, options)?;
    let name = &report.scenario;
    let names: Vec<String> = scenario.components.iter().map(|c| c.name.clone()).collect();
    let mut charts_out = Vec::new();
    charts_out.push(chart(
        "availability.svg",
        format!("{name}: availability with its 95% confidence interval against the SLA tiers"),
        charts::availability_chart(
            &format!("{name}: availability"),
            &[charts::AvailabilityPoint {
                name: name.clone(),
                mean: report.availability.mean,
                ci95: report.availability.ci95,
            }],
        ),
    ));
    let budgets: Vec<(String, f64, f64)> = TIERS
        .iter()
        .map(|tier| {
            let label = tier_name(*tier);
            let probability = report.tier_probability.get(&label).copied().unwrap_or(0.0);
            (label, (1.0 - tier) * MINUTES_PER_YEAR, probability)
        })
        .collect();
    charts_out.push(chart(
        "downtime.svg",
        format!(
            "{name}: downtime per year over {} trials, with each tier's yearly budget",
            report.trials
        ),
        charts::downtime_distribution_chart(
            &format!("{name}: downtime per year"),
            &scale(&accumulator.downtime_histogram.bins(), MINUTES_PER_YEAR),
            report.trials,
            &budgets,
        ),
    ));
    let causes: Vec<(String, f64, f64)> = report
        .downtime_causes
        .iter()
        .take(10)
        .map(|c| {
            (
                format!("{} ({})", c.cause, c.mechanism),
                c.minutes_per_year,
                c.std_error,
            )
        })
        .collect();
    charts_out.push(chart(
        "causes.svg",
        format!("{name}: where the downtime comes from (cause and mechanism), minutes per year"),
        charts::causes_chart(&format!("{name}: where the downtime comes from"), &causes),
    ));
    if let Some(u) = &report.uncertainty {
        charts_out.extend(uncertainty_charts(name, &report, u));
    }
    let worst = report.worst_trial.trial;
    // With ranges the worst trial belongs to a parameter set: replay it in that set.
    let worst_plan = match report.worst_trial.parameter_set {
        Some(set) => {
            let design = crate::uncertainty::design_of(&scenario, options.samples);
            crate::engine::Plan::new(&crate::uncertainty::set_scenario(&scenario, &design, set)?.0)
        }
        None => plan.clone(),
    };
    let median = accumulator.downtime_histogram.quantile(0.5);
    let typical = typical_trial(&plan, median, scenario.simulation.trials);
    for (label, trial) in [("worst", worst), ("typical", typical)] {
        let used = if label == "worst" { &worst_plan } else { &plan };
        let timeline = record(used, &names, trial);
        charts_out.push(chart(
            &format!("timeline-{label}.svg"),
            format!(
                "{name}: the {label} trial (#{trial}, {:.1} min of downtime per year): each component's service level, failovers and data-loss events",
                timeline.outcome.lost * MINUTES_PER_YEAR
            ),
            charts::timeline_chart(&format!("{name}: {label} trial #{trial}"), &timeline),
        ));
    }
    if report.failovers.is_some() {
        charts_out.push(chart(
            "failovers.svg",
            format!(
                "{name}: failover durations, from the primary's failure to clients reconnected"
            ),
            charts::histogram_chart(
                &format!("{name}: failover durations"),
                "seconds",
                &accumulator.failovers.histogram.bins(),
            ),
        ));
    }
    if report.data_loss.is_some() {
        charts_out.push(chart(
            "data-loss.svg",
            format!("{name}: writes lost at each asynchronous failover (RPO)"),
            charts::histogram_chart(
                &format!("{name}: lost write window (RPO)"),
                "seconds",
                &accumulator.data_loss.histogram.bins(),
            ),
        ));
    }
    let (chaos, chaos_charts) = experiments(&scenario, &names, options)?;
    Ok(ScenarioSection {
        slug: html::slug(name),
        report,
        charts: charts_out,
        chaos,
        chaos_charts,
    })
}

/// With uncertain parameters: both intervals against the SLA tiers, and the tornado of
/// the uncertain inputs.
fn uncertainty_charts(
    name: &str,
    report: &crate::report::RunReport,
    u: &crate::uncertainty::UncertaintyReport,
) -> Vec<Chart> {
    let intervals = [
        charts::AvailabilityPoint {
            name: "Monte Carlo: 95% CI of the mean".to_string(),
            mean: report.availability.mean,
            ci95: report.availability.ci95,
        },
        charts::AvailabilityPoint {
            name: format!("parameters: 5th-95th percentile of {} sets", u.samples),
            mean: u.availability.p50,
            ci95: [u.availability.p05, u.availability.p95],
        },
    ];
    let rows: Vec<(String, f64, f64)> = u
        .drivers
        .iter()
        .map(|d| {
            (
                d.parameter.clone(),
                d.downtime_low_fifth,
                d.downtime_high_fifth,
            )
        })
        .collect();
    vec![
        chart(
            "uncertainty.svg",
            format!(
                "{name}: the two intervals side by side: how precisely the mean availability is known (Monte Carlo) and where the availability lies given the uncertain inputs (parameters: the median and 5th to 95th percentile across parameter sets)"
            ),
            charts::availability_chart(&format!("{name}: availability, two intervals"), &intervals),
        ),
        chart(
            "uncertain-inputs.svg",
            format!(
                "{name}: which uncertain inputs drive the spread: mean downtime with each input in the lowest and highest fifth of its range"
            ),
            charts::uncertainty_tornado_chart(
                &format!("{name}: uncertain inputs"),
                u.downtime_minutes_per_year.p50,
                &rows,
            ),
        ),
    ]
}

/// The scenario's chaos experiments (`sim chaos`) and the timelines of each one's typical
/// and worst trial; nothing without experiments.
fn experiments(
    scenario: &crate::scenario::Scenario,
    names: &[String],
    options: &SimOptions,
) -> Result<(Option<crate::chaos::ChaosReport>, Vec<Chart>), CliError> {
    if scenario.experiments.is_empty() {
        return Ok((None, Vec::new()));
    }
    let (chaos, _) = options.install(|| crate::chaos::run(scenario, None))?;
    let mut charts_out = Vec::new();
    // Names that differ only in punctuation ("a b", "a-b") must not share files.
    let mut taken = std::collections::BTreeSet::new();
    for (index, experiment) in chaos.experiments.iter().enumerate() {
        let base = html::slug(&experiment.name);
        let mut slug = base.clone();
        let mut n = 1;
        while !taken.insert(slug.clone()) {
            n += 1;
            slug = format!("{base}-{n}");
        }
        let plan = crate::engine::Plan::for_experiment(scenario, index);
        for (label, trial) in [
            ("typical", experiment.typical_trial),
            ("worst", experiment.worst_trial),
        ] {
            let timeline = crate::trace::record_experiment(&plan, names, trial);
            charts_out.push(chart(
                &format!("experiment-{slug}-{label}.svg"),
                format!(
                    "{}: experiment {}, the {label} trial (#{trial}): each component's service level from the injection",
                    scenario.name, experiment.name
                ),
                charts::timeline_chart(
                    &format!("{}: {} ({label}, #{trial})", scenario.name, experiment.name),
                    &timeline,
                ),
            ));
        }
    }
    Ok((Some(chaos), charts_out))
}

pub fn execute(args: &ReportArgs) -> Result<(), CliError> {
    let mut sections = args
        .files
        .iter()
        .map(|file| section(file, &args.options))
        .collect::<Result<Vec<_>, _>>()?;
    // Two scenarios with the same name must not write over each other's charts.
    let mut taken = std::collections::BTreeSet::new();
    for section in &mut sections {
        let base = section.slug.clone();
        let mut n = 1;
        while !taken.insert(section.slug.clone()) {
            n += 1;
            section.slug = format!("{base}-{n}");
        }
    }
    let points: Vec<charts::AvailabilityPoint> = sections
        .iter()
        .map(|s| charts::AvailabilityPoint {
            name: s.report.scenario.clone(),
            mean: s.report.availability.mean,
            ci95: s.report.availability.ci95,
        })
        .collect();
    let overview = chart(
        "availability.svg",
        "Availability of each scenario with its 95% confidence interval, against the SLA tiers"
            .to_string(),
        charts::availability_chart("Availability by scenario", &points),
    );
    let directory = &args.output;
    let mut files: Vec<(PathBuf, Vec<u8>)> = vec![(
        PathBuf::from(&overview.file),
        overview.svg.clone().into_bytes(),
    )];
    for section in &sections {
        for chart in section.charts.iter().chain(&section.chaos_charts) {
            files.push((
                Path::new(&section.slug).join(&chart.file),
                chart.svg.clone().into_bytes(),
            ));
        }
    }
    files.push((
        "summary.md".into(),
        html::summary(&overview, &sections).into_bytes(),
    ));
    files.push((
        "index.html".into(),
        html::index(&overview, &sections).into_bytes(),
    ));
    publish(directory, &files)?;
    super::note(&format!(
        "wrote {} with {} scenario(s): index.html, summary.md and charts",
        directory.display(),
        sections.len()
    ));
    Ok(())
}

/// Replaces the report folder with `files`, all or nothing, even under SIGKILL
/// (`crate::output::replace_folder`: staged beside it, then swapped in one step).
fn publish(directory: &Path, files: &[(PathBuf, Vec<u8>)]) -> Result<(), CliError> {
    use crate::output::WriteError;
    crate::output::replace_folder(directory, files).map_err(|error| match error {
        WriteError::Refused(reason) => CliError::Input(reason),
        WriteError::Io(source) => CliError::Output {
            path: directory.display().to_string(),
            source,
        },
        WriteError::Interrupted => {
            CliError::Interrupted(crate::interrupt::signal().unwrap_or(libc::SIGINT))
        }
    })
}
