//! The `openapi` check kind: every operation of an OpenAPI 3 document (or those selected by
//! tag or path) is called once with the document's examples, or values generated from its
//! schemas; the answer must use a documented status code and match that status's schema,
//! and must never be a 5xx. An operation whose JSON body has required fields is called once
//! more without the first of them, and must get a 4xx. One finding per operation, with the
//! request that showed it. Anchor: Schemathesis (which generates many cases per operation;
//! `Generator` is the one place generation grows).

use crate::check::context::CheckContext;
use crate::check::outcome::{Assertion, CheckOutcome};
use crate::http::Response;
use crate::suite::{BodySpec, OpenApiDocument, OpenApiSpec, RequestSpec, Target, Template};
use serde_json::{Map, Value};

const METHODS: [&str; 7] = ["get", "put", "post", "delete", "patch", "head", "options"];
/// How deep `$ref`s and nested schemas are followed when generating a value.
const MAX_DEPTH: usize = 12;

pub(crate) async fn run(spec: &OpenApiSpec, cx: &CheckContext) -> CheckOutcome {
    let doc = match &spec.document {
        OpenApiDocument::File { doc, .. } => doc.as_ref().clone(),
        OpenApiDocument::Service(path) => match cx.get(path).await {
            Err(e) => return CheckOutcome::error(e),
            Ok(r) if !(200..300).contains(&r.status) => {
                return CheckOutcome::error(format!("GET {path} answered {}", r.status));
            }
            Ok(r) => match r.json().cloned() {
                Some(d) if d.get("paths").is_some_and(Value::is_object) => d,
                _ => {
                    return CheckOutcome::error(format!(
                        "GET {path} is not an OpenAPI document (no `paths` object)"
                    ));
                }
            },
        },
    };
    let operations = operations(&doc, spec);
    if operations.is_empty() {
        return CheckOutcome::error("no operation of the document is selected");
    }
    let headers = match spec.headers.as_ref().map(|h| h.expand(&cx.scope)) {
        None => Map::new(),
        Some(Ok(Value::Object(m))) => m,
        Some(Ok(other)) => {
            return CheckOutcome::error(format!("`headers` must be a map, found `{other}`"));
        }
        Some(Err(e)) => return CheckOutcome::error(e),
    };
    let schemas = Schemas::new(&doc);
    let mut assertions = Vec::new();
    for op in &operations {
        let generator = Generator { doc: &doc };
        let case = generator.case(op);
        let req = case.request(op, &headers, None);
        let label = format!("{} {}", op.method.to_ascii_uppercase(), op.path);
        assertions.push(match cx.send(&req, &cx.scope).await {
            Err(e) => Assertion::new(&label, "an answer", e, false),
            Ok(r) => conformance(&label, op, &r, &schemas),
        });
        if let Some(field) = case.first_required.clone() {
            let req = case.request(op, &headers, Some(&field));
            let probe = format!("{label} without `{field}`");
            assertions.push(match cx.send(&req, &cx.scope).await {
                Err(e) => Assertion::new(&probe, "a 4xx", e, false),
                Ok(r) => Assertion::new(
                    &probe,
                    "a 4xx (a required field is missing)",
                    format!("{}; sent {}", r.status, r.sent),
                    (400..500).contains(&r.status),
                ),
            });
        }
    }
    let total = assertions.len();
    let held = assertions.iter().filter(|a| a.passed).count();
    let mut o = CheckOutcome::from_assertions(assertions, None).proportional(held, total);
    let source = match &spec.document {
        OpenApiDocument::File { shown, .. } => format!("`{shown}`"),
        OpenApiDocument::Service(path) => format!("GET {path}"),
    };
    o.note = Some(format!(
        "{} of {source} called: {held} of {total} findings hold",
        crate::text::plural(operations.len(), "operation")
    ));
    o
}

/// One operation of the document.
pub(crate) struct Operation {
    pub method: String,
    pub path: String,
    pub item: Value,
    /// Parameters of the path item and of the operation (the operation's win).
    pub parameters: Vec<Value>,
}

