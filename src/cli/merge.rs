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
    let (scenario, accumulator) = crate::shard::merge(&parts).map_err(CliError::Input)?;
    let plan = Plan::new(&scenario);
    let report = RunReport::new(&scenario, &plan, &accumulator);
    let precision = crate::precision::relative_half_width(&accumulator.downtime_fraction);
    eprintln!(
        "merged {} parts: {} trials; the unavailability's 95% interval is {}",
        parts.len(),
        accumulator.trials(),
        if precision.is_finite() {
            format!("+/-{:.2}% of the estimate", precision * 100.0)
        } else {
            "unknown (no downtime seen)".to_string()
        }
    );
    super::run::present(&report, &parts[0].1.scenario_file, &args.out)
}
