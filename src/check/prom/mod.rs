//! A strict parser for the Prometheus text exposition format 0.0.4 (and the OpenMetrics
//! text subset services emit): families, samples, escaped label values, `NaN`/`±Inf`,
//! optional timestamps. A malformed line is an error with its line number; so are a
//! duplicated series and a `TYPE` after its samples. Lint rules and histogram invariants
//! are separate findings, not parse errors.

use crate::suite::MetricType;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};

/// What the checks need to know of one family, gathered as the exposition streams by: the
/// samples themselves are not kept, so memory does not grow with the number of series.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Family {
    pub name: String,
    pub help: Option<String>,
    pub kind: MetricType,
    /// How many samples it has.
    pub samples: usize,
    /// Whether every sample's name ends in `_total` (a lint rule for counters).
    pub all_total: bool,
    /// The label names every one of its samples carries (`None` before the first sample).
    pub labels_everywhere: Option<BTreeSet<String>>,
}

/// A sum the caller wants of the samples named `metric` whose labels include `labels`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SumQuery {
    pub metric: String,
    pub labels: Vec<(String, String)>,
}

/// A parsed exposition.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Exposition {
    pub families: Vec<Family>,
    /// Histogram invariants and counter signs that do not hold.
    pub violations: Vec<String>,
    /// One per query, in order: the sum, or `None` when no sample matched.
    pub sums: Vec<Option<f64>>,
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

/// Which text format an exposition is in, chosen by its content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// `text/plain; version=0.0.4`, the Prometheus text format.
    Classic,
    /// `application/openmetrics-text`, OpenMetrics 1.0.
    OpenMetrics,
}

impl Format {
    pub(crate) fn from_content_type(ctype: Option<&str>) -> Format {
        match ctype {
            Some(c)
                if c.trim()
                    .to_ascii_lowercase()
                    .starts_with("application/openmetrics-text") =>
            {
                Format::OpenMetrics
            }
            _ => Format::Classic,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Format::Classic => "Prometheus text 0.0.4",
            Format::OpenMetrics => "OpenMetrics 1.0",
        }
    }

    /// Whether the format knows this metric type, as written.
    fn allows(self, kind: MetricType, written: &str) -> bool {
        match self {
            Format::Classic => {
                matches!(
                    kind,
                    MetricType::Counter
                        | MetricType::Gauge
                        | MetricType::Histogram
                        | MetricType::Summary
                ) || written == "untyped"
            }
            Format::OpenMetrics => written != "untyped",
        }
    }
}

/// Suffixes that attach a sample to a typed family.
fn family_of<'a>(sample: &'a str, types: &HashMap<String, MetricType>) -> &'a str {
    for (suffix, kinds) in [
        (
            "_bucket",
            &[MetricType::Histogram, MetricType::GaugeHistogram][..],
        ),
        ("_gcount", &[MetricType::GaugeHistogram][..]),
        ("_gsum", &[MetricType::GaugeHistogram][..]),
        ("_info", &[MetricType::Info][..]),
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

/// The longest line an exposition may have.
const MAX_LINE: usize = 1024 * 1024;
/// Violations listed at most; the rest are counted.
const MAX_VIOLATIONS: usize = 20;

/// Parses a whole exposition in the classic format held in memory.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn parse(text: &str) -> Result<Exposition, ParseError> {
    let mut p = Parser::new(Vec::new());
    p.feed(text.as_bytes())?;
    p.finish()
}

/// A streaming parser: `feed` it the body as it arrives, then `finish`.
pub(crate) struct Parser {
    format: Format,
    families: Vec<Family>,
    index: HashMap<String, usize>,
    types: HashMap<String, MetricType>,
    /// Hashes of the series seen, for duplicates (64 bits: a false duplicate needs a
    /// collision among the series of one exposition, about 1 in 10^7 at a million series).
    seen_series: HashSet<u64>,
    /// Per histogram series (family, labels without `le`): buckets and `_count`.
    histograms: BTreeMap<(usize, Labels), Buckets>,
    violations: Vec<String>,
    violations_more: usize,
    queries: Vec<SumQuery>,
    sums: Vec<Option<f64>>,
    /// The start of a line that has not ended yet.
    partial: Vec<u8>,
    line: usize,
    ended: bool,
}

