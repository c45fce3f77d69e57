//! `sim check`: the CI gate. Exit 0 when every check passes, 1 when one fails, 2 for bad
//! input.

use std::path::PathBuf;

use super::run::simulate;
use super::{write_file, CliError, SimOptions};
use crate::check::{check_baseline, check_slo, junit, parse_baseline};

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The scenario file (its "slo" section states the objectives).
    pub file: PathBuf,
    #[command(flatten)]
    pub options: SimOptions,
    /// A report written earlier by `sim run --output`: fail if availability is worse beyond
    /// statistical noise (one-sided z-test at 95%) and by more than --tolerance.
    #[arg(long)]
    pub baseline: Option<PathBuf>,
    /// Availability drop tolerated against the baseline (e.g. 0.00001).
    #[arg(long, default_value_t = 0.0)]
    pub tolerance: f64,
    /// Write the results as JUnit XML to this file.
    #[arg(long)]
    pub junit: Option<PathBuf>,
}

pub fn execute(args: &CheckArgs) -> Result<(), CliError> {
    let scenario = args.options.load(&args.file)?;
    if !(args.tolerance >= 0.0 && args.tolerance < 1.0) {
        return Err(CliError::Input(format!(
            "--tolerance {}: expected an availability drop in [0, 1)",
            args.tolerance
        )));
    }
    let baseline = match &args.baseline {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                CliError::Input(format!("{}: cannot read the baseline: {e}", path.display()))
            })?;
            Some(
                parse_baseline(&text)
                    .map_err(|e| CliError::Input(format!("{}: {e}", path.display())))?,
            )
        }
    };
    if scenario.slo.is_none() && baseline.is_none() {
        return Err(CliError::Input(format!(
            "{}: nothing to check: add an \"slo\" section to the scenario or pass --baseline REPORT",
            args.file.display()
        )));
    }
    let report = simulate(&scenario, &args.options)?;
    let mut results = scenario
        .slo
        .as_ref()
        .map_or_else(Vec::new, |slo| check_slo(slo, &report));
    if let Some(baseline) = &baseline {
        results.push(check_baseline(baseline, &report, args.tolerance));
    }
    for result in &results {
        println!(
            "{} {}: {}",
            if result.passed { "PASS" } else { "FAIL" },
            result.name,
            result.message
        );
    }
    if let Some(path) = &args.junit {
        write_file(
            path,
            junit(&format!("sim check {}", report.scenario), &results).as_bytes(),
        )?;
    }
    let failed = results.iter().filter(|r| !r.passed).count();
    if failed > 0 {
        return Err(CliError::CheckFailed(format!(
            "{failed} of {} checks failed",
            results.len()
        )));
    }
    println!("all {} checks passed", results.len());
    Ok(())
}
