//! The runner: owns the service's life for one suite, and runs its phases as small
//! functions; the checks run through the dispatcher (`dispatch.rs`), by the rules of
//! `stop.rs`.
//!
//! Order of a suite: dependency checks (a preflight; nothing is started yet), then the
//! main instance, `setup`, the other checks (each variant check brings up and stops its own
//! instance), `teardown`, and stopping the main instance.

use crate::check::{self, CheckContext, CheckOutcome, Status};
use crate::instance::Instance;
use crate::redact::Redactor;
use crate::runner::bringup;
use crate::runner::dispatch::{Batch, dispatch};
use crate::runner::emit::Emitter;
use crate::runner::event::{CheckInfo, Event, EventSink};
use crate::runner::progress;
use crate::runner::signal::{Abort, Interrupts};
use crate::runner::stop::{Happened, Next, decide};
use crate::runner::variant::VariantEnv;
use crate::suite::{CheckSpec, InstanceSpec, Scope, Severity, SharedStr, Suite, Template};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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

/// A selected check and its index in the suite's report.
type Selected<'a> = (usize, &'a CheckSpec);

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
    let mut selected: Vec<(usize, &CheckSpec)> = suite
        .checks
        .iter()
        .enumerate()
        .filter(|(pos, c)| in_slice(*pos) && matches_filter(&c.id, &opts.filters))
        .map(|(_, c)| c)
        .enumerate()
        .collect();
    // Held to the end of the run, so without the room a filtered collect leaves.
    selected.shrink_to_fit();
    let filtered_out = suite
        .checks
        .iter()
        .filter(|c| !matches_filter(&c.id, &opts.filters))
        .count();
    out.emit(Event::SuiteStarted {
        suite: suite.name.clone(),
        file: suite.file.display().to_string(),
        checks: Arc::new(check_infos(suite, &selected)),
        filtered_out,
    });
    let end = run_selected(suite, opts, interrupts, &selected, &mut out).await;
    out.emit(Event::SuiteFinished);
    end
}

