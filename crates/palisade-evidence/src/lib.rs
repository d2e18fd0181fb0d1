//! Fetches the evidence policies ask for: OCI manifests, cosign signatures and Sigstore bundles
//! from registries (`oci-client`), Helm charts and provenance files from HTTP(S) repositories and
//! from OCI registries; digest-addressed content is cached on disk.
//!
//! The host fetches bytes, the guest judges them: nothing here verifies a signature. Evidence for
//! one [`EvidenceRequest`]:
//!
//! | request kind      | subject            | evidence returned                                              |
//! |-------------------|--------------------|----------------------------------------------------------------|
//! | `oci-signatures`  | `oci://…`          | `oci-manifest`, then every `cosign-signature` (legacy `sha256-<hex>.sig` tag) and `sigstore-bundle` (OCI 1.1 referrers, or the referrers tag fallback; annotation `referrer`: the referrer manifest's digest) |
//! | `helm-chart`      | `https://…/x.tgz`, `oci://…` | `helm-chart` (the `.tgz`)                            |
//! | `helm-provenance` | `https://…/x.tgz`, `oci://…` | `helm-provenance` (`<url>.prov`, or the chart's provenance layer); none when unsigned |
//!
//! The subject of every evidence is the requested subject, unchanged. A missing signature or
//! provenance is not an error; network, authentication and malformed-response errors are, and
//! name the reference.
//!
//! [`Remote`] is the [`EvidenceSource`] `palisade check`, `palisade verify` and the admission
//! webhook hand to the engine: it starts the fetcher on first use, fetches identical requests once
//! per run, and (webhook) stops every fetch of one admission request at a deadline.
//!
//! Transport rules: HTTPS (rustls, system roots) everywhere; plain HTTP only to loopback hosts
//! unless [`FetchConfig::plain_http`] is set. Registry credentials come from the docker config's
//! inline `auths` entries (anonymous otherwise; credential helpers are not run); a registry that
//! refuses access is a [`FetchError::Auth`] naming it. Manifests are limited to [`MAX_MANIFEST_BYTES`], blobs and files to
//! [`FetchConfig::max_blob_bytes`]; every request has a timeout.

mod auth;
mod cache;
mod digest;
mod error;
mod http;
mod oci;
mod source;
mod subject;

use std::path::PathBuf;
use std::time::{Duration, Instant};

pub use auth::{Basic, Credentials};
pub use cache::Cache;
pub use digest::sha256;
pub use error::FetchError;
pub use palisade_core::evidence::{Evidence, EvidenceRequest, EvidenceSource, NoFetch};
pub use source::{LazyFetcher, MakeConfig, Remote};
pub use subject::{Subject, is_loopback, parse_reference};

/// Largest manifest accepted (the limit of the OCI distribution spec's recommendation).
pub const MAX_MANIFEST_BYTES: u64 = 4 << 20;

/// Evidence kinds.
pub mod kinds {
    /// Request: a manifest and its signatures.
    pub const OCI_SIGNATURES: &str = "oci-signatures";
    /// Evidence: raw manifest bytes.
    pub const OCI_MANIFEST: &str = "oci-manifest";
    /// Evidence: one layer of a legacy cosign signature manifest.
    pub const COSIGN_SIGNATURE: &str = "cosign-signature";
    /// Evidence: a Sigstore bundle.
    pub const SIGSTORE_BUNDLE: &str = "sigstore-bundle";
    /// Request and evidence: a chart archive.
    pub const HELM_CHART: &str = "helm-chart";
    /// Request and evidence: a chart provenance file.
    pub const HELM_PROVENANCE: &str = "helm-provenance";
}

/// How the fetcher behaves.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// Where digest-addressed content is cached; `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
    /// Allow plain HTTP to any host, not only loopback (`--plain-http`).
    pub plain_http: bool,
    /// Refuse every fetch (`--offline`).
    pub offline: bool,
    /// Largest blob or file accepted, bytes.
    pub max_blob_bytes: u64,
    /// Timeout of each request (connect, read, and the whole exchange).
    pub timeout: Duration,
    /// Registry credentials.
    pub credentials: Credentials,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            cache_dir: Cache::default_dir(),
            plain_http: false,
            offline: false,
            max_blob_bytes: 64 << 20,
            timeout: Duration::from_mins(1),
            credentials: Credentials::default(),
        }
    }
}

/// Fetches evidence. Owns a small tokio runtime, so callers stay synchronous.
pub struct Fetcher {
    /// Always `Some` until dropped (taken in `Drop`, see there).
    runtime: Option<tokio::runtime::Runtime>,
    config: FetchConfig,
    cache: Option<Cache>,
    oci: oci::Registries,
    http: http::Http,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher").field("config", &self.config).finish_non_exhaustive()
    }
}

