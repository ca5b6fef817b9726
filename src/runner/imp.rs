//! The runner: owns the service's life for one suite, runs its checks concurrently, and
//! emits events in order from one dispatcher loop.

use crate::check::{self, CheckContext, CheckOutcome, Status};
use crate::instance::{Instance, NotReady, wait_ready};
use crate::redact::Redactor;
use crate::runner::event::{CheckInfo, Event, EventSink};
use crate::runner::signal::Interrupts;
use crate::suite::{CheckSpec, Scope, Suite, Template};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{RwLock, Semaphore, mpsc, watch};

pub(crate) struct RunOptions {
    pub jobs: usize,
    /// Check id patterns (`*` wildcards, otherwise substrings); empty selects every check.
    pub filters: Vec<String>,
    pub fail_fast: bool,
    /// Deadline for the whole run (`--timeout`).
    pub deadline: Option<Instant>,
    /// Where instance output is written.
    pub log_dir: PathBuf,
}

/// How the suite's run ended, beyond the checks' own outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct SuiteEnd {
    /// The instance could not start, never became ready, or died during the run.
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

enum Msg {
    Started(usize),
    Retrying(usize, u32, String),
    Finished(usize, CheckOutcome),
}

struct Emitter<'s> {
    sinks: Vec<&'s mut dyn EventSink>,
    redactor: Redactor,
}

