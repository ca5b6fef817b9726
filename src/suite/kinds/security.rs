//! The `security` kind whole: its keys as written (`…Raw`, whose doc comments are the JSON
//! Schema), the validated spec the runner sees, and the validator between them.

use super::{DiscoverRaw, DiscoverSpec, SecurityMode};
use crate::suite::located::Spanned;
use crate::suite::request::{RequestRaw, RequestSpec};
use crate::suite::shapes::{Any, MapOrVarSchema};
use crate::suite::template::Template;
use crate::suite::validator::{Known, Validator};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Security probes; a check may combine several.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct SecurityRaw {
    /// Requests that must be refused (401/403) as written, without credentials.
    pub auth_required: Option<Vec<RequestRaw>>,
    /// A request made with a made-up identity in plain headers must be refused.
    pub spoofable_identity: Option<RequestRaw>,
    /// Malformed input to this endpoint must get 4xx, never 5xx, and no error body may
    /// leak a stack trace, file path or exception name.
    pub error_hygiene: Option<RequestRaw>,
    /// CORS preflights: foreign origins refused, the allowed ones accepted.
    pub cors: Option<CorsRaw>,
    /// HMAC-SHA256 webhook signatures: unsigned and tampered refused, valid accepted.
    pub webhook_signature: Option<WebhookRaw>,
    /// Security response headers the endpoint must send.
    pub headers: Option<SecurityHeadersRaw>,
    /// `safe` sends only GET, HEAD and OPTIONS (the default against `base-url`); `active`
    /// sends every probe (the default when harden started the service).
    #[schemars(with = "Option<SecurityMode>")]
    pub mode: Option<Spanned<String>>,
    /// Probes that look for themselves, from the service's OpenAPI document.
    #[schemars(with = "Option<DiscoverRaw>")]
    pub discover: Option<Spanned<DiscoverRaw>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct CorsRaw {
    #[schemars(with = "String")]
    pub path: Spanned<String>,
    /// Origins that must be allowed.
    #[serde(default)]
    pub allowed: Vec<String>,
    /// The method the preflight asks for (default POST).
    pub method: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct WebhookRaw {
    #[schemars(with = "String")]
    pub path: Spanned<String>,
    /// The shared secret, usually `${env.WEBHOOK_SECRET}` or a secret var.
    #[schemars(with = "String")]
    pub secret: Spanned<String>,
    /// Default `X-Hub-Signature-256`.
    pub header: Option<String>,
    /// Default `sha256=`.
    pub prefix: Option<String>,
    /// Other headers to send (e.g. `X-GitHub-Event`).
    #[schemars(with = "Option<MapOrVarSchema>")]
    pub headers: Option<Any>,
    /// The JSON payload (default `{"zen": "harden"}`).
    #[schemars(with = "Option<Value>")]
    pub json: Option<Any>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct SecurityHeadersRaw {
    #[schemars(with = "String")]
    pub path: Spanned<String>,
    /// Header names that must be present; `{name: value}` items also fix the value.
    #[schemars(with = "Vec<Value>")]
    pub require: Vec<Any>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct SecuritySpec {
    pub auth_required: Vec<RequestSpec>,
    pub spoofable_identity: Option<RequestSpec>,
    pub error_hygiene: Option<RequestSpec>,
    pub cors: Option<CorsSpec>,
    pub webhook: Option<WebhookSpec>,
    pub headers: Option<SecurityHeadersSpec>,
    pub mode: Option<SecurityMode>,
    pub discover: Option<DiscoverSpec>,
}

#[derive(Debug, Clone)]
pub(crate) struct CorsSpec {
    pub path: String,
    pub allowed: Vec<String>,
    pub method: String,
}

#[derive(Debug, Clone)]
pub(crate) struct WebhookSpec {
    pub path: String,
    pub secret: Template,
    pub header: String,
    pub prefix: String,
    pub headers: Option<Template>,
    pub payload: Template,
}

#[derive(Debug, Clone)]
pub(crate) struct SecurityHeadersSpec {
    pub path: String,
    /// Lowercase names, with the value they must have when given.
    pub require: Vec<(String, Option<String>)>,
}

impl Validator<'_> {
    pub(in crate::suite) fn security(
        &mut self,
        x: Spanned<SecurityRaw>,
        field: &str,
        known: &Known,
    ) -> Option<SecuritySpec> {
        let loc = x.referenced;
        let mut x = x.value;
        if let Some(c) = &mut x.cors {
            self.expand_all_now(&mut c.allowed, loc, &format!("{field}.cors.allowed"));
            if let Some(m) = &mut c.method {
                self.expand_now(m, loc, &format!("{field}.cors.method"));
            }
        }
        if let Some(w) = &mut x.webhook_signature {
            for (name, t) in [("header", &mut w.header), ("prefix", &mut w.prefix)] {
                if let Some(t) = t {
                    self.expand_now(t, loc, &format!("{field}.webhook-signature.{name}"));
                }
            }
        }
        let mut spec = SecuritySpec::default();
        for (i, r) in x.auth_required.iter().flatten().enumerate() {
            let req = self.request(r, &format!("{field}.auth-required[{i}]"), known);
            spec.auth_required.push(req);
        }
        spec.spoofable_identity = x
            .spoofable_identity
            .as_ref()
            .map(|r| self.request(r, &format!("{field}.spoofable-identity"), known));
        spec.error_hygiene = x
            .error_hygiene
            .as_ref()
            .map(|r| self.request(r, &format!("{field}.error-hygiene"), known));
        spec.cors = x.cors.map(|c| CorsSpec {
            path: self.path(&c.path, &format!("{field}.cors.path")),
            allowed: c.allowed,
            method: c
                .method
                .unwrap_or_else(|| "POST".into())
                .to_ascii_uppercase(),
        });
        if let Some(w) = x.webhook_signature {
            let f = format!("{field}.webhook-signature");
            let headers = w.headers.as_ref().map(|h| {
                self.template(
                    h.value.clone(),
                    h.referenced,
                    &format!("{f}.headers"),
                    known,
                )
            });
            let payload = match &w.json {
                Some(j) => {
                    self.template(j.value.clone(), j.referenced, &format!("{f}.json"), known)
                }
                None => Template::new(serde_json::json!({ "zen": "harden" }))
                    .unwrap_or_else(|_| Template::literal("")),
            };
            spec.webhook = Some(WebhookSpec {
                path: self.path(&w.path, &format!("{f}.path")),
                secret: self.template(
                    Value::String(w.secret.value.clone()),
                    w.secret.referenced,
                    &format!("{f}.secret"),
                    known,
                ),
                header: w.header.unwrap_or_else(|| "X-Hub-Signature-256".into()),
                prefix: w.prefix.unwrap_or_else(|| "sha256=".into()),
                headers,
                payload,
            });
        }
        if let Some(h) = x.headers {
            let f = format!("{field}.headers");
            let mut require = Vec::new();
            for item in &h.require {
                match &item.value {
                    Value::String(n) => require.push((n.to_ascii_lowercase(), None)),
                    Value::Object(o) if o.len() == 1 => {
                        for (k, v) in o {
                            require.push((
                                k.to_ascii_lowercase(),
                                Some(crate::suite::template::value_text(v)),
                            ));
                        }
                    }
                    _ => {
                        self.err(
                            item.referenced,
                            &format!("{f}.require"),
                            "expected a header name or `{name: value}`",
                        );
                    }
                }
            }
            spec.headers = Some(SecurityHeadersSpec {
                path: self.path(&h.path, &format!("{f}.path")),
                require,
            });
        }
        if let Some(mut m) = x.mode {
            self.expand_now(&mut m.value, m.referenced, &format!("{field}.mode"));
            spec.mode = match m.value.as_str() {
                "safe" => Some(SecurityMode::Safe),
                "active" => Some(SecurityMode::Active),
                other => {
                    self.err(
                        m.referenced,
                        &format!("{field}.mode"),
                        format!("unknown mode `{other}`"),
                    )
                    .hint = Some(crate::suggest::one_of(other, &["safe", "active"]));
                    None
                }
            };
        }
        let had_discover = x.discover.is_some();
        spec.discover = x
            .discover
            .and_then(|d| self.security_discover(d, &format!("{field}.discover"), known));
        let empty = spec.auth_required.is_empty()
            && !had_discover
            && spec.spoofable_identity.is_none()
            && spec.error_hygiene.is_none()
            && spec.cors.is_none()
            && spec.webhook.is_none()
            && spec.headers.as_ref().is_none_or(|h| h.require.is_empty());
        if empty {
            self.err(loc, field, "this check asserts nothing").hint = Some(
                "add a probe: `auth-required`, `spoofable-identity`, `error-hygiene`, `cors`, `webhook-signature`, `headers` or `discover`".into(),
            );
            return None;
        }
        if had_discover && spec.discover.is_none() {
            return None;
        }
        Some(spec)
    }
}
