//! `harden completions SHELL` and `harden man`, both generated from the clap definition,
//! so they can never disagree with `--help`.

use crate::cli::Cli;
use crate::error::{
    EXIT_FAILED, EXIT_INSTANCE, EXIT_INTERRUPTED, EXIT_OK, EXIT_REPORT, EXIT_USAGE, Error,
};
use clap::CommandFactory;
use std::io::Write;

pub(crate) fn completions(shell: clap_complete::Shell) -> Result<u8, Error> {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "harden", &mut std::io::stdout());
    Ok(EXIT_OK)
}

/// One complete page: the top page, then a section for each subcommand with its synopsis,
/// description and options, then the exit codes. No `harden-check(1)` page is referred to,
/// since none is installed.
pub(crate) fn man() -> Result<u8, Error> {
    let page = man_page().map_err(|e| Error::io("write the man page", &e))?;
    std::io::stdout()
        .write_all(page.as_bytes())
        .map_err(|e| Error::io("write the man page", &e))?;
    Ok(EXIT_OK)
}

fn man_page() -> std::io::Result<String> {
    let mut cmd = Cli::command();
    cmd.build();
    let top = clap_mangen::Man::new(cmd.clone());
    let mut out = Vec::new();
    top.render_title(&mut out)?;
    top.render_name_section(&mut out)?;
    top.render_synopsis_section(&mut out)?;
    top.render_description_section(&mut out)?;
    top.render_options_section(&mut out)?;
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("harden {}", sub.get_name());
        let man = clap_mangen::Man::new(sub.clone().bin_name(name.clone()));
        writeln!(out, ".SH \"{}\"", name.to_uppercase())?;
        let mut part = Vec::new();
        man.render_synopsis_section(&mut part)?;
        man.render_description_section(&mut part)?;
        man.render_options_section(&mut part)?;
        // The subcommand's own sections become subsections of its section.
        let part = String::from_utf8_lossy(&part).replace(".SH ", ".SS ");
        out.extend_from_slice(part.as_bytes());
    }
    writeln!(out, ".SH \"EXIT STATUS\"")?;
    for (code, meaning) in EXIT_CODES {
        writeln!(out, ".TP\n{code}\n{meaning}")?;
    }
    top.render_version_section(&mut out)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// The exit codes as the README's table says them.
const EXIT_CODES: [(u8, &str); 6] = [
    (EXIT_OK, "every gate passed"),
    (
        EXIT_FAILED,
        "a gate failed: a critical check failed, a check failed or errored (without \\-\\-min\\-score), the score is below \\-\\-min\\-score, or it regressed more than \\-\\-max\\-regression",
    ),
    (
        EXIT_USAGE,
        "usage error or invalid suite (nothing was started)",
    ),
    (
        EXIT_INSTANCE,
        "the service could not start, never became ready, or died during the run; for harden init, the service or the document's URL did not give the OpenAPI document",
    ),
    (
        EXIT_REPORT,
        "a report could not be written, nor a file harden needs (a temporary directory, \\-\\-log\\-dir), or harden's runtime could not start",
    ),
    (EXIT_INTERRUPTED, "interrupted by Ctrl-C or SIGTERM"),
];
