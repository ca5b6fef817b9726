//! Records the commit harden is built from, for `harden --version`.
//!
//! In order: `HARDEN_BUILD_COMMIT` (for builds from a source tree without `.git`, e.g. a
//! Docker context), then git when this crate's directory is the root of a git checkout,
//! then the `.cargo_vcs_info.json` that `cargo package` writes into a crate's tarball;
//! otherwise the version says the commit is unknown. No date or host is recorded, so the
//! same commit builds the same binary.

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo::rerun-if-env-changed=HARDEN_BUILD_COMMIT");
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let dir = Path::new(&dir);
    let commit = from_env()
        .map(|c| (c, "HARDEN_BUILD_COMMIT"))
        .or_else(|| from_git(dir).map(|c| (c, "git")))
        .or_else(|| from_vcs_info(dir).map(|c| (c, "the crate's .cargo_vcs_info.json")));
    let version = env!("CARGO_PKG_VERSION");
    let long = match commit {
        Some((c, _)) => format!("{version} (commit {})", &c[..c.len().min(12)]),
        None => format!(
            "{version} (commit unknown: built without git metadata; set HARDEN_BUILD_COMMIT)"
        ),
    };
    println!("cargo::rustc-env=HARDEN_VERSION_LONG={long}");
}

fn hex(s: &str) -> Option<String> {
    let s = s.trim();
    (s.len() >= 7 && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| s.to_ascii_lowercase())
}

fn from_env() -> Option<String> {
    hex(&std::env::var("HARDEN_BUILD_COMMIT").ok()?)
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Only when the crate is the checkout's root: a crate unpacked inside some other
/// repository (vendored) must not report that repository's commit.
fn from_git(dir: &Path) -> Option<String> {
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    let same = std::fs::canonicalize(&top).ok()? == std::fs::canonicalize(dir).ok()?;
    if !same {
        return None;
    }
    // Rebuild when HEAD moves: HEAD itself, the branch it points at, packed refs.
    let mut watch = vec!["HEAD".to_string(), "packed-refs".to_string()];
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        watch.push(branch);
    }
    for name in watch {
        if let Some(path) = git(dir, &["rev-parse", "--git-path", &name]) {
            let path = dir.join(path);
            // A path that does not exist would make cargo rerun this on every build.
            if path.exists() {
                println!("cargo::rerun-if-changed={}", path.display());
            }
        }
    }
    hex(&git(dir, &["rev-parse", "HEAD"])?)
}

/// `{"git": {"sha1": "..."}, ...}`, written by `cargo package` / `cargo publish`.
fn from_vcs_info(dir: &Path) -> Option<String> {
    let path = dir.join(".cargo_vcs_info.json");
    if path.exists() {
        println!("cargo::rerun-if-changed={}", path.display());
    }
    let text = std::fs::read_to_string(path).ok()?;
    let after = text.split("\"sha1\"").nth(1)?;
    let value = after.split('"').nth(1)?;
    hex(value)
}
