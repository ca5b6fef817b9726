//! Timing verdicts on a busy machine: a check that failed only on timing verdicts (a
//! `max-duration`, a latency percentile, a throughput) is measured again, up to the suite's
//! `timing.remeasure` times, before the failure counts. One that then passes is `flaky`,
//! counted as `timing.flaky` says; one that fails every time fails as measured last.

use crate::check::{CheckOutcome, Flaky, Status};
use crate::suite::{FlakyRule, TimingSpec};

/// `first`, or what measuring it again concluded. `measure` runs the check once more;
/// `told(measurement, reason)` is told of each new measurement before it starts.
pub(crate) async fn remeasure<Fut: Future<Output = CheckOutcome>>(
    first: CheckOutcome,
    timing: TimingSpec,
    mut measure: impl FnMut() -> Fut,
    mut told: impl FnMut(u32, String),
) -> CheckOutcome {
    if timing.remeasure == 0 || !first.failed_on_timing_only() {
        return first;
    }
    let first_failure = first.message.clone().unwrap_or_default();
    let mut last = first;
    let mut measurements = 1;
    while measurements <= timing.remeasure && last.failed_on_timing_only() {
        measurements += 1;
        told(
            measurements,
            format!(
                "re-measuring a timing verdict (measurement {measurements} of at most {}): {}",
                timing.remeasure + 1,
                last.message.as_deref().unwrap_or("failed")
            ),
        );
        last = measure().await;
    }
    conclude(last, measurements, first_failure, timing.flaky)
}

/// Pure: the last measurement's outcome, how many measurements were made, what the first
/// said, and the suite's rule -> the outcome that counts.
pub(crate) fn conclude(
    mut last: CheckOutcome,
    measurements: u32,
    first_failure: String,
    rule: FlakyRule,
) -> CheckOutcome {
    last.measurements = measurements;
    let said = match last.status {
        Status::Pass => {
            let failed = measurements.saturating_sub(1);
            let said = format!(
                "flaky: failed {failed} of {measurements} measurements, then passed (counted as {}); first: {first_failure}",
                rule.as_str()
            );
            if rule == FlakyRule::Fail {
                last.status = Status::Fail;
                last.message = Some(format!("flaky: {first_failure}"));
            }
            last.flaky = Some(Flaky {
                rule,
                failed,
                first_failure,
            });
            said
        }
        Status::Fail if last.failed_on_timing_only() => {
            format!("failed {measurements} of {measurements} measurements")
        }
        // Measuring again found another failure, or an error: it stands as it is.
        _ => format!("measured {measurements} times; the first failed: {first_failure}"),
    };
    last.note = Some(match last.note.take() {
        Some(n) => format!("{n}; {said}"),
        None => said,
    });
    last
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Assertion;

    fn timing(ok: bool) -> CheckOutcome {
        CheckOutcome::from_assertions(
            vec![
                Assertion::new("status", "200", "200", true),
                Assertion::timing(
                    "duration",
                    "<= 200ms",
                    if ok { "20ms" } else { "340ms" },
                    ok,
                ),
            ],
            None,
        )
    }

    fn wrong_status() -> CheckOutcome {
        CheckOutcome::from_assertions(
            vec![
                Assertion::new("status", "200", "500", false),
                Assertion::timing("duration", "<= 200ms", "340ms", false),
            ],
            None,
        )
    }

    /// Runs `remeasure` with measurements that come out as `then`, in order.
    fn run(
        first: CheckOutcome,
        then: Vec<CheckOutcome>,
        spec: TimingSpec,
    ) -> (CheckOutcome, Vec<u32>) {
        let mut then = then.into_iter();
        let mut told = Vec::new();
        let o = block_on(remeasure(
            first,
            spec,
            || {
                let next = then.next().expect("no more measurements than allowed");
                async move { next }
            },
            |m, _| told.push(m),
        ));
        (o, told)
    }

    fn block_on<F: Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    const WARN: TimingSpec = TimingSpec {
        remeasure: 2,
        flaky: FlakyRule::Warn,
    };

    #[test]
    fn a_pass_is_never_measured_again() {
        let (o, told) = run(timing(true), vec![], WARN);
        assert_eq!((o.status, o.measurements, told.len()), (Status::Pass, 1, 0));
        assert!(o.flaky.is_none());
    }

    #[test]
    fn a_failure_that_is_not_only_timing_is_never_measured_again() {
        let (o, told) = run(wrong_status(), vec![], WARN);
        assert_eq!((o.status, o.measurements, told.len()), (Status::Fail, 1, 0));
    }

    #[test]
    fn fail_then_pass_is_flaky_counted_by_the_rule() {
        for (rule, status) in [
            (FlakyRule::Pass, Status::Pass),
            (FlakyRule::Warn, Status::Pass),
            (FlakyRule::Fail, Status::Fail),
        ] {
            let spec = TimingSpec {
                remeasure: 2,
                flaky: rule,
            };
            let (o, told) = run(timing(false), vec![timing(true)], spec);
            assert_eq!((o.status, o.measurements), (status, 2), "{rule:?}");
            assert_eq!(told, [2]);
            let f = o.flaky.expect("flaky");
            assert_eq!((f.rule, f.failed), (rule, 1));
            assert!(
                f.first_failure
                    .starts_with("duration: expected <= 200ms, got 340ms")
            );
        }
    }

    #[test]
    fn failing_every_measurement_fails_after_the_bound() {
        let (o, told) = run(timing(false), vec![timing(false), timing(false)], WARN);
        assert_eq!((o.status, o.measurements), (Status::Fail, 3));
        assert_eq!(told, [2, 3]);
        assert!(o.flaky.is_none());
        assert_eq!(o.note.as_deref(), Some("failed 3 of 3 measurements"));
    }

    #[test]
    fn remeasure_0_keeps_the_first_measurement() {
        let spec = TimingSpec {
            remeasure: 0,
            flaky: FlakyRule::Warn,
        };
        let (o, told) = run(timing(false), vec![], spec);
        assert_eq!((o.status, o.measurements, told.len()), (Status::Fail, 1, 0));
    }

    #[test]
    fn an_error_when_measured_again_stands() {
        let (o, _) = run(
            timing(false),
            vec![CheckOutcome::error("connection refused")],
            WARN,
        );
        assert_eq!((o.status, o.measurements), (Status::Error, 2));
        assert!(o.flaky.is_none());
    }
}
