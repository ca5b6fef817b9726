//! The live terminal display: one line per check as it finishes, failures with expected vs
//! actual and a diff, then the summary. Colour only on a terminal; `NO_COLOR` is respected.

use crate::check::{CheckOutcome, Status};
use crate::report::{RunReport, Score, Verdict, fmt_score};
use crate::runner::{CheckInfo, Event, EventSink};
use crate::text::plural;
use anstyle::{AnsiColor, Style};
use std::io::Write;
use std::sync::Arc;

const GREEN: Style = AnsiColor::Green.on_default().bold();
const RED: Style = AnsiColor::Red.on_default().bold();
const YELLOW: Style = AnsiColor::Yellow.on_default().bold();
const DIM: Style = Style::new().dimmed();
const BOLD: Style = Style::new().bold();
/// How many of the checks folded into one `not run` line it names.
const NOT_RUN_NAMED: usize = 5;

pub(crate) struct Terminal {
    out: anstream::AutoStream<std::io::Stdout>,
    /// Whether `out` keeps colours (a terminal, no `NO_COLOR`); without them, a check's
    /// line is written without any to strip.
    colour: bool,
    /// The suite's checks, shared with the event and the recorder.
    checks: Arc<Vec<CheckInfo>>,
    width: usize,
    progress: crate::report::progress::Progress,
    /// Shown in each suite's header line: `partition 2/3 (from CI_NODE_INDEX/CI_NODE_TOTAL)`.
    partition: Option<String>,
    /// Checks not run for the reason the last one printed gave: folded into one line that
    /// names the first `NOT_RUN_NAMED` of them and counts the rest.
    not_run: Option<(String, Vec<String>, usize)>,
}

impl Terminal {
    pub(crate) fn new() -> Terminal {
        let out = anstream::AutoStream::auto(std::io::stdout());
        Terminal {
            colour: out.current_choice() != anstream::ColorChoice::Never,
            out,
            checks: Arc::default(),
            width: 30,
            progress: crate::report::progress::Progress::new(),
            partition: None,
            not_run: None,
        }
    }

    pub(crate) fn set_partition(&mut self, partition: Option<String>) {
        self.partition = partition;
    }

    fn line(&mut self, text: impl AsRef<str>) {
        self.fold_not_run();
        self.progress.print(&mut self.out, text.as_ref());
    }

    /// Prints the checks folded after the last `not run:` one, if any.
    fn fold_not_run(&mut self) {
        if let Some((_, ids, n)) = self.not_run.take()
            && n > 0
        {
            let named: Vec<&str> = ids.iter().map(String::as_str).collect();
            let more = if n > named.len() {
                format!(" and {} more", n - named.len())
            } else {
                String::new()
            };
            let text = format!(
                "        {DIM}... {n} more {} not run for the same reason: {}{more}{DIM:#}",
                if n == 1 { "check" } else { "checks" },
                named.join(", ")
            );
            self.progress.print(&mut self.out, &text);
        }
    }

    fn finished(&mut self, index: usize, o: &CheckOutcome) {
        let checks = self.checks.clone();
        let Some(info) = checks.get(index) else {
            return;
        };
        // Checks that never ran, one after another, for one reason: one line for them all.
        let not_run = o
            .message
            .as_deref()
            .filter(|m| m.starts_with("not run:") && o.assertions.is_empty());
        if let (Some(m), Some((last, ids, n))) = (not_run, self.not_run.as_mut())
            && m == last
        {
            if ids.len() < NOT_RUN_NAMED {
                ids.push(info.id.to_string());
            }
            *n += 1;
            return;
        }
        let (label, style) = match o.status {
            Status::Pass if o.flaky.is_some() => ("FLAKY", YELLOW),
            Status::Pass => ("PASS ", GREEN),
            Status::Fail => ("FAIL ", RED),
            Status::Error => ("ERROR", RED),
            Status::Skip => ("SKIP ", YELLOW),
        };
        let time = crate::text::human_duration(o.duration);
        let retries = if o.attempts > 1 {
            format!(" ({} attempts)", o.attempts)
        } else {
            String::new()
        };
        let w = self.width;
        // Without colours the line is made with plain styles (they write nothing) and
        // goes straight out, with nothing to strip: one such line for every check.
        let (style, dim) = match self.colour {
            true => (style, DIM),
            false => (Style::new(), Style::new()),
        };
        let text = format!(
            "  {style}{label}{style:#} {:<w$} {dim}[{}] {time}{retries}{dim:#}",
            info.id, info.category
        );
        self.fold_not_run();
        match self.colour {
            true => self.progress.print(&mut self.out, &text),
            false => self.progress.print(&mut self.out.as_inner(), &text),
        }
        if let Some(note) = &o.note {
            self.line(format!("        {DIM}{note}{DIM:#}"));
        }
        if o.status == Status::Pass {
            return;
        }
        let failed: Vec<_> = crate::check::failed_assertions(&o.assertions).collect();
        if let (true, Some(m)) = (failed.is_empty(), &o.message) {
            self.line(format!("        {m}"));
        }
        if let Some(m) = not_run {
            self.not_run = Some((m.to_string(), Vec::new(), 0));
        }
        for a in failed {
            self.line(format!("        {BOLD}{}{BOLD:#}", a.property));
            self.line(format!("          expected: {}", a.expected));
            self.line(format!("          actual:   {}", a.actual));
        }
        if let Some(diff) = &o.diff {
            for l in diff.lines() {
                let style = if l.starts_with('+') && !l.starts_with("+++") {
                    AnsiColor::Green.on_default()
                } else if l.starts_with('-') && !l.starts_with("---") {
                    AnsiColor::Red.on_default()
                } else {
                    Style::new()
                };
                self.line(format!("        {style}{l}{style:#}"));
            }
        }
        if o.status == Status::Fail {
            self.line(format!(
                "        {DIM}at {}:{}{DIM:#}",
                info.file, info.line
            ));
        }
    }

