//! The service's life: readiness, startup failures, crashes, forced stops, interrupts, and
//! that no process is ever left behind.

use crate::harness::{Harden, alive, eventually, read_pid, wait_output};
use std::time::Duration;

#[test]
fn never_ready_exits_3_with_the_log_tail() {
    let out = Harden::check("fixtures/suites/instance/never-ready.yaml").run();
    assert_eq!(out.code, 3, "{out}");
    assert!(
        out.stdout.contains(
            "the service was not ready after 2s (last attempt: GET /health/ready answered 503)"
        ),
        "{out}"
    );
    assert!(
        out.stdout.contains("| {\"timestamp\""),
        "log tail shown\n{out}"
    );
    let results = out.results();
    let tail = results["suites"][0]["instance"]["log_tail"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        tail.iter().any(|l| l
            .as_str()
            .unwrap_or_default()
            .contains("GET /health/ready 503")),
        "{tail:?}"
    );
    let case = out.junit().case("health");
    assert_eq!(case.outcome, "error");
    assert!(case.message.contains("not ready"), "{case:?}");
}

#[test]
fn slow_start_beyond_the_ready_timeout_exits_3() {
    let out = Harden::check("fixtures/suites/instance/slow-start.yaml").run();
    assert_eq!(out.code, 3, "{out}");
    assert!(out.stdout.contains("not ready after 1s"), "{out}");
    assert!(
        out.stdout.contains("warming caches"),
        "the service's own output is shown\n{out}"
    );
}

#[test]
fn service_that_exits_before_ready_fails_at_once_with_its_status() {
    let started = std::time::Instant::now();
    let out = Harden::check("fixtures/suites/instance/exits-early.yaml").run();
    assert_eq!(out.code, 3, "{out}");
    assert!(
        out.stdout
            .contains("the service exited with status 2 before it was ready"),
        "{out}"
    );
    assert!(
        out.stdout.contains("unknown argument `--no-such-flag`"),
        "stderr of the service is in the tail\n{out}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "did not wait for the 30s ready timeout"
    );
}

#[test]
fn missing_binary_exits_3_with_a_hint() {
    let out = Harden::check("fixtures/suites/instance/missing-binary.yaml").run();
    assert_eq!(out.code, 3, "{out}");
    assert!(
        out.stdout
            .contains("failed to spawn `harden-no-such-service`: no such file or directory"),
        "{out}"
    );
    assert!(
        out.stdout
            .contains("hint: `harden-no-such-service` is not on PATH"),
        "{out}"
    );
    assert_eq!(out.junit().case("health").outcome, "error");
}

#[test]
fn crash_mid_run_exits_3_and_still_writes_junit() {
    let out = Harden::check("fixtures/suites/instance/crash-after.yaml")
        .args(["--jobs", "1"])
        .run();
    assert_eq!(out.code, 3, "{out}");
    let cases = out.junit().cases();
    assert_eq!(cases.len(), 5);
    assert!(cases[..2].iter().all(|c| c.outcome == "pass"), "{cases:#?}");
    for c in &cases[3..] {
        assert_eq!(c.outcome, "error", "{c:?}");
        assert!(
            c.message
                .contains("the service exited with status 70 during the run"),
            "{c:?}"
        );
        assert!(
            c.system_out.contains("worker crashed"),
            "log tail in system-out: {c:?}"
        );
    }
    assert!(
        out.stdout
            .contains("verdict: NOT READY: the service exited with status 70 during the run"),
        "{out}"
    );
}

#[test]
fn ignored_sigterm_is_killed_after_grace_and_nothing_is_left() {
    let h = Harden::check("fixtures/suites/instance/ignore-sigterm.yaml");
    let pid_file = h.dir.path().join("service.pid");
    let h = h.args(["--var", &format!("pid_file={}", pid_file.display())]);
    let out = h.run();
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stdout
            .contains("killed with SIGKILL after the grace period"),
        "{out}"
    );
    assert_eq!(
        out.results()["suites"][0]["instance"]["stop"]["forced"],
        true
    );
    let service = read_pid(&pid_file);
    let grandchild = read_pid(&pid_file.with_extension("pid.grandchild"));
    assert!(!alive(service), "service {service} left behind");
    assert!(!alive(grandchild), "grandchild {grandchild} left behind");
}

