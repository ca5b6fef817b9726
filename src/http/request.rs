//! Building a request: from a suite's request (`build`, every template expanded) or from
//! plain values (`Plain`, for code that has no suite), into a `Built` ready to send, with
//! the text messages show of it (credentials as `***`).

use crate::http::error::RequestError;
use crate::suite::{BodySpec, RequestSpec, Scope, Target, value_text};
use serde_json::Value;
use std::time::Duration;

/// What harden says it is, unless a request sets `User-Agent` (or leaves it out).
pub(crate) const USER_AGENT: &str = concat!("harden/", env!("CARGO_PKG_VERSION"));
/// What `compressed: true` asks for: every encoding harden decodes.
const ACCEPT_ENCODING: &str = "gzip, deflate, br, zstd";

/// A request's body, as plain values.
#[derive(Debug, Clone, Default)]
pub(crate) enum Body {
    #[default]
    None,
    /// Serialised, with `Content-Type: application/json`.
    Json(Value),
    /// Sent as is, with no content type of harden's.
    Text(String),
    /// `application/x-www-form-urlencoded`.
    Form(Vec<(String, String)>),
    /// Bytes sent as they are (not necessarily UTF-8), with no content type of harden's.
    Bytes(Vec<u8>),
}

/// One request as plain values: what [`build`] makes of a suite's request, and what code
/// without a suite (an OpenAPI engine, `harden init`) writes directly.
#[derive(Debug, Clone)]
pub(crate) struct Plain {
    pub method: reqwest::Method,
    /// The whole URL (`http://127.0.0.1:8080/users`), before `query`.
    pub url: String,
    /// Sent in this order. `None` leaves the header out: `user-agent: None` sends no
    /// `User-Agent` (harden sends its own otherwise); `accept: None` is refused, since the
    /// client always sends `Accept: */*`.
    pub headers: Vec<(String, Option<String>)>,
    /// Appended to the URL, percent-encoded.
    pub query: Vec<(String, String)>,
    pub body: Body,
    /// Ask for every content coding harden decodes (`Accept-Encoding`), unless `headers`
    /// names one.
    pub compressed: bool,
    /// The whole exchange's deadline, from sending to the body's last byte; past it the
    /// request fails with `Transport::TimedOut`. `None`: the caller bounds it.
    pub timeout: Option<Duration>,
}

impl Plain {
    /// A `method` request to `url` with no header, query or body of its own.
    pub(crate) fn new(method: reqwest::Method, url: impl Into<String>) -> Plain {
        Plain {
            method,
            url: url.into(),
            headers: Vec::new(),
            query: Vec::new(),
            body: Body::None,
            compressed: false,
            timeout: None,
        }
    }

    /// The request, ready to send with `client` (and to send again: a `load` check builds
    /// its request once); `Err(Invalid)` when it cannot be made as written.
    pub(crate) fn build(self, client: &reqwest::Client) -> Result<Built, RequestError> {
        let mut builder = match parsed_on_known_origin(&self.url) {
            Some(url) => client.request(self.method.clone(), url),
            None => client.request(self.method.clone(), &self.url),
        };
        let mut user_agent = true;
        let mut accept_encoding = false;
        let mut shown_headers: Vec<String> = Vec::new();
        for (k, v) in self.headers {
            if k.eq_ignore_ascii_case("user-agent") {
                user_agent = false;
            }
            if k.eq_ignore_ascii_case("accept-encoding") {
                accept_encoding = true;
            }
            match v {
                None if k.eq_ignore_ascii_case("accept") => {
                    return Err(RequestError::Invalid(
                        "`accept: null`: the HTTP client always sends `Accept: */*` unless told another value".into(),
                    ));
                }
                None => {}
                Some(text) => {
                    shown_headers.push(if credential(&k) {
                        format!("{k}: ***")
                    } else {
                        format!("{k}: {text}")
                    });
                    builder = builder.header(k, text);
                }
            }
        }
        if user_agent {
            builder = builder.header("user-agent", USER_AGENT);
            shown_headers.push(format!("user-agent: {USER_AGENT}"));
        }
        if self.compressed && !accept_encoding {
            builder = builder.header("accept-encoding", ACCEPT_ENCODING);
            shown_headers.push(format!("accept-encoding: {ACCEPT_ENCODING}"));
        }
        if !self.query.is_empty() {
            builder = builder.query(&self.query);
        }
        builder = match self.body {
            Body::None => builder,
            Body::Json(v) => builder.json(&v),
            Body::Text(t) => builder.body(t),
            Body::Form(f) => builder.form(&f),
            Body::Bytes(b) => builder.body(b),
        };
        if let Some(t) = self.timeout {
            builder = builder.timeout(t);
        }
        let request = builder.build().map_err(|e| {
            RequestError::Invalid(format!(
                "{} {}: {}",
                self.method,
                self.url,
                crate::reason::chain(&e)
            ))
        })?;
        // As sent when the URL needs no encoding; otherwise as the suite wrote it, before
        // percent-encoding, so a secret in it is in the one form the redactor is sure to
        // know (a secret's encoded forms are masked too, but a label never relies on it).
        let query: Vec<String> = self.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let plain = |s: &str| {
            s.bytes()
                .all(|b| b.is_ascii_graphic() && !b"%\"\\<>`{}".contains(&b))
        };
        let label = if query.is_empty() && plain(&self.url) {
            format!("{} {}", self.method, request.url())
        } else if query.is_empty() {
            format!("{} {}", self.method, self.url)
        } else {
            let sep = if self.url.contains('?') { '&' } else { '?' };
            format!("{} {}{sep}{}", self.method, self.url, query.join("&"))
        };
        let sent = format!("{label} ({})", shown_headers.join(", "));
        Ok(Built {
            request,
            label,
            sent,
        })
    }
}

