//! The `code` check kind: hygiene budgets counted over source files (`console.log`,
//! `except: pass`, `datetime.utcnow()`, committed secrets, or any regex), each match listed
//! as `file:line`. `.gitignore` is respected.

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
    for entry in walker {
        let Ok(entry) = entry else { continue };
        if !entry.file_type().is_some_and(|t| t.is_file())
            || entry.metadata().is_ok_and(|m| m.len() > MAX_FILE)
        {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(&spec.root)
            .unwrap_or(entry.path());
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
        let Ok(bytes) = crate::read::bytes(entry.path(), crate::read::SOURCE_FILE) else {
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

fn display(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}
