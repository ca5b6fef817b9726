//! The `security` kind's probes that look without being told where (`discover:`): JWT
//! forgeries, unlisted endpoints, exposed headers and look-alike origins, injection, SSRF,
//! unthrottled codes, the access matrix of the suite's identities and mass assignment,
//! each family behind its own switch, all read from the service's OpenAPI document; and
//! the operations no probe may touch (`skip`). Also the check's `mode` (`safe` or
//! `active`), which decides whether probes that could change state run.

use crate::suite::located::Spanned;
use crate::suite::shapes::{Any, MapOrVarSchema};
use crate::suite::template::Template;
use crate::suite::validator::{Known, Validator};
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

/// What a `security` check may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum SecurityMode {
    /// Only GET, HEAD and OPTIONS: the default against `base-url` (a service harden did
    /// not start). Probes that would send another method are not sent, and say so.
    Safe,
    /// Every probe: the default when harden started the service.
    Active,
}

/// Probes that read the service's OpenAPI document and look for themselves; each family is
/// on unless switched off. In `mode: safe` everything they send is GET, HEAD or OPTIONS.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct DiscoverRaw {
    /// The OpenAPI document: a path on the service (default `/openapi.json`) or a file
    /// relative to the suite (JSON or YAML).
    #[schemars(with = "Option<String>")]
    pub document: Option<Spanned<String>>,
    /// The suite's credentials, sent with every probe (a map, or `${var}` holding one).
    /// A bearer JWT found here (or in a var or capture) is what the `jwt` family forges.
    #[schemars(with = "Option<MapOrVarSchema>")]
    pub headers: Option<Any>,
    /// The service runs in production: `/docs`, `/redoc` and the OpenAPI document's own
    /// path count as unlisted endpoints too.
    #[serde(default)]
    pub production: bool,
    /// Origins the service allows (CORS); look-alikes of each must be refused.
    #[serde(default)]
    pub origins: Vec<String>,
    /// API2: the suite's bearer JWTs re-sent forged (`alg: none`, another subject, a bad
    /// signature, expired) and their HMAC key guessed (weak keys, every 6-digit number).
    pub jwt: Option<bool>,
    /// API9: common paths (`/debug`, `/admin`, `/.env`, ...) and the document's paths with
    /// read-only methods it does not list.
    pub unlisted: Option<bool>,
    /// API8: headers that give the stack away (`X-Powered-By`, `Server` with a version)
    /// and CORS look-alike origins.
    pub exposure: Option<bool>,
    /// API8 (injection): SQL, OS command, template and path traversal payloads in each
    /// string parameter and body field, found by error signatures, computed markers and
    /// file contents. Writes (POST, PUT, PATCH) only in `mode: active`; DELETE never.
    pub injection: Option<bool>,
    /// API7: URL fields (`format: uri`, or named `url`, `callback`, `webhook`, ...) get
    /// the URL of a listener harden runs on 127.0.0.1; a request arriving there is a finding.
    pub ssrf: Option<bool>,
    /// API4: operations taking a PIN, one-time code or password get 30 wrong attempts;
    /// none refused (429, 423, 403 or `Retry-After`) is a finding. Writes only in
    /// `mode: active`.
    pub brute_force: Option<bool>,
    /// Operations the injection, SSRF, brute-force, access and mass-assignment probes never
    /// send to: `METHOD /path` as the document writes it (`POST /orders/{id}/refund`) or an
    /// `operationId`.
    #[serde(default)]
    pub skip: Vec<String>,
    /// The identities the suite logs in as, by name (`ada: { headers: {...}, roles: [user] }`),
    /// each with the headers that carry its credentials (from setup captures or secrets).
    /// The `access` family replays what one may use as each other and as no identity.
    #[schemars(with = "Option<BTreeMap<String, IdentityRaw>>")]
    pub identities: Option<Any>,
    /// The roles an operation needs, by `METHOD /path` or `/path` (`*` a segment, a final
    /// `/*` anything below), first match wins: `{ "/admin/*": [admin] }`. Read with the
    /// document's `x-roles` and paths or tags naming `admin`.
    #[schemars(with = "Option<BTreeMap<String, Vec<String>>>")]
    pub roles: Option<Any>,
    /// API1, API5: another identity's objects read (and in active mode changed) by each
    /// other identity and by no identity, and operations a role restricts called without
    /// it. On when `identities` are given.
    pub access: Option<bool>,
    /// API3: writes sent with properties their schema does not declare (`role`,
    /// `is_admin`, `owner_id`, ...); a later read that shows one taken is a finding.
    /// Active mode only.
    pub mass_assignment: Option<bool>,
}

