//! `harden validate DIR`: every error of every suite at once, each at `file:line:col`,
//! exit 2, nothing started; and `--var` names only variables a suite has.

use crate::harness::Harden;
use std::path::Path;

/// A suite whose instance, if it were ever started, would leave `marker` behind.
fn suite(marker: &Path, name: &str, checks: &str, extra: &str) -> String {
    format!(
        "suite: {name}\ninstance:\n  command: [\"sh\", \"-c\", \"echo started > {}\"]\n{extra}vars: {{ user: ci, token: t }}\nchecks:\n{checks}",
        marker.display()
    )
}

const OK_CHECK: &str = "    http: { request: { path: \"/x/${user}\" }, expect: { status: 200 } }\n";

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Two wrong suites (one in a subdirectory) and a valid one: every error of both is
/// printed with its place, the valid one is `ok`, the exit is 2, and no instance starts
/// (neither under `validate` nor under `check`).
#[test]
fn validate_a_directory_reports_every_error_of_every_suite_and_starts_nothing() {
    let h = Harden::new();
    let marker = h.dir.path().join("started");
    let suites = h.dir.path().join("suites");
    let many = format!(
        "  - id: a\n    retries: many\n{OK_CHECK}  - id: a\n    severty: high\n{OK_CHECK}  - id: lonely\n  - id: d\n    severity: urgent\n    timeout: soon\n{OK_CHECK}"
    );
    write(&suites, "a.yaml", &suite(&marker, "a", &many, ""));
    let ready = "  ready: /health\n";
    let one =
        "  - id: b\n    http: { request: { path: /x }, expect: { stauts: 200 } }\n".to_string();
    write(&suites, "sub/b.yml", &suite(&marker, "b", &one, ready));
    write(
        &suites,
        "c.yaml",
        &suite(&marker, "c", &format!("  - id: c\n{OK_CHECK}"), ""),
    );
    let dir = suites.display().to_string();
    let out = Harden::new().args(["validate", &dir]).run();
    assert_eq!(out.code, 2, "{out}");
    assert!(
        out.stdout
            .contains(&format!("ok: {dir}/c.yaml (suite `c`, 1 check)")),
        "{out}"
    );
    let a = format!("{dir}/a.yaml");
    let b = format!("{dir}/sub/b.yml");
    for want in [
        format!(
            "error: {a}:7:14: checks[0].retries: expected a non-negative whole number, found `many`"
        ),
        format!("error: {a}:9:9: checks[1].id: duplicate check id `a` (first used on line 6)"),
        format!("error: {a}:10:5: checks[1].severty: unknown field `severty`"),
        "hint: did you mean `severity`?".to_string(),
        format!("error: {a}:12:9: checks[2]: check `lonely` has no kind"),
        format!("error: {a}:14:15: checks[3].severity: unknown severity `urgent`"),
        format!("error: {a}:15:14: checks[3].timeout: invalid duration `soon`"),
        format!(
            "error: {b}:4:10: instance.ready: expected a mapping (`key: value` lines, or `{{ key: value }}`), found `/health`"
        ),
        format!("error: {b}:8:46: checks[0].http.expect.stauts: unknown field `stauts`"),
        "8 errors in 2 suites of 3".to_string(),
    ] {
        assert!(out.stderr.contains(&want), "expected\n{want}\nin\n{out}");
    }
    let shown = out.stderr.replace(&dir, "[DIR]");
    insta::assert_snapshot!("validate_every_error_of_every_suite", shown);
    let out = Harden::new().args(["check", &dir]).run();
    assert_eq!(out.code, 2, "{out}");
    assert!(
        out.stderr
            .contains("checks[3].timeout: invalid duration `soon`"),
        "{out}"
    );
    assert!(!marker.exists(), "an instance was started");
}

/// A valid directory exits 0 with one `ok` line per suite; a directory with no suite is a
/// usage error.
#[test]
fn validate_a_valid_directory_and_an_empty_one() {
    let h = Harden::new();
    let marker = h.dir.path().join("started");
    let suites = h.dir.path().join("suites");
    write(
        &suites,
        "a.yaml",
        &suite(&marker, "a", &format!("  - id: a\n{OK_CHECK}"), ""),
    );
    write(
        &suites,
        "b.yaml",
        &suite(&marker, "b", &format!("  - id: b\n{OK_CHECK}"), ""),
    );
    write(&suites, "notes.txt", "not a suite");
    let out = Harden::new()
        .args(["validate", &suites.display().to_string()])
        .run();
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(
        out.stdout.lines().filter(|l| l.starts_with("ok: ")).count(),
        2,
        "{out}"
    );
    let empty = h.dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = Harden::new()
        .args(["validate", &empty.display().to_string()])
        .run();
    assert_eq!(out.code, 2, "{out}");
    assert!(
        out.stderr.contains("no suite files (`*.yaml`, `*.yml`) in"),
        "{out}"
    );
    assert!(!marker.exists(), "an instance was started");
}

/// `--var` names a variable of the suite (under `vars:`, or used as `${name}`): a typo is
/// an error naming the suite's variables with the closest one, under `validate` and
/// under `check` (which then starts nothing).
#[test]
fn an_unknown_var_is_an_error_naming_the_suites_vars() {
    let h = Harden::new();
    let marker = h.dir.path().join("started");
    let file = h.dir.path().join("s.yaml");
    let checks = format!(
        "  - id: a\n{OK_CHECK}  - id: b\n    http: {{ request: {{ path: \"/y/${{extra}}\" }}, expect: {{ status: 200 }} }}\n"
    );
    std::fs::write(&file, suite(&marker, "s", &checks, "")).unwrap();
    let file = file.display().to_string();
    for command in ["validate", "check"] {
        let out = Harden::new()
            .args([command, &file, "--var", "usr=x", "--var", "extra=1"])
            .run();
        assert_eq!(out.code, 2, "{command}: {out}");
        assert!(
            out.stderr
                .contains("error: unknown variable `usr` in `--var usr=...`")
                && out.stderr.contains(
                    "hint: did you mean `user`? the suite's variables are `extra`, `token`, `user`"
                ),
            "{command}: {out}"
        );
    }
    let out = Harden::new()
        .args(["validate", &file, "--var", "user=x", "--var", "extra=1"])
        .run();
    assert_eq!(out.code, 0, "{out}");
    assert!(!marker.exists(), "an instance was started");
}
