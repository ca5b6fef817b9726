//! Check kinds. Each kind observes (async, touches the service) apart from asserting (pure).

mod code;
mod command;
mod context;
mod dependency;
mod excerpt;
pub(crate) mod exec;
mod health;
mod http;
mod json;
mod load;
mod logs;
mod metrics;
mod openapi;
mod outcome;
#[cfg(test)]
mod predicate_words;
mod progress;
pub(crate) mod prom;
mod rate_limit;
mod sarif;
mod security;

pub(crate) use context::CheckContext;
#[cfg(feature = "bench-internals")]
pub(crate) use http::evaluate;
pub(crate) use http::run_steps;
#[cfg(any(test, feature = "bench-internals"))]
pub(crate) use outcome::Assertion;
pub(crate) use outcome::secs::micros as whole_micros;
pub(crate) use outcome::{CheckOutcome, Flaky, LoadFigures, Status, failed_assertions};
pub(crate) use progress::{Progress, ProgressSink};

use crate::http::Activity;
use crate::suite::{CheckKindSpec, CheckSpec};

/// Runs one attempt of a check. Never fails: problems are in the outcome.
///
/// Each kind's future is boxed: a check's future is then a few hundred bytes whatever its
/// kind, not the size of the largest kind's (several kilobytes, moved once per check).
pub(crate) async fn run(spec: &CheckSpec, cx: &CheckContext) -> CheckOutcome {
    match &spec.kind {
        CheckKindSpec::Http(h) => Box::pin(http::run(&h.steps, cx)).await,
        CheckKindSpec::Health(h) => Box::pin(health::run(h, cx)).await,
        CheckKindSpec::Dependency(d) => Box::pin(dependency::run(d)).await,
        CheckKindSpec::RateLimit(r) => Box::pin(rate_limit::run(r, cx)).await,
        CheckKindSpec::Metrics(m) => Box::pin(metrics::run(m, cx)).await,
        CheckKindSpec::Logs(l) => Box::pin(logs::run(l, cx)).await,
        CheckKindSpec::Security(s) => Box::pin(security::run(s, cx)).await,
        CheckKindSpec::Load(l) => Box::pin(load::run(l, cx)).await,
        CheckKindSpec::Code(c) => Box::pin(code::run(c)).await,
        CheckKindSpec::Command(c) => Box::pin(command::run(c, cx)).await,
        CheckKindSpec::OpenApi(o) => Box::pin(openapi::run(o, cx, spec.timeout)).await,
    }
}

/// Runs one attempt with the check's timeout. A timeout says what the check was waiting
/// for and where the check is written: `timed out after 3s waiting for GET http://…/x
/// (check `probe`, suite.yaml:9)`.
pub(crate) async fn attempt(spec: &CheckSpec, cx: &CheckContext) -> CheckOutcome {
    let cx = CheckContext {
        activity: Activity::default(),
        ..cx.clone()
    };
    match tokio::time::timeout(spec.timeout, run(spec, &cx)).await {
        Ok(o) => o,
        Err(_) => {
            let waiting = cx
                .activity
                .get()
                .map(|a| format!(" waiting for {a}"))
                .unwrap_or_default();
            CheckOutcome::error(format!(
                "timed out after {}{waiting} (check `{}`, {}:{})",
                humantime::format_duration(spec.timeout),
                spec.id,
                spec.pos.file.display(),
                spec.pos.line
            ))
        }
    }
}
