//! The `metrics` check kind: the endpoint parses strictly, exposes the required families
//! with their types and labels, keeps histogram invariants, passes lint (as the suite
//! chooses), and its counters grow after an action.

use crate::check::context::CheckContext;
use crate::check::http::{get, run_steps};
use crate::check::outcome::{Assertion, CheckOutcome};
use crate::check::prom::{self, Family};
use crate::suite::{LintMode, MetricRequirement, MetricsSpec};

/// Fetches and parses the exposition; `Err` when the endpoint gave no answer.
async fn scrape(cx: &CheckContext, path: &str) -> Result<Result<Vec<Family>, String>, String> {
    let r = get(cx, path).await?;
    if !(200..300).contains(&r.status) {
        return Ok(Err(format!("GET {path} answered {}", r.status)));
    }
    Ok(prom::parse(&r.body).map_err(|e| e.to_string()))
}

pub(crate) async fn run(spec: &MetricsSpec, cx: &CheckContext) -> CheckOutcome {
    let families = match scrape(cx, &spec.path).await {
        Err(e) => return CheckOutcome::error(e),
        Ok(Err(e)) => {
            let a = Assertion::new(
                format!("GET {}", spec.path),
                "valid Prometheus text exposition",
                e,
                false,
            );
            return CheckOutcome::from_assertions(vec![a], None);
        }
        Ok(Ok(f)) => f,
    };
    let mut assertions = evaluate(spec, &families);
    for inc in &spec.increases {
        let before = total(&families, &inc.metric, &inc.labels);
        let steps = run_steps(&inc.action, cx, cx.scope.clone()).await;
        if let Some(why) = steps.failure() {
            return CheckOutcome::error(format!("the action for `{}` failed: {why}", inc.metric));
        }
        let after = match scrape(cx, &spec.path).await {
            Ok(Ok(f)) => total(&f, &inc.metric, &inc.labels),
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

/// Sum of the samples named `metric` whose labels include `labels`; `None` if there are none.
fn total(families: &[Family], metric: &str, labels: &[(String, String)]) -> Option<f64> {
    let values: Vec<f64> = families
        .iter()
        .flat_map(|f| &f.samples)
        .filter(|s| s.name == metric && labels.iter().all(|l| s.labels.contains(l)))
        .map(|s| s.value)
        .collect();
    (!values.is_empty()).then(|| values.iter().sum())
}

/// Pure: what the exposition must satisfy, apart from the counters that must move.
pub(crate) fn evaluate(spec: &MetricsSpec, families: &[Family]) -> Vec<Assertion> {
    let mut out = vec![Assertion::new(
        format!("GET {}", spec.path),
        "valid Prometheus text exposition",
        format!("{} families", families.len()),
        true,
    )];
    for r in &spec.require {
        out.push(requirement(r, families));
    }
    let violations = prom::invariant_violations(families);
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
    let Some(f) = families.iter().find(|f| f.name == r.name) else {
        return Assertion::new(prop, expected, "absent", false);
    };
    if f.samples.is_empty() {
        return Assertion::new(prop, expected, "declared but has no samples", false);
    }
    if r.kind.is_some_and(|k| k != f.kind) {
        return Assertion::new(prop, expected, format!("type {}", f.kind.as_str()), false);
    }
    let missing: Vec<&str> = r
        .labels
        .iter()
        .filter(|l| {
            !f.samples
                .iter()
                .all(|s| s.labels.iter().any(|(k, _)| k == *l))
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
            crate::text::plural(f.samples.len(), "sample")
        ),
        true,
    )
}
