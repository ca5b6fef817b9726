//! The `metrics` kind whole: its keys as written (`…Raw`, whose doc comments are the JSON
//! Schema), the validated spec the runner sees, and the validator between them.

use crate::suite::located::{Location, Spanned};
use crate::suite::request::{RequestRaw, StepRaw, StepSpec};
use crate::suite::validator::{Known, Validator};
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A metrics scrape.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct MetricsRaw {
    /// Default `/metrics`.
    pub path: Option<String>,
    /// Families that must be exposed.
    #[serde(default)]
    pub require: Vec<MetricRequireRaw>,
    /// promtool-style lint findings: `off`, `warn` (shown, default) or `fail`.
    #[schemars(with = "Option<String>")]
    pub lint: Option<Spanned<String>>,
    /// Counters that must grow after an action.
    #[serde(default)]
    pub increases_after: Vec<IncreaseRaw>,
    /// Which exposition format to ask for: `openmetrics` or `classic` (Prometheus text
    /// 0.0.4). Default: what Prometheus asks for (OpenMetrics first); either is accepted.
    #[schemars(with = "Option<String>")]
    pub format: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct MetricRequireRaw {
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// `counter`, `gauge`, `histogram`, `summary` or `untyped`.
    #[serde(rename = "type")]
    #[schemars(with = "Option<String>")]
    pub kind: Option<Spanned<String>>,
    /// Label names every sample must carry.
    #[serde(default)]
    pub labels: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct IncreaseRaw {
    /// Metric (sample) name; with `labels`, only matching series are summed.
    #[schemars(with = "String")]
    pub metric: Spanned<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Minimum growth (default 1).
    pub by: Option<f64>,
    /// The action: one request, or several steps.
    pub request: Option<RequestRaw>,
    pub steps: Option<Vec<StepRaw>>,
}

#[derive(Debug, Clone)]
pub(crate) struct MetricsSpec {
    pub path: String,
    pub require: Vec<MetricRequirement>,
    pub lint: LintMode,
    pub increases: Vec<IncreaseSpec>,
    pub format: ExpositionFormat,
}

/// The exposition format a `metrics` check asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExpositionFormat {
    /// As Prometheus asks: OpenMetrics first, the classic format accepted.
    Any,
    Classic,
    OpenMetrics,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LintMode {
    Off,
    Warn,
    Fail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MetricType {
    Counter,
    Gauge,
    Histogram,
    Summary,
    /// `untyped` in the classic format, `unknown` in OpenMetrics.
    Untyped,
    /// OpenMetrics only.
    Info,
    StateSet,
    GaugeHistogram,
}

impl MetricType {
    /// The names a suite may write (`unknown` is also read, as OpenMetrics' `untyped`).
    pub(crate) const NAMES: [&str; 8] = [
        "counter",
        "gauge",
        "histogram",
        "summary",
        "untyped",
        "info",
        "stateset",
        "gaugehistogram",
    ];

    pub(crate) fn parse(text: &str) -> Option<MetricType> {
        Some(match text {
            "counter" => MetricType::Counter,
            "gauge" => MetricType::Gauge,
            "histogram" => MetricType::Histogram,
            "summary" => MetricType::Summary,
            "untyped" | "unknown" => MetricType::Untyped,
            "info" => MetricType::Info,
            "stateset" => MetricType::StateSet,
            "gaugehistogram" => MetricType::GaugeHistogram,
            _ => return None,
        })
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
            MetricType::Histogram => "histogram",
            MetricType::Summary => "summary",
            MetricType::Untyped => "untyped",
            MetricType::Info => "info",
            MetricType::StateSet => "stateset",
            MetricType::GaugeHistogram => "gaugehistogram",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct MetricRequirement {
    pub name: String,
    pub kind: Option<MetricType>,
    pub labels: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct IncreaseSpec {
    pub metric: String,
    pub labels: Vec<(String, String)>,
    pub by: f64,
    pub action: Vec<StepSpec>,
}

impl Validator<'_> {
    pub(in crate::suite) fn metrics(
        &mut self,
        m: Spanned<MetricsRaw>,
        field: &str,
        known: &Known,
    ) -> Option<MetricsSpec> {
        let loc = m.referenced;
        let mut m = m.value;
        if let Some(p) = &mut m.path {
            self.expand_now(p, loc, &format!("{field}.path"));
        }
        for (name, t) in [("lint", &mut m.lint), ("format", &mut m.format)] {
            if let Some(t) = t {
                self.expand_now(&mut t.value, t.referenced, &format!("{field}.{name}"));
            }
        }
        for (i, r) in m.require.iter_mut().enumerate() {
            let f = format!("{field}.require[{i}]");
            self.expand_now(&mut r.name.value, r.name.referenced, &format!("{f}.name"));
            if let Some(k) = &mut r.kind {
                self.expand_now(&mut k.value, k.referenced, &format!("{f}.type"));
            }
            self.expand_all_now(&mut r.labels, r.name.referenced, &format!("{f}.labels"));
        }
        for (i, inc) in m.increases_after.iter_mut().enumerate() {
            let f = format!("{field}.increases-after[{i}]");
            let at = inc.metric.referenced;
            self.expand_now(&mut inc.metric.value, at, &format!("{f}.metric"));
            for (k, v) in inc.labels.iter_mut() {
                self.expand_now(v, at, &format!("{f}.labels.{k}"));
            }
        }
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
                .hint = Some(crate::suggest::one_of(other, &["off", "warn", "fail"]));
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
                        .hint = Some(crate::suggest::one_of(&k.value, &MetricType::NAMES));
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
                .hint = Some(crate::suggest::one_of(other, &["openmetrics", "classic"]));
                ExpositionFormat::Any
            }
        };
        Some(MetricsSpec {
            path: m.path.unwrap_or_else(|| "/metrics".into()),
            require,
            lint,
            increases,
            format,
        })
    }
}
