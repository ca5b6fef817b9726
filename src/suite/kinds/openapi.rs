//! The `openapi` kind whole: its keys as written (`…Raw`, whose doc comments are the JSON
//! Schema), the validated spec the runner sees, and the validator between them.

use crate::suite::located::Spanned;
use crate::suite::shapes::{Any, MapOrVarSchema};
use crate::suite::template::Template;
use crate::suite::validator::{Known, Validator};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;

/// Every operation of an OpenAPI document (or those selected), called with the document's
/// examples or values generated from its schemas.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct OpenApiRaw {
    /// Where the document is: a path on the service (default `/openapi.json`), a JSON
    /// or YAML file relative to the suite, or an `http://`/`https://` URL (fetched when
    /// the check runs, without the check's headers, up to the 32 MiB a document may be).
    pub document: Option<String>,
    /// Random examples per operation (default 25); the coverage and negative phases get up
    /// to 3x and 2x as many.
    pub max_examples: Option<u32>,
    /// The seed of the run (default: a new one each run, shown in the report): the same
    /// seed sends the same requests.
    pub seed: Option<u64>,
    /// The phases that run, in their fixed order (default all): `coverage`, `random`,
    /// `negative`, `stateful`.
    pub phases: Option<Vec<String>>,
    /// Only operations that match one of these (each key given must match).
    #[serde(default)]
    pub include: Vec<OperationRaw>,
    /// No operation that matches one of these.
    #[serde(default)]
    pub exclude: Vec<OperationRaw>,
    /// Findings not reported: a rule, on every operation or one (`METHOD /path` or its
    /// operationId), for every status or one.
    #[serde(default)]
    pub ignore: Vec<IgnoreRaw>,
    /// Only operations with one of these tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Only operations whose path matches one of these globs (`/items*`).
    #[serde(default)]
    pub paths: Vec<String>,
    /// Headers sent with every call (a map, or `${var}` holding one), e.g. credentials.
    #[schemars(with = "Option<MapOrVarSchema>")]
    pub headers: Option<Any>,
    /// Credentials by the document's security scheme name (`components.securitySchemes`),
    /// each sent only where an operation's `security` requires that scheme: a string for
    /// an `apiKey` (its header, query or cookie) or an `http` bearer scheme (sent as
    /// `Authorization: Bearer …`), `{ username, password }` for `http` basic. Use `${var}`
    /// of `vars`/`secrets`; secrets are masked in every output. The `ignored_auth` rule
    /// calls the secured operations without them. A name the document does not have is
    /// refused at load time for a file, an error of the check for a fetched document.
    #[schemars(with = "Option<MapOrVarSchema>")]
    pub auth: Option<Any>,
}

/// Operations selected by path (a glob), method, tag or operationId: all given must match.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct OperationRaw {
    pub path: Option<String>,
    pub method: Option<String>,
    pub tag: Option<String>,
    pub operation_id: Option<String>,
}

/// A rule switched off, for one operation and one status or for all.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct IgnoreRaw {
    /// The rule's name (`status_code_conformance`, ...).
    pub rule: String,
    /// `METHOD /path` or an operationId; every operation when absent.
    pub operation: Option<String>,
    /// One status; every status when absent.
    pub status: Option<u16>,
}

/// An operation selector, validated.
#[derive(Debug, Clone)]
pub(crate) struct OperationMatch {
    pub path: Option<globset::GlobMatcher>,
    pub method: Option<String>,
    pub tag: Option<String>,
    pub operation_id: Option<String>,
}

impl OperationMatch {
    pub(crate) fn matches(&self, op: &crate::openapi::document::Operation) -> bool {
        self.path.as_ref().is_none_or(|g| g.is_match(&op.path))
            && self
                .method
                .as_ref()
                .is_none_or(|m| m.eq_ignore_ascii_case(&op.method))
            && self.tag.as_ref().is_none_or(|t| op.tags.contains(t))
            && self
                .operation_id
                .as_ref()
                .is_none_or(|id| op.operation_id.as_ref() == Some(id))
    }
}

