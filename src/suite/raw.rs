//! The suite file as the user wrote it: serde types that mirror the YAML one to one.
//!
//! Only the suite-level keys live here; each kind's keys are in its file under
//! `suite/kinds/`, the request and expect grammar in `suite/request.rs` and
//! `suite/expect.rs`. Only the loader sees these. Fields whose meaning depends on their
//! shape (a status that may be a code, a list or a class; a header map that may be a
//! `${var}`) are kept as [`Spanned`] JSON values and given meaning in the loader, with
//! their source location, so that no `untagged` enum swallows the position of a mistake.

use crate::suite::kind::CheckKind;
use crate::suite::kinds::{
    CodeRaw, CommandRaw, DependencyRaw, HealthRaw, HttpRaw, LoadRaw, LogsRaw, MetricsRaw,
    OpenApiRaw, RateLimitRaw, SecurityRaw,
};
use crate::suite::located::{Location, Spanned};
use crate::suite::request::StepRaw;
use crate::suite::shapes::{Any, CommandSchema, PortSchema, StatusSchema};
use crate::suite::timing::TimingRaw;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

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
    /// What is secret, shown as `***` in every output: variables (`token`), environment
    /// variables (`env.DEPLOY_KEY`) and captures (`jwt`, from when it is captured).
    /// `${env.NAME}` values whose name says secret (`*TOKEN*`, `*PASSWORD*`, `*KEY*`...) are
    /// secret without being listed.
    #[serde(default)]
    pub secrets: Vec<String>,
    /// HTTP steps run once the instance is ready; their captures are visible to every check.
    #[serde(default)]
    pub setup: Vec<StepRaw>,
    /// HTTP steps run after the checks, before the instance is stopped.
    #[serde(default)]
    pub teardown: Vec<StepRaw>,
    /// The checks.
    #[expect(
        dead_code,
        reason = "the loader reads each check from the tree on its own; the field makes the key required and is the JSON Schema's"
    )]
    pub checks: Vec<CheckRaw>,
    /// How the readiness score weighs this suite's checks.
    pub score: Option<ScoreRaw>,
    /// How much harden reads of the service's answers (docs/RELIABILITY.md).
    pub limits: Option<LimitsRaw>,
    /// Timing verdicts on a busy machine: a failed `max-duration`, latency percentile or
    /// throughput is measured again before it counts (docs/RELIABILITY.md).
    pub timing: Option<TimingRaw>,
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

/// One kind key as written, taken out of its [`CheckRaw`].
#[derive(Debug)]
pub(crate) enum KindRaw {
    Http(Box<Spanned<HttpRaw>>),
    Health(Box<Spanned<HealthRaw>>),
    Dependency(Box<Spanned<DependencyRaw>>),
    RateLimit(Box<Spanned<RateLimitRaw>>),
    Metrics(Box<Spanned<MetricsRaw>>),
    Logs(Box<Spanned<LogsRaw>>),
    Security(Box<Spanned<SecurityRaw>>),
    Load(Box<Spanned<LoadRaw>>),
    Code(Box<Spanned<CodeRaw>>),
    Command(Box<Spanned<CommandRaw>>),
    OpenApi(Box<Spanned<OpenApiRaw>>),
}

impl CheckRaw {
    /// Takes `kind`'s key out of the check, with where it was written: the one place that
    /// says which field holds which kind, so a new kind does not compile until it is here.
    pub(crate) fn take_kind(&mut self, kind: CheckKind) -> Option<(Location, KindRaw)> {
        fn at<T>(
            raw: Option<Box<Spanned<T>>>,
            wrap: fn(Box<Spanned<T>>) -> KindRaw,
        ) -> Option<(Location, KindRaw)> {
            raw.map(|r| (r.referenced, wrap(r)))
        }
        match kind {
            CheckKind::Http => at(self.http.take(), KindRaw::Http),
            CheckKind::Health => at(self.health.take(), KindRaw::Health),
            CheckKind::Dependency => at(self.dependency.take(), KindRaw::Dependency),
            CheckKind::RateLimit => at(self.rate_limit.take(), KindRaw::RateLimit),
            CheckKind::Metrics => at(self.metrics.take(), KindRaw::Metrics),
            CheckKind::Logs => at(self.logs.take(), KindRaw::Logs),
            CheckKind::Security => at(self.security.take(), KindRaw::Security),
            CheckKind::Load => at(self.load.take(), KindRaw::Load),
            CheckKind::Code => at(self.code.take(), KindRaw::Code),
            CheckKind::Command => at(self.command.take(), KindRaw::Command),
            CheckKind::OpenApi => at(self.openapi.take(), KindRaw::OpenApi),
        }
    }
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
#[derive(Debug, JsonSchema)]
#[serde(untagged)]
pub(crate) enum VariantSetupRaw {
    Enabled(bool),
    Steps(Vec<StepRaw>),
}

/// Read by hand rather than `untagged`, so a wrong value is said in words and a step's
/// mistakes keep their place.
impl<'de> Deserialize<'de> for VariantSetupRaw {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{Error, MapAccess, SeqAccess, Visitor};
        const EXPECTED: &str = "expected `true`, `false` or a list of steps";
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = VariantSetupRaw;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("`true`, `false` or a list of steps")
            }
            fn visit_bool<E: Error>(self, b: bool) -> Result<Self::Value, E> {
                Ok(VariantSetupRaw::Enabled(b))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut steps = Vec::new();
                while let Some(s) = seq.next_element::<StepRaw>()? {
                    steps.push(s);
                }
                Ok(VariantSetupRaw::Steps(steps))
            }
            fn visit_str<E: Error>(self, s: &str) -> Result<Self::Value, E> {
                Err(E::custom(format!("{EXPECTED}, found `{s}`")))
            }
            fn visit_u64<E: Error>(self, n: u64) -> Result<Self::Value, E> {
                Err(E::custom(format!("{EXPECTED}, found `{n}`")))
            }
            fn visit_i64<E: Error>(self, n: i64) -> Result<Self::Value, E> {
                Err(E::custom(format!("{EXPECTED}, found `{n}`")))
            }
            fn visit_f64<E: Error>(self, n: f64) -> Result<Self::Value, E> {
                Err(E::custom(format!("{EXPECTED}, found `{n}`")))
            }
            fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
                Err(E::custom(format!("{EXPECTED}, found nothing")))
            }
            fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
                Err(A::Error::custom(format!(
                    "{EXPECTED}, found a mapping (a single step is written as a list: `- request: ...`)"
                )))
            }
        }
        d.deserialize_any(V)
    }
}

// Shapes for the JSON Schema only: the loader reads these fields as located values.
