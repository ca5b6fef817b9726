//! The `http` kind whole: its keys as written (`…Raw`, whose doc comments are the JSON
//! Schema), the validated spec the runner sees, and the validator between them.

use crate::suite::expect::ExpectRaw;
use crate::suite::located::Spanned;
use crate::suite::request::{RequestRaw, StepRaw, StepSpec};
use crate::suite::shapes::{Any, CaptureSchema};
use crate::suite::validator::{Known, Validator};
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

/// An `http` check: one `request` + `expect`, or a list of `steps`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct HttpRaw {
    pub request: Option<RequestRaw>,
    pub expect: Option<ExpectRaw>,
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, CaptureSchema>")]
    pub capture: BTreeMap<String, Any>,
    pub steps: Option<Vec<StepRaw>>,
}

#[derive(Debug, Clone)]
pub(crate) struct HttpSpec {
    pub steps: Box<[StepSpec]>,
}

impl Validator<'_> {
    pub(in crate::suite) fn http(
        &mut self,
        h: Spanned<HttpRaw>,
        field: &str,
        known: &Known,
    ) -> Option<HttpSpec> {
        let loc = h.referenced;
        let h = h.value;
        let steps = match (h.request, h.steps) {
            (Some(req), None) => {
                vec![self.step(&req, h.expect.as_ref(), &h.capture, None, field, known)]
            }
            (None, Some(steps)) if !steps.is_empty() => {
                if h.expect.is_some() || !h.capture.is_empty() {
                    self.err(
                        loc,
                        field,
                        "with `steps`, put `expect` and `capture` inside each step",
                    );
                }
                self.steps(&steps, &format!("{field}.steps"), &mut known.clone())
            }
            (Some(_), Some(_)) => {
                self.err(loc, field, "set either `request` or `steps`, not both");
                return None;
            }
            _ => {
                self.err(
                    loc,
                    field,
                    "an `http` check needs `request` (with `expect`) or `steps`",
                );
                return None;
            }
        };
        if steps.iter().all(|s| s.expect.is_empty()) {
            self.err(loc, field, "this check asserts nothing").hint =
                Some("add `expect:` with at least a `status`".into());
        }
        Some(HttpSpec {
            steps: steps.into(),
        })
    }
}
