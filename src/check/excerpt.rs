//! How a response's body appears in a check's message: an excerpt of text, a hex excerpt
//! of bytes, and what a body that should be JSON is instead.

use crate::http::Response;

/// What a body that should be JSON is instead: its content type and an excerpt.
pub(crate) fn not_json(r: &Response) -> String {
    let ctype = r
        .header("content-type")
        .map(|c| format!("a `{c}` body"))
        .unwrap_or_else(|| "a body without content-type".into());
    format!("{ctype} that is not JSON: {}", body_snippet(r))
}

/// The body for a message: text as text; bytes that are not text as a hex excerpt with the
/// length, so nothing is hidden or blanked.
pub(crate) fn body_snippet(r: &Response) -> String {
    let binary = r.raw.as_deref().or_else(|| {
        r.body
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
            .then_some(r.body.as_bytes())
    });
    match binary {
        Some(bytes) => {
            let hex: Vec<String> = bytes.iter().take(48).map(|b| format!("{b:02x}")).collect();
            let more = if bytes.len() > 48 { " …" } else { "" };
            format!(
                "binary body, {} bytes: {}{more}",
                bytes.len(),
                hex.join(" ")
            )
        }
        None => match &r.redactor {
            Some(redactor) => {
                let mut body = r.body.clone();
                redactor.text(&mut body);
                snippet(&body)
            }
            None => snippet(&r.body),
        },
    }
}

/// A text on one line for a message: at most 160 characters, in backticks.
pub(crate) fn snippet(body: &str) -> String {
    let one_line: String = body
        .chars()
        .take(160)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if body.is_empty() {
        "(empty body)".into()
    } else if body.chars().count() > 160 {
        format!("`{one_line}…`")
    } else {
        format!("`{one_line}`")
    }
}

/// What a JSONPath that matched nothing saw: `no match`, a path to a key like the one
/// asked for when the document has one (`$.currentPhase` for `$.current_phase`), and an
/// excerpt of the body (bounded; secrets are masked on the way out, as in every message).
pub(crate) fn no_match(path: &str, doc: &serde_json::Value, body: &str) -> String {
    match similar_path(path, doc) {
        // The excerpt is where the similar key is, not the start of the body.
        Some((p, key)) => match around(body, &serde_json::Value::from(key).to_string()) {
            Some(a) => format!("no match; did you mean `{p}`? the body has `{}`", a.excerpt),
            None => format!("no match; did you mean `{p}`? in {}", snippet(body)),
        },
        None => format!("no match in {}", snippet(body)),
    }
}

/// The name a JSONPath ends with: `phase` of `$.run.phase` or `$['run']['phase']`.
fn last_name(path: &str) -> Option<&str> {
    let path = path.trim();
    let name = if let Some(inner) = path.strip_suffix("']").or_else(|| path.strip_suffix("\"]")) {
        let at = inner.rfind(['\'', '"'])?;
        &inner[at + 1..]
    } else {
        let at = path.rfind(['.', '$'])?;
        &path[at + 1..]
    };
    (!name.is_empty() && !name.contains(['*', '[', ']', '?', '@', '('])).then_some(name)
}

/// The path of the key in `doc` most like the one `path` ends with: the same when case,
/// `_` and `-` are ignored (`currentPhase` for `current_phase`), else within typo
/// distance; the shallowest wins. At most 2,000 nodes are looked at.
fn similar_path(path: &str, doc: &serde_json::Value) -> Option<(String, String)> {
    use serde_json::Value;
    let name = last_name(path)?;
    let fold = |s: &str| {
        s.chars()
            .filter(|c| !matches!(c, '_' | '-'))
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    let wanted = fold(name);
    let mut best: Option<(bool, usize, String, String)> = None;
    let mut queue = std::collections::VecDeque::from([(doc, "$".to_string(), 0usize)]);
    let mut seen = 0;
    while let Some((v, at, depth)) = queue.pop_front() {
        seen += 1;
        if seen > 2000 {
            break;
        }
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    let here = if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                        && !k.is_empty()
                    {
                        format!("{at}.{k}")
                    } else {
                        format!("{at}['{}']", k.replace('\'', "\\'"))
                    };
                    let same = fold(k) == wanted;
                    let close = same || crate::suggest::closest(name, &[k.as_str()]).is_some();
                    if close && k != name && here != path {
                        let better = match &best {
                            None => true,
                            Some((b_same, b_depth, ..)) => {
                                (same && !b_same) || (same == *b_same && depth < *b_depth)
                            }
                        };
                        if better {
                            best = Some((same, depth, here.clone(), k.clone()));
                        }
                    }
                    queue.push_back((child, here, depth + 1));
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    queue.push_back((child, format!("{at}[{i}]"), depth + 1));
                }
            }
            _ => {}
        }
    }
    best.map(|(_, _, p, k)| (p, k))
}

