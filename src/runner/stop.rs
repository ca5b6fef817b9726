//! The runner's decisions as one pure function: whether an attempt is retried, and whether
//! the run stops (`--fail-fast`, the service exiting, Ctrl-C, the deadline) and what the
//! checks it cuts off become. Preflight and service checks follow the same rules, since
//! one dispatch loop runs both.

use crate::check::{CheckOutcome, Status};
use crate::runner::signal::Abort;

/// What the checks `--fail-fast` stopped say.
pub(crate) const FAIL_FAST: &str = "not run: --fail-fast stopped the run after a failure";

/// What just happened, that may change what the runner does next.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Happened {
    /// Attempt number `attempt` (from 1) of a check allowing `retries` retries ended with
    /// `status`.
    Attempted {
        status: Status,
        attempt: u32,
        retries: u32,
    },
    /// A check finished with `status` (after its retries).
    Finished { status: Status, fail_fast: bool },
    /// The main instance exited during the run: `info` says how (`exited with status 1`).
    ServiceExited(String),
    /// The run was cancelled (Ctrl-C or SIGTERM, or the `--timeout` deadline).
    Cancelled(Abort),
}

/// What the runner does about it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Next {
    /// Attempt the check again.
    Retry,
    /// Go on.
    Continue,
    /// Start no other check, and end the unfinished ones as `Leftover` says.
    Stop(Leftover),
}

/// What the checks a stop cuts off become: `running` for those already started, `waiting`
/// for those never started.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Leftover {
    pub running: (Status, String),
    pub waiting: (Status, String),
}

impl Leftover {
    fn both(status: Status, why: String) -> Leftover {
        Leftover {
            running: (status, why.clone()),
            waiting: (status, why),
        }
    }

    /// The outcome of a check this stop cut off (`started` or not).
    pub(crate) fn outcome(&self, started: bool) -> CheckOutcome {
        let (status, why) = if started {
            &self.running
        } else {
            &self.waiting
        };
        match status {
            Status::Skip => CheckOutcome::skip(why.clone()),
            _ => CheckOutcome::error(why.clone()),
        }
    }
}

/// The one place the runner decides: retries follow errors (never a failed assertion) while
/// `retries` allows; `--fail-fast` stops at the first failure or error, skipping the rest;
/// the service exiting makes every unfinished check an error; an interrupt makes a running
/// check an error and skips the others; the deadline makes every unfinished check an error
/// (the run did not do what it was asked to).
pub(crate) fn decide(h: &Happened) -> Next {
    match h {
        Happened::Attempted {
            status,
            attempt,
            retries,
        } => {
            if *status == Status::Error && attempt <= retries {
                Next::Retry
            } else {
                Next::Continue
            }
        }
        Happened::Finished { status, fail_fast } => {
            if *fail_fast && matches!(status, Status::Fail | Status::Error) {
                Next::Stop(Leftover::both(Status::Skip, FAIL_FAST.into()))
            } else {
                Next::Continue
            }
        }
        Happened::ServiceExited(info) => Next::Stop(Leftover::both(
            Status::Error,
            format!("the service {info} during the run"),
        )),
        Happened::Cancelled(Abort::Interrupted) => Next::Stop(Leftover {
            running: (Status::Error, "interrupted".into()),
            waiting: (Status::Skip, "not run: interrupted".into()),
        }),
        Happened::Cancelled(Abort::Deadline) => Next::Stop(Leftover {
            running: (
                Status::Error,
                format!("not finished: {}", Abort::Deadline.reason()),
            ),
            waiting: (
                Status::Error,
                format!("not run: {}", Abort::Deadline.reason()),
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempted(status: Status, attempt: u32, retries: u32) -> Next {
        decide(&Happened::Attempted {
            status,
            attempt,
            retries,
        })
    }

    fn finished(status: Status, fail_fast: bool) -> Next {
        decide(&Happened::Finished { status, fail_fast })
    }

    fn stop(running: (Status, &str), waiting: (Status, &str)) -> Next {
        Next::Stop(Leftover {
            running: (running.0, running.1.into()),
            waiting: (waiting.0, waiting.1.into()),
        })
    }

    /// One `#[test]` per row, so that one failing row hides none of the others.
    macro_rules! rows {
        ($($name:ident: $got:expr => $want:expr;)*) => {
            $(#[test] fn $name() { assert_eq!($got, $want) })*
        };
    }

    const DEADLINE_RUNNING: &str = "not finished: the run deadline (--timeout) was reached";
    const DEADLINE_WAITING: &str = "not run: the run deadline (--timeout) was reached";

    rows! {
        an_error_with_retries_left_is_retried: attempted(Status::Error, 1, 2) => Next::Retry;
        the_last_retry_is_still_taken: attempted(Status::Error, 1, 1) => Next::Retry;
        an_error_after_the_last_retry_is_final: attempted(Status::Error, 2, 1) => Next::Continue;
        an_error_past_its_retries_is_final: attempted(Status::Error, 3, 2) => Next::Continue;
        an_error_without_retries_is_final: attempted(Status::Error, 1, 0) => Next::Continue;
        a_failed_assertion_is_never_retried: attempted(Status::Fail, 1, 5) => Next::Continue;
        a_pass_is_never_retried: attempted(Status::Pass, 1, 5) => Next::Continue;
        a_failure_without_fail_fast_goes_on: finished(Status::Fail, false) => Next::Continue;
        an_error_without_fail_fast_goes_on: finished(Status::Error, false) => Next::Continue;
        a_pass_with_fail_fast_goes_on: finished(Status::Pass, true) => Next::Continue;
        a_skip_with_fail_fast_goes_on: finished(Status::Skip, true) => Next::Continue;
        a_failure_with_fail_fast_skips_the_rest:
            finished(Status::Fail, true) => stop((Status::Skip, FAIL_FAST), (Status::Skip, FAIL_FAST));
        an_error_with_fail_fast_skips_the_rest:
            finished(Status::Error, true) => stop((Status::Skip, FAIL_FAST), (Status::Skip, FAIL_FAST));
        the_service_exiting_errors_every_unfinished_check:
            decide(&Happened::ServiceExited("exited with status 1".into())) => stop(
                (Status::Error, "the service exited with status 1 during the run"),
                (Status::Error, "the service exited with status 1 during the run"),
            );
        an_interrupt_errors_the_running_and_skips_the_waiting:
            decide(&Happened::Cancelled(Abort::Interrupted)) => stop(
                (Status::Error, "interrupted"),
                (Status::Skip, "not run: interrupted"),
            );
        the_deadline_errors_every_unfinished_check:
            decide(&Happened::Cancelled(Abort::Deadline)) => stop(
                (Status::Error, DEADLINE_RUNNING),
                (Status::Error, DEADLINE_WAITING),
            );
    }

    #[test]
    fn a_leftover_outcome_follows_whether_the_check_started() {
        let Next::Stop(l) = decide(&Happened::Cancelled(Abort::Interrupted)) else {
            panic!("an interrupt stops the run")
        };
        let running = l.outcome(true);
        assert_eq!(running.status, Status::Error);
        assert_eq!(running.message.as_deref(), Some("interrupted"));
        let waiting = l.outcome(false);
        assert_eq!(waiting.status, Status::Skip);
    }
}
