//! `sim merge PART...`: the parts of a run sharded with `sim run --shard K/N`, combined
//! into exactly the report the unsharded run gives (docs/scale.md). Exit 2, naming the
//! file, for a missing, duplicated, foreign, truncated or corrupt part.

use std::path::PathBuf;

use super::{CliError, OutputOptions};
use crate::engine::Plan;
use crate::report::RunReport;

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The partial results, one per shard, in any order.
    #[arg(required = true, value_name = "PART")]
    pub parts: Vec<PathBuf>,
    #[command(flatten)]
    pub out: OutputOptions,
    /// For the parts of `sim check --shard`: write the results as JUnit XML to this file.
    #[arg(long)]
    pub junit: Option<PathBuf>,
}

pub fn execute(args: &MergeArgs) -> Result<(), CliError> {
    let mut parts = Vec::with_capacity(args.parts.len());
    for path in &args.parts {
        let file = path.display().to_string();
        let text = crate::input::read_text(path, crate::input::MAX_PART_BYTES, "a part file")
            .map_err(|e| CliError::Input(format!("{file}: cannot read the part: {e}")))?;
        let part = crate::shard::parse(&file, &text).map_err(CliError::Input)?;
        parts.push((file, part));
    }
    let merged = crate::shard::merge(&parts).map_err(CliError::Input)?;
    let plans: Vec<Plan> = merged.scenarios.iter().map(Plan::new).collect();
    let precision = crate::compare::least_precise(&merged.results);
    let trials = merged.scenarios[0].simulation.trials;
    super::note(&format!(
        "merged {} parts: {trials} trials; the unavailability's 95% interval is {}",
        parts.len(),
        if precision.is_finite() {
            format!("+/-{:.2}% of the estimate", precision * 100.0)
        } else {
            "unknown (no downtime seen)".to_string()
        }
    ));
    if merged.command == "check" {
        let check = merged.check.as_ref().expect("a check part holds its check");
        if merged.scenarios.len() == 2 {
            let before = merged.scenarios[0].name.clone();
            let comparison =
                crate::compare::finish(&merged.scenarios, &plans, Some(merged.results), trials);
            let result =
                crate::check::check_paired(&before, &comparison.differences[0], check.tolerance);
            let after = &merged.scenarios[1];
            return super::check::conclude(
                after,
                &comparison.reports[1],
                Some(result),
                args.junit.as_deref(),
            );
        }
        let scenario = &merged.scenarios[0];
        let report = RunReport::new(scenario, &plans[0], &merged.results.accumulators[0]);
        let result = match &check.baseline_report {
            Some(source) => {
                let baseline = crate::check::parse_baseline(&source.text)
                    .map_err(|e| CliError::Input(format!("{}: {e}", source.file)))?;
                super::check::note_other_scenario(&baseline, scenario);
                Some(crate::check::check_baseline(
                    &baseline,
                    &report,
                    check.tolerance,
                ))
            }
            None => None,
        };
        return super::check::conclude(scenario, &report, result, args.junit.as_deref());
    }
    if merged.command == "compare" {
        let comparison =
            crate::compare::finish(&merged.scenarios, &plans, Some(merged.results), trials);
        return super::compare::present(&comparison, &args.out, None);
    }
    let report = RunReport::new(
        &merged.scenarios[0],
        &plans[0],
        &merged.results.accumulators[0],
    );
    super::run::present(&report, &merged.files[0], &args.out)
}