    /// Totals, score, per-category table, the baseline comparison and the verdict.
    pub(crate) fn summary(&mut self, report: &RunReport, score: &Score, verdict: &Verdict) {
        self.fold_not_run();
        self.progress.stop();
        let text = summary_text(report, score, verdict);
        for l in text.lines() {
            let styled = if let Some(v) = l.strip_prefix("verdict: ") {
                let style = if verdict.ready { GREEN } else { RED };
                format!("{style}verdict: {v}{style:#}")
            } else if l.starts_with("score ") {
                format!("{BOLD}{l}{BOLD:#}")
            } else {
                l.to_string()
            };
            self.line(styled);
        }
        let _ = self.out.flush();
    }

    /// Each check of a recorded run, as `harden check` printed it live.
    pub(crate) fn print_results(&mut self, report: &RunReport) {
        for s in &report.suites {
            self.checks = Arc::new(s.checks.iter().map(|c| c.info.clone()).collect());
            self.width = self
                .checks
                .iter()
                .map(|c| c.id.len())
                .max()
                .unwrap_or(20)
                .clamp(20, 48);
            self.line(format!("{BOLD}suite `{}`{BOLD:#} ({})", s.name, s.file));
            for (i, c) in s.checks.iter().enumerate() {
                self.finished(i, &c.outcome);
            }
        }
    }
}

/// The summary as plain text (the terminal adds colour).
pub(crate) fn summary_text(report: &RunReport, score: &Score, verdict: &Verdict) -> String {
    let n = |s| report.count(s);
    let mut out = vec![
        String::new(),
        format!(
            "{}: {} passed, {} failed, {} errored, {} skipped ({:.1}s)",
            plural(
                n(Status::Pass) + n(Status::Fail) + n(Status::Error) + n(Status::Skip),
                "check"
            ),
            n(Status::Pass),
            n(Status::Fail),
            n(Status::Error),
            n(Status::Skip),
            report.duration_seconds
        ),
        score.headline(),
    ];
    let w = score
        .categories
        .iter()
        .map(|c| c.category.len())
        .max()
        .unwrap_or(8)
        .max(8);
    for c in &score.categories {
        let value = c.score.map(fmt_score).unwrap_or_else(|| "n/a".into());
        out.push(format!(
            "  {:<w$} {value:>5}  ({} of {} passed)",
            c.category, c.passed, c.counted
        ));
    }
    if let Some(b) = &verdict.baseline {
        out.push(format!("baseline: {}", b.headline()));
        out.extend(b.details().into_iter().map(|d| format!("  {d}")));
    }
    out.push(format!("verdict: {}", verdict.line));
    out.join("\n") + "\n"
}

