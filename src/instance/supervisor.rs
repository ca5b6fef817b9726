//! The supervisor: a small process (harden's own binary, `harden __supervise PROGRAM ARGS`)
//! that sits between harden and the service so that nothing of the service's tree can
//! outlive harden, however harden ends.
//!
//! - It is a child subreaper, so every process the service starts, even one that leaves the
//!   process group with `setsid` or double-forks to daemonize, stays its descendant: the
//!   tree it kills is the whole tree, found by walking parent links in `/proc`.
//! - Its standard input is one end of a socket pair whose other end only harden holds.
//!   When harden exits, is killed (SIGKILL, the OOM killer, a cancelled CI job) or drops
//!   the instance, the socket reads end-of-file and the supervisor kills the whole tree.
//!   (A parent-death signal would not do: it fires when the spawning *thread* exits, and
//!   harden spawns from a thread pool.)
//! - It runs in a process group of its own (as does the service, in another), so a Ctrl-C
//!   typed in a terminal reaches harden alone, which then stops the service in order.
//! - The service inherits the supervisor's stdout and stderr, harden's pipes, so harden
//!   drains the output until the last process of the tree is gone.
//!
//! The protocol is one line per message. harden sends `stop SIGNUM GRACE_MS` (signal
//! every process of the tree, wait up to the grace for the service to exit, then SIGKILL
//! what is left) or `kill`. The supervisor answers `pid N` or `spawn-error ERRNO` once,
//! then `exit CODE SIGNAL FORCED` when the service has exited (`-` for none), and `gone`
//! when the tree is empty, just before it exits.

use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;
use std::io::{BufRead, Write};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The argument that turns `harden` into a supervisor.
pub(crate) const ARG: &str = "__supervise";

/// How often the supervisor looks at its children and its control socket.
const TICK: Duration = Duration::from_millis(10);
/// How long killing the tree may take before the supervisor gives up and exits.
const KILL_BUDGET: Duration = Duration::from_secs(3);

enum Control {
    Stop {
        signal: Signal,
        grace: Duration,
    },
    Kill,
    /// harden is gone.
    Eof,
}

/// Runs the supervisor; `args` are the program and its arguments. Returns the exit code.
pub(crate) fn main(args: &[std::ffi::OsString]) -> u8 {
    // fd 0 is the control socket: take it over, and give the service /dev/null instead.
    let Ok(stdin) = std::io::stdin().as_fd().try_clone_to_owned() else {
        return 125;
    };
    let control = UnixStream::from(stdin);
    let Ok(mut out) = control.try_clone() else {
        return 125;
    };
    // Linux: orphans of the tree re-parent here, so the /proc walk finds every one.
    // Elsewhere the service's process group is what can be found and killed.
    #[cfg(target_os = "linux")]
    let _ = nix::sys::prctl::set_child_subreaper(true);
    let Some((program, rest)) = args.split_first() else {
        let _ = writeln!(out, "spawn-error 22");
        return 125;
    };
    let child = std::process::Command::new(program)
        .args(rest)
        .process_group(0)
        .stdin(std::process::Stdio::null())
        .spawn();
    let service = match child {
        Ok(c) => Pid::from_raw(c.id() as i32),
        Err(e) => {
            let _ = writeln!(out, "spawn-error {}", e.raw_os_error().unwrap_or(0));
            return 127;
        }
    };
    let me = Pid::this();
    if writeln!(out, "pid {service}").is_err() {
        kill_tree(me, service);
        return 1;
    }
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || read_control(control, tx));

    let mut exit: Option<(Option<i32>, Option<i32>)> = None;
    let mut stop_deadline: Option<Instant> = None;
    let mut forced = false;
    loop {
        if exit.is_none() {
            exit = reap(service);
        } else {
            reap(service);
        }
        if exit.is_some() {
            break;
        }
        if stop_deadline.is_some_and(|d| Instant::now() >= d) {
            forced = true;
            signal_tree(me, service, Signal::SIGKILL);
            stop_deadline = None;
        }
        match rx.recv_timeout(TICK) {
            Ok(Control::Stop { signal, grace }) => {
                signal_tree(me, service, signal);
                stop_deadline = Some(Instant::now() + grace);
            }
            Ok(Control::Kill) => {
                forced = true;
                signal_tree(me, service, Signal::SIGKILL);
            }
            Ok(Control::Eof) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                kill_tree(me, service);
                return 0;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
    }
    let (code, sig) = exit.unwrap_or((None, None));
    let field = |v: Option<i32>| v.map_or("-".to_string(), |v| v.to_string());
    let _ = writeln!(
        out,
        "exit {} {} {}",
        field(code),
        field(sig),
        u8::from(forced)
    );
    // The service is gone; whatever it left behind goes too.
    kill_tree(me, service);
    let _ = writeln!(out, "gone");
    0
}

