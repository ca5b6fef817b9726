//! The CI integrations shipped in the repository parse, and the harden commands they run
//! are valid invocations that work.

use crate::harness::{Harden, repo};

fn yaml(text: &str) -> serde_json::Value {
    serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("not YAML: {e}\n{text}"))
}

/// Runs a `harden ...` command line as a CI step would, on the reference suite, and
/// returns its exit code.
fn run_line(line: &str, dir: &tempfile::TempDir) -> i32 {
    let words: Vec<String> = line
        .split_whitespace()
        .map(|w| w.trim_matches('"').to_string())
        .collect();
    assert_eq!(words[0], "harden", "{line}");
    let mut h = Harden::new().args(&words[1..]);
    if words[1] == "check" {
        h = h.args(["--filter", "toolchain-present"]);
    }
    let out = h.run_in(dir.path());
    assert!(!out.stderr.contains("unexpected argument"), "{line}\n{out}");
    out.code
}

/// A temp dir laid out like a repository using harden: `checks/*.yaml`.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let checks = dir.path().join("checks");
    std::fs::create_dir_all(&checks).unwrap();
    std::fs::write(
        checks.join("api.yaml"),
        "suite: api\nchecks:\n  - id: toolchain-present\n    dependency: { binaries: [sh] }\n",
    )
    .unwrap();
    dir
}

#[test]
fn the_github_action_runs_a_valid_harden_check() {
    let action = yaml(&std::fs::read_to_string(repo().join("action.yml")).unwrap());
    assert_eq!(action["runs"]["using"], "composite");
    let steps = action["runs"]["steps"].as_array().unwrap();
    let run = steps
        .iter()
        .filter_map(|s| s["run"].as_str())
        .find(|r| r.contains(" check "))
        .expect("a step runs harden check");
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/upload-artifact"))
        })
        .expect("the reports are uploaded");
    assert_eq!(upload["if"], "always()");
    // The command with the inputs' defaults and a temp reports dir.
    let dir = project();
    let line = run
        .replace("\"${{ runner.temp }}/harden/bin/harden\"", "harden")
        .replace("${{ inputs.suites }}", "checks/api.yaml")
        .replace("${{ inputs.args }}", "--min-score 85")
        .replace("${{ inputs.reports }}", "reports");
    assert!(!line.contains("${{"), "{line}");
    assert_eq!(run_line(&line, &dir), 0, "{line}");
    for report in ["junit.xml", "results.json", "summary.md"] {
        assert!(dir.path().join("reports").join(report).exists(), "{report}");
    }
}

#[test]
fn the_gitlab_job_in_the_docs_runs_valid_harden_commands() {
    let doc = std::fs::read_to_string(repo().join("docs/ci.md")).unwrap();
    let block = doc
        .split("```yaml")
        .nth(2)
        .and_then(|b| b.split("```").next())
        .expect("the GitLab block");
    let job = &yaml(block)["harden"];
    assert_eq!(job["artifacts"]["reports"]["junit"], "harden-junit.xml");
    assert_eq!(job["artifacts"]["when"], "always");
    let dir = project();
    let mut ran = 0;
    for line in job["script"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l.as_str())
    {
        if line.starts_with("harden ") {
            assert_eq!(run_line(line, &dir), 0, "{line}");
            ran += 1;
        }
    }
    assert_eq!(ran, 2);
    assert!(dir.path().join("harden-junit.xml").exists());
}

/// The HTML artifact recipes in docs/ci.md: each runs a valid `harden check` that writes
/// the page, and uploads it also when the gate fails.
#[test]
fn the_html_artifact_recipes_in_the_docs_write_and_upload_the_page() {
    let doc = std::fs::read_to_string(repo().join("docs/ci.md")).unwrap();
    let section = doc
        .split("## The HTML report as an artifact")
        .nth(1)
        .expect("the HTML section");
    let blocks: Vec<serde_json::Value> = section
        .split("```yaml")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .map(yaml)
        .collect();
    assert_eq!(blocks.len(), 2, "a GitHub and a GitLab recipe");
    let github = blocks[0].as_array().expect("GitHub steps");
    let gitlab = &blocks[1];
    assert_eq!(github[1]["if"], "always()");
    assert_eq!(github[1]["with"]["path"], "harden.html");
    assert_eq!(gitlab["artifacts"]["when"], "always");
    assert_eq!(gitlab["artifacts"]["paths"][0], "harden.html");
    let lines = [
        github[0]["run"].as_str().expect("a run line"),
        gitlab["script"][0].as_str().expect("a script line"),
    ];
    for line in lines {
        let dir = project();
        assert_eq!(run_line(line, &dir), 0, "{line}");
        let page = std::fs::read_to_string(dir.path().join("harden.html")).expect(line);
        assert!(page.contains("data-status=\"pass\""), "{page}");
    }
}
