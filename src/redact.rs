//! Secrets never reach an output: every event, and every line of the service's log that
//! harden keeps, is passed through the redactor first.
//!
//! A secret is masked in each form it can take on the way to a report, as the GitHub
//! Actions runner masks its secrets: as written; JSON-escaped (with and without `\/` and
//! `\uXXXX` escapes); XML/HTML-escaped (named and numeric entities); percent-encoded
//! (upper- and lowercase hex, and `+` for spaces as in forms); and base64 (standard and
//! URL-safe alphabets, at each of the three byte alignments, so a secret inside a longer
//! encoded value such as `user:secret` in a Basic header is found too).

use crate::suite::{Suite, value_text};
use std::collections::BTreeSet;
use std::sync::RwLock;

/// Values shorter than this are not redacted: replacing `1` or `ok` everywhere would make
/// every report unreadable while protecting nothing.
const MIN_SECRET_LEN: usize = 3;
/// An encoded form shorter than this is not masked on its own (a 1-character secret
/// shifted into base64 leaves a 1-character core that matches everywhere).
const MIN_FORM_LEN: usize = 4;
pub(crate) const MASK: &str = "***";

/// Words in an environment variable's name that make its value secret without the suite
/// saying so, as CI systems decide which variables to mask.
const SECRET_NAME_WORDS: &[&str] = &[
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "KEY",
    "CREDENTIAL",
    "AUTH",
    "PRIVATE",
    "COOKIE",
    "SIGNATURE",
    "DSN",
];

/// Whether an environment variable's name says its value is secret (`API_TOKEN`,
/// `DB_PASSWORD`, `AWS_SECRET_ACCESS_KEY`); `HOME` or `APP_DIR` do not.
pub(crate) fn secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_NAME_WORDS.iter().any(|w| upper.contains(w))
}

#[derive(Debug, Default)]
pub(crate) struct Redactor {
    known: RwLock<Known>,
    /// Names of captures whose values become secrets when captured (`secrets: [jwt]`).
    secret_captures: BTreeSet<String>,
}

#[derive(Debug, Default, Clone)]
struct Known {
    /// The secret values as given, for checks that look for leaks.
    secrets: Vec<String>,
    /// Every form of every secret, longest first, so a form that contains another is
    /// replaced whole.
    forms: Vec<String>,
}

impl Known {
    fn new(mut secrets: Vec<String>) -> Known {
        secrets.retain(|s| s.len() >= MIN_SECRET_LEN);
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        let mut forms: Vec<String> = secrets.iter().flat_map(|s| encoded_forms(s)).collect();
        forms.retain(|f| f.len() >= MIN_FORM_LEN || secrets.contains(f));
        forms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        forms.dedup();
        Known { secrets, forms }
    }
}

impl Redactor {
    /// What the suite says is secret: its `secrets:` vars and `env.NAME` entries, and the
    /// `${env.NAME}` values whose name says they are (`*TOKEN*`, `*SECRET*`, `*PASSWORD*`,
    /// `*KEY*`...). Capture names listed under `secrets:` are masked once captured.
    pub(crate) fn for_suite(suite: &Suite) -> Redactor {
        let mut secrets: Vec<String> = suite
            .secrets
            .iter()
            .filter_map(|name| suite.vars.get(name))
            .map(value_text)
            .collect();
        let listed_env = suite.secrets.iter().filter_map(|s| s.strip_prefix("env."));
        let named_env = suite
            .env_refs
            .iter()
            .map(String::as_str)
            .filter(|n| secret_name(n));
        secrets.extend(
            listed_env
                .chain(named_env)
                .filter_map(|name| std::env::var(name).ok()),
        );
        let mut r = Redactor::new(secrets);
        r.secret_captures = suite
            .secrets
            .iter()
            .filter(|s| !s.starts_with("env.") && !suite.vars.contains_key(s.as_str()))
            .cloned()
            .collect();
        r
    }

    pub(crate) fn new(secrets: Vec<String>) -> Redactor {
        Redactor {
            known: RwLock::new(Known::new(secrets)),
            secret_captures: BTreeSet::new(),
        }
    }

