//! One file per subcommand.

mod check;
mod init;
mod inspect;
mod output;
mod partition;
mod report;
mod shell;
mod suites;

pub(crate) use check::check;
pub(crate) use init::init;
pub(crate) use inspect::{list, schema, validate};
pub(crate) use report::report;
pub(crate) use shell::{completions, man};
