//! Timing verdicts on a busy machine: a failing `max-duration`, latency percentile or
//! throughput is measured again before it counts; a check that fails then passes is
//! `flaky`, counted as the suite's `timing.flaky` rule says; a route that is really slow
//! still fails.

use crate::harness::Harden;
use std::process::{Child, Command};

fn suite(rule: &str, fault: &str) -> String {
    format!(
        r#"suite: timing
instance:
  command: ["harden-fixture", "--port", "${{PORT}}", "--fault", "{fault}"]
  ready: {{ http: /health/ready, timeout: 20s }}
{rule}checks:
  - id: run-latency
    http: {{ request: {{ path: /runs/x }}, expect: {{ status: 404, max-duration: 300ms }} }}
"#
    )
}

#[test]
fn a_route_slow_once_is_measured_again_and_reported_flaky() {
    let h = Harden::check_yaml(&suite("", "slow-once=900ms"));
    let md = h.path("summary.md");
    let out = h.args(["--markdown", &md]).run();
    assert_eq!(
        out.code, 0,
        "warn (the default) does not fail the run: {out}"
    );
    let check = &out.results()["suites"][0]["checks"][0];
    assert_eq!(check["status"], "pass", "{check:#}");
    assert_eq!(check["measurements"], 2, "{check:#}");
    assert_eq!(check["flaky"]["rule"], "warn", "{check:#}");
    assert_eq!(check["flaky"]["failed"], 1, "{check:#}");
    assert!(
        check["flaky"]["first_failure"]
            .as_str()
            .is_some_and(|f| f.starts_with("duration: expected <= 300ms, got 9")),
        "{check:#}"
    );
    assert!(out.stdout.contains("FLAKY"), "{out}");
    assert!(out.stdout.contains("re-measuring"), "{out}");
    let case = out.junit().case("run-latency");
    assert_eq!(case.outcome, "pass", "{case:?}");
    let xml = std::fs::read_to_string(out.dir.path().join("junit.xml")).unwrap();
    assert!(xml.contains("name=\"harden.flaky\""), "{xml}");
    let summary = std::fs::read_to_string(out.dir.path().join("summary.md")).unwrap();
    assert!(summary.contains("flaky"), "{summary}");
}

#[test]
fn the_suite_may_count_a_flaky_check_as_failed() {
    let out = Harden::check_yaml(&suite("timing: { flaky: fail }\n", "slow-once=900ms")).run();
    assert_eq!(out.code, 1, "{out}");
    let (status, message) = out.check("run-latency");
    assert_eq!(status, "fail");
    assert!(
        message.starts_with("flaky: duration: expected <= 300ms"),
        "{message}"
    );
    let check = &out.results()["suites"][0]["checks"][0];
    assert_eq!(check["flaky"]["rule"], "fail", "{check:#}");
}

#[test]
fn the_suite_may_count_a_flaky_check_as_passed() {
    let out = Harden::check_yaml(&suite("timing: { flaky: pass }\n", "slow-once=900ms")).run();
    assert_eq!(out.code, 0, "{out}");
    let check = &out.results()["suites"][0]["checks"][0];
    assert_eq!(check["status"], "pass", "{check:#}");
    assert_eq!(check["flaky"]["rule"], "pass", "{check:#}");
}

#[test]
fn a_really_slow_route_still_fails_after_every_measurement() {
    let out = Harden::check_yaml(&suite("", "slow-endpoint=700ms")).run();
    assert_eq!(out.code, 1, "{out}");
    let (status, message) = out.check("run-latency");
    assert_eq!(status, "fail");
    assert!(
        message.starts_with("duration: expected <= 300ms, got 7"),
        "{message}"
    );
    let check = &out.results()["suites"][0]["checks"][0];
    assert_eq!(
        check["measurements"], 3,
        "the default: two measurements more: {check:#}"
    );
    assert!(check.get("flaky").is_none(), "{check:#}");
    assert!(
        check["note"]
            .as_str()
            .is_some_and(|n| n.contains("failed 3 of 3 measurements")),
        "{check:#}"
    );
}

#[test]
fn remeasure_0_counts_the_first_measurement() {
    let out = Harden::check_yaml(&suite("timing: { remeasure: 0 }\n", "slow-once=900ms")).run();
    assert_eq!(out.code, 1, "{out}");
    let check = &out.results()["suites"][0]["checks"][0];
    assert_eq!(check["status"], "fail", "{check:#}");
    assert!(check.get("measurements").is_none(), "{check:#}");
}

#[test]
fn a_wrong_status_is_not_measured_again() {
    let out = Harden::check("fixtures/suites/http/fail.yaml")
        .args(["--filter", "wrong-status"])
        .run();
    assert_eq!(out.code, 1, "{out}");
    let check = &out.results()["suites"][0]["checks"][0];
    assert!(check.get("measurements").is_none(), "{check:#}");
    assert!(!out.stdout.contains("re-measuring"), "{out}");
}

/// Busy loops in other processes, one more than there are cores; each ends by itself
/// after 90 s even if the test dies, and is killed by its pid when dropped.
struct CpuLoad(Vec<Child>);

/// Spins, looking at the clock every 20,000 rounds, for at most 90 s.
const BUSY_LOOP: &str = "end=$(($(date +%s) + 90)); while [ \"$(date +%s)\" -lt \"$end\" ]; do i=0; while [ $i -lt 20000 ]; do i=$((i + 1)); done; done";

impl CpuLoad {
    fn start() -> CpuLoad {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        CpuLoad(
            (0..=cores)
                .map(|_| {
                    Command::new("sh")
                        .args(["-c", BUSY_LOOP])
                        .spawn()
                        .expect("start a busy loop")
                })
                .collect(),
        )
    }
}

impl Drop for CpuLoad {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

#[test]
fn a_healthy_service_passes_its_timing_checks_on_a_loaded_cpu() {
    let _load = CpuLoad::start();
    let mut yaml = String::from(
        r#"suite: loaded
instance:
  command: ["harden-fixture", "--port", "${PORT}"]
  ready: { http: /health/ready, timeout: 30s }
vars:
  auth: { X-User-Id: load, X-User-Email: load@example.com }
setup:
  - request: { method: POST, path: /runs, headers: "${auth}", json: { profile: load } }
    expect: { status: 201 }
    capture: { run_id: "$.run_id" }
checks:
  - id: get-run-latency
    variant:
      env: { RATE_LIMIT: "1000000/minute" }
    load:
      request: { path: "/runs/${run_id}" }
      requests: 200
      concurrency: 10
      thresholds: { p95: 200ms, error-rate: 0%, min-rps: 20 }
"#,
    );
    for i in 0..8 {
        yaml.push_str(&format!(
            "  - id: health-{i}\n    http: {{ request: {{ path: /health }}, expect: {{ status: 200, max-duration: 200ms }} }}\n"
        ));
    }
    let out = Harden::check_yaml(&yaml).run();
    assert_eq!(
        out.code, 0,
        "a healthy service under CPU load passes: {out}"
    );
    let r = out.results();
    let checks = r["suites"][0]["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 9);
    assert!(checks.iter().all(|c| c["status"] == "pass"), "{r:#}");
    // What the load cost, for the record of the run that ran it.
    let remeasured: Vec<_> = checks
        .iter()
        .filter(|c| c.get("measurements").is_some())
        .map(|c| c["id"].as_str().unwrap_or_default())
        .collect();
    eprintln!("re-measured under load: {remeasured:?}");
}
