//! The suite's identities as the `access` and `mass-assignment` families use them: each
//! identity's headers (expanded when the check runs), the headers of no identity, the roles
//! an operation needs, and requests of any method built by the OpenAPI engine's planner
//! (valid values for every input, path parameters filled with the ids in hand), sent with
//! a `curl` whose credentials are masked, bounded in count.

use super::discover::Prober;
use crate::check::outcome::Assertion;
use crate::http;
use crate::openapi::case::{Case, Payload, text};
use crate::openapi::document::Location;
use crate::openapi::generate::Rng;
use crate::openapi::plan::Planner;
use serde_json::Value;

/// One identity the suite logs in as.
pub(super) struct Identity {
    pub name: String,
    /// The suite's headers with this identity's own over them.
    pub headers: Vec<(String, String)>,
    pub roles: Vec<String>,
}

/// The identities of `discover.identities`, expanded; without any, the suite's own
/// credentials (`discover.headers`) as one identity, `the suite`.
pub(super) fn resolve(p: &Prober<'_>) -> Result<Vec<Identity>, String> {
    let mut out = Vec::new();
    for i in &p.spec.identities {
        let own: Vec<(String, String)> = match i.headers.expand(&p.cx.scope) {
            Ok(Value::Object(m)) => m
                .into_iter()
                .map(|(k, v)| (k, crate::suite::value_text(&v)))
                .collect(),
            Ok(other) => {
                return Err(format!(
                    "discover: `identities.{}.headers` must be a map, found `{other}`",
                    i.name
                ));
            }
            Err(e) => return Err(format!("discover: identities.{}: {e}", i.name)),
        };
        let refs: Vec<(&str, String)> = own.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        out.push(Identity {
            name: i.name.clone(),
            headers: p.with(&refs),
            roles: i.roles.clone(),
        });
    }
    if out.is_empty() {
        out.push(Identity {
            name: "the suite".into(),
            headers: p.headers.clone(),
            roles: Vec::new(),
        });
    }
    Ok(out)
}

/// The suite's headers without any that carries a credential (its own, an identity's, the
/// document's): what no identity sends.
pub(super) fn anonymous(p: &Prober<'_>) -> Vec<(String, String)> {
    p.headers
        .iter()
        .filter(|(k, _)| !secret_name(p, k))
        .cloned()
        .collect()
}

/// Is `name` a header whose value a report never shows: a credential by name, or one an
/// identity sets (`X-User: ada` identifies as much as a token does).
fn secret_name(p: &Prober<'_>, name: &str) -> bool {
    p.is_credential(name)
        || p.spec.identities.iter().any(|i| {
            i.headers
                .expand(&p.cx.scope)
                .ok()
                .and_then(|v| {
                    v.as_object()
                        .map(|m| m.keys().any(|k| k.eq_ignore_ascii_case(name)))
                })
                .unwrap_or(false)
        })
}

/// What came back, with the request that got it.
#[derive(Clone)]
pub(super) struct Answer {
    pub curl: String,
    pub status: u16,
    pub media: Option<String>,
    /// Names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub(super) fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub(super) fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }

    /// Status, type and the first 160 characters of the body.
    pub(super) fn answer(&self) -> String {
        let kind = self
            .media
            .as_ref()
            .map(|t| format!("{t}, "))
            .unwrap_or_default();
        let mut excerpt: String = self.body.chars().take(160).collect();
        if self.body.chars().count() > 160 {
            excerpt.push('…');
        }
        let excerpt = excerpt.replace(['\n', '\r'], " ");
        if excerpt.is_empty() {
            format!("{} ({kind}empty)", self.status)
        } else {
            format!(
                "{} ({kind}{} bytes): {excerpt}",
                self.status,
                self.body.len()
            )
        }
    }

    /// A failed assertion: category and what, why, this answer and its `curl`.
    pub(super) fn finding(&self, category: &str, what: &str, why: &str) -> Assertion {
        Assertion::new(
            format!("{category}: {what}"),
            why,
            format!("{} from `{}`", self.answer(), self.curl),
            false,
        )
    }

    /// As the engine's sequences read it (`stateful::extract`).
    pub(super) fn as_engine(&self) -> crate::openapi::HttpResponse {
        crate::openapi::HttpResponse {
            status: self.status,
            headers: self.headers.clone(),
            body: self.body.clone().into_bytes(),
        }
    }

