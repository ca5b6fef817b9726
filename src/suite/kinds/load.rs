//! The `load` kind whole: its keys as written (`…Raw`, whose doc comments are the JSON
//! Schema), the validated spec the runner sees, and the validator between them.

use crate::suite::expect::StatusMatcher;
use crate::suite::located::Spanned;
use crate::suite::request::{RequestRaw, RequestSpec};
use crate::suite::shapes::{Any, StatusSchema};
use crate::suite::validator::{Known, Validator};
use schemars::JsonSchema;
use serde::Deserialize;
use std::time::Duration;

/// A load run.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct LoadRaw {
    pub request: RequestRaw,
    /// Number of requests (default 1000 unless `duration` is set).
    pub requests: Option<u64>,
    /// Or send for this long.
    #[schemars(with = "Option<String>")]
    pub duration: Option<Spanned<String>>,
    /// Requests in flight (default 10).
    pub concurrency: Option<u64>,
    /// Statuses that count as served (default `200-399`); anything else is an error.
    #[schemars(with = "Option<StatusSchema>")]
    pub expect_status: Option<Any>,
    /// Upper bounds: `p50`, `p95`, `p99`, `max` (durations), `error-rate` (`1%`),
    /// and a lower bound `min-rps`.
    pub thresholds: LoadThresholdsRaw,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct LoadThresholdsRaw {
    #[schemars(with = "Option<String>")]
    pub p50: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    pub p95: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    pub p99: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    pub max: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    pub error_rate: Option<Spanned<String>>,
    pub min_rps: Option<f64>,
}

#[derive(Debug, Clone)]
pub(crate) struct LoadSpec {
    pub request: RequestSpec,
    pub amount: LoadAmount,
    pub concurrency: usize,
    pub ok_status: StatusMatcher,
    pub thresholds: LoadThresholds,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum LoadAmount {
    Requests(u64),
    Duration(Duration),
}

#[derive(Debug, Clone, Default)]
pub(crate) struct LoadThresholds {
    pub p50: Option<Duration>,
    pub p95: Option<Duration>,
    pub p99: Option<Duration>,
    pub max: Option<Duration>,
    /// 0.0 to 1.0.
    pub error_rate: Option<f64>,
    pub min_rps: Option<f64>,
}

impl Validator<'_> {
    pub(in crate::suite) fn load(
        &mut self,
        l: Spanned<LoadRaw>,
        field: &str,
        known: &Known,
    ) -> Option<LoadSpec> {
        let loc = l.referenced;
        let l = l.value;
        let request = self.request(&l.request, &format!("{field}.request"), known);
        let amount = match (l.requests, &l.duration) {
            (Some(_), Some(_)) => {
                self.err(loc, field, "set either `requests` or `duration`, not both");
                return None;
            }
            (Some(n), None) if (1..=1_000_000).contains(&n) => LoadAmount::Requests(n),
            (Some(n), None) => {
                self.err(
                    loc,
                    &format!("{field}.requests"),
                    format!("{n} requests is out of range (1 to 1000000)"),
                );
                return None;
            }
            (None, Some(_)) => LoadAmount::Duration(self.duration(
                &l.duration,
                &format!("{field}.duration"),
                Duration::from_secs(10),
            )),
            (None, None) => LoadAmount::Requests(1000),
        };
        let t = &l.thresholds;
        let mut dur = |d: &Option<Spanned<String>>, name: &str| {
            d.as_ref()
                .map(|_| self.duration(d, &format!("{field}.thresholds.{name}"), Duration::ZERO))
        };
        let thresholds = LoadThresholds {
            p50: dur(&t.p50, "p50"),
            p95: dur(&t.p95, "p95"),
            p99: dur(&t.p99, "p99"),
            max: dur(&t.max, "max"),
            error_rate: t
                .error_rate
                .as_ref()
                .and_then(|e| self.percent(e, &format!("{field}.thresholds.error-rate"))),
            min_rps: t.min_rps,
        };
        let th = &thresholds;
        if th.p50.is_none()
            && th.p95.is_none()
            && th.p99.is_none()
            && th.max.is_none()
            && th.error_rate.is_none()
            && th.min_rps.is_none()
        {
            self.err(
                loc,
                &format!("{field}.thresholds"),
                "no threshold: this check asserts nothing",
            )
            .hint = Some(
                "set at least one of `p50`, `p95`, `p99`, `max`, `error-rate`, `min-rps`".into(),
            );
            return None;
        }
        Some(LoadSpec {
            request,
            amount,
            concurrency: l.concurrency.unwrap_or(10).clamp(1, 1000) as usize,
            ok_status: match &l.expect_status {
                Some(s) => self.status(s, &format!("{field}.expect-status")),
                None => StatusMatcher::new(vec![(200, 399)], "200-399".into()),
            },
            thresholds,
        })
    }
}
