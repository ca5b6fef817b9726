//! The `openapi` check kind: a thin check over the OpenAPI engine (`src/openapi/`). It
//! reads the document (the suite's file, or `GET` from the service, JSON or YAML), selects
//! the operations by tag and path, and hands the engine a `Sender` that is harden's HTTP
//! client; every finding becomes a failed assertion with its `curl` command, and the note
//! says what was sent, the share of valid cases each operation refused, and the seed.

use crate::check::context::CheckContext;
use crate::check::outcome::{Assertion, CheckOutcome, Status};
use crate::check::progress::{self, Progress};
use crate::http::{Activity, RequestError, Transport};
use crate::openapi::engine::Applied;
use crate::openapi::{Budget, Document, HttpRequest, HttpResponse, Options, Report, Sender, Sent};
use crate::suite::{OpenApiDocument, OpenApiSpec, RequestExtra, RequestSpec, Target, Template};
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub(crate) async fn run(spec: &OpenApiSpec, cx: &CheckContext, timeout: Duration) -> CheckOutcome {
    let headers: Vec<(String, String)> = match spec.headers.as_ref().map(|h| h.expand(&cx.scope)) {
        None => Vec::new(),
        Some(Ok(Value::Object(m))) => m
            .into_iter()
            .map(|(k, v)| (k, crate::suite::value_text(&v)))
            .collect(),
        Some(Ok(other)) => {
            return CheckOutcome::error(format!("`headers` must be a map, found `{other}`"));
        }
        Some(Err(e)) => return CheckOutcome::error(e),
    };
    let doc = match &spec.document {
        OpenApiDocument::File { doc, shown } => {
            Document::new(doc.as_ref().clone()).map_err(|e| format!("`{shown}`: {e}"))
        }
        // Fetched with the check's headers: a document may sit behind the same credentials.
        OpenApiDocument::Service(path) => match cx.send(&fetch(path, &headers), &cx.scope).await {
            Err(e) => return CheckOutcome::error(e),
            Ok(r) if !(200..300).contains(&r.status) => {
                return CheckOutcome::error(format!("GET {path} answered {}", r.status));
            }
            Ok(r) => Document::from_text(&r.body).map_err(|e| format!("GET {path}: {e}")),
        },
        OpenApiDocument::Url(url) => match from_url(url, cx, timeout).await {
            Ok(d) => Ok(d),
            Err(e) => return CheckOutcome::error(e),
        },
    };
    let doc = match doc {
        Ok(d) => d,
        Err(e) => return CheckOutcome::error(e),
    };
    let auth = match auth(spec, cx, &doc) {
        Ok(a) => a,
        Err(e) => return CheckOutcome::error(e),
    };
    let selected = selected(&doc, spec);
    if selected.is_empty() {
        return CheckOutcome::error("no operation of the document is selected");
    }
    let seed = spec.seed.unwrap_or_else(seed);
    let defaults = Budget::default();
    let opts = Options {
        seed,
        budget: Budget {
            // Leave a quarter of the check's time for the last requests and the report.
            time: timeout.mul_f64(0.75),
            max_examples: spec.max_examples.unwrap_or(defaults.max_examples),
            ..defaults
        },
        headers,
        base_url: cx.base_url.clone(),
        phases: spec
            .phases
            .clone()
            .unwrap_or_else(|| crate::openapi::case::Phase::ALL.to_vec()),
        ignore: spec.ignore.clone(),
        auth,
    };
    let sender = Arc::new(Client {
        client: cx.client.clone(),
        base_url: cx.base_url.trim_end_matches('/').to_string(),
        limit: cx.limits.body,
        activity: cx.activity.clone(),
        sent: AtomicU64::new(0),
        // One slow answer must not take the whole check's time (and its findings) with it.
        per_request: timeout.div_f64(3.0).min(Duration::from_secs(10)),
    });
    let now = || Progress::Sent {
        requests: sender.sent.load(Ordering::Relaxed),
    };
    let run = crate::openapi::run(&doc, &selected, &opts, sender.clone());
    let report = progress::while_running(&cx.progress, now, run).await;
    let source = match &spec.document {
        OpenApiDocument::File { shown, .. } => format!("`{shown}`"),
        OpenApiDocument::Service(path) => format!("GET {path}"),
        OpenApiDocument::Url(url) => format!("`{url}`"),
    };
    outcome(&report, &doc, &selected, &source)
}

