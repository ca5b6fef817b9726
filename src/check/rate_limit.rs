//! The `rate-limit` check kind: a concurrent burst beyond the declared limit must be refused
//! inside the window, with a sane `Retry-After` and consistent quota headers, while a second
//! client is still served. Connection errors are reported apart from refusals: a small
//! listen backlog must never pass for rate limiting.

use crate::check::context::CheckContext;
use crate::check::outcome::{Assertion, CheckOutcome, Status};
use crate::http::Response;
use crate::suite::{RateLimitClients, RateLimitSpec, Template};
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One request of the probe: its answer, or why there was none.
#[derive(Debug, Clone)]
pub(crate) enum Probe {
    Answered(Response),
    NoAnswer(String),
}

/// What the probe observed.
#[derive(Debug)]
pub(crate) struct Facts {
    /// In completion order.
    pub burst: Vec<Probe>,
    pub elapsed: Duration,
    /// One more request from the first client, after the burst.
    pub follow_up: Probe,
    /// One request from the second client.
    pub second: Probe,
}

fn client(
    source: Option<std::net::Ipv4Addr>,
    concurrency: usize,
) -> Result<reqwest::Client, String> {
    // Connects are bounded generously (5 s): a full accept queue retransmits SYNs after
    // 1 s, and that is not a refusal.
    let mut b = crate::http::client_builder()
        .timeout(Duration::from_secs(15))
        .pool_max_idle_per_host(concurrency);
    if let Some(addr) = source {
        b = b.local_address(std::net::IpAddr::V4(addr));
    }
    b.build().map_err(|e| {
        format!(
            "cannot build the probe client: {}",
            crate::reason::chain(&e)
        )
    })
}

/// The context of one client: its own connection pool, source address or header value.
fn client_context(
    cx: &CheckContext,
    spec: &RateLimitSpec,
    which: usize,
) -> Result<CheckContext, String> {
    let mut c = cx.clone();
    match &spec.clients {
        RateLimitClients::Addresses(a, b) => {
            c.client = client(Some(if which == 0 { *a } else { *b }), spec.concurrency)?
        }
        RateLimitClients::Header(_) => {
            c.client = client(None, spec.concurrency)?;
            c.scope.captures.insert(
                "harden_client".into(),
                Value::String(format!("harden-probe-{}", ["a", "b"][which])),
            );
        }
    }
    Ok(c)
}

async fn one(spec: &RateLimitSpec, cx: &CheckContext) -> Probe {
    let mut req = spec.request.clone();
    if let RateLimitClients::Header(h) = &spec.clients {
        let mut headers = match req.headers.as_ref().map(|t| t.expand(&cx.scope)) {
            Some(Ok(Value::Object(m))) => m,
            _ => serde_json::Map::new(),
        };
        headers.insert(h.clone(), Value::String("${harden_client}".into()));
        req.headers = Template::new(Value::Object(headers)).ok();
    }
    match cx.send(&req, &cx.scope).await {
        Ok(r) => Probe::Answered(r),
        Err(e) => Probe::NoAnswer(e.to_string()),
    }
}

pub(crate) async fn run(spec: &RateLimitSpec, cx: &CheckContext) -> CheckOutcome {
    let (first, second) = match (client_context(cx, spec, 0), client_context(cx, spec, 1)) {
        (Ok(a), Ok(b)) => (Arc::new(a), b),
        (Err(e), _) | (_, Err(e)) => return CheckOutcome::error(e),
    };
    let total = (spec.limit + spec.tolerance + 1) as usize;
    let started = Instant::now();
    let permits = Arc::new(tokio::sync::Semaphore::new(spec.concurrency));
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..total {
        let (permits, cx, spec) = (permits.clone(), first.clone(), spec.clone());
        set.spawn(async move {
            let _permit = permits.acquire_owned().await;
            one(&spec, &cx).await
        });
    }
    let mut burst = Vec::with_capacity(total);
    while let Some(done) = set.join_next().await {
        burst.push(done.unwrap_or_else(|e| Probe::NoAnswer(format!("probe task failed: {e}"))));
    }
    let elapsed = started.elapsed();
    let follow_up = one(spec, &first).await;
    let second = one(spec, &second).await;
    evaluate(
        spec,
        &Facts {
            burst,
            elapsed,
            follow_up,
            second,
        },
    )
}

/// The quota header family a response uses, and its limit and remaining values.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Quota {
    pub family: &'static str,
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
}

