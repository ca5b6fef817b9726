//! What ends a run early: the first Ctrl-C or SIGTERM, or the run deadline (`--timeout`),
//! cancels the run (stop the services with a bounded grace, write every report); a second
//! signal kills every service at once.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tokio::signal::unix::{SignalKind, signal};
use tokio_util::sync::CancellationToken;

/// When a run is cancelled, no service gets more than this to stop gracefully, whatever its
/// `stop.grace`: a cancelled CI job must end promptly.
pub(crate) const ABORT_GRACE_CAP: Duration = Duration::from_secs(5);

/// Why a run was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Abort {
    Interrupted,
    Deadline,
}

impl Abort {
    pub(crate) fn reason(self) -> &'static str {
        match self {
            Abort::Interrupted => "interrupted",
            Abort::Deadline => "the run deadline (--timeout) was reached",
        }
    }
}

#[derive(Clone, Default)]
pub(crate) struct Interrupts {
    /// The first signal, or the deadline: cancel the run. Every wait of the run selects on it.
    pub cancel: CancellationToken,
    /// The second signal: kill every service now, skip the grace period.
    pub kill_now: CancellationToken,
    why: Arc<OnceLock<Abort>>,
}

impl Interrupts {
    /// Listens for SIGINT and SIGTERM for the life of the runtime, and cancels the run at
    /// `deadline`.
    pub(crate) fn install(deadline: Option<Instant>) -> Interrupts {
        let me = Interrupts::default();
        let signals = me.clone();
        tokio::spawn(async move {
            let (Ok(mut int), Ok(mut term)) = (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
            ) else {
                return;
            };
            let mut seen = 0;
            loop {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
                seen += 1;
                // On its own line: the status line (and the terminal's `^C`) are cleared
                // from the line the cursor is on first.
                if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                    eprint!("\r\x1b[2K");
                }
                if seen == 1 {
                    eprintln!(
                        "harden: interrupted; stopping the service and writing reports (again to kill now)"
                    );
                    signals.abort(Abort::Interrupted);
                } else {
                    eprintln!("harden: killing every service now");
                    signals.abort(Abort::Interrupted);
                    signals.kill_now.cancel();
                }
            }
        });
        if let Some(at) = deadline {
            let timer = me.clone();
            tokio::spawn(async move {
                tokio::time::sleep_until(at.into()).await;
                timer.abort(Abort::Deadline);
            });
        }
        me
    }

    /// Cancels the run; the first reason given is the one reported.
    pub(crate) fn abort(&self, why: Abort) {
        let _ = self.why.set(why);
        self.cancel.cancel();
    }

    /// Why the run was cancelled, if it was.
    pub(crate) fn aborted(&self) -> Option<Abort> {
        self.cancel
            .is_cancelled()
            .then(|| self.why.get().copied())
            .flatten()
    }

    /// Whether a person (or the CI runner) interrupted the run, as opposed to the deadline.
    pub(crate) fn interrupted(&self) -> bool {
        self.aborted() == Some(Abort::Interrupted)
    }

    /// The grace a service gets to stop: its own, capped once the run is cancelled.
    pub(crate) fn grace(&self, configured: Duration) -> Duration {
        if self.cancel.is_cancelled() {
            configured.min(ABORT_GRACE_CAP)
        } else {
            configured
        }
    }
}
