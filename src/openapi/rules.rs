//! The rules every response is held to: pure functions of (operation, case, response).
//! Each is named after the Schemathesis check it corresponds to.

use super::case::{Case, HttpResponse, Intent};
use super::document::Operation;
use serde_json::Value;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Rule {
    NotAServerError,
    StatusCodeConformance,
    ContentTypeConformance,
    ResponseSchemaConformance,
    ResponseHeadersConformance,
    NegativeDataRejection,
    IgnoredAuth,
    UseAfterFree,
    EnsureResourceAvailability,
    UnsupportedMethod,
}

impl Rule {
    pub(crate) const ALL: [Rule; 10] = [
        Rule::NotAServerError,
        Rule::StatusCodeConformance,
        Rule::ContentTypeConformance,
        Rule::ResponseSchemaConformance,
        Rule::ResponseHeadersConformance,
        Rule::NegativeDataRejection,
        Rule::IgnoredAuth,
        Rule::UseAfterFree,
        Rule::EnsureResourceAvailability,
        Rule::UnsupportedMethod,
    ];

    /// The rule named `name` (as `name()` writes it).
    pub(crate) fn from_name(name: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.name() == name)
    }

    /// The Schemathesis check's name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Rule::NotAServerError => "not_a_server_error",
            Rule::StatusCodeConformance => "status_code_conformance",
            Rule::ContentTypeConformance => "content_type_conformance",
            Rule::ResponseSchemaConformance => "response_schema_conformance",
            Rule::ResponseHeadersConformance => "response_headers_conformance",
            Rule::NegativeDataRejection => "negative_data_rejection",
            Rule::IgnoredAuth => "ignored_auth",
            Rule::UseAfterFree => "use_after_free",
            Rule::EnsureResourceAvailability => "ensure_resource_availability",
            Rule::UnsupportedMethod => "unsupported_method",
        }
    }

    /// What the rule asks, in words.
    pub(crate) fn words(self) -> &'static str {
        match self {
            Rule::NotAServerError => "no request gets a server error (5xx)",
            Rule::StatusCodeConformance => "the status is one the document lists for the operation",
            Rule::ContentTypeConformance => {
                "the Content-Type is one the document lists for that status"
            }
            Rule::ResponseSchemaConformance => {
                "the body matches the schema documented for that status and media type"
            }
            Rule::ResponseHeadersConformance => {
                "the headers the document marks required are present"
            }
            Rule::NegativeDataRejection => {
                "a request that breaks the document is refused with a 4xx"
            }
            Rule::IgnoredAuth => {
                "an operation that requires credentials refuses a request without them (401/403)"
            }
            Rule::UseAfterFree => "a resource deleted with a 2xx is gone (404/410) afterwards",
            Rule::EnsureResourceAvailability => "a resource created with a 2xx can be read back",
            Rule::UnsupportedMethod => {
                "a method the document does not list for a path is refused with 405 and an `Allow` of the listed ones"
            }
        }
    }
}

/// A rule a response broke, and how.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Violation {
    pub rule: Rule,
    pub detail: String,
}

/// What one response shows.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Verdict {
    pub violations: Vec<Violation>,
    /// A valid case answered 4xx: the operation was not exercised (positive_data_acceptance).
    pub rejected_valid: bool,
}

/// Response schemas compiled once per run (formats not checked: servers write many).
#[derive(Default)]
pub(crate) struct Schemas {
    compiled: HashMap<String, Option<jsonschema::Validator>>,
}

impl Schemas {
    /// The first errors of `v` against `schema`; `Err` when the schema does not compile.
    pub(crate) fn errors(&mut self, schema: &Value, v: &Value) -> Result<Vec<String>, String> {
        let validator = self
            .compiled
            .entry(schema.to_string())
            .or_insert_with(|| jsonschema::validator_for(schema).ok());
        let Some(validator) = validator else {
            return Err("the document's schema does not compile".into());
        };
        Ok(validator
            .iter_errors(v)
            .take(3)
            .map(|e| {
                let at = e.instance_path().to_string();
                format!("{}: {e}", if at.is_empty() { "$".into() } else { at })
            })
            .collect())
    }
}

fn media_matches(documented: &str, got: &str) -> bool {
    let documented = documented.split(';').next().unwrap_or("").trim();
    documented == got
        || documented == "*/*"
        || documented
            .strip_suffix("/*")
            .is_some_and(|family| got.split('/').next() == Some(family))
}

