//! The CI integrations shipped in the repository parse and work as written: the action's
//! steps run with bash as the runner would run them, and the GitLab jobs of docs/ci.md run
//! their script lines (three `parallel:` shards and the merge) against a local release.

use crate::harness::{Harden, repo};
use std::path::Path;
use std::process::Command;

fn yaml(text: &str) -> serde_json::Value {
    serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("not YAML: {e}\n{text}"))
}

/// A temp dir laid out like a repository using harden: `checks/*.yaml` with four checks
/// that need no service.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let checks = dir.path().join("checks");
    std::fs::create_dir_all(&checks).unwrap();
    let mut suite = String::from("suite: api\nchecks:\n");
    for bin in ["sh", "tar", "cat", "ls"] {
        suite.push_str(&format!(
            "  - id: {bin}-present\n    dependency: {{ binaries: [{bin}] }}\n"
        ));
    }
    std::fs::write(checks.join("api.yaml"), suite).unwrap();
    dir
}

/// Runs one `harden ...` line of a recipe in `dir` (only the `sh-present` check, so that no
/// service is needed); its exit code.
fn run_line(line: &str, dir: &tempfile::TempDir) -> i32 {
    let words: Vec<String> = line
        .split_whitespace()
        .map(|w| w.trim_matches('"').to_string())
        .collect();
    assert_eq!(words[0], "harden", "{line}");
    let mut h = Harden::new().args(&words[1..]);
    if words[1] == "check" {
        h = h.args(["--filter", "sh-present"]);
    }
    let out = h.run_in(dir.path());
    assert!(!out.stderr.contains("unexpected argument"), "{line}\n{out}");
    out.code
}

/// A directory holding `harden` (a wrapper that runs the binary under test), first on PATH.
fn harden_on_path() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("harden");
    std::fs::write(
        &bin,
        format!(
            "#!/bin/sh\nexec '{}' \"$@\"\n",
            env!("CARGO_BIN_EXE_harden")
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    (dir, path)
}

fn step<'a>(steps: &'a [serde_json::Value], name: &str) -> &'a serde_json::Value {
    steps
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step `{name}`"))
}

/// Runs a composite step's `run:` with bash as the runner does (`bash -e -o pipefail`),
/// with its env; returns the exit code and what it wrote to `$GITHUB_OUTPUT`.
fn run_step(
    s: &serde_json::Value,
    env: &[(&str, &str)],
    dir: &Path,
    path: &str,
) -> (i32, String, String) {
    let outputs = dir.join(format!("github-output-{}", std::process::id()));
    let _ = std::fs::remove_file(&outputs);
    let mut cmd = Command::new("bash");
    cmd.args(["--noprofile", "--norc", "-e", "-o", "pipefail", "-c"])
        .arg(s["run"].as_str().expect("a run step"))
        .current_dir(dir)
        .env("PATH", path)
        .env("GITHUB_OUTPUT", &outputs)
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("CI_NODE_INDEX")
        .env_remove("CI_NODE_TOTAL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run bash");
    (
        out.status.code().unwrap_or(-1),
        std::fs::read_to_string(&outputs).unwrap_or_default(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn output<'a>(outputs: &'a str, key: &str) -> &'a str {
    outputs
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("no output `{key}` in:\n{outputs}"))
}

