//! OpenMetrics 1.0 as its specification and ABNF define it: every line is metadata
//! (`# TYPE`, `# HELP`, `# UNIT`), a sample, or the final `# EOF`, with single spaces
//! and nothing else; a family's lines are together, metadata first; a series' points are
//! together, in time order; histograms, summaries, infos and statesets keep their rules.

use super::Parser;
use super::lex::{Labels, om_labels, om_number, om_real};
use crate::suite::MetricType;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

/// What OpenMetrics needs to remember across lines.
#[derive(Default)]
pub(super) struct OmState {
    /// Every family name and every sample name a family may use -> that family's index:
    /// a later family may use none of them.
    reserved: HashMap<String, usize>,
    current: Option<Current>,
}

/// The family whose lines are being read.
struct Current {
    fam: usize,
    name: String,
    kind: MetricType,
    typed: bool,
    help: bool,
    unit: Option<String>,
    sampled: bool,
    /// The series group being read (labels without `le` / `quantile`), hashed.
    group: Option<u64>,
    groups_done: HashSet<u64>,
    /// The timestamp of the group's last sample (`Some(None)`: it had none).
    last_ts: Option<Option<f64>>,
    point: Option<HistogramPoint>,
}

/// One histogram or gauge histogram point (one group at one timestamp).
#[derive(Default)]
struct HistogramPoint {
    at: String,
    ts: Option<f64>,
    last_le: Option<f64>,
    last_bucket: f64,
    count: Option<f64>,
    negative_buckets: bool,
    sum: bool,
    gsum: Option<f64>,
}

fn suffixes(kind: MetricType) -> &'static [&'static str] {
    match kind {
        MetricType::Counter => &["_total", "_created"],
        MetricType::Histogram => &["_bucket", "_count", "_sum", "_created"],
        MetricType::GaugeHistogram => &["_bucket", "_gcount", "_gsum"],
        MetricType::Summary => &["", "_count", "_sum", "_created"],
        MetricType::Info => &["_info"],
        MetricType::Gauge | MetricType::StateSet | MetricType::Untyped => &[""],
    }
}

fn series_text(name: &str, labels: &Labels) -> String {
    if labels.is_empty() {
        return name.to_string();
    }
    let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    format!("{name}{{{}}}", inner.join(","))
}

/// `value [timestamp] [# {labels} value [timestamp]]` after a sample's name and labels,
/// each token checked as it is reached: the value, the timestamp and the exemplar.
struct Tail<'a> {
    value: f64,
    ts: Option<f64>,
    exemplar: Option<&'a str>,
}

fn split_tail<'a>(name: &str, rest: &'a str) -> Result<Tail<'a>, String> {
    let rest = rest
        .strip_prefix(' ')
        .ok_or("expected one space before the value")?;
    let (value, more) = rest
        .split_once(' ')
        .map_or((rest, None), |(a, b)| (a, Some(b)));
    let value = om_number(value).ok_or_else(|| format!("invalid value `{value}` for `{name}`"))?;
    let mut tail = Tail {
        value,
        ts: None,
        exemplar: None,
    };
    let Some(more) = more else { return Ok(tail) };
    let (second, after) = more
        .split_once(' ')
        .map_or((more, None), |(a, b)| (a, Some(b)));
    if second == "#" {
        tail.exemplar = Some(after.ok_or("`#` with no exemplar after it")?);
        return Ok(tail);
    }
    tail.ts = Some(timestamp(second)?);
    match after {
        None => Ok(tail),
        Some(ex) => match ex.strip_prefix("# ") {
            Some(ex) => {
                tail.exemplar = Some(ex);
                Ok(tail)
            }
            None => Err(format!("unexpected `{ex}` after the timestamp")),
        },
    }
}

fn timestamp(ts: &str) -> Result<f64, String> {
    om_real(ts).ok_or_else(|| format!("invalid timestamp `{ts}` (a decimal number of seconds)"))
}

