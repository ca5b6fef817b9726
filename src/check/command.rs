//! The `command` check kind: run a command (a test collector, a linter) and assert on its
//! exit code, its output, or the JUnit file it writes: "100% of tests passing, no
//! collection errors", measured.

use crate::check::context::CheckContext;
use crate::check::outcome::{Assertion, CheckOutcome};
use crate::suite::{BodyPredicate, CommandSpec};
use std::path::Path;
use std::time::SystemTime;

pub(crate) async fn run(spec: &CommandSpec, cx: &CheckContext) -> CheckOutcome {
    let argv: Vec<String> = match spec.argv.iter().map(|t| t.expand_text(&cx.scope)).collect() {
        Ok(a) => a,
        Err(e) => return CheckOutcome::error(e),
    };
    let Some((program, args)) = argv.split_first() else {
        return CheckOutcome::error("the command is empty");
    };
    // Spawning in a missing directory fails as "not found", which would read as a
    // missing program: name the directory instead.
    if !spec.cwd.is_dir() {
        return CheckOutcome::error(format!(
            "working directory `{}` (cwd) does not exist, so `{program}` could not run",
            spec.cwd.display()
        ));
    }
    let mut cmd =
        tokio::process::Command::new(crate::instance::resolve_program(program, &spec.cwd));
    cmd.args(args).current_dir(&spec.cwd);
    for (k, v) in &spec.env {
        match v.expand_text(&cx.scope) {
            Ok(v) => {
                cmd.env(k, v);
            }
            Err(e) => return CheckOutcome::error(e),
        }
    }
    let started = SystemTime::now();
    let out = match crate::check::exec::run(cmd, cx.limits.command_output).await {
        Ok(o) => o,
        Err(e) => {
            return CheckOutcome::error(format!(
                "failed to run `{program}`: {}",
                crate::reason::io(&e)
            ));
        }
    };
    for (name, stream, asserted) in [
        ("stdout", &out.stdout, !spec.stdout.is_empty()),
        ("stderr", &out.stderr, !spec.stderr.is_empty()),
    ] {
        if stream.over && asserted {
            return CheckOutcome::error(format!(
                "`{program}` wrote more than the {} limit to {name}, so its assertions cannot be checked (raise `limits.command-output` in the suite)",
                crate::read::size(cx.limits.command_output)
            ));
        }
    }
    let stdout = out.stdout.text();
    let stderr = out.stderr.text();
    let mut a = Vec::new();
    let code = out.status.code();
    if let Some(want) = spec.exit {
        // The last words of stderr (where failures go), else of stdout.
        let last_line = |t: &str| {
            t.lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .map(str::to_string)
        };
        let last = last_line(&stderr)
            .or_else(|| last_line(&stdout))
            .unwrap_or_default();
        let actual = match code {
            Some(c) if last.is_empty() => c.to_string(),
            Some(c) => format!("{c} (last output: `{}`)", cx.redactor.cut(&last, 160)),
            None => format!("killed by a signal ({})", out.status),
        };
        a.push(Assertion::new(
            "exit code",
            want.to_string(),
            actual,
            code == Some(want),
        ));
    }
    match (
        output("stdout", &spec.stdout, &stdout, cx),
        output("stderr", &spec.stderr, &stderr, cx),
    ) {
        (Ok(x), Ok(y)) => a.extend(x.into_iter().chain(y)),
        (Err(e), _) | (_, Err(e)) => return CheckOutcome::error(e),
    }
    let mut note = None;
    let mut pass_rate = None;
    if let Some(path) = &spec.junit {
        let path = match path.expand_text(&cx.scope) {
            Ok(p) => spec.cwd.join(p),
            Err(e) => return CheckOutcome::error(e),
        };
        let (x, n, rate) = junit(&path, started, spec.min_pass_rate);
        a.extend(x);
        note = n;
        pass_rate = rate;
    }
    let mut findings = Vec::new();
    if let Some(path) = &spec.sarif {
        let path = match path.expand_text(&cx.scope) {
            Ok(p) => spec.cwd.join(p),
            Err(e) => return CheckOutcome::error(e),
        };
        match crate::check::sarif::evaluate(&path, started, &spec.budgets) {
            Ok(s) => {
                a.extend(s.assertions);
                note = Some(s.note);
                findings = s.findings;
                pass_rate = pass_rate.or(Some(s.proportion));
            }
            Err(e) => a.push(Assertion::new(
                format!("sarif `{}`", path.display()),
                "written by the command",
                e,
                false,
            )),
        }
    }
    let mut o = CheckOutcome::from_assertions(a, None);
    o.note = note;
    // A test suite scores its pass rate: 55 of 57 passing is not the same as none.
    o.proportion = pass_rate;
    if o.status != crate::check::Status::Pass {
        o.findings = findings;
    }
    o
}

/// Assertions on one output stream, showing its last lines.
fn output(
    label: &str,
    preds: &[BodyPredicate],
    text: &str,
    cx: &CheckContext,
) -> Result<Vec<Assertion>, String> {
    let tail: Vec<&str> = text
        .lines()
        .rev()
        .take(3)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let shown = if text.is_empty() {
        "(empty)".to_string()
    } else {
        // Masked before it is cut: a secret is never shown in half.
        format!("…`{}`", cx.redactor.cut(&tail.join(" | "), 200))
    };
    crate::check::http::text_assertions(label, preds, text, &shown, &cx.scope).map(|(a, _)| a)
}

