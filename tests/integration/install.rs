//! scripts/install.sh (the action's download-and-verify step, also used by the GitLab
//! recipe) against a fake release directory served from a `file://` URL: the right
//! checksum installs, a wrong one refuses and installs nothing, an unknown target refuses
//! naming the targets there are.

use crate::harness::repo;
use std::path::{Path, PathBuf};
use std::process::Command;

const VERSION: &str = "0.1.0";
const TARGET: &str = "x86_64-unknown-linux-musl";

/// A release directory as the release workflow lays it out: one archive per target (a
/// `harden` executable inside a `harden-<version>-<target>/` directory) and `sha256sums.txt`
/// written by `sha256sum`. The executable is a small script that names its target, so
/// the test sees which archive was installed (the real binary is 100+ MB in debug builds).
struct FakeRelease {
    dir: tempfile::TempDir,
}

impl FakeRelease {
    fn new() -> FakeRelease {
        let dir = tempfile::tempdir().unwrap();
        for target in [TARGET, "aarch64-apple-darwin"] {
            let name = format!("harden-{VERSION}-{target}");
            std::fs::create_dir(dir.path().join(&name)).unwrap();
            let bin = dir.path().join(&name).join("harden");
            std::fs::write(
                &bin,
                format!("#!/bin/sh\necho 'harden {VERSION} ({target})'\n"),
            )
            .unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
            let tar = Command::new("tar")
                .current_dir(dir.path())
                .args(["-czf", &format!("{name}.tar.gz"), &name])
                .status()
                .expect("tar");
            assert!(tar.success());
            std::fs::remove_dir_all(dir.path().join(&name)).unwrap();
        }
        let sums = Command::new("sh")
            .current_dir(dir.path())
            .args(["-c", "sha256sum *.tar.gz > sha256sums.txt"])
            .status()
            .expect("sha256sum");
        assert!(sums.success());
        FakeRelease { dir }
    }

    fn url(&self) -> String {
        format!("file://{}", self.dir.path().display())
    }

    fn sums(&self) -> PathBuf {
        self.dir.path().join("sha256sums.txt")
    }
}

struct Run {
    code: i32,
    stderr: String,
}

fn install(release: &FakeRelease, to: &Path, extra: &[&str]) -> Run {
    let out = Command::new("sh")
        .arg(repo().join("scripts/install.sh"))
        .args(["--base-url", &release.url(), "--version", VERSION, "--to"])
        .arg(to)
        .args(extra)
        .env_remove("HARDEN_REPO")
        .env_remove("HARDEN_TARGET")
        .output()
        .expect("run sh");
    Run {
        code: out.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn version_of(bin: &Path) -> String {
    let out = Command::new(bin).arg("--version").output().expect("run it");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_right_checksum_installs_the_binary() {
    let release = FakeRelease::new();
    let to = tempfile::tempdir().unwrap();
    let bin_dir = to.path().join("bin");
    let run = install(&release, &bin_dir, &["--target", TARGET]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "installed harden {VERSION} ({TARGET}) to {}/harden",
            bin_dir.display()
        )),
        "{}",
        run.stderr
    );
    let installed = bin_dir.join("harden");
    assert_eq!(
        version_of(&installed),
        format!("harden {VERSION} ({TARGET})\n")
    );
    // Nothing else is left beside it.
    let names: Vec<_> = std::fs::read_dir(&bin_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["harden"]);
}

#[test]
fn a_wrong_checksum_refuses_and_installs_nothing() {
    let release = FakeRelease::new();
    let archive = format!("harden-{VERSION}-{TARGET}.tar.gz");
    let sums = std::fs::read_to_string(release.sums()).unwrap();
    let zeros = "0".repeat(64);
    let tampered: String = sums
        .lines()
        .map(|l| {
            if l.ends_with(&archive) {
                format!("{zeros}  {archive}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    assert_ne!(tampered, sums);
    std::fs::write(release.sums(), tampered).unwrap();

    let to = tempfile::tempdir().unwrap();
    let fresh = to.path().join("fresh");
    let run = install(&release, &fresh, &["--target", TARGET]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "error: checksum mismatch for {archive}: sha256sums.txt says {zeros}, the download is "
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("nothing was installed"),
        "{}",
        run.stderr
    );
    assert!(!fresh.exists(), "the install directory was not even made");

    // An older harden already there is left as it was.
    let existing = to.path().join("existing");
    std::fs::create_dir(&existing).unwrap();
    std::fs::write(existing.join("harden"), "old").unwrap();
    let run = install(&release, &existing, &["--target", TARGET]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(existing.join("harden")).unwrap(),
        "old"
    );
    assert_eq!(std::fs::read_dir(&existing).unwrap().count(), 1);
}

#[test]
fn an_unknown_target_refuses_naming_the_targets_there_are() {
    let release = FakeRelease::new();
    let to = tempfile::tempdir().unwrap();
    let dest = to.path().join("bin");
    let run = install(
        &release,
        &dest,
        &["--target", "riscv64gc-unknown-linux-musl"],
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "error: release 0.1.0 has no binary for target `riscv64gc-unknown-linux-musl`; \
             its targets: aarch64-apple-darwin, x86_64-unknown-linux-musl"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("hint: "), "{}", run.stderr);
    assert!(!dest.exists());
}

#[test]
fn a_version_that_is_not_there_is_no_matching_release() {
    let release = FakeRelease::new();
    let to = tempfile::tempdir().unwrap();
    let missing = format!("file://{}/nope", release.dir.path().display());
    let out = Command::new("sh")
        .arg(repo().join("scripts/install.sh"))
        .args(["--base-url", &missing, "--version", "9.9.9", "--to"])
        .arg(to.path().join("bin"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("error: no release 9.9.9: cannot fetch"),
        "{stderr}"
    );
}

/// This machine's target is one a release is built for (Linux x86_64 and aarch64 are all
/// the machines these tests run on), so the action finds its archive.
#[test]
fn this_machine_has_a_release_target() {
    let out = Command::new("sh")
        .arg(repo().join("scripts/install.sh"))
        .arg("--print-target")
        .env_remove("HARDEN_TARGET")
        .output()
        .unwrap();
    let target = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let expected = match std::env::consts::ARCH {
        "x86_64" => "x86_64-unknown-linux-musl",
        "aarch64" => "aarch64-unknown-linux-musl",
        other => panic!("no release target for {other}"),
    };
    assert_eq!(target, expected);
}

/// `harden --version` names the version and the commit it was built from (build.rs reads
/// it from git here; a source tree without git says the commit is unknown).
#[test]
fn the_version_names_the_commit() {
    let version = version_of(Path::new(env!("CARGO_BIN_EXE_harden")));
    let head = Command::new("git")
        .arg("-C")
        .arg(repo())
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let expected = match head {
        Some(sha) => format!(
            "harden {} (commit {})\n",
            env!("CARGO_PKG_VERSION"),
            &sha[..12]
        ),
        None => format!(
            "harden {} (commit unknown: built without git metadata; set HARDEN_BUILD_COMMIT)\n",
            env!("CARGO_PKG_VERSION")
        ),
    };
    assert_eq!(version, expected);
}
