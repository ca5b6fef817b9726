//! The expect grammar every kind shares: what a response must satisfy (status, headers,
//! JSON predicates, schemas, bodies), as written and validated.

use crate::suite::located::Spanned;
use crate::suite::shapes::{Any, StatusSchema};
use crate::suite::template::Template;
use crate::suite::validator::{Known, Validator};
use regex::Regex;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// What a response must satisfy.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct ExpectRaw {
    /// A code (`201`), a list (`[200, 204]`) or a class (`2xx`).
    #[schemars(with = "Option<StatusSchema>")]
    pub status: Option<Any>,
    /// Header name (case-insensitive) to a value, or to `{equals|matches|contains: ..}`,
    /// `{present: true}`, `{absent: true}`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Value>")]
    pub headers: BTreeMap<String, Any>,
    /// JSONPath (RFC 9535; `${...}` expanded in it) to a value that is not a map (equality)
    /// or to a map of predicates: `equals, not-equals, one-of, matches, exists, absent,
    /// type, length, contains, not-contains, gt, gte, lt, lte`. Comparing to an object
    /// takes `equals: {...}`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Value>")]
    pub json: BTreeMap<String, Any>,
    /// JSON Schema: a file path (relative to the suite) or an inline schema.
    #[schemars(with = "Option<Value>")]
    pub schema: Option<Any>,
    /// Body text predicates: `{contains, not-contains, matches, not-matches, equals}`.
    pub body: Option<BodyExpectRaw>,
    /// Upper bound on the response time, e.g. `500ms`.
    #[schemars(with = "Option<String>")]
    pub max_duration: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct BodyExpectRaw {
    #[schemars(with = "Option<String>")]
    pub contains: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    pub not_contains: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    pub matches: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    pub not_matches: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    pub equals: Option<Spanned<String>>,
}

/// What a response must satisfy: a status in place, the rest (which most checks do without)
/// boxed, so that a suite of many status checks holds little per check.
#[derive(Debug, Clone, Default)]
pub(crate) struct ExpectSpec {
    pub status: Option<StatusMatcher>,
    extra: Option<Box<ExpectExtra>>,
}

/// The parts of an `expect` other than the status.
#[derive(Debug, Clone, Default)]
pub(crate) struct ExpectExtra {
    pub headers: Vec<(String, HeaderPredicate)>,
    pub json: Vec<JsonAssertion>,
    pub schema: Option<SchemaSpec>,
    pub body: Vec<BodyPredicate>,
    pub max_duration: Option<Duration>,
}

impl ExpectExtra {
    fn is_empty(&self) -> bool {
        self.headers.is_empty()
            && self.json.is_empty()
            && self.schema.is_none()
            && self.body.is_empty()
            && self.max_duration.is_none()
    }
}

impl ExpectSpec {
    pub(crate) fn new(status: Option<StatusMatcher>, extra: ExpectExtra) -> ExpectSpec {
        ExpectSpec {
            status,
            extra: (!extra.is_empty()).then(|| Box::new(extra)),
        }
    }

    pub(crate) fn headers(&self) -> &[(String, HeaderPredicate)] {
        self.extra.as_ref().map_or(&[], |e| &e.headers)
    }

    pub(crate) fn json(&self) -> &[JsonAssertion] {
        self.extra.as_ref().map_or(&[], |e| &e.json)
    }

    pub(crate) fn schema(&self) -> Option<&SchemaSpec> {
        self.extra.as_ref().and_then(|e| e.schema.as_ref())
    }

    pub(crate) fn body(&self) -> &[BodyPredicate] {
        self.extra.as_ref().map_or(&[], |e| &e.body)
    }

    pub(crate) fn max_duration(&self) -> Option<Duration> {
        self.extra.as_ref().and_then(|e| e.max_duration)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.status.is_none() && self.extra.is_none()
    }
}

/// Accepted statuses: any of these codes or inclusive ranges, and how the suite wrote them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StatusMatcher {
    ranges: StatusRanges,
    /// As the user wrote it, for messages (`201`, `2xx`, `[200, 204]`); empty when that is
    /// the one code itself (`200`), the commonest, so that it takes no heap.
    written: Box<str>,
}

/// One range (one code, one class) in place; a list's on the heap.
#[derive(Debug, Clone, PartialEq)]
enum StatusRanges {
    One(u16, u16),
    Many(Box<[(u16, u16)]>),
}

