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

#[test]
fn compressed_bodies_are_decoded_before_assertions() {
    let mut checks = String::new();
    for enc in ["br", "gzip", "deflate", "zstd"] {
        checks.push_str(&format!(
            "  - id: {enc}\n    http: {{ request: {{ path: /encoded/{enc}, compressed: true }}, expect: {{ headers: {{ x-accept-encoding-was: {{ contains: {enc} }} }}, json: {{ \"$.encoding\": {enc}, \"$.id\": 9007199254740993 }} }} }}\n"
        ));
    }
    let out = Harden::check_yaml(&suite(&checks)).run();
    assert_eq!(out.code, 0, "{out}");
}

#[test]
fn without_compressed_no_accept_encoding_is_sent() {
    let out = Harden::check_yaml(&suite(
        "  - id: plain\n    http: { request: { path: /headers }, expect: { json: { \"$['accept-encoding']\": { exists: false } } } }\n",
    ))
    .run();
    assert_eq!(out.code, 0, "{out}");
}

#[test]
fn a_decompression_bomb_stops_at_the_body_limit() {
    let out = Harden::check_yaml(&suite(
        "  - id: bomb\n    http: { request: { path: /bomb }, expect: { status: 200 } }\n",
    ))
    .run();
    let (status, message) = out.check("bomb");
    assert_eq!(status, "error", "{out}");
    assert!(message.contains("gzip"), "names the encoding: {message}");
    assert!(message.contains("16 MiB limit"), "{message}");
    assert!(out.peak_rss_kib < 64 * 1024, "{} KiB", out.peak_rss_kib);
}

#[test]
fn an_undecodable_body_names_its_encoding() {
    let out = Harden::check_yaml(&suite(
        "  - id: bad\n    http: { request: { path: /bad-gzip }, expect: { status: 200 } }\n  - id: unknown\n    http: { request: { path: /encoded/compress }, expect: { status: 200 } }\n",
    ))
    .run();
    let (status, message) = out.check("bad");
    assert_eq!(status, "error", "{out}");
    assert!(message.contains("gzip"), "{message}");
    let (status, message) = out.check("unknown");
    assert_eq!(status, "error", "{out}");
    assert!(message.contains("`compress`"), "{message}");
}

#[test]
fn a_failure_shows_the_request_as_sent_with_credentials_masked() {
    let out = Harden::check_yaml(&suite(
        "  - id: wrong\n    http: { request: { path: /headers, headers: { Authorization: Bearer not-a-declared-secret, X-Trace: t-1 } }, expect: { status: 201 } }\n",
    ))
    .run();
    assert_eq!(out.code, 1, "{out}");
    let results = out.results();
    let note = results["suites"][0]["checks"][0]["note"]
        .as_str()
        .unwrap_or_default();
    assert!(note.starts_with("sent GET http://127.0.0.1:"), "{note}");
    assert!(
        note.contains("/headers (Authorization: ***, X-Trace: t-1, user-agent: harden/"),
        "{note}"
    );
    assert!(!out.stdout.contains("not-a-declared-secret"), "{out}");
}
