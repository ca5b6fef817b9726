//! The validator's state (file, lines, errors found, variables known) and the value
//! grammar every part of a suite shares: durations, sizes, rates, regexes, templates,
//! argument lists and environments.

use crate::suite::diagnostic::LoadError;
use crate::suite::located::{Location, Spanned};
use crate::suite::shapes::Any;
use crate::suite::template::{Scope, Template, TemplateError};
use regex::Regex;
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The largest read limit a suite may set.
pub(crate) const MAX_SIZE: u64 = 4 * 1024 * 1024 * 1024;

/// `16MiB`, `512 KiB`, `1GiB`, `10MB`, `2048` (bytes).
pub(crate) fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().ok()?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        _ => return None,
    };
    n.checked_mul(factor)
}

/// The longest duration a suite or `--timeout` may give: longer is surely a mistake, and
/// adding it to the clock could overflow.
pub(crate) const MAX_DURATION: Duration = Duration::from_secs(30 * 24 * 3600);

/// Validation of one suite file: where its errors point, every error found, and the
/// environment variables it reads.
pub(crate) struct Validator<'a> {
    pub(crate) file: PathBuf,
    pub(crate) env_refs: BTreeSet<String>,
    /// Every name a step captures, anywhere in the suite (a capture may be a secret).
    pub(crate) captures: BTreeSet<String>,
    /// The suite file's text, for the source line an error shows.
    pub(crate) text: &'a str,
    /// Where each line of `text` starts, found on the first error.
    pub(crate) line_starts: std::cell::OnceCell<Vec<usize>>,
    pub(crate) dir: PathBuf,
    pub(crate) errors: Vec<LoadError>,
    /// The suite's `vars:` with `--var` applied: what a field read at load time expands with.
    pub(crate) vars: Arc<Map<String, Value>>,
    /// Every name a `${...}` of the suite refers to (a `--var` may set one of them).
    pub(crate) refs: BTreeSet<String>,
}

/// Variable names visible at some point of the suite, for "undefined variable" errors.
#[derive(Clone, Default)]
pub(crate) struct Known(pub(crate) BTreeSet<String>);

/// In a [`Known`], stands for every name: where the suite's `vars:` or `setup:` could not be
/// read, a name is not called undefined for want of them.
pub(crate) const ANY_NAME: &str = "*";

impl Known {
    pub(crate) fn has(&self, name: &str) -> bool {
        if name == crate::suite::template::RUN_ID || self.0.contains(ANY_NAME) {
            return true;
        }
        if let Some(var) = name.strip_prefix("env.") {
            return std::env::var_os(var).is_some();
        }
        self.0.contains(name)
    }
}

/// Line `line` (1-based) of `text`, through an index of line starts built once.
pub(crate) fn source_line(
    text: &str,
    starts: &std::cell::OnceCell<Vec<usize>>,
    line: u64,
) -> Option<String> {
    let starts = starts.get_or_init(|| {
        std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect()
    });
    let i = usize::try_from(line.checked_sub(1)?).ok()?;
    let start = *starts.get(i)?;
    let end = starts.get(i + 1).map_or(text.len(), |e| e - 1);
    let l = text.get(start..end)?;
    Some(l.strip_suffix('\r').unwrap_or(l).to_string())
}

