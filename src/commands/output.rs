//! What `harden check` and `harden report` share once a run is recorded: the score, the
//! gates, the terminal summary, and every requested report file.

use crate::cli::{GateArgs, OutputArgs};
use crate::error::Error;
use crate::report::{self, GateOptions, RunReport, Terminal};

/// Reads `--baseline`, before anything runs: a bad path is a usage error, not a lost run.
pub(crate) fn load_baseline(gates: &GateArgs) -> Result<Option<RunReport>, Error> {
    gates
        .baseline
        .as_ref()
        .map(|p| report::read_results(p).map(|f| f.report))
        .transpose()
        .map_err(|e| Error::Usage(e.to_string()))
}

/// Scores the run, decides the verdict, prints the summary and writes the reports.
/// Returns the exit code.
pub(crate) fn finish(
    report: &RunReport,
    baseline: Option<&RunReport>,
    terminal: &mut Terminal,
    outputs: &OutputArgs,
    gates: &GateArgs,
    partition: Option<(usize, usize)>,
) -> Result<u8, Error> {
    let score = report::compute_score(report);
    let comparison =
        baseline.map(|base| report::compare(base, &report::compute_score(base), report, &score));
    let opts = GateOptions {
        min_score: gates.min_score,
        max_regression: gates.max_regression,
        partition,
    };
    let verdict = report::decide(report, &score, opts, comparison);
    terminal.summary(report, &score, &verdict);
    // Each report is written as it is rendered, its checks read back one at a time.
    let io = |e: std::io::Error| crate::reason::io(&e);
    if let Some(path) = &outputs.junit {
        report::write_atomic_with("JUnit report", path, |w| {
            report::write_junit(w, report, &score, outputs.junit_format)?;
            intact(report)
        })?;
    }
    if let Some(path) = &outputs.json {
        report::write_atomic_with("results JSON", path, |w| {
            report::write_json(w, report, &score, &verdict).map_err(io)?;
            intact(report)
        })?;
    }
    if let Some(path) = &outputs.badge {
        report::write_atomic("badge", path, &report::render_badge(&score, &verdict))?;
    }
    if let Some(path) = &outputs.markdown {
        report::write_atomic_with("Markdown summary", path, |w| {
            report::write_markdown(w, report, &score, &verdict).map_err(io)?;
            intact(report)
        })?;
    }
    if let Some(path) = &outputs.html {
        report::write_atomic_with("HTML report", path, |w| {
            report::write_html(w, report, &score, &verdict).map_err(io)?;
            intact(report)
        })?;
    }
    report::publish_github(report, |w| {
        report::write_markdown(w, report, &score, &verdict)
    })
    .map_err(|e| Error::Report {
        what: "GitHub step summary",
        path: "$GITHUB_STEP_SUMMARY".into(),
        reason: crate::reason::io(&e),
    })?;
    Ok(verdict.exit_code)
}

/// A report is whole only if every check's outcome was kept and read back.
fn intact(report: &RunReport) -> Result<(), String> {
    match report.failure() {
        None => Ok(()),
        Some(why) => Err(format!(
            "the run's outcomes could not be kept for it: {why}"
        )),
    }
}
