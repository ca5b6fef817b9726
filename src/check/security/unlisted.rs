//! API9 (improper inventory management): what the service answers that its document does
//! not list. A built-in list of common paths (debug consoles, admin pages, configuration
//! files, framework endpoints; in production also the API's own documentation), and each
//! documented path with the read-only methods (GET, HEAD, OPTIONS) the document does not
//! give it. Refused means 401, 403, 404, 405, 410 or 501; anything else is an endpoint the
//! document does not list.

use super::discover::{Found, Prober, Read, Sent};
use crate::check::outcome::Assertion;

const CATEGORY: &str = "API9:2023 Improper Inventory Management";
/// The most requests this family sends for the document's paths.
const MAX_METHOD_PROBES: usize = 150;
/// Paths that are often served and seldom documented.
const COMMON: [&str; 30] = [
    "/debug",
    "/_debug",
    "/debug/vars",
    "/debug/pprof/",
    "/admin",
    "/admin/",
    "/_admin",
    "/internal",
    "/console",
    "/.env",
    "/.env.local",
    "/.git/config",
    "/.git/HEAD",
    "/config",
    "/config.json",
    "/settings",
    "/env",
    "/actuator",
    "/actuator/env",
    "/actuator/health",
    "/actuator/heapdump",
    "/server-status",
    "/phpinfo.php",
    "/metrics",
    "/trace",
    "/dump",
    "/backup",
    "/test",
    "/graphql",
    "/api/internal",
];
/// Served by API frameworks for developers; unlisted endpoints in production.
const PRODUCTION: [&str; 8] = [
    "/docs",
    "/redoc",
    "/swagger",
    "/swagger-ui",
    "/swagger-ui.html",
    "/openapi.json",
    "/swagger.json",
    "/api-docs",
];

fn refused(status: u16) -> bool {
    matches!(status, 401 | 403 | 404 | 405 | 410 | 501)
}

/// Does the document list `path` (a literal path), any method?
fn listed(p: &Prober<'_>, path: &str) -> bool {
    let want: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    p.doc.operations.iter().any(|o| {
        let have: Vec<&str> = o.path.trim_end_matches('/').split('/').collect();
        have.len() == want.len()
            && have
                .iter()
                .zip(&want)
                .all(|(h, w)| h == w || (h.starts_with('{') && h.ends_with('}')))
    })
}

pub(super) async fn run(p: &Prober<'_>, found: &mut Found) -> Result<(), String> {
    let base = p.cx.base_url.trim_end_matches('/');
    // A service that answers every path alike (a single-page app's catch-all) is not
    // exposing each of them: an answer identical to a made-up path's is not a finding.
    let baseline = p
        .send(
            Read::Get,
            &format!("{base}/harden-no-such-path-7f3a9c"),
            &p.headers,
        )
        .await?;
    let same_as_baseline = |s: &Sent| {
        s.response.status == baseline.response.status && s.response.body == baseline.response.body
    };
    let mut paths: Vec<&str> = COMMON.to_vec();
    if p.spec.production {
        paths.extend(PRODUCTION);
        if let Some(d) = &p.document_path
            && !paths.contains(&d.as_str())
        {
            paths.push(d);
        }
    }
    let mut common_ok = 0;
    for path in &paths {
        if listed(p, path) && !(p.spec.production && PRODUCTION.contains(path)) {
            continue;
        }
        let sent = p
            .send(Read::Get, &format!("{base}{path}"), &p.headers)
            .await?;
        if refused(sent.response.status) || same_as_baseline(&sent) {
            common_ok += 1;
            continue;
        }
        let why = if PRODUCTION.contains(path) || p.document_path.as_deref() == Some(*path) {
            "refused in production (404): the API's documentation maps it for an attacker"
        } else {
            "refused (404): a path the document does not list must not be served"
        };
        found
            .assertions
            .push(sent.finding(CATEGORY, &format!("GET {path} answers"), why));
    }
    found.assertions.push(Assertion::new(
        format!("{CATEGORY}: common unlisted paths"),
        "refused (401, 403, 404, 405, 410 or 501)",
        format!("{common_ok} refused"),
        true,
    ));

    // The document's paths, with read-only methods it does not list.
    let mut seen: Vec<&str> = Vec::new();
    let mut sent_count = 0;
    let mut methods_ok = 0;
    for op in &p.doc.operations {
        if seen.contains(&op.path.as_str()) {
            continue;
        }
        seen.push(&op.path);
        let has = |m: &str| {
            p.doc
                .operations
                .iter()
                .any(|o| o.path == op.path && o.method.eq_ignore_ascii_case(m))
        };
        for m in [Read::Get, Read::Head, Read::Options] {
            // HEAD is GET without a body (RFC 9110 9.3.2): a documented GET covers it.
            if has(m.as_str()) || (m == Read::Head && has("get")) {
                continue;
            }
            if sent_count == MAX_METHOD_PROBES {
                found.notes.push(format!(
                    "unlisted: stopped after {MAX_METHOD_PROBES} requests to the document's paths"
                ));
                return Ok(());
            }
            sent_count += 1;
            let sent = p.send(m, &p.url_of(op), &p.headers).await?;
            let status = sent.response.status;
            // A framework's own answer to OPTIONS (an `Allow` list, no body) is not an
            // endpoint of the API.
            let framework_options =
                m == Read::Options && (200..300).contains(&status) && sent.response.body.is_empty();
            if refused(status) || framework_options {
                methods_ok += 1;
                continue;
            }
            found.assertions.push(sent.finding(
                CATEGORY,
                &format!("{} {} answers, unlisted", m.as_str(), op.path),
                "refused (404 or 405): the document does not list this method",
            ));
        }
    }
    found.assertions.push(Assertion::new(
        format!("{CATEGORY}: the document's paths with methods it does not list"),
        "refused (401, 403, 404, 405, 410 or 501)",
        format!("{methods_ok} refused"),
        true,
    ));
    Ok(())
}
