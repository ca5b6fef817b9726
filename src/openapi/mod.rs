//! tmp
#![allow(dead_code)]
pub(crate) mod document;
pub(crate) mod generate;
pub(crate) mod resolve;