/// The selected operations, in document order.
pub(crate) fn operations(doc: &Value, spec: &OpenApiSpec) -> Vec<Operation> {
    let mut out = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        if spec.paths.as_ref().is_some_and(|g| !g.is_match(path)) {
            continue;
        }
        let item = resolve(doc, item, 0);
        let shared: Vec<Value> = item
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let tags: Vec<&str> = op
                .get("tags")
                .and_then(Value::as_array)
                .map(|t| t.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if !spec.tags.is_empty() && !spec.tags.iter().any(|t| tags.contains(&t.as_str())) {
                continue;
            }
            let mut parameters: Vec<Value> = op
                .get("parameters")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|p| resolve(doc, p, 0).clone())
                .collect();
            for p in &shared {
                let p = resolve(doc, p, 0);
                let same = |q: &Value| q.get("name") == p.get("name") && q.get("in") == p.get("in");
                if !parameters.iter().any(same) {
                    parameters.push(p.clone());
                }
            }
            out.push(Operation {
                method: method.to_string(),
                path: path.clone(),
                item: op.clone(),
                parameters,
            });
        }
    }
    out
}

/// Follows `$ref: "#/..."` pointers inside the document.
fn resolve<'a>(doc: &'a Value, v: &'a Value, depth: usize) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) if depth < MAX_DEPTH => match r.strip_prefix('#').and_then(|p| doc.pointer(p)) {
            Some(target) => resolve(doc, target, depth + 1),
            None => v,
        },
        _ => v,
    }
}

/// What one call sends.
struct Case {
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Option<Value>,
    /// The first required property of the JSON body, for the missing-field probe.
    first_required: Option<String>,
}

impl Case {
    fn request(
        &self,
        op: &Operation,
        shared: &Map<String, Value>,
        without: Option<&str>,
    ) -> RequestSpec {
        let mut headers = shared.clone();
        for (k, v) in &self.headers {
            headers.insert(k.clone(), Value::String(v.clone()));
        }
        let query: Map<String, Value> = self
            .query
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        let body = match (&self.body, without) {
            (Some(Value::Object(m)), Some(field)) => {
                let mut m = m.clone();
                m.remove(field);
                BodySpec::Json(Template::literal_value(Value::Object(m)))
            }
            (Some(b), _) => BodySpec::Json(Template::literal_value(b.clone())),
            (None, _) => BodySpec::None,
        };
        RequestSpec {
            method: reqwest::Method::from_bytes(op.method.to_ascii_uppercase().as_bytes())
                .unwrap_or(reqwest::Method::GET),
            target: Target::Path(Template::literal(&self.path)),
            headers: (!headers.is_empty()).then(|| Template::literal_value(Value::Object(headers))),
            query: (!query.is_empty()).then(|| Template::literal_value(Value::Object(query))),
            body,
            compressed: false,
        }
    }
}

/// Makes the values of a call: the document's examples first, then values that fit the
/// schema. Grows here (more cases per operation, boundary values, property-based runs).
struct Generator<'d> {
    doc: &'d Value,
}