/// Test counts read from a JUnit file.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Tally {
    pub total: usize,
    pub failed: Vec<String>,
    pub errored: Vec<String>,
    pub skipped: usize,
}

/// Reads `<testcase>` elements; suite-level errors (collection errors that produced no
/// test case) count as errors too.
pub(crate) fn tally(xml: &str) -> Result<Tally, String> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| format!("not well-formed XML: {e}"))?;
    let mut t = Tally::default();
    for case in doc.descendants().filter(|n| n.has_tag_name("testcase")) {
        t.total += 1;
        let name = match case.attribute("classname").filter(|c| !c.is_empty()) {
            Some(c) => format!("{c}::{}", case.attribute("name").unwrap_or("?")),
            None => case.attribute("name").unwrap_or("?").to_string(),
        };
        let child = |tag: &str| case.children().any(|c| c.has_tag_name(tag));
        if child("error") {
            t.errored.push(name);
        } else if child("failure") {
            t.failed.push(name);
        } else if child("skipped") {
            t.skipped += 1;
        }
    }
    for suite in doc.descendants().filter(|n| n.has_tag_name("testsuite")) {
        let declared: usize = suite
            .attribute("errors")
            .and_then(|e| e.parse().ok())
            .unwrap_or(0);
        let seen = suite
            .children()
            .filter(|c| c.has_tag_name("testcase") && c.children().any(|x| x.has_tag_name("error")))
            .count();
        for i in seen..declared {
            t.errored.push(format!(
                "{} (error {} without a test case)",
                suite.attribute("name").unwrap_or("testsuite"),
                i + 1
            ));
        }
    }
    Ok(t)
}

/// Assertions, the note, and the pass rate (when the report could be read).
fn junit(
    path: &Path,
    started: SystemTime,
    min_rate: f64,
) -> (Vec<Assertion>, Option<String>, Option<f64>) {
    let prop = format!("junit `{}`", path.display());
    let fresh = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .is_ok_and(|m| m + std::time::Duration::from_secs(1) >= started);
    let xml = match crate::read::text(path, crate::read::CHECKED_FILE) {
        Ok(x) if fresh => x,
        Ok(_) => {
            return (
                vec![Assertion::new(
                    prop,
                    "written by the command",
                    "an older file (not written by this run)",
                    false,
                )],
                None,
                None,
            );
        }
        Err(e) => {
            return (
                vec![Assertion::new(
                    prop,
                    "written by the command",
                    e.to_string(),
                    false,
                )],
                None,
                None,
            );
        }
    };
    let t = match tally(&xml) {
        Ok(t) => t,
        Err(e) => {
            return (
                vec![Assertion::new(prop, "a JUnit report", e, false)],
                None,
                None,
            );
        }
    };
    let counted = t.total - t.skipped;
    let passed = counted.saturating_sub(t.failed.len() + t.errored.len());
    let rate = if counted == 0 {
        0.0
    } else {
        passed as f64 / counted as f64
    };
    let names = |v: &[String]| {
        let shown: Vec<&str> = v.iter().map(String::as_str).collect();
        crate::text::short_list(&shown, 10)
    };
    let mut a = vec![Assertion::new(
        "errors (collection errors included)",
        "0",
        if t.errored.is_empty() {
            "0".to_string()
        } else {
            format!("{}: {}", t.errored.len(), names(&t.errored))
        },
        t.errored.is_empty(),
    )];
    a.push(Assertion::new(
        "pass rate",
        format!(">= {}%", min_rate * 100.0),
        if t.failed.is_empty() {
            format!("{:.1}% ({passed} of {counted})", rate * 100.0)
        } else {
            format!(
                "{:.1}% ({passed} of {counted}); failed: {}",
                rate * 100.0,
                names(&t.failed)
            )
        },
        counted > 0 && rate >= min_rate,
    ));
    let note = format!(
        "{} tests: {passed} passed, {} failed, {} errors, {} skipped",
        t.total,
        t.failed.len(),
        t.errored.len(),
        t.skipped
    );
    (a, Some(note), Some(rate))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pytest_collection_errors_and_failures_are_counted() {
        let xml = r#"<?xml version="1.0"?><testsuites><testsuite name="pytest" errors="2" failures="1" skipped="1" tests="5">
            <testcase classname="" name="tests.test_db"><error message="collection failure">ModuleNotFoundError: No module named 'duckdb'</error></testcase>
            <testcase classname="tests.test_api" name="test_create"/>
            <testcase classname="tests.test_api" name="test_next"><failure message="assert 404 == 200"/></testcase>
            <testcase classname="tests.test_api" name="test_slow"><skipped/></testcase>
            </testsuite></testsuites>"#;
        let t = tally(xml).unwrap();
        assert_eq!(t.total, 4);
        assert_eq!(t.failed, vec!["tests.test_api::test_next"]);
        assert_eq!(
            t.errored,
            vec![
                "tests.test_db".to_string(),
                "pytest (error 2 without a test case)".to_string()
            ]
        );
        assert_eq!(t.skipped, 1);
    }
}
