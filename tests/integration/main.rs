//! Integration tests: the real `harden` binary against the real fixture service on
//! 127.0.0.1. One module per area.

mod harness;

mod code;
mod command;
mod dependency;
mod examples;
mod health;
mod http;
mod instance;
mod load;
mod logs;
mod metrics;
mod rate_limit;
mod reference;
mod reports;
mod score;
mod security;
mod suites;
