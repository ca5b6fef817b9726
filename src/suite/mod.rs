//! Suite files: raw YAML types, validation, and the validated [`Suite`].

mod diagnostic;
mod expect;
mod kind;
mod kinds;
mod loader;
mod located;
mod presets;
mod raw;
mod request;
mod severity;
mod shapes;
mod shared;
mod spec;
mod template;
#[cfg(test)]
mod templated_fields;
mod timing;
mod validator;

pub(crate) use diagnostic::LoadErrors;
pub(crate) use expect::*;
pub(crate) use kind::CheckKind;
pub(crate) use kinds::*;
pub(crate) use loader::load;
#[cfg(any(test, feature = "bench-internals"))]
pub(crate) use loader::load_str;
pub(crate) use presets::TOKEN_SHAPES;
pub(crate) use raw::SuiteRaw;
pub(crate) use request::*;
pub(crate) use severity::Severity;
pub(crate) use shared::SharedStr;
pub(crate) use spec::*;
pub(crate) use template::{RUN_ID, Scope, Template, TemplateError, value_text};
pub(crate) use timing::{FlakyRule, MAX_REMEASURE, TimingSpec};
pub(crate) use validator::MAX_DURATION;
