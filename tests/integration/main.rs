//! Integration tests: the real `harden` binary against the real fixture service on
//! 127.0.0.1. One module per area.

mod harness;

mod ci_files;
mod code;
mod command;
mod conformance;
mod dependency;
mod examples;
mod exit_codes;
mod health;
mod hostile;
mod html;
mod http;
mod init;
mod install;
mod instance;
mod lifecycle;
mod limits;
mod load;
mod logs;
mod masking;
mod metrics;
mod openapi;
mod openapi_config;
mod openapi_faults;
mod python;
mod rate_limit;
mod reference;
mod reports;
mod requests;
mod score;
mod security;
mod shards;
mod snapshots;
mod suites;
mod tls;
mod trials;
