//! `harden check`: run the suites, write the reports, decide the exit code.

use crate::cli::CheckArgs;
use crate::commands::output;
use crate::commands::partition;
use crate::commands::suites;
use crate::error::Error;
use crate::report::{Recorder, Terminal};
use crate::runner::{self, ABORT_GRACE_CAP, Abort, EventSink, Interrupts, RunOptions};
use std::time::Duration;

/// After a second Ctrl-C, how long the run has to end by itself before harden writes the
/// reports from what it knows.
const KILL_NET: Duration = Duration::from_millis(400);
/// After a cancel, how much longer than the capped grace the run has to end by itself.
const CANCEL_NET: Duration = Duration::from_secs(2);

/// A `--filter` that selects no check of any suite is a mistake (a typo, a renamed
/// check), not a run with nothing to score: say so, with the closest id.
fn unmatched_filter(suites: &[crate::suite::Suite], filters: &[String]) -> Result<(), Error> {
    let ids: Vec<&str> = suites
        .iter()
        .flat_map(|s| s.checks.iter().map(|c| c.id.as_str()))
        .collect();
    if filters.is_empty() || ids.iter().any(|id| runner::matches_filter(id, filters)) {
        return Ok(());
    }
    let given: Vec<String> = filters.iter().map(|f| format!("`--filter {f}`")).collect();
    let closest = filters
        .iter()
        .find_map(|f| crate::suggest::closest(f, &ids))
        .map(|c| format!("did you mean `{c}`? "))
        .unwrap_or_default();
    let listed: Vec<String> = ids.iter().map(|id| format!("`{id}`")).collect();
    let listed: Vec<&str> = listed.iter().map(String::as_str).collect();
    Err(Error::Usage(format!(
        "{} {} no check\nhint: {closest}the checks are {} (`harden list` shows them all)",
        given.join(" and "),
        if given.len() == 1 { "matches" } else { "match" },
        crate::text::short_list(&listed, 8)
    )))
}

pub(crate) fn check(args: &CheckArgs) -> Result<u8, Error> {
    let paths = suites::resolve(&args.suite.suites)?;
    // Every suite is validated before anything is started.
    let suites = suites::load_all(&paths, &args.suite.vars)?;
    unmatched_filter(&suites, &args.filter)?;
    let baseline = output::load_baseline(&args.gates)?;
    let partition = partition::resolve(args.partition, |k| std::env::var(k).ok())?;
    let slice = partition.map(|p| (p.k, p.n));
    // One thread: checks wait on the network, not the CPU, and handing every response
    // between two worker threads cost about a quarter of harden's CPU per check (futex
    // wake-ups and context switches in the profile, docs/PERFORMANCE.md). Work that does
    // block (the `code` kind's scan) goes through `spawn_blocking`.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("start the async runtime", &e))?;
    let log_dir_tmp;
    let log_dir = match &args.log_dir {
        Some(d) => {
            std::fs::create_dir_all(d)
                .map_err(|e| Error::io(&format!("create `{}`", d.display()), &e))?;
            d.clone()
        }
        None => {
            log_dir_tmp = tempfile::Builder::new()
                .prefix("harden-logs-")
                .tempdir()
                .map_err(|e| Error::io("create a temporary directory", &e))?;
            log_dir_tmp.path().to_path_buf()
        }
    };
    let started = std::time::Instant::now();
    let deadline = args.timeout.and_then(|t| started.checked_add(t));
    let mut terminal = Terminal::new();
    terminal.set_partition(partition.map(|p| p.describe()));
    let mut recorder = Recorder::new();
    let mut interrupted = false;
    let mut abandoned = None;
    rt.block_on(async {
        let interrupts = Interrupts::install(deadline);
        let run = async {
            for suite in &suites {
                let opts = RunOptions {
                    jobs: args.jobs as usize,
                    filters: args.filter.clone(),
                    partition: slice,
                    fail_fast: args.fail_fast,
                    log_dir: log_dir.join(&suite.name),
                };
                let _ = std::fs::create_dir_all(&opts.log_dir);
                let sinks: Vec<&mut dyn EventSink> = vec![&mut terminal, &mut recorder];
                let end = runner::run_suite(suite, &opts, &interrupts, sinks).await;
                if end.interrupted || interrupts.interrupted() {
                    interrupted = true;
                    break;
                }
            }
        };
        // The run ends by itself within the grace once cancelled; should anything in it
        // not, this net still ends it, and the reports are written from what is known.
        let net = async {
            tokio::select! {
                _ = async {
                    interrupts.kill_now.cancelled().await;
                    tokio::time::sleep(KILL_NET).await;
                } => {}
                _ = async {
                    interrupts.cancel.cancelled().await;
                    tokio::time::sleep(ABORT_GRACE_CAP + CANCEL_NET).await;
                } => {}
            }
        };
        tokio::select! {
            _ = run => {}
            _ = net => abandoned = interrupts.aborted(),
        }
    });
    if let Some(why) = abandoned {
        // Dropping the runtime drops every instance, which kills its tree.
        rt.shutdown_background();
        interrupted = why == Abort::Interrupted;
        recorder.abandon(why.reason());
    } else {
        rt.shutdown_timeout(std::time::Duration::from_millis(500));
    }
    let report = recorder.finish(interrupted);
    output::finish(
        &report,
        baseline.as_ref(),
        &mut terminal,
        &args.outputs,
        &args.gates,
        slice,
    )
}
