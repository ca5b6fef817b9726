//! `harden check`: run the suites, write the reports, decide the exit code.

use crate::cli::CheckArgs;
use crate::commands::output;
use crate::commands::suites;
use crate::error::{self, Error};
use crate::report::{Recorder, Terminal};
use crate::runner::{self, EventSink, Interrupts, RunOptions};

pub(crate) fn check(args: &CheckArgs) -> Result<u8, Error> {
    let paths = suites::resolve(&args.suite.suites)?;
    // Every suite is validated before anything is started.
    let suites = suites::load_all(&paths, &args.suite.vars)?;
    let baseline = output::load_baseline(&args.gates)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Usage(format!("cannot start the async runtime: {e}")))?;
    let log_dir_tmp;
    let log_dir = match &args.log_dir {
        Some(d) => {
            std::fs::create_dir_all(d).map_err(|e| {
                Error::Usage(format!(
                    "cannot create `{}`: {}",
                    d.display(),
                    error::io_reason(&e)
                ))
            })?;
            d.clone()
        }
        None => {
            log_dir_tmp = tempfile::Builder::new()
                .prefix("harden-logs-")
                .tempdir()
                .map_err(|e| {
                    Error::Usage(format!(
                        "cannot create a temporary directory: {}",
                        error::io_reason(&e)
                    ))
                })?;
            log_dir_tmp.path().to_path_buf()
        }
    };
    let started = std::time::Instant::now();
    let mut terminal = Terminal::new();
    let mut recorder = Recorder::new();
    let mut interrupted = false;
    rt.block_on(async {
        let interrupts = Interrupts::install();
        for suite in &suites {
            let opts = RunOptions {
                jobs: args.jobs as usize,
                filters: args.filter.clone(),
                partition: args.partition,
                fail_fast: args.fail_fast,
                deadline: args.timeout.map(|t| started + t),
                log_dir: log_dir.join(&suite.name),
            };
            let _ = std::fs::create_dir_all(&opts.log_dir);
            let sinks: Vec<&mut dyn EventSink> = vec![&mut terminal, &mut recorder];
            let end = runner::run_suite(suite, &opts, &interrupts, sinks).await;
            if end.interrupted {
                interrupted = true;
                break;
            }
        }
    });
    rt.shutdown_timeout(std::time::Duration::from_secs(1));
    let report = recorder.finish(interrupted);
    output::finish(
        &report,
        baseline.as_ref(),
        &mut terminal,
        &args.outputs,
        &args.gates,
    )
}
