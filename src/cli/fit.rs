//! `sim fit INCIDENTS.csv`: failure and repair distributions from an incident history
//! (docs/fit.md). The reading and fitting live in `crate::fit`; this is the glue.

use std::path::PathBuf;

use clap::ValueEnum;

use super::{emit, write_file, CliError};
use crate::fit::{self, ReadOptions};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FitFormat {
    /// Aligned text for a terminal, then the scenario JSON.
    Table,
    /// Pretty-printed JSON with a stable key order (docs/fit.md lists the keys).
    Json,
}

#[derive(Debug, clap::Args)]
pub struct FitArgs {
    /// The incident history: CSV with a header naming start and end (RFC 3339), optionally
    /// component, mode, observed_from and observed_to; other columns are ignored.
    pub file: PathBuf,
    /// Output format on standard output.
    #[arg(long, value_enum, default_value_t = FitFormat::Table)]
    pub format: FitFormat,
    /// Also write the results as JSON to this file (atomically).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Start of the observation window (RFC 3339), if the file does not give it; default:
    /// the first incident's start.
    #[arg(long, value_name = "TIME")]
    pub observed_from: Option<String>,
    /// End of the observation window (RFC 3339), if the file does not give it; default: the
    /// last incident's end.
    #[arg(long, value_name = "TIME")]
    pub observed_to: Option<String>,
    /// Set bad incident rows aside (counted and listed in the output) instead of failing.
    #[arg(long)]
    pub skip_bad_rows: bool,
}

pub fn execute(args: &FitArgs) -> Result<(), CliError> {
    let options = ReadOptions {
        observed_from: args.observed_from.clone(),
        observed_to: args.observed_to.clone(),
        skip_bad_rows: args.skip_bad_rows,
    };
    // Every fit error is bad input: exit 2, with the file and line in the message.
    let report =
        fit::fit_file(&args.file, &options).map_err(|error| CliError::Input(error.to_string()))?;
    let json = fit::report::to_json(&report);
    if let Some(path) = &args.output {
        write_file(path, json.as_bytes())?;
    }
    match args.format {
        FitFormat::Json => emit(&json),
        FitFormat::Table => emit(&fit::report::render_table(&report)),
    }
    Ok(())
}
