//! The OpenMetrics project's own parser test data, run when `OPENMETRICS_TESTDATA` names
//! a checkout's `tests/testdata/parsers` (github.com/prometheus/OpenMetrics, Apache-2.0).
//! The data is not part of harden; `tests/data/openmetrics/` holds our own cases for the
//! same rules, which always run.

use super::{Format, Parser};
use std::path::Path;

/// Whether harden's parser accepts `text` as OpenMetrics, and why not.
fn parse_om(text: &[u8]) -> Result<(), String> {
    let mut p = Parser::with_format(Format::OpenMetrics, Vec::new());
    p.feed(text).map_err(|e| e.to_string())?;
    p.finish().map(|_| ()).map_err(|e| e.to_string())
}

/// One official case: `(name, agrees, what harden said)`.
fn run_case(dir: &Path) -> Result<(String, bool, String), String> {
    let name = dir
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .to_string();
    let spec = std::fs::read_to_string(dir.join("test.json"))
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    let spec: serde_json::Value =
        serde_json::from_str(&spec).map_err(|e| format!("{name}/test.json: {e}"))?;
    let should_parse = spec["shouldParse"]
        .as_bool()
        .ok_or_else(|| format!("{name}/test.json: no `shouldParse`"))?;
    let file = spec["file"].as_str().unwrap_or("metrics");
    let text = std::fs::read(dir.join(file)).map_err(|e| format!("{name}/{file}: {e}"))?;
    let outcome = parse_om(&text);
    let said = match &outcome {
        Ok(()) => "accepted".to_string(),
        Err(e) => format!("rejected: {e}"),
    };
    Ok((name, outcome.is_ok() == should_parse, said))
}

#[test]
fn every_official_openmetrics_case_agrees() {
    let Some(root) = std::env::var_os("OPENMETRICS_TESTDATA") else {
        eprintln!(
            "skipped: set OPENMETRICS_TESTDATA to an OpenMetrics checkout's tests/testdata/parsers to run the official cases"
        );
        return;
    };
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("OPENMETRICS_TESTDATA is a readable folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("test.json").is_file())
        .collect();
    dirs.sort();
    assert!(
        !dirs.is_empty(),
        "no cases under {}",
        Path::new(&root).display()
    );
    let mut wrong = Vec::new();
    for dir in &dirs {
        let (name, agrees, said) = run_case(dir).expect("the case is readable");
        if !agrees {
            wrong.push(format!("{name}: {said}"));
        }
    }
    eprintln!(
        "OpenMetrics test data: {} of {} cases agree",
        dirs.len() - wrong.len(),
        dirs.len()
    );
    assert!(wrong.is_empty(), "disagreements:\n{}", wrong.join("\n"));
}