    fn known(&self) -> std::sync::RwLockReadGuard<'_, Known> {
        self.known.read().unwrap_or_else(|e| e.into_inner())
    }

    /// A value captured as `name`: a secret from now on if the suite says so.
    pub(crate) fn captured(&self, name: &str, value: &serde_json::Value) {
        if !self.secret_captures.contains(name) {
            return;
        }
        let text = value_text(value);
        let mut known = self.known.write().unwrap_or_else(|e| e.into_inner());
        if known.secrets.contains(&text) {
            return;
        }
        let mut secrets = known.secrets.clone();
        secrets.push(text);
        *known = Known::new(secrets);
    }

    /// The secret values themselves, for checks that look for leaks.
    pub(crate) fn values(&self) -> Vec<String> {
        self.known().secrets.clone()
    }

    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.known().forms.is_empty()
    }

    /// Replaces every form of every secret, and every token of a well-known shape (a
    /// GitHub or AWS key, a JWT...: found in the service's output, it must not be
    /// republished by the report that found it), with `***`.
    pub(crate) fn text(&self, s: &mut String) {
        for form in &self.known().forms {
            if s.contains(form.as_str()) {
                *s = s.replace(form.as_str(), MASK);
            }
        }
        if let Some(re) = token_shapes()
            && re.is_match(s)
        {
            *s = re.replace_all(s, MASK).into_owned();
        }
    }

    /// `s` masked, then cut to `max` characters (`…` marks the cut): a secret is never
    /// cut in half before it could be recognised.
    pub(crate) fn cut(&self, s: &str, max: usize) -> String {
        let mut s = s.to_string();
        self.text(&mut s);
        if s.chars().count() > max {
            let mut cut: String = s.chars().take(max).collect();
            cut.push('…');
            cut
        } else {
            s
        }
    }
}

/// `TOKEN_SHAPES`, compiled once.
fn token_shapes() -> Option<&'static regex::Regex> {
    static SHAPES: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    SHAPES
        .get_or_init(|| regex::Regex::new(crate::suite::TOKEN_SHAPES).ok())
        .as_ref()
}

/// Every form of `secret` that can reach an output: its own, and those of the value a URL
/// parser makes of it in a path (`\\` as `/`, as WHATWG's special URLs and so every
/// browser and HTTP client do), which the service then logs and echoes.
fn encoded_forms(secret: &str) -> Vec<String> {
    let mut forms = forms_of(secret);
    if secret.contains('\\') {
        forms.extend(forms_of(&secret.replace('\\', "/")));
    }
    forms
}

fn forms_of(secret: &str) -> Vec<String> {
    let mut forms = vec![secret.to_string()];
    // JSON string escapes, as serde, Python's json.dumps (ASCII-only) and PHP (`\/`) write them.
    let json = serde_json::to_string(secret).unwrap_or_default();
    let json = json
        .get(1..json.len().saturating_sub(1))
        .unwrap_or_default()
        .to_string();
    forms.push(json.replace('/', "\\/"));
    forms.push(ascii_json(&json));
    forms.push(json);
    // XML and HTML entities.
    let xml = |quot: &str, apos: &str| {
        secret
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', quot)
            .replace('\'', apos)
    };
    forms.push(xml("&quot;", "&apos;"));
    forms.push(xml("&#34;", "&#39;"));
    forms.push(xml("&#x22;", "&#x27;"));
    forms.push(xml("\"", "'"));
    // Percent-encoding (RFC 3986 unreserved characters kept), and form encoding.
    let upper = percent(secret, false);
    forms.push(upper.replace("%20", "+"));
    forms.push(percent(secret, true));
    forms.push(upper);
    // What URL parsers and form encoders write (WHATWG URL's path, query and fragment
    // sets keep `/`, `+`, `&`, `=`; special URLs turn `\\` into `/` in a path), and what
    // encodeURIComponent and x-www-form-urlencoded write.
    let path = encode_except(secret, |b| !PATH_SET.contains(&b));
    forms.push(path.replace('\\', "/"));
    forms.push(path);
    forms.push(encode_except(secret, |b| !QUERY_SET.contains(&b)));
    forms.push(encode_except(secret, |b| !FRAGMENT_SET.contains(&b)));
    forms.push(encode_except(secret, |b| {
        b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b)
    }));
    // Python's `urllib.parse.quote` (`/` kept), as uvicorn writes a path in its access log.
    forms.push(encode_except(secret, |b| {
        b.is_ascii_alphanumeric() || b"-_.~/".contains(&b)
    }));
    forms.push(
        encode_except(secret, |b| {
            b.is_ascii_alphanumeric() || b"*-._ ".contains(&b)
        })
        .replace(' ', "+"),
    );
    // Encoded once more (`%` as `%25`), as GitHub's workflow commands and a URL inside a
    // URL write it.
    let doubled: Vec<String> = forms
        .iter()
        .filter(|f| f.contains('%'))
        .map(|f| f.replace('%', "%25"))
        .collect();
    forms.extend(doubled);
    // base64 at each alignment, in both alphabets, padded or not.
    for shift in 0..3 {
        let core = base64_core(secret.as_bytes(), shift);
        forms.push(core.replace('+', "-").replace('/', "_"));
        forms.push(core);
    }
    forms
}

