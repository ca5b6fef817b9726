//! The `rate-limit` verdicts, each way, on hand-made facts.

use super::*;
use crate::suite::{RequestExtra, RequestSpec, Target};

fn spec(limit: u64) -> RateLimitSpec {
    RateLimitSpec {
        request: RequestSpec::new(
            reqwest::Method::GET,
            Target::Path(Template::literal("/x")),
            RequestExtra::default(),
        ),
        limit,
        window: Duration::from_secs(60),
        refused_status: 429,
        tolerance: 0,
        concurrency: 2,
        require_retry_after: false,
        workers: 1,
        lower_bound: true,
        paced: None,
        policy: None,
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
        paced: Vec::new(),
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
        "refusal: expected a 429 once more than 2 requests arrive within 1m, got none of 3 refused (and 1 more)"
    );
}

#[test]
fn connection_errors_are_errors_not_refusals() {
    let o = evaluate(
        &spec(2),
        &facts(vec![
            resp(200, &[]),
            Probe::no_answer("connection failed"),
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
        quota(&r, Duration::from_secs(60), None),
        Some(Quota {
            family: "RateLimit (IETF)",
            limit: Some(100),
            remaining: Some(7),
            unmatched: None,
        })
    );
}

fn answered(p: Probe) -> Response {
    match p {
        Probe::Answered(r) => r,
        Probe::NoAnswer { .. } => unreachable!(),
    }
}

fn slow(status: u16, ms: u64) -> Probe {
    let mut r = answered(resp(status, &[]));
    r.duration = Duration::from_millis(ms);
    Probe::Answered(r)
}

fn ok_n(n: usize) -> Vec<Probe> {
    (0..n).map(|_| resp(200, &[])).collect()
}

/// Issue 21.1: four workers, each with its own counter: 4x the limit accepted.
#[test]
fn a_limit_counted_per_worker_fails_naming_the_cause() {
    let mut burst = ok_n(8);
    burst.extend((0..1).map(|_| resp(429, &[])));
    let o = evaluate(&spec(2), &facts(burst));
    assert_eq!(o.status, Status::Fail, "{o:#?}");
    let m = o.message.unwrap();
    assert!(
        m.starts_with("accepted: expected at most 2 of 9, got 8 accepted, 4.0× the limit"),
        "{m}"
    );
    assert!(m.contains("per worker process"), "{m}");
    assert!(m.contains("Redis"), "{m}");
    // Exactly the limit: passes.
    let mut burst = ok_n(2);
    burst.extend((0..7).map(|_| resp(429, &[])));
    assert_eq!(evaluate(&spec(2), &facts(burst)).status, Status::Pass);
}

#[test]
fn the_burst_reaches_every_expected_worker() {
    let mut s = spec(20);
    assert_eq!(s.burst_size(), 41, "at least two workers' worth");
    s.workers = 4;
    s.tolerance = 1;
    assert_eq!(s.burst_size(), 85);
}

/// Issue 21.2: 2 a minute where the contract says 20.
#[test]
fn a_limit_stricter_than_the_contract_fails_naming_the_early_refusal() {
    let mut burst = ok_n(2);
    burst.extend((0..39).map(|_| resp(429, &[])));
    let o = evaluate(&spec(20), &facts(burst));
    assert_eq!(o.status, Status::Fail, "{o:#?}");
    assert_eq!(
        o.message.unwrap(),
        "accepted before refusing: expected at least 20, got only 2 accepted: the 3rd answer (in completion order) was already a 429, where the contract allows 20 per 1m"
    );
    // Within the tolerance, and switched off: passes.
    let mut burst = ok_n(18);
    burst.extend((0..23).map(|_| resp(429, &[])));
    let mut tolerant = spec(20);
    tolerant.tolerance = 2;
    assert_eq!(evaluate(&tolerant, &facts(burst)).status, Status::Pass);
    let mut burst = ok_n(2);
    burst.extend((0..39).map(|_| resp(429, &[])));
    let mut off = spec(20);
    off.lower_bound = false;
    assert_eq!(evaluate(&off, &facts(burst)).status, Status::Pass);
}

/// Issue 21.3: nginx `limit_req` without `burst` at a rate far above the contract.
#[test]
fn a_paced_phase_without_a_refusal_fails() {
    let mut s = spec(1);
    s.paced = Some(crate::suite::Paced {
        requests: 4,
        interval: Duration::from_millis(500),
    });
    let burst = || vec![resp(200, &[]), resp(429, &[]), resp(429, &[])];
    let mut f = facts(burst());
    f.paced = ok_n(4);
    let o = evaluate(&s, &f);
    assert_eq!(o.status, Status::Fail, "{o:#?}");
    let m = o.message.unwrap();
    assert!(
        m.starts_with("paced at twice the rate: expected a 429 among 4 requests 500ms apart, got none refused (200, 200, 200, 200): the limit enforced is far above 1 per 1m"),
        "{m}"
    );
    let mut f = facts(burst());
    f.paced = vec![
        resp(429, &[]),
        resp(200, &[]),
        resp(429, &[]),
        resp(200, &[]),
    ];
    let o = evaluate(&s, &f);
    assert_eq!(o.status, Status::Pass, "{o:#?}");
    assert!(
        o.note
            .unwrap()
            .contains("; paced every 500ms: 429 200 429 200")
    );
}

fn with_remaining(status: u16, rem: u64) -> Probe {
    resp(
        status,
        &[
            ("x-ratelimit-limit", "3"),
            ("x-ratelimit-remaining", &rem.to_string()),
        ],
    )
}

/// Issue 21.4: a `Remaining` that never goes down.
#[test]
fn a_remaining_that_never_goes_down_fails() {
    let burst = vec![
        with_remaining(200, 2),
        with_remaining(200, 2),
        with_remaining(200, 2),
        with_remaining(429, 0),
    ];
    let o = evaluate(&spec(3), &facts(burst));
    assert_eq!(o.status, Status::Fail, "{o:#?}");
    assert_eq!(
        o.message.unwrap(),
        "remaining decreases: expected down to 0 or less after 3 accepted, got 2 on all 3 accepted answers"
    );
    // Counting down by one, read in any order: passes.
    let burst = vec![
        with_remaining(200, 1),
        with_remaining(200, 2),
        with_remaining(200, 0),
        with_remaining(429, 0),
    ];
    assert_eq!(evaluate(&spec(3), &facts(burst)).status, Status::Pass);
}

fn read(headers: &[(&str, &str)], name: Option<&str>) -> Option<Quota> {
    quota(&answered(resp(200, headers)), Duration::from_secs(60), name)
}

fn q(family: &'static str, limit: u64, remaining: u64) -> Option<Quota> {
    Some(Quota {
        family,
        limit: Some(limit),
        remaining: Some(remaining),
        unmatched: None,
    })
}

/// Issue 21.5: the policy is chosen by window (or name), in whatever order it comes.
#[test]
fn the_policy_is_chosen_by_window_or_name_in_any_order() {
    // Drafts 08 to 10.
    for policy in [
        "\"day\";q=1000;w=86400, \"minute\";q=20;w=60",
        "\"minute\";q=20;w=60, \"day\";q=1000;w=86400",
    ] {
        assert_eq!(
            read(
                &[
                    ("ratelimit-policy", policy),
                    ("ratelimit", "\"day\";r=990;t=3600, \"minute\";r=12;t=30"),
                ],
                None
            ),
            q("RateLimit (IETF)", 20, 12),
            "{policy}"
        );
    }
    let by_name = read(
        &[
            (
                "ratelimit-policy",
                "\"burst\";q=20;w=60, \"sustained\";q=100;w=60",
            ),
            ("ratelimit", "\"sustained\";r=80;t=30, \"burst\";r=5;t=30"),
        ],
        Some("sustained"),
    );
    assert_eq!(by_name, q("RateLimit (IETF)", 100, 80));
    // Draft 07.
    assert_eq!(
        read(
            &[
                ("ratelimit-policy", "1000;w=86400, 20;w=60"),
                ("ratelimit", "limit=20, remaining=7, reset=30"),
            ],
            None
        ),
        q("RateLimit (IETF)", 20, 7)
    );
    // Draft 06 (and, before draft 03, the policies inside RateLimit-Limit).
    assert_eq!(
        read(
            &[
                ("ratelimit-limit", "20"),
                ("ratelimit-remaining", "7"),
                ("ratelimit-reset", "30"),
                ("ratelimit-policy", "1000;w=86400, 20;w=60"),
            ],
            None
        ),
        q("RateLimit-*", 20, 7)
    );
    assert_eq!(
        read(
            &[
                ("ratelimit-limit", "1000, 1000;w=86400, 20;w=60"),
                ("ratelimit-remaining", "7"),
            ],
            None
        ),
        q("RateLimit-*", 20, 7)
    );
    // Envoy's draft-03 shape.
    assert_eq!(
        read(
            &[
                ("x-ratelimit-limit", "20, 1000;w=86400, 20;w=60"),
                ("x-ratelimit-remaining", "7"),
            ],
            None
        ),
        q("X-RateLimit-*", 20, 7)
    );
    // Several, none with the suite's window: said so.
    let none = read(
        &[
            (
                "ratelimit-policy",
                "\"day\";q=1000;w=86400, \"hour\";q=100;w=3600",
            ),
            ("ratelimit", "\"day\";r=990;t=3600"),
        ],
        None,
    )
    .unwrap();
    assert_eq!(
        none.unmatched.as_deref(),
        Some("no policy with w=60 among \"day\";q=1000;w=86400, \"hour\";q=100;w=3600")
    );
}

/// Issue 21.5, end to end: a healthy service sending the day policy first passes.
#[test]
fn a_healthy_service_with_several_policies_passes() {
    let h = |r: &str| {
        resp(
            200,
            &[
                (
                    "ratelimit-policy",
                    "\"day\";q=1000;w=86400, \"minute\";q=2;w=60",
                ),
                ("ratelimit", r),
            ],
        )
    };
    let burst = vec![
        h("\"day\";r=999;t=100, \"minute\";r=1;t=60"),
        h("\"day\";r=998;t=100, \"minute\";r=0;t=60"),
        resp(
            429,
            &[
                (
                    "ratelimit-policy",
                    "\"day\";q=1000;w=86400, \"minute\";q=2;w=60",
                ),
                ("ratelimit", "\"day\";r=998;t=100, \"minute\";r=0;t=60"),
            ],
        ),
    ];
    let o = evaluate(&spec(2), &facts(burst));
    assert_eq!(o.status, Status::Pass, "{o:#?}");
}

/// Issue 21.6: nginx `burst` without `nodelay` holds requests back.
#[test]
fn delayed_answers_are_reported_as_delays() {
    let mut burst = vec![
        slow(200, 5),
        slow(200, 1000),
        slow(200, 1500),
        slow(200, 2000),
    ];
    burst.extend((0..5).map(|_| slow(503, 3)));
    let mut s = spec(4);
    s.refused_status = 503;
    let o = evaluate(&s, &facts(burst));
    assert_eq!(o.status, Status::Fail, "{o:#?}");
    let m = o.message.unwrap();
    assert!(
        m.starts_with("the limiter delays (queues) instead of refusing: 3 of 4 accepted answers came 1.00s to 2.00s late"),
        "{m}"
    );
    // With timeouts it is still a delay, not a backlog error.
    let burst = vec![
        slow(200, 5),
        slow(200, 3000),
        Probe::NoAnswer {
            why: "timed out".into(),
            timed_out: true,
        },
        slow(429, 2),
    ];
    let o = evaluate(&spec(1), &facts(burst));
    assert_eq!(o.status, Status::Fail, "{o:#?}");
    assert!(
        o.message
            .unwrap()
            .contains("1 got none (timed out, or still queued when the probe stopped)")
    );
    // Answers all quick, or all held alike by a stall: no delay.
    let burst = vec![
        slow(200, 1100),
        slow(200, 1150),
        slow(200, 1200),
        slow(429, 2),
    ];
    assert_eq!(evaluate(&spec(3), &facts(burst)).status, Status::Pass);
    let burst = vec![slow(200, 20), slow(200, 30), slow(429, 2)];
    assert_eq!(evaluate(&spec(2), &facts(burst)).status, Status::Pass);
}

/// Issue 21.7: a 503 when a 429 is expected is neither accepted nor refused.
#[test]
fn unexpected_statuses_are_counted_apart() {
    let mut burst = ok_n(1);
    burst.extend((0..20).map(|_| resp(503, &[])));
    let o = evaluate(&spec(20), &facts(burst));
    assert_eq!(o.status, Status::Fail, "{o:#?}");
    assert!(
        o.message.as_deref().unwrap().starts_with(
            "refusal: expected a 429 once more than 20 requests arrive within 1m, got none of 21 refused (20 answered 503 ×20, not 429: if that is the limiter's refusal, set `expect-status`)"
        ),
        "{o:#?}"
    );
    assert!(
        o.note
            .unwrap()
            .contains("1 accepted, 0 refused, 20 other (503 ×20)")
    );
}
