//! A run recorded through the spill renders every report byte for byte as the same run
//! held in memory does (the results file `harden report` reads back is held).

use crate::check::{Flaky, LoadFigures, Status};
use crate::report::{
    CheckReport, GateOptions, JunitFormat, Recorder, RunReport, SuiteReport, compute_score, decide,
    fill_scores, sample,
};
use crate::runner::{Event, EventSink};
use crate::suite::{FlakyRule, Severity};
use std::sync::Arc;

/// Checks of every status, severity and shape, more than one chunk of JUnit's.
fn checks(suite: usize, n: usize) -> Vec<CheckReport> {
    let severities = [
        Severity::Low,
        Severity::Critical,
        Severity::Medium,
        Severity::High,
    ];
    let statuses = [
        Status::Pass,
        Status::Fail,
        Status::Pass,
        Status::Error,
        Status::Skip,
    ];
    (0..n)
        .map(|i| {
            let mut c = sample::check(
                &format!("s{suite}-check-{i}"),
                ["contract", "health", "security"][i % 3],
                severities[i % 4],
                statuses[i % 5],
                i as u64 + 1,
            );
            c.outcome.duration = std::time::Duration::from_micros(1_000 + 37 * i as u64);
            if i.is_multiple_of(11) {
                c.outcome.note = Some(format!("note <{i}> & \"quoted\" \u{1b}[1m"));
            }
            if i.is_multiple_of(13) && c.outcome.status == Status::Fail {
                c.outcome.proportion = Some(1.0 / 3.0);
            }
            if i.is_multiple_of(17) && c.outcome.status == Status::Pass {
                c.outcome.flaky = Some(Flaky {
                    rule: FlakyRule::Warn,
                    failed: 1,
                    first_failure: "p95 120ms > 100ms".into(),
                });
                c.outcome.measurements = 2;
            }
            if i.is_multiple_of(19) {
                c.outcome.figures = Some(LoadFigures {
                    requests: 1000 + i as u64,
                    errors: 1,
                    rps: 333.3,
                    p50_ms: 1.5,
                    p95_ms: 4.25,
                    p99_ms: 9.0,
                    max_ms: 12.125,
                });
            }
            if i.is_multiple_of(23) && c.outcome.status == Status::Fail {
                c.outcome.findings = vec![
                    serde_json::from_value(serde_json::json!({
                        "file": "src/app.py",
                        "line": 7,
                        "rule": "no-print",
                        "message": "print() in a handler",
                    }))
                    .unwrap(),
                ];
            }
            if i.is_multiple_of(29) {
                c.outcome.attempts = 3;
            }
            c
        })
        .collect()
}

/// Two suites of checks held in memory, each 7th never reported (`not run`).
fn held() -> RunReport {
    let mut r = sample::report();
    let first = r.suites[0].clone();
    r.suites = vec![first.clone(), first];
    for (s, n) in [(0, 1200), (1, 9)] {
        let suite = &mut r.suites[s];
        suite.name = format!("suite-{s}");
        suite.checks = checks(s, n).into();
        for c in suite.checks.iter_mut().skip(3).step_by(7) {
            c.outcome = crate::check::CheckOutcome::skip(crate::report::checks::NOT_RUN);
            c.log_tail.clear();
        }
    }
    r.suites[1].instance = None;
    fill_scores(&mut r);
    r
}

/// The same run recorded from events, as `harden check` records it: outcomes arrive in
/// the order checks finish, and go to the spill.
fn recorded(held: &RunReport, abandon: Option<&str>) -> RunReport {
    let mut rec = Recorder::new();
    for s in &held.suites {
        rec.event(&Event::SuiteStarted {
            suite: s.name.clone(),
            file: s.file.clone(),
            checks: Arc::new(s.checks.iter().map(|c| c.info.clone()).collect()),
            filtered_out: s.filtered_out,
        });
        if let Some(suite) = rec.report.suites.last_mut() {
            suite.instance = s.instance.clone();
        }
        let finished: Vec<(usize, &CheckReport)> = s.checks.as_slice().iter().enumerate().collect();
        // Finished out of order: each pair of neighbours swapped, the last first.
        let mut order: Vec<usize> = (0..finished.len()).collect();
        order.chunks_mut(2).for_each(|p| p.reverse());
        let last_first = order.len().min(1);
        order.rotate_right(last_first);
        for i in order {
            let (index, c) = finished[i];
            if index % 7 == 3 {
                continue;
            }
            rec.event(&Event::CheckFinished {
                index,
                outcome: c.outcome.clone(),
                log_tail: c.log_tail.clone(),
            });
        }
    }
    if let Some(why) = abandon {
        rec.abandon(why);
    }
    let mut r = rec.finish(false);
    r.started_at = held.started_at.clone();
    r.duration_seconds = held.duration_seconds;
    r
}

