//! The `openapi` kind: every operation of a document called; a correct service passes,
//! and each broken promise is its own finding with the request that showed it.

use crate::harness::{Harden, path_with_python, repo};

fn hostile(tags: &str) -> crate::harness::Output {
    Harden::check_yaml(&format!(
        "suite: api\ninstance:\n  command: [\"harden-hostile\", \"--port\", \"${{PORT}}\"]\n  ready: {{ http: /health }}\nchecks:\n  - id: api\n    openapi: {{ tags: [{tags}] }}\n"
    ))
    .run()
}

#[test]
fn operations_that_keep_the_document_pass() {
    let out = hostile("kept");
    assert_eq!(out.code, 0, "{out}");
}

/// The failed assertions of the check: (property, actual), the port as `PORT`.
fn findings(out: &crate::harness::Output) -> Vec<(String, String)> {
    let results = out.results();
    let check = &results["suites"][0]["checks"][0];
    assert_eq!(check["status"], "fail", "{out}");
    let port = regex::Regex::new(r"127\.0\.0\.1:\d+").unwrap();
    check["assertions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["passed"] == false)
        .map(|a| {
            (
                a["property"].as_str().unwrap().to_string(),
                port.replace_all(a["actual"].as_str().unwrap(), "127.0.0.1:PORT")
                    .into_owned(),
            )
        })
        .collect()
}

#[test]
fn each_broken_promise_is_a_finding_with_its_request() {
    let out = hostile("broken");
    assert_eq!(out.code, 1, "{out}");
    let got = findings(&out);
    let want = [
        (
            "POST /api/things negative_data_rejection",
            "201 to a request whose body is malformed JSON (negative phase); 201, application/json, body `{\"id\": 2, \"name\": \"made\"}`; replay: curl -X POST 'http://127.0.0.1:PORT/api/things' -H 'content-type: application/json' --data-raw '{\"'",
        ),
        (
            "GET /api/teapot status_code_conformance",
            "418 is not documented (documented: 200) (coverage phase); 418, text/plain, body `short and stout`; replay: curl -X GET 'http://127.0.0.1:PORT/api/teapot'",
        ),
        (
            "GET /api/crash not_a_server_error",
            "500 (a server error) (coverage phase); 500, text/plain, body `Internal Server Error`; replay: curl -X GET 'http://127.0.0.1:PORT/api/crash'",
        ),
        (
            "GET /api/crash status_code_conformance",
            "500 is not documented (documented: 200) (coverage phase); 500, text/plain, body `Internal Server Error`; replay: curl -X GET 'http://127.0.0.1:PORT/api/crash'",
        ),
        (
            "GET /api/wrong-shape response_schema_conformance",
            "200, body does not match: $: \"name\" is a required property; /id: \"one\" is not of type \"integer\" (coverage phase); 200, application/json, body `{\"id\": \"one\"}`; replay: curl -X GET 'http://127.0.0.1:PORT/api/wrong-shape'",
        ),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(p, a)| (p.to_string(), a.to_string()))
        .collect();
    assert_eq!(got, want);
    let note = out.results()["suites"][0]["checks"][0]["note"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        note.contains("4 operations of GET /openapi.json called with "),
        "{note}"
    );
    assert!(note.contains(", seed "), "{note}");
}

/// Faults that one fixed call per operation never shows: a crash at the documented
/// maximum of an optional query parameter, and a security requirement never enforced.
/// Found with any seed.
#[test]
fn faults_behind_boundaries_and_credentials_are_found() {
    for _ in 0..3 {
        let out = hostile("planted");
        assert_eq!(out.code, 1, "{out}");
        let got = findings(&out);
        let props: Vec<&str> = got.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            props,
            [
                "GET /api/page not_a_server_error",
                "GET /api/page status_code_conformance",
                "GET /api/secret ignored_auth"
            ],
            "{got:#?}"
        );
        // Shrunk to the one input that matters.
        assert!(
            got[0]
                .1
                .ends_with("replay: curl -X GET 'http://127.0.0.1:PORT/api/page?n=50'"),
            "{got:#?}"
        );
        assert!(
            got[2]
                .1
                .starts_with("200 without credentials (negative phase)"),
            "{got:#?}"
        );
    }
}

/// A resource "deleted" with a 2xx that is still there: found by a sequence the engine
/// infers from the paths (POST /api/notes creates the id GET and DELETE /api/notes/{id} use).
#[test]
fn a_deleted_resource_still_served_is_found_by_a_sequence() {
    let out = hostile("stateful");
    assert_eq!(out.code, 1, "{out}");
    let got = findings(&out);
    assert_eq!(
        got,
        [(
            "GET /api/notes/{id} use_after_free".to_string(),
            "200 for a resource deleted with 204 (stateful phase); 200, application/json, body `{\"id\": 7, \"name\": \"note\"}`; replay: curl -X GET 'http://127.0.0.1:PORT/api/notes/7'".to_string()
        )]
    );
}

/// A request without an answer is an error of the check (retried once first), never a
/// finding; one that never answers costs a bounded share of the check's time.
#[test]
fn no_answer_is_an_error_never_a_finding() {
    for (tag, why) in [
        ("unanswered", "timed out after 1s"),
        ("reset", "GET /reset: "),
    ] {
        let out = Harden::check_yaml(&format!(
            "suite: api\ninstance:\n  command: [\"harden-hostile\", \"--port\", \"${{PORT}}\"]\n  ready: {{ http: /health }}\nchecks:\n  - id: api\n    timeout: 3s\n    openapi: {{ tags: [{tag}] }}\n"
        ))
        .run();
        let results = out.results();
        let check = &results["suites"][0]["checks"][0];
        assert_eq!(check["status"], "error", "{out}");
        let message = check["message"].as_str().unwrap();
        assert!(
            message.contains("got no answer, even on a fresh connection; the first: GET /"),
            "{message}"
        );
        assert!(message.contains(why), "{message}");
        assert!(
            check["assertions"]
                .as_array()
                .unwrap()
                .iter()
                .all(|a| a["passed"] == true),
            "{out}"
        );
    }
}

#[test]
fn the_fastapi_example_keeps_its_document() {
    let Some(python_path) = path_with_python() else {
        return;
    };
    let suite = format!(
        "suite: api\ninstance:\n  command: [\"uvicorn\", \"app:app\", \"--port\", \"${{PORT}}\", \"--log-level\", \"warning\"]\n  cwd: {}\n  env: {{ API_TOKEN: t0ken-abc, WEBHOOK_SECRET: s3cret }}\n  ready: {{ http: /health }}\nsetup:\n  - request: {{ method: POST, path: /items, headers: {{ Authorization: Bearer t0ken-abc }}, json: {{ name: first }} }}\n    expect: {{ status: 201 }}\nchecks:\n  - id: api\n    openapi: {{ headers: {{ Authorization: Bearer t0ken-abc }}, paths: [\"/items*\", /health] }}\n",
        repo().join("examples/fastapi").display()
    );
    let out = Harden::check_yaml(&suite).env("PATH", &python_path).run();
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stdout
            .contains("4 operations of GET /openapi.json called"),
        "{out}"
    );
}
