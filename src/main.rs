//! The `harden` binary.

fn main() -> std::process::ExitCode {
    harden::run(std::env::args_os())
}
