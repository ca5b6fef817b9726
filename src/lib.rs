//! harden: production-readiness checks for HTTP services, run in CI.
//!
//! `run` is the whole program; `main.rs` only calls it.

#![forbid(unsafe_code)]

mod check;
mod cli;
mod commands;
mod error;
// Test-only code lives under tests/unit/; it is compiled into the crate's unit tests
// because it drives crate internals.
#[cfg(test)]
#[path = "../tests/unit/fuzz.rs"]
mod fuzz;
mod http;
// The hot paths, for `benches/hot_paths.rs` only (the `bench-internals` feature).
mod instance;
#[cfg(feature = "bench-internals")]
#[doc(hidden)]
#[path = "../benches/internals.rs"]
pub mod internals;
mod openapi;
mod read;
mod reason;
mod redact;
mod report;
mod runner;
mod suggest;
mod suite;
mod text;

use clap::Parser;
use std::ffi::OsString;
use std::process::ExitCode;

/// Runs harden with these arguments and returns its exit code.
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let args: Vec<OsString> = args.into_iter().collect();
    // harden re-runs itself as the supervisor of each service it starts.
    if args.get(1).is_some_and(|a| a == instance::supervisor::ARG) {
        return ExitCode::from(instance::supervisor::main(&args[2..]));
    }
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                error::EXIT_USAGE
            } else {
                error::EXIT_OK
            });
        }
    };
    // Orphaned grandchildren of the service are re-parented to harden, so they can be
    // reaped and never linger as zombies (CI containers often have no reaping PID 1).
    #[cfg(target_os = "linux")]
    let _ = nix::sys::prctl::set_child_subreaper(true);
    let result = match &cli.command {
        cli::Command::Check(args) => commands::check(args),
        cli::Command::Validate(args) => commands::validate(args),
        cli::Command::List(args) => commands::list(args),
        cli::Command::Report(args) => commands::report(args),
        cli::Command::Schema { results } => commands::schema(*results),
        cli::Command::Init(args) => commands::init(args),
        cli::Command::Completions { shell } => commands::completions(*shell),
        cli::Command::Man => commands::man(),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let mut err = anstream::stderr();
            let _ = std::io::Write::write_fmt(&mut err, format_args!("error: {e}\n"));
            ExitCode::from(e.exit_code())
        }
    }
}
