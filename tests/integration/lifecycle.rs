//! The bad days of a service's life: output that is not UTF-8, a run stuck in any phase,
//! Ctrl-C once and twice, daemonizing grandchildren, and harden itself killed. harden must
//! never harm the service, never hang past its deadline, and leave no process behind.

use crate::harness::{Harden, Junit, alive, eventually, read_pid, wait_measured};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::path::Path;
use std::time::{Duration, Instant};

fn signal(pid: u32, s: Signal) {
    kill(Pid::from_raw(pid as i32), s).expect("send signal");
}

fn wait_for_line(log: &Path, needle: &str) {
    eventually(
        &format!("`{needle}` in {}", log.display()),
        Duration::from_secs(30),
        || std::fs::read_to_string(log).is_ok_and(|t| t.contains(needle)),
    );
}

fn gone_soon(what: &str, pid: u32) {
    eventually(
        &format!("{what} (pid {pid}) to be gone"),
        Duration::from_secs(5),
        || !alive(pid),
    );
}

#[test]
fn output_that_is_not_utf8_never_kills_the_service() {
    let h = Harden::new();
    // One byte that is not UTF-8, then a fast burst of output, then the real service.
    let script = h.script(
        "start.sh",
        r#"printf 'caf\351\n'
i=0; while [ $i -lt 3000 ]; do echo "burst line $i"; i=$((i+1)); done
printf 'half \377\376 line\n' >&2
exec harden-fixture --port "$PORT""#,
    );
    let suite = format!(
        "suite: latin1\ninstance:\n  command: [\"{}\"]\n  ready: {{ http: /health/ready, timeout: 20s }}\nchecks:\n  - id: health\n    http: {{ request: {{ path: /health }}, expect: {{ status: 200 }} }}\n",
        script.display()
    );
    let logs = h.path("logs");
    let out = Harden::check_yaml(&suite).args(["--log-dir", &logs]).run();
    assert_eq!(out.code, 0, "{out}");
    let log = std::fs::read_to_string(Path::new(&logs).join("latin1/main.log")).expect("log kept");
    assert!(log.contains("caf\u{FFFD}"), "decoded lossily for display");
    assert!(log.contains("burst line 2999"), "every line drained");
    assert!(log.contains("half \u{FFFD}\u{FFFD} line"), "stderr too");
}

#[test]
fn a_relative_program_is_resolved_against_the_suite_once() {
    let h = Harden::new();
    h.script("start.sh", "exec harden-fixture --port \"$PORT\"");
    std::fs::create_dir_all(h.dir.path().join("suites")).unwrap();
    std::fs::write(
        h.dir.path().join("suites/x.yaml"),
        "suite: rel\ninstance:\n  command: [\"../start.sh\"]\n  ready: { http: /health/ready }\nchecks:\n  - id: health\n    http: { request: { path: /health }, expect: { status: 200 } }\n",
    )
    .unwrap();
    let dir = h.dir.path().to_path_buf();
    let out = h.args(["check", "suites/x.yaml"]).run_in(&dir);
    assert_eq!(out.code, 0, "{out}");
}

/// A suite whose service ignores SIGTERM for `grace`, and whose setup asks a path of
/// harden-hostile (`/silent` never answers).
fn hostile_suite(setup_path: &str, grace: &str, pid_file: &Path) -> String {
    format!(
        r#"suite: stuck
instance:
  command: "trap '' TERM; echo $$ > {pid}; exec harden-hostile --port ${{PORT}}"
  ready: {{ http: /health, timeout: 20s }}
  stop: {{ grace: {grace} }}
setup:
  - request: {{ path: {setup_path} }}
    expect: {{ status: 200 }}
checks:
  - id: health
    http: {{ request: {{ path: /health }}, expect: {{ status: 200 }} }}
"#,
        pid = pid_file.display()
    )
}

#[test]
fn the_deadline_holds_in_a_long_readiness_wait() {
    let suite = "suite: slow-ready\ninstance:\n  command: [\"harden-fixture\", \"--port\", \"${PORT}\", \"--fault\", \"never-ready\"]\n  ready: { http: /health/ready, timeout: 5m }\n  stop: { grace: 2s }\nchecks:\n  - id: health\n    http: { request: { path: /health }, expect: { status: 200 } }\n";
    let out = Harden::check_yaml(suite).args(["--timeout", "2s"]).run();
    assert_eq!(out.code, 3, "{out}");
    assert!(
        out.elapsed < Duration::from_secs(2 + 2 + 1),
        "deadline + grace + 1s, took {:?}\n{out}",
        out.elapsed
    );
    assert!(out.stdout.contains("run deadline"), "{out}");
    assert_eq!(out.junit().case("health").outcome, "error");
}

