//! The lending library of `fixtures/openapi-faults`: a FastAPI service with one planted
//! API fault at a time (`FAULTS=<name>`) and the same OpenAPI document whatever the fault.
//!
//! Proven here: each fault is real (a request that shows it on the faulty service and not
//! on the healthy one) and the document is byte-identical across faults; the default
//! `openapi` check (fixtures/openapi-faults/harden.yaml, a new seed each run) finds each
//! fault, naming its rule and operation, its finding's words pinned by a snapshot; and the
//! healthy service gets no finding but the documented framework behaviours.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{Harden, path_with_python, python_venv, repo};

const TOKEN: &str = "library-token";

fn fixture() -> PathBuf {
    repo().join("fixtures/openapi-faults")
}

/// The service, started with one fault (or none), stopped by its pid when dropped.
struct Library {
    child: Child,
    port: u16,
}

impl Library {
    /// `None` when the Python-backed tests are skipped here (see `python_venv`).
    fn start(fault: &str) -> Option<Library> {
        let bin = python_venv()?;
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut child = Command::new(bin.join("uvicorn"))
            .args(["app:app", "--host", "127.0.0.1", "--log-level", "warning"])
            .args(["--port", &port.to_string()])
            .current_dir(fixture())
            .env("FAULTS", fault)
            .env("LIBRARY_TOKEN", TOKEN)
            .env_remove("ACCESS_LOG")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn uvicorn");
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = child.try_wait().expect("wait") {
                panic!("the service with FAULTS={fault} exited: {status}");
            }
            assert!(Instant::now() < deadline, "FAULTS={fault}: not up in 30 s");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(Library { child, port })
    }

    /// One request on a fresh connection: (status, lowercased headers, body).
    fn call(&self, method: &str, path: &str, body: Option<&str>, auth: bool) -> Reply {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let mut head =
            format!("{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n");
        if auth {
            head.push_str(&format!("authorization: Bearer {TOKEN}\r\n"));
        }
        let body = body.unwrap_or("");
        if !body.is_empty() {
            head.push_str("content-type: application/json\r\n");
        }
        head.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
        s.write_all(head.as_bytes()).expect("send");
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).expect("read");
        let raw = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = raw.split_once("\r\n\r\n").expect("a head and a body");
        let mut lines = head.lines();
        let status = lines.next().expect("a status line")[9..12]
            .parse()
            .expect("a status code");
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        Reply {
            status,
            headers,
            body: body.to_string(),
        }
    }

    fn header(&self, reply: &Reply, name: &str) -> String {
        reply
            .headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| "(absent)".into())
    }

    /// Creates a book or a member and returns its id.
    fn create(&self, path: &str, body: &str) -> u64 {
        let r = self.call("POST", path, Some(body), true);
        assert_eq!(r.status, 201, "POST {path}: {}", r.body);
        let v: serde_json::Value = serde_json::from_str(&r.body).expect("JSON");
        v["id"].as_u64().expect("an id")
    }
}

