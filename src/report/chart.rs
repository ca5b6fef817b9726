//! Horizontal bar charts as inline SVG, drawn on the server: the HTML report needs no
//! script and no network to show them, and they print.

use std::fmt::Write;

/// One bar: its label, its value, and the value as shown beside the bar.
pub(crate) struct Bar {
    pub label: String,
    pub value: f64,
    pub shown: String,
}

const WIDTH: f64 = 520.0;
const LABEL: f64 = 130.0;
const VALUE: f64 = 90.0;
const ROW: f64 = 26.0;

/// Text for SVG and HTML: the five characters that matter escaped.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A label that fits its column.
fn short(s: &str) -> String {
    if s.chars().count() > 18 {
        format!("{}…", s.chars().take(17).collect::<String>())
    } else {
        s.to_string()
    }
}

/// Bars scaled to `max` (at least one pixel of scale, so a zero maximum draws empty
/// bars rather than dividing by zero). `class` names the chart for styling and tests.
pub(crate) fn bars(title: &str, class: &str, bars: &[Bar], max: f64) -> String {
    let height = ROW * bars.len() as f64 + 10.0;
    let span = WIDTH - LABEL - VALUE;
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg class=\"chart {class}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"{t}\"><title>{t}</title>",
        t = escape(title)
    );
    let _ = write!(
        out,
        "<line class=\"axis\" x1=\"{LABEL}\" y1=\"0\" x2=\"{LABEL}\" y2=\"{height}\"/>"
    );
    for (i, b) in bars.iter().enumerate() {
        let y = 5.0 + ROW * i as f64;
        let w = if b.value.is_finite() {
            (b.value.clamp(0.0, max) / max * span).max(1.0)
        } else {
            1.0
        };
        let _ = write!(
            out,
            "<text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\">{label}</text><rect class=\"bar\" x=\"{LABEL}\" y=\"{y}\" width=\"{w:.1}\" height=\"{h}\"><title>{label}: {shown}</title></rect><text x=\"{vx:.1}\" y=\"{ty}\">{shown}</text>",
            lx = LABEL - 6.0,
            ty = y + 14.0,
            label = escape(&short(&b.label)),
            h = ROW - 8.0,
            vx = LABEL + w + 6.0,
            shown = escape(&b.shown),
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, value: f64) -> Bar {
        Bar {
            label: label.into(),
            value,
            shown: value.to_string(),
        }
    }

    #[test]
    fn bars_scale_to_the_maximum_and_stay_inside() {
        let svg = bars(
            "t",
            "c",
            &[bar("a", 50.0), bar("b", 100.0), bar("c", 500.0)],
            100.0,
        );
        // The span is 300 px: half, full, and clamped to full.
        assert!(svg.contains("width=\"150.0\""), "{svg}");
        assert_eq!(svg.matches("width=\"300.0\"").count(), 2, "{svg}");
    }

    #[test]
    fn a_zero_or_broken_maximum_draws_thin_bars() {
        for max in [0.0, f64::NAN, -1.0] {
            let svg = bars("t", "c", &[bar("a", 0.0), bar("b", f64::NAN)], max);
            assert_eq!(svg.matches("width=\"1.0\"").count(), 2, "{max}: {svg}");
        }
    }

    #[test]
    fn labels_and_titles_are_escaped() {
        let svg = bars("<t>", "c", &[bar("<script>&\"'", 1.0)], 1.0);
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(svg.contains("&lt;script&gt;&amp;&quot;&#39;"), "{svg}");
        assert!(svg.contains("<title>&lt;t&gt;</title>"), "{svg}");
    }
}