#[test]
fn the_deadline_holds_in_setup_against_a_server_that_never_answers() {
    let h = Harden::new();
    let pid_file = h.dir.path().join("service.pid");
    let out = Harden::check_yaml(&hostile_suite("/silent", "1s", &pid_file))
        .args(["--timeout", "2s"])
        .run();
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.elapsed < Duration::from_secs(2 + 1 + 1),
        "deadline + grace + 1s, took {:?}\n{out}",
        out.elapsed
    );
    let case = out.junit().case("health");
    assert_eq!(case.outcome, "error", "{case:?}");
    assert!(case.message.contains("deadline"), "{case:?}");
    gone_soon("the service", read_pid(&pid_file));
}

#[test]
fn ctrl_c_in_setup_stops_within_the_grace_and_writes_reports() {
    let h = Harden::new();
    let pid_file = h.dir.path().join("service.pid");
    let logs = h.path("logs");
    let h =
        Harden::check_yaml(&hostile_suite("/silent", "1s", &pid_file)).args(["--log-dir", &logs]);
    let child = h.spawn();
    let pid = child.id();
    wait_for_line(&Path::new(&logs).join("stuck/main.log"), "request /silent");
    let sent = Instant::now();
    signal(pid, Signal::SIGINT);
    let m = wait_measured(child, Duration::from_secs(60));
    assert_eq!(m.code, 130, "{}\n{}", m.stdout, m.stderr);
    assert!(
        sent.elapsed() < Duration::from_secs(1 + 1),
        "took {:?}",
        sent.elapsed()
    );
    let junit = Junit(std::fs::read_to_string(h.dir.path().join("junit.xml")).expect("junit"));
    assert_eq!(junit.cases().len(), 1);
    gone_soon("the service", read_pid(&pid_file));
}

#[test]
fn a_second_ctrl_c_kills_everything_and_exits_within_a_second() {
    let h = Harden::new();
    let pid_file = h.dir.path().join("service.pid");
    let logs = h.path("logs");
    let h =
        Harden::check_yaml(&hostile_suite("/silent", "30s", &pid_file)).args(["--log-dir", &logs]);
    let child = h.spawn();
    let pid = child.id();
    wait_for_line(&Path::new(&logs).join("stuck/main.log"), "request /silent");
    signal(pid, Signal::SIGINT);
    std::thread::sleep(Duration::from_millis(300));
    let second = Instant::now();
    signal(pid, Signal::SIGINT);
    let m = wait_measured(child, Duration::from_secs(60));
    assert_eq!(m.code, 130, "{}\n{}", m.stdout, m.stderr);
    assert!(
        second.elapsed() < Duration::from_secs(1),
        "took {:?}",
        second.elapsed()
    );
    let junit = Junit(std::fs::read_to_string(h.dir.path().join("junit.xml")).expect("junit"));
    assert_eq!(junit.cases().len(), 1);
    gone_soon("the service", read_pid(&pid_file));
}

/// A service tree with a grandchild that leaves the process group with `setsid`.
fn setsid_suite(dir: &Path) -> String {
    format!(
        r#"suite: daemon
instance:
  command: "setsid sh -c 'echo $$ > {gc}; exec sleep 300' & echo $$ > {svc}; exec harden-fixture --port ${{PORT}} --fault slow-endpoint=30s"
  ready: {{ http: /health/ready, timeout: 20s }}
  stop: {{ grace: 1s }}
checks:
  - id: slow
    timeout: 60s
    http: {{ request: {{ path: /runs/x }}, expect: {{ status: 404 }} }}
"#,
        gc = dir.join("grandchild.pid").display(),
        svc = dir.join("service.pid").display()
    )
}

