//! The suite file as the user wrote it: serde types that mirror the YAML one to one.
//!
//! Only `load.rs` sees these. Fields whose meaning depends on their shape (a status that may
//! be a code, a list or a class; a header map that may be a `${var}`) are kept as
//! [`Spanned`] JSON values and given meaning in `load.rs`, with their source location, so
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
}

/// How harden starts, watches and stops the service.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct InstanceRaw {
    /// Argument list (bare names are looked up on PATH), or a string run by `sh -c`.
    #[schemars(with = "CommandSchema")]
    pub command: Any,
    /// Working directory, relative to the suite file (default: the suite file's directory).
    pub cwd: Option<String>,
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
    /// HTTP request(s) and what the responses must satisfy.
    #[schemars(with = "Option<HttpRaw>")]
    pub http: Option<Spanned<HttpRaw>>,
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
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub headers: Option<Any>,
    /// Query parameters.
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub query: Option<Any>,
    /// JSON body.
    #[schemars(with = "Option<Value>")]
    pub json: Option<Any>,
    /// Raw text body.
    #[schemars(with = "Option<String>")]
    pub body: Option<Spanned<String>>,
    /// URL-encoded form body.
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub form: Option<Any>,
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
enum CaptureSchema {
    JsonPath(String),
    Source(BTreeMap<String, String>),
}
