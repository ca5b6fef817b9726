//! Timing verdicts on a busy machine (`timing:`): how many times a failed duration,
//! latency percentile or throughput is measured again, and how a check that then passes
//! counts.

use serde::{Deserialize, Serialize};

/// The suite's `timing:` settings, copied to each of its checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimingSpec {
    /// Measurements after the first when a check fails on timing verdicts only.
    pub remeasure: u32,
    pub flaky: FlakyRule,
}

/// Measurements after the first, unless the suite says otherwise.
pub(crate) const DEFAULT_REMEASURE: u32 = 2;
/// The most a suite may ask for: each one repeats the whole check.
pub(crate) const MAX_REMEASURE: u32 = 5;

impl Default for TimingSpec {
    fn default() -> TimingSpec {
        TimingSpec {
            remeasure: DEFAULT_REMEASURE,
            flaky: FlakyRule::default(),
        }
    }
}

/// How a check that failed a timing verdict, then passed it when measured again, counts
/// (a suite's `timing: { flaky: … }`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub(crate) enum FlakyRule {
    /// As a pass, marked flaky.
    Pass,
    /// As a pass, marked flaky and shown as a warning.
    #[default]
    Warn,
    /// As a failure.
    Fail,
}

impl FlakyRule {
    pub(crate) const NAMES: [&'static str; 3] = ["pass", "warn", "fail"];

    pub(crate) fn parse(text: &str) -> Option<FlakyRule> {
        match text {
            "pass" => Some(FlakyRule::Pass),
            "warn" => Some(FlakyRule::Warn),
            "fail" => Some(FlakyRule::Fail),
            _ => None,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            FlakyRule::Pass => "pass",
            FlakyRule::Warn => "warn",
            FlakyRule::Fail => "fail",
        }
    }
}
