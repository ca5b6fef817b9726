//! The `health` kind whole: its keys as written (`…Raw`, whose doc comments are the JSON
//! Schema), the validated spec the runner sees, and the validator between them.

use crate::suite::expect::{JsonAssertion, StatusMatcher};
use crate::suite::located::Spanned;
use crate::suite::shapes::{Any, StatusSchema};
use crate::suite::validator::{Known, Validator};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

/// Health endpoints and the state each must report.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct HealthRaw {
    pub endpoints: Vec<HealthEndpointRaw>,
    /// Keep polling until every endpoint reports its state, up to this long (default `5s`):
    /// a service may need a moment to notice a lost dependency.
    #[schemars(with = "Option<String>")]
    pub within: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct HealthEndpointRaw {
    #[schemars(with = "String")]
    pub path: Spanned<String>,
    /// `healthy` (2xx, status healthy/ok/ready/up), `degraded` (2xx, status degraded) or
    /// `unhealthy` (5xx, or status unhealthy/down/not ready/error).
    #[schemars(with = "String")]
    pub expect: Spanned<String>,
    /// Exact status code(s), when the state's default range is not precise enough.
    #[schemars(with = "Option<StatusSchema>")]
    pub status: Option<Any>,
    /// More JSONPath assertions on the body, as in `http.expect.json`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Value>")]
    pub fields: BTreeMap<String, Any>,
}

#[derive(Debug, Clone)]
pub(crate) struct HealthSpec {
    pub endpoints: Vec<HealthEndpoint>,
    pub within: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HealthState {
    Healthy,
    Degraded,
    Unhealthy,
}

impl HealthState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            HealthState::Healthy => "healthy",
            HealthState::Degraded => "degraded",
            HealthState::Unhealthy => "unhealthy",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct HealthEndpoint {
    pub path: String,
    pub state: HealthState,
    pub status: Option<StatusMatcher>,
    pub fields: Vec<JsonAssertion>,
}

impl Validator<'_> {
    pub(in crate::suite) fn health(
        &mut self,
        h: Spanned<HealthRaw>,
        field: &str,
        known: &Known,
    ) -> Option<HealthSpec> {
        let loc = h.referenced;
        let h = h.value;
        let within = self.duration(
            &h.within,
            &format!("{field}.within"),
            Duration::from_secs(5),
        );
        if h.endpoints.is_empty() {
            self.err(
                loc,
                field,
                "`endpoints` is empty: this check asserts nothing",
            );
            return None;
        }
        let mut endpoints = Vec::new();
        for (i, mut e) in h.endpoints.into_iter().enumerate() {
            let f = format!("{field}.endpoints[{i}]");
            self.expand_now(&mut e.path.value, e.path.referenced, &format!("{f}.path"));
            self.expand_now(
                &mut e.expect.value,
                e.expect.referenced,
                &format!("{f}.expect"),
            );
            if !e.path.value.starts_with('/') {
                self.err(
                    e.path.referenced,
                    &format!("{f}.path"),
                    format!("path `{}` must start with `/`", e.path.value),
                );
            }
            let state = match e.expect.value.as_str() {
                "healthy" => HealthState::Healthy,
                "degraded" => HealthState::Degraded,
                "unhealthy" => HealthState::Unhealthy,
                other => {
                    self.err(
                        e.expect.referenced,
                        &format!("{f}.expect"),
                        format!("unknown health state `{other}`"),
                    )
                    .hint = Some(crate::suggest::one_of(
                        other,
                        &["healthy", "degraded", "unhealthy"],
                    ));
                    continue;
                }
            };
            let status = e
                .status
                .as_ref()
                .map(|s| self.status(s, &format!("{f}.status")));
            let fields = self.json_assertions(&e.fields, &format!("{f}.fields"), known);
            endpoints.push(HealthEndpoint {
                path: e.path.value,
                state,
                status,
                fields,
            });
        }
        Some(HealthSpec { endpoints, within })
    }
}
