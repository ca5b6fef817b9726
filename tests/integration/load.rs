//! The `load` kind, both ways.

use crate::harness::Harden;

#[test]
fn healthy_fixture_meets_the_latency_targets_and_reports_figures() {
    let out = Harden::check("fixtures/suites/load/latency.yaml").run();
    assert_eq!(out.code, 0, "{out}");
    let r = out.results();
    let note = r["suites"][0]["checks"][0]["note"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        note.starts_with("400 requests at concurrency 20 in "),
        "{note}"
    );
    assert!(
        note.contains("; p50 ") && note.ends_with("; 0 errors"),
        "{note}"
    );
}

#[test]
fn slow_endpoint_fails_the_p95_threshold() {
    let out = Harden::check("fixtures/suites/load/latency.yaml")
        .env("FIXTURE_FAULTS", "slow-endpoint=250ms")
        .run();
    assert_eq!(out.code, 1, "{out}");
    let (status, message) = out.check("get-run-latency");
    assert_eq!(status, "fail");
    // Every request waits 250ms, so the p95 is at least that (more on a busy machine).
    let got: f64 = message
        .strip_prefix("latency p95: expected <= 200ms, got ")
        .and_then(|rest| rest.split("ms").next())
        .and_then(|ms| ms.parse().ok())
        .unwrap_or_else(|| panic!("{message}"));
    assert!(got >= 250.0, "{message}");
    // The figures are in the report even though the check failed, and the load was
    // measured again before the failure counted.
    let check = &out.results()["suites"][0]["checks"][0];
    let note = check["note"].as_str().unwrap();
    assert!(note.contains(", p95 "), "{note}");
    assert!(note.ends_with("failed 3 of 3 measurements"), "{note}");
    assert_eq!(check["measurements"], 3, "{check:#}");
}