fn pids(dir: &Path) -> (u32, u32) {
    eventually("the pid files", Duration::from_secs(20), || {
        dir.join("grandchild.pid").exists() && dir.join("service.pid").exists()
    });
    std::thread::sleep(Duration::from_millis(50));
    (
        read_pid(&dir.join("service.pid")),
        read_pid(&dir.join("grandchild.pid")),
    )
}

#[test]
fn a_setsid_grandchild_does_not_survive_a_normal_run() {
    let h = Harden::new();
    let dir = h.dir.path().to_path_buf();
    let out = Harden::check_yaml(&setsid_suite(&dir))
        .args(["--timeout", "3s"])
        .run();
    assert_eq!(out.code, 1, "{out}");
    let (service, grandchild) = pids(&dir);
    gone_soon("the service", service);
    gone_soon("the setsid grandchild", grandchild);
}

#[test]
fn nothing_of_the_service_survives_harden_being_killed() {
    let h = Harden::new();
    let dir = h.dir.path().to_path_buf();
    let h = Harden::check_yaml(&setsid_suite(&dir));
    let mut child = h.spawn();
    let (service, grandchild) = pids(&dir);
    std::thread::sleep(Duration::from_millis(300));
    signal(child.id(), Signal::SIGKILL);
    let _ = child.wait();
    gone_soon("the service", service);
    gone_soon("the setsid grandchild", grandchild);
}

#[test]
fn instance_fields_take_templates_like_the_rest() {
    let h = Harden::new();
    let app = h.dir.path().join("app dir");
    std::fs::create_dir_all(&app).unwrap();
    h.script("app dir/start.sh", "exec harden-fixture --port \"$PORT\"");
    let suite = "suite: tmpl\ninstance:\n  command: [\"./start.sh\"]\n  cwd: \"${env.APP_DIR}\"\n  ready: { http: \"${ready_path}\" }\nvars: { ready_path: /health/ready }\nchecks:\n  - id: health\n    http: { request: { path: /health }, expect: { status: 200 } }\n";
    let out = Harden::check_yaml(suite)
        .env("APP_DIR", &app.display().to_string())
        .run();
    assert_eq!(out.code, 0, "{out}");

    // An undefined variable there is an error at load time, with its position.
    let bad = "suite: tmpl\ninstance:\n  command: [\"./start.sh\"]\n  cwd: \"${nowhere}\"\nchecks:\n  - id: health\n    http: { request: { path: /health }, expect: { status: 200 } }\n";
    let out = Harden::check_yaml(bad).run();
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("suite.yaml:4:"), "{out}");
    assert!(out.stderr.contains("instance.cwd"), "{out}");
}

/// A variant's start-up loads the machine; a timing check on the main instance waits for
/// it. The service serves a directory whose `state` file says when a variant is starting.
#[test]
fn timing_checks_do_not_overlap_a_variant_start_up() {
    let h = Harden::new();
    let dir = h.dir.path().join("www");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("state"), "idle\n").unwrap();
    let serve = h.script(
        "serve.sh",
        &format!(
            "cd '{}'\nif [ \"$ROLE\" = variant ]; then echo starting > state; sleep 2; echo up > state; fi\nexec python3 -m http.server --bind 127.0.0.1 \"$PORT\"",
            dir.display()
        ),
    );
    let suite = format!(
        "suite: startups\ninstance:\n  command: [\"{}\"]\n  ready: {{ http: /state }}\nchecks:\n  - id: with-a-variant\n    variant: {{ env: {{ ROLE: variant }} }}\n    http: {{ request: {{ path: /state }}, expect: {{ status: 200 }} }}\n  - id: timed\n    http: {{ request: {{ path: /state }}, expect: {{ status: 200, max-duration: 10s, body: {{ not-contains: starting }} }} }}\n  - id: untimed\n    http: {{ request: {{ path: /state }}, expect: {{ status: 200 }} }}\n",
        serve.display()
    );
    std::fs::write(h.dir.path().join("suite.yaml"), suite).unwrap();
    let (junit, json) = (h.path("junit.xml"), h.path("results.json"));
    let out = h
        .args([
            "check",
            "suite.yaml",
            "--jobs",
            "4",
            "--junit",
            &junit,
            "--json",
            &json,
        ])
        .run();
    assert_eq!(out.code, 0, "{out}");
    for id in ["with-a-variant", "timed", "untimed"] {
        assert_eq!(out.status_of(id), "pass", "{id}\n{out}");
    }
}
