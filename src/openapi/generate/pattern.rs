//! Strings for a `pattern`: a walk over the regex's HIR (`regex-syntax`), choosing among
//! alternatives, class ranges and repetition counts with the seeded PRNG.

use super::rng::Rng;
use regex_syntax::hir::{Class, Hir, HirKind};

/// How many extra repetitions past the minimum an unbounded `*`/`+` gets at most.
const EXTRA: u32 = 4;

/// A string that matches `pattern`, or `None` when the pattern does not parse.
/// `shortest` takes the first alternative, the smallest repetition and the first char of
/// each class: the simplest match.
pub(crate) fn string_for(pattern: &str, rng: &mut Rng, shortest: bool) -> Option<String> {
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .ok()?;
    let mut out = String::new();
    walk(&hir, rng, shortest, &mut out, 0)?;
    Some(out)
}

fn walk(h: &Hir, rng: &mut Rng, shortest: bool, out: &mut String, depth: usize) -> Option<()> {
    if depth > 64 || out.len() > 4096 {
        return None;
    }
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(lit) => out.push_str(&String::from_utf8_lossy(&lit.0)),
        HirKind::Class(Class::Unicode(c)) => {
            let ranges = c.ranges();
            let r = if shortest {
                ranges.first()?
            } else {
                rng.pick(ranges)?
            };
            let (lo, hi) = (r.start() as u32, r.end() as u32);
            let code = if shortest {
                lo
            } else {
                rng.range(lo as i128, hi as i128) as u32
            };
            out.push(char::from_u32(code).or_else(|| char::from_u32(lo))?);
        }
        HirKind::Class(Class::Bytes(c)) => {
            let ranges = c.ranges();
            let r = if shortest {
                ranges.first()?
            } else {
                rng.pick(ranges)?
            };
            let b = if shortest {
                r.start()
            } else {
                rng.range(r.start() as i128, r.end() as i128) as u8
            };
            out.push(if b.is_ascii() { b as char } else { 'a' });
        }
        HirKind::Repetition(rep) => {
            let max = rep.max.unwrap_or(rep.min.saturating_add(EXTRA));
            let n = if shortest {
                rep.min
            } else {
                rng.range(
                    rep.min as i128,
                    max.min(rep.min.saturating_add(EXTRA)) as i128,
                ) as u32
            };
            for _ in 0..n {
                walk(&rep.sub, rng, shortest, out, depth + 1)?;
            }
        }
        HirKind::Capture(c) => walk(&c.sub, rng, shortest, out, depth + 1)?,
        HirKind::Concat(parts) => {
            for p in parts {
                walk(p, rng, shortest, out, depth + 1)?;
            }
        }
        HirKind::Alternation(alts) => {
            let a = if shortest {
                alts.first()?
            } else {
                rng.pick(alts)?
            };
            walk(a, rng, shortest, out, depth + 1)?;
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str) {
        let re = regex::Regex::new(pattern).unwrap();
        let mut rng = Rng::new(3);
        for shortest in [true, false] {
            for _ in 0..50 {
                let s = string_for(pattern, &mut rng, shortest).unwrap();
                assert!(re.is_match(&s), "{s:?} does not match {pattern}");
            }
        }
    }

    macro_rules! pattern_rows {
        ($($name:ident: $p:expr,)*) => { $( #[test] fn $name() { matches($p); } )* };
    }

    pattern_rows! {
        zip_code: "^[0-9]{5}$",
        alternatives: "^(red|green|blue)$",
        sku: "^[A-Z]{3}-\\d{4}(-[a-z]+)?$",
        unicode_class: "^\\p{L}+$",
        bounded_repetition: "^a{2,3}b*$",
        escapes: "^\\w+@\\w+\\.com$",
    }

    #[test]
    fn the_shortest_match_is_the_simplest() {
        let mut rng = Rng::new(1);
        assert_eq!(string_for("^[0-9]{5}$", &mut rng, true).unwrap(), "00000");
    }

    #[test]
    fn a_pattern_that_does_not_parse_gives_none() {
        assert_eq!(string_for("([", &mut Rng::new(1), false), None);
    }
}
