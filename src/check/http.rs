//! The `http` check kind: send requests, then assert on status, headers, JSON, schema, body
//! and latency. `send` observes; `evaluate` is a pure function of the response and the spec.

use crate::check::context::CheckContext;
use crate::check::outcome::{Assertion, CheckOutcome};
use crate::suite::{
    BodyPredicate, BodySpec, CaptureSpec, ExpectSpec, HeaderPredicate, JsonAssertion,
    JsonPredicate, RequestSpec, Scope, StepSpec, Target, value_text,
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
    pub json: Option<Value>,
    pub duration: Duration,
    /// The request as sent, for messages: `GET http://…/x (user-agent: harden/0.1.0)`,
    /// credentials shown as `***`.
    pub sent: String,
}

impl Response {
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
        self.assertions
            .iter()
            .find(|a| !a.passed)
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

/// Builds and sends one request and waits for the response's head; `Err` when it could
/// not be made or got no answer.
pub(crate) async fn begin(
    req: &RequestSpec,
    cx: &CheckContext,
    scope: &Scope,
) -> Result<Started, String> {
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
            other => return Err(format!("`headers` must be a map, found `{other}`")),
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
                    return Err(
                        "`accept: null`: the HTTP client always sends `Accept: */*` unless told another value".into(),
                    );
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
    let started = Instant::now();
    let request = format!("{} {url}", req.method);
    let sent = format!("{request} ({})", shown_headers.join(", "));
    cx.activity.set(&request);
    let resp = builder
        .send()
        .await
        .map_err(|e| transport_error(&req.method, &url, &e))?;
    Ok(Started {
        resp,
        request,
        sent,
        started,
    })
}

/// Reads the rest of the body, refusing more than `limit` bytes (`what` names the limit
/// in the suite).
pub(crate) async fn read_body(s: &mut Started, limit: u64, what: &str) -> Result<Vec<u8>, String> {
    let too_large = |request: &str| {
        format!(
            "{request}: the body is larger than the {} limit (raise `{what}` in the suite)",
            crate::read::size(limit)
        )
    };
    if s.resp.content_length().is_some_and(|n| n > limit) {
        return Err(too_large(&s.request));
    }
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
    loop {
        match s.resp.chunk().await {
            Ok(Some(chunk)) => {
                if (buf.len() + chunk.len()) as u64 > limit {
                    return Err(too_large(&s.request));
                }
                buf.extend_from_slice(&chunk);
            }
            Ok(None) => {
                // Codings apply in the order listed: undo them from the last.
                for enc in encodings.iter().rev() {
                    buf = crate::check::decode::decode(enc, &buf, limit).map_err(|e| {
                        format!("{}: {e} (`{what}` bounds the decoded body too)", s.request)
                    })?;
                }
                return Ok(buf);
            }
            Err(e) => {
                return Err(format!(
                    "{}: reading the body failed: {}",
                    s.request,
                    crate::reason::chain(&e)
                ));
            }
        }
    }
}

/// Builds and sends one request and reads its answer; `Err` when it could not be made,
/// got no answer, or the body is over `limits.body`.
pub(crate) async fn send(
    req: &RequestSpec,
    cx: &CheckContext,
    scope: &Scope,
) -> Result<Response, String> {
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
    let json = serde_json::from_slice(&bytes).ok();
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
        json,
        duration,
        sent: s.sent,
    })
}

pub(crate) fn transport_error(method: &reqwest::Method, url: &str, e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        format!("connection failed: {}", crate::reason::chain(e))
    } else {
        crate::reason::chain(e)
    };
    format!("{method} {url}: {what}")
}

fn expand_map(v: Value, what: &str) -> Result<Vec<(String, String)>, String> {
    match v {
        Value::Object(m) => Ok(m.into_iter().map(|(k, v)| (k, value_text(&v))).collect()),
        other => Err(format!("`{what}` must be a map, found `{other}`")),
    }
}

