//! The `logs` kind whole: its keys as written (`…Raw`, whose doc comments are the JSON
//! Schema), the validated spec the runner sees, and the validator between them.

use crate::suite::located::Spanned;
use crate::suite::request::{RequestRaw, StepRaw, StepSpec};
use crate::suite::template::Template;
use crate::suite::validator::{Known, Validator};
use regex::Regex;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

/// The service's output and audit log.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct LogsRaw {
    /// An action first (one request or steps); then only what it caused is examined.
    pub request: Option<RequestRaw>,
    pub steps: Option<Vec<StepRaw>>,
    /// The instance's stdout and stderr.
    pub output: Option<OutputLogRaw>,
    /// An audit log file that must gain a matching JSON line.
    pub audit: Option<AuditRaw>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct OutputLogRaw {
    /// Every line is a JSON object.
    pub json: Option<bool>,
    /// Fields every JSON line must have.
    #[serde(default)]
    pub fields: Vec<String>,
    /// Regexes no line may match (stack traces, token shapes). Secret values of the suite
    /// and well-known token shapes are always looked for.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub must_not_match: Vec<Spanned<String>>,
    /// The service may have written nothing (default false: no line to examine is an
    /// error, since nothing was checked).
    pub may_be_empty: Option<bool>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct AuditRaw {
    /// The audit file (templates allowed, e.g. `${INSTANCE_DIR}/logs/audit.log`).
    #[schemars(with = "String")]
    pub file: Spanned<String>,
    /// Fields the new line must have, with their values.
    #[schemars(with = "BTreeMap<String, Value>")]
    pub expect: Spanned<serde_json::Map<String, Value>>,
    /// How long to wait for the line (default `2s`).
    #[schemars(with = "Option<String>")]
    pub within: Option<Spanned<String>>,
}

#[derive(Debug, Clone)]
pub(crate) struct LogsSpec {
    /// Steps run first; then only the output they caused is examined.
    pub action: Vec<StepSpec>,
    pub output: Option<OutputLogSpec>,
    pub audit: Option<AuditSpec>,
}

#[derive(Debug, Clone)]
pub(crate) struct OutputLogSpec {
    pub json: bool,
    pub fields: Vec<String>,
    pub must_not_match: Vec<Regex>,
    pub may_be_empty: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct AuditSpec {
    pub file: Template,
    pub expect: Vec<(String, Template)>,
    pub within: Duration,
}

impl Validator<'_> {
    pub(in crate::suite) fn logs(
        &mut self,
        l: Spanned<LogsRaw>,
        field: &str,
        known: &Known,
    ) -> Option<LogsSpec> {
        let loc = l.referenced;
        let l = l.value;
        let action = self.action(l.request.as_ref(), l.steps.as_ref(), loc, field, known);
        let mut known = known.clone();
        for s in &action {
            known.0.extend(s.capture().iter().map(|(k, _)| k.clone()));
        }
        let mut l = l;
        if let Some(o) = &mut l.output {
            self.expand_all_now(&mut o.fields, loc, &format!("{field}.output.fields"));
        }
        let output = l.output.map(|o| OutputLogSpec {
            may_be_empty: o.may_be_empty.unwrap_or(false),
            json: o.json.unwrap_or(false),
            fields: o.fields,
            must_not_match: o
                .must_not_match
                .iter()
                .enumerate()
                .filter_map(|(i, r)| {
                    let f = format!("{field}.output.must-not-match[{i}]");
                    self.regex(&r.value, r.referenced, &f)
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
        Some(LogsSpec {
            action,
            output,
            audit,
        })
    }
}
