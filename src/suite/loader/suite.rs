//! A suite assembled from the tree: its own keys first (the head the checks are validated
//! against), then each check on its own as the file is read, then what needs every check
//! (the score's severities, secrets, whether a base URL is needed).
//!
//! The checks can be read while the file is still being parsed (`tree::parse_with`): a
//! suite of 100,000 checks then never holds the tree of all of them, only the validated
//! specs.

use super::tree::Node;
use super::{BUILTIN_VARS, de};
use crate::suite::raw::{CheckRaw, SuiteRaw};
use crate::suite::request::{StepSpec, Target};
use crate::suite::severity::Severity;
use crate::suite::shared::{FileTexts, SharedStr};
use crate::suite::spec::*;
use crate::suite::validator::{ANY_NAME, Known, Validator};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::Path;

/// What a suite's checks are validated against: its own keys, read before its checks.
pub(super) struct Head {
    raw: SuiteRaw,
    complete: bool,
    vars_given: Vec<String>,
    vars: Map<String, Value>,
    known: Known,
    instance: Option<InstanceSpec>,
    base_url: Option<String>,
    name: String,
    setup: Vec<StepSpec>,
    teardown: Vec<StepSpec>,
}

/// The checks read so far: each validated on its own, in file order.
pub(super) struct Checks {
    /// Each id with the line it was first used on. A check that cannot be read still
    /// claims its id. The spec of a check that can shares the key's text.
    seen: HashMap<SharedStr, u64>,
    read: usize,
    /// What the checks of the file share (its path, their categories).
    texts: FileTexts,
    pub(super) specs: Vec<CheckSpec>,
}

impl Checks {
    pub(super) fn new(file: &Path) -> Checks {
        Checks {
            seen: HashMap::new(),
            read: 0,
            texts: FileTexts::new(file),
            specs: Vec::new(),
        }
    }
}

impl Validator<'_> {
    /// The suite's own keys validated: its vars (with `--var` applied), instance, base URL,
    /// name, setup and teardown. `complete` is false when a key of the suite was left out.
    pub(super) fn head(
        &mut self,
        mut raw: SuiteRaw,
        overrides: &[(String, String)],
        complete: bool,
    ) -> Head {
        let vars_given: Vec<String> = raw
            .vars
            .as_ref()
            .map(|v| v.value.keys().cloned().collect())
            .unwrap_or_default();
        let mut vars = match raw.vars.take() {
            Some(mut v) => {
                v.value
                    .retain(|k, _| !overrides.iter().any(|(o, _)| o == k));
                self.vars_now(v.value, v.referenced)
            }
            None => Default::default(),
        };
        for (k, v) in overrides {
            vars.insert(k.clone(), Value::String(v.clone()));
        }
        let mut known = Known(BUILTIN_VARS.iter().map(|s| s.to_string()).collect());
        known.0.extend(vars.keys().cloned());
        if !complete {
            known.0.insert(ANY_NAME.to_string());
        }
        self.vars = std::sync::Arc::new(vars.clone());
        let instance = raw.instance.take().map(|i| self.instance(i, &known));
        let base_url = raw.base_url.take().map(|b| {
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
        if name.trim().is_empty() && complete {
            self.err(raw.suite.referenced, "suite", "suite name is empty");
        }
        // The names reports, baselines and `--filter` refer to stay as written.
        if name.contains("${") {
            self.err(
                raw.suite.referenced,
                "suite",
                "the suite's name does not take `${...}`",
            )
            .hint = Some(
                "reports and baselines find a suite by its name, so it must be the same in every run".into(),
            );
        }
        let setup = self.steps(&raw.setup, "setup", &mut known);
        let teardown = self.steps(&raw.teardown, "teardown", &mut known.clone());
        Head {
            raw,
            complete,
            vars_given,
            vars,
            known,
            instance,
            base_url,
            name,
            setup,
            teardown,
        }
    }

    /// Reads and validates the suite's next check: one that cannot be read is reported,
    /// and the next is still read. Duplicate ids are found from the tree, so a check that
    /// cannot be read still claims its id.
    pub(super) fn check_node(&mut self, checks: &mut Checks, head: &Head, node: Node<'_>) {
        let i = checks.read;
        checks.read += 1;
        let field = format!("checks[{i}]");
        let mut claimed = None;
        if let Some(id) = node.get("id")
            && let Some(text) = id.text()
        {
            if let Some(first) = checks.seen.get(text) {
                let msg = format!("duplicate check id `{text}` (first used on line {first})");
                self.err(id.loc, &format!("{field}.id"), msg).hint =
                    Some("check ids must be unique within a suite".into());
            } else {
                let text = SharedStr::from(text);
                checks.seen.insert(text.clone(), id.loc.line());
                claimed = Some(text);
            }
        }
        let found = de::Found::default();
        let parent = de::Path::Root("checks");
        let read = de::read::<CheckRaw>(&node, de::Path::Index(&parent, i), &found);
        drop(node);
        let known_keys = self.found(found);
        match read {
            // A check with a misspelt key is not validated further: the key it meant
            // is missing, and saying so would only repeat the typo.
            Ok(_) if !known_keys => {}
            Ok(c) => {
                if let Some(check) = self.check(
                    c,
                    &field,
                    &head.known,
                    head.instance.as_ref(),
                    &mut checks.texts,
                    claimed,
                ) {
                    checks.specs.push(check);
                }
            }
            Err(e) => self.de_error(e),
        }
    }

    /// The suite, once every check is read.
    pub(super) fn finish(&mut self, head: Head, checks: Checks) -> Suite {
        let Head {
            raw,
            complete,
            vars_given,
            vars,
            known: _,
            instance,
            base_url,
            name,
            setup,
            teardown,
        } = head;
        let mut checks = checks.specs;
        checks.shrink_to_fit();
        if checks.is_empty() && self.errors.is_empty() {
            let loc = raw.suite.referenced;
            self.err(loc, "checks", "the suite has no checks");
        }
        if complete && instance.is_none() && base_url.is_none() {
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
        let timing = self.timing(raw.timing, raw.suite.referenced);
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
            for (id, mut sev) in sc.severities {
                let f = format!("score.severities.{id}");
                self.expand_now(&mut sev.value, sev.referenced, &f);
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
                        .hint = Some(crate::suggest::one_of(&sev.value, &Severity::NAMES));
                    }
                    (_, None) => {
                        self.err(sev.referenced, &f, format!("no check has the id `{id}`"));
                    }
                }
            }
        }
        for s in &raw.secrets {
            let env_name = s.strip_prefix("env.");
            if env_name.is_some_and(|n| !n.is_empty())
                || vars.contains_key(s)
                || self.captures.contains(s)
            {
                continue;
            }
            let mut names: Vec<&str> = vars.keys().map(String::as_str).collect();
            names.extend(self.captures.iter().map(String::as_str));
            let loc = raw.suite.referenced;
            self.err(
                loc,
                "secrets",
                format!("secret `{s}` is not a variable under `vars:`, a capture or `env.NAME`"),
            )
            .hint = Some(crate::suggest::one_of(s, &names));
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
            timing,
            env_refs: self.env_refs.iter().cloned().collect(),
            var_names: vars_given
                .into_iter()
                .chain(self.refs.iter().cloned())
                .collect(),
            category_weights,
            limits,
        }
    }
}
