//! The readiness score: 100 x sum(w x s) / (10 x sum(w)) over the checks that count, with
//! severity weights 10 / 7.5 / 5 / 2.5 and s = 10 for a pass, 0 for a fail or an error.
//! A proportional check that fails scores the fraction that holds. Skipped checks
//! leave both sums. The same formula gives each category's score.

use crate::check::Status;
use crate::report::RunReport;
use crate::suite::Severity;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub(crate) struct Score {
    /// 0-100, one decimal; `None` when no check counted.
    pub score: Option<f64>,
    pub counted: usize,
    pub skipped: usize,
    pub total: usize,
    pub categories: Vec<CategoryScore>,
    /// Ids of failed or errored `critical` checks: any one means not ready.
    pub blocking: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub(crate) struct CategoryScore {
    pub category: String,
    pub score: Option<f64>,
    pub passed: usize,
    pub counted: usize,
}

#[derive(Default)]
struct Sums {
    got: f64,
    max: f64,
    passed: usize,
    counted: usize,
}

impl Sums {
    /// `w`: the check's weight (severity, times the suite's category weight); `s`: its
    /// score out of 10.
    fn add(&mut self, w: f64, s: f64, status: Status) {
        self.got += w * s;
        self.max += w * 10.0;
        self.counted += 1;
        self.passed += (status == Status::Pass) as usize;
    }

    fn score(&self) -> Option<f64> {
        (self.max > 0.0).then(|| (1000.0 * self.got / self.max).round() / 10.0)
    }
}

pub(crate) fn compute(report: &RunReport) -> Score {
    let mut all = Sums::default();
    let mut by_cat: BTreeMap<String, Sums> = BTreeMap::new();
    let (mut skipped, mut total, mut blocking) = (0, 0, Vec::new());
    for (_, g) in report.glances() {
        let (info, status) = (g.info, g.brief.status);
        total += 1;
        if status == Status::Skip {
            skipped += 1;
            continue;
        }
        let s = g.brief.score;
        all.add(info.weight, s, status);
        match by_cat.get_mut(info.category.as_str()) {
            Some(sums) => sums.add(info.weight, s, status),
            None => {
                by_cat
                    .entry(info.category.to_string())
                    .or_default()
                    .add(info.weight, s, status)
            }
        }
        if info.severity == Severity::Critical && status != Status::Pass {
            blocking.push(info.id.to_string());
        }
    }
    Score {
        score: all.score(),
        counted: all.counted,
        skipped,
        total,
        categories: by_cat
            .into_iter()
            .map(|(category, s)| CategoryScore {
                score: s.score(),
                passed: s.passed,
                counted: s.counted,
                category,
            })
            .collect(),
        blocking,
    }
}

impl Score {
    /// The score out of 100 (`72/100`), or `n/a` when no check counted: never `n/a/100`.
    pub(crate) fn out_of_100(&self) -> String {
        match self.score {
            Some(v) => format!("{}/100", fmt_score(v)),
            None => "n/a".into(),
        }
    }

    /// "score 72/100 (18 of 20 checks counted, 2 skipped)"
    pub(crate) fn headline(&self) -> String {
        let value = self.out_of_100();
        let skipped = if self.skipped > 0 {
            format!(", {} skipped", self.skipped)
        } else {
            String::new()
        };
        format!(
            "score {value} ({} of {} checks counted{skipped})",
            self.counted, self.total
        )
    }
}

pub(crate) fn fmt_score(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::CheckReport;

    fn check(id: &str, cat: &str, sev: Severity, status: Status) -> CheckReport {
        crate::report::sample::check(id, cat, sev, status, 1)
    }

    fn report(checks: Vec<CheckReport>) -> RunReport {
        let mut r = crate::report::sample::report();
        r.suites[0].checks = checks.into();
        r
    }

    #[test]
    fn weights_by_severity_and_skips_leave_both_sums() {
        // critical pass (10) + low fail (2.5) => 100 * 100 / 125 = 80
        let s = compute(&report(vec![
            check("a", "contract", Severity::Critical, Status::Pass),
            check("b", "ops", Severity::Low, Status::Fail),
            check("c", "ops", Severity::High, Status::Skip),
        ]));
        assert_eq!(s.score, Some(80.0));
        assert_eq!((s.counted, s.skipped, s.total), (2, 1, 3));
        assert_eq!(
            s.categories[0],
            CategoryScore {
                category: "contract".into(),
                score: Some(100.0),
                passed: 1,
                counted: 1
            }
        );
        assert_eq!(s.categories[1].score, Some(0.0));
        assert!(s.blocking.is_empty());
        assert_eq!(
            s.headline(),
            "score 80/100 (2 of 3 checks counted, 1 skipped)"
        );
    }

    #[test]
    fn proportional_failures_score_the_fraction_that_holds() {
        // A high check with 3 of 4 rules held scores 7.5 of 10; a low pass scores 10.
        let mut c = check("hygiene", "hygiene", Severity::High, Status::Fail);
        c.outcome = c.outcome.proportional(3, 4);
        let s = compute(&report(vec![
            c,
            check("b", "ops", Severity::Low, Status::Pass),
        ]));
        // 100 * (7.5 * 7.5 + 2.5 * 10) / (10 * (7.5 + 2.5)) = 81.25 -> 81.3
        assert_eq!(s.score, Some(81.3));
        assert_eq!(
            s.categories[0].passed, 0,
            "a proportional failure is still not a pass"
        );
    }

    #[test]
    fn failed_critical_check_blocks_whatever_the_score() {
        let s = compute(&report(vec![check(
            "db",
            "health",
            Severity::Critical,
            Status::Error,
        )]));
        assert_eq!(s.blocking, vec!["db".to_string()]);
        assert_eq!(s.score, Some(0.0));
    }
}
