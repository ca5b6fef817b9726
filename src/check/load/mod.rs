//! The `load` check kind: N requests (or a duration) at concurrency C, latencies in an HDR
//! histogram, thresholds on p50/p95/p99/max, error rate and throughput. The measured
//! figures are in every report, pass or fail.

use crate::check::context::CheckContext;
use crate::check::outcome::{Assertion, CheckOutcome};
use crate::check::progress::{self, Progress};
use crate::suite::{LoadAmount, LoadSpec};
use crate::text::human_duration;
use hdrhistogram::Histogram;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use user::{Prepared, User};

mod user;

/// What one load run measured.
#[derive(Debug, Clone)]
pub(crate) struct Measured {
    pub sent: u64,
    pub errors: u64,
    /// First error, to say what went wrong.
    pub first_error: Option<String>,
    pub elapsed: Duration,
    pub p50: Duration,
    pub p95: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Measured {
    pub(crate) fn rps(&self) -> f64 {
        self.sent as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    pub(crate) fn error_rate(&self) -> f64 {
        if self.sent == 0 {
            0.0
        } else {
            self.errors as f64 / self.sent as f64
        }
    }
}

pub(crate) async fn run(spec: &LoadSpec, cx: &CheckContext) -> CheckOutcome {
    // Microseconds from 1 µs to 1 hour, 3 significant digits.
    let mut all = match Histogram::<u64>::new_with_bounds(1, 3_600_000_000, 3) {
        Ok(h) => h,
        Err(e) => return CheckOutcome::error(format!("cannot create the latency histogram: {e}")),
    };
    // The scope of a load check does not change while it runs: the request is built once.
    let built = match cx.build(&spec.request, &cx.scope) {
        Ok(b) => b,
        Err(e) => return CheckOutcome::error(e),
    };
    cx.activity.set(&built.label);
    let prepared = Arc::new(Prepared::new(cx.client.clone(), built.request, built.label));
    let (limit, until) = match spec.amount {
        LoadAmount::Requests(n) => (n, None),
        LoadAmount::Duration(d) => (u64::MAX, Some(Instant::now() + d)),
    };
    let body_limit = cx.limits.body;
    let next = Arc::new(AtomicU64::new(0));
    // Requests done, counted only for a live display.
    let done = Arc::new(AtomicU64::new(0));
    let total = (limit != u64::MAX).then_some(limit);
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..spec.concurrency {
        let (prepared, next, ok_status, mut h) = (
            prepared.clone(),
            next.clone(),
            spec.ok_status.clone(),
            all.clone(),
        );
        let (done, counting) = (done.clone(), cx.progress.is_live());
        workers.spawn(async move {
            let mut user = User::new(&prepared, body_limit);
            let (mut sent, mut errors, mut first_error) = (0u64, 0u64, None);
            while next.fetch_add(1, Ordering::Relaxed) < limit
                && until.is_none_or(|u| Instant::now() < u)
            {
                let t = Instant::now();
                let r = user.send().await;
                let _ = h.record((t.elapsed().as_micros() as u64).max(1));
                sent += 1;
                if counting {
                    done.fetch_add(1, Ordering::Relaxed);
                }
                let failure = match r {
                    Ok(status) if ok_status.matches(status) => None,
                    Ok(status) => Some(format!("status {status}")),
                    Err(e) => Some(e.to_string()),
                };
                if let Some(f) = failure {
                    errors += 1;
                    first_error.get_or_insert(f);
                }
            }
            (h, sent, errors, first_error)
        });
    }
    let joined = async {
        let (mut sent, mut errors, mut first_error) = (0, 0, None);
        while let Some(done) = workers.join_next().await {
            let Ok((h, s, e, f)) = done else { continue };
            let _ = all.add(&h);
            sent += s;
            errors += e;
            if first_error.is_none() {
                first_error = f;
            }
        }
        (sent, errors, first_error)
    };
    let now = || Progress::Requests {
        done: done.load(Ordering::Relaxed),
        total,
    };
    let (sent, errors, first_error) = progress::while_running(&cx.progress, now, joined).await;
    let q = |p: f64| Duration::from_micros(all.value_at_quantile(p));
    let m = Measured {
        sent,
        errors,
        first_error,
        elapsed: started.elapsed(),
        p50: q(0.50),
        p95: q(0.95),
        p99: q(0.99),
        max: Duration::from_micros(all.max()),
    };
    evaluate(spec, &m)
}

/// Pure: measured figures and thresholds -> outcome, with the figures as the note.
pub(crate) fn evaluate(spec: &LoadSpec, m: &Measured) -> CheckOutcome {
    let t = &spec.thresholds;
    let mut a = Vec::new();
    for (name, bound, got) in [
        ("p50", t.p50, m.p50),
        ("p95", t.p95, m.p95),
        ("p99", t.p99, m.p99),
        ("max", t.max, m.max),
    ] {
        if let Some(b) = bound {
            a.push(Assertion::timing(
                format!("latency {name}"),
                format!("<= {}", human_duration(b)),
                human_duration(got),
                got <= b,
            ));
        }
    }
    if let Some(rate) = t.error_rate {
        let actual = match &m.first_error {
            Some(e) if m.errors > 0 => format!(
                "{:.2}% ({} of {}; first: {e})",
                m.error_rate() * 100.0,
                m.errors,
                m.sent
            ),
            _ => format!("{:.2}%", m.error_rate() * 100.0),
        };
        a.push(Assertion::new(
            "error rate",
            format!("<= {}%", rate * 100.0),
            actual,
            m.error_rate() <= rate,
        ));
    }
    if let Some(min) = t.min_rps {
        a.push(Assertion::timing(
            "throughput",
            format!(">= {min} req/s"),
            format!("{:.0} req/s", m.rps()),
            m.rps() >= min,
        ));
    }
    let mut o = CheckOutcome::from_assertions(a, None);
    o.note = Some(format!(
        "{} requests at concurrency {} in {}: {:.0} req/s; p50 {}, p95 {}, p99 {}, max {}; {} errors",
        m.sent,
        spec.concurrency,
        human_duration(m.elapsed),
        m.rps(),
        human_duration(m.p50),
        human_duration(m.p95),
        human_duration(m.p99),
        human_duration(m.max),
        m.errors
    ));
    let ms = |d: Duration| (d.as_secs_f64() * 1e6).round() / 1e3;
    o.figures = Some(crate::check::outcome::LoadFigures {
        requests: m.sent,
        errors: m.errors,
        rps: (m.rps() * 10.0).round() / 10.0,
        p50_ms: ms(m.p50),
        p95_ms: ms(m.p95),
        p99_ms: ms(m.p99),
        max_ms: ms(m.max),
    });
    o
}
