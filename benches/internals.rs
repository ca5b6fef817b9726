//! What `benches/hot_paths.rs` measures, reached inside the crate: compiled only with the
//! `bench-internals` feature (`cargo bench --features bench-internals`), never into the
//! shipped binary. Each function prepares its input outside the timed part where it can.

use crate::check::{Status, evaluate};
use crate::http::Response;
use crate::report::{GateOptions, JunitFormat, RunReport};
use crate::suite::{CheckKindSpec, ExpectSpec, Scope, Severity};
use std::path::Path;
use std::time::Duration;

/// A suite of `n` independent GET checks, as YAML.
pub fn suite_yaml(n: usize) -> String {
    let mut s = String::from("suite: bench\nbase-url: http://127.0.0.1:9\nchecks:\n");
    for i in 0..n {
        s.push_str(&format!(
            "  - id: c{i}\n    http: {{ request: {{ path: /health }}, expect: {{ status: 200 }} }}\n"
        ));
    }
    s
}

/// Parses and validates a suite; the number of checks.
pub fn load(yaml: &str) -> usize {
    crate::suite::load_str(Path::new("bench.yaml"), yaml, &[])
        .map(|s| s.checks.len())
        .unwrap_or(0)
}

/// An `expect` block and a response to evaluate it against.
pub struct Expectation {
    expect: ExpectSpec,
    response: Response,
    scope: Scope,
}

/// `expect` (the YAML of an `http` check's `expect:`) against a 200 JSON `body`.
pub fn expectation(expect: &str, body: &str) -> Expectation {
    let yaml = format!(
        "suite: bench\nbase-url: http://127.0.0.1:9\nchecks:\n  - id: c\n    http:\n      request: {{ path: /x }}\n      expect: {expect}\n"
    );
    let suite = crate::suite::load_str(Path::new("bench.yaml"), &yaml, &[])
        .unwrap_or_else(|e| panic!("{e}"));
    let expect = match &suite.checks[0].kind {
        CheckKindSpec::Http(h) => h.steps[0].expect.clone(),
        _ => unreachable!("an http check"),
    };
    Expectation {
        expect,
        response: Response {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string(),
            raw: None,
            json: Default::default(),
            duration: Duration::from_millis(3),
            sent: "GET http://127.0.0.1:9/x".into(),
            redactor: None,
        },
        scope: Scope::default(),
    }
}

impl Expectation {
    /// Evaluates every assertion; how many passed.
    pub fn evaluate(&self) -> usize {
        match evaluate(&self.expect, &self.response, &self.scope) {
            Ok((assertions, _)) => assertions.iter().filter(|a| a.passed).count(),
            Err(_) => 0,
        }
    }
}

/// A finished run's report.
pub struct Report(RunReport);

/// A finished run of `n` checks (a fifth failing), scored.
pub fn report(n: usize) -> Report {
    let mut r = crate::report::sample::report();
    let template = r.suites[0].checks.clone();
    r.suites[0].checks = (0..n)
        .map(|i| {
            let mut c = template[i % template.len()].clone();
            c.info.id = format!("check-{i}").into();
            if i % 5 != 0 && c.outcome.status != Status::Pass {
                c = crate::report::sample::check(
                    &c.info.id,
                    "contract",
                    Severity::High,
                    Status::Pass,
                    i as u64,
                );
            }
            c
        })
        .collect();
    crate::report::fill_scores(&mut r);
    Report(r)
}

/// Writes the JUnit XML, the results JSON and the Markdown summary; their total bytes.
pub fn render_all(report: &Report) -> usize {
    let report = &report.0;
    let score = crate::report::compute_score(report);
    let verdict = crate::report::decide(report, &score, GateOptions::default(), None);
    let junit = crate::report::render_junit(report, &score, JunitFormat::Full).unwrap_or_default();
    let json = crate::report::render_json(report, &score, &verdict);
    let markdown = crate::report::render_markdown(report, &score, &verdict);
    junit.len() + json.len() + markdown.len()
}
