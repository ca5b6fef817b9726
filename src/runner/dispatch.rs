//! The dispatcher: runs a batch of checks (the preflight, then the service checks)
//! concurrently, and is the only code that turns what they report into check events,
//! in order. What stops a batch (and what its unfinished checks become) is decided in
//! `stop.rs`.

use crate::check::{self, CheckContext, CheckOutcome, Status};
use crate::instance::{ExitInfo, LogBuffer};
use crate::runner::emit::Emitter;
use crate::runner::event::Event;
use crate::runner::remeasure;
use crate::runner::signal::{Abort, Interrupts};
use crate::runner::stop::{Happened, Leftover, Next, decide};
use crate::runner::variant::{self, VariantEnv};
use crate::suite::CheckSpec;
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{RwLock, Semaphore, mpsc, watch};

/// What the running checks tell the dispatcher.
enum Msg {
    Started(usize),
    Retrying(usize, u32, String),
    /// The outcome, and the service's last lines when it failed (of the check's own
    /// variant instance if it had one). The running check gathers them: the dispatcher never
    /// waits.
    Finished(usize, CheckOutcome, Vec<String>),
    /// A variant instance's lifecycle, passed on as is.
    Event(Event),
    /// How far a check has got, for a live display.
    Progress(Option<usize>, crate::check::Progress),
}

/// A batch of checks and what they run with.
pub(crate) struct Batch<'a> {
    /// Each check with its index in the suite's report, in suite order. Borrowed from the
    /// suite: a run holds no second copy of it.
    pub checks: Vec<(usize, &'a CheckSpec)>,
    pub cx: &'a CheckContext,
    pub env: Arc<VariantEnv>,
    /// How many run at once (`--jobs`).
    pub jobs: usize,
    pub fail_fast: bool,
    /// The suite's `timing:` rules (how a failed timing verdict is measured again).
    pub rules: crate::suite::TimingSpec,
    /// The main instance's exit, when checks run against it.
    pub exit_watch: Option<watch::Receiver<Option<ExitInfo>>>,
}

/// How a batch ended.
#[derive(Debug, Default)]
pub(crate) struct DispatchEnd {
    /// Ctrl-C or SIGTERM cancelled it.
    pub interrupted: bool,
    /// `RunCancelled` was emitted (the run was cancelled while the batch ran).
    pub cancelled: bool,
    /// Why no later check may run, and what such a check becomes: set by a stop, even
    /// one that came at the batch's last check (`--fail-fast` on the last preflight check
    /// still skips the service checks).
    pub stop: Option<Leftover>,
    /// Each check's final status, in batch order.
    pub statuses: Vec<Status>,
}

/// Resolves when the watched instance has exited; never, without one.
async fn exited(rx: &mut Option<watch::Receiver<Option<ExitInfo>>>) -> ExitInfo {
    let Some(rx) = rx else {
        return std::future::pending().await;
    };
    loop {
        if let Some(info) = rx.borrow_and_update().clone() {
            return info;
        }
        if rx.changed().await.is_err() {
            return std::future::pending().await;
        }
    }
}

/// The service's last output lines. The line it logs for the request that just failed is
/// usually still in the pipe, so wait briefly (at most 50 ms) for one more line first.
async fn settled_tail(logs: &LogBuffer) -> Vec<String> {
    let _ = tokio::time::timeout(Duration::from_millis(50), logs.notify.notified()).await;
    logs.tail(crate::instance::LOG_TAIL_LINES)
}

