//! The `load` kind's keys (a load probe; not to be confused with loading the suite).

use super::super::*;

impl Validator<'_> {
    pub(in crate::suite::loader) fn load(
        &mut self,
        l: Spanned<raw::LoadRaw>,
        field: &str,
        known: &Known,
    ) -> Option<CheckKindSpec> {
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
        Some(CheckKindSpec::Load(Box::new(LoadSpec {
            request,
            amount,
            concurrency: l.concurrency.unwrap_or(10).clamp(1, 1000) as usize,
            ok_status: match &l.expect_status {
                Some(s) => self.status(s, &format!("{field}.expect-status")),
                None => StatusMatcher {
                    ranges: vec![(200, 399)],
                    text: "200-399".into(),
                },
            },
            thresholds,
        })))
    }
}
