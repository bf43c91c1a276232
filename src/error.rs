//! The one error type of the library.
//!
//! Every variant says what went wrong and where, so that a user can act on it: a data file
//! error names the file, the line (when known) and the field; an index error names the artifact
//! and how to fix it (usually: run `titlematch build`).

use std::path::PathBuf;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in titlematch.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A data file (roles, abbreviations, level words, noise, scoring, O*NET) is invalid.
    #[error("{file}{}: {field}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Data {
        /// The file, relative to the data folder when it came from one.
        file: String,
        /// 1-based line number, when known.
        line: Option<usize>,
        /// The field or column at fault.
        field: String,
        /// What is wrong and, where possible, how to fix it.
        message: String,
    },
    /// A data file could not be read at all.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A built artifact under `index/` is missing, stale or corrupt.
    #[error("index artifact {path}: {message} (run `titlematch build` to rebuild it)")]
    Index {
        /// The artifact at fault.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// An error from the full-text index library.
    #[error("full-text index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// An error from the fst library.
    #[error("alias fst: {0}")]
    Fst(#[from] fst::Error),
    /// A user-supplied argument is invalid (unknown ladder, unknown role code, ...).
    #[error("{0}")]
    Invalid(String),
    /// A bulk run (`bulk::normalize`) stopped part-way because reading its input or writing
    /// its output failed; rows before `line` were written.
    #[error("{op} failed at input line {line} after {rows_written} rows were written: {source}")]
    Bulk {
        /// What failed: `reading the input`, `writing the output` or `writing the errors file`.
        op: &'static str,
        /// 1-based input line where the run stopped.
        line: u64,
        /// Rows already written to the output.
        rows_written: u64,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// An error from the review store.
    #[error("review store {path}: {message}")]
    Review {
        /// The database file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl Error {
    /// A data error with a known line.
    pub fn data(
        file: impl Into<String>,
        line: Option<usize>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Error {
        Error::Data {
            file: file.into(),
            line,
            field: field.into(),
            message: message.into(),
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// An index artifact error.
    pub fn index(path: impl Into<PathBuf>, message: impl Into<String>) -> Error {
        Error::Index {
            path: path.into(),
            message: message.into(),
        }
    }

    /// True when the fault is in what the user handed in (data, arguments), not in the program.
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            Error::Data { .. } | Error::Invalid(_) | Error::Io { .. }
        )
    }
}
