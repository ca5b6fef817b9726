//! API4:2023 (unrestricted resource consumption: no limit on authentication attempts):
//! operations that take a short numeric code or a secret (a PIN, a one-time code, a
//! password; told by name, by a digits-only pattern or by a short length) get
//! `ATTEMPTS` wrong values in a burst, every other input valid. None refused (429, 423, a
//! 403 after answers that were not, or any `Retry-After`) is a finding: a 4-digit PIN falls
//! to 10 000 tries. A write is probed only in `mode: active`, even one that changes nothing
//! when the code is wrong: harden cannot tell which from outside.

use super::discover::{Found, Prober, Sent};
use super::inputs::{self, Held, Input};
use crate::check::outcome::Assertion;
use crate::check::rate_limit::tally;
use crate::openapi::document::Operation;
use crate::openapi::generate;
use serde_json::Value;

const CATEGORY: &str = "API4:2023 Unrestricted Resource Consumption";
/// Wrong attempts sent to one operation at most.
pub(super) const ATTEMPTS: usize = 30;
/// Operations probed at most.
const MAX_OPERATIONS: usize = 10;
/// Names of secrets a caller types in, whatever their schema says.
const SECRET_NAMES: [&str; 9] = [
    "pin",
    "otp",
    "passcode",
    "password",
    "passwd",
    "totp",
    "mfa",
    "2fa",
    "passphrase",
];
/// Names ending in `code` that are not secrets.
const NOT_SECRET: [&str; 11] = [
    "zip", "postal", "post", "country", "currency", "area", "phone", "status", "error", "lang",
    "region",
];

/// Is this input a code or secret a caller could guess: named like one (`pin`, `otp`,
/// `password`, `reset_pin`), or a `...code` of digits (an integer, a digits-only pattern,
/// or at most 8 characters)?
pub(super) fn code_like(name: &str, schema: &Value) -> bool {
    let lower = name.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if NOT_SECRET.iter().any(|n| lower.contains(n)) {
        return false;
    }
    let named = words
        .iter()
        .any(|w| SECRET_NAMES.iter().any(|s| w == s || w.ends_with(s)));
    let digits = schema
        .get("pattern")
        .and_then(Value::as_str)
        .is_some_and(digits_pattern);
    let short = schema
        .get("maxLength")
        .and_then(Value::as_u64)
        .is_some_and(|n| n <= 8);
    let integer = generate::types(schema).contains(&"integer");
    let code = words.last().is_some_and(|w| w.ends_with("code"));
    named || digits || (code && (integer || short))
}

/// `^[0-9]{4}$`, `^\d{4,6}$`, `[0-9]{6}`: digits only, at most 8 of them.
fn digits_pattern(p: &str) -> bool {
    let p = p.trim_start_matches('^').trim_end_matches('$');
    let rest = p
        .strip_prefix("[0-9]")
        .or_else(|| p.strip_prefix(r"\d"))
        .unwrap_or("");
    let Some(counts) = rest.strip_prefix('{').and_then(|r| r.strip_suffix('}')) else {
        return false;
    };
    let max = counts.rsplit(',').next().unwrap_or("");
    max.parse::<u32>().is_ok_and(|n| (1..=8).contains(&n))
}

/// The `i`th wrong value for `schema`: digits as long as the schema's simplest value when
/// that is digits (`0000`, `0001`, ...), a number for an integer, else a made-up password.
pub(super) fn wrong(schema: &Value, i: usize) -> Value {
    if generate::types(schema).contains(&"integer") {
        return Value::from(i as u64);
    }
    let simplest = generate::simplest(schema);
    if let Some(s) = simplest.as_str()
        && !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_digit())
    {
        let n = s.len();
        let modulo = 10usize.saturating_pow(n as u32).max(1);
        return Value::from(format!("{:0n$}", i % modulo));
    }
    let guess = format!("{i:02}-harden-wrong-guess");
    let max = schema
        .get("maxLength")
        .and_then(Value::as_u64)
        .map_or(guess.len(), |m| m as usize);
    Value::from(guess.chars().take(max.max(2)).collect::<String>())
}

/// What a burst of wrong attempts showed.
#[derive(Debug, PartialEq)]
pub(super) enum Verdict {
    /// Refused at this attempt (1-based).
    Throttled(usize),
    /// Every attempt answered, none refused.
    Unthrottled,
    /// The answers say nothing of the code: why.
    Unknown(String),
}

/// Judges the answers to the attempts, in order: (status, has `Retry-After`).
pub(super) fn judge(answers: &[(u16, bool)]) -> Verdict {
    let Some(&(first, _)) = answers.first() else {
        return Verdict::Unknown("no attempt was answered".into());
    };
    for (i, &(status, retry_after)) in answers.iter().enumerate() {
        if matches!(status, 429 | 423) || retry_after || (status == 403 && first != 403) {
            return Verdict::Throttled(i + 1);
        }
    }
    if first == 403 {
        return Verdict::Unknown("the first attempt was already refused (403)".into());
    }
    let failed = answers.iter().filter(|(s, _)| *s >= 500).count();
    if failed * 2 > answers.len() {
        return Verdict::Unknown(format!(
            "{failed} of {} attempts failed (5xx)",
            answers.len()
        ));
    }
    Verdict::Unthrottled
}

