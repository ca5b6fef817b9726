//! A valid request for an operation, and the same request with one input replaced: what the
//! injection, SSRF and brute-force families send. Every other input holds a valid value of
//! its schema (its example or default, else the OpenAPI engine's simplest value), so that
//! the handler runs and meets the one input under test. A URL input always holds a loopback
//! URL: harden never hands a service an address off this machine. Also which operations
//! these families may send to: never one the suite lists in `skip`, never DELETE, and in
//! `mode: safe` only GET.

use super::discover::{Prober, Sent};
use super::jwt;
use crate::http;
use crate::openapi::case::{Body, Case, Intent, Phase};
use crate::openapi::document::{Location, Operation};
use crate::openapi::generate;
use serde_json::{Map, Value};
use std::time::Duration;

/// One probe request's whole deadline.
const PER_REQUEST: Duration = Duration::from_secs(10);
/// What a URL input holds when it is not the one under test: the discard port on the
/// loopback interface, where nothing answers.
pub(super) const INERT_URL: &str = "http://127.0.0.1:9/harden";
/// Parts of a name that mark an input as a URL the service may fetch.
const URL_NAMES: [&str; 12] = [
    "url", "uri", "callback", "webhook", "avatar", "image", "link", "redirect", "feed", "endpoint",
    "hook", "icon",
];

/// Where an input goes.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Slot {
    Param(Location, String),
    /// A top-level property of the JSON (or form) body.
    Field(String),
}

/// One input of an operation: where it goes and its schema.
#[derive(Debug, Clone)]
pub(super) struct Input {
    pub slot: Slot,
    pub schema: Value,
}

impl Input {
    pub(super) fn name(&self) -> &str {
        match &self.slot {
            Slot::Param(_, n) | Slot::Field(n) => n,
        }
    }

    /// `query parameter `q``, `body field `host``.
    pub(super) fn describe(&self) -> String {
        let at = match &self.slot {
            Slot::Param(Location::Path, _) => "path parameter",
            Slot::Param(Location::Query, _) => "query parameter",
            Slot::Param(Location::Header, _) => "header",
            Slot::Param(Location::Cookie, _) => "cookie",
            Slot::Field(_) => "body field",
        };
        format!("{at} `{}`", self.name())
    }

    /// A URL the service might fetch: `format: uri` (or `url`, `iri`), or a string named
    /// like one (`url`, `callback_url`, `webhook`, `avatar_url`, `image`).
    pub(super) fn is_url(&self) -> bool {
        url_like(self.name(), &self.schema)
    }
}

fn url_like(name: &str, schema: &Value) -> bool {
    let format = schema.get("format").and_then(Value::as_str).unwrap_or("");
    if matches!(
        format,
        "uri" | "url" | "iri" | "uri-reference" | "iri-reference"
    ) {
        return true;
    }
    let types = generate::types(schema);
    let stringy = types.is_empty() || types.contains(&"string");
    let lower = name.to_ascii_lowercase();
    stringy
        && schema.get("enum").is_none()
        && format.is_empty()
        && lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| URL_NAMES.iter().any(|u| w == *u || w.ends_with(u)))
}

/// A plain string input: no enum, format nor pattern, so any short text is a valid value.
pub(super) fn free_text(schema: &Value) -> bool {
    let types = generate::types(schema);
    (types.is_empty() || types == ["string"])
        && ["enum", "const", "format", "pattern"]
            .iter()
            .all(|k| schema.get(k).is_none())
}

/// Whether `value` fits the input's length bounds.
pub(super) fn fits(schema: &Value, value: &str) -> bool {
    let n = value.chars().count() as u64;
    let max = schema.get("maxLength").and_then(Value::as_u64);
    let min = schema.get("minLength").and_then(Value::as_u64);
    max.is_none_or(|m| n <= m) && min.is_none_or(|m| n >= m)
}

