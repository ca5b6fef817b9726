//! The `http` check kind: send requests, then assert on status, headers, JSON, schema, body
//! and latency. `CheckContext::send` (the HTTP layer, `crate::http`) observes; `evaluate` is
//! a pure function of the response and the spec.

use crate::check::context::CheckContext;
use crate::check::excerpt::{body_snippet, not_json, snippet};
use crate::check::json::{Selected, json_assertions, select, unified_diff};
use crate::check::outcome::{Assertion, CheckOutcome};
use crate::check::progress::Progress;
use crate::http::Response;
use crate::suite::{BodyPredicate, CaptureSpec, ExpectSpec, HeaderPredicate, Scope, StepSpec};
use serde_json::Value;

/// Result of running a list of steps (an `http` check, `setup` or `teardown`).
#[derive(Debug, Default)]
pub(crate) struct StepsOutcome {
    pub assertions: Vec<Assertion>,
    pub diff: Option<String>,
    /// Set when a request could not be made or a template could not be expanded.
    pub error: Option<String>,
    pub captures: Vec<(String, Value)>,
    /// The request of the step that failed, as sent.
    pub sent: Option<String>,
}

impl StepsOutcome {
    /// Why the steps failed (the error, or the first failed assertion), if they did.
    pub(crate) fn failure(&self) -> Option<String> {
        if let Some(e) = &self.error {
            return Some(e.clone());
        }
        crate::check::failed_assertions(&self.assertions)
            .next()
            .map(|a| format!("{}: expected {}, got {}", a.property, a.expected, a.actual))
    }

    pub(crate) fn into_outcome(self) -> CheckOutcome {
        let mut o = match self.error {
            Some(e) => {
                let mut o = CheckOutcome::error(e);
                o.assertions = self.assertions;
                o
            }
            None => CheckOutcome::from_assertions(self.assertions, self.diff),
        };
        if o.status != crate::check::Status::Pass {
            o.note = self.sent.map(|s| format!("sent {s}"));
        }
        o
    }
}

pub(crate) async fn run(steps: &[StepSpec], cx: &CheckContext) -> CheckOutcome {
    run_steps(steps, cx, cx.scope.clone()).await.into_outcome()
}

/// Runs steps in order; each step's captures are visible to the next. Stops at the first
/// step that fails, since later steps usually depend on it.
pub(crate) async fn run_steps(
    steps: &[StepSpec],
    cx: &CheckContext,
    mut scope: Scope,
) -> StepsOutcome {
    let mut out = StepsOutcome::default();
    let many = steps.len() > 1;
    for (i, step) in steps.iter().enumerate() {
        let label = match (step.name(), many) {
            (Some(n), _) => format!("step {} ({n}): ", i + 1),
            (None, true) => format!("step {}: ", i + 1),
            (None, false) => String::new(),
        };
        let sent = match cx.build(&step.request, &scope) {
            Ok(built) => {
                cx.progress.report(Progress::Step {
                    number: i + 1,
                    of: steps.len(),
                    request: cx.short_label(&built),
                });
                cx.send_built(built).await
            }
            Err(e) => Err(e),
        };
        let response = match sent {
            Ok(r) => r,
            Err(e) => {
                out.error = Some(format!("{label}{e}"));
                return out;
            }
        };
        let (mut assertions, diff) = match evaluate(&step.expect, &response, &scope) {
            Ok(v) => v,
            Err(e) => {
                out.error = Some(format!("{label}{e}"));
                out.sent = Some(response.sent);
                return out;
            }
        };
        for a in &mut assertions {
            a.property = format!("{label}{}", a.property);
        }
        // A capture that finds nothing leaves what uses it unevaluated: an error, unless an
        // assertion of this step already failed (then that is the reason).
        if !assertions.iter().any(|a| !a.passed) {
            for (name, spec) in step.capture() {
                match capture(spec, &response) {
                    Ok(v) => {
                        cx.redactor.captured(name, &v);
                        scope.captures.insert(name.clone(), v.clone());
                        out.captures.push((name.clone(), v));
                    }
                    Err(e) => {
                        out.assertions.extend(assertions);
                        out.error = Some(format!(
                            "{label}capture `{name}` found nothing ({}: {e}), so the check could not be evaluated",
                            describe_capture(spec)
                        ));
                        out.sent = Some(response.sent);
                        return out;
                    }
                }
            }
        }
        let failed = assertions.iter().any(|a| !a.passed);
        out.assertions.extend(assertions);
        if out.diff.is_none() {
            out.diff = diff;
        }
        if failed {
            out.sent = Some(response.sent);
            break;
        }
    }
    out
}

