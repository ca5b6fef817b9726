//! The `openapi` kind's configuration on the lending library of `fixtures/openapi-faults`:
//! each key changes what is sent or reported, and a key written wrong is refused at load
//! time with its file, line and column and a hint.

use crate::harness::{Harden, Output, path_with_python, repo};

/// The library with `fault` planted, checked by one `openapi` check with `keys` added.
fn library(fault: &str, keys: &str) -> Option<Output> {
    let path = path_with_python()?;
    Some(library_suite(fault, keys).env("PATH", &path).run())
}

fn library_suite(fault: &str, keys: &str) -> Harden {
    let dir = repo().join("fixtures/openapi-faults");
    Harden::check_yaml(&format!(
        r#"suite: library
instance:
  command: ["uvicorn", "app:app", "--app-dir", "{dir}", "--host", "127.0.0.1", "--port", "${{PORT}}", "--log-level", "warning"]
  env: {{ LIBRARY_TOKEN: "${{token}}" }}
  ready: {{ http: /health, timeout: 30s }}
vars:
  token: library-token
secrets: [token]
checks:
  - id: api
    openapi:
      headers: {{ Authorization: "Bearer ${{token}}" }}
{keys}
"#,
        dir = dir.display()
    ))
    .env("FAULTS", fault)
}

/// (property, actual) of each failed assertion, the port as `PORT`.
fn findings(out: &Output) -> Vec<String> {
    let port = regex::Regex::new(r"127\.0\.0\.1:\d+").expect("regex");
    out.results()["suites"][0]["checks"][0]["assertions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["passed"] == false)
        .map(|a| {
            let f = format!("{} | {}", a["property"], a["actual"]);
            port.replace_all(&f, "127.0.0.1:PORT").into_owned()
        })
        .collect()
}

/// The operations the check reported on (passed or not).
fn operations(out: &Output) -> Vec<String> {
    out.results()["suites"][0]["checks"][0]["assertions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            let p = a["property"].as_str().unwrap_or_default();
            p.split(' ').take(2).collect::<Vec<_>>().join(" ")
        })
        .collect()
}

