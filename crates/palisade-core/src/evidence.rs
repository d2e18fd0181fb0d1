//! Evidence: bytes the host fetched or read (a chart, its provenance, a keyring, an OCI manifest, a
//! signature), named by subject and kind, and the requests policies make for it. Plain data, shared
//! by the fetcher (`palisade-evidence`) and the engine that hands it to policies.

/// One piece of evidence, as passed to a policy's `evaluate`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Evidence {
    /// What it is about, e.g. `demo-0.1.0.tgz` or `oci://ghcr.io/x/chart:1.2.3`.
    pub subject: String,
    /// What it is, e.g. `helm-chart`, `helm-provenance`, `openpgp-keyring`, `oci-manifest`.
    pub kind: String,
    /// Media type of `data`, when known.
    pub media_type: String,
    /// The bytes.
    pub data: Vec<u8>,
    /// Extra facts (source URL, digest), as key/value pairs.
    pub annotations: Vec<(String, String)>,
}

impl Evidence {
    /// Evidence with no media type and no annotations.
    #[must_use]
    pub fn new(subject: impl Into<String>, kind: impl Into<String>, data: Vec<u8>) -> Self {
        Evidence { subject: subject.into(), kind: kind.into(), data, ..Evidence::default() }
    }

    /// The value of the first annotation named `key`.
    #[must_use]
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// A policy's request for evidence: "fetch `kind` about `subject`".
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EvidenceRequest {
    /// What to fetch about, e.g. `oci://ghcr.io/x/app:1.0` or `https://charts.example/x-1.0.0.tgz`.
    pub subject: String,
    /// What to fetch, e.g. `oci-signatures`, `helm-chart`, `helm-provenance`.
    pub kind: String,
}

impl EvidenceRequest {
    /// A request for `kind` about `subject`.
    #[must_use]
    pub fn new(subject: impl Into<String>, kind: impl Into<String>) -> Self {
        EvidenceRequest { subject: subject.into(), kind: kind.into() }
    }
}

/// Where a check gets the evidence policies request (`requests()`): the fetcher of the CLI and
/// the webhook (`palisade-evidence`), or [`NoFetch`].
pub trait EvidenceSource: Sync {
    /// Evidence for every request, in order.
    ///
    /// # Errors
    /// The first request that could not be served, as one line naming the reference.
    fn fetch_all(&self, requests: &[EvidenceRequest]) -> Result<Vec<Evidence>, String>;
}

/// No fetching: any request is an error of the policy that made it.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoFetch;

impl EvidenceSource for NoFetch {
    fn fetch_all(&self, requests: &[EvidenceRequest]) -> Result<Vec<Evidence>, String> {
        match requests.first() {
            None => Ok(Vec::new()),
            Some(r) => {
                Err(format!("evidence `{}` for `{}` was requested, but fetching is disabled", r.kind, r.subject))
            }
        }
    }
}
