//! How an error reads in a message: one lowercase line, without Rust's "(os error N)".
//! At the bottom of the layers, so that every layer words errors the same way.

/// An I/O error as a lowercase reason.
pub(crate) fn io(e: &std::io::Error) -> String {
    let text = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    };
    crate::text::lowercase_first(text.split(" (os error").next().unwrap_or(&text))
}

/// An error and its sources as one lowercase line ("error sending request: connection
/// refused"), each source said once.
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    let line = parts.join(": ");
    crate::text::lowercase_first(line.split(" (os error").next().unwrap_or(&line))
}

#[cfg(test)]
mod tests {
    #[test]
    fn reasons_are_lowercase_lines_without_os_error_numbers() {
        let e = std::io::Error::from_raw_os_error(111);
        assert_eq!(super::io(&e), "connection refused");
        assert_eq!(super::chain(&e), "connection refused");
    }
}
