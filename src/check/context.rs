//! Everything a check may touch while it runs; nothing global.

use crate::instance::LogBuffer;
use crate::suite::Scope;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone)]
pub(crate) struct CheckContext {
    /// Where `path` requests go.
    pub base_url: String,
    pub client: reqwest::Client,
    /// vars, harden's own variables and `setup` captures.
    pub scope: Scope,
    /// Directory relative paths resolve against.
    pub suite_dir: PathBuf,
    /// The instance's output, when harden started the service.
    pub logs: Option<Arc<LogBuffer>>,
    /// Values that must never appear in the service's output (the suite's secrets).
    pub secrets: Arc<Vec<String>>,
    /// How much of the service's answers a check reads.
    pub limits: crate::suite::Limits,
    /// What the check is waiting for now, so that a timeout can say what did not answer.
    pub activity: Activity,
}

/// The request a check attempt is waiting on (`GET http://…/path`), shared with the runner.
#[derive(Clone, Default, Debug)]
pub(crate) struct Activity(std::sync::Arc<std::sync::Mutex<Option<String>>>);

impl Activity {
    pub(crate) fn set(&self, what: &str) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(what.to_string());
        }
    }

    pub(crate) fn get(&self) -> Option<String> {
        self.0.lock().ok().and_then(|s| s.clone())
    }
}

/// The HTTP client checks use: no proxy (probes target the service directly), no redirects
/// (a contract test must see them), bounded connect time.
pub(crate) fn http_client() -> reqwest::Client {
    client_builder()
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// The settings every client of harden shares, `http_client`'s and the `rate-limit`
/// kind's: no proxy, no redirects, a bounded connect, certificates verified against the
/// platform's roots, read at the first `https://` handshake (`tls.rs`).
pub(crate) fn client_builder() -> reqwest::ClientBuilder {
    let builder = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(std::time::Duration::from_secs(5));
    match crate::check::tls::client_config() {
        Ok(config) => builder.tls_backend_preconfigured(config),
        // reqwest's own configuration, which reads the roots now.
        Err(_) => builder,
    }
}
