//! Why a scenario could not be loaded: always the file, and where possible the JSON path
//! (and line/column for broken JSON), plus what would be valid. Every message is printed
//! through `crate::text`, so that the file name, a path or a value from the input cannot
//! carry control characters or flood a terminal, however the error was built.

use std::fmt;

use crate::text as tame;

/// Where in the file a problem is: a JSON path such as
/// `components.api.failures[1].ttr.weibull.shape`, and a line/column when serde knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub path: String,
    pub line_column: Option<(usize, usize)>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() || self.path == "." {
            "(top level)".to_string()
        } else {
            tame::path(&self.path)
        };
        match self.line_column {
            Some((line, column)) => write!(f, "{path} (line {line}, column {column})"),
            None => write!(f, "{path}"),
        }
    }
}

/// A scenario that cannot be simulated, and why.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("{}: cannot read the file: {source}", tame::tame(.file))]
    Read {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// A file that is too large, or not UTF-8 text (then with the position of the first bad
    /// byte): `crate::input::ReadError`'s message.
    #[error("{}: {}", tame::tame(.file), tame::tame(.message))]
    Unreadable { file: String, message: String },
    #[error("{}:{line}:{column}: invalid JSON: {}", tame::tame(.file), tame::tame(.message))]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{}: {location}: {}", tame::tame(.file), tame::tame(.message))]
    Invalid {
        file: String,
        location: Location,
        message: String,
    },
}

impl ScenarioError {
    /// The same error with `context` appended to its message in parentheses (e.g. which
    /// parameter set was checked).
    pub fn with_context(self, context: &str) -> Self {
        match self {
            ScenarioError::Invalid {
                file,
                location,
                message,
            } => ScenarioError::Invalid {
                file,
                location,
                message: format!("{message} ({context})"),
            },
            other => other,
        }
    }

    /// The JSON path at fault, if the error has one.
    pub fn json_path(&self) -> Option<&str> {
        match self {
            ScenarioError::Invalid { location, .. } => Some(&location.path),
            _ => None,
        }
    }
}
