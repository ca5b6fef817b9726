//! Why a request got no answer harden could use: typed where it is made, text only where a
//! message is written.

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
    /// The request's own timeout (`Plain::timeout`) ran out.
    #[error("timed out")]
    TimedOut,
    /// Connecting failed: refused, unreachable, reset during the handshake.
    #[error("connection failed: {0}")]
    Connect(String),
    /// Anything else the client reported (a protocol error, a connection closed early).
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
    /// The connection failed while the body streamed in.
    #[error("{0}")]
    Failed(String),
}

/// A check's message is where a request error ends up.
impl From<RequestError> for String {
    fn from(e: RequestError) -> String {
        e.to_string()
    }
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
