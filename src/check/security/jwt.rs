//! API2 (broken authentication): the suite's own bearer JWTs, re-sent forged to an
//! operation that needs them: `alg: none` without a signature, another subject under the
//! old signature, an invalid signature, and expired. Each must be refused (401/403) where
//! the real token is accepted. When the token is HMAC-signed (HS256/384/512), its key is
//! guessed offline from a short list of weak keys and every 6-digit number, bounded in
//! time; a key found is a finding, and an expired token re-signed with it must be refused.

use super::discover::{Found, Prober, Read};
use crate::check::outcome::Assertion;
use crate::openapi::document::{Credential, Location, Operation};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const CATEGORY: &str = "API2:2023 Broken Authentication";
/// How long guessing a token's key may take.
const GUESS_BUDGET: Duration = Duration::from_secs(20);
/// How many operations are tried for one that takes the token.
const MAX_CANDIDATES: usize = 8;
/// Keys seen in tutorials, defaults and leaked configurations.
const WEAK_KEYS: [&str; 24] = [
    "",
    "secret",
    "secretkey",
    "secret-key",
    "secret_key",
    "jwt",
    "jwt-secret",
    "jwt_secret",
    "jwtsecret",
    "key",
    "password",
    "changeme",
    "change-me",
    "your-256-bit-secret",
    "your-secret-key",
    "supersecret",
    "mysecret",
    "s3cr3t",
    "admin",
    "test",
    "dev",
    "development",
    "default",
    "qwerty",
];

/// A JWT split into its parts.
pub(super) struct Jwt {
    header: serde_json::Map<String, Value>,
    payload: serde_json::Map<String, Value>,
    signing_input: String,
    signature: Vec<u8>,
}

impl Jwt {
    pub(super) fn parse(token: &str) -> Option<Jwt> {
        let mut parts = token.split('.');
        let (h, p, s) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || h.is_empty() || p.is_empty() {
            return None;
        }
        let header = match serde_json::from_slice(&b64_decode(h)?).ok()? {
            Value::Object(m) if m.get("alg").is_some_and(Value::is_string) => m,
            _ => return None,
        };
        let payload = match serde_json::from_slice(&b64_decode(p)?).ok()? {
            Value::Object(m) => m,
            _ => return None,
        };
        Some(Jwt {
            header,
            payload,
            signing_input: format!("{h}.{p}"),
            signature: b64_decode(s)?,
        })
    }

    fn alg(&self) -> &str {
        self.header.get("alg").and_then(Value::as_str).unwrap_or("")
    }
}

pub(super) fn looks_like_jwt(text: &str) -> bool {
    let t = text.strip_prefix("Bearer ").unwrap_or(text).trim();
    Jwt::parse(t).is_some()
}

/// base64url without padding (RFC 7515 section 2).
pub(super) fn b64_encode(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 3);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

pub(super) fn b64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

fn hmac_algorithm(alg: &str) -> Option<aws_lc_rs::hmac::Algorithm> {
    match alg {
        "HS256" => Some(aws_lc_rs::hmac::HMAC_SHA256),
        "HS384" => Some(aws_lc_rs::hmac::HMAC_SHA384),
        "HS512" => Some(aws_lc_rs::hmac::HMAC_SHA512),
        _ => None,
    }
}

fn sign(alg: aws_lc_rs::hmac::Algorithm, key: &[u8], input: &str) -> Vec<u8> {
    let key = aws_lc_rs::hmac::Key::new(alg, key);
    aws_lc_rs::hmac::sign(&key, input.as_bytes())
        .as_ref()
        .to_vec()
}

fn encode(header: &Value, payload: &Value) -> String {
    format!(
        "{}.{}",
        b64_encode(header.to_string().as_bytes()),
        b64_encode(payload.to_string().as_bytes())
    )
}

