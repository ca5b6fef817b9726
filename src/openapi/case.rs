//! A test case: one operation's path, query, header and cookie values and body, and
//! whether it is meant valid or invalid (and how); rendered as an HTTP request and as a
//! `curl` command for the report.

use super::document::{Location, Operation};
use serde_json::Value;

/// What a case is meant to be.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Intent {
    Valid,
    /// Breaks the document on purpose; says how.
    Invalid(String),
    /// The operation's path with a `method` the document does not list for it, without a
    /// body: the service should refuse it with 405 and an `Allow` naming the methods the
    /// document lists for the path (`listed`). Both upper case.
    UnlistedMethod {
        method: String,
        listed: Vec<String>,
    },
}

/// Which phase made a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Coverage,
    Random,
    Negative,
    Stateful,
}

impl Phase {
    pub(crate) const ALL: [Phase; 4] = [
        Phase::Coverage,
        Phase::Random,
        Phase::Negative,
        Phase::Stateful,
    ];

    /// The phase named `name` (as `name()` writes it).
    pub(crate) fn from_name(name: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|p| p.name() == name)
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Phase::Coverage => "coverage",
            Phase::Random => "random",
            Phase::Negative => "negative",
            Phase::Stateful => "stateful",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Payload {
    Json(Value),
    /// Bytes sent as they are (malformed JSON, text that is not UTF-8).
    Raw(Vec<u8>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Body {
    /// The Content-Type sent.
    pub media: String,
    pub payload: Payload,
}

impl Body {
    pub(crate) fn json(media: &str, v: Value) -> Body {
        Body {
            media: media.to_string(),
            payload: Payload::Json(v),
        }
    }

    fn bytes(&self) -> Vec<u8> {
        match &self.payload {
            Payload::Json(v) if self.media.contains("x-www-form-urlencoded") => {
                form(v).into_bytes()
            }
            Payload::Json(v) => v.to_string().into_bytes(),
            Payload::Raw(b) => b.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Case {
    /// The operation's index in the document.
    pub op: usize,
    /// Parameter values by (location, name); an absent optional one is not listed.
    pub params: Vec<(Location, String, Value)>,
    pub body: Option<Body>,
    pub intent: Intent,
    /// Sent without the credentials its security requirement names.
    pub without_credentials: bool,
    pub phase: Phase,
}

/// One request, ready for a `Sender`: `target` is the path and query, after the base URL.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HttpRequest {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

/// What came back.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct HttpResponse {
    pub status: u16,
    /// Names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The media type of the Content-Type, lower case, without parameters.
    pub(crate) fn media(&self) -> Option<String> {
        self.header("content-type").map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
    }

    /// The first 200 characters of the body, as text.
    pub(crate) fn excerpt(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let mut e: String = text.chars().take(200).collect();
        if text.chars().count() > 200 {
            e.push('…');
        }
        e
    }
}

/// A value as it is written in a path, query or header.
pub(crate) fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Array(a) => a.iter().map(text).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

fn form(v: &Value) -> String {
    match v {
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(&text(v))))
            .collect::<Vec<_>>()
            .join("&"),
        other => enc(&text(other)),
    }
}

/// RFC 3986 percent-encoding: every byte but the unreserved characters as `%XX`. Written
/// here, not borrowed from `redact`, so the engine imports nothing of harden's (the suite
/// layer names the engine's rules and phases).
fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A path parameter's value as one path segment: percent-encoded, and a value of only
/// dots (`.`, `..`) with its dots encoded too, so that no client or server reads it as a
/// dot segment and sends the request to another path.
fn segment(s: &str) -> String {
    if !s.is_empty() && s.bytes().all(|b| b == b'.') {
        return "%2E".repeat(s.len());
    }
    enc(s)
}

/// Header names whose values a report never shows.
fn is_credential(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "authorization",
        "cookie",
        "token",
        "key",
        "secret",
        "password",
        "session",
    ]
    .iter()
    .any(|w| n.contains(w))
}

impl Case {
    /// The request: `base_path` (the document's server path) before the operation's path,
    /// `shared` headers (the check's) before the case's own.
    #[cfg(test)]
    pub(crate) fn render(
        &self,
        op: &Operation,
        base_path: &str,
        shared: &[(String, String)],
    ) -> HttpRequest {
        self.render_with(op, base_path, shared, &[])
    }

    /// As `render`, with the credentials of `auth` whose scheme the operation requires
    /// (none when the case is sent without credentials); they win over generated values.
    pub(crate) fn render_with(
        &self,
        op: &Operation,
        base_path: &str,
        shared: &[(String, String)],
        auth: &[super::engine::Applied],
    ) -> HttpRequest {
        let mut path = op.path.clone();
        let mut query: Vec<String> = Vec::new();
        let mut headers: Vec<(String, String)> = shared.to_vec();
        let mut cookies: Vec<String> = Vec::new();
        for (loc, name, v) in &self.params {
            // `null` for a query, header or cookie value is the value left out.
            if v.is_null() && *loc != Location::Path {
                continue;
            }
            match loc {
                Location::Path => path = path.replace(&format!("{{{name}}}"), &segment(&text(v))),
                Location::Query => match v {
                    Value::Array(items) => query.extend(
                        items
                            .iter()
                            .map(|i| format!("{}={}", enc(name), enc(&text(i)))),
                    ),
                    _ => query.push(format!("{}={}", enc(name), enc(&text(v)))),
                },
                // The check's own headers (credentials) win over generated values.
                Location::Header if shared.iter().any(|(k, _)| k.eq_ignore_ascii_case(name)) => {}
                Location::Header => {
                    // Header values cannot hold control characters or non-Latin-1 text.
                    let t: String = text(v).chars().filter(|c| !c.is_control()).collect();
                    headers.push((name.clone(), if t.is_ascii() { t } else { enc(&t) }));
                }
                Location::Cookie => cookies.push(format!("{name}={}", enc(&text(v)))),
            }
        }
        if !self.without_credentials {
            use super::document::Credential;
            for a in auth.iter().filter(|a| op.schemes.contains(&a.scheme)) {
                match &a.at {
                    Credential::Header(h) => {
                        headers.retain(|(k, _)| !k.eq_ignore_ascii_case(h));
                        headers.push((h.clone(), a.value.clone()));
                    }
                    Credential::Query(q) => {
                        let key = format!("{}=", enc(q));
                        query.retain(|kv| !kv.starts_with(&key));
                        query.push(format!("{key}{}", enc(&a.value)));
                    }
                    Credential::Cookie(c) => {
                        cookies.retain(|kv| !kv.starts_with(&format!("{c}=")));
                        cookies.push(format!("{c}={}", enc(&a.value)));
                    }
                }
            }
        }
        if !cookies.is_empty() {
            headers.push(("cookie".into(), cookies.join("; ")));
        }
        if self.without_credentials {
            use super::document::Credential;
            for c in &op.credentials {
                match c {
                    Credential::Header(h) => headers.retain(|(k, _)| !k.eq_ignore_ascii_case(h)),
                    Credential::Cookie(_) => {
                        headers.retain(|(k, _)| !k.eq_ignore_ascii_case("cookie"))
                    }
                    Credential::Query(q) => {
                        query.retain(|kv| !kv.starts_with(&format!("{}=", enc(q))))
                    }
                }
            }
        }
        let body = self.body.as_ref().map(|b| {
            headers.retain(|(k, _)| !k.eq_ignore_ascii_case("content-type"));
            headers.push(("content-type".into(), b.media.clone()));
            b.bytes()
        });
        let mut target = format!("{base_path}{path}");
        if !query.is_empty() {
            target.push('?');
            target.push_str(&query.join("&"));
        }
        let method = match &self.intent {
            Intent::UnlistedMethod { method, .. } => method.clone(),
            _ => op.method.to_ascii_uppercase(),
        };
        HttpRequest {
            method,
            target,
            headers,
            body,
        }
    }
}

impl HttpRequest {
    /// The request as a `curl` command, credentials as `***`.
    pub(crate) fn curl(&self, base_url: &str) -> String {
        let mut out = format!(
            "curl -X {} '{}{}'",
            self.method,
            base_url.trim_end_matches('/'),
            self.target.replace('\'', "%27")
        );
        for (k, v) in &self.headers {
            let v = if is_credential(k) { "***" } else { v.as_str() };
            out.push_str(&format!(" -H '{k}: {}'", v.replace('\'', "'\\''")));
        }
        if let Some(b) = &self.body {
            match std::str::from_utf8(b) {
                Ok(t) => out.push_str(&format!(" --data-raw '{}'", t.replace('\'', "'\\''"))),
                Err(_) => {
                    // Printable ASCII as it is (but `'`, `\` and `%`, which printf or the
                    // shell would read), every other byte as `\xNN`.
                    let hex: String = b
                        .iter()
                        .map(|&x| match x {
                            b' '..=b'~' if !matches!(x, b'\'' | b'\\' | b'%') => {
                                (x as char).to_string()
                            }
                            _ => format!("\\x{x:02x}"),
                        })
                        .collect();
                    out.push_str(&format!(" --data-binary \"$(printf '{hex}')\""));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::openapi::document::Document;
    use serde_json::json;

    fn doc() -> Document {
        Document::new(json!({"openapi": "3.1.0", "security": [{"k": []}],
            "components": {"securitySchemes": {"k": {"type": "apiKey", "in": "header", "name": "X-Key"}}},
            "paths": {"/pets/{id}": {"post": {"parameters": [
                {"name": "id", "in": "path", "schema": {"type": "string"}},
                {"name": "tag", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}},
                {"name": "X-Trace", "in": "header", "schema": {"type": "string"}},
                {"name": "s", "in": "cookie", "schema": {"type": "string"}}],
              "responses": {}}}}}))
        .unwrap()
    }

    fn case() -> Case {
        Case {
            op: 0,
            params: vec![
                (Location::Path, "id".into(), json!("a b/é")),
                (Location::Query, "tag".into(), json!(["x&y", "z"])),
                (Location::Header, "X-Trace".into(), json!("t1")),
                (Location::Cookie, "s".into(), json!("c")),
            ],
            body: Some(Body::json("application/json", json!({"n": 1}))),
            intent: Intent::Valid,
            without_credentials: false,
            phase: Phase::Coverage,
        }
    }

    #[test]
    fn a_case_renders_percent_encoded_with_its_headers_cookies_and_body() {
        let d = doc();
        let r = case().render(&d.operations[0], "/v1", &[("X-Key".into(), "s3".into())]);
        assert_eq!(r.method, "POST");
        assert_eq!(r.target, "/v1/pets/a%20b%2F%C3%A9?tag=x%26y&tag=z");
        assert_eq!(
            r.headers,
            vec![
                ("X-Key".to_string(), "s3".to_string()),
                ("X-Trace".into(), "t1".into()),
                ("cookie".into(), "s=c".into()),
                ("content-type".into(), "application/json".into()),
            ]
        );
        assert_eq!(r.body.as_deref(), Some(&b"{\"n\":1}"[..]));
    }

    #[test]
    fn a_path_value_of_dots_is_a_segment_not_a_dot_segment() {
        let d = doc();
        for (value, path) in [
            (".", "/pets/%2E"),
            ("..", "/pets/%2E%2E"),
            ("a.b", "/pets/a.b"),
            ("...x", "/pets/...x"),
        ] {
            let mut c = case();
            c.params = vec![(Location::Path, "id".into(), json!(value))];
            c.body = None;
            assert_eq!(c.render(&d.operations[0], "", &[]).target, path);
        }
    }

    #[test]
    fn the_checks_headers_win_over_generated_header_values() {
        let d = doc();
        let r = case().render(&d.operations[0], "", &[("x-trace".into(), "mine".into())]);
        assert_eq!(r.headers[0], ("x-trace".to_string(), "mine".to_string()));
        assert!(!r.headers.iter().any(|(k, _)| k == "X-Trace"));
    }

    #[test]
    fn a_null_query_value_is_left_out() {
        let d = doc();
        let mut c = case();
        c.params[1].2 = Value::Null;
        let r = c.render(&d.operations[0], "", &[]);
        assert_eq!(r.target, "/pets/a%20b%2F%C3%A9");
    }

    #[test]
    fn without_credentials_drops_the_scheme_header() {
        let d = doc();
        let mut c = case();
        c.without_credentials = true;
        let r = c.render(&d.operations[0], "", &[("x-key".into(), "s3".into())]);
        assert!(!r.headers.iter().any(|(k, _)| k == "x-key"));
    }

    #[test]
    fn curl_masks_credentials_and_shows_bytes_that_are_not_utf8() {
        let r = HttpRequest {
            method: "POST".into(),
            target: "/a".into(),
            headers: vec![("Authorization".into(), "Bearer abc".into())],
            body: Some(b"{\"\xff\": '%\\\\'}".to_vec()),
        };
        assert_eq!(
            r.curl("http://127.0.0.1:1/"),
            "curl -X POST 'http://127.0.0.1:1/a' -H 'Authorization: ***' --data-binary \"$(printf '{\"\\xff\": \\x27\\x25\\x5c\\x5c\\x27}')\""
        );
        // The shell's printf gives back the bytes sent.
        let curl = r.curl("http://127.0.0.1:1/");
        let printf = &curl[curl.find("printf").unwrap()..curl.rfind(')').unwrap()];
        let out = std::process::Command::new("bash")
            .args(["-c", printf])
            .output()
            .unwrap();
        assert_eq!(out.stdout, r.body.unwrap());
    }

    #[test]
    fn each_scheme_credential_goes_where_its_scheme_says_and_only_where_required() {
        use crate::openapi::document::Credential;
        use crate::openapi::engine::Applied;
        let d = Document::new(json!({"openapi": "3.1.0",
            "components": {"securitySchemes": {
                "h": {"type": "apiKey", "in": "header", "name": "X-Key"},
                "q": {"type": "apiKey", "in": "query", "name": "key"},
                "c": {"type": "apiKey", "in": "cookie", "name": "sid"}}},
            "paths": {
                "/a": {"get": {"security": [{"q": [], "c": []}], "responses": {}}},
                "/b": {"get": {"responses": {}}},
                "/c": {"get": {"security": [{"h": []}], "responses": {}}}}}))
        .unwrap();
        let auth: Vec<Applied> = d
            .schemes
            .iter()
            .map(|s| Applied {
                scheme: s.name.clone(),
                at: s.at.clone(),
                value: format!("v-{}", s.name),
            })
            .collect();
        assert_eq!(auth[1].at, Credential::Query("key".into()));
        let bare = |op: usize| Case {
            op,
            params: vec![],
            body: None,
            intent: Intent::Valid,
            without_credentials: false,
            phase: Phase::Random,
        };
        let a = bare(0).render_with(&d.operations[0], "", &[], &auth);
        assert_eq!(a.target, "/a?key=v-q");
        assert_eq!(
            a.headers,
            vec![("cookie".to_string(), "sid=v-c".to_string())]
        );
        let b = bare(1).render_with(&d.operations[1], "", &[], &auth);
        assert_eq!((b.target.as_str(), b.headers.len()), ("/b", 0));
        let c = bare(2).render_with(
            &d.operations[2],
            "",
            &[("x-key".into(), "old".into())],
            &auth,
        );
        assert_eq!(c.headers, vec![("x-key".to_string(), "v-h".to_string())]);
        let mut without = bare(0);
        without.without_credentials = true;
        let w = without.render_with(&d.operations[0], "", &[], &auth);
        assert_eq!((w.target.as_str(), w.headers.len()), ("/a", 0));
    }
}