/// One identity: the headers that carry its credentials, and its roles.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct IdentityRaw {
    /// Sent instead of `discover.headers` of the same name (a map, or `${var}` holding one).
    #[schemars(with = "MapOrVarSchema")]
    pub headers: serde_json::Value,
    /// Its roles (`admin`, `user`): an operation that needs one of them may be called.
    #[serde(default)]
    pub roles: Vec<String>,
}

/// An identity, validated: its credentials are expanded when the check runs.
#[derive(Debug, Clone)]
pub(crate) struct IdentitySpec {
    pub name: String,
    pub headers: Template,
    pub roles: Vec<String>,
}

/// The roles an operation needs: `method` (upper case) when the rule names one.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RoleRule {
    pub method: Option<String>,
    pub path: String,
    pub roles: Vec<String>,
}

impl RoleRule {
    /// Does this rule cover `method path` (the documented path, `{param}` as written)?
    /// `*` is one segment, a final `/*` anything below its prefix.
    pub(crate) fn covers(&self, method: &str, path: &str) -> bool {
        if self
            .method
            .as_ref()
            .is_some_and(|m| !m.eq_ignore_ascii_case(method))
        {
            return false;
        }
        let want: Vec<&str> = self.path.trim_end_matches('/').split('/').collect();
        let have: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        if want.last() == Some(&"*") && self.path.ends_with("/*") {
            let prefix = &want[..want.len() - 1];
            return have.len() > prefix.len() && seg_match(prefix, &have[..prefix.len()]);
        }
        want.len() == have.len() && seg_match(&want, &have)
    }
}

fn seg_match(want: &[&str], have: &[&str]) -> bool {
    want.iter().zip(have).all(|(w, h)| *w == "*" || w == h)
}

/// Where the document comes from.
#[derive(Debug, Clone)]
pub(crate) enum DiscoverDocument {
    /// `GET` from the service.
    Service(String),
    /// A file, resolved against the suite's directory when the suite was loaded.
    File(std::path::PathBuf),
}

/// A family's switch: `None` when the suite did not say (then a family with nothing to
/// work on says so in a note instead of failing).
#[derive(Debug, Clone)]
pub(crate) struct DiscoverSpec {
    pub document: DiscoverDocument,
    pub headers: Option<Template>,
    pub production: bool,
    pub origins: Vec<String>,
    pub jwt: Option<bool>,
    pub unlisted: Option<bool>,
    pub exposure: Option<bool>,
    pub injection: Option<bool>,
    pub ssrf: Option<bool>,
    pub brute_force: Option<bool>,
    /// `METHOD /path` (method in upper case) or an `operationId`.
    pub skip: Vec<String>,
    /// In the suite's order.
    pub identities: Vec<IdentitySpec>,
    pub roles: Vec<RoleRule>,
    pub access: Option<bool>,
    pub mass_assignment: Option<bool>,
}