/// Reads `RateLimit` + `RateLimit-Policy` (IETF), `RateLimit-Limit/-Remaining/-Reset`, or
/// `X-RateLimit-*`.
pub(crate) fn quota(r: &Response) -> Option<Quota> {
    let num = |name: &str| {
        r.header(name).and_then(|v| {
            v.split([',', ';'])
                .next()
                .and_then(|x| x.trim().parse().ok())
        })
    };
    if let Some(v) = r.header("ratelimit") {
        // `limit=100, remaining=0, reset=5` or structured `"default";r=0;t=5`.
        let param = |keys: &[&str], text: &str| {
            text.split([',', ';']).find_map(|kv| {
                let (k, v) = kv.trim().split_once('=')?;
                keys.contains(&k.trim())
                    .then(|| v.trim().trim_matches('"').parse().ok())
                    .flatten()
            })
        };
        let policy = r.header("ratelimit-policy").unwrap_or_default();
        let limit = param(&["limit", "q"], &v)
            .or_else(|| param(&["q"], &policy))
            .or_else(|| policy.split(';').next().and_then(|x| x.trim().parse().ok()));
        return Some(Quota {
            family: "RateLimit (IETF)",
            limit,
            remaining: param(&["remaining", "r"], &v),
        });
    }
    if r.header("ratelimit-limit").is_some() || r.header("ratelimit-remaining").is_some() {
        return Some(Quota {
            family: "RateLimit-*",
            limit: num("ratelimit-limit"),
            remaining: num("ratelimit-remaining"),
        });
    }
    if r.header("x-ratelimit-limit").is_some() || r.header("x-ratelimit-remaining").is_some() {
        return Some(Quota {
            family: "X-RateLimit-*",
            limit: num("x-ratelimit-limit"),
            remaining: num("x-ratelimit-remaining"),
        });
    }
    None
}

/// `Retry-After` in seconds: delay-seconds or an HTTP date.
fn retry_after(r: &Response) -> Option<f64> {
    let v = r.header("retry-after")?;
    if let Ok(secs) = v.trim().parse::<f64>() {
        return Some(secs);
    }
    let at = chrono::DateTime::parse_from_rfc2822(v.trim()).ok()?;
    Some((at.timestamp_millis() - chrono::Utc::now().timestamp_millis()) as f64 / 1000.0)
}

