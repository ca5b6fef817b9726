//! Reading a body, bounded: the one reader every body goes through (checks, metrics
//! expositions, `harden init`'s document), stopping at the first byte past the limit, and
//! undoing content codings within the same limit.

use crate::http::error::{BodyProblem, RequestError};
use crate::http::response::Started;

/// How much of a body to read: `bytes`, raised by the suite's `setting` (named in the
/// message when a body is larger, e.g. `limits.body`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyLimit {
    pub bytes: u64,
    pub setting: &'static str,
}

/// Why a body could not be read whole.
pub(crate) enum BodyError {
    /// Over the limit (by its `Content-Length`, or as it streamed in).
    TooLarge,
    /// The connection failed, or the consumer of a chunk refused it.
    Failed(String),
}

/// Streams a response body to `on_chunk`, at most `limit` bytes, stopping at the first
/// byte past it.
pub(crate) async fn stream_body(
    resp: &mut reqwest::Response,
    limit: u64,
    mut on_chunk: impl FnMut(&[u8]) -> Result<(), String>,
) -> Result<(), BodyError> {
    if resp.content_length().is_some_and(|n| n > limit) {
        return Err(BodyError::TooLarge);
    }
    let mut read: u64 = 0;
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                read += chunk.len() as u64;
                if read > limit {
                    return Err(BodyError::TooLarge);
                }
                on_chunk(&chunk).map_err(BodyError::Failed)?;
            }
            Ok(None) => return Ok(()),
            Err(e) => {
                return Err(BodyError::Failed(format!(
                    "reading the body failed: {}",
                    crate::reason::chain(&e)
                )));
            }
        }
    }
}

/// Reads the rest of the body, refusing more than `limit`, and undoes its content codings
/// (bounded by the same limit).
pub(crate) async fn read_body(s: &mut Started, limit: BodyLimit) -> Result<Vec<u8>, RequestError> {
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
    stream_body(&mut s.resp, limit.bytes, |chunk| {
        buf.extend_from_slice(chunk);
        Ok(())
    })
    .await
    .map_err(|e| RequestError::Body {
        request: s.request.clone(),
        problem: match e {
            BodyError::TooLarge => BodyProblem::TooLarge {
                limit: limit.bytes,
                setting: limit.setting.to_string(),
            },
            BodyError::Failed(why) => BodyProblem::Failed(why),
        },
    })?;
    // Codings apply in the order listed: undo them from the last.
    for enc in encodings.iter().rev() {
        buf = crate::http::decode::decode(enc, &buf, limit.bytes).map_err(|why| {
            RequestError::Body {
                request: s.request.clone(),
                problem: BodyProblem::Undecodable {
                    why,
                    setting: limit.setting.to_string(),
                },
            }
        })?;
    }
    Ok(buf)
}
