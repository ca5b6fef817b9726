//! The mutation fuzz driver (compiled only for tests): the parsers of user input (suites, templates,
//! metrics expositions) must answer every corrupted input with an error, never a panic.

/// xorshift64*: small, deterministic, good enough to pick mutations.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n.max(1) as u64) as usize
    }
}

/// Characters that matter to YAML, templates, JSONPath, regexes and the metrics format.
const SPECIAL: &[&str] = &[
    ":",
    "-",
    "{",
    "}",
    "[",
    "]",
    "\"",
    "'",
    "#",
    "&",
    "*",
    "!",
    "|",
    ">",
    "%",
    "@",
    "`",
    "$",
    "${",
    "$${",
    "\\",
    "\n",
    "\t",
    " ",
    "\u{0}",
    "é",
    "😀",
    "=",
    ",",
    "+Inf",
    "NaN",
    "le=",
    "~",
    "<",
    "?",
    "(",
    ")",
    "0",
    "-1",
    "99999999999999999999",
];

/// `input` with 1 to 3 random edits: deletions, insertions of special text, duplicated or
/// swapped slices.
pub(crate) fn mutate(input: &str, rng: &mut Rng) -> String {
    let mut s: Vec<char> = input.chars().collect();
    for _ in 0..1 + rng.below(3) {
        let len = s.len().max(1);
        let at = rng.below(len).min(s.len());
        match rng.below(4) {
            0 => {
                let end = (at + 1 + rng.below(12)).min(s.len());
                s.drain(at..end);
            }
            1 => {
                let text = SPECIAL[rng.below(SPECIAL.len())];
                s.splice(at..at, text.chars());
            }
            2 => {
                let end = (at + 1 + rng.below(40)).min(s.len());
                let copy: Vec<char> = s[at..end].to_vec();
                s.splice(at..at, copy);
            }
            _ => {
                let other = rng.below(len).min(s.len().saturating_sub(1));
                if !s.is_empty() {
                    let last = s.len() - 1;
                    s.swap(at.min(last), other);
                }
            }
        }
    }
    s.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Rounds per parser: `HARDEN_FUZZ_CASES` (`scripts/fuzz.sh` runs a million), else a
    /// few thousand in `cargo test`. `HARDEN_FUZZ_SEED` picks another sequence.
    fn rounds(default: usize) -> usize {
        std::env::var("HARDEN_FUZZ_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }

    fn seed(default: u64) -> u64 {
        std::env::var("HARDEN_FUZZ_SEED")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }

    #[test]
    fn corrupted_suites_give_errors_never_panics() {
        // Every suite shipped in the repository, each mutated in turn.
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut bases =
            vec![std::fs::read_to_string(root.join("checks/orchestrator.yaml")).unwrap()];
        for dir in std::fs::read_dir(root.join("fixtures/suites"))
            .unwrap()
            .flatten()
        {
            for f in std::fs::read_dir(dir.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                if f.path().extension().is_some_and(|e| e == "yaml") {
                    bases.push(std::fs::read_to_string(f.path()).unwrap());
                }
            }
        }
        bases.sort();
        let mut rng = Rng::new(seed(0x5eed));
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("checks/mutated.yaml");
        // Fewer rounds than for the small parsers: each accepted suite compiles its schemas.
        let rounds = rounds(750);
        let mut rejected = 0;
        for _ in 0..rounds {
            let base = &bases[rng.below(bases.len())];
            let text = mutate(base, &mut rng);
            let result = std::panic::catch_unwind(|| crate::suite::load_str(&file, &text, &[]));
            match result {
                Ok(Err(e)) => {
                    rejected += 1;
                    // Every error names the file, and a position when it has one.
                    assert!(
                        e.to_string().starts_with(&file.display().to_string()),
                        "{e}"
                    );
                }
                Ok(Ok(_)) => {}
                Err(_) => panic!("the loader panicked on:\n{text}"),
            }
        }
        println!("fuzz: suite loader: {rounds} inputs, {rejected} rejected, 0 panics");
        assert!(
            rejected > rounds / 4,
            "many corruptions are caught ({rejected} of {rounds})"
        );
    }

    #[test]
    fn corrupted_expositions_and_templates_never_panic() {
        let base = "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\",y=\"q\\\"z\"} 3 1700000000\n# TYPE h histogram\nh_bucket{le=\"0.1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 0.3\nh_count 2\n# EOF\n";
        let mut rng = Rng::new(seed(42));
        let n = rounds(3000);
        let mut scope = crate::suite::Scope::default();
        std::sync::Arc::make_mut(&mut scope.vars).insert("run_id".into(), "r-1".into());
        for _ in 0..n {
            let text = mutate(base, &mut rng);
            // Whole, and streamed in two chunks cut at a random place.
            let cut = rng.below(text.len() + 1);
            let r = std::panic::catch_unwind(|| {
                if let Ok(f) = crate::check::prom::parse(&text) {
                    let _ = crate::check::prom::lint(&f.families);
                }
                use crate::check::prom::{Format, Parser};
                for format in [Format::Classic, Format::OpenMetrics] {
                    let mut p = Parser::with_format(format, Vec::new());
                    let (a, b) = text.as_bytes().split_at(cut);
                    if p.feed(a).and_then(|_| p.feed(b)).is_ok() {
                        let _ = p.finish();
                    }
                }
            });
            assert!(r.is_ok(), "the metrics parser panicked on:\n{text}");
            let t = mutate("/runs/${run_id}?x=$${literal}&y=${env.HOME}", &mut rng);
            let r = std::panic::catch_unwind(|| {
                if let Ok(t) = crate::suite::Template::text(&t) {
                    let _ = t.refs();
                    let _ = t.expand_text(&scope);
                }
            });
            assert!(r.is_ok(), "the template parser panicked on: {t}");
        }
        println!(
            "fuzz: metrics parsers (both formats) and template expander: {n} inputs each, 0 panics"
        );
    }
}
