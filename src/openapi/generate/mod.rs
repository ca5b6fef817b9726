//! Values for a JSON Schema (already inlined and normalised, `document.rs`): coverage
//! values (a boundary from every constraint), random values from the seeded PRNG, and
//! negative values that break the schema on purpose. Candidates are checked against the
//! schema by `Checker` before use; one that is not what it claims is dropped.

pub(crate) mod format;
pub(crate) mod negative;
pub(crate) mod pattern;
pub(crate) mod rng;

pub(crate) use negative::negatives;
pub(crate) use rng::Rng;

use serde_json::{Map, Value};
use std::collections::HashMap;

/// How deep nested schemas are generated before a value is cut short.
const MAX_DEPTH: usize = 6;
/// The most coverage values one schema contributes.
const MAX_COVERAGE: usize = 48;

/// A number as JSON, however large.
pub(crate) fn int(i: i128) -> Value {
    serde_json::from_str(&i.to_string()).unwrap_or(Value::Null)
}

fn float(f: f64) -> Value {
    serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
}

fn num(s: &Value, key: &str) -> Option<f64> {
    s.get(key).and_then(Value::as_f64)
}

fn count(s: &Value, key: &str) -> Option<usize> {
    s.get(key)
        .and_then(Value::as_u64)
        .map(|n| n.min(1 << 20) as usize)
}

/// The types a schema admits; empty for any.
pub(crate) fn types(s: &Value) -> Vec<&str> {
    match s.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ if s.get("properties").is_some() || s.get("required").is_some() => vec!["object"],
        _ if s.get("items").is_some() => vec!["array"],
        _ if s.get("pattern").is_some() || s.get("minLength").is_some() => vec!["string"],
        _ if s.get("minimum").is_some() || s.get("maximum").is_some() => vec!["number"],
        _ => Vec::new(),
    }
}

/// `allOf`'s parts merged into one schema (with the schema's own keys).
pub(crate) fn merge_all_of(s: &Value) -> Value {
    let mut out = s.as_object().cloned().unwrap_or_default();
    let parts = out.remove("allOf");
    for part in parts
        .iter()
        .flat_map(|p| p.as_array().into_iter().flatten())
    {
        let part = merge_all_of(part);
        let Value::Object(p) = part else { continue };
        for (k, v) in p {
            match (k.as_str(), out.get_mut(&k)) {
                ("properties", Some(Value::Object(mine))) => {
                    if let Value::Object(theirs) = v {
                        for (name, ps) in theirs {
                            match mine.remove(&name) {
                                Some(existing) => {
                                    mine.insert(name, serde_json::json!({"allOf": [existing, ps]}))
                                }
                                None => mine.insert(name, ps),
                            };
                        }
                    }
                }
                ("required", Some(Value::Array(mine))) => {
                    for r in v.as_array().into_iter().flatten() {
                        if !mine.contains(r) {
                            mine.push(r.clone());
                        }
                    }
                }
                ("minimum" | "minLength" | "minItems" | "exclusiveMinimum", Some(mine)) => {
                    if v.as_f64() > mine.as_f64() {
                        *mine = v;
                    }
                }
                ("maximum" | "maxLength" | "maxItems" | "exclusiveMaximum", Some(mine)) => {
                    if v.as_f64() < mine.as_f64() {
                        *mine = v;
                    }
                }
                (_, Some(_)) => {}
                (_, None) => {
                    out.insert(k, v);
                }
            }
        }
    }
    Value::Object(out)
}

/// `s` with its `anyOf`/`oneOf` replaced by one branch (the branch's keys over the rest).
fn with_branch(s: &Value, key: &str, branch: &Value) -> Value {
    let mut out = s.as_object().cloned().unwrap_or_default();
    out.remove(key);
    if let Value::Object(b) = branch {
        for (k, v) in b {
            out.insert(k.clone(), v.clone());
        }
    }
    Value::Object(out)
}

fn branches(s: &Value) -> Option<(&'static str, &Vec<Value>)> {
    ["anyOf", "oneOf"]
        .into_iter()
        .find_map(|k| s.get(k).and_then(Value::as_array).map(|a| (k, a)))
        .filter(|(_, a)| !a.is_empty())
}

