//! `sim run`: one scenario, a table or JSON, optionally saved as JSON.

use std::path::PathBuf;

use super::emit;
use super::progress::{with_precision_progress, with_progress};
use super::{CliError, Format, OutputOptions, SimOptions};
use crate::engine::Plan;
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
        options.install(|| montecarlo::run(&plan, trials, progress))
    })?;
    let report = RunReport::new(scenario, &plan, &accumulator);
    Ok((plan, accumulator, report))
}

pub fn execute(args: &RunArgs) -> Result<(), CliError> {
    let scenario = args.options.load(&args.file)?;
    if args.request_level {
        if args.options.precision.is_some() {
            return Err(CliError::Input(
                "--precision does not apply to --request-level, a reference for short horizons: pass --trials".to_string(),
            ));
        }
        return execute_request_level(args, &scenario);
    }
    let report = simulate(&scenario, &args.options)?;
    let json = report::to_json(&report);
    args.out.save(&json)?;
    match args.out.format {
        // The table cannot know the file; here it is.
        Format::Table => emit(&report::table::render(&report).replace(
            "sim trace FILE",
            &format!("sim trace {}", args.file.display()),
        )),
        Format::Json => emit(&json),
        Format::Markdown => emit(&report::markdown::run_summary(&report)),
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
