//! The `code` kind's keys.

use super::super::*;

impl Validator<'_> {
    pub(in crate::suite::loader) fn code(
        &mut self,
        c: Spanned<raw::CodeRaw>,
        field: &str,
    ) -> Option<CheckKindSpec> {
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
}
