//! Strict parsers for the two text exposition formats, chosen by content type: the
//! Prometheus text format 0.0.4 (`classic.rs`) and OpenMetrics 1.0 (`openmetrics.rs`),
//! sharing the tokens of `lex.rs`. They stream: families, samples, escaped label values,
//! `NaN`/`±Inf`, timestamps. A line the format does not allow is an error with its line
//! number. In the classic format, histogram and summary invariants and counter signs are
//! separate findings (violations), not parse errors; OpenMetrics makes them grammar, so
//! they are parse errors there. Lint rules (`lint.rs`) are separate findings in both.

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

use lex::Labels;

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
    om: openmetrics::OmState,
    classic: classic::ClassicState,
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
            om: openmetrics::OmState::default(),
            classic: classic::ClassicState::default(),
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
            if self.format == Format::Classic
                && !self.ended
                && !last.iter().all(|b| *b == b' ' || *b == b'\t')
            {
                return Err(ParseError {
                    line: self.line + 1,
                    message: "the last line does not end with a line feed (the format requires it)"
                        .into(),
                });
            }
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
            if buckets.windows(2).any(|w| w[1].0 <= w[0].0) {
                violations.push(format!(
                    "`{at}`: buckets are not in increasing order of `le`"
                ));
                buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
            }
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

    fn parse_line(&mut self, raw: &str) -> Result<(), ParseError> {
        let line = self.line;
        let result = match self.format {
            Format::OpenMetrics => self.om_line(raw),
            Format::Classic => self.classic_line(raw),
        };
        result.map_err(|message| ParseError { line, message })
    }

    /// Records a sample of family `f`: the callers' sums and what the checks need.
    fn record(&mut self, f: usize, name: &str, labels: Labels, value: f64) {
        for (q, sum) in self.queries.iter().zip(self.sums.iter_mut()) {
            if q.metric == name && q.labels.iter().all(|l| labels.contains(l)) {
                *sum = Some(sum.unwrap_or(0.0) + value);
            }
        }
        let family = &mut self.families[f];
        family.samples += 1;
        family.all_total &= name.ends_with("_total") || name.ends_with("_created");
        let names: BTreeSet<String> = labels.into_iter().map(|(k, _)| k).collect();
        family.labels_everywhere = Some(match family.labels_everywhere.take() {
            None => names,
            Some(common) => common.intersection(&names).cloned().collect(),
        });
    }

    /// `Err` when this series was seen before.
    fn check_duplicate(&mut self, name: &str, labels: &Labels) -> Result<(), ()> {
        let mut key_labels = labels.clone();
        key_labels.sort();
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (name, &key_labels).hash(&mut h);
        if self.seen_series.insert(h.finish()) {
            Ok(())
        } else {
            Err(())
        }
    }
}

mod classic;
mod lex;
mod lint;
mod openmetrics;

pub(crate) use lint::lint;

#[cfg(test)]
mod cases;
#[cfg(test)]
mod official;
#[cfg(test)]
mod tests;