fn exemplar(ex: &str) -> Result<(), String> {
    let (labels, rest) = om_labels(ex).map_err(|e| format!("exemplar: {e}"))?;
    let size: usize = labels
        .iter()
        .map(|(k, v)| k.chars().count() + v.chars().count())
        .sum();
    if size > 128 {
        return Err(format!(
            "exemplar labels are {size} characters long; OpenMetrics allows 128"
        ));
    }
    let rest = rest
        .strip_prefix(' ')
        .ok_or("exemplar: expected one space before its value")?;
    let (value, ts) = rest
        .split_once(' ')
        .map_or((rest, None), |(a, b)| (a, Some(b)));
    om_number(value).ok_or_else(|| format!("invalid exemplar value `{value}`"))?;
    if let Some(ts) = ts {
        timestamp(ts).map_err(|e| format!("exemplar: {e}"))?;
    }
    Ok(())
}

/// A value that counts: a number, never negative, never NaN.
fn counted(name: &str, value: f64) -> Result<(), String> {
    if value.is_nan() || value < 0.0 {
        return Err(format!(
            "`{name}` must not be negative or NaN (it is {value})"
        ));
    }
    Ok(())
}

impl Parser {
    /// One line of an OpenMetrics exposition.
    pub(super) fn om_line(&mut self, l: &str) -> Result<(), String> {
        if l.is_empty() {
            return Err("blank line (OpenMetrics has none)".into());
        }
        if l.starts_with([' ', '\t']) {
            return Err("a line starts with a blank (OpenMetrics has none there)".into());
        }
        if let Some(meta) = l.strip_prefix('#') {
            return self.om_meta(meta);
        }
        self.om_sample(l)
    }

