//! `${...}` across a run: `${run.id}` is one value everywhere in a run and another in the
//! next (issue 18, "also needed"), and a missing working directory is named as such,
//! never as a missing `sh` (issue 18, item 7).

use crate::harness::Harden;

/// A command check that appends `${run.id}` to `ids.txt` twice (once in its argv, once
/// in its environment) and asserts its own output equals `${run.id}`.
const RUN_ID_SUITE: &str = r#"suite: run-id
checks:
  - id: write-run-id
    command:
      run: "echo ${run.id} >> ids.txt; echo $ID >> ids.txt; echo ${run.id}"
      env: { ID: "${run.id}" }
      stdout: { equals: "${run.id}" }
"#;

fn ids(h: Harden) -> Vec<String> {
    let dir = h.dir.path().to_path_buf();
    let out = h.run();
    assert_eq!(out.code, 0, "{out}");
    std::fs::read_to_string(dir.join("ids.txt"))
        .expect("the command wrote ids.txt")
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn run_id_is_one_value_in_a_run_and_another_in_the_next() {
    let first = ids(Harden::check_yaml(RUN_ID_SUITE));
    let second = ids(Harden::check_yaml(RUN_ID_SUITE));
    assert_eq!(first.len(), 2, "{first:?}");
    assert_eq!(first[0], first[1], "one run, one value");
    assert_eq!(second[0], second[1], "one run, one value");
    assert_ne!(first[0], second[0], "two runs, two values");
    assert!(
        first[0].len() == 16 && first[0].chars().all(|c| c.is_ascii_hexdigit()),
        "{first:?}"
    );
}

/// `instance.cwd` with a variable is expanded when the instance starts: a missing one is
/// named as a missing directory, exit 3.
#[test]
fn a_missing_instance_cwd_is_named_not_reported_as_a_missing_sh() {
    let out = Harden::check_yaml(
        r#"suite: s
vars: { d: no-such-dir }
instance:
  command: "harden-fixture --port ${PORT}"
  cwd: "${d}"
  ready: { http: /health/ready, timeout: 10s }
checks:
  - id: health
    http: { request: { path: /health }, expect: { status: 200 } }
"#,
    )
    .run();
    assert_eq!(out.code, 3, "{out}");
    assert!(
        out.stdout
            .contains("no-such-dir` (instance.cwd) does not exist"),
        "{out}"
    );
    assert!(!out.stdout.contains("failed to spawn `sh`"), "{out}");
}

/// A literal working directory is checked by `validate`: exit 2, located, with a hint.
#[test]
fn validate_rejects_a_missing_literal_working_directory() {
    for (yaml, at) in [
        (
            "suite: s\ninstance: { command: [srv], cwd: no-such-dir }\nchecks:\n  - id: a\n    http: { request: { path: /x }, expect: { status: 200 } }\n",
            "suite.yaml:2:34: instance.cwd: working directory",
        ),
        (
            "suite: s\nchecks:\n  - id: a\n    command: { run: [pwd], cwd: no-such-dir }\n",
            "suite.yaml:4:14: checks[0].command.cwd: working directory",
        ),
    ] {
        let h = Harden::new();
        std::fs::write(h.dir.path().join("suite.yaml"), yaml).expect("write the suite");
        let dir = h.dir.path().to_path_buf();
        let out = h.args(["validate", "suite.yaml"]).run_in(&dir);
        assert_eq!(out.code, 2, "{out}");
        let text = format!("{}{}", out.stdout, out.stderr);
        assert!(
            text.contains(at) && text.contains("no-such-dir` does not exist"),
            "{text}"
        );
        assert!(
            text.contains("hint: a working directory is relative to the suite file"),
            "{text}"
        );
    }
}

/// A var whose value is `${env.NAME}` sends the environment's value in a header (it was
/// sent as the literal text `${env.NAME}`), masked as a secret; unset, it is an error
/// naming it before anything starts.
#[test]
fn a_var_read_from_the_environment_is_sent_in_a_header() {
    let suite = r#"suite: env-var
instance:
  command: ["harden-hostile", "--port", "${PORT}"]
  ready: { http: /health }
vars:
  token: "${env.HARDEN_TEST_VAR_TOKEN}"
secrets: [token]
checks:
  - id: sent
    http: { request: { path: /reflect, headers: { authorization: "${token}" } }, expect: { json: { "$.raw": "var-token-5e1d" } } }
"#;
    let out = Harden::check_yaml(suite)
        .env("HARDEN_TEST_VAR_TOKEN", "var-token-5e1d")
        .run();
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.contains("PASS  sent"), "{out}");
    assert!(!out.stdout.contains("var-token-5e1d"), "{out}");
    let unset = Harden::check_yaml(suite).run();
    assert_eq!(unset.code, 2, "{unset}");
    assert!(
        unset
            .stderr
            .contains("vars.token: undefined variable `env.HARDEN_TEST_VAR_TOKEN`"),
        "{unset}"
    );
}
