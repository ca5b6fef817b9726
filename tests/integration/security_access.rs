//! The `security` check's `access` (API1, API5) and `mass-assignment` (API3) families
//! against `fixtures/security-discover`, whose suite logs in as `ada` and `bob` (users) and
//! `root` (an admin) and names them under `discover.identities`: each planted flaw is found
//! (another user's note read or changed, an admin operation a user calls, a role a user
//! sets on their own profile), the healthy service passes in both modes, and a safe run
//! leaves the service's data as it was.

use crate::harness::Output;
use crate::security_discover::{Notes, assert_masked, assertions};

/// `mode: active`: writes are sent (the service is the test's own).
fn active(suite: String) -> String {
    suite.replace("    security:\n", "    security:\n      mode: active\n")
}

/// `mode: active` with the access families alone, and nothing in `skip`: they create and
/// change notes (and delete what they created), which the suite keeps every other probe
/// from doing.
fn writing(suite: String) -> String {
    let s = active(suite);
    let start = s
        .find("        # Each probe of POST /notes")
        .expect("the skip list");
    let end = s.find("      # Sent only").expect("the comment after");
    format!(
        "{}        jwt: false\n        unlisted: false\n        exposure: false\n        injection: false\n        ssrf: false\n        brute-force: false\n{}",
        &s[..start],
        &s[end..]
    )
}

/// The failed assertions of the check, as `property | actual | FAIL`.
fn failed(out: &Output) -> Vec<String> {
    assertions(out)
        .into_iter()
        .filter(|a| a.ends_with("| FAIL"))
        .collect()
}

fn props(failed: &[String]) -> Vec<&str> {
    failed
        .iter()
        .map(|a| a.split(" | ").next().unwrap_or(""))
        .collect()
}

