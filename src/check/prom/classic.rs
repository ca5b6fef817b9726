//! The Prometheus text format 0.0.4 as its specification (prometheus/docs,
//! `exposition_formats.md`) and Go's reference parser define it: tokens separated by
//! blanks or tabs, comments anywhere, `HELP` and `TYPE` at most once per family and before
//! its samples, a family's lines together, integer millisecond timestamps, only the
//! escapes `\\`, `\"` (label values) and `\n`.

use super::lex::{Labels, classic_labels, classic_timestamp, classic_value, is_name};
use super::{Format, Parser};
use crate::suite::MetricType;
use std::collections::{HashMap, HashSet};

/// What the classic format needs to remember across lines.
#[derive(Default)]
pub(super) struct ClassicState {
    /// The family whose samples are being read.
    current: Option<usize>,
    /// Families whose samples ended: none may come back.
    done: HashSet<usize>,
    /// The last quantile of each summary series (family, labels without `quantile`).
    quantiles: HashMap<(usize, Labels), f64>,
}

/// Suffixes that attach a sample to a typed family.
fn family_of<'a>(sample: &'a str, types: &HashMap<String, MetricType>) -> &'a str {
    for (suffix, kinds) in [
        ("_bucket", &[MetricType::Histogram][..]),
        ("_count", &[MetricType::Histogram, MetricType::Summary][..]),
        ("_sum", &[MetricType::Histogram, MetricType::Summary][..]),
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

/// HELP text: `\\` and `\n` are the only escapes.
fn help_text(text: &str, name: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('\\') => out.push('\\'),
                _ => {
                    return Err(format!(
                        "HELP for `{name}`: invalid escape (only `\\\\` and `\\n`)"
                    ));
                }
            },
            c => out.push(c),
        }
    }
    Ok(out)
}

impl Parser {
    /// One line of a classic exposition.
    pub(super) fn classic_line(&mut self, raw: &str) -> Result<(), String> {
        let l = raw.trim_matches([' ', '\t']);
        if l.is_empty() {
            return Ok(());
        }
        if let Some(comment) = l.strip_prefix('#') {
            return self.classic_comment(comment.trim_start_matches([' ', '\t']));
        }
        self.classic_sample(l)
    }

    fn classic_comment(&mut self, comment: &str) -> Result<(), String> {
        let mut parts = comment.splitn(2, [' ', '\t']);
        let word = parts.next().unwrap_or_default();
        if word != "HELP" && word != "TYPE" {
            return Ok(()); // an ordinary comment
        }
        let rest = parts
            .next()
            .unwrap_or_default()
            .trim_start_matches([' ', '\t']);
        let (name, text) = rest.split_once([' ', '\t']).unwrap_or((rest, ""));
        if name.is_empty() {
            return Err(format!("{word} needs a metric name"));
        }
        if !is_name(name) {
            return Err(format!("invalid metric name `{name}` in {word}"));
        }
        let f = self.family_idx(name);
        if self.families[f].samples > 0 {
            return Err(format!("{word} for `{name}` comes after its samples"));
        }
        if word == "HELP" {
            if self.families[f].help.is_some() {
                return Err(format!("second HELP for `{name}`"));
            }
            self.families[f].help = Some(help_text(text, name)?);
            return Ok(());
        }
        let written = text.trim_matches([' ', '\t']);
        if written.is_empty() {
            return Err(format!("TYPE for `{name}` needs a type"));
        }
        let kind = MetricType::parse(written)
            .filter(|k| Format::Classic.allows(*k, written))
            .ok_or_else(|| match MetricType::parse(written) {
                Some(_) => format!(
                    "type `{written}` is OpenMetrics only; the response is the classic text format"
                ),
                None => format!("unknown metric type `{written}` for `{name}`"),
            })?;
        if self.types.contains_key(name) {
            return Err(format!("second TYPE for `{name}`"));
        }
        self.families[f].kind = kind;
        self.types.insert(name.to_string(), kind);
        Ok(())
    }

