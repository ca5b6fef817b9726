//! The `security` check's `discover:` probes against `fixtures/security-discover`, a
//! FastAPI notes service started here (so harden runs against `base-url`, in its default
//! safe mode) with one planted flaw at a time: each probe family finds its flaw, names
//! its OWASP category and masks the token in the `curl` it shows, and passes on the
//! healthy service; a whole safe run leaves the service's data as it was.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{Harden, Output, python_venv, repo};

/// The service, started with one flaw (or none), stopped by its pid when dropped.
pub(crate) struct Notes {
    child: Child,
    pub(crate) port: u16,
}

impl Notes {
    /// `None` when the Python-backed tests are skipped here (see `python_venv`).
    pub(crate) fn start(flaw: &str) -> Option<Notes> {
        Notes::start_with(flaw, "on")
    }

    /// With `DOCS=off`, no `/docs`, `/redoc` nor `/openapi.json`.
    fn start_with(flaw: &str, docs: &str) -> Option<Notes> {
        let bin = python_venv()?;
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut child = Command::new(bin.join("uvicorn"))
            .args(["app:app", "--host", "127.0.0.1", "--log-level", "warning"])
            .args(["--port", &port.to_string()])
            .current_dir(repo().join("fixtures/security-discover"))
            .env("FLAW", flaw)
            .env("DOCS", docs)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn uvicorn");
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = child.try_wait().expect("wait") {
                panic!("the service with FLAW={flaw} exited: {status}");
            }
            assert!(Instant::now() < deadline, "FLAW={flaw}: not up in 30 s");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(Notes { child, port })
    }

    /// The service's notes and the write requests it received (`GET /harden-test/state`).
    pub(crate) fn state(&self) -> serde_json::Value {
        let (status, body) = self.get("/harden-test/state");
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("JSON state")
    }

    /// `harden check` of the fixture's suite against this service, `edit` applied to it.
    pub(crate) fn check(&self, edit: impl Fn(String) -> String) -> Output {
        self.check_with(edit, None)
    }

    /// Likewise, with `document` written beside the suite as `openapi.json`.
    pub(crate) fn check_with(
        &self,
        edit: impl Fn(String) -> String,
        document: Option<&str>,
    ) -> Output {
        let suite = std::fs::read_to_string(repo().join("fixtures/security-discover/suite.yaml"))
            .expect("the fixture's suite");
        let h = Harden::check_yaml(&edit(suite)).args(["--var", &format!("port={}", self.port)]);
        if let Some(doc) = document {
            std::fs::write(h.path("openapi.json"), doc).expect("write the document");
        }
        h.run()
    }

    /// One GET on a fresh connection: (status, body).
    pub(crate) fn get(&self, path: &str) -> (u16, String) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        s.write_all(
            format!("GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n")
                .as_bytes(),
        )
        .expect("send");
        let mut raw = String::new();
        s.read_to_string(&mut raw).expect("read");
        let (head, body) = raw.split_once("\r\n\r\n").expect("a head and a body");
        let status = head[9..12].parse().expect("a status code");
        (status, body.to_string())
    }
}