/// What the assertion whose property is `property` expected (its why).
fn why(out: &Output, property: &str) -> String {
    out.results()["suites"][0]["checks"][0]["assertions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["property"] == property)
        .and_then(|a| a["expected"].as_str())
        .unwrap_or_else(|| panic!("no assertion `{property}`\n{out}"))
        .to_string()
}

/// The note of the check (what was not sent or not probed).
fn note(out: &Output) -> String {
    out.results()["suites"][0]["checks"][0]["note"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

#[test]
fn another_users_note_read_is_found_in_safe_mode_and_nothing_changes() {
    let Some(svc) = Notes::start("bola-read") else {
        return;
    };
    let before = svc.state();
    let out = svc.check(|s| s);
    assert_eq!(out.code, 1, "{out}");
    let f = failed(&out);
    assert_eq!(
        props(&f),
        [
            "API1:2023 Broken Object Level Authorization: bob reads ada's object with GET /notes/{note_id}",
            "API1:2023 Broken Object Level Authorization: root reads ada's object with GET /notes/{note_id}",
            "API1:2023 Broken Object Level Authorization: ada reads bob's object with GET /notes/{note_id}",
        ],
        "{out}"
    );
    assert!(
        f[0].contains(
            "| 200 (application/json, 48 bytes): {\"id\":1,\"owner\":\"ada\",\"text\":\"ada's first note\"} from `curl -X GET 'http://127.0.0.1:"
        ) && f[0].contains("/notes/1' -H 'Authorization: ***'`"),
        "{}",
        f[0]
    );
    assert_eq!(
        why(&out, props(&f)[0]),
        "refused (401, 403 or 404): note_id 1 is ada's (only ada's GET /notes lists it), and bob got the body ada gets",
        "{out}"
    );
    assert_masked(&out.results().to_string());
    crate::snapshots::pinned("security_access_bola_read_terminal", &out.stdout);
    assert_eq!(svc.state(), before, "a safe run changed the service");
}

#[test]
fn another_users_note_changed_is_found_in_active_mode_only() {
    let Some(svc) = Notes::start("bola-write") else {
        return;
    };
    // Safe mode does not send the writes, so it cannot see this flaw, and says so.
    let out = svc.check(|s| s);
    assert_eq!(out.code, 0, "{out}");
    assert!(
        note(&out).contains("access: writes to one identity's objects as the others"),
        "{out}"
    );

    let out = svc.check(writing);
    assert_eq!(out.code, 1, "{out}");
    let f = failed(&out);
    assert_eq!(
        props(&f),
        [
            "API1:2023 Broken Object Level Authorization: bob changes ada's object with PUT /notes/{note_id}",
            "API1:2023 Broken Object Level Authorization: root changes ada's object with PUT /notes/{note_id}",
            "API1:2023 Broken Object Level Authorization: ada changes bob's object with PUT /notes/{note_id}",
        ],
        "{out}"
    );
    assert!(
        f[0].contains("-H 'Authorization: ***' -H 'content-type: application/json' --data-raw '{\"text\":\"harden\"}'"),
        "{}",
        f[0]
    );
    assert_masked(&out.results().to_string());
}

#[test]
fn an_admin_operation_a_user_calls_is_found_and_the_suite_s_roles_decide() {
    let Some(svc) = Notes::start("bfla") else {
        return;
    };
    let out = svc.check(|s| s);
    assert_eq!(out.code, 1, "{out}");
    let f = failed(&out);
    assert_eq!(
        props(&f),
        [
            "API5:2023 Broken Function Level Authorization: ada calls GET /admin/users, which needs role admin",
            "API5:2023 Broken Function Level Authorization: bob calls GET /admin/users, which needs role admin",
        ],
        "{out}"
    );
    assert!(
        f[0].contains("| 200 (application/json, ")
            && f[0].contains("/admin/users' -H 'Authorization: ***'`"),
        "{}",
        f[0]
    );
    assert_eq!(
        why(&out, props(&f)[0]),
        "refused (401 or 403): its path or tag naming admin restricts it to admin, and ada has roles user",
        "{out}"
    );

    // The suite's `roles:` wins over the path's name: open to every role, no finding.
    let open = |s: String| {
        s.replace(
            "        identities:\n",
            "        roles: { \"/admin/*\": [] }\n        identities:\n",
        )
    };
    let out = svc.check(open);
    assert_eq!(out.code, 0, "{out}");
}

#[test]
fn a_restriction_the_suite_or_the_document_declares_is_held_to() {
    let Some(svc) = Notes::start("") else { return };
    // `GET /notes` restricted to admins by the suite: ada and bob list their notes.
    let out = svc.check(|s| {
        s.replace(
            "        identities:\n",
            "        roles: { \"GET /notes\": [admin] }\n        identities:\n",
        )
    });
    assert_eq!(out.code, 1, "{out}");
    assert_eq!(
        props(&failed(&out)),
        [
            "API5:2023 Broken Function Level Authorization: ada calls GET /notes, which needs role admin",
            "API5:2023 Broken Function Level Authorization: bob calls GET /notes, which needs role admin",
        ],
        "{out}"
    );

    // The same from the document's `x-roles`, read from a file beside the suite.
    let (status, document) = svc.get("/openapi.json");
    assert_eq!(status, 200, "{document}");
    let mut doc: serde_json::Value = serde_json::from_str(&document).expect("JSON");
    doc["paths"]["/notes"]["get"]["x-roles"] = serde_json::json!(["admin", "auditor"]);
    let out = svc.check_with(
        |s| {
            s.replace(
                "      discover:\n",
                "      discover:\n        document: openapi.json\n",
            )
        },
        Some(&doc.to_string()),
    );
    assert_eq!(out.code, 1, "{out}");
    let f = failed(&out);
    assert_eq!(
        props(&f)[0],
        "API5:2023 Broken Function Level Authorization: ada calls GET /notes, which needs role admin or auditor",
        "{out}"
    );
    assert_eq!(
        why(&out, props(&f)[0]),
        "refused (401 or 403): the document's `x-roles` restricts it to admin or auditor, and ada has roles user",
        "{out}"
    );
}

#[test]
fn a_role_set_through_an_undeclared_property_is_found_in_active_mode() {
    let Some(svc) = Notes::start("mass-assign") else {
        return;
    };
    // Safe mode: the family is not run, and the note says so; ada is still a user.
    let out = svc.check(|s| s);
    assert_eq!(out.code, 0, "{out}");
    assert!(note(&out).ends_with(", mass-assignment"), "{out}");
    assert_eq!(svc.state()["roles"]["ada"], "user");

    let out = svc.check(active);
    assert_eq!(out.code, 1, "{out}");
    let f = failed(&out);
    assert_eq!(
        props(&f),
        [
            "API3:2023 Broken Object Property Level Authorization: PATCH /me takes `role` it does not declare"
        ],
        "{out}"
    );
    assert!(
        f[0].contains("read back as sent: 200 (application/json, ")
            && f[0].contains("\"role\":\"admin\"")
            && f[0].contains("/me' -H 'Authorization: ***'`, after `curl -X PATCH '")
            && f[0].contains("\"role\":\"admin\",\"roles\":[\"admin\"],\"is_admin\":true"),
        "{}",
        f[0]
    );
    // What the suite lists in `discover.skip` neither family sends to.
    assert!(
        note(&out).contains("access: skipped (discover.skip): POST /notes, PUT /notes/{note_id}")
            && note(&out).contains("mass-assignment: skipped (discover.skip): POST /notes"),
        "{out}"
    );
    assert_masked(&out.results().to_string());
    crate::snapshots::pinned("security_access_mass_assign_terminal", &out.stdout);
}

#[test]
fn without_identities_mass_assignment_writes_as_the_suite_s_credentials() {
    let Some(svc) = Notes::start("mass-assign") else {
        return;
    };
    let out = svc.check(|s| {
        let s = active(s);
        let start = s.find("        identities:\n").expect("identities");
        let end = s
            .find("        # Each probe of POST /notes")
            .expect("the skip list");
        format!("{}{}", &s[..start], &s[end..])
    });
    assert_eq!(out.code, 1, "{out}");
    assert_eq!(
        props(&failed(&out)),
        [
            "API3:2023 Broken Object Property Level Authorization: PATCH /me takes `role` it does not declare"
        ],
        "{out}"
    );
}

#[test]
fn the_healthy_service_passes_both_families_in_active_mode_and_keeps_its_notes() {
    let Some(svc) = Notes::start("") else { return };
    let before = svc.state();
    let out = svc.check(writing);
    assert_eq!(failed(&out), Vec::<String>::new(), "{out}");
    let got = assertions(&out);
    for summary in [
        "API1:2023 Broken Object Level Authorization: objects of one identity requested by the others and by no identity | ",
        "API5:2023 Broken Function Level Authorization: operations a role restricts, called without it | 3 of 3 refused | pass",
        "API3:2023 Broken Object Property Level Authorization: writes sent with properties their schema does not declare | ",
    ] {
        assert!(
            got.iter().any(|a| a.starts_with(summary)),
            "{summary}\n{got:#?}"
        );
    }
    let after = svc.state();
    assert_eq!(
        after["notes"], before["notes"],
        "what harden created, it deleted"
    );
    assert_eq!(after["roles"], before["roles"]);
    let writes = after["writes"].as_array().expect("writes");
    assert!(
        writes.iter().any(|w| w == "PUT /notes/1") && writes.iter().any(|w| w == "PATCH /me"),
        "{writes:?}"
    );
}
