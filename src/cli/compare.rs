//! `sim compare`: several scenarios on common random numbers, with paired intervals. The
//! paired run (also sweep's and check's) asks `crate::interrupt` between batches.

use std::fmt::Write;
use std::path::PathBuf;

use super::emit;
use super::progress::{with_precision_progress, with_progress};
use super::{write_file, CliError, Format, OutputOptions, SimOptions};
use crate::compare::{compare_to_precision, Comparison};
use crate::engine::Plan;
use crate::report::charts;
use crate::report::{markdown, table::percent};
use crate::scenario::Scenario;

#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// Scenario files; each is compared with the first.
    #[arg(required = true, num_args = 2..)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub options: SimOptions,
    #[command(flatten)]
    pub out: OutputOptions,
    /// Also write a comparison chart (SVG) to this file.
    #[arg(long)]
    pub svg: Option<PathBuf>,
    /// Run only the K-th of N disjoint parts of the trials (K/N) and write the partial
    /// result to --output; `sim merge` combines the parts (docs/scale.md).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::shard::ShardSpec>,
}

/// Loads scenarios for a paired run: all take the first one's seed and trial count (or the
/// options'), and must share its horizon.
pub fn load_paired(files: &[PathBuf], options: &SimOptions) -> Result<Vec<Scenario>, CliError> {
    let mut scenarios = files
        .iter()
        .map(|file| options.load(file))
        .collect::<Result<Vec<_>, _>>()?;
    let first = scenarios[0].simulation;
    for (scenario, file) in scenarios.iter_mut().zip(files).skip(1) {
        if scenario.simulation.horizon != first.horizon {
            return Err(CliError::Input(format!(
                "{}: simulation.horizon differs from {}'s; compared scenarios must share the horizon",
                file.display(),
                files[0].display()
            )));
        }
        scenario.simulation.seed = first.seed;
        scenario.simulation.trials = first.trials;
    }
    Ok(scenarios)
}

pub fn run_paired(scenarios: &[Scenario], options: &SimOptions) -> Result<Comparison, CliError> {
    options.guard(scenarios)?;
    if scenarios.iter().any(|s| s.uncertainty.is_some()) {
        if options.precision.is_some() {
            return Err(CliError::Input(
                "--precision with uncertain parameters (\"between\") applies to sim run; compare runs --trials split over the parameter sets (docs/uncertainty.md)".to_string(),
            ));
        }
        let trials = scenarios[0].simulation.trials;
        let per_set = crate::uncertainty::trials_per_set(trials, options.samples);
        return with_progress(options.progress(), per_set * options.samples, |progress| {
            options.install(|| {
                crate::uncertainty::compare(scenarios, options.samples, per_set, progress)
            })
        })?
        .map_err(CliError::from);
    }
    if let Some(rule) = options.stop_rule() {
        let (comparison, _) = with_precision_progress(options.progress(), &rule, |progress| {
            options.install(|| compare_to_precision(scenarios, &rule, progress))
        })?;
        return Ok(comparison);
    }
    let trials = scenarios[0].simulation.trials;
    let comparison = with_progress(options.progress(), trials, |progress| {
        options.install(|| {
            // `compare::compare` with Ctrl-C and SIGTERM asked between batches.
            let plans: Vec<Plan> = scenarios.iter().map(Plan::new).collect();
            let mut total = crate::compare::Total::default();
            let stop = crate::interrupt::interrupted;
            crate::compare::extend(&plans, &mut total, 0, trials, progress, &stop);
            (plans, total)
        })
    })?;
    super::interruption()?;
    let (plans, total) = comparison;
    Ok(crate::compare::finish(
        scenarios,
        &plans,
        total.root(),
        trials,
    ))
}

pub fn execute(args: &CompareArgs) -> Result<(), CliError> {
    let scenarios = load_paired(&args.files, &args.options)?;
    if args.shard.is_some() && scenarios.iter().any(|s| s.uncertainty.is_some()) {
        return Err(CliError::Input(
            "--shard does not take scenarios with uncertain parameters (\"between\"): run the comparison whole (docs/uncertainty.md)".to_string(),
        ));
    }
    if let Some(spec) = args.shard {
        if args.svg.is_some() {
            return Err(CliError::Input(
                "--shard with --svg: a part has no chart to draw; run sim compare on the merged trials for the chart".to_string(),
            ));
        }
        return super::shard::write_part(
            "compare",
            &args.files,
            &scenarios,
            &args.options,
            args.out.output.as_deref(),
            None,
            spec,
        );
    }
    let comparison = run_paired(&scenarios, &args.options)?;
    present(&comparison, &args.out, args.svg.as_deref())
}

