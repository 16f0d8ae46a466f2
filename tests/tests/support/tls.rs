//! TLS for the end-to-end tests: a CA and the certificates it signs, made fresh by each test
//! (rcgen) and written as PEM files, and a small HTTPS client (rustls) that can present a client
//! certificate.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};

use super::http::{self, Response};
use super::scratch::ScratchDir;

/// A certificate authority whose certificate is in `ca_file`.
pub struct Authority {
    issuer: CertifiedIssuer<'static, KeyPair>,
    pub ca_file: PathBuf,
}

/// A certificate and its key, as PEM files.
pub struct Leaf {
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
}

impl Authority {
    /// A new CA called `name`, its certificate written to `<name>-ca.pem` in `scratch`.
    pub fn new(scratch: &ScratchDir, name: &str) -> Authority {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, format!("{name} test CA"));
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let key = KeyPair::generate().expect("a CA key");
        let issuer = CertifiedIssuer::self_signed(params, key).expect("a CA certificate");
        let ca_file = scratch.join(&format!("{name}-ca.pem"));
        std::fs::write(&ca_file, issuer.pem()).expect("write the CA certificate");
        Authority { issuer, ca_file }
    }

    /// A server certificate for `localhost` and 127.0.0.1, as `<name>.pem` and `<name>-key.pem`.
    pub fn server(&self, scratch: &ScratchDir, name: &str) -> Leaf {
        self.leaf(
            scratch,
            name,
            vec!["localhost".into(), "127.0.0.1".into()],
            ExtendedKeyUsagePurpose::ServerAuth,
        )
    }

    /// A client certificate, as `<name>.pem` and `<name>-key.pem`.
    pub fn client(&self, scratch: &ScratchDir, name: &str) -> Leaf {
        self.leaf(
            scratch,
            name,
            vec![name.into()],
            ExtendedKeyUsagePurpose::ClientAuth,
        )
    }

    fn leaf(
        &self,
        scratch: &ScratchDir,
        name: &str,
        names: Vec<String>,
        usage: ExtendedKeyUsagePurpose,
    ) -> Leaf {
        let mut params = CertificateParams::new(names).expect("certificate parameters");
        params.distinguished_name.push(DnType::CommonName, name);
        params.extended_key_usages = vec![usage];
        let key = KeyPair::generate().expect("a key");
        let cert = params.signed_by(&key, &self.issuer).expect("a certificate");
        let leaf = Leaf {
            cert_file: scratch.join(&format!("{name}.pem")),
            key_file: scratch.join(&format!("{name}-key.pem")),
        };
        std::fs::write(&leaf.cert_file, cert.pem()).expect("write a certificate");
        std::fs::write(&leaf.key_file, key.serialize_pem()).expect("write a key");
        leaf
    }
}

/// `GET target` over HTTPS, trusting `ca_file`, presenting `client` when given, with extra
/// headers. A failed handshake is an `Err` saying why.
pub fn get(
    addr: SocketAddr,
    target: &str,
    ca_file: &PathBuf,
    client: Option<&Leaf>,
    headers: &[(&str, &str)],
) -> Result<Response, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca_file).map_err(|error| error.to_string())? {
        roots
            .add(cert.map_err(|error| error.to_string())?)
            .map_err(|error| error.to_string())?;
    }
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| error.to_string())?
        .with_root_certificates(roots);
    let config = match client {
        None => builder.with_no_client_auth(),
        Some(leaf) => {
            let chain = CertificateDer::pem_file_iter(&leaf.cert_file)
                .and_then(Iterator::collect)
                .map_err(|error| error.to_string())?;
            let key =
                PrivateKeyDer::from_pem_file(&leaf.key_file).map_err(|error| error.to_string())?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|error| error.to_string())?
        }
    };
    let server_name = ServerName::try_from("localhost").expect("a server name");
    let connection = rustls::ClientConnection::new(Arc::new(config), server_name)
        .map_err(|error| error.to_string())?;
    let socket = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .map_err(|error| format!("connect {addr}: {error}"))?;
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|error| error.to_string())?;
    let mut stream = rustls::StreamOwned::new(connection, socket);
    let mut head = format!("GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream
        .write_all(head.as_bytes())
        .map_err(|error| format!("https://{addr}{target}: {error}"))?;
    let mut answer = Vec::new();
    // A peer that closes without close_notify is an error to rustls; what arrived still counts.
    let read = stream.read_to_end(&mut answer);
    if answer.is_empty() {
        return Err(format!(
            "https://{addr}{target}: no answer ({})",
            read.err()
                .map_or("closed".into(), |error| error.to_string())
        ));
    }
    http::parse(&answer, false).map_err(|error| format!("https://{addr}{target}: {error}"))
}
