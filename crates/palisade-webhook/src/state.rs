//! What a configuration becomes when loaded: an engine with the configured limits (pooling
//! allocator, epoch deadline, memory limit), one configured policy set per profile and the evidence
//! fetcher. Swapped as a whole on reload, so a request always sees one consistent state.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use palisade_engine::policy_set::{self, PolicySet, PolicySource, RuleFilter};
use palisade_engine::{Engine, EngineConfig, Policy};
use palisade_evidence::LazyFetcher;

use crate::config::Config;
use crate::error::ConfigError;

/// A loaded configuration.
pub struct State {
    /// The validated configuration.
    pub config: Config,
    /// One policy set per profile, in profile order.
    pub sets: Vec<PolicySet>,
    /// Fetches the evidence policies request; started on the first request that needs it.
    pub evidence: Arc<LazyFetcher>,
    /// Keeps the engine (and its epoch ticker) alive as long as this state serves requests.
    _engine: Engine,
}

impl State {
    /// Read the configuration file and load every profile's policies.
    ///
    /// # Errors
    /// The file is invalid, or a policy cannot be loaded or configured.
    pub fn load(path: &Path, cache_dir: Option<&Path>) -> Result<Self, ConfigError> {
        let config = Config::load(path)?;
        Self::from_config(path, config, cache_dir)
    }

    /// Load the policies of a validated configuration; `path` names it in errors.
    ///
    /// # Errors
    /// A policy cannot be loaded or configured.
    pub fn from_config(path: &Path, config: Config, cache_dir: Option<&Path>) -> Result<Self, ConfigError> {
        let limits = config.limits;
        let engine = Engine::new(EngineConfig {
            cache_dir: cache_dir.map(Path::to_path_buf),
            memory_limit: limits.policy_memory_mib.saturating_mul(1 << 20),
            timeout: Duration::from_millis(limits.policy_timeout_ms),
            pooled_instances: Some(limits.concurrency),
            // Every request gets a fresh instance: no state crosses from one review to the next.
            reuse_instances: false,
        })
        .map_err(|source| ConfigError::Engine { path: path.to_path_buf(), source })?;
        // A component named by several profiles is compiled once.
        let mut loaded: BTreeMap<String, Policy> = BTreeMap::new();
        let mut sets = Vec::new();
        for profile in &config.profiles {
            let wrap =
                |source| ConfigError::Policies { path: path.to_path_buf(), profile: profile.name.clone(), source };
            let sources: Vec<PolicySource> = if profile.policies.is_empty() {
                policy_set::default_sources()
            } else {
                profile.policies.iter().map(|p| PolicySource::parse(p)).collect()
            };
            let filter = RuleFilter::new(&profile.include, &profile.exclude).map_err(wrap)?;
            let mut policies = Vec::new();
            for source in &sources {
                let key = format!("{source:?}");
                let policy = if let Some(p) = loaded.get(&key) {
                    p.clone()
                } else {
                    let p = policy_set::load_one(&engine, source).map_err(wrap)?;
                    loaded.insert(key, p.clone());
                    p
                };
                policies.push(policy);
            }
            sets.push(PolicySet::configure(policies, &profile.settings, &filter).map_err(wrap)?);
        }
        let evidence = Arc::new(LazyFetcher::new(config.registry.fetch.clone()));
        Ok(State { config, sets, evidence, _engine: engine })
    }
}
