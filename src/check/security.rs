//! The `security` check kind: probes for the production gaps readiness reviews name.
//! Endpoints refuse missing (and made-up) identities, malformed input gets 4xx without a
//! stack trace, CORS refuses foreign origins, webhooks verify HMAC signatures, and the
//! security headers are there.

mod access;
mod brute_force;
mod discover;
mod exposure;
mod identities;
mod injection;
mod inputs;
mod jwt;
mod mass_assignment;
mod ssrf;
mod unlisted;

use crate::check::context::CheckContext;
use crate::check::outcome::{Assertion, CheckOutcome};
use crate::http::Response;
use crate::suite::{
    BodySpec, CorsSpec, RequestExtra, RequestSpec, SecurityHeadersSpec, SecurityMode, SecuritySpec,
    Target, Template, WebhookSpec,
};
use serde_json::Value;

/// A foreign origin no service should allow.
const FOREIGN_ORIGIN: &str = "https://attacker.harden.invalid";

/// What an error body must never show: stack traces, source paths, exception names.
const LEAKS: &str = concat!(
    r"Traceback \(most recent call last\)",
    r#"|File "[^"]+", line \d+"#,
    r"|\bat [\w$.]+\([\w$]+\.(?:java|kt|scala|cs):\d+\)",
    r"|\b[A-Z][A-Za-z]*(?:Error|Exception)\b:",
    r"|/(?:usr|home|app|srv|opt|var)/[\w./-]+\.(?:py|js|ts|rb|go|java|rs|php)\b",
    r"|node_modules/|goroutine \d+ \[",
);

/// GET, HEAD and OPTIONS: what `mode: safe` sends.
fn read_only(m: &reqwest::Method) -> bool {
    matches!(
        *m,
        reqwest::Method::GET | reqwest::Method::HEAD | reqwest::Method::OPTIONS
    )
}

pub(crate) async fn run(spec: &SecuritySpec, cx: &CheckContext) -> CheckOutcome {
    // Safe unless harden started the service itself (a service it did not start may be
    // staging or production).
    let default = if cx.logs.is_some() {
        SecurityMode::Active
    } else {
        SecurityMode::Safe
    };
    let safe = spec.mode.unwrap_or(default) == SecurityMode::Safe;
    let mut held: Vec<String> = Vec::new();
    let mut a = Vec::new();
    for req in &spec.auth_required {
        if safe && !read_only(&req.method) {
            held.push(format!("auth-required {}", describe(req, cx)));
            continue;
        }
        match probe(cx, req).await {
            Ok((label, r)) => a.push(Assertion::new(
                format!("{label} without credentials"),
                "401 or 403",
                r.status.to_string(),
                matches!(r.status, 401 | 403),
            )),
            Err(e) => return CheckOutcome::error(e),
        }
    }
    if let Some(req) = spec
        .spoofable_identity
        .as_ref()
        .filter(|r| !safe || read_only(&r.method) || !held_back(&mut held, "spoofable-identity"))
    {
        match probe(cx, req).await {
            Ok((label, r)) => a.push(Assertion::new(
                format!("{label} with a made-up identity in plain headers"),
                "refused (401 or 403): identity must be verified, not read from headers",
                r.status.to_string(),
                matches!(r.status, 401 | 403),
            )),
            Err(e) => return CheckOutcome::error(e),
        }
    }
    if let Some(base) = spec
        .error_hygiene
        .as_ref()
        .filter(|_| !safe || !held_back(&mut held, "error-hygiene"))
    {
        match error_hygiene(cx, base).await {
            Ok(x) => a.extend(x),
            Err(e) => return CheckOutcome::error(e),
        }
    }
    if let Some(c) = &spec.cors {
        match cors(cx, c).await {
            Ok(x) => a.extend(x),
            Err(e) => return CheckOutcome::error(e),
        }
    }
    if let Some(w) = spec
        .webhook
        .as_ref()
        .filter(|_| !safe || !held_back(&mut held, "webhook-signature"))
    {
        match webhook(cx, w).await {
            Ok(x) => a.extend(x),
            Err(e) => return CheckOutcome::error(e),
        }
    }
    if let Some(h) = &spec.headers {
        match headers(cx, h).await {
            Ok(x) => a.extend(x),
            Err(e) => return CheckOutcome::error(e),
        }
    }
    let mut notes = Vec::new();
    if let Some(d) = &spec.discover {
        match discover::run(d, cx, safe).await {
            Ok(found) => {
                a.extend(found.assertions);
                notes.extend(found.notes);
                held.extend(found.held);
            }
            Err(e) => return CheckOutcome::error(e),
        }
    }
    if !held.is_empty() {
        notes.push(format!(
            "mode: safe (only GET, HEAD and OPTIONS are sent); not sent: {}",
            held.join(", ")
        ));
    }
    let note = (!notes.is_empty()).then(|| notes.join("; "));
    if a.is_empty() {
        return CheckOutcome::skip(note.unwrap_or_else(|| "nothing was probed".into()));
    }
    let mut out = CheckOutcome::from_assertions(a, None);
    out.note = note;
    out
}

