//! The tokens both text formats share, each read as strictly as its format's grammar:
//! metric and label names, numbers, and label sets.

/// Label pairs in the order written.
pub(crate) type Labels = Vec<(String, String)>;

/// A metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
pub(crate) fn is_name(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_' || f == ':')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_' || x == ':')
}

/// A label name: `[a-zA-Z_][a-zA-Z0-9_]*`.
pub(crate) fn is_label_name(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
}

/// A value in the classic format: what Go's `ParseFloat` reads (decimal, or hexadecimal
/// with its `p` exponent; `NaN`, `Inf`, `Infinity` in any case, the infinities signed).
pub(crate) fn classic_value(s: &str) -> Option<f64> {
    let (negative, unsigned) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let hex = unsigned
        .strip_prefix("0x")
        .or_else(|| unsigned.strip_prefix("0X"));
    if let Some(hex) = hex {
        return hex_float(hex).map(|v| if negative { -v } else { v });
    }
    if unsigned.eq_ignore_ascii_case("nan") {
        return (unsigned.len() == s.len()).then_some(f64::NAN);
    }
    if s.contains('_') {
        return None;
    }
    s.parse().ok()
}

/// Go's hexadecimal float after `0x`: hex digits with an optional point, then `p` and a
/// decimal exponent (which Go requires). Underscores between digits are allowed.
fn hex_float(s: &str) -> Option<f64> {
    let (mantissa, exp) = s.split_once(['p', 'P'])?;
    let exp: i32 = exp.replace('_', "").parse().ok()?;
    let mut value = 0f64;
    let mut fraction = 0;
    let mut point = false;
    let mut digits = 0;
    for c in mantissa.chars().filter(|c| *c != '_') {
        if c == '.' && !point {
            point = true;
            continue;
        }
        value = value * 16.0 + f64::from(c.to_digit(16)?);
        digits += 1;
        fraction += i32::from(point);
    }
    (digits > 0).then(|| value * 2f64.powi(exp - 4 * fraction))
}

/// A timestamp in the classic format: milliseconds as a 64-bit integer.
pub(crate) fn classic_timestamp(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// OpenMetrics `realnumber`: `[sign] digits ["." digits] [e [sign] digits]`, with at
/// least one digit on one side of the point.
pub(crate) fn om_real(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let mut n = digits(&mut i);
    if b.get(i) == Some(&b'.') {
        i += 1;
        n += digits(&mut i);
    }
    if n == 0 {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return None;
        }
    }
    (i == b.len()).then(|| s.parse().ok()).flatten()
}

/// OpenMetrics `number`: a `realnumber`, `[sign] inf | infinity`, or `nan` (the words in
/// any case, as ABNF strings are).
pub(crate) fn om_number(s: &str) -> Option<f64> {
    if let Some(v) = om_real(s) {
        return Some(v);
    }
    let lower = s.to_ascii_lowercase();
    let (negative, word) = match lower.as_bytes().first() {
        Some(b'-') => (true, &lower[1..]),
        Some(b'+') => (false, &lower[1..]),
        _ if lower == "nan" => return Some(f64::NAN),
        _ => (false, lower.as_str()),
    };
    match word {
        "inf" | "infinity" if negative => Some(f64::NEG_INFINITY),
        "inf" | "infinity" => Some(f64::INFINITY),
        _ => None,
    }
}

/// Classic `{a="1",b="x\"y"}` (blanks allowed between tokens, a trailing comma allowed,
/// escapes `\\`, `\"` and `\n` only) -> labels and the rest of the line after `}`.
pub(crate) fn classic_labels(s: &str) -> Result<(Labels, &str), String> {
    let mut labels = Vec::new();
    let mut rest = s.strip_prefix('{').ok_or("expected `{`")?;
    loop {
        rest = rest.trim_start_matches([' ', '\t']);
        if let Some(r) = rest.strip_prefix('}') {
            return Ok((labels, r));
        }
        let eq = rest
            .find('=')
            .ok_or("expected `name=\"value\"` in labels")?;
        let name = rest[..eq].trim_matches([' ', '\t']);
        if !is_label_name(name) {
            return Err(format!("invalid label name `{name}`"));
        }
        rest = rest[eq + 1..]
            .trim_start_matches([' ', '\t'])
            .strip_prefix('"')
            .ok_or_else(|| format!("label `{name}`: value must be quoted"))?;
        let (value, r) = quoted(rest, name, false)?;
        push_label(&mut labels, name, value)?;
        rest = r.trim_start_matches([' ', '\t']);
        if let Some(r) = rest.strip_prefix(',') {
            rest = r;
        } else if !rest.starts_with('}') {
            return Err("expected `,` or `}` after a label".into());
        }
    }
}

/// OpenMetrics `{a="1",b="2"}`: no blanks, no trailing comma; a backslash may escape any
/// character (`\n`, `\"`, `\\` mean LF, `"` and `\`; others stay as written).
pub(crate) fn om_labels(s: &str) -> Result<(Labels, &str), String> {
    let mut labels = Vec::new();
    let mut rest = s.strip_prefix('{').ok_or("expected `{`")?;
    if let Some(r) = rest.strip_prefix('}') {
        return Ok((labels, r));
    }
    loop {
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let name = &rest[..end];
        if !is_label_name(name) {
            return Err(format!(
                "invalid label name `{}`",
                rest.split(['=', '}', ',']).next().unwrap_or(rest)
            ));
        }
        rest = rest[end..]
            .strip_prefix("=\"")
            .ok_or_else(|| format!("label `{name}`: expected `=\"` after the name"))?;
        let (value, r) = quoted(rest, name, true)?;
        push_label(&mut labels, name, value)?;
        if let Some(r) = r.strip_prefix('}') {
            return Ok((labels, r));
        }
        rest = r
            .strip_prefix(',')
            .ok_or("expected `,` or `}` after a label")?;
        if rest.starts_with('}') {
            return Err("a comma after the last label".into());
        }
    }
}

fn push_label(labels: &mut Labels, name: &str, value: String) -> Result<(), String> {
    if labels.iter().any(|(n, _)| n == name) {
        return Err(format!("label `{name}` appears twice"));
    }
    labels.push((name.to_string(), value));
    Ok(())
}

/// A quoted value's text up to its closing quote, unescaped, and what follows the quote.
fn quoted<'a>(s: &'a str, name: &str, any_escape: bool) -> Result<(String, &'a str), String> {
    let mut value = String::new();
    let mut chars = s.char_indices();
    loop {
        match chars.next() {
            None => return Err(format!("label `{name}`: unterminated value")),
            Some((i, '"')) => return Ok((value, &s[i + 1..])),
            Some((_, '\\')) => match chars.next() {
                Some((_, 'n')) => value.push('\n'),
                Some((_, '\\')) => value.push('\\'),
                Some((_, '"')) => value.push('"'),
                Some((_, c)) if any_escape => {
                    value.push('\\');
                    value.push(c);
                }
                _ => {
                    return Err(format!(
                        "label `{name}`: invalid escape (only `\\\\`, `\\\"` and `\\n`)"
                    ));
                }
            },
            Some((_, c)) => value.push(c),
        }
    }
}
