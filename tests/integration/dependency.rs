//! The `dependency` kind, both ways; a failed critical one stops the run before anything starts.

use crate::harness::Harden;

#[test]
fn present_dependencies_pass() {
    let out = Harden::check("fixtures/suites/dependency/present.yaml").run();
    assert_eq!(out.code, 0, "{out}");
}

#[test]
fn missing_modules_and_unpinned_requirements_are_named_with_the_fix() {
    let h = Harden::check("fixtures/suites/dependency/missing.yaml");
    let pid_file = h.path("service.pid");
    let out = h.args(["--var", &format!("pid_file={pid_file}")]).run();
    assert_eq!(out.code, 1, "{out}");
    let (status, message) = out.check("test-dependencies");
    assert_eq!(status, "fail");
    assert_eq!(
        message,
        "4 of 9 Python modules missing: harden_test_no_duckdb, harden_test_no_structlog, harden_test_no_bcrypt, harden_test_no_requests \
         (install: pip install harden_test_no_duckdb harden_test_no_structlog harden_test_no_bcrypt harden_test_no_requests)"
    );
    let (status, message) = out.check("requirements-pinned");
    assert_eq!(status, "fail");
    assert!(
        message.ends_with("not pinned with `==`: structlog, requests, duckdb"),
        "{message}"
    );
    let results = out.results();
    let tools = results["suites"][0]["checks"][2]["assertions"]
        .as_array()
        .unwrap()
        .clone();
    let failed: Vec<&str> = tools
        .iter()
        .filter(|a| a["passed"] == false)
        .map(|a| a["property"].as_str().unwrap())
        .collect();
    assert_eq!(
        failed,
        [
            "binary `harden-no-such-tool`",
            "binary `python3`",
            "env `HARDEN_TEST_UNSET_VARIABLE`",
            "file `no-such-file.txt`",
            "tcp `127.0.0.1:9`"
        ]
    );
    // The critical failure stopped the run before the service was started.
    let (status, message) = out.check("health");
    assert_eq!(status, "skip");
    assert_eq!(
        message,
        "not run: critical dependency check `test-dependencies` failed"
    );
    assert!(
        !std::path::Path::new(&pid_file).exists(),
        "the service was started"
    );
    assert!(
        out.stdout
            .contains("verdict: NOT READY: critical check failed: test-dependencies"),
        "{out}"
    );
}

#[test]
fn env_values_are_never_printed() {
    let h = Harden::new();
    let suite = h.dir.path().join("suite.yaml");
    std::fs::write(
        &suite,
        "suite: env\nchecks:\n  - id: token-set\n    dependency: { env: [HARDEN_TEST_TOKEN] }\n",
    )
    .unwrap();
    let json = h.path("results.json");
    let out = h
        .env("HARDEN_TEST_TOKEN", "tok-do-not-print")
        .args(["check", &suite.display().to_string(), "--json", &json])
        .run();
    assert_eq!(out.code, 0, "{out}");
    assert!(!out.file("results.json").contains("tok-do-not-print"));
}
