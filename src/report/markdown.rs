//! The Markdown summary (`--markdown`, and `$GITHUB_STEP_SUMMARY` in GitHub Actions): the
//! verdict and score, a category table, the failing checks first with expected vs actual
//! and what to fix, the passing ones folded. Readable on a pull-request page.

use crate::check::Status;
use crate::report::checks::Glance;
use crate::report::write::Out;
use crate::report::{CheckReport, RunReport, Score, Verdict, fmt_score};
use crate::suite::CheckKind;
use std::fmt::Write;

/// Text in a table cell or list item: one line, pipes escaped, bounded, no control
/// characters (a results file given to `harden report` may come from anywhere).
fn cell(s: &str) -> String {
    let one: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(300)
        .collect();
    let more = if s.chars().count() > 300 { "…" } else { "" };
    format!("{}{more}", one.replace('|', "\\|"))
}

/// A label for a Mermaid chart: quoted, with nothing that could end the quote.
fn chart_label(s: &str) -> String {
    let clean: String = s
        .chars()
        .filter(|c| !matches!(c, '"' | '`' | '\n' | '\r' | '[' | ']'))
        .take(40)
        .collect();
    format!("\"{clean}\"")
}

/// The category scores as a bar chart GitHub renders (Mermaid `xychart-beta`).
fn category_chart(score: &Score) -> String {
    let scored: Vec<(&str, f64)> = score
        .categories
        .iter()
        .filter_map(|c| c.score.map(|s| (c.category.as_str(), s)))
        .collect();
    if scored.is_empty() {
        return String::new();
    }
    let labels: Vec<String> = scored.iter().map(|(c, _)| chart_label(c)).collect();
    let values: Vec<String> = scored.iter().map(|(_, s)| fmt_score(*s)).collect();
    format!(
        "\n```mermaid\nxychart-beta\n    title \"Score by category\"\n    x-axis [{}]\n    y-axis \"score\" 0 --> 100\n    bar [{}]\n```\n\n",
        labels.join(", "),
        values.join(", ")
    )
}

/// A `load` check's latency distribution as a bar chart (milliseconds).
fn latency_chart(id: &str, f: &crate::check::LoadFigures) -> String {
    let top = (f.max_ms * 1.1).ceil().max(1.0);
    format!(
        "```mermaid\nxychart-beta\n    title {}\n    x-axis [\"p50\", \"p95\", \"p99\", \"max\"]\n    y-axis \"ms\" 0 --> {top}\n    bar [{}, {}, {}, {}]\n```\n\n",
        chart_label(&format!("{id}: latency, {} req/s", f.rps)),
        f.p50_ms,
        f.p95_ms,
        f.p99_ms,
        f.max_ms
    )
}

/// A fenced code block that `text` cannot close: the fence is longer than any run of
/// backticks in it (CommonMark), and control characters are shown as escapes.
pub(crate) fn fenced(lang: &str, text: &str) -> String {
    let mut text = text.to_string();
    crate::redact::neutralize(&mut text);
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}{lang}\n{text}\n{fence}")
}

/// An inline code span that survives backticks in the value.
fn code(s: &str) -> String {
    let s = cell(s);
    if s.contains('`') {
        format!("`` {s} ``")
    } else {
        format!("`{s}`")
    }
}

/// What to do about a failure of each kind.
pub(crate) fn fix_hint(kind: CheckKind) -> &'static str {
    match kind {
        CheckKind::Http => {
            "The response no longer matches its contract: fix the endpoint, or update the suite if the contract changed on purpose."
        }
        CheckKind::Health => {
            "Make the endpoint probe its dependency and report the real state (and a 5xx when it is down), instead of a constant."
        }
        CheckKind::Dependency => {
            "Install what is missing (the note has the command) and pin requirements with `==`."
        }
        CheckKind::RateLimit => {
            "Enforce the declared limit per client in a storage every worker shares, refuse (429, with `Retry-After` where you can) rather than delay, and keep quota headers consistent."
        }
        CheckKind::Metrics => {
            "Expose the missing families with the right types and labels, and keep the exposition valid."
        }
        CheckKind::Logs => {
            "Log one JSON object per line with the required fields; never log secrets or tracebacks; audit state changes."
        }
        CheckKind::Security => {
            "Close the gap the probe found (see the assertions): refuse unauthenticated or forged requests, answer bad input with 4xx and no internals."
        }
        CheckKind::Load => {
            "Profile the endpoint under this concurrency; the figures above show which percentile missed."
        }
        CheckKind::Code => {
            "Remove the listed matches, or raise the rule's `max` if the budget is deliberate."
        }
        CheckKind::Command => "Fix the failing tests and collection errors listed.",
        CheckKind::OpenApi => {
            "Make each listed operation answer as its document says (a documented status, a body matching its schema, a 4xx for a missing required field), or document what it really does."
        }
    }
}

