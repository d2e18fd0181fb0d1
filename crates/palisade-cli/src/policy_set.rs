//! The set of policies a run uses (shared with the webhook, in `palisade-engine`), and the CLI's
//! engine configuration.

use std::path::PathBuf;

use palisade_engine::EngineConfig;
pub use palisade_engine::policy_set::{ConfiguredPolicy, PolicyOptions, PolicySet, PolicySource, RuleFilter};

/// The engine configuration of the CLI: cache under `$PALISADE_CACHE_DIR` or the user cache dir.
#[must_use]
pub fn engine_config() -> EngineConfig {
    EngineConfig { cache_dir: cache_dir(), reuse_instances: true, ..EngineConfig::default() }
}

/// The compilation cache directory: `$PALISADE_CACHE_DIR` (empty: none), else
/// `$XDG_CACHE_HOME/palisade/wasmtime` or `~/.cache/palisade/wasmtime`. Only absolute paths.
#[must_use]
pub fn cache_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("PALISADE_CACHE_DIR") {
        Some(dir) if dir.is_empty() => None,
        Some(dir) => Some(PathBuf::from(dir)),
        None => std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .map(|d| d.join("palisade").join("wasmtime")),
    };
    // On-demand allocation for the CLI: a run makes a few hundred stores; measured on the corpus,
    // the pooling allocator made no difference there (it is for the webhook's steady state).
    dir.filter(|d| d.is_absolute())
}