impl Fetcher {
    /// A fetcher with this configuration.
    ///
    /// # Errors
    /// The runtime or the HTTP client cannot be created.
    pub fn new(config: FetchConfig) -> Result<Self, FetchError> {
        // reqwest and oci-client are built without a default rustls provider; ring is ours. An
        // error means another part of the process installed one first, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("palisade-fetch")
            .enable_all()
            .build()
            .map_err(|e| FetchError::Setup(format!("starting the fetch runtime: {e}")))?;
        let http = http::Http::new(&config)?;
        let cache = config.cache_dir.clone().map(Cache::new);
        Ok(Fetcher { runtime: Some(runtime), oci: oci::Registries::new(&config), http, cache, config })
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    /// Evidence for one request (possibly none: an unsigned artifact).
    ///
    /// # Errors
    /// See [`FetchError`].
    pub fn fetch(&self, request: &EvidenceRequest) -> Result<Vec<Evidence>, FetchError> {
        self.fetch_until(request, None)
    }

    /// Evidence for one request, given up at `deadline` (the whole exchange, every request to
    /// the registry included; each single request also has [`FetchConfig::timeout`]).
    ///
    /// # Errors
    /// See [`FetchError`]; [`FetchError::Deadline`] when the deadline passes first.
    pub fn fetch_until(
        &self,
        request: &EvidenceRequest,
        deadline: Option<Instant>,
    ) -> Result<Vec<Evidence>, FetchError> {
        let subject = Subject::parse(&request.subject)?;
        if self.config.offline {
            return Err(FetchError::Offline { subject: request.subject.clone() });
        }
        let _span =
            tracing::debug_span!("palisade_evidence.fetch", subject = %request.subject, kind = %request.kind).entered();
        let ctx = Ctx { subject: &request.subject, config: &self.config, cache: self.cache.as_ref() };
        let unsupported =
            || FetchError::UnsupportedKind { subject: request.subject.clone(), kind: request.kind.clone() };
        let work = async {
            match (&subject, request.kind.as_str()) {
                (Subject::Oci(r), kinds::OCI_SIGNATURES) => self.oci.signatures(&ctx, r).await,
                (Subject::Oci(r), kinds::HELM_CHART) => self.oci.chart(&ctx, r, oci::ChartPart::Chart).await,
                (Subject::Oci(r), kinds::HELM_PROVENANCE) => self.oci.chart(&ctx, r, oci::ChartPart::Provenance).await,
                (Subject::Url(u), kinds::HELM_CHART) => {
                    self.http.file(&ctx, u.clone(), kinds::HELM_CHART, false).await.map(|e| e.into_iter().collect())
                }
                (Subject::Url(u), kinds::HELM_PROVENANCE) => {
                    let mut prov = u.clone();
                    prov.set_path(&format!("{}.prov", u.path()));
                    self.http.file(&ctx, prov, kinds::HELM_PROVENANCE, true).await.map(|e| e.into_iter().collect())
                }
                _ => Err(unsupported()),
            }
        };
        let runtime =
            self.runtime.as_ref().ok_or_else(|| FetchError::Setup("the fetch runtime is shut down".into()))?;
        let Some(deadline) = deadline else { return runtime.block_on(work) };
        runtime.block_on(async {
            tokio::time::timeout_at(tokio::time::Instant::from_std(deadline), work)
                .await
                .unwrap_or_else(|_| Err(FetchError::Deadline { subject: request.subject.clone() }))
        })
    }

    /// Evidence for every request, in request order.
    ///
    /// # Errors
    /// The first request that fails.
    pub fn fetch_all(&self, requests: &[EvidenceRequest]) -> Result<Vec<Evidence>, FetchError> {
        let mut out = Vec::new();
        for r in requests {
            out.extend(self.fetch(r)?);
        }
        Ok(out)
    }
}

/// A runtime dropped inside another runtime's async context panics (the webhook drops a
/// replaced configuration on its own runtime); shutting down in the background never blocks.
impl Drop for Fetcher {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// What one fetch needs to know.
pub(crate) struct Ctx<'a> {
    pub subject: &'a str,
    pub config: &'a FetchConfig,
    pub cache: Option<&'a Cache>,
}

impl Ctx<'_> {
    pub fn remote(&self, what: impl Into<String>, reason: impl std::fmt::Display) -> FetchError {
        FetchError::Remote {
            subject: self.subject.to_string(),
            what: what.into(),
            reason: one_line(&reason.to_string()),
        }
    }

    pub fn malformed(&self, what: impl Into<String>, reason: impl std::fmt::Display) -> FetchError {
        FetchError::Malformed { subject: self.subject.to_string(), what: what.into(), reason: reason.to_string() }
    }

    pub fn too_large(&self, what: impl Into<String>, limit: u64) -> FetchError {
        FetchError::TooLarge { subject: self.subject.to_string(), what: what.into(), limit }
    }

    pub fn timeout(&self, what: impl Into<String>) -> FetchError {
        FetchError::Timeout {
            subject: self.subject.to_string(),
            what: what.into(),
            seconds: self.config.timeout.as_secs(),
        }
    }

    pub fn mismatch(&self, what: impl Into<String>, expected: &str, actual: &str) -> FetchError {
        FetchError::DigestMismatch {
            subject: self.subject.to_string(),
            what: what.into(),
            expected: expected.to_string(),
            actual: actual.to_string(),
        }
    }
}

/// The first line of an error message, with its source chain.
fn one_line(text: &str) -> String {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ")
}
