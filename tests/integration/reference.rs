//! The reference suite (`checks/orchestrator.yaml`) against the healthy fixture and against
//! each fault it can see.

use crate::harness::Harden;

#[test]
fn healthy_fixture_passes_the_reference_suite() {
    let out = Harden::check("checks/orchestrator.yaml").run();
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.contains("verdict: READY"), "{out}");
    assert!(
        out.stdout
            .contains("score 100/100 (30 of 30 checks counted)"),
        "{out}"
    );
    let cases = out.junit().cases();
    assert_eq!(cases.len(), 30);
    assert!(cases.iter().all(|c| c.outcome == "pass"), "{cases:#?}");
}

/// Each fault the reference suite can see makes `harden check` exit 1 and names the check.
fn assert_fault_caught(fault: &str, failing: &[&str]) {
    let out = Harden::check("checks/orchestrator.yaml")
        .env("FIXTURE_FAULTS", fault)
        .run();
    assert_eq!(out.code, 1, "fault {fault}: {out}");
    for id in failing {
        assert_eq!(
            out.status_of(id),
            "fail",
            "fault {fault}: check {id}\n{out}"
        );
        assert!(
            out.stdout.contains(&format!("FAIL  {id}")),
            "fault {fault}: {out}"
        );
    }
    assert!(out.stdout.contains("verdict: NOT READY"), "{out}");
}

#[test]
fn wrong_status_fails_create_run() {
    assert_fault_caught("wrong-status", &["create-run"]);
}

#[test]
fn schema_drift_fails_the_contract_checks() {
    assert_fault_caught(
        "schema-drift",
        &["create-run", "get-run-contract", "phases-advance-in-order"],
    );
}

#[test]
fn auth_bypass_fails_the_auth_checks() {
    assert_fault_caught(
        "auth-bypass",
        &["create-run-requires-auth", "next-requires-auth"],
    );
}

#[test]
fn leak_500_fails_the_malformed_input_check() {
    let out = Harden::check("checks/orchestrator.yaml")
        .env("FIXTURE_FAULTS", "leak-500")
        .run();
    assert_eq!(out.code, 1, "{out}");
    assert_eq!(out.status_of("error-hygiene"), "fail");
    let case = out.junit().case("create-run-rejects-malformed-json");
    assert_eq!(case.outcome, "failure");
    assert!(
        case.text.contains("expected: 422") && case.text.contains("actual:   500"),
        "{}",
        case.text
    );
    assert!(
        case.text.contains("does not contain `Traceback`"),
        "{}",
        case.text
    );
}

#[test]
fn slow_endpoint_fails_the_load_check() {
    assert_fault_caught("slow-endpoint=300ms", &["get-run-latency"]);
}

#[test]
fn health_lies_fails_the_database_loss_check() {
    assert_fault_caught(
        "health-lies",
        &[
            "database-loss-is-reported",
            "ai-outage-is-degraded-not-down",
        ],
    );
}

#[test]
fn no_rate_limit_fails_the_rate_limit_probe() {
    assert_fault_caught("no-rate-limit", &["runs-api-rate-limited"]);
}

#[test]
fn missing_and_malformed_metrics_fail_the_metrics_check() {
    assert_fault_caught("metrics-missing", &["prometheus-metrics"]);
    assert_fault_caught("metrics-malformed", &["prometheus-metrics"]);
}

#[test]
fn log_faults_fail_the_log_checks() {
    assert_fault_caught("plain-logs", &["structured-logs"]);
    assert_fault_caught("no-audit", &["run-creation-audited"]);
    assert_fault_caught("log-secret", &["structured-logs"]);
}

#[test]
fn security_faults_fail_the_security_checks() {
    assert_fault_caught("bad-webhook", &["webhook-signature-verified"]);
    assert_fault_caught("cors-any", &["cors-known-origins-only"]);
    assert_fault_caught("no-security-headers", &["security-headers"]);
}
