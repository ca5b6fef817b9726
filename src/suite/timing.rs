//! Timing verdicts on a busy machine (`timing:`): how many times a failed duration,
//! latency percentile or throughput is measured again, and how a check that then passes
//! counts.

use crate::suite::located::{Location, Spanned};
use crate::suite::validator::Validator;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How failed timing verdicts are measured again, and how a check that then passes counts.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct TimingRaw {
    /// Measurements after the first when a check fails on timing verdicts only (0 to 5,
    /// default 2; 0 counts the first measurement). Each repeats the whole check.
    pub remeasure: Option<u32>,
    /// How a check that failed, then passed when measured again, counts: `pass`, `warn`
    /// (the default: a pass shown as a warning) or `fail`.
    #[schemars(with = "Option<String>")]
    pub flaky: Option<Spanned<String>>,
}

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

impl Validator<'_> {
    pub(in crate::suite) fn timing(&mut self, raw: Option<TimingRaw>, at: Location) -> TimingSpec {
        let mut timing = TimingSpec::default();
        let Some(raw) = raw else { return timing };
        if let Some(n) = raw.remeasure {
            if n > crate::suite::MAX_REMEASURE {
                self.err(
                    at,
                    "timing.remeasure",
                    format!(
                        "`remeasure: {n}` is more than {}",
                        crate::suite::MAX_REMEASURE
                    ),
                )
                .hint =
                    Some("each measurement repeats the whole check; 2 is usually enough".into());
            }
            timing.remeasure = n.min(crate::suite::MAX_REMEASURE);
        }
        if let Some(mut rule) = raw.flaky {
            self.expand_now(&mut rule.value, rule.referenced, "timing.flaky");
            match FlakyRule::parse(&rule.value) {
                Some(r) => timing.flaky = r,
                None => {
                    self.err(
                        rule.referenced,
                        "timing.flaky",
                        format!("unknown rule `{}`", rule.value),
                    )
                    .hint = Some(crate::suggest::one_of(&rule.value, &FlakyRule::NAMES));
                }
            }
        }
        timing
    }
}
