//! The `dependency` kind whole: its keys as written (`…Raw`, whose doc comments are the JSON
//! Schema), the validated spec the runner sees, and the validator between them.

use crate::suite::expect::CompareOp;
use crate::suite::located::Spanned;
use crate::suite::shapes::Any;
use crate::suite::validator::Validator;
use regex::Regex;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use std::path::PathBuf;

/// What must be present before anything starts.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct DependencyRaw {
    /// Programs on PATH: `python3`, or `{name: python3, version: ">=3.10", version-arg: --version, version-regex: "..."}`.
    #[serde(default)]
    #[schemars(with = "Vec<Value>")]
    pub binaries: Vec<Any>,
    /// Python modules that must import.
    pub python: Option<PythonRaw>,
    /// Environment variables that must be set (values are never printed).
    #[serde(default)]
    pub env: Vec<String>,
    /// Files that must exist (relative to the suite file).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub files: Vec<Spanned<String>>,
    /// `host:port` endpoints that must accept a TCP connection.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub tcp: Vec<Spanned<String>>,
    /// Requirement files in which every requirement must be pinned with `==`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub pinned: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct PythonRaw {
    /// Default `python3`.
    pub interpreter: Option<String>,
    /// Module names, optionally with a version constraint: `structlog>=23.1`.
    #[schemars(with = "Vec<String>")]
    pub modules: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct DependencySpec {
    pub binaries: Vec<BinarySpec>,
    pub python: Option<PythonSpec>,
    pub env: Vec<String>,
    /// As written, and resolved against the suite directory.
    pub files: Vec<(String, PathBuf)>,
    pub tcp: Vec<String>,
    pub pinned: Vec<(String, PathBuf)>,
}

#[derive(Debug, Clone)]
pub(crate) struct BinarySpec {
    pub name: String,
    pub version: Option<VersionReq>,
    pub version_arg: String,
    pub version_regex: Regex,
}

#[derive(Debug, Clone)]
pub(crate) struct PythonSpec {
    pub interpreter: String,
    pub modules: Vec<(String, Option<VersionReq>)>,
}

/// A version constraint such as `>=3.10,<4`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct VersionReq {
    pub text: String,
    pub clauses: Vec<(CompareOp, Vec<u64>)>,
    /// `==` clauses compare equal; kept apart from the ordering operators.
    pub exact: Vec<Vec<u64>>,
}

