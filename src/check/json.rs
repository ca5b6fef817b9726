//! JSON assertions: JSONPath selection (a definite path is its value, any other path the
//! list of its matches), predicates, and numbers compared exactly as written.

use crate::check::excerpt::not_json;
use crate::check::outcome::Assertion;
use crate::http::Response;
use crate::suite::{JsonAssertion, JsonPredicate, Scope, value_text};
use serde_json::Value;

/// Numbers compare by value (`1` equals `1.0`), exactly for integers of any 64-bit size;
/// everything else structurally.
pub(crate) fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            compare_numbers(x, y) == Some(std::cmp::Ordering::Equal)
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// The order of two JSON numbers, exact for any size and precision: numbers keep the
/// text they were written with (serde_json's `arbitrary_precision`), compared as decimals,
/// so `9007199254740993` is not `9007199254740992` and `1.10` equals `1.1`.
pub(crate) fn compare_numbers(
    a: &serde_json::Number,
    b: &serde_json::Number,
) -> Option<std::cmp::Ordering> {
    Some(Decimal::parse(&a.to_string())?.cmp(&Decimal::parse(&b.to_string())?))
}

/// A JSON number literal as sign, significant digits and the position of the decimal
/// point: the value is `0.DIGITS x 10^point`, negated when `negative`.
#[derive(Debug, PartialEq, Eq)]
struct Decimal {
    negative: bool,
    digits: Vec<u8>,
    point: i64,
}

