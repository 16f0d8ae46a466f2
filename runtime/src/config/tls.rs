//! TLS settings: the certificate and key `/metrics` is served with, the CA client certificates
//! must be signed by, the CA a Pushgateway's certificate is checked against. Files are read and
//! parsed at install, so a bad one is an error naming its setting, not a failing handshake later.

use std::path::PathBuf;

#[cfg(feature = "tls")]
use std::sync::Arc;

#[cfg(feature = "tls")]
use rustls::server::WebPkiClientVerifier;
#[cfg(feature = "tls")]
use rustls::{RootCertStore, ServerConfig};
#[cfg(feature = "tls")]
use rustls_pki_types::pem::PemObject;
#[cfg(feature = "tls")]
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use super::parse::invalid;
#[cfg(feature = "tls")]
use super::secret::read_file;
use crate::error::Error;

/// A file setting and where it came from (`METRICS_TLS_CERT_FILE`, `Builder::tls`).
#[derive(Clone, Debug)]
pub(crate) struct FileSetting {
    pub(crate) origin: &'static str,
    pub(crate) path: PathBuf,
}

/// What serving `/metrics` over HTTPS needs.
#[derive(Clone, Debug)]
#[cfg_attr(not(feature = "tls"), allow(dead_code))]
pub(crate) struct ServerFiles {
    pub(crate) cert: FileSetting,
    pub(crate) key: FileSetting,
    pub(crate) client_ca: Option<FileSetting>,
}

/// The error for a TLS setting in a build without the `tls` feature.
#[cfg(not(feature = "tls"))]
pub(crate) fn unavailable(setting: &FileSetting) -> Error {
    invalid(
        setting.origin,
        &setting.path.display().to_string(),
        "a build with TLS: enable the `tls` feature of instrument-metrics",
    )
}

/// Without the `tls` feature there is no server TLS configuration.
#[cfg(not(feature = "tls"))]
pub(crate) type ServerTls = std::convert::Infallible;

#[cfg(not(feature = "tls"))]
pub(crate) fn server_tls(files: &ServerFiles) -> Result<ServerTls, Error> {
    Err(unavailable(&files.cert))
}

#[cfg(feature = "tls")]
pub(crate) type ServerTls = Arc<ServerConfig>;

#[cfg(feature = "tls")]
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

#[cfg(feature = "tls")]
fn bad(setting: &FileSetting, expected: impl Into<String>) -> Error {
    invalid(
        setting.origin,
        &setting.path.display().to_string(),
        expected,
    )
}

/// The certificates of a PEM file, at least one.
#[cfg(feature = "tls")]
pub(crate) fn root_certificates(
    setting: &FileSetting,
) -> Result<Vec<CertificateDer<'static>>, Error> {
    let pem = read_file(setting.origin, &setting.path)?;
    let certificates = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| bad(setting, format!("PEM certificates ({error})")))?;
    if certificates.is_empty() {
        return Err(bad(setting, "PEM certificates; the file has none"));
    }
    Ok(certificates)
}

/// The server's TLS configuration: its certificate chain and key, and client certificates
/// required when a client CA is set.
#[cfg(feature = "tls")]
pub(crate) fn server_tls(files: &ServerFiles) -> Result<ServerTls, Error> {
    let chain = root_certificates(&files.cert)?;
    let key_pem = read_file(files.key.origin, &files.key.path)?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem)
        .map_err(|error| bad(&files.key, format!("a PEM private key ({error})")))?;
    let builder = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|error| bad(&files.cert, error.to_string()))?;
    let builder = match &files.client_ca {
        None => builder.with_no_client_auth(),
        Some(client_ca) => {
            let mut roots = RootCertStore::empty();
            for certificate in root_certificates(client_ca)? {
                roots
                    .add(certificate)
                    .map_err(|error| bad(client_ca, format!("CA certificates ({error})")))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
                .build()
                .map_err(|error| bad(client_ca, format!("CA certificates ({error})")))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder.with_single_cert(chain, key).map_err(|error| {
        bad(
            &files.key,
            format!(
                "the private key of the certificate in {} ({error})",
                files.cert.origin
            ),
        )
    })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
