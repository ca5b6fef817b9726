//! A strict parser for the Prometheus text exposition format 0.0.4 (and the OpenMetrics
//! text subset services emit): families, samples, escaped label values, `NaN`/`±Inf`,
//! optional timestamps. A malformed line is an error with its line number; so are a
//! duplicated series and a `TYPE` after its samples. Lint rules and histogram invariants
//! are separate findings, not parse errors.

use crate::suite::MetricType;
use std::collections::{BTreeMap, HashMap, HashSet};

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sample {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: f64,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Family {
    pub name: String,
    pub help: Option<String>,
    pub kind: MetricType,
    pub samples: Vec<Sample>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParseError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

fn is_name(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_' || f == ':')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_' || x == ':')
}

fn is_label_name(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
}

fn parse_value(s: &str) -> Option<f64> {
    match s {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ => s.parse().ok(),
    }
}

/// Label pairs in the order written.
type Labels = Vec<(String, String)>;

/// A histogram series: `(le, cumulative count)` buckets and its `_count`.
type Buckets = (Vec<(f64, f64)>, Option<f64>);

/// Suffixes that attach a sample to a typed family.
fn family_of<'a>(sample: &'a str, types: &HashMap<String, MetricType>) -> &'a str {
    for (suffix, kinds) in [
        ("_bucket", &[MetricType::Histogram][..]),
        ("_count", &[MetricType::Histogram, MetricType::Summary][..]),
        ("_sum", &[MetricType::Histogram, MetricType::Summary][..]),
        (
            "_created",
            &[
                MetricType::Histogram,
                MetricType::Summary,
                MetricType::Counter,
            ][..],
        ),
        ("_total", &[MetricType::Counter][..]),
    ] {
        if let Some(base) = sample
            .strip_suffix(suffix)
            .filter(|b| types.get(*b).is_some_and(|t| kinds.contains(t)))
        {
            return base;
        }
    }
    sample
}

/// `{a="1",b="x\"y"}` -> labels; returns the rest of the line after `}`.
fn parse_labels(s: &str) -> Result<(Labels, &str), String> {
    let mut labels = Vec::new();
    let mut rest = s.strip_prefix('{').ok_or("expected `{`")?;
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix('}') {
            return Ok((labels, r));
        }
        let eq = rest
            .find('=')
            .ok_or("expected `name=\"value\"` in labels")?;
        let name = rest[..eq].trim();
        if !is_label_name(name) {
            return Err(format!("invalid label name `{name}`"));
        }
        rest = rest[eq + 1..]
            .trim_start()
            .strip_prefix('"')
            .ok_or_else(|| format!("label `{name}`: value must be quoted"))?;
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            match chars.next() {
                None => return Err(format!("label `{name}`: unterminated value")),
                Some((i, '"')) => break i,
                Some((_, '\\')) => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    _ => return Err(format!("label `{name}`: invalid escape")),
                },
                Some((_, c)) => value.push(c),
            }
        };
        if labels.iter().any(|(n, _): &(String, String)| n == name) {
            return Err(format!("label `{name}` appears twice"));
        }
        labels.push((name.to_string(), value));
        rest = rest[end + 1..].trim_start();
        if let Some(r) = rest.strip_prefix(',') {
            rest = r;
        } else if !rest.starts_with('}') {
            return Err("expected `,` or `}` after a label".into());
        }
    }
}

