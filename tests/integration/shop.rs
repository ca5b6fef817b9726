//! harden against `fixtures/python/shop.py`, a FastAPI service written the usual way
//! (print() for its log lines, a DELETE that deletes): a logs check never passes on
//! output it did not see, a probe never changes data, and a secret used in a path, a
//! query, a header and an echoed body reaches no output in any form.

use crate::harness::{Harden, Output, path_with_python, repo};

fn shop_dir() -> String {
    repo().join("fixtures/python").display().to_string()
}

/// A suite against the shop: `instance_extra` goes under `instance:`, `rest` after it.
fn shop_suite(name: &str, uvicorn_args: &str, instance_extra: &str, rest: &str) -> String {
    format!(
        "suite: {name}\ninstance:\n  command: [\"uvicorn\", \"shop:app\", \"--port\", \"${{PORT}}\"{uvicorn_args}]\n  cwd: {}\n  ready: {{ http: /health }}\n{instance_extra}{rest}",
        shop_dir()
    )
}

const QUIET: &str = ", \"--log-level\", \"warning\", \"--no-access-log\"";

/// Runs harden with the venv on PATH and without `PYTHONUNBUFFERED` of its own (CI images
/// often set it), so that what harden does by default is what is tested.
/// `None` when the Python-backed tests are skipped here (see `python_venv`).
fn run(h: Harden) -> Option<Output> {
    let path = path_with_python()?;
    Some(h.env("PATH", &path).env_remove("PYTHONUNBUFFERED").run())
}

fn logs_suite(instance_extra: &str, output: &str) -> String {
    shop_suite(
        "shop-logs",
        QUIET,
        instance_extra,
        &format!(
            "checks:\n  - id: printed\n    logs:\n      request: {{ path: /items/1 }}\n      output: {output}\n"
        ),
    )
}