impl Parser {
    /// A parser for the classic text format.
    pub(crate) fn new(queries: Vec<SumQuery>) -> Parser {
        Parser::with_format(Format::Classic, queries)
    }

    pub(crate) fn with_format(format: Format, queries: Vec<SumQuery>) -> Parser {
        Parser {
            format,
            families: Vec::new(),
            index: HashMap::new(),
            types: HashMap::new(),
            seen_series: HashSet::new(),
            histograms: BTreeMap::new(),
            violations: Vec::new(),
            violations_more: 0,
            sums: vec![None; queries.len()],
            queries,
            partial: Vec::new(),
            line: 0,
            ended: false,
        }
    }

    /// Parses every complete line of `chunk` (and of what was left from the last chunk).
    pub(crate) fn feed(&mut self, mut chunk: &[u8]) -> Result<(), ParseError> {
        while let Some(nl) = chunk.iter().position(|b| *b == b'\n') {
            if self.partial.is_empty() {
                self.line_bytes(&chunk[..nl])?;
            } else {
                let mut whole = std::mem::take(&mut self.partial);
                whole.extend_from_slice(&chunk[..nl]);
                self.line_bytes(&whole)?;
            }
            chunk = &chunk[nl + 1..];
        }
        if self.partial.len() + chunk.len() > MAX_LINE {
            return Err(ParseError {
                line: self.line + 1,
                message: "line longer than 1 MiB".into(),
            });
        }
        self.partial.extend_from_slice(chunk);
        Ok(())
    }

    pub(crate) fn finish(mut self) -> Result<Exposition, ParseError> {
        if !self.partial.is_empty() {
            let last = std::mem::take(&mut self.partial);
            self.line_bytes(&last)?;
        }
        if self.format == Format::OpenMetrics && !self.ended {
            return Err(ParseError {
                line: self.line + 1,
                message: "no `# EOF` at the end (OpenMetrics requires it)".into(),
            });
        }
        let mut violations = std::mem::take(&mut self.violations);
        for ((f, labels), (mut buckets, count)) in std::mem::take(&mut self.histograms) {
            let name = &self.families[f].name;
            let at = if labels.is_empty() {
                name.clone()
            } else {
                format!(
                    "{name}{{{}}}",
                    labels
                        .iter()
                        .map(|(k, v)| format!("{k}=\"{v}\""))
                        .collect::<Vec<_>>()
                        .join(",")
                )
            };
            buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
            if buckets.windows(2).any(|w| w[1].1 < w[0].1) {
                violations.push(format!("`{at}`: bucket counts are not cumulative"));
            }
            match buckets.last() {
                Some((le, inf)) if le.is_infinite() => {
                    if count.is_some_and(|c| c != *inf) {
                        violations.push(format!(
                            "`{at}`: +Inf bucket {inf} differs from _count {}",
                            count.unwrap_or_default()
                        ));
                    }
                }
                _ => violations.push(format!("`{at}`: no +Inf bucket")),
            }
        }
        if self.violations_more > 0 {
            violations.push(format!("and {} more", self.violations_more));
        }
        Ok(Exposition {
            families: self.families,
            violations,
            sums: self.sums,
        })
    }

    fn line_bytes(&mut self, raw: &[u8]) -> Result<(), ParseError> {
        self.line += 1;
        if self.ended {
            if self.format == Format::OpenMetrics {
                return Err(ParseError {
                    line: self.line,
                    message: "content after `# EOF`".into(),
                });
            }
            return Ok(());
        }
        let text = std::str::from_utf8(raw).map_err(|_| ParseError {
            line: self.line,
            message: "not UTF-8".into(),
        })?;
        self.parse_line(text)
    }

    fn family_idx(&mut self, name: &str) -> usize {
        if let Some(i) = self.index.get(name) {
            return *i;
        }
        self.families.push(Family {
            name: name.to_string(),
            help: None,
            kind: MetricType::Untyped,
            samples: 0,
            all_total: true,
            labels_everywhere: None,
        });
        self.index.insert(name.to_string(), self.families.len() - 1);
        self.families.len() - 1
    }

    fn violation(&mut self, v: String) {
        if self.violations.len() < MAX_VIOLATIONS {
            self.violations.push(v);
        } else {
            self.violations_more += 1;
        }
    }

