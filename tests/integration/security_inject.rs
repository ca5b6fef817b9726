//! The `security` check's `injection`, `ssrf` and `brute-force` discovery families against
//! `fixtures/security-discover` (started by `security_discover::Notes`, one planted flaw
//! at a time): each flaw found with its OWASP category, the answer and a masked `curl`;
//! the healthy service clean in both modes; writes probed only in `mode: active`, never an
//! operation the suite lists in `skip`; a safe run changes nothing.

use crate::harness::Output;
use crate::security_discover::{Notes, assert_masked, assertions};

/// The suite in `mode: active` (harden did not start the service, so safe by default).
fn active(suite: String) -> String {
    suite.replace("    security:\n", "    security:\n      mode: active\n")
}

/// The failed assertions of a run that must have failed.
fn failed(out: &Output) -> Vec<String> {
    assert_eq!(out.code, 1, "expected a failed check\n{out}");
    assertions(out)
        .into_iter()
        .filter(|a| a.ends_with("| FAIL"))
        .collect()
}

fn note(out: &Output) -> String {
    out.results()["suites"][0]["checks"][0]["note"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

/// The one finding with `flaw` planted, in safe mode; the service's data unchanged.
fn one_finding(flaw: &str, edit: impl Fn(String) -> String) -> Option<String> {
    let svc = Notes::start(flaw)?;
    let before = svc.state();
    let out = svc.check(edit);
    let failed = failed(&out);
    assert_masked(&out.results().to_string());
    assert_eq!(failed.len(), 1, "FLAW={flaw}: {failed:#?}\n{out}");
    if note(&out).contains("mode: safe") {
        assert_eq!(
            svc.state(),
            before,
            "FLAW={flaw}: a safe run changed the service"
        );
    }
    Some(failed[0].clone())
}

#[test]
fn a_query_written_into_sql_is_found_by_a_quote_that_fails_where_two_do_not() {
    let Some(f) = one_finding("sql-injection", |s| s) else {
        return;
    };
    assert!(
        f.starts_with(
            "API8:2023 Security Misconfiguration (injection): SQL injection in GET /search query parameter `q` | 500 ("
        ) && f.contains("where the quote doubled (escaped, in SQL) got 200, from `curl 'http://127.0.0.1:")
            && f.contains("/search?q=%27' -H 'Authorization: ***'`"),
        "{f}"
    );
}

#[test]
fn a_name_compiled_into_a_template_is_found_by_the_number_it_computed() {
    let Some(f) = one_finding("template-injection", |s| s) else {
        return;
    };
    assert!(
        f.starts_with(
            "API8:2023 Security Misconfiguration (injection): template injection in GET /greet query parameter `name` | 200 ("
        ) && f.contains("with `144813` (48271*3, computed by a template engine) in the answer")
            && f.contains("/greet?name=%7B%7B48271%2A3%7D%7D'"),
        "{f}"
    );
}

#[test]
fn a_file_name_with_dot_dots_is_found_by_the_system_file_it_read() {
    let Some(f) = one_finding("path-traversal", |s| s) else {
        return;
    };
    assert!(
        f.starts_with(
            "API8:2023 Security Misconfiguration (injection): path traversal in GET /files query parameter `name` | 200 ("
        ) && f.contains("with `root:x:0:0:`, a system file's contents, in the answer")
            && f.contains("-H 'Authorization: ***'"),
        "{f}"
    );
}

#[test]
fn a_url_the_service_fetches_is_found_by_harden_s_listener() {
    let Some(f) = one_finding("ssrf", |s| s) else {
        return;
    };
    let shape = regex::Regex::new(
        r"^API7:2023 Server Side Request Forgery: GET /preview fetches the URL in query parameter `url` \| harden's listener on 127\.0\.0\.1 received `GET /harden-ssrf/0/url`; the probe got 200 \(application/json, \d+ bytes\) from `curl 'http://127\.0\.0\.1:\d+/preview\?url=http%3A%2F%2F127\.0\.0\.1%3A\d+%2Fharden-ssrf%2F0%2Furl' -H 'Authorization: \*\*\*'` \| FAIL$",
    )
    .unwrap();
    assert!(shape.is_match(&f), "{f}");
}

#[test]
fn a_body_field_passed_to_a_shell_is_found_in_active_mode_and_not_sent_in_safe_mode() {
    let Some(svc) = Notes::start("command-injection") else {
        return;
    };
    // Safe: POST /tools/lookup is a write; it is held back, and says so.
    let out = svc.check(|s| s);
    assert_eq!(out.code, 0, "{out}");
    assert!(
        note(&out).contains(
            "injection: not sent in mode: safe: POST /login, PATCH /me, POST /tools/lookup, POST /reset-pin; skipped (discover.skip): POST /notes, PUT /notes/{note_id}"
        ),
        "{}",
        note(&out)
    );
    let writes = svc.state()["writes"].clone();
    assert_eq!(writes, serde_json::json!([]), "{out}");

    let out = svc.check(active);
    let failed = failed(&out);
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert!(
        failed[0].starts_with(
            "API8:2023 Security Misconfiguration (injection): OS command injection in POST /tools/lookup body field `host` | 200 ("
        ) && failed[0].contains("with `hdn144813`, which only a shell computes, in the answer, from `curl -X POST 'http://127.0.0.1:")
            && failed[0].contains(r#"--data-raw '{"host":";echo hdn$((48271*3))"}'"#),
        "{}",
        failed[0]
    );
    assert_masked(&out.results().to_string());
}

#[test]
fn an_operation_the_suite_skips_is_never_sent_a_probe() {
    let Some(svc) = Notes::start("command-injection") else {
        return;
    };
    let skip_lookup = |s: String| {
        active(s).replace(
            "skip: [POST /notes, \"PUT /notes/{note_id}\"]",
            "skip: [POST /notes, \"PUT /notes/{note_id}\", \"post /tools/lookup\"]",
        )
    };
    let out = svc.check(skip_lookup);
    assert_eq!(out.code, 0, "{out}");
    assert!(
        note(&out).contains("skipped (discover.skip): POST /notes, POST /tools/lookup"),
        "{}",
        note(&out)
    );
    let writes = svc.state()["writes"].to_string();
    assert!(!writes.contains("/tools/lookup"), "{writes}");

    // A misspelt entry would leave the operation it meant unprotected: an error.
    let out = svc.check(|s| {
        s.replace(
            "skip: [POST /notes, \"PUT /notes/{note_id}\"]",
            "skip: [POST /note, \"PUT /notes/{note_id}\"]",
        )
    });
    assert_eq!(out.status_of("discover"), "error", "{out}");
    let (_, message) = out.check("discover");
    assert!(
        message.starts_with("discover.skip: `POST /note` is no operation of the document"),
        "{message}"
    );
}

#[test]
fn a_pin_taken_without_limit_is_found_in_active_mode_and_not_sent_in_safe_mode() {
    let Some(svc) = Notes::start("pin-unthrottled") else {
        return;
    };
    let before = svc.state();
    let out = svc.check(|s| s);
    assert_eq!(out.code, 0, "{out}");
    assert!(
        note(&out).contains("brute-force: not sent in mode: safe: POST /login, POST /reset-pin"),
        "{}",
        note(&out)
    );
    assert_eq!(svc.state(), before, "a safe run sent a wrong PIN");

    let out = svc.check(active);
    let failed = failed(&out);
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert!(
        failed[0].starts_with(
            "API4:2023 Unrestricted Resource Consumption: POST /reset-pin with wrong values of body field `pin` is not throttled | 30 attempts, none refused (401 ×30); the last: 401 ("
        ) && failed[0].contains(r#""pin":"0029""#),
        "{}",
        failed[0]
    );
    // The 30 wrong PINs arrived (and the injection probes' own wrong ones after them).
    let wrong = svc.state()["failures"]["reset-pin ada"].as_u64();
    assert!(wrong >= Some(30), "{wrong:?}");
}

#[test]
fn the_healthy_service_passes_every_new_family_in_both_modes() {
    let Some(svc) = Notes::start("") else { return };
    let before = svc.state();
    let out = svc.check(|s| s);
    assert_eq!(out.code, 0, "{out}");
    let got = assertions(&out);
    let mine: Vec<&String> = got
        .iter()
        .filter(|a| a.starts_with("API7") || a.contains("(injection)") || a.starts_with("API4"))
        .collect();
    assert_eq!(mine.len(), 2, "{got:#?}");
    assert!(
        mine[0].starts_with("API7:2023 Server Side Request Forgery: URL inputs given a loopback URL | none in 2 s after 1 probes | pass"),
        "{}",
        mine[0]
    );
    assert!(
        mine[1].starts_with(
            "API8:2023 Security Misconfiguration (injection): SQL, OS command, template and path traversal payloads | none in "
        ) && mine[1].ends_with(" answers to 3 inputs | pass"),
        "{}",
        mine[1]
    );
    assert_eq!(svc.state(), before, "a safe run changed the service");

    let out = svc.check(active);
    assert_eq!(out.code, 0, "{out}");
    let got = assertions(&out);
    let throttled: Vec<&String> = got.iter().filter(|a| a.starts_with("API4")).collect();
    assert_eq!(
        throttled,
        [
            "API4:2023 Unrestricted Resource Consumption: POST /login with wrong values of body field `password` is throttled | refused at attempt 6 (401 ×5, 429 ×1) | pass",
            "API4:2023 Unrestricted Resource Consumption: POST /reset-pin with wrong values of body field `pin` is throttled | refused at attempt 6 (401 ×5, 429 ×1) | pass",
        ],
        "{got:#?}"
    );
    let injection = got
        .iter()
        .find(|a| a.contains("(injection)"))
        .expect("an injection assertion");
    assert!(
        injection.ends_with(" answers to 9 inputs | pass"),
        "{injection}"
    );
    let after = svc.state();
    assert_eq!(after["notes"], before["notes"], "a probe changed the notes");
}

#[test]
fn an_injection_and_an_unthrottled_pin_in_the_terminal_show_the_evidence_and_a_masked_curl() {
    let Some(svc) = Notes::start("command-injection") else {
        return;
    };
    let out = svc.check(active);
    assert_eq!(out.code, 1, "{out}");
    crate::snapshots::pinned("security_inject_command_injection_terminal", &out.stdout);
    drop(svc);

    let Some(svc) = Notes::start("pin-unthrottled") else {
        return;
    };
    let out = svc.check(active);
    assert_eq!(out.code, 1, "{out}");
    crate::snapshots::pinned("security_inject_pin_unthrottled_terminal", &out.stdout);
}
