//! The result of one check: failures are data, never `Err`.

use crate::suite::FlakyRule;
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    /// Every assertion held.
    Pass,
    /// An assertion did not hold.
    Fail,
    /// The check could not be evaluated (timeout, connection refused, instance died).
    Error,
    /// The check never started (filtered out, cancelled, or a preflight stopped the run).
    Skip,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Error => "error",
            Status::Skip => "skip",
        }
    }
}

/// The assertions that did not hold, in order: what every report shows of a failure.
pub(crate) fn failed_assertions(assertions: &[Assertion]) -> impl Iterator<Item = &Assertion> {
    assertions.iter().filter(|a| !a.passed)
}

/// One property that was checked, with what was expected and what was seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub(crate) struct Assertion {
    pub property: String,
    pub expected: String,
    pub actual: String,
    pub passed: bool,
    /// A timing verdict (a duration, a latency percentile, a throughput): a busy machine
    /// can fail it, so a failure is measured again before it counts.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub timing: bool,
}

impl Assertion {
    pub(crate) fn new(
        property: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
        passed: bool,
    ) -> Self {
        Assertion {
            property: property.into(),
            expected: expected.into(),
            actual: actual.into(),
            passed,
            timing: false,
        }
    }

    /// An assertion on a timing verdict (see `timing`).
    pub(crate) fn timing(
        property: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
        passed: bool,
    ) -> Self {
        Assertion {
            timing: true,
            ..Assertion::new(property, expected, actual, passed)
        }
    }
}

/// A check that failed a timing verdict and then passed it when measured again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub(crate) struct Flaky {
    /// How the suite counts it.
    pub rule: FlakyRule,
    /// How many measurements failed before the one that passed.
    pub failed: u32,
    /// What the first measurement said.
    pub first_failure: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub(crate) struct CheckOutcome {
    pub status: Status,
    pub assertions: Vec<Assertion>,
    /// One-line summary: the first failed assertion, or why the check could not run.
    pub message: Option<String>,
    /// Unified diff of expected vs actual JSON, when an equality on a document failed.
    pub diff: Option<String>,
    /// What the check measured or concluded, shown even when it passes
    /// ("101 requests in 48ms: 100 accepted, 1 refused").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// For proportional checks, the fraction (0 to 1) that holds: a failed check then
    /// scores that much of its weight instead of nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proportion: Option<f64>,
    /// What a `load` check measured, for charts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub figures: Option<LoadFigures>,
    /// Findings at a place in the code (a linter's SARIF results), for annotations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    /// 1 + retries used.
    pub attempts: u32,
    /// How many times a failed timing verdict was measured, when more than once.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    #[schemars(default = "one")]
    pub measurements: u32,
    /// Set when a timing verdict failed, then passed when measured again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flaky: Option<Flaky>,
    #[serde(with = "secs")]
    #[schemars(with = "f64")]
    pub duration: Duration,
}

/// A `load` check's latency distribution and throughput.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub(crate) struct LoadFigures {
    pub requests: u64,
    pub errors: u64,
    pub rps: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// One finding of a linter at its file and line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub(crate) struct Finding {
    pub file: String,
    pub line: u64,
    pub rule: String,
    pub message: String,
}

impl CheckOutcome {
    /// The check's score out of 10: 10 for a pass, the proportion of a proportional
    /// failure, 0 for an error; none for a skip (it is not counted).
    pub(crate) fn score(&self) -> Option<f64> {
        match self.status {
            Status::Pass => Some(10.0),
            Status::Fail => Some(
                self.proportion
                    .map_or(0.0, |p| (p.clamp(0.0, 1.0) * 100.0).round() / 10.0),
            ),
            Status::Error => Some(0.0),
            Status::Skip => None,
        }
    }

    /// Marks the check proportional: `held` of `total` parts hold.
    pub(crate) fn proportional(mut self, held: usize, total: usize) -> CheckOutcome {
        if total > 0 {
            self.proportion = Some(held as f64 / total as f64);
        }
        self
    }

