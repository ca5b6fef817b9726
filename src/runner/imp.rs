//! The runner: owns the service's life for one suite, runs its checks concurrently, and
//! emits events in order from one dispatcher loop.
//!
//! Order of a suite: dependency checks (a preflight; nothing is started yet), then the
//! main instance, `setup`, the other checks (each variant check brings up and stops its own
//! instance), `teardown`, and stopping the main instance.

use crate::check::{self, CheckContext, CheckOutcome, Status};
use crate::instance::{ExitInfo, Instance, LogBuffer};
use crate::redact::Redactor;
use crate::runner::bringup;
use crate::runner::event::{CheckInfo, Event, EventSink};
use crate::runner::signal::{Abort, Interrupts};
use crate::runner::variant::{self, VariantEnv};
use crate::suite::{CheckSpec, Scope, Severity, Suite, Template};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{RwLock, Semaphore, mpsc, watch};

pub(crate) struct RunOptions {
    pub jobs: usize,
    /// Check id patterns (`*` wildcards, otherwise substrings); empty selects every check.
    pub filters: Vec<String>,
    /// `(k, n)`: run only the k-th of n deterministic slices of each suite's checks.
    pub partition: Option<(usize, usize)>,
    pub fail_fast: bool,
    /// Where instance output is written.
    pub log_dir: PathBuf,
}

/// How the suite's run ended, beyond the checks' own outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct SuiteEnd {
    /// The main instance could not start, never became ready, or died during the run.
    pub instance_failed: bool,
    pub interrupted: bool,
}

pub(crate) fn matches_filter(id: &str, filters: &[String]) -> bool {
    filters.is_empty()
        || filters.iter().any(|f| {
            if f.contains('*') {
                let pattern = format!(
                    "^{}$",
                    f.split('*')
                        .map(regex::escape)
                        .collect::<Vec<_>>()
                        .join(".*")
                );
                regex::Regex::new(&pattern).is_ok_and(|r| r.is_match(id))
            } else {
                id.contains(f.as_str())
            }
        })
}

/// What the checks `--fail-fast` stopped say.
const FAIL_FAST: &str = "not run: --fail-fast stopped the run after a failure";

/// A selected check and its index in the suite's report.
type Selected<'a> = (usize, &'a CheckSpec);

/// What check tasks tell the dispatcher.
enum Msg {
    Started(usize),
    Retrying(usize, u32, String),
    /// The outcome, and the service's last lines when it failed (of the check's own
    /// variant instance if it had one). The check task gathers them: the dispatcher never
    /// waits.
    Finished(usize, CheckOutcome, Vec<String>),
    /// A variant instance's lifecycle, passed on as is.
    Event(Event),
}

struct Emitter<'s> {
    sinks: Vec<&'s mut dyn EventSink>,
    redactor: Arc<Redactor>,
}

impl Emitter<'_> {
    /// Every event is redacted before any sink sees it: secrets cannot reach an output.
    fn emit(&mut self, mut e: Event) {
        e.sanitize(&self.redactor);
        for s in self.sinks.iter_mut() {
            s.event(&e);
        }
    }

    fn finish(&mut self, index: usize, outcome: CheckOutcome) {
        self.emit(Event::CheckFinished {
            index,
            outcome,
            log_tail: Vec::new(),
        });
    }
}

