//! The cases of an operation, phase by phase: coverage (the simplest valid case, then
//! each input at each of its coverage values, optional inputs alone and all together),
//! random (every input random, optional ones present half the time), and negative (each
//! input broken one way at a time, the required ones missing, malformed and non-UTF-8
//! bodies, a wrong content type). Every value is checked against its schema first.

use super::case::{Body, Case, Intent, Payload, Phase, text};
use super::document::{Document, Location, MediaType, Operation, Parameter};
use super::generate::{Checker, Rng, coverage, negatives, param_value, random, simplest};
use serde_json::Value;

pub(crate) struct Planner<'d> {
    pub doc: &'d Document,
    pub checker: Checker,
}

/// The body media type the engine sends: JSON first, then a form.
pub(crate) fn body_media(op: &Operation) -> Option<&MediaType> {
    op.body
        .iter()
        .find(|m| m.media == "application/json")
        .or_else(|| op.body.iter().find(|m| m.media.contains("json")))
        .or_else(|| {
            op.body
                .iter()
                .find(|m| m.media == "application/x-www-form-urlencoded")
        })
}

impl<'d> Planner<'d> {
    pub(crate) fn new(doc: &'d Document) -> Planner<'d> {
        Planner {
            doc,
            checker: Checker::default(),
        }
    }

    fn param_ok(&mut self, p: &Parameter, v: &Value) -> bool {
        let t = text(v);
        if p.location == Location::Path && t.is_empty() {
            return false;
        }
        if p.location == Location::Header && t.chars().any(char::is_control) {
            return false;
        }
        let read = match v {
            Value::Array(_) | Value::Object(_) => v.clone(),
            _ => param_value(&t, &p.schema),
        };
        self.checker.valid(&p.schema, &read) != Some(false)
    }

    fn param_values(&mut self, p: &Parameter, rng: &mut Rng) -> Vec<Value> {
        let vs = coverage(&p.schema, rng);
        let before = vs.len();
        let kept: Vec<Value> = vs.into_iter().filter(|v| self.param_ok(p, v)).collect();
        self.checker.dropped += before - kept.len();
        kept
    }

    /// The simplest valid case: required inputs only, each at its first valid value.
    pub(crate) fn base(&mut self, idx: usize, rng: &mut Rng) -> Case {
        let op = &self.doc.operations[idx];
        let mut params = Vec::new();
        for p in op.parameters.iter().filter(|p| p.required) {
            let v = self
                .param_values(p, rng)
                .into_iter()
                .next()
                .unwrap_or_else(|| simplest(&p.schema));
            params.push((p.location, p.name.clone(), v));
        }
        let body = body_media(op).map(|m| {
            let vs = coverage(&m.schema, rng);
            let v = self
                .checker
                .keep_valid(&m.schema, vs)
                .into_iter()
                .next()
                .unwrap_or_else(|| simplest(&m.schema));
            Body::json(&m.media, v)
        });
        Case {
            op: idx,
            params,
            body,
            intent: Intent::Valid,
            without_credentials: false,
            phase: Phase::Coverage,
        }
    }

    pub(crate) fn coverage(&mut self, idx: usize, rng: &mut Rng, cap: usize) -> Vec<Case> {
        let base = self.base(idx, rng);
        let op = &self.doc.operations[idx];
        let mut out = vec![base.clone()];
        let mut all = base.clone();
        let mut per_param = Vec::new();
        for p in &op.parameters {
            let vs = self.param_values(p, rng);
            if !p.required
                && let Some(v) = vs.first()
            {
                all.params.push((p.location, p.name.clone(), v.clone()));
            }
            per_param.push((p.clone(), vs));
        }
        out.push(all);
        for (p, vs) in per_param {
            for v in vs.into_iter().skip(usize::from(p.required)) {
                out.push(with_param(&base, &p, v));
            }
        }
        if let Some(m) = body_media(op) {
            let vs = coverage(&m.schema, rng);
            for v in self.checker.keep_valid(&m.schema, vs).into_iter().skip(1) {
                let mut c = base.clone();
                c.body = Some(Body::json(&m.media, v));
                out.push(c);
            }
        }
        spread(out, cap)
    }

    pub(crate) fn random(&mut self, idx: usize, rng: &mut Rng, n: usize) -> Vec<Case> {
        let base = self.base(idx, rng);
        let op = &self.doc.operations[idx];
        let mut out = Vec::new();
        for _ in 0..n {
            let mut c = base.clone();
            c.phase = Phase::Random;
            c.params.clear();
            for p in &op.parameters {
                if !p.required && rng.one_in(2) {
                    continue;
                }
                let v = (0..3)
                    .map(|_| random(&p.schema, rng))
                    .find(|v| self.param_ok(p, v));
                match v {
                    Some(v) => c.params.push((p.location, p.name.clone(), v)),
                    None => {
                        self.checker.dropped += 1;
                        if let Some(b) = base
                            .params
                            .iter()
                            .find(|(l, n, _)| *l == p.location && *n == p.name)
                        {
                            c.params.push(b.clone());
                        }
                    }
                }
            }
            if let Some(m) = body_media(op) {
                let v = (0..3)
                    .map(|_| random(&m.schema, rng))
                    .find(|v| self.checker.valid(&m.schema, v) != Some(false));
                match v {
                    Some(v) => c.body = Some(Body::json(&m.media, v)),
                    None => self.checker.dropped += 1,
                }
            }
            out.push(c);
        }
        out
    }

    pub(crate) fn negative(&mut self, idx: usize, rng: &mut Rng, cap: usize) -> Vec<Case> {
        let base = self.base(idx, rng);
        let op = &self.doc.operations[idx];
        let invalid = |c: &Case, how: String| {
            let mut c = c.clone();
            c.intent = Intent::Invalid(how);
            c.phase = Phase::Negative;
            c
        };
        // Cases made from a value that breaks a schema, spread under the cap; `whole`: the
        // cases that break the request itself (a missing body or parameter, malformed or
        // non-UTF-8 JSON, a wrong Content-Type), a handful per operation, always sent.
        let mut out = Vec::new();
        let mut whole = Vec::new();
        for p in &op.parameters {
            let kind = match p.location {
                Location::Path => "path",
                Location::Query => "query",
                Location::Header => "header",
                Location::Cookie => "cookie",
            };
            if p.required && p.location != Location::Path {
                let mut c = base.clone();
                c.params
                    .retain(|(l, n, _)| !(*l == p.location && *n == p.name));
                whole.push(invalid(
                    &c,
                    format!("without the required {kind} parameter `{}`", p.name),
                ));
            }
            for (v, how) in negatives(&p.schema) {
                if matches!(v, Value::Array(_) | Value::Object(_) | Value::Null) {
                    continue;
                }
                let t = text(&v);
                if (p.location == Location::Path && t.is_empty()) || t.chars().any(char::is_control)
                {
                    continue;
                }
                if self.checker.valid(&p.schema, &param_value(&t, &p.schema)) != Some(false) {
                    continue;
                }
                let c = with_param(&base, p, Value::String(t.clone()));
                out.push(invalid(
                    &c,
                    format!("with {kind} parameter `{}` = `{t}` ({how})", p.name),
                ));
            }
        }
        if let Some(m) = body_media(op) {
            for (v, how) in negatives(&m.schema) {
                if self.checker.valid(&m.schema, &v) == Some(false) {
                    let mut c = base.clone();
                    c.body = Some(Body::json(&m.media, v));
                    out.push(invalid(&c, format!("whose body is {how}")));
                }
            }
            let raw = |bytes: &[u8], media: &str| {
                let mut c = base.clone();
                c.body = Some(Body {
                    media: media.to_string(),
                    payload: Payload::Raw(bytes.to_vec()),
                });
                c
            };
            if m.media.contains("json") {
                whole.push(invalid(
                    &raw(b"{\"", &m.media),
                    "whose body is malformed JSON".into(),
                ));
                whole.push(invalid(
                    // JSON in shape, with bytes no UTF-8 text holds inside a string: a
                    // server reading it as UTF-8 fails on the bytes, not on the syntax.
                    &raw(b"{\"\xff\xfe\": \"\xc3\x28\"}", &m.media),
                    "whose body is not UTF-8".into(),
                ));
            }
            if !op
                .body
                .iter()
                .any(|x| x.media.starts_with("text/") || x.media == "*/*")
                && let Some(b) = &base.body
                && let Payload::Json(v) = &b.payload
            {
                let mut c = base.clone();
                c.body = Some(Body {
                    media: "text/plain".into(),
                    payload: Payload::Json(v.clone()),
                });
                whole.push(invalid(
                    &c,
                    "with a Content-Type the operation does not accept (text/plain)".into(),
                ));
            }
            if op.body_required {
                let mut c = base.clone();
                c.body = None;
                whole.push(invalid(&c, "without its required body".into()));
            }
        }
        let room = cap.saturating_sub(whole.len()).max(1);
        whole.extend(spread(out, room));
        whole
    }

    /// For each path of the `selected` operations, one request per method the document
    /// does not list for it (of GET, PUT, POST, DELETE, PATCH, OPTIONS and TRACE; HEAD
    /// goes with GET), without a body, its path parameters from the first operation's
    /// simplest case: Schemathesis's `unsupported_method`.
    pub(crate) fn unlisted(&mut self, selected: &[usize], rng: &mut Rng) -> Vec<Case> {
        const METHODS: [&str; 7] = ["OPTIONS", "TRACE", "GET", "PUT", "POST", "DELETE", "PATCH"];
        let mut paths: Vec<&str> = Vec::new();
        let mut out = Vec::new();
        for &i in selected {
            let path = self.doc.operations[i].path.as_str();
            if paths.contains(&path) {
                continue;
            }
            paths.push(path);
            let listed: Vec<String> = self
                .doc
                .operations
                .iter()
                .filter(|o| o.path == path)
                .map(|o| o.method.to_ascii_uppercase())
                .collect();
            let mut base = self.base(i, rng);
            base.params.retain(|(l, _, _)| *l == Location::Path);
            base.body = None;
            base.phase = Phase::Negative;
            for m in METHODS.iter().filter(|m| !listed.iter().any(|l| l == *m)) {
                let mut c = base.clone();
                c.intent = Intent::UnlistedMethod {
                    method: m.to_string(),
                    listed: listed.clone(),
                };
                out.push(c);
            }
        }
        out
    }

    /// Whether `case` is still what it claims to be (for shrinking).
    pub(crate) fn keeps_intent(&mut self, case: &Case) -> bool {
        let op = &self.doc.operations[case.op];
        let mut valid = true;
        for p in &op.parameters {
            match case
                .params
                .iter()
                .find(|(l, n, _)| *l == p.location && *n == p.name)
            {
                None if p.required => valid = false,
                None => {}
                Some((_, _, v)) => valid &= self.param_ok(p, v),
            }
        }
        match (body_media(op), &case.body) {
            (Some(_), None) if op.body_required => valid = false,
            (Some(m), Some(b)) => match &b.payload {
                Payload::Json(v) if b.media == m.media => {
                    valid &= self.checker.valid(&m.schema, v) != Some(false)
                }
                _ => valid = false,
            },
            _ => {}
        }
        valid == (case.intent == Intent::Valid)
    }
}

fn with_param(base: &Case, p: &Parameter, v: Value) -> Case {
    let mut c = base.clone();
    c.params
        .retain(|(l, n, _)| !(*l == p.location && *n == p.name));
    c.params.push((p.location, p.name.clone(), v));
    c
}

/// At most `cap` cases, evenly spread over the list so that every input keeps some.
fn spread(cases: Vec<Case>, cap: usize) -> Vec<Case> {
    if cases.len() <= cap || cap == 0 {
        return cases;
    }
    let step = cases.len() as f64 / cap as f64;
    (0..cap)
        .filter_map(|i| cases.get((i as f64 * step) as usize).cloned())
        .collect()
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
