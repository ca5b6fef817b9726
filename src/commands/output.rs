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
    let markdown = report::render_markdown(report, &score, &verdict);
    if let Some(path) = &outputs.junit {
        let xml = report::render_junit(report, &score, outputs.junit_format).map_err(|reason| {
            Error::Report {
                what: "JUnit report",
                path: path.display().to_string(),
                reason,
            }
        })?;
        report::write_atomic("JUnit report", path, &xml)?;
    }
    if let Some(path) = &outputs.json {
        report::write_atomic(
            "results JSON",
            path,
            &report::render_json(report, &score, &verdict),
        )?;
    }
    if let Some(path) = &outputs.badge {
        report::write_atomic("badge", path, &report::render_badge(&score, &verdict))?;
    }
    if let Some(path) = &outputs.markdown {
        report::write_atomic("Markdown summary", path, &markdown)?;
    }
    if let Some(path) = &outputs.html {
        report::write_atomic(
            "HTML report",
            path,
            &report::render_html(report, &score, &verdict),
        )?;
    }
    report::publish_github(report, &markdown).map_err(|e| Error::Report {
        what: "GitHub step summary",
        path: "$GITHUB_STEP_SUMMARY".into(),
        reason: crate::reason::io(&e),
    })?;
    Ok(verdict.exit_code)
}
