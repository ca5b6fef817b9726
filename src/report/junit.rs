//! JUnit XML for CI test tabs: one `<testsuite>` per suite, one `<testcase>` per check.
//! Fail is `<failure>`, Error is `<error>`, Skip is `<skipped>`; failed cases carry the
//! service's log tail in `<system-out>`.

use crate::check::Status;
use crate::report::{CheckReport, RunReport, Score, SuiteReport, fmt_score};
use quick_junit::{
    NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite, XmlString,
};
use std::time::Duration;

/// Which JUnit shape to write: no one shape is accepted by every consumer with the most
/// information kept (docs/junit.md has the table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum JunitFormat {
    /// `file`, `line`, `assertions` and properties on each `<testcase>`.
    Full,
    /// Only what the Jenkins xUnit plugin's schema (junit-10.xsd) allows: the per-check
    /// details move into the `<testsuite>`'s properties and the failure text.
    Xunit,
}

#[cfg(any(test, feature = "bench-internals"))]
pub(crate) fn render(
    report: &RunReport,
    score: &Score,
    format: JunitFormat,
) -> Result<String, String> {
    let mut xml = Vec::new();
    write(&mut xml, report, score, format)?;
    String::from_utf8(xml).map_err(|e| e.to_string())
}

/// The end of a `<testsuite>`'s properties in quick-junit's layout: each suite has
/// properties (`harden.version` at least), and no text in the document can contain it
/// (`<` is escaped everywhere).
const PROPERTIES_END: &str = "\n        </properties>";
/// Checks rendered at once: what a report holds in memory, however many checks there are.
const CHUNK: usize = 512;

/// The report, written as it is rendered. quick-junit renders the document without its
/// test cases (and, in the xunit shape, without the per-check properties), then the checks
/// in chunks of `CHUNK`, each read back as it is reached, spliced in where quick-junit
/// would have put them: the same bytes as one document rendered whole.
pub(crate) fn write(
    w: &mut dyn std::io::Write,
    report: &RunReport,
    score: &Score,
    format: JunitFormat,
) -> Result<(), String> {
    let mut junit = Report::new("harden");
    junit.set_time(Duration::from_secs_f64(report.duration_seconds.max(0.0)));
    if format == JunitFormat::Full
        && let Ok(t) = chrono::DateTime::parse_from_rfc3339(&report.started_at)
    {
        junit.set_timestamp(t);
    }
    for suite in &report.suites {
        junit.add_test_suite(skeleton(report, suite, score));
    }
    let xml = junit.to_string().map_err(|e| e.to_string())?;
    let xml = match format {
        JunitFormat::Full => xml,
        // junit-10.xsd allows no `skipped` on `<testsuites>`; quick-junit always writes it.
        JunitFormat::Xunit => without_root_attribute(&xml, "skipped"),
    };
    let io = |e: std::io::Error| crate::reason::io(&e);
    let mut rest = xml.as_str();
    for suite in &report.suites {
        let at = rest
            .find(PROPERTIES_END)
            .ok_or("quick-junit wrote a suite without its properties")?;
        w.write_all(&rest.as_bytes()[..at]).map_err(io)?;
        if format == JunitFormat::Xunit {
            for_chunks(suite, |chunk| {
                let props = chunk.iter().flat_map(xunit_properties).collect();
                w.write_all(fragment(props, Vec::new())?.as_bytes())
                    .map_err(io)
            })?;
        }
        w.write_all(PROPERTIES_END.as_bytes()).map_err(io)?;
        for_chunks(suite, |chunk| {
            let cases = chunk.iter().map(|c| case(suite, c, format)).collect();
            w.write_all(fragment(Vec::new(), cases)?.as_bytes())
                .map_err(io)
        })?;
        rest = &rest[at + PROPERTIES_END.len()..];
    }
    w.write_all(rest.as_bytes()).map_err(io)
}

/// `xml` with one attribute removed from its `<testsuites>` start tag.
fn without_root_attribute(xml: &str, name: &str) -> String {
    let Some(start) = xml.find("<testsuites") else {
        return xml.to_string();
    };
    let Some(end) = xml[start..].find('>').map(|e| start + e) else {
        return xml.to_string();
    };
    let tag = &xml[start..end];
    let needle = format!(" {name}=\"");
    let Some(at) = tag.find(&needle) else {
        return xml.to_string();
    };
    let value_end = tag[at + needle.len()..]
        .find('"')
        .map(|v| at + needle.len() + v + 1)
        .unwrap_or(tag.len());
    format!("{}{}{}", &xml[..start + at], &tag[value_end..], &xml[end..])
}

