//! The `rate-limit` check kind: a concurrent burst beyond the declared limit, each request
//! on a fresh connection so that every worker of a multi-process server is reached, must be
//! refused inside the window but not before `limit - tolerance` were accepted, with a sane
//! `Retry-After` and consistent quota headers; requests paced at twice the documented rate
//! afterwards must meet a refusal; a second client is still served. Connection errors are
//! reported apart from refusals (a small listen backlog must never pass for rate limiting),
//! and answers the limiter delays instead of refusing are recognised.

mod quota;

pub(crate) use quota::{Quota, quota};

use crate::check::context::CheckContext;
use crate::check::outcome::{Assertion, CheckOutcome, Status};
use crate::http::{RequestError, Response, Transport};
use crate::suite::{RateLimitClients, RateLimitSpec, Template};
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long one request of the probe may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// An accepted answer this slow (and much slower than the fastest answer) was delayed.
const DELAYED: Duration = Duration::from_secs(1);

/// One request of the probe: its answer, or why there was none.
#[derive(Debug, Clone)]
pub(crate) enum Probe {
    Answered(Response),
    NoAnswer { why: String, timed_out: bool },
}

impl Probe {
    fn no_answer(why: impl Into<String>) -> Probe {
        Probe::NoAnswer {
            why: why.into(),
            timed_out: false,
        }
    }
}

/// What the probe observed.
#[derive(Debug)]
pub(crate) struct Facts {
    /// In completion order.
    pub burst: Vec<Probe>,
    pub elapsed: Duration,
    /// One more request from the first client, after the burst.
    pub follow_up: Probe,
    /// The paced phase, in order (empty when the spec has none).
    pub paced: Vec<Probe>,
    /// One request from the second client.
    pub second: Probe,
}

/// A client whose every request opens a fresh connection: a multi-process server hands
/// each connection to one worker, so kept-alive connections would all meet the same one.
fn client(source: Option<std::net::Ipv4Addr>) -> Result<reqwest::Client, String> {
    // Connects are bounded generously (5 s): a full accept queue retransmits SYNs after
    // 1 s, and that is not a refusal.
    let mut b = crate::http::client_builder()
        .timeout(REQUEST_TIMEOUT)
        .pool_max_idle_per_host(0);
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
            c.client = client(Some(if which == 0 { *a } else { *b }))?
        }
        RateLimitClients::Header(_) => {
            c.client = client(None)?;
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
        let mut headers = match req.headers().map(|t| t.expand(&cx.scope)) {
            Some(Ok(Value::Object(m))) => m,
            _ => serde_json::Map::new(),
        };
        headers.insert(h.clone(), Value::String("${harden_client}".into()));
        req.set_headers(Template::new(Value::Object(headers)).ok());
    }
    match cx.send(&req, &cx.scope).await {
        Ok(r) => Probe::Answered(r),
        Err(e) => Probe::NoAnswer {
            timed_out: matches!(
                e,
                RequestError::Transport {
                    kind: Transport::TimedOut,
                    ..
                }
            ),
            why: e.to_string(),
        },
    }
}

pub(crate) async fn run(spec: &RateLimitSpec, cx: &CheckContext) -> CheckOutcome {
    let (first, second) = match (client_context(cx, spec, 0), client_context(cx, spec, 1)) {
        (Ok(a), Ok(b)) => (Arc::new(a), b),
        (Err(e), _) | (_, Err(e)) => return CheckOutcome::error(e),
    };
    let total = spec.burst_size();
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
        let probe = match done {
            Ok(p) => p,
            // Abandoned below: the limiter was holding it back.
            Err(e) if e.is_cancelled() => Probe::NoAnswer {
                why: "abandoned while the limiter delayed answers".into(),
                timed_out: true,
            },
            Err(e) => Probe::no_answer(format!("probe task failed: {e}")),
        };
        let slow = matches!(&probe, Probe::Answered(r) if r.duration >= DELAYED);
        burst.push(probe);
        // A limiter that queues keeps taking requests without refusing any: once its
        // delays are plain, waiting for the rest would only wait out its queue.
        if slow && delays(spec, &burst).is_some() {
            set.abort_all();
        }
    }
    let elapsed = started.elapsed();
    if delays(spec, &burst).is_some() {
        let skipped = || Probe::no_answer("not sent: the limiter delays answers");
        return evaluate(
            spec,
            &Facts {
                burst,
                elapsed,
                follow_up: skipped(),
                paced: Vec::new(),
                second: skipped(),
            },
        );
    }
    let follow_up = one(spec, &first).await;
    let mut paced = Vec::new();
    if let Some(p) = spec.paced {
        let start = tokio::time::Instant::now();
        for i in 1..=p.requests as u32 {
            tokio::time::sleep_until(start + p.interval * i).await;
            paced.push(one(spec, &first).await);
        }
    }
    let second = one(spec, &second).await;
    evaluate(
        spec,
        &Facts {
            burst,
            elapsed,
            follow_up,
            paced,
            second,
        },
    )
}

