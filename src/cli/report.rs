//! `sim report`: charts, index.html and summary.md for one or more scenarios (placeholder
//! until the charts land).

use std::path::PathBuf;

use super::{CliError, SimOptions};

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Scenario files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Directory to write the report into (created if missing).
    #[arg(long, short = 'o')]
    pub output: PathBuf,
    #[command(flatten)]
    pub options: SimOptions,
}

pub fn execute(_args: &ReportArgs) -> Result<(), CliError> {
    Err(CliError::Input("sim report is not available yet".into()))
}
