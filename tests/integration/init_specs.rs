//! `harden init` on the documents people really have (tests/data/openapi/): YAML, deep
//! `$ref`s, `nullable`, servers, security schemes, media types, a scenario per resource.

use crate::harness::{Harden, Output, path_with_python, repo};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// `harden init --from-openapi <doc>` into a fresh directory: (output, suite text, dir).
fn init_from(doc: &str) -> (Output, String, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    let suite = out.path().join("harden.yaml");
    let run = Harden::new()
        .args([
            "init",
            "--from-openapi",
            doc,
            "--output",
            &suite.display().to_string(),
        ])
        .run_in(&repo());
    let text = std::fs::read_to_string(&suite).unwrap_or_default();
    (run, text, out)
}

fn data(name: &str) -> String {
    format!("tests/data/openapi/{name}")
}

/// `harden validate` accepts the suite, with the credentials it reads from the
/// environment set (as CI sets them); without them it names each one.
fn validates(dir: &Path, text: &str) {
    let suite = dir.join("harden.yaml").display().to_string();
    let names: std::collections::BTreeSet<&str> = text
        .split("${env.")
        .skip(1)
        .filter_map(|rest| rest.split('}').next())
        .collect();
    let mut h = Harden::new().args(["validate", &suite]);
    for n in &names {
        h = h.env(n, "init-test-credential");
    }
    let v = h.run();
    assert_eq!(v.code, 0, "{v}\n{text}");
    if let Some(n) = names.iter().next() {
        let without = Harden::new().args(["validate", &suite]).run();
        assert_eq!(without.code, 2, "{without}");
        assert!(without.stderr.contains(&format!("env.{n}")), "{without}");
    }
}

fn yaml(text: &str) -> Value {
    serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn check<'a>(suite: &'a Value, id: &str) -> &'a Value {
    suite["checks"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["id"] == id))
        .unwrap_or_else(|| panic!("no check `{id}` in {suite:#}"))
}

/// Defect 1: YAML documents are read.
#[test]
fn init_reads_a_yaml_document_and_the_suite_validates() {
    let (run, text, dir) = init_from(&data("petstore3.yaml"));
    assert_eq!(run.code, 0, "{run}");
    validates(dir.path(), &text);
}

/// Defect 2: inlined schemas stay valid however deep the JSON is; only `$ref`s count.
#[test]
fn init_inlines_ref_chains_of_three_into_valid_schemas() {
    let (run, text, dir) = init_from(&data("petstore3.json"));
    assert_eq!(run.code, 0, "{run}");
    validates(dir.path(), &text);
    let suite = yaml(&text);
    let schema = &check(&suite, "get-pet-findbystatus")["http"]["expect"]["schema"];
    let tag = &schema["items"]["properties"]["tags"]["items"];
    assert_eq!(tag["required"], serde_json::json!(["id"]), "{tag}");
    assert_eq!(tag["properties"]["id"]["type"], "integer", "{tag}");
    assert_eq!(tag["properties"]["id"]["format"], "int64", "{tag}");
}

/// Defect 3: 3.0 `nullable: true` admits null in the `http` checks' schemas.
#[test]
fn init_honours_nullable_in_the_schemas_it_writes() {
    let (run, text, _dir) = init_from(&data("petstore3.json"));
    assert_eq!(run.code, 0, "{run}");
    let suite = yaml(&text);
    let schema = &check(&suite, "get-pet-findbystatus")["http"]["expect"]["schema"];
    let status = &schema["items"]["properties"]["status"];
    assert_eq!(
        status["type"],
        serde_json::json!(["string", "null"]),
        "{status}"
    );
    assert!(status.get("nullable").is_none(), "{status}");
}

/// Defect 4: the `servers` base path is in every path.
#[test]
fn init_puts_the_servers_base_path_in_every_path() {
    let (run, text, _dir) = init_from(&data("petstore3.json"));
    assert_eq!(run.code, 0, "{run}");
    let suite = yaml(&text);
    let inventory = &check(&suite, "get-store-inventory")["http"]["request"];
    assert_eq!(inventory["path"], "/api/v3/store/inventory", "{inventory}");
    let (run, text, _dir) = init_from(&data("petstore-expanded.yaml"));
    assert_eq!(run.code, 0, "{run}");
    let suite = yaml(&text);
    assert_eq!(
        check(&suite, "get-pets")["http"]["request"]["path"],
        "/api/pets"
    );
}