/// The integer bounds of a schema, inclusive.
pub(crate) fn int_bounds(s: &Value) -> (Option<i128>, Option<i128>) {
    let (flo, fhi) = format::integer_bounds(s.get("format").and_then(Value::as_str));
    let lo = match (num(s, "minimum"), num(s, "exclusiveMinimum")) {
        (Some(m), Some(e)) => Some((m.ceil() as i128).max(e.floor() as i128 + 1)),
        (Some(m), None) => Some(m.ceil() as i128),
        (None, Some(e)) => Some(e.floor() as i128 + 1),
        (None, None) => flo,
    };
    let hi = match (num(s, "maximum"), num(s, "exclusiveMaximum")) {
        (Some(m), Some(e)) => Some((m.floor() as i128).min(e.ceil() as i128 - 1)),
        (Some(m), None) => Some(m.floor() as i128),
        (None, Some(e)) => Some(e.ceil() as i128 - 1),
        (None, None) => fhi,
    };
    (lo, hi)
}

/// `n` moved to a multiple of `m` (up, or down when `down`).
fn to_multiple(n: i128, m: i128, down: bool) -> i128 {
    if m <= 0 {
        return n;
    }
    let r = n.rem_euclid(m);
    if r == 0 {
        n
    } else if down {
        n - r
    } else {
        n - r + m
    }
}

/// Text of `len` chars from `seed` repeated.
fn sized(seed: &str, min: usize, max: Option<usize>) -> String {
    let mut s: String = seed.to_string();
    let filler: Vec<char> = if seed.is_empty() {
        vec!['a']
    } else {
        seed.chars().collect()
    };
    let mut i = 0;
    while s.chars().count() < min {
        s.push(filler[i % filler.len()]);
        i += 1;
    }
    match max {
        Some(max) => s.chars().take(max).collect(),
        None => s,
    }
}

/// Coverage values for `s`: boundaries of every constraint, each enum value, each branch,
/// objects with all optional properties and with none. Not yet checked.
pub(crate) fn coverage(s: &Value, rng: &mut Rng) -> Vec<Value> {
    let mut out = coverage_at(s, rng, 0);
    let mut seen = Vec::new();
    out.retain(|v| {
        let key = v.to_string();
        if seen.contains(&key) {
            false
        } else {
            seen.push(key);
            true
        }
    });
    out.truncate(MAX_COVERAGE);
    out
}

fn coverage_at(s: &Value, rng: &mut Rng, depth: usize) -> Vec<Value> {
    if let Some(c) = s.get("const") {
        return vec![c.clone()];
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array) {
        return e.clone();
    }
    if s.get("allOf").is_some() {
        return coverage_at(&merge_all_of(s), rng, depth);
    }
    if let Some((key, alts)) = branches(s) {
        let mut out = Vec::new();
        for b in alts {
            out.extend(
                coverage_at(&with_branch(s, key, b), rng, depth + 1)
                    .into_iter()
                    .take(8),
            );
        }
        return out;
    }
    if depth > MAX_DEPTH {
        return vec![simplest(s)];
    }
    let ts = types(s);
    if ts.is_empty() {
        return vec![Value::from("harden"), Value::from(0)];
    }
    let mut out = Vec::new();
    for t in ts {
        match t {
            "null" => out.push(Value::Null),
            "boolean" => out.extend([Value::Bool(true), Value::Bool(false)]),
            "integer" => out.extend(integers(s)),
            "number" => out.extend(numbers(s)),
            "string" => out.extend(strings(s, rng)),
            "array" => out.extend(arrays(s, rng, depth)),
            "object" => out.extend(objects(s, rng, depth)),
            _ => {}
        }
    }
    out
}

fn integers(s: &Value) -> Vec<Value> {
    let (lo, hi) = int_bounds(s);
    let m = num(s, "multipleOf")
        .filter(|m| m.fract() == 0.0 && *m >= 1.0)
        .map(|m| m as i128);
    let mut c: Vec<i128> = vec![1, 0, -1, 2];
    for b in [lo, hi].into_iter().flatten() {
        c.extend([b, b + 1, b - 1]);
    }
    c.extend([
        1 << 31,
        (1 << 31) - 1,
        -(1 << 31) - 1,
        (1 << 53) + 1,
        -(1 << 53) - 1,
        i64::MAX as i128,
    ]);
    let mut out = Vec::new();
    for n in c {
        let n = match m {
            Some(m) => to_multiple(n, m, hi.is_some_and(|h| n >= h)),
            None => n,
        };
        if lo.is_none_or(|l| n >= l) && hi.is_none_or(|h| n <= h) {
            out.push(int(n));
        }
    }
    out
}