/// Starts checks in suite order, each once a `--jobs` permit is free; an exclusive check
/// waits until nothing else is in flight and holds back the ones after it. Polled by the
/// dispatcher's loop, it runs the checks it started too, and ends when they have all
/// ended; dropping it starts no other check and drops the ones running.
///
/// The checks run inside this future, not as tasks of their own: the run is on one thread,
/// so a task would only add a copy of the check's spec and context (a task must own what
/// it borrows) and move its state machine, several kilobytes, in and out of the task's cell.
#[expect(
    clippy::too_many_arguments,
    reason = "the batch's parts, each passed on to the checks it starts"
)]
async fn feed(
    checks: &[(usize, &CheckSpec)],
    cx: CheckContext,
    env: &Arc<VariantEnv>,
    main_exit: Option<watch::Receiver<Option<ExitInfo>>>,
    jobs: usize,
    rules: crate::suite::TimingSpec,
    tx: mpsc::UnboundedSender<Msg>,
    stop: tokio_util::sync::CancellationToken,
) {
    let permits = Arc::new(Semaphore::new(jobs.max(1)));
    let exclusive = Arc::new(RwLock::new(()));
    // A variant's start-up loads the machine: timing checks hold this shared while they
    // run, a variant's start-up holds it alone.
    let startups = Arc::new(RwLock::new(()));
    let (cx, tx, stop) = (&cx, &tx, &stop);
    let mut running = FuturesUnordered::new();
    for &(i, spec) in checks {
        let acquire = async {
            let permit = permits.clone().acquire_owned().await.ok()?;
            // Held while the check runs: the permit, and a shared or exclusive lock.
            let guard = if spec.exclusive {
                (None, Some(exclusive.clone().write_owned().await))
            } else {
                (Some(exclusive.clone().read_owned().await), None)
            };
            // Taken in suite order, so a start-up and a timing check never overlap.
            let timing = match (&spec.variant, spec.kind.measures_time()) {
                (Some(_), _) => Timing::StartUp {
                    _held: startups.clone().write_owned().await,
                },
                (None, true) => Timing::Measuring {
                    _held: startups.clone().read_owned().await,
                },
                (None, false) => Timing::None,
            };
            Some((permit, guard, timing))
        };
        tokio::pin!(acquire);
        // The checks already started go on while this one waits for its turn.
        let held = loop {
            tokio::select! {
                held = &mut acquire => break held,
                Some(()) = running.next(), if !running.is_empty() => {}
                _ = stop.cancelled() => break None,
            }
        };
        let Some((permit, guard, timing)) = held else {
            return;
        };
        // Only checks against the main instance blame its exit.
        let main_exit = main_exit.clone().filter(|_| spec.variant.is_none());
        let timing = (timing, startups.clone(), rules);
        running.push(async move {
            tokio::select! {
                _ = guarded(i, tx, run_one(i, spec, cx, env, main_exit, tx, timing)) => {}
                _ = stop.cancelled() => {}
            }
            drop((permit, guard));
        });
    }
    while running.next().await.is_some() {}
}

/// Runs check `i`, and makes a panic inside it (a bug of harden's) that check's error: the
/// other checks go on and every report is still written.
async fn guarded(i: usize, tx: &mpsc::UnboundedSender<Msg>, check: impl Future<Output = ()>) {
    use futures_util::FutureExt;
    if let Err(panic) = std::panic::AssertUnwindSafe(check).catch_unwind().await {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".into());
        let o = CheckOutcome::error(format!(
            "harden failed inside this check, a bug to report: {what}"
        ));
        let _ = tx.send(Msg::Finished(i, o, Vec::new()));
    }
}

/// Where a check stands with variant start-ups (see `feed`).
enum Timing {
    None,
    /// A timing check: no start-up while it runs.
    Measuring {
        _held: tokio::sync::OwnedRwLockReadGuard<()>,
    },
    /// A variant check: its start-up runs alone among timing checks.
    StartUp {
        _held: tokio::sync::OwnedRwLockWriteGuard<()>,
    },
}