impl Drop for Library {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

const BOOK: &str = r#""genre": "fiction", "year": 2001, "copies": 2"#;
const MEMBER: &str = r#""postcode": "12345", "card_number": 7"#;

/// What the request that shows `fault` gets from `lib`, in a few words.
fn observe(lib: &Library, fault: &str) -> String {
    let status = |r: Reply| r.status.to_string();
    let book = |extra: &str| format!("{{\"title\": \"Dune\", {BOOK}{extra}}}");
    let member = |extra: &str| format!("{{\"name\": \"Ada\", {MEMBER}{extra}}}");
    match fault {
        "empty-string" => {
            let body = format!("{{\"title\": \"\", {BOOK}}}");
            status(lib.call("POST", "/books", Some(&body), true))
        }
        "negative-number" => status(lib.call(
            "POST",
            "/members",
            Some(&member(", \"fines_cents\": -1")),
            true,
        )),
        "big-integer" => {
            let body = r#"{"name": "Ada", "postcode": "12345", "card_number": 2147483648}"#;
            status(lib.call("POST", "/members", Some(body), true))
        }
        "non-ascii" => {
            let body = format!("{{\"name\": \"Zoë\", {MEMBER}}}");
            status(lib.call("POST", "/members", Some(&body), true))
        }
        "null-field" => {
            status(lib.call("POST", "/books", Some(&book(", \"subtitle\": null")), true))
        }
        "last-enum" => {
            let body = r#"{"title": "Odes", "genre": "poetry", "year": 1820, "copies": 1}"#;
            status(lib.call("POST", "/books", Some(body), true))
        }
        "maximum" => status(lib.call("GET", "/books?limit=50", None, false)),
        "schema-drift" => lib.call("GET", "/books?genre=science", None, false).body,
        "undocumented-status" => status(lib.call("GET", "/books?offset=1", None, false)),
        "pattern" => {
            let body = r#"{"name": "Ada", "postcode": "01234", "card_number": 7}"#;
            status(lib.call("POST", "/members", Some(body), true))
        }
        "accepts-invalid" => {
            let body = r#"{"title": "Later", "genre": "fiction", "year": 2101, "copies": 1}"#;
            status(lib.call("POST", "/books", Some(body), true))
        }
        "malformed-json" => status(lib.call("POST", "/books", Some("{\"title\": "), true)),
        "text-plain-error" => {
            let r = lib.call("GET", "/branches/99", None, false);
            format!("{} {}", r.status, lib.header(&r, "content-type"))
        }
        "missing-header" => {
            let id = lib.create("/books", &book(""));
            let r = lib.call("GET", &format!("/books/{id}"), None, false);
            format!("{} etag {}", r.status, lib.header(&r, "etag"))
        }
        "use-after-free" => {
            let id = lib.create("/books", &book(""));
            let gone = lib.call("DELETE", &format!("/books/{id}"), None, true);
            assert_eq!(gone.status, 204, "{}", gone.body);
            status(lib.call("GET", &format!("/books/{id}"), None, false))
        }
        "not-retrievable" => {
            let id = lib.create("/members", &member(""));
            status(lib.call("GET", &format!("/members/{id}"), None, true))
        }
        "ignored-auth" => {
            let id = lib.create("/books", &book(""));
            status(lib.call("DELETE", &format!("/books/{id}"), None, false))
        }
        other => panic!("no observation for fault {other}"),
    }
}

/// Each fault: what the healthy service answers to the request that shows it, what the
/// faulty one answers, the rule of harden's `openapi` engine that must name it, and the
/// operation the finding names.
const FAULTS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "empty-string",
        "201",
        "500",
        "not_a_server_error",
        "POST /books",
    ),
    (
        "negative-number",
        "201",
        "500",
        "not_a_server_error",
        "POST /members",
    ),
    (
        "big-integer",
        "201",
        "500",
        "not_a_server_error",
        "POST /members",
    ),
    (
        "non-ascii",
        "201",
        "500",
        "not_a_server_error",
        "POST /members",
    ),
    (
        "null-field",
        "201",
        "500",
        "not_a_server_error",
        "POST /books",
    ),
    (
        "last-enum",
        "201",
        "500",
        "not_a_server_error",
        "POST /books",
    ),
    ("maximum", "200", "500", "not_a_server_error", "GET /books"),
    (
        "schema-drift",
        r#"{"items":[],"total":0}"#,
        r#"{"items":[],"total":"0"}"#,
        "response_schema_conformance",
        "GET /books",
    ),
    (
        "undocumented-status",
        "200",
        "416",
        "status_code_conformance",
        "GET /books",
    ),
    (
        "pattern",
        "201",
        "500",
        "not_a_server_error",
        "POST /members",
    ),
    (
        "accepts-invalid",
        "422",
        "201",
        "negative_data_rejection",
        "POST /books",
    ),
    (
        "malformed-json",
        "422",
        "500",
        "not_a_server_error",
        "POST /books",
    ),
    (
        "text-plain-error",
        "404 application/json",
        "404 text/plain; charset=utf-8",
        "content_type_conformance",
        "GET /branches/{branch_id}",
    ),
    (
        "missing-header",
        "200 etag \"book-1\"",
        "200 etag (absent)",
        "response_headers_conformance",
        "GET /books/{book_id}",
    ),
    (
        "use-after-free",
        "404",
        "200",
        "use_after_free",
        "GET /books/{book_id}",
    ),
    (
        "not-retrievable",
        "200",
        "404",
        "ensure_resource_availability",
        "GET /members/{member_id}",
    ),
    (
        "ignored-auth",
        "401",
        "204",
        "ignored_auth",
        "DELETE /books/{book_id}",
    ),
];

