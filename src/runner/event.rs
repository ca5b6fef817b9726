//! Events: the only channel from the engine to the outputs.

use crate::check::CheckOutcome;
use crate::instance::StopReport;
use crate::suite::SharedStr;
use std::time::Duration;

// A run holds one per check to its end: its texts are the check's spec's own (the file's
// path one for the whole suite), shared, not copied.
/// What the outputs need to know of a check before it runs.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub(crate) struct CheckInfo {
    #[schemars(with = "String")]
    pub id: SharedStr,
    #[schemars(with = "Option<String>")]
    pub name: Option<SharedStr>,
    pub kind: crate::suite::CheckKind,
    #[schemars(with = "String")]
    pub category: SharedStr,
    pub severity: crate::suite::Severity,
    /// Weight in the score: the severity's, times the suite's weight for the category.
    pub weight: f64,
    #[schemars(with = "String")]
    pub file: SharedStr,
    pub line: u64,
}

#[derive(Debug, Clone)]
pub(crate) enum Event {
    SuiteStarted {
        suite: String,
        file: String,
        /// Shared by every sink that keeps them: one copy, however many checks.
        checks: std::sync::Arc<Vec<CheckInfo>>,
        filtered_out: usize,
    },
    InstanceSpawned {
        label: String,
        command: String,
        pid: u32,
        port: u16,
    },
    InstanceReady {
        label: String,
        after: Duration,
    },
    /// The instance could not start, never became ready, or died during the run.
    InstanceFailed {
        label: String,
        message: String,
        hint: Option<String>,
        log_tail: Vec<String>,
    },
    SetupFailed {
        message: String,
    },
    CheckStarted {
        index: usize,
    },
    CheckRetrying {
        index: usize,
        attempt: u32,
        reason: String,
    },
    /// `log_tail`: the service's last output lines, for failed checks run against an instance.
    CheckFinished {
        index: usize,
        outcome: CheckOutcome,
        log_tail: Vec<String>,
    },
    RunCancelled {
        reason: String,
    },
    InstanceStopped {
        label: String,
        report: StopReport,
    },
    SuiteFinished,
    /// How far a running check (`index`), or the suite's setup (`None`), has got. Sent
    /// only while a sink shows it live (`EventSink::wants_progress`), a few times a second.
    Progress {
        index: Option<usize>,
        progress: crate::check::Progress,
    },
}

/// A consumer of events: the terminal display, the report recorder.
pub(crate) trait EventSink {
    fn event(&mut self, event: &Event);

    /// Whether this sink shows `Event::Progress`; checks count only when one does.
    fn wants_progress(&self) -> bool {
        false
    }
}

impl Event {
    /// Masks every secret in every text of the event and neutralises control characters.
    /// The match is exhaustive: a new event or field must say what happens to its text.
    pub(crate) fn sanitize(&mut self, redactor: &crate::redact::Redactor) {
        self.texts_mut(&mut |s: &mut String| {
            redactor.text(s);
            crate::redact::neutralize(s);
        });
    }

    fn texts_mut(&mut self, f: &mut dyn FnMut(&mut String)) {
        match self {
            Event::SuiteStarted {
                suite,
                file,
                checks,
                filtered_out: _,
            } => {
                f(suite);
                f(file);
                // Not shared yet when it is sanitized (before any sink sees it): no copy.
                for c in std::sync::Arc::make_mut(checks).iter_mut() {
                    let CheckInfo {
                        id,
                        name,
                        kind: _,
                        category,
                        severity: _,
                        weight: _,
                        file,
                        line: _,
                    } = c;
                    id.edit(f);
                    name.iter_mut().for_each(|n| n.edit(f));
                    category.edit(f);
                    file.edit(f);
                }
            }
            Event::InstanceSpawned {
                label,
                command,
                pid: _,
                port: _,
            } => {
                f(label);
                f(command);
            }
            Event::InstanceReady { label, after: _ } => f(label),
            Event::InstanceFailed {
                label,
                message,
                hint,
                log_tail,
            } => {
                f(label);
                f(message);
                hint.iter_mut().for_each(&mut *f);
                log_tail.iter_mut().for_each(&mut *f);
            }
            Event::SetupFailed { message } => f(message),
            Event::CheckStarted { index: _ } => {}
            Event::CheckRetrying {
                index: _,
                attempt: _,
                reason,
            } => f(reason),
            Event::CheckFinished {
                index: _,
                outcome,
                log_tail,
            } => {
                let CheckOutcome {
                    status: _,
                    assertions,
                    message,
                    diff,
                    note,
                    proportion: _,
                    figures: _,
                    findings,
                    attempts: _,
                    measurements: _,
                    flaky,
                    duration: _,
                } = outcome;
                if let Some(flaky) = flaky {
                    f(&mut flaky.first_failure);
                }
                for finding in findings {
                    f(&mut finding.file);
                    f(&mut finding.rule);
                    f(&mut finding.message);
                }
                message.iter_mut().for_each(&mut *f);
                diff.iter_mut().for_each(&mut *f);
                note.iter_mut().for_each(&mut *f);
                for a in assertions {
                    f(&mut a.property);
                    f(&mut a.expected);
                    f(&mut a.actual);
                }
                log_tail.iter_mut().for_each(&mut *f);
            }
            Event::RunCancelled { reason } => f(reason),
            Event::InstanceStopped {
                label,
                report:
                    StopReport {
                        exit: _,
                        forced: _,
                        exited_early: _,
                    },
            } => f(label),
            Event::SuiteFinished => {}
            Event::Progress { index: _, progress } => match progress {
                crate::check::Progress::Step {
                    number: _,
                    of: _,
                    request,
                } => f(request),
                crate::check::Progress::Requests { done: _, total: _ }
                | crate::check::Progress::Sent { requests: _ } => {}
            },
        }
    }
}
