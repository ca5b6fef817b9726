//! The `metrics` kind, both ways.

use crate::harness::Harden;

#[test]
fn healthy_metrics_pass_lint_and_counters_move() {
    let out = Harden::check("fixtures/suites/metrics/healthy.yaml").run();
    assert_eq!(out.code, 0, "{out}");
    let r = out.results();
    let grew = r["suites"][0]["checks"][0]["assertions"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        grew["property"],
        "`orchestrator_conversations_total` after the action"
    );
    assert_eq!(grew["actual"], "0 -> 1");
}

#[test]
fn missing_family_fails() {
    let out = Harden::check("fixtures/suites/metrics/missing.yaml").run();
    assert_eq!(out.code, 1, "{out}");
    let (status, message) = out.check("orchestrator-metrics");
    assert_eq!(status, "fail");
    assert_eq!(
        message,
        "family `orchestrator_conversations_total`: expected present, type counter, got absent"
    );
}

#[test]
fn malformed_exposition_fails_with_its_line() {
    let out = Harden::check("fixtures/suites/metrics/malformed.yaml").run();
    assert_eq!(out.code, 1, "{out}");
    let (status, message) = out.check("orchestrator-metrics");
    assert_eq!(status, "fail");
    assert!(
        message.starts_with(
            "GET /metrics: expected a valid exposition (OpenMetrics or Prometheus text), got Prometheus text 0.0.4 line "
        ),
        "{message}"
    );
    assert!(
        message.ends_with(": expected `,` or `}` after a label"),
        "{message}"
    );
}
