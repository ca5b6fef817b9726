//! Credentials from a document's security schemes: each one a var read from the
//! environment (`api_key: "${env.API_KEY}"`), listed under `secrets:` (masked in every
//! output) and used as `${api_key}` where an operation requires its scheme; an OAuth2
//! password flow becomes a `setup:` step that logs in at its `tokenUrl` and captures the
//! token, a secret too.

use crate::openapi::resolve::resolve;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// How a scheme's credential goes on a request.
#[derive(Debug, Clone)]
pub(super) enum Apply {
    Header(String, String),
    Query(String, String),
}

#[derive(Debug, Default)]
pub(super) struct Auth {
    /// Environment variables the user sets.
    pub env: Vec<String>,
    /// `vars:` entries: a var name and its `${env.NAME}`.
    pub vars: Vec<(String, String)>,
    /// What `secrets:` lists: every credential var and captured token.
    pub secrets: Vec<String>,
    /// Steps of `setup:` (JSON objects of the step grammar).
    pub setup: Vec<Value>,
    /// Scheme name -> how it is applied.
    pub schemes: BTreeMap<String, Apply>,
    /// What could not be inferred.
    pub todos: Vec<String>,
}

/// `OAuth2PasswordBearer` -> `oauth2passwordbearer`.
pub(super) fn var_name(s: &str) -> String {
    let v: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let v = v.trim_matches('_').to_string();
    if v.is_empty() || v.starts_with(|c: char| c.is_ascii_digit()) {
        format!("auth_{v}")
    } else {
        v
    }
}

impl Auth {
    /// `${var}` for a credential: the var reads `${env.VAR}` (its name remembered to be
    /// printed) and is listed as a secret.
    fn secret(&mut self, var: &str) -> String {
        let env = var.to_ascii_uppercase();
        if !self.env.contains(&env) {
            self.env.push(env.clone());
            self.vars.push((var.to_string(), format!("${{env.{env}}}")));
            self.secrets.push(var.to_string());
        }
        format!("${{{var}}}")
    }

    /// Reads `components.securitySchemes`; `base_path` is where a relative `tokenUrl` is.
    pub(super) fn from_document(raw: &Value, base_path: &str) -> Auth {
        let mut auth = Auth::default();
        let Some(schemes) = raw
            .pointer("/components/securitySchemes")
            .and_then(Value::as_object)
        else {
            return auth;
        };
        for (name, s) in schemes {
            let s = resolve(raw, s);
            let var = var_name(name);
            let field = |k: &str| s.get(k).and_then(Value::as_str).unwrap_or("");
            let apply = match (field("type"), field("in")) {
                ("apiKey", "query") => Apply::Query(field("name").into(), auth.secret(&var)),
                ("apiKey", "cookie") => Apply::Header(
                    "Cookie".into(),
                    format!("{}={}", field("name"), auth.secret(&var)),
                ),
                ("apiKey", _) => Apply::Header(field("name").into(), auth.secret(&var)),
                ("http", _) if field("scheme").eq_ignore_ascii_case("basic") => {
                    let v = auth.secret(&format!("{var}_credentials"));
                    auth.todos.push(format!(
                        "set {}_CREDENTIALS to the base64 of `user:password` for `{name}`",
                        var.to_ascii_uppercase()
                    ));
                    Apply::Header("Authorization".into(), format!("Basic {v}"))
                }
                ("oauth2", _) if s.pointer("/flows/password/tokenUrl").is_some() => {
                    let token_url = s
                        .pointer("/flows/password/tokenUrl")
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    let user = auth.secret(&format!("{var}_username"));
                    let password = auth.secret(&format!("{var}_password"));
                    let token = format!("{var}_token");
                    let target =
                        if token_url.starts_with("http://") || token_url.starts_with("https://") {
                            json!({"url": token_url})
                        } else if token_url.starts_with('/') {
                            json!({"path": token_url})
                        } else {
                            json!({"path": format!("{base_path}/{token_url}")})
                        };
                    let mut request = json!({"method": "POST"});
                    if let (Some(r), Some(t)) = (request.as_object_mut(), target.as_object()) {
                        r.extend(t.clone());
                        r.insert(
                            "form".into(),
                            json!({"username": user, "password": password}),
                        );
                    }
                    auth.secrets.push(token.clone());
                    auth.setup.push(json!({
                        "name": format!("log in ({name})"),
                        "request": request,
                        "expect": {"status": "2xx"},
                        "capture": {token.clone(): "$.access_token"},
                    }));
                    Apply::Header("Authorization".into(), format!("Bearer ${{{token}}}"))
                }
                (kind, _) => {
                    let v = auth.secret(&format!("{var}_token"));
                    if kind != "http" {
                        auth.todos.push(format!(
                            "obtain a token for `{name}` ({kind}) and set {}_TOKEN",
                            var.to_ascii_uppercase()
                        ));
                    }
                    Apply::Header("Authorization".into(), format!("Bearer {v}"))
                }
            };
            auth.schemes.insert(name.clone(), apply);
        }
        auth
    }

    /// An `Authorization` header parameter (a FastAPI `Header()` taken by hand) is a
    /// credential too: `${authorization}`, from `${env.AUTHORIZATION}`.
    pub(super) fn authorization_parameter(&mut self) -> Apply {
        let v = self.secret("authorization");
        Apply::Header("Authorization".into(), v)
    }

    /// The schemes an operation requires: its first alternative (none if one is `{}`).
    pub(super) fn required<'a>(&'a self, raw: &Value, path: &str, method: &str) -> Vec<&'a Apply> {
        let pointer = format!(
            "/paths/{}/{method}/security",
            path.replace('~', "~0").replace('/', "~1")
        );
        let security = raw.pointer(&pointer).or_else(|| raw.get("security"));
        let Some(alts) = security.and_then(Value::as_array) else {
            return Vec::new();
        };
        if alts
            .iter()
            .any(|a| a.as_object().is_some_and(|o| o.is_empty()))
        {
            return Vec::new();
        }
        alts.first()
            .and_then(Value::as_object)
            .map(|o| o.keys().filter_map(|k| self.schemes.get(k)).collect())
            .unwrap_or_default()
    }
}
