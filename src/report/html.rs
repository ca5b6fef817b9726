//! The HTML report (`--html`): one self-contained file for a browser or a CI artifact.
//! The verdict and score first, the baseline delta, the service, the categories and each
//! `load` check's latency as inline SVG charts, then every check (failures first and open,
//! passes folded) with a filter by status that needs no script. Inline CSS only: nothing
//! is fetched, so it reads the same offline, printed, and in dark mode.

use crate::check::Status;
use crate::report::chart::{self, Bar, escape};
use crate::report::model::InstanceReport;
use crate::report::write::Out;
use crate::report::{CheckReport, RunReport, Score, SuiteReport, Verdict, fmt_score};
use std::fmt::Write;

const STYLE: &str = include_str!("html.css");

/// Text as HTML: control characters shown as escapes (a results file given to
/// `harden report` may come from anywhere), then escaped.
fn text(s: &str) -> String {
    let mut s = s.to_string();
    crate::redact::neutralize(&mut s);
    escape(&s)
}

fn pre(lines: &str) -> String {
    format!("<pre>{}</pre>", text(lines))
}

fn show(v: Option<f64>) -> String {
    v.map(fmt_score).unwrap_or_else(|| "n/a".into())
}

fn signed(d: f64) -> String {
    if d > 0.0 {
        format!("+{}", fmt_score(d))
    } else if d < 0.0 {
        format!("-{}", fmt_score(-d))
    } else {
        "0".into()
    }
}

fn header(out: &mut Out<'_>, report: &RunReport, score: &Score, verdict: &Verdict) {
    let (class, word) = if verdict.ready {
        ("ready", "READY")
    } else {
        ("not-ready", "NOT READY")
    };
    let _ = write!(
        out,
        "<header class=\"verdict {class}\" id=\"verdict\"><h1>harden: <span class=\"big\">{word}</span></h1>\
         <p class=\"big score\">{}</p>\
         <p><strong>Verdict:</strong> {}</p><p><strong>Score:</strong> {}</p>",
        match score.score {
            Some(v) => format!("{}<span class=\"muted\">/100</span>", fmt_score(v)),
            None => "n/a".into(),
        },
        text(&verdict.line),
        text(score.headline().trim_start_matches("score "))
    );
    out.push_str("<p class=\"counts\">");
    for s in [Status::Fail, Status::Error, Status::Skip, Status::Pass] {
        let _ = write!(
            out,
            "<span><span class=\"status {0}\">{0}</span> {1}</span>",
            s.as_str(),
            report.count(s)
        );
    }
    out.push_str("</p>");
    let suites: Vec<String> = report
        .suites
        .iter()
        .map(|s| format!("<code>{}</code> ({})", text(&s.name), text(&s.file)))
        .collect();
    let _ = write!(
        out,
        "<p class=\"muted\">Suites: {}. Started {}, took {}s, harden {}{}.</p></header>",
        suites.join(", "),
        text(&report.started_at),
        report.duration_seconds,
        text(&report.harden_version),
        if report.interrupted {
            "; <strong>interrupted</strong>"
        } else {
            ""
        }
    );
}

fn baseline(out: &mut Out<'_>, verdict: &Verdict) {
    let Some(b) = &verdict.baseline else {
        return;
    };
    let _ = write!(
        out,
        "<section id=\"baseline\"><h2>Since the baseline</h2><table><tr><th></th><th class=\"num\">baseline</th><th class=\"num\">this run</th><th class=\"num\">change</th></tr>\
         <tr><td>score</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr></table>",
        show(b.baseline_score),
        show(b.score),
        b.delta.map(signed).unwrap_or_else(|| "n/a".into())
    );
    let details = b.details();
    if details.is_empty() {
        out.push_str("<p class=\"muted\">No check changed state.</p>");
    } else {
        out.push_str("<ul>");
        for d in details {
            let _ = write!(out, "<li>{}</li>", text(&d));
        }
        out.push_str("</ul>");
    }
    out.push_str("</section>");
}