/// Attempts of one check, each with its timeout, retried after errors (never after a
/// failed assertion) as `retries` allows; `retrying(attempt, reason)` is told of each retry.
/// Every check, preflight or not, runs through here.
async fn with_retries(
    spec: &CheckSpec,
    rules: crate::suite::TimingSpec,
    cx: &CheckContext,
    mut retrying: impl FnMut(u32, String),
) -> CheckOutcome {
    let mut attempt = 1;
    loop {
        let mut o = check::attempt(spec, cx).await;
        let happened = Happened::Attempted {
            status: o.status,
            attempt,
            retries: spec.retries,
        };
        if decide(&happened) == Next::Retry {
            attempt += 1;
            retrying(attempt, o.message.take().unwrap_or_default());
            continue;
        }
        o.attempts = attempt;
        // A failed timing verdict is measured again before it counts.
        let mut o =
            remeasure::remeasure(o, rules, || check::attempt(spec, cx), &mut retrying).await;
        o.attempts = attempt;
        return o;
    }
}

/// One check with its timeout and retries (retries follow errors, never failures), against
/// its own variant instance when it has one.
async fn run_one(
    i: usize,
    spec: &CheckSpec,
    cx: &CheckContext,
    env: &VariantEnv,
    main_exit: Option<watch::Receiver<Option<ExitInfo>>>,
    tx: &mpsc::UnboundedSender<Msg>,
    (mut timing, startups, rules): (Timing, Arc<RwLock<()>>, crate::suite::TimingSpec),
) {
    let _ = tx.send(Msg::Started(i));
    let started = Instant::now();
    let reporting;
    let cx = if cx.progress.is_live() {
        reporting = CheckContext {
            progress: cx.progress.about(Some(i)),
            ..cx.clone()
        };
        &reporting
    } else {
        cx
    };
    let emit = |e: Event| {
        let _ = tx.send(Msg::Event(e));
    };
    let running = match &spec.variant {
        None => None,
        Some(v) => match variant::start(env, &spec.id, v, cx, &emit).await {
            Ok(r) => Some(r),
            Err(failed) => {
                let mut o = failed.outcome;
                o.duration = started.elapsed();
                let _ = tx.send(Msg::Finished(i, o, failed.log_tail));
                return;
            }
        },
    };
    if let Timing::StartUp { .. } = timing {
        // Started: timing checks may run again, this one among them.
        timing = Timing::None;
        if spec.kind.measures_time() {
            timing = Timing::Measuring {
                _held: startups.read_owned().await,
            };
        }
    }
    let run_cx = running.as_ref().map(|r| &r.cx).unwrap_or(cx);
    let mut o = with_retries(spec, rules, run_cx, |attempt, reason| {
        let _ = tx.send(Msg::Retrying(i, attempt, reason));
    })
    .await;
    let failed = matches!(o.status, Status::Fail | Status::Error);
    let tail = match running {
        Some(r) => {
            let tail = if failed {
                r.instance.log_tail()
            } else {
                Vec::new()
            };
            variant::stop(r, &env.interrupts, &emit).await;
            tail
        }
        None => {
            // A refused connection is usually the service dying: say so.
            let mut main_exit = main_exit;
            if o.status == Status::Error
                && main_exit.is_some()
                && let Ok(info) =
                    tokio::time::timeout(Duration::from_millis(100), exited(&mut main_exit)).await
            {
                o.message = Some(format!(
                    "the service {info} during the run: {}",
                    o.message.unwrap_or_default()
                ));
            }
            match (&cx.logs, failed) {
                (Some(logs), true) => settled_tail(logs).await,
                _ => Vec::new(),
            }
        }
    };
    drop(timing);
    o.duration = started.elapsed();
    let _ = tx.send(Msg::Finished(i, o, tail));
}

