//! Every string field of the suite format takes `${...}` (issue 18, item 3): walks the
//! JSON Schema `harden schema` prints, writes `${no_such_var_zz}` into each string field
//! of an otherwise small suite, and requires the load to fail with "undefined variable"
//! for that name. A field read literally would load (or fail for another reason): the
//! variable would never be seen. The three names other parts of a run refer to (`suite`,
//! a check's `id`, the entries of `secrets`) are the exception: `${` in them is an error.

use serde_json::{Map, Value, json};
use std::path::Path;

const NAME: &str = "no_such_var_zz";

#[derive(Clone, Debug)]
enum Seg {
    Key(String),
    Item,
    AnyKey,
}

fn show(path: &[Seg]) -> String {
    path.iter()
        .map(|s| match s {
            Seg::Key(k) => format!(".{k}"),
            Seg::Item => "[]".into(),
            Seg::AnyKey => ".*".into(),
        })
        .collect()
}

fn deref<'a>(root: &'a Value, s: &'a Value) -> &'a Value {
    match s.get("$ref").and_then(Value::as_str) {
        Some(r) => deref(
            root,
            &root["$defs"][r.rsplit('/').next().unwrap_or_default()],
        ),
        None => s,
    }
}

/// The alternatives a schema allows (`anyOf`/`oneOf` flattened), dereferenced.
fn variants<'a>(root: &'a Value, s: &'a Value) -> Vec<&'a Value> {
    let s = deref(root, s);
    match s.get("anyOf").or_else(|| s.get("oneOf")) {
        Some(Value::Array(a)) => a.iter().flat_map(|x| variants(root, x)).collect(),
        _ => vec![s],
    }
}

fn types(s: &Value) -> Vec<&str> {
    match s.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    }
}

fn walk(root: &Value, s: &Value, path: Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
    if path.len() > 12 {
        return;
    }
    for v in variants(root, s) {
        if types(v).contains(&"string") {
            out.push(path.clone());
        }
        if let Some(props) = v.get("properties").and_then(Value::as_object) {
            for (k, c) in props {
                let mut p = path.clone();
                p.push(Seg::Key(k.clone()));
                walk(root, c, p, out);
            }
        }
        if let Some(items) = v.get("items").filter(|i| i.is_object()) {
            let mut p = path.clone();
            p.push(Seg::Item);
            walk(root, items, p, out);
        }
        if let Some(ap) = v.get("additionalProperties").filter(|i| i.is_object()) {
            let mut p = path.clone();
            p.push(Seg::AnyKey);
            walk(root, ap, p, out);
        }
    }
}

/// A small value of a schema: an object with its required keys, `"x"`, `1`, `[]`.
fn sample(root: &Value, s: &Value) -> Value {
    let vs = variants(root, s);
    let Some(v) = vs.iter().find(|v| types(v) != ["null"]) else {
        return Value::Null;
    };
    let ts = types(v);
    if v.get("properties").is_some() || ts.contains(&"object") {
        let mut m = Map::new();
        for k in v["required"].as_array().into_iter().flatten() {
            let k = k.as_str().unwrap_or_default();
            m.insert(k.to_string(), sample(root, &v["properties"][k]));
        }
        // A request needs a path; an action a request.
        let props = &v["properties"];
        if props.get("url").is_some() && props.get("path").is_some() {
            m.insert("path".into(), json!("/x"));
        }
        if props.get("steps").is_some() && props.get("request").is_some() {
            m.insert("request".into(), json!({ "path": "/x" }));
        }
        // A step asserts something.
        if props.get("capture").is_some() && props.get("expect").is_some() {
            m.insert("expect".into(), json!({ "status": 200 }));
        }
        if let Some(p) = m.get_mut("path") {
            *p = json!("/x");
        }
        return Value::Object(m);
    }
    match ts.first().copied() {
        Some("array") => json!([]),
        Some("integer") | Some("number") => json!(1),
        Some("boolean") => json!(true),
        _ => json!("x"),
    }
}

