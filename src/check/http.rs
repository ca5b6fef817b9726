//! The `http` check kind: send requests, then assert on status, headers, JSON, schema, body
//! and latency. `send` observes; `evaluate` is a pure function of the response and the spec.

use crate::check::context::CheckContext;
use crate::check::json::{Selected, json_assertions, select, unified_diff};
use crate::check::outcome::{Assertion, CheckOutcome};
use crate::suite::{
    BodyPredicate, BodySpec, CaptureSpec, ExpectSpec, HeaderPredicate, RequestSpec, Scope,
    StepSpec, Target, value_text,
};
use serde_json::Value;
use std::time::{Duration, Instant};

/// What harden saw of one response.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub status: u16,
    /// Lowercase names, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The body as text (invalid UTF-8 replaced); `raw` keeps the bytes when they are not text.
    pub body: String,
    pub raw: Option<Vec<u8>>,
    /// The body as JSON, parsed at the first `json()` (most checks never ask: a status-only
    /// check against a large body does not pay for parsing it); `None` inside when it is
    /// not JSON.
    pub json: std::sync::OnceLock<Option<Value>>,
    pub duration: Duration,
    /// The request as sent, for messages: `GET http://…/x (user-agent: harden/0.1.0)`,
    /// credentials shown as `***`.
    pub sent: String,
}

impl Response {
    /// The body parsed as JSON, if it is JSON.
    pub(crate) fn json(&self) -> Option<&Value> {
        self.json
            .get_or_init(|| {
                serde_json::from_slice(self.raw.as_deref().unwrap_or(self.body.as_bytes())).ok()
            })
            .as_ref()
    }

    pub(crate) fn header(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self
            .headers
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    }
}

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
        let label = match (&step.name, many) {
            (Some(n), _) => format!("step {} ({n}): ", i + 1),
            (None, true) => format!("step {}: ", i + 1),
            (None, false) => String::new(),
        };
        let response = match send(&step.request, cx, &scope).await {
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
        for (name, spec) in &step.capture {
            match capture(spec, &response) {
                Ok(v) => {
                    scope.captures.insert(name.clone(), v.clone());
                    out.captures.push((name.clone(), v));
                }
                Err(e) => assertions.push(Assertion::new(
                    format!("capture `{name}`"),
                    describe_capture(spec),
                    e,
                    false,
                )),
            }
        }
        for a in &mut assertions {
            a.property = format!("{label}{}", a.property);
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

/// What harden says it is, unless a request sets `User-Agent` (or leaves it out with null).
const USER_AGENT: &str = concat!("harden/", env!("CARGO_PKG_VERSION"));
/// What `compressed: true` asks for: every encoding harden decodes.
const ACCEPT_ENCODING: &str = "gzip, deflate, br, zstd";

/// A response whose head has arrived; its body is still to be read.
pub(crate) struct Started {
    pub resp: reqwest::Response,
    /// `GET http://…/path`, for messages.
    pub request: String,
    /// The request with the headers harden set (credentials as `***`).
    pub sent: String,
    pub started: Instant,
}

/// Headers whose values are credentials: shown as `***` in every message, secret or not.
fn credential(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(
        n.as_str(),
        "authorization" | "proxy-authorization" | "cookie"
    ) || [
        "token",
        "api-key",
        "apikey",
        "secret",
        "password",
        "signature",
    ]
    .iter()
    .any(|w| n.contains(w))
}

/// Why a request got no answer harden could use.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RequestError {
    /// A template in the request could not be expanded.
    #[error(transparent)]
    Template(#[from] crate::suite::TemplateError),
    /// The request cannot be made as written (`headers` that are not a map, an invalid URL).
    #[error("{0}")]
    Invalid(String),
    /// No answer came: `request` is `GET http://…/path`.
    #[error("{request}: {kind}")]
    Transport { request: String, kind: Transport },
    /// An answer came, but its body could not be read whole.
    #[error("{request}: {problem}")]
    Body {
        request: String,
        problem: BodyProblem,
    },
}

/// How a request failed to get an answer.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Transport {
    #[error("timed out")]
    TimedOut,
    /// Connecting failed: refused, unreachable, reset during the handshake.
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("{0}")]
    Other(String),
}

/// How reading a body failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BodyProblem {
    /// Larger than `limit` bytes; `setting` names the suite's setting that raises it.
    #[error("the body is larger than the {} limit (raise `{setting}` in the suite)", crate::read::size(*.limit))]
    TooLarge { limit: u64, setting: String },
    /// A content coding that could not be undone (bounded by the same setting).
    #[error("{why} (`{setting}` bounds the decoded body too)")]
    Undecodable { why: String, setting: String },
    #[error("{0}")]
    Failed(String),
}

