//! `palisade verify`: verify signatures of supply-chain artifacts.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::{Args, Subcommand};
use palisade_engine::Engine;

use crate::policy_set::engine_config;
use crate::verify::{self, ChartRequest, Verdict};

/// Verify signatures of charts and images.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(subcommand)]
    target: Target,
}

#[derive(Debug, Subcommand)]
enum Target {
    /// Verify a Helm chart against its provenance file, like `helm verify`: a local `.tgz` (with
    /// `<chart>.tgz.prov` beside it), an `https://` URL (`<url>.prov` is fetched) or an `oci://`
    /// chart (the provenance layer `helm push` adds).
    Chart(ChartArgs),
    /// Verify the cosign / Sigstore signatures of a container image in an OCI registry.
    Image(super::verify_image::ImageArgs),
}

/// `palisade verify chart`.
#[derive(Debug, Args)]
struct ChartArgs {
    /// The chart: a local `<name>-<version>.tgz`, `https://…/<name>-<version>.tgz` or
    /// `oci://REGISTRY/REPOSITORY:VERSION`.
    #[arg(value_name = "CHART.tgz|URL|oci://REF")]
    chart: String,
    /// Public keyring to trust, binary (`gpg --export`) or ASCII-armored; repeatable.
    #[arg(long, value_name = "FILE", required = true)]
    keyring: Vec<PathBuf>,
    /// Provenance file (default: the chart path with `.prov` appended; local charts only).
    #[arg(long, value_name = "FILE")]
    prov: Option<PathBuf>,
    /// Verify as of this time (RFC 3339 or Unix seconds) instead of now.
    #[arg(long, value_name = "TIME", value_parser = palisade_core::time::parse_time)]
    now: Option<i64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Fetching of remote charts.
    #[command(flatten)]
    fetch: super::fetch::FetchArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
}

impl VerifyArgs {
    /// Run the subcommand: 0 verified, 1 not verified.
    pub fn execute(self) -> anyhow::Result<u8> {
        match self.target {
            Target::Chart(args) => args.execute(),
            Target::Image(args) => args.execute(),
        }
    }
}

impl ChartArgs {
    fn execute(self) -> anyhow::Result<u8> {
        let engine = Engine::new(engine_config())?;
        let policy = verify::load_policy(&engine)?;
        let now_unix = self.now.unwrap_or_else(|| {
            SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        });
        let chart = self.chart;
        let verdict = if crate::verify_remote::is_remote(&chart) {
            if self.prov.is_some() {
                anyhow::bail!("--prov applies to local charts only; {chart} brings its own provenance");
            }
            let fetch = self.fetch.clone();
            let remote = crate::fetch::Remote::lazy(fetch.offline, Box::new(move || fetch.config()));
            crate::verify_remote::verify_chart(&policy, &remote, &chart, &self.keyring, now_unix)?
        } else {
            let request =
                ChartRequest { chart: PathBuf::from(&chart), provenance: self.prov, keyrings: self.keyring, now_unix };
            verify::verify_chart(&policy, &request)?
        };
        let text = match (self.format, &verdict) {
            (Format::Text, Verdict::Verified(v)) => v.to_text(),
            (Format::Text, Verdict::NotVerified(reason)) => format!("{chart}: not verified: {reason}\n"),
            (Format::Json, Verdict::Verified(v)) => {
                let mut value = serde_json::json!({"chart": chart, "verified": true});
                if let (Some(out), serde_json::Value::Object(fields)) =
                    (value.as_object_mut(), serde_json::to_value(v)?)
                {
                    out.extend(fields);
                }
                format!("{}\n", serde_json::to_string_pretty(&value)?)
            }
            (Format::Json, Verdict::NotVerified(reason)) => {
                let value = serde_json::json!({"chart": chart, "verified": false, "reason": reason});
                format!("{}\n", serde_json::to_string_pretty(&value)?)
            }
        };
        crate::output::Destination::Stdout.write(&text)?;
        Ok(match verdict {
            Verdict::Verified(_) => 0,
            Verdict::NotVerified(_) => 1,
        })
    }
}
