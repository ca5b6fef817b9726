//! `discover:`: reads the service's OpenAPI document with the engine's loader and runs the
//! probe families that look for themselves (`jwt.rs`, `unlisted.rs`, `exposure.rs`,
//! `access.rs`, `mass_assignment.rs`, `injection.rs`, `ssrf.rs`, `brute_force.rs`). In
//! `mode: safe` every request they send is GET, HEAD or OPTIONS; every family is bounded
//! in count and time; each finding is an assertion naming its OWASP API Top 10 (2023)
//! category, the request as a `curl` with credentials masked, the answer, and why it is a
//! finding.

use super::{
    access, brute_force, exposure, identities, injection, jwt, mass_assignment, ssrf, unlisted,
};
use crate::check::context::CheckContext;
use crate::check::outcome::Assertion;
use crate::http::{self, Response};
use crate::openapi::Document;
use crate::openapi::document::{Credential, Location, Operation};
use crate::suite::{DiscoverDocument, DiscoverSpec};
use serde_json::Value;
use std::time::Duration;

/// One probe request's whole deadline.
pub(super) const PER_REQUEST: Duration = Duration::from_secs(10);
/// The most a document file may hold.
const MAX_FILE: u64 = 32 * 1024 * 1024;

/// What every family works from: the document, the suite's credentials, where to send.
pub(super) struct Prober<'a> {
    pub cx: &'a CheckContext,
    pub doc: Document,
    /// The suite's headers, expanded, in order.
    pub headers: Vec<(String, String)>,
    /// Where the document's paths go: the base URL and the document's base path.
    pub root: String,
    /// The document's own path on the service, when it was fetched from there.
    pub document_path: Option<String>,
    pub spec: &'a DiscoverSpec,
    /// The document as parsed, for extensions the engine does not read (`x-roles`).
    pub raw: Value,
    /// `mode: safe`: only reads (GET) are probed with crafted input; writes are held back.
    pub safe: bool,
}

/// What the families found: assertions (findings fail), and notes on what was not probed.
#[derive(Default)]
pub(super) struct Found {
    pub assertions: Vec<Assertion>,
    pub notes: Vec<String>,
    /// Probes safe mode did not send (they would change state).
    pub held: Vec<String>,
}

pub(super) async fn run(
    spec: &DiscoverSpec,
    cx: &CheckContext,
    safe: bool,
) -> Result<Found, String> {
    let headers = match spec.headers.as_ref().map(|t| t.expand(&cx.scope)) {
        None => Vec::new(),
        Some(Ok(Value::Object(m))) => m
            .into_iter()
            .map(|(k, v)| (k, crate::suite::value_text(&v)))
            .collect(),
        Some(Ok(other)) => {
            return Err(format!(
                "discover: `headers` must be a map, found `{other}`"
            ));
        }
        Some(Err(e)) => return Err(format!("discover: {e}")),
    };
    let base = cx.base_url.trim_end_matches('/').to_string();
    let (doc, raw, document_path) = match &spec.document {
        DiscoverDocument::File(path) => {
            let text = crate::read::text(path, MAX_FILE).map_err(|e| format!("discover: {e}"))?;
            let raw = crate::openapi::document::parse(&text)
                .map_err(|e| format!("discover: `{}`: {e}", path.display()))?;
            let doc = Document::new(raw.clone())
                .map_err(|e| format!("discover: `{}`: {e}", path.display()))?;
            (doc, raw, None)
        }
        DiscoverDocument::Service(path) => {
            let r = get_with(cx, &format!("{base}{path}"), &headers).await?;
            if !(200..300).contains(&r.status) {
                return Err(format!(
                    "discover: GET {path} answered {}\nhint: point `document` at the OpenAPI document (a path on the service or a file)",
                    r.status
                ));
            }
            let raw = crate::openapi::document::parse(&r.body)
                .map_err(|e| format!("discover: GET {path}: {e}"))?;
            let doc =
                Document::new(raw.clone()).map_err(|e| format!("discover: GET {path}: {e}"))?;
            (doc, raw, Some(path.clone()))
        }
    };
    let root = format!("{base}{}", doc.base_path.trim_end_matches('/'));
    let p = Prober {
        cx,
        doc,
        headers,
        root,
        document_path,
        spec,
        raw,
        safe,
    };
    p.check_skip()?;
    let mut found = Found::default();
    if spec.jwt != Some(false) {
        jwt::run(&p, &mut found).await?;
    }
    if spec.unlisted != Some(false) {
        unlisted::run(&p, &mut found).await?;
    }
    if spec.exposure != Some(false) {
        exposure::run(&p, &mut found).await?;
    }
    // Brute force first: its bursts of wrong codes are then the first the service sees,
    // not counted on top of the injection probes' own wrong inputs.
    if spec.brute_force != Some(false) {
        brute_force::run(&p, &mut found).await?;
    }
    if spec.ssrf != Some(false) {
        ssrf::run(&p, &mut found).await?;
    }
    if spec.injection != Some(false) {
        injection::run(&p, &mut found).await?;
    }
    let access_on = spec.access != Some(false) && !spec.identities.is_empty();
    let mass_on = spec.mass_assignment != Some(false);
    if access_on || mass_on {
        let ids = identities::resolve(&p)?;
        if access_on {
            access::run(&p, &ids, &mut found).await?;
        }
        if mass_on && safe {
            found.held.push("mass-assignment".into());
        } else if mass_on {
            mass_assignment::run(&p, &ids, &mut found).await?;
        }
    }
    Ok(found)
}

