//! Quota headers: which family a response uses, and the limit and remaining of the policy
//! that matches the suite's window.
//!
//! Read, per draft-ietf-httpapi-ratelimit-headers:
//! - drafts 08 to 10: `RateLimit-Policy: "minute";q=20;w=60, "day";q=1000;w=86400` and
//!   `RateLimit: "minute";r=19;t=60` (items paired by name);
//! - draft 07: `RateLimit: limit=20, remaining=19, reset=60` with
//!   `RateLimit-Policy: 20;w=60, 1000;w=86400`;
//! - drafts 06 and earlier: `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`,
//!   with `RateLimit-Policy` (or, before draft 03, policies after the first value of
//!   `RateLimit-Limit`: `20, 20;w=60, 1000;w=86400`);
//! - the de facto `X-RateLimit-Limit` / `X-RateLimit-Remaining`.
//!
//! Among several policies the one named by the suite's `policy`, else the one whose `w`
//! equals the suite's window, is read; the order they come in means nothing.

use crate::http::Response;
use std::time::Duration;

/// The quota header family a response uses, and its limit and remaining values.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Quota {
    pub family: &'static str,
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    /// Several policies were sent and none matches the suite's window or policy name:
    /// what was sent, for the message.
    pub unmatched: Option<String>,
}

/// One item of a policy list: `"name";q=20;w=60` or `20;w=60`.
#[derive(Debug, Clone, PartialEq)]
struct Item {
    name: Option<String>,
    value: Option<u64>,
    params: Vec<(String, String)>,
}

impl Item {
    fn param(&self, key: &str) -> Option<u64> {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.parse().ok())
    }
}

