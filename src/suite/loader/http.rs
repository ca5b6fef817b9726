//! The HTTP grammar every kind shares: requests, steps, expectations (status, headers,
//! JSON predicates, schemas, bodies) and captures, and the `http` kind itself.

use super::*;

impl Validator<'_> {
    pub(in crate::suite::loader) fn steps(
        &mut self,
        raws: &[StepRaw],
        field: &str,
        known: &mut Known,
    ) -> Vec<StepSpec> {
        raws.iter()
            .enumerate()
            .map(|(i, s)| {
                let f = format!("{field}[{i}]");
                let step = self.step(
                    &s.request,
                    s.expect.as_ref(),
                    &s.capture,
                    s.name.clone(),
                    &f,
                    known,
                );
                known.0.extend(step.capture.iter().map(|(k, _)| k.clone()));
                step
            })
            .collect()
    }

    pub(in crate::suite::loader) fn step(
        &mut self,
        request: &RequestRaw,
        expect: Option<&ExpectRaw>,
        capture: &std::collections::BTreeMap<String, Any>,
        name: Option<String>,
        field: &str,
        known: &Known,
    ) -> StepSpec {
        let request = self.request(request, &format!("{field}.request"), known);
        let expect = expect
            .map(|e| self.expect(e, &format!("{field}.expect"), known))
            .unwrap_or_default();
        let capture = capture
            .iter()
            .filter_map(|(k, v)| {
                self.capture(v, &format!("{field}.capture.{k}"))
                    .map(|c| (k.clone(), c))
            })
            .collect();
        StepSpec {
            name,
            request,
            expect,
            capture,
        }
    }

    pub(in crate::suite::loader) fn request(
        &mut self,
        r: &RequestRaw,
        field: &str,
        known: &Known,
    ) -> RequestSpec {
        let method = match &r.method {
            None => reqwest::Method::GET,
            Some(m) => match reqwest::Method::from_bytes(m.value.to_ascii_uppercase().as_bytes()) {
                Ok(method) if method == reqwest::Method::CONNECT => {
                    self.err(
                        m.referenced,
                        &format!("{field}.method"),
                        "CONNECT opens a tunnel to an authority (`host:port`), not a request to a path; harden cannot send it as written",
                    )
                    .hint = Some("to check that a proxy accepts connections, use a `dependency` check with `tcp:`".into());
                    reqwest::Method::GET
                }
                Ok(m) => m,
                Err(_) => {
                    self.err(
                        m.referenced,
                        &format!("{field}.method"),
                        format!("invalid HTTP method `{}`", m.value),
                    );
                    reqwest::Method::GET
                }
            },
        };
        let target = match (&r.path, &r.url) {
            (Some(p), None) => {
                if !p.value.starts_with('/') && !p.value.starts_with("${") {
                    self.err(
                        p.referenced,
                        &format!("{field}.path"),
                        format!("path `{}` must start with `/`", p.value),
                    );
                }
                Target::Path(self.template(
                    Value::String(p.value.clone()),
                    p.referenced,
                    &format!("{field}.path"),
                    known,
                ))
            }
            (None, Some(u)) => Target::Url(self.template(
                Value::String(u.value.clone()),
                u.referenced,
                &format!("{field}.url"),
                known,
            )),
            (Some(p), Some(_)) => {
                self.err(p.referenced, field, "set either `path` or `url`, not both");
                Target::Path(Template::literal("/"))
            }
            (None, None) => {
                let loc = r
                    .method
                    .as_ref()
                    .map(|m| m.referenced)
                    .unwrap_or(Location::UNKNOWN);
                self.err(loc, field, "a request needs `path` or `url`");
                Target::Path(Template::literal("/"))
            }
        };
        let mut map_template = |v: &Option<Any>, name: &str| {
            v.as_ref().map(|v| {
                let f = format!("{field}.{name}");
                match &v.value {
                    Value::Object(_) => {}
                    Value::String(s) if s.starts_with("${") && s.ends_with('}') => {}
                    _ => {
                        self.err(
                            v.referenced,
                            &f,
                            "expected a map (or a `${var}` holding one)",
                        );
                    }
                }
                self.template(v.value.clone(), v.referenced, &f, known)
            })
        };
        let headers = map_template(&r.headers, "headers");
        let query = map_template(&r.query, "query");
        let form = map_template(&r.form, "form");
        let bodies = r.json.is_some() as u8 + r.body.is_some() as u8 + form.is_some() as u8;
        if bodies > 1 {
            let loc = r
                .json
                .as_ref()
                .map(|j| j.referenced)
                .or(r.body.as_ref().map(|b| b.referenced))
                .unwrap_or(Location::UNKNOWN);
            self.err(loc, field, "set only one of `json`, `body` or `form`");
        }
        let body = if let Some(j) = &r.json {
            BodySpec::Json(self.template(
                j.value.clone(),
                j.referenced,
                &format!("{field}.json"),
                known,
            ))
        } else if let Some(b) = &r.body {
            BodySpec::Text(self.template(
                Value::String(b.value.clone()),
                b.referenced,
                &format!("{field}.body"),
                known,
            ))
        } else if let Some(f) = form {
            BodySpec::Form(f)
        } else {
            BodySpec::None
        };
        RequestSpec {
            method,
            target,
            headers,
            query,
            body,
            compressed: r.compressed,
        }
    }

    pub(in crate::suite::loader) fn status(&mut self, s: &Any, field: &str) -> StatusMatcher {
        let fallback = StatusMatcher {
            ranges: vec![(200, 299)],
            text: "2xx".into(),
        };
        let one = |v: &Value| -> Option<(u16, u16)> {
            match v {
                Value::Number(n) => n
                    .as_u64()
                    .filter(|n| (100..=599).contains(n))
                    .map(|n| (n as u16, n as u16)),
                Value::String(t) => {
                    let t = t.trim().to_ascii_lowercase();
                    if let Some(d) = t
                        .strip_suffix("xx")
                        .and_then(|d| d.parse::<u16>().ok())
                        .filter(|d| (1..=5).contains(d))
                    {
                        return Some((d * 100, d * 100 + 99));
                    }
                    if let Some((a, b)) = t.split_once('-') {
                        let (a, b) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
                        return (100 <= a && a <= b && b <= 599).then_some((a, b));
                    }
                    t.parse::<u16>()
                        .ok()
                        .filter(|n| (100..=599).contains(n))
                        .map(|n| (n, n))
                }
                _ => None,
            }
        };
        let items: Vec<&Value> = match &s.value {
            Value::Array(a) if !a.is_empty() => a.iter().collect(),
            v => vec![v],
        };
        let mut ranges = Vec::new();
        for item in items {
            match one(item) {
                Some(r) => ranges.push(r),
                None => {
                    self.err(s.referenced, field, format!("invalid status `{item}`"))
                        .hint = Some("write a code (`201`), a list (`[200, 204]`), a class (`2xx`) or a range (`200-299`)".into());
                    return fallback;
                }
            }
        }
        let text = match &s.value {
            Value::String(t) => t.clone(),
            other => other.to_string(),
        };
        StatusMatcher { ranges, text }
    }

    pub(in crate::suite::loader) fn expect(
        &mut self,
        e: &ExpectRaw,
        field: &str,
        known: &Known,
    ) -> ExpectSpec {
        let status = e
            .status
            .as_ref()
            .map(|s| self.status(s, &format!("{field}.status")));
        let mut headers = Vec::new();
        for (name, v) in &e.headers {
            let f = format!("{field}.headers.{name}");
            if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
                self.err(v.referenced, &f, format!("invalid header name `{name}`"));
                continue;
            }
            let pred = match &v.value {
                Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                    Some(HeaderPredicate::Equals(self.template(
                        Value::String(crate::suite::template::value_text(&v.value)),
                        v.referenced,
                        &f,
                        known,
                    )))
                }
                Value::Object(o) if o.len() == 1 => {
                    let (op, arg) = o
                        .iter()
                        .next()
                        .map(|(a, b)| (a.as_str(), b))
                        .unwrap_or(("", &Value::Null));
                    match (op, arg) {
                        ("equals", a) => Some(HeaderPredicate::Equals(self.template(
                            Value::String(crate::suite::template::value_text(a)),
                            v.referenced,
                            &f,
                            known,
                        ))),
                        ("contains", a) => Some(HeaderPredicate::Contains(self.template(
                            Value::String(crate::suite::template::value_text(a)),
                            v.referenced,
                            &f,
                            known,
                        ))),
                        ("matches", Value::String(re)) => self
                            .regex(re, v.referenced, &f)
                            .map(HeaderPredicate::Matches),
                        ("present", Value::Bool(true)) | ("absent", Value::Bool(false)) => {
                            Some(HeaderPredicate::Present)
                        }
                        ("absent", Value::Bool(true)) | ("present", Value::Bool(false)) => {
                            Some(HeaderPredicate::Absent)
                        }
                        _ => {
                            self.err(v.referenced, &f, format!("unknown header predicate `{op}`"))
                                .hint = Some("use one of `equals`, `contains`, `matches`, `present: true`, `absent: true`".into());
                            None
                        }
                    }
                }
                _ => {
                    self.err(v.referenced, &f, "expected a value or one predicate such as `{matches: \"^application/json\"}`");
                    None
                }
            };
            if let Some(p) = pred {
                headers.push((name.to_ascii_lowercase(), p));
            }
        }
        let json = self.json_assertions(&e.json, &format!("{field}.json"), known);
        let schema = e
            .schema
            .as_ref()
            .and_then(|s| self.schema(s, &format!("{field}.schema")));
        let body = e
            .body
            .as_ref()
            .map(|b| self.body_predicates(b, &format!("{field}.body"), known))
            .unwrap_or_default();
        let max_duration = e.max_duration.as_ref().map(|_| {
            self.duration(
                &e.max_duration,
                &format!("{field}.max-duration"),
                Duration::ZERO,
            )
        });
        ExpectSpec {
            status,
            headers,
            json,
            schema,
            body,
            max_duration,
        }
    }

    /// `contains`, `not-contains`, `matches`, `equals` on a text (a body, a command's output).
    pub(in crate::suite::loader) fn body_predicates(
        &mut self,
        b: &raw::BodyExpectRaw,
        f: &str,
        known: &Known,
    ) -> Vec<BodyPredicate> {
        let mut out = Vec::new();
        let text = |s: &mut Self, t: &Spanned<String>| {
            s.template(Value::String(t.value.clone()), t.referenced, f, known)
        };
        if let Some(t) = &b.contains {
            out.push(BodyPredicate::Contains(text(self, t)));
        }
        if let Some(t) = &b.not_contains {
            out.push(BodyPredicate::NotContains(text(self, t)));
        }
        if let Some(re) = b
            .matches
            .as_ref()
            .and_then(|t| self.regex(&t.value, t.referenced, &format!("{f}.matches")))
        {
            out.push(BodyPredicate::Matches(re));
        }
        if let Some(t) = &b.equals {
            out.push(BodyPredicate::Equals(text(self, t)));
        }
        out
    }

    pub(in crate::suite::loader) fn json_predicates(
        &mut self,
        v: &Any,
        f: &str,
        known: &Known,
    ) -> Vec<JsonPredicate> {
        const OPS: &str = "`equals`, `not-equals`, `matches`, `exists`, `absent`, `type`, `length`, `contains`, `one-of`, `gt`, `gte`, `lt`, `lte`";
        let is_op = |k: &str| {
            matches!(
                k,
                "equals"
                    | "not-equals"
                    | "matches"
                    | "exists"
                    | "absent"
                    | "type"
                    | "length"
                    | "contains"
                    | "one-of"
                    | "gt"
                    | "gte"
                    | "lt"
                    | "lte"
            )
        };
        let Value::Object(o) = &v.value else {
            return vec![JsonPredicate::Equals(self.template(
                v.value.clone(),
                v.referenced,
                f,
                known,
            ))];
        };
        if o.is_empty() || !o.keys().any(|k| is_op(k)) {
            return vec![JsonPredicate::Equals(self.template(
                v.value.clone(),
                v.referenced,
                f,
                known,
            ))];
        }
        let mut preds = Vec::new();
        for (op, arg) in o {
            let bad = |s: &mut Self, what: &str| {
                s.err(
                    v.referenced,
                    f,
                    format!("`{op}` expects {what}, found `{arg}`"),
                );
            };
            match op.as_str() {
                "equals" => preds.push(JsonPredicate::Equals(self.template(
                    arg.clone(),
                    v.referenced,
                    f,
                    known,
                ))),
                "not-equals" => preds.push(JsonPredicate::NotEquals(self.template(
                    arg.clone(),
                    v.referenced,
                    f,
                    known,
                ))),
                "contains" => preds.push(JsonPredicate::Contains(self.template(
                    arg.clone(),
                    v.referenced,
                    f,
                    known,
                ))),
                "one-of" => match arg {
                    Value::Array(items) => {
                        let ts = items
                            .iter()
                            .map(|i| self.template(i.clone(), v.referenced, f, known))
                            .collect();
                        preds.push(JsonPredicate::OneOf(ts));
                    }
                    _ => bad(self, "a list"),
                },
                "matches" => match arg {
                    Value::String(re) => {
                        if let Some(r) = self.regex(re, v.referenced, f) {
                            preds.push(JsonPredicate::Matches(r));
                        }
                    }
                    _ => bad(self, "a regex string"),
                },
                "exists" => match arg {
                    Value::Bool(b) => preds.push(JsonPredicate::Exists(*b)),
                    _ => bad(self, "`true` or `false`"),
                },
                "absent" => match arg {
                    Value::Bool(b) => preds.push(JsonPredicate::Exists(!*b)),
                    _ => bad(self, "`true` or `false`"),
                },
                "type" => match arg.as_str().and_then(JsonType::parse) {
                    Some(t) => preds.push(JsonPredicate::Type(t)),
                    None => {
                        self.err(v.referenced, f, format!("unknown type `{arg}`")).hint =
                            Some("use one of `string`, `number`, `integer`, `boolean`, `array`, `object`, `null`".into());
                    }
                },
                "length" => match arg.as_u64() {
                    Some(n) => preds.push(JsonPredicate::Length(n as usize)),
                    None => bad(self, "a non-negative integer"),
                },
                "gt" | "gte" | "lt" | "lte" => match arg.as_number().cloned() {
                    Some(n) => {
                        let cmp = match op.as_str() {
                            "gt" => CompareOp::Gt,
                            "gte" => CompareOp::Gte,
                            "lt" => CompareOp::Lt,
                            _ => CompareOp::Lte,
                        };
                        preds.push(JsonPredicate::Compare(cmp, n));
                    }
                    None => bad(self, "a number"),
                },
                other => {
                    self.err(v.referenced, f, format!("unknown predicate `{other}`"))
                        .hint = Some(format!(
                        "use one of {OPS}; to compare a whole object, write `equals: {{...}}`"
                    ));
                }
            }
        }
        preds
    }

    pub(in crate::suite::loader) fn json_assertions(
        &mut self,
        map: &std::collections::BTreeMap<String, Any>,
        field: &str,
        known: &Known,
    ) -> Vec<JsonAssertion> {
        let mut json = Vec::new();
        for (path_text, v) in map {
            let f = format!("{field}.\"{path_text}\"");
            let path = match serde_json_path::JsonPath::parse(path_text) {
                Ok(p) => Arc::new(p),
                Err(err) => {
                    self.err(
                        v.referenced,
                        &f,
                        format!("invalid JSONPath `{path_text}`: {err}"),
                    )
                    .hint = Some(
                        "JSONPath starts with `$`, e.g. `$.run_id` or `$.phases[0].status`".into(),
                    );
                    continue;
                }
            };
            let predicates = self.json_predicates(v, &f, known);
            json.push(JsonAssertion {
                path_text: path_text.clone(),
                path,
                predicates,
            });
        }
        json
    }

    pub(in crate::suite::loader) fn schema(&mut self, s: &Any, field: &str) -> Option<SchemaSpec> {
        let (label, doc) = match &s.value {
            Value::String(rel) => {
                let path = self.dir.join(rel);
                let text = match crate::read::text(&path, crate::read::SUITE_FILE) {
                    Ok(t) => t,
                    Err(e) => {
                        self.err(
                            s.referenced,
                            field,
                            format!("cannot read schema `{}`: {e}", path.display()),
                        )
                        .hint = Some("schema paths are relative to the suite file".into());
                        return None;
                    }
                };
                let doc: Result<Value, String> = if rel.ends_with(".json") {
                    serde_json::from_str(&text).map_err(|e| e.to_string())
                } else {
                    serde_saphyr::from_str(&text).map_err(|e| e.without_snippet().to_string())
                };
                match doc {
                    Ok(d) => (rel.clone(), d),
                    Err(e) => {
                        self.err(
                            s.referenced,
                            field,
                            format!("schema `{}` is not valid JSON: {e}", path.display()),
                        );
                        return None;
                    }
                }
            }
            Value::Object(_) | Value::Bool(_) => ("inline schema".to_string(), s.value.clone()),
            _ => {
                self.err(
                    s.referenced,
                    field,
                    "expected a schema file path or an inline schema object",
                );
                return None;
            }
        };
        match jsonschema::validator_for(&doc) {
            Ok(v) => Some(SchemaSpec {
                label,
                validator: Arc::new(v),
            }),
            Err(e) => {
                self.err(
                    s.referenced,
                    field,
                    format!("invalid JSON Schema in {label}: {e}"),
                );
                None
            }
        }
    }

    pub(in crate::suite::loader) fn capture(
        &mut self,
        v: &Any,
        field: &str,
    ) -> Option<CaptureSpec> {
        let jsonpath = |s: &mut Self, text: &str| match serde_json_path::JsonPath::parse(text) {
            Ok(p) => Some(CaptureSpec::Json {
                text: text.to_string(),
                path: Arc::new(p),
            }),
            Err(e) => {
                s.err(
                    v.referenced,
                    field,
                    format!("invalid JSONPath `{text}`: {e}"),
                );
                None
            }
        };
        match &v.value {
            Value::String(s) => jsonpath(self, s),
            Value::Object(o) if o.len() == 1 => match o.iter().next() {
                Some((k, Value::String(arg))) if k == "json" => jsonpath(self, arg),
                Some((k, Value::String(arg))) if k == "header" => {
                    Some(CaptureSpec::Header(arg.to_ascii_lowercase()))
                }
                Some((k, Value::String(arg))) if k == "regex" => {
                    self.regex(arg, v.referenced, field).map(CaptureSpec::Regex)
                }
                _ => {
                    self.err(v.referenced, field, "expected `\"$.json.path\"`, `{json: ..}`, `{header: name}` or `{regex: \"..(group)..\"}`");
                    None
                }
            },
            _ => {
                self.err(v.referenced, field, "expected `\"$.json.path\"`, `{json: ..}`, `{header: name}` or `{regex: \"..(group)..\"}`");
                None
            }
        }
    }

    /// An action written as one `request` or as `steps` (both optional).
    pub(in crate::suite::loader) fn action(
        &mut self,
        request: Option<&RequestRaw>,
        steps: Option<&Vec<StepRaw>>,
        loc: Location,
        field: &str,
        known: &Known,
    ) -> Vec<StepSpec> {
        match (request, steps) {
            (Some(r), None) => vec![self.step(r, None, &Default::default(), None, field, known)],
            (None, Some(s)) => self.steps(s, &format!("{field}.steps"), &mut known.clone()),
            (None, None) => Vec::new(),
            (Some(_), Some(_)) => {
                self.err(loc, field, "set either `request` or `steps`, not both");
                Vec::new()
            }
        }
    }

    pub(in crate::suite::loader) fn path(&mut self, p: &Spanned<String>, field: &str) -> String {
        if !p.value.starts_with('/') {
            self.err(
                p.referenced,
                field,
                format!("path `{}` must start with `/`", p.value),
            );
        }
        p.value.clone()
    }

    pub(in crate::suite::loader) fn http(
        &mut self,
        h: Spanned<raw::HttpRaw>,
        field: &str,
        known: &Known,
    ) -> Option<CheckKindSpec> {
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
        Some(CheckKindSpec::Http(HttpSpec { steps }))
    }
}
