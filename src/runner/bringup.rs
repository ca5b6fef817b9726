//! Bringing an instance up, the one way both the main instance and a check's variant
//! take: start it under its supervisor, say so, wait for readiness under the run's cancel
//! token, and stop it (with the capped grace) if it never becomes ready; then run a setup.

use crate::check::{self, CheckContext};
use crate::instance::{Instance, NotReady, SpawnError, StopReport, wait_ready};
use crate::redact::Redactor;
use crate::runner::event::Event;
use crate::runner::signal::{Abort, Interrupts};
use crate::suite::{InstanceSpec, StepSpec};
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;

/// Where an instance comes from.
pub(crate) struct Source<'a> {
    pub spec: &'a InstanceSpec,
    pub label: &'a str,
    pub vars: &'a serde_json::Map<String, Value>,
    pub base_url: Option<&'a str>,
    pub log_dir: &'a Path,
    pub redactor: Arc<Redactor>,
}

/// Why an instance is not up.
pub(crate) enum Down {
    /// Nothing was started.
    Spawn(SpawnError),
    /// It started, never became ready, and was stopped.
    NotReady {
        why: NotReady,
        log_tail: Vec<String>,
        report: StopReport,
    },
}

impl Down {
    /// The message and hint for people; the deadline and a timeout say which limit ran out.
    pub(crate) fn describe(
        &self,
        spec: &InstanceSpec,
        interrupts: &Interrupts,
    ) -> (String, Option<String>) {
        match self {
            Down::Spawn(e) => (e.message.clone(), e.hint.clone()),
            Down::NotReady { why, .. } => {
                let message = match (why, interrupts.aborted()) {
                    (NotReady::Cancelled, Some(Abort::Deadline)) => {
                        "the service was not ready when the run deadline (--timeout) was reached"
                            .to_string()
                    }
                    _ => why.describe(spec.ready.timeout),
                };
                let hint = matches!(why, NotReady::Timeout { .. }).then(|| {
                    "raise `instance.ready.timeout`, or check the readiness probe and the service output below".to_string()
                });
                (message, hint)
            }
        }
    }

    /// Whether a person interrupted the wait (as opposed to a failure or the deadline).
    pub(crate) fn interrupted(&self, interrupts: &Interrupts) -> bool {
        matches!(
            self,
            Down::NotReady {
                why: NotReady::Cancelled,
                ..
            }
        ) && interrupts.aborted() != Some(Abort::Deadline)
    }
}

/// Starts the instance, emits `InstanceSpawned` and `InstanceReady`, and returns it ready;
/// or stops it again and says why not (the caller emits `InstanceStopped` with the report,
/// after anything it has to say first).
pub(crate) async fn bring_up(
    src: Source<'_>,
    client: &reqwest::Client,
    interrupts: &Interrupts,
    emit: &mut impl FnMut(Event),
) -> Result<Instance, Down> {
    let mut inst = Instance::start(
        src.spec,
        src.label,
        src.vars,
        src.base_url,
        src.log_dir,
        src.redactor,
        interrupts.kill_now.clone(),
    )
    .await
    .map_err(Down::Spawn)?;
    emit(Event::InstanceSpawned {
        label: src.label.into(),
        command: inst.command_line(src.spec),
        pid: inst.pid(),
        port: inst.port,
    });
    match wait_ready(&inst, &src.spec.ready, client, &interrupts.cancel).await {
        Ok(after) => {
            emit(Event::InstanceReady {
                label: src.label.into(),
                after,
            });
            Ok(inst)
        }
        Err(why) => {
            let report = inst
                .stop(src.spec, interrupts.grace(src.spec.stop.grace))
                .await;
            Err(Down::NotReady {
                why,
                log_tail: inst.log_tail(),
                report,
            })
        }
    }
}

/// How a setup went.
pub(crate) enum Setup {
    /// Its captures, for the checks.
    Done(Vec<(String, Value)>),
    Failed(String),
    /// The run was cancelled while it ran.
    Cancelled,
}

/// Runs setup steps, ending at once if the run is cancelled.
pub(crate) async fn setup(steps: &[StepSpec], cx: &CheckContext, interrupts: &Interrupts) -> Setup {
    if steps.is_empty() {
        return Setup::Done(Vec::new());
    }
    tokio::select! {
        r = check::run_steps(steps, cx, cx.scope.clone()) => match r.failure() {
            Some(why) => Setup::Failed(format!("setup failed: {why}")),
            None => Setup::Done(r.captures),
        },
        _ = interrupts.cancel.cancelled() => Setup::Cancelled,
    }
}