/// A check's message is where a request error ends up.
impl From<RequestError> for String {
    fn from(e: RequestError) -> String {
        e.to_string()
    }
}

/// A request with every template expanded, ready to send (and to send again: a `load`
/// check builds its request once).
pub(crate) struct Built {
    pub request: reqwest::Request,
    /// `GET http://…/path`, for messages.
    pub label: String,
    /// The request with the headers harden set (credentials as `***`).
    pub sent: String,
}

/// Builds and sends one request and waits for the response's head; `Err` when it could
/// not be made or got no answer.
pub(crate) async fn begin(
    req: &RequestSpec,
    cx: &CheckContext,
    scope: &Scope,
) -> Result<Started, RequestError> {
    let built = build(req, cx, scope)?;
    let started = Instant::now();
    cx.activity.set(&built.label);
    let resp = cx
        .client
        .execute(built.request)
        .await
        .map_err(|e| transport_error(&built.label, &e))?;
    Ok(Started {
        resp,
        request: built.label,
        sent: built.sent,
        started,
    })
}

/// Expands a request's templates against `scope` into a request ready to send.
pub(crate) fn build(
    req: &RequestSpec,
    cx: &CheckContext,
    scope: &Scope,
) -> Result<Built, RequestError> {
    let url = match &req.target {
        Target::Path(p) => format!(
            "{}{}",
            cx.base_url.trim_end_matches('/'),
            p.expand_text(scope)?
        ),
        Target::Url(u) => u.expand_text(scope)?,
    };
    let mut builder = cx.client.request(req.method.clone(), &url);
    let mut user_agent = true;
    let mut accept_encoding = false;
    let mut shown_headers: Vec<String> = Vec::new();
    if let Some(h) = &req.headers {
        // A value sends the header, "" sends it empty, null leaves it out.
        let headers = match h.expand(scope)? {
            Value::Object(m) => m,
            other => {
                return Err(RequestError::Invalid(format!(
                    "`headers` must be a map, found `{other}`"
                )));
            }
        };
        for (k, v) in headers {
            if k.eq_ignore_ascii_case("user-agent") {
                user_agent = false;
            }
            if k.eq_ignore_ascii_case("accept-encoding") {
                accept_encoding = true;
            }
            match v {
                Value::Null if k.eq_ignore_ascii_case("accept") => {
                    return Err(RequestError::Invalid(
                        "`accept: null`: the HTTP client always sends `Accept: */*` unless told another value".into(),
                    ));
                }
                Value::Null => {}
                v => {
                    let text = value_text(&v);
                    shown_headers.push(if credential(&k) {
                        format!("{k}: ***")
                    } else {
                        format!("{k}: {text}")
                    });
                    builder = builder.header(k, text);
                }
            }
        }
    }
    if user_agent {
        builder = builder.header("user-agent", USER_AGENT);
        shown_headers.push(format!("user-agent: {USER_AGENT}"));
    }
    if req.compressed && !accept_encoding {
        builder = builder.header("accept-encoding", ACCEPT_ENCODING);
        shown_headers.push(format!("accept-encoding: {ACCEPT_ENCODING}"));
    }
    if let Some(q) = &req.query {
        builder = builder.query(&expand_map(q.expand(scope)?, "query")?);
    }
    builder = match &req.body {
        BodySpec::None => builder,
        BodySpec::Json(t) => builder.json(&t.expand(scope)?),
        BodySpec::Text(t) => builder.body(t.expand_text(scope)?),
        BodySpec::Form(t) => builder.form(&expand_map(t.expand(scope)?, "form")?),
    };
    let request = builder.build().map_err(|e| {
        RequestError::Invalid(format!(
            "{} {url}: {}",
            req.method,
            crate::reason::chain(&e)
        ))
    })?;
    // As sent: the query included, the URL as the client normalised it.
    let label = format!("{} {}", req.method, request.url());
    let sent = format!("{label} ({})", shown_headers.join(", "));
    Ok(Built {
        request,
        label,
        sent,
    })
}

/// Reads the rest of the body, refusing more than `limit` bytes (`what` names the limit
/// in the suite).
/// Why a body could not be read whole.
pub(crate) enum BodyError {
    /// Over the limit (by its `Content-Length`, or as it streamed in).
    TooLarge,
    /// The connection failed, or the consumer of a chunk refused it.
    Failed(String),
}

