//! The one `$ref` resolver of the document (local JSON pointers, `~0`/`~1` escapes, cycles
//! detected), schema inlining with a bound on the `$ref`s followed, and the normalisation
//! of OpenAPI 3.0 schema dialect to JSON Schema for validation.

use serde_json::{Map, Value};

/// How many `$ref`s in a row are followed before a chain is called a cycle.
const MAX_CHAIN: usize = 32;

/// The value at a local reference (`#/components/schemas/Pet`), or `None`.
pub(crate) fn pointer<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    let path = reference.strip_prefix('#')?;
    if path.is_empty() {
        return Some(doc);
    }
    let mut at = doc;
    for raw in path.strip_prefix('/')?.split('/') {
        let token = percent_decode(raw).replace("~1", "/").replace("~0", "~");
        at = match at {
            Value::Object(m) => m.get(&token)?,
            Value::Array(a) => a.get(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(at)
}

/// `%7B` and friends in a pointer taken from a URI fragment.
fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..(i + 3).min(s.len())], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Follows `v`'s `$ref` chain to a value that is not a reference; `Err` names the
/// reference that points nowhere or the one that closes a cycle.
pub(crate) fn follow<'a>(doc: &'a Value, v: &'a Value) -> Result<&'a Value, String> {
    let mut at = v;
    let mut seen: Vec<&str> = Vec::new();
    while let Some(r) = at.get("$ref").and_then(Value::as_str) {
        if seen.contains(&r) || seen.len() >= MAX_CHAIN {
            return Err(format!("`$ref: {r}` is a cycle of references"));
        }
        seen.push(r);
        at = pointer(doc, r).ok_or_else(|| {
            format!("`$ref: {r}` points nowhere in the document (only local `#/...` references are followed)")
        })?;
    }
    Ok(at)
}

/// Follows `v`'s `$ref` chain, or gives `v` itself when it cannot be followed.
pub(crate) fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    follow(doc, v).unwrap_or(v)
}

/// `schema` with every `$ref` replaced by what it points at. Only the `$ref`s followed
/// count towards `max_ref_depth` (not the levels of JSON); past it, or on a cycle, the
/// reference becomes `{}` (any value), which only ever stands where a schema does.
pub(crate) fn inline(doc: &Value, schema: &Value, max_ref_depth: usize) -> Value {
    let mut stack = Vec::new();
    inline_at(doc, schema, max_ref_depth, &mut stack)
}

fn inline_at(doc: &Value, v: &Value, max: usize, stack: &mut Vec<String>) -> Value {
    match v {
        Value::Object(m) => {
            if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                let cycle = stack.iter().filter(|s| *s == r).count() >= 1;
                if stack.len() >= max || cycle {
                    return Value::Object(Map::new());
                }
                let Some(target) = pointer(doc, r) else {
                    return Value::Object(Map::new());
                };
                stack.push(r.to_string());
                let mut out = inline_at(doc, target, max, stack);
                stack.pop();
                // Siblings of `$ref` (3.1 allows them) apply too.
                if let Value::Object(o) = &mut out {
                    for (k, sv) in m {
                        if k != "$ref" {
                            o.insert(k.clone(), inline_at(doc, sv, max, stack));
                        }
                    }
                }
                return out;
            }
            Value::Object(
                m.iter()
                    .map(|(k, sv)| (k.clone(), inline_at(doc, sv, max, stack)))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| inline_at(doc, x, max, stack)).collect()),
        other => other.clone(),
    }
}

