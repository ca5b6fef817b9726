//! The `http` check kind, both ways: every assertion passing against the healthy fixture,
//! and each one failing; plus errors that are not failures.

use crate::harness::Harden;

#[test]
fn every_assertion_kind_passes_against_the_healthy_fixture() {
    let out = Harden::check("fixtures/suites/http/pass.yaml").run();
    assert_eq!(out.code, 0, "{out}");
    for id in [
        "status-headers-json-schema-body-latency",
        "status-class-and-range",
        "steps-capture-json-header-regex",
    ] {
        assert_eq!(out.status_of(id), "pass", "{id}\n{out}");
    }
}

#[test]
fn each_mismatch_is_a_failure_with_expected_and_actual() {
    let out = Harden::check("fixtures/suites/http/fail.yaml").run();
    assert_eq!(out.code, 1, "{out}");
    let expect = [
        ("wrong-status", "status: expected 404, got 200"),
        (
            "wrong-header",
            "header `content-type`: expected `text/html`, got application/json",
        ),
        (
            "wrong-json-value",
            "json `$`: expected {\"status\":\"degraded\",\"service\":\"orchestrator\"}",
        ),
        (
            "schema-violation",
            "schema `inline schema`: expected valid, got /: \"uptime\" is a required property",
        ),
        ("body-mismatch", "body: expected contains `unhealthy`"),
    ];
    for (id, message) in expect {
        let (status, got) = out.check(id);
        assert_eq!(status, "fail", "{id}: {got}\n{out}");
        assert!(
            got.contains(message),
            "{id}: `{got}` does not contain `{message}`"
        );
    }
}

/// A capture that finds nothing is an error (the check could not be evaluated), as
/// docs/checks/http.md says; one that finds its value passes it on.
#[test]
fn a_missing_capture_is_an_error_and_a_found_one_is_used() {
    let out = Harden::check("fixtures/suites/http/missing-capture.yaml").run();
    assert_eq!(out.code, 1, "{out}");
    let (status, message) = out.check("missing-capture");
    assert_eq!(status, "error", "{message}\n{out}");
    assert!(
        message.contains(
            "step 1: capture `nothing` found nothing (a value at `$.no_such_field`: no match), so the check could not be evaluated"
        ),
        "{message}"
    );
    assert_eq!(out.status_of("capture-found"), "pass", "{out}");
}

#[test]
fn json_mismatch_shows_a_unified_diff() {
    let out = Harden::check("fixtures/suites/http/fail.yaml")
        .args(["--filter", "wrong-json-value"])
        .run();
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.stdout.contains("-  \"status\": \"degraded\"")
            && out.stdout.contains("+  \"status\": \"healthy\""),
        "{out}"
    );
    let case = out.junit().case("wrong-json-value");
    assert!(
        case.text.contains("--- expected") && case.text.contains("+++ actual"),
        "{}",
        case.text
    );
}

#[test]
fn unreachable_service_is_an_error_not_a_failure_and_is_retried() {
    let out = Harden::check("fixtures/suites/http/unreachable.yaml").run();
    assert_eq!(out.code, 1, "{out}");
    let (status, message) = out.check("connection-refused");
    assert_eq!(status, "error");
    assert!(message.contains("connection failed"), "{message}");
    assert_eq!(
        out.results()["suites"][0]["checks"][0]["attempts"],
        3,
        "two retries after errors"
    );
    assert_eq!(out.junit().case("connection-refused").outcome, "error");
    assert_eq!(out.stdout.matches("RETRY").count(), 2, "{out}");
}

#[test]
fn latency_bound_fails_and_check_timeout_errors() {
    let out = Harden::check("fixtures/suites/http/slow.yaml").run();
    assert_eq!(out.code, 1, "{out}");
    let (status, message) = out.check("latency-bound");
    assert_eq!(status, "fail");
    assert!(
        message.starts_with("duration: expected <= 300ms"),
        "{message}"
    );
    let (status, message) = out.check("check-timeout");
    assert_eq!(status, "error");
    // Says what did not answer, and where the check is written.
    assert!(
        message.starts_with("timed out after 500ms waiting for GET http://127.0.0.1:"),
        "{message}"
    );
    assert!(
        message.contains("/runs/y (check `check-timeout`, ")
            && message.ends_with("fixtures/suites/http/slow.yaml:9)"),
        "{message}"
    );
}

#[test]
fn filter_selects_checks_and_fail_fast_skips_the_rest() {
    let out = Harden::check("fixtures/suites/http/fail.yaml")
        .args(["--filter", "wrong-*", "--jobs", "1", "--fail-fast"])
        .run();
    assert_eq!(out.code, 1, "{out}");
    let cases = out.junit().cases();
    let names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["wrong-status", "wrong-header", "wrong-json-value"],
        "filtered to `wrong-*`, in suite order"
    );
    assert_eq!(cases[0].outcome, "failure");
    assert!(
        cases[1..]
            .iter()
            .all(|c| c.outcome == "skipped" && c.message.contains("--fail-fast")),
        "{cases:#?}"
    );
    assert!(out.stdout.contains("2 filtered out"), "{out}");
}
