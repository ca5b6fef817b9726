//! Outputs pinned by snapshots: the terminal, JUnit, results JSON and Markdown of
//! representative runs, with times, ports, pids and paths filtered out. One test per
//! output, so one change shows every output it moves.

use crate::harness::{Harden, Output, repo};

fn filters() -> Vec<(String, &'static str)> {
    let repo = regex::escape(&repo().display().to_string());
    vec![
        (repo, "[REPO]"),
        (r"/tmp/\.tmp\w+".into(), "[TMP]"),
        (r"127\.0\.0\.1:\d+".into(), "127.0.0.1:[PORT]"),
        (r"--port \d+".into(), "--port [PORT]"),
        (r"port \d+".into(), "port [PORT]"),
        (r"pid \d+".into(), "pid [PID]"),
        (r#""(pid|port)": \d+"#.into(), r#""$1": "[N]""#),
        (
            r#""(duration|duration_seconds|ready_after_seconds)": [0-9.e-]+"#.into(),
            r#""$1": "[SECONDS]""#,
        ),
        (
            r#""started_at": "[^"]+""#.into(),
            r#""started_at": "[TIME]""#,
        ),
        (r#"(time|timestamp)="[^"]+""#.into(), r#"$1="[TIME]""#),
        (
            r#"name="harden\.startup_seconds" value="[^"]+""#.into(),
            r#"name="harden.startup_seconds" value="[SECONDS]""#,
        ),
        (r"\d+(\.\d+)?(ms|µs|s)\b".into(), "[DURATION]"),
        (r"\(\d+\.\d+s\)".into(), "([DURATION])"),
        // The service's own log lines: how many readiness polls it logged varies.
        (r#"(?m)^(  \| )?\{"timestamp".*\n?"#.into(), ""),
        (r"last \d+ lines".into(), "last [N] lines"),
        (
            r"\.\.\. \d+ more like this".into(),
            "... [N] more like this",
        ),
        (
            r"(?s)<system-out>.*?</system-out>".into(),
            "<system-out>[SERVICE OUTPUT]</system-out>",
        ),
        (r#"(?m)^\s*"\{\\"timestamp.*\n"#.into(), ""),
        (
            r"service output \(last \d+ lines?\)".into(),
            "service output (last [N] lines)",
        ),
    ]
}

pub fn pinned(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    for (re, to) in filters() {
        settings.add_filter(&re, to);
    }
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

fn http_fail(extra: &[&str]) -> Output {
    let h = Harden::check("fixtures/suites/http/fail.yaml");
    let md = h.path("summary.md");
    h.args(["--jobs", "1", "--markdown", &md]).args(extra).run()
}

#[test]
fn failing_contracts_terminal() {
    let out = http_fail(&[]);
    assert_eq!(out.code, 1, "{out}");
    pinned("http_fail_terminal", &out.stdout);
}

#[test]
fn failing_contracts_junit() {
    pinned("http_fail_junit", &http_fail(&[]).file("junit.xml"));
}

#[test]
fn failing_contracts_junit_xunit() {
    pinned(
        "http_fail_junit_xunit",
        &http_fail(&["--junit-format", "xunit"]).file("junit.xml"),
    );
}

#[test]
fn failing_contracts_results_json() {
    pinned(
        "http_fail_results_json",
        &http_fail(&[]).file("results.json"),
    );
}

#[test]
fn failing_contracts_markdown() {
    pinned("http_fail_markdown", &http_fail(&[]).file("summary.md"));
}

#[test]
fn a_service_that_never_becomes_ready_terminal_and_junit() {
    let h = Harden::check("fixtures/suites/instance/never-ready.yaml");
    let html = h.path("report.html");
    let out = h.args(["--html", &html]).run();
    assert_eq!(out.code, 3, "{out}");
    pinned("never_ready_terminal", &out.stdout);
    pinned("never_ready_junit", &out.file("junit.xml"));
    // The HTML report is written too, with the failure and the service's last lines open.
    let page = out.file("report.html");
    assert!(
        page.contains("<strong>The service failed:</strong>"),
        "{page}"
    );
    assert!(
        page.contains("<details open><summary>service output (last "),
        "{page}"
    );
}
