//! Gates, kept apart from the number: the verdict and exit code, naming the gate that
//! decided them. Without `--min-score`, every check must pass; with it, non-critical
//! failures are tolerated while the score stays at or above the minimum. A failed
//! critical check means not ready whatever the score.

use crate::check::Status;
use crate::error;
use crate::report::{Comparison, RunReport, Score, fmt_score};
use crate::text::{plural, short_list};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct GateOptions {
    pub min_score: Option<f64>,
    pub max_regression: Option<f64>,
    /// `--partition K/N` (or GitLab's `parallel:`): a shard that got no check at all
    /// (fewer checks than shards) has nothing to gate and is ready; `harden report` over
    /// the shards decides.
    pub partition: Option<(usize, usize)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub(crate) struct Verdict {
    pub ready: bool,
    pub exit_code: u8,
    /// The gate that decided: `interrupted`, `instance`, `critical`, `checks`, `min-score`,
    /// `max-regression`, `no-checks`, `empty-shard` or `all-passed`.
    pub gate: String,
    /// "READY: ..." or "NOT READY: ...".
    pub line: String,
    pub min_score: Option<f64>,
    pub max_regression: Option<f64>,
    pub baseline: Option<Comparison>,
}

pub(crate) fn decide(
    report: &RunReport,
    score: &Score,
    opts: GateOptions,
    baseline: Option<Comparison>,
) -> Verdict {
    let not_passed: Vec<&str> = report
        .glances()
        .filter(|(_, g)| matches!(g.brief.status, Status::Fail | Status::Error))
        .map(|(_, g)| g.info.id.as_str())
        .collect();
    let value = score.score.unwrap_or(0.0);
    let (ready, code, gate, line): (bool, u8, &str, String) = if report.interrupted {
        (
            false,
            error::EXIT_INTERRUPTED,
            "interrupted",
            "INTERRUPTED: the run was stopped before it finished; reports are partial".into(),
        )
    } else if report.instance_failed() {
        let why = report
            .suites
            .iter()
            .find_map(|s| s.instance.as_ref().and_then(|i| i.failure.clone()))
            .unwrap_or_default();
        (
            false,
            error::EXIT_INSTANCE,
            "instance",
            format!("NOT READY: {why}"),
        )
    } else if !score.blocking.is_empty() {
        let ids: Vec<&str> = score.blocking.iter().map(String::as_str).collect();
        (
            false,
            error::EXIT_FAILED,
            "critical",
            format!("NOT READY: critical check failed: {}", short_list(&ids, 5)),
        )
    } else if let Some((k, n)) = opts.partition.filter(|_| report.glances().next().is_none()) {
        (
            true,
            error::EXIT_OK,
            "empty-shard",
            format!(
                "READY: partition {k}/{n} has no checks (fewer checks than shards); merge the shards with `harden report`"
            ),
        )
    } else if score.counted == 0 {
        (
            false,
            error::EXIT_FAILED,
            "no-checks",
            "NOT READY: no check ran".into(),
        )
    } else if let Some(min) = opts.min_score.filter(|m| value < *m) {
        (
            false,
            error::EXIT_FAILED,
            "min-score",
            format!(
                "NOT READY: score {} is below --min-score {}",
                fmt_score(value),
                fmt_score(min)
            ),
        )
    } else if opts.min_score.is_none() && !not_passed.is_empty() {
        let n = not_passed.len();
        (
            false,
            error::EXIT_FAILED,
            "checks",
            format!(
                "NOT READY: {} did not pass: {}",
                plural(n, "check"),
                short_list(&not_passed, 5)
            ),
        )
    } else if let Some((max, drop)) = opts
        .max_regression
        .zip(baseline.as_ref().and_then(|b| b.delta))
        .filter(|(max, d)| -d > *max)
    {
        (
            false,
            error::EXIT_FAILED,
            "max-regression",
            format!(
                "NOT READY: the score dropped by {} ({}), more than --max-regression {}",
                fmt_score(-drop),
                baseline
                    .as_ref()
                    .map(Comparison::headline)
                    .unwrap_or_default(),
                fmt_score(max)
            ),
        )
    } else if let Some(min) = opts.min_score {
        let tolerated = if not_passed.is_empty() {
            String::new()
        } else {
            format!(
                "; tolerated: {} did not pass: {}",
                plural(not_passed.len(), "non-critical check"),
                short_list(&not_passed, 5)
            )
        };
        (
            true,
            error::EXIT_OK,
            "min-score",
            format!(
                "READY: score {} >= --min-score {}{tolerated}",
                fmt_score(value),
                fmt_score(min)
            ),
        )
    } else {
        let all = if score.counted == 1 {
            "the only check passed".to_string()
        } else {
            format!("all {} checks passed", score.counted)
        };
        (true, error::EXIT_OK, "all-passed", format!("READY: {all}"))
    };
    Verdict {
        ready,
        exit_code: code,
        gate: gate.to_string(),
        line,
        min_score: opts.min_score,
        max_regression: opts.max_regression,
        baseline,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{compare, compute_score, sample};
    use crate::suite::Severity;

    fn run(statuses: &[(Severity, Status)]) -> RunReport {
        let mut r = sample::report();
        r.suites[0].checks = statuses
            .iter()
            .enumerate()
            .map(|(i, (sev, st))| {
                sample::check(&format!("c{i}"), "contract", *sev, *st, i as u64 + 1)
            })
            .collect();
        r
    }

    fn verdict(r: &RunReport, opts: GateOptions) -> Verdict {
        decide(r, &compute_score(r), opts, None)
    }

    #[test]
    fn each_gate_decides_and_says_so() {
        let all_pass = run(&[
            (Severity::High, Status::Pass),
            (Severity::Low, Status::Pass),
        ]);
        assert_eq!(
            (
                verdict(&all_pass, GateOptions::default()).gate.as_str(),
                verdict(&all_pass, GateOptions::default()).exit_code
            ),
            ("all-passed", 0)
        );

        let low_fail = run(&[
            (Severity::Critical, Status::Pass),
            (Severity::Low, Status::Fail),
        ]);
        let strict = verdict(&low_fail, GateOptions::default());
        assert_eq!((strict.gate.as_str(), strict.exit_code), ("checks", 1));
        let lenient = verdict(
            &low_fail,
            GateOptions {
                min_score: Some(75.0),
                max_regression: None,
                partition: None,
            },
        );
        assert_eq!((lenient.gate.as_str(), lenient.exit_code), ("min-score", 0));
        assert_eq!(
            lenient.line,
            "READY: score 80 >= --min-score 75; tolerated: 1 non-critical check did not pass: c1"
        );
        let too_low = verdict(
            &low_fail,
            GateOptions {
                min_score: Some(90.0),
                max_regression: None,
                partition: None,
            },
        );
        assert_eq!(too_low.line, "NOT READY: score 80 is below --min-score 90");

        // A failed critical check is not ready however high the score.
        let critical = run(&[
            (Severity::Critical, Status::Fail),
            (Severity::High, Status::Pass),
            (Severity::High, Status::Pass),
            (Severity::High, Status::Pass),
        ]);
        let v = verdict(
            &critical,
            GateOptions {
                min_score: Some(10.0),
                max_regression: None,
                partition: None,
            },
        );
        assert_eq!((v.gate.as_str(), v.exit_code), ("critical", 1));
    }

    #[test]
    fn an_empty_shard_is_ready_but_an_empty_run_is_not() {
        let empty = run(&[]);
        let v = verdict(&empty, GateOptions::default());
        assert_eq!(
            (v.gate.as_str(), v.exit_code, v.ready),
            ("no-checks", 1, false)
        );
        let shard = GateOptions {
            partition: Some((3, 3)),
            ..GateOptions::default()
        };
        let v = verdict(&empty, shard);
        assert_eq!(
            (v.gate.as_str(), v.exit_code, v.ready),
            ("empty-shard", 0, true)
        );
        assert!(v.line.contains("partition 3/3 has no checks"), "{}", v.line);
        // A shard whose checks were all skipped still has checks: not this gate.
        let skipped = run(&[(Severity::High, Status::Skip)]);
        assert_eq!(verdict(&skipped, shard).gate, "no-checks");
    }

    #[test]
    fn max_regression_compares_with_the_baseline() {
        let before = run(&[
            (Severity::High, Status::Pass),
            (Severity::High, Status::Pass),
        ]);
        let after = run(&[
            (Severity::High, Status::Pass),
            (Severity::High, Status::Fail),
        ]);
        let (bs, s) = (compute_score(&before), compute_score(&after));
        let cmp = compare(&before, &bs, &after, &s);
        assert_eq!(cmp.headline(), "100 -> 50, -50");
        assert_eq!(
            cmp.changed,
            vec![("orchestrator/c1".to_string(), Status::Pass, Status::Fail)]
        );
        let v = decide(
            &after,
            &s,
            GateOptions {
                min_score: Some(40.0),
                max_regression: Some(10.0),
                partition: None,
            },
            Some(cmp),
        );
        assert_eq!(v.gate, "max-regression");
        assert_eq!(
            v.line,
            "NOT READY: the score dropped by 50 (100 -> 50, -50), more than --max-regression 10"
        );
    }
}
