//! The engine: instance lifecycle, concurrent checks, cancellation, ordered events.

mod bringup;
mod dispatch;
mod emit;
mod event;
mod imp;
mod progress;
mod remeasure;
mod signal;
mod stop;
mod variant;

pub(crate) use event::{CheckInfo, Event, EventSink};
pub(crate) use imp::{RunOptions, matches_filter, run_suite};
pub(crate) use signal::{ABORT_GRACE_CAP, Abort, Interrupts};