fn instance(out: &mut Out<'_>, suite: &SuiteReport, i: &InstanceReport) {
    let _ = write!(
        out,
        "<p><code>{}</code> ({})</p>",
        text(&i.command),
        text(&suite.name)
    );
    let mut facts = Vec::new();
    if let Some(pid) = i.pid {
        facts.push(format!("pid {pid}"));
    }
    if let Some(port) = i.port {
        facts.push(format!("port {port}"));
    }
    if let Some(r) = i.ready_after_seconds {
        facts.push(format!("ready after {r}s"));
    }
    if let Some(stop) = &i.stop {
        let how = match (&stop.exit, stop.exited_early) {
            (Some(e), true) => format!("had already {e}"),
            (Some(e), false) => format!("stopped: {e}"),
            (None, _) => "stopped".into(),
        };
        facts.push(if stop.forced {
            format!("{how} (forced with SIGKILL)")
        } else {
            how
        });
    }
    if !facts.is_empty() {
        let _ = write!(out, "<p class=\"muted\">{}</p>", text(&facts.join(", ")));
    }
    if let Some(f) = &i.failure {
        let _ = write!(
            out,
            "<div class=\"alert\"><strong>The service failed:</strong> {}",
            text(f)
        );
        if let Some(h) = &i.hint {
            let _ = write!(out, "<br>hint: {}", text(h));
        }
        out.push_str("</div>");
    }
    if !i.log_tail.is_empty() {
        let _ = write!(
            out,
            "<details{}><summary>service output (last {})</summary>{}</details>",
            if i.failure.is_some() { " open" } else { "" },
            crate::text::plural(i.log_tail.len(), "line"),
            pre(&i.log_tail.join("\n"))
        );
    }
}

fn service(out: &mut Out<'_>, report: &RunReport) {
    out.push_str("<section id=\"service\"><h2>The service</h2>");
    for s in &report.suites {
        if let Some(i) = &s.instance {
            instance(out, s, i);
        }
        if let Some(e) = &s.setup_error {
            let _ = write!(
                out,
                "<div class=\"alert\"><strong>Setup failed</strong> ({}): {}</div>",
                text(&s.name),
                text(e)
            );
        }
        if let Some(c) = &s.cancelled {
            let _ = write!(
                out,
                "<div class=\"alert\"><strong>Cancelled</strong> ({}): {}</div>",
                text(&s.name),
                text(c)
            );
        }
        if s.filtered_out > 0 {
            let _ = write!(
                out,
                "<p class=\"muted\">{}: {} filtered out.</p>",
                text(&s.name),
                crate::text::plural(s.filtered_out, "check")
            );
        }
    }
    out.push_str("</section>");
}

fn categories(out: &mut Out<'_>, score: &Score) {
    out.push_str("<section id=\"categories\"><h2>Categories</h2><div class=\"charts\"><table><tr><th>category</th><th class=\"num\">score</th><th class=\"num\">passed</th></tr>");
    for c in &score.categories {
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{} of {}</td></tr>",
            text(&c.category),
            show(c.score),
            c.passed,
            c.counted
        );
    }
    out.push_str("</table>");
    let scored: Vec<Bar> = score
        .categories
        .iter()
        .filter_map(|c| {
            c.score.map(|s| Bar {
                label: c.category.clone(),
                value: s,
                shown: fmt_score(s),
            })
        })
        .collect();
    if !scored.is_empty() {
        out.push_str("<figure>");
        out.push_str(&chart::bars(
            "Score by category (out of 100)",
            "categories",
            &scored,
            100.0,
        ));
        out.push_str("<figcaption>Score by category, out of 100</figcaption></figure>");
    }
    out.push_str("</div></section>");
}

fn latency(out: &mut Out<'_>, report: &RunReport) {
    if !report.glances().any(|(_, g)| g.brief.figures) {
        return;
    }
    out.push_str("<section id=\"latency\"><h2>Latency</h2><div class=\"charts\">");
    for (_, c) in report.checks_where(|g| g.brief.figures) {
        let Some(f) = &c.outcome.figures else {
            continue;
        };
        let ms = |label: &str, v: f64| Bar {
            label: label.into(),
            value: v,
            shown: format!("{v} ms"),
        };
        let title = format!("{}: latency (ms)", c.info.id);
        let _ = write!(
            out,
            "<figure>{}<figcaption><code>{}</code>: {} requests, {} errors, {} req/s</figcaption></figure>",
            chart::bars(
                &title,
                "latency",
                &[
                    ms("p50", f.p50_ms),
                    ms("p95", f.p95_ms),
                    ms("p99", f.p99_ms),
                    ms("max", f.max_ms),
                ],
                f.max_ms,
            ),
            text(&c.info.id),
            f.requests,
            f.errors,
            f.rps
        );
    }
    out.push_str("</div></section>");
}