#[test]
fn sigint_stops_the_service_writes_partial_junit_and_exits_130() {
    let h = Harden::check("fixtures/suites/instance/interrupt.yaml");
    let pid_file = h.dir.path().join("service.pid");
    let log_dir = h.dir.path().join("logs");
    let html = h.path("report.html");
    let h = h.args([
        "--var",
        &format!("pid_file={}", pid_file.display()),
        "--jobs",
        "1",
        "--log-dir",
        &log_dir.display().to_string(),
        "--html",
        &html,
    ]);
    let child = h.spawn();
    // Wait until the slow check's request is in flight: the service logs it before waiting.
    let log = log_dir.join("interrupt/main.log");
    eventually(
        "the slow request to reach the service",
        Duration::from_secs(30),
        || std::fs::read_to_string(&log).is_ok_and(|t| t.contains("slow query: GET /runs/x")),
    );
    let harden_pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(harden_pid, nix::sys::signal::Signal::SIGINT).expect("send SIGINT");
    let (code, stdout, stderr) = wait_output(child, Duration::from_secs(60));
    assert_eq!(code, 130, "{stdout}\n{stderr}");
    assert!(stdout.contains("verdict: INTERRUPTED"), "{stdout}");
    let junit = crate::harness::Junit(
        std::fs::read_to_string(h.dir.path().join("junit.xml")).expect("partial junit written"),
    );
    let cases = junit.cases();
    assert_eq!(cases.len(), 2);
    assert_eq!(
        cases[0].outcome, "error",
        "the in-flight check was interrupted: {cases:#?}"
    );
    assert!(cases[0].message.contains("interrupted"));
    let page = std::fs::read_to_string(&html).expect("the HTML report written");
    assert!(page.contains("<strong>interrupted</strong>"), "{page}");
    assert!(
        page.contains("data-status=\"error\"") && page.contains("data-status=\"skip\""),
        "{page}"
    );
    assert_eq!(
        cases[1].outcome, "skipped",
        "the waiting check never started: {cases:#?}"
    );
    assert_eq!(cases[1].message, "not run: interrupted", "{cases:#?}");
    let service = read_pid(&pid_file);
    let grandchild = read_pid(&pid_file.with_extension("pid.grandchild"));
    eventually("the service to be gone", Duration::from_secs(5), || {
        !alive(service) && !alive(grandchild)
    });
}

#[test]
fn log_readiness_instance_env_and_builtin_variables() {
    let out = Harden::check("fixtures/suites/instance/log-ready.yaml").run();
    assert_eq!(out.code, 0, "{out}");
}

#[test]
fn run_deadline_turns_unfinished_checks_into_errors_and_still_reports() {
    let out = Harden::check("fixtures/suites/instance/interrupt.yaml")
        .args([
            "--var",
            "pid_file=/dev/null",
            "--timeout",
            "2s",
            "--jobs",
            "1",
        ])
        .run();
    assert_eq!(out.code, 1, "{out}");
    let cases = out.junit().cases();
    assert_eq!(cases[0].outcome, "error", "{cases:#?}");
    assert_eq!(
        cases[0].message,
        "not finished: the run deadline (--timeout) was reached"
    );
    // The waiting check never started: the same words as a preflight check would get.
    assert_eq!(cases[1].outcome, "error");
    assert_eq!(
        cases[1].message,
        "not run: the run deadline (--timeout) was reached"
    );
    assert!(
        out.stdout
            .contains("cancelled: the run deadline (--timeout) was reached"),
        "{out}"
    );
}

#[test]
fn teardown_runs_after_the_checks_before_the_stop() {
    let h = Harden::new();
    let suite = h.dir.path().join("suite.yaml");
    std::fs::write(
        &suite,
        r#"
suite: teardown
instance:
  command: ["harden-fixture", "--port", "${PORT}"]
  ready: { http: /health/ready }
checks:
  - id: health
    http: { request: { path: /health }, expect: { status: 200 } }
teardown:
  - request: { path: /teardown-marker }
"#,
    )
    .unwrap();
    let logs = h.dir.path().join("logs");
    let out = h
        .args([
            "check",
            &suite.display().to_string(),
            "--log-dir",
            &logs.display().to_string(),
        ])
        .run();
    assert_eq!(out.code, 0, "{out}");
    let log = std::fs::read_to_string(logs.join("teardown/main.log")).unwrap();
    let teardown = log
        .find("GET /teardown-marker 404")
        .expect("teardown request logged");
    let stop = log
        .find("received SIGTERM")
        .expect("service stopped gracefully");
    assert!(
        log.find("GET /health 200").unwrap() < teardown && teardown < stop,
        "{log}"
    );
}

#[test]
fn without_instance_checks_go_to_base_url() {
    // A service started by someone else: harden neither starts nor stops it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let scratch = tempfile::tempdir().unwrap();
    let mut service = std::process::Command::new(env!("CARGO_BIN_EXE_harden-fixture"))
        .args(["--port", &port.to_string()])
        .env("HARDEN_INSTANCE_DIR", scratch.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    eventually("the service to listen", Duration::from_secs(10), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    let h = Harden::new();
    let suite = h.dir.path().join("suite.yaml");
    std::fs::write(
        &suite,
        format!("suite: remote\nbase-url: http://127.0.0.1:{port}\nchecks:\n  - id: health\n    health: {{ endpoints: [{{ path: /health/db, expect: healthy }}] }}\n"),
    )
    .unwrap();
    let out = h.args(["check", &suite.display().to_string()]).run();
    let still_running = service.try_wait().unwrap().is_none();
    let _ = service.kill();
    let _ = service.wait();
    assert_eq!(out.code, 0, "{out}");
    assert!(
        still_running,
        "harden must not stop a service it did not start"
    );
}
