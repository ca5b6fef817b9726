//! The request grammar every kind shares: a request, a step (request, expect, capture),
//! an action (one request or steps), as written and validated.

use crate::suite::expect::{ExpectRaw, ExpectSpec};
use crate::suite::located::{Location, Spanned};
use crate::suite::shapes::{Any, CaptureSchema, MapOrVarSchema};
use crate::suite::template::Template;
use crate::suite::validator::{Known, Validator};
use regex::Regex;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// One request in a `setup`, `teardown` or `steps` list.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct StepRaw {
    pub name: Option<String>,
    pub request: RequestRaw,
    pub expect: Option<ExpectRaw>,
    /// Values taken from the response: `"$.json.path"`, `{header: name}` or `{regex: "..."}`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, CaptureSchema>")]
    pub capture: BTreeMap<String, Any>,
}

/// An HTTP request. Every string may contain `${var}`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RequestRaw {
    /// `GET` (default), `POST`, `PUT`, `PATCH`, `DELETE`, `HEAD` or `OPTIONS`.
    #[schemars(with = "Option<String>")]
    pub method: Option<Spanned<String>>,
    /// Path relative to the instance's base URL.
    #[schemars(with = "Option<String>")]
    pub path: Option<Spanned<String>>,
    /// Absolute URL (instead of `path`).
    #[schemars(with = "Option<String>")]
    pub url: Option<Spanned<String>>,
    /// Header map, or `${var}` holding one.
    #[schemars(with = "Option<MapOrVarSchema>")]
    pub headers: Option<Any>,
    /// Query parameters (a map, or `${var}` holding one).
    #[schemars(with = "Option<MapOrVarSchema>")]
    pub query: Option<Any>,
    /// JSON body.
    #[schemars(with = "Option<Value>")]
    pub json: Option<Any>,
    /// Raw text body.
    #[schemars(with = "Option<String>")]
    pub body: Option<Spanned<String>>,
    /// URL-encoded form body (a map, or `${var}` holding one).
    #[schemars(with = "Option<MapOrVarSchema>")]
    pub form: Option<Any>,
    /// Ask for a compressed answer (`Accept-Encoding: gzip, deflate, br, zstd`). A
    /// compressed answer is decoded before any assertion either way.
    #[serde(default)]
    pub compressed: bool,
}

/// One request and what its answer must satisfy. The parts most steps do without (a name,
/// captures, headers, a body, expectations beyond the status) are boxed, so that a suite
/// of many simple checks holds little per check for its whole run.
#[derive(Debug, Clone)]
pub(crate) struct StepSpec {
    pub request: RequestSpec,
    pub expect: ExpectSpec,
    extra: Option<Box<StepExtra>>,
}

/// A step's name and captures.
#[derive(Debug, Clone)]
struct StepExtra {
    name: Option<String>,
    capture: Vec<(String, CaptureSpec)>,
}

impl StepSpec {
    pub(crate) fn new(
        request: RequestSpec,
        expect: ExpectSpec,
        name: Option<String>,
        capture: Vec<(String, CaptureSpec)>,
    ) -> StepSpec {
        let extra =
            (name.is_some() || !capture.is_empty()).then(|| Box::new(StepExtra { name, capture }));
        StepSpec {
            request,
            expect,
            extra,
        }
    }

    pub(crate) fn name(&self) -> Option<&str> {
        self.extra.as_ref().and_then(|e| e.name.as_deref())
    }

    pub(crate) fn capture(&self) -> &[(String, CaptureSpec)] {
        self.extra.as_ref().map_or(&[], |e| &e.capture)
    }
}

/// A request: its method and target in place, the rest boxed when there is any.
#[derive(Debug, Clone)]
pub(crate) struct RequestSpec {
    pub method: reqwest::Method,
    pub target: Target,
    extra: Option<Box<RequestExtra>>,
}

/// The parts of a request other than its method and target.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestExtra {
    pub headers: Option<Template>,
    pub query: Option<Template>,
    pub body: BodySpec,
    /// Send `Accept-Encoding`.
    pub compressed: bool,
}

impl RequestExtra {
    fn is_empty(&self) -> bool {
        self.headers.is_none()
            && self.query.is_none()
            && matches!(self.body, BodySpec::None)
            && !self.compressed
    }
}

/// The body of a request without one.
static NO_BODY: BodySpec = BodySpec::None;

impl RequestSpec {
    pub(crate) fn new(method: reqwest::Method, target: Target, extra: RequestExtra) -> RequestSpec {
        RequestSpec {
            method,
            target,
            extra: (!extra.is_empty()).then(|| Box::new(extra)),
        }
    }

