//! harden against a hostile server (harden-hostile): every check kind that touches the
//! network ends with a clear verdict inside its timeout, in bounded memory, whatever the
//! server does (never answers, dribbles, never ends, floods, resets, lies).

use crate::harness::{Harden, Output};
use std::time::Duration;

/// Runs one check (with a 3s timeout) against harden-hostile and returns the run, its
/// check's status and message.
fn against_hostile(check_yaml: &str) -> (Output, String, String) {
    against_hostile_within("3s", check_yaml)
}

fn against_hostile_within(timeout: &str, check_yaml: &str) -> (Output, String, String) {
    let suite = format!(
        "suite: hostile\ninstance:\n  command: [\"harden-hostile\", \"--port\", \"${{PORT}}\"]\n  ready: {{ http: /health }}\n  stop: {{ grace: 1s }}\nchecks:\n  - id: probe\n    timeout: {timeout}\n{check_yaml}"
    );
    let out = Harden::check_yaml(&suite).run();
    let (status, message) = out.check("probe");
    (out, status, message)
}

/// Peak RSS allowed for harden itself while a server floods it.
const RSS_CAP_KIB: u64 = 64 * 1024;

fn http_get(path: &str) -> String {
    format!("    http: {{ request: {{ path: \"{path}\" }}, expect: {{ status: 200 }} }}\n")
}

#[test]
fn a_server_that_never_answers_times_out_with_the_url() {
    let (out, status, message) = against_hostile(&http_get("/silent"));
    assert_eq!(status, "error", "{out}");
    assert!(message.contains("timed out after 3s"), "{message}");
    assert!(message.contains("/silent"), "names the URL: {message}");
    assert!(
        out.elapsed < Duration::from_secs(3 + 1 + 4),
        "{:?}",
        out.elapsed
    );
}

#[test]
fn slowloris_headers_time_out() {
    let (out, status, message) = against_hostile(&http_get("/slowloris"));
    assert_eq!(status, "error", "{out}");
    assert!(message.contains("timed out after 3s"), "{message}");
    assert!(
        out.elapsed < Duration::from_secs(3 + 1 + 4),
        "{:?}",
        out.elapsed
    );
}

#[test]
fn an_endless_body_stops_at_the_body_limit_in_bounded_memory() {
    let (out, status, message) = against_hostile(&http_get("/endless"));
    assert_eq!(status, "error", "{out}");
    assert!(message.contains("limit"), "names the limit: {message}");
    assert!(
        message.contains("limits.body"),
        "says how to raise it: {message}"
    );
    assert!(out.peak_rss_kib < RSS_CAP_KIB, "{} KiB", out.peak_rss_kib);
}

#[test]
fn a_50_mb_body_is_refused_in_bounded_memory() {
    let (out, status, message) = against_hostile(&http_get("/big?mb=50"));
    assert_eq!(status, "error", "{out}");
    assert!(message.contains("limit"), "{message}");
    assert!(out.peak_rss_kib < RSS_CAP_KIB, "{} KiB", out.peak_rss_kib);
}

#[test]
fn a_50_mb_exposition_is_parsed_as_a_stream_in_bounded_memory() {
    let (out, status, message) = against_hostile_within(
        "60s",
        "    metrics: { path: \"/metrics-big?mb=50\", require: [{ name: requests_total, type: counter }] }\n",
    );
    assert_eq!(status, "pass", "{message}\n{out}");
    assert!(out.peak_rss_kib < RSS_CAP_KIB, "{} KiB", out.peak_rss_kib);
}

#[test]
fn huge_headers_are_an_error() {
    let (out, status, message) = against_hostile(&http_get("/huge-headers"));
    assert_eq!(status, "error", "{out}");
    assert!(message.contains("/huge-headers"), "{message}");
}

#[test]
fn a_reset_connection_is_an_error_naming_the_url() {
    let (out, status, message) = against_hostile(&http_get("/reset"));
    assert_eq!(status, "error", "{out}");
    assert!(message.contains("/reset"), "{message}");
}

#[test]
fn invalid_utf8_is_shown_as_hex_not_blanked() {
    let (out, status, message) = against_hostile(
        "    http: { request: { path: /invalid-utf8 }, expect: { body: { contains: nothing-like-this } } }\n",
    );
    assert_eq!(status, "fail", "{out}");
    assert!(message.contains("e9"), "the bad byte as hex: {message}");
}

#[test]
fn invalid_json_fails_a_json_assertion_naming_the_path_and_type() {
    let (out, status, message) = against_hostile(
        "    http: { request: { path: /invalid-json }, expect: { json: { \"$.id\": 1 } } }\n",
    );
    assert_eq!(status, "fail", "{out}");
    assert!(message.contains("$.id"), "{message}");
    assert!(message.contains("application/json"), "{message}");
}

#[test]
fn a_redirect_loop_is_seen_as_the_redirect_it_is() {
    let (out, status, message) = against_hostile(
        "    http: { request: { path: /redirect-loop }, expect: { status: 302, headers: { location: /redirect-loop } } }\n",
    );
    assert_eq!(status, "pass", "{message}\n{out}");
}