/// Records a probe `mode: safe` does not send; always true, for use in a filter.
fn held_back(held: &mut Vec<String>, what: &str) -> bool {
    held.push(what.to_string());
    true
}

fn describe(req: &RequestSpec, cx: &CheckContext) -> String {
    let target = match &req.target {
        Target::Path(t) | Target::Url(t) => t.expand_text(&cx.scope).unwrap_or_default(),
    };
    let mut label = format!("{} {target}", req.method);
    cx.redactor.text(&mut label);
    label
}

async fn probe(cx: &CheckContext, req: &RequestSpec) -> Result<(String, Response), String> {
    let r = cx.send(req, &cx.scope).await?;
    Ok((describe(req, cx), r))
}

/// The base request's headers, expanded, as a map (`headers: "${auth}"` included).
fn base_headers(base: &RequestSpec, cx: &CheckContext) -> serde_json::Map<String, Value> {
    match base.headers().map(|t| t.expand(&cx.scope)) {
        Some(Ok(Value::Object(m))) => m,
        _ => serde_json::Map::new(),
    }
}

fn with_body(
    base: &RequestSpec,
    cx: &CheckContext,
    method: reqwest::Method,
    body: BodySpec,
    json_type: bool,
) -> RequestSpec {
    let mut headers = base_headers(base, cx);
    if json_type {
        headers.insert(
            "Content-Type".into(),
            Value::String("application/json".into()),
        );
    }
    let extra = RequestExtra {
        headers: Some(literal_map(headers)),
        query: base.query().cloned(),
        body,
        compressed: false,
    };
    RequestSpec::new(method, base.target.clone(), extra)
}

/// Already-expanded values, protected from a second expansion.
fn literal_map(m: serde_json::Map<String, Value>) -> Template {
    let escaped = m
        .into_iter()
        .map(|(k, v)| {
            (
                k,
                Value::String(crate::suite::value_text(&v).replace("${", "$${")),
            )
        })
        .collect();
    Template::new(Value::Object(escaped)).unwrap_or_else(|_| Template::literal(""))
}

/// Malformed input of five kinds; each must get 4xx with no leak in the body.
async fn error_hygiene(cx: &CheckContext, base: &RequestSpec) -> Result<Vec<Assertion>, String> {
    let leaks = regex::Regex::new(LEAKS).map_err(|e| e.to_string())?;
    let text = |s: &str| BodySpec::Text(Template::literal(s));
    let oversized = format!("{{\"data\": \"{}\"}}", "a".repeat(2 * 1024 * 1024));
    // No probe may change data: the path's ids are replaced by ids that cannot exist, and
    // the wrong method is TRACE, which RFC 9110 defines as safe and APIs rarely route.
    let base = &{
        let mut without_ids = base.clone();
        without_ids.target = no_such_ids(&base.target, cx)?;
        without_ids
    };
    let other_method = if base.method == reqwest::Method::TRACE {
        reqwest::Method::OPTIONS
    } else {
        reqwest::Method::TRACE
    };
    let unknown = RequestSpec::new(
        reqwest::Method::GET,
        Target::Path(Template::literal("/harden-no-such-path-7f3a9c")),
        RequestExtra {
            headers: Some(literal_map(base_headers(base, cx))),
            ..Default::default()
        },
    );
    let probes: Vec<(&str, RequestSpec)> = vec![
        (
            "malformed JSON",
            with_body(
                base,
                cx,
                base.method.clone(),
                text("{\"harden\": [1, 2,"),
                true,
            ),
        ),
        (
            "wrong types",
            with_body(
                base,
                cx,
                base.method.clone(),
                text("[1, \"two\", null, {\"nested\": true}]"),
                true,
            ),
        ),
        (
            "oversized body (2 MiB)",
            with_body(base, cx, base.method.clone(), text(&oversized), true),
        ),
        ("unknown path", unknown),
        (
            "wrong method",
            with_body(base, cx, other_method, BodySpec::None, false),
        ),
    ];
    let mut out = Vec::new();
    for (what, req) in probes {
        let label = format!("{what}: {}", describe(&req, cx));
        let r = cx.send(&req, &cx.scope).await?;
        let leak = leaks.find(&r.body).map(|m| m.as_str().to_string());
        let actual = match &leak {
            Some(l) => format!("{} with `{l}` in the body", r.status),
            None => r.status.to_string(),
        };
        out.push(Assertion::new(
            label,
            "4xx, no stack trace in the body",
            actual,
            (400..500).contains(&r.status) && leak.is_none(),
        ));
    }
    Ok(out)
}

