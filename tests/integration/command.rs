//! The `command` kind, both ways.

use crate::harness::Harden;

fn junit_run(source: &str) -> crate::harness::Output {
    let h = Harden::check("fixtures/suites/command/junit.yaml");
    let report = h.path("report.xml");
    h.args([
        "--var",
        &format!("report={report}"),
        "--var",
        &format!("source={source}"),
    ])
    .run()
}

#[test]
fn passing_junit_passes() {
    let out = junit_run("passing.xml");
    assert_eq!(out.code, 0, "{out}");
    let r = out.results();
    assert_eq!(
        r["suites"][0]["checks"][0]["note"],
        "4 tests: 3 passed, 0 failed, 0 errors, 1 skipped"
    );
}

#[test]
fn collection_errors_and_failures_are_named() {
    let out = junit_run("collection-errors.xml");
    assert_eq!(out.code, 1, "{out}");
    let (status, message) = out.check("tests-pass");
    assert_eq!(status, "fail");
    assert_eq!(
        message,
        "errors (collection errors included): expected 0, got 2: tests.test_analytics, tests.test_logging (and 1 more)"
    );
    let r = out.results();
    assert_eq!(
        r["suites"][0]["checks"][0]["score"], 4.0,
        "a test suite scores its pass rate"
    );
    let rate = &r["suites"][0]["checks"][0]["assertions"][1];
    assert_eq!(
        rate["actual"],
        "40.0% (2 of 5); failed: tests.test_api::test_next_phase"
    );
}

#[test]
fn exit_code_and_output_patterns_both_ways() {
    let out = Harden::check("fixtures/suites/command/exit.yaml").run();
    assert_eq!(out.code, 1, "{out}");
    assert_eq!(out.status_of("validate-suites"), "pass");
    let (status, message) = out.check("failing-command");
    assert_eq!(status, "fail");
    assert_eq!(
        message,
        "exit code: expected 0, got 4 (last output: `collected 0 items / 9 errors`) (and 1 more)"
    );
}

#[test]
fn a_stale_report_is_not_trusted() {
    let h = Harden::check("fixtures/suites/command/junit.yaml");
    let report = h.dir.path().join("old.xml");
    std::fs::copy(
        crate::harness::repo().join("fixtures/projects/junit/passing.xml"),
        &report,
    )
    .unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&report)
        .unwrap()
        .set_modified(old)
        .unwrap();
    // `true` writes nothing, so the report on disk is an old one.
    let suite = h.dir.path().join("stale.yaml");
    std::fs::write(&suite, format!("suite: stale\nchecks:\n  - id: tests-pass\n    command: {{ run: [\"true\"], junit: \"{}\" }}\n", report.display())).unwrap();
    let json = h.path("results.json");
    let out = Harden::new()
        .args(["check", &suite.display().to_string(), "--json", &json])
        .run();
    assert_eq!(out.code, 1, "{out}");
    let _ = h;
}

/// Preflight checks (dependency, code, command) run through the same attempt path as the
/// others: they honour `retries` and `--fail-fast`.
#[test]
fn preflight_checks_honour_retries_and_fail_fast() {
    let out = Harden::check_yaml(
        "suite: pre\nchecks:\n  - id: cannot-run\n    retries: 2\n    command: { run: [\"./no-such-program\"], exit: 0 }\n",
    )
    .run();
    assert_eq!(out.code, 1, "{out}");
    assert_eq!(out.status_of("cannot-run"), "error", "{out}");
    assert_eq!(out.stdout.matches("RETRY").count(), 2, "{out}");
    assert_eq!(
        out.results()["suites"][0]["checks"][0]["attempts"],
        3,
        "{out}"
    );

    let out = Harden::check_yaml(
        "suite: pre\nchecks:\n  - id: fails\n    command: { run: [\"false\"], exit: 0 }\n  - id: never-runs\n    command: { run: [\"true\"], exit: 0 }\n",
    )
    .args(["--fail-fast"])
    .run();
    assert_eq!(out.code, 1, "{out}");
    assert_eq!(out.status_of("fails"), "fail", "{out}");
    assert_eq!(out.status_of("never-runs"), "skip", "{out}");
}

/// A ruff SARIF report (tests/data/sarif) gates by rule and level, and each failing
/// finding is annotated on GitHub at its own file and line.
#[test]
fn sarif_findings_gate_by_budget_and_are_annotated_where_they_are() {
    let sarif = crate::harness::repo().join("tests/data/sarif/ruff-0.17.6.sarif");
    let suite = |budgets: &str| {
        format!(
            "suite: lint\nchecks:\n  - id: ruff\n    command:\n      run: [\"cp\", \"{}\", \"ruff.sarif\"]\n      sarif: ruff.sarif\n      budgets: {budgets}\n",
            sarif.display()
        )
    };
    let out = Harden::check_yaml(&suite("{ BLE001: 1, S110: 1 }"))
        .env("GITHUB_ACTIONS", "true")
        .run();
    assert_eq!(out.code, 1, "{out}");
    let (status, message) = out.check("ruff");
    assert_eq!(status, "fail");
    assert_eq!(
        message,
        "findings `error`: expected at most 0, got 1: /src/project/app.py:13 DTZ003"
    );
    assert!(
        out.stdout.contains("::error file=/src/project/app.py,line=13,title=harden%3A ruff%3A DTZ003::`datetime.datetime.utcnow()` used"),
        "{out}"
    );
    let out = Harden::check_yaml(&suite("{ error: 3 }")).run();
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stdout
            .contains("3 findings (BLE001 1, DTZ003 1, S110 1)"),
        "{out}"
    );
}
