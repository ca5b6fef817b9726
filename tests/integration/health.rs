//! The `health` kind and instance variants, both ways.

use crate::harness::Harden;

#[test]
fn truthful_health_endpoints_pass_including_variants() {
    let out = Harden::check("fixtures/suites/health/truthful.yaml").run();
    assert_eq!(out.code, 0, "{out}");
    for id in [
        "healthy-when-dependencies-are-up",
        "database-loss-is-reported",
        "ai-outage-is-degraded-not-down",
    ] {
        assert_eq!(out.status_of(id), "pass", "{id}\n{out}");
    }
    // Each variant was started on its own port and stopped.
    assert_eq!(
        out.stdout.matches("started [variant of").count(),
        2,
        "{out}"
    );
    assert_eq!(
        out.stdout
            .matches("] service stopped (exited with status 0)")
            .count(),
        2,
        "{out}"
    );
}

#[test]
fn health_lies_fails_when_the_database_is_gone() {
    let out = Harden::check("fixtures/suites/health/lies.yaml").run();
    assert_eq!(out.code, 1, "{out}");
    let (status, message) = out.check("database-loss-is-reported");
    assert_eq!(status, "fail");
    assert_eq!(
        message,
        "GET /health/db: expected unhealthy (5xx), got healthy (200 with status \"healthy\") (and 1 more)"
    );
    let case = out.junit().case("database-loss-is-reported");
    assert!(
        case.system_out.contains("GET /health/db 200"),
        "the variant's own log tail: {case:?}"
    );
    // Only the variant ran: no main instance was needed.
    assert!(out.results()["suites"][0]["instance"].is_null(), "{out}");
}

#[test]
fn variant_that_never_becomes_ready_is_an_error_with_its_log_tail() {
    let out = Harden::check_yaml(
        r#"
suite: variant-never-ready
instance:
  command: ["harden-fixture", "--port", "${PORT}"]
  ready: { http: /health/ready, timeout: 20s }
checks:
  - id: broken-variant
    variant:
      args: ["--fault", "never-ready"]
      ready: { timeout: 1s }
    health: { endpoints: [{ path: /health, expect: healthy }] }
  - id: main-is-fine
    http: { request: { path: /health }, expect: { status: 200 } }
"#,
    )
    .run();
    assert_eq!(
        out.code, 1,
        "a variant failing is the check's error, not the run's: {out}"
    );
    let (status, message) = out.check("broken-variant");
    assert_eq!(status, "error");
    assert!(
        message.starts_with("variant of broken-variant: the service was not ready after 1s"),
        "{message}"
    );
    assert!(
        out.junit()
            .case("broken-variant")
            .system_out
            .contains("GET /health/ready 503")
    );
    assert_eq!(out.status_of("main-is-fine"), "pass");
}