async fn get_with(
    cx: &CheckContext,
    url: &str,
    headers: &[(String, String)],
) -> Result<Response, String> {
    let mut plain = http::Plain::new(reqwest::Method::GET, url);
    plain.headers = headers
        .iter()
        .map(|(k, v)| (k.clone(), Some(v.clone())))
        .collect();
    plain.timeout = Some(PER_REQUEST);
    let built = plain.build(&cx.client)?;
    Ok(http::send(&cx.client, built, cx.body_limit(), &cx.activity).await?)
}

/// A read-only request: only these methods are ever sent by the families.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Read {
    Get,
    Head,
    Options,
}

impl Read {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Read::Get => "GET",
            Read::Head => "HEAD",
            Read::Options => "OPTIONS",
        }
    }

    fn method(self) -> reqwest::Method {
        match self {
            Read::Get => reqwest::Method::GET,
            Read::Head => reqwest::Method::HEAD,
            Read::Options => reqwest::Method::OPTIONS,
        }
    }
}

/// One sent probe: what was sent (as a masked `curl`) and what came back.
pub(super) struct Sent {
    pub curl: String,
    pub response: Response,
}

impl Sent {
    /// The answer in a line: status, type and size, never the body (an exposed `.env`
    /// must not be republished in harden's reports).
    pub(super) fn answer(&self) -> String {
        let r = &self.response;
        let kind = r
            .header("content-type")
            .map(|t| format!("{t}, "))
            .unwrap_or_default();
        format!("{} ({kind}{} bytes)", r.status, r.body.len())
    }

    /// A failed assertion for a finding: category, what, why, the answer and the curl.
    pub(super) fn finding(&self, category: &str, what: &str, why: &str) -> Assertion {
        Assertion::new(
            format!("{category}: {what}"),
            why,
            format!("{} from `{}`", self.answer(), self.curl),
            false,
        )
    }
}

impl Prober<'_> {
    /// Sends `method url` with `headers` (the caller's choice: the suite's credentials,
    /// a forged token, an origin), bounded by `PER_REQUEST`.
    pub(super) async fn send(
        &self,
        method: Read,
        url: &str,
        headers: &[(String, String)],
    ) -> Result<Sent, String> {
        let mut plain = http::Plain::new(method.method(), url);
        plain.headers = headers
            .iter()
            .map(|(k, v)| (k.clone(), Some(v.clone())))
            .collect();
        plain.timeout = Some(PER_REQUEST);
        let curl = self.curl(method, url, headers);
        let built = plain.build(&self.cx.client)?;
        let response = http::send(
            &self.cx.client,
            built,
            self.cx.body_limit(),
            &self.cx.activity,
        )
        .await?;
        Ok(Sent { curl, response })
    }

    /// The suite's headers plus `extra` (which win, by name).
    pub(super) fn with(&self, extra: &[(&str, String)]) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .headers
            .iter()
            .filter(|(k, _)| !extra.iter().any(|(e, _)| e.eq_ignore_ascii_case(k)))
            .cloned()
            .collect();
        out.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
        out
    }

    /// Is `name` a header that carries a credential: the suite's own headers, the
    /// document's header credentials, and the usual names.
    pub(super) fn is_credential(&self, name: &str) -> bool {
        let n = name.to_ascii_lowercase();
        matches!(
            n.as_str(),
            "authorization" | "cookie" | "proxy-authorization" | "x-api-key" | "api-key"
        ) || self.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(&n))
            || self.doc.operations.iter().any(|o| {
                o.credentials
                    .iter()
                    .any(|c| matches!(c, Credential::Header(h) if *h == n))
            })
    }

    /// The request as a `curl` command, every credential's value as `***`.
    fn curl(&self, method: Read, url: &str, headers: &[(String, String)]) -> String {
        let mut out = match method {
            Read::Head => format!("curl -I '{url}'"),
            Read::Get => format!("curl '{url}'"),
            Read::Options => format!("curl -X OPTIONS '{url}'"),
        };
        for (k, v) in headers {
            let v = if self.is_credential(k) || jwt::looks_like_jwt(v) {
                "***"
            } else {
                v.as_str()
            };
            out.push_str(&format!(" -H '{k}: {v}'"));
        }
        out
    }

    /// The URL of a documented path, each `{param}` filled with a value of its type (an
    /// example or default when the document gives one).
    pub(super) fn url_of(&self, op: &Operation) -> String {
        let mut path = op.path.clone();
        for p in &op.parameters {
            if p.location != Location::Path {
                continue;
            }
            let v = p
                .schema
                .get("example")
                .or_else(|| p.schema.get("default"))
                .map(crate::suite::value_text)
                .unwrap_or_else(|| {
                    let ty = p.schema.get("type").and_then(Value::as_str).unwrap_or("");
                    if matches!(ty, "integer" | "number") {
                        "1".into()
                    } else {
                        "harden".into()
                    }
                });
            path = path.replace(&format!("{{{}}}", p.name), &v);
        }
        format!("{}{path}", self.root)
    }
}
