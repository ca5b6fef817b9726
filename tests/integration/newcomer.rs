//! What a newcomer meets first: the files harden writes, `list`, `man`, the hints of
//! `validate`, a `--filter` that matches nothing, and the bundled suite's comments.

use crate::harness::{Harden, path_with_fixture, repo, wait_output};
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Runs `harden ARGS` under `umask 022` (through `sh`, as a CI shell would) in `dir`.
fn under_umask_022(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    under_umask("022", dir, args)
}

/// Runs `harden ARGS` under `umask MASK` (through `sh`) in `dir`.
fn under_umask(mask: &str, dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let child = Command::new("sh")
        .arg("-c")
        .arg(format!("umask {mask}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_harden"))
        .args(args)
        .current_dir(dir)
        .env("PATH", path_with_fixture())
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sh");
    wait_output(child, Duration::from_secs(60))
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn reports_badge_and_init_suites_follow_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    let suite = repo().join("fixtures/suites/dependency/present.yaml");
    let (code, out, err) = under_umask_022(
        dir.path(),
        &[
            "check",
            &suite.display().to_string(),
            "--junit",
            "junit.xml",
            "--json",
            "results.json",
            "--markdown",
            "summary.md",
            "--badge",
            "badge.svg",
            "--html",
            "report.html",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    for f in [
        "junit.xml",
        "results.json",
        "summary.md",
        "badge.svg",
        "report.html",
    ] {
        assert_eq!(mode(&dir.path().join(f)), 0o644, "{f} under umask 022");
    }
    std::fs::write(
        dir.path().join("openapi.json"),
        r#"{"openapi": "3.0.3", "info": {"title": "Shop"}, "paths": {
            "/status": {"get": {"responses": {"200": {"description": "ok"}}}}}}"#,
    )
    .unwrap();
    let (code, out, err) = under_umask_022(dir.path(), &["init", "--from-openapi", "openapi.json"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(mode(&dir.path().join("harden.yaml")), 0o644, "init's suite");
}

/// Every file and directory `harden init` writes follows the umask, as any tool's output
/// does: 0644 and 0755 under 022, 0600 and 0700 under 077.
#[test]
fn init_writes_by_the_umask() {
    for (mask, file, dir) in [("022", 0o644, 0o755), ("077", 0o600, 0o700)] {
        let here = tempfile::tempdir().unwrap();
        std::fs::write(
            here.path().join("openapi.json"),
            r#"{"openapi": "3.0.3", "info": {"title": "Shop"}, "paths": {
                "/status": {"get": {"responses": {"200": {"description": "ok"}}}}}}"#,
        )
        .unwrap();
        let (code, out, err) = under_umask(
            mask,
            here.path(),
            &["init", "--from-openapi", "openapi.json"],
        );
        assert_eq!(code, 0, "{out}{err}");
        assert_eq!(
            mode(&here.path().join("harden.yaml")),
            file,
            "the suite under umask {mask}"
        );
        // Into directories it creates.
        let (code, out, err) = under_umask(
            mask,
            here.path(),
            &[
                "init",
                "--from-openapi",
                "openapi.json",
                "--output",
                "ci/suites/api.yaml",
            ],
        );
        assert_eq!(code, 0, "{out}{err}");
        for d in ["ci", "ci/suites"] {
            assert_eq!(mode(&here.path().join(d)), dir, "{d}/ under umask {mask}");
        }
        assert_eq!(
            mode(&here.path().join("ci/suites/api.yaml")),
            file,
            "ci/suites/api.yaml under umask {mask}"
        );
        // Nothing else is left beside them (no temporary file).
        let mut left: Vec<String> = walk(here.path());
        left.sort();
        assert_eq!(
            left,
            [
                "ci",
                "ci/suites",
                "ci/suites/api.yaml",
                "harden.yaml",
                "openapi.json"
            ],
            "under umask {mask}"
        );
    }
}

/// Every path under `root`, relative to it.
fn walk(root: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            out.push(p.strip_prefix(root).unwrap().display().to_string());
            if p.is_dir() {
                todo.push(p);
            }
        }
    }
    out
}

#[test]
fn a_filter_that_matches_nothing_is_a_usage_error_naming_the_checks() {
    let out = Harden::check("fixtures/suites/http/fail.yaml")
        .args(["--filter", "wrong-stauts"])
        .run();
    assert_eq!(out.code, 2, "{out}");
    assert!(!out.stdout.contains("n/a/100"), "{out}");
    assert!(
        out.stderr
            .contains("`--filter wrong-stauts` matches no check")
            && out.stderr.contains("did you mean `wrong-status`?"),
        "{out}"
    );
}

/// A run with no check counted (a shard with fewer checks than shards) has no score: every
/// report says `n/a`, never `n/a/100`.
#[test]
fn no_score_reads_n_a_in_every_report() {
    let out = Harden::check("fixtures/suites/dependency/present.yaml")
        .args(["--partition", "2/2"])
        .args([
            "--markdown",
            "summary.md",
            "--html",
            "report.html",
            "--badge",
            "badge.svg",
        ])
        .run();
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stdout.contains("score n/a (0 of 0 checks counted)"),
        "{out}"
    );
    for (name, text) in [
        ("terminal", out.stdout.clone()),
        ("summary.md", out.file("summary.md")),
        ("report.html", out.file("report.html")),
        ("badge.svg", out.file("badge.svg")),
    ] {
        assert!(
            !text.contains("n/a/100") && !text.contains("n/a<span class=\"muted\">/100"),
            "{name}: {text}"
        );
        assert!(text.contains("n/a"), "{name}: {text}");
    }
}