/// Defect 5: a credential the operation requires is sent: a var read from `${env.NAME}`,
/// listed under `secrets:`.
#[test]
fn init_sends_the_credentials_an_operation_requires() {
    let (run, text, _dir) = init_from(&data("petstore3.json"));
    assert_eq!(run.code, 0, "{run}");
    let suite = yaml(&text);
    let req = &check(&suite, "get-store-inventory")["http"]["request"];
    assert_eq!(req["headers"]["api_key"], "${api_key}", "{text}");
    assert_eq!(suite["vars"]["api_key"], "${env.API_KEY}", "{text}");
    assert!(
        suite["secrets"]
            .as_array()
            .is_some_and(|s| s.contains(&Value::from("api_key"))),
        "{text}"
    );
    assert!(run.stderr.contains("API_KEY"), "{run}");
    // An operation without a security requirement gets no credential.
    let logout = &check(&suite, "get-user-logout")["http"]["request"];
    assert!(logout.get("headers").is_none(), "{logout}");
}

/// Defect 6: an XML-only answer gets no JSON schema assertion.
#[test]
fn init_asserts_a_schema_only_for_json_answers() {
    let (run, text, _dir) = init_from(&data("petstore3.json"));
    assert_eq!(run.code, 0, "{run}");
    let suite = yaml(&text);
    let expect = &check(&suite, "get-user-login")["http"]["expect"];
    assert!(expect.get("schema").is_none(), "{expect}");
    assert_eq!(
        expect["headers"]["content-type"], "application/xml",
        "{expect}"
    );
}