/// A request with every template expanded, ready to send (and to send again).
pub(crate) struct Built {
    pub request: reqwest::Request,
    /// `GET http://…/path?q=1`, for messages.
    pub label: String,
    /// The request with its headers (credentials as `***`), for messages.
    pub sent: String,
}

/// Expands a suite's request against `scope` (a `path` joined to `base_url`) and builds
/// it for `client`.
pub(crate) fn build(
    req: &RequestSpec,
    client: &reqwest::Client,
    base_url: &str,
    scope: &Scope,
) -> Result<Built, RequestError> {
    expand(req, base_url, scope)?.build(client)
}

/// A suite's request with every template expanded against `scope`.
pub(crate) fn expand(
    req: &RequestSpec,
    base_url: &str,
    scope: &Scope,
) -> Result<Plain, RequestError> {
    let url = match &req.target {
        Target::Path(p) => format!(
            "{}{}",
            base_url.trim_end_matches('/'),
            p.expand_text(scope)?
        ),
        Target::Url(u) => u.expand_text(scope)?,
    };
    let mut plain = Plain::new(req.method.clone(), url);
    plain.compressed = req.compressed();
    if let Some(h) = req.headers() {
        // A value sends the header, "" sends it empty, null leaves it out.
        let headers = match h.expand(scope)? {
            Value::Object(m) => m,
            other => {
                return Err(RequestError::Invalid(format!(
                    "`headers` must be a map, found `{other}`"
                )));
            }
        };
        plain.headers = headers
            .into_iter()
            .map(|(k, v)| {
                let text = (!v.is_null()).then(|| value_text(&v));
                (k, text)
            })
            .collect();
    }
    if let Some(q) = req.query() {
        plain.query = expand_map(q.expand(scope)?, "query")?;
    }
    plain.body = match req.body() {
        BodySpec::None => Body::None,
        BodySpec::Json(t) => Body::Json(t.expand(scope)?),
        BodySpec::Text(t) => Body::Text(t.expand_text(scope)?),
        BodySpec::Form(t) => Body::Form(expand_map(t.expand(scope)?, "form")?),
    };
    Ok(plain)
}

fn expand_map(v: Value, what: &str) -> Result<Vec<(String, String)>, RequestError> {
    match v {
        Value::Object(m) => Ok(m.into_iter().map(|(k, v)| (k, value_text(&v))).collect()),
        other => Err(RequestError::Invalid(format!(
            "`{what}` must be a map, found `{other}`"
        ))),
    }
}

