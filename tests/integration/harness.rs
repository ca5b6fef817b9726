//! Runs the real `harden` binary against the real fixture service, in a temporary
//! directory, and reads back what it wrote.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// PATH with the fixture server's directory first, as a CI job that built it would have.
pub fn path_with_fixture() -> String {
    let fixture = Path::new(env!("CARGO_BIN_EXE_harden-fixture"));
    let dir = fixture.parent().expect("fixture binary has a directory");
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

pub struct Harden {
    args: Vec<String>,
    env: Vec<(String, String)>,
    /// Variables removed from harden's environment.
    unset: Vec<String>,
    pub dir: tempfile::TempDir,
    timeout: Duration,
}

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub dir: tempfile::TempDir,
    /// Wall time from spawn to exit.
    pub elapsed: Duration,
    /// harden's peak resident set (VmHWM), in KiB, as last read before it exited.
    pub peak_rss_kib: u64,
}

impl Harden {
    pub fn new() -> Harden {
        Harden {
            args: Vec::new(),
            env: vec![("NO_COLOR".into(), "1".into())],
            unset: Vec::new(),
            dir: tempfile::tempdir().expect("temp dir"),
            timeout: Duration::from_secs(120),
        }
    }

    /// `harden check <suite>` with JUnit and JSON written into the temp dir.
    pub fn check(suite: &str) -> Harden {
        let h = Harden::new().args(["check", &repo().join(suite).display().to_string()]);
        let junit = h.path("junit.xml");
        let json = h.path("results.json");
        h.args(["--junit", &junit, "--json", &json])
    }

    /// `harden check` of a suite written here from `yaml`, with JUnit and JSON.
    pub fn check_yaml(yaml: &str) -> Harden {
        let h = Harden::new();
        let suite = h.dir.path().join("suite.yaml");
        std::fs::write(&suite, yaml).expect("write the suite");
        let (junit, json) = (h.path("junit.xml"), h.path("results.json"));
        h.args([
            "check",
            &suite.display().to_string(),
            "--junit",
            &junit,
            "--json",
            &json,
        ])
    }

    /// Writes an executable `sh` script into the temp dir and returns its path.
    pub fn script(&self, name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("script directory");
        }
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        path
    }

    pub fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    pub fn args<I: IntoIterator<Item = S>, S: AsRef<str>>(mut self, args: I) -> Harden {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_string()));
        self
    }

    pub fn env(mut self, k: &str, v: &str) -> Harden {
        self.env.push((k.into(), v.into()));
        self
    }

    /// Runs harden without `k` in its environment.
    pub fn env_remove(mut self, k: &str) -> Harden {
        self.unset.push(k.into());
        self
    }

    pub fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_harden"));
        cmd.args(&self.args)
            .current_dir(self.dir.path())
            .env("PATH", path_with_fixture())
            .env_remove("FIXTURE_FAULTS")
            // A GitLab `parallel:` job's partition must not leak into the tests' runs.
            .env_remove("CI_NODE_INDEX")
            .env_remove("CI_NODE_TOTAL");
        for k in &self.unset {
            cmd.env_remove(k);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    pub fn spawn(&self) -> Child {
        self.command()
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn harden")
    }

    /// Runs with `dir` as the working directory (default suites are found there).
    pub fn run_in(self, dir: &Path) -> Output {
        let mut cmd = self.command();
        cmd.current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let m = wait_measured(cmd.spawn().expect("spawn harden"), self.timeout);
        Output {
            code: m.code,
            stdout: m.stdout,
            stderr: m.stderr,
            dir: self.dir,
            elapsed: m.elapsed,
            peak_rss_kib: m.peak_rss_kib,
        }
    }

    pub fn run(self) -> Output {
        let child = self.spawn();
        let m = wait_measured(child, self.timeout);
        Output {
            code: m.code,
            stdout: m.stdout,
            stderr: m.stderr,
            dir: self.dir,
            elapsed: m.elapsed,
            peak_rss_kib: m.peak_rss_kib,
        }
    }
}

/// Waits for the child with a deadline; a hung harden fails the test instead of hanging it.
pub fn wait_output(child: Child, timeout: Duration) -> (i32, String, String) {
    let m = wait_measured(child, timeout);
    (m.code, m.stdout, m.stderr)
}

/// How a child process ended, and what it cost.
pub struct Measured {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
    pub peak_rss_kib: u64,
}

/// The VmHWM (peak resident set) of a live process, in KiB.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// `wait_output`, also timing the child and sampling its peak RSS until it exits.
pub fn wait_measured(mut child: Child, timeout: Duration) -> Measured {
    let started = Instant::now();
    use std::io::Read;
    fn reader(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<String> {
        std::thread::spawn(move || {
            let mut s = String::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_string(&mut s);
            }
            s
        })
    }
    let out_reader = reader(child.stdout.take());
    let err_reader = reader(child.stderr.take());
    let deadline = Instant::now() + timeout;
    let mut peak = 0;
    let status = loop {
        if let Some(rss) = peak_rss_kib(child.id()) {
            peak = peak.max(rss);
        }
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("harden did not finish within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = started.elapsed();
    Measured {
        code: status.code().unwrap_or(-1),
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
        elapsed,
        peak_rss_kib: peak,
    }
}

impl Output {
    pub fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name))
            .unwrap_or_else(|e| panic!("{name} was not written: {e}\n{self}"))
    }

    pub fn results(&self) -> serde_json::Value {
        serde_json::from_str(&self.file("results.json")).expect("results.json is JSON")
    }

    /// `(status, message)` of a check in the results JSON.
    pub fn check(&self, id: &str) -> (String, String) {
        let results = self.results();
        let c = results["suites"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|s| s["checks"].as_array().cloned().unwrap_or_default())
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("no check `{id}` in results\n{self}"));
        (
            c["status"].as_str().unwrap_or_default().to_string(),
            c["message"].as_str().unwrap_or_default().to_string(),
        )
    }

    pub fn status_of(&self, id: &str) -> String {
        self.check(id).0
    }

    pub fn junit(&self) -> Junit {
        Junit(self.file("junit.xml"))
    }
}

