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
