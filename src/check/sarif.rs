//! SARIF 2.1.0, as ruff, eslint, bandit, semgrep and gitleaks write it: the findings of a
//! linter a `command` check ran, counted against budgets by rule id and level, each one
//! kept with its file and line for the reports and GitHub annotations.

use crate::check::outcome::{Assertion, Finding};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::SystemTime;

/// Findings listed in an assertion at most; all of them are in `findings`.
const LISTED: usize = 10;

pub(crate) struct SarifOutcome {
    pub assertions: Vec<Assertion>,
    pub findings: Vec<Finding>,
    pub note: String,
    /// Budgets held / budgets.
    pub proportion: f64,
}

/// One result of a run, with its rule and level.
struct SarifResult {
    finding: Finding,
    level: String,
}

pub(crate) fn evaluate(
    path: &Path,
    started: SystemTime,
    budgets: &[(String, u64)],
) -> Result<SarifOutcome, String> {
    let fresh = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .is_ok_and(|m| m + std::time::Duration::from_secs(1) >= started);
    let doc: Value = crate::read::json(path, crate::read::CHECKED_FILE).map_err(|e| match e {
        crate::read::JsonError::Read(e) => e.to_string(),
        crate::read::JsonError::Parse(e) => format!("not JSON: {e}"),
    })?;
    if !fresh {
        return Err("an older file (not written by this run)".into());
    }
    if doc.get("version").and_then(Value::as_str) != Some("2.1.0") {
        return Err("not SARIF 2.1.0 (`version` is not \"2.1.0\")".into());
    }
    let results = read_results(&doc)?;
    Ok(judge(&results, budgets))
}

fn read_results(doc: &Value) -> Result<Vec<SarifResult>, String> {
    let runs = doc
        .get("runs")
        .and_then(Value::as_array)
        .ok_or("no `runs` array")?;
    let here = std::env::current_dir().unwrap_or_default();
    let mut out = Vec::new();
    for run in runs {
        // A rule's default level, when a result has none of its own.
        let mut rule_levels: BTreeMap<String, String> = BTreeMap::new();
        for rule in run
            .pointer("/tool/driver/rules")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let (Some(id), Some(level)) = (
                rule.get("id").and_then(Value::as_str),
                rule.pointer("/defaultConfiguration/level")
                    .and_then(Value::as_str),
            ) {
                rule_levels.insert(id.to_string(), level.to_string());
            }
        }
        for r in run
            .get("results")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let rule = r
                .get("ruleId")
                .and_then(Value::as_str)
                .or_else(|| r.pointer("/rule/id").and_then(Value::as_str))
                .unwrap_or("(no rule)")
                .to_string();
            let level = r
                .get("level")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| rule_levels.get(&rule).cloned())
                .unwrap_or_else(|| "warning".into());
            let loc = r.pointer("/locations/0/physicalLocation");
            let uri = loc
                .and_then(|l| l.pointer("/artifactLocation/uri"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let file = shown_path(uri, &here);
            let line = loc
                .and_then(|l| l.pointer("/region/startLine"))
                .and_then(Value::as_u64)
                .unwrap_or(1);
            let message = r
                .pointer("/message/text")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            out.push(SarifResult {
                finding: Finding {
                    file,
                    line,
                    rule,
                    message,
                },
                level,
            });
        }
    }
    Ok(out)
}