/// An id no service has: `-1` for a number, the nil UUID, 24 zeros for an ObjectId.
fn no_such_id(segment: &str) -> Option<&'static str> {
    let hex = |s: &str| s.bytes().all(|b| b.is_ascii_hexdigit());
    let uuid = segment.len() == 36
        && segment.split('-').map(str::len).eq([8, 4, 4, 4, 12])
        && segment.split('-').all(hex);
    if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
        Some("-1")
    } else if uuid {
        Some("00000000-0000-0000-0000-000000000000")
    } else if segment.len() == 24 && hex(segment) {
        Some("000000000000000000000000")
    } else {
        None
    }
}

/// `target`, expanded, with every id-like path segment (`/menu/1`, a UUID, an ObjectId)
/// replaced by an id that cannot exist, so a probe never reaches a real record.
fn no_such_ids(target: &Target, cx: &CheckContext) -> Result<Target, String> {
    let (Target::Path(t) | Target::Url(t)) = target;
    let text = t.expand_text(&cx.scope)?;
    let (head, query) = match text.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (text.as_str(), None),
    };
    // A full URL keeps its scheme and authority.
    let (prefix, path) = match head.find("://") {
        Some(i) => {
            let after = &head[i + 3..];
            let cut = after.find('/').map_or(head.len(), |j| i + 3 + j);
            head.split_at(cut)
        }
        None => ("", head),
    };
    let path: Vec<&str> = path
        .split('/')
        .map(|seg| no_such_id(seg).unwrap_or(seg))
        .collect();
    let mut out = format!("{prefix}{}", path.join("/"));
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    let out = Template::literal(&out);
    Ok(match target {
        Target::Path(_) => Target::Path(out),
        Target::Url(_) => Target::Url(out),
    })
}

async fn preflight(cx: &CheckContext, c: &CorsSpec, origin: &str) -> Result<Response, String> {
    let headers = serde_json::json!({
        "Origin": origin,
        "Access-Control-Request-Method": c.method,
        "Access-Control-Request-Headers": "content-type",
    });
    let req = RequestSpec::new(
        reqwest::Method::OPTIONS,
        Target::Path(Template::literal(&c.path)),
        RequestExtra {
            headers: Template::new(headers).ok(),
            ..Default::default()
        },
    );
    Ok(cx.send(&req, &cx.scope).await?)
}

async fn cors(cx: &CheckContext, c: &CorsSpec) -> Result<Vec<Assertion>, String> {
    let mut out = Vec::new();
    let r = preflight(cx, c, FOREIGN_ORIGIN).await?;
    let allow = r.header("access-control-allow-origin");
    let credentials = r
        .header("access-control-allow-credentials")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let allowed = match allow.as_deref() {
        Some(o) if o == FOREIGN_ORIGIN => Some(format!("echoed `{o}`")),
        Some("*") if credentials => Some("`*` with credentials".to_string()),
        _ => None,
    };
    out.push(Assertion::new(
        format!("OPTIONS {} from a foreign origin", c.path),
        "not allowed",
        allowed
            .clone()
            .unwrap_or_else(|| format!("not allowed ({})", r.status)),
        allowed.is_none(),
    ));
    for origin in &c.allowed {
        let r = preflight(cx, c, origin).await?;
        let got = r.header("access-control-allow-origin");
        let ok = got.as_deref().is_some_and(|o| o == origin || o == "*")
            && (200..300).contains(&r.status);
        out.push(Assertion::new(
            format!("OPTIONS {} from `{origin}`", c.path),
            "allowed",
            match got {
                Some(o) => format!("{} allowing `{o}`", r.status),
                None => format!("{} without Access-Control-Allow-Origin", r.status),
            },
            ok,
        ));
    }
    Ok(out)
}