fn check(out: &mut Out<'_>, suite: &str, many_suites: bool, c: &CheckReport) {
    let o = &c.outcome;
    let status = o.status.as_str();
    let _ = write!(
        out,
        "<details class=\"check {status}\" id=\"check-{}\" data-status=\"{status}\"{}><summary><span class=\"status {status}\">{status}</span><code class=\"id\">{}</code>",
        text(&format!("{suite}-{}", c.info.id)),
        if o.status == Status::Pass {
            ""
        } else {
            " open"
        },
        text(&c.info.id),
    );
    if let Some(n) = &c.info.name {
        let _ = write!(out, " {}", text(n));
    }
    let _ = write!(
        out,
        " <span class=\"muted\">{} · {} · {} · {}{}</span></summary>",
        c.info.kind,
        text(&c.info.category),
        c.info.severity.as_str(),
        crate::text::human_duration(o.duration),
        if o.attempts > 1 {
            format!(" · {} attempts", o.attempts)
        } else {
            String::new()
        } + &match (&o.flaky, o.measurements) {
            (Some(f), m) => format!(
                " · flaky ({} of {m} measurements failed, counted as {})",
                f.failed,
                f.rule.as_str()
            ),
            (None, m) if m > 1 => format!(" · {m} measurements"),
            _ => String::new(),
        }
    );
    let _ = write!(
        out,
        "<p class=\"muted\">{}{}:{}</p>",
        if many_suites {
            format!("suite {}, ", text(suite))
        } else {
            String::new()
        },
        text(&c.info.file),
        c.info.line
    );
    if let Some(m) = &o.message {
        let _ = write!(out, "<p class=\"message\">{}</p>", text(m));
    }
    if !o.assertions.is_empty() {
        out.push_str("<table><tr><th>property</th><th>expected</th><th>actual</th><th></th></tr>");
        for a in &o.assertions {
            let _ = write!(
                out,
                "<tr{}><td>{}</td><td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>",
                if a.passed { "" } else { " class=\"failed\"" },
                text(&a.property),
                text(&a.expected),
                text(&a.actual),
                if a.passed { "ok" } else { "failed" }
            );
        }
        out.push_str("</table>");
    }
    if let Some(n) = &o.note {
        let _ = write!(out, "<p><em>{}</em></p>", text(n));
    }
    if let Some(d) = &o.diff {
        let _ = write!(
            out,
            "<details open><summary>diff</summary>{}</details>",
            pre(d.trim_end())
        );
    }
    if !o.findings.is_empty() {
        out.push_str("<table><tr><th>where</th><th>rule</th><th>finding</th></tr>");
        for f in &o.findings {
            let _ = write!(
                out,
                "<tr><td><code>{}:{}</code></td><td>{}</td><td>{}</td></tr>",
                text(&f.file),
                f.line,
                text(&f.rule),
                text(&f.message)
            );
        }
        out.push_str("</table>");
    }
    if !c.log_tail.is_empty() {
        let _ = write!(
            out,
            "<details><summary>service output (last {})</summary>{}</details>",
            crate::text::plural(c.log_tail.len(), "line"),
            pre(&c.log_tail.join("\n"))
        );
    }
    if o.status == Status::Fail {
        let _ = write!(
            out,
            "<p><strong>What to fix:</strong> {}</p>",
            text(crate::report::markdown::fix_hint(c.info.kind))
        );
    }
    out.push_str("</details>");
}

fn checks(out: &mut Out<'_>, report: &RunReport) {
    out.push_str("<section id=\"checks\"><h2>Checks</h2><form class=\"filters\">Show: <label><input type=\"radio\" name=\"show\" id=\"show-all\" checked> all</label>");
    for s in [Status::Fail, Status::Error, Status::Skip, Status::Pass] {
        let _ = write!(
            out,
            "<label><input type=\"radio\" name=\"show\" id=\"show-{0}\"> {0} ({1})</label>",
            s.as_str(),
            report.count(s)
        );
    }
    out.push_str("</form>");
    let many = report.suites.len() > 1;
    // Failures first, the most severe first within each status; then suite order.
    for status in [Status::Fail, Status::Error, Status::Skip] {
        for (s, c) in report.most_severe_first(move |g| g.brief.status == status) {
            check(out, &s.name, many, &c);
        }
    }
    for (s, c) in report.checks_where(|g| g.brief.status == Status::Pass) {
        check(out, &s.name, many, &c);
    }
    out.push_str("</section>");
}

/// The whole page, a pure function of the recorded run (as every file report is).
#[cfg(test)]
pub(crate) fn render(report: &RunReport, score: &Score, verdict: &Verdict) -> String {
    crate::report::write::to_string(|w| write(w, report, score, verdict))
}