fn status_icon(s: Status) -> &'static str {
    match s {
        Status::Pass => "✅",
        Status::Fail => "❌",
        Status::Error => "⚠️",
        Status::Skip => "⏭️",
    }
}

fn check_section(out: &mut Out<'_>, c: &CheckReport) {
    let o = &c.outcome;
    let _ = writeln!(
        out,
        "#### {} `{}` ({}, {}, {}): {}:{}\n",
        status_icon(o.status),
        c.info.id,
        c.info.kind,
        c.info.category,
        c.info.severity.as_str(),
        c.info.file,
        c.info.line
    );
    let failed: Vec<_> = crate::check::failed_assertions(&o.assertions).collect();
    if let (true, Some(m)) = (failed.is_empty(), &o.message) {
        let _ = writeln!(out, "- {}", cell(m));
    }
    for a in failed {
        let _ = writeln!(
            out,
            "- **{}**: expected {}, got {}",
            cell(&a.property),
            code(&a.expected),
            code(&a.actual)
        );
    }
    if let Some(n) = &o.note {
        let _ = writeln!(out, "- _{}_", cell(n));
    }
    if let Some(d) = &o.diff {
        let _ = writeln!(
            out,
            "\n<details><summary>diff</summary>\n\n{}\n\n</details>",
            fenced("diff", d.trim_end())
        );
    }
    if !c.log_tail.is_empty() {
        let _ = writeln!(
            out,
            "\n<details><summary>service output (last {})</summary>\n\n{}\n\n</details>",
            crate::text::plural(c.log_tail.len(), "line"),
            fenced("", &c.log_tail.join("\n"))
        );
    }
    if o.status == Status::Fail {
        let _ = writeln!(out, "\n**What to fix:** {}", fix_hint(c.info.kind));
    }
    out.push('\n');
}

#[cfg(any(test, feature = "bench-internals"))]
pub(crate) fn render(report: &RunReport, score: &Score, verdict: &Verdict) -> String {
    crate::report::write::to_string(|w| write(w, report, score, verdict))
}

