//! The results JSON (`--json`): the run report plus its score and verdict. Documented in
//! docs/results-json.md; everything else can be re-rendered from it (`harden report`).

use crate::report::{FORMAT_VERSION, RunReport, Score, Verdict};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub(crate) struct ResultsFile {
    pub score: Score,
    pub verdict: Verdict,
    #[serde(flatten)]
    pub report: RunReport,
}

#[cfg(any(test, feature = "bench-internals"))]
pub(crate) fn render(report: &RunReport, score: &Score, verdict: &Verdict) -> String {
    crate::report::write::to_string(|w| write(w, report, score, verdict))
}

/// The results file, written as it is serialized: the checks are read one at a time.
pub(crate) fn write(
    w: &mut dyn std::io::Write,
    report: &RunReport,
    score: &Score,
    verdict: &Verdict,
) -> std::io::Result<()> {
    #[derive(Serialize)]
    struct View<'a> {
        score: &'a Score,
        verdict: &'a Verdict,
        #[serde(flatten)]
        report: &'a RunReport,
    }
    let view = View {
        score,
        verdict,
        report,
    };
    serde_json::to_writer_pretty(&mut *w, &view).map_err(std::io::Error::other)?;
    w.write_all(b"\n")
}

/// Why a results file cannot be used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ResultsError {
    #[error("cannot read `{path}`: {why}")]
    Unreadable { path: String, why: String },
    #[error("`{path}` is not a harden results file: {why}")]
    NotResults { path: String, why: String },
    /// Written by a newer harden, in a format this one does not know.
    #[error(
        "`{path}` has results format {found}, newer than this harden understands ({FORMAT_VERSION})"
    )]
    TooNew { path: String, found: u32 },
}

/// Reads a results file written by this or an earlier version of harden.
pub(crate) fn read(path: &std::path::Path) -> Result<ResultsFile, ResultsError> {
    let shown = || path.display().to_string();
    let file: ResultsFile =
        crate::read::json(path, crate::read::RESULTS_FILE).map_err(|e| match e {
            crate::read::JsonError::Read(e) => ResultsError::Unreadable {
                path: shown(),
                why: e.to_string(),
            },
            crate::read::JsonError::Parse(e) => ResultsError::NotResults {
                path: shown(),
                why: e.to_string(),
            },
        })?;
    if file.report.format_version > FORMAT_VERSION {
        return Err(ResultsError::TooNew {
            path: shown(),
            found: file.report.format_version,
        });
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use crate::report::{GateOptions, compute_score, decide, sample};

    #[test]
    fn results_json_snapshot_and_round_trip() {
        let r = sample::report();
        let score = compute_score(&r);
        let verdict = decide(&r, &score, GateOptions::default(), None);
        let text = super::render(&r, &score, &verdict);
        insta::assert_snapshot!(text);
        let back: super::ResultsFile =
            serde_json::from_value(serde_json::from_str(&text).unwrap()).unwrap();
        assert_eq!(compute_score(&back.report), score);
        assert_eq!(back.verdict, verdict);
    }
}
