//! `RunReport`: the final, ordered record of a run, built from events by `Recorder`.
//! Every file report is a pure function of it. Its JSON form is the results file.

use crate::check::{CheckOutcome, Status};
use crate::instance::StopReport;
use crate::runner::{CheckInfo, Event, EventSink};
use serde::{Deserialize, Serialize};

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
    pub checks: Vec<CheckReport>,
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
        for c in &mut s.checks {
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
    pub(crate) fn checks(&self) -> impl Iterator<Item = (&SuiteReport, &CheckReport)> {
        self.suites
            .iter()
            .flat_map(|s| s.checks.iter().map(move |c| (s, c)))
    }

    pub(crate) fn count(&self, status: Status) -> usize {
        self.checks()
            .filter(|(_, c)| c.outcome.status == status)
            .count()
    }

    pub(crate) fn instance_failed(&self) -> bool {
        self.suites
            .iter()
            .any(|s| s.instance.as_ref().is_some_and(|i| i.failure.is_some()))
    }
}

/// The event sink that builds the [`RunReport`], keeping checks in suite order.
/// What a check says until its outcome is recorded.
const NOT_RUN: &str = "not run";

pub(crate) struct Recorder {
    pub report: RunReport,
    started: std::time::Instant,
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
        }
    }

    pub(crate) fn finish(mut self, interrupted: bool) -> RunReport {
        self.report.duration_seconds =
            (self.started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
        self.report.interrupted = interrupted;
        fill_scores(&mut self.report);
        self.report
    }

    /// The run was cut short before every check was reported (a second Ctrl-C): what
    /// never finished says why.
    pub(crate) fn abandon(&mut self, why: &str) {
        for suite in &mut self.report.suites {
            for c in &mut suite.checks {
                if c.outcome.status == Status::Skip && c.outcome.message.as_deref() == Some(NOT_RUN)
                {
                    c.outcome = CheckOutcome::skip(format!("not run: {why}"));
                }
            }
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
                checks: checks
                    .iter()
                    .map(|info| CheckReport {
                        info: info.clone(),
                        outcome: CheckOutcome::skip(NOT_RUN),
                        log_tail: vec![],
                        score: None,
                    })
                    .collect(),
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
                if let Some(c) = self.suite().and_then(|s| s.checks.get_mut(*index)) {
                    c.outcome = outcome.clone();
                    c.outcome.duration = crate::check::whole_micros(outcome.duration);
                    c.log_tail = log_tail.clone();
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