/// A valid value for an input: its example, default or first enum value, else the
/// engine's simplest value (a plain string that would be empty is `harden`).
pub(super) fn valid_value(name: &str, schema: &Value) -> Value {
    if url_like(name, schema) {
        return Value::from(INERT_URL);
    }
    let given = schema
        .get("example")
        .or_else(|| schema.pointer("/examples/0"))
        .or_else(|| schema.get("default"));
    if let Some(v) = given {
        return v.clone();
    }
    let v = generate::simplest(schema);
    match &v {
        Value::String(s) if s.is_empty() && free_text(schema) && fits(schema, "harden") => {
            Value::from("harden")
        }
        _ => v,
    }
}

/// The JSON (or form) body an operation takes: its media type and object schema.
fn body_schema(op: &Operation) -> Option<(&str, Value)> {
    let m = op.body.iter().find(|m| {
        let t = m.media.to_ascii_lowercase();
        t.contains("json") || t.contains("x-www-form-urlencoded")
    })?;
    Some((m.media.as_str(), generate::merge_all_of(&m.schema)))
}

/// Path and query parameters, then the body's top-level properties, in document order.
pub(super) fn inputs(op: &Operation) -> Vec<Input> {
    let mut out: Vec<Input> = op
        .parameters
        .iter()
        .filter(|p| matches!(p.location, Location::Path | Location::Query))
        .map(|p| Input {
            slot: Slot::Param(p.location, p.name.clone()),
            schema: p.schema.clone(),
        })
        .collect();
    if let Some((_, schema)) = body_schema(op)
        && let Some(props) = schema.get("properties").and_then(Value::as_object)
    {
        out.extend(props.iter().map(|(k, s)| Input {
            slot: Slot::Field(k.clone()),
            schema: generate::merge_all_of(s),
        }));
    }
    out
}

/// The operation's request with every required input (and `replace`'s) valid, `replace`
/// holding its value.
pub(super) fn case(op_index: usize, op: &Operation, replace: Option<(&Slot, Value)>) -> Case {
    let mut params = Vec::new();
    for p in &op.parameters {
        let slot = Slot::Param(p.location, p.name.clone());
        let v = match replace {
            Some((s, ref v)) if *s == slot => v.clone(),
            _ if p.required => valid_value(&p.name, &p.schema),
            _ => continue,
        };
        params.push((p.location, p.name.clone(), v));
    }
    let body = body_schema(op).map(|(media, schema)| {
        let props = schema.get("properties").and_then(Value::as_object);
        let example = schema
            .get("example")
            .or_else(|| schema.pointer("/examples/0"))
            .cloned();
        let mut v = match (example, props) {
            (Some(e), _) => e,
            (None, Some(_)) => Value::Object(Map::new()),
            (None, None) => generate::simplest(&schema),
        };
        if let (Value::Object(o), Some(props)) = (&mut v, props) {
            fill(o, props);
            if let Some((Slot::Field(name), value)) = &replace {
                o.insert(name.clone(), value.clone());
            }
        }
        Body::json(media, v)
    });
    Case {
        op: op_index,
        params,
        body,
        intent: Intent::Valid,
        without_credentials: false,
        phase: Phase::Coverage,
    }
}

/// Every documented property gets a valid value (the body's example keeps its own, but for
/// URLs): the handler then sees a whole, ordinary request.
fn fill(o: &mut Map<String, Value>, props: &Map<String, Value>) {
    for (k, s) in props {
        if s.get("readOnly") == Some(&Value::Bool(true)) {
            continue;
        }
        let s = generate::merge_all_of(s);
        let keep = o.get(k).is_some_and(|v| !url_like(k, &s) || v == INERT_URL);
        if !keep {
            o.insert(k.clone(), valid_value(k, &s));
        }
    }
}

/// Why an operation is not sent to, when it is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Gate {
    Send,
    /// Listed in `discover.skip`.
    Skipped,
    /// A write, in `mode: safe`.
    Held,
    /// DELETE: a payload that works deletes data, so it is never sent.
    Never,
}

/// The operations a family held back, for the check's note.
#[derive(Default)]
pub(super) struct Held {
    safe: Vec<String>,
    skipped: Vec<String>,
    delete: Vec<String>,
}