/// What a guess found: the key's kind (never the key: it is a secret) and how long it took.
pub(super) enum Guess {
    Found { key: Vec<u8>, kind: &'static str },
    NotFound { tried: usize },
    OutOfTime { tried: usize },
}

/// Guesses an HMAC-signed token's key: the weak list, then 000000 to 999999.
pub(super) fn guess_key(
    alg: aws_lc_rs::hmac::Algorithm,
    input: &str,
    signature: &[u8],
    budget: Duration,
) -> Guess {
    let start = Instant::now();
    let matches = |key: &[u8]| {
        let k = aws_lc_rs::hmac::Key::new(alg, key);
        aws_lc_rs::hmac::verify(&k, input.as_bytes(), signature).is_ok()
    };
    for k in WEAK_KEYS {
        if matches(k.as_bytes()) {
            return Guess::Found {
                key: k.as_bytes().to_vec(),
                kind: "a common weak key",
            };
        }
    }
    for n in 0..1_000_000u32 {
        let key = format!("{n:06}");
        if matches(key.as_bytes()) {
            return Guess::Found {
                key: key.into_bytes(),
                kind: "a 6-digit number",
            };
        }
        if n % 4096 == 0 && start.elapsed() > budget {
            return Guess::OutOfTime {
                tried: WEAK_KEYS.len() + n as usize,
            };
        }
    }
    Guess::NotFound {
        tried: WEAK_KEYS.len() + 1_000_000,
    }
}

/// A bearer JWT of the suite and where it was found.
struct Token {
    raw: String,
    /// The suite's header that carries it, when one does.
    header: Option<String>,
    source: String,
}

fn tokens(p: &Prober<'_>) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::new();
    let mut add = |raw: &str, header: Option<String>, source: String| {
        let raw = raw
            .strip_prefix("Bearer ")
            .unwrap_or(raw)
            .trim()
            .to_string();
        // Tokens with the same JOSE header come from the same signer (the suite's
        // identities logged in to one service): one of them stands for all.
        let jose = raw.split('.').next().unwrap_or_default().to_string();
        if Jwt::parse(&raw).is_some() && !out.iter().any(|t| t.raw.split('.').next() == Some(&jose))
        {
            out.push(Token {
                raw,
                header,
                source,
            });
        }
    };
    for (k, v) in &p.headers {
        add(v, Some(k.clone()), format!("header `{k}`"));
    }
    let scope = &p.cx.scope;
    let mut names: Vec<(&String, &Value, &str)> = scope
        .vars
        .iter()
        .map(|(k, v)| (k, v, "var"))
        .chain(scope.captures.iter().map(|(k, v)| (k, v, "capture")))
        .collect();
    names.sort_by(|a, b| a.0.cmp(b.0));
    for (k, v, what) in names {
        if let Value::String(s) = v {
            add(s, None, format!("{what} `{k}`"));
        }
    }
    out
}

/// The header a token goes in for `op`: the suite's own, else the document's.
fn carrier(token: &Token, op: &Operation, forged: &str) -> (String, String) {
    if let Some(h) = &token.header {
        return (h.clone(), format!("Bearer {forged}"));
    }
    match op.credentials.first() {
        Some(Credential::Header(h)) if h != "authorization" => (h.clone(), forged.to_string()),
        _ => ("Authorization".into(), format!("Bearer {forged}")),
    }
}

/// A GET that needs credentials and takes no required query or header parameter.
fn candidates<'a>(p: &'a Prober<'_>) -> Vec<&'a Operation> {
    let mut ops: Vec<&Operation> = p
        .doc
        .operations
        .iter()
        .filter(|o| o.method.eq_ignore_ascii_case("get") && !o.credentials.is_empty())
        .filter(|o| {
            !o.parameters
                .iter()
                .any(|x| x.required && x.location != Location::Path)
        })
        .collect();
    // Those without path parameters first: their answer does not depend on an id.
    ops.sort_by_key(|o| o.parameters.iter().any(|x| x.location == Location::Path));
    ops.truncate(MAX_CANDIDATES);
    ops
}

pub(super) async fn run(p: &Prober<'_>, found: &mut Found) -> Result<(), String> {
    let explicit = p.spec.jwt == Some(true);
    let toks = tokens(p);
    if toks.is_empty() {
        let why = "jwt: no bearer JWT in the suite's `discover.headers`, vars or captures";
        if explicit {
            return Err(format!(
                "{why}\nhint: log in during `setup` and capture the token, or pass it in `discover.headers`"
            ));
        }
        found.notes.push(format!("{why}; not probed"));
        return Ok(());
    }
    for t in &toks {
        probe_token(p, t, explicit, found).await?;
    }
    Ok(())
}

/// The headers without any that carry `token`.
fn without_token(p: &Prober<'_>, token: &Token) -> Vec<(String, String)> {
    p.headers
        .iter()
        .filter(|(_, v)| !v.contains(&token.raw))
        .cloned()
        .collect()
}

async fn probe_token(
    p: &Prober<'_>,
    t: &Token,
    explicit: bool,
    found: &mut Found,
) -> Result<(), String> {
    let Some(jwt) = Jwt::parse(&t.raw) else {
        return Ok(());
    };
    // An operation where the real token is accepted and no token is refused: only there
    // does a forged token's answer mean anything.
    let mut target = None;
    for op in candidates(p) {
        let url = p.url_of(op);
        let (name, value) = carrier(t, op, &t.raw);
        let real = p.send(Read::Get, &url, &p.with(&[(&name, value)])).await?;
        if !(200..300).contains(&real.response.status) {
            continue;
        }
        let none = p.send(Read::Get, &url, &without_token(p, t)).await?;
        if matches!(none.response.status, 401 | 403) {
            target = Some((op, url));
            break;
        }
    }
    let Some((op, url)) = target else {
        let why = format!(
            "jwt: no GET operation of the document that needs credentials accepts the token from {} and refuses a request without it",
            t.source
        );
        if explicit {
            return Err(why);
        }
        found.notes.push(format!("{why}; not probed"));
        return Ok(());
    };
    let now = chrono::Utc::now().timestamp();
    let header = Value::Object(jwt.header.clone());
    let payload = Value::Object(jwt.payload.clone());
    let sig = b64_encode(&jwt.signature);
    let hmac = hmac_algorithm(jwt.alg());

    let guess = match hmac {
        Some(alg) => {
            let (input, signature) = (jwt.signing_input.clone(), jwt.signature.clone());
            let g = tokio::task::spawn_blocking(move || {
                let start = Instant::now();
                (
                    guess_key(alg, &input, &signature, GUESS_BUDGET),
                    start.elapsed(),
                )
            })
            .await
            .map_err(|e| format!("jwt: guessing the key stopped: {e}"))?;
            Some(g)
        }
        None => None,
    };
    let key = match &guess {
        Some((Guess::Found { key, kind }, took)) => {
            found.assertions.push(Assertion::new(
                format!(
                    "{CATEGORY}: the {} token from {} is signed with a guessable key",
                    jwt.alg(),
                    t.source
                ),
                "a key no one can guess: anyone who guesses it signs tokens for any user",
                format!(
                    "its signature verifies under {kind} (found offline in {} ms)",
                    took.as_millis()
                ),
                false,
            ));
            Some(key.clone())
        }
        Some((Guess::NotFound { tried }, _)) => {
            found.assertions.push(Assertion::new(
                format!(
                    "{CATEGORY}: the {} token from {} has a key harden cannot guess",
                    jwt.alg(),
                    t.source
                ),
                "not a common weak key nor a 6-digit number",
                format!("none of {tried} keys verifies its signature"),
                true,
            ));
            None
        }
        Some((Guess::OutOfTime { tried }, _)) => {
            found.notes.push(format!(
                "jwt: guessing the key of the token from {} stopped after {} s ({tried} keys tried)",
                t.source,
                GUESS_BUDGET.as_secs()
            ));
            None
        }
        None => None,
    };

    let mut other = payload.clone();
    let subject = match other.get("sub") {
        Some(Value::Number(n)) => json!(n.as_i64().unwrap_or(0).wrapping_add(1)),
        _ => json!("harden-other-subject"),
    };
    other["sub"] = subject;
    let mut expired = payload.clone();
    expired["exp"] = json!(now - 3600);
    if expired.get("iat").is_some() {
        expired["iat"] = json!(now - 7200);
    }
    let bad_sig: Vec<u8> = jwt.signature.iter().map(|b| b ^ 0x5a).collect();
    let none_header = json!({"alg": "none", "typ": "JWT"});
    let expired_token = match (&key, hmac) {
        (Some(k), Some(alg)) => {
            let input = encode(&header, &expired);
            format!("{input}.{}", b64_encode(&sign(alg, k, &input)))
        }
        _ => format!("{}.{sig}", encode(&header, &expired)),
    };
    let expired_why = if key.is_some() {
        "an expired token, validly signed with the guessed key"
    } else {
        "an expired token (under the old signature)"
    };
    let forgeries: Vec<(&str, String, &str)> = vec![
        (
            "`alg: none` and no signature",
            format!("{}.", encode(&none_header, &payload)),
            "a token without a signature proves nothing",
        ),
        (
            "another subject under the old signature",
            format!("{}.{sig}", encode(&header, &other)),
            "the signature no longer matches the claims",
        ),
        (
            "an invalid signature",
            format!("{}.{}", jwt.signing_input, b64_encode(&bad_sig)),
            "the signature does not verify",
        ),
        (expired_why, expired_token, "its `exp` is an hour ago"),
    ];
    let mut refused = 0;
    for (what, forged, why) in &forgeries {
        let (name, value) = carrier(t, op, forged);
        let sent = p.send(Read::Get, &url, &p.with(&[(&name, value)])).await?;
        if (200..300).contains(&sent.response.status) {
            found.assertions.push(sent.finding(
                CATEGORY,
                &format!(
                    "{} accepted the token from {} with {what}",
                    op.label(),
                    t.source
                ),
                &format!("refused (401 or 403): {why}"),
            ));
        } else {
            refused += 1;
        }
    }
    if refused == forgeries.len() {
        found.assertions.push(Assertion::new(
            format!(
                "{CATEGORY}: {} refused {refused} forgeries of the token from {}",
                op.label(),
                t.source
            ),
            "`alg: none`, another subject, an invalid signature and expired all refused",
            "all refused",
            true,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips_every_length() {
        for n in 0..20u8 {
            let bytes: Vec<u8> = (0..n)
                .map(|i| i.wrapping_mul(37).wrapping_add(250))
                .collect();
            assert_eq!(b64_decode(&b64_encode(&bytes)).unwrap(), bytes, "{n}");
        }
        assert_eq!(b64_encode(b"{\"alg\":\"HS256\"}"), "eyJhbGciOiJIUzI1NiJ9");
    }

    /// The example token of RFC 7515 appendix A.1 (HS256).
    const RFC_TOKEN: &str = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    #[test]
    fn a_jwt_is_recognised_and_other_text_is_not() {
        assert!(looks_like_jwt(RFC_TOKEN));
        assert!(looks_like_jwt(&format!("Bearer {RFC_TOKEN}")));
        assert!(!looks_like_jwt("a.b.c"));
        assert!(!looks_like_jwt("docs@example.com"));
        assert_eq!(Jwt::parse(RFC_TOKEN).unwrap().alg(), "HS256");
    }

    #[test]
    fn a_six_digit_key_is_found_and_a_strong_one_is_not() {
        let alg = aws_lc_rs::hmac::HMAC_SHA256;
        let input = encode(&json!({"alg": "HS256"}), &json!({"sub": "1"}));
        let weak = sign(alg, b"493817", &input);
        match guess_key(alg, &input, &weak, Duration::from_secs(120)) {
            Guess::Found { key, kind } => {
                assert_eq!(key, b"493817");
                assert_eq!(kind, "a 6-digit number");
            }
            _ => panic!("the 6-digit key was not found"),
        }
        let listed = sign(alg, b"changeme", &input);
        assert!(matches!(
            guess_key(alg, &input, &listed, Duration::from_secs(5)),
            Guess::Found {
                kind: "a common weak key",
                ..
            }
        ));
        let strong = sign(alg, b"kq3L9-vX2pT8-wZ7mN4", &input);
        assert!(matches!(
            guess_key(alg, &input, &strong, Duration::from_secs(120)),
            Guess::NotFound { tried: 1_000_024 }
        ));
    }
}