fn numbers(s: &Value) -> Vec<Value> {
    let lo = num(s, "minimum");
    let hi = num(s, "maximum");
    let xlo = num(s, "exclusiveMinimum");
    let xhi = num(s, "exclusiveMaximum");
    let mut c: Vec<f64> = vec![0.0, 0.5, -1.5, 1.0, 1e10, -1e10, 9007199254740993.0];
    c.extend(lo);
    c.extend(hi);
    // Just inside an exclusive bound, and a fraction past an inclusive one.
    c.extend(xlo.map(|x| x + 0.001));
    c.extend(xlo.map(|x| x + 1.0));
    c.extend(xhi.map(|x| x - 0.001));
    c.extend(lo.map(|x| x + 0.25));
    c.extend(hi.map(|x| x - 0.25));
    if let Some(m) = num(s, "multipleOf").filter(|m| *m > 0.0) {
        let low = lo.or(xlo).unwrap_or(0.0);
        let high = hi.or(xhi).unwrap_or(low + 100.0 * m);
        c = vec![
            (low / m).ceil() * m,
            (high / m).floor() * m,
            m,
            0.0,
            ((low / m).ceil() + 1.0) * m,
        ];
    }
    c.into_iter()
        .filter(|n| lo.is_none_or(|l| *n >= l) && hi.is_none_or(|h| *n <= h))
        .filter(|n| xlo.is_none_or(|l| *n > l) && xhi.is_none_or(|h| *n < h))
        .map(float)
        .collect()
}

fn strings(s: &Value, rng: &mut Rng) -> Vec<Value> {
    let min = count(s, "minLength").unwrap_or(0);
    let max = count(s, "maxLength");
    if let Some(p) = s.get("pattern").and_then(Value::as_str) {
        let mut out: Vec<Value> = Vec::new();
        out.extend(pattern::string_for(p, rng, true).map(Value::String));
        for _ in 0..4 {
            out.extend(pattern::string_for(p, rng, false).map(Value::String));
        }
        return out;
    }
    if let Some(f) = s.get("format").and_then(Value::as_str)
        && let Some(v) = format::examples(f, rng)
    {
        return v.into_iter().map(Value::String).collect();
    }
    // A typical value first (the base case's), then the edges.
    let mut out = vec![
        sized("harden", min, max),
        sized("", min, max),
        sized("é✓😀", min, max),
        sized("0", min, max),
        sized(" ", min, max),
    ];
    if min > 0 {
        out.push(sized("a", min, Some(min)));
    }
    if let Some(max) = max.filter(|m| *m <= 10_000) {
        out.push(sized("z", max, Some(max)));
    } else {
        out.push(sized("long", 300, None));
    }
    out.into_iter().map(Value::String).collect()
}

fn arrays(s: &Value, rng: &mut Rng, depth: usize) -> Vec<Value> {
    let empty = Value::Object(Map::new());
    let items = s.get("items").unwrap_or(&empty);
    let iv = coverage_at(items, rng, depth + 1);
    let first = iv.first().cloned().unwrap_or(Value::Null);
    let min = count(s, "minItems").unwrap_or(0);
    let max = count(s, "maxItems").unwrap_or(min + 3).min(min.max(8));
    let cycled = |n: usize| -> Value {
        Value::Array(
            (0..n)
                .map(|i| iv.get(i % iv.len().max(1)).cloned().unwrap_or(Value::Null))
                .collect(),
        )
    };
    let mut out = vec![
        Value::Array(vec![first; min]),
        cycled(max),
        cycled(min.max(1)),
    ];
    for v in iv.iter().take(6) {
        let mut a = vec![v.clone()];
        while a.len() < min {
            a.push(v.clone());
        }
        out.push(Value::Array(a));
    }
    out
}

fn objects(s: &Value, rng: &mut Rng, depth: usize) -> Vec<Value> {
    let props = s
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let required: Vec<String> = s
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let values: Vec<(String, Vec<Value>)> = props
        .iter()
        .map(|(k, ps)| (k.clone(), coverage_at(ps, rng, depth + 1)))
        .collect();
    let first = |k: &str| {
        values
            .iter()
            .find(|(n, _)| n == k)
            .and_then(|(_, v)| v.first().cloned())
            .unwrap_or(Value::Null)
    };
    let mut only_required = Map::new();
    for r in &required {
        only_required.insert(r.clone(), first(r));
    }
    let mut all = only_required.clone();
    for (k, _) in &values {
        all.insert(k.clone(), first(k));
    }
    let mut out = vec![
        Value::Object(only_required.clone()),
        Value::Object(all.clone()),
    ];
    // Each optional property alone.
    for (k, _) in values.iter().filter(|(k, _)| !required.contains(k)) {
        let mut o = only_required.clone();
        o.insert(k.clone(), first(k));
        out.push(Value::Object(o));
    }
    // Every coverage value of each property, the others at their first.
    for (k, vs) in &values {
        for v in vs.iter().skip(1) {
            let mut o = all.clone();
            o.insert(k.clone(), v.clone());
            out.push(Value::Object(o));
        }
    }
    if props.is_empty()
        && let Some(ap @ Value::Object(_)) = s.get("additionalProperties")
    {
        let v = coverage_at(ap, rng, depth + 1)
            .into_iter()
            .next()
            .unwrap_or(Value::Null);
        out.push(serde_json::json!({ "key": v }));
    }
    out
}

