//! The `dependency` check kind, run as a preflight before the service starts: programs on
//! PATH (with versions), importable Python modules, environment variables, files, TCP
//! services, and pinned requirement files. It reports everything missing at once, with the fix.

use crate::check::exec;
use crate::check::outcome::{Assertion, CheckOutcome};
use crate::suite::{BinarySpec, DependencySpec, PythonSpec, VersionReq};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Output kept of a version or import probe.
const PROBE_OUTPUT: u64 = 1024 * 1024;
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) async fn run(spec: &DependencySpec) -> CheckOutcome {
    let mut assertions = Vec::new();
    let mut summary = Vec::new();
    for b in &spec.binaries {
        assertions.push(binary(b).await);
    }
    if let Some(py) = &spec.python {
        match python(py).await {
            Ok((a, missing)) => {
                if let Some(m) = missing {
                    summary.push(m);
                }
                assertions.extend(a);
            }
            Err(e) => return CheckOutcome::error(e),
        }
    }
    for name in &spec.env {
        let set = std::env::var_os(name).is_some_and(|v| !v.is_empty());
        // The value is never shown: only whether it is set.
        assertions.push(Assertion::new(
            format!("env `{name}`"),
            "set",
            if set { "set" } else { "not set" },
            set,
        ));
    }
    for (shown, path) in &spec.files {
        let exists = path.exists();
        assertions.push(Assertion::new(
            format!("file `{shown}`"),
            "exists",
            if exists { "exists" } else { "missing" },
            exists,
        ));
    }
    for addr in &spec.tcp {
        let actual = match tokio::time::timeout(
            Duration::from_secs(2),
            tokio::net::TcpStream::connect(addr.as_str()),
        )
        .await
        {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(crate::reason::io(&e)),
            Err(_) => Err("timed out after 2s".to_string()),
        };
        let ok = actual.is_ok();
        assertions.push(Assertion::new(
            format!("tcp `{addr}`"),
            "accepts connections",
            actual.err().unwrap_or_else(|| "accepts connections".into()),
            ok,
        ));
    }
    for (shown, path) in &spec.pinned {
        assertions.push(match crate::read::text(path, crate::read::CHECKED_FILE) {
            Ok(text) => {
                let unpinned = unpinned(&text);
                let actual = if unpinned.is_empty() {
                    "all pinned".to_string()
                } else {
                    format!("not pinned: {}", unpinned.join(", "))
                };
                if !unpinned.is_empty() {
                    summary.push(format!(
                        "{} in `{shown}` not pinned with `==`: {}",
                        crate::text::plural(unpinned.len(), "requirement"),
                        unpinned.join(", ")
                    ));
                }
                Assertion::new(
                    format!("requirements `{shown}`"),
                    "every requirement pinned with `==`",
                    actual,
                    unpinned.is_empty(),
                )
            }
            Err(e) => Assertion::new(
                format!("requirements `{shown}`"),
                "a readable file",
                e.to_string(),
                false,
            ),
        });
    }
    let held = assertions.iter().filter(|a| a.passed).count();
    let total = assertions.len();
    let mut outcome = CheckOutcome::from_assertions(assertions, None).proportional(held, total);
    if !summary.is_empty() {
        let summary = summary.join("; ");
        outcome.message = Some(summary.clone());
        outcome.note = Some(summary);
    }
    outcome
}

/// `name` on PATH, like a shell would find it.
pub(crate) fn which(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let executable = |p: &Path| {
        p.is_file()
            && p.metadata()
                .is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
    };
    if name.contains('/') {
        let p = PathBuf::from(name);
        return executable(&p).then_some(p);
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| executable(p))
}