    /// Do two answers carry the same thing: equal JSON, else equal text.
    pub(super) fn same_body(&self, other: &Answer) -> bool {
        match (self.json(), other.json()) {
            (Some(a), Some(b)) => a == b,
            _ => self.body == other.body,
        }
    }
}

/// Requests for the document's operations, bounded by `max`.
pub(super) struct Requests<'p> {
    p: &'p Prober<'p>,
    planner: Planner<'p>,
    sent: usize,
    max: usize,
    /// Set once the budget is spent.
    pub exhausted: bool,
    /// Operations not sent to because `discover.skip` lists them.
    pub skipped: Vec<String>,
}

impl<'p> Requests<'p> {
    pub(super) fn new(p: &'p Prober<'p>, max: usize) -> Requests<'p> {
        Requests {
            p,
            planner: Planner::new(&p.doc),
            sent: 0,
            max,
            exhausted: false,
            skipped: Vec::new(),
        }
    }

    /// The simplest valid case of operation `op`, each path parameter named in `fill`
    /// set to its value (the engine's valid value otherwise).
    pub(super) fn case(&mut self, op: usize, fill: &[(String, Value)]) -> Case {
        let mut c = self.planner.base(op, &mut Rng::new(0x5eed));
        for (name, v) in fill {
            for (loc, n, val) in c.params.iter_mut() {
                if *loc == Location::Path && n == name {
                    *val = v.clone();
                }
            }
        }
        c
    }

    /// Sends `case` with `headers` (`None` when the budget is spent or `discover.skip`
    /// lists the operation). `bare`: without the credentials the document names for the
    /// operation.
    pub(super) async fn send(
        &mut self,
        case: &Case,
        headers: &[(String, String)],
        bare: bool,
    ) -> Result<Option<Answer>, String> {
        let op = &self.p.doc.operations[case.op];
        let label = op.label();
        if self
            .p
            .spec
            .skip
            .iter()
            .any(|s| *s == label || op.operation_id.as_deref() == Some(s.as_str()))
        {
            if !self.skipped.contains(&label) {
                self.skipped.push(label);
            }
            return Ok(None);
        }
        if self.sent >= self.max {
            self.exhausted = true;
            return Ok(None);
        }
        self.sent += 1;
        let mut c = case.clone();
        c.without_credentials = bare;
        let req = c.render_with(op, &self.p.doc.base_path, headers, &[]);
        let base = self.p.cx.base_url.trim_end_matches('/');
        let method = reqwest::Method::from_bytes(req.method.as_bytes())
            .map_err(|_| format!("discover: `{}` is not a method", req.method))?;
        if self.p.safe && !matches!(method, reqwest::Method::GET | reqwest::Method::HEAD) {
            return Err(format!(
                "discover: internal: {} would be sent in safe mode",
                req.method
            ));
        }
        let mut plain = http::Plain::new(method, format!("{base}{}", req.target));
        plain.headers = req
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), Some(v.clone())))
            .collect();
        if let Some(b) = &req.body {
            plain.body = http::Body::Bytes(b.clone());
        }
        plain.timeout = Some(super::discover::PER_REQUEST);
        let mut shown = req.clone();
        for (k, v) in shown.headers.iter_mut() {
            if secret_name(self.p, k) || super::jwt::looks_like_jwt(v) {
                *v = "***".into();
            }
        }
        let curl = shown.curl(base);
        let built = plain.build(&self.p.cx.client)?;
        let r = http::send(
            &self.p.cx.client,
            built,
            self.p.cx.body_limit(),
            &self.p.cx.activity,
        )
        .await?;
        Ok(Some(Answer {
            curl,
            status: r.status,
            media: r.header("content-type").map(|t| t.to_string()),
            headers: r.headers,
            body: r.body,
        }))
    }
}

/// The id of `item` for path parameter `param`: the field of that name, `id`, or the
/// name without `_id`/`Id`.
pub(super) fn id_of(item: &Value, param: &str) -> Option<Value> {
    let short = param
        .strip_suffix("_id")
        .or_else(|| param.strip_suffix("Id"))
        .unwrap_or(param);
    [param, "id", short]
        .iter()
        .find_map(|f| item.get(*f))
        .filter(|v| v.is_string() || v.is_number())
        .cloned()
}

/// The value a sequence's link takes from a create's answer: where the engine looks (the
/// document's link, or the field or `Location` it inferred from the response schema),
/// else the answer's own field for the parameter (a response the document gives no
/// schema still names its id).
pub(super) fn linked(l: &crate::openapi::stateful::Link, a: &Answer) -> Option<Value> {
    crate::openapi::stateful::extract(&l.source, &a.as_engine())
        .or_else(|| a.json().and_then(|j| id_of(&j, &l.param)))
}

