//! The OpenAPI engine: a property-based, stateful tester of an HTTP API described by an
//! OpenAPI 3.0 or 3.1 document. The `openapi` check kind (`check/openapi.rs`) is a thin
//! layer over it. Nothing here imports `check/` or `runner/`: requests go out through the
//! `Sender` trait, so the pure parts (generation, rules, shrinking) and the loop are
//! tested without a server.

pub(crate) mod case;
pub(crate) mod document;
pub(crate) mod engine;
pub(crate) mod generate;
pub(crate) mod plan;
pub(crate) mod resolve;
pub(crate) mod rules;
pub(crate) mod shrink;
pub(crate) mod stateful;

pub(crate) use case::{HttpRequest, HttpResponse};
pub(crate) use document::Document;
pub(crate) use engine::{Budget, Options, Report, Sender, Sent, run};