/// Writes `leaf` at `path` in `value`, creating what the schema requires on the way.
fn set(root: &Value, s: &Value, value: &mut Value, path: &[Seg], leaf: &Value) {
    set_in(root, s, value, path, leaf, false)
}

fn set_in(root: &Value, s: &Value, value: &mut Value, path: &[Seg], leaf: &Value, nested: bool) {
    let Some((first, rest)) = path.split_first() else {
        *value = leaf.clone();
        return;
    };
    let vs = variants(root, s);
    match first {
        Seg::Key(k) => {
            let Some(v) = vs.into_iter().find(|v| v["properties"].get(k).is_some()) else {
                return;
            };
            if !value.is_object() {
                *value = sample(root, v);
            }
            if let Some(m) = value.as_object_mut() {
                // Keys that exclude another: `url` or `path`, `steps` or `request`,
                // `preset` or `pattern`.
                for (key, other) in [
                    ("url", "path"),
                    ("steps", "request"),
                    ("steps", "expect"),
                    ("preset", "pattern"),
                ] {
                    if k == key {
                        m.remove(other);
                    }
                }
                // A readiness `status` is read with an `http` probe.
                if k == "status" && v["properties"].get("http").is_some() {
                    m.insert("http".into(), json!("/h"));
                }
                let slot = m.entry(k.clone()).or_insert(Value::Null);
                set_in(root, &v["properties"][k], slot, rest, leaf, false);
            }
        }
        Seg::Item => {
            let Some(v) = vs.into_iter().find(|v| v["items"].is_object()) else {
                return;
            };
            if value.as_array().is_none_or(|a| a.is_empty()) {
                *value = json!([null]);
            }
            if let Some(first) = value.as_array_mut().and_then(|a| a.first_mut()) {
                set_in(root, &v["items"], first, rest, leaf, false);
            }
        }
        Seg::AnyKey => {
            let Some(v) = vs
                .into_iter()
                .find(|v| v["additionalProperties"].is_object())
            else {
                return;
            };
            if !value.is_object() {
                *value = json!({});
            }
            if let Some(m) = value.as_object_mut() {
                // A map in a map is a capture's `{ header: name }`.
                let key = if nested { "header" } else { "k" };
                let slot = m.entry(key).or_insert(Value::Null);
                set_in(root, &v["additionalProperties"], slot, rest, leaf, true);
            }
        }
    }
}

/// The smallest valid body of each kind.
fn kind_body(kind: &str) -> Value {
    match kind {
        "health" => json!({ "endpoints": [{ "path": "/h", "expect": "healthy" }] }),
        "dependency" => json!({ "env": ["HOME"] }),
        "rate-limit" => json!({ "request": { "path": "/x" }, "limit": 1, "window": "1s" }),
        "metrics" => json!({}),
        "logs" => json!({ "output": {} }),
        "security" => json!({}),
        "load" => json!({ "request": { "path": "/x" }, "thresholds": { "p95": "1s" } }),
        "code" => json!({ "rules": [{ "name": "n", "pattern": "x" }] }),
        "command" => json!({ "run": ["true"] }),
        "openapi" => json!({ "document": "/openapi.json" }),
        _ => json!({ "request": { "path": "/x" }, "expect": { "status": 200 } }),
    }
}

