use super::*;
use crate::openapi::case::Phase;
use crate::openapi::document::Document;
use serde_json::json;

fn doc() -> Document {
    Document::new(json!({"openapi": "3.0.3",
        "components": {"securitySchemes": {"b": {"type": "http", "scheme": "bearer"}}},
        "paths": {"/t": {"post": {"security": [{"b": []}], "responses": {
            "201": {"description": "made", "headers": {"Location": {"required": true, "schema": {"type": "string"}}},
                "content": {"application/json": {"schema": {"type": "object", "required": ["id"],
                    "properties": {"id": {"type": "integer"}, "note": {"type": "string", "nullable": true}}}}}},
            "4XX": {"description": "bad", "content": {"application/json": {"schema": {"type": "object"}}}}}}}}}))
    .unwrap()
}

fn case(intent: Intent, without_credentials: bool) -> Case {
    Case {
        op: 0,
        params: vec![],
        body: None,
        intent,
        without_credentials,
        phase: Phase::Random,
    }
}

fn resp(status: u16, media: &str, body: &str, location: bool) -> HttpResponse {
    let mut headers = vec![("content-type".to_string(), media.to_string())];
    if location {
        headers.push(("location".into(), "/t/1".into()));
    }
    HttpResponse {
        status,
        headers,
        body: body.as_bytes().to_vec(),
    }
}

fn rules_of(c: Case, r: HttpResponse) -> Vec<(Rule, String)> {
    let d = doc();
    check(&d.operations[0], &c, &r, &mut Schemas::default())
        .violations
        .into_iter()
        .map(|v| (v.rule, v.detail))
        .collect()
}

fn valid() -> Case {
    case(Intent::Valid, false)
}

#[test]
fn a_conforming_answer_breaks_no_rule() {
    assert_eq!(
        rules_of(
            valid(),
            resp(
                201,
                "application/json; charset=utf-8",
                r#"{"id": 1, "note": null}"#,
                true
            )
        ),
        vec![]
    );
}

#[test]
fn a_server_error_breaks_not_a_server_error() {
    let got = rules_of(valid(), resp(500, "text/plain", "boom", false));
    assert_eq!(
        got[0],
        (Rule::NotAServerError, "500 (a server error)".into())
    );
    assert!(got.iter().any(|(r, _)| *r == Rule::StatusCodeConformance));
}

#[test]
fn an_undocumented_status_breaks_status_code_conformance() {
    assert_eq!(
        rules_of(valid(), resp(302, "application/json", "{}", false)),
        vec![(
            Rule::StatusCodeConformance,
            "302 is not documented (documented: 201, 4XX)".into()
        )]
    );
}

#[test]
fn a_documented_range_covers_its_statuses() {
    assert_eq!(
        rules_of(valid(), resp(404, "application/json", "{}", false)),
        vec![]
    );
}

#[test]
fn a_wrong_content_type_breaks_content_type_conformance() {
    assert_eq!(
        rules_of(valid(), resp(422, "text/plain", "bad", false)),
        vec![(
            Rule::ContentTypeConformance,
            "422 with Content-Type `text/plain` (documented: application/json)".into()
        )]
    );
}

#[test]
fn a_body_off_its_schema_breaks_response_schema_conformance() {
    let got = rules_of(
        valid(),
        resp(201, "application/json", r#"{"id": "one"}"#, true),
    );
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, Rule::ResponseSchemaConformance);
    assert!(
        got[0].1.contains("/id: \"one\" is not of type \"integer\""),
        "{}",
        got[0].1
    );
}

#[test]
fn a_body_that_is_not_json_breaks_response_schema_conformance() {
    let got = rules_of(valid(), resp(201, "application/json", "{", true));
    assert_eq!(got[0].0, Rule::ResponseSchemaConformance);
}