/// The page, written as it is rendered: the checks are read one at a time.
pub(crate) fn write(
    w: &mut dyn std::io::Write,
    report: &RunReport,
    score: &Score,
    verdict: &Verdict,
) -> std::io::Result<()> {
    let mut out = Out::new(w);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"generator\" content=\"harden {}\">\
         <title>harden: {}, score {}</title><style>\n{STYLE}</style></head><body>\n",
        text(&report.harden_version),
        if verdict.ready { "READY" } else { "NOT READY" },
        score.out_of_100()
    );
    header(&mut out, report, score, verdict);
    out.push('\n');
    baseline(&mut out, verdict);
    service(&mut out, report);
    out.push('\n');
    categories(&mut out, score);
    latency(&mut out, report);
    out.push('\n');
    checks(&mut out, report);
    out.push_str("\n</body></html>\n");
    out.finish()
}

#[cfg(test)]
mod tests {
    use crate::check::{LoadFigures, Status};
    use crate::report::{GateOptions, compare, compute_score, decide, sample};
    use crate::suite::Severity;

    /// The sample run with a `load` check, compared with a baseline where `health-ai`
    /// still passed.
    fn page() -> String {
        let mut r = sample::report();
        let mut load = sample::check(
            "get-run-latency",
            "performance",
            Severity::Medium,
            Status::Pass,
            220,
        );
        load.info.kind = crate::suite::CheckKind::Load;
        load.outcome.note = Some("400 requests in 1.9s".into());
        load.outcome.figures = Some(LoadFigures {
            requests: 400,
            errors: 0,
            rps: 210.5,
            p50_ms: 4.2,
            p95_ms: 9.8,
            p99_ms: 15.1,
            max_ms: 22.0,
        });
        r.suites[0].checks.push(load);
        crate::report::fill_scores(&mut r);
        let mut base = r.clone();
        base.suites[0].checks[3] =
            sample::check("health-ai", "health", Severity::Medium, Status::Pass, 140);
        crate::report::fill_scores(&mut base);
        let score = compute_score(&r);
        let comparison = compare(&base, &compute_score(&base), &r, &score);
        let verdict = decide(&r, &score, GateOptions::default(), Some(comparison));
        super::render(&r, &score, &verdict)
    }

    #[test]
    fn html_snapshot() {
        let r = sample::report();
        let score = compute_score(&r);
        let verdict = decide(&r, &score, GateOptions::default(), None);
        insta::assert_snapshot!(super::render(&r, &score, &verdict));
    }

    #[test]
    fn html_with_a_baseline_and_a_latency_chart_snapshot() {
        insta::assert_snapshot!(page());
    }

    #[test]
    fn the_page_is_self_contained() {
        let page = page();
        for outside in [
            "<script", "<link", "src=", "url(", "@import", "http://", "https://",
        ] {
            let hits: Vec<&str> = page.lines().filter(|l| l.contains(outside)).collect();
            // The one allowed: the SVG namespace, which is a name, not a fetch; and the
            // sample's own error message, which names the service's URL as text.
            let fetches: Vec<&&str> = hits
                .iter()
                .filter(|l| {
                    !l.contains("xmlns=\"http://www.w3.org/2000/svg\"")
                        && !l.contains("http://127.0.0.1:4000/health: connection failed")
                })
                .collect();
            assert!(fetches.is_empty(), "{outside}: {fetches:?}");
        }
    }

    #[test]
    fn failures_come_first_open_and_passes_folded() {
        let page = page();
        let at = |id: &str| {
            page.find(&format!("id=\"check-orchestrator-{id}\""))
                .unwrap()
        };
        assert!(at("create-run") < at("health-ai"));
        assert!(at("health-ai") < at("security-headers"));
        assert!(at("security-headers") < at("get-run-contract"));
        assert!(page.contains("<details class=\"check fail\" id=\"check-orchestrator-create-run\" data-status=\"fail\" open>"));
        assert!(page.contains("<details class=\"check pass\" id=\"check-orchestrator-health\" data-status=\"pass\"><summary>"));
    }

    #[test]
    fn every_recorded_text_is_escaped() {
        let mut r = sample::report();
        let evil = "<img src=x onerror=alert(1)>\u{1b}[31m";
        r.suites[0].name = evil.into();
        r.suites[0].checks[0].info.id = evil.into();
        r.suites[0].checks[0].outcome.message = Some(evil.into());
        r.suites[0].checks[0].log_tail = vec![evil.into()];
        r.suites[0].instance.as_mut().unwrap().command = evil.into();
        let score = compute_score(&r);
        let verdict = decide(&r, &score, GateOptions::default(), None);
        let page = super::render(&r, &score, &verdict);
        assert!(!page.contains("<img"), "{page}");
        assert!(!page.contains('\u{1b}'), "{page}");
        assert!(
            page.contains("&lt;img src=x onerror=alert(1)&gt;\\x1b[31m"),
            "{page}"
        );
    }
}
