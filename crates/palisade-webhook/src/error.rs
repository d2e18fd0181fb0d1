//! Errors of configuring and running the webhook.

use std::path::PathBuf;

/// The configuration file cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read webhook configuration {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a valid configuration.
    #[error("invalid webhook configuration {}: {reason}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, naming the field.
        reason: String,
    },
    /// A profile's policies cannot be loaded or configured.
    #[error("webhook configuration {}, profile `{profile}`: {source}", path.display())]
    Policies {
        /// The file.
        path: PathBuf,
        /// The profile.
        profile: String,
        /// Why.
        source: palisade_engine::SetError,
    },
    /// The WebAssembly engine cannot be set up with these limits.
    #[error("webhook configuration {}: {source}", path.display())]
    Engine {
        /// The file.
        path: PathBuf,
        /// Why.
        source: palisade_engine::EngineError,
    },
}

/// The server cannot start or stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// Configuration or policies.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Certificate or key.
    #[error("TLS: {0}")]
    Tls(String),
    /// The listen address cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: std::net::SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// A background task failed.
    #[error("internal error: {0}")]
    Internal(String),
    /// Signal handlers cannot be installed.
    #[error("cannot install signal handlers: {0}")]
    Signals(std::io::Error),
}