/// Streams a response body to `on_chunk`, at most `limit` bytes, stopping at the first
/// byte past it: the one bounded reader every body goes through (checks, metrics
/// expositions, `harden init`'s document).
pub(crate) async fn stream_body(
    resp: &mut reqwest::Response,
    limit: u64,
    mut on_chunk: impl FnMut(&[u8]) -> Result<(), String>,
) -> Result<(), BodyError> {
    if resp.content_length().is_some_and(|n| n > limit) {
        return Err(BodyError::TooLarge);
    }
    let mut read: u64 = 0;
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                read += chunk.len() as u64;
                if read > limit {
                    return Err(BodyError::TooLarge);
                }
                on_chunk(&chunk).map_err(BodyError::Failed)?;
            }
            Ok(None) => return Ok(()),
            Err(e) => {
                return Err(BodyError::Failed(format!(
                    "reading the body failed: {}",
                    crate::reason::chain(&e)
                )));
            }
        }
    }
}

/// Reads the rest of the body, refusing more than `limit` bytes (`what` names the limit
/// in the suite), and undoes its content codings (bounded by the same limit).
pub(crate) async fn read_body(
    s: &mut Started,
    limit: u64,
    what: &str,
) -> Result<Vec<u8>, RequestError> {
    let encodings: Vec<String> = s
        .resp
        .headers()
        .get_all("content-encoding")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|e| e.trim().to_ascii_lowercase())
        .filter(|e| !e.is_empty() && e != "identity")
        .collect();
    let mut buf = Vec::new();
    stream_body(&mut s.resp, limit, |chunk| {
        buf.extend_from_slice(chunk);
        Ok(())
    })
    .await
    .map_err(|e| RequestError::Body {
        request: s.request.clone(),
        problem: match e {
            BodyError::TooLarge => BodyProblem::TooLarge {
                limit,
                setting: what.to_string(),
            },
            BodyError::Failed(why) => BodyProblem::Failed(why),
        },
    })?;
    // Codings apply in the order listed: undo them from the last.
    for enc in encodings.iter().rev() {
        buf = crate::check::decode::decode(enc, &buf, limit).map_err(|why| RequestError::Body {
            request: s.request.clone(),
            problem: BodyProblem::Undecodable {
                why: why.to_string(),
                setting: what.to_string(),
            },
        })?;
    }
    Ok(buf)
}

/// Builds and sends one request and reads its answer; `Err` when it could not be made,
/// got no answer, or the body is over `limits.body`.
pub(crate) async fn send(
    req: &RequestSpec,
    cx: &CheckContext,
    scope: &Scope,
) -> Result<Response, RequestError> {
    let mut s = begin(req, cx, scope).await?;
    let resp = &s.resp;
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let bytes = read_body(&mut s, cx.limits.body, "limits.body").await?;
    let duration = s.started.elapsed();
    let (body, raw) = match String::from_utf8(bytes) {
        Ok(text) => (text, None),
        Err(e) => (
            String::from_utf8_lossy(e.as_bytes()).into_owned(),
            Some(e.into_bytes()),
        ),
    };
    Ok(Response {
        status,
        headers,
        body,
        raw,
        json: std::sync::OnceLock::new(),
        duration,
        sent: s.sent,
    })
}

/// No answer to `request` (`GET http://…/path`), in reqwest's words.
pub(crate) fn transport_error(request: &str, e: &reqwest::Error) -> RequestError {
    let kind = if e.is_timeout() {
        Transport::TimedOut
    } else if e.is_connect() {
        Transport::Connect(crate::reason::chain(e))
    } else {
        Transport::Other(crate::reason::chain(e))
    };
    RequestError::Transport {
        request: request.to_string(),
        kind,
    }
}