#[test]
fn a_missing_required_header_breaks_response_headers_conformance() {
    assert_eq!(
        rules_of(
            valid(),
            resp(201, "application/json", r#"{"id": 1}"#, false)
        ),
        vec![(
            Rule::ResponseHeadersConformance,
            "201 without the required header `location`".into()
        )]
    );
}

#[test]
fn invalid_data_accepted_breaks_negative_data_rejection() {
    let got = rules_of(
        case(Intent::Invalid("without `id`".into()), false),
        resp(201, "application/json", r#"{"id": 1}"#, true),
    );
    assert_eq!(
        got,
        vec![(
            Rule::NegativeDataRejection,
            "201 to a request without `id`".into()
        )]
    );
}

#[test]
fn invalid_data_refused_is_no_finding() {
    assert_eq!(
        rules_of(
            case(Intent::Invalid("x".into()), false),
            resp(422, "application/json", "{}", false)
        ),
        vec![]
    );
}

#[test]
fn a_request_without_credentials_accepted_breaks_ignored_auth() {
    let got = rules_of(
        case(Intent::Valid, true),
        resp(201, "application/json", r#"{"id": 1}"#, true),
    );
    assert_eq!(
        got,
        vec![(Rule::IgnoredAuth, "201 without credentials".into())]
    );
    assert_eq!(
        rules_of(
            case(Intent::Valid, true),
            resp(401, "application/json", "{}", false)
        ),
        vec![]
    );
}

#[test]
fn a_valid_case_refused_is_counted_not_passed() {
    let d = doc();
    let v = check(
        &d.operations[0],
        &valid(),
        &resp(422, "application/json", "{}", false),
        &mut Schemas::default(),
    );
    assert!(v.rejected_valid);
    let v = check(
        &d.operations[0],
        &valid(),
        &resp(201, "application/json", r#"{"id": 1}"#, true),
        &mut Schemas::default(),
    );
    assert!(!v.rejected_valid);
}

fn unlisted(method: &str) -> Case {
    case(
        Intent::UnlistedMethod {
            method: method.into(),
            listed: vec!["GET".into(), "POST".into()],
        },
        false,
    )
}

fn answer(status: u16, allow: Option<&str>) -> HttpResponse {
    let mut headers = vec![("content-type".to_string(), "application/json".to_string())];
    if let Some(a) = allow {
        headers.push(("allow".into(), a.into()));
    }
    HttpResponse {
        status,
        headers,
        body: b"{}".to_vec(),
    }
}

#[test]
fn an_unlisted_method_refused_with_405_and_the_listed_methods_breaks_nothing() {
    assert_eq!(
        rules_of(unlisted("PUT"), answer(405, Some("GET, POST"))),
        vec![]
    );
    assert_eq!(
        rules_of(unlisted("DELETE"), answer(405, Some("post,get,head"))),
        vec![]
    );
    // OPTIONS may be answered with the methods instead (RFC 9110 9.3.7).
    assert_eq!(
        rules_of(unlisted("OPTIONS"), answer(204, Some("GET, HEAD, POST"))),
        vec![]
    );
    // None of the response's other rules apply: 405 is not documented, and that is right.
    assert_eq!(
        rules_of(unlisted("TRACE"), answer(405, Some("GET, POST"))),
        vec![]
    );
}

#[test]
fn an_unlisted_method_served_or_refused_wrongly_breaks_unsupported_method() {
    let broke = |c: Case, r: HttpResponse| {
        let v = rules_of(c, r);
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(v[0].0, Rule::UnsupportedMethod);
        v[0].1.clone()
    };
    assert_eq!(
        broke(unlisted("PUT"), answer(200, None)),
        "PUT /t, a method the document does not list for the path (it lists GET, POST), answered 200, not 405"
    );
    assert!(broke(unlisted("PATCH"), answer(404, None)).contains("answered 404, not 405"));
    assert_eq!(
        broke(unlisted("PUT"), answer(405, None)),
        "PUT /t answered 405 without an `Allow` header (the document lists GET, POST)"
    );
    // Stock FastAPI: the first route of the path answers, with its own methods only.
    assert_eq!(
        broke(unlisted("OPTIONS"), answer(405, Some("GET"))),
        "OPTIONS /t answered 405 with `Allow: GET`, which leaves out POST (the document lists GET, POST)"
    );
    assert!(broke(unlisted("OPTIONS"), answer(200, Some("GET"))).contains("leaves out POST"));
    assert_eq!(
        broke(unlisted("OPTIONS"), answer(200, None)),
        "OPTIONS /t answered 200 without an `Allow` header (the document lists GET, POST)"
    );
    // A 5xx is a server error, said once.
    assert_eq!(
        rules_of(unlisted("PUT"), answer(500, None)),
        vec![(Rule::NotAServerError, "500 (a server error)".into())]
    );
}
