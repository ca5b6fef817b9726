//! The `openapi` kind's `auth`: credentials by security scheme on the lending library of
//! `fixtures/openapi-faults` (its `HTTPBearer` scheme), without `headers`.

use crate::harness::{Harden, Output, path_with_python, repo};

fn library(fault: &str, auth: &str) -> Option<Output> {
    let path = path_with_python()?;
    let dir = repo().join("fixtures/openapi-faults");
    Some(
        Harden::check_yaml(&format!(
            r#"suite: library
instance:
  command: ["uvicorn", "app:app", "--app-dir", "{dir}", "--host", "127.0.0.1", "--port", "${{PORT}}", "--log-level", "warning"]
  env: {{ LIBRARY_TOKEN: "library-token-7f3a" }}
  ready: {{ http: /health, timeout: 30s }}
vars:
  token: {auth}
secrets: [token]
checks:
  - id: api
    openapi:
      seed: 11
      auth: {{ HTTPBearer: "${{token}}" }}
"#,
            dir = dir.display(),
        ))
        .env("FAULTS", fault)
        .env("PATH", &path)
        .run(),
    )
}

fn note(out: &Output) -> String {
    out.results()["suites"][0]["checks"][0]["note"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn failed(out: &Output) -> Vec<String> {
    out.results()["suites"][0]["checks"][0]["assertions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["passed"] == false)
        .map(|a| a["property"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn auth_by_scheme_exercises_the_secured_operations_and_ignored_auth_still_finds() {
    let Some(ok) = library("", "library-token-7f3a") else {
        return;
    };
    // POST /books needs the bearer token: with it, it is not refused.
    assert!(!note(&ok).contains("POST /books"), "{}", note(&ok));
    let Some(bad) = library("ignored-auth", "library-token-7f3a") else {
        return;
    };
    assert!(
        failed(&bad).iter().any(|p| p.ends_with("ignored_auth")),
        "{:?}",
        failed(&bad)
    );
    for out in [&ok, &bad] {
        assert!(!all_text(out).contains("library-token-7f3a"));
    }
}

#[test]
fn a_wrong_credential_is_reported_as_valid_requests_refused() {
    let Some(out) = library("", "not-the-token") else {
        return;
    };
    let n = note(&out);
    assert!(
        n.contains("valid requests refused") && n.contains("POST /books"),
        "{n}\n{}\n{}",
        out.stdout,
        out.stderr
    );
    let text = all_text(&out);
    let at = text
        .find("not-the-token")
        .map(|i| &text[i.saturating_sub(300)..i + 20]);
    assert!(at.is_none(), "{at:?}");
}

/// Everything harden wrote: its stdout and stderr and every report file (not the suite).
fn all_text(out: &Output) -> String {
    let mut text = format!("{}\n{}", out.stdout, out.stderr);
    for e in walk(out.dir.path()) {
        if !e.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            text.push_str(&String::from_utf8_lossy(
                &std::fs::read(&e).unwrap_or_default(),
            ));
        }
    }
    text
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A suite whose check reads the library's document from `document` with `auth` given.
fn suite(document: &str, auth: &str) -> Harden {
    let dir = repo().join("fixtures/openapi-faults");
    let h = Harden::check_yaml(&format!(
        r#"suite: library
instance:
  command: ["uvicorn", "app:app", "--app-dir", "{dir}", "--host", "127.0.0.1", "--port", "${{PORT}}", "--log-level", "warning"]
  ready: {{ http: /health, timeout: 30s }}
checks:
  - id: api
    openapi:
      document: {document}
      auth: {auth}
"#,
        dir = dir.display(),
    ));
    std::fs::copy(dir.join("openapi.json"), h.dir.path().join("library.json")).expect("copy");
    h
}

#[test]
fn an_unknown_scheme_of_a_document_file_is_refused_at_load_time() {
    let at = regex::Regex::new(r"suite\.yaml:\d+:\d+").expect("regex");
    let out = suite("library.json", "{ HTTPBaerer: x }").run();
    assert_eq!(out.code, 2, "{out}");
    let text = out.to_string();
    assert!(text.contains("no security scheme `HTTPBaerer`"), "{text}");
    assert!(text.contains("did you mean `HTTPBearer`?"), "{text}");
    assert!(at.is_match(&text), "no file:line:col in {text}");
    // Named right, the same suite loads.
    let named = Harden::new();
    let written = suite("library.json", "{ HTTPBearer: x }");
    for f in ["suite.yaml", "library.json"] {
        std::fs::copy(written.path(f), named.path(f)).expect("copy");
    }
    let file = named.path("suite.yaml");
    let ok = named.args(["validate", &file]).run();
    assert_eq!(ok.code, 0, "{ok}");
}

#[test]
fn an_unknown_scheme_of_a_fetched_document_is_an_error_of_the_check() {
    let Some(path) = path_with_python() else {
        return;
    };
    let out = suite("/openapi.json", "{ bearer: x }")
        .env("PATH", &path)
        .run();
    let check = &out.results()["suites"][0]["checks"][0];
    assert_eq!(check["status"], "error", "{out}");
    let message = check["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("no security scheme `bearer`") && message.contains("`HTTPBearer`"),
        "{message}"
    );
}

/// Serves `body` on 127.0.0.1 to each of up to `n` requests, from a thread; its port.
fn serve(body: Vec<u8>, n: usize) -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(n) {
            let Ok(mut s) = stream else { continue };
            let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(5)));
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(head.as_bytes());
            let _ = s.write_all(&body);
        }
    });
    port
}

#[test]
fn the_document_is_read_from_a_url() {
    let Some(path) = path_with_python() else {
        return;
    };
    let json = std::fs::read(repo().join("fixtures/openapi-faults/openapi.json")).expect("read");
    let port = serve(json, 4);
    let out = suite(
        &format!("http://127.0.0.1:{port}/openapi.json"),
        "{ HTTPBearer: library-token }",
    )
    .env("PATH", &path)
    .env("FAULTS", "ignored-auth")
    .run();
    let n = note(&out);
    assert!(
        n.contains(&format!("`http://127.0.0.1:{port}/openapi.json`")),
        "{n}"
    );
    assert!(!n.contains("POST /books"), "{n}");
    assert!(
        failed(&out).iter().any(|p| p.ends_with("ignored_auth")),
        "{:?}",
        failed(&out)
    );
}

#[test]
fn an_unreachable_document_url_is_an_error_of_the_check_naming_it() {
    let Some(path) = path_with_python() else {
        return;
    };
    // A port nothing listens on: bound, then let go.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind")
        .port();
    let url = format!("http://127.0.0.1:{port}/openapi.yaml");
    let out = suite(&url, "{}").env("PATH", &path).run();
    let check = &out.results()["suites"][0]["checks"][0];
    assert_eq!(check["status"], "error", "{out}");
    let message = check["message"].as_str().unwrap_or_default();
    assert!(message.contains(&format!("`{url}`")), "{message}");
}

#[test]
fn harden_schema_shows_auth_and_document_urls() {
    let out = Harden::new().args(["schema"]).run();
    assert_eq!(out.code, 0, "{out}");
    for says in ["security scheme name", "`http://`/`https://` URL"] {
        assert!(out.stdout.contains(says), "`harden schema` lacks {says}");
    }
}
