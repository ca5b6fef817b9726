//! A conformance corpus: answers a careful reader of RFC 9110, RFC 8259 and RFC 9535 must
//! judge one way, each with its verdict. Served by harden-hostile on 127.0.0.1.

use crate::harness::Harden;

/// (check id, check body, the verdict a careful reader expects)
const CORPUS: &[(&str, &str, &str)] = &[
    // HEAD: the head of a GET, never a body (RFC 9110 9.3.2).
    (
        "head-has-no-body",
        "http: { request: { method: HEAD, path: /json }, expect: { status: 200, headers: { content-length: \"15\" }, body: { equals: \"\" } } }",
        "pass",
    ),
    (
        "head-is-not-json",
        "http: { request: { method: HEAD, path: /json }, expect: { json: { \"$.status\": ok } } }",
        "fail",
    ),
    // 204: no content, so nothing to parse (RFC 9110 15.3.5).
    (
        "no-content",
        "http: { request: { path: /no-content }, expect: { status: 204, body: { equals: \"\" } } }",
        "pass",
    ),
    (
        "no-content-is-not-json",
        "http: { request: { path: /no-content }, expect: { json: { \"$\": { exists: true } } } }",
        "fail",
    ),
    // An empty body is not JSON, whatever its content type says.
    (
        "empty-json-body",
        "http: { request: { path: /empty-json }, expect: { json: { \"$\": { exists: true } } } }",
        "fail",
    ),
    // Chunked framing is transport: the body is the same document.
    (
        "chunked",
        "http: { request: { path: /chunked-json }, expect: { json: { \"$.total\": 2, \"$.items[*].id\": [1, 2] } } }",
        "pass",
    ),
    // JSON escapes and UTF-8 are the same text (RFC 8259 7).
    (
        "unicode-escapes",
        "http: { request: { path: /unicode }, expect: { json: { \"$.name\": \"café 😀\", \"$.raw\": \"café 😀\" } } }",
        "pass",
    ),
    (
        "unicode-body-text",
        "http: { request: { path: /unicode }, expect: { body: { contains: \"naïve\" } } }",
        "pass",
    ),
    // A definite path is its value; a wildcard is always a list (RFC 9535).
    (
        "single-match-is-a-list",
        "http: { request: { path: /unicode }, expect: { json: { \"$.one[*]\": [7], \"$.tags[*]\": { length: 1, contains: naïve } } } }",
        "pass",
    ),
    (
        "single-match-no-substring",
        "http: { request: { path: /unicode }, expect: { json: { \"$.tags[*]\": { contains: naï } } } }",
        "fail",
    ),
    (
        "empty-match-is-an-empty-list",
        "http: { request: { path: /unicode }, expect: { json: { \"$.none[*]\": { length: 0 }, \"$.absent\": { exists: false } } } }",
        "pass",
    ),
    (
        "definite-path-value",
        "http: { request: { path: /unicode }, expect: { json: { \"$.one[0]\": 7, \"$.one\": { type: array } } } }",
        "pass",
    ),
    // Big integers compare exactly.
    (
        "big-integer-exact",
        "http: { request: { path: /encoded/gzip }, expect: { json: { \"$.id\": { gt: 9007199254740992, not-equals: 9007199254740992 } } } }",
        "pass",
    ),
    (
        "big-integer-off-by-one",
        "http: { request: { path: /encoded/gzip }, expect: { json: { \"$.id\": 9007199254740992 } } }",
        "fail",
    ),
    // Compressed bodies are decoded, asked for or not.
    (
        "gzip-unasked",
        "http: { request: { path: /encoded/gzip }, expect: { json: { \"$.encoding\": gzip } } }",
        "pass",
    ),
    (
        "brotli",
        "http: { request: { path: /encoded/br, compressed: true }, expect: { json: { \"$.encoding\": br } } }",
        "pass",
    ),
];

#[test]
fn every_case_gets_the_verdict_a_careful_reader_expects() {
    let mut suite = String::from(
        "suite: conformance\ninstance:\n  command: [\"harden-hostile\", \"--port\", \"${PORT}\"]\n  ready: { http: /health }\nchecks:\n",
    );
    for (id, body, _) in CORPUS {
        suite.push_str(&format!("  - id: {id}\n    {body}\n"));
    }
    let out = Harden::check_yaml(&suite).run();
    let wrong: Vec<String> = CORPUS
        .iter()
        .filter_map(|(id, _, want)| {
            let (got, message) = out.check(id);
            (got != *want).then(|| format!("{id}: expected {want}, got {got}: {message}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}\n{out}");
}
