//! The one place events leave the runner: every event is redacted before any sink sees it.

use crate::check::CheckOutcome;
use crate::redact::Redactor;
use crate::runner::event::{Event, EventSink};
use std::sync::Arc;

/// The run's sinks, behind the redaction every event goes through.
pub(crate) struct Emitter<'s> {
    pub sinks: Vec<&'s mut dyn EventSink>,
    pub redactor: Arc<Redactor>,
}

impl Emitter<'_> {
    /// Every event is redacted before any sink sees it: secrets cannot reach an output.
    pub(crate) fn emit(&mut self, mut e: Event) {
        e.sanitize(&self.redactor);
        for s in self.sinks.iter_mut() {
            s.event(&e);
        }
    }

    /// Whether a sink shows progress inside checks (a live status line).
    pub(crate) fn wants_progress(&self) -> bool {
        self.sinks.iter().any(|s| s.wants_progress())
    }

    /// A check finished without a log tail (skipped, never started, or a preflight check).
    pub(crate) fn finish(&mut self, index: usize, outcome: CheckOutcome) {
        self.emit(Event::CheckFinished {
            index,
            outcome,
            log_tail: Vec::new(),
        });
    }
}
