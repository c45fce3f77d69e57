//! `sim schema`: the JSON Schema (draft 2020-12) of the scenario format, for editors and
//! other tools. The schema lives in `schema/scenario.schema.json` so that editors can
//! reference it by path; the binary embeds the same bytes.

use super::{emit, write_file, CliError};

/// The schema, exactly as committed (it ends with a newline).
pub const SCHEMA: &str = include_str!("../../schema/scenario.schema.json");

#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// Write the schema to this file (atomically) instead of standard output.
    #[arg(long, short)]
    pub output: Option<std::path::PathBuf>,
}

/// Prints the schema, or writes it to --output.
pub fn execute(args: &SchemaArgs) -> Result<(), CliError> {
    match &args.output {
        Some(path) => write_file(path, SCHEMA.as_bytes()),
        None => {
            emit(SCHEMA);
            Ok(())
        }
    }
}
