//! The hot paths of a run, in process: loading a suite, evaluating a response against an
//! `expect` block (status, JSONPath predicates, schema), and writing the reports.
//!
//!     cargo bench --features bench-internals --bench hot_paths
//!
//! Whole-process figures next to curl and wrk are in checks-vs-curl.sh and
//! load-vs-baselines.sh; this measures where harden's own time per check goes.

use harden::internals as h;

fn main() {
    divan::main();
}

/// Parse and validate a suite of N one-line checks (per-check cost = time / N).
#[divan::bench(args = [100, 1_000, 10_000])]
fn load_suite(bencher: divan::Bencher, n: usize) {
    let yaml = h::suite_yaml(n);
    bencher.bench(|| h::load(divan::black_box(&yaml)));
}

const BODY: &str = r#"{"run_id": "0b7f3c1e-8d2a-4f5b-9c6d-1e2f3a4b5c6d", "current_phase": "planning",
  "phases": [{"name": "planning", "done": false}, {"name": "data", "done": false}],
  "owner": {"id": 42, "roles": ["admin", "dev"]}, "cost": 12.5}"#;

/// A status assertion only: the floor of an `http` check's evaluation.
#[divan::bench]
fn evaluate_status(bencher: divan::Bencher) {
    let e = h::expectation("{ status: 200 }", BODY);
    bencher.bench(|| e.evaluate());
}

/// Six JSONPath predicates: equality, type, regex, length, list membership, a wildcard.
#[divan::bench]
fn evaluate_jsonpath(bencher: divan::Bencher) {
    let e = h::expectation(
        r#"{ status: 200, json: { "$.current_phase": planning, "$.run_id": { type: string, matches: "^.{36}$" }, "$.phases": { length: 2 }, "$.owner.roles": { contains: admin }, "$.phases[*].done": [false, false], "$.cost": { gt: 10 } } }"#,
        BODY,
    );
    bencher.bench(|| e.evaluate());
}

/// An inline JSON Schema (compiled at load time) against the body.
#[divan::bench]
fn evaluate_schema(bencher: divan::Bencher) {
    let e = h::expectation(
        r#"{ status: 200, schema: { type: object, required: [run_id, current_phase, phases], properties: { run_id: { type: string }, phases: { type: array, items: { type: object, required: [name, done] } } } } }"#,
        BODY,
    );
    bencher.bench(|| e.evaluate());
}

/// JUnit XML + results JSON + Markdown of a finished run of N checks.
#[divan::bench(args = [100, 1_000, 10_000])]
fn write_reports(bencher: divan::Bencher, n: usize) {
    let report = h::report(n);
    bencher.bench(|| h::render_all(divan::black_box(&report)));
}
