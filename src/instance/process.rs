//! Spawning the service in its own process group, watching it, and stopping the whole group.

use crate::instance::logbuf::LogBuffer;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use std::process::ExitStatus;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::{oneshot, watch};

/// How the service ended.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct ExitInfo {
    pub code: Option<i32>,
    pub signal: Option<i32>,
}

impl ExitInfo {
    fn from_status(s: ExitStatus) -> ExitInfo {
        use std::os::unix::process::ExitStatusExt;
        ExitInfo {
            code: s.code(),
            signal: s.signal(),
        }
    }
}

impl std::fmt::Display for ExitInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.code, self.signal) {
            (Some(c), _) => write!(f, "exited with status {c}"),
            (None, Some(s)) => {
                let name = Signal::try_from(s)
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_else(|_| s.to_string());
                write!(f, "was killed by {name}")
            }
            (None, None) => write!(f, "exited"),
        }
    }
}

/// What stopping the service took.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct StopReport {
    pub exit: Option<ExitInfo>,
    /// SIGKILL was needed after the grace period (or a second Ctrl-C).
    pub forced: bool,
    /// The service had already exited on its own before harden stopped it.
    pub exited_early: bool,
}

pub(crate) enum StopRequest {
    Graceful { signal: Signal, grace: Duration },
    Kill,
}

/// A running process group and the task that owns and reaps its leader.
pub(crate) struct Supervised {
    pub pid: u32,
    pub exit: watch::Receiver<Option<ExitInfo>>,
    stop_tx: Option<oneshot::Sender<StopRequest>>,
    task: Option<tokio::task::JoinHandle<StopReport>>,
}

pub(crate) fn spawn(
    mut cmd: tokio::process::Command,
    logs: Arc<LogBuffer>,
    kill_now: tokio_util::sync::CancellationToken,
) -> std::io::Result<Supervised> {
    cmd.process_group(0)
        .kill_on_drop(true)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn()?;
    let pid = child.id().unwrap_or(0);
    if let Some(out) = child.stdout.take() {
        tokio::spawn(pump(out, logs.clone()));
    }
    if let Some(err) = child.stderr.take() {
        tokio::spawn(pump(err, logs));
    }
    let (exit_tx, exit_rx) = watch::channel(None);
    let (stop_tx, stop_rx) = oneshot::channel();
    let task = tokio::spawn(supervise(child, pid, exit_tx, stop_rx, kill_now.clone()));
    Ok(Supervised {
        pid,
        exit: exit_rx,
        stop_tx: Some(stop_tx),
        task: Some(task),
    })
}

async fn pump(reader: impl AsyncRead + Unpin, logs: Arc<LogBuffer>) {
    let mut lines = BufReader::new(reader).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        logs.push(line);
    }
}

async fn supervise(
    mut child: tokio::process::Child,
    pid: u32,
    exit_tx: watch::Sender<Option<ExitInfo>>,
    stop_rx: oneshot::Receiver<StopRequest>,
    kill_now: tokio_util::sync::CancellationToken,
) -> StopReport {
    let pgid = Pid::from_raw(pid as i32);
    let request = tokio::select! {
        status = child.wait() => {
            let info = status.ok().map(ExitInfo::from_status);
            let _ = exit_tx.send(info.clone().or(Some(ExitInfo { code: None, signal: None })));
            // The leader is gone; whatever it left in its group goes too.
            kill_group(pgid);
            return StopReport { exit: info, forced: false, exited_early: true };
        }
        req = stop_rx => req.unwrap_or(StopRequest::Kill),
    };
    let mut forced = false;
    let status = match request {
        StopRequest::Graceful { signal, grace } => {
            let _ = killpg(pgid, signal);
            tokio::select! {
                s = child.wait() => s.ok(),
                _ = tokio::time::sleep(grace) => None,
                _ = kill_now.cancelled() => None,
            }
        }
        StopRequest::Kill => None,
    };
    let status = match status {
        Some(s) => Some(s),
        None => {
            forced = true;
            let _ = killpg(pgid, Signal::SIGKILL);
            child.wait().await.ok()
        }
    };
    kill_group(pgid);
    let info = status.map(ExitInfo::from_status);
    let _ = exit_tx.send(info.clone());
    StopReport {
        exit: info,
        forced,
        exited_early: false,
    }
}

/// SIGKILL to what is left of the group, then reap those that were re-parented to harden
/// (it is a child subreaper), so no zombie or stray process outlives the run.
fn kill_group(pgid: Pid) {
    use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
    let _ = killpg(pgid, Signal::SIGKILL);
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    let group = Pid::from_raw(-pgid.as_raw());
    while std::time::Instant::now() < deadline {
        match waitpid(group, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) => std::thread::sleep(Duration::from_millis(10)),
            Ok(_) => {}
            Err(_) => break, // ECHILD: nothing of the group is left to reap
        }
    }
}

impl Supervised {
    /// Whether the leader has exited (on its own or because it was stopped).
    pub(crate) fn exited(&self) -> Option<ExitInfo> {
        self.exit.borrow().clone()
    }

    pub(crate) async fn stop(&mut self, request: StopRequest) -> StopReport {
        if let Some(tx) = self.stop_tx.take() {
            let _ = tx.send(request);
        }
        match self.task.take() {
            Some(t) => t.await.unwrap_or(StopReport {
                exit: None,
                forced: true,
                exited_early: false,
            }),
            None => StopReport {
                exit: self.exited(),
                forced: false,
                exited_early: false,
            },
        }
    }
}

impl Drop for Supervised {
    fn drop(&mut self) {
        // Safety net for early returns: never leave the group running.
        if self.task.is_some() {
            let _ = killpg(Pid::from_raw(self.pid as i32), Signal::SIGKILL);
        }
    }
}
