//! `harden completions SHELL` and `harden man`, both generated from the clap definition,
//! so they can never disagree with `--help`.

use crate::cli::Cli;
use crate::error::{EXIT_OK, Error};
use clap::CommandFactory;

pub(crate) fn completions(shell: clap_complete::Shell) -> Result<u8, Error> {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "harden", &mut std::io::stdout());
    Ok(EXIT_OK)
}

pub(crate) fn man() -> Result<u8, Error> {
    let cmd = Cli::command();
    clap_mangen::Man::new(cmd)
        .render(&mut std::io::stdout())
        .map_err(|e| Error::io("write the man page", &e))?;
    Ok(EXIT_OK)
}
