//! Progress from work the runner awaits itself (the suite's `setup`), passed on as events
//! while it runs. Checks in a batch report through the dispatcher's own channel instead.

use crate::check::{CheckContext, ProgressSink};
use crate::runner::emit::Emitter;
use crate::runner::event::Event;
use tokio::sync::mpsc;

/// Runs `work` with a context whose progress reaches the sinks as `Event::Progress` about
/// `index` (`None`: the suite's setup), when a sink shows progress; as is otherwise.
pub(crate) async fn forwarded<T>(
    out: &mut Emitter<'_>,
    cx: &CheckContext,
    index: Option<usize>,
    work: impl AsyncFnOnce(&CheckContext) -> T,
) -> T {
    if !out.wants_progress() {
        return work(cx).await;
    }
    let (tx, mut rx) = mpsc::unbounded_channel();
    let sink = ProgressSink::new(move |i, p| {
        let _ = tx.send((i, p));
    });
    let cx = CheckContext {
        progress: sink.about(index),
        ..cx.clone()
    };
    let run = work(&cx);
    tokio::pin!(run);
    loop {
        tokio::select! {
            // What it reported before it ended is shown before what follows it.
            biased;
            Some((index, progress)) = rx.recv() => out.emit(Event::Progress { index, progress }),
            done = &mut run => return done,
        }
    }
}