/// A `file://` URI (or a path) relative to the working directory when it is inside it,
/// which is how CI annotates files.
fn shown_path(uri: &str, here: &Path) -> String {
    let path = uri.strip_prefix("file://").unwrap_or(uri);
    let decoded = percent_decode(path);
    Path::new(&decoded)
        .strip_prefix(here)
        .map(|p| p.display().to_string())
        .unwrap_or(decoded)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Counts the results against their budgets.
fn judge(results: &[SarifResult], budgets: &[(String, u64)]) -> SarifOutcome {
    // Which budget each result counts against: its rule's, its level's, or the default.
    let key = |r: &SarifResult| -> (String, Option<u64>) {
        if let Some((k, max)) = budgets.iter().find(|(k, _)| *k == r.finding.rule) {
            return (k.clone(), Some(*max));
        }
        if let Some((k, max)) = budgets.iter().find(|(k, _)| *k == r.level) {
            return (k.clone(), Some(*max));
        }
        match r.level.as_str() {
            "error" | "warning" => (r.level.clone(), Some(0)),
            _ => (r.level.clone(), None),
        }
    };
    let mut groups: BTreeMap<String, (Option<u64>, Vec<&SarifResult>)> = BTreeMap::new();
    for (k, max) in budgets {
        groups.entry(k.clone()).or_insert((Some(*max), Vec::new()));
    }
    for r in results {
        let (k, max) = key(r);
        groups.entry(k).or_insert((max, Vec::new())).1.push(r);
    }
    let mut assertions = Vec::new();
    let mut failing = Vec::new();
    let (mut held, mut total) = (0usize, 0usize);
    for (k, (max, hits)) in &groups {
        let Some(max) = max else { continue };
        total += 1;
        let ok = hits.len() as u64 <= *max;
        held += usize::from(ok);
        let listed: Vec<String> = hits
            .iter()
            .take(LISTED)
            .map(|r| format!("{}:{} {}", r.finding.file, r.finding.line, r.finding.rule))
            .collect();
        let more = hits.len().saturating_sub(LISTED);
        let actual = if hits.is_empty() {
            "none".to_string()
        } else if more > 0 {
            format!("{}: {} and {more} more", hits.len(), listed.join(", "))
        } else {
            format!("{}: {}", hits.len(), listed.join(", "))
        };
        assertions.push(Assertion::new(
            format!("findings `{k}`"),
            format!("at most {max}"),
            actual,
            ok,
        ));
        if !ok {
            failing.extend(hits.iter().map(|r| r.finding.clone()));
        }
    }
    let by_rule: BTreeMap<&str, usize> = results.iter().fold(BTreeMap::new(), |mut m, r| {
        *m.entry(r.finding.rule.as_str()).or_default() += 1;
        m
    });
    let note = format!(
        "{}{}",
        crate::text::plural(results.len(), "finding"),
        if by_rule.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                by_rule
                    .iter()
                    .map(|(r, n)| format!("{r} {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    SarifOutcome {
        assertions,
        findings: failing,
        note,
        proportion: if total == 0 {
            1.0
        } else {
            held as f64 / total as f64
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ruff() -> Vec<SarifResult> {
        let text = include_str!("../../tests/data/sarif/ruff-0.17.6.sarif");
        read_results(&serde_json::from_str(text).unwrap()).unwrap()
    }

    #[test]
    fn ruff_findings_are_read_with_rule_level_file_and_line() {
        let r = ruff();
        let seen: Vec<(String, &str, String, u64)> = r
            .iter()
            .map(|r| {
                (
                    r.finding.rule.clone(),
                    r.level.as_str(),
                    r.finding.file.clone(),
                    r.finding.line,
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("S110".into(), "error", "/src/project/app.py".into(), 8),
                ("BLE001".into(), "error", "/src/project/app.py".into(), 8),
                ("DTZ003".into(), "error", "/src/project/app.py".into(), 13),
            ]
        );
    }

    #[test]
    fn budgets_by_rule_then_level_then_none_for_errors() {
        // Default: no error or warning allowed.
        let o = judge(&ruff(), &[]);
        assert_eq!(o.findings.len(), 3);
        assert!(
            o.assertions
                .iter()
                .any(|a| !a.passed && a.property == "findings `error`")
        );
        // A rule's budget takes its findings out of the level's.
        let o = judge(
            &ruff(),
            &[
                ("BLE001".into(), 1),
                ("S110".into(), 1),
                ("error".into(), 0),
            ],
        );
        let failed: Vec<&str> = crate::check::failed_assertions(&o.assertions)
            .map(|a| a.property.as_str())
            .collect();
        assert_eq!(
            failed,
            ["findings `error`"],
            "DTZ003 is over the error budget"
        );
        assert_eq!(o.findings.len(), 1);
        assert_eq!(o.findings[0].rule, "DTZ003");
        assert!((o.proportion - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(o.note, "3 findings (BLE001 1, DTZ003 1, S110 1)");
    }

    #[test]
    fn file_uris_are_shown_relative_to_the_working_directory() {
        let here = Path::new("/src/project");
        assert_eq!(
            shown_path("file:///src/project/app%20x.py", here),
            "app x.py"
        );
        assert_eq!(
            shown_path("file:///elsewhere/a.py", here),
            "/elsewhere/a.py"
        );
        assert_eq!(shown_path("lib/b.py", here), "lib/b.py");
    }
}
