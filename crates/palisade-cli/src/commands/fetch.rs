//! Flags shared by the commands that fetch evidence (`check`, `verify chart`, `verify image`).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use palisade_evidence::{Cache, Credentials, FetchConfig};

/// How to reach registries and chart repositories.
#[derive(Debug, Clone, Args)]
pub struct FetchArgs {
    /// Never fetch: a policy or command that needs remote evidence fails (exit 2).
    #[arg(long)]
    pub offline: bool,
    /// Allow plain HTTP to any registry or chart repository (loopback hosts always may use it).
    #[arg(long, alias = "allow-insecure-registry")]
    pub plain_http: bool,
    /// Docker config with registry credentials (default: `$DOCKER_CONFIG/config.json`, else
    /// `~/.docker/config.json`): inline `auths` entries only, credential helpers are not run;
    /// registries without an entry are accessed anonymously.
    #[arg(long, value_name = "FILE")]
    pub registry_config: Option<PathBuf>,
    /// Cache for content fetched by digest (default: `$XDG_CACHE_HOME/palisade`).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Do not use the on-disk cache.
    #[arg(long, conflicts_with = "cache_dir")]
    pub no_cache: bool,
    /// Timeout of each network request, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub fetch_timeout: u64,
    /// Largest blob, chart or provenance file accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 64 << 20)]
    pub max_blob_bytes: u64,
}

impl FetchArgs {
    /// The validated fetcher configuration.
    ///
    /// # Errors
    /// An unreadable or malformed docker config.
    pub fn config(&self) -> anyhow::Result<FetchConfig> {
        let credentials = match self.registry_config.clone().or_else(Credentials::default_path) {
            Some(path) if self.registry_config.is_some() && !path.is_file() => {
                anyhow::bail!("registry config {} does not exist", path.display())
            }
            Some(path) => Credentials::load(&path).context("loading registry credentials")?,
            None => Credentials::default(),
        };
        let cache_dir = if self.no_cache { None } else { self.cache_dir.clone().or_else(Cache::default_dir) };
        Ok(FetchConfig {
            cache_dir,
            plain_http: self.plain_http,
            offline: self.offline,
            max_blob_bytes: self.max_blob_bytes,
            timeout: Duration::from_secs(self.fetch_timeout),
            credentials,
        })
    }
}