/// "N requests" of the check's note.
fn requests(out: &Output) -> usize {
    let note = out.results()["suites"][0]["checks"][0]["note"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let re = regex::Regex::new(r"called with (\d+) requests").expect("regex");
    re.captures(&note)
        .and_then(|c| c[1].parse().ok())
        .unwrap_or_else(|| panic!("no request count in {note:?}"))
}

#[test]
fn the_same_seed_sends_the_same_requests() {
    let keys = "      seed: 42";
    let Some(a) = library("", keys) else { return };
    let Some(b) = library("", keys) else { return };
    let note = a.results()["suites"][0]["checks"][0]["note"].to_string();
    assert!(note.contains("seed 42"), "{note}");
    assert_eq!(requests(&a), requests(&b), "{a}\n{b}");
    assert_eq!(findings(&a), findings(&b));
}

#[test]
fn max_examples_bounds_the_random_cases() {
    let Some(few) = library("", "      seed: 7\n      max-examples: 1") else {
        return;
    };
    let Some(many) = library("", "      seed: 7\n      max-examples: 10") else {
        return;
    };
    assert!(
        requests(&few) < requests(&many),
        "{} vs {}",
        requests(&few),
        requests(&many)
    );
}

#[test]
fn a_phase_switched_off_finds_nothing_of_its_own() {
    let Some(out) = library(
        "use-after-free",
        "      phases: [coverage, random, negative]",
    ) else {
        return;
    };
    let all = findings(&out);
    assert!(
        !all.iter().any(|f| f.contains("use_after_free")),
        "{all:#?}"
    );
    let Some(out) = library("use-after-free", "      phases: [stateful]") else {
        return;
    };
    let all = findings(&out);
    assert!(all.iter().any(|f| f.contains("use_after_free")), "{all:#?}");
}

#[test]
fn operations_are_selected_by_tag_method_path_and_operation_id() {
    let Some(out) = library(
        "",
        "      include: [{ tag: books }]\n      exclude: [{ operation-id: deleteBook }, { method: post, path: \"/books\" }]\n      ignore: [{ rule: unsupported_method }]",
    ) else {
        return;
    };
    let mut ops = operations(&out);
    ops.dedup();
    assert_eq!(ops, ["GET /books", "GET /books/{book_id}"], "{out}");
}

#[test]
fn an_excluded_operation_is_never_called() {
    let Some(out) = library(
        "ignored-auth",
        "      exclude: [{ method: delete, path: \"/books/*\" }]",
    ) else {
        return;
    };
    let all = findings(&out);
    assert!(!all.iter().any(|f| f.starts_with("\"DELETE")), "{all:#?}");
    // The check did find the fault when the operation was selected.
    let Some(out) = library("ignored-auth", "") else {
        return;
    };
    let all = findings(&out);
    assert!(
        all.iter()
            .any(|f| f.starts_with("\"DELETE /books/{book_id} ignored_auth")),
        "{all:#?}"
    );
}

/// Each stock FastAPI answer is silenced by its own rule: the healthy service passes.
#[test]
fn the_framework_findings_are_silenced_by_their_rules() {
    let Some(out) = library("", "") else { return };
    assert!(!findings(&out).is_empty(), "{out}");
    let Some(out) = library(
        "",
        "      ignore:\n        - { rule: status_code_conformance, status: 400 }\n        - { rule: negative_data_rejection, operation: createMember }\n        - { rule: unsupported_method }",
    ) else {
        return;
    };
    assert_eq!(out.code, 0, "{:#?}\n{out}", findings(&out));
    // Silenced for one operation only: the same rule still holds elsewhere.
    let Some(out) = library(
        "accepts-invalid",
        "      ignore:\n        - { rule: status_code_conformance, status: 400 }\n        - { rule: negative_data_rejection, operation: createMember }\n        - { rule: unsupported_method }",
    ) else {
        return;
    };
    let all = findings(&out);
    assert!(
        all.iter()
            .any(|f| f.contains("POST /books negative_data_rejection")),
        "{all:#?}"
    );
}

const YAML_DOCUMENT: &str = r#"openapi: 3.1.0
info: { title: library, version: "1" }
paths:
  /books:
    get:
      operationId: listBooks
      parameters:
        - name: limit
          in: query
          schema: { type: integer, minimum: 1, maximum: 50 }
      responses:
        "200":
          description: the books
          content:
            application/json:
              schema: { type: object }
"#;

#[test]
fn a_yaml_document_file_is_read() {
    let Some(path) = path_with_python() else {
        return;
    };
    let h = library_suite("maximum", "      document: library.yaml");
    std::fs::write(h.dir.path().join("library.yaml"), YAML_DOCUMENT).expect("write");
    let out = h.env("PATH", &path).run();
    let all = findings(&out);
    assert!(
        all.iter()
            .any(|f| f.contains("GET /books not_a_server_error")),
        "{all:#?}\n{out}"
    );
}

#[test]
fn keys_written_wrong_are_refused_with_where_and_a_hint() {
    let at = regex::Regex::new(r"suite\.yaml:\d+:\d+").expect("regex");
    for (keys, says, hint) in [
        (
            "      phases: [coverage, fuzz]",
            "unknown phase `fuzz`",
            "coverage, random, negative, stateful",
        ),
        (
            "      ignore: [{ rule: server-error }]",
            "unknown rule `server-error`",
            "not_a_server_error",
        ),
        (
            "      max-examples: 0",
            "must be at least 1",
            "the default, 25",
        ),
        (
            "      include: [{}]",
            "matches every operation",
            "operation-id",
        ),
        (
            "      document: missing.yaml",
            "missing.yaml",
            "JSON or YAML",
        ),
    ] {
        let out = library_suite("", keys).run();
        assert_eq!(out.code, 2, "{keys}\n{out}");
        let text = out.to_string();
        assert!(text.contains(says), "{keys}: {text}");
        assert!(text.contains(hint), "{keys}: {text}");
        assert!(at.is_match(&text), "{keys}: no file:line:col in {text}");
    }
}

#[test]
fn harden_schema_shows_every_key() {
    let out = Harden::new().args(["schema"]).run();
    assert_eq!(out.code, 0, "{out}");
    for key in [
        "max-examples",
        "seed",
        "phases",
        "include",
        "exclude",
        "ignore",
        "operation-id",
        "YAML file relative to the suite",
    ] {
        assert!(out.stdout.contains(key), "`harden schema` lacks {key}");
    }
}
