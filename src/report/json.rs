//! The results JSON (`--json`): the run report plus the score. Documented in
//! docs/results-json.md; everything else can be re-rendered from it.

use crate::report::{RunReport, Score};
use serde::Serialize;

pub(crate) fn render(report: &RunReport, score: &Score) -> String {
    #[derive(Serialize)]
    struct View<'a> {
        score: &'a Score,
        #[serde(flatten)]
        report: &'a RunReport,
    }
    let mut text = serde_json::to_string_pretty(&View { score, report })
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}