/// Splits at `sep` outside double quotes.
fn split_outside_quotes(text: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == sep && !quoted => {
                parts.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// A structured-field list of items with parameters.
fn items(text: &str) -> Vec<Item> {
    split_outside_quotes(text, ',')
        .into_iter()
        .filter(|m| !m.trim().is_empty())
        .map(|member| {
            let mut pieces = split_outside_quotes(member, ';').into_iter();
            let head = pieces.next().unwrap_or_default().trim();
            let params = pieces
                .filter_map(|p| {
                    let (k, v) = p.trim().split_once('=')?;
                    Some((
                        k.trim().to_ascii_lowercase(),
                        v.trim().trim_matches('"').to_string(),
                    ))
                })
                .collect();
            match head.parse::<u64>() {
                Ok(n) => Item {
                    name: None,
                    value: Some(n),
                    params,
                },
                Err(_) => Item {
                    name: Some(head.trim_matches('"').to_string()),
                    value: None,
                    params,
                },
            }
        })
        .collect()
}

/// The policy among `policies` that the suite means: by name, else by window, else the
/// only one. `Err` names what was sent when several are and none matches.
fn choose<'a>(
    policies: &'a [Item],
    window: Duration,
    name: Option<&str>,
) -> Result<Option<&'a Item>, String> {
    if policies.is_empty() {
        return Ok(None);
    }
    let found = match name {
        Some(n) => policies.iter().find(|p| p.name.as_deref() == Some(n)),
        None => policies
            .iter()
            .find(|p| p.param("w") == Some(window.as_secs())),
    };
    match found {
        Some(p) => Ok(Some(p)),
        None if policies.len() == 1 && name.is_none() => Ok(policies.first()),
        None => Err(format!(
            "no policy {} among {}",
            match name {
                Some(n) => format!("named `{n}`"),
                None => format!("with w={}", window.as_secs()),
            },
            policies
                .iter()
                .map(|p| {
                    let mut s = p
                        .name
                        .as_ref()
                        .map(|n| format!("\"{n}\""))
                        .unwrap_or_default();
                    if let Some(v) = p.value {
                        s.push_str(&v.to_string());
                    }
                    for (k, v) in &p.params {
                        s.push_str(&format!(";{k}={v}"));
                    }
                    s
                })
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The quota of a policy item: `q` (drafts 08+) or its value (drafts 06 and 07).
fn quota_of(p: &Item) -> Option<u64> {
    p.param("q").or(p.value)
}

/// A limit header that may list policies after the current limit (`20, 1000;w=86400,
/// 20;w=60`): the chosen policy's quota, else the first number.
fn limit_with_policies(
    r: &Response,
    header: &str,
    window: Duration,
    name: Option<&str>,
) -> (Option<u64>, Option<String>) {
    let all = items(&r.header(header).unwrap_or_default());
    let current = all.first().and_then(|i| i.value);
    let policies: Vec<Item> = all
        .into_iter()
        .skip(1)
        .filter(|i| i.param("w").is_some())
        .collect();
    match choose(&policies, window, name) {
        Ok(Some(p)) => (quota_of(p), None),
        Ok(None) => (current, None),
        Err(e) => (None, Some(e)),
    }
}

/// Reads the quota headers of `r` for the policy with this window (or name).
pub(crate) fn quota(r: &Response, window: Duration, name: Option<&str>) -> Option<Quota> {
    let first_number = |header: &str| {
        r.header(header).and_then(|v| {
            v.split([',', ';'])
                .next()
                .and_then(|x| x.trim().parse().ok())
        })
    };
    let policies = items(&r.header("ratelimit-policy").unwrap_or_default());
    let chosen = choose(&policies, window, name);
    let (policy_limit, unmatched) = match &chosen {
        Ok(p) => (p.and_then(quota_of), None),
        Err(e) => (None, Some(e.clone())),
    };
    if let Some(v) = r.header("ratelimit") {
        let current = items(&v);
        let named = current
            .iter()
            .any(|i| i.name.is_some() && i.params.iter().any(|(k, _)| k == "r"));
        let (limit, remaining) = if named {
            // Drafts 08 to 10: items named like the policies.
            let item = match &chosen {
                Ok(Some(Item { name: Some(n), .. })) => current
                    .iter()
                    .find(|i| i.name.as_deref() == Some(n.as_str())),
                Ok(_) if current.len() == 1 => current.first(),
                _ => None,
            };
            (policy_limit, item.and_then(|i| i.param("r")))
        } else {
            // Draft 07: one dictionary, `limit=20, remaining=19, reset=60`.
            let dict = |key: &str| {
                split_outside_quotes(&v, ',').into_iter().find_map(|kv| {
                    let (k, val) = kv.trim().split_once('=')?;
                    (k.trim() == key).then(|| val.trim().trim_matches('"').parse().ok())?
                })
            };
            (policy_limit.or_else(|| dict("limit")), dict("remaining"))
        };
        return Some(Quota {
            family: "RateLimit (IETF)",
            limit: if unmatched.is_some() { None } else { limit },
            remaining: if unmatched.is_some() { None } else { remaining },
            unmatched,
        });
    }
    if r.header("ratelimit-limit").is_some() || r.header("ratelimit-remaining").is_some() {
        // Before draft 03 the policies followed the current limit in `RateLimit-Limit`.
        let (limit, unmatched) = if policies.is_empty() {
            limit_with_policies(r, "ratelimit-limit", window, name)
        } else {
            (policy_limit, unmatched)
        };
        return Some(Quota {
            family: "RateLimit-*",
            limit,
            remaining: if unmatched.is_some() {
                None
            } else {
                first_number("ratelimit-remaining")
            },
            unmatched,
        });
    }
    if r.header("x-ratelimit-limit").is_some() || r.header("x-ratelimit-remaining").is_some() {
        // Envoy (draft 03 shape) lists the policies after the current limit.
        let (limit, unmatched) = limit_with_policies(r, "x-ratelimit-limit", window, name);
        return Some(Quota {
            family: "X-RateLimit-*",
            limit,
            remaining: if unmatched.is_some() {
                None
            } else {
                first_number("x-ratelimit-remaining")
            },
            unmatched,
        });
    }
    None
}
