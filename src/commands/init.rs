//! `harden init`: a starter suite from a service's OpenAPI document.

use crate::cli::InitArgs;
use crate::error::Error;
use crate::instance::{Instance, wait_ready};
use crate::suite::{InstanceSpec, ReadyProbe, ReadySpec, StatusMatcher, StopSpec, Template};
use serde_json::Value;
use std::fmt::Write;
use std::path::Path;
use std::time::Duration;

/// The largest OpenAPI document `init` reads (as `limits.body` does for a check).
const DOCUMENT_LIMIT: u64 = 16 * 1024 * 1024;

/// What was learned of the service.
struct Found {
    doc: Value,
    /// Where the document came from, for the suite's first comment.
    source: String,
    metrics: bool,
}

pub(crate) fn init(args: &InitArgs) -> Result<u8, Error> {
    if args.output.exists() && !args.force {
        return Err(Error::Usage(format!(
            "`{}` exists; harden init never overwrites a file (hint: pass --force, or --output PATH)",
            args.output.display()
        )));
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("start the async runtime", &e))?;
    let found = rt.block_on(discover(args))?;
    rt.shutdown_timeout(Duration::from_millis(500));
    let here = std::env::current_dir().unwrap_or_default();
    let out_dir = args
        .output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()))
        .unwrap_or_else(|| here.clone());
    // The service runs where `init` ran; say so when the suite lives elsewhere.
    let cwd = (out_dir != here).then(|| here.display().to_string());
    let (yaml, checks) = suite_yaml(&found, args.command.as_deref(), cwd.as_deref());
    crate::report::write_atomic("suite", &args.output, &yaml)?;
    println!(
        "wrote {}: {} from {}; next: harden validate {0}",
        args.output.display(),
        crate::text::plural(checks, "check"),
        found.source
    );
    Ok(crate::error::EXIT_OK)
}

async fn discover(args: &InitArgs) -> Result<Found, Error> {
    let client = crate::http::client();
    let limit = DOCUMENT_LIMIT;
    match (&args.command, &args.from_openapi) {
        (Some(cmd), from) => {
            let path = from
                .as_deref()
                .filter(|p| p.starts_with('/'))
                .unwrap_or("/openapi.json");
            from_service(cmd, path, &client).await
        }
        (None, Some(src)) if src.starts_with("http://") || src.starts_with("https://") => {
            let doc = fetch(&client, src, limit).await?;
            Ok(Found {
                doc,
                source: src.clone(),
                metrics: false,
            })
        }
        (None, Some(file)) => {
            let doc: Value = crate::read::json(Path::new(file), limit).map_err(|e| {
                Error::Usage(match e {
                    crate::read::JsonError::Read(e) => format!("cannot read `{file}`: {e}"),
                    crate::read::JsonError::Parse(e) => format!("`{file}` is not JSON: {e}"),
                })
            })?;
            Ok(Found {
                doc,
                source: file.clone(),
                metrics: false,
            })
        }
        (None, None) => Err(Error::Usage(
            "give --from-openapi FILE|URL or --command \"...\"".into(),
        )),
    }
}

async fn fetch(client: &reqwest::Client, url: &str, limit: u64) -> Result<Value, Error> {
    let fail = |reason: String| Error::Fetch {
        url: url.to_string(),
        reason,
    };
    let mut resp = client
        .get(url)
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .map_err(|e| fail(crate::reason::chain(&e)))?;
    if !resp.status().is_success() {
        return Err(fail(format!("it answered {}", resp.status().as_u16())));
    }
    let mut bytes = Vec::new();
    crate::http::stream_body(&mut resp, limit, |chunk| {
        bytes.extend_from_slice(chunk);
        Ok(())
    })
    .await
    .map_err(|e| match e {
        crate::http::BodyError::TooLarge => {
            fail(format!("it is larger than {}", crate::read::size(limit)))
        }
        crate::http::BodyError::Failed(why) => fail(why),
    })?;
    serde_json::from_slice(&bytes).map_err(|e| fail(format!("it is not JSON: {e}")))
}

