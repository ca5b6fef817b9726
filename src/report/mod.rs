//! Outputs: the live terminal, and file reports rendered from the final [`RunReport`].

mod badge;
mod baseline;
mod chart;
mod checks;
mod gates;
mod github;
mod html;
mod json;
mod junit;
mod markdown;
mod merge;
mod model;
mod progress;
#[cfg(any(test, feature = "bench-internals"))]
#[path = "../../tests/unit/report_sample.rs"]
pub(crate) mod sample;
mod score;
mod spill;
#[cfg(test)]
mod spilled_tests;
mod terminal;
mod write;

pub(crate) use badge::render as render_badge;
pub(crate) use baseline::{Comparison, compare};
pub(crate) use gates::{GateOptions, Verdict, decide};
pub(crate) use github::publish as publish_github;
#[cfg(test)]
pub(crate) use html::render as render_html;
pub(crate) use html::write as write_html;
#[cfg(any(test, feature = "bench-internals"))]
pub(crate) use json::render as render_json;
pub(crate) use json::{ResultsFile, read as read_results, write as write_json};
#[cfg(any(test, feature = "bench-internals"))]
pub(crate) use junit::render as render_junit;
pub(crate) use junit::{JunitFormat, write as write_junit};
#[cfg(any(test, feature = "bench-internals"))]
pub(crate) use markdown::render as render_markdown;
pub(crate) use markdown::write as write_markdown;
pub(crate) use merge::merge;
pub(crate) use model::{
    CheckReport, FORMAT_VERSION, Recorder, RunReport, SuiteReport, fill_scores,
};
pub(crate) use score::{Score, compute as compute_score, fmt_score};
pub(crate) use terminal::Terminal;
pub(crate) use write::{write_atomic, write_atomic_with};