    fn om_meta(&mut self, meta: &str) -> Result<(), String> {
        if meta == " EOF" {
            self.om_end_family()?;
            self.ended = true;
            return Ok(());
        }
        let (word, rest) = [" TYPE ", " HELP ", " UNIT "]
            .iter()
            .find_map(|w| meta.strip_prefix(w).map(|r| (w.trim(), r)))
            .ok_or_else(|| {
                format!(
                    "`#{meta}` is not `# TYPE`, `# HELP`, `# UNIT` or `# EOF` (OpenMetrics has no comments)"
                )
            })?;
        let (name, text) = rest
            .split_once(' ')
            .ok_or_else(|| format!("{word} needs a metric name, a space and its text"))?;
        if !super::lex::is_name(name) {
            return Err(format!("invalid metric name `{name}` in {word}"));
        }
        self.om_family(name)?;
        let cur = self.om.current.as_mut().ok_or("no family for this line")?;
        if cur.sampled {
            return Err(format!("{word} for `{name}` comes after its samples"));
        }
        match word {
            "TYPE" => {
                if cur.typed {
                    return Err(format!("second TYPE for `{name}`"));
                }
                let kind = MetricType::parse(text)
                    .filter(|_| text != "untyped")
                    .ok_or_else(|| format!("unknown metric type `{text}` for `{name}`"))?;
                if cur.unit.is_some() && matches!(kind, MetricType::Info | MetricType::StateSet) {
                    return Err(format!(
                        "`{name}` has a UNIT, which the type {text} cannot have"
                    ));
                }
                cur.typed = true;
                cur.kind = kind;
                let fam = cur.fam;
                self.families[fam].kind = kind;
                self.om_reserve(name, kind, fam)?;
            }
            "HELP" => {
                if cur.help {
                    return Err(format!("second HELP for `{name}`"));
                }
                cur.help = true;
                let fam = cur.fam;
                self.families[fam].help = Some(help_text(text)?);
            }
            _ => {
                if cur.unit.is_some() {
                    return Err(format!("second UNIT for `{name}`"));
                }
                if let Some(c) = text
                    .chars()
                    .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == ':'))
                {
                    return Err(format!("invalid character {c:?} in the unit of `{name}`"));
                }
                if matches!(cur.kind, MetricType::Info | MetricType::StateSet) {
                    return Err(format!(
                        "`{name}` is of type {}, which has no UNIT",
                        cur.kind.as_str()
                    ));
                }
                if !text.is_empty() && !name.ends_with(&format!("_{text}")) {
                    return Err(format!("the name `{name}` must end in `_{text}`, its unit"));
                }
                cur.unit = Some(text.to_string());
            }
        }
        Ok(())
    }

    /// Makes `name` the current family, starting it if it is not.
    fn om_family(&mut self, name: &str) -> Result<(), String> {
        if self.om.current.as_ref().is_some_and(|c| c.name == name) {
            return Ok(());
        }
        self.om_end_family()?;
        if let Some(&other) = self.om.reserved.get(name) {
            let owner = &self.families[other].name;
            return Err(if owner == name {
                format!("the lines of `{name}` are not together (a family's lines must be)")
            } else {
                format!("`{name}` clashes with a sample name of the family `{owner}`")
            });
        }
        let fam = self.family_idx(name);
        self.om.reserved.insert(name.to_string(), fam);
        self.om.current = Some(Current {
            fam,
            name: name.to_string(),
            kind: MetricType::Untyped,
            typed: false,
            help: false,
            unit: None,
            sampled: false,
            group: None,
            groups_done: HashSet::new(),
            last_ts: None,
            point: None,
        });
        Ok(())
    }

    fn om_reserve(&mut self, name: &str, kind: MetricType, fam: usize) -> Result<(), String> {
        for s in suffixes(kind) {
            let sample = format!("{name}{s}");
            match self.om.reserved.get(&sample) {
                Some(&other) if other != fam => {
                    return Err(format!(
                        "the {} `{name}` would use the name `{sample}` of the family `{}`",
                        kind.as_str(),
                        self.families[other].name
                    ));
                }
                _ => {
                    self.om.reserved.insert(sample, fam);
                }
            }
        }
        Ok(())
    }

    /// Closes the current family: its last histogram point must be whole.
    fn om_end_family(&mut self) -> Result<(), String> {
        let point = self.om.current.as_mut().and_then(|c| c.point.take());
        point.map_or(Ok(()), |p| p.check())
    }

    fn om_sample(&mut self, l: &str) -> Result<(), String> {
        let name_end = l.find(['{', ' ']).unwrap_or(l.len());
        let name = &l[..name_end];
        if !super::lex::is_name(name) {
            return Err(format!("invalid metric name `{name}`"));
        }
        let (labels, rest) = if l[name_end..].starts_with('{') {
            om_labels(&l[name_end..])?
        } else {
            (Vec::new(), &l[name_end..])
        };
        if rest.is_empty() {
            return Err(format!("`{name}` has no value"));
        }
        let tail = split_tail(name, rest)?;
        let (value, ts) = (tail.value, tail.ts);
        if let Some(ex) = tail.exemplar {
            exemplar(ex)?;
        }
        let belongs = self.om.current.as_ref().is_some_and(|c| {
            suffixes(c.kind)
                .iter()
                .any(|s| name.strip_suffix(s) == Some(c.name.as_str()))
        });
        if !belongs {
            if let Some(c) = self.om.current.as_ref().filter(|c| c.name == name) {
                let ends: Vec<String> = suffixes(c.kind).iter().map(|s| format!("`{s}`")).collect();
                return Err(format!(
                    "{} sample `{name}` must end in {}",
                    c.kind.as_str(),
                    ends.join(" or ")
                ));
            }
            self.om_family(name)?;
            let fam = self.om.current.as_ref().map_or(0, |c| c.fam);
            self.om_reserve(name, MetricType::Untyped, fam)?;
        }
        let cur = self
            .om
            .current
            .as_ref()
            .ok_or("no family for this sample")?;
        let (family, kind, fam) = (cur.name.clone(), cur.kind, cur.fam);
        let suffix = &name[family.len()..];
        om_type_rules(kind, &family, name, suffix, &labels, value, tail.exemplar)?;
        self.om_series(&family, kind, name, suffix, &labels, value, ts)?;
        if ts.is_none() {
            self.check_duplicate(name, &labels)
                .map_err(|_| format!("duplicate series `{}`", series_text(name, &labels)))?;
        }
        self.record(fam, name, labels, value);
        Ok(())
    }

    /// Grouping, time order and histogram points.
    #[expect(clippy::too_many_arguments)]
    fn om_series(
        &mut self,
        family: &str,
        kind: MetricType,
        name: &str,
        suffix: &str,
        labels: &Labels,
        value: f64,
        ts: Option<f64>,
    ) -> Result<(), String> {
        let cur = self
            .om
            .current
            .as_mut()
            .ok_or("no family for this sample")?;
        cur.sampled = true;
        let group_labels: Labels = labels
            .iter()
            .filter(|(k, _)| match kind {
                MetricType::Histogram | MetricType::GaugeHistogram => k != "le",
                MetricType::Summary => k != "quantile",
                _ => true,
            })
            .cloned()
            .collect();
        let mut sorted = group_labels.clone();
        sorted.sort();
        let mut h = std::collections::hash_map::DefaultHasher::new();
        sorted.hash(&mut h);
        let group = h.finish();
        if cur.group != Some(group) {
            if let Some(done) = cur.group {
                cur.groups_done.insert(done);
            }
            if cur.groups_done.contains(&group) {
                return Err(format!(
                    "the samples of `{}` are not together (a series' lines must be)",
                    series_text(family, &group_labels)
                ));
            }
            cur.group = Some(group);
            cur.last_ts = None;
        }
        match cur.last_ts {
            Some(Some(prev)) if ts.is_some_and(|t| t < prev) => {
                return Err(format!(
                    "`{}`: timestamps go back in time",
                    series_text(name, labels)
                ));
            }
            Some(prev) if prev.is_some() != ts.is_some() => {
                return Err(format!(
                    "`{}`: some samples of the series have a timestamp and some do not",
                    series_text(family, &group_labels)
                ));
            }
            _ => {}
        }
        let new_point = cur.last_ts != Some(ts);
        cur.last_ts = Some(ts);
        if !matches!(kind, MetricType::Histogram | MetricType::GaugeHistogram) {
            return Ok(());
        }
        if new_point || cur.point.is_none() {
            if let Some(p) = cur.point.take() {
                p.check()?;
            }
            cur.point = Some(HistogramPoint {
                at: series_text(family, &group_labels),
                ts,
                ..HistogramPoint::default()
            });
        }
        let p = cur
            .point
            .as_mut()
            .ok_or("no histogram point for this sample")?;
        debug_assert_eq!(p.ts.is_some(), ts.is_some());
        match suffix {
            "_bucket" => {
                let le = labels
                    .iter()
                    .find(|(k, _)| k == "le")
                    .and_then(|(_, v)| om_number(v))
                    .unwrap_or(f64::NAN);
                if p.last_le.is_some_and(|prev| le <= prev) {
                    return Err(format!("`{}`: buckets out of order", p.at));
                }
                if value < p.last_bucket {
                    return Err(format!("`{}`: bucket counts are not cumulative", p.at));
                }
                p.negative_buckets |= le < 0.0;
                p.last_le = Some(le);
                p.last_bucket = value;
            }
            "_count" | "_gcount" => p.count = Some(value),
            "_sum" => p.sum = true,
            "_gsum" => p.gsum = Some(value),
            _ => {}
        }
        Ok(())
    }
}

