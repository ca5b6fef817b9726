//! Secrets never reach an output in any encoding, and text from the service is neutralised
//! before it reaches a terminal, a report or GitHub's workflow commands.

use crate::harness::Harden;

/// Has every character that changes under an encoding: `"`, `/`, `+`, `\`, a space, `&`, `<`.
const SECRET: &str = "s3cr\"et/p+ss\\wo rd&<42>";
const ENV_SECRET: &str = "env-t0ken/with+slash and space";

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..=c.len() {
            out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// The forms a secret can take in a body, a report or a log: each must be masked.
fn forms(secret: &str) -> Vec<(&'static str, String)> {
    let json = serde_json::to_string(secret).unwrap();
    let b64 = base64(secret.as_bytes());
    // Shifted by one byte: the characters that depend on the secret's bytes alone.
    let shifted = base64(format!("x{secret}").as_bytes());
    let shifted = shifted[2..shifted.len() - 1].to_string();
    let percent: String = secret
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    let xml = secret
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    vec![
        ("raw", secret.to_string()),
        ("json", json[1..json.len() - 1].to_string()),
        ("base64", b64[..b64.len() - 1].to_string()),
        ("base64 shifted", shifted),
        ("percent", percent),
        ("xml", xml),
    ]
}

fn assert_masked(what: &str, text: &str) {
    for secret in [SECRET, ENV_SECRET] {
        for (form, value) in forms(secret) {
            assert!(
                !text.contains(&value),
                "{what} holds the secret {form}-encoded (`{value}`):\n{text}"
            );
        }
    }
}

#[test]
fn secrets_are_masked_in_every_encoding_in_every_output() {
    let suite = r#"suite: masking
instance:
  command: ["harden-hostile", "--port", "${PORT}"]
  env: { SERVICE_TOKEN: "${env.HARDEN_TEST_TOKEN}" }
  ready: { http: /health }
vars:
  token: "s3cr\"et/p+ss\\wo rd&<42>"
secrets: [token]
checks:
  - id: raw
    http: { request: { path: /reflect, headers: { authorization: "${token}" } }, expect: { json: { "$.raw": nope } } }
  - id: b64
    http: { request: { path: /reflect, headers: { authorization: "${token}" } }, expect: { json: { "$.base64": nope } } }
  - id: b64-shifted
    http: { request: { path: /reflect, headers: { authorization: "${token}" } }, expect: { json: { "$.shifted": nope } } }
  - id: percent
    http: { request: { path: /reflect, headers: { authorization: "${token}" } }, expect: { json: { "$.percent": nope } } }
  - id: xml
    http: { request: { path: /reflect, headers: { authorization: "${token}" } }, expect: { json: { "$.xml": nope } } }
  - id: whole-body
    http: { request: { path: /reflect, headers: { authorization: "${env.HARDEN_TEST_TOKEN}" } }, expect: { body: { equals: nope } } }
"#;
    let h = Harden::check_yaml(suite);
    let (markdown, summary, logs, html) = (
        h.path("summary.md"),
        h.path("step-summary.md"),
        h.path("logs"),
        h.path("report.html"),
    );
    let out = h
        .args(["--markdown", &markdown, "--log-dir", &logs, "--html", &html])
        .env("HARDEN_TEST_TOKEN", ENV_SECRET)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .run();
    assert_eq!(out.code, 1, "{out}");
    for id in ["raw", "b64", "b64-shifted", "percent", "xml", "whole-body"] {
        assert_eq!(out.status_of(id), "fail", "{id}\n{out}");
    }
    assert_masked("stdout", &out.stdout);
    assert_masked("stderr", &out.stderr);
    assert_masked("JUnit", &out.file("junit.xml"));
    assert_masked("results JSON", &out.file("results.json"));
    assert_masked("Markdown", &out.file("summary.md"));
    assert_masked("step summary", &out.file("step-summary.md"));
    assert_masked("HTML", &out.file("report.html"));
    let log = std::fs::read_to_string(out.dir.path().join("logs/masking/main.log")).unwrap();
    assert!(log.contains("reflect: authorization header was"), "{log}");
    assert_masked("--log-dir file", &log);

    // `harden report` re-renders what was recorded.
    let results = out.dir.path().join("results.json");
    let again = Harden::new();
    let (junit2, md2, html2) = (
        again.path("j.xml"),
        again.path("m.md"),
        again.path("r.html"),
    );
    let re = again
        .args([
            "report",
            &results.display().to_string(),
            "--junit",
            &junit2,
            "--markdown",
            &md2,
            "--html",
            &html2,
        ])
        .run();
    assert_eq!(re.code, 1, "{re}");
    assert_masked("report stdout", &re.stdout);
    assert_masked("report JUnit", &re.file("j.xml"));
    assert_masked("report Markdown", &re.file("m.md"));
    assert_masked("report HTML", &re.file("r.html"));
}

fn control_bytes(text: &str) -> Vec<char> {
    text.chars()
        .filter(|c| c.is_control() && *c != '\n' && *c != '\t')
        .collect()
}

#[test]
fn service_text_cannot_inject_control_bytes_or_workflow_commands() {
    let suite = r#"suite: control
instance:
  command: ["harden-hostile", "--port", "${PORT}"]
  ready: { http: /health }
checks:
  - id: control
    http: { request: { path: /control }, expect: { status: 200, body: { equals: fine } } }
"#;
    let h = Harden::check_yaml(suite);
    let (markdown, summary) = (h.path("summary.md"), h.path("step-summary.md"));
    let out = h
        .args(["--markdown", &markdown])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .run();
    assert_eq!(out.code, 1, "{out}");
    for line in out.stdout.lines() {
        assert!(
            !line.starts_with("::error::injected") && !line.starts_with("::add-mask::"),
            "the service injected a workflow command: {line:?}\n{out}"
        );
    }
    assert_eq!(control_bytes(&out.stdout), Vec::<char>::new(), "stdout");
    assert_eq!(
        control_bytes(&out.file("summary.md")),
        Vec::<char>::new(),
        "markdown"
    );
    assert_eq!(
        control_bytes(&out.file("step-summary.md")),
        Vec::<char>::new(),
        "summary"
    );
    let message = out.check("control").1;
    assert_eq!(
        control_bytes(&message),
        Vec::<char>::new(),
        "results JSON: {message:?}"
    );
    // The bytes are still visible, escaped.
    assert!(
        out.file("summary.md").contains("\\x1b"),
        "escaped, not dropped"
    );
}

/// Not every `${env.X}` is secret: a path is not, a name that says secret is, and so is
/// whatever the suite lists as `env.NAME`.
#[test]
fn only_what_the_suite_or_the_name_says_is_secret_is_masked() {
    let suite = r#"suite: env-kinds
base-url: http://127.0.0.1:9
checks:
  - id: shown
    timeout: 2s
    http: { request: { path: "/health?dir=${env.HARDEN_TEST_DATA_DIR}&pw=${env.HARDEN_TEST_DB_PASSWORD}&listed=${env.HARDEN_TEST_LISTED}" }, expect: { status: 200 } }
secrets: [env.HARDEN_TEST_LISTED]
"#;
    let out = Harden::check_yaml(suite)
        .env("HARDEN_TEST_DATA_DIR", "/home/ci/app-data")
        .env("HARDEN_TEST_DB_PASSWORD", "pw-value-7d1e")
        .env("HARDEN_TEST_LISTED", "listed-value-4c2b")
        .run();
    assert_eq!(out.code, 1, "{out}");
    let (status, message) = out.check("shown");
    assert_eq!(status, "error", "{out}");
    assert!(
        message.contains("/health?dir=/home/ci/app-data&pw=***&listed=***"),
        "{message}"
    );
    for text in [
        &out.stdout,
        &out.file("results.json"),
        &out.file("junit.xml"),
    ] {
        assert!(
            !text.contains("pw-value-7d1e") && !text.contains("listed-value-4c2b"),
            "{text}"
        );
    }
}
