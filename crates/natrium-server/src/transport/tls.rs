//! TLS for the client port, with rustls (ring provider).
//!
//! [`acceptor`] turns [`TlsOptions`] into a `TlsAcceptor`: the server's
//! certificate chain and key from PEM files, and with `verify` a client
//! certificate verifier over the `ca_file` roots (mutual TLS). Errors name
//! the file, so a bad path or PEM is one clear line at start.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

use crate::options::TlsOptions;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("error parsing X509 certificate/key pair: {path}: {reason}")]
    Pem { path: String, reason: String },
    #[error("TLS configuration: {0}")]
    Config(String),
}

fn pem_error(path: &Path, reason: impl std::fmt::Display) -> TlsError {
    TlsError::Pem {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certificates = CertificateDer::pem_file_iter(path)
        .map_err(|e| pem_error(path, e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error(path, e))?;
    if certificates.is_empty() {
        return Err(pem_error(path, "no certificate found"));
    }
    Ok(certificates)
}

/// The acceptor for `options`, checked once at start (and on reload).
pub fn acceptor(options: &TlsOptions) -> Result<TlsAcceptor, TlsError> {
    let chain = certificates(&options.cert_file)?;
    let key = PrivateKeyDer::from_pem_file(&options.key_file)
        .map_err(|e| pem_error(&options.key_file, e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let versions: &[&rustls::SupportedProtocolVersion] = match options.min_version.as_deref() {
        Some("1.3") => &[&rustls::version::TLS13],
        Some("1.2") | None => rustls::ALL_VERSIONS,
        Some(other) => {
            return Err(TlsError::Config(format!(
                "unsupported TLS min_version {other:?} (use \"1.2\" or \"1.3\")"
            )))
        }
    };
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    let builder = if options.verify {
        let ca_file = options.ca_file.as_ref().ok_or_else(|| {
            TlsError::Config("verify requires a ca_file with the client CAs".to_string())
        })?;
        let mut roots = rustls::RootCertStore::empty();
        for certificate in certificates(ca_file)? {
            roots.add(certificate).map_err(|e| pem_error(ca_file, e))?;
        }
        let verifier =
            rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| TlsError::Config(e.to_string()))?;
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let config = builder
        .with_single_cert(chain, key)
        .map_err(|e| pem_error(&options.cert_file, e))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}