pub(crate) fn parse(text: &str) -> Result<Vec<Family>, ParseError> {
    let mut families: Vec<Family> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut types: HashMap<String, MetricType> = HashMap::new();
    let mut seen_series: HashSet<(String, Vec<(String, String)>)> = HashSet::new();
    let err = |line: usize, message: String| ParseError { line, message };
    let mut family_idx = |families: &mut Vec<Family>, name: &str| -> usize {
        *index.entry(name.to_string()).or_insert_with(|| {
            families.push(Family {
                name: name.to_string(),
                help: None,
                kind: MetricType::Untyped,
                samples: Vec::new(),
            });
            families.len() - 1
        })
    };
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let l = raw.trim_end_matches('\r');
        if l.trim().is_empty() {
            continue;
        }
        if let Some(comment) = l.strip_prefix('#') {
            let mut parts = comment.trim_start().splitn(3, ' ');
            match (parts.next(), parts.next(), parts.next()) {
                (Some("EOF"), None, None) => break,
                (Some("HELP"), Some(name), help) => {
                    if !is_name(name) {
                        return Err(err(line, format!("invalid metric name `{name}` in HELP")));
                    }
                    let f = family_idx(&mut families, name);
                    if families[f].help.is_some() {
                        return Err(err(line, format!("second HELP for `{name}`")));
                    }
                    families[f].help = Some(help.unwrap_or_default().to_string());
                }
                (Some("TYPE"), Some(name), Some(kind)) => {
                    if !is_name(name) {
                        return Err(err(line, format!("invalid metric name `{name}` in TYPE")));
                    }
                    let kind = MetricType::parse(kind.trim()).ok_or_else(|| {
                        err(
                            line,
                            format!("unknown metric type `{}` for `{name}`", kind.trim()),
                        )
                    })?;
                    let f = family_idx(&mut families, name);
                    if types.contains_key(name) {
                        return Err(err(line, format!("second TYPE for `{name}`")));
                    }
                    if !families[f].samples.is_empty() {
                        return Err(err(
                            line,
                            format!("TYPE for `{name}` comes after its samples"),
                        ));
                    }
                    families[f].kind = kind;
                    types.insert(name.to_string(), kind);
                }
                (Some("TYPE"), _, _) => {
                    return Err(err(line, "TYPE needs a metric name and a type".into()));
                }
                _ => {} // other comments
            }
            continue;
        }
        let name_end = l
            .find(|c: char| c == '{' || c.is_whitespace())
            .unwrap_or(l.len());
        let name = &l[..name_end];
        if !is_name(name) {
            return Err(err(line, format!("invalid metric name `{name}`")));
        }
        let (labels, rest) = if l[name_end..].starts_with('{') {
            parse_labels(&l[name_end..]).map_err(|m| err(line, m))?
        } else {
            (Vec::new(), &l[name_end..])
        };
        let mut fields = rest.split_whitespace();
        let value_text = fields
            .next()
            .ok_or_else(|| err(line, format!("`{name}` has no value")))?;
        let value = parse_value(value_text)
            .ok_or_else(|| err(line, format!("invalid value `{value_text}` for `{name}`")))?;
        if let Some(ts) = fields.next().filter(|ts| ts.parse::<f64>().is_err()) {
            return Err(err(line, format!("invalid timestamp `{ts}` for `{name}`")));
        }
        if let Some(extra) = fields.next() {
            return Err(err(
                line,
                format!("unexpected `{extra}` after the value of `{name}`"),
            ));
        }
        let mut key_labels = labels.clone();
        key_labels.sort();
        if !seen_series.insert((name.to_string(), key_labels)) {
            return Err(err(
                line,
                format!(
                    "duplicate series `{}`",
                    l.split_whitespace().next().unwrap_or(name)
                ),
            ));
        }
        let fam = family_of(name, &types).to_string();
        let f = family_idx(&mut families, &fam);
        families[f].samples.push(Sample {
            name: name.to_string(),
            labels,
            value,
            line,
        });
    }
    Ok(families)
}

/// Histogram invariants and counter signs, per series: buckets cumulative, `+Inf` present
/// and equal to `_count`, counters non-negative.
pub(crate) fn invariant_violations(families: &[Family]) -> Vec<String> {
    let mut out = Vec::new();
    for f in families {
        match f.kind {
            MetricType::Histogram => {
                // Per label set (without `le`): the (le, count) buckets and `_count`.
                let mut series: BTreeMap<Labels, Buckets> = BTreeMap::new();
                for s in &f.samples {
                    let key: Labels = s
                        .labels
                        .iter()
                        .filter(|(k, _)| k != "le")
                        .cloned()
                        .collect();
                    let entry = series.entry(key).or_default();
                    if s.name.ends_with("_bucket") {
                        match s
                            .labels
                            .iter()
                            .find(|(k, _)| k == "le")
                            .and_then(|(_, v)| parse_value(v))
                        {
                            Some(le) => entry.0.push((le, s.value)),
                            None => out.push(format!(
                                "`{}` (line {}): bucket without a valid `le`",
                                f.name, s.line
                            )),
                        }
                    } else if s.name.ends_with("_count") {
                        entry.1 = Some(s.value);
                    }
                }
                for (labels, (mut buckets, count)) in series {
                    let at = if labels.is_empty() {
                        f.name.clone()
                    } else {
                        format!(
                            "{}{{{}}}",
                            f.name,
                            labels
                                .iter()
                                .map(|(k, v)| format!("{k}=\"{v}\""))
                                .collect::<Vec<_>>()
                                .join(",")
                        )
                    };
                    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
                    if buckets.windows(2).any(|w| w[1].1 < w[0].1) {
                        out.push(format!("`{at}`: bucket counts are not cumulative"));
                    }
                    match buckets.last() {
                        Some((le, inf)) if le.is_infinite() => {
                            if count.is_some_and(|c| c != *inf) {
                                out.push(format!(
                                    "`{at}`: +Inf bucket {inf} differs from _count {}",
                                    count.unwrap_or_default()
                                ));
                            }
                        }
                        _ => out.push(format!("`{at}`: no +Inf bucket")),
                    }
                }
            }
            MetricType::Counter => {
                for s in f
                    .samples
                    .iter()
                    .filter(|s| !s.name.ends_with("_created") && s.value < 0.0)
                {
                    out.push(format!(
                        "`{}` (line {}): counter is negative ({})",
                        s.name, s.line, s.value
                    ));
                }
            }
            _ => {}
        }
    }
    out
}

