//! API8 (security misconfiguration): headers that give the stack away (`X-Powered-By`,
//! `X-AspNet-Version`, `Server` with a version), and CORS probed with origins that look
//! like an allowed one (a suffix, a prefix, a dot replaced, the other scheme, `null`):
//! the mistakes a hand-written origin check or an unescaped regex makes.

use super::discover::{Found, Prober, Read};
use crate::check::outcome::Assertion;
use crate::suite::parse_origin;

const CATEGORY: &str = "API8:2023 Security Misconfiguration";
/// Headers that name the stack, and need not.
const FORBIDDEN: [&str; 4] = [
    "x-powered-by",
    "x-aspnet-version",
    "x-aspnetmvc-version",
    "x-runtime-version",
];
/// How many documented GET operations are read for headers, besides `/`.
const HEADER_PAGES: usize = 3;

/// Does a `Server` value carry a version (`uvicorn/0.30.1`, `nginx/1.25`, `Apache 2.4`)?
fn versioned(server: &str) -> bool {
    let dotted = server
        .as_bytes()
        .windows(3)
        .any(|w| w[0].is_ascii_digit() && w[1] == b'.' && w[2].is_ascii_digit());
    let slashed = server
        .split('/')
        .nth(1)
        .is_some_and(|v| v.starts_with(|c: char| c.is_ascii_digit()));
    dotted || slashed
}

/// Origins that look like `origin` and are not it.
pub(super) fn lookalikes(origin: &str) -> Vec<(&'static str, String)> {
    let Some((scheme, host_port)) = parse_origin(origin) else {
        return Vec::new();
    };
    let (host, port) = match host_port.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()) => {
            (h, format!(":{p}"))
        }
        _ => (host_port, String::new()),
    };
    let mut out = vec![
        (
            "with a suffix",
            format!("{scheme}://{host}.harden-lookalike.test{port}"),
        ),
        ("with a prefix", format!("{scheme}://harden{host}{port}")),
    ];
    for (i, _) in host.match_indices('.').take(3) {
        out.push((
            "with a dot replaced",
            format!("{scheme}://{}x{}{port}", &host[..i], &host[i + 1..]),
        ));
    }
    let other = if scheme == "https" { "http" } else { "https" };
    out.push(("with the other scheme", format!("{other}://{host}{port}")));
    out
}

pub(super) async fn run(p: &Prober<'_>, found: &mut Found) -> Result<(), String> {
    headers(p, found).await?;
    cors(p, found).await
}

async fn headers(p: &Prober<'_>, found: &mut Found) -> Result<(), String> {
    let base = p.cx.base_url.trim_end_matches('/');
    let mut urls = vec![format!("{base}/")];
    urls.extend(
        p.doc
            .operations
            .iter()
            .filter(|o| o.method.eq_ignore_ascii_case("get"))
            .filter(|o| !o.parameters.iter().any(|x| x.required))
            .take(HEADER_PAGES)
            .map(|o| p.url_of(o)),
    );
    let mut reported: Vec<String> = Vec::new();
    for url in &urls {
        let sent = p.send(Read::Get, url, &p.headers).await?;
        for (name, value) in &sent.response.headers {
            let bad = FORBIDDEN.contains(&name.as_str()) || (name == "server" && versioned(value));
            if !bad || reported.contains(name) {
                continue;
            }
            reported.push(name.clone());
            found.assertions.push(Assertion::new(
                format!("{CATEGORY}: the answer names its stack in `{name}: {value}`"),
                format!(
                    "no `{name}` header{}: it tells an attacker which exploits to try",
                    if name == "server" {
                        " with a version"
                    } else {
                        ""
                    }
                ),
                format!("{} from `{}`", sent.answer(), sent.curl),
                false,
            ));
        }
    }
    if reported.is_empty() {
        found.assertions.push(Assertion::new(
            format!("{CATEGORY}: headers that name the stack"),
            "no `X-Powered-By`, `X-AspNet-Version`, nor `Server` with a version",
            format!("none in {} answers", urls.len()),
            true,
        ));
    }
    Ok(())
}

async fn cors(p: &Prober<'_>, found: &mut Found) -> Result<(), String> {
    let url = p
        .doc
        .operations
        .first()
        .map(|o| p.url_of(o))
        .unwrap_or_else(|| format!("{}/", p.cx.base_url.trim_end_matches('/')));
    let preflight = |origin: String| {
        p.with(&[
            ("Origin", origin),
            ("Access-Control-Request-Method", "GET".into()),
        ])
    };
    let allows = |s: &super::discover::Sent, origin: &str| {
        let r = &s.response;
        let credentials = r
            .header("access-control-allow-credentials")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        match r.header("access-control-allow-origin").as_deref() {
            Some(o) if o == origin => true,
            Some("*") => credentials,
            _ => false,
        }
    };
    let mut probes: Vec<(String, String)> = vec![
        (
            "a foreign origin".into(),
            "https://attacker.harden.invalid".into(),
        ),
        ("the opaque origin".into(), "null".into()),
    ];
    for origin in &p.spec.origins {
        let sent = p
            .send(Read::Options, &url, &preflight(origin.clone()))
            .await?;
        let got = sent.response.header("access-control-allow-origin");
        if got.as_deref() == Some("*") {
            found.notes.push(format!(
                "exposure: the service allows every origin (`*`); look-alikes of `{origin}` not probed"
            ));
            continue;
        }
        if got.as_deref() != Some(origin.as_str()) {
            return Err(format!(
                "exposure: a preflight from `{origin}`, an allowed origin, is not allowed ({}), so look-alikes of it would show nothing\nhint: list in `discover.origins` only origins the service allows",
                sent.answer()
            ));
        }
        for (what, o) in lookalikes(origin) {
            probes.push((format!("`{origin}` {what}"), o));
        }
    }
    let mut refused = 0;
    for (what, origin) in &probes {
        let sent = p
            .send(Read::Options, &url, &preflight(origin.clone()))
            .await?;
        if allows(&sent, origin) {
            found.assertions.push(sent.finding(
                CATEGORY,
                &format!("CORS allows `{origin}`: {what}"),
                "not allowed: a page on that origin could read answers with the user's credentials",
            ));
        } else {
            refused += 1;
        }
    }
    found.assertions.push(Assertion::new(
        format!("{CATEGORY}: CORS look-alike origins"),
        "not allowed",
        format!("{refused} of {} not allowed", probes.len()),
        refused == probes.len(),
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookalikes_of_an_origin() {
        let got: Vec<String> = lookalikes("https://app.example.com")
            .into_iter()
            .map(|(w, o)| format!("{w}: {o}"))
            .collect();
        assert_eq!(
            got,
            [
                "with a suffix: https://app.example.com.harden-lookalike.test",
                "with a prefix: https://hardenapp.example.com",
                "with a dot replaced: https://appxexample.com",
                "with a dot replaced: https://app.examplexcom",
                "with the other scheme: http://app.example.com",
            ]
        );
        let port: Vec<String> = lookalikes("http://localhost:3000")
            .into_iter()
            .map(|(_, o)| o)
            .collect();
        assert_eq!(
            port,
            [
                "http://localhost.harden-lookalike.test:3000",
                "http://hardenlocalhost:3000",
                "https://localhost:3000",
            ]
        );
    }

    #[test]
    fn a_server_header_with_a_version_is_told_apart() {
        assert!(versioned("uvicorn/0.30.1"));
        assert!(versioned("nginx/1.25"));
        assert!(versioned("Apache 2.4"));
        assert!(!versioned("uvicorn"));
        assert!(!versioned("cloudflare"));
    }
}
