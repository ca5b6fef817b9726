//! The `logs` check kind: the service's own output, which no HTTP test runner looks at.
//! Output lines must be structured JSON with the required fields and must never carry a
//! secret or a stack trace; an audit file must gain a matching line after an action.

use crate::check::context::CheckContext;
use crate::check::http::run_steps;
use crate::check::json::json_eq;
use crate::check::outcome::{Assertion, CheckOutcome};
use crate::instance::LogLine;
use crate::redact::{MASK, Redactor};
use crate::suite::{AuditSpec, LogsSpec, OutputLogSpec, Scope, TOKEN_SHAPES, value_text};
use serde_json::Value;
use std::time::{Duration, Instant};

/// Lines shown when listing offending output.
const SHOWN: usize = 3;

pub(crate) async fn run(spec: &LogsSpec, cx: &CheckContext) -> CheckOutcome {
    let Some(logs) = &cx.logs else {
        return CheckOutcome::error(
            "the `logs` check reads the service's output: the suite needs `instance:`",
        );
    };
    let from = if spec.action.is_empty() {
        0
    } else {
        logs.next_seq()
    };
    let audit_file = match &spec.audit {
        Some(a) => match a.file.expand_text(&cx.scope) {
            Ok(f) => Some(f),
            Err(e) => return CheckOutcome::error(e),
        },
        None => None,
    };
    let audit_before = if spec.action.is_empty() {
        0
    } else {
        audit_file
            .as_deref()
            .map(|f| std::fs::metadata(f).map_or(0, |m| m.len()))
            .unwrap_or(0)
    };
    let mut scope = cx.scope.clone();
    if !spec.action.is_empty() {
        let r = run_steps(&spec.action, cx, scope.clone()).await;
        if let Some(why) = r.failure() {
            return CheckOutcome::error(format!("the action failed: {why}"));
        }
        scope.captures.extend(r.captures);
        // Give the service a moment to write what the action caused.
        let _ = tokio::time::timeout(Duration::from_millis(200), logs.notify.notified()).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let lines = logs.since(from);
    let mut assertions = Vec::new();
    if let Some(o) = &spec.output {
        if lines.is_empty() && !o.may_be_empty {
            return CheckOutcome::error(nothing_seen(!spec.action.is_empty()));
        }
        assertions.extend(output(o, &lines, &cx.redactor));
    }
    if let (Some(a), Some(file)) = (&spec.audit, audit_file) {
        match audit(a, &file, audit_before, &scope, &cx.redactor).await {
            Ok(x) => assertions.push(x),
            Err(e) => return CheckOutcome::error(e),
        }
    }
    let mut outcome = CheckOutcome::from_assertions(assertions, None);
    outcome.note = Some(format!(
        "{} of output examined",
        crate::text::plural(lines.len(), "line")
    ));
    outcome
}

/// Why a check that saw no output line cannot pass: nothing was examined.
fn nothing_seen(after_action: bool) -> String {
    let when = if after_action {
        "after the action"
    } else {
        "since it started"
    };
    format!(
        "the service wrote no line to stdout or stderr {when}: nothing was examined. \
         A Python service buffers print() when its output is a pipe and writes it only at \
         exit: harden sets PYTHONUNBUFFERED=1 unless `instance.env` or harden's own \
         environment sets it (`PYTHONUNBUFFERED: \"\"` turns it off); other runtimes need \
         their own flag (e.g. `stdbuf -oL`). If no output is right here, say \
         `output: {{ may-be-empty: true }}`"
    )
}

/// A line as evidence: what `rule` matched, every secret of the suite and every token
/// shape (the redactor's) masked first, then cut to 120 characters, so nothing found is
/// republished.
fn shown(line: &str, rule: Option<&regex::Regex>, redactor: &Redactor) -> String {
    let s = match rule {
        Some(re) => re.replace_all(line, MASK),
        None => line.into(),
    };
    format!("`{}`", redactor.cut(&s, 120))
}

/// Pure: output lines -> assertions.
pub(crate) fn output(o: &OutputLogSpec, lines: &[LogLine], redactor: &Redactor) -> Vec<Assertion> {
    let secrets = redactor.values();
    let mut out = Vec::new();
    let parsed: Vec<(usize, Option<serde_json::Map<String, Value>>)> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            (
                i,
                serde_json::from_str::<Value>(&l.text).ok().and_then(|v| {
                    if let Value::Object(m) = v {
                        Some(m)
                    } else {
                        None
                    }
                }),
            )
        })
        .collect();
    if o.json {
        let bad: Vec<&str> = parsed
            .iter()
            .filter(|(_, m)| m.is_none())
            .map(|(i, _)| lines[*i].text.as_str())
            .collect();
        out.push(Assertion::new(
            "output",
            "every line a JSON object",
            if bad.is_empty() {
                format!("{} JSON", crate::text::plural(lines.len(), "line"))
            } else {
                format!(
                    "{} of {} lines are not JSON, e.g. {}",
                    bad.len(),
                    lines.len(),
                    shown(bad[0], None, redactor)
                )
            },
            bad.is_empty(),
        ));
    }
    for field in &o.fields {
        let lacking = parsed
            .iter()
            .filter(|(_, m)| m.as_ref().is_some_and(|m| !m.contains_key(field)))
            .count();
        let json_lines = parsed.iter().filter(|(_, m)| m.is_some()).count();
        out.push(Assertion::new(
            format!("output field `{field}`"),
            "in every JSON line",
            if lacking == 0 {
                format!("in all {json_lines}")
            } else {
                format!("missing from {lacking} of {json_lines}")
            },
            lacking == 0 && (json_lines > 0 || lines.is_empty()),
        ));
    }
    // Secrets of the suite and well-known token shapes, always; then the suite's patterns.
    let leaked: Vec<&str> = lines
        .iter()
        .filter(|l| secrets.iter().any(|s| l.text.contains(s.as_str())))
        .map(|l| l.text.as_str())
        .collect();
    out.push(Assertion::new(
        "output secrets",
        "no secret value of the suite",
        if leaked.is_empty() {
            "none".into()
        } else {
            format!(
                "{} with a secret, e.g. {}",
                crate::text::plural(leaked.len(), "line"),
                shown(leaked[0], None, redactor)
            )
        },
        leaked.is_empty(),
    ));
    let shapes = regex::Regex::new(TOKEN_SHAPES).ok();
    let patterns = shapes
        .iter()
        .map(|r| ("token shapes".to_string(), r))
        .chain(o.must_not_match.iter().map(|r| (format!("`{r}`"), r)));
    for (name, re) in patterns {
        let hits: Vec<&str> = lines
            .iter()
            .filter(|l| re.is_match(&l.text))
            .map(|l| l.text.as_str())
            .take(SHOWN)
            .collect();
        let count = lines.iter().filter(|l| re.is_match(&l.text)).count();
        out.push(Assertion::new(
            format!("output must not match {name}"),
            "no line",
            if count == 0 {
                "none".into()
            } else {
                format!(
                    "{}, e.g. {}",
                    crate::text::plural(count, "line"),
                    shown(hits[0], Some(re), redactor)
                )
            },
            count == 0,
        ));
    }
    out
}

