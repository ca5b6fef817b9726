//! The `health` kind's keys.

use super::super::*;

impl Validator<'_> {
    pub(in crate::suite::loader) fn health(
        &mut self,
        h: Spanned<raw::HealthRaw>,
        field: &str,
        known: &Known,
    ) -> Option<CheckKindSpec> {
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
        for (i, e) in h.endpoints.into_iter().enumerate() {
            let f = format!("{field}.endpoints[{i}]");
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
                    .hint = Some("use one of `healthy`, `degraded`, `unhealthy`".into());
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
        Some(CheckKindSpec::Health(HealthSpec { endpoints, within }))
    }
}
