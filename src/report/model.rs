//! `RunReport`: the final, ordered record of a run, built from events by `Recorder`.
//! Every file report is a pure function of it. Its JSON form is the results file.

use crate::check::{CheckOutcome, Status};
use crate::instance::StopReport;
use crate::report::checks::{Checks, Glance};
use crate::report::spill::SpillWriter;
use crate::runner::{CheckInfo, Event, EventSink};
use crate::suite::Severity;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// Severities, the most severe first: the order of a report's sections.
const MOST_SEVERE_FIRST: [Severity; 4] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
];

/// Version of the results JSON format (docs/results-json.md).
pub(crate) const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub(crate) struct RunReport {
    pub format_version: u32,
    pub harden_version: String,
    /// RFC 3339.
    pub started_at: String,
    pub duration_seconds: f64,
    pub interrupted: bool,
    pub suites: Vec<SuiteReport>,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub(crate) struct SuiteReport {
    pub name: String,
    pub file: String,
    pub filtered_out: usize,
    pub instance: Option<InstanceReport>,
    pub setup_error: Option<String>,
    pub cancelled: Option<String>,
    #[schemars(with = "Vec<CheckReport>")]
    pub checks: Checks,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub(crate) struct CheckReport {
    #[serde(flatten)]
    pub info: CheckInfo,
    #[serde(flatten)]
    pub outcome: CheckOutcome,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub log_tail: Vec<String>,
    /// 10 for a pass, 0 for a fail or an error, none for a skip.
    #[serde(default)]
    pub score: Option<f64>,
}

/// Sets each check's score from its status.
pub(crate) fn fill_scores(report: &mut RunReport) {
    for s in &mut report.suites {
        for c in s.checks.iter_mut() {
            c.score = c.outcome.score();
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub(crate) struct InstanceReport {
    pub command: String,
    pub pid: Option<u32>,
    pub port: Option<u16>,
    pub ready_after_seconds: Option<f64>,
    /// Why the service could not start, became not ready, or died during the run.
    pub failure: Option<String>,
    pub hint: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub log_tail: Vec<String>,
    pub stop: Option<StopReport>,
}

impl RunReport {
    /// The checks `keep` selects, in suite order: only those are read back.
    pub(crate) fn checks_where<'r>(
        &'r self,
        keep: impl Fn(&Glance<'_>) -> bool + Copy + 'r,
    ) -> impl Iterator<Item = (&'r SuiteReport, Cow<'r, CheckReport>)> + 'r {
        self.suites
            .iter()
            .flat_map(move |s| s.checks.read_where(keep).map(move |c| (s, c)))
    }

    /// The checks `keep` selects, the most severe first, then in suite order (what sorting
    /// them by severity would give): one pass over the suites per severity.
    pub(crate) fn most_severe_first<'r>(
        &'r self,
        keep: impl Fn(&Glance<'_>) -> bool + Copy + 'r,
    ) -> impl Iterator<Item = (&'r SuiteReport, Cow<'r, CheckReport>)> + 'r {
        MOST_SEVERE_FIRST.into_iter().flat_map(move |severity| {
            self.checks_where(move |g| g.info.severity == severity && keep(g))
        })
    }

    /// Every check, in suite order, as far as the score and the counts need it: nothing
    /// is read back.
    pub(crate) fn glances(&self) -> impl Iterator<Item = (&SuiteReport, Glance<'_>)> {
        self.suites
            .iter()
            .flat_map(|s| s.checks.glances().map(move |g| (s, g)))
    }

    pub(crate) fn count(&self, status: Status) -> usize {
        self.glances()
            .filter(|(_, g)| g.brief.status == status)
            .count()
    }

    /// Why the reports of this run cannot be trusted: an outcome that could not be kept
    /// or read back.
    pub(crate) fn failure(&self) -> Option<String> {
        self.suites.iter().find_map(|s| s.checks.failure())
    }

    pub(crate) fn instance_failed(&self) -> bool {
        self.suites
            .iter()
            .any(|s| s.instance.as_ref().is_some_and(|i| i.failure.is_some()))
    }
}

/// The event sink that builds the [`RunReport`], keeping checks in suite order. Each
/// outcome goes to the run's spill as it arrives (`report/spill.rs`): memory keeps a few
/// bytes per check, whatever the number of checks.
pub(crate) struct Recorder {
    pub report: RunReport,
    started: std::time::Instant,
    spill: SpillWriter,
}

impl Recorder {
    pub(crate) fn new() -> Recorder {
        Recorder {
            report: RunReport {
                format_version: FORMAT_VERSION,
                harden_version: env!("CARGO_PKG_VERSION").to_string(),
                started_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                duration_seconds: 0.0,
                interrupted: false,
                suites: Vec::new(),
            },
            started: std::time::Instant::now(),
            spill: SpillWriter::new(),
        }
    }

    pub(crate) fn finish(self, interrupted: bool) -> RunReport {
        let mut report = self.report;
        report.duration_seconds = (self.started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
        report.interrupted = interrupted;
        let spill = self.spill.finish();
        for s in &mut report.suites {
            s.checks.attach(&spill);
        }
        fill_scores(&mut report);
        report
    }

    /// The run was cut short before every check was reported (a second Ctrl-C): what
    /// never finished says why.
    pub(crate) fn abandon(&mut self, why: &str) {
        for suite in &mut self.report.suites {
            suite.checks.abandon(why);
            suite.cancelled.get_or_insert_with(|| why.to_string());
        }
    }

    fn suite(&mut self) -> Option<&mut SuiteReport> {
        self.report.suites.last_mut()
    }

    /// The suite's main instance; variant instances are reported through their checks.
    fn instance(&mut self, label: &str) -> Option<&mut InstanceReport> {
        if label != "main" {
            return None;
        }
        self.suite()
            .map(|s| s.instance.get_or_insert_with(InstanceReport::default))
    }
}

impl EventSink for Recorder {
    fn event(&mut self, e: &Event) {
        match e {
            Event::SuiteStarted {
                suite,
                file,
                checks,
                filtered_out,
            } => self.report.suites.push(SuiteReport {
                name: suite.clone(),
                file: file.clone(),
                filtered_out: *filtered_out,
                instance: None,
                setup_error: None,
                cancelled: None,
                checks: Checks::spilled(checks.clone()),
            }),
            Event::InstanceSpawned {
                label,
                command,
                pid,
                port,
            } => {
                if let Some(i) = self.instance(label) {
                    i.command = command.clone();
                    i.pid = Some(*pid);
                    i.port = Some(*port);
                }
            }
            Event::InstanceReady { label, after } => {
                if let Some(i) = self.instance(label) {
                    i.ready_after_seconds = Some((after.as_secs_f64() * 1000.0).round() / 1000.0);
                }
            }
            Event::InstanceFailed {
                label,
                message,
                hint,
                log_tail,
            } => {
                if let Some(i) = self.instance(label) {
                    i.failure = Some(message.clone());
                    i.hint = hint.clone();
                    i.log_tail = log_tail.clone();
                }
            }
            Event::SetupFailed { message } => {
                if let Some(s) = self.suite() {
                    s.setup_error = Some(message.clone());
                }
            }
            Event::CheckFinished {
                index,
                outcome,
                log_tail,
            } => {
                // The duration is kept to the whole microsecond, as the results file keeps it.
                let brief = self.spill.record(outcome, log_tail);
                if let Some(s) = self.suite() {
                    s.checks.record(*index, brief);
                }
            }
            Event::RunCancelled { reason } => {
                if let Some(s) = self.suite() {
                    s.cancelled = Some(reason.clone());
                }
            }
            Event::InstanceStopped { label, report } => {
                if let Some(i) = self.instance(label) {
                    i.stop = Some(report.clone());
                }
            }
            Event::CheckStarted { .. }
            | Event::CheckRetrying { .. }
            | Event::Progress { .. }
            | Event::SuiteFinished => {}
        }
    }
}