/// Numeric components of a version (`3.11.7` -> `[3, 11, 7]`; `1.2rc1` -> `[1, 2]`).
pub(crate) fn version_parts(text: &str) -> Vec<u64> {
    text.trim()
        .trim_start_matches('v')
        .split('.')
        .map_while(|p| {
            let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect()
}

fn cmp_versions(a: &[u64], b: &[u64]) -> std::cmp::Ordering {
    let n = a.len().max(b.len());
    (0..n)
        .map(|i| a.get(i).unwrap_or(&0).cmp(b.get(i).unwrap_or(&0)))
        .find(|o| o.is_ne())
        .unwrap_or(std::cmp::Ordering::Equal)
}

impl VersionReq {
    /// `>=3.10`, `==1.2.3`, `<4`, `>=3.10,<4` (a bare version means `==`).
    pub(crate) fn parse(text: &str) -> Result<VersionReq, String> {
        let mut req = VersionReq {
            text: text.trim().to_string(),
            clauses: Vec::new(),
            exact: Vec::new(),
        };
        for clause in text.split(',').map(str::trim).filter(|c| !c.is_empty()) {
            let (op, rest) = [">=", "<=", "==", ">", "<", "="]
                .iter()
                .find_map(|op| clause.strip_prefix(op).map(|r| (*op, r)))
                .unwrap_or(("==", clause));
            let v = version_parts(rest);
            if v.is_empty() {
                return Err(format!(
                    "invalid version constraint `{text}`; write e.g. `>=3.10` or `>=1.2,<2`"
                ));
            }
            match op {
                "==" | "=" => req.exact.push(v),
                ">=" => req.clauses.push((CompareOp::Gte, v)),
                "<=" => req.clauses.push((CompareOp::Lte, v)),
                ">" => req.clauses.push((CompareOp::Gt, v)),
                _ => req.clauses.push((CompareOp::Lt, v)),
            }
        }
        if req.clauses.is_empty() && req.exact.is_empty() {
            return Err(format!("empty version constraint `{text}`"));
        }
        Ok(req)
    }

    pub(crate) fn matches(&self, version: &str) -> bool {
        let v = version_parts(version);
        if v.is_empty() {
            return false;
        }
        // `==3.11` accepts 3.11.7: compare only as many parts as were written.
        let exact_ok = self
            .exact
            .iter()
            .all(|e| v.len() >= e.len() && v[..e.len()] == e[..]);
        exact_ok
            && self.clauses.iter().all(|(op, want)| {
                let o = cmp_versions(&v, want);
                match op {
                    CompareOp::Gt => o.is_gt(),
                    CompareOp::Gte => o.is_ge(),
                    CompareOp::Lt => o.is_lt(),
                    CompareOp::Lte => o.is_le(),
                }
            })
    }
}

impl Validator<'_> {
    pub(in crate::suite) fn dependency(
        &mut self,
        d: Spanned<DependencyRaw>,
        field: &str,
    ) -> Option<DependencySpec> {
        let loc = d.referenced;
        let mut d = d.value;
        self.expand_all_now(&mut d.env, loc, &format!("{field}.env"));
        for (name, list) in [
            ("files", &mut d.files),
            ("tcp", &mut d.tcp),
            ("pinned", &mut d.pinned),
        ] {
            for (i, t) in list.iter_mut().enumerate() {
                self.expand_now(&mut t.value, t.referenced, &format!("{field}.{name}[{i}]"));
            }
        }
        if let Some(p) = &mut d.python {
            for (i, m) in p.modules.iter_mut().enumerate() {
                let f = format!("{field}.python.modules[{i}]");
                self.expand_now(&mut m.value, m.referenced, &f);
            }
        }
        let mut spec = DependencySpec::default();
        let default_version_re = Regex::new(r"(\d+(?:\.\d+)+)").ok()?;
        for (i, b) in d.binaries.iter().enumerate() {
            let f = format!("{field}.binaries[{i}]");
            let (name, version, arg, re) = match &b.value {
                Value::String(n) => (n.clone(), None, None, None),
                Value::Object(o) => {
                    let known_keys = ["name", "version", "version-arg", "version-regex"];
                    if let Some(k) = o.keys().find(|k| !known_keys.contains(&k.as_str())) {
                        self.err(b.referenced, &f, format!("unknown field `{k}`, expected one of name, version, version-arg, version-regex"))
                            .hint = crate::suggest::closest(k, &known_keys).map(|c| format!("did you mean `{c}`?"));
                        continue;
                    }
                    let text = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_string);
                    let Some(name) = text("name") else {
                        self.err(b.referenced, &f, "a binary needs `name`");
                        continue;
                    };
                    (
                        name,
                        text("version"),
                        text("version-arg"),
                        text("version-regex"),
                    )
                }
                _ => {
                    self.err(
                        b.referenced,
                        &f,
                        "expected a program name or `{name, version}`",
                    );
                    continue;
                }
            };
            let version = version.and_then(|v| match VersionReq::parse(&v) {
                Ok(r) => Some(r),
                Err(e) => {
                    self.err(b.referenced, &format!("{f}.version"), e);
                    None
                }
            });
            let version_regex = match re {
                Some(r) => match self.regex(&r, b.referenced, &format!("{f}.version-regex")) {
                    Some(r) => r,
                    None => continue,
                },
                None => default_version_re.clone(),
            };
            spec.binaries.push(BinarySpec {
                name,
                version,
                version_arg: arg.unwrap_or_else(|| "--version".into()),
                version_regex,
            });
        }
        if let Some(p) = d.python {
            let mut modules = Vec::new();
            for (i, m) in p.modules.iter().enumerate() {
                let text = m.value.trim();
                let split = text.find(['<', '>', '=', '!', '~']).unwrap_or(text.len());
                let (name, req) = (text[..split].trim(), text[split..].trim());
                let valid = !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
                if !valid {
                    self.err(
                        m.referenced,
                        &format!("{field}.python.modules[{i}]"),
                        format!("invalid module name `{name}`"),
                    );
                    continue;
                }
                let req = if req.is_empty() {
                    None
                } else {
                    match VersionReq::parse(req) {
                        Ok(r) => Some(r),
                        Err(e) => {
                            self.err(m.referenced, &format!("{field}.python.modules[{i}]"), e);
                            None
                        }
                    }
                };
                modules.push((name.to_string(), req));
            }
            spec.python = Some(PythonSpec {
                interpreter: match &p.interpreter {
                    Some(i) => self
                        .now(i, loc, &format!("{field}.python.interpreter"))
                        .unwrap_or_default(),
                    None => "python3".into(),
                },
                modules,
            });
        }
        spec.env = d.env;
        spec.files = d
            .files
            .into_iter()
            .map(|f| (f.value.clone(), self.dir.join(&f.value)))
            .collect();
        for t in &d.tcp {
            if t.value
                .rsplit_once(':')
                .is_none_or(|(h, p)| h.is_empty() || p.parse::<u16>().is_err())
            {
                self.err(
                    t.referenced,
                    &format!("{field}.tcp"),
                    format!("expected `host:port`, found `{}`", t.value),
                );
            }
        }
        spec.tcp = d.tcp.into_iter().map(|t| t.value).collect();
        spec.pinned = d
            .pinned
            .into_iter()
            .map(|f| (f.value.clone(), self.dir.join(&f.value)))
            .collect();
        let empty = spec.binaries.is_empty()
            && spec.python.as_ref().is_none_or(|p| p.modules.is_empty())
            && spec.env.is_empty()
            && spec.files.is_empty()
            && spec.tcp.is_empty()
            && spec.pinned.is_empty();
        if empty {
            self.err(loc, field, "this check asserts nothing").hint =
                Some("list `binaries`, `python.modules`, `env`, `files`, `tcp` or `pinned`".into());
            return None;
        }
        Some(spec)
    }
}

#[cfg(test)]
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_constraints() {
        let r = VersionReq::parse(">=3.10,<4").unwrap();
        assert!(
            r.matches("3.11.7") && r.matches("3.10") && !r.matches("3.9.18") && !r.matches("4.0.1")
        );
        assert!(VersionReq::parse("==1.2").unwrap().matches("1.2.9"));
        assert!(!VersionReq::parse("1.2.3").unwrap().matches("1.2.4"));
        assert!(VersionReq::parse(">1.0rc1").unwrap().matches("1.1"));
        assert!(VersionReq::parse(">=x").is_err());
        assert!(!r.matches("unknown"));
    }
}