#[test]
fn a_python_service_that_prints_is_seen_by_default() {
    let Some(out) = run(Harden::check_yaml(&logs_suite(
        "",
        "{ must-not-match: [\"Traceback\"] }",
    ))) else {
        return;
    };
    assert_eq!(out.code, 0, "{out}");
    let note = out.results()["suites"][0]["checks"][0]["note"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(note, "1 line of output examined", "{out}");
}

#[test]
fn output_never_seen_is_an_error_that_says_why() {
    // The way out of harden's default: Python buffers print() into the pipe again.
    let buffered = "  env: { PYTHONUNBUFFERED: \"\" }\n";
    let Some(out) = run(Harden::check_yaml(&logs_suite(
        buffered,
        "{ must-not-match: [\"Traceback\"] }",
    ))) else {
        return;
    };
    assert_eq!(out.code, 1, "{out}");
    let (status, message) = out.check("printed");
    assert_eq!(status, "error", "{out}");
    assert!(
        message.starts_with(
            "the service wrote no line to stdout or stderr after the action: nothing was examined"
        ),
        "{message}"
    );
    assert!(message.contains("PYTHONUNBUFFERED=1"), "{message}");
    assert!(message.contains("may-be-empty: true"), "{message}");

    // Unless the check says no output is fine.
    let Some(out) = run(Harden::check_yaml(&logs_suite(
        buffered,
        "{ may-be-empty: true, must-not-match: [\"Traceback\"] }",
    ))) else {
        return;
    };
    assert_eq!(out.code, 0, "{out}");
}

/// The wrong-method probe used to send `DELETE` to the request's own path with the
/// suite's credentials: against this service it deleted the item.
#[test]
fn a_full_security_run_deletes_nothing() {
    let h = Harden::check_yaml(&shop_suite(
        "shop-probes",
        "",
        "",
        "checks:\n  - id: probes\n    security:\n      error-hygiene: { method: GET, path: /items/1, headers: { x-api-key: ci } }\n  - id: item-1-still-there\n    http: { request: { path: /items/1 }, expect: { status: 200, json: { \"$.name\": espresso } } }\n  - id: all-items-still-there\n    http: { request: { path: /items }, expect: { json: { \"$.count\": 3 } } }\n  - id: delete-is-real\n    http:\n      steps:\n        - request: { method: DELETE, path: /items/2 }\n          expect: { status: 204 }\n        - request: { path: /items/2 }\n          expect: { status: 404 }\n",
    ));
    let logs = h.path("logs");
    let Some(out) = run(h.args(["--jobs", "1", "--log-dir", &logs])) else {
        return;
    };
    assert_eq!(out.code, 0, "{out}");
    for id in [
        "probes",
        "item-1-still-there",
        "all-items-still-there",
        "delete-is-real",
    ] {
        assert_eq!(out.status_of(id), "pass", "{id}\n{out}");
    }
    let log = std::fs::read_to_string(out.dir.path().join("logs/shop-probes/main.log")).unwrap();
    // Every probe went to an id that cannot exist, with a method the API does not have.
    assert!(log.contains("\"TRACE /items/-1 HTTP/1.1\" 405"), "{log}");
    assert!(!log.contains("DELETE /items/1"), "{log}");
    assert!(
        !log.contains("/items/1 HTTP/1.1\" 4"),
        "a probe reached item 1:\n{log}"
    );
    assert!(log.contains("shop: deleted item 2"), "{log}");
}

const SECRET: &str = r#"CANARY 9f3e/2b71+"q\x-sec&y=z"#;

/// Every 8-character run of the secret, and its unique start.
fn assert_no_run_of_the_secret(what: &str, text: &str) {
    let chars: Vec<char> = SECRET.chars().collect();
    assert!(!text.contains("CANARY"), "{what} holds `CANARY`:\n{text}");
    for w in chars.windows(8) {
        let run: String = w.iter().collect();
        assert!(!text.contains(&run), "{what} holds `{run}`:\n{text}");
    }
}

#[test]
fn a_secret_in_a_path_a_query_a_header_and_an_echoed_body_reaches_no_output() {
    let mut checks = String::from(
        "checks:\n  - id: in-path-and-query\n    http: { request: { path: \"/echo/${token}?x=${token}\", headers: { x-api-key: \"${token}\" } }, expect: { status: 599 } }\n  - id: in-query-map\n    http: { request: { path: /echo/q, query: { x: \"${token}\" } }, expect: { status: 599 } }\n  - id: in-json-actual\n    http: { request: { path: \"/echo/${token}\" }, expect: { json: { \"$.raw_path\": nope } } }\n",
    );
    // The echoed secret lands on each side of the excerpt's cut in one of these.
    for pad in 0..8 {
        checks.push_str(&format!(
            "  - id: echoed-{pad}\n    http: {{ request: {{ method: POST, path: /echo/{}, headers: {{ x-api-key: \"${{token}}\" }}, body: \"${{token}}\" }}, expect: {{ body: {{ equals: nope }} }} }}\n",
            "p".repeat(40 + pad * 4)
        ));
    }
    let suite = shop_suite(
        "shop-secret",
        "",
        "",
        &format!("vars:\n  token: '{SECRET}'\nsecrets: [token]\n{checks}"),
    );
    let h = Harden::check_yaml(&suite);
    let (markdown, summary, logs, html) = (
        h.path("summary.md"),
        h.path("step-summary.md"),
        h.path("logs"),
        h.path("report.html"),
    );
    let Some(out) = run(h
        .args(["--markdown", &markdown, "--log-dir", &logs, "--html", &html])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary))
    else {
        return;
    };
    assert_eq!(out.code, 1, "{out}");
    assert_eq!(out.status_of("in-path-and-query"), "fail", "{out}");
    let note = out.results()["suites"][0]["checks"][0]["note"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        note.starts_with("sent GET http://127.0.0.1:")
            && note.contains("/echo/***?x=*** (x-api-key: ***"),
        "{note}"
    );
    let (_, message) = out.check("echoed-0");
    assert!(message.contains("\"api_key\":\"***\""), "{message}");
    // Some excerpts are cut where the raw secret would have straddled the cut.
    let cut = (0..8)
        .filter(|p| out.check(&format!("echoed-{p}")).1.contains("…"))
        .count();
    assert!(cut > 0, "no excerpt was cut:\n{out}");
    assert_no_run_of_the_secret("stdout (terminal and annotations)", &out.stdout);
    assert_no_run_of_the_secret("stderr", &out.stderr);
    assert_no_run_of_the_secret("JUnit", &out.file("junit.xml"));
    assert_no_run_of_the_secret("results JSON", &out.file("results.json"));
    assert_no_run_of_the_secret("Markdown", &out.file("summary.md"));
    assert_no_run_of_the_secret("step summary", &out.file("step-summary.md"));
    assert_no_run_of_the_secret("HTML", &out.file("report.html"));
    let log = std::fs::read_to_string(out.dir.path().join("logs/shop-secret/main.log")).unwrap();
    // uvicorn's access log writes the path as received, percent-encoded.
    assert!(log.contains("\"GET /echo/*** HTTP/1.1\""), "{log}");
    assert!(log.contains("shop: echo"), "{log}");
    assert_no_run_of_the_secret("--log-dir service log", &log);

    let results = out.dir.path().join("results.json");
    let again = Harden::new();
    let (junit2, md2, html2) = (
        again.path("j.xml"),
        again.path("m.md"),
        again.path("r.html"),
    );
    let re = again
        .args([
            "report",
            &results.display().to_string(),
            "--junit",
            &junit2,
            "--markdown",
            &md2,
            "--html",
            &html2,
        ])
        .run();
    assert_eq!(re.code, 1, "{re}");
    assert_no_run_of_the_secret("report stdout", &re.stdout);
    assert_no_run_of_the_secret("report JUnit", &re.file("j.xml"));
    assert_no_run_of_the_secret("report Markdown", &re.file("m.md"));
    assert_no_run_of_the_secret("report HTML", &re.file("r.html"));
}

