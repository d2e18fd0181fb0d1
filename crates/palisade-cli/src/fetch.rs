//! Evidence for policies that ask for it (`requests()`), fetched with `palisade-evidence` only
//! when asked: a check over manifests whose policies request nothing never touches the network.
//! One fetcher per run, created on first use; identical requests from several inputs are
//! fetched once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use palisade_engine::{Evidence, EvidenceRequest};
use palisade_evidence::{FetchConfig, Fetcher};

pub use palisade_engine::check::{EvidenceSource, NoFetch};

/// Makes the fetcher configuration (reads the docker config) when first needed.
type MakeConfig = Box<dyn Fn() -> anyhow::Result<FetchConfig> + Send + Sync>;

/// Fetches through `palisade-evidence`, lazily, with a per-run memo.
pub struct Remote {
    offline: bool,
    make: MakeConfig,
    fetcher: OnceLock<Result<Fetcher, String>>,
    memo: Mutex<HashMap<EvidenceRequest, Arc<Vec<Evidence>>>>,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote").field("offline", &self.offline).finish_non_exhaustive()
    }
}

impl Remote {
    /// A source that fetches with `config`.
    #[must_use]
    pub fn new(config: FetchConfig) -> Self {
        let offline = config.offline;
        Remote::lazy(offline, Box::new(move || Ok(config.clone())))
    }

    /// A source whose configuration is made on the first request; with `offline`, every
    /// request is an error and the configuration is never made.
    #[must_use]
    pub fn lazy(offline: bool, make: MakeConfig) -> Self {
        Remote { offline, make, fetcher: OnceLock::new(), memo: Mutex::new(HashMap::new()) }
    }

    fn fetcher(&self) -> Result<&Fetcher, String> {
        self.fetcher
            .get_or_init(|| {
                let config = (self.make)().map_err(|e| format!("{e:#}"))?;
                Fetcher::new(config).map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Evidence for one request.
    ///
    /// # Errors
    /// As [`EvidenceSource::fetch_all`].
    pub fn fetch(&self, request: &EvidenceRequest) -> Result<Arc<Vec<Evidence>>, String> {
        let memo = |m: &Mutex<HashMap<EvidenceRequest, Arc<Vec<Evidence>>>>| {
            m.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(request).cloned()
        };
        if let Some(found) = memo(&self.memo) {
            return Ok(found);
        }
        if self.offline {
            return Err(palisade_evidence::FetchError::Offline { subject: request.subject.clone() }.to_string());
        }
        let fetched = Arc::new(self.fetcher()?.fetch(request).map_err(|e| e.to_string())?);
        self.memo
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(request.clone(), Arc::clone(&fetched));
        Ok(fetched)
    }
}

impl EvidenceSource for Remote {
    fn fetch_all(&self, requests: &[EvidenceRequest]) -> Result<Vec<Evidence>, String> {
        let mut out = Vec::new();
        for r in requests {
            out.extend(self.fetch(r)?.iter().cloned());
        }
        Ok(out)
    }
}