impl Held {
    /// Records `op` under `gate`; true when it may be sent.
    pub(super) fn pass(&mut self, gate: Gate, op: &Operation) -> bool {
        let list = match gate {
            Gate::Send => return true,
            Gate::Skipped => &mut self.skipped,
            Gate::Held => &mut self.safe,
            Gate::Never => &mut self.delete,
        };
        if !list.contains(&op.label()) {
            list.push(op.label());
        }
        false
    }

    pub(super) fn is_empty(&self) -> bool {
        self.safe.is_empty() && self.skipped.is_empty() && self.delete.is_empty()
    }

    /// `injection: not sent in mode: safe: POST /a; skipped: ...; DELETE never: ...`.
    pub(super) fn note(&self, family: &str) -> Option<String> {
        let parts: Vec<String> = [
            ("not sent in mode: safe", &self.safe),
            ("skipped (discover.skip)", &self.skipped),
            ("DELETE never sent", &self.delete),
        ]
        .into_iter()
        .filter(|(_, l)| !l.is_empty())
        .map(|(what, l)| format!("{what}: {}", l.join(", ")))
        .collect();
        (!parts.is_empty()).then(|| format!("{family}: {}", parts.join("; ")))
    }
}

impl Prober<'_> {
    /// Whether the input-sending families may send to `op`.
    pub(super) fn gate(&self, op: &Operation) -> Gate {
        let label = op.label();
        let skipped = self
            .spec
            .skip
            .iter()
            .any(|s| *s == label || op.operation_id.as_deref() == Some(s.as_str()));
        let method = op.method.to_ascii_uppercase();
        if skipped {
            Gate::Skipped
        } else if method == "DELETE" {
            Gate::Never
        } else if self.safe && !matches!(method.as_str(), "GET" | "HEAD" | "OPTIONS") {
            Gate::Held
        } else {
            Gate::Send
        }
    }

    /// Every `skip` entry names an operation of the document: a misspelt one would leave
    /// the operation it meant unprotected.
    pub(super) fn check_skip(&self) -> Result<(), String> {
        for s in &self.spec.skip {
            let known = self
                .doc
                .operations
                .iter()
                .any(|o| o.label() == *s || o.operation_id.as_deref() == Some(s.as_str()));
            if !known {
                return Err(format!(
                    "discover.skip: `{s}` is no operation of the document\nhint: write `METHOD /path` as the document writes the path (`POST /orders/{{id}}`), or an operationId"
                ));
            }
        }
        Ok(())
    }

    /// Sends `case` (of `op`) with the suite's headers, bounded by `PER_REQUEST`. A request
    /// that got no answer is sent once more: a server may close a kept-alive connection
    /// after a failure (uvicorn does after an unhandled exception), and the next request
    /// on it then fails before it was read.
    pub(super) async fn send_case(&self, op: &Operation, case: &Case) -> Result<Sent, String> {
        let req = case.render_with(op, &self.doc.base_path, &self.headers, &[]);
        let url = format!("{}{}", self.cx.base_url.trim_end_matches('/'), req.target);
        let method = reqwest::Method::from_bytes(req.method.as_bytes())
            .map_err(|e| format!("discover: {}: {e}", op.label()))?;
        let body = req
            .body
            .as_deref()
            .map(|b| String::from_utf8_lossy(b).into_owned());
        let curl = self.curl_of(&req.method, &url, &req.headers, body.as_deref());
        let plain = || {
            let mut plain = http::Plain::new(method.clone(), &url);
            plain.headers = req
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), Some(v.clone())))
                .collect();
            if let Some(b) = &body {
                plain.body = http::Body::Text(b.clone());
            }
            plain.timeout = Some(PER_REQUEST);
            plain
        };
        let send = || async {
            let built = plain().build(&self.cx.client)?;
            http::send(
                &self.cx.client,
                built,
                self.cx.body_limit(),
                &self.cx.activity,
            )
            .await
        };
        let response = match send().await {
            Ok(r) => r,
            Err(_) => send().await?,
        };
        Ok(Sent { curl, response })
    }

    /// A request with a method and a body as a `curl` command, every credential as `***`.
    fn curl_of(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Option<&str>,
    ) -> String {
        let quote = |s: &str| s.replace('\'', "'\\''");
        let mut out = if method == "GET" {
            format!("curl '{}'", quote(url))
        } else {
            format!("curl -X {method} '{}'", quote(url))
        };
        for (k, v) in headers {
            let v = if self.is_credential(k) || jwt::looks_like_jwt(v) {
                "***".to_string()
            } else {
                quote(v)
            };
            out.push_str(&format!(" -H '{k}: {v}'"));
        }
        if let Some(b) = body {
            out.push_str(&format!(" --data-raw '{}'", quote(b)));
        }
        self.cx.redactor.text(&mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::openapi::Document;
    use serde_json::json;

    fn doc() -> Document {
        Document::new(json!({"openapi": "3.1.0", "paths": {
            "/preview": {"get": {"parameters": [
                {"name": "url", "in": "query", "required": true, "schema": {"type": "string"}},
                {"name": "q", "in": "query", "required": true, "schema": {"type": "string", "example": "tea"}},
                {"name": "page", "in": "query", "schema": {"type": "integer"}}
            ]}},
            "/users/{id}/avatar": {"put": {
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
                "requestBody": {"content": {"application/json": {"schema": {
                    "type": "object", "required": ["user"],
                    "properties": {
                        "user": {"type": "string"},
                        "avatar_url": {"type": "string", "example": "https://cdn.example.com/a.png"},
                        "home": {"type": "string", "format": "uri"},
                        "size": {"type": "integer", "minimum": 16},
                        "id": {"type": "integer", "readOnly": true}
                    }}}}}}}
        }}))
        .unwrap()
    }

    #[test]
    fn inputs_are_the_path_and_query_parameters_then_the_body_fields() {
        let d = doc();
        let names: Vec<String> = d
            .operations
            .iter()
            .flat_map(inputs)
            .map(|i| i.describe())
            .collect();
        assert_eq!(
            names,
            [
                "query parameter `url`",
                "query parameter `q`",
                "query parameter `page`",
                "path parameter `id`",
                "body field `user`",
                "body field `avatar_url`",
                "body field `home`",
                "body field `size`",
                "body field `id`",
            ]
        );
        let urls: Vec<String> = d
            .operations
            .iter()
            .flat_map(inputs)
            .filter(Input::is_url)
            .map(|i| i.name().to_string())
            .collect();
        assert_eq!(urls, ["url", "avatar_url", "home"]);
    }

    #[test]
    fn a_case_is_valid_but_for_the_replaced_input_and_gives_no_url_off_this_machine() {
        let d = doc();
        let op = &d.operations[1];
        let c = case(1, op, Some((&Slot::Field("user".into()), json!("'"))));
        let body = match &c.body {
            Some(Body {
                payload: crate::openapi::case::Payload::Json(v),
                ..
            }) => v.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            body,
            json!({"user": "'", "avatar_url": INERT_URL, "home": INERT_URL, "size": 16})
        );
        assert_eq!(c.params, [(Location::Path, "id".into(), json!(0))]);

        let get = &d.operations[0];
        let c = case(0, get, None);
        assert_eq!(
            c.params,
            [
                (Location::Query, "url".into(), json!(INERT_URL)),
                (Location::Query, "q".into(), json!("tea")),
            ],
            "an optional parameter is left out, a required one is valid"
        );
        let slot = Slot::Param(Location::Query, "page".into());
        let c = case(0, get, Some((&slot, json!(7))));
        assert_eq!(c.params.len(), 3, "the replaced optional parameter is sent");
    }

    #[test]
    fn free_text_and_length_bounds() {
        assert!(free_text(&json!({"type": "string"})));
        assert!(free_text(&json!({})));
        assert!(!free_text(&json!({"type": "string", "format": "email"})));
        assert!(!free_text(&json!({"type": "string", "pattern": "^a$"})));
        assert!(!free_text(&json!({"type": "integer"})));
        assert!(fits(&json!({"maxLength": 3}), "abc"));
        assert!(!fits(&json!({"maxLength": 3}), "abcd"));
        assert!(!fits(&json!({"minLength": 5}), "abcd"));
    }
}