    /// The rules OpenMetrics adds for a sample of a family of type `kind`.
    fn openmetrics_sample(
        &self,
        kind: MetricType,
        family: &str,
        name: &str,
        labels: &Labels,
        value: f64,
        exemplar: Option<&str>,
    ) -> Result<(), String> {
        match kind {
            MetricType::Counter if !(name.ends_with("_total") || name.ends_with("_created")) => {
                return Err(format!(
                    "counter sample `{name}` must end in `_total` or `_created`"
                ));
            }
            MetricType::Info if !name.ends_with("_info") => {
                return Err(format!("info sample `{name}` must end in `_info`"));
            }
            MetricType::Info if value != 1.0 => {
                return Err(format!("info sample `{name}` must have the value 1"));
            }
            MetricType::StateSet if value != 0.0 && value != 1.0 => {
                return Err(format!("stateset sample `{name}` must be 0 or 1"));
            }
            MetricType::StateSet if !labels.iter().any(|(k, _)| k == family) => {
                return Err(format!(
                    "stateset sample `{name}` needs the label `{family}`"
                ));
            }
            _ => {}
        }
        let Some(ex) = exemplar else { return Ok(()) };
        let allowed = (kind == MetricType::Counter && name.ends_with("_total"))
            || (matches!(kind, MetricType::Histogram | MetricType::GaugeHistogram)
                && name.ends_with("_bucket"));
        if !allowed {
            return Err("exemplars are allowed only on counters' `_total` and on buckets".into());
        }
        let (ex_labels, ex_rest) = parse_labels(ex).map_err(|e| format!("exemplar: {e}"))?;
        let size: usize = ex_labels
            .iter()
            .map(|(k, v)| k.chars().count() + v.chars().count())
            .sum();
        if size > 128 {
            return Err(format!(
                "exemplar labels are {size} characters long; OpenMetrics allows 128"
            ));
        }
        let mut f = ex_rest.split_whitespace();
        let v = f.next().ok_or("exemplar has no value")?;
        parse_value(v).ok_or_else(|| format!("invalid exemplar value `{v}`"))?;
        if let Some(ts) = f.next().filter(|t| t.parse::<f64>().is_err()) {
            return Err(format!("invalid exemplar timestamp `{ts}`"));
        }
        if let Some(extra) = f.next() {
            return Err(format!("unexpected `{extra}` after the exemplar"));
        }
        Ok(())
    }