fn describe_capture(spec: &CaptureSpec) -> String {
    match spec {
        CaptureSpec::Json { text, .. } => format!("a value at `{text}`"),
        CaptureSpec::Header(h) => format!("header `{h}`"),
        CaptureSpec::Regex(r) => format!("a match of `{r}`"),
    }
}

fn capture(spec: &CaptureSpec, r: &Response) -> Result<Value, String> {
    match spec {
        CaptureSpec::Json { path, text } => {
            let json = r.json().ok_or("response body is not JSON")?;
            match select(path, text, json) {
                Selected { matches: 0, .. } => Err("no match".into()),
                Selected { value, .. } => value.ok_or_else(|| "no match".into()),
            }
        }
        CaptureSpec::Header(h) => r
            .header(h)
            .map(Value::String)
            .ok_or_else(|| "header absent".into()),
        CaptureSpec::Regex(re) => {
            let caps = re.captures(&r.body).ok_or("no match in the body")?;
            let m = caps
                .get(1)
                .or_else(|| caps.get(0))
                .ok_or("no match in the body")?;
            Ok(Value::String(m.as_str().to_string()))
        }
    }
}

/// Asserts `expect` against a response. `Err` only when an expected value cannot be
/// expanded (an undefined capture).
pub(crate) fn evaluate(
    expect: &ExpectSpec,
    r: &Response,
    scope: &Scope,
) -> Result<(Vec<Assertion>, Option<String>), String> {
    let mut out = Vec::new();
    let mut diff = None;
    if let Some(s) = &expect.status {
        out.push(Assertion::new(
            "status",
            s.to_string(),
            r.status.to_string(),
            s.matches(r.status),
        ));
    }
    for (name, pred) in expect.headers() {
        let actual = r.header(name);
        // A missing header shows the names the response has instead.
        let shown = actual.clone().unwrap_or_else(|| {
            if matches!(pred, HeaderPredicate::Absent) {
                "(absent)".into()
            } else {
                crate::check::excerpt::absent_header(name, &r.headers)
            }
        });
        let prop = format!("header `{name}`");
        out.push(match pred {
            HeaderPredicate::Equals(t) => {
                let want = t.expand_text(scope)?;
                // Media types compare without parameters: `application/json` matches
                // `application/json; charset=utf-8`.
                let ok = actual.as_deref().is_some_and(|a| {
                    a == want
                        || (name == "content-type"
                            && !want.contains(';')
                            && a.split(';')
                                .next()
                                .is_some_and(|m| m.trim().eq_ignore_ascii_case(&want)))
                });
                Assertion::new(prop, format!("`{want}`"), shown, ok)
            }
            HeaderPredicate::Contains(t) => {
                let want = t.expand_text(scope)?;
                Assertion::new(
                    prop,
                    format!("contains `{want}`"),
                    shown,
                    actual.as_deref().is_some_and(|a| a.contains(&want)),
                )
            }
            HeaderPredicate::Matches(re) => Assertion::new(
                prop,
                format!("matches `{re}`"),
                shown,
                actual.as_deref().is_some_and(|a| re.is_match(a)),
            ),
            HeaderPredicate::Present => Assertion::new(prop, "present", shown, actual.is_some()),
            HeaderPredicate::Absent => Assertion::new(prop, "absent", shown, actual.is_none()),
        });
    }
    let (json, json_diff) = json_assertions(expect.json(), r, scope)?;
    out.extend(json);
    diff = diff.or(json_diff);
    if let Some(schema) = expect.schema() {
        let prop = format!("schema `{}`", schema.label);
        match r.json() {
            None => out.push(Assertion::new(prop, "a JSON document", not_json(r), false)),
            Some(doc) => {
                let errors: Vec<String> = schema
                    .validator
                    .iter_errors(doc)
                    .take(5)
                    .map(|e| {
                        let at = e.instance_path().to_string();
                        format!("{}: {e}", if at.is_empty() { "/".to_string() } else { at })
                    })
                    .collect();
                let actual = if errors.is_empty() {
                    "valid".to_string()
                } else {
                    errors.join("; ")
                };
                out.push(Assertion::new(prop, "valid", actual, errors.is_empty()));
            }
        }
    }
    // The snippet (a scan of the body) only for body predicates that may need to show it.
    if !expect.body().is_empty() {
        let (body, body_diff) =
            text_assertions("body", expect.body(), &r.body, &body_snippet(r), scope)?;
        out.extend(body);
        diff = diff.or(body_diff);
    }
    if let Some(max) = expect.max_duration() {
        out.push(Assertion::timing(
            "duration",
            format!("<= {}", crate::text::human_duration(max)),
            crate::text::human_duration(r.duration),
            r.duration <= max,
        ));
    }
    Ok((out, diff))
}

