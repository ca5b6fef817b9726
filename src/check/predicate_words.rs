//! Every predicate word of `expect.json` and `expect.body`, read from a suite as written
//! and evaluated against a response, both ways: it passes on a matching body and fails on
//! one that does not. The set of words is closed: an unknown one is a load-time error with
//! a suggestion, never a comparison to a literal object (issue 18, item 2).

use crate::check::http::evaluate;
use crate::http::Response;
use crate::suite::{CheckKindSpec, ExpectSpec, Scope};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

fn response(body: &str) -> Response {
    Response {
        raw: None,
        sent: String::new(),
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.to_string(),
        json: Default::default(),
        duration: std::time::Duration::ZERO,
        redactor: None,
    }
}

fn suite(expect: &str) -> String {
    format!(
        "suite: s\nbase-url: http://127.0.0.1:9\nvars: {{ want: b }}\nchecks:\n  - id: a\n    http:\n      request: {{ path: /x }}\n      expect: {expect}\n"
    )
}

fn expect_of(expect: &str) -> Result<ExpectSpec, String> {
    let s = crate::suite::load_str(Path::new("suite.yaml"), &suite(expect), &[])
        .map_err(|e| e.to_string())?;
    match s.checks.into_iter().next().map(|c| c.kind) {
        Some(CheckKindSpec::Http(h)) => Ok(h.steps[0].expect.clone()),
        _ => Err("not an http check".into()),
    }
}

/// Whether every assertion of `expect` holds on `body` (an error is neither).
fn holds(expect: &str, body: &str) -> Result<bool, String> {
    let spec = expect_of(expect).map_err(|e| format!("{expect}: {e}"))?;
    let vars = serde_json::json!({ "want": "b" });
    let scope = Scope {
        vars: Arc::new(vars.as_object().cloned().unwrap_or_default()),
        captures: HashMap::new(),
    };
    let (assertions, _) = evaluate(&spec, &response(body), &scope)?;
    assert!(!assertions.is_empty(), "{expect}: nothing was asserted");
    Ok(assertions.iter().all(|a| a.passed))
}

/// (word, `expect` as written, a body it passes on, a body it fails on).
const WORDS: &[(&str, &str, &str, &str)] = &[
    (
        "literal",
        r#"{ json: { "$.v": 2 } }"#,
        r#"{"v":2}"#,
        r#"{"v":3}"#,
    ),
    (
        "equals",
        r#"{ json: { "$.v": { equals: { a: 1 } } } }"#,
        r#"{"v":{"a":1}}"#,
        r#"{"v":{"a":2}}"#,
    ),
    (
        "not-equals",
        r#"{ json: { "$.v": { not-equals: 1 } } }"#,
        r#"{"v":2}"#,
        r#"{"v":1}"#,
    ),
    (
        "one-of",
        r#"{ json: { "$.v": { one-of: [1, 2] } } }"#,
        r#"{"v":2}"#,
        r#"{"v":3}"#,
    ),
    (
        "matches",
        r#"{ json: { "$.v": { matches: "^a+$" } } }"#,
        r#"{"v":"aa"}"#,
        r#"{"v":"ab"}"#,
    ),
    (
        "exists",
        r#"{ json: { "$.v": { exists: true } } }"#,
        r#"{"v":null}"#,
        r#"{"w":1}"#,
    ),
    (
        "absent",
        r#"{ json: { "$.v": { absent: true } } }"#,
        r#"{"w":1}"#,
        r#"{"v":1}"#,
    ),
    (
        "type",
        r#"{ json: { "$.v": { type: string } } }"#,
        r#"{"v":"x"}"#,
        r#"{"v":1}"#,
    ),
    (
        "length",
        r#"{ json: { "$.v": { length: 2 } } }"#,
        r#"{"v":[1,2]}"#,
        r#"{"v":[1]}"#,
    ),
    (
        "contains",
        r#"{ json: { "$.v": { contains: 2 } } }"#,
        r#"{"v":[1,2]}"#,
        r#"{"v":[1]}"#,
    ),
    (
        "not-contains",
        r#"{ json: { "$.v": { not-contains: zz } } }"#,
        r#"{"v":["a"]}"#,
        r#"{"v":["a","zz"]}"#,
    ),
    (
        "not-contains, nothing selected",
        r#"{ json: { "$.v": { not-contains: zz } } }"#,
        r#"{"v":"abc"}"#,
        r#"{"w":["a"]}"#,
    ),
    (
        "gt",
        r#"{ json: { "$.v": { gt: 1 } } }"#,
        r#"{"v":2}"#,
        r#"{"v":1}"#,
    ),
    (
        "gte",
        r#"{ json: { "$.v": { gte: 1 } } }"#,
        r#"{"v":1}"#,
        r#"{"v":0}"#,
    ),
    (
        "lt",
        r#"{ json: { "$.v": { lt: 1 } } }"#,
        r#"{"v":0}"#,
        r#"{"v":1}"#,
    ),
    (
        "lte",
        r#"{ json: { "$.v": { lte: 1 } } }"#,
        r#"{"v":1}"#,
        r#"{"v":2}"#,
    ),
    (
        "body contains",
        "{ body: { contains: ok } }",
        r#"{"v":"ok"}"#,
        r#"{"v":"no"}"#,
    ),
    (
        "body not-contains",
        "{ body: { not-contains: secret } }",
        r#"{"v":"ok"}"#,
        r#"{"v":"secret"}"#,
    ),
    (
        "body matches",
        r#"{ body: { matches: "\"v\":\\s*\\d" } }"#,
        r#"{"v":1}"#,
        r#"{"v":"x"}"#,
    ),
    (
        "body not-matches",
        r#"{ body: { not-matches: "Traceback|ghp_[A-Za-z0-9]+" } }"#,
        r#"{"v":1}"#,
        r#"{"v":"ghp_abc"}"#,
    ),
    (
        "body equals",
        r#"{ body: { equals: "{\"v\":1}" } }"#,
        r#"{"v":1}"#,
        r#"{"v":2}"#,
    ),
];

