//! Values that break a schema on purpose, each with what it breaks: a wrong type, a
//! value out of range, too long or too short, breaking the pattern or the format, outside
//! the enum, a required property missing, an extra property where none is allowed.
//! Candidates: the caller keeps only those its `Checker` finds invalid.

use super::{int, int_bounds, num, simplest, types};
use serde_json::{Map, Value};

/// Negative candidates for `s`, each with the way it breaks the schema.
pub(crate) fn negatives(s: &Value) -> Vec<(Value, String)> {
    negatives_at(s, 0)
}

fn negatives_at(s: &Value, depth: usize) -> Vec<(Value, String)> {
    let mut out: Vec<(Value, String)> = Vec::new();
    let ts = types(s);
    if depth > 4 {
        return out;
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array) {
        out.push((
            Value::from("not-in-the-enum"),
            "a value outside the enum".into(),
        ));
        if e.iter().all(Value::is_number) {
            out.push((Value::from(987654321), "a value outside the enum".into()));
        }
    }
    if ts.contains(&"integer") || ts.contains(&"number") {
        let (lo, hi) = int_bounds(s);
        if ts.contains(&"integer") {
            if let Some(lo) = lo {
                out.push((int(lo - 1), format!("below the minimum {lo}")));
            }
            if let Some(hi) = hi {
                out.push((int(hi + 1), format!("above the maximum {hi}")));
            }
        } else {
            for (k, d, what) in [
                ("minimum", -0.5, "below the minimum"),
                ("exclusiveMinimum", 0.0, "at the exclusive minimum"),
                ("maximum", 0.5, "above the maximum"),
                ("exclusiveMaximum", 0.0, "at the exclusive maximum"),
            ] {
                if let Some(b) = num(s, k).and_then(|b| serde_json::Number::from_f64(b + d)) {
                    out.push((Value::Number(b), what.into()));
                }
            }
        }
        if let Some(m) = num(s, "multipleOf") {
            out.push((
                serde_json::json!(m * 1.5 + 0.1),
                "not a multiple of multipleOf".into(),
            ));
        }
    }
    if ts.contains(&"string") {
        if let Some(min) = s
            .get("minLength")
            .and_then(Value::as_u64)
            .filter(|m| *m > 0)
        {
            out.push((
                Value::String("a".repeat(min as usize - 1)),
                format!("shorter than minLength {min}"),
            ));
        }
        if let Some(max) = s
            .get("maxLength")
            .and_then(Value::as_u64)
            .filter(|m| *m < 100_000)
        {
            out.push((
                Value::String("a".repeat(max as usize + 1)),
                format!("longer than maxLength {max}"),
            ));
        }
        if s.get("pattern").is_some() {
            for c in ["", "!", "~ ~", "\u{e9}\u{e9}", "0"] {
                out.push((Value::from(c), "breaking the pattern".into()));
            }
        }
        if let Some(f) = s.get("format").and_then(Value::as_str) {
            out.push((
                Value::from(format!("not-a-{f}")),
                format!("not a valid {f}"),
            ));
        }
    }
    // A wrong type.
    if !ts.is_empty() {
        let wrong: Vec<(Value, &str)> = vec![
            (Value::from("not-a-number"), "string"),
            (Value::from(12345), "integer"),
            (Value::from(1.5), "number"),
            (Value::Array(vec![]), "array"),
            (Value::Object(Map::new()), "object"),
            (Value::Null, "null"),
            (Value::Bool(false), "boolean"),
        ];
        for (v, t) in wrong {
            let admitted = ts.contains(&t) || (t == "integer" && ts.contains(&"number"));
            if !admitted {
                let article = if t.starts_with(['a', 'i', 'o']) {
                    "an"
                } else {
                    "a"
                };
                out.push((
                    v,
                    format!("{article} {t} where {} is expected", ts.join(" or ")),
                ));
            }
        }
    }
    if ts.contains(&"array") {
        let item = s.get("items").map(simplest).unwrap_or(Value::Null);
        if let Some(min) = s.get("minItems").and_then(Value::as_u64).filter(|m| *m > 0) {
            out.push((
                Value::Array(vec![item.clone(); min as usize - 1]),
                format!("fewer than minItems {min}"),
            ));
        }
        if let Some(max) = s
            .get("maxItems")
            .and_then(Value::as_u64)
            .filter(|m| *m < 1000)
        {
            out.push((
                Value::Array(vec![item.clone(); max as usize + 1]),
                format!("more than maxItems {max}"),
            ));
        }
        if let Some(items) = s.get("items") {
            let base = simplest(s);
            for (bad, why) in negatives_at(items, depth + 1).into_iter().take(4) {
                let mut a = base.as_array().cloned().unwrap_or_default();
                if a.is_empty() {
                    a.push(bad);
                } else {
                    a[0] = bad;
                }
                out.push((Value::Array(a), format!("an item that is {why}")));
            }
        }
    }
    if ts.contains(&"object") {
        let base = simplest(s);
        let props = s.get("properties").and_then(Value::as_object);
        if let Value::Object(b) = &base {
            for r in s
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(r) = r.as_str() {
                    let mut o = b.clone();
                    o.remove(r);
                    out.push((
                        Value::Object(o),
                        format!("without the required property `{r}`"),
                    ));
                }
            }
            if s.get("additionalProperties") == Some(&Value::Bool(false)) {
                let mut o = b.clone();
                o.insert("harden_extra".into(), Value::from(1));
                out.push((
                    Value::Object(o),
                    "with a property the schema forbids".into(),
                ));
            }
            for (k, ps) in props.into_iter().flatten() {
                for (bad, why) in negatives_at(ps, depth + 1).into_iter().take(12) {
                    let mut o = b.clone();
                    o.insert(k.clone(), bad);
                    out.push((Value::Object(o), format!("`{k}` {why}")));
                }
            }
        }
    }
    out
}
