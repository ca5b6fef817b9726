//! Values for a string `format`, and the integer bounds of `int32`/`int64`.

use super::rng::Rng;

/// Strings of `format`: the first is the simplest; `None` for a format not known here.
pub(crate) fn examples(format: &str, rng: &mut Rng) -> Option<Vec<String>> {
    let n = rng.below(10_000);
    let v = match format {
        "date" => vec![
            "2026-01-01".to_string(),
            format!("19{:02}-12-31", n % 100),
            "2000-02-29".into(),
        ],
        "date-time" => vec![
            "2026-01-01T00:00:00Z".to_string(),
            format!("2026-06-{:02}T23:59:59.999+02:00", n % 28 + 1),
        ],
        "time" => vec!["00:00:00Z".to_string(), "23:59:59+01:00".into()],
        "uuid" => vec![
            "00000000-0000-4000-8000-000000000000".to_string(),
            format!(
                "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
                rng.next_u64() as u32,
                rng.below(0x10000),
                rng.below(0x1000),
                rng.below(0x1000),
                rng.next_u64() & 0xffff_ffff_ffff
            ),
        ],
        "email" => vec![
            "a@example.com".to_string(),
            format!("user.{n}+tag@example.org"),
        ],
        "uri" | "url" | "iri" => vec![
            "https://example.com/".to_string(),
            format!("http://example.org/p/{n}?q=1#f"),
        ],
        "uri-reference" | "iri-reference" => vec!["/a".to_string(), format!("p/{n}")],
        "ipv4" => vec![
            "127.0.0.1".to_string(),
            format!(
                "{}.{}.{}.{}",
                n % 256,
                rng.below(256),
                rng.below(256),
                rng.below(256)
            ),
            "255.255.255.255".into(),
        ],
        "ipv6" => vec!["::1".to_string(), format!("2001:db8::{:x}", n)],
        "hostname" | "idn-hostname" => vec!["example.com".to_string(), format!("h{n}.example.org")],
        "byte" => vec!["".to_string(), "aGFyZGVu".into()],
        "binary" => vec!["".to_string(), "harden".into()],
        "password" => vec!["p".to_string(), format!("s3cret-{n}")],
        _ => return None,
    };
    Some(v)
}

/// The integer bounds a format implies.
pub(crate) fn integer_bounds(format: Option<&str>) -> (Option<i128>, Option<i128>) {
    match format {
        Some("int32") => (Some(i32::MIN as i128), Some(i32::MAX as i128)),
        Some("int64") => (Some(i64::MIN as i128), Some(i64::MAX as i128)),
        _ => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_format_gives_values_a_validator_accepts() {
        let mut rng = Rng::new(9);
        for f in [
            "date",
            "date-time",
            "time",
            "uuid",
            "email",
            "uri",
            "ipv4",
            "ipv6",
            "hostname",
        ] {
            let schema = serde_json::json!({"type": "string", "format": f});
            let v = jsonschema::options()
                .should_validate_formats(true)
                .build(&schema)
                .unwrap();
            for s in examples(f, &mut rng).unwrap() {
                assert!(
                    v.is_valid(&serde_json::Value::String(s.clone())),
                    "{f}: {s}"
                );
            }
        }
    }

    #[test]
    fn an_unknown_format_gives_none() {
        assert_eq!(examples("color", &mut Rng::new(1)), None);
    }
}
