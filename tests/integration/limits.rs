//! Every read has a limit and every duration a range: hostile or mistaken input is a clear
//! error, never a panic, a hang or a machine out of memory.

use crate::harness::Harden;
use std::time::Duration;

#[test]
fn validate_refuses_an_endless_file() {
    let out = Harden::new().args(["validate", "/dev/zero"]).run();
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("/dev/zero"), "{out}");
    assert!(out.stderr.contains("not a text file"), "says why\n{out}");
    assert!(out.peak_rss_kib < 64 * 1024, "{} KiB", out.peak_rss_kib);
}

#[test]
fn a_baseline_that_never_ends_is_refused_before_anything_runs() {
    let out = Harden::check("checks/orchestrator.yaml")
        .args(["--baseline", "/dev/zero"])
        .run();
    assert_eq!(out.code, 2, "{out}");
    // Parsed as it is read: the first byte is not JSON, so nothing more is read.
    assert!(
        out.stderr
            .contains("`/dev/zero` is not a harden results file"),
        "{out}"
    );
    assert!(!out.stdout.contains("started"), "nothing spawned\n{out}");
    assert!(out.peak_rss_kib < 64 * 1024, "{} KiB", out.peak_rss_kib);
}

#[test]
fn report_refuses_an_endless_results_file() {
    let out = Harden::new().args(["report", "/dev/zero"]).run();
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("/dev/zero"), "{out}");
    assert!(out.peak_rss_kib < 64 * 1024, "{} KiB", out.peak_rss_kib);
}

fn huge_timeout_flag_is_a_usage_error(value: &str) {
    let out = Harden::check("checks/orchestrator.yaml")
        .args(["--timeout", value])
        .run();
    assert_eq!(out.code, 2, "{value}: {out}");
    assert!(!out.stderr.contains("panicked"), "{out}");
    assert!(out.stderr.contains("--timeout"), "{out}");
}

#[test]
fn a_timeout_flag_past_u64_seconds_is_a_usage_error_not_a_panic() {
    huge_timeout_flag_is_a_usage_error("18446744073709551615s");
}

#[test]
fn a_timeout_flag_of_a_billion_days_is_a_usage_error_not_a_panic() {
    huge_timeout_flag_is_a_usage_error("1000000000d");
}

/// A check whose `yaml` holds a duration too large: `validate` names `field` at line 5.
fn huge_check_duration_is_an_error_at(field: &str, yaml: &str) {
    let h = Harden::new();
    let suite = h.dir.path().join("s.yaml");
    std::fs::write(
        &suite,
        format!("suite: d\nbase-url: http://127.0.0.1:9\nchecks:\n  - id: c\n{yaml}"),
    )
    .unwrap();
    let out = h.args(["validate", &suite.display().to_string()]).run();
    assert_eq!(out.code, 2, "{field}: {out}");
    assert!(out.stderr.contains(field), "{field}: {out}");
    assert!(out.stderr.contains("s.yaml:5:"), "{field}: {out}");
    assert!(!out.stderr.contains("panicked"), "{out}");
}

/// An instance whose `yaml` holds a duration too large: `validate` names `field`.
fn huge_instance_duration_is_an_error_at(field: &str, yaml: &str) {
    let h = Harden::new();
    let suite = h.dir.path().join("s.yaml");
    std::fs::write(
        &suite,
        format!("suite: d\ninstance:\n  command: [\"x\"]\n{yaml}checks:\n  - id: c\n    http: {{ request: {{ path: /x }}, expect: {{ status: 200 }} }}\n"),
    )
    .unwrap();
    let out = h.args(["validate", &suite.display().to_string()]).run();
    assert_eq!(out.code, 2, "{field}: {out}");
    assert!(out.stderr.contains(field), "{field}: {out}");
    assert!(!out.stderr.contains("panicked"), "{out}");
}

#[test]
fn a_huge_check_timeout_is_an_error_at_its_position() {
    huge_check_duration_is_an_error_at(
        "checks[0].timeout",
        "    timeout: 18446744073709551615s\n    http: { request: { path: /x }, expect: { status: 200 } }\n",
    );
}

