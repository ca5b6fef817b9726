//! The readiness score and its gates, the baseline, Markdown and GitHub outputs, and
//! CI sharding: `--partition k/n` runs merged by `harden report` equal one unsharded run.

use crate::harness::{Harden, repo};

const REFERENCE: &str = "checks/orchestrator.yaml";

#[test]
fn critical_fault_is_not_ready_however_high_the_score() {
    let out = Harden::check(REFERENCE)
        .env("FIXTURE_FAULTS", "bad-webhook")
        .args(["--min-score", "50"])
        .run();
    assert_eq!(out.code, 1, "{out}");
    let r = out.results();
    assert!(
        r["score"]["score"].as_f64().unwrap() > 90.0,
        "{}",
        r["score"]
    );
    assert_eq!(r["verdict"]["gate"], "critical");
    assert!(
        out.stdout
            .contains("verdict: NOT READY: critical check failed: webhook-signature-verified"),
        "{out}"
    );
}

#[test]
fn min_score_tolerates_non_critical_failures_and_says_so() {
    let out = Harden::check(REFERENCE)
        .env("FIXTURE_FAULTS", "no-security-headers")
        .args(["--min-score", "90"])
        .run();
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.contains("verdict: READY: score 97.6 >= --min-score 90; tolerated: 1 non-critical check did not pass: security-headers"), "{out}");
}

#[test]
fn baseline_shows_the_negative_delta_and_the_check_that_changed() {
    let base = Harden::check(REFERENCE).run();
    assert_eq!(base.code, 0, "{base}");
    let baseline = base.dir.path().join("results.json");
    let out = Harden::check(REFERENCE)
        .env("FIXTURE_FAULTS", "no-rate-limit")
        .args([
            "--baseline",
            &baseline.display().to_string(),
            "--min-score",
            "50",
            "--max-regression",
            "2",
        ])
        .run();
    assert_eq!(out.code, 1, "{out}");
    assert!(out.stdout.contains("baseline: 100 -> 96.5, -3.5"), "{out}");
    assert!(
        out.stdout
            .contains("  orchestrator/runs-api-rate-limited: pass -> fail"),
        "{out}"
    );
    assert!(out.stdout.contains("verdict: NOT READY: the score dropped by 3.5 (100 -> 96.5, -3.5), more than --max-regression 2"), "{out}");
    let v = &out.results()["verdict"];
    assert_eq!(v["gate"], "max-regression");
    assert_eq!(
        v["baseline"]["changed"][0],
        serde_json::json!(["orchestrator/runs-api-rate-limited", "pass", "fail"])
    );
}

#[test]
fn markdown_and_github_actions_outputs() {
    let h = Harden::check(REFERENCE)
        .env("FIXTURE_FAULTS", "schema-drift")
        .env("GITHUB_ACTIONS", "true");
    let summary = h.path("step-summary.md");
    let md = h.path("summary.md");
    std::fs::write(&summary, "## earlier step\n").unwrap();
    let out = h
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["--markdown", &md])
        .run();
    assert_eq!(out.code, 1, "{out}");
    let markdown = out.file("summary.md");
    assert!(
        markdown.starts_with("## harden: ❌ NOT READY, score "),
        "{markdown}"
    );
    assert!(markdown.contains("### Failing checks (3)"), "{markdown}");
    assert!(
        markdown.contains("#### ❌ `create-run` (http, contract, critical): "),
        "{markdown}"
    );
    assert!(
        markdown.contains("<details><summary>27 checks passing</summary>"),
        "{markdown}"
    );
    let step = out.file("step-summary.md");
    assert!(
        step.starts_with("## earlier step\n## harden: "),
        "appended, not replaced"
    );
    let annotations: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert_eq!(annotations.len(), 3, "{out}");
    assert!(
        annotations[0].starts_with(&format!(
            "::error file={},line=",
            repo().join(REFERENCE).display()
        )),
        "{}",
        annotations[0]
    );
    assert!(
        annotations[0].contains("title=harden%3A create-run failed (critical)::"),
        "{}",
        annotations[0]
    );
}

