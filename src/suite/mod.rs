//! Suite files: raw YAML types, validation, and the validated [`Suite`].

mod diagnostic;
mod kind;
mod loader;
mod presets;
mod raw;
mod spec;
mod template;

pub(crate) use diagnostic::LoadErrors;
pub(crate) use kind::CheckKind;
#[cfg(any(test, feature = "bench-internals"))]
pub(crate) use loader::load_str;
pub(crate) use loader::{MAX_DURATION, load};
pub(crate) use presets::TOKEN_SHAPES;
pub(crate) use raw::SuiteRaw;
pub(crate) use spec::*;
pub(crate) use template::{Scope, Template, TemplateError, value_text};
