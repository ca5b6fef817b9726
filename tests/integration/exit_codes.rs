//! harden's own failures (a temporary directory, `--log-dir`, `init`'s fetch) end with the
//! README's exit code for them, not with 2, "usage error".

use crate::harness::Harden;

/// No temporary directory for the service's log: 4, like a report that cannot be
/// written, and nothing was started.
#[test]
fn no_temporary_directory_is_exit_4_not_a_usage_error() {
    let h = Harden::check("fixtures/suites/http/pass.yaml");
    let missing = h.path("no-such-dir");
    let out = h.env("TMPDIR", &missing).run();
    assert_eq!(out.code, 4, "{out}");
    assert!(
        out.stderr
            .contains("error: cannot create a temporary directory: no such file or directory"),
        "{out}"
    );
}

/// A `--log-dir` that cannot be created (a file stands in its way): 4.
#[test]
fn a_log_dir_that_cannot_be_created_is_exit_4() {
    let h = Harden::check("fixtures/suites/http/pass.yaml");
    let file = h.path("a-file");
    std::fs::write(&file, "").unwrap();
    let log_dir = format!("{file}/logs");
    let out = h.args(["--log-dir", &log_dir]).run();
    assert_eq!(out.code, 4, "{out}");
    assert!(
        out.stderr
            .contains(&format!("error: cannot create `{log_dir}`")),
        "{out}"
    );
}

/// `init` against a URL where nothing listens: 3, the service did not give the document.
#[test]
fn init_with_no_answer_at_the_document_url_is_exit_3() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let h = Harden::new();
    let out_path = h.path("harden.yaml");
    let url = format!("http://127.0.0.1:{port}/openapi.json");
    let out = h
        .args(["init", "--from-openapi", &url, "--output", &out_path])
        .run();
    assert_eq!(out.code, 3, "{out}");
    assert!(
        out.stderr
            .contains(&format!("error: cannot read the document at {url}: ")),
        "{out}"
    );
    assert!(!std::path::Path::new(&out_path).exists());
}
