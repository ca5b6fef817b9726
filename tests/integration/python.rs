//! harden against a real FastAPI service on its real stack (uvicorn, slowapi, the official
//! prometheus_client, SQLite, pydantic) in a venv built from pinned requirements: the
//! example suite passes, and each check fails when the service misbehaves the way it
//! exists to catch. Nothing here was written to agree with harden.

use crate::harness::{Harden, Output, path_with_python, repo};

fn example() -> String {
    repo()
        .join("examples/fastapi/harden.yaml")
        .display()
        .to_string()
}

/// `None` when the test is skipped (no python3 with venv, outside CI).
fn run_example(extra: &[&str]) -> Option<Output> {
    let path = path_with_python()?;
    let h = Harden::new();
    let (junit, json) = (h.path("junit.xml"), h.path("results.json"));
    Some(
        h.args(["check", &example(), "--junit", &junit, "--json", &json])
            .args(extra)
            .env("PATH", &path)
            .run(),
    )
}

#[test]
fn the_example_suite_passes_on_the_real_stack() {
    let Some(out) = run_example(&[]) else {
        return;
    };
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stdout.contains("verdict: READY: all 17 checks passed"),
        "{out}"
    );
    // slowapi's limiter, measured: 100 accepted, then refused with its quota headers, and
    // refused again when paced at twice the rate.
    let note = out.results()["suites"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "items-rate-limited")
        .map(|c| c["note"].as_str().unwrap_or_default().to_string())
        .unwrap();
    assert!(
        note.contains(
            "100 accepted, 101 refused; paced every 300ms: 429 429 429 429; quota headers X-RateLimit-*"
        ),
        "{note}"
    );
}

#[test]
fn slowapi_with_the_limit_lifted_fails_the_rate_limit_check() {
    let Some(out) = run_example(&[
        "--filter",
        "items-rate-limited",
        "--var",
        "rate_limit=100000/minute",
    ]) else {
        return;
    };
    assert_eq!(out.code, 1, "{out}");
    let (status, message) = out.check("items-rate-limited");
    assert_eq!(status, "fail");
    assert!(message.contains("none of 201 refused"), "{message}");
}

/// prometheus_client answers Prometheus's Accept header with OpenMetrics (`info`,
/// `_created`, `# EOF`), and the classic format when asked; both parse strictly.
#[test]
fn prometheus_client_passes_in_both_formats_and_a_missing_family_fails() {
    let Some(python_path) = path_with_python() else {
        return;
    };
    for format in ["openmetrics", "classic"] {
        let info = if format == "openmetrics" {
            "{ name: build_info, type: info }"
        } else {
            "{ name: build_info, type: gauge }"
        };
        let suite = format!(
            "suite: py-metrics\ninstance:\n  command: [\"uvicorn\", \"app:app\", \"--port\", \"${{PORT}}\", \"--log-level\", \"warning\"]\n  cwd: {}\n  ready: {{ http: /health }}\nchecks:\n  - id: metrics\n    metrics:\n      format: {format}\n      lint: fail\n      require:\n        - {{ name: http_requests_total, type: counter, labels: [method, path, status] }}\n        - {info}\n  - id: missing\n    metrics:\n      format: {format}\n      require: [{{ name: no_such_family_total, type: counter }}]\n",
            repo().join("examples/fastapi").display()
        );
        let out = Harden::check_yaml(&suite).env("PATH", &python_path).run();
        assert_eq!(out.code, 1, "{format}: {out}");
        let (status, message) = out.check("metrics");
        assert_eq!(status, "pass", "{format}: {message}\n{out}");
        let (status, message) = out.check("missing");
        assert_eq!(status, "fail", "{format}: {message}");
        assert!(message.contains("no_such_family_total"), "{message}");
    }
}

#[test]
fn a_health_endpoint_that_stays_healthy_without_its_database_fails() {
    let Some(python_path) = path_with_python() else {
        return;
    };
    // The variant below takes nothing away, so /health stays healthy: the check that
    // expects it to turn unhealthy must fail.
    let suite = format!(
        "suite: py-health\ninstance:\n  command: [\"uvicorn\", \"app:app\", \"--port\", \"${{PORT}}\", \"--log-level\", \"warning\"]\n  cwd: {}\n  ready: {{ http: /health }}\nchecks:\n  - id: db-loss\n    variant: {{ env: {{ SOME_UNRELATED: x }}, setup: false }}\n    health:\n      within: 1s\n      endpoints: [{{ path: /health, expect: unhealthy, status: 503 }}]\n",
        repo().join("examples/fastapi").display()
    );
    let out = Harden::check_yaml(&suite).env("PATH", &python_path).run();
    assert_eq!(out.code, 1, "{out}");
    assert_eq!(out.status_of("db-loss"), "fail", "{out}");
}

/// Without python3 (or its venv module) the Python-backed tests skip with the reason, and
/// in CI they fail instead.
#[test]
fn missing_python_skips_locally_and_fails_in_ci() {
    use crate::harness::{python_missing, skip_or_fail};
    let reason = python_missing("harden-no-such-python3").expect("not on PATH");
    assert!(
        reason.contains("`harden-no-such-python3` cannot be run"),
        "{reason}"
    );
    skip_or_fail(&reason, false);
    let in_ci = std::panic::catch_unwind(|| skip_or_fail(&reason, true))
        .expect_err("CI must fail, not skip");
    let message = in_ci.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        message.contains("the Python-backed tests cannot run: `harden-no-such-python3`"),
        "{message}"
    );
    // `sh` runs but is no Python with venv: the probe fails, naming what is missing.
    let reason = python_missing("sh").expect("sh is not python");
    assert!(reason.contains("has no venv/ensurepip module"), "{reason}");
}
