//! The `metrics` check kind: the endpoint parses strictly, exposes the required families
//! with their types and labels, keeps histogram invariants, passes lint (as the suite
//! chooses), and its counters grow after an action.

use crate::check::context::CheckContext;
use crate::check::http::run_steps;
use crate::check::outcome::{Assertion, CheckOutcome};
use crate::check::prom::{self, Exposition, Family, Format, SumQuery};
use crate::http::{BodyError, stream_body};
use crate::suite::{
    ExpositionFormat, LintMode, MetricRequirement, MetricType, MetricsSpec, RequestExtra,
    RequestSpec, Target,
};

/// What Prometheus itself sends: OpenMetrics first, the classic text format accepted.
const ACCEPT_ANY: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
const ACCEPT_OPENMETRICS: &str = "application/openmetrics-text;version=1.0.0";
const ACCEPT_CLASSIC: &str = "text/plain;version=0.0.4";

/// Fetches the exposition and parses it as it streams in, so memory stays flat whatever its
/// size (up to `limits.exposition`); `Err` when the endpoint gave no answer.
async fn scrape(
    cx: &CheckContext,
    spec: &MetricsSpec,
    queries: Vec<SumQuery>,
) -> Result<Result<(Format, Exposition), String>, String> {
    let path = &spec.path;
    let accept = match spec.format {
        ExpositionFormat::Any => ACCEPT_ANY,
        ExpositionFormat::Classic => ACCEPT_CLASSIC,
        ExpositionFormat::OpenMetrics => ACCEPT_OPENMETRICS,
    };
    let headers = serde_json::json!({ "accept": accept });
    let req = RequestSpec::new(
        reqwest::Method::GET,
        Target::Path(crate::suite::Template::literal(path)),
        RequestExtra {
            headers: crate::suite::Template::new(headers).ok(),
            ..Default::default()
        },
    );
    let mut s = cx.begin(&req, &cx.scope).await?;
    let status = s.resp.status().as_u16();
    if !(200..300).contains(&status) {
        return Ok(Err(format!("GET {path} answered {status}")));
    }
    let ctype = s
        .resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let format = Format::from_content_type(ctype.as_deref());
    let wanted = match spec.format {
        ExpositionFormat::Classic => Some(Format::Classic),
        ExpositionFormat::OpenMetrics => Some(Format::OpenMetrics),
        ExpositionFormat::Any => None,
    };
    if let Some(w) = wanted.filter(|w| *w != format) {
        return Ok(Err(format!(
            "asked for {}, got `{}`",
            w.as_str(),
            ctype.as_deref().unwrap_or("no content type")
        )));
    }
    let limit = cx.limits.exposition;
    let mut parser = prom::Parser::with_format(format, queries);
    // A malformed line is a finding about the service, not a failure to read it.
    let mut malformed = None;
    let read = stream_body(&mut s.resp, limit, |chunk| {
        parser.feed(chunk).map_err(|e| {
            malformed = Some(format!("{} {e}", format.as_str()));
            String::new()
        })
    })
    .await;
    if let Some(m) = malformed {
        return Ok(Err(m));
    }
    match read {
        Ok(()) => {}
        Err(BodyError::TooLarge) => {
            return Err(format!(
                "{}: the exposition is larger than the {} limit (raise `limits.exposition` in the suite)",
                s.request,
                crate::read::size(limit)
            ));
        }
        Err(BodyError::Failed(why)) => return Err(format!("{}: {why}", s.request)),
    }
    Ok(parser
        .finish()
        .map(|e| (format, e))
        .map_err(|e| format!("{} {e}", format.as_str())))
}

