//! GitHub Actions: `::error` annotations on the suite lines of failed checks, and the
//! Markdown summary appended to `$GITHUB_STEP_SUMMARY`.

use crate::check::Status;
use crate::report::RunReport;
use crate::report::checks::Glance;
use std::io::Write;

/// GitHub shows no more than this many annotations of a kind per step.
const MAX_ANNOTATIONS: usize = 10;
/// The step summary is capped at 1 MiB per step.
const SUMMARY_LIMIT: usize = 1024 * 1024 - 4096;

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Workflow commands for failed and errored checks, most severe first.
pub(crate) fn annotations(report: &RunReport) -> Vec<String> {
    let mut out = Vec::new();
    let failed = |g: &Glance<'_>| matches!(g.brief.status, Status::Fail | Status::Error);
    for (_, c) in report.most_severe_first(failed) {
        if out.len() >= MAX_ANNOTATIONS {
            break;
        }
        // A linter's findings are annotated where they are, in the code.
        for f in &c.outcome.findings {
            out.push(format!(
                "::error file={},line={},title={}::{}",
                escape_property(&f.file),
                f.line,
                escape_property(&format!("harden: {}: {}", c.info.id, f.rule)),
                escape_data(&f.message)
            ));
        }
        if c.outcome.findings.is_empty() {
            out.push(check_annotation(&c));
        }
    }
    // A flaky check counted by `warn` is a warning on its suite line.
    let flaky = |g: &Glance<'_>| g.brief.status == Status::Pass && g.brief.flaky;
    for (_, c) in report.checks_where(flaky) {
        if out.len() >= MAX_ANNOTATIONS {
            break;
        }
        if let (Status::Pass, Some(f)) = (c.outcome.status, &c.outcome.flaky)
            && f.rule == crate::suite::FlakyRule::Warn
        {
            out.push(format!(
                "::warning file={},line={},title={}::{}",
                escape_property(&c.info.file),
                c.info.line,
                escape_property(&format!("harden: {} is flaky", c.info.id)),
                escape_data(&format!(
                    "a timing verdict failed, then passed when measured again; first: {}",
                    f.first_failure
                ))
            ));
        }
    }
    out.truncate(MAX_ANNOTATIONS);
    out
}

/// The annotation of a failed check on its suite line.
fn check_annotation(c: &crate::report::CheckReport) -> String {
    let what = if c.outcome.status == Status::Fail {
        "failed"
    } else {
        "could not be evaluated"
    };
    format!(
        "::error file={},line={},title={}::{}",
        escape_property(&c.info.file),
        c.info.line,
        escape_property(&format!(
            "harden: {} {what} ({})",
            c.info.id,
            c.info.severity.as_str()
        )),
        escape_data(c.outcome.message.as_deref().unwrap_or(what))
    )
}

/// The summary, cut to fit under GitHub's cap if it must be: at a line boundary, with
/// the code fence and the `<details>` blocks that were open at the cut closed again, so
/// the rest of the page renders as harden wrote it.
pub(crate) fn fit_summary(markdown: &str) -> String {
    if markdown.len() <= SUMMARY_LIMIT {
        return markdown.to_string();
    }
    let mut kept = 0;
    let mut fence: Option<usize> = None;
    let mut details = 0usize;
    for line in markdown.split_inclusive('\n') {
        if kept + line.len() > SUMMARY_LIMIT {
            break;
        }
        kept += line.len();
        let text = line.trim_end();
        let ticks = text.len() - text.trim_start_matches('`').len();
        match fence {
            Some(n) if ticks >= n && text.trim_start_matches('`').is_empty() => fence = None,
            Some(_) => {}
            None if ticks >= 3 => fence = Some(ticks),
            None => {
                details += text.matches("<details").count();
                details = details.saturating_sub(text.matches("</details>").count());
            }
        }
    }
    let mut out = markdown[..kept].to_string();
    if let Some(n) = fence {
        out.push_str(&"`".repeat(n));
        out.push('\n');
    }
    for _ in 0..details {
        out.push_str("\n</details>\n");
    }
    out.push_str("\n_(truncated: the full report is in the results JSON)_\n");
    out
}

/// What of a summary is kept in memory to fit it: one byte past the cap says it is over.
struct Capped(Vec<u8>);

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let room = (SUMMARY_LIMIT + 1).saturating_sub(self.0.len());
        self.0.extend_from_slice(&buf[..buf.len().min(room)]);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The summary as `write` renders it, cut to fit under GitHub's cap: only what fits is
/// kept in memory.
pub(crate) fn capped_summary(
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<String> {
    let mut capped = Capped(Vec::new());
    write(&mut capped)?;
    // A cut inside a character is past the cap: that line is not kept.
    Ok(fit_summary(&String::from_utf8_lossy(&capped.0)))
}

/// When running in GitHub Actions: print annotations, append the summary (`markdown`
/// writes it).
pub(crate) fn publish(
    report: &RunReport,
    markdown: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    if std::env::var("GITHUB_ACTIONS").as_deref() != Ok("true") {
        return Ok(());
    }
    let mut stdout = std::io::stdout().lock();
    for a in annotations(report) {
        writeln!(stdout, "{a}")?;
    }
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY") {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        f.write_all(capped_summary(markdown)?.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_are_escaped_and_most_severe_first() {
        let a = annotations(&crate::report::sample::report());
        assert_eq!(
            a,
            vec![
                "::error file=checks/orchestrator.yaml,line=30,title=harden%3A create-run failed (critical)::status: expected 201, got 200 (and 1 more)",
                "::error file=checks/orchestrator.yaml,line=140,title=harden%3A health-ai could not be evaluated (medium)::GET http://127.0.0.1:4000/health: connection failed: connection refused",
            ]
        );
    }

    /// The summary kept while it is written is the one cut from the whole text.
    #[test]
    fn a_summary_cut_as_it_is_written_is_the_one_cut_from_the_whole() {
        let mut md = String::from("# harden\n\n<details><summary>output</summary>\n\n````\n");
        while md.len() < 3 * 1024 * 1024 {
            md.push_str("é line of output with ``` inside, and one more ü\n");
        }
        md.push_str("````\n\n</details>\n");
        let streamed = capped_summary(|w| {
            for chunk in md.as_bytes().chunks(1000) {
                w.write_all(chunk)?;
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(streamed, fit_summary(&md));
        let short = "# short\n";
        assert_eq!(
            capped_summary(|w| w.write_all(short.as_bytes())).unwrap(),
            short
        );
    }

    #[test]
    fn oversized_summaries_are_cut() {
        let big = "x".repeat(2 * 1024 * 1024);
        let s = fit_summary(&big);
        assert!(s.len() < 1024 * 1024 && s.ends_with("results JSON)_\n"));
    }

    #[test]
    fn a_cut_inside_a_fence_and_details_closes_both() {
        let mut md = String::from("# harden\n\n<details><summary>output</summary>\n\n````\n");
        while md.len() < 2 * 1024 * 1024 {
            md.push_str("a line of service output with ``` inside\n");
        }
        md.push_str("````\n\n</details>\n");
        let s = fit_summary(&md);
        assert!(s.len() <= 1024 * 1024, "{}", s.len());
        let tail = &s[s.len() - 200..];
        assert!(
            tail.contains("with ``` inside\n````\n\n</details>\n"),
            "fence and details closed: {tail}"
        );
        assert_eq!(
            s.matches("<details>").count(),
            s.matches("</details>").count()
        );
    }
}
