//! The `openapi` kind whole: its keys as written (`…Raw`, whose doc comments are the JSON
//! Schema), the validated spec the runner sees, and the validator between them.

use crate::suite::shapes::{Any, MapOrVarSchema};
use crate::suite::template::Template;
use crate::suite::validator::{Known, Validator};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::Spanned;
use std::sync::Arc;

/// Every operation of an OpenAPI document (or those selected), called with the document's
/// examples or values generated from its schemas.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct OpenApiRaw {
    /// Where the document is: a path on the service (default `/openapi.json`), or a JSON
    /// or YAML file relative to the suite.
    pub document: Option<String>,
    /// Only operations with one of these tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Only operations whose path matches one of these globs (`/items*`).
    #[serde(default)]
    pub paths: Vec<String>,
    /// Headers sent with every call (a map, or `${var}` holding one), e.g. credentials.
    #[schemars(with = "Option<MapOrVarSchema>")]
    pub headers: Option<Any>,
}

/// Where an OpenAPI document comes from.
#[derive(Debug, Clone)]
pub(crate) enum OpenApiDocument {
    /// Fetched from the service at this path.
    Service(String),
    /// Read (and parsed) when the suite was loaded.
    File { shown: String, doc: Arc<Value> },
}

#[derive(Debug, Clone)]
pub(crate) struct OpenApiSpec {
    pub document: OpenApiDocument,
    pub tags: Vec<String>,
    pub paths: Option<globset::GlobSet>,
    pub headers: Option<Template>,
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
        let document = match o.document {
            None => OpenApiDocument::Service("/openapi.json".into()),
            Some(p) if p.starts_with('/') => OpenApiDocument::Service(p),
            Some(rel) => {
                let path = self.dir.join(&rel);
                // JSON, else YAML (as the engine reads a document; `suite` sits below it).
                let doc = crate::read::text(&path, crate::read::SUITE_FILE)
                    .map_err(|e| e.to_string())
                    .and_then(|t| {
                        serde_json::from_str::<Value>(&t).or_else(|json| {
                            serde_saphyr::from_str::<Value>(&t).map_err(|yaml| {
                                if t.trim_start().starts_with(['{', '[']) {
                                    format!("it is not JSON: {json}")
                                } else {
                                    format!("it is neither JSON nor YAML: {yaml}")
                                }
                            })
                        })
                    });
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
        Some(OpenApiSpec {
            document,
            tags: o.tags,
            paths,
            headers,
        })
    }
}