/// Defect 8: a suite from a URL holds no absolute path of this machine.
#[test]
fn init_from_a_url_writes_no_absolute_path() {
    let body = std::fs::read(repo().join(data("petstore3.json"))).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        use std::io::{Read, Write};
        if let Ok((mut s, _)) = listener.accept() {
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
    let (run, text, dir) = init_from(&format!("http://127.0.0.1:{port}/openapi.json"));
    let _ = server.join();
    assert_eq!(run.code, 0, "{run}");
    let here = repo().display().to_string();
    assert!(!text.contains(&here), "{text}");
    assert!(!text.contains("cwd:"), "{text}");
    validates(dir.path(), &text);
}

/// Defect 9: an OAuth2 password flow logs in at its `tokenUrl` in `setup`, and the token
/// goes where the operations require it; `anyOf` with `null` survives inlining.
#[test]
fn init_logs_in_with_an_oauth2_password_flow() {
    let (run, text, dir) = init_from(&data("fastapi-oauth2-password.json"));
    assert_eq!(run.code, 0, "{run}");
    validates(dir.path(), &text);
    let suite = yaml(&text);
    let login = &suite["setup"][0];
    assert_eq!(
        login["request"]["path"], "/api/v1/login/access-token",
        "{text}"
    );
    assert_eq!(login["request"]["method"], "POST", "{text}");
    assert_eq!(
        login["request"]["form"]["username"],
        "${oauth2passwordbearer_username}"
    );
    assert_eq!(
        suite["vars"]["oauth2passwordbearer_password"],
        "${env.OAUTH2PASSWORDBEARER_PASSWORD}"
    );
    // The password and the token it buys are secrets.
    let secrets = suite["secrets"].as_array().cloned().unwrap_or_default();
    for s in [
        "oauth2passwordbearer_password",
        "oauth2passwordbearer_token",
    ] {
        assert!(secrets.contains(&Value::from(s)), "{text}");
    }
    assert_eq!(
        login["capture"]["oauth2passwordbearer_token"],
        "$.access_token"
    );
    let me = &check(&suite, "get-api-v1-users-me")["http"]["request"];
    assert_eq!(
        me["headers"]["Authorization"], "Bearer ${oauth2passwordbearer_token}",
        "{text}"
    );
    let schema = &check(&suite, "get-api-v1-users-me")["http"]["expect"]["schema"];
    assert_eq!(
        schema["properties"]["full_name"]["anyOf"][1],
        serde_json::json!({"type": "null"}),
        "{schema}"
    );
    assert!(
        run.stderr.contains("OAUTH2PASSWORDBEARER_PASSWORD"),
        "{run}"
    );
}

/// Every document of tests/data/openapi gives a suite `harden validate` accepts.
#[test]
fn init_on_every_test_document_writes_a_valid_suite() {
    for doc in [
        "petstore3.yaml",
        "petstore3.json",
        "petstore-expanded.yaml",
        "fastapi-nested.json",
        "fastapi-oauth2-password.json",
    ] {
        let (run, text, dir) = init_from(&data(doc));
        assert_eq!(run.code, 0, "{doc}: {run}");
        validates(dir.path(), &text);
    }
}

/// The recursive `$ref` is cut where a schema belongs, and 3.1 `null` types are kept.
#[test]
fn init_cuts_a_recursive_ref_and_keeps_null_types() {
    let (run, text, _dir) = init_from(&data("fastapi-nested.json"));
    assert_eq!(run.code, 0, "{run}");
    let suite = yaml(&text);
    let steps = check(&suite, "books-lifecycle")["http"]["steps"]
        .as_array()
        .unwrap()
        .clone();
    let names: Vec<&str> = steps.iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(
        names,
        ["create", "read", "list", "update", "delete"],
        "{text}"
    );
    let book = &steps[1]["expect"]["schema"];
    let section = &book["properties"]["contents"]["items"];
    assert_eq!(section["required"], serde_json::json!(["title"]), "{book}");
    assert_eq!(
        section["properties"]["children"]["items"],
        serde_json::json!({}),
        "{book}"
    );
    assert_eq!(
        book["properties"]["author"]["properties"]["born"]["anyOf"][1],
        serde_json::json!({"type": "null"})
    );
}

/// The suite written for the Petstore YAML, pinned.
#[test]
fn init_petstore_yaml_suite_snapshot() {
    let (run, text, _dir) = init_from(&data("petstore3.yaml"));
    assert_eq!(run.code, 0, "{run}");
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    // The document, relative to a temporary directory: its climb differs per machine.
    settings.add_filter(
        r#""document":"[^"]*petstore3.yaml""#,
        r#""document":"[..]/petstore3.yaml""#,
    );
    settings.bind(|| insta::assert_snapshot!("init_petstore3_yaml", text));
}

fn fixture_app(name: &str) -> PathBuf {
    repo().join("fixtures").join(name)
}

/// `harden init` on the FastAPI service of fixtures/`name` (started with uvicorn from the
/// tests' venv): its output, the directory holding the suite, the suite's path and the
/// PATH to run it with. `None` when the venv cannot be had outside CI.
fn init_on(name: &str) -> Option<(Output, tempfile::TempDir, PathBuf, String)> {
    let path = path_with_python()?;
    let out = tempfile::tempdir().unwrap();
    let suite = out.path().join("harden.yaml");
    let init = Harden::new()
        .args([
            "init",
            "--command",
            "uvicorn app:app --port $PORT --log-level warning",
            "--output",
            &suite.display().to_string(),
        ])
        .env("PATH", &path)
        .run_in(&fixture_app(name));
    Some((init, out, suite, path))
}

/// Defect 7: the main resource gets a scenario (create -> read -> delete) that passes on a
/// service whose every operation needs a header and an id.
#[test]
fn init_writes_a_scenario_for_a_resource_that_needs_headers_and_an_id() {
    let Some((init, out, suite, path)) = init_on("fastapi-notes") else {
        return;
    };
    assert_eq!(init.code, 0, "{init}");
    let text = std::fs::read_to_string(&suite).unwrap();
    let parsed = yaml(&text);
    let steps = check(&parsed, "notes-lifecycle")["http"]["steps"]
        .as_array()
        .unwrap()
        .clone();
    let names: Vec<&str> = steps.iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(names, ["create", "read", "list", "delete"], "{text}");
    assert_eq!(steps[0]["request"]["headers"]["x-tenant"], "acme", "{text}");
    assert_eq!(steps[1]["request"]["path"], "/notes/${note_id}", "{text}");
    let check = Harden::new()
        .args([
            "check",
            &suite.display().to_string(),
            "--json",
            &out.path().join("r.json").display().to_string(),
        ])
        .env("PATH", &path)
        .run();
    assert_eq!(check.code, 0, "{check}\n{text}");
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("r.json")).unwrap()).unwrap();
    let scenario = results["suites"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "notes-lifecycle")
        .unwrap_or_else(|| panic!("{results:#}"));
    assert_eq!(scenario["status"], "pass", "{scenario:#}");
}

