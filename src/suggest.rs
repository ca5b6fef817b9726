//! "Did you mean" for a value that is not one of a fixed set: the closest choice by edit
//! distance, close enough to be a typo (the bound rustc and cargo use).

/// The hint for `value` when it is not one of `choices`: ``use one of `a`, `b`, `c` ``
/// (``use `a` or `b` `` for two), led by ``did you mean `x`? `` when a choice is close
/// enough to be a typo. A choice may show a value after `:` (`present: true`); only the
/// key before it is compared.
pub(crate) fn one_of(value: &str, choices: &[&str]) -> String {
    let listed: Vec<String> = choices.iter().map(|c| format!("`{c}`")).collect();
    let list = match listed.as_slice() {
        [a, b] => format!("use {a} or {b}"),
        _ => format!("use one of {}", listed.join(", ")),
    };
    match closest(value, choices) {
        Some(c) => format!("did you mean `{c}`? {list}"),
        None => list,
    }
}

/// The choice nearest to `value` (its key, before any `:`) when it is a likely typo:
/// within an edit distance of a third of its length (at least 1), or a choice that
/// `value` begins (`str` for `string`). Case, `_` and `-` are not told apart.
pub(crate) fn closest<'a>(value: &str, choices: &[&'a str]) -> Option<&'a str> {
    let norm = |s: &str| s.trim().to_ascii_lowercase().replace('_', "-");
    let value = norm(value);
    if value.is_empty() {
        return None;
    }
    let bound = (value.chars().count() / 3).max(1);
    choices
        .iter()
        .filter_map(|c| {
            let key = norm(c.split(':').next().unwrap_or(c));
            let d = edit_distance(&value, &key);
            let prefix = value.chars().count() >= 3 && key.starts_with(&value);
            (d <= bound || prefix || plural(&value, &key)).then_some((d, *c))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| key_of(c))
}

/// `a` and `b` are one word, singular and plural (`binary`/`binaries`, `header`/`headers`).
fn plural(a: &str, b: &str) -> bool {
    let one = |s: &str, p: &str| {
        p.strip_suffix('s') == Some(s)
            || s.strip_suffix('y')
                .is_some_and(|stem| p.strip_suffix("ies") == Some(stem))
    };
    a.len() >= 3 && (one(a, b) || one(b, a))
}

/// A choice as a suggestion: its key, without the value it shows.
fn key_of(choice: &str) -> &str {
    choice.split(':').next().unwrap_or(choice).trim()
}

/// Edit distance over characters: insertions, deletions, substitutions and swaps of two
/// neighbours (`stauts`), each counting one (optimal string alignment).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    // d[i][j]: the distance between the first i characters of a and the first j of b.
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEVERITIES: [&str; 4] = ["critical", "high", "medium", "low"];

    macro_rules! closest_cases {
        ($($name:ident: $value:expr, $choices:expr => $want:expr;)*) => {$(
            #[test]
            fn $name() {
                assert_eq!(closest($value, &$choices), $want);
            }
        )*};
    }

    closest_cases! {
        one_letter_missing: "severty", ["id", "name", "severity", "timeout"] => Some("severity");
        underscore_for_dash: "max_duration", ["status", "max-duration"] => Some("max-duration");
        transposed: "stauts", ["status", "headers", "json"] => Some("status");
        swapped_letters: "hihg", SEVERITIES => Some("high");
        case_differs: "HIGH", SEVERITIES => Some("high");
        prefix_of_a_choice: "str", ["string", "number"] => Some("string");
        nothing_near: "urgent", SEVERITIES => None;
        short_and_far: "x", ["off", "warn", "fail"] => None;
        empty_value: "", SEVERITIES => None;
        key_before_the_value: "presnt", ["equals", "present: true"] => Some("present");
        nearest_wins: "gte", ["gt", "gte", "lt"] => Some("gte");
        singular_for_plural_ies: "binary", ["binaries", "python", "env"] => Some("binaries");
        plural_for_singular_ies: "dependencies", ["dependency", "http"] => Some("dependency");
        plural_for_singular: "origin", ["origins", "headers"] => Some("origins");
    }

    #[test]
    fn the_hint_lists_every_choice_and_leads_with_a_suggestion() {
        assert_eq!(
            one_of("urgent", &SEVERITIES),
            "use one of `critical`, `high`, `medium`, `low`"
        );
        assert_eq!(
            one_of("hgh", &SEVERITIES),
            "did you mean `high`? use one of `critical`, `high`, `medium`, `low`"
        );
        assert_eq!(
            one_of("text", &["openmetrics", "classic"]),
            "use `openmetrics` or `classic`"
        );
    }

    #[test]
    fn distance_counts_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
        assert_eq!(edit_distance("stauts", "status"), 1);
    }
}
