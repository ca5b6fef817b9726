//! promtool's main lint rules, run on the families a parse gathered.

use super::Family;
use crate::suite::MetricType;

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