#[test]
fn validate_hints_do_not_send_the_user_to_check() {
    let out = Harden::new().args(["validate", "no-such-suite.yaml"]).run();
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("hint:"), "{out}");
    assert!(!out.stderr.contains("harden check"), "{out}");
    let empty = tempfile::tempdir().unwrap();
    let out = Harden::new().args(["validate"]).run_in(empty.path());
    assert_eq!(out.code, 2, "{out}");
    assert!(!out.stderr.contains("harden check"), "{out}");
}

#[test]
fn list_columns_line_up() {
    let out = Harden::new()
        .args([
            "list",
            &repo()
                .join("checks/orchestrator.yaml")
                .display()
                .to_string(),
        ])
        .run();
    assert_eq!(out.code, 0, "{out}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines.len() > 10, "{out}");
    // Each column starts where the header's does, on every row.
    let header = lines[0];
    let starts: Vec<usize> = ["kind", "category", "severity", "location"]
        .iter()
        .map(|h| header.find(h).expect("column in the header"))
        .collect();
    for line in &lines[1..] {
        for &s in &starts {
            assert!(
                line.len() > s && line.as_bytes()[s - 1] == b' ' && line.as_bytes()[s] != b' ',
                "column at {s} misaligned in {line:?}\n{}",
                out.stdout
            );
        }
    }
}

#[test]
fn man_is_one_complete_page() {
    let out = Harden::new().args(["man"]).run();
    assert_eq!(out.code, 0, "{out}");
    let page = out.stdout;
    for sub in [
        "check",
        "validate",
        "list",
        "report",
        "init",
        "completions",
        "man",
        "schema",
    ] {
        assert!(
            page.contains(&format!("harden {sub}")),
            "no section for `harden {sub}`"
        );
    }
    for flag in [
        "\\-\\-junit",
        "\\-\\-min\\-score",
        "\\-\\-from\\-openapi",
        "\\-\\-filter",
    ] {
        assert!(page.contains(flag), "{flag} is not on the page");
    }
    assert!(page.contains(".SH \"EXIT STATUS\""), "{page}");
    assert!(page.contains("130"), "exit codes listed");
    assert!(
        !page.contains("harden\\-check(1)"),
        "no page that does not exist"
    );
    assert!(
        !page.contains("harden-check(1)"),
        "no page that does not exist"
    );
}

#[test]
fn the_bundled_suite_cites_only_files_that_exist() {
    for file in [
        "checks/orchestrator.yaml",
        "fixtures/server/main.rs",
        "fixtures/server/routes.rs",
        "fixtures/suites/rate-limit/enforced.yaml",
    ] {
        let text = std::fs::read_to_string(repo().join(file)).unwrap();
        assert!(!text.contains("TARGET.md"), "{file} cites TARGET.md");
    }
}

/// The live status line in a real terminal (tmux) 50 columns wide, which exports no
/// `$COLUMNS`: it fits, leaves no copy behind at each redraw, and Ctrl-C's message gets a
/// line of its own.
#[test]
fn the_status_line_fits_a_narrow_terminal_and_ctrl_c_gets_its_own_line() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("tmux is not installed: not checked");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut yaml = String::from(
        "suite: narrow\ninstance:\n  command: [\"harden-fixture\", \"--port\", \"${PORT}\", \"--fault\", \"slow-endpoint=400ms\"]\n  ready: { http: /health/ready, timeout: 20s }\nchecks:\n",
    );
    for i in 0..20 {
        yaml.push_str(&format!(
            "  - id: a-check-with-a-rather-long-identifier-{i}\n    http: {{ request: {{ path: /runs/x }}, expect: {{ status: 404 }} }}\n"
        ));
    }
    let suite = dir.path().join("suite.yaml");
    std::fs::write(&suite, yaml).unwrap();
    // A server of its own, its socket in the temporary directory.
    let socket = dir.path().join("tmux.sock");
    let tmux = |args: &[&str]| {
        Command::new("tmux")
            .arg("-S")
            .arg(&socket)
            .args(args)
            .output()
            .expect("run tmux")
    };
    let command = format!(
        "trap true INT; env -u COLUMNS -u CI PATH='{}' '{}' check '{}' --jobs 1; sleep 30",
        path_with_fixture(),
        env!("CARGO_BIN_EXE_harden"),
        suite.display()
    );
    let started = tmux(&[
        "new-session",
        "-d",
        "-s",
        "t",
        "-x",
        "50",
        "-y",
        "60",
        &command,
    ]);
    assert!(started.status.success(), "{started:?}");
    let screen =
        || String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-t", "t"]).stdout).into_owned();
    let wait_for = |what: &str| {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let s = screen();
            if s.contains(what) || std::time::Instant::now() > deadline {
                return s;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let mut seen = wait_for("[3/20]");
    for _ in 0..8 {
        std::thread::sleep(Duration::from_millis(150));
        let s = screen();
        let status_lines: Vec<&str> = s.lines().filter(|l| l.starts_with('[')).collect();
        assert!(status_lines.len() <= 1, "a stale status line:\n{s}");
        assert!(
            status_lines.iter().all(|l| l.chars().count() < 50),
            "the status line reaches the last column:\n{s}"
        );
        seen = s;
    }
    assert!(seen.contains("PASS"), "{seen}");
    tmux(&["send-keys", "-t", "t", "C-c"]);
    let after = wait_for("harden: interrupted");
    let _ = tmux(&["kill-server"]);
    let line = after
        .lines()
        .find(|l| l.contains("harden: interrupted"))
        .unwrap_or_else(|| panic!("no interrupt message:\n{after}"));
    assert!(
        line.starts_with("harden: interrupted"),
        "the message shares its line: {line:?}\n{after}"
    );
}
