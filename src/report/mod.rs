//! Outputs: the live terminal, and file reports rendered from the final [`RunReport`].

mod json;
mod junit;
mod model;
mod score;
mod terminal;
mod write;

pub(crate) use json::render as render_json;
pub(crate) use junit::render as render_junit;
pub(crate) use model::{CheckReport, Recorder, RunReport, SuiteReport};
pub(crate) use score::{Score, compute as compute_score, fmt_score};
pub(crate) use terminal::Terminal;
pub(crate) use write::write_atomic;
