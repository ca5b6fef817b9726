//! Running a command for a check (the `command` kind, dependency probes, a variant's break
//! command): in its own process group, killed whole if the check is abandoned, with its
//! output kept up to a limit and the rest drained, so that neither a chatty command nor a
//! pipe nobody reads can block it or exhaust harden's memory.

use std::process::ExitStatus;
use tokio::io::{AsyncRead, AsyncReadExt};

/// What a command did.
#[derive(Debug)]
pub(crate) struct Captured {
    pub status: ExitStatus,
    pub stdout: Output,
    pub stderr: Output,
}

/// One output stream: the first `limit` bytes, and whether more came.
#[derive(Debug, Default)]
pub(crate) struct Output {
    pub bytes: Vec<u8>,
    pub over: bool,
}

impl Output {
    pub(crate) fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.bytes)
    }
}

/// Kills the command's whole process group if the check is abandoned (timeout, Ctrl-C).
struct GroupGuard(Option<u32>);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pid as i32),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

/// Runs `cmd` to completion, keeping at most `limit` bytes of each output stream.
pub(crate) async fn run(mut cmd: tokio::process::Command, limit: u64) -> std::io::Result<Captured> {
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = cmd.spawn()?;
    let guard = GroupGuard(child.id());
    let out = child.stdout.take();
    let err = child.stderr.take();
    let leader = async {
        let status = child.wait().await;
        // The leader is done; what it left in its group goes with it, and so the pipes
        // that a lingering member held open close.
        drop(guard);
        status
    };
    let (stdout, stderr, status) = tokio::join!(keep(out, limit), keep(err, limit), leader);
    let status = status?;
    Ok(Captured {
        status,
        stdout,
        stderr,
    })
}

async fn keep(reader: Option<impl AsyncRead + Unpin>, limit: u64) -> Output {
    let mut out = Output::default();
    let Some(mut reader) = reader else {
        return out;
    };
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match reader.read(&mut buf).await {
            Ok(0) | Err(_) => return out,
            Ok(n) => {
                let room = (limit as usize).saturating_sub(out.bytes.len());
                out.bytes.extend_from_slice(&buf[..n.min(room)]);
                out.over |= n > room;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn output_past_the_limit_is_drained_not_kept() {
        let mut cmd = tokio::process::Command::new("sh");
        cmd.args(["-c", "head -c 3000000 /dev/zero; echo done >&2"]);
        let c = run(cmd, 1000).await.unwrap();
        assert!(c.status.success());
        assert_eq!(c.stdout.bytes.len(), 1000);
        assert!(c.stdout.over);
        assert_eq!(c.stderr.text(), "done\n");
        assert!(!c.stderr.over);
    }
}