pub(crate) async fn run_suite(
    suite: &Suite,
    opts: &RunOptions,
    interrupts: &Interrupts,
    sinks: Vec<&mut dyn EventSink>,
) -> SuiteEnd {
    let mut out = Emitter {
        sinks,
        redactor: Arc::new(Redactor::for_suite(suite)),
    };
    // A check's slice is its position in the suite, so every shard agrees without talking.
    let in_slice = |pos: usize| opts.partition.is_none_or(|(k, n)| pos % n == k - 1);
    let selected: Vec<(usize, &CheckSpec)> = suite
        .checks
        .iter()
        .enumerate()
        .filter(|(pos, c)| in_slice(*pos) && matches_filter(&c.id, &opts.filters))
        .map(|(_, c)| c)
        .enumerate()
        .collect();
    let filtered_out = suite
        .checks
        .iter()
        .filter(|c| !matches_filter(&c.id, &opts.filters))
        .count();
    out.emit(Event::SuiteStarted {
        suite: suite.name.clone(),
        file: suite.file.display().to_string(),
        checks: selected
            .iter()
            .map(|(_, c)| CheckInfo {
                id: c.id.clone(),
                name: c.name.clone(),
                kind: c.kind.kind(),
                category: c.category.clone(),
                severity: c.severity,
                weight: c.severity.weight()
                    * suite
                        .category_weights
                        .get(&c.category)
                        .copied()
                        .unwrap_or(1.0),
                file: c.pos.file.display().to_string(),
                line: c.pos.line,
            })
            .collect(),
        filtered_out,
    });
    let end = run_selected(suite, opts, interrupts, &selected, &mut out).await;
    out.emit(Event::SuiteFinished);
    end
}

