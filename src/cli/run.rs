//! `sim run`: one scenario, a table or JSON, optionally saved as JSON. Ctrl-C and SIGTERM
//! stop the trials between batches (the `stop` hook) and nothing is presented.

use std::path::PathBuf;

use super::emit;
use super::progress::{with_precision_progress, with_progress};
use super::{interruption, CliError, Format, OutputOptions, SimOptions};
use crate::engine::Plan;
use crate::interrupt::interrupted;
use crate::montecarlo::{self, RunAccumulator};
use crate::report::{self, RunReport};
use crate::request_level;
use crate::scenario::Scenario;

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The scenario file (JSON).
    pub file: PathBuf,
    #[command(flatten)]
    pub options: SimOptions,
    #[command(flatten)]
    pub out: OutputOptions,
    /// Simulate individual requests instead of the fluid model: the request-level
    /// reference for short horizons and small scenarios (docs/model.md section 13).
    #[arg(long)]
    pub request_level: bool,
    /// Run only the K-th of N disjoint parts of the trials (K/N, e.g. 3/8) and write the
    /// partial result to --output; `sim merge` combines the parts into exactly this run's
    /// report (docs/scale.md).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::shard::ShardSpec>,
}

/// Simulates a checked scenario with the options' threads and progress.
pub fn simulate(scenario: &Scenario, options: &SimOptions) -> Result<RunReport, CliError> {
    Ok(simulate_full(scenario, options)?.2)
}

/// Like `simulate`, keeping the plan and the accumulator (histograms) for charts.
pub fn simulate_full(
    scenario: &Scenario,
    options: &SimOptions,
) -> Result<(Plan, RunAccumulator, RunReport), CliError> {
    options.guard(std::slice::from_ref(scenario))?;
    if scenario.uncertainty.is_some() {
        let run = options.simulate_uncertain(scenario)?;
        return Ok((run.plan, run.merged, run.report));
    }
    let plan = Plan::new(scenario);
    if let Some(rule) = options.stop_rule() {
        let (accumulator, outcome, choice) =
            with_precision_progress(options.progress(), &rule, |progress| {
                options.install(|| montecarlo::run_to_precision(&plan, &rule, progress))
            })?;
        let mut report = RunReport::new(scenario, &plan, &accumulator);
        report.precision = Some(outcome.into());
        report.rare_events = Some(crate::rare_events::RareEventsReport::new(
            &choice,
            &accumulator,
        ));
        return Ok((plan, accumulator, report));
    }
    let trials = scenario.simulation.trials;
    let accumulator = with_progress(options.progress(), trials, |progress| {
        options.install(|| {
            // Ctrl-C and SIGTERM end the run between batches of chunks (`crate::interrupt`).
            let mut total = montecarlo::Total::default();
            montecarlo::extend(&plan, &mut total, 0, trials, progress, &interrupted);
            total.root().unwrap_or_else(|| RunAccumulator::new(&plan))
        })
    })?;
    interruption()?;
    let report = RunReport::new(scenario, &plan, &accumulator);
    Ok((plan, accumulator, report))
}

pub fn execute(args: &RunArgs) -> Result<(), CliError> {
    let scenario = args.options.load(&args.file)?;
    if scenario.uncertainty.is_some() && (args.shard.is_some() || args.request_level) {
        return Err(CliError::Input(format!(
            "{}: {} does not take uncertain parameters (\"between\"): run the scenario whole, or write one value per range",
            args.file.display(),
            if args.request_level { "--request-level" } else { "--shard" }
        )));
    }
    if let Some(spec) = args.shard {
        if args.request_level {
            return Err(CliError::Input(
                "--shard: the request-level reference is not sharded (it is for short runs)"
                    .to_string(),
            ));
        }
        return super::shard::write_part(
            "run",
            std::slice::from_ref(&args.file),
            std::slice::from_ref(&scenario),
            &args.options,
            args.out.output.as_deref(),
            None,
            spec,
        );
    }
    if args.request_level {
        if args.options.precision.is_some() {
            return Err(CliError::Input(
                "--precision does not apply to --request-level, a reference for short horizons: pass --trials".to_string(),
            ));
        }
        return execute_request_level(args, &scenario);
    }
    let report = simulate(&scenario, &args.options)?;
    present(&report, &args.file.display().to_string(), &args.out)
}

/// Saves a run's report to --output and prints it in the chosen format (`file`: the
/// scenario's path as given, for the table's replay hint).
pub fn present(report: &RunReport, file: &str, out: &OutputOptions) -> Result<(), CliError> {
    let json = report::to_json(report);
    out.save(&json)?;
    match out.format {
        // The table cannot know the file; here it is.
        Format::Table => emit(
            &report::table::render(report).replace("sim trace FILE", &format!("sim trace {file}")),
        ),
        Format::Json => emit(&json),
        Format::Markdown => emit(&report::markdown::run_summary(report)),
    }
    Ok(())
}

/// `--request-level`: the same checked scenario, simulated request by request.
fn execute_request_level(args: &RunArgs, scenario: &Scenario) -> Result<(), CliError> {
    let model = request_level::Model::new(scenario, &args.file.display().to_string())?;
    let trials = scenario.simulation.trials;
    let accumulator = with_progress(args.options.progress(), trials, |progress| {
        args.options
            .install(|| request_level::run(&model, trials, progress))
    })?;
    let report = request_level::RequestLevelReport::new(&model, &accumulator);
    let json = report.to_json();
    args.out.save(&json)?;
    emit(&match args.out.format {
        Format::Table => report.table(),
        Format::Json => json,
        Format::Markdown => report.markdown(),
    });
    Ok(())
}