    fn parse_line(&mut self, raw: &str) -> Result<(), ParseError> {
        let line = self.line;
        let err = |message: String| ParseError { line, message };
        let l = raw.trim_end_matches('\r');
        if l.trim().is_empty() {
            return Ok(());
        }
        if let Some(comment) = l.strip_prefix('#') {
            let mut parts = comment.trim_start().splitn(3, ' ');
            match (parts.next(), parts.next(), parts.next()) {
                (Some("EOF"), None, None) => self.ended = true,
                (Some("HELP"), Some(name), help) => {
                    if !is_name(name) {
                        return Err(err(format!("invalid metric name `{name}` in HELP")));
                    }
                    let f = self.family_idx(name);
                    if self.families[f].help.is_some() {
                        return Err(err(format!("second HELP for `{name}`")));
                    }
                    self.families[f].help = Some(help.unwrap_or_default().to_string());
                }
                (Some("TYPE"), Some(name), Some(kind)) => {
                    if !is_name(name) {
                        return Err(err(format!("invalid metric name `{name}` in TYPE")));
                    }
                    let written = kind.trim();
                    let kind = MetricType::parse(written)
                        .filter(|k| {
                            self.format == Format::Classic || self.format.allows(*k, written)
                        })
                        .ok_or_else(|| {
                            err(format!("unknown metric type `{written}` for `{name}`"))
                        })?;
                    if !self.format.allows(kind, written) {
                        return Err(err(format!(
                            "type `{written}` is OpenMetrics only; the response is the classic text format"
                        )));
                    }
                    let f = self.family_idx(name);
                    if self.types.contains_key(name) {
                        return Err(err(format!("second TYPE for `{name}`")));
                    }
                    if self.families[f].samples > 0 {
                        return Err(err(format!("TYPE for `{name}` comes after its samples")));
                    }
                    self.families[f].kind = kind;
                    self.types.insert(name.to_string(), kind);
                }
                (Some("TYPE"), _, _) => {
                    return Err(err("TYPE needs a metric name and a type".into()));
                }
                (Some("UNIT"), Some(name), unit) if self.format == Format::OpenMetrics => {
                    let unit = unit.unwrap_or_default().trim();
                    if !is_name(name) {
                        return Err(err(format!("invalid metric name `{name}` in UNIT")));
                    }
                    if !unit.is_empty() && !name.ends_with(&format!("_{unit}")) {
                        return Err(err(format!(
                            "the name `{name}` must end in `_{unit}`, its unit"
                        )));
                    }
                }
                _ => {} // other comments
            }
            return Ok(());
        }
        let name_end = l
            .find(|c: char| c == '{' || c.is_whitespace())
            .unwrap_or(l.len());
        let name = &l[..name_end];
        if !is_name(name) {
            return Err(err(format!("invalid metric name `{name}`")));
        }
        let (labels, rest) = if l[name_end..].starts_with('{') {
            parse_labels(&l[name_end..]).map_err(err)?
        } else {
            (Vec::new(), &l[name_end..])
        };
        // OpenMetrics: `value [timestamp] # {labels} value [timestamp]` (an exemplar).
        let (rest, exemplar) = match (self.format, rest.find(" # ")) {
            (Format::OpenMetrics, Some(i)) => (&rest[..i], Some(rest[i + 3..].trim())),
            _ => (rest, None),
        };
        let mut fields = rest.split_whitespace();
        let value_text = fields
            .next()
            .ok_or_else(|| err(format!("`{name}` has no value")))?;
        let value = parse_value(value_text)
            .ok_or_else(|| err(format!("invalid value `{value_text}` for `{name}`")))?;
        if let Some(ts) = fields.next().filter(|ts| ts.parse::<f64>().is_err()) {
            return Err(err(format!("invalid timestamp `{ts}` for `{name}`")));
        }
        if let Some(extra) = fields.next() {
            return Err(err(format!(
                "unexpected `{extra}` after the value of `{name}`"
            )));
        }
        let mut key_labels = labels.clone();
        key_labels.sort();
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (name, &key_labels).hash(&mut h);
        if !self.seen_series.insert(h.finish()) {
            return Err(err(format!(
                "duplicate series `{}`",
                l.split_whitespace().next().unwrap_or(name)
            )));
        }
        for (q, sum) in self.queries.iter().zip(self.sums.iter_mut()) {
            if q.metric == name && q.labels.iter().all(|l| labels.contains(l)) {
                *sum = Some(sum.unwrap_or(0.0) + value);
            }
        }
        let fam = family_of(name, &self.types).to_string();
        let f = self.family_idx(&fam);
        let kind = self.families[f].kind;
        if self.format == Format::OpenMetrics {
            self.openmetrics_sample(kind, &fam, name, &labels, value, exemplar)
                .map_err(err)?;
        }
        match kind {
            MetricType::Histogram | MetricType::GaugeHistogram => {
                let key: Labels = labels.iter().filter(|(k, _)| k != "le").cloned().collect();
                if name.ends_with("_bucket") {
                    match labels
                        .iter()
                        .find(|(k, _)| k == "le")
                        .and_then(|(_, v)| parse_value(v))
                    {
                        Some(le) => self
                            .histograms
                            .entry((f, key))
                            .or_default()
                            .0
                            .push((le, value)),
                        None => self.violation(format!(
                            "`{fam}` (line {line}): bucket without a valid `le`"
                        )),
                    }
                } else if name.ends_with("_count") || name.ends_with("_gcount") {
                    self.histograms.entry((f, key)).or_default().1 = Some(value);
                }
            }
            MetricType::Counter if !name.ends_with("_created") && value < 0.0 => {
                self.violation(format!(
                    "`{name}` (line {line}): counter is negative ({value})"
                ));
            }
            _ => {}
        }
        let family = &mut self.families[f];
        family.samples += 1;
        family.all_total &= name.ends_with("_total") || name.ends_with("_created");
        let names: BTreeSet<String> = labels.into_iter().map(|(k, _)| k).collect();
        family.labels_everywhere = Some(match family.labels_everywhere.take() {
            None => names,
            Some(common) => common.intersection(&names).cloned().collect(),
        });
        Ok(())
    }
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
        if f.kind == MetricType::Counter && !n.ends_with("_total") && !f.all_total {
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
mod tests;