/// Every rule of a single response to `case`.
pub(crate) fn check(
    op: &Operation,
    case: &Case,
    r: &HttpResponse,
    schemas: &mut Schemas,
) -> Verdict {
    let mut v = Verdict::default();
    let mut broke = |rule: Rule, detail: String| v.violations.push(Violation { rule, detail });
    if r.status >= 500 {
        broke(
            Rule::NotAServerError,
            format!("{} (a server error)", r.status),
        );
    }
    if let Intent::UnlistedMethod { method, listed } = &case.intent {
        if let Some(detail) = unlisted_method(method, &op.path, listed, r) {
            broke(Rule::UnsupportedMethod, detail);
        }
        return v;
    }
    if let Intent::Invalid(how) = &case.intent
        && (200..300).contains(&r.status)
    {
        broke(
            Rule::NegativeDataRejection,
            format!("{} to a request {how}", r.status),
        );
    }
    if case.without_credentials && r.status < 400 {
        broke(
            Rule::IgnoredAuth,
            format!("{} without credentials", r.status),
        );
    }
    if !op.responses.is_empty() {
        match op.response(r.status) {
            None => {
                let listed: Vec<&str> = op.responses.iter().map(|s| s.status.as_str()).collect();
                broke(
                    Rule::StatusCodeConformance,
                    format!(
                        "{} is not documented (documented: {})",
                        r.status,
                        listed.join(", ")
                    ),
                );
            }
            Some(doc) => {
                for h in &doc.headers {
                    if r.header(h).is_none() {
                        broke(
                            Rule::ResponseHeadersConformance,
                            format!("{} without the required header `{h}`", r.status),
                        );
                    }
                }
                if !doc.content.is_empty() && !r.body.is_empty() {
                    let got = r.media();
                    let media = got
                        .as_deref()
                        .and_then(|g| doc.content.iter().find(|m| media_matches(&m.media, g)));
                    match media {
                        None => {
                            let listed: Vec<&str> =
                                doc.content.iter().map(|m| m.media.as_str()).collect();
                            broke(
                                Rule::ContentTypeConformance,
                                format!(
                                    "{} with Content-Type {} (documented: {})",
                                    r.status,
                                    got.as_deref()
                                        .map_or("(none)".to_string(), |g| format!("`{g}`")),
                                    listed.join(", ")
                                ),
                            );
                        }
                        Some(m)
                            if m.media.contains("json")
                                || m.media == "*/*"
                                    && got.as_deref().is_some_and(|g| g.contains("json")) =>
                        {
                            match serde_json::from_slice::<Value>(&r.body) {
                                Err(e) => broke(
                                    Rule::ResponseSchemaConformance,
                                    format!("{} with a body that is not JSON ({e})", r.status),
                                ),
                                Ok(body) => match schemas.errors(&m.schema, &body) {
                                    Ok(errors) if errors.is_empty() => {}
                                    Ok(errors) => broke(
                                        Rule::ResponseSchemaConformance,
                                        format!(
                                            "{}, body does not match: {}",
                                            r.status,
                                            errors.join("; ")
                                        ),
                                    ),
                                    Err(e) => broke(Rule::ResponseSchemaConformance, e),
                                },
                            }
                        }
                        Some(_) => {}
                    }
                }
            }
        }
    }
    v.rejected_valid =
        case.intent == Intent::Valid && !case.without_credentials && (400..500).contains(&r.status);
    v
}

/// What is wrong with the answer `r` to `method`, which the document does not list for
/// `path` (it lists `listed`, upper case): it must be refused with 405 (or 501, a method
/// the server does not know) and a 405 must say in `Allow` every listed method. `OPTIONS`
/// may instead be answered 2xx with that `Allow` (RFC 9110 9.3.7). A 5xx is
/// `not_a_server_error`'s.
fn unlisted_method(
    method: &str,
    path: &str,
    listed: &[String],
    r: &HttpResponse,
) -> Option<String> {
    let allow: Vec<String> = r
        .header("allow")
        .unwrap_or("")
        .split(',')
        .map(|m| m.trim().to_ascii_uppercase())
        .filter(|m| !m.is_empty())
        .collect();
    let missing: Vec<&str> = listed
        .iter()
        .filter(|m| !allow.contains(m))
        .map(String::as_str)
        .collect();
    let options_ok = method == "OPTIONS" && (200..300).contains(&r.status);
    match r.status {
        500.. => None,
        _ if (r.status == 405 || options_ok) && r.header("allow").is_none() => Some(format!(
            "{method} {path} answered {} without an `Allow` header (the document lists {})",
            r.status,
            listed.join(", ")
        )),
        _ if (r.status == 405 || options_ok) && !missing.is_empty() => Some(format!(
            "{method} {path} answered {} with `Allow: {}`, which leaves out {} (the document lists {})",
            r.status,
            allow.join(", "),
            missing.join(", "),
            listed.join(", ")
        )),
        405 => None,
        _ if options_ok => None,
        s => Some(format!(
            "{method} {path}, a method the document does not list for the path (it lists {}), answered {s}, not 405",
            listed.join(", ")
        )),
    }
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
