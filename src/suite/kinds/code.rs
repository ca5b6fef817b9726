//! The `code` kind whole: its keys as written (`…Raw`, whose doc comments are the JSON
//! Schema), the validated spec the runner sees, and the validator between them.

use crate::suite::located::Spanned;
use crate::suite::validator::Validator;
use regex::Regex;
use schemars::JsonSchema;
use serde::Deserialize;
use std::path::PathBuf;

/// Source hygiene budgets.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct CodeRaw {
    /// Directory to scan, relative to the suite file (default: the suite's directory).
    pub root: Option<String>,
    /// Globs of files to scan, relative to `root` (default every file). `.gitignore` is respected.
    #[serde(default)]
    pub include: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
    pub rules: Vec<CodeRuleRaw>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct CodeRuleRaw {
    /// A built-in rule: `console-log`, `except-pass`, `datetime-utcnow`,
    /// `pydantic-class-config`, `generic-exception`, `secrets`.
    #[schemars(with = "Option<String>")]
    pub preset: Option<Spanned<String>>,
    /// Or a name and a regex of your own.
    pub name: Option<String>,
    #[schemars(with = "Option<String>")]
    pub pattern: Option<Spanned<String>>,
    /// Globs this rule applies to (default: the preset's, or every scanned file).
    #[serde(default)]
    pub files: Vec<String>,
    /// Matches allowed (default 0).
    pub max: Option<u64>,
}

#[derive(Debug, Clone)]
pub(crate) struct CodeSpec {
    pub root: PathBuf,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub rules: Vec<CodeRule>,
}

#[derive(Debug, Clone)]
pub(crate) struct CodeRule {
    pub name: String,
    pub pattern: Regex,
    /// Globs of files the rule applies to; empty means all scanned files.
    pub files: Vec<String>,
    pub max: u64,
}

impl Validator<'_> {
    pub(in crate::suite) fn code(&mut self, c: Spanned<CodeRaw>, field: &str) -> Option<CodeSpec> {
        let loc = c.referenced;
        let c = c.value;
        let root = match &c.root {
            Some(r) => {
                let r = self.now(r, loc, &format!("{field}.root"))?;
                self.dir.join(r)
            }
            None => self.dir.clone(),
        };
        if !root.is_dir() {
            self.err(
                loc,
                &format!("{field}.root"),
                format!("`{}` is not a directory", root.display()),
            )
            .hint = Some("`root` is relative to the suite file".into());
        }
        let mut c = c;
        self.expand_all_now(&mut c.include, loc, &format!("{field}.include"));
        self.expand_all_now(&mut c.exclude, loc, &format!("{field}.exclude"));
        for (i, r) in c.rules.iter_mut().enumerate() {
            let f = format!("{field}.rules[{i}]");
            if let Some(n) = &mut r.name {
                self.expand_now(n, loc, &format!("{f}.name"));
            }
            if let Some(p) = &mut r.preset {
                self.expand_now(&mut p.value, p.referenced, &format!("{f}.preset"));
            }
            self.expand_all_now(&mut r.files, loc, &format!("{f}.files"));
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
                        .hint = Some(crate::suggest::one_of(&p.value, &names));
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
        Some(CodeSpec {
            root,
            include: c.include,
            exclude: c.exclude,
            rules,
        })
    }
}
