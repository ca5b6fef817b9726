//! Errors that stop harden, and the exit codes they map to.

use crate::suite::LoadErrors;

/// Every gate passed.
pub(crate) const EXIT_OK: u8 = 0;
/// A check failed or errored, or a gate failed.
pub(crate) const EXIT_FAILED: u8 = 1;
/// Usage error or invalid suite; nothing was spawned.
pub(crate) const EXIT_USAGE: u8 = 2;
/// The instance could not start, never became ready, or died during the run.
pub(crate) const EXIT_INSTANCE: u8 = 3;
/// A report could not be written.
pub(crate) const EXIT_REPORT: u8 = 4;
/// Interrupted by Ctrl-C or SIGTERM.
pub(crate) const EXIT_INTERRUPTED: u8 = 130;

#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    #[error("{0}")]
    Suite(#[from] LoadErrors),
    #[error("{0}")]
    Usage(String),
    #[error("failed to write {what} `{path}`: {reason}")]
    Report {
        what: &'static str,
        path: String,
        reason: String,
    },
}

impl Error {
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Error::Suite(_) | Error::Usage(_) => EXIT_USAGE,
            Error::Report { .. } => EXIT_REPORT,
        }
    }
}
