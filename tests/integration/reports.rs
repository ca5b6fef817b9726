//! Report files: JUnit structure (parsed with a real XML parser), results JSON, secrets.

use crate::harness::Harden;

#[test]
fn junit_has_the_documented_structure() {
    let out = Harden::check("fixtures/suites/http/fail.yaml").run();
    let junit = out.junit();
    let doc = junit.doc();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suites: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), 1);
    assert_eq!(suites[0].attribute("name"), Some("http-fail"));
    assert_eq!(suites[0].attribute("tests"), Some("5"));
    assert_eq!(suites[0].attribute("failures"), Some("5"));
    let props: Vec<(&str, &str)> = suites[0]
        .descendants()
        .filter(|n| {
            n.has_tag_name("property") && n.parent().is_some_and(|p| p.parent() == Some(suites[0]))
        })
        .map(|n| {
            (
                n.attribute("name").unwrap_or_default(),
                n.attribute("value").unwrap_or_default(),
            )
        })
        .collect();
    assert!(props.contains(&("harden.score", "0")), "{props:?}");
    assert!(
        props.iter().any(|(k, _)| *k == "harden.version"),
        "{props:?}"
    );
    assert!(
        props.iter().any(|(k, _)| *k == "harden.startup_seconds"),
        "{props:?}"
    );
    let case = junit.case("wrong-status");
    assert_eq!(case.classname, "harden.http-fail.contract");
    assert!(
        case.file.ends_with("fixtures/suites/http/fail.yaml"),
        "{case:?}"
    );
    assert_eq!(case.line, "7");
    assert_eq!(case.outcome, "failure");
    assert_eq!(case.message, "status: expected 404, got 200");
    assert!(
        case.system_out.contains("GET /health 200"),
        "the service's log tail: {case:?}"
    );
}

#[test]
fn results_json_lists_checks_in_suite_order_with_score() {
    let out = Harden::check("fixtures/suites/http/fail.yaml")
        .args(["--jobs", "6"])
        .run();
    let r = out.results();
    assert_eq!(r["format_version"], 1);
    assert_eq!(r["score"]["counted"], 5);
    let ids: Vec<&str> = r["suites"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "wrong-status",
            "wrong-header",
            "wrong-json-value",
            "schema-violation",
            "body-mismatch"
        ]
    );
    let first = &r["suites"][0]["checks"][0];
    assert_eq!(first["kind"], "http");
    assert_eq!(first["severity"], "medium");
    assert_eq!(first["line"], 7);
    assert_eq!(
        first["assertions"][0],
        serde_json::json!({ "property": "status", "expected": "404", "actual": "200", "passed": false })
    );
}

#[test]
fn secrets_are_redacted_in_every_output() {
    let out = Harden::check_yaml(
        r#"
suite: secrets
instance:
  command: ["harden-fixture", "--port", "${PORT}"]
  ready: { http: /health/ready }
vars: { token: "s3cr3t-token-value" }
secrets: [token]
checks:
  - id: echo-secret-var
    http:
      request: { path: "/runs/${token}" }
      expect: { status: 200 }
  - id: echo-env-secret
    http:
      request: { path: "/runs/${env.HARDEN_TEST_API_KEY}" }
      expect: { status: 200 }
"#,
    )
    .env("HARDEN_TEST_API_KEY", "env-key-1234567")
    .run();
    assert_eq!(out.code, 1, "{out}");
    for (what, text) in [
        ("stdout", out.stdout.clone()),
        ("junit", out.file("junit.xml")),
        ("json", out.file("results.json")),
    ] {
        assert!(
            !text.contains("s3cr3t-token-value"),
            "{what} leaks the secret var:\n{text}"
        );
        assert!(
            !text.contains("env-key-1234567"),
            "{what} leaks the env secret:\n{text}"
        );
    }
    assert!(
        out.file("junit.xml").contains("GET /runs/*** 404"),
        "the service's log tail is shown, redacted"
    );
}

#[test]
fn unwritable_report_path_exits_4() {
    let suite = crate::harness::repo()
        .join("fixtures/suites/http/pass.yaml")
        .display()
        .to_string();
    let out = Harden::new()
        .args([
            "check",
            &suite,
            "--junit",
            "/proc/harden-cannot-write/junit.xml",
        ])
        .run();
    assert_eq!(out.code, 4, "{out}");
    assert!(
        out.stderr
            .contains("failed to write JUnit report `/proc/harden-cannot-write/junit.xml`"),
        "{out}"
    );
}

