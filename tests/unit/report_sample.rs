//! A fixed `RunReport` for renderer tests: no clocks, ports or pids that change.

use crate::check::{Assertion, CheckOutcome, Status};
use crate::report::model::InstanceReport;
use crate::report::{CheckReport, RunReport, SuiteReport};
use crate::runner::CheckInfo;
use crate::suite::Severity;
use std::time::Duration;

pub(crate) fn check(
    id: &str,
    category: &str,
    severity: Severity,
    status: Status,
    line: u64,
) -> CheckReport {
    let mut outcome = match status {
        Status::Fail => CheckOutcome::from_assertions(
            vec![
                Assertion::new("status", "201", "200", false),
                Assertion::new("json `$.current_phase`", "\"planning\"", "no match", false),
            ],
            Some("--- expected\n+++ actual\n@@ -1 +1 @@\n-{\"current_phase\": \"planning\"}\n+{\"currentPhase\": \"planning\"}\n".into()),
        ),
        Status::Error => CheckOutcome::error("GET http://127.0.0.1:4000/health: connection failed: connection refused"),
        Status::Skip => CheckOutcome::skip("not run: --fail-fast stopped the run after a failure"),
        Status::Pass => CheckOutcome::from_assertions(vec![Assertion::new("status", "200", "200", true)], None),
    };
    outcome.duration = Duration::from_millis(12);
    CheckReport {
        info: CheckInfo {
            id: id.into(),
            name: None,
            kind: crate::suite::CheckKind::Http,
            category: category.into(),
            severity,
            weight: severity.weight(),
            file: "checks/orchestrator.yaml".into(),
            line,
        },
        log_tail: if matches!(status, Status::Fail | Status::Error) {
            vec!["{\"level\":\"info\",\"message\":\"POST /runs 200\"}".into()]
        } else {
            vec![]
        },
        outcome,
        score: None,
    }
}

pub(crate) fn report() -> RunReport {
    let mut r = RunReport {
        format_version: crate::report::FORMAT_VERSION,
        harden_version: "0.1.0".into(),
        started_at: "2026-11-23T19:30:51Z".into(),
        duration_seconds: 1.25,
        interrupted: false,
        suites: vec![SuiteReport {
            name: "orchestrator".into(),
            file: "checks/orchestrator.yaml".into(),
            filtered_out: 0,
            instance: Some(InstanceReport {
                command: "harden-fixture --port 4000".into(),
                pid: Some(4242),
                port: Some(4000),
                ready_after_seconds: Some(0.254),
                ..Default::default()
            }),
            setup_error: None,
            cancelled: None,
            checks: vec![
                check(
                    "create-run",
                    "contract",
                    Severity::Critical,
                    Status::Fail,
                    30,
                ),
                check(
                    "get-run-contract",
                    "contract",
                    Severity::High,
                    Status::Pass,
                    60,
                ),
                check("health", "health", Severity::Critical, Status::Pass, 120),
                check("health-ai", "health", Severity::Medium, Status::Error, 140),
                check(
                    "security-headers",
                    "security",
                    Severity::Low,
                    Status::Skip,
                    200,
                ),
            ]
            .into(),
        }],
    };
    crate::report::fill_scores(&mut r);
    r
}
