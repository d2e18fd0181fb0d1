//! `palisade serve`: the admission webhook.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use palisade_webhook::{ServeOptions, Server};

/// Serve `admission.k8s.io/v1` `AdmissionReview` on `/validate` and `/mutate` over HTTPS.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Webhook configuration (YAML): profiles, policies, settings, modes, limits.
    #[arg(long, value_name = "FILE", env = "PALISADE_WEBHOOK_CONFIG")]
    config: PathBuf,
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:8443")]
    listen: SocketAddr,
    /// PEM certificate chain served to the API server.
    #[arg(long, value_name = "FILE")]
    tls_cert: PathBuf,
    /// PEM private key of the certificate.
    #[arg(long, value_name = "FILE")]
    tls_key: PathBuf,
    /// Check the configuration, policy and certificate files for changes this often, in seconds
    /// (0: reload only on SIGHUP).
    #[arg(long, value_name = "SECONDS", default_value_t = 5)]
    watch_interval: u64,
    /// Longest wait for open requests on SIGTERM, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 20)]
    shutdown_grace: u64,
}

impl ServeArgs {
    /// Run the server until SIGTERM or SIGINT.
    pub fn execute(self) -> anyhow::Result<u8> {
        let options = ServeOptions {
            listen: self.listen,
            config: self.config,
            tls_cert: self.tls_cert,
            tls_key: self.tls_key,
            cache_dir: crate::policy_set::cache_dir(),
            watch_interval: (self.watch_interval > 0).then(|| Duration::from_secs(self.watch_interval)),
            shutdown_grace: Duration::from_secs(self.shutdown_grace),
        };
        let runtime =
            tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
        runtime.block_on(async move {
            let server = Server::bind(options).await?;
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .context("installing the SIGTERM handler")?;
            let stop = async move {
                tokio::select! {
                    _ = term.recv() => tracing::info!("SIGTERM received"),
                    _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT received"),
                }
            };
            server.run(stop).await?;
            anyhow::Ok(0)
        })
    }
}
