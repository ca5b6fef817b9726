//! The `openapi` kind's keys.

use super::super::*;

impl Validator<'_> {
    pub(in crate::suite::loader) fn openapi(
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
}