fn fault(name: &str) -> (&'static str, &'static str, &'static str, &'static str) {
    let &(_, healthy, faulty, rule, op) = FAULTS
        .iter()
        .find(|f| f.0 == name)
        .unwrap_or_else(|| panic!("no fault {name}"));
    (healthy, faulty, rule, op)
}

fn document() -> String {
    std::fs::read_to_string(fixture().join("openapi.json")).expect("openapi.json")
}

#[test]
fn the_healthy_library_answers_every_trigger_correctly() {
    for &(name, healthy, ..) in FAULTS {
        // A fresh service per trigger: ids and stored books start from nothing.
        let Some(lib) = Library::start("") else {
            return;
        };
        assert_eq!(
            observe(&lib, name),
            healthy,
            "healthy service, {name}'s request"
        );
    }
}

#[test]
fn an_unknown_fault_is_refused() {
    let Some(bin) = python_venv() else { return };
    let out = Command::new(bin.join("uvicorn"))
        .args(["app:app", "--host", "127.0.0.1", "--port", "1"])
        .current_dir(fixture())
        .env("FAULTS", "no-such-fault")
        .output()
        .expect("run uvicorn");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown fault 'no-such-fault'"), "{stderr}");
}

/// The faulty service shows its fault, and serves the very same document.
fn shows(name: &str) {
    let (healthy, faulty, ..) = fault(name);
    assert_ne!(healthy, faulty);
    let Some(lib) = Library::start(name) else {
        return;
    };
    let doc = lib.call("GET", "/openapi.json", None, false);
    assert_eq!(doc.status, 200);
    assert!(
        doc.body == document(),
        "FAULTS={name}: the document differs"
    );
    assert_eq!(observe(&lib, name), faulty, "FAULTS={name}");
}

/// The default `openapi` check of harden.yaml on the service with `fault`.
fn harden_on(fault: &str) -> Option<crate::harness::Output> {
    let path = path_with_python()?;
    Some(
        Harden::check("fixtures/openapi-faults/harden.yaml")
            .env("PATH", &path)
            .env("FAULTS", fault)
            .run(),
    )
}

