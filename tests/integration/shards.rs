//! CI sharding end to end: `harden check --partition k/3` three times, then `harden report`
//! over the three results files, gives the verdict, score and check states one unsharded
//! run gives, also when one shard's gate fails and when the service never starts.

use crate::harness::{Harden, Output};
use serde_json::Value;

/// Seven checks: preflight and service checks, one critical failure at position 4, which
/// only the second of three shards runs (a check's slice is its position modulo N).
const MIXED: &str = r#"
suite: sharded
instance:
  command: ["harden-fixture", "--port", "${PORT}"]
  ready: { http: /health/ready }
checks:
  - id: shell-present
    dependency: { binaries: [sh] }
  - id: health-ok
    http: { request: { path: /health }, expect: { status: 200 } }
  - id: ready-ok
    http: { request: { path: /health/ready }, expect: { status: 200 } }
  - id: unknown-run-404
    category: contract
    http: { request: { path: /runs/nope }, expect: { status: 404 } }
  - id: health-is-not-404
    severity: critical
    http: { request: { path: /health }, expect: { status: 404 } }
  - id: unknown-run-again
    http: { request: { path: /runs/other }, expect: { status: 404 } }
  - id: health-again
    severity: low
    http: { request: { path: /health }, expect: { status: 200 } }
"#;

const NEVER_READY: &str = r#"
suite: never-ready
instance:
  command: ["harden-fixture", "--port", "${PORT}", "--fault", "never-ready"]
  ready: { http: /health/ready, timeout: 2s }
checks:
  - id: health
    http: { request: { path: /health }, expect: { status: 200 } }
  - id: ready
    http: { request: { path: /health/ready }, expect: { status: 200 } }
  - id: runs
    http: { request: { path: /runs/x }, expect: { status: 404 } }
"#;

/// The outcome of a run as CI sees it: exit code, verdict, score and each check's state.
#[derive(Debug, PartialEq)]
struct Outcome {
    code: i32,
    verdict: Value,
    score: Value,
    checks: Vec<(String, String)>,
}

fn outcome(out: &Output, results: &Value) -> Outcome {
    let checks = results["suites"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["checks"].as_array().unwrap())
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    Outcome {
        code: out.code,
        verdict: results["verdict"].clone(),
        score: results["score"].clone(),
        checks,
    }
}

/// `harden check` of `suite` with its results JSON at `json`.
fn check(suite: &str, json: &str, partition: Option<&str>) -> Output {
    let mut h = Harden::new().args(["check", suite, "--json", json]);
    if let Some(p) = partition {
        h = h.args(["--partition", p]);
    }
    h.run()
}

fn read(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("results JSON")
}

/// One run, then three shards merged; returns both outcomes and the shards' exit codes.
/// Every run reads the same suite file, as CI jobs on one checkout do.
fn unsharded_and_merged(yaml: &str) -> (Outcome, Outcome, Vec<i32>) {
    let work = Harden::new();
    let suite = work.path("suite.yaml");
    std::fs::write(&suite, yaml).unwrap();
    let json = work.path("single.json");
    let one = check(&suite, &json, None);
    let single = outcome(&one, &read(&json));
    let mut results = Vec::new();
    let mut codes = Vec::new();
    for k in 1..=3 {
        let json = work.path(&format!("shard-{k}.json"));
        let shard = check(&suite, &json, Some(&format!("{k}/3")));
        assert!(
            std::path::Path::new(&json).exists(),
            "shard {k} wrote no results:\n{shard}"
        );
        results.push(json);
        codes.push(shard.code);
    }
    let json = work.path("merged.json");
    let merged = Harden::new()
        .args(["report"])
        .args(&results)
        .args(["--json", &json])
        .run();
    let merged = outcome(&merged, &read(&json));
    (single, merged, codes)
}

#[test]
fn three_shards_merged_equal_one_run_when_one_shard_fails() {
    let (single, merged, codes) = unsharded_and_merged(MIXED);
    assert_eq!(single.code, 1, "{single:?}");
    assert_eq!(
        codes,
        [0, 1, 0],
        "only the second shard runs the critical failure"
    );
    assert_eq!(merged, single);
    assert_eq!(single.checks.len(), 7);
}

#[test]
fn three_shards_merged_equal_one_run_when_the_service_never_starts() {
    let (single, merged, codes) = unsharded_and_merged(NEVER_READY);
    assert_eq!(single.code, 3, "{single:?}");
    assert_eq!(codes, [3, 3, 3]);
    assert_eq!(merged, single);
}

/// More shards than checks: the shard with none is ready (exit 0, it has nothing to gate),
/// and the merge still decides on every check.
#[test]
fn a_shard_without_checks_passes_and_the_merge_decides() {
    let two = MIXED.split("  - id: ready-ok").next().unwrap().to_string();
    let (single, merged, codes) = unsharded_and_merged(&two);
    assert_eq!(single.code, 0, "{single:?}");
    assert_eq!(codes, [0, 0, 0]);
    assert_eq!(merged, single);

    let failing = format!(
        "{two}  - id: health-is-not-404\n    http: {{ request: {{ path: /health }}, expect: {{ status: 404 }} }}\n"
    );
    let (single, merged, codes) = unsharded_and_merged(&failing);
    assert_eq!(single.code, 1, "{single:?}");
    assert_eq!(codes, [0, 0, 1]);
    assert_eq!(merged, single);
}

/// GitLab's `parallel:` variables select the same slice as `--partition`, the header says
/// where the partition came from, and malformed values stop harden with exit 2.
#[test]
fn gitlab_node_variables_partition_the_run() {
    let work = Harden::new();
    let suite = work.path("suite.yaml");
    std::fs::write(&suite, MIXED).unwrap();
    let (by_flag, by_env) = (work.path("flag.json"), work.path("env.json"));
    let flag = check(&suite, &by_flag, Some("2/3"));
    let env = Harden::new()
        .args(["check", &suite, "--json", &by_env])
        .env("CI_NODE_INDEX", "2")
        .env("CI_NODE_TOTAL", "3")
        .run();
    assert_eq!(
        outcome(&env, &read(&by_env)),
        outcome(&flag, &read(&by_flag))
    );
    assert!(
        env.stdout
            .contains("2 checks, partition 2/3 (from CI_NODE_INDEX/CI_NODE_TOTAL)"),
        "{env}"
    );
    assert!(flag.stdout.contains("2 checks, partition 2/3\n"), "{flag}");

    // The flag wins over the variables.
    let both = Harden::new()
        .args(["check", &suite, "--partition", "1/3"])
        .env("CI_NODE_INDEX", "2")
        .env("CI_NODE_TOTAL", "3")
        .run();
    assert!(both.stdout.contains("3 checks, partition 1/3\n"), "{both}");

    // GitLab sets CI_NODE_TOTAL=1 alone in jobs without `parallel:`: no partition.
    let total_only = Harden::new()
        .args(["check", &suite])
        .env("CI_NODE_TOTAL", "1")
        .run();
    assert!(total_only.stdout.contains("7 checks\n"), "{total_only}");

    let bad = Harden::new()
        .args(["check", &suite])
        .env("CI_NODE_INDEX", "4")
        .env("CI_NODE_TOTAL", "3")
        .run();
    assert_eq!(bad.code, 2, "{bad}");
    assert!(
        bad.stderr
            .contains("error: CI_NODE_INDEX=`4` and CI_NODE_TOTAL=`3` are not a partition"),
        "{bad}"
    );
    assert!(bad.stderr.contains("hint: "), "{bad}");
}
