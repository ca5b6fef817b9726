//! JUnit XML for CI test tabs: one `<testsuite>` per suite, one `<testcase>` per check.
//! Fail is `<failure>`, Error is `<error>`, Skip is `<skipped>`; failed cases carry the
//! service's log tail in `<system-out>`.

use crate::check::Status;
use crate::report::{RunReport, Score, SuiteReport, fmt_score};
use quick_junit::{
    NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite, XmlString,
};
use std::time::Duration;

pub(crate) fn render(report: &RunReport, score: &Score) -> Result<String, String> {
    let mut junit = Report::new("harden");
    junit.set_time(Duration::from_secs_f64(report.duration_seconds.max(0.0)));
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(&report.started_at) {
        junit.set_timestamp(t);
    }
    for suite in &report.suites {
        junit.add_test_suite(render_suite(report, suite, score));
    }
    junit.to_string().map_err(|e| e.to_string())
}

fn render_suite(report: &RunReport, suite: &SuiteReport, score: &Score) -> TestSuite {
    let mut ts = TestSuite::new(suite.name.as_str());
    ts.add_property(Property::new(
        "harden.version",
        report.harden_version.as_str(),
    ));
    ts.add_property(Property::new("harden.file", suite.file.as_str()));
    if let Some(s) = score.score {
        ts.add_property(Property::new("harden.score", fmt_score(s)));
    }
    for c in &score.categories {
        if let Some(s) = c.score {
            ts.add_property(Property::new(
                format!("harden.score.{}", c.category),
                fmt_score(s),
            ));
        }
    }
    if let Some(i) = &suite.instance {
        if let Some(after) = i.ready_after_seconds {
            ts.add_property(Property::new("harden.startup_seconds", format!("{after}")));
        }
        if let Some(f) = &i.failure {
            ts.add_property(Property::new("harden.instance_failure", f.as_str()));
        }
        if !i.log_tail.is_empty() {
            ts.set_system_out(i.log_tail.join("\n"));
        }
    }
    let time: f64 = suite
        .checks
        .iter()
        .map(|c| c.outcome.duration.as_secs_f64())
        .sum();
    ts.set_time(Duration::from_secs_f64(time));
    for c in &suite.checks {
        let o = &c.outcome;
        let status = match o.status {
            Status::Pass => TestCaseStatus::success(),
            Status::Skip => {
                let mut s = TestCaseStatus::skipped();
                if let Some(m) = &o.message {
                    s.set_message(m.as_str());
                }
                s
            }
            Status::Fail | Status::Error => {
                let kind = if o.status == Status::Fail {
                    NonSuccessKind::Failure
                } else {
                    NonSuccessKind::Error
                };
                let mut s = TestCaseStatus::non_success(kind);
                if let Some(m) = &o.message {
                    s.set_message(m.as_str());
                }
                s.set_type(if o.status == Status::Fail {
                    "assertion"
                } else {
                    "error"
                });
                s.set_description(body(c));
                s
            }
        };
        let mut tc = TestCase::new(c.info.id.as_str(), status);
        tc.set_classname(format!("harden.{}.{}", suite.name, c.info.category));
        tc.set_time(o.duration);
        tc.set_assertions(o.assertions.len());
        tc.extra
            .insert(XmlString::new("file"), XmlString::new(&c.info.file));
        tc.extra.insert(
            XmlString::new("line"),
            XmlString::new(c.info.line.to_string()),
        );
        tc.add_property(Property::new("harden.kind", c.info.kind.as_str()));
        tc.add_property(Property::new("harden.severity", c.info.severity.as_str()));
        if let Some(note) = &o.note {
            tc.add_property(Property::new("harden.note", note.as_str()));
        }
        if o.attempts > 1 {
            tc.add_property(Property::new("harden.attempts", o.attempts.to_string()));
        }
        if !c.log_tail.is_empty() {
            tc.set_system_out(c.log_tail.join("\n"));
        }
        ts.add_test_case(tc);
    }
    ts
}

/// The essential text of a failure: each failed assertion, then the diff.
fn body(c: &crate::report::CheckReport) -> String {
    let mut lines: Vec<String> = c
        .outcome
        .assertions
        .iter()
        .filter(|a| !a.passed)
        .map(|a| {
            format!(
                "{}\n  expected: {}\n  actual:   {}",
                a.property, a.expected, a.actual
            )
        })
        .collect();
    if lines.is_empty() {
        lines.extend(c.outcome.message.clone());
    }
    if let Some(d) = &c.outcome.diff {
        lines.push(d.clone());
    }
    lines.push(format!("at {}:{}", c.info.file, c.info.line));
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use crate::report::{compute_score, fixtures};

    #[test]
    fn junit_snapshot_parses_back() {
        let r = fixtures::report();
        let xml = super::render(&r, &compute_score(&r)).unwrap();
        let doc = roxmltree::Document::parse(&xml).expect("well-formed");
        let cases: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        assert_eq!(cases.len(), 5);
        assert!(cases[0].children().any(|c| c.has_tag_name("failure")));
        assert!(cases[3].children().any(|c| c.has_tag_name("error")));
        assert!(cases[4].children().any(|c| c.has_tag_name("skipped")));
        insta::assert_snapshot!(xml);
    }

    #[test]
    fn ansi_and_xml_breakers_in_logs_stay_well_formed() {
        let mut r = fixtures::report();
        r.suites[0].checks[0].log_tail = vec!["\u{1b}[31mERROR\u{1b}[0m ]]> <tag> & \u{7}".into()];
        let xml = super::render(&r, &compute_score(&r)).unwrap();
        roxmltree::Document::parse(&xml).expect("well-formed despite ANSI, ]]>, <, & and BEL");
    }
}
