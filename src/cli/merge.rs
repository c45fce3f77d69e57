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
}

pub fn execute(args: &MergeArgs) -> Result<(), CliError> {
    let mut parts = Vec::with_capacity(args.parts.len());
    for path in &args.parts {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::Input(format!("{file}: cannot read the part: {e}")))?;
        let part = crate::shard::parse(&file, &text).map_err(CliError::Input)?;
        parts.push((file, part));
    }
    let merged = crate::shard::merge(&parts).map_err(CliError::Input)?;
    let plans: Vec<Plan> = merged.scenarios.iter().map(Plan::new).collect();
    let precision = merged
        .results
        .accumulators
        .iter()
        .map(|a| crate::precision::relative_half_width(&a.downtime_fraction))
        .fold(0.0, f64::max);
    let trials = merged.scenarios[0].simulation.trials;
    eprintln!(
        "merged {} parts: {trials} trials; the unavailability's 95% interval is {}",
        parts.len(),
        if precision.is_finite() {
            format!("+/-{:.2}% of the estimate", precision * 100.0)
        } else {
            "unknown (no downtime seen)".to_string()
        }
    );
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
