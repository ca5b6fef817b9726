//! Command-line interface. The doc comments are the `--help` text.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Production-readiness checks for HTTP services.
///
/// harden reads YAML check suites, starts the service under test itself (free port,
/// readiness wait, log capture, teardown of its whole process tree), runs the checks
/// against it, and writes JUnit XML, a results JSON and a readiness score for CI.
#[derive(Debug, Parser)]
#[command(
    name = "harden",
    version = env!("HARDEN_VERSION_LONG"),
    propagate_version = true,
    max_term_width = 100
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Start the service, wait until it is ready, run the checks, stop it, and write reports.
    ///
    /// Exit codes: 0 every gate passed; 1 a check failed or errored; 2 usage error or
    /// invalid suite (nothing was started); 3 the service could not start, never became
    /// ready, or died during the run; 4 a report could not be written; 130 interrupted.
    Check(CheckArgs),
    /// Parse and validate suites without starting anything.
    ///
    /// A good first CI step and editor save hook: every problem is reported with its
    /// `file:line:col` and field path, and the exit code is 2 if there is any.
    Validate(SuiteArgs),
    /// Print each check's id, kind, category, severity and location.
    List(SuiteArgs),
    /// Render reports and the score from results JSON files, merging CI shards.
    ///
    /// Give the results of `harden check --partition 1/3`, `2/3` and `3/3` (or of several
    /// suites run separately) to get one JUnit, one Markdown summary and one score,
    /// identical to what a single run would give. The gates and exit codes are those of
    /// `harden check`.
    Report(ReportArgs),
    /// Write a starter suite for a service that has an OpenAPI document.
    ///
    /// From a document (`--from-openapi openapi.json` or a URL), or by starting the service
    /// (`--command "uvicorn app:app --port $PORT"`) and reading its `/openapi.json`: an
    /// instance with readiness, health checks for the health paths found, one contract
    /// check per GET that needs no parameters, `metrics` when `/metrics` answers, and an
    /// `openapi` check. Never overwrites a file without `--force`.
    Init(InitArgs),
    /// Print a shell completion script: `harden completions bash > /etc/bash_completion.d/harden`.
    Completions {
        /// bash, zsh, fish, powershell or elvish.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `harden man > harden.1 && man ./harden.1`.
    Man,
    /// Print the JSON Schema of the suite format, for editor completion and validation.
    ///
    /// Save it and point the YAML language server at it with a first line such as
    /// `# yaml-language-server: $schema=harden.schema.json`. With `--results`, the schema
    /// of the results JSON instead (docs/results.schema.json).
    Schema {
        /// The schema of the results JSON (`--json`) rather than of suites.
        #[arg(long)]
        results: bool,
    },
}

#[derive(Debug, Args)]
pub(crate) struct SuiteArgs {
    /// Suite files, or directories (every `*.yaml` and `*.yml` under them). Default:
    /// `harden.yaml`, else every `checks/*.yaml`.
    #[arg(value_name = "SUITE")]
    pub suites: Vec<PathBuf>,

    /// Set a suite variable, overriding `vars:` (repeatable): `--var user=ci-bot`. A name no
    /// suite defines under `vars:` or uses as `${NAME}` is an error.
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    #[command(flatten)]
    pub suite: SuiteArgs,

    #[command(flatten)]
    pub outputs: OutputArgs,

    #[command(flatten)]
    pub gates: GateArgs,

    /// How many checks run at once.
    #[arg(long, short = 'j', value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: u16,

    /// Run only checks whose id contains PATTERN (`*` is a wildcard); repeatable.
    #[arg(long, value_name = "PATTERN")]
    pub filter: Vec<String>,

    /// Stop at the first failed or errored check; the rest are reported as skipped.
    #[arg(long)]
    pub fail_fast: bool,

    /// Run only the K-th of N deterministic slices of the checks (CI sharding), e.g. `2/3`.
    /// Merge the shards' results with `harden report`. Without it, GitLab's
    /// `CI_NODE_INDEX`/`CI_NODE_TOTAL` (a `parallel:` job) give the slice when both are set.
    #[arg(long, value_name = "K/N", value_parser = parse_partition)]
    pub partition: Option<(usize, usize)>,

    /// Deadline for the whole run, e.g. `5m`. Unfinished checks become errors.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<std::time::Duration>,

    /// Keep the service's output here as `<suite>/main.log` (default: a temporary
    /// directory removed at exit; the last lines are in the reports either way).
    #[arg(long, value_name = "DIR")]
    pub log_dir: Option<PathBuf>,
}

