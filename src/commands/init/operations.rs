//! One request and its expectations per documented operation, as the `http` kind writes
//! them: the base path, the credentials and required inputs it needs, and assertions only
//! where the document says them for that media type.

use super::auth::{Apply, Auth};
use super::values::sample;
use crate::openapi::document::{Location, Operation, ResponseSpec};
use crate::openapi::resolve::resolve;
use serde_json::{Map, Value, json};

/// `${` in text taken from the document, written so that harden reads it literally.
pub(super) fn escape(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(s.replace("${", "$${")),
        Value::Array(a) => Value::Array(a.iter().map(escape).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.replace("${", "$${"), escape(x)))
                .collect(),
        ),
        other => other.clone(),
    }
}

pub(super) fn is_json(media: &str) -> bool {
    let m = media.split(';').next().unwrap_or("").trim();
    m == "application/json" || m.ends_with("+json")
}

/// Everything a request is built from.
pub(super) struct Ctx<'a> {
    pub raw: &'a Value,
    pub base_path: &'a str,
    pub auth: Auth,
    /// Placeholder variables for required headers without an example: name -> value.
    pub placeholders: Vec<(String, Value)>,
    pub todos: Vec<String>,
}

impl Ctx<'_> {
    /// The parameter object as written (for its `example`), the operation's or the path's.
    fn raw_parameter(&self, op: &Operation, name: &str) -> Option<&Value> {
        let item = self.raw.get("paths")?.get(&op.path)?;
        let own = item.get(&op.method).and_then(|o| o.get("parameters"));
        [own, item.get("parameters")]
            .into_iter()
            .flatten()
            .filter_map(Value::as_array)
            .flatten()
            .map(|p| resolve(self.raw, p))
            .find(|p| p.get("name").and_then(Value::as_str) == Some(name))
    }

    fn parameter_value(&self, op: &Operation, name: &str, schema: &Value) -> (Value, bool) {
        let p = self.raw_parameter(op, name);
        let documented = p.and_then(|p| {
            p.get("example").cloned().or_else(|| {
                p.get("examples")
                    .and_then(Value::as_object)
                    .and_then(|e| e.values().next())
                    .map(|e| resolve(self.raw, e))
                    .and_then(|e| e.get("value").cloned())
            })
        });
        let from_schema = super::values::example(schema);
        match documented.or(from_schema) {
            Some(v) => (v, true),
            None => (sample(schema), false),
        }
    }

    /// Does the operation need input init cannot give (a path parameter other than
    /// `except`, a required query or cookie parameter)?
    pub(super) fn needs_input(op: &Operation, except: Option<&str>) -> bool {
        op.parameters.iter().any(|p| {
            p.required
                && match p.location {
                    Location::Path => Some(p.name.as_str()) != except,
                    Location::Query | Location::Cookie => true,
                    Location::Header => false,
                }
        })
    }

    /// The request of `op` on `path` (the documented path with `${var}`s in place).
    pub(super) fn request(&mut self, op: &Operation, path: &str, body: Option<Value>) -> Value {
        let mut r = Map::new();
        if op.method != "get" {
            r.insert("method".into(), Value::from(op.method.to_ascii_uppercase()));
        }
        r.insert(
            "path".into(),
            Value::from(format!("{}{path}", self.base_path.replace("${", "$${"))),
        );
        let mut headers = Map::new();
        let mut query = Map::new();
        let applies: Vec<Apply> = self
            .auth
            .required(self.raw, &op.path, &op.method)
            .into_iter()
            .cloned()
            .collect();
        for a in applies {
            match a {
                Apply::Header(n, v) => headers.insert(n, Value::from(v)),
                Apply::Query(n, v) => query.insert(n, Value::from(v)),
            };
        }
        for p in &op.parameters {
            if p.location == Location::Header && p.name.eq_ignore_ascii_case("authorization") {
                if let Apply::Header(n, v) = self.auth.authorization_parameter() {
                    headers.entry(n).or_insert(Value::from(v));
                }
                continue;
            }
            if !p.required || !matches!(p.location, Location::Header | Location::Query) {
                continue;
            }
            let (value, documented) = self.parameter_value(op, &p.name, &p.schema);
            let value = if documented || p.location == Location::Query {
                escape(&value)
            } else {
                let var = super::auth::var_name(&p.name);
                if !self.placeholders.iter().any(|(n, _)| *n == var) {
                    self.placeholders.push((var.clone(), escape(&value)));
                    self.todos.push(format!(
                        "a real value for the `{}` header (vars.{var})",
                        p.name
                    ));
                }
                Value::from(format!("${{{var}}}"))
            };
            let value = match value {
                Value::String(_) => value,
                other => Value::from(other.to_string()),
            };
            match p.location {
                Location::Header => headers.insert(p.name.clone(), value),
                _ => query.insert(p.name.clone(), value),
            };
        }
        if let Some(resp) = success(op)
            && resp.content.len() > 1
            && resp.content.iter().any(|m| is_json(&m.media))
        {
            headers.insert("Accept".into(), Value::from("application/json"));
        }
        if !headers.is_empty() {
            r.insert("headers".into(), Value::Object(headers));
        }
        if !query.is_empty() {
            r.insert("query".into(), Value::Object(query));
        }
        if let Some(b) = body {
            r.insert("json".into(), escape(&b));
        }
        Value::Object(r)
    }

    /// A JSON body for `op`: the media type's example, else one built from its schema;
    /// `None` when it takes no JSON body.
    pub(super) fn body(&self, op: &Operation) -> Option<Value> {
        let media = op.body.iter().find(|m| is_json(&m.media))?;
        let raw_body = self
            .raw
            .get("paths")
            .and_then(|p| p.get(&op.path))
            .and_then(|i| i.get(&op.method))
            .and_then(|o| o.get("requestBody"))
            .map(|b| resolve(self.raw, b));
        let raw_media = raw_body
            .and_then(|b| b.get("content"))
            .and_then(Value::as_object)
            .and_then(|c| c.iter().find(|(k, _)| is_json(k)))
            .map(|(_, m)| m);
        let example = raw_media.and_then(|m| {
            m.get("example").cloned().or_else(|| {
                m.get("examples")
                    .and_then(Value::as_object)
                    .and_then(|e| e.values().next())
                    .map(|e| resolve(self.raw, e))
                    .and_then(|e| e.get("value").cloned())
            })
        });
        Some(example.unwrap_or_else(|| sample(&media.schema)))
    }
}

