//! Values for what `init` writes: a document's examples first, else a valid value built
//! from the (inlined, normalised) schema.

use crate::openapi::generate::{merge_all_of, simplest, types};
use serde_json::{Map, Value};

/// An example the schema gives (`example`, `examples[0]`, `default`, `const`, `enum[0]`).
pub(super) fn example(s: &Value) -> Option<Value> {
    s.get("example")
        .or_else(|| {
            s.get("examples")
                .and_then(Value::as_array)
                .and_then(|e| e.first())
        })
        .or_else(|| s.get("default"))
        .or_else(|| s.get("const"))
        .or_else(|| {
            s.get("enum")
                .and_then(Value::as_array)
                .and_then(|e| e.first())
        })
        .cloned()
}

/// A valid value of `s`: its example, else a typical one (`harden`, 1), else the simplest.
pub(super) fn sample(s: &Value) -> Value {
    sample_at(s, 0)
}

fn sample_at(s: &Value, depth: usize) -> Value {
    if let Some(e) = example(s) {
        return e;
    }
    if depth > 16 {
        return simplest(s);
    }
    if s.get("allOf").is_some() {
        return sample_at(&merge_all_of(s), depth + 1);
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(alts) = s.get(key).and_then(Value::as_array) {
            let branch = alts
                .iter()
                .find(|a| types(a) != ["null"])
                .or_else(|| alts.first());
            if let Some(b) = branch {
                return sample_at(b, depth + 1);
            }
        }
    }
    let ts = types(s);
    let first = ts.iter().copied().find(|t| *t != "null");
    match first {
        Some("object") => {
            let mut o = Map::new();
            let required = s.get("required").and_then(Value::as_array);
            for name in required.into_iter().flatten().filter_map(Value::as_str) {
                let p = s
                    .get("properties")
                    .and_then(|ps| ps.get(name))
                    .cloned()
                    .unwrap_or(Value::Null);
                o.insert(name.to_string(), sample_at(&p, depth + 1));
            }
            Value::Object(o)
        }
        Some("array") => {
            let min = s.get("minItems").and_then(Value::as_u64).unwrap_or(0);
            let items = s.get("items").cloned().unwrap_or(Value::Null);
            Value::Array(
                (0..min.min(4))
                    .map(|_| sample_at(&items, depth + 1))
                    .collect(),
            )
        }
        Some("string") if plain_string(s) => Value::from("harden"),
        Some("integer") if fits(s, 1.0) => Value::from(1),
        Some("number") if fits(s, 1.0) => Value::from(1),
        Some(_) => simplest(s),
        None => Value::from("harden"),
    }
}

/// A string schema `harden` fits: no pattern, format or enum, and a length that allows it.
fn plain_string(s: &Value) -> bool {
    ["pattern", "format", "enum", "const"]
        .iter()
        .all(|k| s.get(k).is_none())
        && s.get("minLength").and_then(Value::as_u64).unwrap_or(0) <= 6
        && s.get("maxLength").and_then(Value::as_u64).unwrap_or(6) >= 6
}

fn fits(s: &Value, x: f64) -> bool {
    let num = |k: &str| s.get(k).and_then(Value::as_f64);
    num("minimum").is_none_or(|m| x >= m)
        && num("maximum").is_none_or(|m| x <= m)
        && num("exclusiveMinimum").is_none_or(|m| x > m)
        && num("exclusiveMaximum").is_none_or(|m| x < m)
        && num("multipleOf").is_none_or(|m| m > 0.0 && (x / m).fract() == 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn examples_come_first_then_typical_values() {
        assert_eq!(
            sample(&json!({"type": "string", "examples": ["acme"]})),
            json!("acme")
        );
        assert_eq!(sample(&json!({"type": "string"})), json!("harden"));
        assert_eq!(sample(&json!({"type": "integer", "minimum": 5})), json!(5));
        assert_eq!(
            sample(
                &json!({"type": "object", "required": ["a", "b"], "properties": {
                "a": {"anyOf": [{"type": "null"}, {"type": "integer"}]},
                "b": {"type": "array", "minItems": 1, "items": {"type": "boolean"}},
                "c": {"type": "string"}}})
            ),
            json!({"a": 1, "b": [false]})
        );
    }
}