impl Decimal {
    fn parse(text: &str) -> Option<Decimal> {
        let (negative, rest) = match text.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (mantissa, exp) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], rest[i + 1..].parse::<i64>().ok()?),
            None => (rest, 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        let all: Vec<u8> = int.bytes().chain(frac.bytes()).collect();
        if !all.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let leading = all.iter().take_while(|d| **d == b'0').count();
        let mut digits = all[leading..].to_vec();
        while digits.last() == Some(&b'0') {
            digits.pop();
        }
        if digits.is_empty() {
            return Some(Decimal {
                negative: false,
                digits,
                point: 0,
            });
        }
        let point = (int.len() as i64 - leading as i64).checked_add(exp)?;
        Some(Decimal {
            negative,
            digits,
            point,
        })
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        use std::cmp::Ordering::*;
        let zero = |d: &Decimal| d.digits.is_empty();
        let sign = |d: &Decimal| {
            if zero(d) {
                0
            } else if d.negative {
                -1
            } else {
                1
            }
        };
        match sign(self).cmp(&sign(other)) {
            Equal => {}
            o => return o,
        }
        if zero(self) {
            return Equal;
        }
        let magnitude = self
            .point
            .cmp(&other.point)
            .then_with(|| self.digits.cmp(&other.digits));
        if self.negative {
            magnitude.reverse()
        } else {
            magnitude
        }
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Whether a JSONPath can match at most one node: only names and single indexes, no
/// wildcard, descendant, filter, slice or union (RFC 9535's singular queries).
pub(crate) fn singular(path: &str) -> bool {
    let mut quote: Option<char> = None;
    let mut depth = 0;
    let mut prev = ' ';
    for c in path.chars() {
        match quote {
            Some(q) => {
                if c == q && prev != '\\' {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' => quote = Some(c),
                '[' => depth += 1,
                ']' => depth -= 1,
                '*' | '?' => return false,
                ',' | ':' if depth > 0 => return false,
                '.' if prev == '.' => return false,
                _ => {}
            },
        }
        prev = if prev == '\\' && c == '\\' { ' ' } else { c };
    }
    true
}

/// What a JSONPath selects in `doc`: a definite path its node (or none); any other path
/// the list of its matches, even of one or none, so that `length`, `type` and `contains`
/// mean the same whatever the number of matches.
pub(crate) fn select(path: &serde_json_path::JsonPath, text: &str, doc: &Value) -> Selected {
    let nodes = path.query(doc).all();
    if singular(text) {
        Selected {
            value: nodes.first().map(|v| (*v).clone()),
            matches: nodes.len(),
        }
    } else {
        Selected {
            matches: nodes.len(),
            value: Some(Value::Array(nodes.into_iter().cloned().collect())),
        }
    }
}

/// The value a JSONPath selected, and how many nodes it matched.
pub(crate) struct Selected {
    pub value: Option<Value>,
    pub matches: usize,
}

/// A value in a message, whole: `json_assertions` masks secrets, then cuts.
fn show(v: &Value) -> String {
    v.to_string()
}

/// Characters of a value shown in a message.
const SHOWN: usize = 200;

/// `s` with the response's secrets masked, then cut to `SHOWN` characters.
fn fit(s: &mut String, r: &Response) {
    if let Some(redactor) = &r.redactor {
        *s = redactor.cut(s, SHOWN);
    } else if s.chars().count() > SHOWN {
        *s = format!("{}…", s.chars().take(SHOWN).collect::<String>());
    }
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

pub(crate) fn unified_diff(expected: &str, actual: &str) -> String {
    similar::TextDiff::from_lines(expected, actual)
        .unified_diff()
        .context_radius(3)
        .header("expected", "actual")
        .to_string()
}

/// JSONPath assertions on a response body (shared by `http` and `health`).
pub(crate) fn json_assertions(
    assertions: &[JsonAssertion],
    r: &Response,
    scope: &Scope,
) -> Result<(Vec<Assertion>, Option<String>), String> {
    let mut out = Vec::new();
    let mut diff = None;
    if assertions.is_empty() {
        return Ok((out, diff));
    }
    let Some(doc) = r.json() else {
        let paths: Vec<&str> = assertions.iter().map(|a| a.path_text.as_str()).collect();
        out.push(Assertion::new(
            format!("json `{}`", paths.join("`, `")),
            "a JSON document",
            not_json(r),
            false,
        ));
        return Ok((out, diff));
    };
    for ja in assertions {
        // A path with `${...}` is expanded now (captures are known), then parsed; the
        // messages name it as expanded.
        let expanded = match &ja.template {
            None => None,
            Some(t) => {
                let text = t.expand_text(scope)?;
                let path = serde_json_path::JsonPath::parse(&text).map_err(|e| {
                    format!(
                        "json `{}`: expanded to `{text}`, which is not a valid JSONPath: {e}",
                        ja.path_text
                    )
                })?;
                Some((path, text))
            }
        };
        let (path, text) = match &expanded {
            Some((p, t)) => (p, t.as_str()),
            None => (&*ja.path, ja.path_text.as_str()),
        };
        let selected = select(path, text, doc);
        for p in &ja.predicates {
            let (mut a, d) = json_predicate(text, p, &selected, scope)?;
            // A path that matched nothing shows what the service said instead (masked
            // before the excerpt is cut from it).
            if !a.passed && selected.matches == 0 {
                let mut body = r.body.clone();
                if let Some(redactor) = &r.redactor {
                    redactor.text(&mut body);
                }
                a.actual = crate::check::excerpt::no_match(text, doc, &body);
            }
            fit(&mut a.expected, r);
            fit(&mut a.actual, r);
            diff = diff.or(d);
            out.push(a);
        }
    }
    Ok((out, diff))
}

/// `contains`: a substring of a string, an item of a list (equal to `want`), the key
/// `want` or every entry of the map `want` in an object.
fn contains(v: &Value, want: &Value) -> bool {
    match (v, want) {
        (Value::String(s), w) => s.contains(&value_text(w)),
        (Value::Array(items), w) => items.iter().any(|i| json_eq(i, w)),
        (Value::Object(o), Value::Object(w)) => w
            .iter()
            .all(|(k, x)| o.get(k).is_some_and(|y| json_eq(x, y))),
        (Value::Object(o), Value::String(k)) => o.contains_key(k),
        _ => false,
    }
}

fn json_predicate(
    path: &str,
    p: &JsonPredicate,
    selected: &Selected,
    scope: &Scope,
) -> Result<(Assertion, Option<String>), String> {
    let value = selected.value.as_ref();
    let shown = value.map(show).unwrap_or_else(|| "no match".into());
    let prop = format!("json `{path}`");
    let mut diff = None;
    let a = match p {
        JsonPredicate::Equals(t) => {
            let want = t.expand(scope)?;
            let ok = value.is_some_and(|v| json_eq(v, &want));
            if !ok && (want.is_object() || want.is_array()) {
                diff = value.map(|v| unified_diff(&pretty(&want), &pretty(v)));
            }
            Assertion::new(prop, show(&want), shown, ok)
        }
        JsonPredicate::NotEquals(t) => {
            let want = t.expand(scope)?;
            Assertion::new(
                prop,
                format!("not {}", show(&want)),
                shown,
                value.is_some_and(|v| !json_eq(v, &want)),
            )
        }
        JsonPredicate::OneOf(ts) => {
            let wants = ts
                .iter()
                .map(|t| t.expand(scope))
                .collect::<Result<Vec<_>, _>>()?;
            let ok = value.is_some_and(|v| wants.iter().any(|w| json_eq(v, w)));
            Assertion::new(
                prop,
                format!("one of {}", show(&Value::Array(wants))),
                shown,
                ok,
            )
        }
        JsonPredicate::Matches(re) => Assertion::new(
            prop,
            format!("matches `{re}`"),
            shown,
            value.is_some_and(|v| re.is_match(&value_text(v))),
        ),
        JsonPredicate::Exists(true) => Assertion::new(prop, "exists", shown, selected.matches > 0),
        JsonPredicate::Exists(false) => {
            Assertion::new(prop, "absent", shown, selected.matches == 0)
        }
        JsonPredicate::Type(t) => {
            let actual = value
                .map(|v| crate::suite::JsonType::of(v).as_str().to_string())
                .unwrap_or_else(|| "no match".into());
            Assertion::new(
                prop,
                format!("type {}", t.as_str()),
                actual,
                value.is_some_and(|v| t.accepts(v)),
            )
        }
        JsonPredicate::Length(n) => {
            let len = match value {
                Some(Value::Array(a)) => Some(a.len()),
                Some(Value::Object(o)) => Some(o.len()),
                None => None,
                Some(other) => {
                    return Err(format!(
                        "json `{path}`: `length` applies to arrays and objects, not to {} {}",
                        crate::suite::JsonType::of(other).as_str(),
                        show(other)
                    ));
                }
            };
            let actual = len.map(|l| format!("length {l}")).unwrap_or(shown);
            Assertion::new(prop, format!("length {n}"), actual, len == Some(*n))
        }
        JsonPredicate::Contains(t) => {
            let want = t.expand(scope)?;
            let ok = value.is_some_and(|v| contains(v, &want));
            Assertion::new(prop, format!("contains {}", show(&want)), shown, ok)
        }
        JsonPredicate::NotContains(t) => {
            let want = t.expand(scope)?;
            // Nothing selected (a definite path with no node) is no evidence: it fails.
            let ok = value.is_some_and(|v| !contains(v, &want));
            Assertion::new(prop, format!("does not contain {}", show(&want)), shown, ok)
        }
        JsonPredicate::Compare(op, n) => {
            use std::cmp::Ordering::*;
            let order = match value {
                Some(Value::Number(x)) => compare_numbers(x, n),
                _ => None,
            };
            let ok = order.is_some_and(|o| match op {
                crate::suite::CompareOp::Gt => o == Greater,
                crate::suite::CompareOp::Gte => o != Less,
                crate::suite::CompareOp::Lt => o == Less,
                crate::suite::CompareOp::Lte => o != Greater,
            });
            Assertion::new(prop, format!("{} {n}", op.symbol()), shown, ok)
        }
    };
    Ok((a, diff))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::Template;
    use serde_json::json;
    use std::sync::Arc;

    fn response(body: Value) -> Response {
        Response {
            raw: None,
            sent: String::new(),
            redactor: None,
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string(),
            json: Default::default(),
            duration: std::time::Duration::ZERO,
        }
    }

    fn json_assert(path: &str, preds: Vec<JsonPredicate>) -> JsonAssertion {
        JsonAssertion {
            path_text: path.into(),
            path: Arc::new(serde_json_path::JsonPath::parse(path).unwrap()),
            template: None,
            predicates: preds,
        }
    }

    fn check_one(body: Value, path: &str, preds: Vec<JsonPredicate>) -> Result<Vec<bool>, String> {
        let (a, _) = json_assertions(
            &[json_assert(path, preds)],
            &response(body),
            &Scope::default(),
        )?;
        Ok(a.iter().map(|a| a.passed).collect())
    }

    fn number(text: &str) -> serde_json::Number {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn integers_compare_exactly_beyond_f64() {
        let body: Value = serde_json::from_str(r#"{"id": 9007199254740993}"#).unwrap();
        let eq = |n: &str| JsonPredicate::Equals(Template::new(Value::Number(number(n))).unwrap());
        let ne =
            |n: &str| JsonPredicate::NotEquals(Template::new(Value::Number(number(n))).unwrap());
        let cmp = |op, n: &str| JsonPredicate::Compare(op, number(n));
        use crate::suite::CompareOp::*;
        let cases = [
            (eq("9007199254740992"), false),
            (eq("9007199254740993"), true),
            (ne("9007199254740992"), true),
            (cmp(Gt, "9007199254740992"), true),
            (cmp(Lte, "9007199254740992"), false),
            (cmp(Gte, "9007199254740993"), true),
            (cmp(Lt, "9007199254740994"), true),
            (cmp(Lt, "9007199254740993.5"), true),
            (cmp(Gt, "9007199254740992.5"), true),
            (eq("9007199254740993.0"), true),
            (eq("9.007199254740993e15"), true),
        ];
        for (pred, want) in cases {
            let shown = format!("{pred:?}");
            assert_eq!(
                check_one(body.clone(), "$.id", vec![pred]).unwrap(),
                vec![want],
                "{shown}"
            );
        }
        // 1 and 1.0 are the same number; -0 and 0 too.
        let body = json!({"a": 1, "b": -0.0});
        assert_eq!(
            check_one(body.clone(), "$.a", vec![eq("1.0")]).unwrap(),
            vec![true]
        );
        assert_eq!(check_one(body, "$.b", vec![eq("0")]).unwrap(), vec![true]);
    }

    #[test]
    fn numbers_of_any_size_and_decimals_as_written_compare_exactly() {
        use std::cmp::Ordering::*;
        let c = |a: &str, b: &str| compare_numbers(&number(a), &number(b));
        assert_eq!(
            c(
                "123456789012345678901234567890",
                "123456789012345678901234567891"
            ),
            Some(Less)
        );
        assert_eq!(c("1.10", "1.1"), Some(Equal));
        assert_eq!(c("0.1", "0.10000000000000000001"), Some(Less));
        assert_eq!(c("-0", "0"), Some(Equal));
        assert_eq!(c("-2", "-10"), Some(Greater));
        assert_eq!(c("1e2", "100"), Some(Equal));
        assert_eq!(c("-1.5e-3", "-0.0015"), Some(Equal));
        let body: Value =
            serde_json::from_str(r#"{"big": 123456789012345678901234567890}"#).unwrap();
        let eq = |n: &str| JsonPredicate::Equals(Template::new(Value::Number(number(n))).unwrap());
        assert_eq!(
            check_one(
                body.clone(),
                "$.big",
                vec![eq("123456789012345678901234567890")]
            )
            .unwrap(),
            vec![true]
        );
        assert_eq!(
            check_one(body, "$.big", vec![eq("123456789012345678901234567891")]).unwrap(),
            vec![false]
        );
    }

    #[test]
    fn a_path_that_can_match_several_nodes_is_always_a_list() {
        let body = json!({"roles": ["superadmin"], "name": "admin", "empty": []});
        let len = |n| JsonPredicate::Length(n);
        let contains = |s: &str| JsonPredicate::Contains(Template::new(json!(s)).unwrap());
        let ty = |t| JsonPredicate::Type(t);
        assert_eq!(
            check_one(body.clone(), "$.roles[*]", vec![len(1)]).unwrap(),
            vec![true]
        );
        assert_eq!(
            check_one(
                body.clone(),
                "$.roles[*]",
                vec![ty(crate::suite::JsonType::Array)]
            )
            .unwrap(),
            vec![true]
        );
        assert_eq!(
            check_one(body.clone(), "$.roles[*]", vec![contains("admin")]).unwrap(),
            vec![false]
        );
        assert_eq!(
            check_one(body.clone(), "$.roles[*]", vec![contains("superadmin")]).unwrap(),
            vec![true]
        );
        assert_eq!(
            check_one(body.clone(), "$.empty[*]", vec![len(0)]).unwrap(),
            vec![true]
        );
        assert_eq!(
            check_one(
                body.clone(),
                "$.empty[*]",
                vec![JsonPredicate::Exists(false)]
            )
            .unwrap(),
            vec![true]
        );
        // A definite path is its value.
        assert_eq!(
            check_one(body.clone(), "$.roles[0]", vec![contains("admin")]).unwrap(),
            vec![true]
        );
        assert_eq!(
            check_one(
                body.clone(),
                "$['roles'][0]",
                vec![ty(crate::suite::JsonType::String)]
            )
            .unwrap(),
            vec![true]
        );
        // `length` on a string is an error, not a character count.
        let e = check_one(body, "$.name", vec![len(5)]).unwrap_err();
        assert!(e.contains("`length` applies to arrays and objects"), "{e}");
    }

    /// One test per path, so that one failing hides none of the others.
    macro_rules! singular_paths {
        ($($name:ident: $path:expr => $singular:expr;)*) => {
            $(#[test] fn $name() { assert_eq!(singular($path), $singular, "{}", $path) })*
        };
    }

    singular_paths! {
        the_root_is_singular: "$" => true;
        a_member_is_singular: "$.a" => true;
        a_member_chain_with_an_index_is_singular: "$.a.b[0]" => true;
        a_quoted_name_with_a_space_is_singular: "$['a b']" => true;
        a_quoted_name_with_a_star_and_a_negative_index_is_singular: "$[\"x*y\"][-1]" => true;
        a_quoted_name_with_a_comma_is_singular: "$.a['b,c']" => true;
        a_wildcard_is_a_list: "$.a[*]" => false;
        descendants_are_a_list: "$..a" => false;
        a_slice_is_a_list: "$.a[0:2]" => false;
        a_filter_is_a_list: "$.a[?@.b]" => false;
        an_index_union_is_a_list: "$.a[0,1]" => false;
        a_member_wildcard_is_a_list: "$.*" => false;
        a_name_union_is_a_list: "$['a','b']" => false;
    }

    /// A secret that straddles the 200th character is masked before the value is cut.
    #[test]
    fn a_value_is_masked_before_it_is_cut() {
        let secret = "CANARY 9f3e/2b71+secret";
        let long = format!("{}{secret} and more after it", "a".repeat(190));
        let mut r = response(json!({ "v": long }));
        r.redactor = Some(Arc::new(crate::redact::Redactor::new(vec![secret.into()])));
        let want = Template::literal_value(json!("nope"));
        let (a, _) = json_assertions(
            &[json_assert("$.v", vec![JsonPredicate::Equals(want)])],
            &r,
            &Scope::default(),
        )
        .unwrap();
        assert!(!a[0].actual.contains("CANARY"), "{}", a[0].actual);
        assert!(a[0].actual.contains("***"), "{}", a[0].actual);
    }
}
