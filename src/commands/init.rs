//! `harden init`: a starter suite from a service's OpenAPI document (JSON or YAML, 3.0 or
//! 3.1), read with the engine's document loader and its one `$ref` resolver.

mod auth;
mod discover;
mod operations;
mod values;
mod write;

use crate::cli::InitArgs;
use crate::error::Error;
use crate::openapi::Document;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

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
    let found = rt.block_on(discover::discover(args))?;
    rt.shutdown_timeout(Duration::from_millis(500));
    let doc = Document::new(found.raw.clone())
        .map_err(|e| Error::Usage(format!("{}: {e}", found.source)))?;
    let here = std::env::current_dir().unwrap_or_default();
    let out_dir = args
        .output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()))
        .unwrap_or_else(|| here.clone());
    // The service runs where `init` ran: say so, relative to the suite, when it lives elsewhere.
    let cwd = (args.command.is_some() && out_dir != here)
        .then(|| relative(&out_dir, &here).display().to_string());
    let document = match &found.file {
        Some(file) => {
            let abs = std::path::absolute(file).unwrap_or_else(|_| file.clone());
            relative(&out_dir, &abs).display().to_string()
        }
        None => found.document_path.clone(),
    };
    let auth = auth::Auth::from_document(&found.raw, &doc.base_path);
    let input = write::Input {
        raw: &found.raw,
        doc: &doc,
        source: found.source.clone(),
        command: args.command.as_deref(),
        cwd,
        document,
        document_path: match &found.file {
            Some(_) => format!("{}/openapi.json", doc.base_path),
            None => found.document_path.clone(),
        },
        guessed_document_path: found.file.is_some(),
        metrics: found.metrics,
    };
    let written = write::suite(&input, auth);
    crate::report::write_atomic("suite", &args.output, &written.yaml)?;
    println!(
        "wrote {}: {} from {}; next: harden validate {0}",
        args.output.display(),
        crate::text::plural(written.checks, "check"),
        found.source
    );
    if !written.env.is_empty() {
        eprintln!(
            "harden init: the suite reads credentials from the environment: set {} in the environment of harden validate and harden check",
            written.env.join(", ")
        );
    }
    if !written.todos.is_empty() {
        eprintln!(
            "harden init: {} in {} (`# TODO:` comments): {}",
            crate::text::plural(written.todos.len(), "thing"),
            args.output.display(),
            written.todos.join("; ")
        );
    }
    Ok(crate::error::EXIT_OK)
}

