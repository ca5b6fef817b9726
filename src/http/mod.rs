//! harden's HTTP client, a layer below the check kinds: build a request (from a suite's
//! request, or from plain values), send it with a bounded body read, and get a `Response`
//! or a typed `RequestError`. Nothing here knows about checks; a caller passes what a
//! request needs (a client, a base URL, a body limit, an `Activity`) as values.
//!
//! Sending `GET /health` with a 1 MiB body limit and a 2 s deadline:
//!
//! ```ignore
//! let client = http::client();
//! let mut req = http::Plain::new(reqwest::Method::GET, "http://127.0.0.1:8080/health");
//! req.timeout = Some(Duration::from_secs(2));
//! let limit = http::BodyLimit { bytes: 1 << 20, setting: "limits.body" };
//! match http::send(&client, req.build(&client)?, limit, &http::Activity::default()).await {
//!     Ok(r) => r.status,                     // and r.header(..), r.json(), r.body
//!     Err(RequestError::Transport { .. }) => …, // no answer: timed out, refused, …
//!     Err(e) => …,                           // invalid request, body over the limit, …
//! }
//! ```

mod body;
mod client;
mod decode;
mod error;
mod request;
mod response;
mod send;
mod tls;

pub(crate) use body::{BodyError, BodyLimit, stream_body};
pub(crate) use client::{builder as client_builder, client};
pub(crate) use error::{BodyProblem, RequestError, Transport, transport_error};
pub(crate) use request::{Body, Built, Plain, build};
pub(crate) use response::{Response, Started};
pub(crate) use send::{Activity, begin, send};
