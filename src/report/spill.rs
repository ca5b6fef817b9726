//! Where a run's outcomes wait for the reports: each check's outcome is written to an
//! unnamed temporary file as it finishes (one JSON record, in the order checks finish), and
//! read back, one at a time and in suite order, by each report that needs it. Memory then
//! holds a few bytes per check (`Brief`), not every outcome.

use crate::check::{CheckOutcome, Status};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What a report needs to know of a check without reading its record back: where the
/// record is, and the figures the score, the counts and the order of sections use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Brief {
    /// Where the record starts in the spill, and its length; `len == 0`: not recorded
    /// (the check never reported an outcome).
    at: u64,
    len: u32,
    pub status: Status,
    pub flaky: bool,
    pub figures: bool,
    /// The check's score out of 10 (`CheckOutcome::score`; 0 for a check without one).
    pub score: f64,
    /// Whole microseconds, as the recorder keeps a duration.
    micros: u64,
}

impl Brief {
    /// A check that has not reported an outcome: skipped, with the suite's "not run" words.
    pub(crate) const NOT_RECORDED: Brief = Brief {
        at: 0,
        len: 0,
        status: Status::Skip,
        flaky: false,
        figures: false,
        score: 0.0,
        micros: 0,
    };

    pub(crate) fn of(o: &CheckOutcome) -> Brief {
        Brief {
            at: 0,
            len: 0,
            status: o.status,
            flaky: o.flaky.is_some(),
            figures: o.figures.is_some(),
            score: o.score().unwrap_or(0.0),
            // As the record keeps it (`check::secs`): to the whole microsecond.
            micros: u64::try_from(crate::check::whole_micros(o.duration).as_micros())
                .unwrap_or(u64::MAX),
        }
    }

    pub(crate) fn recorded(&self) -> bool {
        self.len > 0
    }

    pub(crate) fn duration(&self) -> Duration {
        Duration::from_micros(self.micros)
    }
}

/// One check's record in the spill.
#[derive(Serialize)]
struct RecordOut<'a> {
    outcome: &'a CheckOutcome,
    log_tail: &'a [String],
}

#[derive(Deserialize)]
struct RecordIn {
    outcome: CheckOutcome,
    log_tail: Vec<String>,
}

/// Where records go: an unnamed temporary file, or memory when none can be created.
enum Medium {
    File(std::io::BufWriter<std::fs::File>),
    Memory(Vec<u8>),
}

/// The spill while the run writes it.
pub(crate) struct SpillWriter {
    medium: Medium,
    written: u64,
    /// The first write that failed: every report then fails with it.
    failed: Option<String>,
}

impl SpillWriter {
    pub(crate) fn new() -> SpillWriter {
        let medium = match tempfile::tempfile() {
            Ok(f) => Medium::File(std::io::BufWriter::with_capacity(64 * 1024, f)),
            Err(_) => Medium::Memory(Vec::new()),
        };
        SpillWriter {
            medium,
            written: 0,
            failed: None,
        }
    }

    /// Writes one check's record; its `Brief` says where it is.
    pub(crate) fn record(&mut self, outcome: &CheckOutcome, log_tail: &[String]) -> Brief {
        let mut brief = Brief::of(outcome);
        let mut line = match serde_json::to_vec(&RecordOut { outcome, log_tail }) {
            Ok(l) => l,
            Err(e) => {
                self.failed.get_or_insert_with(|| e.to_string());
                return brief;
            }
        };
        line.push(b'\n');
        let Ok(len) = u32::try_from(line.len()) else {
            self.failed
                .get_or_insert_with(|| "a check's outcome is larger than 4 GiB".into());
            return brief;
        };
        let wrote = match &mut self.medium {
            Medium::File(w) => w.write_all(&line),
            Medium::Memory(v) => {
                v.extend_from_slice(&line);
                Ok(())
            }
        };
        match wrote {
            Ok(()) => {
                brief.at = self.written;
                brief.len = len;
                self.written += u64::from(len);
            }
            Err(e) => {
                self.failed.get_or_insert_with(|| crate::reason::io(&e));
            }
        }
        brief
    }

    /// Done writing: the spill as the reports read it.
    pub(crate) fn finish(self) -> Arc<Spill> {
        let mut failed = self.failed;
        let medium = match self.medium {
            Medium::File(w) => match w.into_inner() {
                Ok(f) => Stored::File(f),
                Err(e) => {
                    failed.get_or_insert_with(|| crate::reason::io(e.error()));
                    Stored::Memory(Vec::new())
                }
            },
            Medium::Memory(v) => Stored::Memory(v),
        };
        Arc::new(Spill {
            medium,
            failed: Mutex::new(failed),
        })
    }
}

enum Stored {
    File(std::fs::File),
    Memory(Vec<u8>),
}

/// The spill once the run is over: records are read back by position.
pub(crate) struct Spill {
    medium: Stored,
    /// The first write or read that failed.
    failed: Mutex<Option<String>>,
}