#[test]
fn every_string_field_of_the_format_expands_templates() {
    let root = serde_json::to_value(schemars::schema_for!(crate::suite::SuiteRaw))
        .expect("the schema is JSON");
    let mut paths = Vec::new();
    walk(&root, &root, Vec::new(), &mut paths);
    let mut seen = std::collections::BTreeSet::new();
    paths.retain(|p| seen.insert(show(p)));
    assert!(paths.len() > 100, "the walk found {} fields", paths.len());
    let leaf = Value::String(format!("${{{NAME}}}"));
    // Names other parts of a run refer to, never expanded; `${` in them is an error.
    let names = [".suite", ".checks[].id", ".secrets[]"];
    let mut literal = Vec::new();
    for path in &paths {
        if names.contains(&show(path).as_str()) {
            let mut suite = json!({
                "suite": "s",
                "instance": { "command": ["srv"] },
                "checks": [{ "id": "a", "http": kind_body("http") }],
            });
            set(&root, &root, &mut suite, path, &leaf);
            let loaded = crate::suite::load_str(Path::new("suite.yaml"), &suite.to_string(), &[]);
            assert!(
                loaded.is_err(),
                "{}: `${{` in a name must be an error",
                show(path)
            );
            continue;
        }
        let kind = match path.as_slice() {
            [Seg::Key(c), Seg::Item, Seg::Key(k), ..]
                if c == "checks"
                    && root["$defs"]["CheckRaw"]["properties"][k]["anyOf"].is_array()
                    && k != "variant" =>
            {
                k.clone()
            }
            _ => "http".to_string(),
        };
        let mut suite = json!({
            "suite": "s",
            "instance": { "command": ["srv"] },
            "checks": [{ "id": "a", kind.clone(): kind_body(&kind) }],
        });
        set(&root, &root, &mut suite, path, &leaf);
        let text = suite.to_string();
        match crate::suite::load_str(Path::new("suite.yaml"), &text, &[]) {
            Err(e)
                if e.to_string()
                    .contains(&format!("undefined variable `{NAME}`")) => {}
            Err(e) => literal.push(format!(
                "{}: {}",
                show(path),
                e.to_string().lines().next().unwrap_or_default()
            )),
            Ok(_) => literal.push(format!("{}: loaded", show(path))),
        }
    }
    assert!(
        literal.is_empty(),
        "{} of {} string fields do not take `${{...}}`:\n{}",
        literal.len(),
        paths.len(),
        literal.join("\n")
    );
}

/// One check of `kind: body`, loaded with `vars`, or every error as text.
fn load_one(vars: &str, kind: &str, body: &str) -> Result<crate::suite::CheckKindSpec, String> {
    let yaml = format!(
        "suite: s\ninstance: {{ command: [srv] }}\nvars: {vars}\nchecks:\n  - id: a\n    {kind}: {body}\n"
    );
    let s =
        crate::suite::load_str(Path::new("suite.yaml"), &yaml, &[]).map_err(|e| e.to_string())?;
    s.checks
        .into_iter()
        .next()
        .map(|c| c.kind)
        .ok_or_else(|| "no check".into())
}

#[test]
fn command_cwd_is_expanded_and_must_exist() {
    use crate::suite::CheckKindSpec::Command;
    let Ok(Command(c)) = load_one(
        "{ d: src }",
        "command",
        "{ run: [pwd], cwd: \"${d}/suite\" }",
    ) else {
        panic!("expected a command check")
    };
    assert_eq!(c.cwd, Path::new("./src/suite"));
    let e = load_one(
        "{ d: no-such-dir }",
        "command",
        "{ run: [pwd], cwd: \"${d}\" }",
    )
    .expect_err("a missing directory");
    assert!(
        e.contains("checks[0].command.cwd: working directory `./no-such-dir` does not exist")
            && e.contains("hint: a working directory is relative to the suite file"),
        "{e}"
    );
}

#[test]
fn code_root_is_expanded() {
    use crate::suite::CheckKindSpec::Code;
    let Ok(Code(c)) = load_one(
        "{ d: src }",
        "code",
        "{ root: \"${d}\", rules: [{ name: n, pattern: x }] }",
    ) else {
        panic!("expected a code check")
    };
    assert_eq!(c.root, Path::new("./src"));
}

#[test]
fn python_interpreter_is_expanded() {
    use crate::suite::CheckKindSpec::Dependency;
    let Ok(Dependency(d)) = load_one(
        "{ py: python3.12 }",
        "dependency",
        "{ python: { interpreter: \"${py}\", modules: [json] } }",
    ) else {
        panic!("expected a dependency check")
    };
    assert_eq!(
        d.python.map(|p| p.interpreter).as_deref(),
        Some("python3.12")
    );
}

