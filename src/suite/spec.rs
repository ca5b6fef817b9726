//! The validated, inert suite: what the runner sees. Built only by the loader (`suite/loader/`).

use crate::suite::expect::StatusMatcher;
use crate::suite::kind::CheckKind;
use crate::suite::kinds::{
    CodeSpec, CommandSpec, DependencySpec, HealthSpec, HttpSpec, LoadSpec, LogsSpec, MetricsSpec,
    OpenApiSpec, RateLimitSpec, SecuritySpec,
};
use crate::suite::request::StepSpec;
use crate::suite::severity::Severity;
use crate::suite::shared::SharedStr;
use crate::suite::template::Template;
use regex::Regex;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Where something was written: the suite file (one path shared by all its checks) and a
/// 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SourcePos {
    pub file: Arc<Path>,
    pub line: u32,
    pub column: u32,
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
    /// Names whose values are redacted in every output: vars, `env.NAME`, capture names.
    pub secrets: Vec<String>,
    pub setup: Vec<StepSpec>,
    pub teardown: Vec<StepSpec>,
    pub checks: Vec<CheckSpec>,
    /// The suite's `timing:` (re-measuring failed timing verdicts), for every check.
    pub timing: crate::suite::TimingSpec,
    /// Environment variables the suite reads through `${env.NAME}` (secret when their name
    /// says so, or when `secrets:` lists `env.NAME`).
    pub env_refs: Vec<String>,
    /// Every name a `--var` may set: the suite's `vars:` and the names its `${...}` use.
    pub var_names: std::collections::BTreeSet<String>,
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

#[derive(Debug, Clone)]
pub(crate) struct CheckSpec {
    /// Shared with the report's list of checks, as are `name` and `category`.
    pub id: SharedStr,
    pub name: Option<SharedStr>,
    /// A kind's default category is `SharedStr::Static`.
    pub category: SharedStr,
    pub severity: Severity,
    pub timeout: Duration,
    pub retries: u32,
    pub exclusive: bool,
    pub pos: SourcePos,
    /// Run against a dedicated instance started with these overrides.
    pub variant: Option<Box<VariantSpec>>,
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
    Health(Box<HealthSpec>),
    Dependency(Box<DependencySpec>),
    RateLimit(Box<RateLimitSpec>),
    Metrics(Box<MetricsSpec>),
    Logs(Box<LogsSpec>),
    Security(Box<SecuritySpec>),
    Load(Box<LoadSpec>),
    Code(Box<CodeSpec>),
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

    /// Whether the check judges time (a `max-duration`, a load's latencies and
    /// throughput): it never runs while another instance of the service starts up.
    pub(crate) fn measures_time(&self) -> bool {
        match self {
            CheckKindSpec::Http(h) => h.steps.iter().any(|s| s.expect.max_duration().is_some()),
            CheckKindSpec::Load(_) => true,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run holds every check's spec to its end: what a step rarely has (headers, a body,
    /// JSON predicates, captures, a name) is boxed, so that the commonest step, a path and
    /// a status, costs little more than those; a template of a string holds it in place;
    /// a check's texts are shared handles.
    #[test]
    fn a_step_and_a_check_stay_small() {
        assert!(size_of::<StepSpec>() <= 104, "{}", size_of::<StepSpec>());
        assert!(size_of::<Template>() <= 16);
        assert!(size_of::<Option<StatusMatcher>>() <= 32);
        assert!(size_of::<CheckSpec>() <= 128, "{}", size_of::<CheckSpec>());
        assert!(size_of::<CheckKindSpec>() <= 24);
    }

    fn suite(checks: &str) -> Suite {
        let yaml = format!("suite: s\nbase-url: http://127.0.0.1:9\nchecks:\n{checks}");
        crate::suite::load_str(Path::new("s.yaml"), &yaml, &[]).unwrap()
    }

    /// A status reads as the suite wrote it, and one written as a code needs no heap.
    #[test]
    fn a_status_reads_as_written() {
        let s = suite(
            "  - id: a\n    http: { request: { path: /x }, expect: { status: 200 } }\n  - id: b\n    http: { request: { path: /y }, expect: { status: 2XX } }\n  - id: c\n    http: { request: { path: /z }, expect: { status: [201, 204] } }\n",
        );
        let status = |c: &CheckSpec| match &c.kind {
            CheckKindSpec::Http(h) => h.steps[0].expect.status.clone().unwrap(),
            _ => panic!("an http check"),
        };
        let [a, b, c] = [0, 1, 2].map(|i| status(&s.checks[i]));
        assert_eq!(
            [&a, &b, &c].map(ToString::to_string),
            ["200", "2XX", "[201,204]"]
        );
        assert!(a.matches(200) && !a.matches(201) && b.matches(250) && !b.matches(300));
        assert!(c.matches(204) && !c.matches(202));
    }

    /// What the checks of a file have alike is made once and shared, not copied for each:
    /// the file's path, and each category, written or a kind's default.
    #[test]
    fn the_checks_of_a_file_share_its_path_and_their_categories() {
        let check = |id: &str, category: &str| {
            format!(
                "  - id: {id}\n{category}    http: {{ request: {{ path: /x }}, expect: {{ status: 200 }} }}\n"
            )
        };
        let s = suite(
            &[
                check("a", ""),
                check("b", "    category: ops\n"),
                check("c", ""),
                check("d", "    category: ops\n"),
                check("e", "    category: contract\n"),
            ]
            .concat(),
        );
        let [a, b, c, d, e] = &s.checks[..] else {
            panic!("five checks")
        };
        assert!(std::sync::Arc::ptr_eq(&a.pos.file, &e.pos.file));
        assert_eq!((&*a.pos.file, a.pos.line), (Path::new("s.yaml"), 4));
        assert_eq!(
            (a.id.as_str(), a.category.as_str(), b.category.as_str()),
            ("a", "contract", "ops")
        );
        assert_eq!(a.category.as_ptr(), c.category.as_ptr());
        assert_eq!(a.category.as_ptr(), e.category.as_ptr());
        assert_eq!(b.category.as_ptr(), d.category.as_ptr());
    }
}