/// JSON escapes with every non-ASCII character as `\uXXXX` (Python's default).
fn ascii_json(json: &str) -> String {
    let mut out = String::new();
    for c in json.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u16; 2];
            for unit in c.encode_utf16(&mut buf) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

fn percent(s: &str, lower: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ if lower => out.push_str(&format!("%{b:02x}")),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The WHATWG URL standard's percent-encode sets beyond C0 controls and non-ASCII bytes.
const PATH_SET: &[u8] = b" \"#<>?`{}";
const QUERY_SET: &[u8] = b" \"#<>'";
const FRAGMENT_SET: &[u8] = b" \"<>`";

/// `%XX` for every byte but those `keep` accepts; C0 controls, DEL and non-ASCII bytes
/// always encoded.
fn encode_except(s: &str, keep: impl Fn(u8) -> bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b > 0x20 && b < 0x7f && keep(b) || b == b' ' && keep(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The base64 characters that depend on `bytes` alone when they start `shift` bytes into
/// a 3-byte group: what any encoding of a longer value containing them must contain.
fn base64_core(bytes: &[u8], shift: usize) -> String {
    let mut padded = vec![0u8; shift];
    padded.extend_from_slice(bytes);
    let mut chars = Vec::new();
    for group in padded.chunks(3) {
        let b = [
            group[0],
            *group.get(1).unwrap_or(&0),
            *group.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..=group.len() {
            chars.push(BASE64[(n >> (18 - 6 * i) & 63) as usize]);
        }
    }
    // Leading characters that mix in the bytes before the secret.
    let skip = match shift {
        0 => 0,
        1 => 2,
        _ => 3,
    };
    // A last character that mixes in the byte after the secret.
    let drop_last = usize::from(!padded.len().is_multiple_of(3));
    let end = chars.len().saturating_sub(drop_last);
    String::from_utf8_lossy(chars.get(skip..end).unwrap_or_default()).into_owned()
}

/// Control characters from the service (ESC, NUL, BEL, backspace, CR, C1 controls, and the
/// bidirectional overrides that reorder what a reader sees) written as visible escapes, so
/// no output can move a terminal's cursor, hide text, or start a line of its own.
/// Newlines and tabs are kept.
pub(crate) fn neutralize(s: &mut String) {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !s.chars().any(unsafe_char) {
        return;
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !unsafe_char(c) {
            out.push(c);
        } else if (c as u32) < 0x100 {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push_str(&format!("\\u{{{:04x}}}", c as u32));
        }
    }
    *s = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(r: &Redactor, s: &str) -> String {
        let mut s = s.to_string();
        r.text(&mut s);
        s
    }

    #[test]
    fn replaces_every_occurrence_longest_first() {
        let r = Redactor::new(vec!["abc".into(), "abcdef".into(), "x".into()]);
        assert_eq!(
            masked(&r, "token=abcdef and abc and x"),
            "token=*** and *** and x"
        );
    }

    /// The secret `p"a/ss+w\o rd&é` written in `form` is masked.
    fn form_is_masked(form: &str) {
        let r = Redactor::new(vec!["p\"a/ss+w\\o rd&é".into()]);
        assert_eq!(masked(&r, &format!("<{form}>")), "<***>", "{form}");
    }

    /// One test per encoded form, so that one failing hides none of the others.
    macro_rules! forms_are_masked {
        ($($name:ident: $form:expr;)*) => {
            $(#[test] fn $name() { form_is_masked($form) })*
        };
    }

    forms_are_masked! {
        json_escaped_quote_and_backslash_is_masked: r#"p\"a/ss+w\\o rd&é"#;
        json_escaped_slash_is_masked: r#"p\"a\/ss+w\\o rd&é"#;
        json_unicode_escape_is_masked: r#"p\"a/ss+w\\o rd&\u00e9"#;
        xml_named_entities_are_masked: "p&quot;a/ss+w\\o rd&amp;é";
        xml_numeric_entities_are_masked: "p&#34;a/ss+w\\o rd&amp;é";
        percent_upper_case_is_masked: "p%22a%2Fss%2Bw%5Co%20rd%26%C3%A9";
        percent_lower_case_is_masked: "p%22a%2fss%2bw%5co%20rd%26%c3%a9";
        percent_plus_for_space_is_masked: "p%22a%2Fss%2Bw%5Co+rd%26%C3%A9";
        url_path_set_is_masked: "p%22a/ss+w\\o%20rd&%C3%A9";
        url_path_backslash_as_slash_is_masked: "p%22a/ss+w/o%20rd&%C3%A9";
        encode_uri_component_is_masked: "p%22a%2Fss%2Bw%5Co%20rd%26%C3%A9";
        double_encoded_path_is_masked: "p%2522a/ss+w/o%2520rd&%25C3%25A9";
        double_encoded_percent_is_masked: "p%2522a%252Fss%252Bw%255Co%2520rd%2526%25C3%25A9";
        backslash_as_slash_decoded_is_masked: "p\"a/ss+w/o rd&é";
        python_quote_of_a_path_is_masked: "p%22a/ss%2Bw/o%20rd%26%C3%A9";
    }

    #[test]
    fn the_query_set_keeps_what_a_query_keeps() {
        let r = Redactor::new(vec!["a b'c/d+e&f=g".into()]);
        assert_eq!(masked(&r, "?x=a%20b%27c/d+e&f=g#"), "?x=***#");
        assert_eq!(masked(&r, "?x=a+b%27c%2Fd%2Be%26f%3Dg"), "?x=***");
    }

    #[test]
    fn env_names_that_say_secret_are_secret_and_others_are_not() {
        for name in [
            "API_TOKEN",
            "db_password",
            "AWS_SECRET_ACCESS_KEY",
            "GH_AUTH",
            "SENTRY_DSN",
        ] {
            assert!(secret_name(name), "{name}");
        }
        for name in ["HOME", "APP_DIR", "PORT", "DATABASE_HOST", "PATH"] {
            assert!(!secret_name(name), "{name}");
        }
    }

    #[test]
    fn a_capture_named_secret_is_masked_once_captured_and_others_never() {
        let mut r = Redactor::new(vec![]);
        r.secret_captures.insert("jwt".into());
        r.captured("id", &serde_json::json!("item-12345"));
        r.captured("jwt", &serde_json::json!("eyJhbGciOiJIUzI1NiJ9.e30.abc"));
        assert_eq!(
            masked(&r, "Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc for item-12345"),
            "Bearer *** for item-12345"
        );
        assert_eq!(r.values(), ["eyJhbGciOiJIUzI1NiJ9.e30.abc"]);
    }

    #[test]
    fn a_secret_is_masked_before_the_text_is_cut() {
        let r = Redactor::new(vec!["CANARY 9f3e/2b71".into()]);
        let cut = r.cut("{\"x-api-key\": \"CANARY 9f3e/2b71\"}", 18);
        assert_eq!(cut, "{\"x-api-key\": \"***…");
        assert!(!r.cut("key CANARY 9f3e/2b71", 10).contains("CANARY"));
    }

    #[test]
    fn base64_is_masked_at_every_alignment_and_in_both_alphabets() {
        let secret = "s3cret?>value";
        let r = Redactor::new(vec![secret.into()]);
        // Standard, padded: a Basic header `user:secret` puts it at any alignment.
        for prefix in ["", "a", "ab", "user:", "us:"] {
            let encoded = std_base64(format!("{prefix}{secret}").as_bytes());
            let out = masked(&r, &encoded);
            assert!(out.contains("***"), "prefix {prefix:?}: {encoded} -> {out}");
            assert!(
                out.len() <= 3 + 4 + 4,
                "at most a few boundary characters kept: {out}"
            );
            let url = encoded.replace('+', "-").replace('/', "_");
            assert!(masked(&r, &url).contains("***"), "url-safe {url}");
        }
    }

    #[test]
    fn short_values_are_left_alone() {
        let r = Redactor::new(vec!["ab".into()]);
        assert!(r.is_empty());
        assert_eq!(masked(&r, "ab"), "ab");
    }

    #[test]
    fn control_characters_become_visible_escapes() {
        let mut s = "ok\u{1b}[31mred\0\u{7}\u{8}\r\nnext\tline\u{202e}".to_string();
        neutralize(&mut s);
        assert_eq!(s, "ok\\x1b[31mred\\x00\\x07\\x08\\x0d\nnext\tline\\u{202e}");
    }

    fn std_base64(bytes: &[u8]) -> String {
        let mut out = String::new();
        for c in bytes.chunks(3) {
            let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
            let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
            for i in 0..4 {
                out.push(if i <= c.len() {
                    BASE64[(n >> (18 - 6 * i) & 63) as usize] as char
                } else {
                    '='
                });
            }
        }
        out
    }
}
