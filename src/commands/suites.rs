//! Finding and loading the suites a command works on.

use crate::error::Error;
use crate::suite::{LoadErrors, Suite};
use std::path::{Path, PathBuf};

/// The suites given, or `harden.yaml`, or every `checks/*.yaml` (sorted).
pub(crate) fn resolve(given: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    if !given.is_empty() {
        return Ok(given.to_vec());
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
    if errors.is_empty() {
        Ok(suites)
    } else {
        Err(Error::Suite(LoadErrors(errors)))
    }
}
