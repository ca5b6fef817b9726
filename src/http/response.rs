//! What harden saw of an answer: a head whose body is still to be read (`Started`), and a
//! whole response (`Response`).

use serde_json::Value;
use std::time::{Duration, Instant};

/// What harden saw of one response, its body read whole (and decoded).
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
    /// From sending the request to the last byte of the body.
    pub duration: Duration,
    /// The request as sent, for messages: `GET http://…/x (user-agent: harden/0.1.0)`,
    /// credentials shown as `***`.
    pub sent: String,
    /// The secrets to mask in an excerpt of the body before it is cut (set by the check's
    /// context), so that no secret is shown cut in half.
    pub redactor: Option<std::sync::Arc<crate::redact::Redactor>>,
}

impl Response {
    /// A response of `status` with `headers` and the body `bytes`, kept as text when they
    /// are UTF-8 and as bytes (with a lossy text) when they are not.
    pub(crate) fn new(
        status: u16,
        headers: Vec<(String, String)>,
        bytes: Vec<u8>,
        duration: Duration,
        sent: String,
    ) -> Response {
        let (body, raw) = match String::from_utf8(bytes) {
            Ok(text) => (text, None),
            Err(e) => (
                String::from_utf8_lossy(e.as_bytes()).into_owned(),
                Some(e.into_bytes()),
            ),
        };
        Response {
            status,
            headers,
            body,
            raw,
            json: std::sync::OnceLock::new(),
            duration,
            sent,
            redactor: None,
        }
    }

    /// The body parsed as JSON, if it is JSON.
    pub(crate) fn json(&self) -> Option<&Value> {
        self.json
            .get_or_init(|| {
                serde_json::from_slice(self.raw.as_deref().unwrap_or(self.body.as_bytes())).ok()
            })
            .as_ref()
    }

    /// The values of header `name` (lowercase), joined with `, ` as HTTP allows; `None`
    /// when it is absent.
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

/// A response whose head has arrived; its body is still to be read (`read_body`, or
/// `stream_body` on `resp`).
pub(crate) struct Started {
    pub resp: reqwest::Response,
    /// `GET http://…/path`, for messages.
    pub request: String,
    /// The request with the headers harden set (credentials as `***`).
    pub sent: String,
    /// When the request was sent.
    pub started: Instant,
}

impl Started {
    /// The head's headers: lowercase names, in arrival order, values as (lossy) text.
    pub(crate) fn headers(&self) -> Vec<(String, String)> {
        self.resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect()
    }
}
