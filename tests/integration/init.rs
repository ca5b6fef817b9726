//! `harden init`: a starter suite that validates, and passes on the service it came from.

use crate::harness::{Harden, path_with_python, repo};

#[test]
fn init_from_a_running_fastapi_service_writes_a_suite_that_passes() {
    let app = repo().join("examples/fastapi");
    let out_dir = tempfile::tempdir().unwrap();
    let suite = out_dir.path().join("harden.yaml");
    let Some(path) = path_with_python() else {
        return;
    };
    let init = Harden::new()
        .args([
            "init",
            "--command",
            "uvicorn app:app --port $PORT --log-level warning",
            "--output",
            &suite.display().to_string(),
        ])
        .env("PATH", &path)
        .run_in(&app);
    assert_eq!(init.code, 0, "{init}");
    let text = std::fs::read_to_string(&suite).unwrap();
    for kind in ["health:", "http:", "metrics:", "openapi:"] {
        assert!(text.contains(kind), "{kind} in\n{text}");
    }
    let validate = Harden::new()
        .args(["validate", &suite.display().to_string()])
        .env("AUTHORIZATION", "Bearer init-test-token-5d1e")
        .run();
    assert_eq!(validate.code, 0, "{validate}\n{text}");
    // The document has no security scheme, but POST /items takes an `Authorization`
    // header: init reads it from the environment, and the scenario creates an item with it.
    assert!(init.stderr.contains("set AUTHORIZATION"), "{init}");
    assert!(text.contains("- id: items-lifecycle"), "{text}");
    let check = Harden::new()
        .args(["check", &suite.display().to_string()])
        .env("PATH", &path)
        .env("API_TOKEN", "init-test-token-5d1e")
        .env("AUTHORIZATION", "Bearer init-test-token-5d1e")
        .run();
    assert_eq!(check.code, 0, "{check}\n{text}");
    assert!(check.stdout.contains("READY"), "{check}");

    // Never overwrites without --force.
    let again = Harden::new()
        .args([
            "init",
            "--from-openapi",
            "x.json",
            "--output",
            &suite.display().to_string(),
        ])
        .run();
    assert_eq!(again.code, 2, "{again}");
    assert!(again.stderr.contains("--force"), "{again}");
    assert_eq!(std::fs::read_to_string(&suite).unwrap(), text);
}

#[test]
fn init_from_a_document_file_validates() {
    let h = Harden::new();
    let doc = h.dir.path().join("openapi.json");
    std::fs::write(
        &doc,
        r#"{"openapi": "3.0.3", "info": {"title": "Shop"}, "paths": {
            "/status": {"get": {"responses": {"200": {"description": "ok"}}}},
            "/orders": {"get": {"responses": {"200": {"description": "ok",
                "content": {"application/json": {"schema": {"type": "array", "items": {"type": "object"}}}}}}}}}}"#,
    )
    .unwrap();
    let dir = h.dir.path().to_path_buf();
    let out = h
        .args(["init", "--from-openapi", "openapi.json"])
        .run_in(&dir);
    assert_eq!(out.code, 0, "{out}");
    let validate = Harden::new().args(["validate", "harden.yaml"]).run_in(&dir);
    assert_eq!(validate.code, 0, "{validate}");
    let text = std::fs::read_to_string(dir.join("harden.yaml")).unwrap();
    assert!(text.contains("- id: get-orders"), "{text}");
    assert!(text.contains("ready: { http: \"/status\""), "{text}");
}

/// A document URL that never ends is refused at the limit, not read into memory.
#[test]
fn init_refuses_an_endless_document_in_bounded_memory() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_harden-hostile"))
        .args(["--port", &port.to_string(), "--lifetime-secs", "60"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    crate::harness::eventually(
        "harden-hostile to listen",
        std::time::Duration::from_secs(10),
        || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok(),
    );
    let h = Harden::new();
    let out_path = h.path("harden.yaml");
    let out = h
        .args([
            "init",
            "--from-openapi",
            &format!("http://127.0.0.1:{port}/endless"),
            "--output",
            &out_path,
        ])
        .run();
    let _ = server.kill();
    let _ = server.wait();
    // The document's server did not give a usable document: 3, not a usage error.
    assert_eq!(out.code, 3, "{out}");
    assert!(out.stderr.contains("larger than"), "{out}");
    assert!(out.peak_rss_kib < 128 * 1024, "{} KiB", out.peak_rss_kib);
}