impl Drop for Notes {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Each assertion of the `discover` check as `property | actual | passed`.
pub(crate) fn assertions(out: &Output) -> Vec<String> {
    let r = out.results();
    r["suites"][0]["checks"][0]["assertions"]
        .as_array()
        .unwrap_or_else(|| panic!("no assertions\n{out}"))
        .iter()
        .map(|a| {
            format!(
                "{} | {} | {}",
                a["property"].as_str().unwrap_or(""),
                a["actual"].as_str().unwrap_or(""),
                if a["passed"].as_bool() == Some(true) {
                    "pass"
                } else {
                    "FAIL"
                }
            )
        })
        .collect()
}

/// Runs the suite against the service with `flaw`: the failed assertions, the check's
/// whole JSON results as text (for masking), or `None` when the test is skipped.
fn findings(flaw: &str) -> Option<(Vec<String>, String)> {
    let svc = Notes::start(flaw)?;
    let out = svc.check(|s| s);
    assert_eq!(out.code, 1, "FLAW={flaw}: expected a failed check\n{out}");
    assert_eq!(out.status_of("discover"), "fail", "{out}");
    let failed = assertions(&out)
        .into_iter()
        .filter(|a| a.ends_with("| FAIL"))
        .collect();
    Some((failed, out.results().to_string()))
}

/// No token the service issued appears in harden's results: only `***`.
pub(crate) fn assert_masked(results: &str) {
    let jwt = regex::Regex::new(r"eyJ[\w-]+\.[\w-]+\.[\w-]*").unwrap();
    assert!(!jwt.is_match(results), "a JWT in the results: {results}");
}

#[test]
fn the_healthy_service_passes_every_family_and_the_writes_are_held_back() {
    let Some(svc) = Notes::start("") else { return };
    let out = svc.check(|s| s);
    assert_eq!(out.code, 0, "{out}");
    let got = assertions(&out);
    let props: Vec<&str> = got
        .iter()
        .map(|a| a.split(" | ").next().unwrap_or(""))
        .collect();
    assert_eq!(
        props,
        [
            "API2:2023 Broken Authentication: the HS256 token from header `Authorization` has a key harden cannot guess",
            "API2:2023 Broken Authentication: GET /me refused 4 forgeries of the token from header `Authorization`",
            "API9:2023 Improper Inventory Management: common unlisted paths",
            "API9:2023 Improper Inventory Management: the document's paths with methods it does not list",
            "API8:2023 Security Misconfiguration: headers that name the stack",
            "API8:2023 Security Misconfiguration: CORS look-alike origins",
            "API7:2023 Server Side Request Forgery: URL inputs given a loopback URL",
            "API8:2023 Security Misconfiguration (injection): SQL, OS command, template and path traversal payloads",
            "API1:2023 Broken Object Level Authorization: objects of one identity requested by the others and by no identity",
            "API5:2023 Broken Function Level Authorization: operations a role restricts, called without it",
        ],
        "{out}"
    );
    assert!(got.iter().all(|a| a.ends_with("| pass")), "{got:#?}");
    assert!(got[5].contains("7 of 7 not allowed"), "{got:#?}");
    let note = out.results()["suites"][0]["checks"][0]["note"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert_eq!(
        note,
        "brute-force: not sent in mode: safe: POST /login, POST /reset-pin; injection: not sent in mode: safe: POST /login, PATCH /me, POST /tools/lookup, POST /reset-pin; skipped (discover.skip): POST /notes, PUT /notes/{note_id}; mode: safe (only GET, HEAD and OPTIONS are sent); not sent: auth-required DELETE /notes/999999, error-hygiene, access: writes to one identity's objects as the others, mass-assignment"
    );
}

#[test]
fn a_safe_run_leaves_the_data_as_it_was_and_an_active_one_does_not() {
    let Some(svc) = Notes::start("") else { return };
    let before = svc.state();
    assert_eq!(before["writes"], serde_json::json!([]));
    let out = svc.check(|s| s);
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(svc.state(), before, "a safe run changed the service");

    // The same test sees writes when there are some: `mode: active` sends them.
    let out = svc.check(|s| s.replace("    security:\n", "    security:\n      mode: active\n"));
    let after = svc.state();
    let writes = after["writes"].as_array().expect("writes").clone();
    assert!(
        writes.iter().any(|w| w == "DELETE /notes/999999") && writes.len() >= 4,
        "{writes:?}\n{out}"
    );
    assert_eq!(
        after["notes"], before["notes"],
        "no probe may change the notes"
    );
}

#[test]
fn a_token_whose_signature_is_never_checked_is_found() {
    let Some((failed, results)) = findings("jwt-unverified") else {
        return;
    };
    assert_masked(&results);
    let props: Vec<&str> = failed
        .iter()
        .map(|a| a.split(" | ").next().unwrap_or(""))
        .collect();
    assert_eq!(
        props,
        [
            "API2:2023 Broken Authentication: GET /me accepted the token from header `Authorization` with `alg: none` and no signature",
            "API2:2023 Broken Authentication: GET /me accepted the token from header `Authorization` with another subject under the old signature",
            "API2:2023 Broken Authentication: GET /me accepted the token from header `Authorization` with an invalid signature",
        ],
        "{failed:#?}"
    );
    assert!(
        failed[0].contains("| 200 (application/json, ")
            && failed[0].contains("from `curl 'http://127.0.0.1:")
            && failed[0].contains("/me' -H 'Authorization: ***'`"),
        "{}",
        failed[0]
    );
}

#[test]
fn a_six_digit_signing_key_is_guessed() {
    let Some((failed, results)) = findings("jwt-weak-key") else {
        return;
    };
    assert_masked(&results);
    assert!(
        !results.contains("493817"),
        "the key is a secret: {results}"
    );
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert!(
        failed[0].starts_with(
            "API2:2023 Broken Authentication: the HS256 token from header `Authorization` is signed with a guessable key | its signature verifies under a 6-digit number"
        ),
        "{}",
        failed[0]
    );
}

#[test]
fn an_undocumented_debug_endpoint_is_found() {
    let Some((failed, _)) = findings("debug-endpoint") else {
        return;
    };
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert!(
        failed[0].starts_with(
            "API9:2023 Improper Inventory Management: GET /debug answers | 200 (application/json, "
        ),
        "{}",
        failed[0]
    );
}

#[test]
fn an_undocumented_method_on_a_documented_path_is_found() {
    let Some((failed, _)) = findings("hidden-method") else {
        return;
    };
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert!(
        failed[0].starts_with(
            "API9:2023 Improper Inventory Management: GET /login answers, unlisted | 200"
        ),
        "{}",
        failed[0]
    );
}

#[test]
fn an_x_powered_by_header_is_found() {
    let Some((failed, _)) = findings("powered-by") else {
        return;
    };
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert!(
        failed[0].starts_with(
            "API8:2023 Security Misconfiguration: the answer names its stack in `x-powered-by: Express 4.17.1`"
        ),
        "{}",
        failed[0]
    );
}

#[test]
fn look_alike_origins_allowed_by_a_loose_regex_are_found() {
    let Some((failed, _)) = findings("cors-lookalike") else {
        return;
    };
    let props: Vec<&str> = failed
        .iter()
        .map(|a| a.split(" | ").next().unwrap_or(""))
        .collect();
    assert_eq!(
        props,
        [
            "API8:2023 Security Misconfiguration: CORS allows `https://hardenapp.example.com`: `https://app.example.com` with a prefix",
            "API8:2023 Security Misconfiguration: CORS allows `https://appxexample.com`: `https://app.example.com` with a dot replaced",
            "API8:2023 Security Misconfiguration: CORS allows `https://app.examplexcom`: `https://app.example.com` with a dot replaced",
            "API8:2023 Security Misconfiguration: CORS look-alike origins",
        ],
        "{failed:#?}"
    );
}

/// `production: true`, the document read from a file beside the suite.
fn production(suite: String) -> String {
    suite.replace(
        "      discover:\n",
        "      discover:\n        production: true\n        document: openapi.json\n",
    )
}

#[test]
fn in_production_the_api_docs_are_unlisted_endpoints_and_a_service_without_them_passes() {
    let Some(with_docs) = Notes::start("") else {
        return;
    };
    let (status, document) = with_docs.get("/openapi.json");
    assert_eq!(status, 200, "{document}");
    let out = with_docs.check_with(production, Some(&document));
    assert_eq!(out.code, 1, "{out}");
    let failed: Vec<String> = assertions(&out)
        .into_iter()
        .filter(|a| a.ends_with("| FAIL"))
        .map(|a| a.split(" | ").next().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        failed,
        [
            "API9:2023 Improper Inventory Management: GET /docs answers",
            "API9:2023 Improper Inventory Management: GET /redoc answers",
            "API9:2023 Improper Inventory Management: GET /openapi.json answers",
        ],
        "{out}"
    );
    drop(with_docs);

    let Some(without) = Notes::start_with("", "off") else {
        return;
    };
    assert_eq!(without.get("/docs").0, 404);
    let out = without.check_with(production, Some(&document));
    assert_eq!(out.code, 0, "{out}");
}

#[test]
fn a_check_whose_every_probe_is_held_back_in_safe_mode_is_skipped_not_passed() {
    let Some(svc) = Notes::start("") else { return };
    let yaml = format!(
        "suite: held\nbase-url: http://127.0.0.1:{}\nchecks:\n  - id: writes\n    security:\n      auth-required: [{{ method: DELETE, path: /notes/1 }}]\n      webhook-signature: {{ path: /hook, secret: s }}\n",
        svc.port
    );
    let before = svc.state();
    let out = Harden::check_yaml(&yaml).run();
    assert_eq!(out.status_of("writes"), "skip", "{out}");
    let (_, message) = out.check("writes");
    assert_eq!(
        message,
        "mode: safe (only GET, HEAD and OPTIONS are sent); not sent: auth-required DELETE /notes/1, webhook-signature",
        "{out}"
    );
    assert_eq!(svc.state(), before, "a held-back probe was sent");
}

#[test]
fn a_finding_in_the_terminal_names_its_category_why_the_answer_and_a_masked_curl() {
    let Some(svc) = Notes::start("jwt-unverified") else {
        return;
    };
    let out = svc.check(|s| s);
    assert_eq!(out.code, 1, "{out}");
    crate::snapshots::pinned("security_discover_jwt_unverified_terminal", &out.stdout);
}

#[test]
fn a_token_only_captured_in_setup_is_sent_where_the_document_says_and_forged() {
    let Some(svc) = Notes::start("jwt-unverified") else {
        return;
    };
    let without_headers = |s: String| {
        s.replace(
            "        headers: { Authorization: \"Bearer ${token}\" }\n",
            "",
        )
    };
    let out = svc.check(without_headers);
    assert_eq!(out.code, 1, "{out}");
    let failed: Vec<String> = assertions(&out)
        .into_iter()
        .filter(|a| a.ends_with("| FAIL"))
        .collect();
    assert_eq!(failed.len(), 3, "{failed:#?}");
    assert!(
        failed[0].starts_with("API2:2023 Broken Authentication: GET /me accepted the token from capture `token` with `alg: none`")
            && failed[0].contains("-H 'Authorization: ***'"),
        "{}",
        failed[0]
    );
    assert_masked(&out.results().to_string());

    // The healthy service refuses every forgery of the same captured token.
    drop(svc);
    let Some(healthy) = Notes::start("") else {
        return;
    };
    let out = healthy.check(without_headers);
    assert_eq!(out.code, 0, "{out}");
}