/// Pure: the probe's facts and the spec -> the outcome.
pub(crate) fn evaluate(spec: &RateLimitSpec, f: &Facts) -> CheckOutcome {
    let total = f.burst.len();
    let refused_status = spec.refused_status;
    let answered: Vec<&Response> = f
        .burst
        .iter()
        .filter_map(|p| {
            if let Probe::Answered(r) = p {
                Some(r)
            } else {
                None
            }
        })
        .collect();
    let refused: Vec<&Response> = answered
        .iter()
        .copied()
        .filter(|r| r.status == refused_status)
        .collect();
    let accepted = answered.len() - refused.len();
    let unanswered: Vec<&str> = f
        .burst
        .iter()
        .filter_map(|p| {
            if let Probe::NoAnswer(e) = p {
                Some(e.as_str())
            } else {
                None
            }
        })
        .collect();
    let mut a = Vec::new();
    a.push(Assertion::new(
        "burst",
        format!("{total} requests answered"),
        if unanswered.is_empty() {
            format!(
                "{total} answered in {}: {accepted} accepted, {} refused",
                crate::text::human_duration(f.elapsed),
                refused.len()
            )
        } else {
            format!(
                "{} of {total} got no answer (first: {})",
                unanswered.len(),
                unanswered[0]
            )
        },
        unanswered.is_empty(),
    ));
    if !unanswered.is_empty() {
        // Connection errors are not refusals: the limit could not be measured.
        let mut o = CheckOutcome::from_assertions(a, None);
        o.status = Status::Error;
        o.message = Some(format!(
            "{} of {total} burst requests got no answer, so the limit could not be measured (connection errors are not refusals; check the service's listen backlog)",
            unanswered.len()
        ));
        return o;
    }
    a.push(Assertion::new(
        "refusal",
        format!(
            "a {refused_status} once more than {} requests arrive within {}",
            spec.limit + spec.tolerance,
            humantime::format_duration(spec.window)
        ),
        if refused.is_empty() {
            format!("none of {total} refused")
        } else {
            format!("{} of {total} refused", refused.len())
        },
        !refused.is_empty() && accepted as u64 <= spec.limit + spec.tolerance,
    ));
    if !refused.is_empty() {
        // RFC 6585: a 429 MAY say when to retry. Absent is fine unless the suite requires
        // it; present, it must be a time inside the window.
        let window = spec.window.as_secs_f64();
        let values: Vec<Option<f64>> = refused.iter().map(|r| retry_after(r)).collect();
        let bad = values.iter().find(|v| match v {
            None => spec.require_retry_after,
            Some(s) => !(0.0..=window + 1.0).contains(s),
        });
        a.push(Assertion::new(
            "retry-after",
            if spec.require_retry_after {
                format!("present on every refusal, between 0 and {window}s")
            } else {
                format!("between 0 and {window}s where present")
            },
            match bad {
                None if values.iter().all(Option::is_none) => "absent".to_string(),
                None => format!(
                    "{}s",
                    values.iter().flatten().fold(0.0f64, |m, v| m.max(*v))
                ),
                Some(None) => "absent".to_string(),
                Some(Some(v)) => format!("{v}s"),
            },
            bad.is_none(),
        ));
    }
    let quotas: Vec<Quota> = answered.iter().filter_map(|r| quota(r)).collect();
    if let Some(first) = quotas.first() {
        let family = first.family;
        let limits: Vec<u64> = quotas.iter().filter_map(|q| q.limit).collect();
        let wrong_limit = limits.iter().find(|l| **l != spec.limit);
        a.push(Assertion::new(
            format!("quota headers ({family})"),
            format!("limit {}", spec.limit),
            match (wrong_limit, limits.first()) {
                (Some(l), _) => format!("limit {l}"),
                (None, Some(l)) => format!("limit {l}"),
                (None, None) => "no limit value".into(),
            },
            wrong_limit.is_none() && !limits.is_empty(),
        ));
        let on_refusal: Vec<u64> = refused
            .iter()
            .filter_map(|r| quota(r).and_then(|q| q.remaining))
            .collect();
        if !on_refusal.is_empty() {
            let max = on_refusal.iter().copied().max().unwrap_or(0);
            a.push(Assertion::new(
                "remaining on refusal",
                "0",
                max.to_string(),
                max == 0,
            ));
        }
        // `Remaining` can never exceed the limit. Nothing more is promised about it:
        // limiters report it in steps (slowapi repeats each value ten times), and
        // concurrent requests read it in any order, so repeats are not a reset.
        let over: Option<u64> = quotas
            .iter()
            .filter_map(|q| q.remaining.zip(q.limit.or(Some(spec.limit))))
            .filter(|(rem, lim)| rem > lim)
            .map(|(rem, _)| rem)
            .max();
        a.push(Assertion::new(
            "remaining",
            "never above the limit",
            match over {
                Some(r) => format!("{r}, above the limit"),
                None => "never above the limit".into(),
            },
            over.is_none(),
        ));
    }
    a.push(match &f.follow_up {
        Probe::Answered(r) => Assertion::new(
            "after the burst",
            format!("still {refused_status} inside the window"),
            r.status.to_string(),
            r.status == refused_status,
        ),
        Probe::NoAnswer(e) => Assertion::new(
            "after the burst",
            format!("still {refused_status} inside the window"),
            format!("no answer: {e}"),
            false,
        ),
    });
    let second = match &spec.clients {
        RateLimitClients::Addresses(_, b) => format!("second client ({b})"),
        RateLimitClients::Header(h) => format!("second client (other `{h}`)"),
    };
    a.push(match &f.second {
        Probe::Answered(r) => Assertion::new(
            second,
            "not throttled",
            r.status.to_string(),
            r.status != refused_status,
        ),
        Probe::NoAnswer(e) => {
            Assertion::new(second, "not throttled", format!("no answer: {e}"), false)
        }
    });
    let mut o = CheckOutcome::from_assertions(a, None);
    o.note = Some(format!(
        "{total} requests in {}: {accepted} accepted, {} refused{}",
        crate::text::human_duration(f.elapsed),
        refused.len(),
        quotas
            .first()
            .map(|q| format!("; quota headers {}", q.family))
            .unwrap_or_default()
    ));
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::{BodySpec, RequestSpec, Target};

    fn spec(limit: u64) -> RateLimitSpec {
        RateLimitSpec {
            request: RequestSpec {
                method: reqwest::Method::GET,
                target: Target::Path(Template::literal("/x")),
                headers: None,
                query: None,
                body: BodySpec::None,
                compressed: false,
            },
            limit,
            window: Duration::from_secs(60),
            refused_status: 429,
            tolerance: 0,
            concurrency: 2,
            require_retry_after: false,
            clients: RateLimitClients::Addresses(
                "127.0.0.2".parse().unwrap(),
                "127.0.0.3".parse().unwrap(),
            ),
        }
    }

    fn resp(status: u16, headers: &[(&str, &str)]) -> Probe {
        Probe::Answered(Response {
            raw: None,
            sent: String::new(),
            redactor: None,
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: String::new(),
            json: Default::default(),
            duration: Duration::ZERO,
        })
    }

    fn facts(burst: Vec<Probe>) -> Facts {
        Facts {
            burst,
            elapsed: Duration::from_millis(10),
            follow_up: resp(429, &[("retry-after", "30")]),
            second: resp(200, &[]),
        }
    }

    #[test]
    fn enforced_limit_passes() {
        let ok = |rem: &str| {
            resp(
                200,
                &[("x-ratelimit-limit", "2"), ("x-ratelimit-remaining", rem)],
            )
        };
        let no = resp(
            429,
            &[
                ("x-ratelimit-limit", "2"),
                ("x-ratelimit-remaining", "0"),
                ("retry-after", "42"),
            ],
        );
        let o = evaluate(&spec(2), &facts(vec![ok("1"), ok("0"), no]));
        assert_eq!(o.status, Status::Pass, "{o:#?}");
        assert!(
            o.assertions
                .iter()
                .any(|a| a.property == "quota headers (X-RateLimit-*)")
        );
    }

    #[test]
    fn no_refusal_fails() {
        let o = evaluate(
            &spec(2),
            &facts(vec![resp(200, &[]), resp(200, &[]), resp(200, &[])]),
        );
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.message.unwrap(),
            "refusal: expected a 429 once more than 2 requests arrive within 1m, got none of 3 refused"
        );
    }

    #[test]
    fn connection_errors_are_errors_not_refusals() {
        let o = evaluate(
            &spec(2),
            &facts(vec![
                resp(200, &[]),
                Probe::NoAnswer("connection failed".into()),
                resp(429, &[]),
            ]),
        );
        assert_eq!(o.status, Status::Error);
    }

    #[test]
    fn missing_retry_after_and_wrong_limit_fail() {
        let no = resp(
            429,
            &[("ratelimit-limit", "50"), ("ratelimit-remaining", "0")],
        );
        let o = evaluate(
            &spec(1),
            &facts(vec![resp(200, &[("ratelimit-limit", "50")]), no]),
        );
        let failed: Vec<&str> = crate::check::failed_assertions(&o.assertions)
            .map(|a| a.property.as_str())
            .collect();
        assert_eq!(failed, vec!["quota headers (RateLimit-*)"]);
    }

    /// slowapi (limits) reports `X-RateLimit-Remaining` in steps that repeat: 90 ten times,
    /// then 80, ... 0. Repeated values are not an increase.
    #[test]
    fn repeated_remaining_values_are_not_a_reset() {
        let limit = 100;
        let mut burst: Vec<Probe> = (0..limit)
            .map(|i| {
                let rem = (90 - (i / 10) * 10).max(0).to_string();
                resp(
                    200,
                    &[
                        ("x-ratelimit-limit", "100"),
                        ("x-ratelimit-remaining", &rem),
                    ],
                )
            })
            .collect();
        burst.push(resp(
            429,
            &[
                ("x-ratelimit-limit", "100"),
                ("x-ratelimit-remaining", "0"),
                ("retry-after", "59"),
            ],
        ));
        let o = evaluate(&spec(limit as u64), &facts(burst));
        assert_eq!(o.status, Status::Pass, "{o:#?}");
    }

    /// RFC 6585: a 429 MAY carry Retry-After; nginx `limit_req` sends none.
    #[test]
    fn retry_after_is_optional_unless_the_suite_requires_it() {
        let burst = || vec![resp(200, &[]), resp(200, &[]), resp(429, &[])];
        let o = evaluate(&spec(2), &facts(burst()));
        assert_eq!(o.status, Status::Pass, "{o:#?}");
        let mut strict = spec(2);
        strict.require_retry_after = true;
        let o = evaluate(&strict, &facts(burst()));
        assert_eq!(o.status, Status::Fail, "{o:#?}");
        // Present, it must make sense.
        let o = evaluate(
            &spec(2),
            &facts(vec![
                resp(200, &[]),
                resp(200, &[]),
                resp(429, &[("retry-after", "-5")]),
            ]),
        );
        assert_eq!(o.status, Status::Fail, "{o:#?}");
    }

    #[test]
    fn remaining_above_the_limit_fails() {
        let o = evaluate(
            &spec(2),
            &facts(vec![
                resp(
                    200,
                    &[("x-ratelimit-limit", "2"), ("x-ratelimit-remaining", "7")],
                ),
                resp(
                    200,
                    &[("x-ratelimit-limit", "2"), ("x-ratelimit-remaining", "0")],
                ),
                resp(
                    429,
                    &[("x-ratelimit-limit", "2"), ("x-ratelimit-remaining", "0")],
                ),
            ]),
        );
        assert_eq!(o.status, Status::Fail, "{o:#?}");
    }

    #[test]
    fn ietf_structured_header_is_read() {
        let Probe::Answered(r) = resp(
            200,
            &[
                ("ratelimit", "\"default\";r=7;t=30"),
                ("ratelimit-policy", "\"default\";q=100;w=60"),
            ],
        ) else {
            unreachable!()
        };
        assert_eq!(
            quota(&r),
            Some(Quota {
                family: "RateLimit (IETF)",
                limit: Some(100),
                remaining: Some(7)
            })
        );
    }
}