/// Rewrites OpenAPI 3.0's schema dialect as JSON Schema, in place: `nullable: true` admits
/// `null`; boolean `exclusiveMinimum`/`exclusiveMaximum` become the numeric form. 3.1's
/// type arrays and numeric exclusive bounds are kept as they are.
pub(crate) fn normalise(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (flag, bound) in [
                ("exclusiveMinimum", "minimum"),
                ("exclusiveMaximum", "maximum"),
            ] {
                match m.get(flag) {
                    Some(Value::Bool(true)) => {
                        if let Some(b) = m.remove(bound) {
                            m.insert(flag.into(), b);
                        } else {
                            m.remove(flag);
                        }
                    }
                    Some(Value::Bool(false)) => {
                        m.remove(flag);
                    }
                    _ => {}
                }
            }
            if m.get("nullable") == Some(&Value::Bool(true)) {
                m.remove("nullable");
                match m.get("type").cloned() {
                    Some(Value::String(t)) => {
                        m.insert("type".into(), serde_json::json!([t, "null"]));
                    }
                    Some(Value::Array(mut ts)) => {
                        if !ts.contains(&Value::from("null")) {
                            ts.push(Value::from("null"));
                        }
                        m.insert("type".into(), Value::Array(ts));
                    }
                    _ => {}
                }
                if let Some(Value::Array(e)) = m.get_mut("enum")
                    && !e.contains(&Value::Null)
                {
                    e.push(Value::Null);
                }
                if !m.contains_key("type") && !m.is_empty() {
                    let inner = std::mem::take(m);
                    m.insert(
                        "anyOf".into(),
                        serde_json::json!([Value::Object(inner), {"type": "null"}]),
                    );
                }
            }
            m.values_mut().for_each(normalise);
        }
        Value::Array(a) => a.iter_mut().for_each(normalise),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({"components": {"schemas": {
            "Node": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Node"},
                "n": {"type": "integer"}}, "required": ["n"]},
            "a/b": {"type": "string"},
            "t~x": {"type": "boolean"},
            "Loop": {"$ref": "#/components/schemas/Loop"},
            "Id": {"$ref": "#/components/schemas/Int"},
            "Int": {"type": "integer", "minimum": 1}
        }}})
    }

    #[test]
    fn pointers_unescape_slash_and_tilde() {
        let d = doc();
        assert_eq!(
            pointer(&d, "#/components/schemas/a~1b"),
            Some(&json!({"type": "string"}))
        );
        assert_eq!(
            pointer(&d, "#/components/schemas/t~0x"),
            Some(&json!({"type": "boolean"}))
        );
        assert_eq!(pointer(&d, "#/components/schemas/missing"), None);
        assert_eq!(pointer(&d, "other.json#/x"), None);
    }

    #[test]
    fn a_chain_of_refs_is_followed() {
        let d = doc();
        let r = json!({"$ref": "#/components/schemas/Id"});
        assert_eq!(follow(&d, &r).unwrap()["minimum"], json!(1));
    }

    #[test]
    fn a_cycle_of_refs_is_an_error_not_a_hang() {
        let d = doc();
        let r = json!({"$ref": "#/components/schemas/Loop"});
        assert!(follow(&d, &r).unwrap_err().contains("cycle"));
    }

    #[test]
    fn inlining_counts_only_refs_and_cuts_a_cycle_with_any() {
        let d = doc();
        let s = inline(&d, &json!({"$ref": "#/components/schemas/Node"}), 8);
        // Deeply nested JSON levels do not count: `n` stays an integer schema.
        assert_eq!(s["properties"]["n"], json!({"type": "integer"}));
        assert_eq!(s["required"], json!(["n"]));
        // The recursive reference is cut at its second appearance.
        assert_eq!(s["properties"]["next"], json!({}));
    }

    #[test]
    fn inlining_stops_at_the_depth_bound() {
        let d = doc();
        let s = inline(&d, &json!({"$ref": "#/components/schemas/Id"}), 1);
        assert_eq!(s, json!({}));
        let s = inline(&d, &json!({"$ref": "#/components/schemas/Id"}), 2);
        assert_eq!(s, json!({"type": "integer", "minimum": 1}));
    }

    #[test]
    fn nullable_admits_null() {
        let mut s = json!({"type": "string", "nullable": true});
        normalise(&mut s);
        assert_eq!(s, json!({"type": ["string", "null"]}));
    }

    #[test]
    fn nullable_enum_admits_null() {
        let mut s = json!({"type": "string", "enum": ["a"], "nullable": true});
        normalise(&mut s);
        assert_eq!(s["enum"], json!(["a", null]));
    }

    #[test]
    fn nullable_without_a_type_becomes_any_of() {
        let mut s = json!({"allOf": [{"type": "integer"}], "nullable": true});
        normalise(&mut s);
        assert_eq!(
            s,
            json!({"anyOf": [{"allOf": [{"type": "integer"}]}, {"type": "null"}]})
        );
    }

    #[test]
    fn boolean_exclusive_bounds_become_numeric() {
        let mut s = json!({"type": "number", "minimum": 10, "exclusiveMinimum": true,
            "maximum": 20, "exclusiveMaximum": false});
        normalise(&mut s);
        assert_eq!(
            s,
            json!({"type": "number", "exclusiveMinimum": 10, "maximum": 20})
        );
    }

    #[test]
    fn openapi_31_forms_are_kept() {
        let mut s = json!({"type": ["integer", "null"], "exclusiveMinimum": 3});
        let before = s.clone();
        normalise(&mut s);
        assert_eq!(s, before);
    }
}
