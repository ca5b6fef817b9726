use super::*;
use serde_json::json;

/// The coverage values of `schema` that are valid, after the check.
fn covered(schema: Value) -> Vec<Value> {
    let mut c = Checker::default();
    let vs = coverage(&schema, &mut Rng::new(11));
    c.keep_valid(&schema, vs)
}

fn has(schema: Value, wanted: Value) {
    let got = covered(schema.clone());
    assert!(
        got.contains(&wanted),
        "{wanted} not among the coverage of {schema}: {got:?}"
    );
}

macro_rules! coverage_rows {
    ($($name:ident: $schema:tt => $wanted:tt,)*) => {
        $( #[test] fn $name() { has(json!($schema), json!($wanted)); } )*
    };
}

coverage_rows! {
    the_maximum_itself: {"type": "integer", "maximum": 50} => 50,
    the_minimum_itself: {"type": "integer", "minimum": -3} => (-3),
    a_negative_number: {"type": "integer"} => (-1),
    past_two_to_the_31: {"type": "integer"} => 2147483648_i64,
    past_two_to_the_53: {"type": "integer"} => 9007199254740993_i64,
    just_inside_an_exclusive_minimum: {"type": "integer", "exclusiveMinimum": 10} => 11,
    a_multiple_of_at_the_bound: {"type": "integer", "minimum": 7, "multipleOf": 5} => 10,
    a_fraction_past_an_exclusive_bound: {"type": "number", "exclusiveMinimum": 10} => 10.001,
    the_empty_string: {"type": "string"} => "",
    non_ascii_text: {"type": "string"} => "é✓😀",
    a_string_at_max_length: {"type": "string", "maxLength": 3} => "zzz",
    a_string_at_min_length: {"type": "string", "minLength": 2} => "aa",
    the_last_enum_value: {"enum": ["a", "b", "c"]} => "c",
    a_const: {"const": 7} => 7,
    null_where_nullable: {"type": ["string", "null"]} => null,
    each_branch_of_one_of: {"oneOf": [{"type": "string", "enum": ["x"]}, {"type": "boolean"}]} => false,
    all_of_merged: {"allOf": [{"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
        {"properties": {"b": {"type": "string", "enum": ["q"]}}, "required": ["b"]}]} => {"a": 0, "b": "q"},
    an_object_with_no_optional_property: {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "string"}}, "required": ["a"]} => {"a": 1},
    an_object_with_every_property: {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "boolean"}}} => {"a": 0, "b": true},
    a_nested_boundary: {"type": "object", "properties": {"n": {"type": "integer", "maximum": 50}}, "required": ["n"]} => {"n": 50},
    an_array_at_min_items: {"type": "array", "items": {"type": "integer"}, "minItems": 2} => [0, 0],
    an_empty_array: {"type": "array", "items": {"type": "integer"}} => [],
    a_zip_code: {"type": "string", "pattern": "^[0-9]{5}$"} => "00000",
    a_date: {"type": "string", "format": "date"} => "2026-01-01",
    a_uuid: {"type": "string", "format": "uuid"} => "00000000-0000-4000-8000-000000000000",
    the_int32_maximum: {"type": "integer", "format": "int32"} => 2147483647,
}

#[test]
fn invalid_candidates_are_dropped_and_counted() {
    let schema = json!({"type": "integer", "minimum": 1, "maximum": 3, "multipleOf": 2});
    let mut c = Checker::default();
    let kept = c.keep_valid(&schema, vec![json!(2), json!(3), json!("x")]);
    assert_eq!(kept, vec![json!(2)]);
    assert_eq!(c.dropped, 2);
}

#[test]
fn every_coverage_value_of_a_rich_schema_is_valid_or_dropped() {
    let schema = json!({"type": "object", "required": ["zip", "qty"], "additionalProperties": false,
        "properties": {"zip": {"type": "string", "pattern": "^[0-9]{5}$"},
            "qty": {"type": "integer", "exclusiveMinimum": 0, "maximum": 10},
            "price": {"type": "number", "multipleOf": 0.5, "minimum": 1}}});
    let got = covered(schema.clone());
    assert!(got.len() > 10, "{got:?}");
    let v = jsonschema::validator_for(&schema).unwrap();
    assert!(got.iter().all(|x| v.is_valid(x)));
}

#[test]
fn random_values_are_seeded() {
    let s = json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}});
    let a: Vec<Value> = (0..20)
        .scan(Rng::new(5), |r, _| Some(random(&s, r)))
        .collect();
    let b: Vec<Value> = (0..20)
        .scan(Rng::new(5), |r, _| Some(random(&s, r)))
        .collect();
    assert_eq!(a, b);
}

#[test]
fn random_values_mostly_fit_their_schema() {
    let s = json!({"type": "object", "required": ["n", "code"], "properties": {
        "n": {"type": "integer", "minimum": 5, "maximum": 9},
        "code": {"type": "string", "pattern": "^[A-Z]{2}-[0-9]{3}$"},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 4}, "maxItems": 3}}});
    let mut rng = Rng::new(2);
    let mut c = Checker::default();
    let vs: Vec<Value> = (0..100).map(|_| random(&s, &mut rng)).collect();
    let kept = c.keep_valid(&s, vs);
    assert!(kept.len() >= 95, "{} kept", kept.len());
}

fn breaks(schema: Value, why_contains: &str) {
    let mut c = Checker::default();
    let found = negatives(&schema)
        .into_iter()
        .filter(|(v, _)| c.valid(&schema, v) == Some(false))
        .any(|(_, why)| why.contains(why_contains));
    assert!(
        found,
        "no invalid negative `{why_contains}` for {schema}: {:?}",
        negatives(&schema)
    );
}

macro_rules! negative_rows {
    ($($name:ident: $schema:tt => $why:expr,)*) => {
        $( #[test] fn $name() { breaks(json!($schema), $why); } )*
    };
}

negative_rows! {
    wrong_type: {"type": "integer"} => "a string where integer is expected",
    below_the_minimum: {"type": "integer", "minimum": 1} => "below the minimum",
    above_the_maximum: {"type": "integer", "maximum": 50} => "above the maximum",
    at_an_exclusive_minimum: {"type": "number", "exclusiveMinimum": 1} => "at the exclusive minimum",
    too_short: {"type": "string", "minLength": 3} => "shorter than minLength",
    too_long: {"type": "string", "maxLength": 3} => "longer than maxLength",
    breaking_the_pattern: {"type": "string", "pattern": "^[0-9]{5}$"} => "breaking the pattern",
    outside_the_enum: {"type": "string", "enum": ["a"]} => "outside the enum",
    missing_required: {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}} => "without the required property `name`",
    an_extra_property: {"type": "object", "additionalProperties": false, "properties": {"a": {"type": "string"}}} => "a property the schema forbids",
    a_nested_wrong_type: {"type": "object", "properties": {"n": {"type": "integer"}}} => "`n` a string",
    too_many_items: {"type": "array", "items": {"type": "integer"}, "maxItems": 2} => "more than maxItems",
}

#[test]
fn a_string_param_has_no_wrong_type_negative_once_read_back() {
    // `12345` sent as text is a valid string: read back, it is not a negative.
    let s = json!({"type": "string"});
    assert_eq!(param_value("12345", &s), json!("12345"));
    assert_eq!(
        param_value("12345", &json!({"type": "integer"})),
        json!(12345)
    );
    assert_eq!(
        param_value("true", &json!({"type": "boolean"})),
        json!(true)
    );
}
