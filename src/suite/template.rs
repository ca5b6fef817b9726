//! `${name}` templates: any YAML value whose strings may reference variables.
//!
//! A string that is exactly `${name}` takes the variable's value itself (a map, a list, a
//! number); inside a longer string the value is interpolated as text. `$${` writes a literal
//! `${`. Names resolve against vars (with `PORT`, `BASE_URL` and `INSTANCE_DIR`), then
//! captures, then `env.NAME` for the environment. An undefined name is an error, never "".

use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Template(Form);

/// A string (a path, a header value: the commonest) in place, any other value boxed, so
/// that a template is small wherever a spec holds one.
#[derive(Debug, Clone, PartialEq)]
enum Form {
    Text(Box<str>),
    Value(Box<Value>),
}

impl From<Value> for Form {
    fn from(v: Value) -> Form {
        match v {
            Value::String(s) => Form::Text(s.into_boxed_str()),
            other => Form::Value(Box::new(other)),
        }
    }
}

/// Why a template could not be read or expanded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum TemplateError {
    /// `${` with no closing `}` in this text.
    #[error("unterminated `${{` in `{0}`")]
    Unterminated(String),
    /// `${...}` around something that is not a variable name.
    #[error("`${{{0}}}` is not a valid variable name")]
    BadName(String),
    /// A name neither vars, captures nor the environment define.
    #[error("undefined variable `{0}`")]
    Undefined(String),
}

/// Messages are where template errors end up (a check's error, a suite diagnostic).
impl From<TemplateError> for String {
    fn from(e: TemplateError) -> String {
        e.to_string()
    }
}

/// One piece of a template string.
enum Piece<'a> {
    Text(&'a str),
    Var(&'a str),
}

fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn pieces(text: &str) -> Result<Vec<Piece<'_>>, TemplateError> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        let after = &rest[i + 1..];
        if let Some(escaped) = after.strip_prefix("${") {
            out.push(Piece::Text(&rest[..=i]));
            out.push(Piece::Text("{"));
            rest = escaped;
            continue;
        }
        if let Some(inner) = after.strip_prefix('{') {
            let end = inner
                .find('}')
                .ok_or_else(|| TemplateError::Unterminated(text.to_string()))?;
            let name = inner[..end].trim();
            if !is_name(name) {
                return Err(TemplateError::BadName(name.to_string()));
            }
            out.push(Piece::Text(&rest[..i]));
            out.push(Piece::Var(name));
            rest = &inner[end + 1..];
        } else {
            out.push(Piece::Text(&rest[..=i]));
            rest = after;
        }
    }
    out.push(Piece::Text(rest));
    Ok(out)
}

/// Renders a value for interpolation into text.
pub(crate) fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Template {
    /// Checks the syntax of every string in `value`.
    pub(crate) fn new(value: Value) -> Result<Template, TemplateError> {
        fn walk(v: &Value) -> Result<(), TemplateError> {
            match v {
                Value::String(s) => pieces(s).map(drop),
                Value::Array(a) => a.iter().try_for_each(walk),
                Value::Object(o) => o.iter().try_for_each(|(k, v)| {
                    pieces(k)?;
                    walk(v)
                }),
                _ => Ok(()),
            }
        }
        walk(&value)?;
        Ok(Template(value.into()))
    }

    /// A fixed string used as is (harden's own literals, never user input).
    pub(crate) fn literal(s: &str) -> Template {
        Template(Form::Text(s.replace("${", "$${").into_boxed_str()))
    }

    /// A value used as is, every string in it taken literally (values harden made or read
    /// from the service, never templates).
    pub(crate) fn literal_value(v: Value) -> Template {
        fn escape(v: Value) -> Value {
            match v {
                Value::String(s) => Value::String(s.replace("${", "$${")),
                Value::Array(a) => Value::Array(a.into_iter().map(escape).collect()),
                Value::Object(o) => Value::Object(
                    o.into_iter()
                        .map(|(k, v)| (k.replace("${", "$${"), escape(v)))
                        .collect(),
                ),
                other => other,
            }
        }
        Template(escape(v).into())
    }

    pub(crate) fn text(s: &str) -> Result<Template, TemplateError> {
        Template::new(Value::String(s.to_string()))
    }

    /// Every variable name referenced, in order of appearance.
    pub(crate) fn refs(&self) -> Vec<String> {
        fn strs(s: &str, out: &mut Vec<String>) {
            if let Ok(ps) = pieces(s) {
                out.extend(ps.into_iter().filter_map(|p| match p {
                    Piece::Var(n) => Some(n.to_string()),
                    Piece::Text(_) => None,
                }));
            }
        }
        fn walk(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::String(s) => strs(s, out),
                Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
                Value::Object(o) => o.iter().for_each(|(k, x)| {
                    strs(k, out);
                    walk(x, out)
                }),
                _ => {}
            }
        }
        let mut out = Vec::new();
        match &self.0 {
            Form::Text(s) => strs(s, &mut out),
            Form::Value(v) => walk(v, &mut out),
        }
        out
    }

    pub(crate) fn expand(&self, scope: &Scope) -> Result<Value, TemplateError> {
        match &self.0 {
            Form::Text(s) => expand_str(s, scope),
            Form::Value(v) => expand_value(v, scope),
        }
    }

    /// Expands and renders as text (for paths, header values, argv).
    pub(crate) fn expand_text(&self, scope: &Scope) -> Result<String, TemplateError> {
        self.expand(scope).map(|v| value_text(&v))
    }
}