impl HistogramPoint {
    fn check(self) -> Result<(), String> {
        let at = &self.at;
        if self.last_le != Some(f64::INFINITY) {
            return Err(format!("`{at}`: no `le=\"+Inf\"` bucket"));
        }
        if self.count.is_some_and(|c| c != self.last_bucket) {
            return Err(format!(
                "`{at}`: the +Inf bucket {} differs from the count {}",
                self.last_bucket,
                self.count.unwrap_or_default()
            ));
        }
        if (self.sum || self.gsum.is_some()) != self.count.is_some() {
            return Err(format!(
                "`{at}`: a count and a sum go together; one of them is missing"
            ));
        }
        if self.negative_buckets && self.sum {
            return Err(format!(
                "`{at}`: a histogram with negative buckets has no `_sum`"
            ));
        }
        if !self.negative_buckets && self.gsum.is_some_and(|s| s < 0.0) {
            return Err(format!("`{at}`: `_gsum` is negative but no bucket is"));
        }
        Ok(())
    }
}

/// HELP text: any character, a backslash escaping the next one.
fn help_text(text: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some(e @ ('\\' | '"')) => out.push(e),
            Some(e) => {
                out.push('\\');
                out.push(e);
            }
            None => return Err("HELP text ends in a lone backslash".into()),
        }
    }
    Ok(out)
}

