//! Sending a built request: `begin` waits for the answer's head, `send` reads the body
//! too. Either ends with a `Response` or a typed `RequestError`, never a panic.

use crate::http::body::{BodyLimit, read_body};
use crate::http::error::{RequestError, transport_error};
use crate::http::request::Built;
use crate::http::response::{Response, Started};
use std::time::Instant;

/// The request a caller is waiting on (`GET http://…/path`), shared with whoever must say
/// what did not answer when a deadline passes (a check attempt's timeout). Clones share
/// the slot; `Activity::default()` is one nobody reads.
#[derive(Clone, Default, Debug)]
pub(crate) struct Activity(std::sync::Arc<std::sync::Mutex<Option<String>>>);

impl Activity {
    /// Records `what` as the request now awaited.
    pub(crate) fn set(&self, what: &str) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(what.to_string());
        }
    }

    /// The request last awaited, if any.
    pub(crate) fn get(&self) -> Option<String> {
        self.0.lock().ok().and_then(|s| s.clone())
    }
}

/// Sends `built` with `client` and waits for the response's head; `Err` when no answer
/// came (`RequestError::Transport`). `activity` is told the request first.
pub(crate) async fn begin(
    client: &reqwest::Client,
    built: Built,
    activity: &Activity,
) -> Result<Started, RequestError> {
    let started = Instant::now();
    activity.set(&built.label);
    let resp = client
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

/// Sends `built` with `client` and reads its answer whole, at most `limit` of body (after
/// decoding); `Err` when no answer came or the body could not be read whole.
///
/// ```ignore
/// let built = Plain::new(Method::GET, "http://127.0.0.1:8080/health").build(&client)?;
/// let r = send(&client, built, BodyLimit { bytes: 1 << 20, setting: "limits.body" }, &Activity::default()).await?;
/// ```
pub(crate) async fn send(
    client: &reqwest::Client,
    built: Built,
    limit: BodyLimit,
    activity: &Activity,
) -> Result<Response, RequestError> {
    let mut s = begin(client, built, activity).await?;
    let status = s.resp.status().as_u16();
    let headers = s.headers();
    let bytes = read_body(&mut s, limit).await?;
    Ok(Response::new(
        status,
        headers,
        bytes,
        s.started.elapsed(),
        s.sent,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::error::{BodyProblem, Transport};
    use crate::http::request::Plain;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const LIMIT: BodyLimit = BodyLimit {
        bytes: 64,
        setting: "limits.body",
    };

    /// A server on 127.0.0.1 that answers one connection with `answer` (or holds it open
    /// without answering when `answer` is `None`).
    async fn serve_once(answer: Option<&'static str>) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/x", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let (mut sock, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            match answer {
                Some(a) => {
                    let _ = sock.write_all(a.as_bytes()).await;
                }
                None => tokio::time::sleep(Duration::from_secs(10)).await,
            }
        });
        url
    }

    async fn send_plain(p: Plain) -> Result<Response, RequestError> {
        let client = crate::http::client();
        let built = p.build(&client)?;
        send(&client, built, LIMIT, &Activity::default()).await
    }

    #[tokio::test]
    async fn an_answer_is_a_response() {
        let url = serve_once(Some(
            "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 8\r\nconnection: close\r\n\r\n{\"a\":1}\n",
        ))
        .await;
        let r = send_plain(Plain::new(reqwest::Method::GET, url))
            .await
            .unwrap();
        assert_eq!(r.status, 201);
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("application/json")
        );
        assert_eq!(r.json(), Some(&serde_json::json!({"a": 1})));
    }

    #[tokio::test]
    async fn no_answer_within_the_timeout_is_timed_out() {
        let url = serve_once(None).await;
        let mut p = Plain::new(reqwest::Method::GET, url);
        p.timeout = Some(Duration::from_millis(200));
        let e = send_plain(p).await.unwrap_err();
        assert!(
            matches!(
                e,
                RequestError::Transport {
                    kind: Transport::TimedOut,
                    ..
                }
            ),
            "{e}"
        );
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_too_large() {
        let url = serve_once(Some(
            "HTTP/1.1 200 OK\r\ncontent-length: 100\r\nconnection: close\r\n\r\n",
        ))
        .await;
        let e = send_plain(Plain::new(reqwest::Method::GET, url))
            .await
            .unwrap_err();
        assert!(
            matches!(
                &e,
                RequestError::Body {
                    problem: BodyProblem::TooLarge { limit: 64, .. },
                    ..
                }
            ),
            "{e}"
        );
    }

    #[tokio::test]
    async fn a_closed_port_is_a_connect_failure_and_the_activity_names_it() {
        // Bound, then dropped: nothing listens on the port.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let client = crate::http::client();
        let url = format!("http://127.0.0.1:{port}/x");
        let built = Plain::new(reqwest::Method::GET, &url)
            .build(&client)
            .unwrap();
        let activity = Activity::default();
        let e = send(&client, built, LIMIT, &activity).await.unwrap_err();
        assert!(
            matches!(
                e,
                RequestError::Transport {
                    kind: Transport::Connect(_),
                    ..
                }
            ),
            "{e}"
        );
        assert_eq!(activity.get(), Some(format!("GET {url}")));
    }
}