/// The simplest value of a schema (what shrinking moves towards).
pub(crate) fn simplest(s: &Value) -> Value {
    if let Some(c) = s.get("const") {
        return c.clone();
    }
    if let Some(e) = s
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return e.clone();
    }
    if s.get("allOf").is_some() {
        return simplest(&merge_all_of(s));
    }
    if let Some((key, alts)) = branches(s) {
        return simplest(&with_branch(s, key, &alts[0]));
    }
    match types(s).first().copied() {
        Some("null") => Value::Null,
        Some("boolean") => Value::Bool(false),
        Some("integer") => {
            let (lo, hi) = int_bounds(s);
            int(lo
                .unwrap_or(0)
                .max(0)
                .min(hi.unwrap_or(i128::MAX))
                .max(lo.unwrap_or(i128::MIN)))
        }
        Some("number") => numbers(s).into_iter().next().unwrap_or(float(0.0)),
        Some("string") => match s.get("pattern").and_then(Value::as_str) {
            Some(p) => {
                Value::String(pattern::string_for(p, &mut Rng::new(0), true).unwrap_or_default())
            }
            None => match s
                .get("format")
                .and_then(Value::as_str)
                .and_then(|f| format::examples(f, &mut Rng::new(0)))
            {
                Some(v) => Value::String(v[0].clone()),
                None => Value::String(sized("", count(s, "minLength").unwrap_or(0), None)),
            },
        },
        Some("array") => Value::Array(
            (0..count(s, "minItems").unwrap_or(0).min(16))
                .map(|_| simplest(s.get("items").unwrap_or(&Value::Null)))
                .collect(),
        ),
        Some("object") => {
            let mut o = Map::new();
            for r in s
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(r) = r.as_str() {
                    let ps = s.pointer(&format!(
                        "/properties/{}",
                        r.replace('~', "~0").replace('/', "~1")
                    ));
                    o.insert(r.to_string(), ps.map(simplest).unwrap_or(Value::Null));
                }
            }
            Value::Object(o)
        }
        _ => Value::from("harden"),
    }
}

/// A random value for `s`, biased towards boundaries. Not yet checked.
pub(crate) fn random(s: &Value, rng: &mut Rng) -> Value {
    random_at(s, rng, 0)
}