/// What a sample of a family of type `kind` must be.
fn om_type_rules(
    kind: MetricType,
    family: &str,
    name: &str,
    suffix: &str,
    labels: &Labels,
    value: f64,
    exemplar: Option<&str>,
) -> Result<(), String> {
    let label = |k: &str| labels.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    match (kind, suffix) {
        (MetricType::Counter, "_total") => counted(name, value)?,
        (MetricType::Info, _) if value != 1.0 => {
            return Err(format!("info sample `{name}` must have the value 1"));
        }
        (MetricType::StateSet, _) if value != 0.0 && value != 1.0 => {
            return Err(format!("stateset sample `{name}` must be 0 or 1"));
        }
        (MetricType::StateSet, _) if label(family).is_none() => {
            return Err(format!(
                "stateset sample `{name}` needs the label `{family}`"
            ));
        }
        (MetricType::Histogram | MetricType::GaugeHistogram, "_bucket") => {
            let le = label("le").ok_or_else(|| format!("bucket `{name}` has no `le` label"))?;
            match om_number(le) {
                Some(v) if v.is_nan() => return Err(format!("bucket `{name}`: `le` is NaN")),
                Some(v) if v.is_infinite() && le != "+Inf" && le != "-Inf" => {
                    return Err(format!("bucket `{name}`: write `le=\"+Inf\"`, not `{le}`"));
                }
                Some(_) => {}
                None => return Err(format!("bucket `{name}`: invalid `le` `{le}`")),
            }
            counted(name, value)?;
        }
        (MetricType::Histogram | MetricType::Summary, "_count" | "_sum")
        | (MetricType::GaugeHistogram, "_gcount") => counted(name, value)?,
        (MetricType::GaugeHistogram, "_gsum") if value.is_nan() => {
            return Err(format!("`{name}` must not be NaN"));
        }
        (MetricType::Summary, "") => {
            let q = label("quantile")
                .ok_or_else(|| format!("summary sample `{name}` has no `quantile` label"))?;
            if !om_number(q).is_some_and(|q| (0.0..=1.0).contains(&q)) {
                return Err(format!(
                    "summary sample `{name}`: quantile `{q}` is not a number from 0 to 1"
                ));
            }
            if value < 0.0 {
                return Err(format!(
                    "quantile `{name}` must not be negative (it is {value})"
                ));
            }
        }
        _ => {}
    }
    if exemplar.is_some() {
        let allowed = matches!(
            (kind, suffix),
            (MetricType::Counter, "_total")
                | (
                    MetricType::Histogram | MetricType::GaugeHistogram,
                    "_bucket"
                )
        );
        if !allowed {
            return Err("exemplars are allowed only on counters' `_total` and on buckets".into());
        }
    }
    Ok(())
}