async fn run_selected(
    suite: &Suite,
    opts: &RunOptions,
    interrupts: &Interrupts,
    selected: &[Selected<'_>],
    out: &mut Emitter<'_>,
) -> SuiteEnd {
    let mut end = SuiteEnd::default();
    let client = crate::http::client();
    let (preflight, service): (Vec<Selected>, Vec<Selected>) = selected
        .iter()
        .copied()
        .partition(|(_, c)| !c.kind.needs_service());

    // Preflight: is everything the service and its tests need present?
    let base_cx = CheckContext {
        base_url: String::new(),
        client: client.clone(),
        scope: Scope {
            vars: Arc::new(suite.vars.clone()),
            captures: Default::default(),
        },
        suite_dir: suite.dir.clone(),
        logs: None,
        redactor: out.redactor.clone(),
        limits: suite.limits,
        activity: Default::default(),
    };
    let mut blocked_by = None;
    let mut failed_fast = false;
    for (n, (i, spec)) in preflight.iter().enumerate() {
        if interrupts.aborted().is_some() {
            abandon(out, &preflight[n..], interrupts, &mut end);
            break;
        }
        if failed_fast {
            skip_all(out, &preflight[n..], FAIL_FAST);
            break;
        }
        out.emit(Event::CheckStarted { index: *i });
        let started = Instant::now();
        let mut retries = Vec::new();
        let mut o = tokio::select! {
            o = with_retries(spec, &base_cx, |attempt, reason| retries.push((attempt, reason))) => o,
            _ = interrupts.cancel.cancelled() => CheckOutcome::error(cancelled_why(interrupts)),
        };
        for (attempt, reason) in retries {
            out.emit(Event::CheckRetrying {
                index: *i,
                attempt,
                reason,
            });
        }
        o.duration = started.elapsed();
        if o.status != Status::Pass && spec.severity == Severity::Critical && blocked_by.is_none() {
            blocked_by = Some(spec.id.clone());
        }
        failed_fast = opts.fail_fast && matches!(o.status, Status::Fail | Status::Error);
        out.finish(*i, o);
    }
    if interrupts.aborted().is_some() {
        abandon(out, &service, interrupts, &mut end);
        return end;
    }
    if failed_fast {
        skip_all(out, &service, FAIL_FAST);
        return end;
    }
    if let Some(id) = blocked_by {
        skip_all(
            out,
            &service,
            &format!("not run: critical dependency check `{id}` failed"),
        );
        return end;
    }
    if service.is_empty() {
        return end;
    }

    // The service under test, unless every check brings up its own variant.
    let mut instance = None;
    let needs_main = service.iter().any(|(_, c)| c.variant.is_none());
    if let (Some(spec), true) = (&suite.instance, needs_main) {
        let label = "main";
        let src = bringup::Source {
            spec,
            label,
            vars: &suite.vars,
            base_url: suite.base_url.as_deref(),
            log_dir: &opts.log_dir,
            redactor: out.redactor.clone(),
        };
        match bringup::bring_up(src, &client, interrupts, &mut |e| out.emit(e)).await {
            Ok(inst) => instance = Some(inst),
            Err(down) => {
                if down.interrupted(interrupts) {
                    abandon(out, &service, interrupts, &mut end);
                } else {
                    if interrupts.aborted() == Some(Abort::Deadline) {
                        out.emit(Event::RunCancelled {
                            reason: Abort::Deadline.reason().into(),
                        });
                    }
                    let (message, hint) = down.describe(spec, interrupts);
                    end.instance_failed = true;
                    out.emit(Event::InstanceFailed {
                        label: label.into(),
                        message: message.clone(),
                        hint,
                        log_tail: match &down {
                            bringup::Down::NotReady { log_tail, .. } => log_tail.clone(),
                            bringup::Down::Spawn(_) => Vec::new(),
                        },
                    });
                    for (i, _) in &service {
                        out.finish(*i, CheckOutcome::error(format!("not run: {message}")));
                    }
                }
                if let bringup::Down::NotReady { report, .. } = down {
                    out.emit(Event::InstanceStopped {
                        label: label.into(),
                        report,
                    });
                }
                return end;
            }
        }
    }

    // Where requests go and what templates see.
    let (base_url, mut scope) = match &instance {
        Some(i) => (i.base_url.clone(), i.scope.clone()),
        None => {
            let mut vars = suite.vars.clone();
            let vscope = Scope {
                vars: Arc::new(vars.clone()),
                captures: Default::default(),
            };
            let base = suite
                .base_url
                .as_deref()
                .map(|b| {
                    Template::text(b)
                        .and_then(|t| t.expand_text(&vscope))
                        .unwrap_or_else(|_| b.to_string())
                })
                .unwrap_or_default();
            vars.insert("BASE_URL".into(), Value::String(base.clone()));
            (
                base,
                Scope {
                    vars: Arc::new(vars),
                    captures: Default::default(),
                },
            )
        }
    };
    let logs = instance.as_ref().map(|i| i.logs.clone());
    let mut cx = CheckContext {
        base_url,
        scope: scope.clone(),
        logs,
        ..base_cx
    };

    let mut setup_error = None;
    // Setup runs against the main instance (or base-url); variants run it on their own.
    if instance.is_some() || suite.instance.is_none() {
        match bringup::setup(&suite.setup, &cx, interrupts).await {
            bringup::Setup::Done(captures) => {
                scope.captures.extend(captures);
                cx.scope = scope.clone();
            }
            bringup::Setup::Failed(why) => setup_error = Some(why),
            bringup::Setup::Cancelled => setup_error = Some(String::new()),
        }
    }
    if interrupts.aborted().is_some() && setup_error.is_some() {
        abandon(out, &service, interrupts, &mut end);
    } else if let Some(msg) = &setup_error {
        out.emit(Event::SetupFailed {
            message: msg.clone(),
        });
        for (i, _) in &service {
            out.finish(*i, CheckOutcome::error(msg.clone()));
        }
    } else {
        let env = Arc::new(VariantEnv {
            vars: suite.vars.clone(),
            base_url: suite.base_url.clone(),
            log_dir: opts.log_dir.clone(),
            setup: suite.setup.clone(),
            interrupts: interrupts.clone(),
            redactor: out.redactor.clone(),
        });
        let exit_watch = instance.as_ref().map(Instance::exit_watch);
        let checks: Vec<(usize, CheckSpec)> =
            service.iter().map(|(i, c)| (*i, (*c).clone())).collect();
        let r = dispatch(checks, &cx, env, opts, interrupts, exit_watch, out).await;
        end.interrupted |= r.interrupted;
    }

    if let (Some(inst), Some(spec)) = (instance.as_mut(), &suite.instance) {
        if !suite.teardown.is_empty() && inst.exited().is_none() {
            tokio::select! {
                _ = check::run_steps(&suite.teardown, &cx, cx.scope.clone()) => {}
                _ = interrupts.cancel.cancelled() => {}
            }
        }
        let died = inst.exited();
        let report = inst.stop(spec, interrupts.grace(spec.stop.grace)).await;
        if let Some(info) = died {
            // Died during the checks, or after the last one finished (e.g. in teardown).
            end.instance_failed = true;
            out.emit(Event::InstanceFailed {
                label: inst.label.clone(),
                message: format!("the service {info} during the run"),
                hint: None,
                log_tail: inst.log_tail(),
            });
        }
        out.emit(Event::InstanceStopped {
            label: inst.label.clone(),
            report,
        });
    }
    end
}

/// What a check cut short by a cancelled run says.
fn cancelled_why(interrupts: &Interrupts) -> String {
    match interrupts.aborted() {
        Some(Abort::Deadline) => "not finished: the run deadline (--timeout) was reached".into(),
        _ => "interrupted".into(),
    }
}

/// The run was cancelled before these checks started: skipped when interrupted, errors
/// when the deadline passed (the run did not do what it was asked to).
fn abandon(
    out: &mut Emitter<'_>,
    checks: &[Selected<'_>],
    interrupts: &Interrupts,
    end: &mut SuiteEnd,
) {
    let why = interrupts.aborted().unwrap_or(Abort::Interrupted);
    out.emit(Event::RunCancelled {
        reason: why.reason().into(),
    });
    match why {
        Abort::Interrupted => {
            end.interrupted = true;
            skip_all(out, checks, "not run: interrupted");
        }
        Abort::Deadline => {
            for (i, _) in checks {
                out.finish(
                    *i,
                    CheckOutcome::error(format!("not run: {}", Abort::Deadline.reason())),
                );
            }
        }
    }
}

fn skip_all(out: &mut Emitter<'_>, checks: &[Selected<'_>], why: &str) {
    for (i, _) in checks {
        out.finish(*i, CheckOutcome::skip(why));
    }
}

struct DispatchEnd {
    interrupted: bool,
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
/// waits until nothing else is in flight and holds back the ones after it.
async fn feed(
    checks: Vec<(usize, CheckSpec)>,
    cx: CheckContext,
    env: Arc<VariantEnv>,
    main_exit: Option<watch::Receiver<Option<ExitInfo>>>,
    jobs: usize,
    tx: mpsc::UnboundedSender<Msg>,
    stop: tokio_util::sync::CancellationToken,
) {
    let permits = Arc::new(Semaphore::new(jobs.max(1)));
    let exclusive = Arc::new(RwLock::new(()));
    // A variant's start-up loads the machine: timing checks hold this shared while they
    // run, a variant's start-up holds it alone.
    let startups = Arc::new(RwLock::new(()));
    for (i, spec) in checks {
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
        let held = tokio::select! {
            held = acquire => held,
            _ = stop.cancelled() => None,
        };
        let Some((permit, guard, timing)) = held else {
            return;
        };
        let (tx, cx, env, stop) = (tx.clone(), cx.clone(), env.clone(), stop.clone());
        let startups = startups.clone();
        // Only checks against the main instance blame its exit.
        let main_exit = main_exit.clone().filter(|_| spec.variant.is_none());
        tokio::spawn(async move {
            let timing = (timing, startups);
            tokio::select! {
                _ = run_one(i, &spec, &cx, &env, main_exit, &tx, timing) => {}
                _ = stop.cancelled() => {}
            }
            drop((permit, guard));
        });
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
    cx: &CheckContext,
    mut retrying: impl FnMut(u32, String),
) -> CheckOutcome {
    let mut attempt = 1;
    loop {
        let mut o = check::attempt(spec, cx).await;
        if o.status == Status::Error && attempt <= spec.retries {
            attempt += 1;
            retrying(attempt, o.message.take().unwrap_or_default());
            continue;
        }
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
    (mut timing, startups): (Timing, Arc<RwLock<()>>),
) {
    let _ = tx.send(Msg::Started(i));
    let started = Instant::now();
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
    let mut o = with_retries(spec, run_cx, |attempt, reason| {
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

/// Receives what the checks report and turns it into events, in order: this loop is the
/// only place that emits check events. It also watches the service, and the signals and
/// deadline that cancel the run.
async fn dispatch(
    checks: Vec<(usize, CheckSpec)>,
    cx: &CheckContext,
    env: Arc<VariantEnv>,
    opts: &RunOptions,
    interrupts: &Interrupts,
    mut exit_watch: Option<watch::Receiver<Option<ExitInfo>>>,
    out: &mut Emitter<'_>,
) -> DispatchEnd {
    let (tx, mut rx) = mpsc::unbounded_channel();
    // Set on abort: the feeder stops starting checks and running ones end at once.
    let stop = tokio_util::sync::CancellationToken::new();
    let indices: Vec<usize> = checks.iter().map(|(i, _)| *i).collect();
    let uses_main: Vec<bool> = checks.iter().map(|(_, c)| c.variant.is_none()).collect();
    let feeder = tokio::spawn(feed(
        checks,
        cx.clone(),
        env,
        exit_watch.clone(),
        opts.jobs,
        tx,
        stop.clone(),
    ));
    // A check's suite index to its place here: looked up for every message, so a map (a
    // scan made 100,000 checks quadratic).
    let places: std::collections::HashMap<usize, usize> =
        indices.iter().enumerate().map(|(p, i)| (*i, p)).collect();
    let pos = |i: usize| places.get(&i).copied().unwrap_or(0);

    let mut started = vec![false; indices.len()];
    let mut finished = vec![false; indices.len()];
    let mut left = indices.len();
    let mut end = DispatchEnd { interrupted: false };
    // Why the rest of the checks will not finish, and what they become.
    let abort: Option<(String, Status, Status)> = loop {
        if left == 0 {
            break None;
        }
        tokio::select! {
            msg = rx.recv() => match msg {
                Some(Msg::Started(i)) => {
                    started[pos(i)] = true;
                    out.emit(Event::CheckStarted { index: i });
                }
                Some(Msg::Retrying(i, attempt, reason)) => out.emit(Event::CheckRetrying { index: i, attempt, reason }),
                Some(Msg::Event(e)) => out.emit(e),
                Some(Msg::Finished(i, o, log_tail)) => {
                    let p = pos(i);
                    let failed = matches!(o.status, Status::Fail | Status::Error);
                    finished[p] = true;
                    left -= 1;
                    out.emit(Event::CheckFinished { index: i, outcome: o, log_tail });
                    if failed && opts.fail_fast && left > 0 {
                        break Some((FAIL_FAST.into(), Status::Skip, Status::Skip));
                    }
                }
                None => break None,
            },
            info = exited(&mut exit_watch) => {
                break Some((format!("the service {info} during the run"), Status::Error, Status::Error));
            }
            _ = interrupts.cancel.cancelled() => {
                let why = interrupts.aborted().unwrap_or(Abort::Interrupted);
                out.emit(Event::RunCancelled { reason: why.reason().into() });
                match why {
                    Abort::Interrupted => {
                        end.interrupted = true;
                        break Some(("interrupted".into(), Status::Error, Status::Skip));
                    }
                    Abort::Deadline => break Some((cancelled_why(interrupts), Status::Error, Status::Error)),
                }
            }
        }
    };
    stop.cancel();
    feeder.abort();
    if let Some((why, running, waiting)) = abort {
        for (p, i) in indices.iter().enumerate() {
            if !finished[p] {
                let status = if started[p] { running } else { waiting };
                let o = if status == Status::Skip {
                    CheckOutcome::skip(why.clone())
                } else {
                    CheckOutcome::error(why.clone())
                };
                let log_tail = match (&cx.logs, status) {
                    (Some(logs), Status::Error) if uses_main[p] => {
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
    }
    end
}