impl std::fmt::Display for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit code {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// A JUnit file, parsed with a real XML parser.
pub struct Junit(pub String);

#[derive(Debug)]
pub struct Case {
    pub name: String,
    pub classname: String,
    pub file: String,
    pub line: String,
    /// `pass`, `failure`, `error` or `skipped`.
    pub outcome: String,
    pub message: String,
    pub text: String,
    pub system_out: String,
}

impl Junit {
    pub fn doc(&self) -> roxmltree::Document<'_> {
        roxmltree::Document::parse(&self.0)
            .unwrap_or_else(|e| panic!("JUnit is not well-formed XML: {e}\n{}", self.0))
    }

    pub fn cases(&self) -> Vec<Case> {
        let doc = self.doc();
        assert_eq!(doc.root_element().tag_name().name(), "testsuites");
        doc.descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .map(|n| {
                let child = n.children().find(|c| {
                    c.is_element() && ["failure", "error", "skipped"].contains(&c.tag_name().name())
                });
                let system_out = n
                    .children()
                    .find(|c| c.has_tag_name("system-out"))
                    .and_then(|c| c.text())
                    .unwrap_or_default();
                Case {
                    name: n.attribute("name").unwrap_or_default().into(),
                    classname: n.attribute("classname").unwrap_or_default().into(),
                    file: n.attribute("file").unwrap_or_default().into(),
                    line: n.attribute("line").unwrap_or_default().into(),
                    outcome: child
                        .map(|c| c.tag_name().name().to_string())
                        .unwrap_or_else(|| "pass".into()),
                    message: child
                        .and_then(|c| c.attribute("message"))
                        .unwrap_or_default()
                        .into(),
                    text: child.and_then(|c| c.text()).unwrap_or_default().into(),
                    system_out: system_out.into(),
                }
            })
            .collect()
    }

    pub fn case(&self, name: &str) -> Case {
        self.cases()
            .into_iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no testcase `{name}` in\n{}", self.0))
    }
}

/// Whether a process with this pid exists (zombies count: nobody reaped them).
pub fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

pub fn read_pid(path: &Path) -> u32 {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("pid file {}: {e}", path.display()));
    text.trim()
        .parse()
        .unwrap_or_else(|_| panic!("pid file {} holds `{text}`", path.display()))
}

/// Polls until `f` holds or the deadline passes.
pub fn eventually(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Why the Python-backed tests cannot run here, if they cannot: `python` is not on PATH,
/// or has no `venv`/`ensurepip` (Debian splits them into `python3-venv`).
pub fn python_missing(python: &str) -> Option<String> {
    let probe = Command::new(python)
        .args(["-c", "import venv, ensurepip"])
        .output();
    match probe {
        Err(e) => Some(format!("`{python}` cannot be run ({e})")),
        Ok(out) if !out.status.success() => Some(format!(
            "`{python}` has no venv/ensurepip module (on Debian: apt-get install python3-venv): {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Ok(_) => None,
    }
}

/// A missing prerequisite skips a Python-backed test with its reason printed (past the
/// test harness's capture, so it shows in a passing run), except in CI (`CI` set), where
/// it fails the test: CI must run them.
pub fn skip_or_fail(reason: &str, ci: bool) {
    assert!(
        !ci,
        "the Python-backed tests cannot run: {reason}; CI is set, so this fails instead of skipping"
    );
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "skipped: a Python-backed test ({reason}); install python3 with venv to run it"
    );
}

/// A Python venv with the example FastAPI service's pinned stack
/// (`examples/fastapi/requirements.txt`), made once in `target/venv` (`.ci/run` makes it
/// first; a test run on a fresh checkout makes it itself, from PyPI). Returns its `bin/`,
/// or `None` (the test is skipped) when python3 or its venv module is missing outside CI.
pub fn python_venv() -> Option<PathBuf> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let venv = repo().join("target/venv");
    let bin = venv.join("bin");
    let requirements = repo().join("examples/fastapi/requirements.txt");
    let wanted = std::fs::read_to_string(&requirements).expect("requirements.txt");
    let stamp = venv.join("harden-requirements.txt");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Some(bin);
    }
    if let Some(reason) = python_missing("python3") {
        skip_or_fail(&reason, std::env::var_os("CI").is_some());
        return None;
    }
    let run = |cmd: &mut Command| {
        let out = cmd.output().expect("run python3");
        assert!(
            out.status.success(),
            "{cmd:?} failed (the Python-backed tests need PyPI reachable):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(Command::new("python3")
        .args(["-m", "venv", "--clear"])
        .arg(&venv));
    run(Command::new(bin.join("pip"))
        .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
        .arg(&requirements));
    std::fs::write(&stamp, wanted).expect("venv stamp");
    Some(bin)
}

/// PATH with the venv's `bin/` and the fixture binaries first.
/// `None` when the test is to be skipped (see `python_venv`).
pub fn path_with_python() -> Option<String> {
    Some(format!(
        "{}:{}",
        python_venv()?.display(),
        path_with_fixture()
    ))
}