/// A token the service logs, and a JWT the suite captured and declared secret, are shown
/// as `***` wherever harden reports them.
#[test]
fn a_found_token_and_a_captured_jwt_are_never_republished() {
    const TOKEN: &str = "ghp_Zq8mW2xK7pL4vN9rT1yB6cD3fH5jS0aE8uGi";
    const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjaS1ib3QiLCJleHAiOjk5OTk5OTk5OTl9.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    let suite = shop_suite(
        "shop-tokens",
        QUIET,
        "",
        &format!(
            "secrets: [jwt]\nsetup:\n  - request: {{ method: POST, path: /echo/login, body: \"{JWT}\" }}\n    capture: {{ jwt: \"$.body\" }}\nchecks:\n  - id: token-logged\n    logs:\n      request: {{ method: POST, path: /echo/push, body: \"pushed with {TOKEN}\" }}\n      output: {{ must-not-match: [\"Traceback\"] }}\n  - id: jwt-shown\n    http: {{ request: {{ path: /echo/me, headers: {{ x-api-key: \"${{jwt}}\" }} }}, expect: {{ json: {{ \"$.api_key\": nope }} }} }}\n"
        ),
    );
    let Some(out) = run(Harden::check_yaml(&suite)) else {
        return;
    };
    assert_eq!(out.code, 1, "{out}");
    let (status, message) = out.check("token-logged");
    assert_eq!(status, "fail", "{out}");
    assert!(
        message.contains("output must not match token shapes: expected no line, got 1 line, e.g. `shop: echo /echo/push  pushed with ***`"),
        "{message}"
    );
    let (status, message) = out.check("jwt-shown");
    assert_eq!(status, "fail", "{out}");
    assert!(message.contains("got \"***\""), "{message}");
    for (what, text) in [
        ("stdout", out.stdout.clone()),
        ("JUnit", out.file("junit.xml")),
        ("results JSON", out.file("results.json")),
    ] {
        for found in [TOKEN, &TOKEN[..12], JWT, &JWT[..20]] {
            assert!(!text.contains(found), "{what} holds `{found}`:\n{text}");
        }
    }
}
