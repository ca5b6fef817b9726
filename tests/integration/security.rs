//! The `security` kind: every probe passes against the healthy fixture, and each fault
//! fails the probe it breaks (and only that one).

use crate::harness::Harden;

const PROBES: [&str; 5] = [
    "writes-require-auth",
    "error-hygiene",
    "cors",
    "webhook-signature",
    "security-headers",
];

#[test]
fn every_probe_passes_against_the_healthy_fixture() {
    let out = Harden::check("fixtures/suites/security/probes.yaml").run();
    assert_eq!(out.code, 0, "{out}");
    let r = out.results();
    let hygiene = r["suites"][0]["checks"][1]["assertions"]
        .as_array()
        .unwrap()
        .clone();
    let got: Vec<String> = hygiene
        .iter()
        .map(|a| {
            format!(
                "{} -> {}",
                a["property"].as_str().unwrap(),
                a["actual"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "malformed JSON: POST /runs -> 422",
            "wrong types: POST /runs -> 422",
            "oversized body (2 MiB): POST /runs -> 413",
            "unknown path: GET /harden-no-such-path-7f3a9c -> 404",
            "wrong method: TRACE /runs -> 405",
        ]
    );
}

fn only_failing(fault: &str, probe: &str) -> String {
    let out = Harden::check("fixtures/suites/security/probes.yaml")
        .env("FIXTURE_FAULTS", fault)
        .run();
    assert_eq!(out.code, 1, "{fault}: {out}");
    for id in PROBES {
        let want = if id == probe { "fail" } else { "pass" };
        assert_eq!(out.status_of(id), want, "{fault}: {id}\n{out}");
    }
    out.check(probe).1
}

#[test]
fn auth_bypass_fails_auth_required() {
    assert_eq!(
        only_failing("auth-bypass", "writes-require-auth"),
        "POST /runs without credentials: expected 401 or 403, got 201 (and 1 more)"
    );
}

#[test]
fn leak_500_fails_error_hygiene() {
    let m = only_failing("leak-500", "error-hygiene");
    assert!(m.starts_with("malformed JSON: POST /runs: expected 4xx, no stack trace in the body, got 500 with `Traceback (most recent call last)` in the body"), "{m}");
}

#[test]
fn cors_any_fails_cors() {
    assert_eq!(
        only_failing("cors-any", "cors"),
        "OPTIONS /runs from a foreign origin: expected not allowed, got echoed `https://attacker.harden.invalid`"
    );
}

#[test]
fn bad_webhook_fails_webhook_signature() {
    assert_eq!(
        only_failing("bad-webhook", "webhook-signature"),
        "POST /webhooks/github unsigned: expected 401 or 403, got 202 (and 2 more)"
    );
}

#[test]
fn missing_security_headers_fail() {
    let m = only_failing("no-security-headers", "security-headers");
    assert_eq!(
        m,
        "GET /health header `x-content-type-options`: expected nosniff, got (absent) (and 1 more)"
    );
}

#[test]
fn header_identity_is_flagged_spoofable_and_a_token_is_not() {
    let out = Harden::check("fixtures/suites/security/spoofable.yaml").run();
    assert_eq!(out.code, 1, "{out}");
    assert_eq!(out.status_of("header-identity-is-spoofable"), "fail");
    assert_eq!(out.status_of("token-identity-is-verified"), "pass");
}
