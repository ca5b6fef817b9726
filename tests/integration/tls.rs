//! harden verifies the certificates of `https://` services: a certificate the machine
//! trusts passes, one it does not is an error naming the certificate (for checks and for
//! `load`, which shares the client's TLS settings).

use crate::harness::{Harden, repo};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// An HTTPS server on 127.0.0.1 (Python's http.server with the test certificate), killed
/// when dropped.
struct HttpsServer {
    child: Child,
    port: u16,
}

impl HttpsServer {
    /// `None` (the test is skipped) without python3, outside CI.
    fn start() -> Option<HttpsServer> {
        let runs = Command::new("python3").arg("--version").output();
        if !runs.is_ok_and(|o| o.status.success()) {
            crate::harness::skip_or_fail(
                "`python3` cannot be run (the HTTPS test server is Python's http.server)",
                std::env::var_os("CI").is_some(),
            );
            return None;
        }
        let tls = repo().join("tests/data/tls");
        let script = r#"
import http.server, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = b'{"status":"ok"}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
s.socket = ctx.wrap_socket(s.socket, server_side=True)
print(s.server_address[1], flush=True)
s.serve_forever()
"#;
        let mut child = Command::new("python3")
            .args(["-c", script])
            .arg(tls.join("server.pem"))
            .arg(tls.join("server.key"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the server prints its port");
        let port = line.trim().parse().expect("a port");
        Some(HttpsServer { child, port })
    }

    fn suite(&self, check: &str) -> String {
        format!(
            "suite: tls\nbase-url: https://127.0.0.1:{}\nchecks:\n  - id: probe\n    timeout: 10s\n{check}",
            self.port
        )
    }
}

impl Drop for HttpsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const GET: &str = "    http: { request: { path: /health }, expect: { status: 200 } }\n";
const LOAD: &str = "    load: { request: { path: /health }, requests: 20, concurrency: 2, thresholds: { error-rate: 0% } }\n";

fn ca() -> String {
    repo().join("tests/data/tls/ca.pem").display().to_string()
}

#[test]
fn a_trusted_certificate_passes() {
    let Some(server) = HttpsServer::start() else {
        return;
    };
    let out = Harden::check_yaml(&server.suite(GET))
        .env("SSL_CERT_FILE", &ca())
        .run();
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(out.check("probe").0, "pass", "{out}");
}

#[test]
fn an_untrusted_certificate_is_an_error_naming_it() {
    let Some(server) = HttpsServer::start() else {
        return;
    };
    let out = Harden::check_yaml(&server.suite(GET)).run();
    assert_eq!(out.code, 1, "{out}");
    let (status, message) = out.check("probe");
    assert_eq!(status, "error", "{out}");
    assert!(message.to_lowercase().contains("certificate"), "{message}");
}

#[test]
fn load_over_https_passes_with_a_trusted_certificate() {
    let Some(server) = HttpsServer::start() else {
        return;
    };
    let out = Harden::check_yaml(&server.suite(LOAD))
        .env("SSL_CERT_FILE", &ca())
        .run();
    assert_eq!(out.check("probe").0, "pass", "{out}");
}

#[test]
fn load_over_https_fails_on_an_untrusted_certificate() {
    let Some(server) = HttpsServer::start() else {
        return;
    };
    let out = Harden::check_yaml(&server.suite(LOAD)).run();
    let (status, message) = out.check("probe");
    assert_eq!(status, "fail", "{out}");
    assert!(message.to_lowercase().contains("certificate"), "{message}");
}
