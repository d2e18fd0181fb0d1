//! The serving certificate: read from PEM files, swapped in place on reload, so new connections
//! get the new certificate and open ones keep theirs.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::ServeError;

/// Certificate and key files, and the key currently served.
#[derive(Debug)]
pub struct CertStore {
    cert: PathBuf,
    key: PathBuf,
    current: RwLock<Arc<CertifiedKey>>,
}

impl CertStore {
    /// Load the certificate chain and key.
    ///
    /// # Errors
    /// A file cannot be read, holds no certificate or key, or the key type is unsupported.
    pub fn load(cert: &Path, key: &Path) -> Result<Arc<Self>, ServeError> {
        let current = read(cert, key)?;
        Ok(Arc::new(CertStore { cert: cert.to_path_buf(), key: key.to_path_buf(), current: RwLock::new(current) }))
    }

    /// Read the files again and serve the new certificate; on error the old one stays.
    ///
    /// # Errors
    /// As [`CertStore::load`].
    pub fn reload(&self) -> Result<(), ServeError> {
        let fresh = read(&self.cert, &self.key)?;
        if let Ok(mut current) = self.current.write() {
            *current = fresh;
        }
        Ok(())
    }

    /// The files, for change detection.
    #[must_use]
    pub fn files(&self) -> [&Path; 2] {
        [&self.cert, &self.key]
    }

    /// A rustls server configuration serving this store's certificate (HTTP/2 and HTTP/1.1).
    ///
    /// # Errors
    /// rustls rejects the protocol versions (does not happen with the ring provider).
    pub fn server_config(self: &Arc<Self>) -> Result<Arc<rustls::ServerConfig>, ServeError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| ServeError::Tls(e.to_string()))?
            .with_no_client_auth()
            .with_cert_resolver(self.clone());
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

impl ResolvesServerCert for CertStore {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.current.read().ok().map(|c| c.clone())
    }
}

fn read(cert: &Path, key: &Path) -> Result<Arc<CertifiedKey>, ServeError> {
    let tls = |file: &Path, reason: String| ServeError::Tls(format!("{}: {reason}", file.display()));
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| tls(cert, e.to_string()))?
        .collect::<Result<_, _>>()
        .map_err(|e| tls(cert, e.to_string()))?;
    if chain.is_empty() {
        return Err(tls(cert, "no PEM certificate".into()));
    }
    let der = PrivateKeyDer::from_pem_file(key).map_err(|e| tls(key, e.to_string()))?;
    let signing = rustls::crypto::ring::sign::any_supported_type(&der).map_err(|e| tls(key, e.to_string()))?;
    Ok(Arc::new(CertifiedKey::new(chain, signing)))
}
