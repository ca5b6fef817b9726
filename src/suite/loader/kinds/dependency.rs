//! The `dependency` kind's keys.

use super::super::*;

impl Validator<'_> {
    pub(in crate::suite::loader) fn dependency(
        &mut self,
        d: Spanned<raw::DependencyRaw>,
        field: &str,
    ) -> Option<CheckKindSpec> {
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
}