async fn binary(b: &BinarySpec) -> Assertion {
    let prop = format!("binary `{}`", b.name);
    let Some(path) = which(&b.name) else {
        let expected = b
            .version
            .as_ref()
            .map(|v| format!("on PATH, version {}", v.text))
            .unwrap_or_else(|| "on PATH".into());
        return Assertion::new(prop, expected, "not found on PATH", false);
    };
    let Some(req) = &b.version else {
        return Assertion::new(prop, "on PATH", path.display().to_string(), true);
    };
    let expected = format!("version {}", req.text);
    let mut cmd = tokio::process::Command::new(&path);
    cmd.arg(&b.version_arg);
    let output = tokio::time::timeout(PROBE_TIMEOUT, exec::run(cmd, PROBE_OUTPUT)).await;
    let text = match output {
        Ok(Ok(o)) => format!("{}{}", o.stdout.text(), o.stderr.text()),
        Ok(Err(e)) => {
            return Assertion::new(
                prop,
                expected,
                format!(
                    "`{} {}` failed: {}",
                    b.name,
                    b.version_arg,
                    crate::reason::io(&e)
                ),
                false,
            );
        }
        Err(_) => {
            return Assertion::new(
                prop,
                expected,
                format!("`{} {}` timed out", b.name, b.version_arg),
                false,
            );
        }
    };
    match b
        .version_regex
        .captures(&text)
        .and_then(|c| c.get(1).or_else(|| c.get(0)))
    {
        Some(v) => Assertion::new(
            prop,
            expected,
            format!("version {}", v.as_str()),
            req.matches(v.as_str()),
        ),
        None => Assertion::new(
            prop,
            expected,
            format!(
                "no version in `{}`",
                text.lines().next().unwrap_or_default().trim()
            ),
            false,
        ),
    }
}

/// Imports every module in one interpreter run and reads installed versions from package
/// metadata (mapping module names to distributions, e.g. `yaml` -> `PyYAML`).
const PYTHON_PROBE: &str = r#"
import importlib, json, sys
try:
    import importlib.metadata as md
except ImportError:
    md = None
dists = md.packages_distributions() if md and hasattr(md, "packages_distributions") else {}
out = {}
for name in json.loads(sys.argv[1]):
    try:
        mod = importlib.import_module(name)
    except BaseException as e:
        out[name] = {"ok": False, "error": type(e).__name__ + ": " + str(e).splitlines()[0] if str(e) else type(e).__name__}
        continue
    version = None
    for dist in dists.get(name.split(".")[0], []) + [name]:
        try:
            version = md.version(dist)
            break
        except Exception:
            pass
    out[name] = {"ok": True, "version": version or getattr(mod, "__version__", None)}
print(json.dumps(out))
"#;

async fn python(py: &PythonSpec) -> Result<(Vec<Assertion>, Option<String>), String> {
    if py.modules.is_empty() {
        return Ok((Vec::new(), None));
    }
    let Some(interp) = which(&py.interpreter) else {
        let a = Assertion::new(
            format!("python `{}`", py.interpreter),
            "on PATH",
            "not found on PATH",
            false,
        );
        return Ok((
            vec![a],
            Some(format!(
                "Python interpreter `{}` not found on PATH",
                py.interpreter
            )),
        ));
    };
    let names: Vec<&str> = py.modules.iter().map(|(n, _)| n.as_str()).collect();
    let arg = serde_json::to_string(&names).unwrap_or_default();
    let mut cmd = tokio::process::Command::new(&interp);
    cmd.args(["-c", PYTHON_PROBE, &arg]);
    let run = exec::run(cmd, PROBE_OUTPUT);
    let output = match tokio::time::timeout(Duration::from_secs(60), run).await {
        Ok(Ok(o)) => o,
        Ok(Err(e)) => {
            return Err(format!(
                "could not run `{}`: {}",
                py.interpreter,
                crate::reason::io(&e)
            ));
        }
        Err(_) => {
            return Err(format!(
                "`{}` did not finish importing the modules within 60s",
                py.interpreter
            ));
        }
    };
    let found: Value = serde_json::from_slice(&output.stdout.bytes).map_err(|_| {
        let err = output.stderr.text();
        format!(
            "`{}` probe failed: {}",
            py.interpreter,
            err.lines().last().unwrap_or("no output")
        )
    })?;
    Ok(evaluate_modules(&py.modules, &found))
}