/// Swagger 2.0 is refused with what to do, and nothing is written.
#[test]
fn init_refuses_swagger_2_with_a_hint() {
    let h = Harden::new();
    let doc = h.dir.path().join("swagger.yaml");
    std::fs::write(
        &doc,
        "swagger: '2.0'\ninfo: {title: old, version: '1'}\npaths: {}\n",
    )
    .unwrap();
    let (run, text, _dir) = init_from(&doc.display().to_string());
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("Swagger 2.0"), "{run}");
    assert!(
        run.stderr.contains("hint: convert it to OpenAPI 3"),
        "{run}"
    );
    assert!(text.is_empty(), "{text}");
}

/// Defect 9 on a real service: behind an OAuth2 password flow, the suite init writes logs in
/// at the `tokenUrl` with the credentials from the environment and passes; with a wrong
/// password the login step fails and nothing passes. The password is never shown.
#[test]
fn init_on_an_oauth2_password_service_logs_in_and_passes() {
    let Some((init, _out, suite, path)) = init_on("fastapi-login") else {
        return;
    };
    assert_eq!(init.code, 0, "{init}");
    assert!(
        init.stderr.contains("OAUTH2PASSWORDBEARER_PASSWORD"),
        "{init}"
    );
    let text = std::fs::read_to_string(&suite).unwrap();
    let parsed = yaml(&text);
    let steps = check(&parsed, "api-v1-items-lifecycle")["http"]["steps"]
        .as_array()
        .unwrap()
        .clone();
    let names: Vec<&str> = steps.iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(names, ["create", "read", "delete"], "{text}");
    let secrets = parsed["secrets"].as_array().cloned().unwrap_or_default();
    for s in [
        "oauth2passwordbearer_password",
        "oauth2passwordbearer_token",
    ] {
        assert!(secrets.contains(&Value::from(s)), "{text}");
    }
    let run = |password: &str| {
        Harden::new()
            .args(["check", &suite.display().to_string()])
            .env("PATH", &path)
            .env("LOGIN_USER", "alice")
            .env("LOGIN_PASSWORD", "wonderland-7c2f")
            .env("OAUTH2PASSWORDBEARER_USERNAME", "alice")
            .env("OAUTH2PASSWORDBEARER_PASSWORD", password)
            .run()
    };
    let good = run("wonderland-7c2f");
    assert_eq!(good.code, 0, "{good}\n{text}");
    assert!(good.stdout.contains("READY: all 3 checks passed"), "{good}");
    let bad = run("not-the-password-91");
    assert_eq!(bad.code, 1, "{bad}");
    assert!(bad.stdout.contains("setup failed"), "{bad}");
    for out in [&good, &bad] {
        assert!(!out.stdout.contains("wonderland-7c2f"), "{out}");
        assert!(!out.stderr.contains("wonderland-7c2f"), "{out}");
    }
}

/// On a stock FastAPI service the suite silences the two framework answers, saying why
/// and where the fix is; without those lines the same suite fails on them.
#[test]
fn init_silences_stock_fastapi_answers_and_says_how_to_mend_them() {
    let Some((init, _out, suite, path)) = init_on("fastapi-notes") else {
        return;
    };
    assert_eq!(init.code, 0, "{init}");
    let text = std::fs::read_to_string(&suite).unwrap();
    let parsed = yaml(&text);
    let ignore = &check(&parsed, "api-keeps-its-document")["openapi"]["ignore"];
    assert_eq!(
        ignore,
        &serde_json::json!([
            { "rule": "unsupported_method" },
            { "rule": "status_code_conformance", "status": 400 }
        ]),
        "{text}"
    );
    assert!(text.contains("What stock FastAPI answers"), "{text}");
    let strict: String = text
        .lines()
        .map(|l| {
            if l.contains("\"ignore\":") {
                // The flow mapping without its `ignore` entry.
                let cut = l.find(",\"ignore\":").unwrap_or_else(|| panic!("{l}"));
                let tail = &l[l.rfind("]}").unwrap() + 2..];
                format!("{}}}{tail}", &l[..cut])
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&suite, &strict).unwrap();
    let check = Harden::new()
        .args([
            "check",
            &suite.display().to_string(),
            "--filter",
            "api-keeps-its-document",
        ])
        .env("PATH", &path)
        .run();
    assert_eq!(check.code, 1, "{check}\n{strict}");
    assert!(check.stdout.contains("unsupported_method"), "{check}");
}
