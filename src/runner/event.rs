//! Events: the only channel from the engine to the outputs.

use crate::check::CheckOutcome;
use crate::instance::StopReport;
use std::time::Duration;

/// What the outputs need to know of a check before it runs.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct CheckInfo {
    pub id: String,
    pub name: Option<String>,
    pub kind: String,
    pub category: String,
    pub severity: crate::suite::Severity,
    /// Weight in the score: the severity's, times the suite's weight for the category.
    pub weight: f64,
    pub file: String,
    pub line: u64,
}

#[derive(Debug, Clone)]
pub(crate) enum Event {
    SuiteStarted {
        suite: String,
        file: String,
        checks: Vec<CheckInfo>,
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
    #[expect(
        dead_code,
        reason = "the dispatcher tracks it; no sink shows running checks yet"
    )]
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
}

/// A consumer of events: the terminal display, the report recorder.
pub(crate) trait EventSink {
    fn event(&mut self, event: &Event);
}