/// Report files to write.
#[derive(Debug, Args)]
pub(crate) struct OutputArgs {
    /// Write JUnit XML here (written even when the run is aborted).
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,

    /// The JUnit shape: `full` (file, line, assertions and properties on each test case,
    /// read by GitLab, CircleCI, Buildkite and the GitHub actions) or `xunit` (only what
    /// the Jenkins xUnit plugin's strict schema allows). See docs/junit.md.
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = crate::report::JunitFormat::Full)]
    pub junit_format: crate::report::JunitFormat,

    /// Write the results JSON here (format in docs/results-json.md).
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,

    /// Write the score as an SVG badge here (shields.io style; red when not ready).
    #[arg(long, value_name = "PATH")]
    pub badge: Option<PathBuf>,

    /// Write a Markdown summary here. In GitHub Actions it is also appended to
    /// `$GITHUB_STEP_SUMMARY`, with `::error` annotations for failed checks.
    #[arg(long, value_name = "PATH")]
    pub markdown: Option<PathBuf>,

    /// Write an HTML report here: one self-contained file (no network) with the verdict,
    /// categories, latency charts, the baseline delta and every check, for a browser or a
    /// CI artifact.
    #[arg(long, value_name = "PATH")]
    pub html: Option<PathBuf>,
}

/// The gates that decide the verdict, apart from the score itself.
#[derive(Debug, Args)]
pub(crate) struct GateArgs {
    /// Ready only if the score is at least N (0-100). With it, non-critical failures are
    /// tolerated while the score holds; a failed critical check is never tolerated.
    #[arg(long, value_name = "N", value_parser = parse_score)]
    pub min_score: Option<f64>,

    /// Compare with an earlier results JSON: print the delta ("72 -> 90, +18") and the
    /// checks that changed state.
    #[arg(long, value_name = "RESULTS_JSON")]
    pub baseline: Option<PathBuf>,

    /// Not ready if the score dropped by more than N points from `--baseline`.
    #[arg(long, value_name = "N", value_parser = parse_score, requires = "baseline")]
    pub max_regression: Option<f64>,
}

#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// The OpenAPI document (JSON or YAML, OpenAPI 3.0 or 3.1): a file, or an `http://` URL.
    #[arg(long, value_name = "FILE|URL", required_unless_present = "command")]
    pub from_openapi: Option<String>,

    /// Start the service with this shell command (it must listen on `$PORT`) and read its
    /// document from `/openapi.json` (or from `--from-openapi` given as a path, `/docs.json`).
    #[arg(long, value_name = "COMMAND")]
    pub command: Option<String>,

    /// Where to write the suite.
    #[arg(long, short = 'o', value_name = "PATH", default_value = "harden.yaml")]
    pub output: PathBuf,

    /// Overwrite the file if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// Results JSON files written by `harden check --json`.
    #[arg(value_name = "RESULTS_JSON", required = true)]
    pub results: Vec<PathBuf>,

    #[command(flatten)]
    pub outputs: OutputArgs,

    #[command(flatten)]
    pub gates: GateArgs,
}

fn parse_score(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=100.0).contains(&v) => Ok(v),
        _ => Err(format!("expected a number from 0 to 100, found `{s}`")),
    }
}

fn parse_partition(s: &str) -> Result<(usize, usize), String> {
    let err = || format!("expected K/N with 1 <= K <= N, e.g. `2/3`, found `{s}`");
    let (k, n) = s.split_once('/').ok_or_else(err)?;
    let (k, n): (usize, usize) = (
        k.trim().parse().map_err(|_| err())?,
        n.trim().parse().map_err(|_| err())?,
    );
    if k == 0 || n == 0 || k > n {
        return Err(err());
    }
    Ok((k, n))
}

fn parse_var(s: &str) -> Result<(String, String), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=VALUE, found `{s}`"))?;
    if k.is_empty() {
        return Err(format!("empty variable name in `{s}`"));
    }
    Ok((k.to_string(), v.to_string()))
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    match humantime::parse_duration(s) {
        Ok(d) if d > crate::suite::MAX_DURATION => Err(format!(
            "`{s}` is longer than the limit of 30 days (write durations like `90s` or `5m`)"
        )),
        Ok(d) => Ok(d),
        Err(e) => Err(format!("{e} (write durations like `90s` or `5m`)")),
    }
}
