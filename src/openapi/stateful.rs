//! Sequences: a resource created by one operation is used by the next. OpenAPI `links`
//! when the document has any; otherwise inferred: a `POST /things` whose 2xx body has a
//! field (or whose `Location` ends with a value) that fills the path parameter of
//! `GET/PUT/PATCH/DELETE /things/{id}`. After a successful DELETE the resource must be gone.

use super::case::HttpResponse;
use super::document::Document;
use serde_json::Value;

/// Where a linked value comes from in the first response.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Source {
    /// A JSON pointer into the body.
    Body(String),
    /// The last path segment of a header (`Location`).
    Header(String),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Link {
    pub from: usize,
    pub to: usize,
    /// The target's path parameter.
    pub param: String,
    pub source: Source,
}

/// The links of the document, or the inferred ones when it declares none.
pub(crate) fn links(doc: &Document) -> Vec<Link> {
    let declared = declared(doc);
    if declared.is_empty() {
        inferred(doc)
    } else {
        declared
    }
}

fn declared(doc: &Document) -> Vec<Link> {
    let mut out = Vec::new();
    for (from, op) in doc.operations.iter().enumerate() {
        for r in op.responses.iter().filter(|r| r.status.starts_with('2')) {
            for link in r.links.values() {
                let to = link
                    .get("operationId")
                    .and_then(Value::as_str)
                    .and_then(|id| {
                        doc.operations
                            .iter()
                            .position(|o| o.operation_id.as_deref() == Some(id))
                    });
                let Some(to) = to else { continue };
                for (param, expr) in link
                    .get("parameters")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    let source = match expr.as_str() {
                        Some(e) if e.starts_with("$response.body#") => {
                            Source::Body(e["$response.body#".len()..].to_string())
                        }
                        Some(e) if e.starts_with("$response.header.") => {
                            Source::Header(e["$response.header.".len()..].to_ascii_lowercase())
                        }
                        _ => continue,
                    };
                    let param = param.rsplit('.').next().unwrap_or(param).to_string();
                    out.push(Link {
                        from,
                        to,
                        param,
                        source,
                    });
                }
            }
        }
    }
    out
}

fn inferred(doc: &Document) -> Vec<Link> {
    let mut out = Vec::new();
    for (from, op) in doc
        .operations
        .iter()
        .enumerate()
        .filter(|(_, o)| o.method == "post")
    {
        let base = op.path.trim_end_matches('/');
        let props: Vec<String> = op
            .responses
            .iter()
            .filter(|r| r.status.starts_with('2'))
            .flat_map(|r| r.content.iter())
            .filter_map(|m| m.schema.get("properties").and_then(Value::as_object))
            .flat_map(|p| p.keys().cloned())
            .collect();
        for (to, target) in doc.operations.iter().enumerate() {
            if !matches!(target.method.as_str(), "get" | "put" | "patch" | "delete") {
                continue;
            }
            let Some(rest) = target
                .path
                .strip_prefix(base)
                .and_then(|r| r.strip_prefix("/{"))
            else {
                continue;
            };
            let Some(param) = rest.strip_suffix('}').filter(|p| !p.contains('/')) else {
                continue;
            };
            let short = param
                .strip_suffix("_id")
                .or_else(|| param.strip_suffix("Id"))
                .unwrap_or(param);
            let field = [param, "id", short]
                .into_iter()
                .find(|f| props.iter().any(|p| p == f));
            let source = match field {
                Some(f) => Source::Body(format!("/{}", f.replace('~', "~0").replace('/', "~1"))),
                None => Source::Header("location".into()),
            };
            out.push(Link {
                from,
                to,
                param: param.to_string(),
                source,
            });
        }
    }
    out
}

/// The linked value in a response, when it is there.
pub(crate) fn extract(source: &Source, r: &HttpResponse) -> Option<Value> {
    match source {
        Source::Body(pointer) => serde_json::from_slice::<Value>(&r.body)
            .ok()?
            .pointer(pointer)
            .filter(|v| !v.is_null() && !v.is_object() && !v.is_array())
            .cloned(),
        Source::Header(h) => {
            let v = r.header(h)?;
            let last = v
                .split('?')
                .next()?
                .trim_end_matches('/')
                .rsplit('/')
                .next()?;
            (!last.is_empty()).then(|| Value::String(last.to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(links: bool) -> Document {
        let made = if links {
            json!({"description": "made", "content": {"application/json": {"schema": {"type": "object",
                "properties": {"key": {"type": "string"}}}}},
                "links": {"get": {"operationId": "getThing", "parameters": {"path.thing_id": "$response.body#/key"}}}})
        } else {
            json!({"description": "made", "content": {"application/json": {"schema": {"type": "object",
                "properties": {"id": {"type": "integer"}}}}}})
        };
        Document::new(json!({"openapi": "3.1.0", "paths": {
            "/things": {"post": {"responses": {"201": made}}},
            "/things/{thing_id}": {"get": {"operationId": "getThing", "responses": {}}, "delete": {"responses": {}}},
            "/other/{x}": {"get": {"responses": {}}}}}))
        .unwrap()
    }

    #[test]
    fn declared_links_are_used_when_present() {
        assert_eq!(
            links(&doc(true)),
            vec![Link {
                from: 0,
                to: 1,
                param: "thing_id".into(),
                source: Source::Body("/key".into())
            }]
        );
    }

    #[test]
    fn links_are_inferred_from_a_post_and_its_sub_paths() {
        assert_eq!(
            links(&doc(false)),
            vec![
                Link {
                    from: 0,
                    to: 1,
                    param: "thing_id".into(),
                    source: Source::Body("/id".into())
                },
                Link {
                    from: 0,
                    to: 2,
                    param: "thing_id".into(),
                    source: Source::Body("/id".into())
                },
            ]
        );
    }

    #[test]
    fn values_come_from_the_body_or_the_location() {
        let r = HttpResponse {
            status: 201,
            headers: vec![("location".into(), "/things/42?x=1".into())],
            body: br#"{"id": 7}"#.to_vec(),
        };
        assert_eq!(extract(&Source::Body("/id".into()), &r), Some(json!(7)));
        assert_eq!(
            extract(&Source::Header("location".into()), &r),
            Some(json!("42"))
        );
        assert_eq!(extract(&Source::Body("/none".into()), &r), None);
    }
}