/// What the outputs are told of each selected check, its texts shared with the spec's: the
/// run holds these to its end.
fn check_infos(suite: &Suite, selected: &[Selected<'_>]) -> Vec<CheckInfo> {
    // The file's path as text, made once for the checks of one file.
    let mut file: Option<(&Arc<Path>, SharedStr)> = None;
    selected
        .iter()
        .map(|(_, c)| {
            let shown = match &file {
                Some((path, shown)) if Arc::ptr_eq(path, &c.pos.file) => shown.clone(),
                _ => {
                    let shown = SharedStr::from(c.pos.file.display().to_string());
                    file = Some((&c.pos.file, shown.clone()));
                    shown
                }
            };
            CheckInfo {
                id: c.id.clone(),
                name: c.name.clone(),
                kind: c.kind.kind(),
                category: c.category.clone(),
                severity: c.severity,
                weight: c.severity.weight()
                    * suite
                        .category_weights
                        .get(c.category.as_str())
                        .copied()
                        .unwrap_or(1.0),
                file: shown,
                line: u64::from(c.pos.line),
            }
        })
        .collect()
}

/// The phases of one suite, in order: preflight, the main instance, setup, the service
/// checks, teardown. A phase that cannot go on ends the checks it leaves unrun itself.
async fn run_selected(
    suite: &Suite,
    opts: &RunOptions,
    interrupts: &Interrupts,
    selected: &[Selected<'_>],
    out: &mut Emitter<'_>,
) -> SuiteEnd {
    let mut end = SuiteEnd::default();
    let client = crate::http::client();
    // Held to the end of the run: the service checks (most, often all) in a list made
    // to measure.
    let mut preflight = Vec::new();
    let mut service = Vec::with_capacity(selected.len());
    for &s in selected {
        if s.1.kind.needs_service() {
            service.push(s);
        } else {
            preflight.push(s);
        }
    }
    service.shrink_to_fit();
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
        progress: Default::default(),
    };
    let env = Arc::new(VariantEnv {
        vars: suite.vars.clone(),
        base_url: suite.base_url.clone(),
        log_dir: opts.log_dir.clone(),
        setup: suite.setup.clone(),
        interrupts: interrupts.clone(),
        redactor: out.redactor.clone(),
    });

    if !run_preflight(
        &preflight,
        &service,
        &base_cx,
        &env,
        opts,
        suite.timing,
        interrupts,
        out,
        &mut end,
    )
    .await
        || service.is_empty()
    {
        return end;
    }
    let Some(mut instance) =
        bring_up_main(suite, opts, &client, &service, interrupts, out, &mut end).await
    else {
        return end;
    };
    let (base_url, mut scope) = match &instance {
        Some(i) => (i.base_url.clone(), i.scope.clone()),
        None => base_url_scope(suite),
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
        let setup = async |cx: &CheckContext| bringup::setup(&suite.setup, cx, interrupts).await;
        match progress::forwarded(out, &cx, None, setup).await {
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
        let batch = Batch {
            checks: service,
            cx: &cx,
            env,
            jobs: opts.jobs,
            fail_fast: opts.fail_fast,
            rules: suite.timing,
            exit_watch: instance.as_ref().map(Instance::exit_watch),
        };
        let r = dispatch(batch, interrupts, out).await;
        end.interrupted |= r.interrupted;
    }

    if let (Some(inst), Some(spec)) = (instance.as_mut(), &suite.instance) {
        tear_down(suite, spec, inst, &cx, interrupts, out, &mut end).await;
    }
    end
}

/// Preflight: is everything the service and its tests need present? The checks that need
/// no service, one at a time, through the same dispatcher as the others. `false` when the
/// service checks must not run (the run stopped, or a critical one failed); they are then
/// ended.
#[expect(
    clippy::too_many_arguments,
    reason = "the phase's inputs, each used once"
)]
async fn run_preflight(
    preflight: &[Selected<'_>],
    service: &[Selected<'_>],
    cx: &CheckContext,
    env: &Arc<VariantEnv>,
    opts: &RunOptions,
    rules: crate::suite::TimingSpec,
    interrupts: &Interrupts,
    out: &mut Emitter<'_>,
    end: &mut SuiteEnd,
) -> bool {
    let batch = Batch {
        checks: preflight.to_vec(),
        cx,
        env: env.clone(),
        jobs: 1,
        fail_fast: opts.fail_fast,
        rules,
        exit_watch: None,
    };
    let r = dispatch(batch, interrupts, out).await;
    end.interrupted |= r.interrupted;
    if interrupts.aborted().is_some() && !r.cancelled {
        abandon(out, service, interrupts, end);
        return false;
    }
    if let Some(leftover) = r.stop {
        for (i, _) in service {
            out.finish(*i, leftover.outcome(false));
        }
        return false;
    }
    let blocked_by = preflight
        .iter()
        .zip(&r.statuses)
        .find(|((_, spec), status)| **status != Status::Pass && spec.severity == Severity::Critical)
        .map(|((_, spec), _)| spec.id.clone());
    if let Some(id) = blocked_by {
        skip_all(
            out,
            service,
            &format!("not run: critical dependency check `{id}` failed"),
        );
        return false;
    }
    true
}

/// The service under test, unless every check brings up its own variant (or the suite has
/// no `instance`): `Some(None)` then. `None` when it could not be brought up; the service
/// checks are then ended.
async fn bring_up_main(
    suite: &Suite,
    opts: &RunOptions,
    client: &reqwest::Client,
    service: &[Selected<'_>],
    interrupts: &Interrupts,
    out: &mut Emitter<'_>,
    end: &mut SuiteEnd,
) -> Option<Option<Instance>> {
    let needs_main = service.iter().any(|(_, c)| c.variant.is_none());
    let (Some(spec), true) = (&suite.instance, needs_main) else {
        return Some(None);
    };
    let label = "main";
    let src = bringup::Source {
        spec,
        label,
        vars: &suite.vars,
        base_url: suite.base_url.as_deref(),
        log_dir: &opts.log_dir,
        redactor: out.redactor.clone(),
    };
    let down = match bringup::bring_up(src, client, interrupts, &mut |e| out.emit(e)).await {
        Ok(inst) => return Some(Some(inst)),
        Err(down) => down,
    };
    if down.interrupted(interrupts) {
        abandon(out, service, interrupts, end);
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
        for (i, _) in service {
            out.finish(*i, CheckOutcome::error(format!("not run: {message}")));
        }
    }
    if let bringup::Down::NotReady { report, .. } = down {
        out.emit(Event::InstanceStopped {
            label: label.into(),
            report,
        });
    }
    None
}

/// Where requests go and what templates see without a main instance: the suite's
/// `base-url` (expanded against its vars), also as `BASE_URL`.
fn base_url_scope(suite: &Suite) -> (String, Scope) {
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

/// `teardown` (unless the service is gone or the run cancelled), then the main instance
/// stopped; a service that died during the run is reported.
async fn tear_down(
    suite: &Suite,
    spec: &InstanceSpec,
    inst: &mut Instance,
    cx: &CheckContext,
    interrupts: &Interrupts,
    out: &mut Emitter<'_>,
    end: &mut SuiteEnd,
) {
    if !suite.teardown.is_empty() && inst.exited().is_none() {
        tokio::select! {
            _ = check::run_steps(&suite.teardown, cx, cx.scope.clone()) => {}
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

/// The run was cancelled before these checks started: what `stop.rs` decides for a
/// waiting check (skipped when interrupted, errors when the deadline passed).
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
    end.interrupted |= why == Abort::Interrupted;
    if let Next::Stop(leftover) = decide(&Happened::Cancelled(why)) {
        for (i, _) in checks {
            out.finish(*i, leftover.outcome(false));
        }
    }
}

fn skip_all(out: &mut Emitter<'_>, checks: &[Selected<'_>], why: &str) {
    for (i, _) in checks {
        out.finish(*i, CheckOutcome::skip(why));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The outputs keep what they are told of each check for the whole run: its texts are
    /// the spec's own (the file's path made once), not copies.
    #[test]
    fn what_the_outputs_keep_of_a_check_shares_the_spec_s_texts() {
        assert!(size_of::<CheckInfo>() <= 88, "{}", size_of::<CheckInfo>());
        let yaml = "suite: s\nbase-url: http://127.0.0.1:9\nscore: { category-weights: { ops: 2 } }\nchecks:\n  - id: a\n    name: the first\n    http: { request: { path: /x }, expect: { status: 200 } }\n  - id: b\n    category: ops\n    http: { request: { path: /y }, expect: { status: 200 } }\n";
        let suite = crate::suite::load_str(Path::new("dir/s.yaml"), yaml, &[]).unwrap();
        let selected: Vec<Selected> = suite.checks.iter().enumerate().collect();
        let infos = check_infos(&suite, &selected);
        let (a, b) = (&infos[0], &infos[1]);
        assert_eq!(
            (
                a.id.as_str(),
                a.name.as_deref(),
                a.category.as_str(),
                a.file.as_str(),
                a.line
            ),
            ("a", Some("the first"), "contract", "dir/s.yaml", 5)
        );
        assert_eq!(
            (b.weight, a.weight),
            (2.0 * b.severity.weight(), a.severity.weight())
        );
        let spec = &suite.checks[0];
        assert_eq!(a.id.as_ptr(), spec.id.as_ptr());
        assert_eq!(a.category.as_ptr(), spec.category.as_ptr());
        assert_eq!(a.file.as_ptr(), b.file.as_ptr());
        assert_eq!(b.category.as_ptr(), suite.checks[1].category.as_ptr());
    }
}