pub(crate) fn hmac_hex(secret: &[u8], body: &[u8]) -> String {
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret);
    aws_lc_rs::hmac::sign(&key, body)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn webhook(cx: &CheckContext, w: &WebhookSpec) -> Result<Vec<Assertion>, String> {
    let secret = w.secret.expand_text(&cx.scope)?;
    let body = serde_json::to_string(&w.payload.expand(&cx.scope)?).map_err(|e| e.to_string())?;
    let tampered = body.replacen('{', "{\"tampered\": true, ", 1);
    let good = format!(
        "{}{}",
        w.prefix,
        hmac_hex(secret.as_bytes(), body.as_bytes())
    );
    let wrong_secret = format!(
        "{}{}",
        w.prefix,
        hmac_hex(b"harden-wrong-secret", body.as_bytes())
    );
    let base_headers = match w
        .headers
        .as_ref()
        .map(|h| h.expand(&cx.scope))
        .transpose()?
    {
        Some(Value::Object(m)) => m,
        Some(other) => return Err(format!("webhook `headers` must be a map, found `{other}`")),
        None => serde_json::Map::new(),
    };
    let cases: [(&str, Option<&str>, &str, bool); 4] = [
        ("unsigned", None, body.as_str(), false),
        (
            "signed with the wrong secret",
            Some(wrong_secret.as_str()),
            body.as_str(),
            false,
        ),
        (
            "body tampered after signing",
            Some(good.as_str()),
            tampered.as_str(),
            false,
        ),
        ("correctly signed", Some(good.as_str()), body.as_str(), true),
    ];
    let mut out = Vec::new();
    for (what, sig, payload, accept) in cases {
        let mut headers = base_headers.clone();
        headers.insert(
            "Content-Type".into(),
            Value::String("application/json".into()),
        );
        if let Some(s) = sig {
            headers.insert(w.header.clone(), Value::String(s.to_string()));
        }
        let req = RequestSpec::new(
            reqwest::Method::POST,
            Target::Path(Template::literal(&w.path)),
            RequestExtra {
                headers: Template::new(Value::Object(headers)).ok(),
                body: BodySpec::Text(Template::literal(payload)),
                ..Default::default()
            },
        );
        let r = cx.send(&req, &cx.scope).await?;
        let (expected, ok) = if accept {
            ("2xx", (200..300).contains(&r.status))
        } else {
            ("401 or 403", matches!(r.status, 401 | 403))
        };
        out.push(Assertion::new(
            format!("POST {} {what}", w.path),
            expected,
            r.status.to_string(),
            ok,
        ));
    }
    Ok(out)
}

async fn headers(cx: &CheckContext, h: &SecurityHeadersSpec) -> Result<Vec<Assertion>, String> {
    let r = cx.get(&h.path).await?;
    Ok(h.require
        .iter()
        .map(|(name, want)| {
            let got = r.header(name);
            let ok = match (want, &got) {
                (Some(w), Some(g)) => g.eq_ignore_ascii_case(w),
                (None, Some(_)) => true,
                (_, None) => false,
            };
            Assertion::new(
                format!("GET {} header `{name}`", h.path),
                want.clone().unwrap_or_else(|| "present".into()),
                got.unwrap_or_else(|| "(absent)".into()),
                ok,
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaks(text: &str) -> bool {
        regex::Regex::new(LEAKS).unwrap().is_match(text)
    }

    /// One test per sample, so that one failing hides none of the others.
    macro_rules! leak_patterns {
        ($($name:ident: $text:expr => $leaks:expr;)*) => {
            $(#[test] fn $name() { assert_eq!(leaks($text), $leaks, "{}", $text) })*
        };
    }

    leak_patterns! {
        a_python_traceback_header_leaks: "Traceback (most recent call last):" => true;
        a_python_frame_leaks: "  File \"/app/orchestrator/api/runs.py\", line 88, in create_run" => true;
        a_python_exception_name_leaks: "json.decoder.JSONDecodeError: Expecting value" => true;
        a_java_frame_leaks: "at com.acme.Api.handle(Api.java:42)" => true;
        a_source_path_leaks: "error in /srv/app/main.py" => true;
        a_pydantic_validation_error_does_not_leak:
            r#"{"detail":[{"loc":["body",0],"msg":"JSON decode error","type":"json_invalid"}]}"# => false;
        a_not_found_detail_does_not_leak: r#"{"detail":"Not Found"}"# => false;
    }

    #[test]
    fn hmac_matches_the_github_documentation_example() {
        // docs.github.com: "Hello, World!" with secret "It's a Secret to Everybody".
        assert_eq!(
            hmac_hex(b"It's a Secret to Everybody", b"Hello, World!"),
            "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
    }

    #[test]
    fn probe_ids_cannot_exist() {
        assert_eq!(no_such_id("1"), Some("-1"));
        assert_eq!(no_such_id("1234"), Some("-1"));
        assert_eq!(
            no_such_id("3f2b8c1e-9a4d-4e6f-8b2a-1c3d5e7f9a0b"),
            Some("00000000-0000-0000-0000-000000000000")
        );
        assert_eq!(
            no_such_id("65a1f0c2e4b0a1b2c3d4e5f6"),
            Some("000000000000000000000000")
        );
        for kept in ["menu", "v1", "runs", "", "abc-def"] {
            assert_eq!(no_such_id(kept), None, "{kept}");
        }
    }
}