/// The lines written to `file` past byte `offset`, at most `read::CHECKED_FILE` of them.
fn lines_after(file: &str, offset: u64) -> Result<Vec<String>, String> {
    use std::io::{Read, Seek};
    let mut f = match std::fs::File::open(file) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(format!("cannot read `{file}`: {}", crate::reason::io(&e)));
        }
    };
    let limit = crate::read::CHECKED_FILE;
    let mut buf = Vec::new();
    f.seek(std::io::SeekFrom::Start(offset))
        .and_then(|_| f.take(limit + 1).read_to_end(&mut buf))
        .map_err(|e| format!("cannot read `{file}`: {}", crate::reason::io(&e)))?;
    if buf.len() as u64 > limit {
        return Err(format!(
            "`{file}` grew by more than the {} limit during the action",
            crate::read::size(limit)
        ));
    }
    Ok(String::from_utf8_lossy(&buf)
        .lines()
        .map(str::to_string)
        .collect())
}

/// Waits up to `within` for a new line of the audit file that matches every expected field.
async fn audit(
    a: &AuditSpec,
    file: &str,
    before: u64,
    scope: &Scope,
    redactor: &Redactor,
) -> Result<Assertion, String> {
    let expect: Vec<(String, Value)> = a
        .expect
        .iter()
        .map(|(k, t)| Ok((k.clone(), t.expand(scope)?)))
        .collect::<Result<_, String>>()?;
    let shown = expect
        .iter()
        .map(|(k, v)| format!("{k}={}", value_text(v)))
        .collect::<Vec<_>>()
        .join(", ");
    let expected = format!("a new JSON line with {shown}");
    let deadline = Instant::now() + a.within;
    loop {
        let exists = std::path::Path::new(file).exists();
        let lines = lines_after(file, before)?;
        let new: Vec<&String> = lines.iter().collect();
        let matched = new.iter().any(|l| {
            serde_json::from_str::<Value>(l).ok().is_some_and(|v| {
                expect.iter().all(|(k, want)| {
                    v.get(k).is_some_and(|got| {
                        json_eq(got, want) || value_text(got) == value_text(want)
                    })
                })
            })
        });
        if matched {
            return Ok(Assertion::new("audit log", expected, "found", true));
        }
        if Instant::now() >= deadline {
            let actual = match (exists, new.last()) {
                (false, _) => format!("`{file}` does not exist"),
                (true, None) => format!(
                    "no new line within {}",
                    humantime::format_duration(a.within)
                ),
                (true, Some(last)) => {
                    let last = redactor.cut(last, 120);
                    format!("{} new, none matching; last `{last}`", new.len())
                }
            };
            return Ok(Assertion::new("audit log", expected, actual, false));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(texts: &[&str]) -> Vec<LogLine> {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| LogLine {
                seq: i as u64,
                text: t.to_string(),
            })
            .collect()
    }

    #[test]
    fn plain_text_and_missing_fields_fail() {
        let o = OutputLogSpec {
            json: true,
            fields: vec!["level".into()],
            must_not_match: vec![],
            may_be_empty: false,
        };
        let a = output(
            &o,
            &lines(&[
                r#"{"level":"info","message":"up"}"#,
                "INFO: plain",
                r#"{"message":"x"}"#,
            ]),
            &Redactor::default(),
        );
        assert_eq!(a[0].actual, "1 of 3 lines are not JSON, e.g. `INFO: plain`");
        assert_eq!(a[1].actual, "missing from 1 of 2");
        assert!(!a[0].passed && !a[1].passed);
    }

    #[test]
    fn secrets_token_shapes_and_patterns_fail() {
        let o = OutputLogSpec {
            json: false,
            fields: vec![],
            must_not_match: vec![regex::Regex::new("Traceback").unwrap()],
            may_be_empty: false,
        };
        let a = output(
            &o,
            &lines(&[
                "webhook secret=hunter2-secret",
                "key AKIAABCDEFGHIJKLMNOP",
                "Traceback (most recent call last):",
            ]),
            &Redactor::new(vec!["hunter2-secret".into()]),
        );
        let failed: Vec<&str> = crate::check::failed_assertions(&a)
            .map(|a| a.property.as_str())
            .collect();
        assert_eq!(
            failed,
            [
                "output secrets",
                "output must not match token shapes",
                "output must not match `Traceback`"
            ]
        );
    }

    /// What a rule found is masked in the evidence: the token, the secret, the JWT.
    #[test]
    fn evidence_never_repeats_what_was_found() {
        let o = OutputLogSpec {
            json: false,
            fields: vec![],
            must_not_match: vec![regex::Regex::new("password=\\S+").unwrap()],
            may_be_empty: false,
        };
        let token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789AB";
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjaS1ib3QifQ.c2lnbmF0dXJlLXZhbHVl";
        let long = format!("{} hunter2-secret-value", "x".repeat(110));
        let a = output(
            &o,
            &lines(&[
                &format!("pushed with {token} ok"),
                &format!("auth {jwt}"),
                "login password=correct-horse",
                &long,
            ]),
            &Redactor::new(vec!["hunter2-secret-value".into()]),
        );
        let shown: String = a.iter().map(|a| format!("{}\n", a.actual)).collect();
        for found in [
            token,
            jwt,
            "correct-horse",
            "hunter2",
            "ghp_abcd",
            "eyJhbGci",
        ] {
            assert!(!shown.contains(found), "{found} in:\n{shown}");
        }
        let failed: Vec<&str> = crate::check::failed_assertions(&a)
            .map(|a| a.property.as_str())
            .collect();
        assert_eq!(
            failed,
            [
                "output secrets",
                "output must not match token shapes",
                "output must not match `password=\\S+`"
            ]
        );
        assert!(shown.contains("`pushed with *** ok`"), "{shown}");
        assert!(shown.contains("`login ***`"), "{shown}");
    }

    #[test]
    fn a_bare_jwt_is_a_token_shape() {
        let re = regex::Regex::new(TOKEN_SHAPES).unwrap();
        assert!(re.is_match("token eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."));
        assert!(!re.is_match("eyJhbGciOiJub25lIn0 alone"));
    }
}
