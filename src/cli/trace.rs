//! `sim trace`: replay one trial, print its event log as JSON lines and draw its timeline.

use std::path::PathBuf;

use super::emit;
use super::{write_file, CliError, SimOptions};
use crate::engine::Plan;
use crate::report::charts;
use crate::time::MINUTES_PER_YEAR;
use crate::trace::record;

#[derive(Debug, clap::Args)]
pub struct TraceArgs {
    /// The scenario file.
    pub file: PathBuf,
    /// The trial to replay (reports name the worst one).
    #[arg(long)]
    pub trial: u64,
    #[command(flatten)]
    pub options: SimOptions,
    /// Write the trial's timeline (SVG) to this file.
    #[arg(long)]
    pub svg: Option<PathBuf>,
    /// Replay a trial of this chaos experiment (`sim chaos` names a typical and the worst
    /// trial): the timeline shows the experiment's window.
    #[arg(long, value_name = "NAME")]
    pub experiment: Option<String>,
    /// With uncertain parameters: replay a trial of this parameter set (reports name the
    /// worst trial's set); without it the ranges stand at their middles.
    #[arg(long, value_name = "S")]
    pub set: Option<u64>,
}

pub fn execute(args: &TraceArgs) -> Result<(), CliError> {
    if args.options.precision.is_some() {
        return Err(CliError::Input(
            "--precision does not apply to sim trace, which replays one trial: pass --trial N (and --trials if the run had another count)".to_string(),
        ));
    }
    let scenario = args.options.load(&args.file)?;
    let scenario = match (args.set, scenario.uncertainty.is_some()) {
        (None, _) => scenario,
        (Some(_), false) => {
            return Err(CliError::Input(format!(
                "--set: {} has no uncertain parameters (\"between\")",
                args.file.display()
            )))
        }
        (Some(set), true) if set >= args.options.samples => {
            return Err(CliError::Input(format!(
                "--set {set}: the run has parameter sets 0 to {} (--samples {})",
                args.options.samples - 1,
                args.options.samples
            )))
        }
        (Some(set), true) => {
            let design = crate::uncertainty::design_of(&scenario, args.options.samples);
            crate::uncertainty::set_scenario(&scenario, &design, set)?.0
        }
    };
    if args.trial >= scenario.simulation.trials {
        return Err(CliError::Input(format!(
            "--trial {}: the scenario runs trials 0 to {}",
            args.trial,
            scenario.simulation.trials - 1
        )));
    }
    let experiment = args
        .experiment
        .as_deref()
        .map(|name| super::chaos::experiment_index(&scenario, &args.file, name))
        .transpose()?;
    let plan = match experiment {
        Some(index) => Plan::for_experiment(&scenario, index),
        None => Plan::new(&scenario),
    };
    let names: Vec<String> = scenario.components.iter().map(|c| c.name.clone()).collect();
    let timeline = if plan.experiment.is_some() {
        crate::trace::record_experiment(&plan, &names, args.trial)
    } else {
        record(&plan, &names, args.trial)
    };
    let mut out = String::new();
    for line in &timeline.log {
        out.push_str(&serde_json::to_string(line).expect("serializes"));
        out.push('\n');
    }
    let summary = serde_json::json!({
        "trial": args.trial,
        "downtime_minutes_per_year": timeline.outcome.lost * MINUTES_PER_YEAR,
        "incidents": timeline.outcome.incidents,
        "failovers": timeline.outcome.failover_durations.len(),
        "data_loss_events": timeline.outcome.data_loss.len(),
        "events": timeline.outcome.events,
    });
    out.push_str(&summary.to_string());
    out.push('\n');
    emit(&out);
    if let Some(path) = &args.svg {
        let title = match &args.experiment {
            Some(name) => format!("{}: experiment {name}, trial {}", scenario.name, args.trial),
            None => format!("{}: trial {}", scenario.name, args.trial),
        };
        write_file(path, charts::timeline_chart(&title, &timeline).as_bytes())?;
    }
    Ok(())
}
