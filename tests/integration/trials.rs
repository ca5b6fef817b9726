//! Orphan trials: however a run ends, nothing of the service's tree outlives it. Each way
//! a run can end (SIGINT, SIGTERM, double SIGINT, the service crashing, the deadline,
//! `--fail-fast`, harden itself SIGKILLed) is tried against three trees: a plain one, one
//! with a grandchild that left the process group with `setsid`, and a leader that ignores
//! SIGTERM. `HARDEN_TRIALS=N` repeats each pair N times (`scripts/reliability-trials.sh`
//! runs 100 on the release build); `cargo test` runs each once.

use crate::harness::{Harden, alive, eventually, read_pid, wait_measured};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::path::Path;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
enum Tree {
    Plain,
    Setsid,
    IgnoresTerm,
}

#[derive(Debug, Clone, Copy)]
enum Ending {
    Sigint,
    Sigterm,
    DoubleSigint,
    Crash,
    Deadline,
    FailFast,
    Sigkill,
}

const TREES: [Tree; 3] = [Tree::Plain, Tree::Setsid, Tree::IgnoresTerm];

fn suite(tree: Tree, ending: Ending, dir: &Path) -> String {
    let extra = dir.join("extra.pid").display().to_string();
    let svc = dir.join("svc.pid").display().to_string();
    let spawn_extra = match tree {
        Tree::Plain | Tree::IgnoresTerm => format!("sleep 300 & echo $! > {extra};"),
        Tree::Setsid => format!("setsid sh -c 'echo $$ > {extra}; exec sleep 300' &"),
    };
    let mut faults = String::new();
    if matches!(tree, Tree::IgnoresTerm) {
        faults.push_str(" --fault ignore-sigterm");
    }
    let checks = match ending {
        Ending::Crash => {
            faults.push_str(" --fault crash-after=2");
            (1..=4)
                .map(|n| format!("  - id: c{n}\n    http: {{ request: {{ path: /runs/{n} }}, expect: {{ status: 404 }} }}\n"))
                .collect::<String>()
        }
        Ending::FailFast => {
            faults.push_str(" --fault slow-endpoint=30s");
            "  - id: fails\n    http: { request: { path: /health }, expect: { status: 418 } }\n  - id: slow\n    timeout: 60s\n    http: { request: { path: /runs/x }, expect: { status: 404 } }\n".to_string()
        }
        _ => {
            faults.push_str(" --fault slow-endpoint=30s");
            "  - id: slow\n    timeout: 60s\n    http: { request: { path: /runs/x }, expect: { status: 404 } }\n".to_string()
        }
    };
    format!(
        "suite: trial\ninstance:\n  command: \"{spawn_extra} exec harden-fixture --port ${{PORT}} --pid-file {svc}{faults}\"\n  ready: {{ http: /health/ready, timeout: 20s }}\n  stop: {{ grace: 1s }}\nchecks:\n{checks}"
    )
}

fn signal(pid: u32, s: Signal) {
    let _ = kill(Pid::from_raw(pid as i32), s);
}

/// One trial; returns the pids that survived it (and kills them, so trials stay independent).
fn trial(tree: Tree, ending: Ending) -> Vec<u32> {
    let h = Harden::new();
    let dir = h.dir.path().to_path_buf();
    let logs = dir.join("logs");
    let mut h = Harden::check_yaml(&suite(tree, ending, &dir)).args([
        "--log-dir",
        &logs.display().to_string(),
        "--jobs",
        "1",
    ]);
    match ending {
        Ending::Deadline => h = h.args(["--timeout", "3s"]),
        Ending::FailFast => h = h.args(["--fail-fast"]),
        _ => {}
    }
    let mut child = h.spawn();
    let pid = child.id();
    let wait_busy = || {
        eventually("the slow request", Duration::from_secs(30), || {
            std::fs::read_to_string(logs.join("trial/main.log"))
                .is_ok_and(|t| t.contains("slow query"))
        })
    };
    match ending {
        Ending::Sigint | Ending::Sigterm | Ending::DoubleSigint | Ending::Sigkill => wait_busy(),
        _ => {}
    }
    match ending {
        Ending::Sigint => signal(pid, Signal::SIGINT),
        Ending::Sigterm => signal(pid, Signal::SIGTERM),
        Ending::DoubleSigint => {
            signal(pid, Signal::SIGINT);
            std::thread::sleep(Duration::from_millis(100));
            signal(pid, Signal::SIGINT);
        }
        Ending::Sigkill => signal(pid, Signal::SIGKILL),
        _ => {}
    }
    if matches!(ending, Ending::Sigkill) {
        let _ = child.wait();
    } else {
        let m = wait_measured(child, Duration::from_secs(90));
        let expected = match ending {
            Ending::Sigint | Ending::Sigterm | Ending::DoubleSigint => 130,
            Ending::Crash => 3,
            _ => 1,
        };
        assert_eq!(
            m.code, expected,
            "{tree:?}/{ending:?}\n{}\n{}",
            m.stdout, m.stderr
        );
    }
    let pids: Vec<u32> = ["svc.pid", "extra.pid"]
        .iter()
        .map(|f| dir.join(f))
        .filter(|p| p.exists())
        .map(|p| read_pid(&p))
        .collect();
    assert_eq!(pids.len(), 2, "{tree:?}/{ending:?}: both pid files written");
    let until = Instant::now() + Duration::from_secs(5);
    while pids.iter().any(|p| alive(*p)) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
    let survivors: Vec<u32> = pids.into_iter().filter(|p| alive(*p)).collect();
    for p in &survivors {
        signal(*p, Signal::SIGKILL);
    }
    survivors
}

fn trials(ending: Ending) {
    let n: usize = std::env::var("HARDEN_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let mut report = Vec::new();
    for tree in TREES {
        let survivors: usize = (0..n).map(|_| trial(tree, ending).len()).sum();
        report.push(format!(
            "{ending:?}/{tree:?}: {n} trials, {survivors} survivors"
        ));
    }
    // The script reads these lines (run with --nocapture).
    for line in &report {
        println!("trial {line}");
    }
    assert!(
        report.iter().all(|l| l.ends_with(", 0 survivors")),
        "{report:#?}"
    );
}

#[test]
fn trials_sigint() {
    trials(Ending::Sigint);
}

#[test]
fn trials_sigterm() {
    trials(Ending::Sigterm);
}

#[test]
fn trials_double_sigint() {
    trials(Ending::DoubleSigint);
}

#[test]
fn trials_service_crash() {
    trials(Ending::Crash);
}

#[test]
fn trials_deadline() {
    trials(Ending::Deadline);
}

#[test]
fn trials_fail_fast() {
    trials(Ending::FailFast);
}

#[test]
fn trials_sigkill_of_harden() {
    trials(Ending::Sigkill);
}
