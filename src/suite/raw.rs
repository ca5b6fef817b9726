//! The suite file as the user wrote it: serde types that mirror the YAML one to one.
//!
//! Only the loader (`suite/loader/`) sees these. Fields whose meaning depends on their shape (a status that may
//! be a code, a list or a class; a header map that may be a `${var}`) are kept as
//! [`Spanned`] JSON values and given meaning in the loader, with their source location, so
//! that no `untagged` enum swallows the position of a mistake.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;

/// A located value of any YAML shape.
pub(crate) type Any = Spanned<Value>;

/// A harden check suite.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct SuiteRaw {
    /// Name of the suite: the JUnit `<testsuite>` name and the prefix of every classname.
    #[schemars(with = "String")]
    pub suite: Spanned<String>,
    /// How to start the service under test. Without it, checks go to `base-url`.
    pub instance: Option<InstanceRaw>,
    /// Address of a service that is already running (used when there is no `instance`).
    #[schemars(with = "Option<String>")]
    pub base_url: Option<Spanned<String>>,
    /// Variables, of any YAML shape, referenced as `${name}`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Value>")]
    pub vars: Option<Spanned<serde_json::Map<String, Value>>>,
    /// Names of variables whose values are shown as `***` in every output.
    #[serde(default)]
    pub secrets: Vec<String>,
    /// HTTP steps run once the instance is ready; their captures are visible to every check.
    #[serde(default)]
    pub setup: Vec<StepRaw>,
    /// HTTP steps run after the checks, before the instance is stopped.
    #[serde(default)]
    pub teardown: Vec<StepRaw>,
    /// The checks.
    pub checks: Vec<CheckRaw>,
    /// How the readiness score weighs this suite's checks.
    pub score: Option<ScoreRaw>,
    /// How much harden reads of the service's answers (docs/RELIABILITY.md).
    pub limits: Option<LimitsRaw>,
}

/// Read limits: sizes such as `16MiB`, `512KiB` or a number of bytes.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct LimitsRaw {
    /// Largest HTTP response body a check reads (default `16MiB`).
    #[schemars(with = "Option<String>")]
    pub body: Option<Spanned<String>>,
    /// Largest metrics exposition (parsed as a stream; default `256MiB`).
    #[schemars(with = "Option<String>")]
    pub exposition: Option<Spanned<String>>,
    /// Output of a `command` check kept per stream (default `16MiB`).
    #[schemars(with = "Option<String>")]
    pub command_output: Option<Spanned<String>>,
}

/// Readiness score settings.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct ScoreRaw {
    /// Multiplies the severity weight of every check in a category (default 1).
    #[serde(default)]
    pub category_weights: BTreeMap<String, f64>,
    /// Check id to severity, overriding what the check says.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub severities: BTreeMap<String, Spanned<String>>,
}

/// How harden starts, watches and stops the service.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct InstanceRaw {
    /// Argument list (bare names are looked up on PATH), or a string run by `sh -c`.
    #[schemars(with = "CommandSchema")]
    pub command: Any,
    /// Working directory, relative to the suite file (default: the suite file's directory).
    /// Takes `${...}` like every instance field.
    #[schemars(with = "Option<String>")]
    pub cwd: Option<Spanned<String>>,
    /// Variables added to harden's own environment.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub env: BTreeMap<String, Spanned<String>>,
    /// `auto` (a free port, exported as `PORT`) or a fixed port number.
    #[schemars(with = "Option<PortSchema>")]
    pub port: Option<Any>,
    /// When the service counts as ready.
    pub ready: Option<ReadyRaw>,
    /// How the service is stopped.
    pub stop: Option<StopRaw>,
}

/// Readiness: exactly one of `http`, `tcp` or `log`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct ReadyRaw {
    /// Path polled with GET until it answers an accepted status.
    #[schemars(with = "Option<String>")]
    pub http: Option<Spanned<String>>,
    /// Accepted statuses for `http` (default `200-399`).
    #[schemars(with = "Option<StatusSchema>")]
    pub status: Option<Any>,
    /// Ready once the port accepts a TCP connection.
    pub tcp: Option<bool>,
    /// Ready once a line of the service's output matches this regex.
    #[schemars(with = "Option<String>")]
    pub log: Option<Spanned<String>>,
    /// How long to wait (default `60s`).
    #[schemars(with = "Option<String>")]
    pub timeout: Option<Spanned<String>>,
}