impl Generator<'_> {
    fn case(&self, op: &Operation) -> Case {
        let mut case = Case {
            path: op.path.clone(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            first_required: None,
        };
        for p in &op.parameters {
            let (Some(name), Some(place)) = (
                p.get("name").and_then(Value::as_str),
                p.get("in").and_then(Value::as_str),
            ) else {
                continue;
            };
            let required = p
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(place == "path");
            if !required {
                continue;
            }
            let value = p
                .get("example")
                .cloned()
                .or_else(|| first_example(p.get("examples")))
                .unwrap_or_else(|| self.value(p.get("schema").unwrap_or(&Value::Null), 0));
            let text = crate::suite::value_text(&value);
            match place {
                "path" => {
                    case.path = case.path.replace(
                        &format!("{{{name}}}"),
                        &crate::redact::percent_encode(&text),
                    )
                }
                "query" => case.query.push((name.to_string(), text)),
                "header" => case.headers.push((name.to_string(), text)),
                _ => {}
            }
        }
        if let Some(media) = op
            .item
            .get("requestBody")
            .map(|b| resolve(self.doc, b, 0))
            .and_then(|b| b.pointer("/content/application~1json"))
        {
            let schema = resolve(self.doc, media.get("schema").unwrap_or(&Value::Null), 0);
            let body = media
                .get("example")
                .cloned()
                .or_else(|| first_example(media.get("examples")))
                .unwrap_or_else(|| self.value(schema, 0));
            case.first_required = schema
                .get("required")
                .and_then(Value::as_array)
                .and_then(|r| r.first())
                .and_then(Value::as_str)
                .filter(|f| body.get(*f).is_some())
                .map(str::to_string);
            case.body = Some(body);
        }
        case
    }

    /// A value that fits `schema`.
    fn value(&self, schema: &Value, depth: usize) -> Value {
        let s = resolve(self.doc, schema, 0);
        if depth > MAX_DEPTH {
            return Value::Null;
        }
        for key in ["example", "default", "const"] {
            if let Some(v) = s.get(key) {
                return v.clone();
            }
        }
        if let Some(v) = first_example(s.get("examples")) {
            return v;
        }
        if let Some(v) = s
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|e| e.first())
        {
            return v.clone();
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(alts) = s.get(key).and_then(Value::as_array) {
                let pick = alts
                    .iter()
                    .find(|a| resolve(self.doc, a, 0).get("type") != Some(&Value::from("null")))
                    .or(alts.first());
                if let Some(a) = pick {
                    return self.value(a, depth + 1);
                }
            }
        }
        if let Some(all) = s.get("allOf").and_then(Value::as_array) {
            let mut merged = Map::new();
            for a in all {
                if let Value::Object(m) = self.value(a, depth + 1) {
                    merged.extend(m);
                }
            }
            return Value::Object(merged);
        }
        let ty = match s.get("type") {
            Some(Value::String(t)) => t.as_str(),
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .unwrap_or("null"),
            _ if s.get("properties").is_some() => "object",
            _ => "string",
        };
        match ty {
            "object" => {
                let mut m = Map::new();
                let required: Vec<&str> = s
                    .get("required")
                    .and_then(Value::as_array)
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                if let Some(props) = s.get("properties").and_then(Value::as_object) {
                    for (k, v) in props {
                        if required.contains(&k.as_str()) {
                            m.insert(k.clone(), self.value(v, depth + 1));
                        }
                    }
                }
                Value::Object(m)
            }
            "array" => {
                let item = self.value(s.get("items").unwrap_or(&Value::Null), depth + 1);
                let n = s
                    .get("minItems")
                    .and_then(Value::as_u64)
                    .unwrap_or(1)
                    .clamp(1, 8);
                Value::Array(vec![item; n as usize])
            }
            "integer" | "number" => {
                let min = s.get("minimum").and_then(Value::as_i64).unwrap_or(1);
                let max = s.get("maximum").and_then(Value::as_i64).unwrap_or(i64::MAX);
                Value::from(min.max(1).min(max))
            }
            "boolean" => Value::Bool(true),
            "null" => Value::Null,
            _ => Value::String(string_for(s)),
        }
    }
}

fn first_example(examples: Option<&Value>) -> Option<Value> {
    match examples? {
        Value::Array(a) => a.first().cloned(),
        // OpenAPI `examples`: a map of Example objects with `value`.
        Value::Object(m) => m.values().next().and_then(|e| e.get("value")).cloned(),
        _ => None,
    }
}

fn string_for(s: &Value) -> String {
    let base = match s.get("format").and_then(Value::as_str) {
        Some("uuid") => "00000000-0000-4000-8000-000000000000",
        Some("date-time") => "2026-01-01T00:00:00Z",
        Some("date") => "2026-01-01",
        Some("email") => "harden@example.com",
        Some("uri") | Some("url") => "https://example.com/",
        _ => "harden",
    };
    let min = s.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    let max = s
        .get("maxLength")
        .and_then(Value::as_u64)
        .unwrap_or(u64::MAX) as usize;
    let mut text = base.to_string();
    while text.len() < min {
        text.push('x');
    }
    text.chars().take(max.max(1)).collect()
}

/// The response schemas of the document, compiled on demand with its components.
struct Schemas<'d> {
    doc: &'d Value,
    openapi_30: bool,
}

