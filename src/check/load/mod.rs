//! The `load` check kind: N requests (or a duration) at concurrency C, latencies in an HDR
//! histogram, thresholds on p50/p95/p99/max, error rate and throughput. The measured
//! figures are in every report, pass or fail.

use crate::check::context::CheckContext;
use crate::check::http::send;
use crate::check::outcome::{Assertion, CheckOutcome};
use crate::suite::{LoadAmount, LoadSpec};
use crate::text::human_duration;
use hdrhistogram::Histogram;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

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
    let client = match reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(spec.concurrency)
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            return CheckOutcome::error(format!(
                "cannot build the load client: {}",
                crate::reason::chain(&e)
            ));
        }
    };
    let cx = Arc::new(CheckContext {
        client,
        ..cx.clone()
    });
    let (limit, until) = match spec.amount {
        LoadAmount::Requests(n) => (n, None),
        LoadAmount::Duration(d) => (u64::MAX, Some(Instant::now() + d)),
    };
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..spec.concurrency {
        let (cx, next, spec, mut h) = (cx.clone(), next.clone(), spec.clone(), all.clone());
        workers.spawn(async move {
            let (mut sent, mut errors, mut first_error) = (0u64, 0u64, None);
            while next.fetch_add(1, Ordering::Relaxed) < limit
                && until.is_none_or(|u| Instant::now() < u)
            {
                let t = Instant::now();
                let r = send(&spec.request, &cx, &cx.scope).await;
                let _ = h.record((t.elapsed().as_micros() as u64).max(1));
                sent += 1;
                let failure = match r {
                    Ok(r) if spec.ok_status.matches(r.status) => None,
                    Ok(r) => Some(format!("status {}", r.status)),
                    Err(e) => Some(e),
                };
                if let Some(f) = failure {
                    errors += 1;
                    first_error.get_or_insert(f);
                }
            }
            (h, sent, errors, first_error)
        });
    }
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
            a.push(Assertion::new(
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
        a.push(Assertion::new(
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