/// Starts the service as harden would (supervised, on a free port), reads its document
/// and whether `/metrics` answers, and stops it.
async fn from_service(cmd: &str, doc_path: &str, client: &reqwest::Client) -> Result<Found, Error> {
    let here = std::env::current_dir().unwrap_or_default();
    let spec = InstanceSpec {
        command: vec![
            Template::literal("sh"),
            Template::literal("-c"),
            Template::literal(cmd),
        ],
        dir: here,
        cwd: None,
        env: Vec::new(),
        port: None,
        ready: ReadySpec {
            probe: ReadyProbe::Http {
                path: Template::literal(doc_path),
                status: StatusMatcher {
                    ranges: vec![(200, 299)],
                    text: "2xx".into(),
                },
            },
            timeout: Duration::from_secs(60),
        },
        stop: StopSpec {
            signal: nix::sys::signal::Signal::SIGTERM,
            grace: Duration::from_secs(5),
        },
    };
    let logs = tempfile::tempdir().map_err(|e| Error::io("create a temporary directory", &e))?;
    let kill = tokio_util::sync::CancellationToken::new();
    let mut inst = Instance::start(
        &spec,
        "main",
        &Default::default(),
        None,
        logs.path(),
        Default::default(),
        kill.clone(),
    )
    .await
    .map_err(|e| Error::Instance(format!("cannot start `{cmd}`: {}", e.message)))?;
    let ready = wait_ready(&inst, &spec.ready, client, &kill).await;
    let result = match ready {
        Err(why) => Err(Error::Instance(format!(
            "`{cmd}` did not serve {doc_path}: {}\n{}",
            why.describe(spec.ready.timeout),
            inst.log_tail().join("\n")
        ))),
        Ok(_) => {
            let url = format!("{}{doc_path}", inst.base_url);
            match fetch(client, &url, DOCUMENT_LIMIT).await {
                Ok(doc) => {
                    let metrics = client
                        .get(format!("{}/metrics", inst.base_url))
                        .timeout(Duration::from_secs(10))
                        .send()
                        .await
                        .is_ok_and(|r| r.status().is_success());
                    Ok(Found {
                        doc,
                        source: format!("`{cmd}` ({doc_path})"),
                        metrics,
                    })
                }
                Err(e) => Err(e),
            }
        }
    };
    inst.stop(&spec, spec.stop.grace).await;
    result
}

/// A check id from a path: `/items/latest` -> `items-latest`.
fn slug(path: &str) -> String {
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
fn is_health(path: &str) -> bool {
    path.to_ascii_lowercase().split('/').any(|seg| {
        seg.starts_with("health")
            || matches!(
                seg,
                "ready" | "readyz" | "live" | "livez" | "ping" | "status"
            )
    })
}

/// A schema with its `$ref`s into the document inlined (cycles cut after a few levels).
fn inline(doc: &Value, v: &Value, depth: usize) -> Value {
    if depth > 8 {
        return Value::Object(Default::default());
    }
    match v {
        Value::Object(m) => {
            if let Some(target) = m
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix('#'))
                .and_then(|p| doc.pointer(p))
            {
                return inline(doc, target, depth + 1);
            }
            Value::Object(
                m.iter()
                    .map(|(k, x)| (k.clone(), inline(doc, x, depth + 1)))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| inline(doc, x, depth + 1)).collect()),
        other => other.clone(),
    }
}

/// A YAML string (double-quoted JSON string syntax, which YAML reads the same).
fn quoted(s: &str) -> String {
    serde_json::to_string(s)
        .unwrap_or_default()
        .replace("${", "$${")
}

