//! Reads a suite file, parses it, and validates it into a [`Suite`].
//!
//! Every problem is located at `file:line:col` with its field path; all of a file's
//! problems are reported at once. Nothing here touches the network or spawns anything.

use crate::suite::diagnostic::{LoadError, LoadErrors};
use crate::suite::raw::{
    self, Any, CheckRaw, ExpectRaw, InstanceRaw, RequestRaw, StepRaw, SuiteRaw,
};
use crate::suite::spec::*;
use crate::suite::template::Template;
use regex::Regex;
use serde_json::Value;
use serde_saphyr::{Location, Spanned};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Names harden defines for every instance.
pub(crate) const BUILTIN_VARS: [&str; 3] = ["PORT", "BASE_URL", "INSTANCE_DIR"];

const DEFAULT_CHECK_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_READY_TIMEOUT: Duration = Duration::from_secs(60);
const DEFAULT_GRACE: Duration = Duration::from_secs(10);
/// The largest read limit a suite may set.
const MAX_SIZE: u64 = 4 * 1024 * 1024 * 1024;

/// `16MiB`, `512 KiB`, `1GiB`, `10MB`, `2048` (bytes).
fn parse_size(text: &str) -> Option<u64> {
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

/// Loads one suite file. `overrides` are `--var NAME=VALUE` pairs; they replace suite vars.
pub(crate) fn load(file: &Path, overrides: &[(String, String)]) -> Result<Suite, LoadErrors> {
    let text = crate::read::text(file, crate::read::SUITE_FILE).map_err(|e| {
        let mut err = plain_error(file, format!("cannot read suite: {e}"));
        match &e {
            crate::read::ReadError::Io(io) if io.kind() == std::io::ErrorKind::NotFound => {
                err = err.with_hint("run `harden check PATH` with the suite file, or create `harden.yaml` or `checks/*.yaml`");
            }
            crate::read::ReadError::TooLarge { .. } => {
                err = err.with_hint("a suite is a YAML file; check the path, or split the suite into several files");
            }
            crate::read::ReadError::Io(_) => {}
        }
        LoadErrors(vec![err])
    })?;
    load_str(file, &text, overrides)
}

pub(crate) fn load_str(
    file: &Path,
    text: &str,
    overrides: &[(String, String)],
) -> Result<Suite, LoadErrors> {
    let raw = parse(file, text).map_err(|e| LoadErrors(vec![*e]))?;
    let dir = file
        .parent()
        .map(Path::to_path_buf)
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."));
    let mut cx = Validator {
        file: file.to_path_buf(),
        env_refs: BTreeSet::new(),
        lines: text.lines().collect(),
        dir,
        errors: Vec::new(),
    };
    let suite = cx.suite(raw, overrides);
    if cx.errors.is_empty() {
        Ok(suite)
    } else {
        Err(LoadErrors(cx.errors))
    }
}

fn plain_error(file: &Path, message: String) -> LoadError {
    LoadError {
        file: file.to_path_buf(),
        line: 0,
        column: 0,
        field: None,
        message,
        hint: None,
        source_line: None,
    }
}

/// YAML to [`SuiteRaw`], with the field path of a type or unknown-key error.
fn parse(file: &Path, text: &str) -> Result<SuiteRaw, Box<LoadError>> {
    let mut field = String::new();
    let result = serde_saphyr::with_deserializer_from_str(text, |de| {
        serde_path_to_error::deserialize::<_, SuiteRaw>(de).map_err(|e| {
            // `Spanned<T>` shows up as a `.value` segment; users never wrote it.
            // `?` marks a position serde could not name (a syntax error inside a map).
            field = e
                .path()
                .to_string()
                .replace(".value.", ".")
                .replace(".?", "")
                .trim_end_matches(".value")
                .to_string();
            e.into_inner()
        })
    });
    result.map_err(|e| {
        let loc = e.location();
        let (line, column) = loc.map(|l| (l.line(), l.column())).unwrap_or((0, 0));
        let source_line = text
            .lines()
            .nth(line.saturating_sub(1) as usize)
            .filter(|_| line > 0);
        let message = friendly(yaml_message(&e), source_line, column);
        let hint = message
            .contains("unknown field")
            .then(|| "check the spelling; `harden schema` lists every key".to_string());
        Box::new(LoadError {
            file: file.to_path_buf(),
            line,
            column,
            field: (!field.is_empty() && field != ".").then_some(field),
            source_line: source_line.map(str::to_string),
            message,
            hint,
        })
    })
}

/// Plain words for the parser's terse type errors ("invalid u32"), with the value found.
fn friendly(message: String, source_line: Option<&str>, column: u64) -> String {
    let found = source_line
        .and_then(|l| l.get(column.saturating_sub(1) as usize..))
        .map(|rest| {
            rest.split([',', '}', ']', '#'])
                .next()
                .unwrap_or_default()
                .trim()
                .to_string()
        })
        .filter(|t| !t.is_empty());
    let expected = match message.as_str() {
        m if m.starts_with("invalid u") => "a non-negative whole number",
        m if m.starts_with("invalid i") => "a whole number",
        m if m.starts_with("invalid f") => "a number",
        m if m.starts_with("invalid bool") => "`true` or `false`",
        "expected string scalar" => "a string",
        _ => return message,
    };
    match found {
        Some(f) if f.starts_with('[') => format!("expected {expected}, found a list"),
        Some(f) if f.starts_with('{') => format!("expected {expected}, found a map"),
        Some(f) => format!("expected {expected}, found `{f}`"),
        None => format!("expected {expected}"),
    }
}

/// The parser's message without its own location and snippet (we print those ourselves).
fn yaml_message(e: &serde_saphyr::Error) -> String {
    let full = e.without_snippet().to_string();
    let first = full.lines().next().unwrap_or_default();
    // "... at line 3, column 5" suffixes are redundant with our `file:line:col`.
    let re = Regex::new(r"\s*at line \d+,? column \d+\.?$").ok();
    let msg = re
        .map(|r| r.replace(first, "").into_owned())
        .unwrap_or_else(|| first.to_string());
    let msg = msg.trim().trim_start_matches("error: ").to_string();
    crate::text::lowercase_first(&msg)
}

struct Validator<'a> {
    file: PathBuf,
    env_refs: BTreeSet<String>,
    lines: Vec<&'a str>,
    dir: PathBuf,
    errors: Vec<LoadError>,
}

/// Variable names visible at some point of the suite, for "undefined variable" errors.
#[derive(Clone, Default)]
struct Known(BTreeSet<String>);

impl Known {
    fn has(&self, name: &str) -> bool {
        if let Some(var) = name.strip_prefix("env.") {
            return std::env::var_os(var).is_some();
        }
        self.0.contains(name)
    }
}