#[test]
fn sharded_and_merged_equals_unsharded() {
    let faults = "schema-drift,no-rate-limit";
    let whole = Harden::check(REFERENCE).env("FIXTURE_FAULTS", faults).run();
    assert_eq!(whole.code, 1, "{whole}");
    let merge = Harden::new();
    let mut parts = Vec::new();
    for k in 1..=3 {
        let shard = Harden::check(REFERENCE)
            .env("FIXTURE_FAULTS", faults)
            .args(["--partition", &format!("{k}/3")])
            .run();
        let path = merge.dir.path().join(format!("shard-{k}.json"));
        std::fs::copy(shard.dir.path().join("results.json"), &path).unwrap();
        parts.push(path.display().to_string());
    }
    let (junit, json) = (merge.path("junit.xml"), merge.path("results.json"));
    let out = merge
        .args(["report"])
        .args(&parts)
        .args(["--junit", &junit, "--json", &json])
        .run();
    assert_eq!(out.code, whole.code, "{out}");
    let (a, b) = (whole.results(), out.results());
    assert_eq!(
        a["score"], b["score"],
        "same score, categories and blocking checks"
    );
    assert_eq!(a["verdict"]["line"], b["verdict"]["line"]);
    let digits = regex::Regex::new(r"\d+").unwrap();
    let summary = |r: &serde_json::Value| -> Vec<(String, String, String)> {
        r["suites"][0]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["id"].as_str().unwrap().into(),
                    c["status"].as_str().unwrap().into(),
                    // What the service said (times, ids) differs between two runs.
                    digits
                        .replace_all(c["message"].as_str().unwrap_or(""), "#")
                        .into_owned(),
                )
            })
            .collect()
    };
    assert_eq!(
        summary(&a),
        summary(&b),
        "same checks, same order, same outcomes"
    );
    let names = |j: crate::harness::Junit| {
        j.cases()
            .into_iter()
            .map(|c| (c.name, c.outcome))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(whole.junit()), names(out.junit()));
}

#[test]
fn report_rejects_overlapping_shards_and_non_results_files() {
    let run = Harden::check("fixtures/suites/http/pass.yaml").run();
    let results = run.dir.path().join("results.json").display().to_string();
    let out = Harden::new().args(["report", &results, &results]).run();
    assert_eq!(out.code, 2, "{out}");
    assert!(
        out.stderr.contains("is in more than one results file"),
        "{out}"
    );
    let suite = repo()
        .join("fixtures/suites/http/pass.yaml")
        .display()
        .to_string();
    let out = Harden::new().args(["report", &suite]).run();
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("is not a harden results file"), "{out}");
}

#[test]
fn suite_can_weigh_categories_and_override_severities() {
    let out = Harden::check_yaml(
        r#"
suite: weights
instance:
  command: ["harden-fixture", "--port", "${PORT}"]
  ready: { http: /health/ready }
score:
  category-weights: { contract: 3 }
  severities: { b: critical }
checks:
  - id: a
    http: { request: { path: /health }, expect: { status: 200 } }
  - id: b
    category: ops
    http: { request: { path: /health }, expect: { status: 500 } }
"#,
    )
    .run();
    assert_eq!(out.code, 1, "{out}");
    let r = out.results();
    // a: medium (5) x 3 = 15, pass; b: critical 10, fail => 100 * 15 / 25 = 60.
    assert_eq!(r["score"]["score"], 60.0);
    assert_eq!(r["score"]["blocking"], serde_json::json!(["b"]));
}

#[test]
fn unreadable_baseline_is_a_usage_error_before_anything_starts() {
    let h = Harden::check(REFERENCE);
    let missing = h.path("no-such-results.json");
    let out = h.args(["--baseline", &missing]).run();
    assert_eq!(out.code, 2, "{out}");
    assert!(
        out.stderr.contains("cannot read `") && out.stderr.contains("no such file or directory"),
        "{out}"
    );
    assert!(out.stdout.is_empty(), "nothing ran: {out}");
}
