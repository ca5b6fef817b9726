//! One file per subcommand.

mod check;
mod inspect;
mod suites;

pub(crate) use check::check;
pub(crate) use inspect::{list, schema, validate};
