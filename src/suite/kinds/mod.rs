//! The check kinds, each whole in one file: its keys as written (`…Raw`, whose doc
//! comments become the JSON Schema), its validated spec (`…Spec`, what the runner sees),
//! and its validator (an `impl Validator` method). What several kinds share is beside
//! them: the request grammar (`suite/request.rs`), the expect grammar (`suite/expect.rs`),
//! and durations, sizes, rates, regexes and templates (`suite/validator.rs`).

mod code;
mod command;
mod dependency;
mod health;
mod http;
mod load;
mod logs;
mod metrics;
mod openapi;
mod rate_limit;
mod security;
mod security_discover;

pub(crate) use code::*;
pub(crate) use command::*;
pub(crate) use dependency::*;
pub(crate) use health::*;
pub(crate) use http::*;
pub(crate) use load::*;
pub(crate) use logs::*;
pub(crate) use metrics::*;
pub(crate) use openapi::*;
pub(crate) use rate_limit::*;
pub(crate) use security::*;
pub(crate) use security_discover::*;