impl Emitter<'_> {
    /// Every event is redacted before any sink sees it: secrets cannot reach an output.
    fn emit(&mut self, mut e: Event) {
        self.redactor.event(&mut e);
        for s in self.sinks.iter_mut() {
            s.event(&e);
        }
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
        redactor: Redactor::for_suite(suite),
    };
    let selected: Vec<&CheckSpec> = suite
        .checks
        .iter()
        .filter(|c| matches_filter(&c.id, &opts.filters))
        .collect();
    out.emit(Event::SuiteStarted {
        suite: suite.name.clone(),
        file: suite.file.display().to_string(),
        checks: selected
            .iter()
            .map(|c| CheckInfo {
                id: c.id.clone(),
                name: c.name.clone(),
                kind: c.kind.name().to_string(),
                category: c.category.clone(),
                severity: c.severity,
                file: c.pos.file.display().to_string(),
                line: c.pos.line,
            })
            .collect(),
        filtered_out: suite.checks.len() - selected.len(),
    });
    let mut end = SuiteEnd::default();
    let client = check::http_client();

    // The service under test.
    let mut instance = None;
    if let Some(spec) = &suite.instance {
        let label = "main";
        match Instance::start(
            spec,
            label,
            &suite.vars,
            suite.base_url.as_deref(),
            &opts.log_dir,
            interrupts.kill_now.clone(),
        ) {
            Err(e) => {
                end.instance_failed = true;
                out.emit(Event::InstanceFailed {
                    label: label.into(),
                    message: e.message.clone(),
                    hint: e.hint,
                    log_tail: vec![],
                });
                finish_all(&mut out, &selected, |_| {
                    CheckOutcome::error(format!("not run: {}", e.message))
                });
                out.emit(Event::SuiteFinished);
                return end;
            }
            Ok(inst) => {
                let command = spec
                    .command
                    .iter()
                    .filter_map(|t| t.expand_text(&inst.scope).ok())
                    .collect::<Vec<_>>()
                    .join(" ");
                out.emit(Event::InstanceSpawned {
                    label: label.into(),
                    command,
                    pid: inst.pid(),
                    port: inst.port,
                });
                match wait_ready(&inst, &spec.ready, &client, &interrupts.cancel).await {
                    Ok(after) => {
                        out.emit(Event::InstanceReady {
                            label: label.into(),
                            after,
                        });
                        instance = Some(inst);
                    }
                    Err(why) => {
                        let mut inst = inst;
                        let (message, hint) = match &why {
                            NotReady::Exited(info) => (format!("the service {info} before it was ready"), None),
                            NotReady::Timeout { last } => (
                                format!("the service was not ready after {} (last attempt: {last})", humantime::format_duration(spec.ready.timeout)),
                                Some("raise `instance.ready.timeout`, or check the readiness probe and the service output below".to_string()),
                            ),
                            NotReady::Cancelled => ("interrupted while waiting for the service to be ready".to_string(), None),
                        };
                        let report = inst.stop(spec).await;
                        // Read the tail after stopping so the last words of the service are in.
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        let interrupted = matches!(why, NotReady::Cancelled);
                        if interrupted {
                            end.interrupted = true;
                            out.emit(Event::RunCancelled {
                                reason: "interrupted".into(),
                            });
                        } else {
                            end.instance_failed = true;
                            out.emit(Event::InstanceFailed {
                                label: label.into(),
                                message: message.clone(),
                                hint,
                                log_tail: inst.log_tail(),
                            });
                        }
                        finish_all(&mut out, &selected, |_| {
                            if interrupted {
                                CheckOutcome::skip("not run: interrupted")
                            } else {
                                CheckOutcome::error(format!("not run: {message}"))
                            }
                        });
                        out.emit(Event::InstanceStopped {
                            label: label.into(),
                            report,
                        });
                        out.emit(Event::SuiteFinished);
                        return end;
                    }
                }
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
        client,
        scope: scope.clone(),
        suite_dir: suite.dir.clone(),
        logs,
    };

    let mut setup_error = None;
    if !suite.setup.is_empty() {
        let r = check::run_steps(&suite.setup, &cx, scope.clone()).await;
        if r.failed() {
            let why = r
                .error
                .clone()
                .or_else(|| r.into_outcome().message)
                .unwrap_or_default();
            setup_error = Some(format!("setup failed: {why}"));
        } else {
            scope.captures.extend(r.captures);
            cx.scope = scope.clone();
        }
    }
    if let Some(msg) = &setup_error {
        out.emit(Event::SetupFailed {
            message: msg.clone(),
        });
        finish_all(&mut out, &selected, |_| CheckOutcome::error(msg.clone()));
    } else {
        let exit_watch = instance.as_ref().map(Instance::exit_watch);
        let r = dispatch(&selected, &cx, opts, interrupts, exit_watch, &mut out).await;
        end.interrupted |= r.interrupted;
    }

    if let (Some(inst), Some(spec)) = (instance.as_mut(), &suite.instance) {
        if !suite.teardown.is_empty()
            && inst.exited().is_none()
            && !interrupts.cancel.is_cancelled()
        {
            let _ = check::run_steps(&suite.teardown, &cx, cx.scope.clone()).await;
        }
        let died = inst.exited();
        let report = inst.stop(spec).await;
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
    out.emit(Event::SuiteFinished);
    end
}

fn finish_all(
    out: &mut Emitter<'_>,
    selected: &[&CheckSpec],
    outcome: impl Fn(usize) -> CheckOutcome,
) {
    for i in 0..selected.len() {
        out.emit(Event::CheckFinished {
            index: i,
            outcome: outcome(i),
            log_tail: Vec::new(),
        });
    }
}

struct DispatchEnd {
    interrupted: bool,
}

/// Resolves when the watched instance has exited; never, without one.
async fn exited(
    rx: &mut Option<watch::Receiver<Option<crate::instance::ExitInfo>>>,
) -> crate::instance::ExitInfo {
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

async fn deadline(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

/// The service's last output lines. The line it logs for the request that just failed is
/// usually still in the pipe, so wait briefly (at most 50 ms) for one more line first.
async fn settled_tail(logs: &crate::instance::LogBuffer) -> Vec<String> {
    let _ = tokio::time::timeout(Duration::from_millis(50), logs.notify.notified()).await;
    logs.tail(crate::instance::LOG_TAIL_LINES)
}

/// Starts checks in suite order, each once a `--jobs` permit is free; an exclusive check
/// waits until nothing else is in flight and holds back the ones after it.
async fn feed(
    checks: Vec<CheckSpec>,
    cx: CheckContext,
    jobs: usize,
    tx: mpsc::UnboundedSender<Msg>,
    stop: tokio_util::sync::CancellationToken,
) {
    let permits = Arc::new(Semaphore::new(jobs.max(1)));
    let exclusive = Arc::new(RwLock::new(()));
    for (i, spec) in checks.into_iter().enumerate() {
        let acquire = async {
            let permit = permits.clone().acquire_owned().await.ok()?;
            // Held while the check runs: the permit, and a shared or exclusive lock.
            let guard = if spec.exclusive {
                (None, Some(exclusive.clone().write_owned().await))
            } else {
                (Some(exclusive.clone().read_owned().await), None)
            };
            Some((permit, guard))
        };
        let held = tokio::select! {
            held = acquire => held,
            _ = stop.cancelled() => None,
        };
        let Some(held) = held else { return };
        let (tx, cx, stop) = (tx.clone(), cx.clone(), stop.clone());
        tokio::spawn(async move {
            tokio::select! {
                _ = run_one(i, &spec, &cx, &tx) => {}
                _ = stop.cancelled() => {}
            }
            drop(held);
        });
    }
}

/// One check with its timeout and retries (retries follow errors, never failures).
async fn run_one(i: usize, spec: &CheckSpec, cx: &CheckContext, tx: &mpsc::UnboundedSender<Msg>) {
    let _ = tx.send(Msg::Started(i));
    let started = Instant::now();
    let mut attempt = 1;
    loop {
        let mut o = match tokio::time::timeout(spec.timeout, check::run(spec, cx)).await {
            Ok(o) => o,
            Err(_) => CheckOutcome::error(format!(
                "timed out after {}",
                humantime::format_duration(spec.timeout)
            )),
        };
        if o.status == Status::Error && attempt <= spec.retries {
            let _ = tx.send(Msg::Retrying(
                i,
                attempt + 1,
                o.message.clone().unwrap_or_default(),
            ));
            attempt += 1;
            continue;
        }
        o.attempts = attempt;
        o.duration = started.elapsed();
        let _ = tx.send(Msg::Finished(i, o));
        return;
    }
}

/// Receives what the checks report and turns it into events, in order: this loop is the
/// only place that emits check events. It also watches the service, signals and the deadline.
async fn dispatch(
    selected: &[&CheckSpec],
    cx: &CheckContext,
    opts: &RunOptions,
    interrupts: &Interrupts,
    mut exit_watch: Option<watch::Receiver<Option<crate::instance::ExitInfo>>>,
    out: &mut Emitter<'_>,
) -> DispatchEnd {
    let (tx, mut rx) = mpsc::unbounded_channel();
    // Set on abort: the feeder stops starting checks and running ones end at once.
    let stop = tokio_util::sync::CancellationToken::new();
    let checks: Vec<CheckSpec> = selected.iter().map(|c| (*c).clone()).collect();
    let feeder = tokio::spawn(feed(checks, cx.clone(), opts.jobs, tx, stop.clone()));

    let mut started = vec![false; selected.len()];
    let mut finished = vec![false; selected.len()];
    let mut left = selected.len();
    let mut end = DispatchEnd { interrupted: false };
    // Why the rest of the checks will not finish, and what they become.
    let abort: Option<(String, Status, Status)> = loop {
        if left == 0 {
            break None;
        }
        tokio::select! {
            msg = rx.recv() => match msg {
                Some(Msg::Started(i)) => {
                    started[i] = true;
                    out.emit(Event::CheckStarted { index: i });
                }
                Some(Msg::Retrying(i, attempt, reason)) => out.emit(Event::CheckRetrying { index: i, attempt, reason }),
                Some(Msg::Finished(i, mut o)) => {
                    if o.status == Status::Error && exit_watch.is_some() {
                        // A refused connection is usually the service dying: say so.
                        if let Ok(info) = tokio::time::timeout(Duration::from_millis(100), exited(&mut exit_watch)).await {
                            o.message = Some(format!("the service {info} during the run: {}", o.message.unwrap_or_default()));
                        }
                    }
                    let failed = matches!(o.status, Status::Fail | Status::Error);
                    finished[i] = true;
                    left -= 1;
                    let log_tail = match (&cx.logs, failed) {
                        (Some(logs), true) => settled_tail(logs).await,
                        _ => Vec::new(),
                    };
                    out.emit(Event::CheckFinished { index: i, outcome: o, log_tail });
                    if failed && opts.fail_fast && left > 0 {
                        break Some(("not run: --fail-fast stopped the run after a failure".into(), Status::Skip, Status::Skip));
                    }
                }
                None => break None,
            },
            info = exited(&mut exit_watch) => {
                break Some((format!("the service {info} during the run"), Status::Error, Status::Error));
            }
            _ = interrupts.cancel.cancelled() => {
                end.interrupted = true;
                out.emit(Event::RunCancelled { reason: "interrupted".into() });
                break Some(("interrupted".into(), Status::Error, Status::Skip));
            }
            _ = deadline(opts.deadline) => {
                out.emit(Event::RunCancelled { reason: "the run deadline (--timeout) was reached".into() });
                break Some(("not finished: the run deadline (--timeout) was reached".into(), Status::Error, Status::Error));
            }
        }
    };
    stop.cancel();
    feeder.abort();
    if let Some((why, running, waiting)) = abort {
        for i in 0..selected.len() {
            if !finished[i] {
                let status = if started[i] { running } else { waiting };
                let o = if status == Status::Skip {
                    CheckOutcome::skip(why.clone())
                } else {
                    CheckOutcome::error(why.clone())
                };
                let log_tail = match (&cx.logs, status) {
                    (Some(logs), Status::Error) => logs.tail(crate::instance::LOG_TAIL_LINES),
                    _ => Vec::new(),
                };
                out.emit(Event::CheckFinished {
                    index: i,
                    outcome: o,
                    log_tail,
                });
            }
        }
    }
    end
}