/// Calls `each` with the suite's checks, `CHUNK` at a time, in suite order.
fn for_chunks(
    suite: &SuiteReport,
    mut each: impl FnMut(&[CheckReport]) -> Result<(), String>,
) -> Result<(), String> {
    let mut chunk = Vec::with_capacity(CHUNK.min(suite.checks.len()));
    for c in suite.checks.iter() {
        chunk.push(c.into_owned());
        if chunk.len() == CHUNK {
            each(&chunk)?;
            chunk.clear();
        }
    }
    if chunk.is_empty() {
        return Ok(());
    }
    each(&chunk)
}

/// Properties and test cases as quick-junit writes them inside a `<testsuite>`: rendered
/// in a document of their own, and cut out of it.
fn fragment(properties: Vec<Property>, cases: Vec<TestCase>) -> Result<String, String> {
    if properties.is_empty() && cases.is_empty() {
        return Ok(String::new());
    }
    let mut junit = Report::new("harden");
    let mut ts = TestSuite::new("chunk");
    ts.add_properties(properties);
    ts.add_test_cases(cases);
    junit.add_test_suite(ts);
    let xml = junit.to_string().map_err(|e| e.to_string())?;
    let cut = |from: &str, to: &str| {
        let start = xml.find(from)? + from.len();
        let start = start + xml[start..].find('>')? + 1;
        let end = xml.rfind(to)?;
        xml.get(start..end).map(str::to_string)
    };
    let props = "\n        <properties";
    let found = if xml.contains(props) {
        cut(props, PROPERTIES_END)
    } else {
        cut("<testsuite ", "\n    </testsuite>")
    };
    found.ok_or_else(|| "quick-junit wrote an unexpected document".to_string())
}

/// A `<testsuite>` without its test cases: its counts, time and properties are the
/// suite's, read without reading a check back.
fn skeleton(report: &RunReport, suite: &SuiteReport, score: &Score) -> TestSuite {
    let mut ts = TestSuite::new(suite.name.as_str());
    // Most readers show it, and Ant's schema requires it on each `<testsuite>`, in Ant's
    // own form: seconds in UTC, no zone, no fraction (the form most parsers read, too).
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(&report.started_at) {
        let ant = t.naive_utc().format("%Y-%m-%dT%H:%M:%S").to_string();
        ts.extra.insert("timestamp".into(), ant.into());
    }
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
    let mut time = 0.0;
    for g in suite.checks.glances() {
        time += g.brief.duration().as_secs_f64();
        ts.tests += 1;
        match g.brief.status {
            Status::Pass => {}
            Status::Fail => ts.failures += 1,
            Status::Error => ts.errors += 1,
            Status::Skip => ts.skipped += 1,
        }
    }
    ts.set_time(Duration::from_secs_f64(time));
    ts
}

/// In the xunit shape, a check's place and kind, as its suite's properties keyed by the
/// check's id (no attributes or properties on a test case there).
fn xunit_properties(c: &CheckReport) -> Vec<Property> {
    let (id, o) = (&c.info.id, &c.outcome);
    let mut props = vec![
        Property::new(
            format!("harden.check.{id}.file"),
            format!("{}:{}", c.info.file, c.info.line),
        ),
        Property::new(
            format!("harden.check.{id}.severity"),
            c.info.severity.as_str(),
        ),
    ];
    if let Some(note) = &o.note {
        props.push(Property::new(
            format!("harden.check.{id}.note"),
            note.as_str(),
        ));
    }
    if let Some(f) = &o.flaky {
        props.push(Property::new(
            format!("harden.check.{id}.flaky"),
            f.rule.as_str(),
        ));
    }
    props
}