fn read_control(control: UnixStream, tx: mpsc::Sender<Control>) {
    let reader = std::io::BufReader::new(control);
    for line in reader.lines() {
        let Ok(line) = line else { break };
        let mut words = line.split_whitespace();
        let msg = match words.next() {
            Some("kill") => Control::Kill,
            Some("stop") => {
                let signal = words
                    .next()
                    .and_then(|s| s.parse::<i32>().ok())
                    .and_then(|n| Signal::try_from(n).ok())
                    .unwrap_or(Signal::SIGTERM);
                let grace = words
                    .next()
                    .and_then(|s| s.parse::<u64>().ok())
                    .map_or(Duration::from_secs(10), Duration::from_millis);
                Control::Stop { signal, grace }
            }
            _ => continue,
        };
        if tx.send(msg).is_err() {
            return;
        }
    }
    let _ = tx.send(Control::Eof);
}

/// Reaps every child that has exited; returns the service's status if it was one of them.
fn reap(service: Pid) -> Option<(Option<i32>, Option<i32>)> {
    let mut found = None;
    loop {
        match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::Exited(pid, code)) => {
                if pid == service {
                    found = Some((Some(code), None));
                }
            }
            Ok(WaitStatus::Signaled(pid, sig, _)) => {
                if pid == service {
                    found = Some((None, Some(sig as i32)));
                }
            }
            Ok(WaitStatus::StillAlive) | Err(_) => return found,
            Ok(_) => {}
        }
    }
}

/// Every live descendant of `root`, found through the parent links in `/proc`.
pub(crate) fn descendants(root: Pid) -> Vec<Pid> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut parent_of: Vec<(i32, i32)> = Vec::new();
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // `pid (comm) state ppid ...`; comm may hold spaces and parentheses.
        let Some(after) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        let mut fields = after.split_whitespace();
        let (_state, ppid) = (fields.next(), fields.next());
        if let Some(ppid) = ppid.and_then(|p| p.parse::<i32>().ok()) {
            parent_of.push((pid, ppid));
        }
    }
    let mut found = vec![root.as_raw()];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        for (pid, ppid) in &parent_of {
            if *ppid == parent && !found.contains(pid) {
                found.push(*pid);
            }
        }
        i += 1;
    }
    found.into_iter().skip(1).map(Pid::from_raw).collect()
}

/// `signal` to the service's process group, and to every descendant found in /proc
/// (those that left the group included).
fn signal_tree(root: Pid, service: Pid, signal: Signal) {
    let _ = nix::sys::signal::killpg(service, signal);
    for pid in descendants(root) {
        let _ = kill(pid, signal);
    }
}

/// SIGKILL every descendant until none is left (each one killed re-parents its children
/// to this subreaper), reaping as it goes; bounded by `KILL_BUDGET`.
fn kill_tree(root: Pid, service: Pid) {
    let _ = nix::sys::signal::killpg(service, Signal::SIGKILL);
    let until = Instant::now() + KILL_BUDGET;
    loop {
        let left = descendants(root);
        reap(Pid::from_raw(0));
        if left.is_empty() || Instant::now() >= until {
            return;
        }
        for pid in &left {
            let _ = kill(*pid, Signal::SIGKILL);
        }
        std::thread::sleep(Duration::from_millis(2));
        reap(Pid::from_raw(0));
    }
}
