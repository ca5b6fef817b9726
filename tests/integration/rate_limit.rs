//! The `rate-limit` kind, both ways.

use crate::harness::Harden;

#[test]
fn enforced_limit_passes_and_other_clients_are_unaffected() {
    let out = Harden::check("fixtures/suites/rate-limit/enforced.yaml").run();
    assert_eq!(out.code, 0, "{out}");
    let r = out.results();
    let probe = &r["suites"][0]["checks"][0];
    assert_eq!(probe["status"], "pass", "{out}");
    assert!(
        probe["note"]
            .as_str()
            .unwrap()
            .starts_with("201 requests in "),
        "{probe}"
    );
    assert!(
        probe["note"]
            .as_str()
            .unwrap()
            .ends_with(
                "100 accepted, 101 refused; paced every 300ms: 429 429 429 429; quota headers X-RateLimit-*"
            ),
        "{probe}"
    );
    let props: Vec<&str> = probe["assertions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["property"].as_str().unwrap())
        .collect();
    assert_eq!(
        props,
        [
            "burst",
            "refusal",
            "accepted",
            "accepted before refusing",
            "retry-after",
            "quota headers (X-RateLimit-*)",
            "remaining on refusal",
            "remaining",
            "remaining decreases",
            "after the burst",
            "paced at twice the rate",
            "second client (127.0.0.3)"
        ]
    );
    // The burst came from 127.0.0.2, so the suite's own client (127.0.0.1) kept its quota.
    assert_eq!(out.status_of("other-clients-unaffected"), "pass");
}

#[test]
fn missing_rate_limit_fails() {
    let out = Harden::check("fixtures/suites/rate-limit/missing.yaml").run();
    assert_eq!(out.code, 1, "{out}");
    let (status, message) = out.check("runs-api-rate-limited");
    assert_eq!(status, "fail");
    assert_eq!(
        message,
        "refusal: expected a 429 once more than 100 requests arrive within 1m, got none of 201 refused (and 3 more)"
    );
}

#[test]
fn per_user_limits_vary_a_header_instead() {
    let out = Harden::check_yaml(
        r#"
suite: per-header
instance:
  command: ["harden-fixture", "--port", "${PORT}", "--rate-limit", "5/minute"]
  ready: { http: /health/ready }
checks:
  - id: limited
    rate-limit:
      request: { path: /runs/x }
      limit: 5
      window: 60s
      client-header: X-User-Id
"#,
    )
    .run();
    // The fixture limits per address, not per user: the second client (same address,
    // another X-User-Id) is throttled too, and the probe says so.
    assert_eq!(out.code, 1, "{out}");
    let (_, message) = out.check("limited");
    assert_eq!(
        message,
        "second client (other `X-User-Id`): expected not throttled, got 429"
    );
}