/// The family's note on what it did not send: the operations `discover.skip` lists, and
/// the budget when it ran out.
pub(super) fn notes(
    family: &str,
    rq: &Requests<'_>,
    max: usize,
    found: &mut super::discover::Found,
) {
    if !rq.skipped.is_empty() {
        found.notes.push(format!(
            "{family}: skipped (discover.skip): {}",
            rq.skipped.join(", ")
        ));
    }
    if rq.exhausted {
        found
            .notes
            .push(format!("{family}: stopped after {max} requests"));
    }
}

/// Adds `extra` to the JSON object body of `case` (what mass assignment sends).
pub(super) fn add_to_body(case: &mut Case, extra: &[(String, Value)]) {
    if let Some(Payload::Json(Value::Object(m))) = case.body.as_mut().map(|b| &mut b.payload) {
        for (k, v) in extra {
            m.insert(k.clone(), v.clone());
        }
    }
}

/// The roles operation `op` needs and where that comes from: the suite's `roles:` (first
/// rule that covers it; an empty list means anyone), the document's `x-roles` (the
/// operation's, else its path's), else `admin` for a path segment or tag naming admin.
pub(super) fn needs(p: &Prober<'_>, op: usize) -> Option<(Vec<String>, &'static str)> {
    let o = &p.doc.operations[op];
    let method = o.method.to_ascii_uppercase();
    if let Some(rule) = p.spec.roles.iter().find(|r| r.covers(&method, &o.path)) {
        return (!rule.roles.is_empty()).then(|| (rule.roles.clone(), "the suite's `roles`"));
    }
    let item = p.raw.get("paths").and_then(|ps| ps.get(&o.path));
    let declared = item
        .and_then(|i| i.get(&o.method))
        .and_then(|m| m.get("x-roles"))
        .or_else(|| item.and_then(|i| i.get("x-roles")));
    if let Some(Value::Array(a)) = declared {
        let roles: Vec<String> = a.iter().map(text).filter(|r| !r.is_empty()).collect();
        return (!roles.is_empty()).then_some((roles, "the document's `x-roles`"));
    }
    let admin = |s: &str| s.to_ascii_lowercase().contains("admin");
    let named = o
        .path
        .split('/')
        .any(|seg| !seg.starts_with('{') && admin(seg))
        || o.tags.iter().any(|t| admin(t));
    named.then(|| (vec!["admin".to_string()], "its path or tag naming admin"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_shows_status_type_and_an_excerpt_on_one_line() {
        let a = Answer {
            curl: "curl x".into(),
            status: 200,
            media: Some("application/json".into()),
            headers: Vec::new(),
            body: format!("{{\"id\": 1,\n\"text\": \"{}\"}}", "x".repeat(300)),
        };
        let shown = a.answer();
        assert!(
            shown.starts_with("200 (application/json, 321 bytes): {\"id\": 1, \"text\": \"xx"),
            "{shown}"
        );
        assert!(shown.ends_with('…') && !shown.contains('\n'), "{shown}");
        let empty = Answer {
            body: String::new(),
            media: None,
            ..a
        };
        assert_eq!(empty.answer(), "200 (empty)");
    }

    #[test]
    fn bodies_are_the_same_as_json_whatever_the_spacing() {
        let a = |body: &str| Answer {
            curl: String::new(),
            status: 200,
            media: None,
            headers: Vec::new(),
            body: body.into(),
        };
        assert!(a(r#"{"id":1,"text":"x"}"#).same_body(&a(r#"{"id": 1, "text": "x"}"#)));
        assert!(!a(r#"{"id":1}"#).same_body(&a(r#"{"id":2}"#)));
        assert!(a("plain").same_body(&a("plain")));
    }

    #[test]
    fn an_id_is_the_parameter_s_field_then_id_then_the_short_name() {
        use serde_json::json;
        assert_eq!(
            id_of(&json!({"note_id": 3, "id": 9}), "note_id"),
            Some(json!(3))
        );
        assert_eq!(id_of(&json!({"id": 9}), "note_id"), Some(json!(9)));
        assert_eq!(
            id_of(&json!({"note": "n-1"}), "note_id"),
            Some(json!("n-1"))
        );
        assert_eq!(id_of(&json!({"id": {"x": 1}}), "note_id"), None);
    }
}
