//! Progress inside long checks on the live status line: the setup step running and the
//! requests a load check has done, on a terminal; nothing of it in logs.

use crate::harness::{Harden, path_with_fixture};

/// A slow service (each runs API answer takes 500 ms): two setup steps, a load check of 24
/// requests, 4 at a time, that takes about 3 seconds, and a check of two steps.
const SLOW: &str = r#"suite: progress
instance:
  command: ["harden-fixture", "--port", "${PORT}", "--fault", "slow-endpoint=500ms", "--fault", "no-rate-limit"]
  ready: { http: /health/ready }
vars:
  auth: { X-User-Id: load, X-User-Email: load@example.com }
setup:
  - request: { method: POST, path: /runs, headers: "${auth}", json: { profile: load } }
    expect: { status: 201 }
    capture: { run_id: "$.run_id" }
  - request: { path: "/runs/${run_id}" }
    expect: { status: 200 }
checks:
  - id: long-load
    load:
      request: { path: "/runs/${run_id}" }
      requests: 24
      concurrency: 4
      thresholds: { p99: 10s, error-rate: 0% }
  - id: two-steps
    http:
      steps:
        - request: { path: "/runs/${run_id}" }
          expect: { status: 200 }
        - request: { path: "/runs/${run_id}/artifacts" }
          expect: { status: 200 }
"#;

/// `harden check` of `yaml` in a terminal (script(1)): its exit status, and what the
/// terminal received.
fn run_in_a_terminal(yaml: &str, ci: Option<&str>) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("suite.yaml");
    std::fs::write(&suite, yaml).unwrap();
    let mut cmd = std::process::Command::new("script");
    cmd.args([
        "-qec",
        &format!("{} check {}", env!("CARGO_BIN_EXE_harden"), suite.display()),
        "/dev/null",
    ])
    .env("PATH", path_with_fixture())
    .env("TERM", "xterm")
    .env_remove("CI");
    if let Some(v) = ci {
        cmd.env("CI", v);
    }
    let out = cmd.output().expect("script(1) gives harden a terminal");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// `SLOW` in a terminal: it passes; what the terminal received.
fn in_a_terminal(ci: Option<&str>) -> String {
    let (ok, tty) = run_in_a_terminal(SLOW, ci);
    assert!(ok, "{tty}");
    assert!(tty.contains("PASS") && tty.contains("two-steps"), "{tty}");
    tty
}

#[test]
fn a_long_load_check_shows_its_requests_and_a_setup_or_check_its_step_on_a_terminal() {
    let tty = in_a_terminal(None);
    assert!(
        tty.contains("setup 1/2: POST /runs") && tty.contains("setup 2/2: GET /runs/"),
        "the setup step running: {tty}"
    );
    // Some count short of the total was drawn while the requests went out.
    let counts: Vec<u64> = tty
        .match_indices("running: long-load (")
        .filter_map(|(at, m)| {
            let rest = &tty[at + m.len()..];
            let (done, _) = rest.split_once("/24 requests)")?;
            done.parse().ok()
        })
        .collect();
    assert!(
        counts.iter().any(|&n| 0 < n && n < 24),
        "requests done of the total, while they run: {counts:?}\n{tty}"
    );
    assert!(
        counts.windows(2).all(|w| w[0] <= w[1]),
        "the count only grows: {counts:?}"
    );
    assert!(
        tty.contains("two-steps (step 2/2: GET /runs/"),
        "the step a check runs: {tty}"
    );
}

#[test]
fn no_progress_in_logs_or_in_ci() {
    let tty = in_a_terminal(Some("true"));
    assert!(
        !tty.contains("requests)") && !tty.contains("setup 1/2") && !tty.contains("step 2/2"),
        "{tty}"
    );
    let out = Harden::check_yaml(SLOW).run();
    assert_eq!(out.code, 0, "{out}");
    for text in [&out.stdout, &out.stderr] {
        assert!(!text.contains('\r') && !text.contains("\x1b"), "{text:?}");
        assert!(!text.contains("requests)"), "{text}");
        assert!(
            !text.contains("setup 1/2") && !text.contains("step 2/2"),
            "{text}"
        );
    }
}

/// An `openapi` check whose service leaves a request unanswered (1 s per request, then
/// once more on a fresh connection) shows the requests it has sent meanwhile.
#[test]
fn an_openapi_check_shows_the_requests_it_has_sent() {
    let yaml = r#"suite: api
instance:
  command: ["harden-hostile", "--port", "${PORT}"]
  ready: { http: /health }
checks:
  - id: api
    timeout: 3s
    openapi: { tags: [kept, unanswered], max-examples: 5 }
"#;
    let (_, tty) = run_in_a_terminal(yaml, None);
    assert!(
        regex::Regex::new(r"running: api \(\d+ requests sent\)")
            .unwrap()
            .is_match(&tty),
        "{tty}"
    );
}