/// A header the response does not have: `(absent)`, the closest name it does have, and the
/// names it has (names only: values may be credentials).
pub(crate) fn absent_header(name: &str, headers: &[(String, String)]) -> String {
    let mut names: Vec<&str> = headers.iter().map(|(n, _)| n.as_str()).collect();
    names.dedup();
    if names.is_empty() {
        return "(absent; the response has no headers)".into();
    }
    let hint = crate::suggest::closest(name, &names)
        .map(|c| format!("did you mean `{c}`? "))
        .unwrap_or_default();
    let listed: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    let listed: Vec<&str> = listed.iter().map(String::as_str).collect();
    format!(
        "(absent; {hint}the response has {})",
        crate::text::short_list(&listed, 12)
    )
}

/// Where `needle` is in `text`, in context: up to 60 characters either side of its first
/// occurrence, on one line, with `…` where the text goes on, and how many times it occurs.
pub(crate) fn in_context(text: &str, needle: &str) -> Option<String> {
    let a = around(text, needle)?;
    let times = if a.count > 1 {
        format!(" ({} times; the first)", a.count)
    } else {
        String::new()
    };
    Some(format!(
        "found at character {}{times}: `{}`",
        a.at, a.excerpt
    ))
}

/// The first occurrence of a text in a longer one.
struct Around {
    /// Its position, in characters.
    at: usize,
    /// How many times it occurs.
    count: usize,
    /// It in brackets, with up to 60 characters either side, on one line.
    excerpt: String,
}

fn around(text: &str, needle: &str) -> Option<Around> {
    let at = text.find(needle)?;
    let before: String = {
        let chars: Vec<char> = text[..at].chars().collect();
        let from = chars.len().saturating_sub(60);
        let more = if from > 0 { "…" } else { "" };
        format!("{more}{}", chars[from..].iter().collect::<String>())
    };
    let after: String = {
        let rest = &text[at + needle.len()..];
        let shown: String = rest.chars().take(60).collect();
        let more = if rest.chars().count() > 60 { "…" } else { "" };
        format!("{shown}{more}")
    };
    let one_line = |s: &str| -> String {
        s.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    };
    Some(Around {
        at: text[..at].chars().count(),
        count: text.matches(needle).count(),
        excerpt: format!(
            "{}[{}]{}",
            one_line(&before),
            one_line(needle),
            one_line(&after)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_renamed_key_is_suggested_with_an_excerpt() {
        let doc = json!({"run_id": "r1", "currentPhase": "queued", "steps": [{"name": "a"}]});
        let body = doc.to_string();
        insta::assert_snapshot!(no_match("$.current_phase", &doc, &body), @r#"no match; did you mean `$.currentPhase`? the body has `{"run_id":"r1",["currentPhase"]:"queued","steps":[{"name":"a"}]}`"#);
        let path = |p: &str| similar_path(p, &doc).map(|(p, _)| p);
        assert_eq!(path("$.steps[0].nmae").as_deref(), Some("$.steps[0].name"));
        assert_eq!(
            path("$['current-phase']").as_deref(),
            Some("$.currentPhase")
        );
        assert_eq!(similar_path("$.owner", &doc), None, "nothing alike");
        assert_eq!(similar_path("$.steps[*]", &doc), None, "no name to compare");
    }

    #[test]
    fn the_excerpt_of_a_long_body_is_bounded() {
        let doc = json!({"blob": "x".repeat(1000)});
        let shown = no_match("$.missing", &doc, &doc.to_string());
        assert!(shown.chars().count() < 200, "{shown}");
        assert!(shown.ends_with("…`"), "{shown}");
    }

    #[test]
    fn a_missing_header_lists_the_names_there_are() {
        let headers = vec![
            ("content-type".to_string(), "application/json".to_string()),
            ("x-request-id".to_string(), "abc".to_string()),
            ("x-api-key".to_string(), "do-not-show".to_string()),
        ];
        let shown = absent_header("x-requestid", &headers);
        insta::assert_snapshot!(shown, @"(absent; did you mean `x-request-id`? the response has `content-type`, `x-request-id`, `x-api-key`)");
        assert!(!shown.contains("do-not-show"), "values are never shown");
        assert_eq!(
            absent_header("etag", &[]),
            "(absent; the response has no headers)"
        );
    }

    #[test]
    fn a_forbidden_text_is_shown_where_it_is() {
        let body = format!(
            "{}Traceback (most recent call last):\n  File \"app.py\"{}",
            "a".repeat(100),
            "b".repeat(100)
        );
        let shown = in_context(&body, "Traceback").unwrap();
        insta::assert_snapshot!(shown, @r#"found at character 100: `…aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa[Traceback] (most recent call last):   File "app.py"bbbbbbbbbbbbbbbbbbb…`"#);
        assert_eq!(
            in_context("x secret y secret", "secret").unwrap(),
            "found at character 2 (2 times; the first): `x [secret] y secret`"
        );
        assert_eq!(in_context("clean", "secret"), None);
    }
}