/// `to` relative to directory `from` (both absolute): `../app`, or `.`.
fn relative(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<Component> = from.components().collect();
    let to_parts: Vec<Component> = to.components().collect();
    let common = from
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for c in &to_parts[common..] {
        out.push(c.as_os_str());
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_then_descend() {
        assert_eq!(
            relative(Path::new("/a/b/out"), Path::new("/a/b/app")),
            PathBuf::from("../app")
        );
        assert_eq!(
            relative(Path::new("/a"), Path::new("/a")),
            PathBuf::from(".")
        );
        assert_eq!(
            relative(Path::new("/a"), Path::new("/a/d/f.yaml")),
            PathBuf::from("d/f.yaml")
        );
    }

    #[test]
    fn a_document_becomes_a_suite_that_loads() {
        let raw = serde_json::json!({
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
        let doc = Document::new(raw.clone()).unwrap();
        let input = write::Input {
            raw: &raw,
            doc: &doc,
            source: "test".into(),
            command: Some("uvicorn app:app --port ${PORT}"),
            cwd: None,
            document: "/openapi.json".into(),
            document_path: "/openapi.json".into(),
            guessed_document_path: false,
            metrics: true,
        };
        let w = write::suite(&input, auth::Auth::from_document(&raw, ""));
        let yaml = w.yaml;
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
        // POST /items answers no id: no scenario, and a TODO says why.
        assert!(
            yaml.contains("# TODO: the id of what POST /items creates"),
            "{yaml}"
        );
    }

    fn written(raw: serde_json::Value) -> write::Written {
        let doc = Document::new(raw.clone()).unwrap();
        let input = write::Input {
            raw: &raw,
            doc: &doc,
            source: "test".into(),
            command: Some("app"),
            cwd: None,
            document: "/openapi.json".into(),
            document_path: "/openapi.json".into(),
            guessed_document_path: false,
            metrics: false,
        };
        write::suite(&input, auth::Auth::from_document(&raw, &doc.base_path))
    }

    #[test]
    fn a_required_header_without_an_example_is_a_vars_placeholder_with_a_todo() {
        let w = written(
            serde_json::json!({"openapi": "3.0.3", "info": {"title": "t"}, "paths": {
            "/runs": {"get": {"parameters": [
                {"name": "X-User-Id", "in": "header", "required": true, "schema": {"type": "string"}},
                {"name": "X-Org", "in": "header", "required": true, "schema": {"type": "string"}, "example": "acme"}],
                "responses": {"200": {"description": "ok"}}}}}}),
        );
        assert!(
            w.yaml.contains("vars:\n  x_user_id: \"harden\"   # TODO"),
            "{}",
            w.yaml
        );
        assert!(
            w.yaml
                .contains(r#""headers":{"X-User-Id":"${x_user_id}","X-Org":"acme"}"#),
            "{}",
            w.yaml
        );
        assert!(
            w.todos.iter().any(|t| t.contains("X-User-Id")),
            "{:?}",
            w.todos
        );
        crate::suite::load_str(Path::new("harden.yaml"), &w.yaml, &[])
            .unwrap_or_else(|e| panic!("{e}\n{}", w.yaml));
    }

    #[test]
    fn each_kind_of_scheme_goes_where_it_belongs() {
        let w = written(
            serde_json::json!({"openapi": "3.0.3", "info": {"title": "t"},
            "components": {"securitySchemes": {
                "q": {"type": "apiKey", "in": "query", "name": "key"},
                "c": {"type": "apiKey", "in": "cookie", "name": "session"},
                "b": {"type": "http", "scheme": "basic"},
                "t": {"type": "http", "scheme": "bearer"}}},
            "paths": {
                "/q": {"get": {"security": [{"q": []}], "responses": {"200": {"description": "ok"}}}},
                "/c": {"get": {"security": [{"c": []}], "responses": {"200": {"description": "ok"}}}},
                "/b": {"get": {"security": [{"b": []}], "responses": {"200": {"description": "ok"}}}},
                "/t": {"get": {"security": [{"t": []}, {}], "responses": {"200": {"description": "ok"}}}}}}),
        );
        let y = &w.yaml;
        assert!(y.contains(r#""query":{"key":"${q}"}"#), "{y}");
        assert!(y.contains(r#""headers":{"Cookie":"session=${c}"}"#), "{y}");
        assert!(
            y.contains(r#""headers":{"Authorization":"Basic ${b_credentials}"}"#),
            "{y}"
        );
        // Each credential a var read from the environment, and a secret.
        for (var, env) in [("q", "Q"), ("c", "C"), ("b_credentials", "B_CREDENTIALS")] {
            assert!(
                y.contains(&format!("\n  {var}: \"${{env.{env}}}\"\n")),
                "{y}"
            );
        }
        assert!(y.contains("secrets: [q, c, b_credentials, t_token]"), "{y}");
        // Unset, each is an error naming it; given (`--var`), the suite loads.
        let e = crate::suite::load_str(Path::new("harden.yaml"), y, &[])
            .map(drop)
            .unwrap_err()
            .to_string();
        assert!(e.contains("undefined variable `env.T_TOKEN`"), "{e}");
        let given: Vec<(String, String)> = ["q", "c", "b_credentials", "t_token"]
            .iter()
            .map(|v| (v.to_string(), "init-test-credential".to_string()))
            .collect();
        let suite = crate::suite::load_str(Path::new("harden.yaml"), y, &given)
            .unwrap_or_else(|e| panic!("{e}\n{y}"));
        assert_eq!(suite.secrets, ["q", "c", "b_credentials", "t_token"]);
        // `{}` among the alternatives: the operation may be called without credentials.
        assert!(y.contains(r#"request: {"path":"/t"}"#), "{y}");
        assert_eq!(w.env, ["Q", "C", "B_CREDENTIALS", "T_TOKEN"]);
        assert!(
            w.todos.iter().any(|t| t.contains("query credential")),
            "{:?}",
            w.todos
        );
    }
}