#[test]
fn the_github_action_runs_harden_check_and_sets_its_outputs() {
    let action = yaml(&std::fs::read_to_string(repo().join("action.yml")).unwrap());
    assert_eq!(action["runs"]["using"], "composite");
    let steps = action["runs"]["steps"].as_array().unwrap();
    let upload = step(steps, "Upload the reports");
    assert_eq!(upload["if"], "always() && inputs.install-only != 'true'");
    assert_eq!(
        upload["with"]["name"],
        "${{ steps.plan.outputs.artifact-name }}"
    );
    let check = step(steps, "Run harden check");
    let (_bin, path) = harden_on_path();
    let dir = project();

    let ready = [
        ("SUITES", "checks/api.yaml"),
        ("ARGS", "--min-score 85 --jobs 2"),
        ("PARTITION", ""),
        ("REPORTS", "reports"),
    ];
    let (code, outputs, stderr) = run_step(check, &ready, dir.path(), &path);
    assert_eq!(code, 0, "{stderr}\n{outputs}");
    assert_eq!(output(&outputs, "exit-code"), "0");
    assert_eq!(output(&outputs, "ready"), "true");
    assert_eq!(output(&outputs, "score"), "100");
    assert_eq!(
        output(&outputs, "verdict"),
        "READY: score 100 >= --min-score 85"
    );
    assert_eq!(output(&outputs, "results"), "reports/results.json");
    for report in ["junit.xml", "results.json", "summary.md"] {
        assert!(dir.path().join("reports").join(report).exists(), "{report}");
    }

    // A failing gate: the step fails with harden's code, and the outputs say why.
    std::fs::write(
        dir.path().join("failing.yaml"),
        "suite: failing\nchecks:\n  - id: missing-tool\n    dependency: { binaries: [no-such-tool-zz] }\n",
    )
    .unwrap();
    let failing = [
        ("SUITES", "failing.yaml"),
        ("ARGS", ""),
        ("PARTITION", ""),
        ("REPORTS", "failing"),
    ];
    let (code, outputs, stderr) = run_step(check, &failing, dir.path(), &path);
    assert_eq!(code, 1, "{stderr}\n{outputs}");
    assert_eq!(output(&outputs, "exit-code"), "1");
    assert_eq!(output(&outputs, "ready"), "false");
    assert_eq!(output(&outputs, "score"), "0");
    assert_eq!(
        output(&outputs, "verdict"),
        "NOT READY: 1 check did not pass: missing-tool"
    );

    // The partition input is harden's --partition: the second of three slices of 4 checks.
    let shard = [
        ("SUITES", ""),
        ("ARGS", ""),
        ("PARTITION", "2/3"),
        ("REPORTS", "shard"),
    ];
    let (code, outputs, stderr) = run_step(check, &shard, dir.path(), &path);
    assert_eq!(code, 0, "{stderr}\n{outputs}");
    let results: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("shard/results.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(results["score"]["counted"], 1, "{results}");
}

/// The default artifact name differs between the jobs of a matrix (partitions, suites),
/// since upload-artifact refuses a second artifact of one name.
#[test]
fn the_action_names_each_jobs_artifact_apart() {
    let action = yaml(&std::fs::read_to_string(repo().join("action.yml")).unwrap());
    let steps = action["runs"]["steps"].as_array().unwrap();
    let plan = step(steps, "Plan the install");
    let dir = tempfile::tempdir().unwrap();
    let install = repo().join("scripts/install.sh").display().to_string();
    let lock = repo().join("Cargo.lock").display().to_string();
    let name = |partition: &str, suites: &str, given: &str| {
        let env = [
            ("INSTALL", install.as_str()),
            ("HARDEN_REPO", "example/harden"),
            ("VERSION", "0.1.0"),
            ("ACTION_REF", "main"),
            ("FROM_SOURCE", "false"),
            ("NAME", given),
            ("PARTITION", partition),
            ("SUITES", suites),
            ("ARGS", ""),
            ("LOCKFILE", lock.as_str()),
            ("GITHUB_JOB", "harden"),
            ("GITHUB_ACTION", "__example_harden"),
            ("RUNNER_OS", "Linux"),
            ("RUNNER_ARCH", "X64"),
            ("RUNNER_TOOL_CACHE", "/opt/hostedtoolcache"),
        ];
        let path = std::env::var("PATH").unwrap();
        let (code, outputs, stderr) = run_step(plan, &env, dir.path(), &path);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(output(&outputs, "version"), "0.1.0");
        assert!(
            output(&outputs, "dir").starts_with("/opt/hostedtoolcache/harden/0.1.0/"),
            "{outputs}"
        );
        output(&outputs, "artifact-name").to_string()
    };
    let shards: Vec<String> = ["1/3", "2/3", "3/3"]
        .iter()
        .map(|p| name(p, "", ""))
        .collect();
    assert_eq!(
        shards,
        [
            "harden-harden-1of3",
            "harden-harden-2of3",
            "harden-harden-3of3"
        ]
    );
    let (a, b) = (name("", "checks/a.yaml", ""), name("", "checks/b.yaml", ""));
    assert!(a.starts_with("harden-harden-") && b.starts_with("harden-harden-"));
    assert_ne!(a, b);
    assert_eq!(name("", "", "mine"), "mine");
}

/// The GitLab jobs of docs/ci.md, script lines as written, in one shell per job as the
/// runner runs them, with GitLab's variables: the install line fetches the install script
/// and a release from local files (`HARDEN_INSTALL_SH`, `HARDEN_BASE_URL`), three
/// `parallel:` shards run, and `harden-report` merges them into the one-run verdict.
#[test]
fn the_gitlab_jobs_in_the_docs_run_as_written() {
    let doc = std::fs::read_to_string(repo().join("docs/ci.md")).unwrap();
    let block = doc
        .split("```yaml")
        .filter_map(|b| b.split("```").next())
        .find(|b| b.contains("harden-report:") && b.contains("parallel:"))
        .expect("the GitLab block");
    let pipeline = yaml(block);
    let shard_job = &pipeline["harden"];
    let report_job = &pipeline["harden-report"];
    assert_eq!(shard_job["parallel"], 3);
    assert_eq!(shard_job["artifacts"]["when"], "always");
    assert_eq!(
        shard_job["artifacts"]["reports"]["junit"],
        "harden-junit-*.xml"
    );
    assert_eq!(report_job["needs"][0], "harden");

    // The release the install line fetches: `harden` runs the binary under test.
    let release = tempfile::tempdir().unwrap();
    let version = pipeline["variables"]["HARDEN_VERSION"].as_str().unwrap();
    let target = {
        let out = Command::new("sh")
            .arg(repo().join("scripts/install.sh"))
            .arg("--print-target")
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let name = format!("harden-{version}-{target}");
    std::fs::create_dir(release.path().join(&name)).unwrap();
    let (wrapper_dir, _) = harden_on_path();
    std::fs::copy(
        wrapper_dir.path().join("harden"),
        release.path().join(&name).join("harden"),
    )
    .unwrap();
    let packed = Command::new("sh")
        .current_dir(release.path())
        .args([
            "-ec",
            &format!("tar -czf {name}.tar.gz {name} && sha256sum {name}.tar.gz > sha256sums.txt"),
        ])
        .status()
        .unwrap();
    assert!(packed.success());

    let project = project();
    let run_job = |job: &serde_json::Value, node: Option<usize>| {
        let script: Vec<&str> = job["script"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect();
        let mut cmd = Command::new("sh");
        cmd.arg("-ec")
            .arg(script.join("\n"))
            .current_dir(project.path())
            .env_remove("CI_NODE_INDEX")
            .env_remove("CI_NODE_TOTAL")
            .env_remove("HARDEN_TARGET")
            .env("NO_COLOR", "1");
        for (k, v) in pipeline["variables"].as_object().unwrap() {
            cmd.env(k, v.as_str().unwrap());
        }
        cmd.env(
            "HARDEN_INSTALL_SH",
            format!("file://{}", repo().join("scripts/install.sh").display()),
        )
        .env(
            "HARDEN_BASE_URL",
            format!("file://{}", release.path().display()),
        )
        .env("CI_PROJECT_DIR", project.path());
        if let Some(k) = node {
            cmd.env("CI_NODE_INDEX", k.to_string())
                .env("CI_NODE_TOTAL", "3");
        }
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        (out.status.code().unwrap_or(-1), stdout, stderr)
    };
    for k in 1..=3 {
        let (code, stdout, stderr) = run_job(shard_job, Some(k));
        assert_eq!(code, 0, "shard {k}:\n{stdout}\n{stderr}");
        assert!(
            stderr.contains(&format!("installed harden {version} ({target})")),
            "{stderr}"
        );
        assert!(
            stdout.contains(&format!(
                "partition {k}/3 (from CI_NODE_INDEX/CI_NODE_TOTAL)"
            )),
            "{stdout}"
        );
        assert!(
            project
                .path()
                .join(format!("harden-results-{k}.json"))
                .exists()
        );
    }
    let (code, stdout, stderr) = run_job(report_job, None);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("verdict: READY: score 100 >= --min-score 85"),
        "{stdout}"
    );
    let merged: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(project.path().join("harden-results.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(merged["score"]["counted"], 4, "every shard's checks");
    assert!(project.path().join("harden-junit.xml").exists());
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
