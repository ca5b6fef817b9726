//! The TLS settings of harden's HTTP clients: server certificates verified against the
//! platform's roots, as reqwest does by default, but with the roots read at the first
//! `https://` handshake instead of when the client is built. Reading and parsing the
//! system's CA bundle was the largest single cost of starting a run (about 19 million
//! instructions, several milliseconds), and a run against `http://127.0.0.1` never uses it.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::sync::{Arc, OnceLock};

/// A client configuration reqwest takes as is (`tls_backend_preconfigured`): TLS 1.2 and
/// 1.3, HTTP/2 and HTTP/1.1 offered by ALPN, certificates checked by the platform verifier.
pub(crate) fn client_config() -> Result<rustls::ClientConfig, rustls::Error> {
    let provider = CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
    let mut config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(rustls::ALL_VERSIONS)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PlatformOnFirstUse::new(provider)))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// The platform verifier, one for the whole process (every client of harden shares it, so
/// the roots are read at most once), created at the first certificate to verify.
static PLATFORM: OnceLock<Result<rustls_platform_verifier::Verifier, rustls::Error>> =
    OnceLock::new();

/// Sends every verification to [`PLATFORM`]; if it cannot be created (no CA certificates
/// on the machine), every handshake fails with that error, as it would have at start-up.
#[derive(Debug)]
struct PlatformOnFirstUse {
    provider: Arc<CryptoProvider>,
}

impl PlatformOnFirstUse {
    fn new(provider: Arc<CryptoProvider>) -> PlatformOnFirstUse {
        PlatformOnFirstUse { provider }
    }

    fn verifier(&self) -> Result<&'static rustls_platform_verifier::Verifier, rustls::Error> {
        PLATFORM
            .get_or_init(|| rustls_platform_verifier::Verifier::new(self.provider.clone()))
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl ServerCertVerifier for PlatformOnFirstUse {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.verifier()?.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.verifier()?.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.verifier()?.verify_tls13_signature(message, cert, dss)
    }

    /// The schemes the platform verifier accepts: the provider's, known without loading
    /// any root.
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reqwest_takes_the_configuration() {
        // A configuration reqwest did not recognise would make `build` fail.
        let config = client_config().unwrap();
        assert!(
            reqwest::Client::builder()
                .tls_backend_preconfigured(config)
                .build()
                .is_ok()
        );
    }

    #[test]
    fn no_root_is_read_until_a_certificate_is_verified() {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let v = PlatformOnFirstUse::new(provider);
        assert!(!v.supported_verify_schemes().is_empty());
        // No unit test verifies a certificate, so nothing has read the roots yet.
        assert!(PLATFORM.get().is_none());
    }
}
