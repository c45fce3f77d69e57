//! `sim check`: the CI gate. Exit 0 when every check passes, 1 when one fails, 2 for bad
//! input.

use std::path::PathBuf;

use super::compare::run_paired;
use super::emit;
use super::run::simulate;
use super::{write_file, CliError, SimOptions};
use crate::check::{check_baseline, check_paired, check_slo, junit, parse_baseline, Baseline};
use crate::scenario::{self, Scenario};

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The scenario file (its "slo" section states the objectives).
    pub file: PathBuf,
    #[command(flatten)]
    pub options: SimOptions,
    /// What to hold the run to: a scenario file (the design before the change: both run on
    /// the same trials and the paired difference is tested, the sensitive choice) or a
    /// report written by `sim run --output` (its seed and trial count are reused). Fails
    /// when availability is worse beyond statistical noise (one-sided z-test at 95%) and by
    /// more than --tolerance.
    #[arg(long)]
    pub baseline: Option<PathBuf>,
    /// Accept a baseline report of another scenario: one whose scenario name and
    /// fingerprint (its document without trials and seed) both differ from this one's.
    /// Without it such a baseline is refused (exit 2): it is most likely the wrong file.
    #[arg(long)]
    pub allow_other_baseline: bool,
    /// Availability drop tolerated against the baseline (e.g. 0.00001).
    #[arg(long, default_value_t = 0.0)]
    pub tolerance: f64,
    /// Write the results as JUnit XML to this file.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Run only the K-th of N disjoint parts of the trials (K/N) and write the partial
    /// result to --output; `sim merge` combines the parts and gives the check's verdict
    /// (docs/scale.md).
    #[arg(long, value_name = "K/N", requires = "output")]
    pub shard: Option<crate::shard::ShardSpec>,
    /// With --shard: where the partial result goes.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// With uncertain parameters: the share of parameter sets that must meet the SLO's
    /// availability and downtime objectives (overrides slo.probability).
    #[arg(long, value_name = "P", value_parser = parse_probability)]
    pub probability: Option<f64>,
}

/// `--probability`: a share in (0, 1].
fn parse_probability(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(p) if p > 0.0 && p <= 1.0 => Ok(p),
        _ => Err(format!(
            "expected a share in (0, 1] such as 0.9, got {text:?}"
        )),
    }
}

enum Against {
    /// A report, with its file and text (a sharded check carries the text to the merge).
    Report(Baseline, crate::shard::Source),
    Scenario(Box<Scenario>),
}

fn read_baseline(path: &std::path::Path) -> Result<Against, CliError> {
    let file = path.display().to_string();
    let text = crate::input::read_text(path, crate::input::MAX_REPORT_BYTES, "a baseline")
        .map_err(|e| CliError::Input(format!("{file}: cannot read the baseline: {e}")))?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        CliError::Input(format!(
            "{file}: not JSON: {}",
            crate::text::tame_quoted(&e.to_string())
        ))
    })?;
    // A report has an availability estimate at the top; anything else is a scenario.
    if value
        .get("availability")
        .is_some_and(serde_json::Value::is_object)
    {
        parse_baseline(&text)
            .map(|baseline| {
                Against::Report(
                    baseline,
                    crate::shard::Source {
                        file: file.clone(),
                        text: text.clone(),
                    },
                )
            })
            .map_err(|e| CliError::Input(format!("{file}: {e}")))
    } else {
        Ok(Against::Scenario(Box::new(scenario::load_str(
            &text, &file,
        )?)))
    }
}

pub fn execute(args: &CheckArgs) -> Result<(), CliError> {
    let mut scenario = args.options.load(&args.file)?;
    if let (Some(p), Some(slo)) = (args.probability, scenario.slo.as_mut()) {
        slo.probability = Some(p);
    }
    if args.probability.is_some() && scenario.uncertainty.is_none() {
        return Err(CliError::Input(format!(
            "--probability: {} has no uncertain parameters (\"between\"), so there is no share of parameter sets to hold",
            args.file.display()
        )));
    }
    if args.shard.is_some() && scenario.uncertainty.is_some() {
        return Err(CliError::Input(
            "--shard does not take scenarios with uncertain parameters (\"between\"): run the check whole (docs/uncertainty.md)".to_string(),
        ));
    }
    if !(args.tolerance >= 0.0 && args.tolerance < 1.0) {
        return Err(CliError::Input(format!(
            "--tolerance {}: expected an availability drop in [0, 1)",
            args.tolerance
        )));
    }
    let against = args.baseline.as_deref().map(read_baseline).transpose()?;
    if scenario.slo.is_none() && against.is_none() {
        return Err(CliError::Input(format!(
            "{}: nothing to check: add an \"slo\" section to the scenario or pass --baseline",
            args.file.display()
        )));
    }
    let (report, baseline_result) = match against {
        None => {
            if let Some(spec) = args.shard {
                let baseline_report = None;
                return write_check_part(
                    args,
                    std::slice::from_ref(&args.file),
                    &[scenario],
                    baseline_report,
                    spec,
                );
            }
            (simulate(&scenario, &args.options)?, None)
        }
        Some(Against::Report(baseline, source)) => {
            if !args.allow_other_baseline {
                same_scenario(&baseline, &scenario, &source.file)?;
            }
            // The same trials as the baseline, unless told otherwise: an unchanged design
            // then reproduces the baseline exactly.
            if args.options.seed.is_none() {
                scenario.simulation.seed = baseline.seed.unwrap_or(scenario.simulation.seed);
            }
            if args.options.trials.is_none() {
                scenario.simulation.trials = baseline.trials.unwrap_or(scenario.simulation.trials);
            }
            if let Some(spec) = args.shard {
                let baseline_report = Some(source);
                return write_check_part(
                    args,
                    std::slice::from_ref(&args.file),
                    &[scenario],
                    baseline_report,
                    spec,
                );
            }
            note_other_scenario(&baseline, &scenario);
            let report = simulate(&scenario, &args.options)?;
            note_not_reproduced(&baseline, &scenario, &report, &source.file);
            let result = check_baseline(&baseline, &report, args.tolerance);
            (report, Some(result))
        }
        Some(Against::Scenario(mut before)) => {
            before.simulation = scenario.simulation;
            if let Some(spec) = args.shard {
                let baseline_report = None;
                let baseline = args.baseline.clone().expect("a baseline scenario");
                let files = [baseline, args.file.clone()];
                return write_check_part(args, &files, &[*before, scenario], baseline_report, spec);
            }
            let mut comparison = run_paired(&[*before.clone(), scenario.clone()], &args.options)?;
            let result = check_paired(&before.name, &comparison.differences[0], args.tolerance);
            (comparison.reports.remove(1), Some(result))
        }
    };
    conclude(&scenario, &report, baseline_result, args.junit.as_deref())
}