/// One check's `<testcase>`.
fn case(suite: &SuiteReport, c: &CheckReport, format: JunitFormat) -> TestCase {
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
    if !c.log_tail.is_empty() {
        tc.set_system_out(c.log_tail.join("\n"));
    }
    if format == JunitFormat::Xunit {
        return tc;
    }
    tc.set_assertions(o.assertions.len());
    tc.extra
        .insert(XmlString::new("file"), XmlString::new(&c.info.file));
    tc.extra.insert(
        XmlString::new("line"),
        XmlString::new(c.info.line.to_string()),
    );
    tc.add_property(Property::new("harden.kind", c.info.kind.name()));
    tc.add_property(Property::new("harden.severity", c.info.severity.as_str()));
    if let Some(note) = &o.note {
        tc.add_property(Property::new("harden.note", note.as_str()));
    }
    if o.attempts > 1 {
        tc.add_property(Property::new("harden.attempts", o.attempts.to_string()));
    }
    if o.measurements > 1 {
        tc.add_property(Property::new(
            "harden.measurements",
            o.measurements.to_string(),
        ));
    }
    if let Some(f) = &o.flaky {
        // The rule it was counted by; the note says what failed first.
        tc.add_property(Property::new("harden.flaky", f.rule.as_str()));
    }
    tc
}

/// The document as quick-junit renders it whole, every check in memory: what `write`'s
/// chunks are tested against.
#[cfg(test)]
pub(crate) fn whole(report: &RunReport, score: &Score, format: JunitFormat) -> String {
    let mut junit = Report::new("harden");
    junit.set_time(Duration::from_secs_f64(report.duration_seconds.max(0.0)));
    if format == JunitFormat::Full
        && let Ok(t) = chrono::DateTime::parse_from_rfc3339(&report.started_at)
    {
        junit.set_timestamp(t);
    }
    for suite in &report.suites {
        let mut ts = skeleton(report, suite, score);
        (ts.tests, ts.failures, ts.errors, ts.skipped) = (0, 0, 0, 0);
        let checks: Vec<CheckReport> = suite.checks.iter().map(|c| c.into_owned()).collect();
        let time: f64 = checks
            .iter()
            .map(|c| c.outcome.duration.as_secs_f64())
            .sum();
        ts.set_time(Duration::from_secs_f64(time));
        for c in &checks {
            if format == JunitFormat::Xunit {
                ts.add_properties(xunit_properties(c));
            }
            ts.add_test_case(case(suite, c, format));
        }
        junit.add_test_suite(ts);
    }
    let xml = junit.to_string().unwrap();
    match format {
        JunitFormat::Full => xml,
        JunitFormat::Xunit => without_root_attribute(&xml, "skipped"),
    }
}

/// The essential text of a failure: each failed assertion, then the diff.
fn body(c: &crate::report::CheckReport) -> String {
    let mut lines: Vec<String> = crate::check::failed_assertions(&c.outcome.assertions)
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
    use crate::report::{compute_score, sample};

    #[test]
    fn junit_snapshot_parses_back() {
        let r = sample::report();
        let xml = super::render(&r, &compute_score(&r), super::JunitFormat::Full).unwrap();
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
        let mut r = sample::report();
        r.suites[0].checks[0].log_tail = vec!["\u{1b}[31mERROR\u{1b}[0m ]]> <tag> & \u{7}".into()];
        let xml = super::render(&r, &compute_score(&r), super::JunitFormat::Full).unwrap();
        roxmltree::Document::parse(&xml).expect("well-formed despite ANSI, ]]>, <, & and BEL");
    }
}

/// Each flavour's rules, encoded: which elements and attributes each consumer accepts,
/// which it requires, and what may be inside what.
#[cfg(test)]
mod flavour_tests {
    use super::*;
    use crate::report::{compute_score, sample};

