//! What harden sends: headers set, emptied or left out as the suite says; methods it
//! cannot send as written are refused at load time.

use crate::harness::Harden;

fn suite(checks: &str) -> String {
    format!(
        "suite: requests\ninstance:\n  command: [\"harden-hostile\", \"--port\", \"${{PORT}}\"]\n  ready: {{ http: /health }}\nchecks:\n{checks}"
    )
}

#[test]
fn a_default_header_can_be_emptied_or_left_out() {
    let out = Harden::check_yaml(&suite(
        r#"  - id: default-agent
    http: { request: { path: /headers }, expect: { json: { "$['user-agent']": { matches: "^harden/" } } } }
  - id: empty-agent
    http: { request: { path: /headers, headers: { User-Agent: "" } }, expect: { json: { "$['user-agent']": "" } } }
  - id: no-agent
    http: { request: { path: /headers, headers: { User-Agent: null } }, expect: { json: { "$['user-agent']": { exists: false } } } }
  - id: custom-agent
    http: { request: { path: /headers, headers: { user-agent: curl/8 } }, expect: { json: { "$['user-agent']": curl/8 } } }
"#,
    ))
    .run();
    assert_eq!(out.code, 0, "{out}");
}

#[test]
fn connect_is_refused_at_load_time() {
    let h = Harden::new();
    let path = h.dir.path().join("s.yaml");
    std::fs::write(
        &path,
        suite("  - id: tunnel\n    http: { request: { method: CONNECT, path: /x }, expect: { status: 200 } }\n"),
    )
    .unwrap();
    let out = h.args(["validate", &path.display().to_string()]).run();
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("s.yaml:7:32:"), "{out}");
    assert!(
        out.stderr.contains("checks[0].http.request.method"),
        "{out}"
    );
    assert!(out.stderr.contains("CONNECT"), "{out}");
}