/// Stopping: a signal to the whole process group, then SIGKILL after `grace`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct StopRaw {
    /// `term` (default), `int`, `hup`, `quit` or `kill`.
    #[schemars(with = "Option<String>")]
    pub signal: Option<Spanned<String>>,
    /// How long to wait before SIGKILL (default `10s`).
    #[schemars(with = "Option<String>")]
    pub grace: Option<Spanned<String>>,
}

/// One check: an `id`, optional metadata, and exactly one kind key.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct CheckRaw {
    /// Stable id (`[a-z0-9][a-z0-9-_.]*`): JUnit testcase name, `--filter` target, report key.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// Human-readable name.
    pub name: Option<String>,
    /// Category for the readiness score (default: the kind's own, e.g. `contract`).
    pub category: Option<String>,
    /// `critical`, `high`, `medium` or `low`.
    #[schemars(with = "Option<String>")]
    pub severity: Option<Spanned<String>>,
    /// Deadline for the whole check, e.g. `30s`.
    #[schemars(with = "Option<String>")]
    pub timeout: Option<Spanned<String>>,
    /// Retries after an error (never after a failed assertion).
    pub retries: Option<u32>,
    /// Run with nothing else in flight.
    pub exclusive: Option<bool>,
    /// Run this check against its own instance of the service, started with these
    /// overrides (and optionally broken on purpose once it is ready).
    pub variant: Option<VariantRaw>,
    /// HTTP request(s) and what the responses must satisfy.
    #[schemars(with = "Option<HttpRaw>")]
    pub http: Option<Box<Spanned<HttpRaw>>>,
    /// Health and readiness endpoints report the state they should.
    #[schemars(with = "Option<HealthRaw>")]
    pub health: Option<Box<Spanned<HealthRaw>>>,
    /// Preflight: what the service and its tests need is present (before anything starts).
    #[schemars(with = "Option<DependencyRaw>")]
    pub dependency: Option<Box<Spanned<DependencyRaw>>>,
    /// A burst beyond the declared limit is refused, and a second client is not.
    #[schemars(with = "Option<RateLimitRaw>")]
    pub rate_limit: Option<Box<Spanned<RateLimitRaw>>>,
    /// The metrics endpoint parses, has the required families, and counters move.
    #[schemars(with = "Option<MetricsRaw>")]
    pub metrics: Option<Box<Spanned<MetricsRaw>>>,
    /// The service's own output and audit log.
    #[schemars(with = "Option<LogsRaw>")]
    pub logs: Option<Box<Spanned<LogsRaw>>>,
    /// Probes for authentication, error hygiene, CORS, webhook signatures, headers.
    #[schemars(with = "Option<SecurityRaw>")]
    pub security: Option<Box<Spanned<SecurityRaw>>>,
    /// Latency and throughput under concurrent load.
    #[schemars(with = "Option<LoadRaw>")]
    pub load: Option<Box<Spanned<LoadRaw>>>,
    /// Source hygiene budgets: regex matches counted over files.
    #[schemars(with = "Option<CodeRaw>")]
    pub code: Option<Box<Spanned<CodeRaw>>>,
    /// Run a command: exit code, output, or the JUnit file it writes.
    #[schemars(with = "Option<CommandRaw>")]
    pub command: Option<Box<Spanned<CommandRaw>>>,
    /// Call every operation of an OpenAPI document: documented statuses and schemas only.
    #[schemars(with = "Option<OpenApiRaw>")]
    pub openapi: Option<Box<Spanned<OpenApiRaw>>>,
}

