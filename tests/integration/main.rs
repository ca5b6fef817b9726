//! Integration tests: the real `harden` binary against the real fixture service on
//! 127.0.0.1. One module per area.

mod harness;

mod http;
mod instance;
mod reference;
mod reports;
mod suites;