fn capture(spec: &CaptureSpec, r: &Response) -> Result<Value, String> {
    match spec {
        CaptureSpec::Json { path, text } => {
            let json = r.json.as_ref().ok_or("response body is not JSON")?;
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

/// Numbers compare by value (`1` equals `1.0`), exactly for integers of any 64-bit size;
/// everything else structurally.
pub(crate) fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            compare_numbers(x, y) == Some(std::cmp::Ordering::Equal)
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// The order of two JSON numbers, exact for any size and precision: numbers keep the
/// text they were written with (serde_json's `arbitrary_precision`), compared as decimals,
/// so `9007199254740993` is not `9007199254740992` and `1.10` equals `1.1`.
pub(crate) fn compare_numbers(
    a: &serde_json::Number,
    b: &serde_json::Number,
) -> Option<std::cmp::Ordering> {
    Some(Decimal::parse(&a.to_string())?.cmp(&Decimal::parse(&b.to_string())?))
}

/// A JSON number literal as sign, significant digits and the position of the decimal
/// point: the value is `0.DIGITS x 10^point`, negated when `negative`.
#[derive(Debug, PartialEq, Eq)]
struct Decimal {
    negative: bool,
    digits: Vec<u8>,
    point: i64,
}

impl Decimal {
    fn parse(text: &str) -> Option<Decimal> {
        let (negative, rest) = match text.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (mantissa, exp) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], rest[i + 1..].parse::<i64>().ok()?),
            None => (rest, 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        let all: Vec<u8> = int.bytes().chain(frac.bytes()).collect();
        if !all.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let leading = all.iter().take_while(|d| **d == b'0').count();
        let mut digits = all[leading..].to_vec();
        while digits.last() == Some(&b'0') {
            digits.pop();
        }
        if digits.is_empty() {
            return Some(Decimal {
                negative: false,
                digits,
                point: 0,
            });
        }
        let point = (int.len() as i64 - leading as i64).checked_add(exp)?;
        Some(Decimal {
            negative,
            digits,
            point,
        })
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        use std::cmp::Ordering::*;
        let zero = |d: &Decimal| d.digits.is_empty();
        let sign = |d: &Decimal| {
            if zero(d) {
                0
            } else if d.negative {
                -1
            } else {
                1
            }
        };
        match sign(self).cmp(&sign(other)) {
            Equal => {}
            o => return o,
        }
        if zero(self) {
            return Equal;
        }
        let magnitude = self
            .point
            .cmp(&other.point)
            .then_with(|| self.digits.cmp(&other.digits));
        if self.negative {
            magnitude.reverse()
        } else {
            magnitude
        }
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Whether a JSONPath can match at most one node: only names and single indexes, no
/// wildcard, descendant, filter, slice or union (RFC 9535's singular queries).
pub(crate) fn singular(path: &str) -> bool {
    let mut quote: Option<char> = None;
    let mut depth = 0;
    let mut prev = ' ';
    for c in path.chars() {
        match quote {
            Some(q) => {
                if c == q && prev != '\\' {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' => quote = Some(c),
                '[' => depth += 1,
                ']' => depth -= 1,
                '*' | '?' => return false,
                ',' | ':' if depth > 0 => return false,
                '.' if prev == '.' => return false,
                _ => {}
            },
        }
        prev = if prev == '\\' && c == '\\' { ' ' } else { c };
    }
    true
}

/// What a JSONPath selects in `doc`: a definite path its node (or none); any other path
/// the list of its matches, even of one or none, so that `length`, `type` and `contains`
/// mean the same whatever the number of matches.
pub(crate) fn select(path: &serde_json_path::JsonPath, text: &str, doc: &Value) -> Selected {
    let nodes = path.query(doc).all();
    if singular(text) {
        Selected {
            value: nodes.first().map(|v| (*v).clone()),
            matches: nodes.len(),
        }
    } else {
        Selected {
            matches: nodes.len(),
            value: Some(Value::Array(nodes.into_iter().cloned().collect())),
        }
    }
}

/// The value a JSONPath selected, and how many nodes it matched.
pub(crate) struct Selected {
    pub value: Option<Value>,
    pub matches: usize,
}

fn show(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 200 {
        format!("{}…", s.chars().take(200).collect::<String>())
    } else {
        s
    }
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

pub(crate) fn unified_diff(expected: &str, actual: &str) -> String {
    similar::TextDiff::from_lines(expected, actual)
        .unified_diff()
        .context_radius(3)
        .header("expected", "actual")
        .to_string()
}

/// JSONPath assertions on a response body (shared by `http` and `health`).
pub(crate) fn json_assertions(
    assertions: &[JsonAssertion],
    r: &Response,
    scope: &Scope,
) -> Result<(Vec<Assertion>, Option<String>), String> {
    let mut out = Vec::new();
    let mut diff = None;
    if assertions.is_empty() {
        return Ok((out, diff));
    }
    let Some(doc) = &r.json else {
        let paths: Vec<&str> = assertions.iter().map(|a| a.path_text.as_str()).collect();
        out.push(Assertion::new(
            format!("json `{}`", paths.join("`, `")),
            "a JSON document",
            not_json(r),
            false,
        ));
        return Ok((out, diff));
    };
    for ja in assertions {
        let selected = select(&ja.path, &ja.path_text, doc);
        for p in &ja.predicates {
            let (a, d) = json_predicate(&ja.path_text, p, &selected, scope)?;
            diff = diff.or(d);
            out.push(a);
        }
    }
    Ok((out, diff))
}

/// A plain `GET path` against the service (health endpoints, metrics).
pub(crate) async fn get(cx: &CheckContext, path: &str) -> Result<Response, String> {
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
        match &r.json {
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
    let (body, body_diff) =
        text_assertions("body", &expect.body, &r.body, &body_snippet(r), scope)?;
    out.extend(body);
    diff = diff.or(body_diff);
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
fn not_json(r: &Response) -> String {
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

fn json_predicate(
    path: &str,
    p: &JsonPredicate,
    selected: &Selected,
    scope: &Scope,
) -> Result<(Assertion, Option<String>), String> {
    let value = selected.value.as_ref();
    let shown = value.map(show).unwrap_or_else(|| "no match".into());
    let prop = format!("json `{path}`");
    let mut diff = None;
    let a = match p {
        JsonPredicate::Equals(t) => {
            let want = t.expand(scope)?;
            let ok = value.is_some_and(|v| json_eq(v, &want));
            if !ok && (want.is_object() || want.is_array()) {
                diff = value.map(|v| unified_diff(&pretty(&want), &pretty(v)));
            }
            Assertion::new(prop, show(&want), shown, ok)
        }
        JsonPredicate::NotEquals(t) => {
            let want = t.expand(scope)?;
            Assertion::new(
                prop,
                format!("not {}", show(&want)),
                shown,
                value.is_some_and(|v| !json_eq(v, &want)),
            )
        }
        JsonPredicate::OneOf(ts) => {
            let wants = ts
                .iter()
                .map(|t| t.expand(scope))
                .collect::<Result<Vec<_>, _>>()?;
            let ok = value.is_some_and(|v| wants.iter().any(|w| json_eq(v, w)));
            Assertion::new(
                prop,
                format!("one of {}", show(&Value::Array(wants))),
                shown,
                ok,
            )
        }
        JsonPredicate::Matches(re) => Assertion::new(
            prop,
            format!("matches `{re}`"),
            shown,
            value.is_some_and(|v| re.is_match(&value_text(v))),
        ),
        JsonPredicate::Exists(true) => Assertion::new(prop, "exists", shown, selected.matches > 0),
        JsonPredicate::Exists(false) => {
            Assertion::new(prop, "absent", shown, selected.matches == 0)
        }
        JsonPredicate::Type(t) => {
            let actual = value
                .map(|v| crate::suite::JsonType::of(v).as_str().to_string())
                .unwrap_or_else(|| "no match".into());
            Assertion::new(
                prop,
                format!("type {}", t.as_str()),
                actual,
                value.is_some_and(|v| t.accepts(v)),
            )
        }
        JsonPredicate::Length(n) => {
            let len = match value {
                Some(Value::Array(a)) => Some(a.len()),
                Some(Value::Object(o)) => Some(o.len()),
                None => None,
                Some(other) => {
                    return Err(format!(
                        "json `{path}`: `length` applies to arrays and objects, not to {} {}",
                        crate::suite::JsonType::of(other).as_str(),
                        show(other)
                    ));
                }
            };
            let actual = len.map(|l| format!("length {l}")).unwrap_or(shown);
            Assertion::new(prop, format!("length {n}"), actual, len == Some(*n))
        }
        JsonPredicate::Contains(t) => {
            let want = t.expand(scope)?;
            let ok = value.is_some_and(|v| match (v, &want) {
                (Value::String(s), w) => s.contains(&value_text(w)),
                (Value::Array(items), w) => items.iter().any(|i| json_eq(i, w)),
                (Value::Object(o), Value::Object(w)) => w
                    .iter()
                    .all(|(k, x)| o.get(k).is_some_and(|y| json_eq(x, y))),
                (Value::Object(o), Value::String(k)) => o.contains_key(k),
                _ => false,
            });
            Assertion::new(prop, format!("contains {}", show(&want)), shown, ok)
        }
        JsonPredicate::Compare(op, n) => {
            use std::cmp::Ordering::*;
            let order = match value {
                Some(Value::Number(x)) => compare_numbers(x, n),
                _ => None,
            };
            let ok = order.is_some_and(|o| match op {
                crate::suite::CompareOp::Gt => o == Greater,
                crate::suite::CompareOp::Gte => o != Less,
                crate::suite::CompareOp::Lt => o == Less,
                crate::suite::CompareOp::Lte => o != Greater,
            });
            Assertion::new(prop, format!("{} {n}", op.symbol()), shown, ok)
        }
    };
    Ok((a, diff))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::{JsonAssertion, StatusMatcher, Template};
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
            json: Some(body),
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
            json: None,
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

    fn check_one(body: Value, path: &str, preds: Vec<JsonPredicate>) -> Result<Vec<bool>, String> {
        let expect = ExpectSpec {
            json: vec![json_assert(path, preds)],
            ..Default::default()
        };
        let (a, _) = evaluate(&expect, &response(200, body), &Scope::default())?;
        Ok(a.iter().map(|a| a.passed).collect())
    }

    fn number(text: &str) -> serde_json::Number {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn integers_compare_exactly_beyond_f64() {
        let body: Value = serde_json::from_str(r#"{"id": 9007199254740993}"#).unwrap();
        let eq = |n: &str| JsonPredicate::Equals(Template::new(Value::Number(number(n))).unwrap());
        let ne =
            |n: &str| JsonPredicate::NotEquals(Template::new(Value::Number(number(n))).unwrap());
        let cmp = |op, n: &str| JsonPredicate::Compare(op, number(n));
        use crate::suite::CompareOp::*;
        let cases = [
            (eq("9007199254740992"), false),
            (eq("9007199254740993"), true),
            (ne("9007199254740992"), true),
            (cmp(Gt, "9007199254740992"), true),
            (cmp(Lte, "9007199254740992"), false),
            (cmp(Gte, "9007199254740993"), true),
            (cmp(Lt, "9007199254740994"), true),
            (cmp(Lt, "9007199254740993.5"), true),
            (cmp(Gt, "9007199254740992.5"), true),
            (eq("9007199254740993.0"), true),
            (eq("9.007199254740993e15"), true),
        ];
        for (pred, want) in cases {
            let shown = format!("{pred:?}");
            assert_eq!(
                check_one(body.clone(), "$.id", vec![pred]).unwrap(),
                vec![want],
                "{shown}"
            );
        }
        // 1 and 1.0 are the same number; -0 and 0 too.
        let body = json!({"a": 1, "b": -0.0});
        assert_eq!(
            check_one(body.clone(), "$.a", vec![eq("1.0")]).unwrap(),
            vec![true]
        );
        assert_eq!(check_one(body, "$.b", vec![eq("0")]).unwrap(), vec![true]);
    }

    #[test]
    fn numbers_of_any_size_and_decimals_as_written_compare_exactly() {
        use std::cmp::Ordering::*;
        let c = |a: &str, b: &str| compare_numbers(&number(a), &number(b));
        assert_eq!(
            c(
                "123456789012345678901234567890",
                "123456789012345678901234567891"
            ),
            Some(Less)
        );
        assert_eq!(c("1.10", "1.1"), Some(Equal));
        assert_eq!(c("0.1", "0.10000000000000000001"), Some(Less));
        assert_eq!(c("-0", "0"), Some(Equal));
        assert_eq!(c("-2", "-10"), Some(Greater));
        assert_eq!(c("1e2", "100"), Some(Equal));
        assert_eq!(c("-1.5e-3", "-0.0015"), Some(Equal));
        let body: Value =
            serde_json::from_str(r#"{"big": 123456789012345678901234567890}"#).unwrap();
        let eq = |n: &str| JsonPredicate::Equals(Template::new(Value::Number(number(n))).unwrap());
        assert_eq!(
            check_one(
                body.clone(),
                "$.big",
                vec![eq("123456789012345678901234567890")]
            )
            .unwrap(),
            vec![true]
        );
        assert_eq!(
            check_one(body, "$.big", vec![eq("123456789012345678901234567891")]).unwrap(),
            vec![false]
        );
    }

    #[test]
    fn a_path_that_can_match_several_nodes_is_always_a_list() {
        let body = json!({"roles": ["superadmin"], "name": "admin", "empty": []});
        let len = |n| JsonPredicate::Length(n);
        let contains = |s: &str| JsonPredicate::Contains(Template::new(json!(s)).unwrap());
        let ty = |t| JsonPredicate::Type(t);
        assert_eq!(
            check_one(body.clone(), "$.roles[*]", vec![len(1)]).unwrap(),
            vec![true]
        );
        assert_eq!(
            check_one(
                body.clone(),
                "$.roles[*]",
                vec![ty(crate::suite::JsonType::Array)]
            )
            .unwrap(),
            vec![true]
        );
        assert_eq!(
            check_one(body.clone(), "$.roles[*]", vec![contains("admin")]).unwrap(),
            vec![false]
        );
        assert_eq!(
            check_one(body.clone(), "$.roles[*]", vec![contains("superadmin")]).unwrap(),
            vec![true]
        );
        assert_eq!(
            check_one(body.clone(), "$.empty[*]", vec![len(0)]).unwrap(),
            vec![true]
        );
        assert_eq!(
            check_one(
                body.clone(),
                "$.empty[*]",
                vec![JsonPredicate::Exists(false)]
            )
            .unwrap(),
            vec![true]
        );
        // A definite path is its value.
        assert_eq!(
            check_one(body.clone(), "$.roles[0]", vec![contains("admin")]).unwrap(),
            vec![true]
        );
        assert_eq!(
            check_one(
                body.clone(),
                "$['roles'][0]",
                vec![ty(crate::suite::JsonType::String)]
            )
            .unwrap(),
            vec![true]
        );
        // `length` on a string is an error, not a character count.
        let e = check_one(body, "$.name", vec![len(5)]).unwrap_err();
        assert!(e.contains("`length` applies to arrays and objects"), "{e}");
    }

    #[test]
    fn definite_paths_are_told_apart_from_the_others() {
        for p in [
            "$",
            "$.a",
            "$.a.b[0]",
            "$['a b']",
            "$[\"x*y\"][-1]",
            "$.a['b,c']",
        ] {
            assert!(singular(p), "{p}");
        }
        for p in [
            "$.a[*]",
            "$..a",
            "$.a[0:2]",
            "$.a[?@.b]",
            "$.a[0,1]",
            "$.*",
            "$['a','b']",
        ] {
            assert!(!singular(p), "{p}");
        }
    }
}