#[test]
fn flapping_health_is_not_reported_healthy() {
    let (out, status, _) = against_hostile(
        "    health: { endpoints: [{ path: /flap, expect: healthy }, { path: /flap, expect: healthy }, { path: /flap, expect: healthy }] }\n",
    );
    assert_ne!(status, "pass", "{out}");
}

#[test]
fn metrics_against_a_silent_server_errors_in_time() {
    let (out, status, message) =
        against_hostile("    metrics: { path: /silent, require: [{ name: x }] }\n");
    assert_eq!(status, "error", "{out}");
    assert!(message.contains("timed out"), "{message}");
}

#[test]
fn openmetrics_that_keeps_the_rules_passes() {
    let (out, status, message) = against_hostile(
        "    metrics: { path: /openmetrics/valid, format: openmetrics, require: [{ name: size_bytes, type: histogram }] }\n",
    );
    assert_eq!(status, "pass", "{message}\n{out}");
}

#[test]
fn openmetrics_with_a_negative_histogram_sum_fails_with_its_line() {
    let (out, status, message) = against_hostile(
        "    metrics: { path: /openmetrics/negative-sum, require: [{ name: lat, type: histogram }] }\n",
    );
    assert_eq!(status, "fail", "{out}");
    assert!(message.contains("line 4"), "{message}");
    assert!(
        message.contains("`lat_sum` must not be negative"),
        "{message}"
    );
}

#[test]
fn openmetrics_with_a_series_split_in_two_fails_with_its_line() {
    let (out, status, message) = against_hostile(
        "    metrics: { path: /openmetrics/interleaved, require: [{ name: lat, type: histogram }] }\n",
    );
    assert_eq!(status, "fail", "{out}");
    assert!(message.contains("line 8"), "{message}");
    assert!(message.contains("are not together"), "{message}");
}

#[test]
fn metrics_against_an_endless_body_errors_at_the_limit() {
    let (out, status, message) =
        against_hostile("    metrics: { path: /endless, require: [{ name: x }] }\n");
    assert_ne!(status, "pass", "{out}");
    assert!(
        out.peak_rss_kib < RSS_CAP_KIB,
        "{} KiB: {message}",
        out.peak_rss_kib
    );
}

#[test]
fn security_probes_against_a_silent_server_error_in_time() {
    let (out, status, _) = against_hostile(
        "    security: { auth-required: [{ method: POST, path: /silent }], headers: { path: /silent, require: [x-frame-options] } }\n",
    );
    assert_eq!(status, "error", "{out}");
    assert!(
        out.elapsed < Duration::from_secs(3 + 1 + 4),
        "{:?}",
        out.elapsed
    );
}

#[test]
fn load_against_resets_counts_errors() {
    let (out, status, message) = against_hostile(
        "    load: { request: { path: /reset }, requests: 50, concurrency: 5, thresholds: { error-rate: 1% } }\n",
    );
    assert_eq!(status, "fail", "{out}");
    assert!(message.contains("error"), "{message}");
}

#[test]
fn load_against_a_server_that_closes_every_connection_counts_no_errors() {
    let (out, status, _) = against_hostile(
        "    load: { request: { path: /close }, requests: 60, concurrency: 4, thresholds: { error-rate: 0% } }\n",
    );
    assert_eq!(status, "pass", "{out}");
    let figures = &out.results()["suites"][0]["checks"][0]["figures"];
    assert_eq!(figures["requests"], 60, "{out}");
    assert_eq!(figures["errors"], 0, "{out}");
}

#[test]
fn load_sends_the_same_well_formed_request_a_check_does() {
    let check = "    load: { request: { method: POST, path: /strict, json: { n: 1 } }, requests: 40, concurrency: 4, thresholds: { error-rate: 0% } }\n";
    let (out, status, _) = against_hostile(check);
    assert_eq!(status, "pass", "{out}");
    // And the fixture does refuse a wrong body, so the check above could fail.
    let (out, status, message) = against_hostile(&check.replace("n: 1", "n: 2"));
    assert_eq!(status, "fail", "{out}");
    assert!(message.contains("status 400"), "{message}");
}

#[test]
fn load_reads_no_more_than_the_body_limit() {
    let (out, status, message) = against_hostile(
        "    load: { request: { path: /big }, requests: 4, concurrency: 2, thresholds: { error-rate: 0% } }\n",
    );
    assert_eq!(status, "fail", "{out}");
    assert!(
        message.contains("larger than the 16 MiB limit"),
        "{message}"
    );
    assert!(out.peak_rss_kib < RSS_CAP_KIB, "{}", out.peak_rss_kib);
}

#[test]
fn load_against_a_silent_server_ends_with_the_check_timeout() {
    let (out, status, _) = against_hostile(
        "    load: { request: { path: /silent }, requests: 20, concurrency: 5, thresholds: { error-rate: 0% } }\n",
    );
    assert_ne!(status, "pass", "{out}");
    assert!(
        out.elapsed < Duration::from_secs(3 + 1 + 4),
        "{:?}",
        out.elapsed
    );
}

#[test]
fn rate_limit_against_a_silent_server_errors_in_time() {
    let (out, status, _) =
        against_hostile("    rate-limit: { request: { path: /silent }, limit: 5, window: 60s }\n");
    assert_eq!(status, "error", "{out}");
    assert!(
        out.elapsed < Duration::from_secs(3 + 1 + 4),
        "{:?}",
        out.elapsed
    );
}
