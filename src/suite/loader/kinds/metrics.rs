//! The `metrics` kind's keys.

use super::super::*;

impl Validator<'_> {
    pub(in crate::suite::loader) fn metrics(
        &mut self,
        m: Spanned<raw::MetricsRaw>,
        field: &str,
        known: &Known,
    ) -> Option<CheckKindSpec> {
        let m = m.value;
        let lint = match m.lint.as_ref().map(|l| l.value.as_str()) {
            None | Some("warn") => LintMode::Warn,
            Some("off") => LintMode::Off,
            Some("fail") => LintMode::Fail,
            Some(other) => {
                let at = m
                    .lint
                    .as_ref()
                    .map(|l| l.referenced)
                    .unwrap_or(Location::UNKNOWN);
                self.err(
                    at,
                    &format!("{field}.lint"),
                    format!("unknown lint mode `{other}`"),
                )
                .hint = Some("use one of `off`, `warn`, `fail`".into());
                LintMode::Warn
            }
        };
        let mut require = Vec::new();
        for (i, r) in m.require.into_iter().enumerate() {
            let kind = match &r.kind {
                None => None,
                Some(k) => match MetricType::parse(&k.value) {
                    Some(t) => Some(t),
                    None => {
                        self.err(
                            k.referenced,
                            &format!("{field}.require[{i}].type"),
                            format!("unknown metric type `{}`", k.value),
                        )
                        .hint = Some(
                            "use one of `counter`, `gauge`, `histogram`, `summary`, `untyped`, `info`, `stateset`, `gaugehistogram`"
                                .into(),
                        );
                        None
                    }
                },
            };
            require.push(MetricRequirement {
                name: r.name.value,
                kind,
                labels: r.labels,
            });
        }
        let mut increases = Vec::new();
        for (i, inc) in m.increases_after.into_iter().enumerate() {
            let f = format!("{field}.increases-after[{i}]");
            let action = match (inc.request, inc.steps) {
                (Some(req), None) => {
                    vec![self.step(&req, None, &Default::default(), None, &f, known)]
                }
                (None, Some(steps)) if !steps.is_empty() => {
                    self.steps(&steps, &format!("{f}.steps"), &mut known.clone())
                }
                _ => {
                    self.err(
                        inc.metric.referenced,
                        &f,
                        "set the action as either `request` or `steps`",
                    );
                    continue;
                }
            };
            increases.push(IncreaseSpec {
                metric: inc.metric.value,
                labels: inc.labels.into_iter().collect(),
                by: inc.by.unwrap_or(1.0),
                action,
            });
        }
        let format = match m.format.as_ref().map(|f| f.value.as_str()) {
            None => ExpositionFormat::Any,
            Some("classic") => ExpositionFormat::Classic,
            Some("openmetrics") => ExpositionFormat::OpenMetrics,
            Some(other) => {
                let at = m
                    .format
                    .as_ref()
                    .map(|f| f.referenced)
                    .unwrap_or(Location::UNKNOWN);
                self.err(
                    at,
                    &format!("{field}.format"),
                    format!("unknown format `{other}`"),
                )
                .hint = Some("use `openmetrics` or `classic`".into());
                ExpositionFormat::Any
            }
        };
        Some(CheckKindSpec::Metrics(MetricsSpec {
            path: m.path.unwrap_or_else(|| "/metrics".into()),
            require,
            lint,
            increases,
            format,
        }))
    }
}
