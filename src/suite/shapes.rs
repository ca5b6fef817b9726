//! Shapes the raw types share: a located value of any YAML shape, and the JSON Schema
//! shapes of fields the loader reads as located values.

use crate::suite::located::Spanned;
use schemars::JsonSchema;
use serde_json::Value;
use std::collections::BTreeMap;

/// A located value of any YAML shape.
pub(crate) type Any = Spanned<Value>;

#[derive(JsonSchema)]
#[serde(untagged)]
#[expect(dead_code, reason = "schema shape only")]
pub(crate) enum CommandSchema {
    Argv(Vec<String>),
    Shell(String),
}

#[derive(JsonSchema)]
#[serde(untagged)]
#[expect(dead_code, reason = "schema shape only")]
pub(crate) enum PortSchema {
    Auto(String),
    Fixed(u16),
}

#[derive(JsonSchema)]
#[serde(untagged)]
#[expect(dead_code, reason = "schema shape only")]
pub(crate) enum StatusSchema {
    Code(u16),
    List(Vec<u16>),
    Class(String),
}

#[derive(JsonSchema)]
#[serde(untagged)]
#[expect(dead_code, reason = "schema shape only")]
pub(crate) enum MapOrVarSchema {
    Map(BTreeMap<String, Value>),
    /// A `${var}` holding a map.
    Var(String),
}

#[derive(JsonSchema)]
#[serde(untagged)]
#[expect(dead_code, reason = "schema shape only")]
pub(crate) enum CaptureSchema {
    JsonPath(String),
    Source(BTreeMap<String, String>),
}
