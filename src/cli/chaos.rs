//! `sim chaos`: the scenario's chaos experiments, rehearsed against the model. Exit 0 when
//! every expectation holds, 1 when one does not, 2 for bad input (spec chaos.md).

use std::path::PathBuf;

use super::{emit, write_file, CliError, Format, OutputOptions, SimOptions};
use crate::chaos::observed;
use crate::check::junit;
use crate::report::chaos as render;

#[derive(Debug, clap::Args)]
pub struct ChaosArgs {
    /// The scenario file (its "experiments" section defines the experiments).
    pub file: PathBuf,
    /// Run only this experiment.
    #[arg(long, value_name = "NAME")]
    pub experiment: Option<String>,
    #[command(flatten)]
    pub options: SimOptions,
    #[command(flatten)]
    pub out: OutputOptions,
    /// Write one JUnit test case per expectation to this file.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// What a real run of the experiments measured (JSON or CSV, docs/chaos.md): says
    /// where each observation falls in the model's distribution and which parameter
    /// disagrees.
    #[arg(long, value_name = "FILE")]
    pub observed: Option<PathBuf>,
}

/// The index of experiment `name`, or a message listing the ones that exist.
pub fn experiment_index(
    scenario: &crate::scenario::Scenario,
    file: &std::path::Path,
    name: &str,
) -> Result<usize, CliError> {
    scenario
        .experiments
        .iter()
        .position(|e| e.name == name)
        .ok_or_else(|| {
            let names: Vec<&str> = scenario
                .experiments
                .iter()
                .map(|e| e.name.as_str())
                .collect();
            CliError::Input(format!(
                "{}: no experiment \"{name}\"; {}",
                file.display(),
                if names.is_empty() {
                    "the scenario has no \"experiments\" section".to_string()
                } else {
                    format!("valid experiments: {}", names.join(", "))
                }
            ))
        })
}

pub fn execute(args: &ChaosArgs) -> Result<(), CliError> {
    if args.options.precision.is_some() {
        return Err(CliError::Input(
            "--precision does not apply to sim chaos: an experiment's trials are its samples; pass --trials".to_string(),
        ));
    }
    let scenario = args.options.load(&args.file)?;
    if scenario.simulation.trials > crate::chaos::MAX_TRIALS {
        return Err(CliError::Input(format!(
            "--trials {}: sim chaos keeps every trial's measures (for exact percentiles): at most {} trials per experiment",
            scenario.simulation.trials,
            crate::chaos::MAX_TRIALS
        )));
    }
    if scenario.experiments.is_empty() {
        return Err(CliError::Input(format!(
            "{}: the scenario has no \"experiments\" section (docs/chaos.md)",
            args.file.display()
        )));
    }
    let only = args
        .experiment
        .as_deref()
        .map(|name| experiment_index(&scenario, &args.file, name))
        .transpose()?;
    let observations = args
        .observed
        .as_ref()
        .map(|path| {
            let file = path.display().to_string();
            let text = crate::input::read_text(
                path,
                crate::input::MAX_OBSERVED_BYTES,
                "an observation file",
            )
            .map_err(|e| CliError::Input(format!("{file}: cannot read: {e}")))?;
            observed::parse(&file, &text).map_err(CliError::Input)
        })
        .transpose()?;
    let (report, measures) = args
        .options
        .install(|| crate::chaos::run(&scenario, only))?;
    let findings = observations
        .map(|observations| {
            let runs: Vec<_> = report.experiments.iter().cloned().zip(measures).collect();
            observed::analyse(&scenario, &observations, &runs).map_err(CliError::Input)
        })
        .transpose()?;
    let mut value = serde_json::to_value(&report).expect("serializes");
    if let Some(findings) = &findings {
        value["observed"] = serde_json::to_value(findings).expect("serializes");
    }
    let json = serde_json::to_string_pretty(&value).expect("serializes") + "\n";
    // Exit 1 means a failed expectation: an output that cannot be written is exit 2.
    let unwritable = |e: CliError| CliError::Input(e.to_string());
    args.out.save(&json).map_err(unwritable)?;
    let file = args.file.display().to_string();
    let mut text = match args.out.format {
        Format::Table => render::table(&report, &file),
        Format::Json => json.clone(),
        Format::Markdown => render::markdown(&report),
    };
    if let (Some(findings), false) = (&findings, args.out.format == Format::Json) {
        text.push('\n');
        text.push_str(&render::findings(findings));
    }
    emit(&text);
    let results = render::junit_results(&report);
    if let Some(path) = &args.junit {
        write_file(
            path,
            junit(&format!("sim chaos {}", report.scenario), &results).as_bytes(),
        )
        .map_err(unwritable)?;
    }
    let failed = results.iter().filter(|r| !r.passed).count();
    if failed > 0 {
        return Err(CliError::CheckFailed(format!(
            "{failed} of {} expectations failed",
            results.len()
        )));
    }
    Ok(())
}
