//! `harden check`: run the suites, write the reports, decide the exit code.

use crate::check::Status;
use crate::cli::CheckArgs;
use crate::commands::suites;
use crate::error::{self, Error};
use crate::report::{self, Recorder, RunReport, Score, Terminal};
use crate::runner::{self, EventSink, Interrupts, RunOptions};

pub(crate) fn check(args: &CheckArgs) -> Result<u8, Error> {
    let paths = suites::resolve(&args.suite.suites)?;
    // Every suite is validated before anything is started.
    let suites = suites::load_all(&paths, &args.suite.vars)?;
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
    let score = report::compute_score(&report);
    let (code, verdict) = verdict(&report, &score);
    terminal.summary(&report, &score, &verdict, code == error::EXIT_OK);
    write_reports(args, &report, &score)?;
    Ok(code)
}

fn write_reports(args: &CheckArgs, report: &RunReport, score: &Score) -> Result<(), Error> {
    if let Some(path) = &args.junit {
        let xml = report::render_junit(report, score).map_err(|reason| Error::Report {
            what: "JUnit report",
            path: path.display().to_string(),
            reason,
        })?;
        report::write_atomic("JUnit report", path, &xml)?;
    }
    if let Some(path) = &args.json {
        report::write_atomic("results JSON", path, &report::render_json(report, score))?;
    }
    Ok(())
}

/// The exit code and the verdict line, naming what decided it.
pub(crate) fn verdict(report: &RunReport, score: &Score) -> (u8, String) {
    let not_passed: Vec<&str> = report
        .checks()
        .filter(|(_, c)| matches!(c.outcome.status, Status::Fail | Status::Error))
        .map(|(_, c)| c.info.id.as_str())
        .collect();
    let list = |ids: &[&str]| crate::text::short_list(ids, 5);
    if report.interrupted {
        return (
            error::EXIT_INTERRUPTED,
            "INTERRUPTED: the run was stopped before it finished; reports are partial".into(),
        );
    }
    if report.instance_failed() {
        let why = report
            .suites
            .iter()
            .find_map(|s| s.instance.as_ref().and_then(|i| i.failure.clone()))
            .unwrap_or_default();
        return (error::EXIT_INSTANCE, format!("NOT READY: {why}"));
    }
    if !score.blocking.is_empty() {
        let ids: Vec<&str> = score.blocking.iter().map(String::as_str).collect();
        return (
            error::EXIT_FAILED,
            format!("NOT READY: critical check failed: {}", list(&ids)),
        );
    }
    if !not_passed.is_empty() {
        let n = not_passed.len();
        return (
            error::EXIT_FAILED,
            format!(
                "NOT READY: {} did not pass: {}",
                crate::text::plural(n, "check"),
                list(&not_passed)
            ),
        );
    }
    if score.counted == 0 {
        return (error::EXIT_FAILED, "NOT READY: no check ran".into());
    }
    let all = if score.counted == 1 {
        "the only check passed".to_string()
    } else {
        format!("all {} checks passed", score.counted)
    };
    (error::EXIT_OK, format!("READY: {all}"))
}
