//! How far a long check has got while it runs (requests done of a load, the step running,
//! the requests an `openapi` check has sent), for a live display to show. A check reports
//! through the `ProgressSink` in its context and never learns who listens: without a live
//! display the sink is silent and reporting costs one branch.

use std::sync::Arc;
use std::time::Duration;

/// How often a check's counts are passed on: a display redraws a few times a second, and
/// each report is an event through the run's one funnel.
const EVERY: Duration = Duration::from_millis(200);

/// How far a check (or the suite's `setup`) has got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Progress {
    /// Requests a load check has done, of how many when a count (not a duration) bounds it.
    Requests { done: u64, total: Option<u64> },
    /// The step running of `of`, numbered from 1, and its request (`POST /login`, secrets
    /// masked as the request was built).
    Step {
        number: usize,
        of: usize,
        request: String,
    },
    /// Requests an `openapi` check has sent so far.
    Sent { requests: u64 },
}

impl Progress {
    /// `1,234/5,000 requests`, `step 2/4: POST /login`, `310 requests sent`.
    pub(crate) fn describe(&self) -> String {
        match self {
            Progress::Requests {
                done,
                total: Some(t),
            } => format!("{}/{} requests", thousands(*done), thousands(*t)),
            Progress::Requests { done, total: None } => format!("{} requests", thousands(*done)),
            Progress::Step {
                number,
                of,
                request,
            } => format!("step {number}/{of}: {request}"),
            Progress::Sent { requests } => format!("{} requests sent", thousands(*requests)),
        }
    }
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Who is told of progress, and which check (by its place in the suite; `None` for the
/// suite's `setup`) it is about.
type Report = Arc<dyn Fn(Option<usize>, Progress) + Send + Sync>;

/// Where a check reports its progress. The default is silent.
#[derive(Clone, Default)]
pub(crate) struct ProgressSink {
    live: Option<(Report, Option<usize>)>,
}

impl ProgressSink {
    /// A sink passing each report to `report`, with the check it is about.
    pub(crate) fn new(report: impl Fn(Option<usize>, Progress) + Send + Sync + 'static) -> Self {
        ProgressSink {
            live: Some((Arc::new(report), None)),
        }
    }

    /// The same sink, its reports about the check at `index` (`None`: the suite's setup).
    pub(crate) fn about(&self, index: Option<usize>) -> Self {
        ProgressSink {
            live: self.live.as_ref().map(|(r, _)| (r.clone(), index)),
        }
    }

    /// Whether anyone listens: a check counts only then.
    pub(crate) fn is_live(&self) -> bool {
        self.live.is_some()
    }

    /// Reports a change that happens rarely (a new step) at once.
    pub(crate) fn report(&self, progress: Progress) {
        if let Some((report, index)) = &self.live {
            report(*index, progress);
        }
    }
}

/// Awaits `work`, reporting `now()` every `EVERY` while it runs, when it changed: a count
/// that many tasks bump (a shared atomic) is read here, so the count shown is exact and
/// the tasks never wait on a report.
pub(crate) async fn while_running<T>(
    sink: &ProgressSink,
    now: impl Fn() -> Progress,
    work: impl Future<Output = T>,
) -> T {
    if !sink.is_live() {
        return work.await;
    }
    tokio::pin!(work);
    let mut every = tokio::time::interval_at(tokio::time::Instant::now() + EVERY, EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last = None;
    loop {
        tokio::select! {
            done = &mut work => return done,
            _ = every.tick() => {
                let p = now();
                if last.as_ref() != Some(&p) {
                    sink.report(p.clone());
                    last = Some(p);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Progress, ProgressSink};
    use std::sync::{Arc, Mutex};

    type Seen = Arc<Mutex<Vec<(Option<usize>, Progress)>>>;

    fn recording() -> (ProgressSink, Seen) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let to = seen.clone();
        let sink = ProgressSink::new(move |i, p| to.lock().unwrap().push((i, p)));
        (sink, seen)
    }

    #[test]
    fn counts_read_with_thousands_separators() {
        let p = Progress::Requests {
            done: 1234,
            total: Some(5000),
        };
        assert_eq!(p.describe(), "1,234/5,000 requests");
        let p = Progress::Requests {
            done: 999,
            total: None,
        };
        assert_eq!(p.describe(), "999 requests");
        assert_eq!(
            Progress::Sent {
                requests: 1_000_000
            }
            .describe(),
            "1,000,000 requests sent"
        );
        let p = Progress::Step {
            number: 2,
            of: 4,
            request: "POST /login".into(),
        };
        assert_eq!(p.describe(), "step 2/4: POST /login");
    }

    #[test]
    fn the_default_sink_is_silent() {
        let sink = ProgressSink::default();
        assert!(!sink.is_live());
        assert!(!sink.about(Some(3)).is_live());
        sink.report(Progress::Sent { requests: 1 });
    }

    #[test]
    fn reports_name_the_check_they_are_about() {
        let (sink, seen) = recording();
        sink.about(Some(0)).report(Progress::Sent { requests: 1 });
        sink.about(None).report(Progress::Sent { requests: 2 });
        assert_eq!(
            *seen.lock().unwrap(),
            vec![
                (Some(0), Progress::Sent { requests: 1 }),
                (None, Progress::Sent { requests: 2 })
            ]
        );
    }

    #[tokio::test]
    async fn a_count_is_read_every_tick_while_the_work_runs_and_only_when_it_changed() {
        let (sink, seen) = recording();
        let sink = sink.about(Some(1));
        let count = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let bump = count.clone();
        let work = async move {
            // 2 requests at once every 500 ms, 6 in all.
            for _ in 0..3 {
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                bump.fetch_add(2, std::sync::atomic::Ordering::Relaxed);
            }
            "done"
        };
        let read = || Progress::Requests {
            done: count.load(std::sync::atomic::Ordering::Relaxed),
            total: Some(6),
        };
        let out = super::while_running(&sink, read, work).await;
        assert_eq!(out, "done");
        let counts: Vec<u64> = seen
            .lock()
            .unwrap()
            .iter()
            .map(|(i, p)| match p {
                Progress::Requests {
                    done,
                    total: Some(6),
                } if *i == Some(1) => *done,
                other => panic!("{other:?}"),
            })
            .collect();
        // Read every 200 ms until the work ends at about 1500 ms: 0 at first, then 2, then
        // 4 (a busy machine may read later, never out of order); a count that did not
        // change is not told again.
        assert!(counts.len() >= 2, "{counts:?}");
        assert!(counts.windows(2).all(|w| w[0] < w[1]), "{counts:?}");
        assert!(counts.iter().all(|c| c % 2 == 0 && *c <= 6), "{counts:?}");
    }

    #[tokio::test]
    async fn a_silent_sink_never_reads_the_count() {
        let read = || -> Progress { unreachable!("nobody listens") };
        let out = super::while_running(&ProgressSink::default(), read, async { 7 }).await;
        assert_eq!(out, 7);
    }
}
