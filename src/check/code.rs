//! The `code` check kind: hygiene budgets counted over source files (`console.log`,
//! `except: pass`, `datetime.utcnow()`, committed secrets, or any regex), each match listed
//! as `file:line`. `.gitignore` is respected for files git does not track; a committed file
//! is scanned even when it matches `.gitignore` (a committed `.env` is exactly what to find).

use crate::check::outcome::{Assertion, CheckOutcome};
use crate::suite::CodeSpec;
use globset::{Glob, GlobSet, GlobSetBuilder};
use std::path::Path;

/// Matches listed per rule; the count is always complete.
const LISTED: usize = 20;
/// Larger files are not source.
const MAX_FILE: u64 = 2 * 1024 * 1024;

fn globset(globs: &[String]) -> Result<Option<GlobSet>, String> {
    if globs.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for g in globs {
        b.add(Glob::new(g).map_err(|e| format!("invalid glob `{g}`: {e}"))?);
    }
    b.build().map(Some).map_err(|e| e.to_string())
}

pub(crate) async fn run(spec: &CodeSpec) -> CheckOutcome {
    let spec = spec.clone();
    // Walking and reading files is blocking work.
    match tokio::task::spawn_blocking(move || scan(&spec)).await {
        Ok(Ok(o)) => o,
        Ok(Err(e)) => CheckOutcome::error(e),
        Err(e) => CheckOutcome::error(format!("the scan failed: {e}")),
    }
}

fn scan(spec: &CodeSpec) -> Result<CheckOutcome, String> {
    let include = globset(&spec.include)?;
    let exclude = globset(&spec.exclude)?;
    let rule_files: Vec<Option<GlobSet>> = spec
        .rules
        .iter()
        .map(|r| globset(&r.files))
        .collect::<Result<_, _>>()?;
    let mut hits: Vec<Vec<String>> = vec![Vec::new(); spec.rules.len()];
    let mut counts = vec![0u64; spec.rules.len()];
    let mut scanned = 0usize;
    let walker = ignore::WalkBuilder::new(&spec.root)
        .hidden(false)
        .require_git(false)
        .filter_entry(|e| e.file_name() != ".git")
        .build();
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    for entry in walker {
        let Ok(entry) = entry else { continue };
        if entry.file_type().is_some_and(|t| t.is_file()) {
            files.push(entry.into_path());
        }
    }
    // Committed files the walk left out because they match `.gitignore`.
    let walked: std::collections::HashSet<std::path::PathBuf> = files.iter().cloned().collect();
    files.extend(
        committed(&spec.root)
            .into_iter()
            .filter(|p| !walked.contains(p) && p.is_file()),
    );
    for path in &files {
        if std::fs::metadata(path).is_ok_and(|m| m.len() > MAX_FILE) {
            continue;
        }
        let rel = path.strip_prefix(&spec.root).unwrap_or(path);
        if include.as_ref().is_some_and(|g| !g.is_match(rel))
            || exclude.as_ref().is_some_and(|g| g.is_match(rel))
        {
            continue;
        }
        let applicable: Vec<usize> = (0..spec.rules.len())
            .filter(|i| rule_files[*i].as_ref().is_none_or(|g| g.is_match(rel)))
            .collect();
        if applicable.is_empty() {
            continue;
        }
        let Ok(bytes) = crate::read::bytes(path, crate::read::SOURCE_FILE) else {
            continue; // unreadable, or larger than any source file
        };
        if bytes.contains(&0) {
            continue; // binary
        }
        scanned += 1;
        let text = String::from_utf8_lossy(&bytes);
        for i in applicable {
            for m in spec.rules[i].pattern.find_iter(&text) {
                counts[i] += 1;
                if hits[i].len() < LISTED {
                    let line = text[..m.start()].matches('\n').count() + 1;
                    hits[i].push(format!("{}:{line}", display(rel)));
                }
            }
        }
    }
    if scanned == 0 {
        return Err(nothing_scanned(spec));
    }
    let assertions = spec
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let n = counts[i];
            let listed = if n == 0 {
                "0".to_string()
            } else {
                let more = if n as usize > hits[i].len() {
                    format!(" and {} more", n as usize - hits[i].len())
                } else {
                    String::new()
                };
                format!("{n}: {}{more}", hits[i].join(", "))
            };
            Assertion::new(
                format!("`{}` matches", r.name),
                format!("at most {}", r.max),
                listed,
                n <= r.max,
            )
        })
        .collect::<Vec<Assertion>>();
    let held = assertions.iter().filter(|a| a.passed).count();
    let total = assertions.len();
    // Each rule within its budget is part of the score.
    let mut o = CheckOutcome::from_assertions(assertions, None).proportional(held, total);
    o.note = Some(format!(
        "{} scanned under {}",
        crate::text::plural(scanned, "file"),
        spec.root.display()
    ));
    Ok(o)
}

/// The files git tracks under `root`, as paths under `root`; none when `root` is not in a
/// git work tree or git is not installed (the walk alone decides then).
fn committed(root: &Path) -> Vec<std::path::PathBuf> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["ls-files", "-z", "--cached", "--full-name", "--", "."])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output();
    let Some(out) = out.ok().filter(|o| o.status.success()) else {
        return Vec::new();
    };
    let top = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["rev-parse", "--show-toplevel"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output();
    let Some(top) = top
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim_end().to_string())
    else {
        return Vec::new();
    };
    // `root` as the user wrote it; git's top level is canonical.
    let canonical_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    out.stdout
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .filter_map(|p| {
            let abs = Path::new(&top).join(String::from_utf8_lossy(p).as_ref());
            abs.strip_prefix(&canonical_root)
                .ok()
                .map(|rel| root.join(rel))
        })
        .collect()
}

/// Why a scan of no file cannot pass: nothing was checked.
fn nothing_scanned(spec: &CodeSpec) -> String {
    let list = |globs: &[String]| {
        if globs.is_empty() {
            "none".to_string()
        } else {
            globs.join(", ")
        }
    };
    let rule_files: Vec<String> = spec
        .rules
        .iter()
        .filter(|r| !r.files.is_empty())
        .map(|r| format!("`{}`: {}", r.name, r.files.join(", ")))
        .collect();
    format!(
        "no file was scanned under `{}` (include: {}; exclude: {}; rule files: {}): nothing \
         was checked. Check `root`, the globs (relative to `root`) and `.gitignore`",
        spec.root.display(),
        list(&spec.include),
        list(&spec.exclude),
        if rule_files.is_empty() {
            "any".to_string()
        } else {
            rule_files.join("; ")
        }
    )
}

fn display(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}
