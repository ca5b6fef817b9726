//! One file per check kind: the validator of its keys.

mod code;
mod command;
mod dependency;
mod health;
mod load_probe;
mod logs;
mod metrics;
mod openapi;
mod rate_limit;
mod security;
