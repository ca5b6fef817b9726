//! The `command` kind whole: its keys as written (`…Raw`, whose doc comments are the JSON
//! Schema), the validated spec the runner sees, and the validator between them.

use crate::suite::expect::{BodyExpectRaw, BodyPredicate};
use crate::suite::located::Spanned;
use crate::suite::shapes::{Any, CommandSchema};
use crate::suite::template::Template;
use crate::suite::validator::{Known, Validator};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Run a command.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct CommandRaw {
    /// Argument list, or a string run by `sh -c`.
    #[schemars(with = "CommandSchema")]
    pub run: Any,
    /// Working directory, relative to the suite file.
    pub cwd: Option<String>,
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub env: BTreeMap<String, Spanned<String>>,
    /// Expected exit code (default 0 unless `junit` is set).
    pub exit: Option<i32>,
    pub stdout: Option<BodyExpectRaw>,
    pub stderr: Option<BodyExpectRaw>,
    /// A JUnit XML file the command writes (relative to `cwd`): its tests must pass.
    #[schemars(with = "Option<String>")]
    pub junit: Option<Spanned<String>>,
    /// Pass rate required from the JUnit file (default `100%`).
    #[schemars(with = "Option<String>")]
    pub min_pass_rate: Option<Spanned<String>>,
    /// A SARIF 2.1.0 file the command writes (relative to `cwd`), as ruff, eslint, bandit,
    /// semgrep and gitleaks do: its findings count against `budgets`.
    #[schemars(with = "Option<String>")]
    pub sarif: Option<Spanned<String>>,
    /// Findings allowed per rule id or level (`{ BLE001: 0, warning: 10 }`). A finding
    /// counts against its rule's budget, else its level's; without either, `error` and
    /// `warning` findings are allowed none, `note` any.
    #[serde(default)]
    pub budgets: BTreeMap<String, u64>,
}

#[derive(Debug, Clone)]
pub(crate) struct CommandSpec {
    pub argv: Vec<Template>,
    pub cwd: PathBuf,
    pub env: Vec<(String, Template)>,
    pub exit: Option<i32>,
    pub stdout: Vec<BodyPredicate>,
    pub stderr: Vec<BodyPredicate>,
    /// Relative to `cwd` once expanded.
    pub junit: Option<Template>,
    /// 0.0 to 1.0.
    pub min_pass_rate: f64,
    /// Relative to `cwd` once expanded.
    pub sarif: Option<Template>,
    /// Rule id or level, and the findings allowed.
    pub budgets: Vec<(String, u64)>,
}

impl Validator<'_> {
    pub(in crate::suite) fn command_check(
        &mut self,
        c: Spanned<CommandRaw>,
        field: &str,
        known: &Known,
    ) -> Option<CommandSpec> {
        let loc = c.referenced;
        let c = c.value;
        let argv = self.command(&c.run, &format!("{field}.run"), known);
        let cwd = match &c.cwd {
            Some(d) => {
                let f = format!("{field}.cwd");
                let d = self.now(d, loc, &f)?;
                self.existing_dir(&d, loc, &f);
                self.dir.join(d)
            }
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
        Some(CommandSpec {
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
        })
    }
}
