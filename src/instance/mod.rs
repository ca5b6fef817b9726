//! The service under test: spawned in its own process group on a free port with a fresh
//! scratch directory, its output captured, its readiness awaited, the whole group stopped.

mod logbuf;
mod logtail;
mod process;
mod ready;
pub(crate) mod supervisor;

pub(crate) use logbuf::{LogBuffer, LogLine};
pub(crate) use process::{ExitInfo, StopReport, StopRequest, resolve_program};
pub(crate) use ready::{NotReady, wait_ready};

use crate::redact::Redactor;
use crate::suite::{InstanceSpec, Scope};
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Lines of output shown when the service fails.
pub(crate) const LOG_TAIL_LINES: usize = 20;

pub(crate) struct Instance {
    /// `main`, or the id of the check that asked for a variant.
    pub label: String,
    pub port: u16,
    pub base_url: String,
    /// `${INSTANCE_DIR}`: held so it is removed when the instance is dropped.
    _dir: tempfile::TempDir,
    pub logs: Arc<LogBuffer>,
    /// Variables for templates: the suite's vars plus `PORT`, `BASE_URL`, `INSTANCE_DIR`.
    pub scope: Scope,
    pub(crate) process: process::Supervised,
}

/// Why the service could not be started at all.
#[derive(Debug)]
pub(crate) struct SpawnError {
    pub message: String,
    pub hint: Option<String>,
}

/// A free TCP port on 127.0.0.1 (bind to port 0, read it, release it).
fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl Instance {
    pub(crate) async fn start(
        spec: &InstanceSpec,
        label: &str,
        suite_vars: &serde_json::Map<String, Value>,
        base_url_template: Option<&str>,
        log_dir: &Path,
        redactor: Arc<Redactor>,
        kill_now: tokio_util::sync::CancellationToken,
    ) -> Result<Instance, SpawnError> {
        let err = |message: String| SpawnError {
            message,
            hint: None,
        };
        let template = |e: crate::suite::TemplateError| err(e.to_string());
        let port = match spec.port {
            Some(p) => p,
            None => free_port().map_err(|e| {
                err(format!(
                    "cannot find a free port: {}",
                    crate::reason::io(&e)
                ))
            })?,
        };
        let dir = tempfile::Builder::new()
            .prefix("harden-instance-")
            .tempdir()
            .map_err(|e| {
                err(format!(
                    "cannot create the scratch directory: {}",
                    crate::reason::io(&e)
                ))
            })?;
        let mut vars = suite_vars.clone();
        vars.insert("PORT".into(), Value::String(port.to_string()));
        vars.insert(
            "INSTANCE_DIR".into(),
            Value::String(dir.path().display().to_string()),
        );
        let default_base = format!("http://127.0.0.1:{port}");
        vars.insert("BASE_URL".into(), Value::String(default_base.clone()));
        let mut scope = Scope {
            vars: Arc::new(vars),
            captures: Default::default(),
        };
        let base_url = match base_url_template {
            Some(t) => crate::suite::Template::text(t)
                .and_then(|t| t.expand_text(&scope))
                .map_err(template)?,
            None => default_base,
        };
        Arc::make_mut(&mut scope.vars).insert("BASE_URL".into(), Value::String(base_url.clone()));

        let argv: Vec<String> = spec
            .command
            .iter()
            .map(|t| t.expand_text(&scope))
            .collect::<Result<_, _>>()
            .map_err(template)?;
        let Some((program, args)) = argv.split_first() else {
            return Err(err("the instance command is empty".into()));
        };
        // The working directory, and relative programs, resolve against the suite's
        // directory; bare names use PATH.
        let cwd = match &spec.cwd {
            Some(t) => spec.dir.join(t.expand_text(&scope).map_err(template)?),
            None => spec.dir.clone(),
        };
        let cwd = std::path::absolute(&cwd).unwrap_or(cwd);
        // Spawning in a missing directory fails as "not found", which would read as a
        // missing program: name the directory instead.
        if !cwd.is_dir() {
            return Err(SpawnError {
                message: format!(
                    "working directory `{}` (instance.cwd) does not exist",
                    cwd.display()
                ),
                hint: Some(
                    "`instance.cwd` is relative to the suite file; create it or fix the path"
                        .into(),
                ),
            });
        }
        let program_path = resolve_program(program, &cwd);
        let supervisor = std::env::current_exe().map_err(|e| SpawnError {
            message: format!(
                "cannot find harden's own executable to supervise the service: {}",
                crate::reason::io(&e)
            ),
            hint: None,
        })?;
        let mut cmd = tokio::process::Command::new(supervisor);
        cmd.arg(supervisor::ARG)
            .arg(&program_path)
            .args(args)
            .current_dir(&cwd);
        cmd.env("PORT", port.to_string())
            .env("HARDEN_INSTANCE_DIR", dir.path());
        // Python buffers print() when stdout is a pipe, so its output would reach harden
        // (and the `logs` check) only at exit. `env: { PYTHONUNBUFFERED: "" }` undoes it.
        if std::env::var_os("PYTHONUNBUFFERED").is_none() {
            cmd.env("PYTHONUNBUFFERED", "1");
        }
        for (k, v) in &spec.env {
            cmd.env(k, v.expand_text(&scope).map_err(template)?);
        }
        let log_file = log_dir.join(format!("{}.log", label.replace(['/', ' '], "_")));
        let file = std::fs::File::create(&log_file).ok();
        let logs = Arc::new(LogBuffer::new(file, redactor));
        let process = process::spawn(cmd, logs.clone(), kill_now).await.map_err(|e| {
            let hint = match e.kind() {
                std::io::ErrorKind::NotFound if !program.contains('/') => {
                    Some(format!("`{program}` is not on PATH; install it, or give a path relative to the suite file"))
                }
                std::io::ErrorKind::NotFound => Some(format!("`{}` does not exist", program_path.display())),
                std::io::ErrorKind::PermissionDenied => Some(format!("make it executable: chmod +x {}", program_path.display())),
                _ => None,
            };
            SpawnError { message: format!("failed to spawn `{program}`: {}", crate::reason::io(&e)), hint }
        })?;
        Ok(Instance {
            label: label.to_string(),
            port,
            base_url,
            _dir: dir,
            logs,
            scope,
            process,
        })
    }

    /// The command as started, for people (variables expanded).
    pub(crate) fn command_line(&self, spec: &InstanceSpec) -> String {
        spec.command
            .iter()
            .filter_map(|t| t.expand_text(&self.scope).ok())
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub(crate) fn pid(&self) -> u32 {
        self.process.pid
    }

    pub(crate) fn exited(&self) -> Option<ExitInfo> {
        self.process.exited()
    }

    pub(crate) fn exit_watch(&self) -> tokio::sync::watch::Receiver<Option<ExitInfo>> {
        self.process.exit.clone()
    }

    /// Sends the suite's stop signal to the whole tree, waits up to `grace` (the suite's,
    /// capped when the run is cancelled), then kills what is left.
    pub(crate) async fn stop(&mut self, spec: &InstanceSpec, grace: Duration) -> StopReport {
        self.process
            .stop(StopRequest::Graceful {
                signal: spec.stop.signal,
                grace,
            })
            .await
    }

    pub(crate) fn log_tail(&self) -> Vec<String> {
        self.logs.summary(LOG_TAIL_LINES)
    }
}