#[test]
fn must_not_match_is_expanded() {
    use crate::suite::CheckKindSpec::Logs;
    let Ok(Logs(l)) = load_one(
        "{ token: hunter2 }",
        "logs",
        "{ output: { must-not-match: [\"password=${token}\"] } }",
    ) else {
        panic!("expected a logs check")
    };
    let res = l.output.map(|o| o.must_not_match).unwrap_or_default();
    assert_eq!(res.len(), 1);
    assert!(res[0].is_match("password=hunter2") && !res[0].is_match("password=${token}"));
}

#[test]
fn instance_cwd_is_expanded_when_the_instance_starts_and_a_literal_one_is_checked_now() {
    let yaml = |cwd: &str| {
        format!(
            "suite: s\ninstance: {{ command: [srv], cwd: \"{cwd}\" }}\nchecks:\n  - id: a\n    http: {{ request: {{ path: /x }}, expect: {{ status: 200 }} }}\n"
        )
    };
    let s = crate::suite::load_str(Path::new("suite.yaml"), &yaml("${INSTANCE_DIR}"), &[])
        .expect("a templated cwd loads");
    assert_eq!(
        s.instance.and_then(|i| i.cwd).map(|t| t.refs()),
        Some(vec!["INSTANCE_DIR".to_string()])
    );
    let e = crate::suite::load_str(Path::new("suite.yaml"), &yaml("no-such-dir"), &[])
        .expect_err("a missing literal directory")
        .to_string();
    assert!(
        e.starts_with(
            "suite.yaml:2:34: instance.cwd: working directory `./no-such-dir` does not exist"
        ),
        "{e}"
    );
}

/// A field read when the suite loads cannot use what only the run knows, and says so.
#[test]
fn a_load_time_field_names_what_it_can_use() {
    let e = load_one("{}", "command", "{ run: [pwd], cwd: \"${PORT}\" }").expect_err("PORT");
    assert!(
        e.contains("undefined variable `PORT`")
            && e.contains("is read when the suite loads: it can use `vars:`, `--var`, `${env.NAME}` and `${run.id}`"),
        "{e}"
    );
}

#[test]
fn run_id_is_the_same_in_a_load_time_field_and_a_run_time_one() {
    use crate::suite::CheckKindSpec::Logs;
    let Ok(Logs(l)) = load_one(
        "{}",
        "logs",
        "{ output: { must-not-match: [\"^${run.id}$\"] } }",
    ) else {
        panic!("expected a logs check")
    };
    let re = l.output.map(|o| o.must_not_match).unwrap_or_default();
    let run_time = crate::suite::Template::text("${run.id}")
        .and_then(|t| t.expand_text(&Default::default()))
        .expect("run.id is always defined");
    assert!(re[0].is_match(&run_time), "{} vs {run_time}", re[0]);
}

#[test]
fn a_double_dollar_stays_literal_in_a_load_time_field() {
    use crate::suite::CheckKindSpec::Code;
    let Ok(Code(c)) = load_one(
        "{}",
        "code",
        "{ rules: [{ name: \"a$${b}\", pattern: x }] }",
    ) else {
        panic!("expected a code check")
    };
    assert_eq!(c.rules[0].name, "a${b}");
}