impl Validator<'_> {
    pub(in crate::suite) fn security_discover(
        &mut self,
        d: Spanned<DiscoverRaw>,
        field: &str,
        known: &Known,
    ) -> Option<DiscoverSpec> {
        let loc = d.referenced;
        let d = d.value;
        let document = d.document.map(|mut p| {
            self.expand_now(&mut p.value, p.referenced, &format!("{field}.document"));
            p
        });
        let mut origins = d.origins;
        self.expand_all_now(&mut origins, loc, &format!("{field}.origins"));
        let mut skip = d.skip;
        self.expand_all_now(&mut skip, loc, &format!("{field}.skip"));
        for (i, s) in skip.iter_mut().enumerate() {
            match skip_entry(s) {
                Some(normal) => *s = normal,
                None => {
                    self.err(
                        loc,
                        &format!("{field}.skip[{i}]"),
                        format!("`{s}` is neither `METHOD /path` nor an operationId"),
                    )
                    .hint = Some("for example `POST /orders/{id}/refund` or `refundOrder`".into());
                }
            }
        }
        let document = match document {
            None => DiscoverDocument::Service("/openapi.json".into()),
            Some(p) if p.value.starts_with('/') => DiscoverDocument::Service(p.value),
            Some(p) => {
                let path = self.dir.join(&p.value);
                if !path.is_file() {
                    self.err(
                        p.referenced,
                        &format!("{field}.document"),
                        format!("no file `{}`", path.display()),
                    )
                    .hint = Some(
                        "a path on the service starts with `/`; a file is relative to the suite"
                            .into(),
                    );
                    return None;
                }
                DiscoverDocument::File(path)
            }
        };
        for (i, o) in origins.iter().enumerate() {
            if parse_origin(o).is_none() {
                self.err(
                    loc,
                    &format!("{field}.origins[{i}]"),
                    format!("`{o}` is not an origin (`https://host` or `http://host:port`)"),
                );
            }
        }
        let switches = [
            d.jwt,
            d.unlisted,
            d.exposure,
            d.injection,
            d.ssrf,
            d.brute_force,
            d.access,
            d.mass_assignment,
        ];
        if switches.iter().all(|s| *s == Some(false)) {
            self.err(loc, field, "every probe family is switched off")
                .hint = Some(
                "remove `discover:` or switch on one of `jwt`, `unlisted`, `exposure`, `injection`, `ssrf`, `brute-force`, `access`, `mass-assignment`"
                    .into(),
            );
            return None;
        }
        let identities = d
            .identities
            .map(|i| self.identities(i, &format!("{field}.identities"), known))
            .unwrap_or_default();
        let roles = d
            .roles
            .map(|r| self.role_rules(r, &format!("{field}.roles")))
            .unwrap_or_default();
        if d.access == Some(true) && identities.is_empty() {
            self.err(loc, &format!("{field}.access"), "`access` needs `identities`")
                .hint = Some(
                "name the identities the suite logs in as: `identities: { ada: { headers: { Authorization: \"Bearer ${ada_token}\" } } }`"
                    .into(),
            );
        }
        let headers = d.headers.as_ref().map(|h| {
            self.template(
                h.value.clone(),
                h.referenced,
                &format!("{field}.headers"),
                known,
            )
        });
        Some(DiscoverSpec {
            document,
            headers,
            production: d.production,
            origins,
            jwt: d.jwt,
            unlisted: d.unlisted,
            exposure: d.exposure,
            injection: d.injection,
            ssrf: d.ssrf,
            brute_force: d.brute_force,
            skip,
            identities,
            roles,
            access: d.access,
            mass_assignment: d.mass_assignment,
        })
    }

    /// `identities:`, a map of name to `{ headers, roles }`, in the suite's order.
    fn identities(&mut self, raw: Any, field: &str, known: &Known) -> Vec<IdentitySpec> {
        let loc = raw.referenced;
        let serde_json::Value::Object(map) = raw.value else {
            self.err(
                loc,
                field,
                "expected a map of identity names to `{ headers, roles }`",
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (name, v) in map {
            let f = format!("{field}.{name}");
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            {
                self.err(
                    loc,
                    &f,
                    format!("`{name}` is not a name (letters, digits, `-`, `_`, `.`)"),
                );
                continue;
            }
            let raw: IdentityRaw = match serde_json::from_value(v) {
                Ok(r) => r,
                Err(e) => {
                    self.err(loc, &f, e.to_string()).hint =
                        Some("an identity is `{ headers: {...}, roles: [...] }`".into());
                    continue;
                }
            };
            let mut roles = raw.roles;
            self.expand_all_now(&mut roles, loc, &format!("{f}.roles"));
            let headers = self.template(raw.headers, loc, &format!("{f}.headers"), known);
            out.push(IdentitySpec {
                name,
                headers,
                roles,
            });
        }
        out
    }

    /// `roles:`, a map of `METHOD /path` or `/path` to the roles it needs, in order.
    fn role_rules(&mut self, raw: Any, field: &str) -> Vec<RoleRule> {
        let loc = raw.referenced;
        let serde_json::Value::Object(map) = raw.value else {
            self.err(
                loc,
                field,
                "expected a map of `METHOD /path` to a list of roles",
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (key, v) in map {
            let f = format!("{field}.{key}");
            let mut roles: Vec<String> = match serde_json::from_value(v) {
                Ok(r) => r,
                Err(_) => {
                    self.err(loc, &f, "expected a list of roles");
                    continue;
                }
            };
            self.expand_all_now(&mut roles, loc, &f);
            let (method, path) = match key.split_once(' ') {
                Some((m, p)) => (Some(m.to_ascii_uppercase()), p.trim().to_string()),
                None => (None, key.clone()),
            };
            const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
            if !path.starts_with('/') || method.as_deref().is_some_and(|m| !METHODS.contains(&m)) {
                self.err(
                    loc,
                    &f,
                    format!("`{key}` is not `METHOD /path` nor `/path`"),
                )
                .hint = Some("for example `GET /admin/users` or `/admin/*`".into());
                continue;
            }
            out.push(RoleRule {
                method,
                path,
                roles,
            });
        }
        out
    }
}

/// A `skip` entry as the probes compare it: `post  /orders/{id}` -> `POST /orders/{id}`; an
/// operationId as written; `None` when it is neither.
fn skip_entry(entry: &str) -> Option<String> {
    const METHODS: [&str; 8] = [
        "GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE",
    ];
    let entry = entry.trim();
    match entry.split_once(char::is_whitespace) {
        Some((m, path)) => {
            let m = m.to_ascii_uppercase();
            let path = path.trim();
            (METHODS.contains(&m.as_str()) && path.starts_with('/') && !path.contains(' '))
                .then(|| format!("{m} {path}"))
        }
        None => (!entry.is_empty() && !entry.contains('/')).then(|| entry.to_string()),
    }
}

/// An origin's scheme and `host[:port]`: `https://app.example.com` -> (`https`,
/// `app.example.com`); `None` for anything else (a path, another scheme, no host).
pub(crate) fn parse_origin(origin: &str) -> Option<(&str, &str)> {
    let (scheme, host) = origin.split_once("://")?;
    let ok_host = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    (matches!(scheme, "http" | "https") && ok_host).then_some((scheme, host))
}

#[cfg(test)]
mod tests {
    use super::{RoleRule, parse_origin};
    use crate::suite::{CheckKindSpec, DiscoverDocument, SecurityMode, load_str};
    use std::path::Path;

    const HEAD: &str =
        "suite: s\nbase-url: http://127.0.0.1:9\nchecks:\n  - id: a\n    security:\n";

    fn load(body: &str) -> Result<crate::suite::SecuritySpec, String> {
        match load_str(Path::new("suite.yaml"), &format!("{HEAD}{body}"), &[]) {
            Ok(s) => match &s.checks[0].kind {
                CheckKindSpec::Security(x) => Ok(x.as_ref().clone()),
                _ => Err("not a security check".into()),
            },
            Err(e) => Err(e.to_string()),
        }
    }

    #[test]
    fn discover_alone_is_a_check_with_every_family_on_and_the_default_document() {
        let s = load("      discover: {}\n").unwrap();
        let d = s.discover.unwrap();
        assert!(matches!(d.document, DiscoverDocument::Service(ref p) if p == "/openapi.json"));
        assert_eq!((d.jwt, d.unlisted, d.exposure), (None, None, None));
        assert_eq!((d.injection, d.ssrf, d.brute_force), (None, None, None));
        assert!(d.skip.is_empty());
        assert_eq!(s.mode, None);
        let s = load("      mode: active\n      discover: { jwt: false }\n").unwrap();
        assert_eq!(s.mode, Some(SecurityMode::Active));
        assert_eq!(s.discover.unwrap().jwt, Some(false));
    }

    #[test]
    fn a_missing_document_file_is_an_error_naming_it() {
        let e = load("      discover: { document: no-such-openapi.yaml }\n").unwrap_err();
        assert!(
            e.contains("no file `") && e.contains("no-such-openapi.yaml`"),
            "{e}"
        );
        assert!(e.contains("discover.document"), "{e}");
    }

    #[test]
    fn an_origin_that_is_not_one_is_an_error() {
        let e = load("      discover: { origins: [app.example.com] }\n").unwrap_err();
        assert!(e.contains("`app.example.com` is not an origin"), "{e}");
    }

    #[test]
    fn every_family_switched_off_asserts_nothing() {
        let e = load("      discover: { jwt: false, unlisted: false, exposure: false, injection: false, ssrf: false, brute-force: false, access: false, mass-assignment: false }\n").unwrap_err();
        assert!(e.contains("every probe family is switched off"), "{e}");
        let d = load("      discover: { jwt: false, unlisted: false, exposure: false }\n")
            .unwrap()
            .discover
            .unwrap();
        assert_eq!(
            (d.injection, d.ssrf, d.brute_force),
            (None, None, None),
            "the other families stay on"
        );
    }

    #[test]
    fn skip_names_operations_by_method_and_path_or_by_operation_id() {
        let d = load("      discover: { skip: [\"post  /orders/{id}/refund\", refundOrder] }\n")
            .unwrap()
            .discover
            .unwrap();
        assert_eq!(d.skip, ["POST /orders/{id}/refund", "refundOrder"]);
        let e = load("      discover: { skip: [\"FETCH /orders\"] }\n").unwrap_err();
        assert!(
            e.contains("discover.skip[0]")
                && e.contains("`FETCH /orders` is neither `METHOD /path` nor an operationId"),
            "{e}"
        );
        let e = load("      discover: { skip: [/orders] }\n").unwrap_err();
        assert!(e.contains("discover.skip[0]"), "{e}");
    }

    #[test]
    fn identities_keep_their_order_roles_and_headers() {
        let s = load(concat!(
            "      discover:\n",
            "        identities:\n",
            "          zoe: { headers: { Authorization: \"Bearer z\" }, roles: [user] }\n",
            "          ada: { headers: { X-User: ada } }\n",
            "        roles: { \"/admin/*\": [admin], \"delete /notes/{id}\": [owner, admin] }\n",
        ))
        .unwrap();
        let d = s.discover.unwrap();
        let names: Vec<&str> = d.identities.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["zoe", "ada"]);
        assert_eq!(d.identities[0].roles, ["user"]);
        assert!(d.identities[1].roles.is_empty());
        assert_eq!(
            d.roles,
            [
                RoleRule {
                    method: None,
                    path: "/admin/*".into(),
                    roles: vec!["admin".into()]
                },
                RoleRule {
                    method: Some("DELETE".into()),
                    path: "/notes/{id}".into(),
                    roles: vec!["owner".into(), "admin".into()]
                }
            ]
        );
        assert_eq!((d.access, d.mass_assignment), (None, None));
    }

    #[test]
    fn an_identity_with_an_unknown_key_or_no_headers_is_an_error() {
        let e = load("      discover: { identities: { ada: { header: {} } } }\n").unwrap_err();
        assert!(
            e.contains("discover.identities.ada") && e.contains("unknown field `header`"),
            "{e}"
        );
        let e = load("      discover: { identities: { ada: { roles: [x] } } }\n").unwrap_err();
        assert!(e.contains("missing field `headers`"), "{e}");
        let e = load("      discover: { identities: { \"a b\": { headers: {} } } }\n").unwrap_err();
        assert!(e.contains("`a b` is not a name"), "{e}");
    }

    #[test]
    fn access_without_identities_and_a_bad_role_key_are_errors() {
        let e = load("      discover: { access: true }\n").unwrap_err();
        assert!(e.contains("`access` needs `identities`"), "{e}");
        let e = load("      discover: { roles: { admin: [admin] } }\n").unwrap_err();
        assert!(
            e.contains("`admin` is not `METHOD /path` nor `/path`"),
            "{e}"
        );
        let e = load("      discover: { roles: { \"FETCH /x\": [admin] } }\n").unwrap_err();
        assert!(e.contains("`FETCH /x` is not"), "{e}");
    }

    #[test]
    fn a_role_rule_covers_its_method_and_path() {
        let r = |m: Option<&str>, p: &str| RoleRule {
            method: m.map(str::to_string),
            path: p.into(),
            roles: vec![],
        };
        assert!(r(None, "/admin/*").covers("GET", "/admin/users"));
        assert!(r(None, "/admin/*").covers("DELETE", "/admin/users/{id}"));
        assert!(!r(None, "/admin/*").covers("GET", "/admin"));
        assert!(!r(None, "/admin/*").covers("GET", "/administrators"));
        assert!(r(Some("DELETE"), "/notes/{id}").covers("delete", "/notes/{id}"));
        assert!(!r(Some("DELETE"), "/notes/{id}").covers("GET", "/notes/{id}"));
        assert!(r(None, "/orgs/*/members").covers("GET", "/orgs/{org}/members"));
        assert!(!r(None, "/orgs/*/members").covers("GET", "/orgs/{org}/members/{m}"));
    }

    #[test]
    fn an_unknown_mode_is_an_error() {
        assert!(load("      mode: careful\n      discover: {}\n").is_err());
    }

    #[test]
    fn an_origin_is_a_scheme_and_a_host() {
        assert_eq!(
            parse_origin("https://app.example.com"),
            Some(("https", "app.example.com"))
        );
        assert_eq!(
            parse_origin("http://127.0.0.1:8080"),
            Some(("http", "127.0.0.1:8080"))
        );
        assert_eq!(parse_origin("https://app.example.com/x"), None);
        assert_eq!(parse_origin("ftp://app.example.com"), None);
        assert_eq!(parse_origin("app.example.com"), None);
        assert_eq!(parse_origin("https://"), None);
    }
}
