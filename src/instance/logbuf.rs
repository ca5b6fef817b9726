//! The instance's output: a bounded ring of recent lines (for errors and JUnit) that is
//! also appended to a log file.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::Mutex;

const CAPACITY: usize = 5000;

#[derive(Debug, Clone)]
pub(crate) struct LogLine {
    /// Position in the whole output (0-based), so callers can ask for "lines since N".
    pub seq: u64,
    pub text: String,
}

#[derive(Default)]
struct Inner {
    lines: VecDeque<LogLine>,
    next_seq: u64,
    file: Option<std::io::LineWriter<std::fs::File>>,
}

pub(crate) struct LogBuffer {
    inner: Mutex<Inner>,
    /// Woken on every new line (for log-based readiness).
    pub(crate) notify: tokio::sync::Notify,
}

impl LogBuffer {
    pub(crate) fn new(file: Option<std::fs::File>) -> LogBuffer {
        LogBuffer {
            inner: Mutex::new(Inner {
                file: file.map(std::io::LineWriter::new),
                ..Default::default()
            }),
            notify: tokio::sync::Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the ring inconsistent; keep going.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn push(&self, text: String) {
        let mut inner = self.lock();
        if let Some(f) = inner.file.as_mut() {
            let _ = writeln!(f, "{text}");
        }
        let seq = inner.next_seq;
        inner.next_seq += 1;
        if inner.lines.len() == CAPACITY {
            inner.lines.pop_front();
        }
        inner.lines.push_back(LogLine { seq, text });
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