impl Validator<'_> {
    pub(crate) fn err(
        &mut self,
        loc: Location,
        field: &str,
        message: impl Into<String>,
    ) -> &mut LoadError {
        let (line, column) = (loc.line(), loc.column());
        self.errors.push(LoadError {
            file: self.file.clone(),
            line,
            column,
            field: (!field.is_empty()).then(|| field.to_string()),
            message: message.into(),
            hint: None,
            source_line: source_line(self.text, &self.line_starts, line),
        });
        let last = self.errors.len() - 1;
        &mut self.errors[last]
    }

    pub(crate) fn duration(
        &mut self,
        d: &Option<Spanned<String>>,
        field: &str,
        default: Duration,
    ) -> Duration {
        let Some(d) = d else { return default };
        let Some(text) = self.now(&d.value, d.referenced, field) else {
            return default;
        };
        match humantime::parse_duration(text.trim()) {
            Ok(v) if v > MAX_DURATION => {
                self.err(
                    d.referenced,
                    field,
                    format!("duration `{text}` is longer than the limit of 30 days"),
                )
                .hint = Some("write durations like `250ms`, `5s` or `2m`".into());
                default
            }
            Ok(v) => v,
            Err(e) => {
                self.err(
                    d.referenced,
                    field,
                    format!("invalid duration `{text}`: {e}"),
                )
                .hint = Some("write durations like `250ms`, `5s` or `2m`".into());
                default
            }
        }
    }

    /// A regex, its `${...}` expanded when the suite loads (the value is regex text).
    pub(crate) fn regex(&mut self, text: &str, loc: Location, field: &str) -> Option<Regex> {
        let text = &self.now(text, loc, field)?;
        match Regex::new(text) {
            Ok(r) => Some(r),
            Err(e) => {
                let msg = e
                    .to_string()
                    .lines()
                    .last()
                    .unwrap_or_default()
                    .trim()
                    .trim_start_matches("error: ")
                    .to_string();
                self.err(loc, field, format!("invalid regex `{text}`: {msg}"));
                None
            }
        }
    }

    /// A template whose references must all be known here.
    pub(crate) fn template(
        &mut self,
        value: Value,
        loc: Location,
        field: &str,
        known: &Known,
    ) -> Template {
        match Template::new(value.clone()) {
            Ok(t) => {
                for name in t.refs() {
                    self.refs.insert(name.clone());
                    if let Some(var) = name.strip_prefix("env.") {
                        self.env_refs.insert(var.to_string());
                    }
                    if !known.has(&name) {
                        let hint = if let Some(var) = name.strip_prefix("env.") {
                            format!("set `{var}` in the environment")
                        } else {
                            format!(
                                "define it under `vars:`, pass `--var {name}=VALUE`, or capture it in `setup:` or an earlier step"
                            )
                        };
                        self.err(loc, field, format!("undefined variable `{name}`"))
                            .hint = Some(hint);
                    }
                }
                t
            }
            Err(e) => {
                self.err(loc, field, e);
                Template::literal("")
            }
        }
    }

    /// A string read when the suite loads (a path checked now, a regex compiled now), its
    /// `${...}` expanded now with `vars:`, `--var`, `${env.NAME}` and `${run.id}`. `None`
    /// (with the error recorded) when it cannot be.
    pub(crate) fn now(&mut self, text: &str, loc: Location, field: &str) -> Option<String> {
        let t = match Template::text(text) {
            Ok(t) => t,
            Err(e) => {
                self.err(loc, field, e);
                return None;
            }
        };
        for name in t.refs() {
            if let Some(var) = name.strip_prefix("env.") {
                self.env_refs.insert(var.to_string());
            }
            self.refs.insert(name);
        }
        let scope = Scope {
            vars: self.vars.clone(),
            captures: Default::default(),
        };
        match t.expand_text(&scope) {
            Ok(s) => Some(s),
            Err(TemplateError::Undefined(name)) => {
                let hint = match name.strip_prefix("env.") {
                    Some(var) => format!("set `{var}` in the environment"),
                    None => format!(
                        "`{field}` is read when the suite loads: it can use `vars:`, `--var`, `${{env.NAME}}` and `${{run.id}}`, not `${{PORT}}`, `${{BASE_URL}}`, `${{INSTANCE_DIR}}` or captures"
                    ),
                };
                self.err(loc, field, format!("undefined variable `{name}`"))
                    .hint = Some(hint);
                None
            }
            Err(e) => {
                self.err(loc, field, e);
                None
            }
        }
    }

    /// `vars:` as the suite loads: `${env.NAME}` and `${run.id}` in a value expanded now,
    /// so a var holding a credential from the environment sends its value wherever it is
    /// used. A var cannot name another var or a capture (they are not known yet).
    pub(crate) fn vars_now(
        &mut self,
        vars: Map<String, Value>,
        loc: Location,
    ) -> Map<String, Value> {
        let scope = Scope::default();
        vars.into_iter()
            .map(|(k, v)| {
                let field = format!("vars.{k}");
                let t = match Template::new(v.clone()) {
                    Ok(t) => t,
                    Err(e) => {
                        self.err(loc, &field, e);
                        return (k, v);
                    }
                };
                for name in &t.refs() {
                    if let Some(var) = name.strip_prefix("env.") {
                        self.env_refs.insert(var.to_string());
                    } else if name != crate::suite::template::RUN_ID {
                        self.err(loc, &field, format!("`${{{name}}}` is not known in `vars:`"))
                            .hint = Some(
                            "a var can use `${env.NAME}` and `${run.id}`; use the other var where this one is used"
                                .into(),
                        );
                        return (k, v);
                    }
                }
                match t.expand(&scope) {
                    Ok(x) => (k, x),
                    Err(TemplateError::Undefined(name)) => {
                        let var = name.trim_start_matches("env.");
                        self.err(loc, &field, format!("undefined variable `{name}`"))
                            .hint = Some(format!("set `{var}` in the environment"));
                        (k, v)
                    }
                    Err(e) => {
                        self.err(loc, &field, e);
                        (k, v)
                    }
                }
            })
            .collect()
    }

    /// [`Validator::now`] in place: `text` expanded when the suite loads (left as written,
    /// with the error recorded, when it cannot be).
    pub(crate) fn expand_now(&mut self, text: &mut String, loc: Location, field: &str) {
        if text.contains('$')
            && let Some(t) = self.now(text, loc, field)
        {
            *text = t;
        }
    }

    /// [`Validator::expand_now`] for every string of a list.
    pub(crate) fn expand_all_now(&mut self, list: &mut [String], loc: Location, field: &str) {
        for (i, t) in list.iter_mut().enumerate() {
            self.expand_now(t, loc, &format!("{field}[{i}]"));
        }
    }

    /// A working directory (relative to the suite file) must exist when the suite loads.
    pub(crate) fn existing_dir(&mut self, dir: &str, loc: Location, field: &str) {
        let path = self.dir.join(dir);
        if !path.is_dir() {
            let what = if path.exists() {
                "is not a directory"
            } else {
                "does not exist"
            };
            self.err(
                loc,
                field,
                format!("working directory `{}` {what}", path.display()),
            )
            .hint = Some(
                "a working directory is relative to the suite file; create it or fix the path"
                    .into(),
            );
        }
    }

    pub(crate) fn percent(&mut self, s: &Spanned<String>, field: &str) -> Option<f64> {
        let t = self.now(&s.value, s.referenced, field)?;
        let t = t.trim();
        let v = match t.strip_suffix('%') {
            Some(p) => p.trim().parse::<f64>().ok().map(|p| p / 100.0),
            None => t.parse::<f64>().ok(),
        };
        match v {
            Some(v) if (0.0..=1.0).contains(&v) => Some(v),
            _ => {
                self.err(s.referenced, field, format!("invalid rate `{t}`"))
                    .hint = Some("write a percentage like `1%` or a fraction like `0.01`".into());
                None
            }
        }
    }

    /// Environment variables whose values are templates.
    pub(in crate::suite) fn env(
        &mut self,
        vars: std::collections::BTreeMap<String, Spanned<String>>,
        field: &str,
        known: &Known,
    ) -> Vec<(String, Template)> {
        vars.into_iter()
            .map(|(k, v)| {
                let t = self.template(
                    Value::String(v.value),
                    v.referenced,
                    &format!("{field}.{k}"),
                    known,
                );
                (k, t)
            })
            .collect()
    }

    /// An argv list, or a string run by `sh -c`.
    pub(in crate::suite) fn command(
        &mut self,
        c: &Any,
        field: &str,
        known: &Known,
    ) -> Vec<Template> {
        match &c.value {
            Value::String(s) if !s.trim().is_empty() => vec![
                Template::literal("sh"),
                Template::literal("-c"),
                self.template(Value::String(s.clone()), c.referenced, field, known),
            ],
            Value::Array(items)
                if !items.is_empty() && items.iter().all(|v| v.is_string() || v.is_number()) =>
            {
                items
                    .iter()
                    .map(|v| {
                        self.template(
                            Value::String(crate::suite::template::value_text(v)),
                            c.referenced,
                            field,
                            known,
                        )
                    })
                    .collect()
            }
            _ => {
                self.err(
                    c.referenced,
                    field,
                    "expected a non-empty list of strings or a shell command string",
                );
                Vec::new()
            }
        }
    }
}