pub(super) async fn run(p: &Prober<'_>, found: &mut Found) -> Result<(), String> {
    let mut held = Held::default();
    let mut probed = 0;
    for (index, op) in p.doc.operations.iter().enumerate() {
        let Some(input) = inputs::inputs(op)
            .into_iter()
            .find(|i| code_like(i.name(), &i.schema))
        else {
            continue;
        };
        if !held.pass(p.gate(op), op) {
            continue;
        }
        if probed == MAX_OPERATIONS {
            found.notes.push(format!(
                "brute-force: stopped after {MAX_OPERATIONS} operations, before {}",
                op.label()
            ));
            break;
        }
        probed += 1;
        burst(p, index, op, &input, found).await?;
    }
    if let Some(n) = held.note("brute-force") {
        found.notes.push(n);
    }
    if probed == 0 && held.is_empty() {
        found.notes.push(
            "brute-force: no operation the document describes takes a code, PIN or password".into(),
        );
    }
    Ok(())
}

async fn burst(
    p: &Prober<'_>,
    index: usize,
    op: &Operation,
    input: &Input,
    found: &mut Found,
) -> Result<(), String> {
    let mut sent: Vec<Sent> = Vec::new();
    let mut answers = Vec::new();
    for i in 0..ATTEMPTS {
        let case = inputs::case(index, op, Some((&input.slot, wrong(&input.schema, i))));
        let s = p.send_case(op, &case).await?;
        answers.push((
            s.response.status,
            s.response.header("retry-after").is_some(),
        ));
        sent.push(s);
        if matches!(judge(&answers), Verdict::Throttled(_)) {
            break;
        }
    }
    let statuses = tally(&sent.iter().map(|s| &s.response).collect::<Vec<_>>());
    let what = format!("{} with wrong values of {}", op.label(), input.describe());
    let Some(last) = sent.last() else {
        return Ok(());
    };
    match judge(&answers) {
        Verdict::Throttled(n) => found.assertions.push(Assertion::new(
            format!("{CATEGORY}: {what} is throttled"),
            format!("refused (429, 423, 403 or Retry-After) within {ATTEMPTS} attempts"),
            format!("refused at attempt {n} ({statuses})"),
            true,
        )),
        Verdict::Unthrottled => found.assertions.push(Assertion::new(
            format!("{CATEGORY}: {what} is not throttled"),
            format!(
                "refused (429, 423, 403 or Retry-After) within {ATTEMPTS} attempts: a short code falls to a few thousand guesses"
            ),
            format!(
                "{} attempts, none refused ({statuses}); the last: {} from `{}`",
                sent.len(),
                last.answer(),
                last.curl
            ),
            false,
        )),
        Verdict::Unknown(why) => found
            .notes
            .push(format!("brute-force: {what}: {why}; not judged")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn codes_pins_and_passwords_are_told_apart_from_other_inputs() {
        let s = json!({"type": "string"});
        for name in [
            "pin",
            "reset_pin",
            "newPin",
            "otp",
            "password",
            "mfa_code",
            "passcode",
        ] {
            assert!(code_like(name, &s), "{name}");
        }
        for name in ["user", "text", "zip_code", "country_code", "spinach_count"] {
            assert!(!code_like(name, &s), "{name}");
        }
        assert!(code_like(
            "value",
            &json!({"type": "string", "pattern": "^[0-9]{4}$"})
        ));
        assert!(code_like("token", &json!({"pattern": r"^\d{4,6}$"})));
        assert!(!code_like("zip", &json!({"pattern": "^[0-9]{5}$"})));
        assert!(!code_like("serial", &json!({"pattern": "^[0-9]{12}$"})));
        assert!(code_like("code", &json!({"type": "integer"})));
        assert!(code_like(
            "code",
            &json!({"type": "string", "maxLength": 6})
        ));
        assert!(
            !code_like("code", &json!({"type": "string"})),
            "a long code is not guessable"
        );
    }

    #[test]
    fn wrong_values_fit_the_schema() {
        let pin = json!({"type": "string", "pattern": "^[0-9]{4}$"});
        assert_eq!(wrong(&pin, 0), json!("0000"));
        assert_eq!(wrong(&pin, 29), json!("0029"));
        assert_eq!(wrong(&json!({"type": "integer"}), 7), json!(7));
        assert_eq!(
            wrong(&json!({"type": "string"}), 3),
            json!("03-harden-wrong-guess")
        );
        assert_eq!(
            wrong(&json!({"type": "string", "maxLength": 8}), 3),
            json!("03-harde")
        );
    }

    #[test]
    fn a_burst_is_throttled_by_a_refusal_or_a_retry_after() {
        let wrong = (401, false);
        let mut answers = vec![wrong; 5];
        answers.push((429, true));
        assert_eq!(judge(&answers), Verdict::Throttled(6));
        assert_eq!(judge(&[wrong, (423, false)]), Verdict::Throttled(2));
        assert_eq!(judge(&[wrong, (401, true)]), Verdict::Throttled(2));
        assert_eq!(judge(&[wrong, wrong, (403, false)]), Verdict::Throttled(3));
        assert_eq!(judge(&[wrong; 30]), Verdict::Unthrottled);
        assert_eq!(judge(&[(400, false); 30]), Verdict::Unthrottled);
        assert!(matches!(judge(&[(403, false); 30]), Verdict::Unknown(_)));
        assert!(matches!(judge(&[(500, false); 30]), Verdict::Unknown(_)));
        assert!(matches!(judge(&[]), Verdict::Unknown(_)));
    }
}