    /// Whether the check failed on timing verdicts only, so that measuring again could
    /// change it.
    pub(crate) fn failed_on_timing_only(&self) -> bool {
        self.status == Status::Fail
            && !self.assertions.is_empty()
            && failed_assertions(&self.assertions).all(|a| a.timing)
            && failed_assertions(&self.assertions).next().is_some()
    }

    /// Pass when every assertion held, Fail otherwise.
    pub(crate) fn from_assertions(
        assertions: Vec<Assertion>,
        diff: Option<String>,
    ) -> CheckOutcome {
        let failed: Vec<&Assertion> = failed_assertions(&assertions).collect();
        let message = failed.first().map(|a| {
            let more = if failed.len() > 1 {
                format!(" (and {} more)", failed.len() - 1)
            } else {
                String::new()
            };
            format!(
                "{}: expected {}, got {}{more}",
                a.property, a.expected, a.actual
            )
        });
        CheckOutcome {
            status: if failed.is_empty() {
                Status::Pass
            } else {
                Status::Fail
            },
            assertions,
            message,
            diff,
            note: None,
            proportion: None,
            figures: None,
            findings: Vec::new(),
            attempts: 1,
            measurements: 1,
            flaky: None,
            duration: Duration::ZERO,
        }
    }

    pub(crate) fn error(message: impl Into<String>) -> CheckOutcome {
        CheckOutcome::with_status(Status::Error, message)
    }

    pub(crate) fn skip(reason: impl Into<String>) -> CheckOutcome {
        CheckOutcome::with_status(Status::Skip, reason)
    }

    fn with_status(status: Status, message: impl Into<String>) -> CheckOutcome {
        CheckOutcome {
            status,
            assertions: Vec::new(),
            message: Some(message.into()),
            diff: None,
            note: None,
            proportion: None,
            figures: None,
            findings: Vec::new(),
            attempts: 1,
            measurements: 1,
            flaky: None,
            duration: Duration::ZERO,
        }
    }
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

/// Durations as fractional seconds in JSON.
pub(crate) mod secs {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub(crate) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64((d.as_secs_f64() * 1e6).round() / 1e6)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let v = f64::deserialize(d)?;
        Duration::try_from_secs_f64(v)
            .map(micros)
            .map_err(serde::de::Error::custom)
    }

    /// `d` to the whole microsecond, as a results file keeps it: a report rendered live and
    /// one rendered again from the results file then show the same figures.
    pub(crate) fn micros(d: Duration) -> Duration {
        let us = (d.as_secs_f64() * 1e6).round();
        if us.is_finite() && us >= 0.0 && us < u64::MAX as f64 {
            Duration::from_micros(us as u64)
        } else {
            d
        }
    }
}

#[cfg(test)]
mod tests {
    use super::secs;
    use std::time::Duration;

    /// A duration read back from a results file is the one the live report recorded (to the
    /// microsecond), so `harden report` renders the same figures as `harden check`: a float
    /// read back as 3.734999 ms once showed as 3.73ms where the live page said 3.74ms.
    #[test]
    fn a_duration_survives_the_results_file_to_the_microsecond() {
        for nanos in [
            3_735_400u64,
            3_734_999,
            1,
            999,
            1_000_500,
            86_400_000_000_123,
        ] {
            let d = Duration::from_nanos(nanos);
            let mut json = serde_json::Serializer::new(Vec::new());
            secs::serialize(&d, &mut json).unwrap();
            let text = String::from_utf8(json.into_inner()).unwrap();
            let back = secs::deserialize(&mut serde_json::Deserializer::from_str(&text)).unwrap();
            assert_eq!(back, secs::micros(d), "{nanos} ns as {text}");
            assert_eq!(
                crate::text::human_duration(back),
                crate::text::human_duration(secs::micros(d)),
                "{nanos} ns"
            );
        }
    }
}