/// Every operation of an OpenAPI document (or those selected), called with the document's
/// examples or values generated from its schemas.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct OpenApiRaw {
    /// Where the document is: a path on the service (default `/openapi.json`), or a JSON
    /// file relative to the suite.
    pub document: Option<String>,
    /// Only operations with one of these tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Only operations whose path matches one of these globs (`/items*`).
    #[serde(default)]
    pub paths: Vec<String>,
    /// Headers sent with every call (a map, or `${var}` holding one), e.g. credentials.
    #[schemars(with = "Option<MapOrVarSchema>")]
    pub headers: Option<Any>,
}

/// The service's output and audit log.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct LogsRaw {
    /// An action first (one request or steps); then only what it caused is examined.
    pub request: Option<RequestRaw>,
    pub steps: Option<Vec<StepRaw>>,
    /// The instance's stdout and stderr.
    pub output: Option<OutputLogRaw>,
    /// An audit log file that must gain a matching JSON line.
    pub audit: Option<AuditRaw>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct OutputLogRaw {
    /// Every line is a JSON object.
    pub json: Option<bool>,
    /// Fields every JSON line must have.
    #[serde(default)]
    pub fields: Vec<String>,
    /// Regexes no line may match (stack traces, token shapes). Secret values of the suite
    /// and well-known token shapes are always looked for.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub must_not_match: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct AuditRaw {
    /// The audit file (templates allowed, e.g. `${INSTANCE_DIR}/logs/audit.log`).
    #[schemars(with = "String")]
    pub file: Spanned<String>,
    /// Fields the new line must have, with their values.
    #[schemars(with = "BTreeMap<String, Value>")]
    pub expect: Spanned<serde_json::Map<String, Value>>,
    /// How long to wait for the line (default `2s`).
    #[schemars(with = "Option<String>")]
    pub within: Option<Spanned<String>>,
}