/// The first documented 2xx response (an exact code).
pub(super) fn success(op: &Operation) -> Option<&ResponseSpec> {
    op.responses
        .iter()
        .find(|r| r.status.len() == 3 && r.status.starts_with('2'))
}

/// What the document says of the 2xx answer: status, content type, and a schema only for
/// a JSON media type.
pub(super) fn expect(op: &Operation) -> Option<Value> {
    let r = success(op)?;
    let mut e = Map::new();
    e.insert(
        "status".into(),
        r.status
            .parse::<u16>()
            .map(Value::from)
            .unwrap_or(Value::from("2xx")),
    );
    let media = r
        .content
        .iter()
        .find(|m| is_json(&m.media))
        .or_else(|| r.content.first());
    if let Some(m) = media {
        e.insert(
            "headers".into(),
            json!({"content-type": escape(&Value::from(m.media.clone()))}),
        );
        if is_json(&m.media) && m.schema.as_object().is_some_and(|o| !o.is_empty()) {
            e.insert("schema".into(), escape(&m.schema));
        }
    }
    Some(Value::Object(e))
}

/// The property of a created resource's JSON that is its id for path parameter `param`.
pub(super) fn id_field(op: &Operation, param: &str) -> Option<String> {
    let r = success(op)?;
    let schema = &r.content.iter().find(|m| is_json(&m.media))?.schema;
    let merged = crate::openapi::generate::merge_all_of(schema);
    let props = merged.get("properties").and_then(Value::as_object)?;
    let norm = |s: &str| s.to_ascii_lowercase().replace(['_', '-'], "");
    props
        .keys()
        .find(|k| *k == param)
        .or_else(|| props.keys().find(|k| norm(k) == norm(param)))
        .or_else(|| props.keys().find(|k| *k == "id"))
        .cloned()
}