/// The summary, written as it is rendered: the checks are read one at a time.
pub(crate) fn write(
    w: &mut dyn std::io::Write,
    report: &RunReport,
    score: &Score,
    verdict: &Verdict,
) -> std::io::Result<()> {
    let mut sink = Out::new(w);
    let out = &mut sink;
    let title = if verdict.ready {
        "✅ READY"
    } else {
        "❌ NOT READY"
    };
    let _ = writeln!(out, "## harden: {title}, score {}\n", score.out_of_100());
    let _ = writeln!(out, "**Verdict:** {}  ", cell(&verdict.line));
    let _ = writeln!(
        out,
        "**Score:** {}  ",
        score.headline().trim_start_matches("score ")
    );
    if let Some(b) = &verdict.baseline {
        let _ = writeln!(out, "**Baseline:** {}  ", b.headline());
    }
    let _ = writeln!(
        out,
        "**Suites:** {}\n",
        report
            .suites
            .iter()
            .map(|s| format!("`{}` ({})", s.name, s.file))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if let Some(b) = &verdict.baseline {
        let details = b.details();
        if !details.is_empty() {
            let _ = writeln!(out, "Changes since the baseline:\n");
            for d in details {
                let _ = writeln!(out, "- {}", cell(&d));
            }
            out.push('\n');
        }
    }
    if let Some(f) = report.suites.iter().find_map(|s| {
        s.instance
            .as_ref()
            .and_then(|i| i.failure.as_ref().map(|f| (i, f)))
    }) {
        let _ = writeln!(out, "> **The service failed:** {}\n", cell(f.1));
        if !f.0.log_tail.is_empty() {
            let _ = writeln!(
                out,
                "<details><summary>service output</summary>\n\n{}\n\n</details>\n",
                fenced("", &f.0.log_tail.join("\n"))
            );
        }
    }
    if let Some(b) = &verdict.baseline {
        let show = |v: Option<f64>| v.map(fmt_score).unwrap_or_else(|| "n/a".into());
        let _ = writeln!(
            out,
            "| | baseline | this run | change |\n|---|---:|---:|---:|\n| score | {} | {} | {} |\n",
            show(b.baseline_score),
            show(b.score),
            b.delta
                .map(|d| format!("{}{}", if d >= 0.0 { "+" } else { "" }, fmt_score(d)))
                .unwrap_or_else(|| "n/a".into())
        );
    }
    let _ = writeln!(out, "| category | score | passed |\n|---|---:|---:|");
    for c in &score.categories {
        let _ = writeln!(
            out,
            "| {} | {} | {} of {} |",
            cell(&c.category),
            c.score.map(fmt_score).unwrap_or_else(|| "n/a".into()),
            c.passed,
            c.counted
        );
    }
    out.push_str(&category_chart(score));
    for (_, c) in report.checks_where(|g| g.brief.figures) {
        if let Some(f) = &c.outcome.figures {
            out.push_str(&latency_chart(&c.info.id, f));
        }
    }
    out.push('\n');
    // Most severe first, then in suite order.
    for (title, status) in [
        ("Failing checks", Status::Fail),
        ("Checks that could not be evaluated", Status::Error),
        ("Skipped checks", Status::Skip),
    ] {
        let n = report.count(status);
        if n == 0 {
            continue;
        }
        let _ = writeln!(out, "### {title} ({n})\n");
        for (_, c) in report.most_severe_first(move |g| g.brief.status == status) {
            check_section(out, &c);
        }
    }
    let flaky = |g: &Glance<'_>| g.brief.status == Status::Pass && g.brief.flaky;
    let n = report.glances().filter(|(_, g)| flaky(g)).count();
    if n > 0 {
        let _ = writeln!(
            out,
            "### Flaky checks ({n}): a timing verdict failed, then passed when measured again\n",
        );
        for (_, c) in report.checks_where(flaky) {
            if let Some(f) = &c.outcome.flaky {
                let _ = writeln!(
                    out,
                    "- 🔁 `{}` is flaky: {} of {} measurements failed, counted as {}; first: {}",
                    cell(&c.info.id),
                    f.failed,
                    c.outcome.measurements,
                    f.rule.as_str(),
                    code(&f.first_failure)
                );
            }
        }
        out.push('\n');
    }
    let passing = report.count(Status::Pass);
    if passing > 0 {
        let _ = writeln!(
            out,
            "<details><summary>{} passing</summary>\n",
            crate::text::plural(passing, "check")
        );
        let _ = writeln!(
            out,
            "| check | kind | category | severity | time |\n|---|---|---|---|---:|"
        );
        for (_, c) in report.checks_where(|g| g.brief.status == Status::Pass) {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} |",
                cell(&c.info.id),
                c.info.kind,
                cell(&c.info.category),
                c.info.severity.as_str(),
                crate::text::human_duration(c.outcome.duration)
            );
        }
        let _ = writeln!(out, "\n</details>");
    }
    sink.finish()
}

#[cfg(test)]
mod tests {
    use crate::report::{GateOptions, compute_score, decide, sample};

    #[test]
    fn markdown_snapshot() {
        let r = sample::report();
        let score = compute_score(&r);
        let verdict = decide(&r, &score, GateOptions::default(), None);
        insta::assert_snapshot!(super::render(&r, &score, &verdict));
    }
}
