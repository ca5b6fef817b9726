//! API7:2023 (server side request forgery): each URL input (`format: uri`, or named `url`,
//! `callback`, `webhook`, `avatar_url`, `image`, ...) gets the URL of a listener harden runs
//! on 127.0.0.1 for the check, a path of its own per input; every other input is valid. A
//! request arriving at the listener is a finding naming the input: the service fetches
//! what its callers name, so they can make it reach its own network. The listener answers
//! at once and lives until 2 s after the last probe.

use super::discover::{Found, Prober, Sent};
use super::inputs::{self, Held, Input};
use crate::check::outcome::Assertion;
use crate::openapi::document::Operation;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CATEGORY: &str = "API7:2023 Server Side Request Forgery";
/// How long a request may still arrive after the last probe.
const GRACE: Duration = Duration::from_secs(2);
/// The most URL inputs probed.
const MAX_PROBES: usize = 100;
/// The most of a request the listener reads, and how long it waits for it.
const MAX_HEAD: usize = 8 * 1024;
const READ_WAIT: Duration = Duration::from_secs(2);

/// A listener on 127.0.0.1 that records the request line of everything it receives.
struct Listener {
    port: u16,
    /// `GET /harden-ssrf/0/url` for each request received.
    hits: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Listener {
    async fn start() -> Result<Listener, String> {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("ssrf: cannot listen on 127.0.0.1: {e}"))?;
        let port = l
            .local_addr()
            .map_err(|e| format!("ssrf: cannot listen on 127.0.0.1: {e}"))?
            .port();
        let hits: Arc<Mutex<Vec<String>>> = Arc::default();
        let record = hits.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut conn, _)) = l.accept().await {
                let record = record.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    let deadline = tokio::time::Instant::now() + READ_WAIT;
                    while head.len() < MAX_HEAD && !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match tokio::time::timeout_at(deadline, conn.read(&mut buf)).await {
                            Ok(Ok(n)) if n > 0 => head.extend_from_slice(&buf[..n]),
                            _ => break,
                        }
                    }
                    let text = String::from_utf8_lossy(&head);
                    let line = text.lines().next().unwrap_or("").to_string();
                    let line = line.rsplit_once(' ').map_or(line.as_str(), |(l, _)| l);
                    if let Ok(mut h) = record.lock() {
                        h.push(line.chars().take(300).collect());
                    }
                    let answer = "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok";
                    let _ =
                        tokio::time::timeout(READ_WAIT, conn.write_all(answer.as_bytes())).await;
                });
            }
        });
        Ok(Listener { port, hits, task })
    }

    /// The request received at `path` (query aside), if any.
    fn received(&self, path: &str) -> Option<String> {
        let hits = self.hits.lock().ok()?;
        hits.iter()
            .find(|h| {
                h.split_once(' ')
                    .map(|(_, target)| target.split('?').next() == Some(path))
                    .unwrap_or(false)
            })
            .cloned()
    }
}

/// A path segment from an input's name: letters, digits, `-` and `_` only.
fn segment(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(40)
        .collect()
}

/// Is the service on this machine: `base-url`'s host a loopback address or `localhost`?
/// A service elsewhere that fetches `127.0.0.1` reaches its own machine, not harden's
/// listener.
fn on_this_machine(base_url: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(base_url) else {
        return false;
    };
    let host = url.host_str().unwrap_or("");
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

pub(super) async fn run(p: &Prober<'_>, found: &mut Found) -> Result<(), String> {
    if !on_this_machine(&p.cx.base_url) {
        found.notes.push(
            "ssrf: the service is not on this machine (base-url is not a loopback address), so a fetch of harden's listener on 127.0.0.1 could not arrive; not probed".into(),
        );
        return Ok(());
    }
    let mut held = Held::default();
    let mut targets: Vec<(usize, &Operation, Input)> = Vec::new();
    for (index, op) in p.doc.operations.iter().enumerate() {
        let urls: Vec<Input> = inputs::inputs(op)
            .into_iter()
            .filter(Input::is_url)
            .collect();
        if urls.is_empty() || !held.pass(p.gate(op), op) {
            continue;
        }
        targets.extend(urls.into_iter().map(|i| (index, op, i)));
    }
    if let Some(n) = held.note("ssrf") {
        found.notes.push(n);
    }
    if targets.is_empty() {
        found
            .notes
            .push("ssrf: no URL input the document describes could be probed".into());
        return Ok(());
    }
    if targets.len() > MAX_PROBES {
        found.notes.push(format!(
            "ssrf: {} URL inputs; the first {MAX_PROBES} probed",
            targets.len()
        ));
        targets.truncate(MAX_PROBES);
    }
    let listener = Listener::start().await?;
    let mut sent: Vec<(String, Sent)> = Vec::new();
    for (n, (index, op, input)) in targets.iter().enumerate() {
        let path = format!("/harden-ssrf/{n}/{}", segment(input.name()));
        let url = format!("http://127.0.0.1:{}{path}", listener.port);
        let case = inputs::case(*index, op, Some((&input.slot, Value::from(url))));
        sent.push((path, p.send_case(op, &case).await?));
    }
    // A service may fetch after it has answered (a queued webhook): wait for every path,
    // at most `GRACE` after the last probe.
    let deadline = Instant::now() + GRACE;
    while Instant::now() < deadline
        && sent
            .iter()
            .any(|(path, _)| listener.received(path).is_none())
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut fetched = 0;
    for ((_, op, input), (path, s)) in targets.iter().zip(&sent) {
        let Some(request) = listener.received(path) else {
            continue;
        };
        fetched += 1;
        found.assertions.push(Assertion::new(
            format!(
                "{CATEGORY}: {} fetches the URL in {}",
                op.label(),
                input.describe()
            ),
            "no request to a URL a caller names: an allow-list of hosts, and never a loopback or private address",
            format!(
                "harden's listener on 127.0.0.1 received `{request}`; the probe got {} from `{}`",
                s.answer(),
                s.curl
            ),
            false,
        ));
    }
    drop(listener);
    if fetched == 0 {
        found.assertions.push(Assertion::new(
            format!("{CATEGORY}: URL inputs given a loopback URL"),
            "no request arrives at harden's listener",
            format!(
                "none in {} s after {} probes",
                GRACE.as_secs(),
                targets.len()
            ),
            true,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_listener_records_what_arrives_and_answers() {
        let l = Listener::start().await.unwrap();
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", l.port))
            .await
            .unwrap();
        s.write_all(b"GET /harden-ssrf/0/url?x=1 HTTP/1.1\r\nhost: a\r\n\r\n")
            .await
            .unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
        assert_eq!(
            l.received("/harden-ssrf/0/url").as_deref(),
            Some("GET /harden-ssrf/0/url?x=1")
        );
        assert_eq!(l.received("/harden-ssrf/1/url"), None);
        assert_eq!(l.received("/harden-ssrf/0"), None);
    }

    #[test]
    fn only_a_service_on_this_machine_can_reach_the_listener() {
        assert!(on_this_machine("http://127.0.0.1:8000"));
        assert!(on_this_machine("http://localhost:8000/api"));
        assert!(on_this_machine("http://[::1]:8000"));
        assert!(!on_this_machine("https://staging.example.com"));
        assert!(!on_this_machine("http://10.0.0.5:8000"));
        assert!(!on_this_machine("not a url"));
    }

    #[test]
    fn a_segment_keeps_only_safe_characters() {
        assert_eq!(segment("avatar_url"), "avatar_url");
        assert_eq!(segment("a b/c?d"), "a-b-c-d");
    }
}
