use super::*;
use serde_json::json;

fn doc() -> Document {
    Document::new(json!({"openapi": "3.1.0", "paths": {"/items/{id}": {"put": {
        "parameters": [
            {"name": "id", "in": "path", "schema": {"type": "integer", "minimum": 1}},
            {"name": "category", "in": "query", "schema": {"type": "string", "enum": ["books", "toys"]}},
            {"name": "X-Req", "in": "header", "required": true, "schema": {"type": "string", "pattern": "^[a-f0-9]{8}$"}}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
            "required": ["qty"], "properties": {"qty": {"type": "integer", "maximum": 50}, "note": {"type": ["string", "null"]}}}}}},
        "responses": {"200": {"description": "ok"}}}}}}))
    .unwrap()
}

fn value_of<'a>(c: &'a Case, name: &str) -> Option<&'a Value> {
    c.params
        .iter()
        .find(|(_, n, _)| n == name)
        .map(|(_, _, v)| v)
}

#[test]
fn the_base_case_sends_required_inputs_only_with_valid_values() {
    let d = doc();
    let mut p = Planner::new(&d);
    let c = p.base(0, &mut Rng::new(1));
    assert_eq!(value_of(&c, "id"), Some(&json!(1)));
    assert_eq!(value_of(&c, "category"), None);
    assert_eq!(value_of(&c, "X-Req"), Some(&json!("00000000")));
    assert!(p.keeps_intent(&c));
}

#[test]
fn coverage_sends_each_optional_input_every_enum_value_and_each_boundary() {
    let d = doc();
    let mut p = Planner::new(&d);
    let cases = p.coverage(0, &mut Rng::new(1), 500);
    let has = |f: &dyn Fn(&Case) -> bool| cases.iter().any(f);
    assert!(has(&|c| value_of(c, "category") == Some(&json!("toys"))));
    assert!(has(&|c| {
        c.body.as_ref().is_some_and(|b| {
            b.payload == Payload::Json(json!({"qty": 50, "note": null}))
                || matches!(&b.payload, Payload::Json(v) if v["qty"] == json!(50))
        })
    }));
    assert!(has(&|c| c.body.as_ref().is_some_and(
        |b| matches!(&b.payload, Payload::Json(v) if v.get("note") == Some(&Value::Null))
    )));
    assert!(
        cases.iter().all(|c| p.keeps_intent(c)),
        "every coverage case is valid"
    );
}

#[test]
fn random_cases_are_valid_and_seeded() {
    let d = doc();
    let a = Planner::new(&d).random(0, &mut Rng::new(4), 30);
    let b = Planner::new(&d).random(0, &mut Rng::new(4), 30);
    assert_eq!(a, b);
    let mut p = Planner::new(&d);
    assert!(a.iter().all(|c| p.keeps_intent(c)));
}

#[test]
fn negative_cases_are_invalid_each_in_one_way() {
    let d = doc();
    let mut p = Planner::new(&d);
    let cases = p.negative(0, &mut Rng::new(1), 500);
    let hows: Vec<String> = cases
        .iter()
        .map(|c| match &c.intent {
            Intent::Invalid(h) => h.clone(),
            other => panic!("{other:?} among the negatives"),
        })
        .collect();
    for wanted in [
        "without the required header parameter `X-Req`",
        "with path parameter `id` = `0` (below the minimum 1)",
        "whose body is without the required property `qty`",
        "whose body is `qty` above the maximum 50",
        "whose body is malformed JSON",
        "whose body is not UTF-8",
        "with a Content-Type the operation does not accept (text/plain)",
        "without its required body",
    ] {
        assert!(
            hows.iter().any(|h| h == wanted),
            "no `{wanted}` in {hows:#?}"
        );
    }
    // Every JSON negative really breaks the document.
    for c in cases
        .iter()
        .filter(|c| matches!(c.body.as_ref().map(|b| &b.payload), Some(Payload::Json(_))))
    {
        assert!(p.keeps_intent(c), "{c:?}");
    }
}

#[test]
fn a_small_cap_keeps_every_case_that_breaks_the_request_itself() {
    let d = doc();
    let mut p = Planner::new(&d);
    let cases = p.negative(0, &mut Rng::new(1), 2);
    let hows: Vec<String> = cases
        .iter()
        .filter_map(|c| match &c.intent {
            Intent::Invalid(h) => Some(h.clone()),
            _ => None,
        })
        .collect();
    for wanted in [
        "without the required header parameter `X-Req`",
        "whose body is malformed JSON",
        "whose body is not UTF-8",
        "with a Content-Type the operation does not accept (text/plain)",
        "without its required body",
    ] {
        assert!(
            hows.iter().any(|h| h == wanted),
            "no `{wanted}` in {hows:#?}"
        );
    }
    assert!(
        hows.iter()
            .any(|h| h.contains("parameter `id` =") || h.starts_with("whose body is `")),
        "a value-level negative survives the cap too: {hows:#?}"
    );
}

#[test]
fn unlisted_methods_are_every_other_method_of_each_path_once() {
    let d = Document::new(json!({"openapi": "3.1.0", "paths": {
        "/items": {
            "get": {"responses": {"200": {"description": "ok"}}},
            "post": {"responses": {"201": {"description": "made"}}}},
        "/items/{id}": {"delete": {
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 7}},
                {"name": "q", "in": "query", "required": true, "schema": {"type": "string"}}],
            "responses": {"204": {"description": "gone"}}}}}}))
    .unwrap();
    let mut p = Planner::new(&d);
    let cases = p.unlisted(&[0, 1, 2], &mut Rng::new(1));
    let sent: Vec<(String, String, Vec<String>)> = cases
        .iter()
        .map(|c| match &c.intent {
            Intent::UnlistedMethod { method, listed } => (
                method.clone(),
                d.operations[c.op].path.clone(),
                listed.clone(),
            ),
            other => panic!("{other:?}"),
        })
        .collect();
    let on = |path: &str| -> Vec<&str> {
        sent.iter()
            .filter(|(_, p, _)| p == path)
            .map(|(m, _, _)| m.as_str())
            .collect()
    };
    assert_eq!(on("/items"), ["OPTIONS", "TRACE", "PUT", "DELETE", "PATCH"]);
    assert_eq!(
        on("/items/{id}"),
        ["OPTIONS", "TRACE", "GET", "PUT", "POST", "PATCH"]
    );
    assert!(
        sent.iter()
            .filter(|(_, p, _)| p == "/items")
            .all(|(_, _, l)| l == &["GET", "POST"])
    );
    // Path parameters valid, no query, no body.
    let c = cases
        .iter()
        .find(|c| d.operations[c.op].path == "/items/{id}")
        .unwrap();
    assert_eq!(c.params, vec![(Location::Path, "id".to_string(), json!(7))]);
    assert!(c.body.is_none());
    let r = c.render(&d.operations[c.op], "", &[]);
    assert_eq!(
        (r.method.as_str(), r.target.as_str()),
        ("OPTIONS", "/items/7")
    );
}