pub(crate) async fn run(spec: &MetricsSpec, cx: &CheckContext) -> CheckOutcome {
    let queries: Vec<SumQuery> = spec
        .increases
        .iter()
        .map(|inc| SumQuery {
            metric: inc.metric.clone(),
            labels: inc.labels.clone(),
        })
        .collect();
    let (format, exposition) = match scrape(cx, spec, queries.clone()).await {
        Err(e) => return CheckOutcome::error(e),
        Ok(Err(e)) => {
            let a = Assertion::new(
                format!("GET {}", spec.path),
                "a valid exposition (OpenMetrics or Prometheus text)",
                e,
                false,
            );
            return CheckOutcome::from_assertions(vec![a], None);
        }
        Ok(Ok(e)) => e,
    };
    let mut assertions = evaluate(spec, format, &exposition);
    for (n, inc) in spec.increases.iter().enumerate() {
        let before = exposition.sums.get(n).copied().flatten();
        let steps = run_steps(&inc.action, cx, cx.scope.clone()).await;
        if let Some(why) = steps.failure() {
            return CheckOutcome::error(format!("the action for `{}` failed: {why}", inc.metric));
        }
        let after = match scrape(cx, spec, vec![queries[n].clone()]).await {
            Ok(Ok((_, e))) => e.sums.first().copied().flatten(),
            Ok(Err(e)) | Err(e) => {
                return CheckOutcome::error(format!("second scrape failed: {e}"));
            }
        };
        let show = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_else(|| "absent".into());
        let grew = match (before, after) {
            (b, Some(a)) => a - b.unwrap_or(0.0) >= inc.by,
            (_, None) => false,
        };
        assertions.push(Assertion::new(
            format!("`{}` after the action", inc.metric),
            format!("+{} or more", inc.by),
            format!("{} -> {}", show(before), show(after)),
            grew,
        ));
    }
    CheckOutcome::from_assertions(assertions, None)
}

/// Pure: what the exposition must satisfy, apart from the counters that must move.
pub(crate) fn evaluate(
    spec: &MetricsSpec,
    format: Format,
    exposition: &Exposition,
) -> Vec<Assertion> {
    let families = &exposition.families;
    let mut out = vec![Assertion::new(
        format!("GET {}", spec.path),
        "a valid exposition (OpenMetrics or Prometheus text)",
        format!("{}, {} families", format.as_str(), families.len()),
        true,
    )];
    for r in &spec.require {
        out.push(requirement(r, families));
    }
    let violations = &exposition.violations;
    out.push(Assertion::new(
        "histogram and counter invariants",
        "hold",
        if violations.is_empty() {
            "hold".into()
        } else {
            violations.join("; ")
        },
        violations.is_empty(),
    ));
    if spec.lint != LintMode::Off {
        let findings = prom::lint(families);
        let expected = if spec.lint == LintMode::Warn {
            "no findings (warnings only)"
        } else {
            "no findings"
        };
        let actual = if findings.is_empty() {
            "no findings".into()
        } else {
            format!(
                "{}: {}",
                crate::text::plural(findings.len(), "finding"),
                findings.join("; ")
            )
        };
        out.push(Assertion::new(
            "lint",
            expected,
            actual,
            findings.is_empty() || spec.lint == LintMode::Warn,
        ));
    }
    out
}

fn requirement(r: &MetricRequirement, families: &[Family]) -> Assertion {
    let prop = format!("family `{}`", r.name);
    let mut expected = String::from("present");
    if let Some(k) = r.kind {
        expected.push_str(&format!(", type {}", k.as_str()));
    }
    if !r.labels.is_empty() {
        expected.push_str(&format!(", labels {}", r.labels.join(", ")));
    }
    // The same family is named `x_total` (a counter) or `x_info` in the classic format and
    // `x` in OpenMetrics: a suite names it either way and works with both.
    let Some(f) = families.iter().find(|f| f.name == r.name).or_else(|| {
        families.iter().find(|f| {
            (f.kind == MetricType::Counter
                && (r.name.strip_suffix("_total") == Some(f.name.as_str())
                    || f.name.strip_suffix("_total") == Some(r.name.as_str())))
                || (f.kind == MetricType::Info
                    && r.name.strip_suffix("_info") == Some(f.name.as_str()))
        })
    }) else {
        return Assertion::new(prop, expected, "absent", false);
    };
    if f.samples == 0 {
        return Assertion::new(prop, expected, "declared but has no samples", false);
    }
    if r.kind.is_some_and(|k| k != f.kind) {
        return Assertion::new(prop, expected, format!("type {}", f.kind.as_str()), false);
    }
    let missing: Vec<&str> = r
        .labels
        .iter()
        .filter(|l| {
            !f.labels_everywhere
                .as_ref()
                .is_some_and(|names| names.contains(l.as_str()))
        })
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Assertion::new(
            prop,
            expected,
            format!("samples without label {}", missing.join(", ")),
            false,
        );
    }
    Assertion::new(
        prop,
        expected,
        format!(
            "present, type {}, {}",
            f.kind.as_str(),
            crate::text::plural(f.samples, "sample")
        ),
        true,
    )
}