/// docs/results.schema.json is generated from the types (`harden schema --results`): it
/// must match them, and a real run's results JSON must validate against it.
#[test]
fn the_results_json_schema_is_in_sync_and_validates_real_results() {
    let out = crate::harness::Harden::new()
        .args(["schema", "--results"])
        .run();
    assert_eq!(out.code, 0, "{out}");
    let committed =
        std::fs::read_to_string(crate::harness::repo().join("docs/results.schema.json")).unwrap();
    assert_eq!(
        out.stdout.trim_end(),
        committed.trim_end(),
        "docs/results.schema.json is stale: run `harden schema --results > docs/results.schema.json`"
    );
    let schema: serde_json::Value = serde_json::from_str(&committed).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    // A run with passes, failures, a proportional check and an interrupted instance.
    let run = crate::harness::Harden::check("fixtures/suites/instance/crash-after.yaml").run();
    let results = run.results();
    let errors: Vec<String> = validator
        .iter_errors(&results)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// The Markdown with its charts still parses as CommonMark: each Mermaid chart is a code
/// block of its own (GitHub renders `mermaid` blocks), and the text after them is intact.
#[test]
fn markdown_charts_parse_and_the_badge_is_svg() {
    let h = crate::harness::Harden::check("fixtures/suites/load/latency.yaml");
    let (md, badge) = (h.path("summary.md"), h.path("badge.svg"));
    let out = h.args(["--markdown", &md, "--badge", &badge]).run();
    assert_eq!(out.code, 0, "{out}");
    let text = out.file("summary.md");
    let mut blocks = Vec::new();
    let mut in_block: Option<String> = None;
    for ev in pulldown_cmark::Parser::new(&text) {
        use pulldown_cmark::{CodeBlockKind, Event, Tag, TagEnd};
        match ev {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang))) => {
                in_block = Some(lang.to_string());
                blocks.push((lang.to_string(), String::new()));
            }
            Event::Text(t) if in_block.is_some() => blocks.last_mut().unwrap().1.push_str(&t),
            Event::End(TagEnd::CodeBlock) => in_block = None,
            _ => {}
        }
    }
    let charts: Vec<&String> = blocks
        .iter()
        .filter(|(l, _)| l == "mermaid")
        .map(|(_, b)| b)
        .collect();
    assert_eq!(
        charts.len(),
        2,
        "a category chart and a latency chart:\n{text}"
    );
    assert!(
        charts[0].starts_with("xychart-beta\n") && charts[0].contains("bar ["),
        "{}",
        charts[0]
    );
    assert!(
        charts[1].contains("x-axis [\"p50\", \"p95\", \"p99\", \"max\"]"),
        "{}",
        charts[1]
    );
    assert!(
        text.contains("<details><summary>1 check passing</summary>"),
        "the rest follows:\n{text}"
    );
    let svg = out.file("badge.svg");
    let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    assert!(svg.contains("harden: 100/100"), "{svg}");
}

/// On a terminal, a live status line (done/total, what is running, the time so far) is
/// drawn on stderr and cleared before each line; on a pipe, or in CI, nothing of it.
#[test]
fn a_live_status_line_on_a_terminal_and_nothing_in_logs() {
    let suite = crate::harness::repo().join("fixtures/suites/load/latency.yaml");
    let harden = env!("CARGO_BIN_EXE_harden");
    let out = std::process::Command::new("script")
        .args([
            "-qec",
            &format!("{harden} check {}", suite.display()),
            "/dev/null",
        ])
        .env("PATH", crate::harness::path_with_fixture())
        .env_remove("CI")
        .env("TERM", "xterm")
        .output()
        .expect("script(1) gives harden a terminal");
    let tty = String::from_utf8_lossy(&out.stdout);
    assert!(tty.contains("[0/1] "), "{tty}");
    assert!(tty.contains("running: get-run-latency"), "{tty}");
    assert!(
        tty.contains("\r\x1b[2K"),
        "the line is cleared in place: {tty}"
    );

    for ci in [None, Some("true")] {
        let mut h = crate::harness::Harden::check("fixtures/suites/load/latency.yaml");
        if let Some(v) = ci {
            h = h.env("CI", v);
        }
        let out = h.run();
        assert_eq!(out.code, 0, "{out}");
        for text in [&out.stdout, &out.stderr] {
            assert!(!text.contains('\r') && !text.contains("\x1b"), "{text:?}");
            assert!(!text.contains("running:"), "{text}");
        }
    }
}