/// `url` parsed without parsing its origin again: a run's requests go to one or a few
/// origins (the service's base URL), and the host is most of what parsing a URL costs. Only
/// for a path of plain characters (no dot segment, percent sign, query or fragment), where
/// the origin's parsed URL with that path is what parsing the whole text gives; `None`
/// otherwise, and the caller parses the whole text.
fn parsed_on_known_origin(url: &str) -> Option<reqwest::Url> {
    thread_local! {
        static ORIGIN: std::cell::RefCell<Option<(String, reqwest::Url)>> =
            const { std::cell::RefCell::new(None) };
    }
    let after_scheme = url.find("://")? + 3;
    let path_at = after_scheme + url[after_scheme..].find('/')?;
    let (origin, path) = url.split_at(path_at);
    let plain = path
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_~/.".contains(&b));
    if !plain || path.contains("/.") || path.contains("//") {
        return None;
    }
    ORIGIN.with(|known| {
        let mut known = known.borrow_mut();
        if known.as_ref().is_none_or(|(text, _)| text != origin) {
            let parsed = reqwest::Url::parse(origin).ok()?;
            *known = Some((origin.to_string(), parsed));
        }
        let mut parsed = known.as_ref()?.1.clone();
        parsed.set_path(path);
        Some(parsed)
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::Method;

    fn header(b: &Built, name: &str) -> Option<String> {
        b.request
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    }

    /// A URL made on a known origin is the URL parsing the whole text gives; a path with
    /// anything to normalise or encode is parsed whole.
    #[test]
    fn a_url_on_a_known_origin_is_the_url_parsed_whole() {
        for url in [
            "http://127.0.0.1:8080/health",
            "http://127.0.0.1:8080/users/42/books",
            "http://127.0.0.1:8080/users/42/books",
            "http://LOCALHOST:80/a-b_c~d.json",
            "https://user:pw@example.test:8443/v1/",
            "http://[::1]:9/x",
            "http://127.0.0.1:8080/",
        ] {
            let fast = parsed_on_known_origin(url).expect(url);
            assert_eq!(fast, reqwest::Url::parse(url).unwrap(), "{url}");
            assert_eq!(fast.as_str(), reqwest::Url::parse(url).unwrap().as_str());
        }
        for url in [
            "http://127.0.0.1:8080/a/../b",
            "http://127.0.0.1:8080/./b",
            "http://127.0.0.1:8080/a%2Fb",
            "http://127.0.0.1:8080/a b",
            "http://127.0.0.1:8080/a?q=1",
            "http://127.0.0.1:8080/a#f",
            "http://127.0.0.1:8080//a",
            "http://127.0.0.1:8080/caf\u{e9}",
            "http://127.0.0.1:8080",
            "not a url",
        ] {
            assert_eq!(parsed_on_known_origin(url), None, "{url}");
        }
        // An origin that does not parse: the whole text is parsed, and says why.
        assert_eq!(parsed_on_known_origin("http://exa mple/x"), None);
    }

    #[test]
    fn a_plain_request_says_who_sends_it() {
        let client = reqwest::Client::new();
        let b = Plain::new(Method::GET, "http://127.0.0.1:9/x")
            .build(&client)
            .unwrap();
        assert_eq!(header(&b, "user-agent").as_deref(), Some(USER_AGENT));
        assert_eq!(b.label, "GET http://127.0.0.1:9/x");
        assert_eq!(
            b.sent,
            format!("GET http://127.0.0.1:9/x (user-agent: {USER_AGENT})")
        );
    }

    #[test]
    fn a_null_user_agent_sends_none() {
        let client = reqwest::Client::new();
        let mut p = Plain::new(Method::GET, "http://127.0.0.1:9/x");
        p.headers.push(("user-agent".into(), None));
        let b = p.build(&client).unwrap();
        assert_eq!(header(&b, "user-agent"), None);
        assert_eq!(b.sent, "GET http://127.0.0.1:9/x ()");
    }

    #[test]
    fn credentials_are_sent_but_never_shown() {
        let client = reqwest::Client::new();
        let mut p = Plain::new(Method::POST, "http://127.0.0.1:9/login");
        p.headers
            .push(("authorization".into(), Some("Bearer s3cr3t".into())));
        p.headers.push(("x-api-key".into(), Some("k3y".into())));
        p.query.push(("page".into(), "2".into()));
        let b = p.build(&client).unwrap();
        assert_eq!(
            header(&b, "authorization").as_deref(),
            Some("Bearer s3cr3t")
        );
        assert_eq!(b.label, "POST http://127.0.0.1:9/login?page=2");
        assert!(
            !b.sent.contains("s3cr3t") && !b.sent.contains("k3y"),
            "{}",
            b.sent
        );
        assert!(b.sent.contains("authorization: ***"), "{}", b.sent);
    }

    #[test]
    fn compressed_asks_for_every_decoded_coding_unless_told_one() {
        let client = reqwest::Client::new();
        let mut p = Plain::new(Method::GET, "http://127.0.0.1:9/x");
        p.compressed = true;
        let b = p.clone().build(&client).unwrap();
        assert_eq!(
            header(&b, "accept-encoding").as_deref(),
            Some(ACCEPT_ENCODING)
        );
        p.headers
            .push(("accept-encoding".into(), Some("gzip".into())));
        let b = p.build(&client).unwrap();
        assert_eq!(header(&b, "accept-encoding").as_deref(), Some("gzip"));
    }

    #[test]
    fn a_null_accept_is_refused() {
        let client = reqwest::Client::new();
        let mut p = Plain::new(Method::GET, "http://127.0.0.1:9/x");
        p.headers.push(("accept".into(), None));
        let e = p.build(&client).err().unwrap();
        assert!(matches!(e, RequestError::Invalid(_)), "{e}");
    }

    #[test]
    fn an_unusable_url_is_invalid_not_a_panic() {
        let client = reqwest::Client::new();
        let e = Plain::new(Method::GET, "not a url")
            .build(&client)
            .err()
            .unwrap();
        assert!(matches!(e, RequestError::Invalid(_)), "{e}");
        assert!(e.to_string().starts_with("GET not a url: "), "{e}");
    }

    #[test]
    fn a_timeout_is_set_on_the_request() {
        let client = reqwest::Client::new();
        let mut p = Plain::new(Method::GET, "http://127.0.0.1:9/x");
        p.timeout = Some(Duration::from_millis(250));
        let b = p.build(&client).unwrap();
        assert_eq!(b.request.timeout(), Some(&Duration::from_millis(250)));
    }
}