fn random_at(s: &Value, rng: &mut Rng, depth: usize) -> Value {
    if let Some(c) = s.get("const") {
        return c.clone();
    }
    if let Some(e) = s
        .get("enum")
        .and_then(Value::as_array)
        .filter(|e| !e.is_empty())
    {
        return rng.pick(e).cloned().unwrap_or(Value::Null);
    }
    if s.get("allOf").is_some() {
        return random_at(&merge_all_of(s), rng, depth);
    }
    if let Some((key, alts)) = branches(s) {
        let b = rng.pick(alts).cloned().unwrap_or(Value::Null);
        return random_at(&with_branch(s, key, &b), rng, depth + 1);
    }
    if depth > MAX_DEPTH {
        return simplest(s);
    }
    let ts = types(s);
    let t = if ts.len() > 1 && ts.contains(&"null") && !rng.one_in(6) {
        ts.iter().copied().find(|t| *t != "null")
    } else {
        rng.pick(&ts).copied()
    };
    match t {
        Some("null") => Value::Null,
        Some("boolean") => Value::Bool(rng.one_in(2)),
        Some("integer") => {
            if rng.one_in(3) {
                let c = integers(s);
                if let Some(v) = rng.pick(&c) {
                    return v.clone();
                }
            }
            let (lo, hi) = int_bounds(s);
            let spread = if rng.one_in(4) { 1 << 40 } else { 1000 };
            let lo2 = lo.unwrap_or(hi.map_or(-spread, |h| h - spread));
            let hi2 = hi.unwrap_or(lo2 + 2 * spread);
            let n = rng.range(lo2, hi2);
            let m = num(s, "multipleOf").filter(|m| m.fract() == 0.0 && *m >= 1.0);
            int(m.map_or(n, |m| to_multiple(n, m as i128, false)))
        }
        Some("number") => {
            let c = numbers(s);
            if rng.one_in(2)
                && let Some(v) = rng.pick(&c)
            {
                return v.clone();
            }
            let lo = num(s, "minimum")
                .or(num(s, "exclusiveMinimum"))
                .unwrap_or(-1000.0);
            let hi = num(s, "maximum")
                .or(num(s, "exclusiveMaximum"))
                .unwrap_or(lo + 2000.0);
            let v = lo + (hi - lo) * rng.unit();
            match num(s, "multipleOf").filter(|m| *m > 0.0) {
                Some(m) => float((v / m).ceil() * m),
                None => float(v),
            }
        }
        Some("string") => {
            if let Some(p) = s.get("pattern").and_then(Value::as_str) {
                return pattern::string_for(p, rng, false).map_or(Value::Null, Value::String);
            }
            if let Some(f) = s.get("format").and_then(Value::as_str)
                && let Some(v) = format::examples(f, rng)
            {
                return rng.pick(&v).cloned().map_or(Value::Null, Value::String);
            }
            let min = count(s, "minLength").unwrap_or(0);
            let max = count(s, "maxLength").unwrap_or(min + 24).min(min + 64);
            let len = rng.range(min as i128, max as i128) as usize;
            const ASCII: &[u8] =
                b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.";
            const WIDE: [char; 6] = ['é', 'ß', '✓', '日', '😀', 'Ж'];
            let wide = rng.one_in(4);
            Value::String(
                (0..len)
                    .map(|_| {
                        if wide && rng.one_in(2) {
                            WIDE[rng.below(WIDE.len() as u64) as usize]
                        } else {
                            ASCII[rng.below(ASCII.len() as u64) as usize] as char
                        }
                    })
                    .collect(),
            )
        }
        Some("array") => {
            let min = count(s, "minItems").unwrap_or(0);
            let max = count(s, "maxItems").unwrap_or(min + 4).min(min + 6);
            let n = rng.range(min as i128, max as i128) as usize;
            let empty = Value::Object(Map::new());
            let items = s.get("items").unwrap_or(&empty);
            Value::Array((0..n).map(|_| random_at(items, rng, depth + 1)).collect())
        }
        Some("object") => {
            let required: Vec<&str> = s
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut o = Map::new();
            for (k, ps) in s
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                if required.contains(&k.as_str()) || rng.one_in(2) {
                    o.insert(k.clone(), random_at(ps, rng, depth + 1));
                }
            }
            if let Some(ap @ Value::Object(_)) = s.get("additionalProperties") {
                for i in 0..rng.below(3) {
                    o.insert(format!("k{i}"), random_at(ap, rng, depth + 1));
                }
            }
            Value::Object(o)
        }
        _ => Value::from("harden"),
    }
}

/// Checks candidates against their schema (formats included), with compiled schemas
/// kept for the run.
#[derive(Default)]
pub(crate) struct Checker {
    compiled: HashMap<String, Option<jsonschema::Validator>>,
    /// Candidates dropped because they were not what they claimed to be.
    pub dropped: usize,
}

impl Checker {
    /// Whether `v` is valid against `schema`; `None` when the schema does not compile.
    pub(crate) fn valid(&mut self, schema: &Value, v: &Value) -> Option<bool> {
        let key = schema.to_string();
        let validator = self.compiled.entry(key).or_insert_with(|| {
            jsonschema::options()
                .should_validate_formats(true)
                .build(schema)
                .ok()
        });
        validator.as_ref().map(|val| val.is_valid(v))
    }

    /// Keeps the values that are valid (or all when the schema cannot be compiled).
    pub(crate) fn keep_valid(&mut self, schema: &Value, vs: Vec<Value>) -> Vec<Value> {
        let before = vs.len();
        let out: Vec<Value> = vs
            .into_iter()
            .filter(|v| self.valid(schema, v) != Some(false))
            .collect();
        self.dropped += before - out.len();
        out
    }
}

/// A parameter's text read back as the typed value a server would see, for checking.
pub(crate) fn param_value(text: &str, s: &Value) -> Value {
    let ts = types(s);
    if ts.contains(&"integer")
        && let Ok(i) = text.parse::<i128>()
    {
        return int(i);
    }
    if ts.contains(&"number")
        && let Ok(f) = text.parse::<f64>()
        && f.is_finite()
    {
        return serde_json::from_str(text).unwrap_or(float(f));
    }
    if ts.contains(&"boolean") && (text == "true" || text == "false") {
        return Value::Bool(text == "true");
    }
    Value::String(text.to_string())
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
