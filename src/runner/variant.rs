//! A check's own instance of the service: started with the variant's overrides, given its
//! own port, scratch directory and `setup` captures, broken on purpose if asked, and
//! stopped like the main instance when the check is done.

use crate::check::{CheckContext, CheckOutcome};
use crate::instance::Instance;
use crate::redact::Redactor;
use crate::runner::bringup;
use crate::runner::event::Event;
use crate::runner::signal::Interrupts;
use crate::suite::{InstanceSpec, StepSpec, VariantSetup, VariantSpec};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

const BREAK_TIMEOUT: Duration = Duration::from_secs(30);
/// Output kept of a break command (its last line of stderr is shown when it fails).
const BREAK_OUTPUT: u64 = 1024 * 1024;

/// What every variant of a suite shares.
pub(crate) struct VariantEnv {
    pub vars: serde_json::Map<String, Value>,
    pub base_url: Option<String>,
    pub log_dir: PathBuf,
    pub setup: Vec<StepSpec>,
    pub interrupts: Interrupts,
    pub redactor: Arc<Redactor>,
}

pub(crate) struct Running {
    pub instance: Instance,
    pub spec: InstanceSpec,
    pub cx: CheckContext,
}

/// A variant that could not be brought up: the check's error and the service's last lines.
pub(crate) struct Failed {
    pub outcome: CheckOutcome,
    pub log_tail: Vec<String>,
}

pub(crate) fn label(id: &str) -> String {
    format!("variant of {id}")
}

pub(crate) async fn start(
    env: &VariantEnv,
    id: &str,
    v: &VariantSpec,
    base: &CheckContext,
    emit: &impl Fn(Event),
) -> Result<Running, Failed> {
    let label = label(id);
    let fail = |message: String, log_tail: Vec<String>| Failed {
        outcome: CheckOutcome::error(format!("{label}: {message}")),
        log_tail,
    };
    let src = bringup::Source {
        spec: &v.instance,
        label: &label,
        vars: &env.vars,
        base_url: env.base_url.as_deref(),
        log_dir: &env.log_dir,
        redactor: env.redactor.clone(),
    };
    let inst = match bringup::bring_up(src, &base.client, &env.interrupts, &mut |e| emit(e)).await {
        Ok(inst) => inst,
        Err(down) => {
            let (message, _) = down.describe(&v.instance, &env.interrupts);
            return Err(match down {
                bringup::Down::Spawn(_) => fail(message, Vec::new()),
                bringup::Down::NotReady {
                    log_tail, report, ..
                } => {
                    emit(Event::InstanceStopped {
                        label: label.clone(),
                        report,
                    });
                    fail(message, log_tail)
                }
            });
        }
    };
    let mut cx = CheckContext {
        base_url: inst.base_url.clone(),
        scope: inst.scope.clone(),
        logs: Some(inst.logs.clone()),
        ..base.clone()
    };
    // Setup, then the break command; the first problem stops the variant.
    let mut problem = None;
    let setup = match &v.setup {
        VariantSetup::Suite => &env.setup[..],
        VariantSetup::Skip => &[][..],
        VariantSetup::Own(steps) => &steps[..],
    };
    match bringup::setup(setup, &cx, &env.interrupts).await {
        bringup::Setup::Done(captures) => cx.scope.captures.extend(captures),
        bringup::Setup::Failed(why) => problem = Some(why),
        bringup::Setup::Cancelled => problem = Some("setup was cancelled".into()),
    }
    if let (None, Some(argv)) = (&problem, &v.break_command) {
        problem = tokio::select! {
            r = run_break(argv, &inst, &cx) => r.err(),
            _ = env.interrupts.cancel.cancelled() => Some("the break command was cancelled".into()),
        };
    }
    let running = Running {
        instance: inst,
        spec: v.instance.clone(),
        cx,
    };
    if let Some(message) = problem {
        let tail = running.instance.log_tail();
        stop(running, &env.interrupts, emit).await;
        return Err(fail(message, tail));
    }
    Ok(running)
}

async fn run_break(
    argv: &[crate::suite::Template],
    inst: &Instance,
    cx: &CheckContext,
) -> Result<(), String> {
    let words: Vec<String> = argv
        .iter()
        .map(|t| t.expand_text(&inst.scope))
        .collect::<Result<_, _>>()?;
    let Some((program, args)) = words.split_first() else {
        return Err("the break command is empty".into());
    };
    let shown = words.join(" ");
    let mut cmd =
        tokio::process::Command::new(crate::instance::resolve_program(program, &cx.suite_dir));
    cmd.args(args)
        .current_dir(&cx.suite_dir)
        .env("PORT", inst.port.to_string())
        .env(
            "HARDEN_INSTANCE_DIR",
            inst.scope
                .vars
                .get("INSTANCE_DIR")
                .map(crate::suite::value_text)
                .unwrap_or_default(),
        );
    let run = crate::check::exec::run(cmd, BREAK_OUTPUT);
    match tokio::time::timeout(BREAK_TIMEOUT, run).await {
        Ok(Ok(o)) if o.status.success() => Ok(()),
        Ok(Ok(o)) => {
            let err = o.stderr.text();
            Err(format!(
                "break command `{shown}` failed ({}): {}",
                o.status,
                err.lines().last().unwrap_or_default()
            ))
        }
        Ok(Err(e)) => Err(format!(
            "break command `{shown}` could not run: {}",
            crate::reason::io(&e)
        )),
        Err(_) => Err(format!("break command `{shown}` did not finish within 30s")),
    }
}

pub(crate) async fn stop(mut r: Running, interrupts: &Interrupts, emit: &impl Fn(Event)) {
    let grace = interrupts.grace(r.spec.stop.grace);
    let report = r.instance.stop(&r.spec, grace).await;
    emit(Event::InstanceStopped {
        label: r.instance.label.clone(),
        report,
    });
}