/// Pure: modules + what the probe found -> assertions and the one-line summary.
pub(crate) fn evaluate_modules(
    modules: &[(String, Option<VersionReq>)],
    found: &Value,
) -> (Vec<Assertion>, Option<String>) {
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for (name, req) in modules {
        let entry = &found[name];
        let prop = format!("python module `{name}`");
        let expected = req
            .as_ref()
            .map(|r| format!("importable, version {}", r.text))
            .unwrap_or_else(|| "importable".into());
        if entry["ok"] != Value::Bool(true) {
            missing.push(name.clone());
            let why = entry["error"]
                .as_str()
                .unwrap_or("not importable")
                .to_string();
            out.push(Assertion::new(prop, expected, why, false));
            continue;
        }
        let version = entry["version"].as_str();
        let (ok, actual) = match (req, version) {
            (None, v) => (
                true,
                v.map(|v| format!("version {v}"))
                    .unwrap_or_else(|| "importable".into()),
            ),
            (Some(r), Some(v)) => (r.matches(v), format!("version {v}")),
            (Some(_), None) => (false, "importable, version unknown".into()),
        };
        out.push(Assertion::new(prop, expected, actual, ok));
    }
    let summary = (!missing.is_empty()).then(|| {
        format!(
            "{} of {} Python modules missing: {} (install: pip install {})",
            missing.len(),
            modules.len(),
            missing.join(", "),
            missing.join(" ")
        )
    });
    (out, summary)
}

/// Requirement names not pinned with `==` (or `===`). Options (`-r`, `--hash`), comments
/// and blank lines are ignored.
pub(crate) fn unpinned(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split(" #").next().unwrap_or_default().trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('-'))
        .filter_map(|l| {
            let spec = l
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .trim_end_matches('\\')
                .trim();
            let name_end = spec
                .find(|c: char| {
                    !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '[' | ']'))
                })
                .unwrap_or(spec.len());
            let name = spec[..name_end]
                .split('[')
                .next()
                .unwrap_or_default()
                .to_string();
            let pinned = spec[name_end..].trim_start().starts_with("==");
            (!pinned && !name.is_empty()).then_some(name)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unpinned_requirements_are_listed_by_name() {
        let text = "# deps\nfastapi==0.110.0\nuvicorn[standard]>=0.27\nrequests\n-r base.txt\nstructlog == 24.1.0 ; python_version >= '3.8'\nduckdb~=0.10  # analytics\n\n";
        assert_eq!(unpinned(text), vec!["uvicorn", "requests", "duckdb"]);
    }

    #[test]
    fn missing_modules_are_summarised_with_the_install_hint() {
        let modules: Vec<(String, Option<VersionReq>)> = vec![
            ("json".into(), None),
            ("duckdb".into(), None),
            ("structlog".into(), Some(VersionReq::parse(">=23").unwrap())),
            (
                "requests".into(),
                Some(VersionReq::parse(">=2.31").unwrap()),
            ),
        ];
        let found = json!({
            "json": {"ok": true, "version": null},
            "duckdb": {"ok": false, "error": "ModuleNotFoundError: No module named 'duckdb'"},
            "structlog": {"ok": false, "error": "ModuleNotFoundError: No module named 'structlog'"},
            "requests": {"ok": true, "version": "2.28.0"},
        });
        let (a, summary) = evaluate_modules(&modules, &found);
        assert_eq!(
            summary.unwrap(),
            "2 of 4 Python modules missing: duckdb, structlog (install: pip install duckdb structlog)"
        );
        assert!(a[0].passed);
        assert_eq!(
            a[3],
            Assertion::new(
                "python module `requests`",
                "importable, version >=2.31",
                "version 2.28.0",
                false
            )
        );
    }
}
