//! The `security` kind's keys.

use super::super::*;

impl Validator<'_> {
    pub(in crate::suite::loader) fn security(
        &mut self,
        x: Spanned<raw::SecurityRaw>,
        field: &str,
        known: &Known,
    ) -> Option<CheckKindSpec> {
        let loc = x.referenced;
        let x = x.value;
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
        let empty = spec.auth_required.is_empty()
            && spec.spoofable_identity.is_none()
            && spec.error_hygiene.is_none()
            && spec.cors.is_none()
            && spec.webhook.is_none()
            && spec.headers.as_ref().is_none_or(|h| h.require.is_empty());
        if empty {
            self.err(loc, field, "this check asserts nothing").hint = Some(
                "add a probe: `auth-required`, `spoofable-identity`, `error-hygiene`, `cors`, `webhook-signature` or `headers`".into(),
            );
            return None;
        }
        Some(CheckKindSpec::Security(Box::new(spec)))
    }
}
