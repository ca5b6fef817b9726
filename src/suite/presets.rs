//! Built-in `code` rules: the hygiene numbers orchestrator readiness reports count, and
//! secrets committed to source.

/// `(name, regex, file globs)`.
pub(crate) const CODE_PRESETS: [(&str, &str, &[&str]); 6] = [
    (
        "console-log",
        r"\bconsole\.log\(",
        &[
            "**/*.js", "**/*.jsx", "**/*.ts", "**/*.tsx", "**/*.mjs", "**/*.cjs",
        ],
    ),
    // `except:` or `except SomeError:` whose body is just `pass` (a silent failure).
    (
        "except-pass",
        r"(?m)^[ \t]*except\b[^:\n]*:[ \t]*(?:#[^\n]*)?\n[ \t]*pass\b",
        &["**/*.py"],
    ),
    ("datetime-utcnow", r"\bdatetime\.utcnow\(\)", &["**/*.py"]),
    (
        "pydantic-class-config",
        r"(?m)^[ \t]+class Config\s*:",
        &["**/*.py"],
    ),
    (
        "generic-exception",
        r"\bexcept\s+(?:Exception|BaseException)\b|\braise\s+Exception\(",
        &["**/*.py"],
    ),
    (
        "secrets",
        concat!(
            r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP )?PRIVATE KEY-----",
            r"|\bAKIA[0-9A-Z]{16}\b",
            r"|\bgh[pousr]_[A-Za-z0-9]{36,}\b",
            r"|\bxox[baprs]-[A-Za-z0-9-]{10,}",
            r"|\bsk-[A-Za-z0-9_-]{20,}",
            r#"|(?i)\b(?:api[_-]?key|secret[_-]?key|password|passwd|auth[_-]?token)\b\s*[:=]\s*["'][^"'\s]{8,}["']"#,
        ),
        &[],
    ),
];

pub(crate) fn code_preset(
    name: &str,
) -> Option<(&'static str, &'static str, &'static [&'static str])> {
    CODE_PRESETS.iter().find(|(n, _, _)| *n == name).copied()
}

/// Token shapes looked for in the service's output, whatever the suite says.
pub(crate) const TOKEN_SHAPES: &str = concat!(
    r"-----BEGIN (?:RSA |EC |DSA |OPENSSH )?PRIVATE KEY-----",
    r"|\bAKIA[0-9A-Z]{16}\b",
    r"|\bgh[pousr]_[A-Za-z0-9]{36,}\b",
    r"|\bsk-[A-Za-z0-9_-]{20,}",
    r"|(?i)\bBearer\s+[A-Za-z0-9._~+/-]{20,}",
    // A JWT: base64url `{"` header and payload, then the signature (empty with alg none).
    r"|(?-i)\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*",
);

#[cfg(test)]
mod tests {
    use super::*;

    fn count(preset: &str, text: &str) -> usize {
        let (_, re, _) = code_preset(preset).unwrap();
        regex::Regex::new(re).unwrap().find_iter(text).count()
    }

    #[test]
    fn presets_match_what_they_name() {
        assert_eq!(count("console-log", "console.log(x);\nlogger.log(y)\n"), 1);
        assert_eq!(
            count(
                "except-pass",
                "try:\n    f()\nexcept:\n    pass\ntry:\n    g()\nexcept ValueError as e:  # ok\n    pass\nexcept KeyError:\n    log(e)\n"
            ),
            2
        );
        assert_eq!(
            count(
                "datetime-utcnow",
                "now = datetime.utcnow()\nnow = datetime.now(UTC)\n"
            ),
            1
        );
        assert_eq!(
            count(
                "pydantic-class-config",
                "class M(BaseModel):\n    class Config:\n        orm_mode = True\n"
            ),
            1
        );
        assert_eq!(
            count(
                "generic-exception",
                "except Exception:\nraise Exception('x')\nexcept ValueError:\n"
            ),
            2
        );
        assert_eq!(
            count(
                "secrets",
                "key = 'AKIAABCDEFGHIJKLMNOP'\nAPI_KEY = \"abcd1234efgh\"\npassword = os.environ['P']\n"
            ),
            2
        );
    }
}
