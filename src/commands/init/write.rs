//! The suite's text: instance, `setup` for an OAuth2 login, health checks,
//! a contract check per GET that needs no input, a scenario per resource, `metrics`, and
//! an `openapi` check over every operation.

use super::auth::{Apply, Auth};
use super::operations::{Ctx, expect, id_field};
use crate::openapi::Document;
use crate::openapi::document::Operation;
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::fmt::Write;

/// What the suite is written from.
pub(super) struct Input<'a> {
    pub raw: &'a Value,
    pub doc: &'a Document,
    pub source: String,
    pub command: Option<&'a str>,
    /// The service's working directory, relative to the suite.
    pub cwd: Option<String>,
    /// The `openapi` check's `document`: a file relative to the suite, or a service path.
    pub document: String,
    /// Where the service serves its document (the readiness probe without a health path).
    pub document_path: String,
    /// `document_path` is a guess (the document came from a file).
    pub guessed_document_path: bool,
    pub metrics: bool,
}

pub(super) struct Written {
    pub yaml: String,
    pub checks: usize,
    pub todos: Vec<String>,
    pub env: Vec<String>,
}

/// A check id from a path: `/items/latest` -> `items-latest`.
pub(super) fn slug(path: &str) -> String {
    let s: String = path
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if s.is_empty() { "root".into() } else { s }
}

/// `/health`, `/healthz`, `/health/db`, `/ready`, `/livez`, `/ping`, `/status`.
pub(super) fn is_health(path: &str) -> bool {
    path.to_ascii_lowercase().split('/').any(|seg| {
        seg.starts_with("health")
            || matches!(
                seg,
                "ready" | "readyz" | "live" | "livez" | "ping" | "status"
            )
    })
}

/// A YAML scalar: JSON syntax, which YAML reads the same.
fn j(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// A string from the document, written so `${` stays literal.
fn quoted(s: &str) -> String {
    j(&Value::from(s.replace("${", "$${")))
}

struct Ids(BTreeSet<String>);

impl Ids {
    fn take(&mut self, base: String) -> String {
        let mut id = base.clone();
        let mut n = 2;
        while !self.0.insert(id.clone()) {
            id = format!("{base}-{n}");
            n += 1;
        }
        id
    }
}

/// A resource: `POST /things` with `/things/{id}` operations.
struct Resource<'a> {
    collection: &'a str,
    param: String,
    item: String,
}

/// Whether the document is FastAPI's: its validation error schemas, by their names.
fn is_fastapi(raw: &Value) -> bool {
    let schemas = &raw["components"]["schemas"];
    schemas.get("HTTPValidationError").is_some() && schemas.get("ValidationError").is_some()
}

fn resources(doc: &Document) -> Vec<Resource<'_>> {
    let mut out = Vec::new();
    for create in doc.operations.iter().filter(|o| o.method == "post") {
        let p = create.path.trim_end_matches('/');
        if p.contains('{') {
            continue;
        }
        let item = doc.operations.iter().find_map(|o| {
            let rest = o.path.strip_prefix(p)?.strip_prefix("/{")?;
            let param = rest.strip_suffix('}')?;
            (!param.contains(['/', '{'])).then(|| (param.to_string(), o.path.clone()))
        });
        if let Some((param, item)) = item {
            out.push(Resource {
                collection: &create.path,
                param,
                item,
            });
        }
    }
    out
}

fn op<'a>(doc: &'a Document, path: &str, method: &str) -> Option<&'a Operation> {
    doc.operations
        .iter()
        .find(|o| o.path == path && o.method == method)
}

fn step(name: &str, request: Value, expect: Option<Value>, capture: Option<Value>) -> String {
    let mut s = format!(
        "        - name: {name}\n          request: {}\n",
        j(&request)
    );
    if let Some(e) = expect {
        let _ = writeln!(s, "          expect: {}", j(&e));
    }
    if let Some(c) = capture {
        let _ = writeln!(s, "          capture: {}", j(&c));
    }
    s
}

