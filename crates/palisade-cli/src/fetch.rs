//! Evidence for policies that ask for it (`requests()`): `palisade-evidence`'s [`Remote`], one per
//! run, created lazily so a check whose policies request nothing never touches the network. The
//! admission webhook uses the same source.

pub use palisade_engine::check::{EvidenceSource, NoFetch};
pub use palisade_evidence::Remote;

use crate::commands::fetch::FetchArgs;

/// A source for one run, configured from the fetch flags on first use.
#[must_use]
pub(crate) fn remote(fetch: FetchArgs) -> Remote {
    Remote::lazy(fetch.offline, Box::new(move || fetch.config().map_err(|e| format!("{e:#}"))))
}