/// The document at `url`, read up to the size a document may be. No header of the check
/// goes with it: the URL may be another host than the service.
async fn from_url(url: &str, cx: &CheckContext, timeout: Duration) -> Result<Document, String> {
    let limit = crate::openapi::document::MAX_DOCUMENT_BYTES as u64;
    let mut plain = crate::http::Plain::new(reqwest::Method::GET, url.to_string());
    plain.compressed = true;
    plain.timeout = Some(timeout.div_f64(3.0).min(Duration::from_secs(30)));
    let built = plain
        .build(&cx.client)
        .map_err(|e| format!("the document `{url}`: {e}"))?;
    let body = crate::http::BodyLimit {
        bytes: limit,
        setting: "document",
    };
    let r = match crate::http::send(&cx.client, built, body, &cx.activity).await {
        Ok(r) => r,
        Err(RequestError::Body { .. }) => {
            return Err(format!(
                "the document `{url}` is larger than the {} a document may be",
                crate::read::size(limit)
            ));
        }
        Err(RequestError::Transport { kind, .. }) => {
            return Err(format!("the document `{url}` could not be fetched: {kind}"));
        }
        Err(e) => return Err(format!("the document `{url}`: {e}")),
    };
    if !(200..300).contains(&r.status) {
        return Err(format!("the document `{url}` answered {}", r.status));
    }
    Document::from_text(&r.body).map_err(|e| format!("the document `{url}`: {e}"))
}

/// The check's `auth`, expanded, as the credentials each security scheme sends.
fn auth(spec: &OpenApiSpec, cx: &CheckContext, doc: &Document) -> Result<Vec<Applied>, String> {
    let given = match spec.auth.as_ref().map(|a| a.expand(&cx.scope)) {
        None => return Ok(Vec::new()),
        Some(Ok(Value::Object(m))) => m,
        Some(Ok(other)) => return Err(format!("`auth` must be a map, found `{other}`")),
        Some(Err(e)) => return Err(e.to_string()),
    };
    let mut out = Vec::new();
    for (name, v) in given {
        let Some(s) = doc.schemes.iter().find(|s| s.name == name) else {
            let names: Vec<&str> = doc.schemes.iter().map(|s| s.name.as_str()).collect();
            return Err(if names.is_empty() {
                format!("`auth.{name}`: the document has no security schemes")
            } else {
                format!(
                    "`auth.{name}`: the document has no security scheme `{name}`; {}",
                    crate::suggest::one_of(&name, &names)
                )
            });
        };
        let value = match (s.http.as_deref(), &v) {
            (Some("basic"), Value::Object(m)) => {
                let part = |k: &str| m.get(k).map(crate::suite::value_text).unwrap_or_default();
                format!(
                    "Basic {}",
                    base64(format!("{}:{}", part("username"), part("password")).as_bytes())
                )
            }
            (Some("basic"), _) => {
                return Err(format!(
                    "`auth.{name}`: an http basic scheme takes `{{ username, password }}`"
                ));
            }
            (_, Value::Object(_) | Value::Array(_)) => {
                return Err(format!("`auth.{name}`: give the credential as a string"));
            }
            (Some("bearer"), v) => format!("Bearer {}", crate::suite::value_text(v)),
            (_, v) => crate::suite::value_text(v),
        };
        out.push(Applied {
            scheme: name,
            at: s.at.clone(),
            value,
        });
    }
    Ok(out)
}

/// Standard base64 with padding, for `Authorization: Basic`.
fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `GET path` with the check's headers (already expanded: taken literally).
fn fetch(path: &str, headers: &[(String, String)]) -> RequestSpec {
    let map: serde_json::Map<String, Value> = headers
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    RequestSpec::new(
        reqwest::Method::GET,
        Target::Path(Template::literal(path)),
        RequestExtra {
            headers: (!map.is_empty()).then(|| Template::literal_value(Value::Object(map))),
            ..Default::default()
        },
    )
}

/// A seed for this run: the same seed sends the same requests.
fn seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    nanos ^ (u64::from(std::process::id()) << 32)
}

/// The operations the check's `tags`, `paths`, `include` and `exclude` select, in
/// document order.
pub(crate) fn selected(doc: &Document, spec: &OpenApiSpec) -> Vec<usize> {
    (0..doc.operations.len())
        .filter(|&i| {
            let op = &doc.operations[i];
            spec.paths.as_ref().is_none_or(|g| g.is_match(&op.path))
                && (spec.tags.is_empty() || spec.tags.iter().any(|t| op.tags.contains(t)))
                && (spec.include.is_empty() || spec.include.iter().any(|m| m.matches(op)))
                && !spec.exclude.iter().any(|m| m.matches(op))
        })
        .collect()
}