/// `contains`, `not-contains`, `matches` and `equals` on a text (a response body, a
/// command's output); `shown` is how the actual text appears in the assertion.
pub(crate) fn text_assertions(
    label: &str,
    preds: &[BodyPredicate],
    text: &str,
    shown: &str,
    scope: &Scope,
) -> Result<(Vec<Assertion>, Option<String>), String> {
    let mut out = Vec::new();
    let mut diff = None;
    for p in preds {
        out.push(match p {
            BodyPredicate::Contains(t) => {
                let want = t.expand_text(scope)?;
                Assertion::new(
                    label,
                    format!("contains `{want}`"),
                    shown,
                    text.contains(&want),
                )
            }
            BodyPredicate::NotContains(t) => {
                let want = t.expand_text(scope)?;
                // Where the forbidden text is, not the start of the body.
                match crate::check::excerpt::in_context(text, &want) {
                    Some(found) if !want.is_empty() => {
                        Assertion::new(label, format!("does not contain `{want}`"), found, false)
                    }
                    _ => Assertion::new(
                        label,
                        format!("does not contain `{want}`"),
                        shown,
                        !text.contains(&want),
                    ),
                }
            }
            BodyPredicate::Matches(re) => {
                Assertion::new(label, format!("matches `{re}`"), shown, re.is_match(text))
            }
            BodyPredicate::NotMatches(re) => match re.find(text) {
                Some(m) => Assertion::new(
                    label,
                    format!("does not match `{re}`"),
                    format!("matched `{}`", snippet(m.as_str())),
                    false,
                ),
                None => Assertion::new(label, format!("does not match `{re}`"), shown, true),
            },
            BodyPredicate::Equals(t) => {
                let want = t.expand_text(scope)?;
                // Trailing newlines are not part of what a user means by "equals".
                let ok = text.trim_end_matches('\n') == want.trim_end_matches('\n');
                if !ok && diff.is_none() {
                    diff = Some(unified_diff(&want, text));
                }
                Assertion::new(label, snippet(&want), shown, ok)
            }
        });
    }
    Ok((out, diff))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::{ExpectExtra, JsonAssertion, JsonPredicate, StatusMatcher, Template};
    use serde_json::json;
    use std::sync::Arc;
    use std::time::Duration;

    fn response(status: u16, body: Value) -> Response {
        Response {
            raw: None,
            sent: String::new(),
            redactor: None,
            status,
            headers: vec![(
                "content-type".into(),
                "application/json; charset=utf-8".into(),
            )],
            body: body.to_string(),
            json: Default::default(),
            duration: Duration::from_millis(12),
        }
    }

    fn json_assert(path: &str, preds: Vec<JsonPredicate>) -> JsonAssertion {
        JsonAssertion {
            path_text: path.into(),
            path: Arc::new(serde_json_path::JsonPath::parse(path).unwrap()),
            template: None,
            predicates: preds,
        }
    }

    #[test]
    fn status_and_media_type_pass_on_a_matching_response() {
        let expect = ExpectSpec::new(
            Some(StatusMatcher::new(vec![(200, 299)], "2xx".into())),
            ExpectExtra {
                headers: vec![(
                    "content-type".into(),
                    HeaderPredicate::Equals(Template::text("application/json").unwrap()),
                )],
                ..Default::default()
            },
        );
        let (a, _) = evaluate(&expect, &response(201, json!({})), &Scope::default()).unwrap();
        assert!(a.iter().all(|a| a.passed), "{a:?}");
    }

    #[test]
    fn wrong_status_fails_with_expected_and_actual() {
        let expect = ExpectSpec::new(
            Some(StatusMatcher::new(vec![(201, 201)], "201".into())),
            ExpectExtra::default(),
        );
        let (a, _) = evaluate(&expect, &response(200, json!({})), &Scope::default()).unwrap();
        assert_eq!(a, vec![Assertion::new("status", "201", "200", false)]);
    }

    #[test]
    fn json_predicates_cover_types_lengths_and_comparisons() {
        let body = json!({ "phases": [{"phase": "planning"}, {"phase": "data"}], "n": 3, "id": "abc-123" });
        let expect = ExpectSpec::new(
            None,
            ExpectExtra {
                json: vec![
                    json_assert(
                        "$.phases",
                        vec![
                            JsonPredicate::Type(crate::suite::JsonType::Array),
                            JsonPredicate::Length(2),
                        ],
                    ),
                    json_assert(
                        "$.phases[*].phase",
                        vec![JsonPredicate::Equals(
                            Template::new(json!(["planning", "data"])).unwrap(),
                        )],
                    ),
                    json_assert(
                        "$.n",
                        vec![
                            JsonPredicate::Compare(crate::suite::CompareOp::Gte, 3.into()),
                            JsonPredicate::Equals(Template::new(json!(3.0)).unwrap()),
                        ],
                    ),
                    json_assert(
                        "$.id",
                        vec![JsonPredicate::Matches(
                            regex::Regex::new("^[a-z]+-\\d+$").unwrap(),
                        )],
                    ),
                    json_assert("$.missing", vec![JsonPredicate::Exists(false)]),
                ],
                ..Default::default()
            },
        );
        let (a, _) = evaluate(&expect, &response(200, body), &Scope::default()).unwrap();
        assert!(a.iter().all(|a| a.passed), "{a:#?}");
        assert_eq!(a.len(), 7);
    }

    #[test]
    fn object_mismatch_gives_a_unified_diff() {
        let expect = ExpectSpec::new(
            None,
            ExpectExtra {
                json: vec![json_assert(
                    "$",
                    vec![JsonPredicate::Equals(
                        Template::new(json!({ "status": "healthy" })).unwrap(),
                    )],
                )],
                ..Default::default()
            },
        );
        let (a, diff) = evaluate(
            &expect,
            &response(200, json!({ "status": "degraded" })),
            &Scope::default(),
        )
        .unwrap();
        assert!(!a[0].passed);
        let diff = diff.unwrap();
        assert!(
            diff.contains("-  \"status\": \"healthy\"")
                && diff.contains("+  \"status\": \"degraded\""),
            "{diff}"
        );
    }

    #[test]
    fn non_json_body_fails_json_assertions() {
        let expect = ExpectSpec::new(
            None,
            ExpectExtra {
                json: vec![json_assert("$.a", vec![JsonPredicate::Exists(true)])],
                ..Default::default()
            },
        );
        let r = Response {
            raw: None,
            sent: String::new(),
            redactor: None,
            status: 500,
            headers: vec![],
            body: "Traceback".into(),
            json: Default::default(),
            duration: Duration::ZERO,
        };
        let (a, _) = evaluate(&expect, &r, &Scope::default()).unwrap();
        assert_eq!(a[0].property, "json `$.a`");
        assert_eq!(
            a[0].actual,
            "a body without content-type that is not JSON: `Traceback`"
        );
        assert!(!a[0].passed);
    }
}
