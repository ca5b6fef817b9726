//! The validated, inert suite: what the runner sees. Built only by `load.rs`.

use crate::suite::template::Template;
use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Where something was written: the suite file and a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SourcePos {
    pub file: PathBuf,
    pub line: u64,
    pub column: u64,
}

#[derive(Debug)]
pub(crate) struct Suite {
    pub name: String,
    /// The suite file as given on the command line.
    pub file: PathBuf,
    /// Directory every relative path in the suite resolves against.
    pub dir: PathBuf,
    pub instance: Option<InstanceSpec>,
    pub base_url: Option<String>,
    pub vars: serde_json::Map<String, Value>,
    /// Names whose values are redacted in every output.
    pub secrets: Vec<String>,
    pub setup: Vec<StepSpec>,
    pub teardown: Vec<StepSpec>,
    pub checks: Vec<CheckSpec>,
    /// Environment variables the suite reads through `${env.NAME}` (secret by default).
    pub env_refs: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct InstanceSpec {
    /// argv; a shell command is `["sh", "-c", text]`.
    pub command: Vec<Template>,
    pub cwd: PathBuf,
    pub env: Vec<(String, Template)>,
    /// `None`: pick a free port.
    pub port: Option<u16>,
    pub ready: ReadySpec,
    pub stop: StopSpec,
}

#[derive(Debug, Clone)]
pub(crate) struct ReadySpec {
    pub probe: ReadyProbe,
    pub timeout: Duration,
}

#[derive(Debug, Clone)]
pub(crate) enum ReadyProbe {
    Http { path: String, status: StatusMatcher },
    Tcp,
    Log(Regex),
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct StopSpec {
    pub signal: nix::sys::signal::Signal,
    pub grace: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub(crate) fn parse(text: &str) -> Option<Severity> {
        Some(match text {
            "critical" => Severity::Critical,
            "high" => Severity::High,
            "medium" => Severity::Medium,
            "low" => Severity::Low,
            _ => return None,
        })
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }

    /// Weight in the readiness score (OpenSSF Scorecard's).
    pub(crate) fn weight(self) -> f64 {
        match self {
            Severity::Critical => 10.0,
            Severity::High => 7.5,
            Severity::Medium => 5.0,
            Severity::Low => 2.5,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct CheckSpec {
    pub id: String,
    pub name: Option<String>,
    pub category: String,
    pub severity: Severity,
    pub timeout: Duration,
    pub retries: u32,
    pub exclusive: bool,
    pub pos: SourcePos,
    pub kind: CheckKindSpec,
}

#[derive(Debug, Clone)]
pub(crate) enum CheckKindSpec {
    Http(HttpSpec),
}

impl CheckKindSpec {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            CheckKindSpec::Http(_) => "http",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct HttpSpec {
    pub steps: Vec<StepSpec>,
}

#[derive(Debug, Clone)]
pub(crate) struct StepSpec {
    pub name: Option<String>,
    pub request: RequestSpec,
    pub expect: ExpectSpec,
    pub capture: Vec<(String, CaptureSpec)>,
}

#[derive(Debug, Clone)]
pub(crate) struct RequestSpec {
    pub method: reqwest::Method,
    pub target: Target,
    pub headers: Option<Template>,
    pub query: Option<Template>,
    pub body: BodySpec,
}

#[derive(Debug, Clone)]
pub(crate) enum Target {
    Path(Template),
    Url(Template),
}

#[derive(Debug, Clone)]
pub(crate) enum BodySpec {
    None,
    Json(Template),
    Text(Template),
    Form(Template),
}

#[derive(Debug, Clone, Default)]
pub(crate) struct ExpectSpec {
    pub status: Option<StatusMatcher>,
    pub headers: Vec<(String, HeaderPredicate)>,
    pub json: Vec<JsonAssertion>,
    pub schema: Option<SchemaSpec>,
    pub body: Vec<BodyPredicate>,
    pub max_duration: Option<Duration>,
}

impl ExpectSpec {
    pub(crate) fn is_empty(&self) -> bool {
        self.status.is_none()
            && self.headers.is_empty()
            && self.json.is_empty()
            && self.schema.is_none()
            && self.body.is_empty()
            && self.max_duration.is_none()
    }
}

/// Accepted statuses: any of these codes or inclusive ranges.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StatusMatcher {
    pub ranges: Vec<(u16, u16)>,
    /// As the user wrote it, for messages (`201`, `2xx`, `[200, 204]`).
    pub text: String,
}

impl StatusMatcher {
    pub(crate) fn matches(&self, status: u16) -> bool {
        self.ranges
            .iter()
            .any(|(lo, hi)| (*lo..=*hi).contains(&status))
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
    pub path: Arc<serde_json_path::JsonPath>,
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
    Compare(CompareOp, f64),
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
    Equals(Template),
}

#[derive(Debug, Clone)]
pub(crate) enum CaptureSpec {
    Json {
        text: String,
        path: Arc<serde_json_path::JsonPath>,
    },
    Header(String),
    Regex(Regex),
}
