//! `--badge PATH`: the score as an SVG badge in the shields.io flat style, for a README or
//! a Pages site.

use crate::report::{Score, Verdict};

/// Width of a text in the badge's 11px Verdana, roughly (shields.io's own estimate).
fn text_width(s: &str) -> usize {
    s.chars()
        .map(|c| match c {
            'i' | 'l' | '.' | ',' | ':' | '|' | '!' | '\'' => 4,
            'm' | 'w' | 'M' | 'W' => 10,
            _ => 7,
        })
        .sum::<usize>()
        + 10
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(crate) fn render(score: &Score, verdict: &Verdict) -> String {
    let label = "harden";
    let value = score.out_of_100();
    // Not ready is red whatever the number: the gate decides, the score informs.
    let color = match (verdict.ready, score.score) {
        (false, _) => "#e05d44",
        (true, Some(s)) if s >= 90.0 => "#4c1",
        (true, Some(s)) if s >= 75.0 => "#a4a61d",
        (true, _) => "#fe7d37",
    };
    let (lw, vw) = (text_width(label), text_width(&value));
    let w = lw + vw;
    let (label, value) = (escape(label), escape(&value));
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="20" role="img" aria-label="{label}: {value}">
  <title>{label}: {value}</title>
  <linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>
  <clipPath id="r"><rect width="{w}" height="20" rx="3" fill="#fff"/></clipPath>
  <g clip-path="url(#r)">
    <rect width="{lw}" height="20" fill="#555"/>
    <rect x="{lw}" width="{vw}" height="20" fill="{color}"/>
    <rect width="{w}" height="20" fill="url(#s)"/>
  </g>
  <g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">
    <text x="{lx}" y="15" fill="#010101" fill-opacity=".3">{label}</text>
    <text x="{lx}" y="14">{label}</text>
    <text x="{vx}" y="15" fill="#010101" fill-opacity=".3">{value}</text>
    <text x="{vx}" y="14">{value}</text>
  </g>
</svg>
"##,
        lx = lw / 2,
        vx = lw + vw / 2,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{GateOptions, compute_score, decide, sample};

    #[test]
    fn the_badge_is_well_formed_svg_with_the_score() {
        let r = sample::report();
        let score = compute_score(&r);
        let verdict = decide(&r, &score, GateOptions::default(), None);
        let svg = render(&score, &verdict);
        let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        let value = format!("{}/100", crate::report::fmt_score(score.score.unwrap()));
        assert!(
            svg.contains(&format!("<title>harden: {value}</title>")),
            "{svg}"
        );
        assert!(svg.contains("#e05d44"), "not ready is red: {svg}");
    }
}