/// Security probes; a check may combine several.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct SecurityRaw {
    /// Requests that must be refused (401/403) as written, without credentials.
    pub auth_required: Option<Vec<RequestRaw>>,
    /// A request made with a made-up identity in plain headers must be refused.
    pub spoofable_identity: Option<RequestRaw>,
    /// Malformed input to this endpoint must get 4xx, never 5xx, and no error body may
    /// leak a stack trace, file path or exception name.
    pub error_hygiene: Option<RequestRaw>,
    /// CORS preflights: foreign origins refused, the allowed ones accepted.
    pub cors: Option<CorsRaw>,
    /// HMAC-SHA256 webhook signatures: unsigned and tampered refused, valid accepted.
    pub webhook_signature: Option<WebhookRaw>,
    /// Security response headers the endpoint must send.
    pub headers: Option<SecurityHeadersRaw>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct CorsRaw {
    #[schemars(with = "String")]
    pub path: Spanned<String>,
    /// Origins that must be allowed.
    #[serde(default)]
    pub allowed: Vec<String>,
    /// The method the preflight asks for (default POST).
    pub method: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct WebhookRaw {
    #[schemars(with = "String")]
    pub path: Spanned<String>,
    /// The shared secret, usually `${env.WEBHOOK_SECRET}` or a secret var.
    #[schemars(with = "String")]
    pub secret: Spanned<String>,
    /// Default `X-Hub-Signature-256`.
    pub header: Option<String>,
    /// Default `sha256=`.
    pub prefix: Option<String>,
    /// Other headers to send (e.g. `X-GitHub-Event`).
    #[schemars(with = "Option<MapOrVarSchema>")]
    pub headers: Option<Any>,
    /// The JSON payload (default `{"zen": "harden"}`).
    #[schemars(with = "Option<Value>")]
    pub json: Option<Any>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct SecurityHeadersRaw {
    #[schemars(with = "String")]
    pub path: Spanned<String>,
    /// Header names that must be present; `{name: value}` items also fix the value.
    #[schemars(with = "Vec<Value>")]
    pub require: Vec<Any>,
}

/// A load run.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct LoadRaw {
    pub request: RequestRaw,
    /// Number of requests (default 1000 unless `duration` is set).
    pub requests: Option<u64>,
    /// Or send for this long.
    #[schemars(with = "Option<String>")]
    pub duration: Option<Spanned<String>>,
    /// Requests in flight (default 10).
    pub concurrency: Option<u64>,
    /// Statuses that count as served (default `200-399`); anything else is an error.
    #[schemars(with = "Option<StatusSchema>")]
    pub expect_status: Option<Any>,
    /// Upper bounds: `p50`, `p95`, `p99`, `max` (durations), `error-rate` (`1%`),
    /// and a lower bound `min-rps`.
    pub thresholds: LoadThresholdsRaw,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct LoadThresholdsRaw {
    #[schemars(with = "Option<String>")]
    pub p50: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    pub p95: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    pub p99: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    pub max: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    pub error_rate: Option<Spanned<String>>,
    pub min_rps: Option<f64>,
}

/// Source hygiene budgets.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct CodeRaw {
    /// Directory to scan, relative to the suite file (default: the suite's directory).
    pub root: Option<String>,
    /// Globs of files to scan, relative to `root` (default every file). `.gitignore` is respected.
    #[serde(default)]
    pub include: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
    pub rules: Vec<CodeRuleRaw>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct CodeRuleRaw {
    /// A built-in rule: `console-log`, `except-pass`, `datetime-utcnow`,
    /// `pydantic-class-config`, `generic-exception`, `secrets`.
    #[schemars(with = "Option<String>")]
    pub preset: Option<Spanned<String>>,
    /// Or a name and a regex of your own.
    pub name: Option<String>,
    #[schemars(with = "Option<String>")]
    pub pattern: Option<Spanned<String>>,
    /// Globs this rule applies to (default: the preset's, or every scanned file).
    #[serde(default)]
    pub files: Vec<String>,
    /// Matches allowed (default 0).
    pub max: Option<u64>,
}

/// Run a command.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct CommandRaw {
    /// Argument list, or a string run by `sh -c`.
    #[schemars(with = "CommandSchema")]
    pub run: Any,
    /// Working directory, relative to the suite file.
    pub cwd: Option<String>,
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub env: BTreeMap<String, Spanned<String>>,
    /// Expected exit code (default 0 unless `junit` is set).
    pub exit: Option<i32>,
    pub stdout: Option<BodyExpectRaw>,
    pub stderr: Option<BodyExpectRaw>,
    /// A JUnit XML file the command writes (relative to `cwd`): its tests must pass.
    #[schemars(with = "Option<String>")]
    pub junit: Option<Spanned<String>>,
    /// Pass rate required from the JUnit file (default `100%`).
    #[schemars(with = "Option<String>")]
    pub min_pass_rate: Option<Spanned<String>>,
    /// A SARIF 2.1.0 file the command writes (relative to `cwd`), as ruff, eslint, bandit,
    /// semgrep and gitleaks do: its findings count against `budgets`.
    #[schemars(with = "Option<String>")]
    pub sarif: Option<Spanned<String>>,
    /// Findings allowed per rule id or level (`{ BLE001: 0, warning: 10 }`). A finding
    /// counts against its rule's budget, else its level's; without either, `error` and
    /// `warning` findings are allowed none, `note` any.
    #[serde(default)]
    pub budgets: BTreeMap<String, u64>,
}

/// Overrides for a check's own instance.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct VariantRaw {
    /// Added to (and overriding) `instance.env`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub env: BTreeMap<String, Spanned<String>>,
    /// Appended to `instance.command`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub args: Vec<Spanned<String>>,
    /// Replaces `instance.ready`.
    pub ready: Option<ReadyRaw>,
    /// Command run once the variant is ready (argv list, or a string run by `sh -c`),
    /// e.g. `["rm", "${INSTANCE_DIR}/app.db"]`.
    #[serde(rename = "break")]
    #[schemars(with = "Option<CommandSchema>")]
    pub break_: Option<Any>,
    /// `false` to skip the suite's `setup` on this variant (a variant that breaks what the
    /// setup needs), or steps of its own to run instead. Default: the suite's setup.
    pub setup: Option<VariantSetupRaw>,
}

/// A variant's `setup`: `false`, `true`, or its own steps.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub(crate) enum VariantSetupRaw {
    Enabled(bool),
    Steps(Vec<StepRaw>),
}