macro_rules! word_tests {
    ($($name:ident: $i:expr;)*) => {$(
        #[test]
        fn $name() {
            let (word, expect, pass, fail) = WORDS[$i];
            assert_eq!(holds(expect, pass), Ok(true), "{word} should pass on {pass}");
            assert_eq!(holds(expect, fail), Ok(false), "{word} should fail on {fail}");
        }
    )*};
}

word_tests! {
    a_literal_value_compares_equal: 0;
    equals_compares_an_object: 1;
    not_equals: 2;
    one_of: 3;
    matches: 4;
    exists: 5;
    absent: 6;
    type_: 7;
    length: 8;
    contains: 9;
    not_contains_in_a_list: 10;
    not_contains_fails_when_nothing_is_selected: 11;
    gt: 12;
    gte: 13;
    lt: 14;
    lte: 15;
    body_contains: 16;
    body_not_contains: 17;
    body_matches: 18;
    body_not_matches: 19;
    body_equals: 20;
}

#[test]
fn every_word_has_a_row() {
    let words = [
        "equals",
        "not-equals",
        "one-of",
        "matches",
        "exists",
        "absent",
        "type",
        "length",
        "contains",
        "not-contains",
        "gt",
        "gte",
        "lt",
        "lte",
    ];
    for w in words {
        assert!(
            WORDS.iter().any(|(name, ..)| *name == w),
            "no test row for `{w}`"
        );
    }
}

/// The issue's cases: a typo and an unknown word are errors with a suggestion, not a
/// comparison of the list to the object `{lenght: 2}`.
#[test]
fn an_unknown_word_is_a_load_time_error_with_a_suggestion() {
    for (expect, word, suggestion) in [
        (
            r#"{ json: { "$.items": { lenght: 2 } } }"#,
            "lenght",
            "length",
        ),
        (
            r#"{ json: { "$.items": { not-contain: zz } } }"#,
            "not-contain",
            "not-contains",
        ),
        (r#"{ json: { "$.items": { id: 1, name: x } } }"#, "id", ""),
    ] {
        let e = expect_of(expect).expect_err(expect);
        assert!(
            e.contains(&format!("unknown predicate `{word}`")),
            "{expect}: {e}"
        );
        assert!(
            e.contains(&format!("did you mean `{suggestion}`?")) || suggestion.is_empty(),
            "{expect}: {e}"
        );
        assert!(e.contains("write `equals: {...}`"), "{expect}: {e}");
    }
    let e = expect_of(r#"{ json: { "$.items": {} } }"#).expect_err("empty map");
    assert!(
        e.contains("an empty map is not a predicate") && e.contains("`equals: {}`"),
        "{e}"
    );
    let e = expect_of(r#"{ body: { not-match: x } }"#).expect_err("body typo");
    assert!(e.contains("did you mean `not-matches`"), "{e}");
}

/// `${...}` in a JSONPath key is expanded before the path is read: the issue's filter
/// found the literal text `${want}` and passed although the id was in the list.
#[test]
fn a_jsonpath_key_is_expanded() {
    let expect = r#"{ json: { "$.data[?@.id=='${want}']": { length: 0 } } }"#;
    assert_eq!(holds(expect, r#"{"data":[{"id":"b"}]}"#), Ok(false));
    assert_eq!(holds(expect, r#"{"data":[{"id":"c"}]}"#), Ok(true));
    let e = expect_of(r#"{ json: { "$.data[?@.id=='${nope}']": { length: 0 } } }"#)
        .expect_err("undefined");
    assert!(e.contains("undefined variable `nope`"), "{e}");
    // Expanded from `vars` alone, it is read when the suite loads.
    let e = expect_of(r#"{ json: { "$.data[?@.id==${want}]": { length: 0 } } }"#)
        .expect_err("an unquoted string is not a JSONPath literal");
    assert!(
        e.contains("invalid JSONPath `$.data[?@.id==b]` (from `$.data[?@.id==${want}]`)"),
        "{e}"
    );
}

/// A JSONPath key that uses a capture is expanded when the check runs, with the capture.
#[test]
fn a_jsonpath_key_with_a_capture_is_expanded_when_the_check_runs() {
    let yaml = "suite: s\nbase-url: http://127.0.0.1:9\nsetup:\n  - request: { path: /me }\n    capture: { me: \"$.id\" }\nchecks:\n  - id: a\n    http:\n      request: { path: /x }\n      expect: { json: { \"$.data[?@.id=='${me}']\": { length: 1 } } }\n";
    let s = crate::suite::load_str(Path::new("suite.yaml"), yaml, &[]).expect("loads");
    let Some(CheckKindSpec::Http(h)) = s.checks.into_iter().next().map(|c| c.kind) else {
        panic!("an http check")
    };
    let mut captures = HashMap::new();
    captures.insert("me".to_string(), serde_json::json!("u-7"));
    let scope = Scope {
        vars: Arc::default(),
        captures,
    };
    let run = |body: &str| {
        let (a, _) = evaluate(&h.steps[0].expect, &response(body), &scope).expect("evaluates");
        (a[0].passed, a[0].property.clone())
    };
    let (passed, property) = run(r#"{"data":[{"id":"u-7"}]}"#);
    assert!(passed, "{property}");
    assert_eq!(property, "json `$.data[?@.id=='u-7']`");
    assert!(!run(r#"{"data":[{"id":"u-8"}]}"#).0);
}