    /// An element, its allowed attributes, its required ones, and its allowed children.
    type Rule = (
        &'static str,
        &'static [&'static str],
        &'static [&'static str],
        &'static [&'static str],
    );

    /// The Jenkins xUnit plugin's junit-10.xsd: allowed attributes, required attributes
    /// and allowed children per element.
    const XUNIT: &[Rule] = &[
        (
            "testsuites",
            &["name", "time", "tests", "failures", "errors"],
            &[],
            &["testsuite"],
        ),
        (
            "testsuite",
            &[
                "name",
                "tests",
                "failures",
                "errors",
                "group",
                "time",
                "skipped",
                "timestamp",
                "hostname",
                "id",
                "package",
                "file",
                "log",
                "url",
                "version",
            ],
            &["name", "tests", "failures", "errors"],
            &[
                "testsuite",
                "properties",
                "testcase",
                "system-out",
                "system-err",
            ],
        ),
        (
            "testcase",
            &["name", "time", "classname", "group"],
            &["name"],
            &[
                "skipped",
                "error",
                "failure",
                "rerunFailure",
                "rerunError",
                "flakyFailure",
                "flakyError",
                "system-out",
                "system-err",
            ],
        ),
        ("properties", &[], &[], &["property"]),
        ("property", &["name", "value"], &["name", "value"], &[]),
        ("failure", &["type", "message"], &[], &[]),
        ("error", &["type", "message"], &[], &[]),
        ("skipped", &["type", "message"], &[], &[]),
        ("system-out", &[], &[], &[]),
        ("system-err", &[], &[], &[]),
    ];

    fn render_with(format: JunitFormat) -> String {
        let r = sample::report();
        render(&r, &compute_score(&r), format).unwrap()
    }

    /// `SUREFIRE_TIME` in junit-10.xsd: digits, at most three decimals.
    fn surefire_time(t: &str) -> bool {
        let (int, frac) = t.split_once('.').unwrap_or((t, ""));
        int.chars().all(|c| c.is_ascii_digit() || c == ',')
            && frac.len() <= 3
            && frac.chars().all(|c| c.is_ascii_digit())
    }

    #[test]
    fn xunit_follows_the_jenkins_xunit_schema() {
        let xml = render_with(JunitFormat::Xunit);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        assert_eq!(doc.root_element().tag_name().name(), "testsuites");
        for node in doc.descendants().filter(|n| n.is_element()) {
            let name = node.tag_name().name();
            let (_, allowed, required, children) = XUNIT
                .iter()
                .find(|(e, ..)| *e == name)
                .unwrap_or_else(|| panic!("element <{name}> is not in junit-10.xsd"));
            for a in node.attributes() {
                assert!(
                    allowed.contains(&a.name()),
                    "<{name} {}> is not allowed",
                    a.name()
                );
                if a.name() == "time" {
                    assert!(surefire_time(a.value()), "<{name} time={}>", a.value());
                }
            }
            for r in *required {
                assert!(node.attribute(*r).is_some(), "<{name}> needs `{r}`");
            }
            for c in node.children().filter(|c| c.is_element()) {
                let child = c.tag_name().name();
                assert!(children.contains(&child), "<{child}> inside <{name}>");
            }
        }
        // Nothing is lost: each check's place is kept in its suite's properties.
        assert!(
            xml.contains("name=\"harden.check.create-run.file\""),
            "{xml}"
        );
    }

    /// Ant's schema (`ISO8601_DATETIME_PATTERN`) requires each `<testsuite>`'s timestamp
    /// in the form Ant and Gradle write: seconds, in UTC, without a zone or a fraction.
    #[test]
    fn every_testsuite_has_a_timestamp_in_both_shapes() {
        let ant = regex::Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$").unwrap();
        for started_at in ["2026-11-23T19:30:51.250Z", "2026-11-23T21:30:51+02:00"] {
            for format in [JunitFormat::Full, JunitFormat::Xunit] {
                let mut r = sample::report();
                r.started_at = started_at.into();
                let xml = render(&r, &compute_score(&r), format).unwrap();
                let doc = roxmltree::Document::parse(&xml).unwrap();
                let suites: Vec<_> = doc
                    .descendants()
                    .filter(|n| n.has_tag_name("testsuite"))
                    .collect();
                assert!(!suites.is_empty());
                for s in suites {
                    let t = s
                        .attribute("timestamp")
                        .unwrap_or_else(|| panic!("{format:?}: {xml}"));
                    assert!(ant.is_match(t), "{format:?}: `{t}` is not Ant's form");
                    assert_eq!(t, "2026-11-23T19:30:51", "{started_at} in UTC");
                }
            }
        }
    }

    #[test]
    fn full_keeps_file_and_line_on_each_case_for_gitlab_and_the_github_actions() {
        let xml = render_with(JunitFormat::Full);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let cases: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        assert!(!cases.is_empty());
        for c in cases {
            for a in ["name", "classname", "time", "file", "line"] {
                assert!(c.attribute(a).is_some(), "testcase without `{a}`");
            }
            assert!(c.attribute("line").unwrap().parse::<u64>().is_ok());
        }
    }
}