/// A value a field accepts, by its key.
fn valid_sample(path: &[Seg]) -> Value {
    let key = path.iter().rev().find_map(|s| match s {
        Seg::Key(k) => Some(k.as_str()),
        _ => None,
    });
    json!(match key.unwrap_or_default() {
        "timeout" | "grace" | "within" | "window" | "max-duration" | "duration" | "p50" | "p95"
        | "p99" | "max" => "2s",
        "body" | "exposition" | "command-output" if path.len() == 2 => "2MiB",
        "error-rate" | "min-pass-rate" => "5%",
        "status" | "expect-status" => "201",
        "method" => "PUT",
        "signal" => "int",
        "severity" | "severities" => "high",
        "lint" => "fail",
        "format" => "classic",
        "type" => "counter",
        "expect" => "degraded",
        "source" => "127.0.0.3",
        "tcp" => "127.0.0.1:9",
        "port" => "8080",
        "path" | "http" => "/y",
        "cwd" | "root" => "src",
        "modules" => "json",
        "preset" => "private-key",
        "document" => "/spec.json",
        "url" => "http://127.0.0.1:9/y",
        "capture" => "$.y",
        _ => "y1",
    })
}

/// What a suite became, without where each part was written.
fn shape(s: &crate::suite::Suite) -> String {
    let checks: Vec<String> = s
        .checks
        .iter()
        .map(|c| {
            format!(
                "{:?} {:?} {:?} {:?} {:?} {:?}",
                c.name, c.category, c.severity, c.timeout, c.variant, c.kind
            )
        })
        .collect();
    format!(
        "{:?} {:?} {:?} {:?} {:?} {:?}",
        s.instance, s.setup, s.teardown, checks, s.limits, s.base_url
    )
}

/// Each field written as `${v}` (with `vars: { v: X }`) becomes what it becomes written
/// as `X`: expanded when the suite loads; or else it is kept as a template of `v`,
/// expanded when the check runs.
#[test]
fn every_string_field_becomes_its_value() {
    let root = serde_json::to_value(schemars::schema_for!(crate::suite::SuiteRaw))
        .expect("the schema is JSON");
    let mut paths = Vec::new();
    walk(&root, &root, Vec::new(), &mut paths);
    let mut seen = std::collections::BTreeSet::new();
    paths.retain(|p| seen.insert(show(p)));
    let names = [".suite", ".checks[].id", ".secrets[]"];
    let mut wrong = Vec::new();
    let (mut now, mut later) = (0, 0);
    let locations = regex::Regex::new(r"suite\.yaml:\d+:\d+|\n.*\|.*|\^").expect("a regex");
    let strip = |e: String| locations.replace_all(&e, "").into_owned();
    for path in paths.iter().filter(|p| !names.contains(&show(p).as_str())) {
        let kind = match path.as_slice() {
            [Seg::Key(c), Seg::Item, Seg::Key(k), ..]
                if c == "checks"
                    && root["$defs"]["CheckRaw"]["properties"][k]["anyOf"].is_array()
                    && k != "variant" =>
            {
                k.clone()
            }
            _ => "http".to_string(),
        };
        let x = valid_sample(path);
        let load = |leaf: &Value| {
            let mut suite = json!({
                "suite": "s",
                "vars": { "v": x },
                "instance": { "command": ["srv"] },
                "checks": [{ "id": "a", kind.clone(): kind_body(&kind) }],
            });
            set(&root, &root, &mut suite, path, leaf);
            crate::suite::load_str(Path::new("suite.yaml"), &suite.to_string(), &[])
        };
        match (load(&x), load(&json!("${v}"))) {
            (Ok(a), Ok(b)) if shape(&a) == shape(&b) => now += 1,
            // Kept as a template of `v` (a field that takes a string only as a variable
            // holding a map, such as `headers: "${auth}"`, too).
            (_, Ok(b)) if shape(&b).contains("${v}") => later += 1,
            (Err(a), Err(b)) if strip(a.to_string()) == strip(b.to_string()) => now += 1,
            (a, b) => wrong.push(format!(
                "{}: as `{x}`: {}\n    as `${{v}}`: {}",
                show(path),
                a.map(|s| shape(&s)).unwrap_or_else(|e| e.to_string()),
                b.map(|s| shape(&s)).unwrap_or_else(|e| e.to_string()),
            )),
        }
    }
    assert!(
        wrong.is_empty(),
        "{} fields do not become their value:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(now > 100 && later > 30, "{now} expanded now, {later} later");
}