/// The scenario of one resource: create, read by the captured id, list, update, delete.
fn scenario(cx: &mut Ctx, doc: &Document, r: &Resource, id: String) -> Option<String> {
    let create = op(doc, r.collection, "post")?;
    let Some(field) = id_field(create, &r.param) else {
        cx.todos.push(format!(
            "the id of what POST {} creates (no `{}` or `id` in its answer): no scenario written",
            r.collection, r.param
        ));
        return None;
    };
    if Ctx::needs_input(create, None) || (!create.body.is_empty() && cx.body(create).is_none()) {
        cx.todos.push(format!(
            "the input POST {} needs: no scenario written",
            r.collection
        ));
        return None;
    }
    let var = if r
        .param
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        r.param.clone()
    } else {
        super::auth::var_name(&r.param)
    };
    let item_path = r
        .item
        .replace("${", "$${")
        .replace(&format!("{{{}}}", r.param), &format!("${{{var}}}"));
    let collection_path = r.collection.replace("${", "$${");
    let mut y = format!("  - id: {id}\n    http:\n      steps:\n");
    let body = cx.body(create);
    let req = cx.request(create, &collection_path, body);
    let mut capture = Map::new();
    capture.insert(var.clone(), Value::from(format!("$.{field}")));
    y += &step("create", req, expect(create), Some(Value::Object(capture)));
    for (name, method, path) in [
        ("read", "get", &r.item),
        ("list", "get", &r.collection.to_string()),
        ("update", "put", &r.item),
        ("update", "patch", &r.item),
        ("delete", "delete", &r.item),
    ] {
        let Some(o) = op(doc, path, method) else {
            continue;
        };
        if y.contains("- name: update") && name == "update" {
            continue;
        }
        if Ctx::needs_input(o, Some(&r.param)) {
            cx.todos
                .push(format!("the input {} needs: left out of `{id}`", o.label()));
            continue;
        }
        let text = if path == &r.item {
            &item_path
        } else {
            &collection_path
        };
        let body = cx.body(o);
        let req = cx.request(o, text, body);
        y += &step(name, req, expect(o), None);
    }
    Some(y)
}