/// promtool's main lint rules.
pub(crate) fn lint(families: &[Family]) -> Vec<String> {
    const NON_BASE_UNITS: [&str; 9] = [
        "_milliseconds",
        "_microseconds",
        "_nanoseconds",
        "_ms",
        "_minutes",
        "_hours",
        "_kilobytes",
        "_megabytes",
        "_percent",
    ];
    let mut out = Vec::new();
    for f in families {
        let n = &f.name;
        if f.help.as_deref().is_none_or(|h| h.trim().is_empty()) {
            out.push(format!("`{n}`: no HELP text"));
        }
        if f.kind == MetricType::Counter
            && !n.ends_with("_total")
            && !f.samples.iter().all(|s| s.name.ends_with("_total"))
        {
            out.push(format!("`{n}`: counter names should end in `_total`"));
        }
        if f.kind != MetricType::Counter && n.ends_with("_total") {
            out.push(format!("`{n}`: only counters should end in `_total`"));
        }
        if n.chars().any(|c| c.is_ascii_uppercase()) {
            out.push(format!("`{n}`: names should be snake_case"));
        }
        if let Some(u) = NON_BASE_UNITS
            .iter()
            .find(|u| n.ends_with(*u) || n.contains(&format!("{u}_")))
        {
            out.push(format!(
                "`{n}`: use base units (seconds, bytes, ratios), not `{}`",
                &u[1..]
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"# HELP http_requests_total Requests.
# TYPE http_requests_total counter
http_requests_total{method="GET",path="/a \"q\"\\b"} 3
http_requests_total{method="POST",path="/a"} 1 1700000000000
# HELP lat_seconds Latency.
# TYPE lat_seconds histogram
lat_seconds_bucket{le="0.1"} 1
lat_seconds_bucket{le="1"} 2
lat_seconds_bucket{le="+Inf"} 3
lat_seconds_sum 1.5
lat_seconds_count 3
# HELP temp Temperature.
# TYPE temp gauge
temp NaN
up 1
# EOF
"#;

    #[test]
    fn parses_families_labels_escapes_and_special_values() {
        let f = parse(GOOD).unwrap();
        let names: Vec<&str> = f.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["http_requests_total", "lat_seconds", "temp", "up"]);
        assert_eq!(
            f[0].samples[0].labels[1],
            ("path".into(), "/a \"q\"\\b".into())
        );
        assert_eq!(f[1].kind, MetricType::Histogram);
        assert_eq!(f[1].samples.len(), 5);
        assert!(f[2].samples[0].value.is_nan());
        assert_eq!(f[3].kind, MetricType::Untyped);
        assert!(invariant_violations(&f).is_empty());
        assert_eq!(lint(&f), vec!["`up`: no HELP text"]);
    }

    #[test]
    fn malformed_lines_are_errors_with_their_line_number() {
        let cases = [
            ("a{b=\"1\" 3\n", 1, "expected `,` or `}` after a label"),
            ("# TYPE a counter\na 1\na 2\n", 3, "duplicate series `a`"),
            (
                "a 1\n# TYPE a gauge\n",
                2,
                "TYPE for `a` comes after its samples",
            ),
            ("ok 1\n9bad 1\n", 2, "invalid metric name `9bad`"),
            ("a one\n", 1, "invalid value `one` for `a`"),
            (
                "# TYPE a countr\n",
                1,
                "unknown metric type `countr` for `a`",
            ),
        ];
        for (text, line, message) in cases {
            assert_eq!(
                parse(text),
                Err(ParseError {
                    line,
                    message: message.into()
                }),
                "{text}"
            );
        }
    }

    #[test]
    fn histogram_invariants() {
        let text = "# TYPE h histogram\nh_bucket{le=\"1\"} 5\nh_bucket{le=\"2\"} 3\nh_bucket{le=\"+Inf\"} 4\nh_count 6\n# TYPE g histogram\ng_bucket{le=\"1\"} 1\ng_count 1\n";
        let v = invariant_violations(&parse(text).unwrap());
        assert_eq!(
            v,
            vec![
                "`h`: bucket counts are not cumulative",
                "`h`: +Inf bucket 4 differs from _count 6",
                "`g`: no +Inf bucket"
            ]
        );
    }

    #[test]
    fn lint_rules() {
        let text = "# HELP a_ms x\n# TYPE a_ms gauge\na_ms 1\n# HELP b x\n# TYPE b counter\nb 1\n# HELP c_total x\n# TYPE c_total gauge\nc_total 1\n# HELP Bad x\nBad 1\n";
        assert_eq!(
            lint(&parse(text).unwrap()),
            vec![
                "`a_ms`: use base units (seconds, bytes, ratios), not `ms`",
                "`b`: counter names should end in `_total`",
                "`c_total`: only counters should end in `_total`",
                "`Bad`: names should be snake_case",
            ]
        );
    }
}
