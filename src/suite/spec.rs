//! The validated, inert suite: what the runner sees. Built only by the loader (`suite/loader/`).

use crate::suite::kind::CheckKind;
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
    /// Category to score weight multiplier.
    pub category_weights: std::collections::BTreeMap<String, f64>,
    pub limits: Limits,
}

/// How much of the service's answers harden reads (`limits:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    pub body: u64,
    pub exposition: u64,
    pub command_output: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        const MIB: u64 = 1024 * 1024;
        Limits {
            body: 16 * MIB,
            exposition: 256 * MIB,
            command_output: 16 * MIB,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct InstanceSpec {
    /// argv; a shell command is `["sh", "-c", text]`.
    pub command: Vec<Template>,
    /// The suite's directory, which a relative `cwd` and relative programs resolve against.
    pub dir: PathBuf,
    /// `instance.cwd`, expanded when the instance starts.
    pub cwd: Option<Template>,
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
    Http {
        path: Template,
        status: StatusMatcher,
    },
    Tcp,
    Log(Regex),
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct StopSpec {
    pub signal: nix::sys::signal::Signal,
    pub grace: Duration,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
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
    /// Run against a dedicated instance started with these overrides.
    pub variant: Option<VariantSpec>,
    pub kind: CheckKindSpec,
}

#[derive(Debug, Clone)]
pub(crate) struct VariantSpec {
    /// The suite's instance with the overrides applied.
    pub instance: InstanceSpec,
    /// Run once the variant is ready; argv.
    pub break_command: Option<Vec<Template>>,
    pub setup: VariantSetup,
}

/// What a variant runs once it is ready, before its break command.
#[derive(Debug, Clone)]
pub(crate) enum VariantSetup {
    /// The suite's `setup` (the default).
    Suite,
    /// Nothing.
    Skip,
    /// Steps of its own.
    Own(Vec<StepSpec>),
}

#[derive(Debug, Clone)]
pub(crate) enum CheckKindSpec {
    Http(HttpSpec),
    Health(HealthSpec),
    Dependency(DependencySpec),
    RateLimit(Box<RateLimitSpec>),
    Metrics(MetricsSpec),
    Logs(Box<LogsSpec>),
    Security(Box<SecuritySpec>),
    Load(Box<LoadSpec>),
    Code(CodeSpec),
    Command(Box<CommandSpec>),
    OpenApi(Box<OpenApiSpec>),
}

impl CheckKindSpec {
    pub(crate) fn kind(&self) -> CheckKind {
        match self {
            CheckKindSpec::Http(_) => CheckKind::Http,
            CheckKindSpec::Health(_) => CheckKind::Health,
            CheckKindSpec::Dependency(_) => CheckKind::Dependency,
            CheckKindSpec::RateLimit(_) => CheckKind::RateLimit,
            CheckKindSpec::Metrics(_) => CheckKind::Metrics,
            CheckKindSpec::Logs(_) => CheckKind::Logs,
            CheckKindSpec::Security(_) => CheckKind::Security,
            CheckKindSpec::Load(_) => CheckKind::Load,
            CheckKindSpec::Code(_) => CheckKind::Code,
            CheckKindSpec::Command(_) => CheckKind::Command,
            CheckKindSpec::OpenApi(_) => CheckKind::OpenApi,
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        self.kind().name()
    }

    pub(crate) fn defaults(&self) -> (&'static str, Severity) {
        self.kind().defaults()
    }

    pub(crate) fn needs_service(&self) -> bool {
        self.kind().needs_service()
    }
}

/// Where an OpenAPI document comes from.
#[derive(Debug, Clone)]
pub(crate) enum OpenApiDocument {
    /// Fetched from the service at this path.
    Service(String),
    /// Read (and parsed) when the suite was loaded.
    File { shown: String, doc: Arc<Value> },
}

#[derive(Debug, Clone)]
pub(crate) struct OpenApiSpec {
    pub document: OpenApiDocument,
    pub tags: Vec<String>,
    pub paths: Option<globset::GlobSet>,
    pub headers: Option<Template>,
}

#[derive(Debug, Clone)]
pub(crate) struct HealthSpec {
    pub endpoints: Vec<HealthEndpoint>,
    pub within: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HealthState {
    Healthy,
    Degraded,
    Unhealthy,
}

impl HealthState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            HealthState::Healthy => "healthy",
            HealthState::Degraded => "degraded",
            HealthState::Unhealthy => "unhealthy",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct HealthEndpoint {
    pub path: String,
    pub state: HealthState,
    pub status: Option<StatusMatcher>,
    pub fields: Vec<JsonAssertion>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct DependencySpec {
    pub binaries: Vec<BinarySpec>,
    pub python: Option<PythonSpec>,
    pub env: Vec<String>,
    /// As written, and resolved against the suite directory.
    pub files: Vec<(String, PathBuf)>,
    pub tcp: Vec<String>,
    pub pinned: Vec<(String, PathBuf)>,
}

#[derive(Debug, Clone)]
pub(crate) struct BinarySpec {
    pub name: String,
    pub version: Option<VersionReq>,
    pub version_arg: String,
    pub version_regex: Regex,
}

#[derive(Debug, Clone)]
pub(crate) struct PythonSpec {
    pub interpreter: String,
    pub modules: Vec<(String, Option<VersionReq>)>,
}

/// A version constraint such as `>=3.10,<4`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct VersionReq {
    pub text: String,
    pub clauses: Vec<(CompareOp, Vec<u64>)>,
    /// `==` clauses compare equal; kept apart from the ordering operators.
    pub exact: Vec<Vec<u64>>,
}

#[derive(Debug, Clone)]
pub(crate) struct RateLimitSpec {
    pub request: RequestSpec,
    pub limit: u64,
    pub window: Duration,
    pub refused_status: u16,
    pub tolerance: u64,
    pub concurrency: usize,
    pub clients: RateLimitClients,
    /// Every refusal must carry `Retry-After` (RFC 6585 makes it optional).
    pub require_retry_after: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum RateLimitClients {
    /// The burst from this loopback address, the second client from the next one.
    Addresses(std::net::Ipv4Addr, std::net::Ipv4Addr),
    /// The burst and the second client differ in this header.
    Header(String),
}

#[derive(Debug, Clone)]
pub(crate) struct MetricsSpec {
    pub path: String,
    pub require: Vec<MetricRequirement>,
    pub lint: LintMode,
    pub increases: Vec<IncreaseSpec>,
    pub format: ExpositionFormat,
}

/// The exposition format a `metrics` check asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExpositionFormat {
    /// As Prometheus asks: OpenMetrics first, the classic format accepted.
    Any,
    Classic,
    OpenMetrics,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LintMode {
    Off,
    Warn,
    Fail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MetricType {
    Counter,
    Gauge,
    Histogram,
    Summary,
    /// `untyped` in the classic format, `unknown` in OpenMetrics.
    Untyped,
    /// OpenMetrics only.
    Info,
    StateSet,
    GaugeHistogram,
}

impl MetricType {
    pub(crate) fn parse(text: &str) -> Option<MetricType> {
        Some(match text {
            "counter" => MetricType::Counter,
            "gauge" => MetricType::Gauge,
            "histogram" => MetricType::Histogram,
            "summary" => MetricType::Summary,
            "untyped" | "unknown" => MetricType::Untyped,
            "info" => MetricType::Info,
            "stateset" => MetricType::StateSet,
            "gaugehistogram" => MetricType::GaugeHistogram,
            _ => return None,
        })
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
            MetricType::Histogram => "histogram",
            MetricType::Summary => "summary",
            MetricType::Untyped => "untyped",
            MetricType::Info => "info",
            MetricType::StateSet => "stateset",
            MetricType::GaugeHistogram => "gaugehistogram",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct MetricRequirement {
    pub name: String,
    pub kind: Option<MetricType>,
    pub labels: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct IncreaseSpec {
    pub metric: String,
    pub labels: Vec<(String, String)>,
    pub by: f64,
    pub action: Vec<StepSpec>,
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
    /// Send `Accept-Encoding`.
    pub compressed: bool,
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

/// Numeric components of a version (`3.11.7` -> `[3, 11, 7]`; `1.2rc1` -> `[1, 2]`).
pub(crate) fn version_parts(text: &str) -> Vec<u64> {
    text.trim()
        .trim_start_matches('v')
        .split('.')
        .map_while(|p| {
            let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect()
}

fn cmp_versions(a: &[u64], b: &[u64]) -> std::cmp::Ordering {
    let n = a.len().max(b.len());
    (0..n)
        .map(|i| a.get(i).unwrap_or(&0).cmp(b.get(i).unwrap_or(&0)))
        .find(|o| o.is_ne())
        .unwrap_or(std::cmp::Ordering::Equal)
}

impl VersionReq {
    /// `>=3.10`, `==1.2.3`, `<4`, `>=3.10,<4` (a bare version means `==`).
    pub(crate) fn parse(text: &str) -> Result<VersionReq, String> {
        let mut req = VersionReq {
            text: text.trim().to_string(),
            clauses: Vec::new(),
            exact: Vec::new(),
        };
        for clause in text.split(',').map(str::trim).filter(|c| !c.is_empty()) {
            let (op, rest) = [">=", "<=", "==", ">", "<", "="]
                .iter()
                .find_map(|op| clause.strip_prefix(op).map(|r| (*op, r)))
                .unwrap_or(("==", clause));
            let v = version_parts(rest);
            if v.is_empty() {
                return Err(format!(
                    "invalid version constraint `{text}`; write e.g. `>=3.10` or `>=1.2,<2`"
                ));
            }
            match op {
                "==" | "=" => req.exact.push(v),
                ">=" => req.clauses.push((CompareOp::Gte, v)),
                "<=" => req.clauses.push((CompareOp::Lte, v)),
                ">" => req.clauses.push((CompareOp::Gt, v)),
                _ => req.clauses.push((CompareOp::Lt, v)),
            }
        }
        if req.clauses.is_empty() && req.exact.is_empty() {
            return Err(format!("empty version constraint `{text}`"));
        }
        Ok(req)
    }

    pub(crate) fn matches(&self, version: &str) -> bool {
        let v = version_parts(version);
        if v.is_empty() {
            return false;
        }
        // `==3.11` accepts 3.11.7: compare only as many parts as were written.
        let exact_ok = self
            .exact
            .iter()
            .all(|e| v.len() >= e.len() && v[..e.len()] == e[..]);
        exact_ok
            && self.clauses.iter().all(|(op, want)| {
                let o = cmp_versions(&v, want);
                match op {
                    CompareOp::Gt => o.is_gt(),
                    CompareOp::Gte => o.is_ge(),
                    CompareOp::Lt => o.is_lt(),
                    CompareOp::Lte => o.is_le(),
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_constraints() {
        let r = VersionReq::parse(">=3.10,<4").unwrap();
        assert!(
            r.matches("3.11.7") && r.matches("3.10") && !r.matches("3.9.18") && !r.matches("4.0.1")
        );
        assert!(VersionReq::parse("==1.2").unwrap().matches("1.2.9"));
        assert!(!VersionReq::parse("1.2.3").unwrap().matches("1.2.4"));
        assert!(VersionReq::parse(">1.0rc1").unwrap().matches("1.1"));
        assert!(VersionReq::parse(">=x").is_err());
        assert!(!r.matches("unknown"));
    }
}

#[derive(Debug, Clone)]
pub(crate) struct LogsSpec {
    /// Steps run first; then only the output they caused is examined.
    pub action: Vec<StepSpec>,
    pub output: Option<OutputLogSpec>,
    pub audit: Option<AuditSpec>,
}

#[derive(Debug, Clone)]
pub(crate) struct OutputLogSpec {
    pub json: bool,
    pub fields: Vec<String>,
    pub must_not_match: Vec<Regex>,
}

#[derive(Debug, Clone)]
pub(crate) struct AuditSpec {
    pub file: Template,
    pub expect: Vec<(String, Template)>,
    pub within: Duration,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct SecuritySpec {
    pub auth_required: Vec<RequestSpec>,
    pub spoofable_identity: Option<RequestSpec>,
    pub error_hygiene: Option<RequestSpec>,
    pub cors: Option<CorsSpec>,
    pub webhook: Option<WebhookSpec>,
    pub headers: Option<SecurityHeadersSpec>,
}

#[derive(Debug, Clone)]
pub(crate) struct CorsSpec {
    pub path: String,
    pub allowed: Vec<String>,
    pub method: String,
}

#[derive(Debug, Clone)]
pub(crate) struct WebhookSpec {
    pub path: String,
    pub secret: Template,
    pub header: String,
    pub prefix: String,
    pub headers: Option<Template>,
    pub payload: Template,
}

#[derive(Debug, Clone)]
pub(crate) struct SecurityHeadersSpec {
    pub path: String,
    /// Lowercase names, with the value they must have when given.
    pub require: Vec<(String, Option<String>)>,
}

#[derive(Debug, Clone)]
pub(crate) struct LoadSpec {
    pub request: RequestSpec,
    pub amount: LoadAmount,
    pub concurrency: usize,
    pub ok_status: StatusMatcher,
    pub thresholds: LoadThresholds,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum LoadAmount {
    Requests(u64),
    Duration(Duration),
}

#[derive(Debug, Clone, Default)]
pub(crate) struct LoadThresholds {
    pub p50: Option<Duration>,
    pub p95: Option<Duration>,
    pub p99: Option<Duration>,
    pub max: Option<Duration>,
    /// 0.0 to 1.0.
    pub error_rate: Option<f64>,
    pub min_rps: Option<f64>,
}

#[derive(Debug, Clone)]
pub(crate) struct CodeSpec {
    pub root: PathBuf,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub rules: Vec<CodeRule>,
}

#[derive(Debug, Clone)]
pub(crate) struct CodeRule {
    pub name: String,
    pub pattern: Regex,
    /// Globs of files the rule applies to; empty means all scanned files.
    pub files: Vec<String>,
    pub max: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct CommandSpec {
    pub argv: Vec<Template>,
    pub cwd: PathBuf,
    pub env: Vec<(String, Template)>,
    pub exit: Option<i32>,
    pub stdout: Vec<BodyPredicate>,
    pub stderr: Vec<BodyPredicate>,
    /// Relative to `cwd` once expanded.
    pub junit: Option<Template>,
    /// 0.0 to 1.0.
    pub min_pass_rate: f64,
    /// Relative to `cwd` once expanded.
    pub sarif: Option<Template>,
    /// Rule id or level, and the findings allowed.
    pub budgets: Vec<(String, u64)>,
}