pub(super) fn suite(input: &Input, auth: Auth) -> Written {
    let doc = input.doc;
    let raw = input.raw;
    let base = doc.base_path.as_str();
    let mut cx = Ctx {
        raw,
        base_path: base,
        auth,
        placeholders: Vec::new(),
        todos: Vec::new(),
    };
    cx.todos.append(&mut cx.auth.todos);
    let title = raw
        .pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or("service");
    let mut ids = Ids(BTreeSet::new());
    let mut checks = 0;
    let mut body = String::new();

    let gets: Vec<&Operation> = doc
        .operations
        .iter()
        .filter(|o| o.method == "get" && !o.path.contains('{') && !Ctx::needs_input(o, None))
        .collect();
    let health: Vec<&&Operation> = gets.iter().filter(|o| is_health(&o.path)).collect();
    for o in &health {
        let _ = writeln!(
            body,
            "  - id: {}\n    health:\n      endpoints:\n        - {{ path: {}, expect: healthy }}",
            ids.take(format!("{}-healthy", slug(&o.path))),
            quoted(&format!("{base}{}", o.path))
        );
        checks += 1;
    }
    for o in gets.iter().filter(|o| !is_health(&o.path)) {
        let id = ids.take(format!("get-{}", slug(&o.path)));
        let Some(e) = expect(o) else {
            cx.todos.push(format!(
                "the success status of {} (none documented): no check",
                o.label()
            ));
            continue;
        };
        let req = cx.request(o, &o.path.replace("${", "$${"), None);
        let _ = writeln!(
            body,
            "  - id: {id}\n    http:\n      request: {}\n      expect:",
            j(&req)
        );
        if let Some(m) = e.as_object() {
            for (k, v) in m {
                let _ = writeln!(body, "        {k}: {}", j(v));
            }
        }
        checks += 1;
    }
    for r in resources(doc) {
        let id = ids.take(format!("{}-lifecycle", slug(r.collection)));
        if let Some(text) = scenario(&mut cx, doc, &r, id) {
            body += &text;
            checks += 1;
        }
    }
    if input.metrics || raw.pointer("/paths/~1metrics").is_some() {
        let _ = writeln!(body, "  - id: metrics\n    metrics: {{ lint: warn }}");
        checks += 1;
    }
    // The `openapi` check: every operation, with every credential the document names.
    let mut headers = Map::new();
    for a in cx.auth.schemes.values() {
        match a {
            Apply::Header(n, v) => {
                headers.entry(n.clone()).or_insert(Value::from(v.clone()));
            }
            Apply::Query(n, _) => cx.todos.push(format!(
                "the `openapi` check sends headers only: the `{n}` query credential is not sent"
            )),
        }
    }
    if cx.auth.env.iter().any(|v| v == "AUTHORIZATION") {
        headers
            .entry("Authorization".to_string())
            .or_insert(Value::from("${authorization}"));
    }
    let mut openapi = Map::new();
    openapi.insert(
        "document".into(),
        Value::from(input.document.replace("${", "$${")),
    );
    if !headers.is_empty() {
        openapi.insert("headers".into(), Value::Object(headers));
    }
    let fastapi = is_fastapi(input.raw);
    if fastapi {
        let mut ignore = vec![serde_json::json!({ "rule": "unsupported_method" })];
        if input.doc.operations.iter().any(|o| !o.body.is_empty()) {
            ignore.push(serde_json::json!({ "rule": "status_code_conformance", "status": 400 }));
        }
        openapi.insert("ignore".into(), Value::Array(ignore));
        let _ = writeln!(
            body,
            "  # Two answers of stock FastAPI break its own document: a method a path lacks gets an\n  # `Allow` of one route's methods, a body that is not UTF-8 an undocumented 400. Silenced\n  # here; docs/checks/openapi.md (\"What stock FastAPI answers\") says how to mend them in\n  # the service, then delete `ignore`."
        );
    }
    let _ = writeln!(
        body,
        "  - id: api-keeps-its-document\n    openapi: {}   # every operation, called for real",
        j(&Value::Object(openapi))
    );
    checks += 1;

    // The head, now that every credential and placeholder is known.
    let mut y = String::new();
    let _ = writeln!(
        y,
        "# A starter suite written by `harden init` from {}.\n# Review it, then: harden validate && harden check",
        input.source.replace('\n', " ")
    );
    let _ = writeln!(y, "suite: {}", slug(title));
    let _ = writeln!(y, "instance:");
    match input.command {
        Some(c) => {
            let _ = writeln!(
                y,
                "  command: {}   # run by sh -c, with $PORT set",
                quoted(c)
            );
        }
        None => {
            let _ = writeln!(
                y,
                "  command: [\"uvicorn\", \"app:app\", \"--port\", \"${{PORT}}\"]   # TODO: the command that starts your service on ${{PORT}}"
            );
        }
    }
    if let Some(dir) = &input.cwd {
        let _ = writeln!(y, "  cwd: {}", quoted(dir));
    }
    let (ready, guessed) = match health.first() {
        Some(o) => (format!("{base}{}", o.path), false),
        None => (input.document_path.clone(), input.guessed_document_path),
    };
    let _ = writeln!(
        y,
        "  ready: {{ http: {}, timeout: 60s }}{}",
        quoted(&ready),
        if guessed {
            "   # TODO: a path the service answers once ready"
        } else {
            ""
        }
    );
    if !cx.placeholders.is_empty() || !cx.auth.vars.is_empty() {
        let _ = writeln!(y, "vars:");
        if !cx.auth.env.is_empty() {
            let _ = writeln!(
                y,
                "  # Credentials from the environment: {}",
                cx.auth.env.join(", ")
            );
        }
        for (name, value) in &cx.auth.vars {
            let _ = writeln!(y, "  {name}: {}", j(&Value::from(value.as_str())));
        }
        for (name, value) in &cx.placeholders {
            if cx.auth.vars.iter().any(|(n, _)| n == name) {
                continue;
            }
            let _ = writeln!(y, "  {name}: {}   # TODO: a real value", j(value));
        }
    }
    if !cx.auth.secrets.is_empty() {
        let _ = writeln!(
            y,
            "secrets: [{}]   # masked as *** in every output",
            cx.auth.secrets.join(", ")
        );
    }
    if !cx.auth.setup.is_empty() {
        let _ = writeln!(y, "setup:");
        for s in &cx.auth.setup {
            let _ = writeln!(y, "  - {}", j(s));
        }
    }
    for t in &cx.todos {
        let _ = writeln!(y, "# TODO: {t}");
    }
    let _ = writeln!(y, "checks:");
    y += &body;
    // The TODOs written beside what they are about count in the summary too.
    let mut todos = Vec::new();
    if input.command.is_none() {
        todos.push("the command that starts your service".to_string());
    }
    if guessed {
        todos.push(format!("the readiness path (`{ready}` is a guess)"));
    }
    todos.append(&mut cx.todos);
    Written {
        yaml: y,
        checks,
        todos,
        env: cx.auth.env,
    }
}