fn expand_map(v: Value, what: &str) -> Result<Vec<(String, String)>, RequestError> {
    match v {
        Value::Object(m) => Ok(m.into_iter().map(|(k, v)| (k, value_text(&v))).collect()),
        other => Err(RequestError::Invalid(format!(
            "`{what}` must be a map, found `{other}`"
        ))),
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

/// A plain `GET path` against the service (health endpoints, metrics).
pub(crate) async fn get(cx: &CheckContext, path: &str) -> Result<Response, RequestError> {
    let req = RequestSpec {
        method: reqwest::Method::GET,
        target: Target::Path(crate::suite::Template::literal(path)),
        headers: None,
        query: None,
        body: BodySpec::None,
        compressed: false,
    };
    send(&req, cx, &cx.scope).await
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
            &s.text,
            r.status.to_string(),
            s.matches(r.status),
        ));
    }
    for (name, pred) in &expect.headers {
        let actual = r.header(name);
        let shown = actual.clone().unwrap_or_else(|| "(absent)".into());
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
    let (json, json_diff) = json_assertions(&expect.json, r, scope)?;
    out.extend(json);
    diff = diff.or(json_diff);
    if let Some(schema) = &expect.schema {
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
    if !expect.body.is_empty() {
        let (body, body_diff) =
            text_assertions("body", &expect.body, &r.body, &body_snippet(r), scope)?;
        out.extend(body);
        diff = diff.or(body_diff);
    }
    if let Some(max) = expect.max_duration {
        out.push(Assertion::new(
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
                Assertion::new(
                    label,
                    format!("does not contain `{want}`"),
                    shown,
                    !text.contains(&want),
                )
            }
            BodyPredicate::Matches(re) => {
                Assertion::new(label, format!("matches `{re}`"), shown, re.is_match(text))
            }
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

/// What a body that should be JSON is instead: its content type and an excerpt.
pub(crate) fn not_json(r: &Response) -> String {
    let ctype = r
        .header("content-type")
        .map(|c| format!("a `{c}` body"))
        .unwrap_or_else(|| "a body without content-type".into());
    format!("{ctype} that is not JSON: {}", body_snippet(r))
}

/// The body for a message: text as text; bytes that are not text as a hex excerpt with the
/// length, so nothing is hidden or blanked.
pub(crate) fn body_snippet(r: &Response) -> String {
    let binary = r.raw.as_deref().or_else(|| {
        r.body
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
            .then_some(r.body.as_bytes())
    });
    match binary {
        Some(bytes) => {
            let hex: Vec<String> = bytes.iter().take(48).map(|b| format!("{b:02x}")).collect();
            let more = if bytes.len() > 48 { " …" } else { "" };
            format!(
                "binary body, {} bytes: {}{more}",
                bytes.len(),
                hex.join(" ")
            )
        }
        None => snippet(&r.body),
    }
}

fn snippet(body: &str) -> String {
    let one_line: String = body
        .chars()
        .take(160)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if body.is_empty() {
        "(empty body)".into()
    } else if body.chars().count() > 160 {
        format!("`{one_line}…`")
    } else {
        format!("`{one_line}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::{JsonAssertion, JsonPredicate, StatusMatcher, Template};
    use serde_json::json;
    use std::sync::Arc;

    fn response(status: u16, body: Value) -> Response {
        Response {
            raw: None,
            sent: String::new(),
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
            predicates: preds,
        }
    }

    #[test]
    fn status_and_media_type_pass_on_a_matching_response() {
        let expect = ExpectSpec {
            status: Some(StatusMatcher {
                ranges: vec![(200, 299)],
                text: "2xx".into(),
            }),
            headers: vec![(
                "content-type".into(),
                HeaderPredicate::Equals(Template::text("application/json").unwrap()),
            )],
            ..Default::default()
        };
        let (a, _) = evaluate(&expect, &response(201, json!({})), &Scope::default()).unwrap();
        assert!(a.iter().all(|a| a.passed), "{a:?}");
    }

    #[test]
    fn wrong_status_fails_with_expected_and_actual() {
        let expect = ExpectSpec {
            status: Some(StatusMatcher {
                ranges: vec![(201, 201)],
                text: "201".into(),
            }),
            ..Default::default()
        };
        let (a, _) = evaluate(&expect, &response(200, json!({})), &Scope::default()).unwrap();
        assert_eq!(a, vec![Assertion::new("status", "201", "200", false)]);
    }

    #[test]
    fn json_predicates_cover_types_lengths_and_comparisons() {
        let body = json!({ "phases": [{"phase": "planning"}, {"phase": "data"}], "n": 3, "id": "abc-123" });
        let expect = ExpectSpec {
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
        };
        let (a, _) = evaluate(&expect, &response(200, body), &Scope::default()).unwrap();
        assert!(a.iter().all(|a| a.passed), "{a:#?}");
        assert_eq!(a.len(), 7);
    }

    #[test]
    fn object_mismatch_gives_a_unified_diff() {
        let expect = ExpectSpec {
            json: vec![json_assert(
                "$",
                vec![JsonPredicate::Equals(
                    Template::new(json!({ "status": "healthy" })).unwrap(),
                )],
            )],
            ..Default::default()
        };
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
        let expect = ExpectSpec {
            json: vec![json_assert("$.a", vec![JsonPredicate::Exists(true)])],
            ..Default::default()
        };
        let r = Response {
            raw: None,
            sent: String::new(),
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
