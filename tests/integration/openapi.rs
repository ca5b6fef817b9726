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

#[test]
fn each_broken_promise_is_a_finding_with_its_request() {
    let out = hostile("broken");
    assert_eq!(out.code, 1, "{out}");
    let results = out.results();
    let check = &results["suites"][0]["checks"][0];
    assert_eq!(check["status"], "fail", "{out}");
    let failed: Vec<(String, String)> = check["assertions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["passed"] == false)
        .map(|a| {
            (
                a["property"].as_str().unwrap().to_string(),
                a["actual"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let find = |p: &str| {
        failed
            .iter()
            .find(|(prop, _)| prop == p)
            .map(|(_, a)| a.clone())
            .unwrap_or_else(|| panic!("no finding for {p}: {failed:#?}"))
    };
    assert!(
        find("GET /api/teapot")
            .starts_with("418 is not documented (documented: 200); sent GET http://127.0.0.1:")
    );
    assert!(find("GET /api/crash").starts_with("500 (a server error); sent GET"));
    let shape = find("GET /api/wrong-shape");
    assert!(
        shape.contains("body does not match: ")
            && shape.contains("/id: \"one\" is not of type \"integer\""),
        "{shape}"
    );
    assert!(find("POST /api/things without `name`").starts_with("201; sent POST"));
    assert_eq!(failed.len(), 4, "{failed:#?}");
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