impl EventSink for Terminal {
    fn event(&mut self, e: &Event) {
        // Setup reports its steps and nothing else happens while it runs: whatever
        // comes next ends it.
        if !matches!(e, Event::Progress { index: None, .. }) {
            self.progress.setup(None);
        }
        match e {
            Event::SuiteStarted {
                suite,
                file,
                checks,
                filtered_out,
            } => {
                self.checks = checks.clone();
                self.progress.suite(checks.len());
                self.width = checks
                    .iter()
                    .map(|c| c.id.len())
                    .max()
                    .unwrap_or(20)
                    .clamp(20, 48);
                let mut filtered = if *filtered_out > 0 {
                    format!(", {filtered_out} filtered out")
                } else {
                    String::new()
                };
                if let Some(p) = &self.partition {
                    filtered.push_str(&format!(", {p}"));
                }
                self.line(format!(
                    "{BOLD}harden {}{BOLD:#}: suite `{suite}` ({file}), {}{filtered}",
                    env!("CARGO_PKG_VERSION"),
                    plural(checks.len(), "check")
                ));
            }
            Event::InstanceSpawned {
                label,
                command,
                pid,
                port,
            } => {
                let who = service(label);
                self.line(format!(
                    "  {DIM}started {who}`{command}` (pid {pid}, port {port}){DIM:#}"
                ));
            }
            Event::InstanceReady { label, after } => {
                let who = service(label);
                self.line(format!(
                    "  {DIM}{who}ready after {}{DIM:#}",
                    crate::text::human_duration(*after)
                ));
            }
            Event::InstanceFailed {
                label,
                message,
                hint,
                log_tail,
            } => {
                let who = service(label);
                self.line(format!("  {RED}{who}service failed:{RED:#} {message}"));
                if let Some(h) = hint {
                    self.line(format!("  hint: {h}"));
                }
                if !log_tail.is_empty() {
                    self.line(format!(
                        "  {DIM}last {} lines of its output:{DIM:#}",
                        log_tail.len()
                    ));
                    for l in log_tail {
                        self.line(format!("  {DIM}|{DIM:#} {l}"));
                    }
                }
            }
            Event::SetupFailed { message } => self.line(format!("  {RED}{message}{RED:#}")),
            Event::CheckRetrying {
                index,
                attempt,
                reason,
            } => {
                let id = self
                    .checks
                    .get(*index)
                    .map(|c| c.id.to_string())
                    .unwrap_or_default();
                self.line(format!(
                    "  {YELLOW}RETRY{YELLOW:#} {id} (attempt {attempt}): {reason}"
                ));
            }
            Event::CheckFinished { index, outcome, .. } => {
                self.progress.finished(*index);
                self.finished(*index, outcome)
            }
            Event::RunCancelled { reason } => {
                self.line(format!("  {YELLOW}cancelled:{YELLOW:#} {reason}"))
            }
            Event::InstanceStopped { label, report } => {
                let how = match (&report.exit, report.forced) {
                    (_, true) => "killed with SIGKILL after the grace period".to_string(),
                    (Some(e), false) => e.to_string(),
                    (None, false) => "stopped".to_string(),
                };
                self.line(format!(
                    "  {DIM}{}service stopped ({how}){DIM:#}",
                    service(label)
                ));
            }
            Event::CheckStarted { index } => {
                if let Some(c) = self.checks.get(*index) {
                    self.progress.started(*index, &c.id);
                }
            }
            Event::SuiteFinished => {}
            Event::Progress { index, progress } => self.progress_of(*index, progress),
        }
        let _ = self.out.flush();
    }

    fn wants_progress(&self) -> bool {
        self.progress.is_live()
    }
}

impl Terminal {
    /// Progress inside a check, or the setup step running, on the status line. A check of
    /// one step says nothing more than its id already does.
    fn progress_of(&mut self, index: Option<usize>, progress: &crate::check::Progress) {
        use crate::check::Progress;
        match (index, progress) {
            (
                None,
                Progress::Step {
                    number,
                    of,
                    request,
                },
            ) => self
                .progress
                .setup(Some(format!("setup {number}/{of}: {request}"))),
            (None, _) => {}
            (Some(_), Progress::Step { of: 1, .. }) => {}
            (Some(i), p) => self.progress.check_detail(i, p.describe()),
        }
    }
}

/// `""` for the suite's main instance, `"[variant of X] "` for a check's own instance.
fn service(label: &str) -> String {
    if label == "main" {
        String::new()
    } else {
        format!("[{label}] ")
    }
}

#[cfg(test)]
mod tests {
    use crate::report::{GateOptions, compare, compute_score, decide, sample};

    #[test]
    fn summary_snapshot_with_baseline() {
        let r = sample::report();
        let score = compute_score(&r);
        let mut base = sample::report();
        base.suites[0].checks[0].outcome.status = crate::check::Status::Pass;
        base.suites[0].checks.pop();
        let base_score = compute_score(&base);
        let cmp = compare(&base, &base_score, &r, &score);
        let verdict = decide(
            &r,
            &score,
            GateOptions {
                min_score: None,
                max_regression: Some(5.0),
                partition: None,
            },
            Some(cmp),
        );
        insta::assert_snapshot!(super::summary_text(&r, &score, &verdict));
    }
}
