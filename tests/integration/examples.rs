//! Every example in the docs runs: each ```yaml block of `docs/checks/*.md` that is a whole
//! suite is checked against the healthy fixture, and so is every suite in `checks/`.

use crate::harness::{Harden, repo};

fn doc_suites() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut pages: Vec<_> = std::fs::read_dir(repo().join("docs/checks"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    pages.sort();
    for page in pages {
        let text = std::fs::read_to_string(&page).unwrap();
        for (n, block) in text.split("```yaml\n").skip(1).enumerate() {
            let body = block.split("```").next().unwrap_or_default();
            if body.starts_with("suite:") {
                out.push((
                    format!("{}#{}", page.file_name().unwrap().to_string_lossy(), n + 1),
                    body.to_string(),
                ));
            }
        }
    }
    out
}

#[test]
fn every_docs_example_passes_against_the_fixture() {
    let suites = doc_suites();
    let kinds = [
        "code",
        "command",
        "dependency",
        "health",
        "http",
        "load",
        "logs",
        "metrics",
        "openapi",
        "rate-limit",
        "security",
    ];
    for kind in kinds {
        assert!(
            suites
                .iter()
                .any(|(name, _)| name.starts_with(&format!("{kind}.md"))),
            "docs/checks/{kind}.md has no runnable example"
        );
    }
    for (name, body) in suites {
        let h = Harden::new();
        let file = h.dir.path().join("example.yaml");
        std::fs::write(&file, body).unwrap();
        let out = h.args(["check", &file.display().to_string()]).run();
        assert_eq!(out.code, 0, "{name}:\n{out}");
    }
}

#[test]
fn every_suite_in_checks_validates() {
    let out = Harden::new().args(["validate"]).run_in(&repo());
    assert_eq!(out.code, 0, "{out}");
}
