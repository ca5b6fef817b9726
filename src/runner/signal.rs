//! Ctrl-C and SIGTERM: the first cancels the run (stop the service, write partial reports),
//! the second kills the service's process group at once.

use tokio::signal::unix::{SignalKind, signal};
use tokio_util::sync::CancellationToken;

#[derive(Clone, Default)]
pub(crate) struct Interrupts {
    /// First signal: cancel the run.
    pub cancel: CancellationToken,
    /// Second signal: kill now, skip the grace period.
    pub kill_now: CancellationToken,
}

impl Interrupts {
    /// Listens for SIGINT and SIGTERM for the life of the runtime.
    pub(crate) fn install() -> Interrupts {
        let me = Interrupts::default();
        let (cancel, kill_now) = (me.cancel.clone(), me.kill_now.clone());
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
                if seen == 1 {
                    eprintln!(
                        "harden: interrupted; stopping the service and writing reports (again to kill now)"
                    );
                    cancel.cancel();
                } else {
                    kill_now.cancel();
                }
            }
        });
        me
    }
}
