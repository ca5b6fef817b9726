//! The one HTTP client configuration of harden: no proxy (probes target the service
//! directly), no redirects (a contract test must see them), a bounded connect, and
//! certificates verified against the platform's roots, read at the first `https://`
//! handshake (`tls.rs`).

use std::time::Duration;

/// How long connecting may take before a request fails with `Transport::Connect`.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A client with harden's settings ([`builder`]); one per run is enough, clones share its
/// connection pool.
pub(crate) fn client() -> reqwest::Client {
    builder().build().unwrap_or_else(|_| reqwest::Client::new())
}

/// harden's settings, for a caller that adds its own (the `rate-limit` kind binds a
/// source address and sizes the pool).
pub(crate) fn builder() -> reqwest::ClientBuilder {
    let builder = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT);
    match crate::http::tls::client_config() {
        Ok(config) => builder.tls_backend_preconfigured(config),
        // reqwest's own configuration, which reads the roots now.
        Err(_) => builder,
    }
}