impl Validator<'_> {
    fn err(&mut self, loc: Location, field: &str, message: impl Into<String>) -> &mut LoadError {
        let (line, column) = (loc.line(), loc.column());
        self.errors.push(LoadError {
            file: self.file.clone(),
            line,
            column,
            field: (!field.is_empty()).then(|| field.to_string()),
            message: message.into(),
            hint: None,
            source_line: self
                .lines
                .get(line.saturating_sub(1) as usize)
                .map(|s| s.to_string())
                .filter(|_| line > 0),
        });
        let last = self.errors.len() - 1;
        &mut self.errors[last]
    }

    fn pos(&self, loc: Location) -> SourcePos {
        SourcePos {
            file: self.file.clone(),
            line: loc.line(),
            column: loc.column(),
        }
    }

    fn duration(
        &mut self,
        d: &Option<Spanned<String>>,
        field: &str,
        default: Duration,
    ) -> Duration {
        let Some(d) = d else { return default };
        match humantime::parse_duration(d.value.trim()) {
            Ok(v) if v > MAX_DURATION => {
                self.err(
                    d.referenced,
                    field,
                    format!("duration `{}` is longer than the limit of 30 days", d.value),
                )
                .hint = Some("write durations like `250ms`, `5s` or `2m`".into());
                default
            }
            Ok(v) => v,
            Err(e) => {
                self.err(
                    d.referenced,
                    field,
                    format!("invalid duration `{}`: {e}", d.value),
                )
                .hint = Some("write durations like `250ms`, `5s` or `2m`".into());
                default
            }
        }
    }

    fn regex(&mut self, text: &str, loc: Location, field: &str) -> Option<Regex> {
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
    fn template(&mut self, value: Value, loc: Location, field: &str, known: &Known) -> Template {
        match Template::new(value.clone()) {
            Ok(t) => {
                for name in t.refs() {
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

    fn suite(&mut self, raw: SuiteRaw, overrides: &[(String, String)]) -> Suite {
        let mut vars = raw.vars.map(|v| v.value).unwrap_or_default();
        for (k, v) in overrides {
            vars.insert(k.clone(), Value::String(v.clone()));
        }
        let mut known = Known(BUILTIN_VARS.iter().map(|s| s.to_string()).collect());
        known.0.extend(vars.keys().cloned());
        for s in &raw.secrets {
            if !vars.contains_key(s) {
                let loc = raw.suite.referenced;
                self.err(
                    loc,
                    "secrets",
                    format!("secret `{s}` is not a variable under `vars:`"),
                );
            }
        }
        let instance = raw.instance.map(|i| self.instance(i, &known));
        let base_url = raw.base_url.map(|b| {
            let t = self.template(
                Value::String(b.value.clone()),
                b.referenced,
                "base-url",
                &known,
            );
            let _ = t;
            b.value
        });
        let name = raw.suite.value.clone();
        if name.trim().is_empty() {
            self.err(raw.suite.referenced, "suite", "suite name is empty");
        }
        let setup = self.steps(&raw.setup, "setup", &mut known);
        let teardown = self.steps(&raw.teardown, "teardown", &mut known.clone());
        let mut checks = Vec::new();
        let mut seen: HashMap<String, u64> = HashMap::new();
        for (i, c) in raw.checks.into_iter().enumerate() {
            let field = format!("checks[{i}]");
            if let Some(first) = seen.get(&c.id.value) {
                let msg = format!(
                    "duplicate check id `{}` (first used on line {first})",
                    c.id.value
                );
                self.err(c.id.referenced, &format!("{field}.id"), msg).hint =
                    Some("check ids must be unique within a suite".into());
            }
            seen.insert(c.id.value.clone(), c.id.referenced.line());
            if let Some(check) = self.check(c, &field, &known, instance.as_ref()) {
                checks.push(check);
            }
        }
        if checks.is_empty() && self.errors.is_empty() {
            let loc = raw.suite.referenced;
            self.err(loc, "checks", "the suite has no checks");
        }
        if instance.is_none() && base_url.is_none() {
            let uses_path = |c: &CheckSpec| match &c.kind {
                CheckKindSpec::Http(h) => h
                    .steps
                    .iter()
                    .any(|s| matches!(s.request.target, Target::Path(_))),
                CheckKindSpec::RateLimit(r) => matches!(r.request.target, Target::Path(_)),
                CheckKindSpec::Dependency(_)
                | CheckKindSpec::Code(_)
                | CheckKindSpec::Command(_) => false,
                CheckKindSpec::Load(l) => matches!(l.request.target, Target::Path(_)),
                CheckKindSpec::Health(_)
                | CheckKindSpec::Metrics(_)
                | CheckKindSpec::Logs(_)
                | CheckKindSpec::Security(_)
                | CheckKindSpec::OpenApi(_) => true,
            };
            let needs_base = checks.iter().any(uses_path)
                || setup
                    .iter()
                    .any(|s| matches!(s.request.target, Target::Path(_)));
            if needs_base {
                let loc = raw.suite.referenced;
                self.err(loc, "", "requests use `path` but the suite has neither `instance` nor `base-url`")
                    .hint = Some("add `instance:` so harden starts the service, or `base-url:` for one already running".into());
            }
        }
        let limits = self.limits(raw.limits);
        let mut category_weights = std::collections::BTreeMap::new();
        if let Some(sc) = raw.score {
            for (cat, w) in sc.category_weights {
                if !(w.is_finite() && w >= 0.0) {
                    let loc = raw.suite.referenced;
                    self.err(
                        loc,
                        &format!("score.category-weights.{cat}"),
                        format!("weight {w} must be a number >= 0"),
                    );
                }
                category_weights.insert(cat, w);
            }
            for (id, sev) in sc.severities {
                let f = format!("score.severities.{id}");
                match (
                    Severity::parse(&sev.value),
                    checks.iter_mut().find(|c| c.id == id),
                ) {
                    (Some(level), Some(check)) => check.severity = level,
                    (None, _) => {
                        self.err(
                            sev.referenced,
                            &f,
                            format!("unknown severity `{}`", sev.value),
                        )
                        .hint = Some("use one of `critical`, `high`, `medium`, `low`".into());
                    }
                    (_, None) => {
                        self.err(sev.referenced, &f, format!("no check has the id `{id}`"));
                    }
                }
            }
        }
        Suite {
            name,
            file: self.file.clone(),
            dir: self.dir.clone(),
            instance,
            base_url,
            vars,
            secrets: raw.secrets,
            setup,
            teardown,
            checks,
            env_refs: self.env_refs.iter().cloned().collect(),
            category_weights,
            limits,
        }
    }

    fn limits(&mut self, raw: Option<raw::LimitsRaw>) -> Limits {
        let mut limits = Limits::default();
        let Some(raw) = raw else { return limits };
        for (value, field, slot) in [
            (raw.body, "limits.body", &mut limits.body),
            (raw.exposition, "limits.exposition", &mut limits.exposition),
            (
                raw.command_output,
                "limits.command-output",
                &mut limits.command_output,
            ),
        ] {
            let Some(v) = value else { continue };
            match parse_size(&v.value) {
                Some(n) if (1024..=MAX_SIZE).contains(&n) => *slot = n,
                Some(_) => {
                    self.err(
                        v.referenced,
                        field,
                        format!("size `{}` is out of range (1KiB to 4GiB)", v.value),
                    );
                }
                None => {
                    self.err(v.referenced, field, format!("invalid size `{}`", v.value))
                        .hint = Some("write sizes like `512KiB`, `16MiB` or `1GiB`".into());
                }
            }
        }
        limits
    }

    fn instance(&mut self, raw: InstanceRaw, known: &Known) -> InstanceSpec {
        let f = "instance";
        let command = self.command(&raw.command, "instance.command", known);
        let cwd = raw
            .cwd
            .map(|c| self.template(Value::String(c.value), c.referenced, "instance.cwd", known));
        let env = self.env(raw.env, &format!("{f}.env"), known);
        let port = match &raw.port {
            None => None,
            Some(p) => match &p.value {
                Value::String(s) if s == "auto" => None,
                Value::Number(n) if n.as_u64().is_some_and(|n| (1..=65535).contains(&n)) => {
                    n.as_u64().map(|n| n as u16)
                }
                other => {
                    self.err(
                        p.referenced,
                        "instance.port",
                        format!("expected `auto` or a port number, found `{other}`"),
                    );
                    None
                }
            },
        };
        let ready = match raw.ready {
            None => ReadySpec {
                probe: ReadyProbe::Tcp,
                timeout: DEFAULT_READY_TIMEOUT,
            },
            Some(r) => self.ready(
                r,
                "instance.ready",
                known,
                ReadySpec {
                    probe: ReadyProbe::Tcp,
                    timeout: DEFAULT_READY_TIMEOUT,
                },
            ),
        };
        let stop = match raw.stop {
            None => StopSpec {
                signal: nix::sys::signal::Signal::SIGTERM,
                grace: DEFAULT_GRACE,
            },
            Some(s) => {
                use nix::sys::signal::Signal::*;
                let grace = self.duration(&s.grace, "instance.stop.grace", DEFAULT_GRACE);
                let signal = match s.signal.as_ref().map(|s| s.value.to_ascii_lowercase()) {
                    None => SIGTERM,
                    Some(name) => match name.trim_start_matches("sig") {
                        "term" => SIGTERM,
                        "int" => SIGINT,
                        "hup" => SIGHUP,
                        "quit" => SIGQUIT,
                        "kill" => SIGKILL,
                        other => {
                            let loc = s
                                .signal
                                .as_ref()
                                .map(|s| s.referenced)
                                .unwrap_or(Location::UNKNOWN);
                            self.err(
                                loc,
                                "instance.stop.signal",
                                format!("unknown signal `{other}`"),
                            )
                            .hint = Some("use one of `term`, `int`, `hup`, `quit`, `kill`".into());
                            SIGTERM
                        }
                    },
                };
                StopSpec { signal, grace }
            }
        };
        InstanceSpec {
            command,
            dir: self.dir.clone(),
            cwd,
            env,
            port,
            ready,
            stop,
        }
    }

    /// A readiness probe; `base` supplies what `r` leaves out (a variant keeps the suite's
    /// timeout when it only changes the probe).
    fn ready(
        &mut self,
        r: raw::ReadyRaw,
        field: &str,
        known: &Known,
        base: ReadySpec,
    ) -> ReadySpec {
        let timeout = self.duration(&r.timeout, &format!("{field}.timeout"), base.timeout);
        let n = r.http.is_some() as u8 + r.tcp.unwrap_or(false) as u8 + r.log.is_some() as u8;
        let probe = match (r.http, r.tcp, r.log) {
            (http, _, log) if n > 1 => {
                let loc = http
                    .map(|h| h.referenced)
                    .or(log.map(|l| l.referenced))
                    .unwrap_or(Location::UNKNOWN);
                self.err(loc, field, "set only one of `http`, `tcp` or `log`");
                ReadyProbe::Tcp
            }
            (Some(path), _, _) => {
                let status = match &r.status {
                    Some(s) => self.status(s, &format!("{field}.status")),
                    None => StatusMatcher {
                        ranges: vec![(200, 399)],
                        text: "200-399".into(),
                    },
                };
                ReadyProbe::Http {
                    path: self.template(
                        Value::String(path.value.clone()),
                        path.referenced,
                        &format!("{field}.http"),
                        known,
                    ),
                    status,
                }
            }
            (_, _, Some(log)) => {
                match self.regex(&log.value, log.referenced, &format!("{field}.log")) {
                    Some(re) => ReadyProbe::Log(re),
                    None => ReadyProbe::Tcp,
                }
            }
            (_, Some(true), _) => ReadyProbe::Tcp,
            _ => base.probe,
        };
        ReadySpec { probe, timeout }
    }

    fn steps(&mut self, raws: &[StepRaw], field: &str, known: &mut Known) -> Vec<StepSpec> {
        raws.iter()
            .enumerate()
            .map(|(i, s)| {
                let f = format!("{field}[{i}]");
                let step = self.step(
                    &s.request,
                    s.expect.as_ref(),
                    &s.capture,
                    s.name.clone(),
                    &f,
                    known,
                );
                known.0.extend(step.capture.iter().map(|(k, _)| k.clone()));
                step
            })
            .collect()
    }

    fn step(
        &mut self,
        request: &RequestRaw,
        expect: Option<&ExpectRaw>,
        capture: &std::collections::BTreeMap<String, Any>,
        name: Option<String>,
        field: &str,
        known: &Known,
    ) -> StepSpec {
        let request = self.request(request, &format!("{field}.request"), known);
        let expect = expect
            .map(|e| self.expect(e, &format!("{field}.expect"), known))
            .unwrap_or_default();
        let capture = capture
            .iter()
            .filter_map(|(k, v)| {
                self.capture(v, &format!("{field}.capture.{k}"))
                    .map(|c| (k.clone(), c))
            })
            .collect();
        StepSpec {
            name,
            request,
            expect,
            capture,
        }
    }

    fn request(&mut self, r: &RequestRaw, field: &str, known: &Known) -> RequestSpec {
        let method = match &r.method {
            None => reqwest::Method::GET,
            Some(m) => match reqwest::Method::from_bytes(m.value.to_ascii_uppercase().as_bytes()) {
                Ok(method) if method == reqwest::Method::CONNECT => {
                    self.err(
                        m.referenced,
                        &format!("{field}.method"),
                        "CONNECT opens a tunnel to an authority (`host:port`), not a request to a path; harden cannot send it as written",
                    )
                    .hint = Some("to check that a proxy accepts connections, use a `dependency` check with `tcp:`".into());
                    reqwest::Method::GET
                }
                Ok(m) => m,
                Err(_) => {
                    self.err(
                        m.referenced,
                        &format!("{field}.method"),
                        format!("invalid HTTP method `{}`", m.value),
                    );
                    reqwest::Method::GET
                }
            },
        };
        let target = match (&r.path, &r.url) {
            (Some(p), None) => {
                if !p.value.starts_with('/') && !p.value.starts_with("${") {
                    self.err(
                        p.referenced,
                        &format!("{field}.path"),
                        format!("path `{}` must start with `/`", p.value),
                    );
                }
                Target::Path(self.template(
                    Value::String(p.value.clone()),
                    p.referenced,
                    &format!("{field}.path"),
                    known,
                ))
            }
            (None, Some(u)) => Target::Url(self.template(
                Value::String(u.value.clone()),
                u.referenced,
                &format!("{field}.url"),
                known,
            )),
            (Some(p), Some(_)) => {
                self.err(p.referenced, field, "set either `path` or `url`, not both");
                Target::Path(Template::literal("/"))
            }
            (None, None) => {
                let loc = r
                    .method
                    .as_ref()
                    .map(|m| m.referenced)
                    .unwrap_or(Location::UNKNOWN);
                self.err(loc, field, "a request needs `path` or `url`");
                Target::Path(Template::literal("/"))
            }
        };
        let mut map_template = |v: &Option<Any>, name: &str| {
            v.as_ref().map(|v| {
                let f = format!("{field}.{name}");
                match &v.value {
                    Value::Object(_) => {}
                    Value::String(s) if s.starts_with("${") && s.ends_with('}') => {}
                    _ => {
                        self.err(
                            v.referenced,
                            &f,
                            "expected a map (or a `${var}` holding one)",
                        );
                    }
                }
                self.template(v.value.clone(), v.referenced, &f, known)
            })
        };
        let headers = map_template(&r.headers, "headers");
        let query = map_template(&r.query, "query");
        let form = map_template(&r.form, "form");
        let bodies = r.json.is_some() as u8 + r.body.is_some() as u8 + form.is_some() as u8;
        if bodies > 1 {
            let loc = r
                .json
                .as_ref()
                .map(|j| j.referenced)
                .or(r.body.as_ref().map(|b| b.referenced))
                .unwrap_or(Location::UNKNOWN);
            self.err(loc, field, "set only one of `json`, `body` or `form`");
        }
        let body = if let Some(j) = &r.json {
            BodySpec::Json(self.template(
                j.value.clone(),
                j.referenced,
                &format!("{field}.json"),
                known,
            ))
        } else if let Some(b) = &r.body {
            BodySpec::Text(self.template(
                Value::String(b.value.clone()),
                b.referenced,
                &format!("{field}.body"),
                known,
            ))
        } else if let Some(f) = form {
            BodySpec::Form(f)
        } else {
            BodySpec::None
        };
        RequestSpec {
            method,
            target,
            headers,
            query,
            body,
            compressed: r.compressed,
        }
    }

    fn status(&mut self, s: &Any, field: &str) -> StatusMatcher {
        let fallback = StatusMatcher {
            ranges: vec![(200, 299)],
            text: "2xx".into(),
        };
        let one = |v: &Value| -> Option<(u16, u16)> {
            match v {
                Value::Number(n) => n
                    .as_u64()
                    .filter(|n| (100..=599).contains(n))
                    .map(|n| (n as u16, n as u16)),
                Value::String(t) => {
                    let t = t.trim().to_ascii_lowercase();
                    if let Some(d) = t
                        .strip_suffix("xx")
                        .and_then(|d| d.parse::<u16>().ok())
                        .filter(|d| (1..=5).contains(d))
                    {
                        return Some((d * 100, d * 100 + 99));
                    }
                    if let Some((a, b)) = t.split_once('-') {
                        let (a, b) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
                        return (100 <= a && a <= b && b <= 599).then_some((a, b));
                    }
                    t.parse::<u16>()
                        .ok()
                        .filter(|n| (100..=599).contains(n))
                        .map(|n| (n, n))
                }
                _ => None,
            }
        };
        let items: Vec<&Value> = match &s.value {
            Value::Array(a) if !a.is_empty() => a.iter().collect(),
            v => vec![v],
        };
        let mut ranges = Vec::new();
        for item in items {
            match one(item) {
                Some(r) => ranges.push(r),
                None => {
                    self.err(s.referenced, field, format!("invalid status `{item}`"))
                        .hint = Some("write a code (`201`), a list (`[200, 204]`), a class (`2xx`) or a range (`200-299`)".into());
                    return fallback;
                }
            }
        }
        let text = match &s.value {
            Value::String(t) => t.clone(),
            other => other.to_string(),
        };
        StatusMatcher { ranges, text }
    }

    fn expect(&mut self, e: &ExpectRaw, field: &str, known: &Known) -> ExpectSpec {
        let status = e
            .status
            .as_ref()
            .map(|s| self.status(s, &format!("{field}.status")));
        let mut headers = Vec::new();
        for (name, v) in &e.headers {
            let f = format!("{field}.headers.{name}");
            if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
                self.err(v.referenced, &f, format!("invalid header name `{name}`"));
                continue;
            }
            let pred = match &v.value {
                Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                    Some(HeaderPredicate::Equals(self.template(
                        Value::String(crate::suite::template::value_text(&v.value)),
                        v.referenced,
                        &f,
                        known,
                    )))
                }
                Value::Object(o) if o.len() == 1 => {
                    let (op, arg) = o
                        .iter()
                        .next()
                        .map(|(a, b)| (a.as_str(), b))
                        .unwrap_or(("", &Value::Null));
                    match (op, arg) {
                        ("equals", a) => Some(HeaderPredicate::Equals(self.template(
                            Value::String(crate::suite::template::value_text(a)),
                            v.referenced,
                            &f,
                            known,
                        ))),
                        ("contains", a) => Some(HeaderPredicate::Contains(self.template(
                            Value::String(crate::suite::template::value_text(a)),
                            v.referenced,
                            &f,
                            known,
                        ))),
                        ("matches", Value::String(re)) => self
                            .regex(re, v.referenced, &f)
                            .map(HeaderPredicate::Matches),
                        ("present", Value::Bool(true)) | ("absent", Value::Bool(false)) => {
                            Some(HeaderPredicate::Present)
                        }
                        ("absent", Value::Bool(true)) | ("present", Value::Bool(false)) => {
                            Some(HeaderPredicate::Absent)
                        }
                        _ => {
                            self.err(v.referenced, &f, format!("unknown header predicate `{op}`"))
                                .hint = Some("use one of `equals`, `contains`, `matches`, `present: true`, `absent: true`".into());
                            None
                        }
                    }
                }
                _ => {
                    self.err(v.referenced, &f, "expected a value or one predicate such as `{matches: \"^application/json\"}`");
                    None
                }
            };
            if let Some(p) = pred {
                headers.push((name.to_ascii_lowercase(), p));
            }
        }
        let json = self.json_assertions(&e.json, &format!("{field}.json"), known);
        let schema = e
            .schema
            .as_ref()
            .and_then(|s| self.schema(s, &format!("{field}.schema")));
        let body = e
            .body
            .as_ref()
            .map(|b| self.body_predicates(b, &format!("{field}.body"), known))
            .unwrap_or_default();
        let max_duration = e.max_duration.as_ref().map(|_| {
            self.duration(
                &e.max_duration,
                &format!("{field}.max-duration"),
                Duration::ZERO,
            )
        });
        ExpectSpec {
            status,
            headers,
            json,
            schema,
            body,
            max_duration,
        }
    }

    /// `contains`, `not-contains`, `matches`, `equals` on a text (a body, a command's output).
    fn body_predicates(
        &mut self,
        b: &raw::BodyExpectRaw,
        f: &str,
        known: &Known,
    ) -> Vec<BodyPredicate> {
        let mut out = Vec::new();
        let text = |s: &mut Self, t: &Spanned<String>| {
            s.template(Value::String(t.value.clone()), t.referenced, f, known)
        };
        if let Some(t) = &b.contains {
            out.push(BodyPredicate::Contains(text(self, t)));
        }
        if let Some(t) = &b.not_contains {
            out.push(BodyPredicate::NotContains(text(self, t)));
        }
        if let Some(re) = b
            .matches
            .as_ref()
            .and_then(|t| self.regex(&t.value, t.referenced, &format!("{f}.matches")))
        {
            out.push(BodyPredicate::Matches(re));
        }
        if let Some(t) = &b.equals {
            out.push(BodyPredicate::Equals(text(self, t)));
        }
        out
    }

    fn json_predicates(&mut self, v: &Any, f: &str, known: &Known) -> Vec<JsonPredicate> {
        const OPS: &str = "`equals`, `not-equals`, `matches`, `exists`, `absent`, `type`, `length`, `contains`, `one-of`, `gt`, `gte`, `lt`, `lte`";
        let is_op = |k: &str| {
            matches!(
                k,
                "equals"
                    | "not-equals"
                    | "matches"
                    | "exists"
                    | "absent"
                    | "type"
                    | "length"
                    | "contains"
                    | "one-of"
                    | "gt"
                    | "gte"
                    | "lt"
                    | "lte"
            )
        };
        let Value::Object(o) = &v.value else {
            return vec![JsonPredicate::Equals(self.template(
                v.value.clone(),
                v.referenced,
                f,
                known,
            ))];
        };
        if o.is_empty() || !o.keys().any(|k| is_op(k)) {
            return vec![JsonPredicate::Equals(self.template(
                v.value.clone(),
                v.referenced,
                f,
                known,
            ))];
        }
        let mut preds = Vec::new();
        for (op, arg) in o {
            let bad = |s: &mut Self, what: &str| {
                s.err(
                    v.referenced,
                    f,
                    format!("`{op}` expects {what}, found `{arg}`"),
                );
            };
            match op.as_str() {
                "equals" => preds.push(JsonPredicate::Equals(self.template(
                    arg.clone(),
                    v.referenced,
                    f,
                    known,
                ))),
                "not-equals" => preds.push(JsonPredicate::NotEquals(self.template(
                    arg.clone(),
                    v.referenced,
                    f,
                    known,
                ))),
                "contains" => preds.push(JsonPredicate::Contains(self.template(
                    arg.clone(),
                    v.referenced,
                    f,
                    known,
                ))),
                "one-of" => match arg {
                    Value::Array(items) => {
                        let ts = items
                            .iter()
                            .map(|i| self.template(i.clone(), v.referenced, f, known))
                            .collect();
                        preds.push(JsonPredicate::OneOf(ts));
                    }
                    _ => bad(self, "a list"),
                },
                "matches" => match arg {
                    Value::String(re) => {
                        if let Some(r) = self.regex(re, v.referenced, f) {
                            preds.push(JsonPredicate::Matches(r));
                        }
                    }
                    _ => bad(self, "a regex string"),
                },
                "exists" => match arg {
                    Value::Bool(b) => preds.push(JsonPredicate::Exists(*b)),
                    _ => bad(self, "`true` or `false`"),
                },
                "absent" => match arg {
                    Value::Bool(b) => preds.push(JsonPredicate::Exists(!*b)),
                    _ => bad(self, "`true` or `false`"),
                },
                "type" => match arg.as_str().and_then(JsonType::parse) {
                    Some(t) => preds.push(JsonPredicate::Type(t)),
                    None => {
                        self.err(v.referenced, f, format!("unknown type `{arg}`")).hint =
                            Some("use one of `string`, `number`, `integer`, `boolean`, `array`, `object`, `null`".into());
                    }
                },
                "length" => match arg.as_u64() {
                    Some(n) => preds.push(JsonPredicate::Length(n as usize)),
                    None => bad(self, "a non-negative integer"),
                },
                "gt" | "gte" | "lt" | "lte" => match arg.as_number().cloned() {
                    Some(n) => {
                        let cmp = match op.as_str() {
                            "gt" => CompareOp::Gt,
                            "gte" => CompareOp::Gte,
                            "lt" => CompareOp::Lt,
                            _ => CompareOp::Lte,
                        };
                        preds.push(JsonPredicate::Compare(cmp, n));
                    }
                    None => bad(self, "a number"),
                },
                other => {
                    self.err(v.referenced, f, format!("unknown predicate `{other}`"))
                        .hint = Some(format!(
                        "use one of {OPS}; to compare a whole object, write `equals: {{...}}`"
                    ));
                }
            }
        }
        preds
    }

    fn json_assertions(
        &mut self,
        map: &std::collections::BTreeMap<String, Any>,
        field: &str,
        known: &Known,
    ) -> Vec<JsonAssertion> {
        let mut json = Vec::new();
        for (path_text, v) in map {
            let f = format!("{field}.\"{path_text}\"");
            let path = match serde_json_path::JsonPath::parse(path_text) {
                Ok(p) => Arc::new(p),
                Err(err) => {
                    self.err(
                        v.referenced,
                        &f,
                        format!("invalid JSONPath `{path_text}`: {err}"),
                    )
                    .hint = Some(
                        "JSONPath starts with `$`, e.g. `$.run_id` or `$.phases[0].status`".into(),
                    );
                    continue;
                }
            };
            let predicates = self.json_predicates(v, &f, known);
            json.push(JsonAssertion {
                path_text: path_text.clone(),
                path,
                predicates,
            });
        }
        json
    }

    fn schema(&mut self, s: &Any, field: &str) -> Option<SchemaSpec> {
        let (label, doc) = match &s.value {
            Value::String(rel) => {
                let path = self.dir.join(rel);
                let text = match crate::read::text(&path, crate::read::SUITE_FILE) {
                    Ok(t) => t,
                    Err(e) => {
                        self.err(
                            s.referenced,
                            field,
                            format!("cannot read schema `{}`: {e}", path.display()),
                        )
                        .hint = Some("schema paths are relative to the suite file".into());
                        return None;
                    }
                };
                let doc: Result<Value, String> = if rel.ends_with(".json") {
                    serde_json::from_str(&text).map_err(|e| e.to_string())
                } else {
                    serde_saphyr::from_str(&text).map_err(|e| e.without_snippet().to_string())
                };
                match doc {
                    Ok(d) => (rel.clone(), d),
                    Err(e) => {
                        self.err(
                            s.referenced,
                            field,
                            format!("schema `{}` is not valid JSON: {e}", path.display()),
                        );
                        return None;
                    }
                }
            }
            Value::Object(_) | Value::Bool(_) => ("inline schema".to_string(), s.value.clone()),
            _ => {
                self.err(
                    s.referenced,
                    field,
                    "expected a schema file path or an inline schema object",
                );
                return None;
            }
        };
        match jsonschema::validator_for(&doc) {
            Ok(v) => Some(SchemaSpec {
                label,
                validator: Arc::new(v),
            }),
            Err(e) => {
                self.err(
                    s.referenced,
                    field,
                    format!("invalid JSON Schema in {label}: {e}"),
                );
                None
            }
        }
    }

    fn capture(&mut self, v: &Any, field: &str) -> Option<CaptureSpec> {
        let jsonpath = |s: &mut Self, text: &str| match serde_json_path::JsonPath::parse(text) {
            Ok(p) => Some(CaptureSpec::Json {
                text: text.to_string(),
                path: Arc::new(p),
            }),
            Err(e) => {
                s.err(
                    v.referenced,
                    field,
                    format!("invalid JSONPath `{text}`: {e}"),
                );
                None
            }
        };
        match &v.value {
            Value::String(s) => jsonpath(self, s),
            Value::Object(o) if o.len() == 1 => match o.iter().next() {
                Some((k, Value::String(arg))) if k == "json" => jsonpath(self, arg),
                Some((k, Value::String(arg))) if k == "header" => {
                    Some(CaptureSpec::Header(arg.to_ascii_lowercase()))
                }
                Some((k, Value::String(arg))) if k == "regex" => {
                    self.regex(arg, v.referenced, field).map(CaptureSpec::Regex)
                }
                _ => {
                    self.err(v.referenced, field, "expected `\"$.json.path\"`, `{json: ..}`, `{header: name}` or `{regex: \"..(group)..\"}`");
                    None
                }
            },
            _ => {
                self.err(v.referenced, field, "expected `\"$.json.path\"`, `{json: ..}`, `{header: name}` or `{regex: \"..(group)..\"}`");
                None
            }
        }
    }

    fn check(
        &mut self,
        c: CheckRaw,
        field: &str,
        known: &Known,
        instance: Option<&InstanceSpec>,
    ) -> Option<CheckSpec> {
        let id = c.id.value.clone();
        let id_ok = id
            .chars()
            .next()
            .is_some_and(|ch| ch.is_ascii_alphanumeric())
            && id
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '.'));
        if !id_ok {
            self.err(
                c.id.referenced,
                &format!("{field}.id"),
                format!("invalid check id `{id}`"),
            )
            .hint =
                Some("ids use letters, digits, `-`, `_` and `.`, e.g. `get-run-contract`".into());
        }
        let pos = self.pos(c.id.referenced);
        let severity = match &c.severity {
            None => None,
            Some(s) => match Severity::parse(&s.value) {
                Some(v) => Some(v),
                None => {
                    self.err(
                        s.referenced,
                        &format!("{field}.severity"),
                        format!("unknown severity `{}`", s.value),
                    )
                    .hint = Some("use one of `critical`, `high`, `medium`, `low`".into());
                    None
                }
            },
        };
        let timeout = self.duration(
            &c.timeout,
            &format!("{field}.timeout"),
            DEFAULT_CHECK_TIMEOUT,
        );
        let kinds: Vec<(&str, Location)> = [
            c.http.as_ref().map(|h| ("http", h.referenced)),
            c.health.as_ref().map(|h| ("health", h.referenced)),
            c.dependency.as_ref().map(|h| ("dependency", h.referenced)),
            c.rate_limit.as_ref().map(|h| ("rate-limit", h.referenced)),
            c.metrics.as_ref().map(|h| ("metrics", h.referenced)),
            c.logs.as_ref().map(|h| ("logs", h.referenced)),
            c.security.as_ref().map(|h| ("security", h.referenced)),
            c.load.as_ref().map(|h| ("load", h.referenced)),
            c.code.as_ref().map(|h| ("code", h.referenced)),
            c.command.as_ref().map(|h| ("command", h.referenced)),
            c.openapi.as_ref().map(|h| ("openapi", h.referenced)),
        ]
        .into_iter()
        .flatten()
        .collect();
        let kind = match kinds.as_slice() {
            [] => {
                self.err(c.id.referenced, field, format!("check `{id}` has no kind"))
                    .hint = Some(format!(
                    "add exactly one kind key: {}",
                    crate::suite::CheckKind::listed()
                ));
                return None;
            }
            [_] => {
                if let Some(h) = c.http {
                    self.http(h, &format!("{field}.http"), known)?
                } else if let Some(h) = c.health {
                    self.health(h, &format!("{field}.health"), known)?
                } else if let Some(d) = c.dependency {
                    self.dependency(d, &format!("{field}.dependency"))?
                } else if let Some(r) = c.rate_limit {
                    self.rate_limit(r, &format!("{field}.rate-limit"), known)?
                } else if let Some(m) = c.metrics {
                    self.metrics(m, &format!("{field}.metrics"), known)?
                } else if let Some(l) = c.logs {
                    self.logs(l, &format!("{field}.logs"), known)?
                } else if let Some(x) = c.security {
                    self.security(x, &format!("{field}.security"), known)?
                } else if let Some(l) = c.load {
                    self.load(l, &format!("{field}.load"), known)?
                } else if let Some(x) = c.code {
                    self.code(x, &format!("{field}.code"))?
                } else if let Some(x) = c.command {
                    self.command_check(x, &format!("{field}.command"), known)?
                } else if let Some(x) = c.openapi {
                    self.openapi(x, &format!("{field}.openapi"), known)?
                } else {
                    return None;
                }
            }
            [first, second, ..] => {
                let msg = format!(
                    "check `{id}` has both `{}` and `{}`; a check has exactly one kind",
                    first.0, second.0
                );
                self.err(second.1, field, msg);
                return None;
            }
        };
        let (default_category, default_severity) = kind.defaults();
        let variant = match (c.variant, instance) {
            (None, _) => None,
            (Some(_), _) if !kind.needs_service() => {
                self.err(
                    c.id.referenced,
                    &format!("{field}.variant"),
                    "a `dependency` check runs before any instance; it takes no `variant`",
                );
                None
            }
            (Some(_), None) => {
                self.err(
                    c.id.referenced,
                    &format!("{field}.variant"),
                    "`variant` needs the suite's `instance:` to start from",
                );
                None
            }
            (Some(v), Some(base)) => {
                Some(self.variant(v, base, &format!("{field}.variant"), known))
            }
        };
        // Probes that measure the service itself run with nothing else in flight.
        let exclusive_default = kind.kind().exclusive_by_default();
        Some(CheckSpec {
            id,
            name: c.name,
            category: c.category.unwrap_or_else(|| default_category.to_string()),
            severity: severity.unwrap_or(default_severity),
            timeout,
            retries: c.retries.unwrap_or(0),
            exclusive: c.exclusive.unwrap_or(exclusive_default),
            pos,
            variant,
            kind,
        })
    }

    fn variant(
        &mut self,
        v: raw::VariantRaw,
        base: &InstanceSpec,
        field: &str,
        known: &Known,
    ) -> VariantSpec {
        let mut instance = base.clone();
        for (k, val) in v.env {
            let t = self.template(
                Value::String(val.value),
                val.referenced,
                &format!("{field}.env.{k}"),
                known,
            );
            instance.env.retain(|(name, _)| name != &k);
            instance.env.push((k, t));
        }
        for a in v.args {
            let t = self.template(
                Value::String(a.value),
                a.referenced,
                &format!("{field}.args"),
                known,
            );
            instance.command.push(t);
        }
        if let Some(r) = v.ready {
            instance.ready = self.ready(r, &format!("{field}.ready"), known, base.ready.clone());
        }
        let break_command = v
            .break_
            .map(|b| self.command(&b, &format!("{field}.break"), known));
        let setup = match v.setup {
            None | Some(raw::VariantSetupRaw::Enabled(true)) => VariantSetup::Suite,
            Some(raw::VariantSetupRaw::Enabled(false)) => VariantSetup::Skip,
            Some(raw::VariantSetupRaw::Steps(steps)) => {
                VariantSetup::Own(self.steps(&steps, &format!("{field}.setup"), &mut known.clone()))
            }
        };
        VariantSpec {
            instance,
            break_command,
            setup,
        }
    }

    /// Environment variables whose values are templates.
    fn env(
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
    fn command(&mut self, c: &Any, field: &str, known: &Known) -> Vec<Template> {
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

    fn health(
        &mut self,
        h: Spanned<raw::HealthRaw>,
        field: &str,
        known: &Known,
    ) -> Option<CheckKindSpec> {
        let loc = h.referenced;
        let h = h.value;
        let within = self.duration(
            &h.within,
            &format!("{field}.within"),
            Duration::from_secs(5),
        );
        if h.endpoints.is_empty() {
            self.err(
                loc,
                field,
                "`endpoints` is empty: this check asserts nothing",
            );
            return None;
        }
        let mut endpoints = Vec::new();
        for (i, e) in h.endpoints.into_iter().enumerate() {
            let f = format!("{field}.endpoints[{i}]");
            if !e.path.value.starts_with('/') {
                self.err(
                    e.path.referenced,
                    &format!("{f}.path"),
                    format!("path `{}` must start with `/`", e.path.value),
                );
            }
            let state = match e.expect.value.as_str() {
                "healthy" => HealthState::Healthy,
                "degraded" => HealthState::Degraded,
                "unhealthy" => HealthState::Unhealthy,
                other => {
                    self.err(
                        e.expect.referenced,
                        &format!("{f}.expect"),
                        format!("unknown health state `{other}`"),
                    )
                    .hint = Some("use one of `healthy`, `degraded`, `unhealthy`".into());
                    continue;
                }
            };
            let status = e
                .status
                .as_ref()
                .map(|s| self.status(s, &format!("{f}.status")));
            let fields = self.json_assertions(&e.fields, &format!("{f}.fields"), known);
            endpoints.push(HealthEndpoint {
                path: e.path.value,
                state,
                status,
                fields,
            });
        }
        Some(CheckKindSpec::Health(HealthSpec { endpoints, within }))
    }

    fn dependency(&mut self, d: Spanned<raw::DependencyRaw>, field: &str) -> Option<CheckKindSpec> {
        let loc = d.referenced;
        let d = d.value;
        let mut spec = DependencySpec::default();
        let default_version_re = Regex::new(r"(\d+(?:\.\d+)+)").ok()?;
        for (i, b) in d.binaries.iter().enumerate() {
            let f = format!("{field}.binaries[{i}]");
            let (name, version, arg, re) = match &b.value {
                Value::String(n) => (n.clone(), None, None, None),
                Value::Object(o) => {
                    let known_keys = ["name", "version", "version-arg", "version-regex"];
                    if let Some(k) = o.keys().find(|k| !known_keys.contains(&k.as_str())) {
                        self.err(b.referenced, &f, format!("unknown field `{k}`, expected one of name, version, version-arg, version-regex"));
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
                interpreter: p.interpreter.unwrap_or_else(|| "python3".into()),
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
        Some(CheckKindSpec::Dependency(spec))
    }

    fn rate_limit(
        &mut self,
        r: Spanned<raw::RateLimitRaw>,
        field: &str,
        known: &Known,
    ) -> Option<CheckKindSpec> {
        let loc = r.referenced;
        let r = r.value;
        let request = self.request(&r.request, &format!("{field}.request"), known);
        let window = self.duration(
            &Some(r.window),
            &format!("{field}.window"),
            Duration::from_secs(60),
        );
        if r.limit == 0 || r.limit > 10_000 {
            self.err(
                loc,
                &format!("{field}.limit"),
                format!("limit {} is out of range (1 to 10000)", r.limit),
            );
            return None;
        }
        if r.tolerance.is_some_and(|t| t > 10_000) {
            self.err(
                loc,
                &format!("{field}.tolerance"),
                format!(
                    "tolerance {} is out of range (0 to 10000)",
                    r.tolerance.unwrap_or_default()
                ),
            );
            return None;
        }
        let clients = match (r.client_header, r.source) {
            (Some(_), Some(_)) => {
                self.err(
                    loc,
                    field,
                    "set either `client-header` or `source`, not both",
                );
                return None;
            }
            (Some(h), None) => RateLimitClients::Header(h),
            (None, source) => {
                let text = source.unwrap_or_else(|| "127.0.0.2".into());
                match text.parse::<std::net::Ipv4Addr>() {
                    Ok(a) if a.is_loopback() && a.octets()[3] < 255 => {
                        let [w, x, y, z] = a.octets();
                        RateLimitClients::Addresses(a, std::net::Ipv4Addr::new(w, x, y, z + 1))
                    }
                    _ => {
                        self.err(
                            loc,
                            &format!("{field}.source"),
                            format!("`{text}` is not a loopback IPv4 address"),
                        )
                        .hint = Some("use an address in 127.0.0.0/8 such as `127.0.0.2`".into());
                        return None;
                    }
                }
            }
        };
        Some(CheckKindSpec::RateLimit(Box::new(RateLimitSpec {
            request,
            limit: r.limit,
            window,
            refused_status: r.expect_status.unwrap_or(429),
            tolerance: r.tolerance.unwrap_or(0),
            concurrency: r.concurrency.unwrap_or(10).clamp(1, 100) as usize,
            clients,
            require_retry_after: r.require_retry_after,
        })))
    }

    /// An action written as one `request` or as `steps` (both optional).
    fn action(
        &mut self,
        request: Option<&RequestRaw>,
        steps: Option<&Vec<StepRaw>>,
        loc: Location,
        field: &str,
        known: &Known,
    ) -> Vec<StepSpec> {
        match (request, steps) {
            (Some(r), None) => vec![self.step(r, None, &Default::default(), None, field, known)],
            (None, Some(s)) => self.steps(s, &format!("{field}.steps"), &mut known.clone()),
            (None, None) => Vec::new(),
            (Some(_), Some(_)) => {
                self.err(loc, field, "set either `request` or `steps`, not both");
                Vec::new()
            }
        }
    }

    fn percent(&mut self, s: &Spanned<String>, field: &str) -> Option<f64> {
        let t = s.value.trim();
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

    fn logs(
        &mut self,
        l: Spanned<raw::LogsRaw>,
        field: &str,
        known: &Known,
    ) -> Option<CheckKindSpec> {
        let loc = l.referenced;
        let l = l.value;
        let action = self.action(l.request.as_ref(), l.steps.as_ref(), loc, field, known);
        let mut known = known.clone();
        for s in &action {
            known.0.extend(s.capture.iter().map(|(k, _)| k.clone()));
        }
        let output = l.output.map(|o| OutputLogSpec {
            json: o.json.unwrap_or(false),
            fields: o.fields,
            must_not_match: o
                .must_not_match
                .iter()
                .enumerate()
                .filter_map(|(i, r)| {
                    self.regex(
                        &r.value,
                        r.referenced,
                        &format!("{field}.output.must-not-match[{i}]"),
                    )
                })
                .collect(),
        });
        let audit = l.audit.map(|a| AuditSpec {
            file: self.template(
                Value::String(a.file.value.clone()),
                a.file.referenced,
                &format!("{field}.audit.file"),
                &known,
            ),
            expect: a
                .expect
                .value
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        self.template(
                            v.clone(),
                            a.expect.referenced,
                            &format!("{field}.audit.expect.{k}"),
                            &known,
                        ),
                    )
                })
                .collect(),
            within: self.duration(
                &a.within,
                &format!("{field}.audit.within"),
                Duration::from_secs(2),
            ),
        });
        if output.is_none() && audit.is_none() {
            self.err(loc, field, "this check asserts nothing").hint =
                Some("add `output:` or `audit:`".into());
            return None;
        }
        Some(CheckKindSpec::Logs(Box::new(LogsSpec {
            action,
            output,
            audit,
        })))
    }

    fn path(&mut self, p: &Spanned<String>, field: &str) -> String {
        if !p.value.starts_with('/') {
            self.err(
                p.referenced,
                field,
                format!("path `{}` must start with `/`", p.value),
            );
        }
        p.value.clone()
    }

    fn security(
        &mut self,
        x: Spanned<raw::SecurityRaw>,
        field: &str,
        known: &Known,
    ) -> Option<CheckKindSpec> {
        let loc = x.referenced;
        let x = x.value;
        let mut spec = SecuritySpec::default();
        for (i, r) in x.auth_required.iter().flatten().enumerate() {
            let req = self.request(r, &format!("{field}.auth-required[{i}]"), known);
            spec.auth_required.push(req);
        }
        spec.spoofable_identity = x
            .spoofable_identity
            .as_ref()
            .map(|r| self.request(r, &format!("{field}.spoofable-identity"), known));
        spec.error_hygiene = x
            .error_hygiene
            .as_ref()
            .map(|r| self.request(r, &format!("{field}.error-hygiene"), known));
        spec.cors = x.cors.map(|c| CorsSpec {
            path: self.path(&c.path, &format!("{field}.cors.path")),
            allowed: c.allowed,
            method: c
                .method
                .unwrap_or_else(|| "POST".into())
                .to_ascii_uppercase(),
        });
        if let Some(w) = x.webhook_signature {
            let f = format!("{field}.webhook-signature");
            let headers = w.headers.as_ref().map(|h| {
                self.template(
                    h.value.clone(),
                    h.referenced,
                    &format!("{f}.headers"),
                    known,
                )
            });
            let payload = match &w.json {
                Some(j) => {
                    self.template(j.value.clone(), j.referenced, &format!("{f}.json"), known)
                }
                None => Template::new(serde_json::json!({ "zen": "harden" }))
                    .unwrap_or_else(|_| Template::literal("")),
            };
            spec.webhook = Some(WebhookSpec {
                path: self.path(&w.path, &format!("{f}.path")),
                secret: self.template(
                    Value::String(w.secret.value.clone()),
                    w.secret.referenced,
                    &format!("{f}.secret"),
                    known,
                ),
                header: w.header.unwrap_or_else(|| "X-Hub-Signature-256".into()),
                prefix: w.prefix.unwrap_or_else(|| "sha256=".into()),
                headers,
                payload,
            });
        }
        if let Some(h) = x.headers {
            let f = format!("{field}.headers");
            let mut require = Vec::new();
            for item in &h.require {
                match &item.value {
                    Value::String(n) => require.push((n.to_ascii_lowercase(), None)),
                    Value::Object(o) if o.len() == 1 => {
                        for (k, v) in o {
                            require.push((
                                k.to_ascii_lowercase(),
                                Some(crate::suite::template::value_text(v)),
                            ));
                        }
                    }
                    _ => {
                        self.err(
                            item.referenced,
                            &format!("{f}.require"),
                            "expected a header name or `{name: value}`",
                        );
                    }
                }
            }
            spec.headers = Some(SecurityHeadersSpec {
                path: self.path(&h.path, &format!("{f}.path")),
                require,
            });
        }
        let empty = spec.auth_required.is_empty()
            && spec.spoofable_identity.is_none()
            && spec.error_hygiene.is_none()
            && spec.cors.is_none()
            && spec.webhook.is_none()
            && spec.headers.as_ref().is_none_or(|h| h.require.is_empty());
        if empty {
            self.err(loc, field, "this check asserts nothing").hint = Some(
                "add a probe: `auth-required`, `spoofable-identity`, `error-hygiene`, `cors`, `webhook-signature` or `headers`".into(),
            );
            return None;
        }
        Some(CheckKindSpec::Security(Box::new(spec)))
    }

    fn load(
        &mut self,
        l: Spanned<raw::LoadRaw>,
        field: &str,
        known: &Known,
    ) -> Option<CheckKindSpec> {
        let loc = l.referenced;
        let l = l.value;
        let request = self.request(&l.request, &format!("{field}.request"), known);
        let amount = match (l.requests, &l.duration) {
            (Some(_), Some(_)) => {
                self.err(loc, field, "set either `requests` or `duration`, not both");
                return None;
            }
            (Some(n), None) if (1..=1_000_000).contains(&n) => LoadAmount::Requests(n),
            (Some(n), None) => {
                self.err(
                    loc,
                    &format!("{field}.requests"),
                    format!("{n} requests is out of range (1 to 1000000)"),
                );
                return None;
            }
            (None, Some(_)) => LoadAmount::Duration(self.duration(
                &l.duration,
                &format!("{field}.duration"),
                Duration::from_secs(10),
            )),
            (None, None) => LoadAmount::Requests(1000),
        };
        let t = &l.thresholds;
        let mut dur = |d: &Option<Spanned<String>>, name: &str| {
            d.as_ref()
                .map(|_| self.duration(d, &format!("{field}.thresholds.{name}"), Duration::ZERO))
        };
        let thresholds = LoadThresholds {
            p50: dur(&t.p50, "p50"),
            p95: dur(&t.p95, "p95"),
            p99: dur(&t.p99, "p99"),
            max: dur(&t.max, "max"),
            error_rate: t
                .error_rate
                .as_ref()
                .and_then(|e| self.percent(e, &format!("{field}.thresholds.error-rate"))),
            min_rps: t.min_rps,
        };
        let th = &thresholds;
        if th.p50.is_none()
            && th.p95.is_none()
            && th.p99.is_none()
            && th.max.is_none()
            && th.error_rate.is_none()
            && th.min_rps.is_none()
        {
            self.err(
                loc,
                &format!("{field}.thresholds"),
                "no threshold: this check asserts nothing",
            )
            .hint = Some(
                "set at least one of `p50`, `p95`, `p99`, `max`, `error-rate`, `min-rps`".into(),
            );
            return None;
        }
        Some(CheckKindSpec::Load(Box::new(LoadSpec {
            request,
            amount,
            concurrency: l.concurrency.unwrap_or(10).clamp(1, 1000) as usize,
            ok_status: match &l.expect_status {
                Some(s) => self.status(s, &format!("{field}.expect-status")),
                None => StatusMatcher {
                    ranges: vec![(200, 399)],
                    text: "200-399".into(),
                },
            },
            thresholds,
        })))
    }

    fn code(&mut self, c: Spanned<raw::CodeRaw>, field: &str) -> Option<CheckKindSpec> {
        let loc = c.referenced;
        let c = c.value;
        let root = match &c.root {
            Some(r) => self.dir.join(r),
            None => self.dir.clone(),
        };
        if !root.is_dir() {
            self.err(
                loc,
                &format!("{field}.root"),
                format!("`{}` is not a directory", root.display()),
            );
        }
        for g in c.include.iter().chain(&c.exclude) {
            if let Err(e) = globset::Glob::new(g) {
                self.err(loc, field, format!("invalid glob `{g}`: {e}"));
            }
        }
        let mut rules = Vec::new();
        for (i, r) in c.rules.iter().enumerate() {
            let f = format!("{field}.rules[{i}]");
            let (name, pattern, files) = match (&r.preset, &r.pattern) {
                (Some(p), None) => match crate::suite::presets::code_preset(&p.value) {
                    Some((n, re, globs)) => (
                        r.name.clone().unwrap_or_else(|| n.to_string()),
                        re.to_string(),
                        globs.iter().map(|g| g.to_string()).collect(),
                    ),
                    None => {
                        let names: Vec<&str> = crate::suite::presets::CODE_PRESETS
                            .iter()
                            .map(|(n, _, _)| *n)
                            .collect();
                        self.err(
                            p.referenced,
                            &format!("{f}.preset"),
                            format!("unknown preset `{}`", p.value),
                        )
                        .hint = Some(format!("use one of {}", names.join(", ")));
                        continue;
                    }
                },
                (None, Some(p)) => (
                    r.name.clone().unwrap_or_else(|| p.value.clone()),
                    p.value.clone(),
                    Vec::new(),
                ),
                _ => {
                    self.err(loc, &f, "a rule needs either `preset` or `pattern`");
                    continue;
                }
            };
            let at = r.pattern.as_ref().map(|p| p.referenced).unwrap_or(loc);
            let Some(pattern) = self.regex(&pattern, at, &format!("{f}.pattern")) else {
                continue;
            };
            let files = if r.files.is_empty() {
                files
            } else {
                r.files.clone()
            };
            rules.push(CodeRule {
                name,
                pattern,
                files,
                max: r.max.unwrap_or(0),
            });
        }
        if rules.is_empty() {
            self.err(
                loc,
                &format!("{field}.rules"),
                "no rules: this check asserts nothing",
            );
            return None;
        }
        Some(CheckKindSpec::Code(CodeSpec {
            root,
            include: c.include,
            exclude: c.exclude,
            rules,
        }))
    }

    fn command_check(
        &mut self,
        c: Spanned<raw::CommandRaw>,
        field: &str,
        known: &Known,
    ) -> Option<CheckKindSpec> {
        let c = c.value;
        let argv = self.command(&c.run, &format!("{field}.run"), known);
        let cwd = match &c.cwd {
            Some(d) => self.dir.join(d),
            None => self.dir.clone(),
        };
        let env = self.env(c.env, &format!("{field}.env"), known);
        let stdout = c
            .stdout
            .as_ref()
            .map(|b| self.body_predicates(b, &format!("{field}.stdout"), known))
            .unwrap_or_default();
        let stderr = c
            .stderr
            .as_ref()
            .map(|b| self.body_predicates(b, &format!("{field}.stderr"), known))
            .unwrap_or_default();
        let min_pass_rate = match &c.min_pass_rate {
            Some(r) => self
                .percent(r, &format!("{field}.min-pass-rate"))
                .unwrap_or(1.0),
            None => 1.0,
        };
        Some(CheckKindSpec::Command(Box::new(CommandSpec {
            argv,
            junit: c.junit.as_ref().map(|j| {
                self.template(
                    Value::String(j.value.clone()),
                    j.referenced,
                    &format!("{field}.junit"),
                    known,
                )
            }),
            cwd,
            env,
            exit: c.exit.or(if c.junit.is_some() || c.sarif.is_some() {
                None
            } else {
                Some(0)
            }),
            stdout,
            stderr,
            min_pass_rate,
            sarif: c.sarif.as_ref().map(|s| {
                self.template(
                    Value::String(s.value.clone()),
                    s.referenced,
                    &format!("{field}.sarif"),
                    known,
                )
            }),
            budgets: c.budgets.into_iter().collect(),
        })))
    }

    fn metrics(
        &mut self,
        m: Spanned<raw::MetricsRaw>,
        field: &str,
        known: &Known,
    ) -> Option<CheckKindSpec> {
        let m = m.value;
        let lint = match m.lint.as_ref().map(|l| l.value.as_str()) {
            None | Some("warn") => LintMode::Warn,
            Some("off") => LintMode::Off,
            Some("fail") => LintMode::Fail,
            Some(other) => {
                let at = m
                    .lint
                    .as_ref()
                    .map(|l| l.referenced)
                    .unwrap_or(Location::UNKNOWN);
                self.err(
                    at,
                    &format!("{field}.lint"),
                    format!("unknown lint mode `{other}`"),
                )
                .hint = Some("use one of `off`, `warn`, `fail`".into());
                LintMode::Warn
            }
        };
        let mut require = Vec::new();
        for (i, r) in m.require.into_iter().enumerate() {
            let kind = match &r.kind {
                None => None,
                Some(k) => match MetricType::parse(&k.value) {
                    Some(t) => Some(t),
                    None => {
                        self.err(
                            k.referenced,
                            &format!("{field}.require[{i}].type"),
                            format!("unknown metric type `{}`", k.value),
                        )
                        .hint = Some(
                            "use one of `counter`, `gauge`, `histogram`, `summary`, `untyped`, `info`, `stateset`, `gaugehistogram`"
                                .into(),
                        );
                        None
                    }
                },
            };
            require.push(MetricRequirement {
                name: r.name.value,
                kind,
                labels: r.labels,
            });
        }
        let mut increases = Vec::new();
        for (i, inc) in m.increases_after.into_iter().enumerate() {
            let f = format!("{field}.increases-after[{i}]");
            let action = match (inc.request, inc.steps) {
                (Some(req), None) => {
                    vec![self.step(&req, None, &Default::default(), None, &f, known)]
                }
                (None, Some(steps)) if !steps.is_empty() => {
                    self.steps(&steps, &format!("{f}.steps"), &mut known.clone())
                }
                _ => {
                    self.err(
                        inc.metric.referenced,
                        &f,
                        "set the action as either `request` or `steps`",
                    );
                    continue;
                }
            };
            increases.push(IncreaseSpec {
                metric: inc.metric.value,
                labels: inc.labels.into_iter().collect(),
                by: inc.by.unwrap_or(1.0),
                action,
            });
        }
        let format = match m.format.as_ref().map(|f| f.value.as_str()) {
            None => ExpositionFormat::Any,
            Some("classic") => ExpositionFormat::Classic,
            Some("openmetrics") => ExpositionFormat::OpenMetrics,
            Some(other) => {
                let at = m
                    .format
                    .as_ref()
                    .map(|f| f.referenced)
                    .unwrap_or(Location::UNKNOWN);
                self.err(
                    at,
                    &format!("{field}.format"),
                    format!("unknown format `{other}`"),
                )
                .hint = Some("use `openmetrics` or `classic`".into());
                ExpositionFormat::Any
            }
        };
        Some(CheckKindSpec::Metrics(MetricsSpec {
            path: m.path.unwrap_or_else(|| "/metrics".into()),
            require,
            lint,
            increases,
            format,
        }))
    }

    fn openapi(
        &mut self,
        o: Spanned<raw::OpenApiRaw>,
        field: &str,
        known: &Known,
    ) -> Option<CheckKindSpec> {
        let loc = o.referenced;
        let o = o.value;
        let document = match o.document {
            None => OpenApiDocument::Service("/openapi.json".into()),
            Some(p) if p.starts_with('/') => OpenApiDocument::Service(p),
            Some(rel) => {
                let path = self.dir.join(&rel);
                let doc = crate::read::json::<Value>(&path, crate::read::SUITE_FILE);
                match doc {
                    Ok(doc) if doc.get("paths").is_some_and(Value::is_object) => {
                        OpenApiDocument::File {
                            shown: rel,
                            doc: Arc::new(doc),
                        }
                    }
                    Ok(_) => {
                        self.err(
                            loc,
                            &format!("{field}.document"),
                            format!(
                                "`{}` has no `paths` object; is it an OpenAPI document?",
                                path.display()
                            ),
                        );
                        return None;
                    }
                    Err(e) => {
                        let why = match e {
                            crate::read::JsonError::Read(e) => e.to_string(),
                            crate::read::JsonError::Parse(e) => format!("it is not JSON: {e}"),
                        };
                        self.err(loc, &format!("{field}.document"), format!("cannot read `{}`: {why}", path.display()))
                            .hint = Some("give a JSON file relative to the suite, or a path on the service such as `/openapi.json`".into());
                        return None;
                    }
                }
            }
        };
        let paths = if o.paths.is_empty() {
            None
        } else {
            let mut b = globset::GlobSetBuilder::new();
            for p in &o.paths {
                match globset::Glob::new(p) {
                    Ok(g) => {
                        b.add(g);
                    }
                    Err(e) => {
                        self.err(
                            loc,
                            &format!("{field}.paths"),
                            format!("invalid glob `{p}`: {e}"),
                        );
                    }
                }
            }
            b.build().ok()
        };
        let headers = o.headers.as_ref().map(|h| {
            self.template(
                h.value.clone(),
                h.referenced,
                &format!("{field}.headers"),
                known,
            )
        });
        Some(CheckKindSpec::OpenApi(Box::new(OpenApiSpec {
            document,
            tags: o.tags,
            paths,
            headers,
        })))
    }

    fn http(
        &mut self,
        h: Spanned<raw::HttpRaw>,
        field: &str,
        known: &Known,
    ) -> Option<CheckKindSpec> {
        let loc = h.referenced;
        let h = h.value;
        let steps = match (h.request, h.steps) {
            (Some(req), None) => {
                vec![self.step(&req, h.expect.as_ref(), &h.capture, None, field, known)]
            }
            (None, Some(steps)) if !steps.is_empty() => {
                if h.expect.is_some() || !h.capture.is_empty() {
                    self.err(
                        loc,
                        field,
                        "with `steps`, put `expect` and `capture` inside each step",
                    );
                }
                self.steps(&steps, &format!("{field}.steps"), &mut known.clone())
            }
            (Some(_), Some(_)) => {
                self.err(loc, field, "set either `request` or `steps`, not both");
                return None;
            }
            _ => {
                self.err(
                    loc,
                    field,
                    "an `http` check needs `request` (with `expect`) or `steps`",
                );
                return None;
            }
        };
        if steps.iter().all(|s| s.expect.is_empty()) {
            self.err(loc, field, "this check asserts nothing").hint =
                Some("add `expect:` with at least a `status`".into());
        }
        Some(CheckKindSpec::Http(HttpSpec { steps }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(yaml: &str) -> String {
        match load_str(Path::new("suite.yaml"), yaml, &[]) {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.to_string(),
        }
    }

    const HEAD: &str = "suite: s\nbase-url: http://127.0.0.1:9\nchecks:\n";

    #[test]
    fn valid_suite_becomes_a_spec_with_defaults() {
        let yaml = format!(
            "{HEAD}  - id: a\n    http: {{ request: {{ path: /x }}, expect: {{ status: 2xx }} }}\n  - id: b\n    severity: critical\n    category: ops\n    timeout: 2s\n    retries: 1\n    http: {{ request: {{ method: post, url: 'http://127.0.0.1:9/y' }}, expect: {{ status: [200, 204] }} }}\n"
        );
        let s = load_str(Path::new("dir/suite.yaml"), &yaml, &[]).unwrap();
        assert_eq!(s.dir, PathBuf::from("dir"));
        let (a, b) = (&s.checks[0], &s.checks[1]);
        assert_eq!(
            (a.category.as_str(), a.severity, a.timeout, a.retries),
            ("contract", Severity::Medium, DEFAULT_CHECK_TIMEOUT, 0)
        );
        assert_eq!((a.pos.line, a.pos.column), (4, 9));
        assert_eq!(
            (b.category.as_str(), b.severity, b.timeout, b.retries),
            ("ops", Severity::Critical, Duration::from_secs(2), 1)
        );
        let CheckKindSpec::Http(h) = &b.kind else {
            panic!("expected an http check")
        };
        assert_eq!(h.steps[0].request.method, reqwest::Method::POST);
        let status = h.steps[0].expect.status.as_ref().unwrap();
        assert!(status.matches(204) && !status.matches(201));
    }

    #[test]
    fn var_overrides_and_setup_captures_are_known() {
        let yaml = "suite: s\nbase-url: http://127.0.0.1:9\nsetup:\n  - request: { path: /a }\n    capture: { id: \"$.id\" }\nchecks:\n  - id: a\n    http: { request: { path: \"/runs/${id}/${extra}\" }, expect: { status: 200 } }\n";
        assert!(load_str(Path::new("s.yaml"), yaml, &[]).is_err());
        let s = load_str(Path::new("s.yaml"), yaml, &[("extra".into(), "1".into())]).unwrap();
        assert_eq!(s.vars["extra"], Value::String("1".into()));
    }

    #[test]
    fn error_messages() {
        let cases = [
            ("unknown_key", format!("{HEAD}  - id: a\n    http:\n      request: {{ path: /x }}\n      expect: {{ stauts: 200 }}\n")),
            ("wrong_type", format!("{HEAD}  - id: a\n    retries: -1\n    http: {{ request: {{ path: /x }}, expect: {{ status: 200 }} }}\n")),
            ("two_kinds_and_bad_id", format!("{HEAD}  - id: 'has space'\n    http: {{ request: {{ path: /x }}, expect: {{ status: 200 }} }}\n  - id: b\n")),
            ("bad_values", format!("{HEAD}  - id: a\n    severity: urgent\n    timeout: soon\n    http:\n      request: {{ method: 'GE T', path: x }}\n      expect: {{ status: 700, headers: {{ x-a: {{ like: b }} }}, json: {{ \"$.a\": {{ type: str, gt: x }} }}, body: {{ matches: '(' }} }}\n")),
            ("instance", "suite: s\ninstance:\n  command: []\n  port: high\n  ready: { http: /h, log: up }\n  stop: { signal: usr1, grace: 1 }\nchecks:\n  - id: a\n    http: { request: { path: /x }, expect: { status: 200 } }\n".to_string()),
            ("no_base_url", "suite: s\nchecks:\n  - id: a\n    http: { request: { path: /x }, expect: { status: 200 } }\n".to_string()),
            ("steps", format!("{HEAD}  - id: a\n    http:\n      expect: {{ status: 200 }}\n      steps:\n        - request: {{ path: /x }}\n          capture: {{ id: 42 }}\n        - request: {{ path: \"/y/${{id}}/${{later}}\" }}\n          capture: {{ later: '$.z' }}\n")),
        ];
        for (name, yaml) in cases {
            insta::assert_snapshot!(name, errors(&yaml));
        }
    }
}