impl StatusMatcher {
    /// `ranges` as the suite wrote them (`text`).
    pub(crate) fn new(ranges: Vec<(u16, u16)>, text: String) -> StatusMatcher {
        let ranges = match ranges[..] {
            [(lo, hi)] => StatusRanges::One(lo, hi),
            _ => StatusRanges::Many(ranges.into()),
        };
        let written = match ranges {
            StatusRanges::One(lo, hi) if lo == hi && text == lo.to_string() => Box::default(),
            _ => text.into(),
        };
        StatusMatcher { ranges, written }
    }

    pub(crate) fn matches(&self, status: u16) -> bool {
        let within = |(lo, hi): &(u16, u16)| (*lo..=*hi).contains(&status);
        match &self.ranges {
            StatusRanges::One(lo, hi) => within(&(*lo, *hi)),
            StatusRanges::Many(ranges) => ranges.iter().any(within),
        }
    }
}

/// As the suite wrote it.
impl std::fmt::Display for StatusMatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.ranges, self.written.is_empty()) {
            (StatusRanges::One(code, _), true) => write!(f, "{code}"),
            _ => f.write_str(&self.written),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum HeaderPredicate {
    Equals(Template),
    Contains(Template),
    Matches(Regex),
    Present,
    Absent,
}

#[derive(Debug, Clone)]
pub(crate) struct JsonAssertion {
    /// The JSONPath as written.
    pub path_text: String,
    /// The parsed path, when it has no `${...}`.
    pub path: Arc<serde_json_path::JsonPath>,
    /// A path with `${...}`: expanded, then parsed, when the check runs (captures are
    /// known then); `path` is unused.
    pub template: Option<Template>,
    pub predicates: Vec<JsonPredicate>,
}

#[derive(Debug, Clone)]
pub(crate) enum JsonPredicate {
    Equals(Template),
    NotEquals(Template),
    Matches(Regex),
    Exists(bool),
    Type(JsonType),
    Length(usize),
    Contains(Template),
    NotContains(Template),
    Compare(CompareOp, serde_json::Number),
    OneOf(Vec<Template>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CompareOp {
    Gt,
    Gte,
    Lt,
    Lte,
}

impl CompareOp {
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            CompareOp::Gt => ">",
            CompareOp::Gte => ">=",
            CompareOp::Lt => "<",
            CompareOp::Lte => "<=",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonType {
    String,
    Number,
    Integer,
    Boolean,
    Array,
    Object,
    Null,
}

impl JsonType {
    /// The names a suite may write (`bool` is also read, as `boolean`).
    pub(crate) const NAMES: [&str; 7] = [
        "string", "number", "integer", "boolean", "array", "object", "null",
    ];

    pub(crate) fn parse(text: &str) -> Option<JsonType> {
        Some(match text {
            "string" => JsonType::String,
            "number" => JsonType::Number,
            "integer" => JsonType::Integer,
            "boolean" | "bool" => JsonType::Boolean,
            "array" => JsonType::Array,
            "object" => JsonType::Object,
            "null" => JsonType::Null,
            _ => return None,
        })
    }

    pub(crate) fn of(value: &Value) -> JsonType {
        match value {
            Value::String(_) => JsonType::String,
            Value::Number(n) if n.is_i64() || n.is_u64() => JsonType::Integer,
            Value::Number(_) => JsonType::Number,
            Value::Bool(_) => JsonType::Boolean,
            Value::Array(_) => JsonType::Array,
            Value::Object(_) => JsonType::Object,
            Value::Null => JsonType::Null,
        }
    }

    pub(crate) fn accepts(self, value: &Value) -> bool {
        let actual = JsonType::of(value);
        actual == self || (self == JsonType::Number && actual == JsonType::Integer)
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            JsonType::String => "string",
            JsonType::Number => "number",
            JsonType::Integer => "integer",
            JsonType::Boolean => "boolean",
            JsonType::Array => "array",
            JsonType::Object => "object",
            JsonType::Null => "null",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct SchemaSpec {
    /// The file name, or `inline schema`.
    pub label: String,
    pub validator: Arc<jsonschema::Validator>,
}

#[derive(Debug, Clone)]
pub(crate) enum BodyPredicate {
    Contains(Template),
    NotContains(Template),
    Matches(Regex),
    NotMatches(Regex),
    Equals(Template),
}

impl Validator<'_> {
    pub(in crate::suite) fn status(&mut self, s: &Any, field: &str) -> StatusMatcher {
        let fallback = StatusMatcher::new(vec![(200, 299)], "2xx".into());
        let one = |v: &Value| -> Option<(u16, u16)> {
            match v {
                Value::Number(n) => n
                    .as_u64()
                    .filter(|n| (100..=599).contains(n))
                    .map(|n| (n as u16, n as u16)),
                Value::String(t) => {
                    let t = t.trim().to_ascii_lowercase();
                    if let Some(d) = t
                        .strip_suffix("xx")
                        .and_then(|d| d.parse::<u16>().ok())
                        .filter(|d| (1..=5).contains(d))
                    {
                        return Some((d * 100, d * 100 + 99));
                    }
                    if let Some((a, b)) = t.split_once('-') {
                        let (a, b) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
                        return (100 <= a && a <= b && b <= 599).then_some((a, b));
                    }
                    t.parse::<u16>()
                        .ok()
                        .filter(|n| (100..=599).contains(n))
                        .map(|n| (n, n))
                }
                _ => None,
            }
        };
        // A status written as text (`2xx`, `${code}`) is expanded when the suite loads.
        let expanded = match &s.value {
            Value::String(t) => match self.now(t, s.referenced, field) {
                Some(t) => Value::String(t),
                None => return fallback,
            },
            other => other.clone(),
        };
        let items: Vec<&Value> = match &expanded {
            Value::Array(a) if !a.is_empty() => a.iter().collect(),
            v => vec![v],
        };
        let mut ranges = Vec::new();
        for item in items {
            match one(item) {
                Some(r) => ranges.push(r),
                None => {
                    self.err(s.referenced, field, format!("invalid status `{item}`"))
                        .hint = Some("write a code (`201`), a list (`[200, 204]`), a class (`2xx`) or a range (`200-299`)".into());
                    return fallback;
                }
            }
        }
        let text = match &expanded {
            Value::String(t) => t.clone(),
            other => other.to_string(),
        };
        StatusMatcher::new(ranges, text)
    }

    pub(in crate::suite) fn expect(
        &mut self,
        e: &ExpectRaw,
        field: &str,
        known: &Known,
    ) -> ExpectSpec {
        let status = e
            .status
            .as_ref()
            .map(|s| self.status(s, &format!("{field}.status")));
        let mut headers = Vec::new();
        for (name, v) in &e.headers {
            let f = format!("{field}.headers.{name}");
            if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
                self.err(v.referenced, &f, format!("invalid header name `{name}`"));
                continue;
            }
            let pred = match &v.value {
                Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                    Some(HeaderPredicate::Equals(self.template(
                        Value::String(crate::suite::template::value_text(&v.value)),
                        v.referenced,
                        &f,
                        known,
                    )))
                }
                Value::Object(o) if o.len() == 1 => {
                    let (op, arg) = o
                        .iter()
                        .next()
                        .map(|(a, b)| (a.as_str(), b))
                        .unwrap_or(("", &Value::Null));
                    match (op, arg) {
                        ("equals", a) => Some(HeaderPredicate::Equals(self.template(
                            Value::String(crate::suite::template::value_text(a)),
                            v.referenced,
                            &f,
                            known,
                        ))),
                        ("contains", a) => Some(HeaderPredicate::Contains(self.template(
                            Value::String(crate::suite::template::value_text(a)),
                            v.referenced,
                            &f,
                            known,
                        ))),
                        ("matches", Value::String(re)) => self
                            .regex(re, v.referenced, &f)
                            .map(HeaderPredicate::Matches),
                        ("present", Value::Bool(true)) | ("absent", Value::Bool(false)) => {
                            Some(HeaderPredicate::Present)
                        }
                        ("absent", Value::Bool(true)) | ("present", Value::Bool(false)) => {
                            Some(HeaderPredicate::Absent)
                        }
                        _ => {
                            self.err(
                                v.referenced,
                                &f,
                                format!("unknown header predicate `{op}`"),
                            )
                            .hint = Some(crate::suggest::one_of(
                                op,
                                &[
                                    "equals",
                                    "contains",
                                    "matches",
                                    "present: true",
                                    "absent: true",
                                ],
                            ));
                            None
                        }
                    }
                }
                _ => {
                    self.err(v.referenced, &f, "expected a value or one predicate such as `{matches: \"^application/json\"}`");
                    None
                }
            };
            if let Some(p) = pred {
                headers.push((name.to_ascii_lowercase(), p));
            }
        }
        let json = self.json_assertions(&e.json, &format!("{field}.json"), known);
        let schema = e
            .schema
            .as_ref()
            .and_then(|s| self.schema(s, &format!("{field}.schema")));
        let body = e
            .body
            .as_ref()
            .map(|b| self.body_predicates(b, &format!("{field}.body"), known))
            .unwrap_or_default();
        let max_duration = e.max_duration.as_ref().map(|_| {
            self.duration(
                &e.max_duration,
                &format!("{field}.max-duration"),
                Duration::ZERO,
            )
        });
        ExpectSpec::new(
            status,
            ExpectExtra {
                headers,
                json,
                schema,
                body,
                max_duration,
            },
        )
    }

    /// `contains`, `not-contains`, `matches`, `not-matches`, `equals` on a text (a body, a command's output).
    pub(in crate::suite) fn body_predicates(
        &mut self,
        b: &BodyExpectRaw,
        f: &str,
        known: &Known,
    ) -> Vec<BodyPredicate> {
        let mut out = Vec::new();
        let text = |s: &mut Self, t: &Spanned<String>| {
            s.template(Value::String(t.value.clone()), t.referenced, f, known)
        };
        if let Some(t) = &b.contains {
            out.push(BodyPredicate::Contains(text(self, t)));
        }
        if let Some(t) = &b.not_contains {
            out.push(BodyPredicate::NotContains(text(self, t)));
        }
        if let Some(re) = b
            .matches
            .as_ref()
            .and_then(|t| self.regex(&t.value, t.referenced, &format!("{f}.matches")))
        {
            out.push(BodyPredicate::Matches(re));
        }
        if let Some(re) = b
            .not_matches
            .as_ref()
            .and_then(|t| self.regex(&t.value, t.referenced, &format!("{f}.not-matches")))
        {
            out.push(BodyPredicate::NotMatches(re));
        }
        if let Some(t) = &b.equals {
            out.push(BodyPredicate::Equals(text(self, t)));
        }
        out
    }

    pub(in crate::suite) fn json_predicates(
        &mut self,
        v: &Any,
        f: &str,
        known: &Known,
    ) -> Vec<JsonPredicate> {
        const OPS: [&str; 14] = [
            "equals",
            "not-equals",
            "matches",
            "exists",
            "absent",
            "type",
            "length",
            "contains",
            "not-contains",
            "one-of",
            "gt",
            "gte",
            "lt",
            "lte",
        ];
        // The set of predicate words is closed: a map is always predicates, so a typo
        // (`lenght`) is an error here, never a comparison to the object `{lenght: 2}`.
        let Value::Object(o) = &v.value else {
            return vec![JsonPredicate::Equals(self.template(
                v.value.clone(),
                v.referenced,
                f,
                known,
            ))];
        };
        if o.is_empty() {
            self.err(v.referenced, f, "an empty map is not a predicate")
                .hint = Some("to compare to the empty object, write `equals: {}`".into());
        }
        let mut preds = Vec::new();
        for (op, arg) in o {
            let bad = |s: &mut Self, what: &str| {
                s.err(
                    v.referenced,
                    f,
                    format!("`{op}` expects {what}, found `{arg}`"),
                );
            };
            match op.as_str() {
                "equals" => preds.push(JsonPredicate::Equals(self.template(
                    arg.clone(),
                    v.referenced,
                    f,
                    known,
                ))),
                "not-equals" => preds.push(JsonPredicate::NotEquals(self.template(
                    arg.clone(),
                    v.referenced,
                    f,
                    known,
                ))),
                "contains" => preds.push(JsonPredicate::Contains(self.template(
                    arg.clone(),
                    v.referenced,
                    f,
                    known,
                ))),
                "not-contains" => preds.push(JsonPredicate::NotContains(self.template(
                    arg.clone(),
                    v.referenced,
                    f,
                    known,
                ))),
                "one-of" => match arg {
                    Value::Array(items) => {
                        let ts = items
                            .iter()
                            .map(|i| self.template(i.clone(), v.referenced, f, known))
                            .collect();
                        preds.push(JsonPredicate::OneOf(ts));
                    }
                    _ => bad(self, "a list"),
                },
                "matches" => match arg {
                    Value::String(re) => {
                        if let Some(r) = self.regex(re, v.referenced, f) {
                            preds.push(JsonPredicate::Matches(r));
                        }
                    }
                    _ => bad(self, "a regex string"),
                },
                "exists" => match arg {
                    Value::Bool(b) => preds.push(JsonPredicate::Exists(*b)),
                    _ => bad(self, "`true` or `false`"),
                },
                "absent" => match arg {
                    Value::Bool(b) => preds.push(JsonPredicate::Exists(!*b)),
                    _ => bad(self, "`true` or `false`"),
                },
                "type" => match arg.as_str().and_then(JsonType::parse) {
                    Some(t) => preds.push(JsonPredicate::Type(t)),
                    None => {
                        self.err(v.referenced, f, format!("unknown type `{arg}`"))
                            .hint = Some(crate::suggest::one_of(
                            arg.as_str().unwrap_or_default(),
                            &JsonType::NAMES,
                        ));
                    }
                },
                "length" => match arg.as_u64() {
                    Some(n) => preds.push(JsonPredicate::Length(n as usize)),
                    None => bad(self, "a non-negative integer"),
                },
                "gt" | "gte" | "lt" | "lte" => match arg.as_number().cloned() {
                    Some(n) => {
                        let cmp = match op.as_str() {
                            "gt" => CompareOp::Gt,
                            "gte" => CompareOp::Gte,
                            "lt" => CompareOp::Lt,
                            _ => CompareOp::Lte,
                        };
                        preds.push(JsonPredicate::Compare(cmp, n));
                    }
                    None => bad(self, "a number"),
                },
                other => {
                    self.err(v.referenced, f, format!("unknown predicate `{other}`"))
                        .hint = Some(format!(
                        "{}; to compare a whole object, write `equals: {{...}}`",
                        crate::suggest::one_of(other, &OPS)
                    ));
                }
            }
        }
        preds
    }

    pub(in crate::suite) fn json_assertions(
        &mut self,
        map: &std::collections::BTreeMap<String, Any>,
        field: &str,
        known: &Known,
    ) -> Vec<JsonAssertion> {
        let mut json = Vec::new();
        for (path_text, v) in map {
            let f = format!("{field}.\"{path_text}\"");
            let t = self.template(Value::String(path_text.clone()), v.referenced, &f, known);
            if !t.refs().is_empty() {
                // Read now when `vars` alone expand it (they win over captures, so the run
                // reads the same path); otherwise when the check runs.
                let scope = crate::suite::template::Scope {
                    vars: self.vars.clone(),
                    captures: Default::default(),
                };
                if let Ok(text) = t.expand_text(&scope)
                    && let Err(err) = serde_json_path::JsonPath::parse(&text)
                {
                    self.err(
                        v.referenced,
                        &f,
                        format!("invalid JSONPath `{text}` (from `{path_text}`): {err}"),
                    );
                }
                let predicates = self.json_predicates(v, &f, known);
                json.push(JsonAssertion {
                    path_text: path_text.clone(),
                    path: Arc::new(
                        serde_json_path::JsonPath::parse("$").expect("`$` is a JSONPath"),
                    ),
                    template: Some(t),
                    predicates,
                });
                continue;
            }
            let path = match serde_json_path::JsonPath::parse(&path_text.replace("$${", "${")) {
                Ok(p) => Arc::new(p),
                Err(err) => {
                    self.err(
                        v.referenced,
                        &f,
                        format!("invalid JSONPath `{path_text}`: {err}"),
                    )
                    .hint = Some(
                        "JSONPath starts with `$`, e.g. `$.run_id` or `$.phases[0].status`".into(),
                    );
                    continue;
                }
            };
            let predicates = self.json_predicates(v, &f, known);
            json.push(JsonAssertion {
                path_text: path_text.clone(),
                path,
                template: None,
                predicates,
            });
        }
        json
    }

    pub(in crate::suite) fn schema(&mut self, s: &Any, field: &str) -> Option<SchemaSpec> {
        let (label, doc) = match &s.value {
            Value::String(rel) => {
                let path = self.dir.join(rel);
                let text = match crate::read::text(&path, crate::read::SUITE_FILE) {
                    Ok(t) => t,
                    Err(e) => {
                        self.err(
                            s.referenced,
                            field,
                            format!("cannot read schema `{}`: {e}", path.display()),
                        )
                        .hint = Some("schema paths are relative to the suite file".into());
                        return None;
                    }
                };
                let doc: Result<Value, String> = if rel.ends_with(".json") {
                    serde_json::from_str(&text).map_err(|e| e.to_string())
                } else {
                    serde_saphyr::from_str(&text).map_err(|e| e.without_snippet().to_string())
                };
                match doc {
                    Ok(d) => (rel.clone(), d),
                    Err(e) => {
                        self.err(
                            s.referenced,
                            field,
                            format!("schema `{}` is not valid JSON: {e}", path.display()),
                        );
                        return None;
                    }
                }
            }
            Value::Object(_) | Value::Bool(_) => ("inline schema".to_string(), s.value.clone()),
            _ => {
                self.err(
                    s.referenced,
                    field,
                    "expected a schema file path or an inline schema object",
                );
                return None;
            }
        };
        match jsonschema::validator_for(&doc) {
            Ok(v) => Some(SchemaSpec {
                label,
                validator: Arc::new(v),
            }),
            Err(e) => {
                self.err(
                    s.referenced,
                    field,
                    format!("invalid JSON Schema in {label}: {e}"),
                );
                None
            }
        }
    }
}
