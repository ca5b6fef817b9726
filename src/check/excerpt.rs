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
