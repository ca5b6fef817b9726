//! The check kinds, named once. Every place that names a kind matches on `CheckKind`
//! exhaustively, so a new kind does not compile until each of them says what it does
//! (ARCHITECTURE.md lists those places).

use crate::suite::severity::Severity;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum CheckKind {
    Http,
    Health,
    Dependency,
    RateLimit,
    Metrics,
    Logs,
    Security,
    Load,
    Code,
    Command,
    #[serde(rename = "openapi")]
    OpenApi,
}

impl CheckKind {
    /// Every kind, in the order the docs list them.
    pub(crate) const ALL: [CheckKind; 11] = [
        CheckKind::Http,
        CheckKind::Health,
        CheckKind::Dependency,
        CheckKind::RateLimit,
        CheckKind::Metrics,
        CheckKind::Logs,
        CheckKind::Security,
        CheckKind::Load,
        CheckKind::Code,
        CheckKind::Command,
        CheckKind::OpenApi,
    ];

    /// The key a suite writes, and the name every report shows.
    pub(crate) fn name(self) -> &'static str {
        match self {
            CheckKind::Http => "http",
            CheckKind::Health => "health",
            CheckKind::Dependency => "dependency",
            CheckKind::RateLimit => "rate-limit",
            CheckKind::Metrics => "metrics",
            CheckKind::Logs => "logs",
            CheckKind::Security => "security",
            CheckKind::Load => "load",
            CheckKind::Code => "code",
            CheckKind::Command => "command",
            CheckKind::OpenApi => "openapi",
        }
    }

    /// Default category and severity.
    pub(crate) fn defaults(self) -> (&'static str, Severity) {
        match self {
            CheckKind::Http => ("contract", Severity::Medium),
            CheckKind::Health => ("health", Severity::High),
            CheckKind::Dependency => ("dependencies", Severity::High),
            CheckKind::RateLimit => ("security", Severity::High),
            CheckKind::Metrics => ("observability", Severity::Medium),
            CheckKind::Logs => ("observability", Severity::Medium),
            CheckKind::Security => ("security", Severity::High),
            CheckKind::Load => ("performance", Severity::Medium),
            CheckKind::Code => ("hygiene", Severity::Low),
            CheckKind::Command => ("tests", Severity::High),
            CheckKind::OpenApi => ("contract", Severity::High),
        }
    }

    /// Whether the check talks to the service. The others run as a preflight, before
    /// anything is started.
    pub(crate) fn needs_service(self) -> bool {
        match self {
            CheckKind::Dependency | CheckKind::Code | CheckKind::Command => false,
            CheckKind::Http
            | CheckKind::Health
            | CheckKind::RateLimit
            | CheckKind::Metrics
            | CheckKind::Logs
            | CheckKind::Security
            | CheckKind::Load
            | CheckKind::OpenApi => true,
        }
    }

    /// Whether it runs with nothing else in flight unless the suite says otherwise: the
    /// probes that measure the service itself, or change what others see.
    pub(crate) fn exclusive_by_default(self) -> bool {
        match self {
            CheckKind::RateLimit | CheckKind::Load | CheckKind::OpenApi => true,
            CheckKind::Http
            | CheckKind::Health
            | CheckKind::Dependency
            | CheckKind::Metrics
            | CheckKind::Logs
            | CheckKind::Security
            | CheckKind::Code
            | CheckKind::Command => false,
        }
    }

    /// "`http`, `health`, ... or `openapi`", for hints.
    pub(crate) fn listed() -> String {
        let names: Vec<String> = CheckKind::ALL
            .iter()
            .map(|k| format!("`{}`", k.name()))
            .collect();
        match names.split_last() {
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        }
    }
}

impl std::fmt::Display for CheckKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_serde_and_all_is_complete() {
        for k in CheckKind::ALL {
            let json = serde_json::to_value(k).unwrap();
            assert_eq!(json, k.name(), "{k:?}");
            assert_eq!(serde_json::from_value::<CheckKind>(json).unwrap(), k);
        }
        // ALL holds every variant once: a new one must be added to it.
        let mut sorted = CheckKind::ALL.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), CheckKind::ALL.len());
    }
}