impl<'d> Schemas<'d> {
    fn new(doc: &'d Value) -> Schemas<'d> {
        Schemas {
            doc,
            openapi_30: doc
                .get("openapi")
                .and_then(Value::as_str)
                .is_some_and(|v| v.starts_with("3.0")),
        }
    }

    /// The errors of `body` against `schema` (whose `$ref`s point into the document).
    fn errors(&self, schema: &Value, body: &Value) -> Result<Vec<String>, String> {
        let mut root = match schema {
            Value::Object(m) => m.clone(),
            Value::Bool(true) => return Ok(Vec::new()),
            other => return Err(format!("the document's schema `{other}` is not a schema")),
        };
        if let Some(c) = self.doc.get("components") {
            root.insert("components".into(), c.clone());
        }
        let mut root = Value::Object(root);
        if self.openapi_30 {
            nullable_to_type(&mut root);
        }
        let v = jsonschema::validator_for(&root)
            .map_err(|e| format!("the document's schema does not compile: {e}"))?;
        Ok(v.iter_errors(body)
            .take(3)
            .map(|e| {
                let at = e.instance_path().to_string();
                format!("{}: {e}", if at.is_empty() { "$".into() } else { at })
            })
            .collect())
    }
}

/// OpenAPI 3.0's `nullable: true` as JSON Schema's `type: [T, "null"]`.
fn nullable_to_type(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if m.get("nullable") == Some(&Value::Bool(true))
                && let Some(Value::String(t)) = m.get("type").cloned()
            {
                m.insert("type".into(), serde_json::json!([t, "null"]));
            }
            m.values_mut().for_each(nullable_to_type);
        }
        Value::Array(a) => a.iter_mut().for_each(nullable_to_type),
        _ => {}
    }
}

/// Whether one answer keeps the document's promise for its operation.
fn conformance(label: &str, op: &Operation, r: &Response, schemas: &Schemas<'_>) -> Assertion {
    let expected = "a documented status, its body matching the schema";
    let responses = op.item.get("responses").and_then(Value::as_object);
    let code = r.status.to_string();
    let class = format!("{}XX", r.status / 100);
    let documented = responses.and_then(|rs| {
        rs.get(&code)
            .or_else(|| rs.get(&class))
            .or_else(|| rs.get(&class.to_lowercase()))
            .or_else(|| rs.get("default"))
    });
    let listed = || {
        responses
            .map(|rs| rs.keys().cloned().collect::<Vec<_>>().join(", "))
            .unwrap_or_default()
    };
    if r.status >= 500 {
        return Assertion::new(
            label,
            expected,
            format!("{} (a server error); sent {}", r.status, r.sent),
            false,
        );
    }
    let Some(resp) = documented.map(|d| resolve(schemas.doc, d, 0)) else {
        return Assertion::new(
            label,
            expected,
            format!(
                "{} is not documented (documented: {}); sent {}",
                r.status,
                listed(),
                r.sent
            ),
            false,
        );
    };
    let schema = resp
        .get("content")
        .and_then(Value::as_object)
        .and_then(|c| {
            c.iter()
                .find(|(media, _)| media.contains("json"))
                .map(|(_, m)| m)
        })
        .and_then(|m| m.get("schema"));
    let Some(schema) = schema else {
        return Assertion::new(label, expected, format!("{}", r.status), true);
    };
    let Some(body) = r.json() else {
        return Assertion::new(
            label,
            expected,
            format!("{} with a body that is not JSON; sent {}", r.status, r.sent),
            r.body.is_empty() && r.status == 204,
        );
    };
    match schemas.errors(schema, body) {
        Ok(errors) if errors.is_empty() => {
            Assertion::new(label, expected, format!("{}, body matches", r.status), true)
        }
        Ok(errors) => Assertion::new(
            label,
            expected,
            format!(
                "{}, body does not match: {}; sent {}",
                r.status,
                errors.join("; "),
                r.sent
            ),
            false,
        ),
        Err(e) => Assertion::new(label, expected, e, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_come_from_examples_then_schemas() {
        let doc = json!({"components": {"schemas": {"New": {"type": "object", "required": ["name", "n"],
            "properties": {"name": {"type": "string", "minLength": 8}, "n": {"type": "integer", "minimum": 3}, "opt": {"type": "string"}}}}}});
        let g = Generator { doc: &doc };
        assert_eq!(
            g.value(&json!({"$ref": "#/components/schemas/New"}), 0),
            json!({"name": "hardenxx", "n": 3})
        );
        assert_eq!(
            g.value(&json!({"type": "string", "examples": ["w"]}), 0),
            json!("w")
        );
        assert_eq!(
            g.value(
                &json!({"anyOf": [{"type": "null"}, {"type": "integer"}]}),
                0
            ),
            json!(1)
        );
        assert_eq!(
            g.value(&json!({"type": "string", "format": "uuid"}), 0),
            json!("00000000-0000-4000-8000-000000000000")
        );
    }

    #[test]
    fn openapi_30_nullable_becomes_a_null_type() {
        let mut s = json!({"properties": {"a": {"type": "string", "nullable": true}}});
        nullable_to_type(&mut s);
        assert_eq!(s["properties"]["a"]["type"], json!(["string", "null"]));
    }
}