/// The engine's report as the check's outcome: one failed assertion per finding, one
/// passed assertion per operation without any.
pub(crate) fn outcome(
    report: &Report,
    doc: &Document,
    selected: &[usize],
    source: &str,
) -> CheckOutcome {
    let mut assertions = Vec::new();
    let mut held = 0;
    for &i in selected {
        let label = doc.operations[i].label();
        let findings: Vec<_> = report.findings.iter().filter(|f| f.op == i).collect();
        if findings.is_empty() {
            held += 1;
            let s = &report.operations[i];
            assertions.push(Assertion::new(
                &label,
                "every rule holds",
                format!("{} requests, none broke a rule", s.sent),
                true,
            ));
        }
        for f in findings {
            let content_type = f.content_type.as_deref().unwrap_or("no Content-Type");
            let body = if f.excerpt.is_empty() {
                "an empty body".to_string()
            } else {
                format!("body `{}`", f.excerpt)
            };
            assertions.push(Assertion::new(
                format!("{} {}", f.operation, f.rule.name()),
                f.rule.words(),
                format!(
                    "{} ({} phase); {}, {content_type}, {body}; replay: {}",
                    f.detail,
                    f.phase.name(),
                    f.status,
                    f.curl
                ),
                false,
            ));
        }
    }
    let total = selected.len();
    let mut o = CheckOutcome::from_assertions(assertions, None).proportional(held, total);
    let refused: Vec<String> = selected
        .iter()
        .map(|&i| &report.operations[i])
        .filter(|s| s.valid_rejected > 0)
        .map(|s| format!("{} {} of {}", s.operation, s.valid_rejected, s.valid))
        .collect();
    let mut note = format!(
        "{} of {source} called with {} requests, seed {}: {} findings",
        crate::text::plural(total, "operation"),
        report.requests,
        report.seed,
        report.findings.len()
    );
    if !refused.is_empty() {
        note.push_str(&format!(
            "; valid requests refused with a 4xx (those did not exercise the operation): {}",
            refused.join(", ")
        ));
    }
    if report.dropped > 0 {
        note.push_str(&format!(
            "; {} generated values did not fit their schema and were not sent",
            report.dropped
        ));
    }
    if let Some(b) = report.exhausted {
        note.push_str(&format!("; stopped early by the {b} budget"));
    }
    o.note = Some(note);
    if let Some(first) = report.transport_errors.first() {
        o.status = Status::Error;
        o.message = Some(format!(
            "{} requests got no answer, even on a fresh connection; the first: {first}",
            report.transport_errors.len()
        ));
    }
    o
}

/// harden's HTTP layer as the engine's `Sender`: content codings, the body limit and
/// transport errors are those of every other kind.
struct Client {
    client: reqwest::Client,
    base_url: String,
    limit: u64,
    activity: Activity,
    /// Requests sent so far, read for a live display.
    sent: AtomicU64,
    per_request: Duration,
}

impl Sender for Client {
    fn send(&self, req: HttpRequest) -> Sent {
        let client = self.client.clone();
        let url = format!("{}{}", self.base_url, req.target);
        let limit = crate::http::BodyLimit {
            bytes: self.limit,
            setting: "limits.body",
        };
        let activity = self.activity.clone();
        let per_request = self.per_request;
        self.sent.fetch_add(1, Ordering::Relaxed);
        Box::pin(async move {
            let method =
                reqwest::Method::from_bytes(req.method.as_bytes()).map_err(|e| e.to_string())?;
            let mut plain = crate::http::Plain::new(method, url);
            plain.headers = req.headers.into_iter().map(|(k, v)| (k, Some(v))).collect();
            if let Some(body) = req.body {
                plain.body = crate::http::Body::Bytes(body);
            }
            plain.timeout = Some(per_request);
            let built = plain.build(&client).map_err(|e| e.to_string())?;
            let r = crate::http::send(&client, built, limit, &activity)
                .await
                .map_err(|e| match e {
                    // The engine names the request; the reason is enough here.
                    RequestError::Transport {
                        kind: Transport::TimedOut,
                        ..
                    } => format!(
                        "timed out after {}",
                        humantime::format_duration(per_request)
                    ),
                    RequestError::Transport { kind, .. } => kind.to_string(),
                    other => other.to_string(),
                })?;
            let body = r.raw.unwrap_or_else(|| r.body.into_bytes());
            Ok(HttpResponse {
                status: r.status,
                headers: r.headers,
                body,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_is_standard_and_padded() {
        assert_eq!(super::base64(b"user:pass"), "dXNlcjpwYXNz");
        assert_eq!(super::base64(b"a"), "YQ==");
        assert_eq!(super::base64(b"ab"), "YWI=");
    }
}
