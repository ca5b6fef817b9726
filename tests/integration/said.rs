//! Failures a person can act on: what the service said instead of what was expected (a
//! renamed key, the headers there are, the forbidden text in its context), and a service
//! that never became ready told in a few lines.

use crate::harness::Harden;

const SAID: &str = r#"suite: said
instance:
  command: ["harden-fixture", "--port", "${PORT}", "--fault", "schema-drift", "--fault", "leak-500"]
  ready: { http: /health/ready, timeout: 20s }
vars:
  auth: { X-User-Id: ci, X-User-Email: ci@example.com }
checks:
  - id: create-run
    http:
      request: { method: POST, path: /runs, headers: "${auth}", json: { profile: demo, intake: "x" } }
      expect:
        headers: { x-requestid: { present: true } }
        json: { "$.current_phase": planning }
  - id: malformed-json
    http:
      request: { method: POST, path: /runs, headers: "${auth}", body: "{not json" }
      expect: { body: { not-contains: Traceback } }
"#;

fn said(out: &crate::harness::Output) -> String {
    let mut settings = insta::Settings::clone_current();
    for (re, to) in [
        (
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            "[UUID]",
        ),
        (r"run_[0-9a-zA-Z]+", "run_[ID]"),
        (r"\d{4}-\d\d-\d\dT[0-9:.]+Z?(\+00:00)?", "[TIME]"),
        // A time cut by the excerpt's start.
        (r#"…[0-9:.TZ-]+""#, "…[TIME]\""),
        (r"\d+(\.\d+)?(ms|µs|s)\b", "[DURATION]"),
        (r"/tmp/\.tmp\w+", "[TMP]"),
        (r"(port|pid) \d+", "$1 [N]"),
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
        (r"character \d+", "character [N]"),
    ] {
        settings.add_filter(re, to);
    }
    settings.set_prepend_module_to_snapshot(false);
    let lines: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("  FAIL") || l.starts_with("        "))
        .collect();
    let text = lines.join("\n");
    settings.bind(|| insta::assert_snapshot!("failure_shows_what_the_service_said", text));
    text
}

#[test]
fn a_failure_shows_what_the_service_said() {
    let out = Harden::check_yaml(SAID).args(["--jobs", "1"]).run();
    assert_eq!(out.code, 1, "{out}");
    let text = said(&out);
    // The renamed key, suggested, with the body it is in.
    assert!(text.contains("did you mean `$.currentPhase`?"), "{text}");
    assert!(text.contains("[\"currentPhase\"]:\"planning\""), "{text}");
    // The header names the response has, and the closest one.
    assert!(text.contains("the response has `"), "{text}");
    // The forbidden text where it is.
    assert!(
        text.contains("[Traceback] (most recent call last)"),
        "{text}"
    );
    // In the results JSON, JUnit and so Markdown alike.
    let (_, message) = out.check("create-run");
    assert!(message.contains("(absent; "), "{message}");
    let case = out.junit().case("create-run");
    assert!(
        case.text.contains("did you mean `$.currentPhase`?"),
        "{case:?}"
    );
}

#[test]
fn a_never_ready_service_is_told_in_a_few_lines() {
    let mut yaml = String::from(
        r#"suite: never-ready-many
instance:
  command: ["harden-fixture", "--port", "${PORT}", "--fault", "never-ready"]
  ready: { http: /health/ready, timeout: 2s }
checks:
"#,
    );
    for i in 0..12 {
        yaml.push_str(&format!(
            "  - id: health-{i}\n    http: {{ request: {{ path: /health }}, expect: {{ status: 200 }} }}\n"
        ));
    }
    let out = Harden::check_yaml(&yaml).run();
    assert_eq!(out.code, 3, "{out}");
    let probes = out
        .stdout
        .lines()
        .filter(|l| l.contains("GET /health/ready 503"))
        .count();
    assert_eq!(probes, 1, "one probe line, the rest folded: {out}");
    assert!(out.stdout.contains("more like this"), "{out}");
    assert!(
        out.stdout.contains("starting orchestrator service"),
        "the service's start-up is kept: {out}"
    );
    let not_run = out
        .stdout
        .matches("not run: the service was not ready")
        .count();
    assert_eq!(not_run, 1, "{out}");
    assert!(
        out.stdout
            .contains("... 11 more checks not run for the same reason: health-1, health-2"),
        "{out}"
    );
    // Every report still has every check.
    assert_eq!(out.junit().cases().len(), 12);
}