/// The suite's text and its number of checks.
fn suite_yaml(found: &Found, command: Option<&str>, cwd: Option<&str>) -> (String, usize) {
    let doc = &found.doc;
    let title = doc
        .pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or("service");
    let mut gets: Vec<(String, &Value)> = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            let Some(op) = item.get("get") else { continue };
            let needs_params = path.contains('{')
                || op
                    .get("parameters")
                    .and_then(Value::as_array)
                    .is_some_and(|ps| {
                        ps.iter().any(|p| {
                            p.get("required").and_then(Value::as_bool).unwrap_or(false)
                                && p.get("in").and_then(Value::as_str) != Some("header")
                        })
                    });
            if !needs_params {
                gets.push((path.clone(), op));
            }
        }
    }
    let health: Vec<&String> = gets
        .iter()
        .map(|(p, _)| p)
        .filter(|p| is_health(p))
        .collect();
    let mut y = String::new();
    let _ = writeln!(
        y,
        "# A starter suite written by `harden init` from {}.\n# Review it, then: harden validate && harden check",
        found.source
    );
    let _ = writeln!(y, "suite: {}", slug(title));
    let _ = writeln!(y, "instance:");
    match command {
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
                "  command: [\"uvicorn\", \"app:app\", \"--port\", \"${{PORT}}\"]   # edit: the command that starts your service on ${{PORT}}"
            );
        }
    }
    if let Some(dir) = cwd {
        let _ = writeln!(y, "  cwd: {}", quoted(dir));
    }
    let ready = health
        .first()
        .map(|p| p.as_str())
        .unwrap_or("/openapi.json");
    let _ = writeln!(y, "  ready: {{ http: {}, timeout: 60s }}", quoted(ready));
    let _ = writeln!(y, "checks:");
    let mut checks = 0;
    let mut ids = std::collections::BTreeSet::new();
    let mut id_for = |base: String| {
        let mut id = base.clone();
        let mut n = 2;
        while !ids.insert(id.clone()) {
            id = format!("{base}-{n}");
            n += 1;
        }
        id
    };
    for path in &health {
        let _ = writeln!(
            y,
            "  - id: {}\n    health:\n      endpoints:\n        - {{ path: {}, expect: healthy }}",
            id_for(format!("{}-healthy", slug(path))),
            quoted(path)
        );
        checks += 1;
    }
    for (path, op) in gets.iter().filter(|(p, _)| !is_health(p)) {
        let responses = op.get("responses").and_then(Value::as_object);
        let Some((status, resp)) = responses.and_then(|rs| {
            rs.iter()
                .find(|(code, _)| code.starts_with('2') && code.len() == 3)
        }) else {
            continue;
        };
        let _ = writeln!(
            y,
            "  - id: {}\n    http:\n      request: {{ path: {} }}\n      expect:\n        status: {status}",
            id_for(format!("get-{}", slug(path))),
            quoted(path)
        );
        let media = resp
            .get("content")
            .and_then(Value::as_object)
            .and_then(|c| c.iter().next());
        if let Some((ctype, m)) = media {
            let _ = writeln!(y, "        headers: {{ content-type: {} }}", quoted(ctype));
            let schema = m.get("schema").map(|s| inline(doc, s, 0));
            if let Some(s) = schema.filter(|s| s.as_object().is_some_and(|o| !o.is_empty())) {
                let text = serde_json::to_string(&s)
                    .unwrap_or_default()
                    .replace("${", "$${");
                let _ = writeln!(y, "        schema: {text}");
            }
        }
        checks += 1;
    }
    if found.metrics || doc.pointer("/paths/~1metrics").is_some() {
        let _ = writeln!(y, "  - id: metrics\n    metrics: {{ lint: warn }}");
        checks += 1;
    }
    let _ = writeln!(
        y,
        "  - id: api-keeps-its-document\n    openapi: {{ paths: [{}] }}   # every operation on these paths, called for real; widen it once reviewed",
        gets.iter()
            .map(|(p, _)| quoted(p))
            .collect::<Vec<_>>()
            .join(", ")
    );
    checks += 1;
    (y, checks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_document_becomes_a_suite_that_loads() {
        let doc = json!({
            "openapi": "3.1.0",
            "info": { "title": "Items API" },
            "paths": {
                "/health": { "get": { "responses": { "200": { "description": "ok" } } } },
                "/items": { "get": { "responses": { "200": { "description": "ok", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Items" } } } } } },
                            "post": { "responses": { "201": { "description": "made" } } } },
                "/items/{id}": { "get": { "responses": { "200": { "description": "ok" } } } }
            },
            "components": { "schemas": { "Items": { "type": "object", "required": ["items"], "properties": { "items": { "type": "array" } } } } }
        });
        let found = Found {
            doc,
            source: "test".into(),
            metrics: true,
        };
        let (yaml, checks) = suite_yaml(&found, Some("uvicorn app:app --port ${PORT}"), None);
        assert_eq!(checks, 4, "{yaml}");
        let suite = crate::suite::load_str(Path::new("harden.yaml"), &yaml, &[])
            .unwrap_or_else(|e| panic!("{e}\n{yaml}"));
        let ids: Vec<&str> = suite.checks.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "health-healthy",
                "get-items",
                "metrics",
                "api-keeps-its-document"
            ]
        );
        assert!(yaml.contains("\"required\":[\"items\"]"), "{yaml}");
        assert!(
            yaml.contains("command: \"uvicorn app:app --port $${PORT}\""),
            "{yaml}"
        );
    }
}