    pub(crate) fn headers(&self) -> Option<&Template> {
        self.extra.as_ref().and_then(|e| e.headers.as_ref())
    }

    pub(crate) fn query(&self) -> Option<&Template> {
        self.extra.as_ref().and_then(|e| e.query.as_ref())
    }

    pub(crate) fn body(&self) -> &BodySpec {
        self.extra.as_ref().map_or(&NO_BODY, |e| &e.body)
    }

    pub(crate) fn compressed(&self) -> bool {
        self.extra.as_ref().is_some_and(|e| e.compressed)
    }

    /// Replaces the headers.
    pub(crate) fn set_headers(&mut self, headers: Option<Template>) {
        self.extra.get_or_insert_default().headers = headers;
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Target {
    Path(Template),
    Url(Template),
}

#[derive(Debug, Clone, Default)]
pub(crate) enum BodySpec {
    #[default]
    None,
    Json(Template),
    Text(Template),
    Form(Template),
}

#[derive(Debug, Clone)]
pub(crate) enum CaptureSpec {
    Json {
        text: String,
        path: Arc<serde_json_path::JsonPath>,
    },
    Header(String),
    Regex(Regex),
}

impl Validator<'_> {
    pub(in crate::suite) fn steps(
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
                known
                    .0
                    .extend(step.capture().iter().map(|(k, _)| k.clone()));
                step
            })
            .collect()
    }

    pub(in crate::suite) fn step(
        &mut self,
        request: &RequestRaw,
        expect: Option<&ExpectRaw>,
        capture: &std::collections::BTreeMap<String, Any>,
        name: Option<String>,
        field: &str,
        known: &Known,
    ) -> StepSpec {
        let at = request
            .path
            .as_ref()
            .or(request.url.as_ref())
            .map(|p| p.referenced)
            .unwrap_or(Location::UNKNOWN);
        let name = name.and_then(|n| self.now(&n, at, &format!("{field}.name")));
        let request = self.request(request, &format!("{field}.request"), known);
        let expect = expect
            .map(|e| self.expect(e, &format!("{field}.expect"), known))
            .unwrap_or_default();
        self.captures.extend(capture.keys().cloned());
        let capture = capture
            .iter()
            .filter_map(|(k, v)| {
                self.capture(v, &format!("{field}.capture.{k}"))
                    .map(|c| (k.clone(), c))
            })
            .collect();
        StepSpec::new(request, expect, name, capture)
    }

    pub(in crate::suite) fn request(
        &mut self,
        r: &RequestRaw,
        field: &str,
        known: &Known,
    ) -> RequestSpec {
        let method_text = r
            .method
            .as_ref()
            .map(|m| self.now(&m.value, m.referenced, &format!("{field}.method")));
        let method = match (&r.method, method_text) {
            (None, _) | (_, None | Some(None)) => reqwest::Method::GET,
            (Some(m), Some(Some(text))) => {
                match reqwest::Method::from_bytes(text.to_ascii_uppercase().as_bytes()) {
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
                            format!("invalid HTTP method `{text}`"),
                        );
                        reqwest::Method::GET
                    }
                }
            }
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
        RequestSpec::new(
            method,
            target,
            RequestExtra {
                headers,
                query,
                body,
                compressed: r.compressed,
            },
        )
    }

    /// A capture's JSONPath or header name is expanded when the suite loads.
    pub(in crate::suite) fn capture(&mut self, v: &Any, field: &str) -> Option<CaptureSpec> {
        let jsonpath = |s: &mut Self, text: &str| {
            let text = s.now(text, v.referenced, field)?;
            match serde_json_path::JsonPath::parse(&text) {
                Ok(p) => Some(CaptureSpec::Json {
                    text,
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
            }
        };
        match &v.value {
            Value::String(s) => jsonpath(self, s),
            Value::Object(o) if o.len() == 1 => match o.iter().next() {
                Some((k, Value::String(arg))) if k == "json" => jsonpath(self, arg),
                Some((k, Value::String(arg))) if k == "header" => self
                    .now(arg, v.referenced, field)
                    .map(|h| CaptureSpec::Header(h.to_ascii_lowercase())),
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
    pub(in crate::suite) fn action(
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

    /// A path on the service, expanded when the suite loads.
    pub(in crate::suite) fn path(&mut self, p: &Spanned<String>, field: &str) -> String {
        let Some(path) = self.now(&p.value, p.referenced, field) else {
            return p.value.clone();
        };
        if !path.starts_with('/') {
            self.err(
                p.referenced,
                field,
                format!("path `{path}` must start with `/`"),
            );
        }
        path
    }
}
