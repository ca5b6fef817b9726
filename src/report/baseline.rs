//! Comparing a run with a baseline results file: the score delta ("72 -> 90, +18"), the
//! checks that changed state, and whether the two runs counted the same checks.

use crate::check::Status;
use crate::report::{RunReport, Score};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub(crate) struct Comparison {
    pub baseline_score: Option<f64>,
    pub score: Option<f64>,
    /// `score - baseline_score`, when both exist.
    pub delta: Option<f64>,
    /// `(check, before, after)` for checks in both runs whose status changed.
    pub changed: Vec<(String, Status, Status)>,
    /// Checks only in this run, and only in the baseline.
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

/// `suite/check` keys, so equal ids in different suites stay apart.
fn statuses(r: &RunReport) -> BTreeMap<String, Status> {
    r.glances()
        .map(|(s, g)| (format!("{}/{}", s.name, g.info.id), g.brief.status))
        .collect()
}

fn counted(m: &BTreeMap<String, Status>) -> impl Iterator<Item = &String> {
    m.iter()
        .filter(|(_, s)| **s != Status::Skip)
        .map(|(k, _)| k)
}

pub(crate) fn compare(
    baseline: &RunReport,
    baseline_score: &Score,
    current: &RunReport,
    score: &Score,
) -> Comparison {
    let (before, after) = (statuses(baseline), statuses(current));
    let changed = after
        .iter()
        .filter_map(|(k, now)| {
            before
                .get(k)
                .filter(|was| *was != now)
                .map(|was| (k.clone(), *was, *now))
        })
        .collect();
    Comparison {
        baseline_score: baseline_score.score,
        score: score.score,
        delta: baseline_score
            .score
            .zip(score.score)
            .map(|(b, s)| ((s - b) * 10.0).round() / 10.0),
        changed,
        // Counted checks: a skipped check is in neither score.
        added: counted(&after)
            .filter(|k| !counted(&before).any(|b| b == *k))
            .cloned()
            .collect(),
        removed: counted(&before)
            .filter(|k| !counted(&after).any(|a| a == *k))
            .cloned()
            .collect(),
    }
}

impl Comparison {
    /// "72 -> 90, +18"
    pub(crate) fn headline(&self) -> String {
        let show = |v: Option<f64>| {
            v.map(crate::report::fmt_score)
                .unwrap_or_else(|| "n/a".into())
        };
        let delta = match self.delta {
            Some(d) if d > 0.0 => format!(", +{}", crate::report::fmt_score(d)),
            Some(d) if d < 0.0 => format!(", -{}", crate::report::fmt_score(-d)),
            Some(_) => ", unchanged".into(),
            None => String::new(),
        };
        format!(
            "{} -> {}{delta}",
            show(self.baseline_score),
            show(self.score)
        )
    }

    /// Lines describing what changed, and a warning when the check sets differ.
    pub(crate) fn details(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .changed
            .iter()
            .map(|(k, was, now)| format!("{k}: {} -> {}", was.as_str(), now.as_str()))
            .collect();
        if !self.added.is_empty() || !self.removed.is_empty() {
            let mut parts = Vec::new();
            if !self.added.is_empty() {
                parts.push(format!("added {}", self.added.join(", ")));
            }
            if !self.removed.is_empty() {
                parts.push(format!("removed {}", self.removed.join(", ")));
            }
            out.push(format!("warning: the two runs counted different checks ({}); the scores are not strictly comparable", parts.join("; ")));
        }
        out
    }
}
