//! The instance's output: drained as bytes from its pipes for as long as any process of the
//! service holds them, kept as a bounded ring of recent lines (for the `logs` check, errors
//! and JUnit), and appended, secrets masked, to a log file.
//!
//! Output is never refused: a byte that is not UTF-8 is decoded lossily for display, a line
//! longer than `MAX_LINE` is split, and the ring drops its oldest lines past `MAX_LINES` or
//! `MAX_BYTES`. A service that writes to a pipe nobody reads blocks or dies of SIGPIPE, so
//! the pumps read until end of file whatever comes.

use crate::redact::Redactor;
use std::collections::VecDeque;
use std::io::Write;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

/// Lines kept in memory.
const MAX_LINES: usize = 5000;
/// Bytes of text kept in memory.
const MAX_BYTES: usize = 4 * 1024 * 1024;
/// Recent lines a failure's summary of the output folds (it shows far fewer).
const MAX_SUMMARIZED: usize = 500;
/// A longer line is split into pieces of this many bytes.
pub(crate) const MAX_LINE: usize = 64 * 1024;

#[derive(Debug, Clone)]
pub(crate) struct LogLine {
    /// Position in the whole output (0-based), so callers can ask for "lines since N".
    pub seq: u64,
    pub text: String,
}

#[derive(Default)]
struct Inner {
    lines: VecDeque<LogLine>,
    bytes: usize,
    next_seq: u64,
    /// The first lines the service wrote (its start-up), kept when the ring moves on.
    head: Vec<String>,
    file: Option<std::io::LineWriter<std::fs::File>>,
}

pub(crate) struct LogBuffer {
    inner: Mutex<Inner>,
    /// Masks secrets in what is written to the log file.
    redactor: Arc<Redactor>,
    /// Woken on every new line (for log-based readiness).
    pub(crate) notify: tokio::sync::Notify,
}

impl LogBuffer {
    pub(crate) fn new(file: Option<std::fs::File>, redactor: Arc<Redactor>) -> LogBuffer {
        LogBuffer {
            inner: Mutex::new(Inner {
                file: file.map(std::io::LineWriter::new),
                ..Default::default()
            }),
            redactor,
            notify: tokio::sync::Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the ring inconsistent; keep going.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn push(&self, text: String) {
        let mut inner = self.lock();
        if inner.file.is_some() {
            let mut shown = text.clone();
            self.redactor.text(&mut shown);
            if let Some(f) = inner.file.as_mut() {
                let _ = writeln!(f, "{shown}");
            }
        }
        let seq = inner.next_seq;
        inner.next_seq += 1;
        if inner.head.len() < crate::instance::logtail::HEAD_LINES {
            inner.head.push(text.clone());
        }
        inner.bytes += text.len();
        inner.lines.push_back(LogLine { seq, text });
        while inner.lines.len() > MAX_LINES || (inner.bytes > MAX_BYTES && inner.lines.len() > 1) {
            if let Some(old) = inner.lines.pop_front() {
                inner.bytes -= old.text.len();
            }
        }
        drop(inner);
        self.notify.notify_waiters();
    }

    /// The last `n` lines.
    pub(crate) fn tail(&self, n: usize) -> Vec<String> {
        let inner = self.lock();
        let skip = inner.lines.len().saturating_sub(n);
        inner
            .lines
            .iter()
            .skip(skip)
            .map(|l| l.text.clone())
            .collect()
    }

    /// The output as a failure shows it: the start-up lines, then the last `n` lines with
    /// runs of alike lines folded (`instance/logtail.rs`).
    pub(crate) fn summary(&self, n: usize) -> Vec<String> {
        let inner = self.lock();
        let skip = inner.lines.len().saturating_sub(MAX_SUMMARIZED);
        let recent: Vec<(u64, String)> = inner
            .lines
            .iter()
            .skip(skip)
            .map(|l| (l.seq, l.text.clone()))
            .collect();
        crate::instance::logtail::summarize(&inner.head, &recent, n)
    }

    /// Sequence number the next line will get.
    pub(crate) fn next_seq(&self) -> u64 {
        self.lock().next_seq
    }

    /// Lines with `seq >= from` still in the ring.
    pub(crate) fn since(&self, from: u64) -> Vec<LogLine> {
        self.lock()
            .lines
            .iter()
            .filter(|l| l.seq >= from)
            .cloned()
            .collect()
    }
}

/// Reads `reader` to its end, one line at a time, into `logs`.
pub(crate) async fn pump(reader: impl AsyncRead + Unpin, logs: Arc<LogBuffer>) {
    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    let mut line: Vec<u8> = Vec::new();
    loop {
        let buf = match reader.fill_buf().await {
            Ok([]) => break,
            Ok(buf) => buf,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        let room = MAX_LINE - line.len();
        let (take, complete) = match buf.iter().take(room).position(|b| *b == b'\n') {
            Some(p) => (p + 1, true),
            None => (buf.len().min(room), buf.len() >= room),
        };
        line.extend_from_slice(&buf[..take]);
        reader.consume(take);
        if complete {
            logs.push(decode(&line));
            line.clear();
        }
    }
    if !line.is_empty() {
        logs.push(decode(&line));
    }
}

/// One line of output as text: the line ending removed, invalid UTF-8 replaced by U+FFFD.
fn decode(line: &[u8]) -> String {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    String::from_utf8_lossy(line).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buffer() -> Arc<LogBuffer> {
        Arc::new(LogBuffer::new(None, Arc::new(Redactor::default())))
    }

    #[tokio::test]
    async fn bytes_that_are_not_utf8_are_decoded_lossily_and_reading_goes_on() {
        let logs = buffer();
        let input: &[u8] = b"caf\xe9\r\nnext\n\xff\xfe\nno newline at the end";
        pump(input, logs.clone()).await;
        assert_eq!(
            logs.tail(10),
            vec![
                "caf\u{FFFD}",
                "next",
                "\u{FFFD}\u{FFFD}",
                "no newline at the end"
            ]
        );
    }

    #[tokio::test]
    async fn a_line_without_end_is_split_and_memory_stays_bounded() {
        let logs = buffer();
        let input = vec![b'a'; MAX_LINE * 3 + 10];
        pump(&input[..], logs.clone()).await;
        let lines = logs.tail(10);
        assert_eq!(lines.len(), 4);
        assert!(lines[..3].iter().all(|l| l.len() == MAX_LINE));
        // The ring holds at most MAX_BYTES of text however much came.
        let big = vec![b'b'; MAX_BYTES * 3];
        pump(&big[..], logs.clone()).await;
        let kept: usize = logs.since(0).iter().map(|l| l.text.len()).sum();
        assert!(kept <= MAX_BYTES, "{kept}");
    }

    #[test]
    fn the_log_file_is_masked_and_the_ring_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("main.log");
        let logs = LogBuffer::new(
            Some(std::fs::File::create(&path).unwrap()),
            Arc::new(Redactor::new(vec!["hunter22".into()])),
        );
        logs.push("token hunter22 and aHVudGVyMjI=".into());
        let file = std::fs::read_to_string(&path).unwrap();
        assert!(
            !file.contains("hunter22") && !file.contains("aHVudGVyMj"),
            "{file}"
        );
        // The `logs` check looks for the raw secret in what the service printed.
        assert!(logs.tail(1)[0].contains("hunter22"));
    }
}