/// Every report of a run, rendered.
fn rendered(r: &RunReport) -> Vec<(&'static str, String)> {
    let score = compute_score(r);
    let verdict = decide(r, &score, GateOptions::default(), None);
    vec![
        ("score", format!("{score:?}")),
        ("verdict", format!("{verdict:?}")),
        ("json", crate::report::render_json(r, &score, &verdict)),
        (
            "junit",
            crate::report::render_junit(r, &score, JunitFormat::Full).unwrap(),
        ),
        (
            "junit xunit",
            crate::report::render_junit(r, &score, JunitFormat::Xunit).unwrap(),
        ),
        (
            "markdown",
            crate::report::render_markdown(r, &score, &verdict),
        ),
        ("html", crate::report::render_html(r, &score, &verdict)),
        (
            "summary",
            crate::report::terminal::summary_text(r, &score, &verdict),
        ),
        (
            "annotations",
            crate::report::github::annotations(r).join("\n"),
        ),
    ]
}

fn assert_same(spilled: &RunReport, held: &RunReport) {
    assert!(
        spilled
            .suites
            .iter()
            .all(|s| s.checks.as_slice().is_empty()),
        "the recorder holds no outcome in memory"
    );
    for ((what, a), (_, b)) in rendered(spilled).into_iter().zip(rendered(held)) {
        assert!(a == b, "{what} differs:\n{}", first_difference(&a, &b));
    }
    assert_eq!(spilled.failure(), None);
}

fn first_difference(a: &str, b: &str) -> String {
    let at = a
        .bytes()
        .zip(b.bytes())
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let from = at.saturating_sub(200);
    format!(
        "spilled: {}\nheld:    {}",
        &a[from..(at + 200).min(a.len())],
        &b[from..(at + 200).min(b.len())]
    )
}

#[test]
fn a_spilled_run_renders_every_report_as_the_run_held_in_memory() {
    let held = held();
    assert_same(&recorded(&held, None), &held);
}

#[test]
fn an_abandoned_spilled_run_says_why_its_unreported_checks_did_not_run() {
    let why = "interrupted (Ctrl-C)";
    let mut held = held();
    for s in &mut held.suites {
        for c in s.checks.iter_mut().skip(3).step_by(7) {
            c.outcome = crate::check::CheckOutcome::skip(format!("not run: {why}"));
        }
        s.cancelled = Some(why.into());
    }
    assert_same(&recorded(&held, Some(why)), &held);
}

#[test]
fn the_results_file_of_a_spilled_run_reads_back_to_the_same_reports() {
    let spilled = recorded(&held(), None);
    let score = compute_score(&spilled);
    let verdict = decide(&spilled, &score, GateOptions::default(), None);
    let json = crate::report::render_json(&spilled, &score, &verdict);
    let back: crate::report::ResultsFile =
        serde_json::from_value(serde_json::from_str(&json).unwrap()).unwrap();
    assert_eq!(rendered(&back.report), rendered(&spilled));
}

/// The JUnit document spliced from chunks is the one quick-junit writes whole.
#[test]
fn junit_in_chunks_is_the_document_rendered_whole() {
    let r = held();
    let score = compute_score(&r);
    for format in [JunitFormat::Full, JunitFormat::Xunit] {
        let whole = crate::report::junit::whole(&r, &score, format);
        let chunked = crate::report::render_junit(&r, &score, format).unwrap();
        assert!(
            chunked == whole,
            "{format:?}:\n{}",
            first_difference(&chunked, &whole)
        );
    }
}

/// A suite of no checks, and a run of no suites, write the same documents too.
#[test]
fn empty_suites_render_as_held() {
    let mut held = held();
    held.suites[1].checks = Vec::new().into();
    held.suites.truncate(2);
    let mut spilled = recorded(&held, None);
    assert_same(&spilled, &held);
    spilled.suites.clear();
    held.suites.clear();
    assert_same(&spilled, &held);
}

#[test]
fn a_suite_report_of_a_spilled_run_is_only_briefs_in_memory() {
    let spilled = recorded(&held(), None);
    let s: &SuiteReport = &spilled.suites[0];
    assert_eq!(s.checks.len(), 1200);
    assert_eq!(s.checks.iter().count(), 1200);
    assert!(s.checks.as_slice().is_empty());
}
