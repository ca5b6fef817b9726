//! One virtual user of a `load` check: its own kept-alive connection, the prepared request
//! sent again and again, the body read and counted (never kept), the status returned.
//!
//! Plain `http://` targets go through hyper's HTTP/1.1 connection directly: no pool, no
//! URL parsing or header merging per request. `https://` targets, and bodies that are not
//! plain bytes, go through the checks' reqwest client instead.

use crate::http::{BodyError, BodyProblem, RequestError, Transport, transport_error};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use std::time::Duration;

/// How long one request may take, its connection included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The request every virtual user sends, prepared once.
pub(crate) struct Prepared {
    /// `GET http://…/path`, for messages.
    label: String,
    via: Via,
}

enum Via {
    /// Plain HTTP/1.1 on a connection of the user's own.
    Plain(Plain),
    /// Through reqwest (TLS, or a body reqwest streams).
    Client {
        client: reqwest::Client,
        request: reqwest::Request,
    },
}

pub(crate) struct Plain {
    host: String,
    port: u16,
    method: hyper::Method,
    /// Origin form (`/path?query`).
    uri: hyper::Uri,
    /// With `Host` and reqwest's default `Accept: */*`, as a check would send them.
    headers: hyper::HeaderMap,
    body: Bytes,
}

impl Prepared {
    /// `label` is the request as messages name it (`http::Built::label`).
    pub(crate) fn new(
        client: reqwest::Client,
        request: reqwest::Request,
        label: String,
    ) -> Prepared {
        let via = match plain(&request) {
            Some(p) => Via::Plain(p),
            None => Via::Client { client, request },
        };
        Prepared { label, via }
    }
}

fn plain(request: &reqwest::Request) -> Option<Plain> {
    let url = request.url();
    if url.scheme() != "http" {
        return None;
    }
    let body = match request.body() {
        None => Bytes::new(),
        Some(b) => Bytes::copy_from_slice(b.as_bytes()?),
    };
    let host = url.host_str()?.to_string();
    let port = url.port_or_known_default()?;
    let mut origin = url.path().to_string();
    if let Some(q) = url.query() {
        origin.push('?');
        origin.push_str(q);
    }
    let uri = origin.parse().ok()?;
    let mut headers = request.headers().clone();
    let authority = match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.clone(),
    };
    if !headers.contains_key(hyper::header::HOST) {
        headers.insert(hyper::header::HOST, authority.parse().ok()?);
    }
    if !headers.contains_key(hyper::header::ACCEPT) {
        headers.insert(
            hyper::header::ACCEPT,
            hyper::header::HeaderValue::from_static("*/*"),
        );
    }
    Some(Plain {
        host,
        port,
        method: request.method().clone(),
        uri,
        headers,
        body,
    })
}

/// A virtual user: sends the prepared request, one at a time, on a connection it keeps.
pub(crate) struct User<'p> {
    prepared: &'p Prepared,
    conn: Option<SendRequest<Full<Bytes>>>,
    /// Largest body read (`limits.body`).
    limit: u64,
}

impl<'p> User<'p> {
    pub(crate) fn new(prepared: &'p Prepared, limit: u64) -> User<'p> {
        User {
            prepared,
            conn: None,
            limit,
        }
    }

    /// Sends the request once and reads the whole answer: its status, or why there was none.
    pub(crate) async fn send(&mut self) -> Result<u16, RequestError> {
        match tokio::time::timeout(REQUEST_TIMEOUT, self.attempt()).await {
            Ok(r) => r,
            Err(_) => {
                self.conn = None;
                Err(RequestError::Transport {
                    request: self.prepared.label.clone(),
                    kind: Transport::TimedOut,
                })
            }
        }
    }

    async fn attempt(&mut self) -> Result<u16, RequestError> {
        let label = &self.prepared.label;
        let p = match &self.prepared.via {
            Via::Plain(p) => p,
            Via::Client { client, request } => {
                return through_client(client, request, label, self.limit).await;
            }
        };
        // A connection the service closed (or that failed) is replaced before sending.
        if let Some(c) = &mut self.conn
            && c.ready().await.is_err()
        {
            self.conn = None;
        }
        let conn = match &mut self.conn {
            Some(c) => c,
            None => self.conn.insert(connect(p, label).await?),
        };
        let mut req = hyper::Request::new(Full::new(p.body.clone()));
        *req.method_mut() = p.method.clone();
        *req.uri_mut() = p.uri.clone();
        *req.headers_mut() = p.headers.clone();
        let resp = match conn.send_request(req).await {
            Ok(r) => r,
            Err(e) => {
                self.conn = None;
                return Err(RequestError::Transport {
                    request: label.clone(),
                    kind: Transport::Other(crate::reason::chain(&e)),
                });
            }
        };
        let status = resp.status().as_u16();
        let mut body = resp.into_body();
        // A declared length over the limit is refused before any of it is read.
        if hyper::body::Body::size_hint(&body).lower() > self.limit {
            self.conn = None;
            return Err(too_large(label.clone(), self.limit));
        }
        let mut read: u64 = 0;
        while let Some(frame) = body.frame().await {
            match frame {
                Ok(f) => {
                    if let Some(d) = f.data_ref() {
                        read += d.len() as u64;
                        if read > self.limit {
                            self.conn = None;
                            return Err(too_large(label.clone(), self.limit));
                        }
                    }
                }
                Err(e) => {
                    self.conn = None;
                    return Err(RequestError::Body {
                        request: label.clone(),
                        problem: BodyProblem::Failed(format!(
                            "reading the body failed: {}",
                            crate::reason::chain(&e)
                        )),
                    });
                }
            }
        }
        Ok(status)
    }
}

async fn connect(p: &Plain, label: &str) -> Result<SendRequest<Full<Bytes>>, RequestError> {
    let failed = |why: String| RequestError::Transport {
        request: label.to_string(),
        kind: Transport::Connect(why),
    };
    let stream = match tokio::time::timeout(
        CONNECT_TIMEOUT,
        tokio::net::TcpStream::connect((p.host.as_str(), p.port)),
    )
    .await
    {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(failed(crate::reason::io(&e))),
        Err(_) => return Err(failed("timed out".into())),
    };
    let _ = stream.set_nodelay(true);
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| failed(crate::reason::chain(&e)))?;
    // The connection is driven by its own task; it ends when the sender is dropped.
    tokio::spawn(connection);
    Ok(sender)
}

async fn through_client(
    client: &reqwest::Client,
    request: &reqwest::Request,
    label: &str,
    limit: u64,
) -> Result<u16, RequestError> {
    let Some(request) = request.try_clone() else {
        return Err(RequestError::Invalid(format!(
            "{label}: the request body cannot be sent twice"
        )));
    };
    let mut resp = client
        .execute(request)
        .await
        .map_err(|e| transport_error(label, &e))?;
    let status = resp.status().as_u16();
    crate::http::stream_body(&mut resp, limit, |_| Ok(()))
        .await
        .map_err(|e| match e {
            BodyError::TooLarge => too_large(label.to_string(), limit),
            BodyError::Failed(why) => RequestError::Body {
                request: label.to_string(),
                problem: BodyProblem::Failed(why),
            },
        })?;
    Ok(status)
}

fn too_large(request: String, limit: u64) -> RequestError {
    RequestError::Body {
        request,
        problem: BodyProblem::TooLarge {
            limit,
            setting: "limits.body".into(),
        },
    }
}
