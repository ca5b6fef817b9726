//! Spawning the service under a supervisor (see `supervisor.rs`), watching it, and
//! stopping its whole tree.

use crate::instance::logbuf::{LogBuffer, pump};
use nix::sys::signal::Signal;
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::sync::{oneshot, watch};

/// How long the supervisor may take to start the service and say so.
const SPAWN_TIMEOUT: Duration = Duration::from_secs(10);
/// After a stop's grace, how long the supervisor may take to empty the tree before harden
/// kills the supervisor and the service's group itself.
const STOP_SLACK: Duration = Duration::from_secs(4);

/// How the service ended.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub(crate) struct ExitInfo {
    pub code: Option<i32>,
    pub signal: Option<i32>,
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
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub(crate) struct StopReport {
    pub exit: Option<ExitInfo>,
    /// SIGKILL was needed after the grace period (or a second Ctrl-C).
    pub forced: bool,
    /// The service had already exited on its own before harden stopped it.
    pub exited_early: bool,
}

pub(crate) enum StopRequest {
    Graceful { signal: Signal, grace: Duration },
}

/// A supervised service and the task that talks to its supervisor.
pub(crate) struct Supervised {
    /// The service's pid (the supervisor's child).
    pub pid: u32,
    pub exit: watch::Receiver<Option<ExitInfo>>,
    stop_tx: Option<oneshot::Sender<StopRequest>>,
    task: Option<tokio::task::JoinHandle<StopReport>>,
}

/// Starts `program` with `args` under a supervisor. `cmd` carries the working directory
/// and environment; its program must be harden's own executable. Waiting for the
/// supervisor's first line never blocks the runtime's one thread.
pub(crate) async fn spawn(
    mut cmd: tokio::process::Command,
    logs: Arc<LogBuffer>,
    kill_now: tokio_util::sync::CancellationToken,
) -> std::io::Result<Supervised> {
    let (ours, theirs) = std::os::unix::net::UnixStream::pair()?;
    cmd.process_group(0)
        .kill_on_drop(false)
        .stdin(std::process::Stdio::from(OwnedFd::from(theirs)))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn()?;
    if let Some(out) = child.stdout.take() {
        tokio::spawn(pump(out, logs.clone()));
    }
    if let Some(err) = child.stderr.take() {
        tokio::spawn(pump(err, logs));
    }
    // The first line says whether the service started. Read it unbuffered: the next line
    // (the service's exit) may follow at once and must stay in the socket.
    ours.set_nonblocking(true)?;
    let mut control = tokio::net::UnixStream::from_std(ours)?;
    let first = tokio::time::timeout(SPAWN_TIMEOUT, read_line(&mut control))
        .await
        .ok()
        .flatten();
    let pid = match first.as_deref().map(|l| l.split_once(' ')) {
        Some(Some(("pid", pid))) => pid.trim().parse::<u32>().unwrap_or(0),
        Some(Some(("spawn-error", errno))) => {
            tokio::spawn(async move { child.wait().await });
            return Err(std::io::Error::from_raw_os_error(
                errno.trim().parse().unwrap_or(0),
            ));
        }
        _ => {
            let _ = child.start_kill();
            tokio::spawn(async move { child.wait().await });
            return Err(std::io::Error::other(
                "harden's supervisor process did not start the service",
            ));
        }
    };
    let (exit_tx, exit_rx) = watch::channel(None);
    let (stop_tx, stop_rx) = oneshot::channel();
    let task = tokio::spawn(supervise(child, control, pid, exit_tx, stop_rx, kill_now));
    Ok(Supervised {
        pid,
        exit: exit_rx,
        stop_tx: Some(stop_tx),
        task: Some(task),
    })
}

/// One line, a byte at a time (the socket is not buffered, so nothing past it is taken).
async fn read_line(stream: &mut tokio::net::UnixStream) -> Option<String> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while line.len() < 256 {
        match stream.read(&mut byte).await {
            Ok(1) if byte[0] == b'\n' => return String::from_utf8(line).ok(),
            Ok(1) => line.push(byte[0]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            _ => return None,
        }
    }
    None
}

