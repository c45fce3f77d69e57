//! `sim fit`: failure and repair distributions from an incident history.
//!
//! A CSV of incidents (`start`, `end`, optional `component`, `mode` and observation window)
//! becomes, per (component, mode), censored samples of times between failures (the up time
//! from one incident's end to the next one's start, the scenario's `ttf`) and of repair
//! durations (`ttr`); each sample is fitted with four laws by maximum likelihood, and the
//! best by AIC is written as paste-ready scenario JSON, with `between` ranges from the 95%
//! intervals. The stages are separate modules: `history` reads and checks the file (every
//! error names the file and line), `mle` fits one sample and does no I/O, `report` builds
//! the serializable result and its renderings. docs/fit.md documents the whole contract.

pub mod history;
pub mod mle;
pub mod optimize;
pub mod report;

pub use history::{History, ReadOptions};
pub use report::FitReport;

/// Why an incident history could not be read; every variant is bad input (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum FitError {
    #[error("cannot read {file}: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    /// A bad row or header: the 1-based physical line (the header is line 1).
    #[error("{file}: line {line}: {message}")]
    Row {
        file: String,
        line: u64,
        message: String,
    },
    /// A problem of the whole file (empty, no window where one is needed).
    #[error("{file}: {message}")]
    File { file: String, message: String },
    /// A bad --observed-from or --observed-to.
    #[error("{option}: {message}")]
    Option {
        option: &'static str,
        message: String,
    },
}

/// Reads, checks and fits the incident history in `path`.
pub fn fit_file(path: &std::path::Path, options: &ReadOptions) -> Result<FitReport, FitError> {
    let file = path.display().to_string();
    let bytes =
        crate::input::read_bytes(path, crate::input::MAX_HISTORY_BYTES, "an incident history")
            .map_err(|error| match error {
                crate::input::ReadError::Io(source) => FitError::Read {
                    file: file.clone(),
                    source,
                },
                other => FitError::File {
                    file: file.clone(),
                    message: other.to_string(),
                },
            })?;
    // An export in UTF-16 is named as such, with the position of its first bad byte, rather
    // than as a bad first row. Other bytes that are not UTF-8 stay a bad row, with its line
    // (which --skip-bad-rows may skip).
    let utf16 = bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]);
    if utf16 || bytes.contains(&0) {
        crate::input::check_utf8(&bytes).map_err(|error| FitError::File {
            file: file.clone(),
            message: error.to_string(),
        })?;
    }
    fit_bytes(&bytes, &file, options)
}

/// Checks and fits an incident history given as bytes; `file` names it in messages.
pub fn fit_bytes(bytes: &[u8], file: &str, options: &ReadOptions) -> Result<FitReport, FitError> {
    let history = history::read(bytes, file, options)?;
    Ok(report::build(&history))
}

/// A value from the input as it may appear in a message: control characters escaped, cut
/// to 80 characters, quoted (the shared helper, `crate::text::shown`).
pub use crate::text::shown;