/// Saves a comparison to --output (and --svg) and prints it in the chosen format.
pub fn present(
    comparison: &Comparison,
    out: &OutputOptions,
    svg: Option<&std::path::Path>,
) -> Result<(), CliError> {
    let json = format!(
        "{}\n",
        serde_json::to_string_pretty(comparison).expect("serializes")
    );
    out.save(&json)?;
    if let Some(path) = svg {
        write_file(path, comparison_svg(comparison).as_bytes())?;
    }
    match out.format {
        Format::Table => emit(&render(comparison)),
        Format::Json => emit(&json),
        Format::Markdown => emit(&markdown::comparison_table(comparison)),
    }
    Ok(())
}

pub fn comparison_svg(comparison: &Comparison) -> String {
    let rows: Vec<(String, f64, [f64; 2])> = comparison
        .reports
        .iter()
        .map(|r| {
            (
                r.scenario.clone(),
                r.downtime_minutes_per_year.mean,
                r.downtime_minutes_per_year.ci95,
            )
        })
        .collect();
    charts::comparison_chart("Downtime per year, each scenario (95% CI)", &rows)
}

/// The comparison as an aligned table for a terminal.
pub fn render(comparison: &Comparison) -> String {
    let mut out = String::new();
    let width = comparison
        .reports
        .iter()
        .map(|r| r.scenario.len())
        .max()
        .unwrap_or(0)
        .max("scenario".len());
    if let Some(precision) = &comparison.precision {
        let _ = writeln!(
            out,
            "precision of the least precise scenario {}",
            precision.summary()
        );
    }
    if let Some(rare) = comparison
        .reports
        .first()
        .and_then(|r| r.rare_events.as_ref())
    {
        let _ = writeln!(out, "method: {}", rare.summary());
    }
    let _ = writeln!(
        out,
        "{:<width$}  {:>13}  {:>10}  {:>10}  {:>9}  vs first: downtime min/yr (paired 95% CI; +/- is 1 s.e.)",
        "scenario", "availability", "min/yr", "losses/yr", "tier"
    );
    for (i, report) in comparison.reports.iter().enumerate() {
        let loss = report.data_loss.as_ref().map_or("-".to_string(), |l| {
            format!("{:.3}", l.events_per_year.mean)
        });
        let difference = match i.checked_sub(1).map(|j| &comparison.differences[j]) {
            None => "baseline".to_string(),
            Some(d) => {
                let t = &d.downtime_minutes_per_year;
                format!(
                    "{:+.2} [{:+.2}, {:+.2}]  unpaired +/- {:.2}, paired +/- {:.2}{}",
                    t.mean,
                    t.ci95[0],
                    t.ci95[1],
                    t.unpaired_std_error,
                    t.std_error,
                    t.narrowing
                        .map_or(String::new(), |n| format!(" ({n:.1}x narrower)"))
                )
            }
        };
        let _ = writeln!(
            out,
            "{:<width$}  {:>13}  {:>10.2}  {:>10}  {:>9}  {}",
            report.scenario,
            percent(report.availability.mean),
            report.downtime_minutes_per_year.mean,
            loss,
            report.tier.clone().unwrap_or_else(|| "<99%".into()),
            difference
        );
    }
    for d in &comparison.differences {
        if let Some(u) = &d.uncertainty {
            let t = &u.downtime_difference;
            let _ = writeln!(
                out,
                "{:<width$}  across the parameter ranges: better than the first in {:.0}% of parameter sets; difference p05 {:+.2}, p50 {:+.2}, p95 {:+.2} min/yr",
                d.scenario,
                u.better_share * 100.0,
                t.p05,
                t.p50,
                t.p95
            );
        }
    }
    let sets = comparison
        .reports
        .iter()
        .find_map(|r| r.uncertainty.as_ref())
        .map_or(String::new(), |u| {
            format!(
                " over {} parameter sets (paired set by set; errors between sets)",
                u.samples
            )
        });
    let _ = writeln!(
        out,
        "\n{} trials each, seed {}, common random numbers{sets}.",
        comparison.trials, comparison.seed
    );
    out
}