/// Runs a batch: starts its checks (in suite order, `jobs` at a time), and turns what they
/// report into events, in order; this loop is the only place that emits check events. It
/// also watches the service, and the signals and deadline that cancel the run.
pub(crate) async fn dispatch(
    batch: Batch<'_>,
    interrupts: &Interrupts,
    out: &mut Emitter<'_>,
) -> DispatchEnd {
    let Batch {
        checks,
        cx,
        env,
        jobs,
        fail_fast,
        rules,
        mut exit_watch,
    } = batch;
    let (tx, mut rx) = mpsc::unbounded_channel();
    // Set on a stop: the feeder starts no other check and running ones end at once.
    let stop = tokio_util::sync::CancellationToken::new();
    let mut feed_cx = cx.clone();
    if out.wants_progress() {
        let tx = tx.clone();
        feed_cx.progress = crate::check::ProgressSink::new(move |i, p| {
            let _ = tx.send(Msg::Progress(i, p));
        });
    }
    // The feeder owns its context (and so the progress sink's sender): once every check
    // has started and ended, the channel closes.
    let feeder = feed(
        &checks,
        feed_cx,
        &env,
        exit_watch.clone(),
        jobs,
        rules,
        tx,
        stop.clone(),
    );
    tokio::pin!(feeder);
    let mut fed = false;
    // A check's suite index to its place here, looked up for every message: the indices
    // ascend (a scan made 100,000 checks quadratic).
    let pos = |i: usize| checks.binary_search_by_key(&i, |(i, _)| *i).unwrap_or(0);

    let mut started = vec![false; checks.len()];
    let mut statuses: Vec<Option<Status>> = vec![None; checks.len()];
    let mut left = checks.len();
    let mut end = DispatchEnd::default();
    while left > 0 {
        let happened = tokio::select! {
            _ = &mut feeder, if !fed => {
                fed = true;
                continue;
            }
            msg = rx.recv() => match msg {
                Some(Msg::Started(i)) => {
                    started[pos(i)] = true;
                    out.emit(Event::CheckStarted { index: i });
                    continue;
                }
                Some(Msg::Retrying(i, attempt, reason)) => {
                    out.emit(Event::CheckRetrying { index: i, attempt, reason });
                    continue;
                }
                Some(Msg::Event(e)) => {
                    out.emit(e);
                    continue;
                }
                Some(Msg::Progress(index, progress)) => {
                    out.emit(Event::Progress { index, progress });
                    continue;
                }
                Some(Msg::Finished(i, o, log_tail)) => {
                    let status = o.status;
                    statuses[pos(i)] = Some(status);
                    left -= 1;
                    out.emit(Event::CheckFinished { index: i, outcome: o, log_tail });
                    Happened::Finished { status, fail_fast }
                }
                None => break,
            },
            info = exited(&mut exit_watch) => Happened::ServiceExited(info.to_string()),
            _ = interrupts.cancel.cancelled() => {
                let why = interrupts.aborted().unwrap_or(Abort::Interrupted);
                out.emit(Event::RunCancelled { reason: why.reason().into() });
                end.cancelled = true;
                end.interrupted = why == Abort::Interrupted;
                Happened::Cancelled(why)
            }
        };
        if let Next::Stop(leftover) = decide(&happened) {
            end.stop = Some(leftover);
            break;
        }
    }
    stop.cancel();
    if let Some(leftover) = &end.stop {
        for (p, (i, spec)) in checks.iter().enumerate() {
            if statuses[p].is_some() {
                continue;
            }
            let o = leftover.outcome(started[p]);
            statuses[p] = Some(o.status);
            let log_tail = match (&cx.logs, o.status) {
                (Some(logs), Status::Error) if spec.variant.is_none() => {
                    logs.tail(crate::instance::LOG_TAIL_LINES)
                }
                _ => Vec::new(),
            };
            out.emit(Event::CheckFinished {
                index: *i,
                outcome: o,
                log_tail,
            });
        }
    }
    end.statuses = statuses
        .into_iter()
        .map(|s| s.unwrap_or(Status::Skip))
        .collect();
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A panic inside a check is that check's error, not the end of the run.
    #[tokio::test]
    async fn a_panic_inside_a_check_is_its_error() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        guarded(3, &tx, async { panic!("index out of bounds") }).await;
        let Ok(Msg::Finished(3, o, _)) = rx.try_recv() else {
            panic!("no outcome for the check");
        };
        assert_eq!(o.status, Status::Error);
        assert!(o.message.unwrap().contains("index out of bounds"));
        // A check that ends normally says nothing more.
        guarded(4, &tx, async {}).await;
        assert!(rx.try_recv().is_err());
    }
}