/// What a status says about the limiter.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Class {
    /// Let through (the service answered, even 404).
    Accepted,
    /// The suite's refusal status.
    Refused,
    /// A 5xx, or a 429 when the suite expects another refusal status.
    Other,
}

fn class(spec: &RateLimitSpec, status: u16) -> Class {
    if status == spec.refused_status {
        Class::Refused
    } else if status >= 500 || status == 429 {
        Class::Other
    } else {
        Class::Accepted
    }
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

/// "503 ×20, 500 ×1": the statuses of `rs`, most frequent first.
pub(crate) fn tally(rs: &[&Response]) -> String {
    let mut counts: Vec<(u16, usize)> = Vec::new();
    for r in rs {
        match counts.iter_mut().find(|(s, _)| *s == r.status) {
            Some((_, n)) => *n += 1,
            None => counts.push((r.status, 1)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    counts
        .iter()
        .map(|(s, n)| format!("{s} ×{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What [`delayed`] finds in a burst.
fn delays(spec: &RateLimitSpec, burst: &[Probe]) -> Option<String> {
    let answered: Vec<&Response> = burst
        .iter()
        .filter_map(|p| match p {
            Probe::Answered(r) => Some(r),
            Probe::NoAnswer { .. } => None,
        })
        .collect();
    let accepted: Vec<&Response> = answered
        .iter()
        .copied()
        .filter(|r| class(spec, r.status) == Class::Accepted)
        .collect();
    let timeouts = burst
        .iter()
        .filter(|p| {
            matches!(
                p,
                Probe::NoAnswer {
                    timed_out: true,
                    ..
                }
            )
        })
        .count();
    delayed(&accepted, &answered, timeouts)
}

/// Accepted answers the limiter held back instead of refusing (nginx `burst` without
/// `nodelay`): slow both absolutely and against the fastest answer, and either several
/// of them, released one after another (their times spread over a quarter of the slowest
/// or more, unlike a stall that holds them all alike), or alongside requests that timed
/// out. `None` when nothing was delayed.
fn delayed(accepted: &[&Response], answered: &[&Response], timeouts: usize) -> Option<String> {
    // Against the fastest answer: while a queue fills, most answers are the slow ones.
    let fastest_answer = answered
        .iter()
        .map(|r| r.duration)
        .min()
        .unwrap_or_default();
    let threshold = DELAYED.max(fastest_answer * 5);
    let slow: Vec<Duration> = accepted
        .iter()
        .map(|r| r.duration)
        .filter(|d| *d >= threshold)
        .collect();
    let (fastest, slowest) = (
        slow.iter().min().copied().unwrap_or_default(),
        slow.iter().max().copied().unwrap_or_default(),
    );
    let spread = (slowest - fastest) * 4 >= slowest;
    let several = slow.len() >= 2 && slow.len() * 5 >= accepted.len() && spread;
    if !(several || (!slow.is_empty() && timeouts > 0)) {
        return None;
    }
    Some(format!(
        "{} of {} accepted answers came {} to {} late (the fastest in {}){}",
        slow.len(),
        accepted.len(),
        crate::text::human_duration(fastest),
        crate::text::human_duration(slowest),
        crate::text::human_duration(fastest_answer),
        if timeouts > 0 {
            format!(", {timeouts} got none (timed out, or still queued when the probe stopped)")
        } else {
            String::new()
        }
    ))
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// Pure: the probe's facts and the spec -> the outcome.
pub(crate) fn evaluate(spec: &RateLimitSpec, f: &Facts) -> CheckOutcome {
    let total = f.burst.len();
    let refused_status = spec.refused_status;
    let most = spec.limit + spec.tolerance;
    let answered: Vec<&Response> = f
        .burst
        .iter()
        .filter_map(|p| match p {
            Probe::Answered(r) => Some(r),
            Probe::NoAnswer { .. } => None,
        })
        .collect();
    let of = |c: Class| -> Vec<&Response> {
        answered
            .iter()
            .copied()
            .filter(|r| class(spec, r.status) == c)
            .collect()
    };
    let (accepted, refused, other) = (of(Class::Accepted), of(Class::Refused), of(Class::Other));
    let unanswered: Vec<&str> = f
        .burst
        .iter()
        .filter_map(|p| match p {
            Probe::NoAnswer { why, .. } => Some(why.as_str()),
            Probe::Answered(_) => None,
        })
        .collect();
    let counts = format!(
        "{} accepted, {} refused{}",
        accepted.len(),
        refused.len(),
        if other.is_empty() {
            String::new()
        } else {
            format!(", {} other ({})", other.len(), tally(&other))
        }
    );
    let mut a = Vec::new();
    a.push(Assertion::new(
        "burst",
        format!("{total} requests answered"),
        if unanswered.is_empty() {
            format!(
                "{total} answered in {}: {counts}",
                crate::text::human_duration(f.elapsed),
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
    if let Some(what) = delays(spec, &f.burst) {
        a.push(Assertion::new(
            "delays",
            "a refusal at once once the limit is spent",
            what.clone(),
            false,
        ));
        let mut o = CheckOutcome::from_assertions(a, None);
        o.message = Some(format!(
            "the limiter delays (queues) instead of refusing: {what} (nginx `limit_req` with `burst` but without `nodelay` does this; add `nodelay`)"
        ));
        return o;
    }
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
            "a {refused_status} once more than {most} requests arrive within {}",
            humantime::format_duration(spec.window)
        ),
        match (refused.is_empty(), other.is_empty()) {
            (true, true) => format!("none of {total} refused"),
            (true, false) => format!(
                "none of {total} refused ({} answered {}, not {refused_status}: if that is the limiter's refusal, set `expect-status`)",
                other.len(),
                tally(&other)
            ),
            (false, _) => format!("{} of {total} refused", refused.len()),
        },
        !refused.is_empty(),
    ));
    let over = accepted.len() as u64 > most;
    a.push(Assertion::new(
        "accepted",
        format!("at most {most} of {total}"),
        if over && !refused.is_empty() {
            format!(
                "{} accepted, {:.1}× the limit, before the rest were refused: the limit looks counted per worker process (each worker of a multi-process server keeps its own in-memory counter, as slowapi or Flask-Limiter with `memory://` storage under `uvicorn --workers` or `gunicorn -w` do); use a storage the workers share, such as Redis",
                accepted.len(),
                accepted.len() as f64 / spec.limit as f64
            )
        } else {
            format!("{} accepted", accepted.len())
        },
        !over,
    ));
    if spec.lower_bound {
        let least = spec.limit.saturating_sub(spec.tolerance);
        let first_refusal = f.burst.iter().position(
            |p| matches!(p, Probe::Answered(r) if class(spec, r.status) != Class::Accepted),
        );
        let short = (accepted.len() as u64) < least;
        a.push(Assertion::new(
            "accepted before refusing",
            format!("at least {least}"),
            match first_refusal {
                Some(i) if short => format!(
                    "only {} accepted: the {} answer (in completion order) was already a {}, where the contract allows {} per {}",
                    accepted.len(),
                    ordinal(i + 1),
                    match &f.burst[i] {
                        Probe::Answered(r) => r.status,
                        Probe::NoAnswer { .. } => 0,
                    },
                    spec.limit,
                    humantime::format_duration(spec.window)
                ),
                _ => format!("{} accepted", accepted.len()),
            },
            !short,
        ));
    }
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
    let read = |r: &Response| quota(r, spec.window, spec.policy.as_deref());
    let quotas: Vec<Quota> = answered.iter().filter_map(|r| read(r)).collect();
    if let Some(first) = quotas.first() {
        let family = first.family;
        let unmatched = quotas.iter().find_map(|q| q.unmatched.clone());
        let limits: Vec<u64> = quotas.iter().filter_map(|q| q.limit).collect();
        let wrong_limit = limits.iter().find(|l| **l != spec.limit);
        a.push(Assertion::new(
            format!("quota headers ({family})"),
            format!("limit {}", spec.limit),
            match (&unmatched, wrong_limit, limits.first()) {
                (Some(u), _, _) => u.clone(),
                (None, Some(l), _) => format!("limit {l}"),
                (None, None, Some(l)) => format!("limit {l}"),
                (None, None, None) => "no limit value".into(),
            },
            unmatched.is_none() && wrong_limit.is_none() && !limits.is_empty(),
        ));
        let on_refusal: Vec<u64> = refused
            .iter()
            .filter_map(|r| read(r).and_then(|q| q.remaining))
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
        // `Remaining` can never exceed the limit, and it must go down as requests are
        // accepted: after n accepted, the lowest value seen is at most `limit - n`
        // (plus the tolerance). Concurrent requests read it in any order, so only the
        // lowest value is compared.
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
        let on_accepted: Vec<(u64, u64)> = accepted
            .iter()
            .filter_map(|r| read(r))
            .filter_map(|q| q.remaining.zip(q.limit.or(Some(spec.limit))))
            .collect();
        if on_accepted.len() >= 2 {
            let n = on_accepted.len() as u64;
            let lowest = on_accepted.iter().map(|(r, _)| *r).min().unwrap_or(0);
            let highest = on_accepted.iter().map(|(r, _)| *r).max().unwrap_or(0);
            let limit = on_accepted
                .iter()
                .map(|(_, l)| *l)
                .max()
                .unwrap_or(spec.limit);
            let floor = limit.saturating_sub(n) + spec.tolerance;
            a.push(Assertion::new(
                "remaining decreases",
                format!("down to {floor} or less after {n} accepted"),
                if lowest == highest {
                    format!("{lowest} on all {n} accepted answers")
                } else {
                    format!("down only to {lowest} after {n} accepted")
                },
                lowest <= floor,
            ));
        }
    }
    a.push(match &f.follow_up {
        Probe::Answered(r) => Assertion::new(
            "after the burst",
            format!("still {refused_status} inside the window"),
            r.status.to_string(),
            r.status == refused_status,
        ),
        Probe::NoAnswer { why, .. } => Assertion::new(
            "after the burst",
            format!("still {refused_status} inside the window"),
            format!("no answer: {why}"),
            false,
        ),
    });
    let paced_note = spec.paced.filter(|_| !f.paced.is_empty()).map(|p| {
        let statuses: Vec<String> = f
            .paced
            .iter()
            .map(|p| match p {
                Probe::Answered(r) => r.status.to_string(),
                Probe::NoAnswer { .. } => "no answer".into(),
            })
            .collect();
        let refusals = f
            .paced
            .iter()
            .filter(|p| matches!(p, Probe::Answered(r) if r.status == refused_status))
            .count();
        let silent = f
            .paced
            .iter()
            .find_map(|p| match p {
                Probe::NoAnswer { why, .. } => Some(why.clone()),
                Probe::Answered(_) => None,
            });
        let interval = crate::text::human_duration(p.interval);
        a.push(Assertion::new(
            "paced at twice the rate",
            format!(
                "a {refused_status} among {} requests {interval} apart",
                f.paced.len()
            ),
            match (&silent, refusals) {
                (Some(why), _) => format!("no answer: {why}"),
                (None, 0) => format!(
                    "none refused ({}): the limit enforced is far above {} per {} (nginx `limit_req` without `burst` admits one request per 1/`rate`, so a burst alone cannot tell)",
                    statuses.join(", "),
                    spec.limit,
                    humantime::format_duration(spec.window)
                ),
                (None, k) => format!("{k} of {} refused", f.paced.len()),
            },
            silent.is_none() && refusals > 0,
        ));
        format!("; paced every {interval}: {}", statuses.join(" "))
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
            class(spec, r.status) == Class::Accepted,
        ),
        Probe::NoAnswer { why, .. } => {
            Assertion::new(second, "not throttled", format!("no answer: {why}"), false)
        }
    });
    let mut o = CheckOutcome::from_assertions(a, None);
    o.note = Some(format!(
        "{total} requests in {}: {counts}{}{}",
        crate::text::human_duration(f.elapsed),
        paced_note.unwrap_or_default(),
        quotas
            .first()
            .map(|q| format!("; quota headers {}", q.family))
            .unwrap_or_default()
    ));
    o
}

#[cfg(test)]
mod tests;
