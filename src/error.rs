//! Errors that stop harden, and the exit codes they map to.

use crate::suite::LoadErrors;

/// Every gate passed.
pub(crate) const EXIT_OK: u8 = 0;
/// A check failed or errored, or a gate failed.
pub(crate) const EXIT_FAILED: u8 = 1;
/// Usage error or invalid suite; nothing was spawned.
pub(crate) const EXIT_USAGE: u8 = 2;
/// The instance could not start, never became ready, or died during the run; for
/// `init`, the service or the document's URL did not give the document.
pub(crate) const EXIT_INSTANCE: u8 = 3;
/// A report, or a file harden needs, could not be written (a temporary directory,
/// `--log-dir`), or harden's runtime could not start.
pub(crate) const EXIT_REPORT: u8 = 4;
/// Interrupted by Ctrl-C or SIGTERM.
pub(crate) const EXIT_INTERRUPTED: u8 = 130;

#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    #[error("{0}")]
    Suite(#[from] LoadErrors),
    /// The command line asks for what cannot be done (a file that exists, a missing
    /// flag, a baseline that cannot be read): the user's to fix.
    #[error("{0}")]
    Usage(String),
    /// harden's own I/O failed, not the user's input: `doing` is what it could not do
    /// (`create a temporary directory`, `start the async runtime`).
    #[error("cannot {doing}: {reason}")]
    Io { doing: String, reason: String },
    /// `init` could not get the OpenAPI document at `url` (no answer, not 2xx, too large,
    /// not JSON).
    #[error("cannot read the document at {url}: {reason}")]
    Fetch { url: String, reason: String },
    /// `init`'s service could not start or never served its document.
    #[error("{0}")]
    Instance(String),
    #[error("failed to write {what} `{path}`: {reason}")]
    Report {
        what: &'static str,
        path: String,
        reason: String,
    },
}

impl Error {
    /// harden's own I/O failure while doing `doing`.
    pub(crate) fn io(doing: &str, e: &std::io::Error) -> Error {
        Error::Io {
            doing: doing.to_string(),
            reason: crate::reason::io(e),
        }
    }

    /// The exit code this error ends harden with (the README's table).
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Error::Suite(_) | Error::Usage(_) => EXIT_USAGE,
            Error::Fetch { .. } | Error::Instance(_) => EXIT_INSTANCE,
            Error::Report { .. } | Error::Io { .. } => EXIT_REPORT,
        }
    }
}
