//! The `code` kind, both ways.

use crate::harness::Harden;

#[test]
fn clean_tree_passes() {
    let out = Harden::check("fixtures/suites/code/clean.yaml").run();
    assert_eq!(out.code, 0, "{out}");
}

#[test]
fn each_match_is_listed_as_file_and_line_and_gitignore_is_respected() {
    let out = Harden::check("fixtures/suites/code/dirty.yaml").run();
    assert_eq!(out.code, 1, "{out}");
    let r = out.results();
    let got: Vec<String> = r["suites"][0]["checks"][0]["assertions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            format!(
                "{} {}",
                a["property"].as_str().unwrap(),
                a["actual"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "`except-pass` matches 2: src/service.py:21, src/service.py:28",
            "`datetime-utcnow` matches 1: src/service.py:15",
            "`pydantic-class-config` matches 1: src/service.py:10",
            "`generic-exception` matches 1: src/service.py:30",
            "`secrets` matches 1: src/service.py:34",
        ],
        "build/ is in .gitignore, so bundle.py is not counted"
    );
    assert_eq!(
        r["suites"][0]["checks"][0]["score"], 2.0,
        "1 of 5 rules held: a proportional score"
    );
    let (_, message) = out.check("no-console-log");
    assert_eq!(
        message,
        "`console-log` matches: expected at most 0, got 2: src/app.js:2, src/app.js:7"
    );
}

fn git(dir: &std::path::Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .args([
            "-c",
            "user.name=harden",
            "-c",
            "user.email=harden@example.invalid",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

/// A `.env` committed despite `.gitignore` is exactly what a secrets rule is for; an
/// ignored file nobody committed is still skipped.
#[test]
fn committed_files_are_scanned_even_when_gitignore_matches_them() {
    let h = Harden::check_yaml(
        "suite: committed\nchecks:\n  - id: no-secrets\n    code:\n      root: .\n      rules: [{ preset: secrets }]\n",
    );
    let dir = h.dir.path().to_path_buf();
    std::fs::write(dir.join(".gitignore"), ".env\nscratch/\n").unwrap();
    std::fs::write(dir.join(".env"), "PASSWORD=\"hunter2-db-password\"\n").unwrap();
    std::fs::create_dir(dir.join("scratch")).unwrap();
    std::fs::write(
        dir.join("scratch/notes.py"),
        "password = \"not-committed-1\"\n",
    )
    .unwrap();
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", ".gitignore", "suite.yaml"]);
    git(&dir, &["add", "-f", ".env"]);
    git(&dir, &["commit", "-q", "-m", "init"]);
    let out = h.run();
    assert_eq!(out.code, 1, "{out}");
    let (status, message) = out.check("no-secrets");
    assert_eq!(status, "fail", "{out}");
    assert_eq!(
        message, "`secrets` matches: expected at most 0, got 1: .env:1",
        "{out}"
    );
}

#[test]
fn a_scan_of_no_file_is_an_error_naming_the_root_and_filters() {
    let out = Harden::check_yaml(
        "suite: nothing\nchecks:\n  - id: typo\n    code:\n      root: .\n      include: [\"src/**/*.pyy\"]\n      rules: [{ preset: except-pass }]\n",
    )
    .run();
    assert_eq!(out.code, 1, "{out}");
    let (status, message) = out.check("typo");
    assert_eq!(status, "error", "{out}");
    assert!(
        message.starts_with("no file was scanned under `")
            && message.contains(
                "(include: src/**/*.pyy; exclude: none; rule files: `except-pass`: **/*.py)"
            ),
        "{message}"
    );
}