#[test]
fn a_huge_max_duration_is_an_error_at_its_position() {
    huge_check_duration_is_an_error_at(
        "checks[0].http.expect.max-duration",
        "    http: { request: { path: /x }, expect: { status: 200, max-duration: 18446744073709551615s } }\n",
    );
}

#[test]
fn a_huge_load_duration_is_an_error_at_its_position() {
    huge_check_duration_is_an_error_at(
        "checks[0].load.duration",
        "    load: { request: { path: /x }, duration: 18446744073709551615s, concurrency: 2, thresholds: { p95: 1s } }\n",
    );
}

#[test]
fn a_huge_ready_timeout_is_an_error_at_its_field() {
    huge_instance_duration_is_an_error_at(
        "instance.ready.timeout",
        "  ready: { http: /h, timeout: 18446744073709551615s }\n",
    );
}

#[test]
fn a_huge_stop_grace_is_an_error_at_its_field() {
    huge_instance_duration_is_an_error_at(
        "instance.stop.grace",
        "  stop: { grace: 18446744073709551615s }\n",
    );
}

#[test]
fn durations_that_fit_still_work() {
    let out = Harden::check("checks/orchestrator.yaml")
        .args(["--timeout", "10m", "--filter", "toolchain-present"])
        .run();
    assert_eq!(out.code, 0, "{out}");
    assert!(out.elapsed < Duration::from_secs(60));
}

#[test]
fn command_output_is_bounded_and_an_assertion_past_the_limit_is_an_error() {
    let out = Harden::check_yaml(
        "suite: chatty\nlimits: { command-output: 1MiB }\nchecks:\n  - id: asserted\n    command: { run: [\"sh\", \"-c\", \"head -c 50000000 /dev/zero; echo done\"], stdout: { contains: done } }\n  - id: exit-only\n    command: { run: [\"sh\", \"-c\", \"head -c 50000000 /dev/zero\"], exit: 0 }\n",
    )
    .run();
    assert_eq!(out.code, 1, "{out}");
    let (status, message) = out.check("asserted");
    assert_eq!(status, "error", "{message}");
    assert!(
        message.contains("more than the 1 MiB limit to stdout"),
        "{message}"
    );
    assert!(message.contains("limits.command-output"), "{message}");
    assert_eq!(out.status_of("exit-only"), "pass", "{out}");
    assert!(out.peak_rss_kib < 64 * 1024, "{} KiB", out.peak_rss_kib);
}

#[test]
fn a_limit_out_of_range_is_an_error_at_its_position() {
    let h = Harden::new();
    let suite = h.dir.path().join("s.yaml");
    std::fs::write(
        &suite,
        "suite: l\nbase-url: http://127.0.0.1:9\nlimits: { body: 10TiB }\nchecks:\n  - id: c\n    http: { request: { path: /x }, expect: { status: 200 } }\n",
    )
    .unwrap();
    let out = h.args(["validate", &suite.display().to_string()]).run();
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("s.yaml:3:"), "{out}");
    assert!(out.stderr.contains("limits.body"), "{out}");
}

/// A generated suite of tens of thousands of checks (an OpenAPI-generated suite, a sharded
/// monorepo) is within every limit: 40,000 checks are past the YAML parser's default node
/// budget (`benches/checks-vs-curl.sh` runs 100,000 on the release build).
#[test]
fn a_generated_suite_of_40000_checks_loads() {
    let h = Harden::new();
    let suite = h.dir.path().join("big.yaml");
    let mut text = String::from("suite: big\nbase-url: http://127.0.0.1:9\nchecks:\n");
    for i in 0..40_000 {
        text.push_str(&format!(
            "  - id: c{i}\n    http: {{ request: {{ path: /health }}, expect: {{ status: 200 }} }}\n"
        ));
    }
    std::fs::write(&suite, text).unwrap();
    let out = h.args(["validate", &suite.display().to_string()]).run();
    assert_eq!(out.code, 0, "{}", &out.stderr[..out.stderr.len().min(500)]);
}
