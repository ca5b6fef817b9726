//! Reads a suite file, parses it, and validates it into a [`Suite`].
//!
//! Every problem is located at `file:line:col` with its field path; all of a file's
//! problems are reported at once. Nothing here touches the network or spawns anything.

use crate::suite::diagnostic::{LoadError, LoadErrors};
use crate::suite::expect::StatusMatcher;
use crate::suite::kind::CheckKind;
use crate::suite::located::Location;
use crate::suite::raw::{self, CheckRaw, InstanceRaw, KindRaw};
use crate::suite::severity::Severity;
use crate::suite::shared::{FileTexts, SharedStr};
use crate::suite::spec::*;
use crate::suite::validator::{ANY_NAME, Known, MAX_SIZE, Validator, parse_size};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

mod de;
mod instance;
mod limits;
mod read;
mod suite;
mod tree;

/// Names harden defines for every instance.
pub(crate) const BUILTIN_VARS: [&str; 3] = ["PORT", "BASE_URL", "INSTANCE_DIR"];

const DEFAULT_CHECK_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_READY_TIMEOUT: Duration = Duration::from_secs(60);
const DEFAULT_GRACE: Duration = Duration::from_secs(10);

/// Loads one suite file. `overrides` are `--var NAME=VALUE` pairs; they replace suite vars.
pub(crate) fn load(file: &Path, overrides: &[(String, String)]) -> Result<Suite, LoadErrors> {
    let text = crate::read::text(file, crate::read::SUITE_FILE).map_err(|e| {
        let mut err = plain_error(file, format!("cannot read suite: {e}"));
        match &e {
            crate::read::ReadError::Io(io) if io.kind() == std::io::ErrorKind::NotFound => {
                err = err.with_hint(
                    "pass the suite file's path, or create `harden.yaml` or `checks/*.yaml`",
                );
            }
            crate::read::ReadError::TooLarge { .. } => {
                err = err.with_hint(
                    "a suite is a YAML file; check the path, or split the suite into several files",
                );
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
    match load_streaming(file, text, overrides) {
        Some(loaded) => loaded,
        // A key after `checks:` could change how they read: read the file again whole.
        None => load_whole(file, text, overrides),
    }
}

fn validator<'a>(file: &Path, text: &'a str) -> Validator<'a> {
    let dir = file
        .parent()
        .map(Path::to_path_buf)
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."));
    Validator {
        file: file.to_path_buf(),
        env_refs: BTreeSet::new(),
        captures: BTreeSet::new(),
        text,
        line_starts: Default::default(),
        dir,
        errors: Vec::new(),
        vars: Default::default(),
        refs: BTreeSet::new(),
    }
}

/// Reads the suite's keys, then each check as the parser finishes it, so that the nodes of
/// only one check are held at a time. `None` when the suite has keys after `checks:` (its
/// checks were read against a head that was not whole).
fn load_streaming(
    file: &Path,
    text: &str,
    overrides: &[(String, String)],
) -> Option<Result<Suite, LoadErrors>> {
    let mut cx = validator(file, text);
    let mut head: Option<suite::Head> = None;
    let mut checks = suite::Checks::new(file);
    let parsed = tree::parse_with(text, &mut |s| match s {
        tree::Streamed::Begin(loc, entries) => {
            // The head as it would be read from the whole tree, its checks left out.
            let mut entries = entries.to_vec();
            entries.push((
                tree::Node::scalar(loc, "checks"),
                tree::Node {
                    loc,
                    value: tree::Value::Seq(Vec::new()),
                },
            ));
            let mut root = tree::Node {
                loc,
                value: tree::Value::Map(entries),
            };
            let Some((raw, complete)) = cx.read_suite(&mut root) else {
                // Not readable: the whole file says why.
                cx.errors.clear();
                return false;
            };
            head = Some(cx.head(raw, overrides, complete));
            true
        }
        tree::Streamed::Item(node) => {
            if let Some(head) = &head {
                cx.check_node(&mut checks, head, node);
            }
            true
        }
    });
    let parsed = match parsed {
        Ok(p) => p,
        Err(e) => {
            // A syntax error is all that is said of a file the parser cannot finish.
            cx.errors.clear();
            cx.tree_error(e);
            return Some(Err(LoadErrors(cx.errors)));
        }
    };
    if !parsed.handed {
        return Some(assemble(cx, parsed, overrides));
    }
    if parsed.keys_after_checks {
        return None;
    }
    let suite = cx.finish(head?, checks);
    // Keys written twice are said first, as when the whole tree is read.
    let said = std::mem::take(&mut cx.errors);
    for d in parsed.duplicates {
        cx.tree_error(d);
    }
    cx.errors.extend(said);
    Some(if cx.errors.is_empty() {
        Ok(suite)
    } else {
        Err(LoadErrors(cx.errors))
    })
}

/// Reads the whole tree first, then the suite's keys and its checks.
fn load_whole(
    file: &Path,
    text: &str,
    overrides: &[(String, String)],
) -> Result<Suite, LoadErrors> {
    let mut cx = validator(file, text);
    match tree::parse_with(text, &mut |_| false) {
        Ok(parsed) => assemble(cx, parsed, overrides),
        Err(e) => {
            cx.tree_error(e);
            Err(LoadErrors(cx.errors))
        }
    }
}

/// The suite from a whole tree (its checks not handed over while it was read).
fn assemble(
    mut cx: Validator<'_>,
    parsed: tree::Parsed<'_>,
    overrides: &[(String, String)],
) -> Result<Suite, LoadErrors> {
    let tree::Parsed {
        mut root,
        duplicates,
        ..
    } = parsed;
    for d in duplicates {
        cx.tree_error(d);
    }
    // The checks leave the tree: each is read, validated and dropped in turn.
    let nodes = match root.get_mut("checks").map(|n| &mut n.value) {
        Some(tree::Value::Seq(items)) => std::mem::take(items),
        _ => Vec::new(),
    };
    let Some((raw, complete)) = cx.read_suite(&mut root) else {
        return Err(LoadErrors(cx.errors));
    };
    drop(root);
    let head = cx.head(raw, overrides, complete);
    let mut checks = suite::Checks::new(&cx.file.clone());
    for node in nodes {
        cx.check_node(&mut checks, &head, node);
    }
    let suite = cx.finish(head, checks);
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

impl Validator<'_> {
    /// `file`: the suite file's path, made once for all its checks.
    fn pos(file: &Arc<Path>, loc: Location) -> SourcePos {
        let narrow = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        SourcePos {
            file: file.clone(),
            line: narrow(loc.line()),
            column: narrow(loc.column()),
        }
    }
    /// Validates one kind's keys: the one place each kind's validator is called.
    fn kind(&mut self, raw: KindRaw, field: &str, known: &Known) -> Option<CheckKindSpec> {
        Some(match raw {
            KindRaw::Http(h) => CheckKindSpec::Http(self.http(*h, field, known)?),
            KindRaw::Health(h) => CheckKindSpec::Health(Box::new(self.health(*h, field, known)?)),
            KindRaw::Dependency(d) => {
                CheckKindSpec::Dependency(Box::new(self.dependency(*d, field)?))
            }
            KindRaw::RateLimit(r) => {
                CheckKindSpec::RateLimit(Box::new(self.rate_limit(*r, field, known)?))
            }
            KindRaw::Metrics(m) => {
                CheckKindSpec::Metrics(Box::new(self.metrics(*m, field, known)?))
            }
            KindRaw::Logs(l) => CheckKindSpec::Logs(Box::new(self.logs(*l, field, known)?)),
            KindRaw::Security(x) => {
                CheckKindSpec::Security(Box::new(self.security(*x, field, known)?))
            }
            KindRaw::Load(l) => CheckKindSpec::Load(Box::new(self.load(*l, field, known)?)),
            KindRaw::Code(x) => CheckKindSpec::Code(Box::new(self.code(*x, field)?)),
            KindRaw::Command(x) => {
                CheckKindSpec::Command(Box::new(self.command_check(*x, field, known)?))
            }
            KindRaw::OpenApi(x) => {
                CheckKindSpec::OpenApi(Box::new(self.openapi(*x, field, known)?))
            }
        })
    }

    /// `texts`: what the checks of the file share (its path, their categories); `claimed`:
    /// the check's id as the duplicate check keeps it.
    fn check(
        &mut self,
        mut c: CheckRaw,
        field: &str,
        known: &Known,
        instance: Option<&InstanceSpec>,
        texts: &mut FileTexts,
        claimed: Option<SharedStr>,
    ) -> Option<CheckSpec> {
        let at = c.id.referenced;
        if let Some(n) = &mut c.name {
            self.expand_now(n, at, &format!("{field}.name"));
        }
        if let Some(n) = &mut c.category {
            self.expand_now(n, at, &format!("{field}.category"));
        }
        if let Some(s) = &mut c.severity {
            self.expand_now(&mut s.value, s.referenced, &format!("{field}.severity"));
        }
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
        let pos = Self::pos(&texts.file, c.id.referenced);
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
                    .hint = Some(crate::suggest::one_of(&s.value, &Severity::NAMES));
                    None
                }
            },
        };
        let timeout = self.duration(
            &c.timeout,
            &format!("{field}.timeout"),
            DEFAULT_CHECK_TIMEOUT,
        );
        // Every kind key the check wrote, in `CheckKind::ALL` order.
        let mut written: Vec<(CheckKind, Location, KindRaw)> = CheckKind::ALL
            .into_iter()
            .filter_map(|k| c.take_kind(k).map(|(loc, raw)| (k, loc, raw)))
            .collect();
        let kind = match written.as_slice() {
            [] => {
                self.err(c.id.referenced, field, format!("check `{id}` has no kind"))
                    .hint = Some(format!("add exactly one kind key: {}", CheckKind::listed()));
                return None;
            }
            [(first, ..), (second, loc, _), ..] => {
                let msg = format!(
                    "check `{id}` has both `{first}` and `{second}`; a check has exactly one kind"
                );
                self.err(*loc, field, msg);
                return None;
            }
            [_] => {
                let (kind, _, raw) = written.remove(0);
                self.kind(raw, &format!("{field}.{kind}"), known)?
            }
        };
        let (default_category, default_severity) = kind.defaults();
        let variant = match (c.variant, instance) {
            (None, _) => None,
            (Some(_), _) if !kind.needs_service() => {
                self.err(
                    c.id.referenced,
                    &format!("{field}.variant"),
                    format!(
                        "a `{}` check runs before any instance; it takes no `variant`",
                        kind.name()
                    ),
                );
                None
            }
            (Some(_), None) => {
                // Without a readable `instance:` there is nothing to say about the variant.
                if !known.0.contains(ANY_NAME) {
                    self.err(
                        c.id.referenced,
                        &format!("{field}.variant"),
                        "`variant` needs the suite's `instance:` to start from",
                    );
                }
                None
            }
            (Some(v), Some(base)) => Some(Box::new(self.variant(
                v,
                base,
                &format!("{field}.variant"),
                known,
            ))),
        };
        // Probes that measure the service itself run with nothing else in flight.
        let exclusive_default = kind.kind().exclusive_by_default();
        Some(CheckSpec {
            // The text the duplicate check claimed, when it is the id read: one copy.
            id: claimed.filter(|c| *c == *id).unwrap_or_else(|| id.into()),
            name: c.name.map(SharedStr::from),
            category: texts.category(c.category.as_deref().unwrap_or(default_category)),
            severity: severity.unwrap_or(default_severity),
            timeout,
            retries: c.retries.unwrap_or(0),
            exclusive: c.exclusive.unwrap_or(exclusive_default),
            pos,
            variant,
            kind,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::timing::{FlakyRule, TimingSpec};

    fn errors(yaml: &str) -> String {
        match load_str(Path::new("suite.yaml"), yaml, &[]) {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.to_string(),
        }
    }

    const HEAD: &str = "suite: s\nbase-url: http://127.0.0.1:9\nchecks:\n";

    #[test]
    fn timing_is_read_for_every_check_and_checked() {
        let check =
            "  - id: a\n    http: { request: { path: /x }, expect: { max-duration: 1s } }\n";
        let s = load_str(Path::new("s.yaml"), &format!("{HEAD}{check}"), &[]).unwrap();
        assert_eq!(s.timing, TimingSpec::default());
        let yaml = format!("timing: {{ remeasure: 4, flaky: fail }}\n{HEAD}{check}");
        let s = load_str(Path::new("s.yaml"), &yaml, &[]).unwrap();
        assert_eq!(
            s.timing,
            TimingSpec {
                remeasure: 4,
                flaky: FlakyRule::Fail
            }
        );
        let e = errors(&format!("timing: {{ flaky: wran }}\n{HEAD}{check}"));
        assert!(
            e.contains("timing.flaky: unknown rule `wran`") && e.contains("did you mean `warn`?"),
            "{e}"
        );
        let e = errors(&format!("timing: {{ remeasure: 9 }}\n{HEAD}{check}"));
        assert!(e.contains("`remeasure: 9` is more than 5"), "{e}");
    }

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

    /// A var whose value is `${env.NAME}` holds the environment's value wherever it is used
    /// (a header, a path); an unset one is an error naming it, as elsewhere.
    #[test]
    fn a_var_reads_the_environment_when_the_suite_loads() {
        let home = std::env::var("HOME").unwrap_or_default();
        let yaml = "suite: s\nbase-url: http://127.0.0.1:9\nvars: { key: \"${env.HOME}\", both: \"k=${env.HOME}\", plain: \"$${env.HOME}\" }\nchecks:\n  - id: a\n    http: { request: { path: /x, headers: { X-Key: \"${key}\" } }, expect: { status: 200 } }\n";
        let s = load_str(Path::new("s.yaml"), yaml, &[]).unwrap();
        assert_eq!(s.vars["key"], Value::String(home.clone()));
        assert_eq!(s.vars["both"], Value::String(format!("k={home}")));
        assert_eq!(s.vars["plain"], Value::String("${env.HOME}".into()));
        let message =
            errors(&yaml.replacen("env.HOME}\", ", "env.HARDEN_UNSET_FOR_THIS_TEST}\", ", 1));
        assert!(
            message.contains("undefined variable `env.HARDEN_UNSET_FOR_THIS_TEST`")
                && message.contains("vars.key")
                && message.contains("set `HARDEN_UNSET_FOR_THIS_TEST` in the environment"),
            "{message}"
        );
        // `--var key=...` replaces the suite's value: its environment is not read.
        let unset = yaml.replacen("env.HOME}\", ", "env.HARDEN_UNSET_FOR_THIS_TEST}\", ", 1);
        let s = load_str(
            Path::new("s.yaml"),
            &unset,
            &[("key".into(), "given".into())],
        )
        .unwrap();
        assert_eq!(s.vars["key"], Value::String("given".into()));
        let message = errors(&yaml.replacen("${env.HOME}\", ", "${other}\", ", 1));
        assert!(
            message.contains("vars.key") && message.contains("`${other}`"),
            "{message}"
        );
    }

    /// `secrets:` names vars, `env.NAME` and captures made anywhere; anything else is an
    /// error with the closest name.
    #[test]
    fn secrets_name_vars_environment_variables_and_captures() {
        let head = "suite: s\nbase-url: http://127.0.0.1:9\nvars: { token: abcdef }\nsetup:\n  - request: { path: /login }\n    capture: { jwt: \"$.token\" }\nchecks:\n  - id: a\n    http: { request: { path: /x }, expect: { status: 200 } }\n";
        let s = load_str(
            Path::new("s.yaml"),
            &format!("{head}secrets: [token, env.DEPLOY_KEY, jwt]\n"),
            &[],
        )
        .unwrap();
        assert_eq!(s.secrets, ["token", "env.DEPLOY_KEY", "jwt"]);
        let message = errors(&format!("{head}secrets: [jwtt]\n"));
        assert!(
            message
                .contains("secret `jwtt` is not a variable under `vars:`, a capture or `env.NAME`"),
            "{message}"
        );
        assert!(message.contains("`jwt`"), "{message}");
    }

    /// The "takes no `variant`" message names the kind the check has, not always
    /// `dependency` (issue 19).
    #[test]
    fn a_preflight_check_with_a_variant_is_named_by_its_own_kind() {
        let head = "suite: s\ninstance: { command: [srv] }\nchecks:\n  - id: a\n    variant: { args: [--x] }\n";
        for (key, body) in [
            ("dependency", "{ env: [HOME] }"),
            ("code", "{ rules: [{ name: n, pattern: x }] }"),
            ("command", "{ run: [true] }"),
        ] {
            let message = errors(&format!("{head}    {key}: {body}\n"));
            assert!(
                message.contains(&format!(
                    "a `{key}` check runs before any instance; it takes no `variant`"
                )),
                "{key}: {message}"
            );
        }
    }

    /// Two kind keys: the second in `CheckKind::ALL` order is pointed at (here `code`),
    /// and both are named by their keys.
    #[test]
    fn two_kinds_are_named_by_their_keys() {
        let yaml = format!(
            "{HEAD}  - id: a\n    code: {{ rules: [{{ name: n, pattern: x }}] }}\n    rate-limit: {{ request: {{ path: /x }}, limit: 1, window: 1s }}\n"
        );
        let message = errors(&yaml);
        assert!(
            message.starts_with("suite.yaml:5:11: checks[0]: check `a` has both `rate-limit` and `code`; a check has exactly one kind"),
            "{message}"
        );
    }

    /// A value or key one typo away from a known one is answered with it.
    #[test]
    fn suggestions() {
        let cases = [
            ("suggest_unknown_check_key", format!("{HEAD}  - id: a\n    severty: high\n    http: {{ request: {{ path: /x }}, expect: {{ status: 200 }} }}\n")),
            ("suggest_snake_case_key", format!("{HEAD}  - id: a\n    http: {{ request: {{ path: /x }}, expect: {{ status: 200, max_duration: 1s }} }}\n")),
            ("suggest_severity", format!("{HEAD}  - id: a\n    severity: hihg\n    http: {{ request: {{ path: /x }}, expect: {{ status: 200 }} }}\n")),
            ("suggest_json_predicate", format!("{HEAD}  - id: a\n    http: {{ request: {{ path: /x }}, expect: {{ json: {{ \"$.n\": {{ gt: 0, gtee: 1 }} }} }} }}\n")),
            ("suggest_metric_type_and_lint", format!("{HEAD}  - id: a\n    metrics: {{ lint: fial, require: [{{ name: up, type: countr }}] }}\n")),
            ("suggest_signal", "suite: s\ninstance:\n  command: [srv]\n  stop: { signal: trem }\nchecks:\n  - id: a\n    health: { endpoints: [{ path: /h, expect: healty }] }\n".to_string()),
        ];
        for (name, yaml) in cases {
            insta::assert_snapshot!(name, errors(&yaml));
        }
    }

    /// Every mistake of a suite in one run, each at its place: a suite key of the wrong
    /// shape, a wrong value in one check and an unknown key in the next, a duplicate id,
    /// a check with no kind, a bad value and a key written twice.
    /// Checks read while the file is parsed give the suite, or the errors, that reading
    /// the whole tree first gives; a suite with keys after `checks:` is read whole.
    #[test]
    fn checks_read_as_parsed_agree_with_the_whole_tree() {
        let file = Path::new("suite.yaml");
        let check =
            "  - id: a\n    http: { request: { path: \"/${p}\" }, expect: { status: 200 } }\n";
        let shown = |r: Result<Suite, LoadErrors>| match r {
            Ok(s) => format!("{s:?}"),
            Err(e) => e.to_string(),
        };
        let streamed = [
            format!("suite: s\nbase-url: http://127.0.0.1:9\nvars: {{ p: x }}\nchecks:\n{check}"),
            // Errors of every sort: keys written twice, a check unread, a duplicate id.
            format!(
                "suite: s\nsuite: t\nbase-url: http://127.0.0.1:9\nchecks:\n{check}  - id: a\n    severty: high\n  - {{ id: b, id: c, http: {{}} }}\n"
            ),
            // No head to read: the file says why.
            "checks:\n  - id: a\n".to_string(),
        ];
        for text in &streamed {
            let Some(read) = load_streaming(file, text, &[]) else {
                panic!("not read as parsed: {text}");
            };
            assert_eq!(shown(read), shown(load_whole(file, text, &[])), "{text}");
        }
        // `vars` after the checks: read again whole, and `${p}` is known.
        let text =
            format!("suite: s\nchecks:\n{check}base-url: http://127.0.0.1:9\nvars: {{ p: x }}\n");
        assert!(load_streaming(file, &text, &[]).is_none());
        let suite = load_str(file, &text, &[]).unwrap();
        assert_eq!(suite.checks.len(), 1);
        // A syntax error after some checks is all that is said.
        let text = format!(
            "suite: s\nbase-url: http://127.0.0.1:9\nchecks:\n{check}  - id: b\n    severty: high\n  - {{ id: [\n"
        );
        let said = errors(&text);
        assert!(
            said.starts_with("suite.yaml:8:11: checks[2]: unclosed bracket"),
            "{said}"
        );
        assert!(!said.contains("severty"), "{said}");
        assert_eq!(said, shown(load_whole(file, &text, &[])));
    }

    #[test]
    fn every_error_of_a_suite_at_once() {
        let yaml = "suite: s\nbase-url: http://127.0.0.1:9\ntiming: 5\nchecks:\n  - id: a\n    retries: many\n    http: { request: { path: /x }, expect: { status: 200 } }\n  - id: a\n    severty: high\n    http: { request: { path: /x }, expect: { status: 200 } }\n  - id: c\n  - id: d\n    severity: urgent\n    http: { request: { path: /x, path: /y }, expect: { status: 200 } }\n";
        insta::assert_snapshot!("every_error_at_once", errors(yaml));
    }

    /// A value of the wrong shape is said in words: what the key takes, and what was found.
    #[test]
    fn a_wrong_shape_is_said_in_words() {
        let cases = [
            ("ready_takes_a_mapping", "suite: s\ninstance:\n  command: [srv]\n  ready: /health\nchecks:\n  - id: a\n    http: { request: { path: /x }, expect: { status: 200 } }\n".to_string()),
            ("checks_take_a_list", "suite: s\nbase-url: http://127.0.0.1:9\nchecks: { id: a }\n".to_string()),
            ("setup_of_a_variant", "suite: s\ninstance: { command: [srv] }\nchecks:\n  - id: a\n    variant: { setup: maybe }\n    http: { request: { path: /x }, expect: { status: 200 } }\n".to_string()),
            ("a_list_where_a_string_goes", format!("{HEAD}  - id: [a, b]\n    http: {{ request: {{ path: /x }}, expect: {{ status: 200 }} }}\n")),
        ];
        for (name, yaml) in cases {
            let message = errors(&yaml);
            for parser_speak in ["mapping start", "sequence start", "invalid type", "scalar"] {
                assert!(!message.contains(parser_speak), "{name}: {message}");
            }
            insta::assert_snapshot!(name, message);
        }
    }

    /// A misspelt suite key is the one error: what its part would have said is unknown,
    /// so nothing is reported for want of it.
    #[test]
    fn a_misspelt_suite_key_causes_no_other_error() {
        let yaml = "suite: s\ninstanse: { command: [srv] }\nvars: { a: 1 }\nchecks:\n  - id: a\n    variant: { args: [--x] }\n    http: { request: { path: \"/x/${b}\" }, expect: { status: 200 } }\n";
        let message = errors(yaml);
        assert_eq!(message.matches("error: ").count(), 0, "{message}");
        assert!(
            message.starts_with("suite.yaml:2:1: instanse: unknown field `instanse`")
                && message.contains("did you mean `instance`?"),
            "{message}"
        );
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

    /// The rate-limit kind's keys for workers, the lower bound, the paced phase and the
    /// IETF policy: defaults, and each way they can be wrong.
    #[test]
    fn rate_limit_keys_default_and_are_bounded() {
        let check = |keys: &str| {
            format!(
                "{HEAD}  - id: r\n    rate-limit: {{ request: {{ path: /x }}, limit: 20, window: 60s{keys} }}\n"
            )
        };
        let spec = |keys: &str| {
            let s = load_str(Path::new("s.yaml"), &check(keys), &[]).unwrap();
            let CheckKindSpec::RateLimit(r) = &s.checks[0].kind else {
                panic!("expected a rate-limit check")
            };
            (**r).clone()
        };
        let d = spec("");
        assert_eq!(
            (d.workers, d.lower_bound, d.policy.as_deref()),
            (1, true, None)
        );
        assert_eq!(d.burst_size(), 41);
        // 20 per minute paces every 1.5 s: 6 s, on by default.
        assert_eq!(
            d.paced,
            Some(crate::suite::Paced {
                requests: 4,
                interval: Duration::from_millis(1500)
            })
        );
        let w = spec(", workers: 4, lower-bound: false, policy: minute, paced: false");
        assert_eq!(w.burst_size(), 81);
        assert_eq!(
            (w.lower_bound, w.policy.as_deref(), w.paced),
            (false, Some("minute"), None)
        );
        // 20 per hour would pace for 6 minutes: off by default, refused when asked for.
        let hour = |keys: &str| {
            format!(
                "{HEAD}  - id: r\n    rate-limit: {{ request: {{ path: /x }}, limit: 20, window: 1h{keys} }}\n"
            )
        };
        let s = load_str(Path::new("s.yaml"), &hour(""), &[]).unwrap();
        let CheckKindSpec::RateLimit(r) = &s.checks[0].kind else {
            panic!("expected a rate-limit check")
        };
        assert_eq!(r.paced, None);
        let e = errors(&hour(", paced: true"));
        assert!(
            e.contains("checks[0].rate-limit.paced: the paced phase would take 6m (4 requests 1m 30s apart), longer than 2m"),
            "{e}"
        );
        assert!(e.contains("hint: set `paced: false`"), "{e}");
        let e = errors(&format!(
            "{HEAD}  - id: r\n    rate-limit: {{ request: {{ path: /x }}, limit: 10000, window: 60s, workers: 8 }}\n"
        ));
        assert!(
            e.contains("the burst would be 80001 requests, more than 50000"),
            "{e}"
        );
        let e = errors(&check(", workers: 0"));
        assert!(e.contains("workers 0 is out of range (1 to 64)"), "{e}");
    }
}
