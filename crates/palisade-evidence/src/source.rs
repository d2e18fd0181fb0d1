//! Evidence for policies that ask for it (`requests()`), fetched only when asked: a check whose
//! policies request nothing never starts a fetcher or touches the network.
//!
//! [`LazyFetcher`] makes the [`Fetcher`] on first use and may be shared (the webhook keeps one per
//! loaded configuration). [`Remote`] is one run's source — a `palisade check`, one admission
//! request: identical requests are fetched once, and an optional deadline bounds every fetch of
//! the run. Tags are never remembered beyond one [`Remote`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Instant;

use crate::{Evidence, EvidenceRequest, EvidenceSource, FetchConfig, FetchError, Fetcher};

/// Makes the fetcher configuration (e.g. reads the docker config) when first needed; the error
/// is one line naming what is wrong.
pub type MakeConfig = Box<dyn Fn() -> Result<FetchConfig, String> + Send + Sync>;

/// A [`Fetcher`] made on first use.
pub struct LazyFetcher {
    offline: bool,
    make: MakeConfig,
    fetcher: OnceLock<Result<Fetcher, String>>,
}

impl std::fmt::Debug for LazyFetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyFetcher").field("offline", &self.offline).finish_non_exhaustive()
    }
}

impl LazyFetcher {
    /// A fetcher with `config`, started on first use.
    #[must_use]
    pub fn new(config: FetchConfig) -> Self {
        let offline = config.offline;
        LazyFetcher::lazy(offline, Box::new(move || Ok(config.clone())))
    }

    /// A fetcher whose configuration is made on first use; with `offline`, every request is an
    /// error and the configuration is never made.
    #[must_use]
    pub fn lazy(offline: bool, make: MakeConfig) -> Self {
        LazyFetcher { offline, make, fetcher: OnceLock::new() }
    }

    fn get(&self) -> Result<&Fetcher, String> {
        self.fetcher
            .get_or_init(|| Fetcher::new((self.make)()?).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// Memoized fetches of one run.
type Memo = Mutex<HashMap<EvidenceRequest, Arc<Vec<Evidence>>>>;

/// One run's evidence source: a shared [`LazyFetcher`], a memo and an optional deadline.
#[derive(Debug)]
pub struct Remote {
    fetcher: Arc<LazyFetcher>,
    deadline: Option<Instant>,
    memo: Memo,
}

impl Remote {
    /// A source that fetches with `config`.
    #[must_use]
    pub fn new(config: FetchConfig) -> Self {
        Remote::shared(Arc::new(LazyFetcher::new(config)), None)
    }

    /// A source whose configuration is made on the first request (see [`LazyFetcher::lazy`]).
    #[must_use]
    pub fn lazy(offline: bool, make: MakeConfig) -> Self {
        Remote::shared(Arc::new(LazyFetcher::lazy(offline, make)), None)
    }

    /// A source over a shared fetcher; with a `deadline`, fetching stops there with an error.
    #[must_use]
    pub fn shared(fetcher: Arc<LazyFetcher>, deadline: Option<Instant>) -> Self {
        Remote { fetcher, deadline, memo: Mutex::new(HashMap::new()) }
    }

    /// Evidence for one request.
    ///
    /// # Errors
    /// As [`EvidenceSource::fetch_all`].
    pub fn fetch(&self, request: &EvidenceRequest) -> Result<Arc<Vec<Evidence>>, String> {
        let remembered = self.memo.lock().unwrap_or_else(PoisonError::into_inner).get(request).cloned();
        if let Some(found) = remembered {
            return Ok(found);
        }
        if self.fetcher.offline {
            return Err(FetchError::Offline { subject: request.subject.clone() }.to_string());
        }
        if let Some(deadline) = self.deadline
            && Instant::now() >= deadline
        {
            return Err(FetchError::Deadline { subject: request.subject.clone() }.to_string());
        }
        let fetched = Arc::new(self.fetcher.get()?.fetch_until(request, self.deadline).map_err(|e| e.to_string())?);
        self.memo.lock().unwrap_or_else(PoisonError::into_inner).insert(request.clone(), Arc::clone(&fetched));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_never_makes_the_configuration() {
        let remote = Remote::lazy(true, Box::new(|| Err("must not be called".into())));
        let request = EvidenceRequest::new("oci://registry.example/app:1.0", "oci-signatures");
        assert_eq!(
            remote.fetch_all(&[request]).unwrap_err(),
            "fetching `oci://registry.example/app:1.0` is not allowed offline"
        );
    }

    #[test]
    fn a_past_deadline_fetches_nothing() {
        let fetcher = Arc::new(LazyFetcher::lazy(false, Box::new(|| Err("must not be called".into()))));
        let remote = Remote::shared(fetcher, Some(Instant::now()));
        let request = EvidenceRequest::new("oci://registry.example/app:1.0", "oci-signatures");
        assert_eq!(
            remote.fetch_all(&[request]).unwrap_err(),
            "fetching `oci://registry.example/app:1.0` did not finish within the fetch budget"
        );
    }

    #[test]
    fn a_configuration_error_is_reported() {
        let remote = Remote::lazy(false, Box::new(|| Err("docker config /x: not JSON".into())));
        let request = EvidenceRequest::new("oci://registry.example/app:1.0", "oci-signatures");
        assert_eq!(remote.fetch_all(&[request]).unwrap_err(), "docker config /x: not JSON");
    }
}