fn parse_exit(rest: &str) -> (ExitInfo, bool) {
    let mut w = rest.split_whitespace();
    let mut field = || w.next().and_then(|v| v.parse::<i32>().ok());
    let code = field();
    let signal = field();
    let forced = field() == Some(1);
    (ExitInfo { code, signal }, forced)
}

async fn supervise(
    mut child: tokio::process::Child,
    control: tokio::net::UnixStream,
    pid: u32,
    exit_tx: watch::Sender<Option<ExitInfo>>,
    stop_rx: oneshot::Receiver<StopRequest>,
    kill_now: tokio_util::sync::CancellationToken,
) -> StopReport {
    let (rd, mut wr) = control.into_split();
    let mut lines = BufReader::new(rd).lines();
    let mut stop_rx = Some(stop_rx);
    let mut requested = false;
    let mut killed = false;
    let mut report = StopReport {
        exit: None,
        forced: false,
        exited_early: false,
    };
    // Set once a stop is sent: past it, harden stops waiting for the supervisor.
    let mut give_up: Option<tokio::time::Instant> = None;
    loop {
        let overdue = async {
            match give_up {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            line = lines.next_line() => match line {
                Ok(Some(l)) => {
                    if let Some(rest) = l.strip_prefix("exit ") {
                        let (info, forced) = parse_exit(rest);
                        report.exit = Some(info.clone());
                        report.forced = forced;
                        report.exited_early = !requested;
                        let _ = exit_tx.send(Some(info));
                    } else if l == "gone" {
                        break;
                    }
                }
                _ => break,
            },
            req = async {
                match stop_rx.as_mut() {
                    Some(rx) => rx.await,
                    None => std::future::pending().await,
                }
            }, if stop_rx.is_some() => {
                stop_rx = None;
                requested = true;
                let (msg, grace) = match req {
                    Ok(StopRequest::Graceful { signal, grace }) => {
                        (format!("stop {} {}\n", signal as i32, grace.as_millis()), grace)
                    }
                    // A dropped instance: kill at once.
                    Err(_) => ("kill\n".to_string(), Duration::ZERO),
                };
                let _ = wr.write_all(msg.as_bytes()).await;
                give_up = Some(tokio::time::Instant::now() + grace + STOP_SLACK);
            }
            _ = kill_now.cancelled(), if !killed => {
                killed = true;
                requested = true;
                let _ = wr.write_all(b"kill\n").await;
                give_up = Some(tokio::time::Instant::now() + STOP_SLACK);
            }
            _ = overdue => {
                // The supervisor is stuck: end it, and the service's group, directly.
                let _ = nix::sys::signal::killpg(
                    nix::unistd::Pid::from_raw(pid as i32),
                    Signal::SIGKILL,
                );
                let _ = child.start_kill();
                report.forced = true;
                break;
            }
        }
    }
    drop(wr);
    if tokio::time::timeout(STOP_SLACK, child.wait())
        .await
        .is_err()
    {
        let _ = child.start_kill();
        let _ = child.wait().await;
    }
    if report.exit.is_none() {
        let _ = exit_tx.send(Some(ExitInfo {
            code: None,
            signal: Some(Signal::SIGKILL as i32),
        }));
    }
    report
}

impl Supervised {
    /// Whether the service has exited (on its own or because it was stopped).
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

// Dropping a `Supervised` without `stop` drops the stop sender: its task then tells the
// supervisor to kill the tree at once, and if the runtime itself is going away, the
// closed control socket tells the supervisor the same.

/// The path a program is run from: a relative path (one with a `/`) resolves against
/// `base`, once, as an absolute path, so that a working directory set for the child cannot
/// resolve it a second time; a bare name is looked up on PATH.
pub(crate) fn resolve_program(program: &str, base: &std::path::Path) -> std::path::PathBuf {
    let p = std::path::Path::new(program);
    if program.contains('/') && p.is_relative() {
        std::path::absolute(base.join(p)).unwrap_or_else(|_| base.join(p))
    } else {
        p.to_path_buf()
    }
}