/// Health endpoints and the state each must report.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct HealthRaw {
    pub endpoints: Vec<HealthEndpointRaw>,
    /// Keep polling until every endpoint reports its state, up to this long (default `5s`):
    /// a service may need a moment to notice a lost dependency.
    #[schemars(with = "Option<String>")]
    pub within: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct HealthEndpointRaw {
    #[schemars(with = "String")]
    pub path: Spanned<String>,
    /// `healthy` (2xx, status healthy/ok/ready/up), `degraded` (2xx, status degraded) or
    /// `unhealthy` (5xx, or status unhealthy/down/not ready/error).
    #[schemars(with = "String")]
    pub expect: Spanned<String>,
    /// Exact status code(s), when the state's default range is not precise enough.
    #[schemars(with = "Option<StatusSchema>")]
    pub status: Option<Any>,
    /// More JSONPath assertions on the body, as in `http.expect.json`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Value>")]
    pub fields: BTreeMap<String, Any>,
}

/// What must be present before anything starts.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct DependencyRaw {
    /// Programs on PATH: `python3`, or `{name: python3, version: ">=3.10", version-arg: --version, version-regex: "..."}`.
    #[serde(default)]
    #[schemars(with = "Vec<Value>")]
    pub binaries: Vec<Any>,
    /// Python modules that must import.
    pub python: Option<PythonRaw>,
    /// Environment variables that must be set (values are never printed).
    #[serde(default)]
    pub env: Vec<String>,
    /// Files that must exist (relative to the suite file).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub files: Vec<Spanned<String>>,
    /// `host:port` endpoints that must accept a TCP connection.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub tcp: Vec<Spanned<String>>,
    /// Requirement files in which every requirement must be pinned with `==`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub pinned: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct PythonRaw {
    /// Default `python3`.
    pub interpreter: Option<String>,
    /// Module names, optionally with a version constraint: `structlog>=23.1`.
    #[schemars(with = "Vec<String>")]
    pub modules: Vec<Spanned<String>>,
}

/// A rate-limit probe.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RateLimitRaw {
    /// The request the burst repeats.
    pub request: RequestRaw,
    /// Requests allowed per window.
    pub limit: u64,
    /// The window, e.g. `60s` or `1m`.
    #[schemars(with = "String")]
    pub window: Spanned<String>,
    /// Status of a refusal (default 429).
    pub expect_status: Option<u16>,
    /// Extra requests a fixed or sliding window may let through (default 0).
    pub tolerance: Option<u64>,
    /// Requests in flight at once during the burst (default 10).
    pub concurrency: Option<u64>,
    /// Vary this header per client instead of the source address (per-user limits).
    pub client_header: Option<String>,
    /// Loopback source address of the burst (default `127.0.0.2`); the second client
    /// uses the next address.
    pub source: Option<String>,
    /// Fail a refusal without `Retry-After` (default false: RFC 6585 makes it optional,
    /// and nginx `limit_req` sends none). When present it must always make sense.
    #[serde(default)]
    pub require_retry_after: bool,
}

/// A metrics scrape.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct MetricsRaw {
    /// Default `/metrics`.
    pub path: Option<String>,
    /// Families that must be exposed.
    #[serde(default)]
    pub require: Vec<MetricRequireRaw>,
    /// promtool-style lint findings: `off`, `warn` (shown, default) or `fail`.
    #[schemars(with = "Option<String>")]
    pub lint: Option<Spanned<String>>,
    /// Counters that must grow after an action.
    #[serde(default)]
    pub increases_after: Vec<IncreaseRaw>,
    /// Which exposition format to ask for: `openmetrics` or `classic` (Prometheus text
    /// 0.0.4). Default: what Prometheus asks for (OpenMetrics first); either is accepted.
    #[schemars(with = "Option<String>")]
    pub format: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct MetricRequireRaw {
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// `counter`, `gauge`, `histogram`, `summary` or `untyped`.
    #[serde(rename = "type")]
    #[schemars(with = "Option<String>")]
    pub kind: Option<Spanned<String>>,
    /// Label names every sample must carry.
    #[serde(default)]
    pub labels: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct IncreaseRaw {
    /// Metric (sample) name; with `labels`, only matching series are summed.
    #[schemars(with = "String")]
    pub metric: Spanned<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Minimum growth (default 1).
    pub by: Option<f64>,
    /// The action: one request, or several steps.
    pub request: Option<RequestRaw>,
    pub steps: Option<Vec<StepRaw>>,
}

/// An `http` check: one `request` + `expect`, or a list of `steps`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct HttpRaw {
    pub request: Option<RequestRaw>,
    pub expect: Option<ExpectRaw>,
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, CaptureSchema>")]
    pub capture: BTreeMap<String, Any>,
    pub steps: Option<Vec<StepRaw>>,
}