/// Where an OpenAPI document comes from.
#[derive(Debug, Clone)]
pub(crate) enum OpenApiDocument {
    /// Fetched from the service at this path.
    Service(String),
    /// Fetched from this `http://` or `https://` URL.
    Url(String),
    /// Read (and parsed) when the suite was loaded.
    File { shown: String, doc: Arc<Value> },
}

#[derive(Debug, Clone)]
pub(crate) struct OpenApiSpec {
    pub document: OpenApiDocument,
    pub tags: Vec<String>,
    pub paths: Option<globset::GlobSet>,
    pub headers: Option<Template>,
    /// Credentials by security scheme name, expanded when the check runs.
    pub auth: Option<Template>,
    pub max_examples: Option<usize>,
    pub seed: Option<u64>,
    /// The phases that run; `None`: all.
    pub phases: Option<Vec<crate::openapi::case::Phase>>,
    pub include: Vec<OperationMatch>,
    pub exclude: Vec<OperationMatch>,
    pub ignore: Vec<crate::openapi::engine::Silence>,
}

impl Validator<'_> {
    pub(in crate::suite) fn openapi(
        &mut self,
        o: Spanned<OpenApiRaw>,
        field: &str,
        known: &Known,
    ) -> Option<OpenApiSpec> {
        let loc = o.referenced;
        let mut o = o.value;
        if let Some(d) = &mut o.document {
            self.expand_now(d, loc, &format!("{field}.document"));
        }
        self.expand_all_now(&mut o.tags, loc, &format!("{field}.tags"));
        self.expand_all_now(&mut o.paths, loc, &format!("{field}.paths"));
        if let Some(phases) = &mut o.phases {
            self.expand_all_now(phases, loc, &format!("{field}.phases"));
        }
        for (key, list) in [("include", &mut o.include), ("exclude", &mut o.exclude)] {
            for (n, r) in list.iter_mut().enumerate() {
                let at = format!("{field}.{key}[{n}]");
                for (name, value) in [
                    ("path", &mut r.path),
                    ("method", &mut r.method),
                    ("tag", &mut r.tag),
                    ("operation-id", &mut r.operation_id),
                ] {
                    if let Some(v) = value {
                        self.expand_now(v, loc, &format!("{at}.{name}"));
                    }
                }
            }
        }
        for (n, i) in o.ignore.iter_mut().enumerate() {
            self.expand_now(&mut i.rule, loc, &format!("{field}.ignore[{n}].rule"));
            if let Some(op) = &mut i.operation {
                self.expand_now(op, loc, &format!("{field}.ignore[{n}].operation"));
            }
        }
        let document = match o.document {
            None => OpenApiDocument::Service("/openapi.json".into()),
            Some(p) if p.starts_with('/') => OpenApiDocument::Service(p),
            Some(u) if u.starts_with("http://") || u.starts_with("https://") => {
                if let Err(e) = reqwest::Url::parse(&u) {
                    self.err(
                        loc,
                        &format!("{field}.document"),
                        format!("invalid URL `{u}`: {e}"),
                    );
                    return None;
                }
                OpenApiDocument::Url(u)
            }
            Some(rel) => {
                let path = self.dir.join(&rel);
                // JSON or YAML, read as the engine reads a document.
                let doc = crate::read::text(&path, crate::read::SUITE_FILE)
                    .map_err(|e| e.to_string())
                    .and_then(|t| crate::openapi::document::parse(&t).map_err(|e| e.to_string()));
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
                    Err(why) => {
                        self.err(loc, &format!("{field}.document"), format!("cannot read `{}`: {why}", path.display()))
                            .hint = Some("give a JSON or YAML file relative to the suite, or a path on the service such as `/openapi.json`".into());
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
        if let (Some(a), OpenApiDocument::File { doc, shown }) = (&o.auth, &document)
            && let Some(given) = a.value.as_object()
        {
            let names: Vec<&str> = doc
                .pointer("/components/securitySchemes")
                .and_then(Value::as_object)
                .map(|m| m.keys().map(String::as_str).collect())
                .unwrap_or_default();
            for k in given.keys().filter(|k| !names.contains(&k.as_str())) {
                let hint = if names.is_empty() {
                    format!("`{shown}` has no `components.securitySchemes`")
                } else {
                    crate::suggest::one_of(k, &names)
                };
                self.err(
                    a.referenced,
                    &format!("{field}.auth"),
                    format!("`{shown}` has no security scheme `{k}`"),
                )
                .hint = Some(hint);
            }
        }
        let auth = o.auth.as_ref().map(|h| {
            self.template(
                h.value.clone(),
                h.referenced,
                &format!("{field}.auth"),
                known,
            )
        });
        let mut phases = None;
        if let Some(names) = &o.phases {
            let mut got = Vec::new();
            for n in names {
                match crate::openapi::case::Phase::from_name(n) {
                    Some(p) => got.push(p),
                    None => {
                        self.err(
                            loc,
                            &format!("{field}.phases"),
                            format!("unknown phase `{n}`"),
                        )
                        .hint = Some("the phases are coverage, random, negative, stateful".into());
                    }
                }
            }
            phases = Some(got);
        }
        if o.max_examples == Some(0) {
            self.err(loc, &format!("{field}.max-examples"), "must be at least 1")
                .hint = Some("leave `max-examples` out for the default, 25".into());
        }
        let include = self.operation_matches(&o.include, loc, &format!("{field}.include"));
        let exclude = self.operation_matches(&o.exclude, loc, &format!("{field}.exclude"));
        let mut ignore = Vec::new();
        for (n, i) in o.ignore.iter().enumerate() {
            match crate::openapi::rules::Rule::from_name(&i.rule) {
                Some(rule) => ignore.push(crate::openapi::engine::Silence {
                    rule,
                    operation: i.operation.clone(),
                    status: i.status,
                }),
                None => {
                    let names: Vec<&str> = crate::openapi::rules::Rule::ALL
                        .iter()
                        .map(|r| r.name())
                        .collect();
                    self.err(
                        loc,
                        &format!("{field}.ignore[{n}].rule"),
                        format!("unknown rule `{}`", i.rule),
                    )
                    .hint = Some(format!("the rules are {}", names.join(", ")));
                }
            }
        }
        Some(OpenApiSpec {
            document,
            tags: o.tags,
            paths,
            headers,
            auth,
            max_examples: o.max_examples.map(|n| n as usize),
            seed: o.seed,
            phases,
            include,
            exclude,
            ignore,
        })
    }

    fn operation_matches(
        &mut self,
        raw: &[OperationRaw],
        loc: crate::suite::located::Location,
        field: &str,
    ) -> Vec<OperationMatch> {
        let mut out = Vec::new();
        for (n, r) in raw.iter().enumerate() {
            if r.path.is_none() && r.method.is_none() && r.tag.is_none() && r.operation_id.is_none()
            {
                self.err(loc, &format!("{field}[{n}]"), "matches every operation")
                    .hint =
                    Some("give one or more of `path`, `method`, `tag`, `operation-id`".into());
                continue;
            }
            let path = match r.path.as_deref().map(globset::Glob::new) {
                None => None,
                Some(Ok(g)) => Some(g.compile_matcher()),
                Some(Err(e)) => {
                    self.err(
                        loc,
                        &format!("{field}[{n}].path"),
                        format!("invalid glob: {e}"),
                    );
                    continue;
                }
            };
            out.push(OperationMatch {
                path,
                method: r.method.clone(),
                tag: r.tag.clone(),
                operation_id: r.operation_id.clone(),
            });
        }
        out
    }
}