/// A baseline report must be of this scenario: of the same name (an earlier version of the
/// design, the regression check's purpose) or the same fingerprint (the same design under
/// another name). Anything else is most likely the wrong file: exit 2, unless
/// --allow-other-baseline.
fn same_scenario(baseline: &Baseline, scenario: &Scenario, file: &str) -> Result<(), CliError> {
    let same_design = baseline.fingerprint.as_deref() == Some(scenario.fingerprint.as_str());
    if baseline.scenario == scenario.name || same_design {
        return Ok(());
    }
    Err(CliError::Input(format!(
        "{file}: scenario: the baseline is a report of scenario {} (fingerprint {}), this is {} (fingerprint {}): pass the report of this scenario, or --allow-other-baseline to compare anyway",
        crate::text::shown(&baseline.scenario),
        baseline.fingerprint.as_deref().unwrap_or("none"),
        crate::text::shown(&scenario.name),
        scenario.fingerprint
    )))
}

/// The note a check against another scenario's report prints (allowed with
/// --allow-other-baseline).
pub fn note_other_scenario(baseline: &Baseline, scenario: &Scenario) {
    if !baseline.scenario.is_empty() && baseline.scenario != scenario.name {
        emit(&format!(
            "NOTE the baseline is a report of scenario {}, this is {}\n",
            crate::text::shown(&baseline.scenario),
            crate::text::shown(&scenario.name)
        ));
    }
}

/// The same design (fingerprint) on the baseline's seed and trials reproduces the
/// baseline's availability; when it does not, the report's numbers were edited or another
/// version of sim wrote them. A note, not an error: an upgrade of sim may change results.
fn note_not_reproduced(
    baseline: &Baseline,
    scenario: &Scenario,
    report: &crate::report::RunReport,
    file: &str,
) {
    let same_run = baseline.fingerprint.as_deref() == Some(scenario.fingerprint.as_str())
        && baseline.seed == Some(report.seed)
        && baseline.trials == Some(report.trials)
        && report.uncertainty.is_none();
    // JSON keeps a float to its last digit or so: a relative 1e-12 is the same number.
    let differs = (report.availability.mean - baseline.availability).abs()
        > 1e-12 * baseline.availability.abs().max(1e-300);
    if same_run && differs {
        emit(&format!(
            "NOTE {}: the same design on the same seed and trials gives availability {}, the report says {}: it was edited, or written by another version of sim\n",
            crate::text::tame(file),
            report.availability.mean,
            baseline.availability
        ));
    }
}

/// `sim check --shard`: the part of the run (or of the paired comparison with a baseline
/// scenario) with what the merge holds it to: the tolerance and a baseline report, if any.
fn write_check_part(
    args: &CheckArgs,
    files: &[PathBuf],
    scenarios: &[Scenario],
    baseline_report: Option<crate::shard::Source>,
    spec: crate::shard::ShardSpec,
) -> Result<(), CliError> {
    let check = crate::shard::CheckSpec {
        tolerance: args.tolerance,
        baseline_report,
    };
    super::shard::write_part(
        "check",
        files,
        scenarios,
        &args.options,
        args.output.as_deref(),
        Some(check),
        spec,
    )
}

/// Holds the report to the scenario's SLOs and the baseline's result, prints the verdicts,
/// writes JUnit, and fails (exit 1) when one failed.
pub fn conclude(
    scenario: &Scenario,
    report: &crate::report::RunReport,
    baseline_result: Option<crate::check::CheckResult>,
    junit_path: Option<&std::path::Path>,
) -> Result<(), CliError> {
    let (mut results, notes) = scenario
        .slo
        .as_ref()
        .map_or_else(Default::default, |slo| check_slo(slo, report));
    results.extend(baseline_result);
    for note in &notes {
        emit(&format!("INFO {note}\n"));
    }
    for result in &results {
        let verdict = if result.passed { "PASS" } else { "FAIL" };
        emit(&format!("{verdict} {}: {}\n", result.name, result.message));
    }
    if let Some(path) = junit_path {
        let suite = format!("sim check {}", report.scenario);
        write_file(path, junit(&suite, &results).as_bytes())?;
    }
    let failed = results.iter().filter(|r| !r.passed).count();
    if failed > 0 {
        return Err(CliError::CheckFailed(format!(
            "{failed} of {} checks failed",
            results.len()
        )));
    }
    emit(&format!("all {} checks passed\n", results.len()));
    Ok(())
}