fn expand_str(s: &str, scope: &Scope) -> Result<Value, TemplateError> {
    let ps = pieces(s)?;
    if let [Piece::Text(""), Piece::Var(name), Piece::Text("")] = ps.as_slice() {
        return scope.lookup(name).ok_or_else(|| undefined(name));
    }
    let mut out = String::new();
    for p in ps {
        match p {
            Piece::Text(t) => out.push_str(t),
            Piece::Var(name) => out.push_str(&value_text(
                &scope.lookup(name).ok_or_else(|| undefined(name))?,
            )),
        }
    }
    Ok(Value::String(out))
}

fn undefined(name: &str) -> TemplateError {
    TemplateError::Undefined(name.to_string())
}

fn expand_value(v: &Value, scope: &Scope) -> Result<Value, TemplateError> {
    Ok(match v {
        Value::String(s) => expand_str(s, scope)?,
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| expand_value(x, scope))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(o) => {
            let mut m = Map::new();
            for (k, x) in o {
                m.insert(value_text(&expand_str(k, scope)?), expand_value(x, scope)?);
            }
            Value::Object(m)
        }
        other => other.clone(),
    })
}

/// The variables visible to a template at run time.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    /// vars plus harden's own (`PORT`, `BASE_URL`, `INSTANCE_DIR`), shared by every check.
    pub vars: Arc<Map<String, Value>>,
    /// Captures: from `setup`, then from earlier steps of the same check.
    pub captures: HashMap<String, Value>,
}

/// The name of the value unique to this run of harden.
pub(crate) const RUN_ID: &str = "run.id";

/// A value unique to this run of harden, the same wherever a suite uses `${run.id}`: 16
/// lowercase hex digits from the clock and the process id, for data (a user name, an
/// item) that must not collide with an earlier run's in a database that persists.
pub(crate) fn run_id() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        use std::hash::{BuildHasher, Hasher};
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        // `RandomState` is seeded from the operating system's randomness.
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(nanos);
        h.write_u32(std::process::id());
        format!("{:016x}", h.finish())
    })
}

impl Scope {
    pub(crate) fn lookup(&self, name: &str) -> Option<Value> {
        if let Some(v) = self.vars.get(name).or_else(|| self.captures.get(name)) {
            return Some(v.clone());
        }
        if name == RUN_ID {
            return Some(Value::String(run_id().to_string()));
        }
        let var = name.strip_prefix("env.")?;
        std::env::var(var).ok().map(Value::String)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scope() -> Scope {
        let vars = json!({ "user": "ci-bot", "auth": { "X-User-Id": "ci-bot" }, "n": 3 });
        Scope {
            vars: Arc::new(vars.as_object().cloned().unwrap_or_default()),
            captures: HashMap::new(),
        }
    }

    #[test]
    fn whole_string_reference_takes_the_value_itself() {
        let t = Template::new(json!("${auth}")).unwrap();
        assert_eq!(
            t.expand(&scope()).unwrap(),
            json!({ "X-User-Id": "ci-bot" })
        );
        let t = Template::new(json!("${n}")).unwrap();
        assert_eq!(t.expand(&scope()).unwrap(), json!(3));
    }

    #[test]
    fn references_inside_text_are_interpolated() {
        let t = Template::new(json!({ "path": "/users/${user}/items/${n}" })).unwrap();
        assert_eq!(
            t.expand(&scope()).unwrap(),
            json!({ "path": "/users/ci-bot/items/3" })
        );
    }

    #[test]
    fn double_dollar_escapes() {
        let t = Template::text("cost: $${user} and $5").unwrap();
        assert_eq!(t.expand_text(&scope()).unwrap(), "cost: ${user} and $5");
        assert!(t.refs().is_empty());
    }

    #[test]
    fn undefined_is_an_error_not_empty() {
        let t = Template::text("/runs/${missing}").unwrap();
        let e = t.expand(&scope()).unwrap_err();
        assert_eq!(e, TemplateError::Undefined("missing".into()));
        assert_eq!(e.to_string(), "undefined variable `missing`");
    }

    #[test]
    fn an_unterminated_reference_is_a_syntax_error() {
        assert_eq!(
            Template::text("${unterminated").unwrap_err(),
            TemplateError::Unterminated("${unterminated".into())
        );
    }

    #[test]
    fn a_reference_to_a_non_name_is_a_syntax_error() {
        assert_eq!(
            Template::text("${bad name}").unwrap_err(),
            TemplateError::BadName("bad name".into())
        );
    }

    #[test]
    fn run_id_is_one_value_everywhere_in_a_run() {
        let t = Template::new(json!({ "user": "ci-${run.id}", "again": "${run.id}" })).unwrap();
        let v = t.expand(&scope()).unwrap();
        let id = v["again"].as_str().unwrap().to_string();
        assert_eq!(id.len(), 16, "{id}");
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
        assert_eq!(v["user"], json!(format!("ci-{id}")));
        assert_eq!(
            Template::text("${run.id}")
                .unwrap()
                .expand_text(&scope())
                .unwrap(),
            id
        );
    }

    #[test]
    fn refs_lists_every_name_in_order() {
        assert_eq!(
            Template::text("a ${x} b ${env.HOME}").unwrap().refs(),
            vec!["x", "env.HOME"]
        );
    }
}
