//! The `logs` kind, both ways.

use crate::harness::Harden;

#[test]
fn structured_output_and_audit_pass() {
    let out = Harden::check("fixtures/suites/logs/structured.yaml").run();
    assert_eq!(out.code, 0, "{out}");
}

fn failing(fault: &str) -> crate::harness::Output {
    let out = Harden::check("fixtures/suites/logs/structured.yaml")
        .env("FIXTURE_FAULTS", fault)
        .run();
    assert_eq!(out.code, 1, "{fault}: {out}");
    out
}

#[test]
fn plain_logs_fail_the_structure_check() {
    let out = failing("plain-logs");
    let (status, message) = out.check("structured-output");
    assert_eq!(status, "fail");
    // How many lines the service printed by then depends on timing; all of them are plain.
    let counts = message
        .strip_prefix("output: expected every line a JSON object, got ")
        .and_then(|m| m.split(" lines are not JSON").next())
        .unwrap_or_else(|| panic!("{message}"));
    let (bad, all) = counts
        .split_once(" of ")
        .unwrap_or_else(|| panic!("{message}"));
    assert_eq!(bad, all, "{message}");
    assert_eq!(out.status_of("run-creation-is-audited"), "pass");
}

#[test]
fn missing_audit_line_fails() {
    let out = failing("no-audit");
    let (status, message) = out.check("run-creation-is-audited");
    assert_eq!(status, "fail");
    assert!(message.starts_with("audit log: expected a new JSON line with action=run_created, user_id=auditor, result=success, got "), "{message}");
}

#[test]
fn a_logged_secret_fails_and_is_not_repeated_in_the_report() {
    let out = failing("log-secret");
    let (status, message) = out.check("structured-output");
    assert_eq!(status, "fail");
    assert!(
        message.starts_with(
            "output secrets: expected no secret value of the suite, got 1 line with a secret"
        ),
        "{message}"
    );
    assert!(
        !out.file("results.json")
            .contains("logs-suite-webhook-secret")
    );
    assert!(
        out.file("results.json")
            .contains("webhook configured with secret ***")
    );
}

/// A service that prints a path from the environment does not leak a secret; one that
/// prints a value whose name says secret does, and the report shows neither the value
/// nor, for the path, a mask in its place.
#[test]
fn an_environment_path_is_not_a_secret_but_a_password_is() {
    let suite = r#"suite: env-output
instance:
  command: ["sh", "-c", "echo data in $DATA_DIR; echo connecting with $DB_PASSWORD; exec harden-fixture --port $PORT"]
  env: { DATA_DIR: "${env.HARDEN_TEST_HOME}/app-data", DB_PASSWORD: "${env.HARDEN_TEST_DB_PASSWORD}" }
  ready: { http: /health/ready }
checks:
  - id: output
    logs:
      output: { must-not-match: ["Traceback"] }
"#;
    let out = Harden::check_yaml(suite)
        .env("HARDEN_TEST_HOME", "/home/ci-runner")
        .env("HARDEN_TEST_DB_PASSWORD", "pw-3c9a-value")
        .run();
    assert_eq!(out.code, 1, "{out}");
    let (status, message) = out.check("output");
    assert_eq!(status, "fail", "{out}");
    assert_eq!(
        message,
        "output secrets: expected no secret value of the suite, got 1 line with a secret, e.g. `connecting with ***`",
        "{out}"
    );
    let junit = out.file("junit.xml");
    assert!(
        junit.contains("data in /home/ci-runner/app-data"),
        "{junit}"
    );
    assert!(!junit.contains("pw-3c9a-value"), "{junit}");
}