    fn classic_sample(&mut self, l: &str) -> Result<(), String> {
        let name_end = l.find(['{', ' ', '\t']).unwrap_or(l.len());
        let name = &l[..name_end];
        if !is_name(name) {
            return Err(format!("invalid metric name `{name}`"));
        }
        let after = l[name_end..].trim_start_matches([' ', '\t']);
        let (labels, rest) = if after.starts_with('{') {
            classic_labels(after)?
        } else {
            (Vec::new(), after)
        };
        let mut fields = rest.split([' ', '\t']).filter(|f| !f.is_empty());
        let value_text = fields
            .next()
            .ok_or_else(|| format!("`{name}` has no value"))?;
        let value = classic_value(value_text)
            .ok_or_else(|| format!("invalid value `{value_text}` for `{name}`"))?;
        if let Some(ts) = fields.next() {
            classic_timestamp(ts).ok_or_else(|| {
                format!("invalid timestamp `{ts}` for `{name}` (milliseconds, an integer)")
            })?;
        }
        if let Some(extra) = fields.next() {
            return Err(format!("unexpected `{extra}` after the value of `{name}`"));
        }
        if self.check_duplicate(name, &labels).is_err() {
            return Err(format!(
                "duplicate series `{}`",
                l.split([' ', '\t']).next().unwrap_or(name)
            ));
        }
        let fam = family_of(name, &self.types).to_string();
        let f = self.family_idx(&fam);
        if self.classic.current != Some(f) {
            if self.classic.done.contains(&f) {
                return Err(format!(
                    "the samples of `{fam}` are not together (a family's lines must be)"
                ));
            }
            if let Some(prev) = self.classic.current.replace(f) {
                self.classic.done.insert(prev);
            }
        }
        self.classic_invariants(f, &fam, name, &labels, value)?;
        self.record(f, name, labels, value);
        Ok(())
    }

    /// The labels a type requires, and what the checks gather for histogram invariants.
    fn classic_invariants(
        &mut self,
        f: usize,
        fam: &str,
        name: &str,
        labels: &Labels,
        value: f64,
    ) -> Result<(), String> {
        let line = self.line;
        let label = |k: &str| labels.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        match self.families[f].kind {
            MetricType::Histogram => {
                let key: Labels = labels.iter().filter(|(k, _)| k != "le").cloned().collect();
                if name.ends_with("_bucket") {
                    let le =
                        label("le").ok_or_else(|| format!("bucket `{name}` has no `le` label"))?;
                    let le = classic_value(le)
                        .filter(|v| !v.is_nan())
                        .ok_or_else(|| format!("bucket `{name}`: invalid `le` `{le}`"))?;
                    self.histograms
                        .entry((f, key))
                        .or_default()
                        .0
                        .push((le, value));
                } else if name.ends_with("_count") {
                    self.histograms.entry((f, key)).or_default().1 = Some(value);
                }
            }
            MetricType::Summary if name == fam => {
                let q = label("quantile")
                    .ok_or_else(|| format!("summary sample `{name}` has no `quantile` label"))?;
                let q = classic_value(q)
                    .filter(|q| (0.0..=1.0).contains(q))
                    .ok_or_else(|| {
                        format!(
                            "summary sample `{name}`: quantile `{q}` is not a number from 0 to 1"
                        )
                    })?;
                let key: Labels = labels
                    .iter()
                    .filter(|(k, _)| k != "quantile")
                    .cloned()
                    .collect();
                let prev = self.classic.quantiles.insert((f, key), q);
                if prev.is_some_and(|prev| q <= prev) {
                    self.violation(format!(
                        "`{name}` (line {line}): quantiles are not in increasing order"
                    ));
                }
            }
            MetricType::Counter if value < 0.0 => {
                self.violation(format!(
                    "`{name}` (line {line}): counter is negative ({value})"
                ));
            }
            _ => {}
        }
        Ok(())
    }
}