impl std::fmt::Debug for Spill {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Spill")
    }
}

/// Bytes read from the file at once: records that follow each other come from one read.
const WINDOW: usize = 64 * 1024;

/// A reader of records with a window of the file of its own, so that readers do not
/// disturb each other.
pub(crate) struct Reader<'s> {
    spill: &'s Spill,
    window: Vec<u8>,
    start: u64,
}

impl Spill {
    /// Why a report cannot be trusted: a record that could not be written or read back.
    pub(crate) fn failure(&self) -> Option<String> {
        self.failed.lock().ok().and_then(|f| f.clone())
    }

    fn fail(&self, why: String) {
        if let Ok(mut f) = self.failed.lock() {
            f.get_or_insert(why);
        }
    }

    pub(crate) fn reader(&self) -> Reader<'_> {
        Reader {
            spill: self,
            window: Vec::new(),
            start: 0,
        }
    }
}

impl Reader<'_> {
    /// The outcome and log tail of a recorded check; `None` (and the spill's failure set)
    /// when it cannot be read back.
    pub(crate) fn read(&mut self, b: &Brief) -> Option<(CheckOutcome, Vec<String>)> {
        let bytes = match self.bytes(b) {
            Ok(bytes) => bytes,
            Err(why) => {
                self.spill.fail(why);
                return None;
            }
        };
        match serde_json::from_slice::<RecordIn>(bytes) {
            Ok(r) => Some((r.outcome, r.log_tail)),
            Err(e) => {
                self.spill
                    .fail(format!("a recorded outcome does not read back: {e}"));
                None
            }
        }
    }

    fn bytes(&mut self, b: &Brief) -> Result<&[u8], String> {
        let len = b.len as usize;
        let at = b.at;
        match &self.spill.medium {
            Stored::Memory(v) => usize::try_from(at)
                .ok()
                .and_then(|at| v.get(at..at + len))
                .ok_or_else(|| "a recorded outcome is missing".to_string()),
            Stored::File(f) => {
                let inside =
                    at >= self.start && at + len as u64 <= self.start + self.window.len() as u64;
                if !inside {
                    self.window.resize(len.max(WINDOW), 0);
                    let got = read_at_least(f, &mut self.window, at, len)
                        .map_err(|e| crate::reason::io(&e))?;
                    self.window.truncate(got);
                    self.start = at;
                }
                let from = (at - self.start) as usize;
                Ok(&self.window[from..from + len])
            }
        }
    }
}

/// Fills `buf` from `at`, stopping at the end of the file once `need` bytes are in.
fn read_at_least(
    f: &std::fs::File,
    buf: &mut [u8],
    at: u64,
    need: usize,
) -> std::io::Result<usize> {
    use std::os::unix::fs::FileExt;
    let mut got = 0;
    while got < buf.len() {
        match f.read_at(&mut buf[got..], at + got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    if got < need {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the temporary file of outcomes is shorter than written",
        ));
    }
    Ok(got)
}

#[cfg(test)]
mod tests {
    /// The run keeps one `Brief` a check: 100,000 checks, 3.2 MB.
    #[test]
    fn a_brief_stays_small() {
        assert!(
            size_of::<super::Brief>() <= 32,
            "{}",
            size_of::<super::Brief>()
        );
    }

    use super::*;

    fn outcome(i: usize) -> CheckOutcome {
        let mut o = if i.is_multiple_of(3) {
            CheckOutcome::error(format!(
                "check {i}: connection refused \u{1b}[31m \"quoted\""
            ))
        } else {
            CheckOutcome::skip(format!("check {i}"))
        };
        o.duration = Duration::from_micros(1_234_567 + i as u64);
        o.proportion = Some(1.0 / 3.0);
        o
    }

    #[test]
    fn records_read_back_as_written_in_any_order() {
        let mut w = SpillWriter::new();
        // Enough records to need more than one window of the file.
        let briefs: Vec<Brief> = (0..3000)
            .map(|i| w.record(&outcome(i), &[format!("line {i}")]))
            .collect();
        let spill = w.finish();
        let mut r = spill.reader();
        for i in (0..3000).rev().step_by(7).chain(0..3000) {
            let (o, tail) = r.read(&briefs[i]).expect("reads back");
            assert_eq!(o, outcome(i));
            assert_eq!(tail, vec![format!("line {i}")]);
            assert_eq!(briefs[i].duration(), o.duration);
        }
        assert_eq!(spill.failure(), None);
    }

    #[test]
    fn a_record_that_is_not_there_fails_the_spill() {
        let mut w = SpillWriter::new();
        let mut b = w.record(&outcome(1), &[]);
        let spill = w.finish();
        b.at += 1_000_000;
        assert!(spill.reader().read(&b).is_none());
        assert!(spill.failure().is_some(), "a lost record is an error");
    }
}
