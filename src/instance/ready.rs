//! Waiting until the service is ready, failing at once if it exits first.

use crate::instance::Instance;
use crate::suite::{ReadyProbe, ReadySpec};
use std::time::{Duration, Instant};

/// Why the service is not ready.
pub(crate) enum NotReady {
    Exited(crate::instance::ExitInfo),
    Timeout { last: String },
    Cancelled,
}

impl NotReady {
    /// The message for people, naming the timeout that ran out.
    pub(crate) fn describe(&self, timeout: Duration) -> String {
        match self {
            NotReady::Exited(info) => format!("the service {info} before it was ready"),
            NotReady::Timeout { last } => {
                format!(
                    "the service was not ready after {} (last attempt: {last})",
                    humantime::format_duration(timeout)
                )
            }
            NotReady::Cancelled => "interrupted while waiting for the service to be ready".into(),
        }
    }
}

/// Polls the probe at once, then after 10 ms, backing off by half each time to 500 ms (a
/// service that binds at once is seen at once; a slow one is not hammered), each attempt
/// bounded by 2 s; an exit (or, for `log:`, a new line) wakes the wait early.
pub(crate) async fn wait_ready(
    inst: &Instance,
    spec: &ReadySpec,
    client: &reqwest::Client,
    cancel: &tokio_util::sync::CancellationToken,
) -> Result<Duration, NotReady> {
    let started = Instant::now();
    let deadline = started + spec.timeout;
    let mut delay = Duration::from_millis(10);
    let mut exit = inst.process.exit.clone();
    let mut last;
    let log_from = 0;
    loop {
        if let Some(info) = inst.process.exited() {
            return Err(NotReady::Exited(info));
        }
        let attempt = async {
            match &spec.probe {
                ReadyProbe::Http { path, status } => {
                    let path = path
                        .expand_text(&inst.scope)
                        .map_err(|e| format!("ready.http: {e}"))?;
                    let url = format!("{}{path}", inst.base_url);
                    match client
                        .get(&url)
                        .timeout(Duration::from_secs(2))
                        .send()
                        .await
                    {
                        Ok(r) if status.matches(r.status().as_u16()) => Ok(()),
                        Ok(r) => Err(format!("GET {path} answered {}", r.status().as_u16())),
                        Err(e) => Err(format!("GET {path}: {}", crate::reason::chain(&e))),
                    }
                }
                ReadyProbe::Tcp => {
                    let addr = format!("127.0.0.1:{}", inst.port);
                    match tokio::time::timeout(
                        Duration::from_secs(2),
                        tokio::net::TcpStream::connect(&addr),
                    )
                    .await
                    {
                        Ok(Ok(_)) => Ok(()),
                        Ok(Err(e)) => Err(format!("connect {addr}: {}", crate::reason::io(&e))),
                        Err(_) => Err(format!("connect {addr}: timed out")),
                    }
                }
                ReadyProbe::Log(re) => {
                    if inst
                        .logs
                        .since(log_from)
                        .iter()
                        .any(|l| re.is_match(&l.text))
                    {
                        Ok(())
                    } else {
                        Err(format!("no output line matched `{re}` yet"))
                    }
                }
            }
        };
        match attempt.await {
            Ok(()) => return Ok(started.elapsed()),
            Err(e) => last = e,
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(NotReady::Timeout { last });
        }
        let wait = delay.min(deadline - now);
        let log_line = inst.logs.notify.notified();
        let is_log = matches!(spec.probe, ReadyProbe::Log(_));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = exit.changed() => {}
            _ = cancel.cancelled() => return Err(NotReady::Cancelled),
            _ = log_line, if is_log => {}
        }
        delay = (delay * 3 / 2).min(Duration::from_millis(500));
    }
}
