//! `harden report`: re-render and merge results JSON files (CI shards) into one report.

use crate::cli::ReportArgs;
use crate::commands::output;
use crate::error::Error;
use crate::report::{self, Terminal};

pub(crate) fn report(args: &ReportArgs) -> Result<u8, Error> {
    let parts = args
        .results
        .iter()
        .map(|p| report::read_results(p).map(|f| f.report))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::Usage(e.to_string()))?;
    let merged = report::merge(parts).map_err(|e| Error::Usage(e.to_string()))?;
    let baseline = output::load_baseline(&args.gates)?;
    let mut terminal = Terminal::new();
    terminal.print_results(&merged);
    output::finish(
        &merged,
        baseline.as_ref(),
        &mut terminal,
        &args.outputs,
        &args.gates,
        None,
    )
}