/// The failed assertions of the check, each as one line of text.
fn findings(out: &crate::harness::Output) -> Vec<String> {
    let results = out.results();
    results["suites"][0]["checks"][0]["assertions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["passed"] == false)
        .map(|a| format!("{} | {} | {}", a["property"], a["expected"], a["actual"]))
        .collect()
}

/// The answers stock FastAPI gives that Schemathesis reports on the healthy service too:
/// OPTIONS answered 405 with an `Allow` of one route's methods, a body that is not UTF-8
/// answered with an undocumented 400, `false` accepted for an integer (pydantic's lax mode).
fn framework_behaviour(finding: &str) -> bool {
    FRAMEWORK.iter().any(|(_, is)| is(finding))
}

/// A finding's line, read by one of the framework behaviours.
type Reads = fn(&str) -> bool;

/// Each of the three, and how its finding reads.
const FRAMEWORK: [(&str, Reads); 3] = [
    (
        "an unlisted method answered with one route's `Allow`",
        |f| {
            f.contains("unsupported_method")
                && f.contains("answered 405 with `Allow: ")
                && f.contains("leaves out")
        },
    ),
    (
        "a body that is not UTF-8 answered with an undocumented 400",
        |f| f.contains("status_code_conformance") && f.contains("400 is not documented"),
    ),
    ("`false` accepted for an integer", |f| {
        f.contains("negative_data_rejection") && f.contains("a boolean where integer is expected")
    }),
];

#[test]
fn the_healthy_library_gets_each_framework_finding_reported() {
    let Some(out) = harden_on("") else { return };
    let all = findings(&out);
    for (what, is) in FRAMEWORK {
        assert!(all.iter().any(|f| is(f)), "not reported: {what}\n{all:#?}");
    }
    let options = all
        .iter()
        .find(|f| f.contains("OPTIONS /books unsupported_method"))
        .unwrap_or_else(|| panic!("no OPTIONS /books finding: {all:#?}"));
    assert!(
        options.contains("answered 405 with `Allow: GET`, which leaves out POST"),
        "{options}"
    );
}

#[test]
fn the_healthy_library_gives_only_framework_findings() {
    let Some(out) = harden_on("") else { return };
    let unexpected: Vec<_> = findings(&out)
        .into_iter()
        .filter(|f| !framework_behaviour(f))
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:#?}\n{out}");
}

/// The default check fails on the fault, and a finding names its rule and operation.
fn found(name: &str) {
    let (.., rule, op) = fault(name);
    let Some(out) = harden_on(name) else { return };
    assert_eq!(out.code, 1, "FAULTS={name}\n{out}");
    assert_eq!(out.status_of("api"), "fail", "{out}");
    let all = findings(&out);
    assert!(
        all.iter().any(|f| f.contains(rule) && f.contains(op)),
        "FAULTS={name}: no `{rule}` finding for {op}: {all:#?}"
    );
    // The finding's words, status and phase pinned; what varies with the seed (generated
    // values, bodies, the port) filtered out.
    let finding = all
        .iter()
        .find(|f| f.contains(rule) && f.contains(op))
        .map(|f| f.split("; replay:").next().unwrap_or(f).to_string())
        .unwrap_or_default();
    insta::with_settings!({filters => vec![
        (r"`[^`]*`", "`…`"),
        (r"body `…`|an empty body", "BODY"),
        (r"\((coverage|random|negative|stateful) phase\)", "(PHASE phase)"),
        (r"\d+ for the resource", "N for the resource"),
        (r#"\\"\d+\\" is not of type"#, r#"\"N\" is not of type"#),
    ]}, {
        insta::assert_snapshot!(format!("openapi_fault_{}", name.replace('-', "_")), finding);
    });
}

macro_rules! faults {
    ($($test:ident => $name:literal,)*) => {
        mod shown {
            $(#[test]
            fn $test() {
                super::shows($name);
            })*
        }
        mod found {
            $(#[test]
            fn $test() {
                super::found($name);
            })*
        }
        #[test]
        fn every_fault_has_a_test() {
            let tested = [$($name),*];
            for (name, ..) in FAULTS {
                assert!(tested.contains(name), "no test for {name}");
            }
            assert_eq!(tested.len(), FAULTS.len());
        }
    };
}

faults! {
    empty_string => "empty-string",
    negative_number => "negative-number",
    big_integer => "big-integer",
    non_ascii => "non-ascii",
    null_field => "null-field",
    last_enum => "last-enum",
    maximum => "maximum",
    schema_drift => "schema-drift",
    undocumented_status => "undocumented-status",
    pattern => "pattern",
    accepts_invalid => "accepts-invalid",
    malformed_json => "malformed-json",
    text_plain_error => "text-plain-error",
    missing_header => "missing-header",
    use_after_free => "use-after-free",
    not_retrievable => "not-retrievable",
    ignored_auth => "ignored-auth",
}
