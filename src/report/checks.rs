//! A suite's recorded checks, in suite order: held in memory (a results file read back by
//! `harden report`, a test's run), or spilled (`harden check`: each outcome went to the
//! run's spill as it finished, and memory keeps a `Brief` per check). Reports read either
//! the same way: `glances` for what the score, counts and order need (no record read),
//! `read_where` for the checks a section shows, read back one at a time.

use crate::check::CheckOutcome;
use crate::report::CheckReport;
use crate::report::spill::{Brief, Reader, Spill};
use crate::runner::CheckInfo;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::sync::Arc;

/// What a check says until its outcome is recorded.
pub(crate) const NOT_RUN: &str = "not run";

#[derive(Debug, Clone, Default)]
pub(crate) struct Checks {
    held: Vec<CheckReport>,
    spilled: Option<Spilled>,
}

#[derive(Debug, Clone)]
struct Spilled {
    infos: Arc<Vec<CheckInfo>>,
    briefs: Vec<Brief>,
    /// Set when the run is over.
    spill: Option<Arc<Spill>>,
    /// What a check that never reported says (`not run`, or why the run was abandoned).
    not_run: String,
}

/// A check as the score and the order of a report's sections see it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Glance<'r> {
    pub info: &'r CheckInfo,
    pub brief: Brief,
}

impl From<Vec<CheckReport>> for Checks {
    fn from(held: Vec<CheckReport>) -> Checks {
        Checks {
            held,
            spilled: None,
        }
    }
}

/// The checks held in memory: a results file's, or a test's. A spilled suite holds none
/// here; reports read every suite through `glances` and `read_where`.
impl std::ops::Deref for Checks {
    type Target = Vec<CheckReport>;
    fn deref(&self) -> &Vec<CheckReport> {
        &self.held
    }
}

impl std::ops::DerefMut for Checks {
    fn deref_mut(&mut self) -> &mut Vec<CheckReport> {
        &mut self.held
    }
}

impl Checks {
    /// The checks of a suite that starts: each one `not run` until it reports.
    pub(crate) fn spilled(infos: Arc<Vec<CheckInfo>>) -> Checks {
        Checks {
            held: Vec::new(),
            spilled: Some(Spilled {
                briefs: vec![Brief::NOT_RECORDED; infos.len()],
                infos,
                spill: None,
                not_run: NOT_RUN.into(),
            }),
        }
    }

    /// Records where the `index`-th check's outcome went.
    pub(crate) fn record(&mut self, index: usize, brief: Brief) {
        if let Some(b) = self.spilled.as_mut().and_then(|s| s.briefs.get_mut(index)) {
            *b = brief;
        }
    }

    /// The run is over: records are read back from `spill`.
    pub(crate) fn attach(&mut self, spill: &Arc<Spill>) {
        if let Some(s) = &mut self.spilled {
            s.spill = Some(spill.clone());
        }
    }

    /// The run was cut short: a check that never reported says why.
    pub(crate) fn abandon(&mut self, why: &str) {
        let not_run = format!("not run: {why}");
        if let Some(s) = &mut self.spilled {
            s.not_run = not_run.clone();
        }
        for c in &mut self.held {
            if c.outcome.status == crate::check::Status::Skip
                && c.outcome.message.as_deref() == Some(NOT_RUN)
            {
                c.outcome = CheckOutcome::skip(not_run.clone());
            }
        }
    }

    /// Why the spilled records cannot be trusted, if they cannot.
    pub(crate) fn failure(&self) -> Option<String> {
        self.spilled
            .as_ref()
            .and_then(|s| s.spill.as_ref())
            .and_then(|s| s.failure())
    }

    pub(crate) fn len(&self) -> usize {
        match &self.spilled {
            Some(s) => s.briefs.len(),
            None => self.held.len(),
        }
    }

    fn glance(&self, k: usize) -> Option<Glance<'_>> {
        match &self.spilled {
            Some(s) => Some(Glance {
                info: s.infos.get(k)?,
                brief: *s.briefs.get(k)?,
            }),
            None => self.held.get(k).map(|c| Glance {
                info: &c.info,
                brief: Brief::of(&c.outcome),
            }),
        }
    }

    /// Every check, in suite order, without reading a record.
    pub(crate) fn glances(&self) -> impl Iterator<Item = Glance<'_>> {
        (0..self.len()).filter_map(|k| self.glance(k))
    }

    /// Every check, in suite order, read back (a spilled suite's) into memory.
    pub(crate) fn into_vec(self) -> Vec<CheckReport> {
        if self.spilled.is_none() {
            return self.held;
        }
        self.iter().map(Cow::into_owned).collect()
    }

    /// Every check, in suite order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = Cow<'_, CheckReport>> {
        self.read_where(|_| true)
    }

    /// The checks `keep` selects, in suite order, each read back as it is reached. A
    /// record that cannot be read back is left out, and the suite's `failure` says why.
    pub(crate) fn read_where<'c>(
        &'c self,
        keep: impl Fn(&Glance<'_>) -> bool + 'c,
    ) -> impl Iterator<Item = Cow<'c, CheckReport>> + 'c {
        let mut reader: Option<Reader<'c>> = None;
        (0..self.len()).filter_map(move |k| {
            let g = self.glance(k)?;
            if !keep(&g) {
                return None;
            }
            let Some(s) = &self.spilled else {
                return self.held.get(k).map(Cow::Borrowed);
            };
            let (outcome, log_tail) = if g.brief.recorded() {
                let spill = s.spill.as_ref()?;
                reader
                    .get_or_insert_with(|| spill.reader())
                    .read(&g.brief)?
            } else {
                (CheckOutcome::skip(s.not_run.clone()), Vec::new())
            };
            Some(Cow::Owned(CheckReport {
                info: g.info.clone(),
                score: outcome.score(),
                outcome,
                log_tail,
            }))
        })
    }
}

/// The checks as a list of `CheckReport`s, read back one at a time.
impl Serialize for Checks {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.len()))?;
        for c in self.iter() {
            seq.serialize_element(c.as_ref())?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for Checks {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Checks, D::Error> {
        Vec::<CheckReport>::deserialize(d).map(Checks::from)
    }
}

impl FromIterator<CheckReport> for Checks {
    fn from_iter<I: IntoIterator<Item = CheckReport>>(iter: I) -> Checks {
        Checks::from(iter.into_iter().collect::<Vec<_>>())
    }
}
