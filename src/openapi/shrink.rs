//! A failing case made smaller: the candidates one step simpler than a case (an optional
//! input dropped, an optional body property dropped, a value replaced by the simplest one
//! of its schema). The engine keeps a candidate that is still what the case claims to be
//! (valid or invalid) and still breaks the same rule, and starts again from it.

use super::case::{Case, Payload};
use super::document::Operation;
use super::generate::simplest;
use super::plan::body_media;
use serde_json::Value;

/// The cases one step simpler than `case`, simplest first.
pub(crate) fn candidates(op: &Operation, case: &Case) -> Vec<Case> {
    let mut out = Vec::new();
    for (i, (loc, name, v)) in case.params.iter().enumerate() {
        let Some(p) = op
            .parameters
            .iter()
            .find(|p| p.location == *loc && p.name == *name)
        else {
            continue;
        };
        if !p.required {
            let mut c = case.clone();
            c.params.remove(i);
            out.push(c);
        }
        let s = simplest(&p.schema);
        if s != *v {
            let mut c = case.clone();
            c.params[i].2 = s;
            out.push(c);
        }
    }
    let schema = body_media(op).map(|m| &m.schema);
    if let (Some(schema), Some(body)) = (schema, &case.body)
        && let Payload::Json(Value::Object(m)) = &body.payload
    {
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for (k, v) in m {
            if !required.contains(&k.as_str()) {
                let mut o = m.clone();
                o.remove(k);
                out.push(with_body(case, Value::Object(o)));
            }
            if let Some(ps) = schema.get("properties").and_then(|p| p.get(k)) {
                let s = simplest(ps);
                if s != *v {
                    let mut o = m.clone();
                    o.insert(k.clone(), s);
                    out.push(with_body(case, Value::Object(o)));
                }
            }
        }
    }
    out
}

fn with_body(case: &Case, v: Value) -> Case {
    let mut c = case.clone();
    if let Some(b) = &mut c.body {
        b.payload = Payload::Json(v);
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::openapi::case::{Body, Intent, Phase};
    use crate::openapi::document::{Document, Location};
    use serde_json::json;

    fn doc() -> Document {
        Document::new(json!({"openapi": "3.1.0", "paths": {"/o": {"post": {
            "parameters": [{"name": "q", "in": "query", "schema": {"type": "integer"}}],
            "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["a"],
                "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}}}},
            "responses": {}}}}}))
        .unwrap()
    }

    #[test]
    fn candidates_drop_optional_inputs_and_simplify_values() {
        let d = doc();
        let case = Case {
            op: 0,
            params: vec![(Location::Query, "q".into(), json!(77))],
            body: Some(Body::json(
                "application/json",
                json!({"a": "long text", "b": 9}),
            )),
            intent: Intent::Valid,
            without_credentials: false,
            phase: Phase::Random,
        };
        let got: Vec<(usize, Option<Value>)> = candidates(&d.operations[0], &case)
            .into_iter()
            .map(|c| {
                let body = c.body.map(|b| match b.payload {
                    Payload::Json(v) => v,
                    Payload::Raw(_) => Value::Null,
                });
                (c.params.len(), body)
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (0, Some(json!({"a": "long text", "b": 9}))),
                (1, Some(json!({"a": "long text", "b": 9}))),
                (1, Some(json!({"a": "", "b": 9}))),
                (1, Some(json!({"a": "long text"}))),
                (1, Some(json!({"a": "long text", "b": 0}))),
            ]
        );
    }

    #[test]
    fn the_simplest_case_has_no_candidate() {
        let d = doc();
        let case = Case {
            op: 0,
            params: vec![],
            body: Some(Body::json("application/json", json!({"a": ""}))),
            intent: Intent::Valid,
            without_credentials: false,
            phase: Phase::Random,
        };
        assert_eq!(candidates(&d.operations[0], &case), vec![]);
    }
}
