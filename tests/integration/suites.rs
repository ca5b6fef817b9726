//! Suite problems: `file:line:col`, the field path, exit 2, and nothing started.
//! Also `validate`, `list` and `schema`.

use crate::harness::{Harden, repo};

fn invalid(name: &str) -> String {
    repo()
        .join("fixtures/suites/invalid")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn each_invalid_suite_is_located_and_exits_2() {
    let cases = [
        (
            "unknown-key.yaml",
            "8:9: checks[0].http.expect.statuss: unknown field `statuss`, expected one of status, headers",
        ),
        (
            "wrong-type.yaml",
            "5:14: checks[0].retries: expected a non-negative whole number, found `many`",
        ),
        (
            "duplicate-id.yaml",
            "6:9: checks[1].id: duplicate check id `health` (first used on line 4)",
        ),
        ("no-kind.yaml", "4:9: checks[0]: check `lonely` has no kind"),
        (
            "undefined-var.yaml",
            "5:30: checks[0].http.request.path: undefined variable `run_id`",
        ),
        (
            "asserts-nothing.yaml",
            "5:11: checks[0].http: this check asserts nothing",
        ),
        (
            "bad-jsonpath.yaml",
            "7:38: checks[0].http.expect.json.\"$.status[\": invalid JSONPath `$.status[`",
        ),
        (
            "missing-schema.yaml",
            "7:25: checks[0].http.expect.schema: cannot read schema",
        ),
        (
            "syntax-error.yaml",
            "4:11: checks[0].http: unclosed bracket '{'",
        ),
    ];
    for (file, expected) in cases {
        for command in ["validate", "check"] {
            let out = Harden::new().args([command, &invalid(file)]).run();
            assert_eq!(out.code, 2, "{command} {file}: {out}");
            let want = format!("error: {}:{expected}", invalid(file));
            assert!(
                out.stderr.contains(&want),
                "{command} {file}: expected\n{want}\nin\n{}",
                out.stderr
            );
        }
    }
}

#[test]
fn invalid_suite_starts_nothing() {
    let h = Harden::new();
    let pid_file = h.path("service.pid");
    let out = h
        .args([
            "check",
            &invalid("spawns-nothing.yaml"),
            "--var",
            &format!("pid_file={pid_file}"),
        ])
        .run();
    assert_eq!(out.code, 2, "{out}");
    assert!(
        out.stderr
            .contains("checks[0].http.expect.status: invalid status `\"maybe\"`"),
        "{out}"
    );
    assert!(out.stdout.is_empty(), "{out}");
    assert!(
        !std::path::Path::new(&pid_file).exists(),
        "the service was started"
    );
}

#[test]
fn errors_show_the_source_line_and_a_hint() {
    let out = Harden::new()
        .args(["validate", &invalid("undefined-var.yaml")])
        .run();
    assert!(
        out.stderr.contains(
            "5 |     http: { request: { path: \"/runs/${run_id}\" }, expect: { status: 200 } }"
        ),
        "{out}"
    );
    assert!(
        out.stderr.contains("hint: define it under `vars:`"),
        "{out}"
    );
}

#[test]
fn validate_and_list_accept_the_reference_suite() {
    let suite = repo()
        .join("checks/orchestrator.yaml")
        .display()
        .to_string();
    let out = Harden::new().args(["validate", &suite]).run();
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stdout.contains("(suite `orchestrator`, 30 checks)"),
        "{out}"
    );
    let out = Harden::new().args(["list", &suite]).run();
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with("create-run ") && l.contains("http") && l.contains("critical")),
        "{out}"
    );
    assert_eq!(out.stdout.lines().count(), 31, "header + 30 checks\n{out}");
}

#[test]
fn default_suites_are_harden_yaml_else_checks_dir() {
    let h = Harden::new();
    std::fs::create_dir(h.dir.path().join("checks")).unwrap();
    std::fs::copy(
        invalid("../http/unreachable.yaml"),
        h.dir.path().join("checks/a.yaml"),
    )
    .unwrap();
    let out = h.args(["list"]).run();
    assert!(out.stdout.contains("connection-refused"), "{out}");
    let h = Harden::new();
    let out = h.args(["validate"]).run();
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("no suite given"), "{out}");
}

#[test]
fn schema_is_json_schema_with_every_top_level_key() {
    let out = Harden::new().args(["schema"]).run();
    assert_eq!(out.code, 0, "{out}");
    let schema: serde_json::Value = serde_json::from_str(&out.stdout).expect("schema is JSON");
    let props = schema["properties"].as_object().expect("properties");
    for key in [
        "suite", "instance", "base-url", "vars", "secrets", "setup", "teardown", "checks",
    ] {
        assert!(props.contains_key(key), "missing {key}");
    }
}

#[test]
fn bad_flags_are_usage_errors() {
    let out = Harden::new().args(["check", "--jobs", "0"]).run();
    assert_eq!(out.code, 2, "{out}");
    let out = Harden::new().args(["check", "--timeout", "soon"]).run();
    assert_eq!(out.code, 2, "{out}");
    let out = Harden::new().args(["--help"]).run();
    assert_eq!(out.code, 0, "{out}");
}

/// `harden completions SHELL` writes a script with `marker` that completes every subcommand.
fn completions_for(shell: &str, marker: &str) {
    let out = crate::harness::Harden::new()
        .args(["completions", shell])
        .run();
    assert_eq!(out.code, 0, "{shell}: {out}");
    assert!(
        out.stdout.contains(marker),
        "{shell}: {}",
        &out.stdout[..out.stdout.len().min(300)]
    );
    for sub in ["check", "validate", "report", "init"] {
        assert!(out.stdout.contains(sub), "{shell} lacks {sub}");
    }
}

#[test]
fn completions_for_bash_come_from_the_cli() {
    completions_for("bash", "_harden()");
}

#[test]
fn completions_for_zsh_come_from_the_cli() {
    completions_for("zsh", "#compdef harden");
}

#[test]
fn completions_for_fish_come_from_the_cli() {
    completions_for("fish", "complete -c harden");
}

#[test]
fn completions_for_powershell_come_from_the_cli() {
    completions_for("powershell", "Register-ArgumentCompleter");
}

#[test]
fn a_man_page_comes_from_the_cli() {
    let man = crate::harness::Harden::new().args(["man"]).run();
    assert_eq!(man.code, 0, "{man}");
    assert!(
        man.stdout.starts_with(".ie") || man.stdout.contains(".TH harden"),
        "{}",
        &man.stdout[..200]
    );
    assert!(man.stdout.contains("check"), "subcommands listed");
}