/// One request in a `setup`, `teardown` or `steps` list.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct StepRaw {
    pub name: Option<String>,
    pub request: RequestRaw,
    pub expect: Option<ExpectRaw>,
    /// Values taken from the response: `"$.json.path"`, `{header: name}` or `{regex: "..."}`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, CaptureSchema>")]
    pub capture: BTreeMap<String, Any>,
}

/// An HTTP request. Every string may contain `${var}`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RequestRaw {
    /// `GET` (default), `POST`, `PUT`, `PATCH`, `DELETE`, `HEAD` or `OPTIONS`.
    #[schemars(with = "Option<String>")]
    pub method: Option<Spanned<String>>,
    /// Path relative to the instance's base URL.
    #[schemars(with = "Option<String>")]
    pub path: Option<Spanned<String>>,
    /// Absolute URL (instead of `path`).
    #[schemars(with = "Option<String>")]
    pub url: Option<Spanned<String>>,
    /// Header map, or `${var}` holding one.
    #[schemars(with = "Option<MapOrVarSchema>")]
    pub headers: Option<Any>,
    /// Query parameters (a map, or `${var}` holding one).
    #[schemars(with = "Option<MapOrVarSchema>")]
    pub query: Option<Any>,
    /// JSON body.
    #[schemars(with = "Option<Value>")]
    pub json: Option<Any>,
    /// Raw text body.
    #[schemars(with = "Option<String>")]
    pub body: Option<Spanned<String>>,
    /// URL-encoded form body (a map, or `${var}` holding one).
    #[schemars(with = "Option<MapOrVarSchema>")]
    pub form: Option<Any>,
    /// Ask for a compressed answer (`Accept-Encoding: gzip, deflate, br, zstd`). A
    /// compressed answer is decoded before any assertion either way.
    #[serde(default)]
    pub compressed: bool,
}

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
    /// JSONPath (RFC 9535) to a value (equality) or to predicates:
    /// `equals, matches, exists, absent, type, length, contains, gt, gte, lt, lte`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Value>")]
    pub json: BTreeMap<String, Any>,
    /// JSON Schema: a file path (relative to the suite) or an inline schema.
    #[schemars(with = "Option<Value>")]
    pub schema: Option<Any>,
    /// Body text predicates: `{contains, not-contains, matches, equals}`.
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
    pub equals: Option<Spanned<String>>,
}

// Shapes for the JSON Schema only: the loader reads these fields as located values.

#[derive(JsonSchema)]
#[serde(untagged)]
#[expect(dead_code, reason = "schema shape only")]
enum CommandSchema {
    Argv(Vec<String>),
    Shell(String),
}

#[derive(JsonSchema)]
#[serde(untagged)]
#[expect(dead_code, reason = "schema shape only")]
enum PortSchema {
    Auto(String),
    Fixed(u16),
}

#[derive(JsonSchema)]
#[serde(untagged)]
#[expect(dead_code, reason = "schema shape only")]
enum StatusSchema {
    Code(u16),
    List(Vec<u16>),
    Class(String),
}

#[derive(JsonSchema)]
#[serde(untagged)]
#[expect(dead_code, reason = "schema shape only")]
enum MapOrVarSchema {
    Map(BTreeMap<String, Value>),
    /// A `${var}` holding a map.
    Var(String),
}

#[derive(JsonSchema)]
#[serde(untagged)]
#[expect(dead_code, reason = "schema shape only")]
enum CaptureSchema {
    JsonPath(String),
    Source(BTreeMap<String, String>),
}
