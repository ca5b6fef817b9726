//! Finding and loading the suites a command works on.

use crate::error::Error;
use crate::suite::{LoadErrors, Suite};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The suites given (a directory stands for every `*.yaml` and `*.yml` under it, sorted),
/// or `harden.yaml`, or every `checks/*.yaml` (sorted).
pub(crate) fn resolve(given: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    if !given.is_empty() {
        let mut out = Vec::new();
        for g in given {
            if g.is_dir() {
                let before = out.len();
                suites_under(g, &mut out, 0);
                out[before..].sort();
                if out.len() == before {
                    return Err(Error::Usage(format!(
                        "no suite files (`*.yaml`, `*.yml`) in `{}`",
                        g.display()
                    )));
                }
            } else {
                out.push(g.clone());
            }
        }
        return Ok(out);
    }
    if Path::new("harden.yaml").is_file() {
        return Ok(vec![PathBuf::from("harden.yaml")]);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("checks")
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    if found.is_empty() {
        return Err(Error::Usage(
            "no suite given, and neither `harden.yaml` nor `checks/*.yaml` exists here\n\
             hint: pass a suite file, e.g. `checks/api.yaml`"
                .into(),
        ));
    }
    Ok(found)
}

/// The YAML files under `dir`, its subdirectories included (hidden ones and those deeper
/// than 16 levels left out).
fn suites_under(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let path = e.path();
        let hidden = e.file_name().to_string_lossy().starts_with('.');
        if hidden {
            continue;
        }
        if path.is_dir() {
            if depth < 16 {
                suites_under(&path, out, depth + 1);
            }
        } else if path.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(path);
        }
    }
}

/// Loads every suite before anything runs; all problems of all files are reported together.
pub(crate) fn load_all(paths: &[PathBuf], vars: &[(String, String)]) -> Result<Vec<Suite>, Error> {
    let mut suites = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        match crate::suite::load(p, vars) {
            Ok(s) => suites.push(s),
            Err(LoadErrors(es)) => errors.extend(es),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Suite(LoadErrors(errors)));
    }
    unknown_vars(&suites, vars)?;
    Ok(suites)
}

/// A `--var` no suite defines under `vars:` or uses in a `${...}` is a mistake (a typo
/// would otherwise go unnoticed, the suite running with its own value).
pub(crate) fn unknown_vars(suites: &[Suite], vars: &[(String, String)]) -> Result<(), Error> {
    let names: BTreeSet<&str> = suites
        .iter()
        .flat_map(|s| s.var_names.iter().map(String::as_str))
        .filter(|n| !n.starts_with("env.") && *n != crate::suite::RUN_ID)
        .collect();
    let mut messages = Vec::new();
    for (name, _) in vars {
        if names.contains(name.as_str()) {
            continue;
        }
        let listed: Vec<&str> = names.iter().copied().collect();
        let hint = if listed.is_empty() {
            let whose = if suites.len() == 1 {
                "the suite has"
            } else {
                "the suites have"
            };
            format!("{whose} no variables; define `{name}` under `vars:` to set it")
        } else {
            let whose = if suites.len() == 1 {
                "the suite's"
            } else {
                "the suites'"
            };
            let list: Vec<String> = listed.iter().map(|n| format!("`{n}`")).collect();
            let list = format!("{whose} variables are {}", list.join(", "));
            match crate::suggest::closest(name, &listed) {
                Some(c) => format!("did you mean `{c}`? {list}"),
                None => list,
            }
        };
        messages.push(format!(
            "unknown variable `{name}` in `--var {name}=...`: no suite defines it under `vars:` or uses it as `${{{name}}}`\nhint: {hint}"
        ));
    }
    if messages.is_empty() {
        Ok(())
    } else {
        Err(Error::Usage(messages.join("\nerror: ")))
    }
}
