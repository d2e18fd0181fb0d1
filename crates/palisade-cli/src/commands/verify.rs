//! `palisade verify`: verify signatures of supply-chain artifacts.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use palisade_engine::Engine;

use crate::policy_set::engine_config;
use crate::verify::{self, ChartRequest, Verdict};
use crate::verify_blob::{self, BlobRequest, Match, Signature};
use crate::verify_remote::ImageVerdict;

/// Verify signatures of charts, blobs and images.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(subcommand)]
    target: Target,
}

#[derive(Debug, Subcommand)]
enum Target {
    /// Verify a Helm chart against its provenance file, like `helm verify`: a local `.tgz` (with
    /// `<chart>.tgz.prov` beside it), an `https://` URL (`<url>.prov` is fetched) or an `oci://`
    /// chart (the provenance layer `helm push` adds). An `oci://` chart may instead, or as well,
    /// be verified by the cosign signatures attached to its manifest, like Sveltos does (`--key`,
    /// or `--trusted-root` with `--certificate-identity[-regexp]` and
    /// `--certificate-oidc-issuer[-regexp]`); with both kinds of signer, both must verify.
    Chart(ChartArgs),
    /// Verify a file's cosign signature (with a public key) or Sigstore bundle (keyless, against a
    /// trusted root), like `cosign verify-blob`.
    Blob(BlobArgs),
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
    /// Public keyring to trust for the `.prov`, binary (`gpg --export`) or ASCII-armored;
    /// repeatable. Required for local and `https://` charts.
    #[arg(long, value_name = "FILE")]
    keyring: Vec<PathBuf>,
    /// Cosign signers of an `oci://` chart.
    #[command(flatten)]
    signers: super::verify_image::SignerArgs,
    /// Provenance file (default: the chart path with `.prov` appended; local charts only).
    #[arg(long, value_name = "FILE")]
    prov: Option<PathBuf>,
    /// `--now` and `--format`.
    #[command(flatten)]
    out: Judging,
    /// Fetching of remote charts.
    #[command(flatten)]
    fetch: super::fetch::FetchArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
}

/// When to judge and how to print, for every `verify` subcommand.
#[derive(Debug, Clone, Copy, Args)]
pub(crate) struct Judging {
    /// Verify as of this time (RFC 3339 or Unix seconds) instead of now.
    #[arg(long, value_name = "TIME", value_parser = palisade_core::time::parse_time)]
    now: Option<i64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
}

impl Judging {
    /// `--now`, else the system clock (Unix seconds).
    pub(crate) fn now_unix(self) -> i64 {
        super::now_or_system(self.now)
    }
}

impl VerifyArgs {
    /// Run the subcommand: 0 verified, 1 not verified.
    pub fn execute(self) -> anyhow::Result<u8> {
        match self.target {
            Target::Chart(args) => args.execute(),
            Target::Blob(args) => args.execute(),
            Target::Image(args) => args.execute(),
        }
    }
}

/// The flags naming a signer of an `oci://` chart, for usage errors.
const CHART_SIGNER_FLAGS: &str = "--keyring FILE (its .prov) and/or cosign signers: --key FILE, or --trusted-root FILE \
     with --certificate-identity[-regexp] and --certificate-oidc-issuer[-regexp]";

impl ChartArgs {
    fn execute(self) -> anyhow::Result<u8> {
        let chart = self.chart.clone();
        let oci = chart.starts_with("oci://");
        if oci && self.keyring.is_empty() && !self.signers.given() {
            anyhow::bail!("verify chart {chart}: no signer given; give {CHART_SIGNER_FLAGS}");
        }
        if !oci && self.signers.given() {
            anyhow::bail!(
                "verify chart {chart}: cosign signers (--key, --trusted-root, --certificate-*) apply to oci:// charts only; \
                 verify this chart's .prov with --keyring FILE"
            );
        }
        if !oci && self.keyring.is_empty() {
            anyhow::bail!("verify chart {chart}: no keyring given; give --keyring FILE");
        }
        let remote_chart = crate::verify_remote::is_remote(&chart);
        if remote_chart && self.prov.is_some() {
            anyhow::bail!("--prov applies to local charts only; {chart} brings its own provenance");
        }
        let engine = Engine::new(engine_config())?;
        let policy = verify::load_policy(&engine)?;
        let now_unix = self.out.now_unix();
        let fetch = self.fetch.clone();
        let remote = crate::fetch::remote(fetch);
        let provenance = if self.keyring.is_empty() {
            None
        } else if remote_chart {
            Some(crate::verify_remote::verify_chart(&policy, &remote, &chart, &self.keyring, now_unix)?)
        } else {
            let request =
                ChartRequest { chart: PathBuf::from(&chart), provenance: self.prov, keyrings: self.keyring, now_unix };
            Some(verify::verify_chart(&policy, &request)?)
        };
        let cosign = if self.signers.given() {
            let signers = self.signers.signers();
            Some(crate::verify_remote::verify_chart_signatures(&policy, &remote, &chart, &signers, now_unix)?)
        } else {
            None
        };
        let (text, code) = render_chart(self.out.format, &chart, provenance.as_ref(), cosign.as_ref())?;
        crate::output::Destination::Stdout.write(&text)?;
        Ok(code)
    }
}

/// Output and exit code of `verify chart`: one part alone renders as before (`.prov` like `helm
/// verify`, cosign like `verify image`); with both, each part is labelled and both must verify.
fn render_chart(
    format: Format,
    chart: &str,
    provenance: Option<&Verdict>,
    cosign: Option<&ImageVerdict>,
) -> anyhow::Result<(String, u8)> {
    let prov_ok = provenance.is_none_or(|v| matches!(v, Verdict::Verified(_)));
    let cosign_ok = cosign.is_none_or(|v| matches!(v, ImageVerdict::Verified { .. }));
    let code = u8::from(!(prov_ok && cosign_ok));
    let text = match (provenance, cosign) {
        (Some(p), None) => render(format, ("chart", chart), p, verify::Verification::to_text)?,
        (None, Some(c)) => super::verify_image::render(("chart", chart), c, format == Format::Json)?.0,
        (Some(p), Some(c)) if format == Format::Json => {
            let prov = match p {
                Verdict::Verified(v) => {
                    let mut value = serde_json::json!({"verified": true});
                    if let (Some(out), serde_json::Value::Object(fields)) =
                        (value.as_object_mut(), serde_json::to_value(v)?)
                    {
                        out.extend(fields);
                    }
                    value
                }
                Verdict::NotVerified(reason) => serde_json::json!({"verified": false, "reason": reason}),
            };
            let value = serde_json::json!({
                "chart": chart,
                "verified": prov_ok && cosign_ok,
                "provenance": prov,
                "cosign": super::verify_image::verdict_json(c),
            });
            format!("{}\n", serde_json::to_string_pretty(&value)?)
        }
        (Some(p), Some(c)) => {
            let mut text = match p {
                Verdict::Verified(v) => format!("{chart}: provenance verified\n{}", v.to_text()),
                Verdict::NotVerified(reason) => format!("{chart}: provenance not verified: {reason}\n"),
            };
            text.push_str(&super::verify_image::verdict_text(chart, "cosign signature ", c));
            text
        }
        (None, None) => anyhow::bail!("verify chart {chart}: no signer given; give {CHART_SIGNER_FLAGS}"),
    };
    Ok((text, code))
}

/// Render a verdict: `to_text` or `NAME: not verified: reason`; JSON with `verified` and the fields.
fn render<T: serde::Serialize>(
    format: Format,
    label: (&str, &str),
    verdict: &Verdict<T>,
    text: impl Fn(&T) -> String,
) -> anyhow::Result<String> {
    let (key, name) = label;
    Ok(match (format, verdict) {
        (Format::Text, Verdict::Verified(v)) => text(v),
        (Format::Text, Verdict::NotVerified(reason)) => format!("{name}: not verified: {reason}\n"),
        (Format::Json, Verdict::Verified(v)) => {
            let mut value = serde_json::json!({key: name, "verified": true});
            if let (Some(out), serde_json::Value::Object(fields)) = (value.as_object_mut(), serde_json::to_value(v)?) {
                out.extend(fields);
            }
            format!("{}\n", serde_json::to_string_pretty(&value)?)
        }
        (Format::Json, Verdict::NotVerified(reason)) => {
            let value = serde_json::json!({key: name, "verified": false, "reason": reason});
            format!("{}\n", serde_json::to_string_pretty(&value)?)
        }
    })
}

/// `palisade verify blob`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("sig").required(true).args(["signature", "bundle"]))]
struct BlobArgs {
    /// The file whose signature to verify.
    #[arg(value_name = "FILE")]
    blob: PathBuf,
    /// PEM public key (ECDSA P-256/P-384, Ed25519, RSA); repeatable, any one may have signed.
    #[arg(long, value_name = "PUB")]
    key: Vec<PathBuf>,
    /// Detached signature (base64, as `cosign sign-blob` writes it, or raw); needs --key.
    #[arg(long, value_name = "SIG", requires = "key")]
    signature: Option<PathBuf>,
    /// Sigstore bundle (v0.1–v0.3 JSON); needs --trusted-root.
    #[arg(long, value_name = "B", requires = "trusted_root")]
    bundle: Option<PathBuf>,
    /// Sigstore `trusted_root.json`: the certificate authorities and transparency logs to trust.
    #[arg(long, value_name = "T")]
    trusted_root: Option<PathBuf>,
    /// Expected certificate identity (email or URI SAN), matched exactly.
    #[arg(long, value_name = "S", conflicts_with = "certificate_identity_regexp")]
    certificate_identity: Option<String>,
    /// Expected certificate identity as a regular expression, always anchored at both ends.
    #[arg(long, value_name = "R")]
    certificate_identity_regexp: Option<String>,
    /// Expected OIDC issuer, matched exactly.
    #[arg(long, value_name = "I", conflicts_with = "certificate_oidc_issuer_regexp")]
    certificate_oidc_issuer: Option<String>,
    /// Expected OIDC issuer as a regular expression, always anchored at both ends.
    #[arg(long, value_name = "R")]
    certificate_oidc_issuer_regexp: Option<String>,
    /// `--now` and `--format`.
    #[command(flatten)]
    out: Judging,
}

fn matcher(exact: Option<String>, regexp: Option<String>) -> Option<Match> {
    match (exact, regexp) {
        (Some(s), _) => Some(Match::Exact(s)),
        (None, Some(r)) => Some(Match::Regex(r)),
        (None, None) => None,
    }
}

impl BlobArgs {
    fn request(self) -> anyhow::Result<BlobRequest> {
        let signature = match (self.signature, self.bundle) {
            (Some(sig), None) => Signature::Detached(sig),
            (None, Some(bundle)) => Signature::Bundle(bundle),
            _ => anyhow::bail!("give either --signature or --bundle"),
        };
        let subject = matcher(self.certificate_identity, self.certificate_identity_regexp);
        let issuer = matcher(self.certificate_oidc_issuer, self.certificate_oidc_issuer_regexp);
        let identity = match (subject, issuer) {
            (Some(s), Some(i)) => Some((s, i)),
            (None, None) => None,
            (Some(_), None) => {
                anyhow::bail!(
                    "--certificate-identity needs --certificate-oidc-issuer or --certificate-oidc-issuer-regexp"
                )
            }
            (None, Some(_)) => {
                anyhow::bail!("--certificate-oidc-issuer needs --certificate-identity or --certificate-identity-regexp")
            }
        };
        Ok(BlobRequest {
            blob: self.blob,
            signature,
            keys: self.key,
            trusted_root: self.trusted_root,
            identity,
            now_unix: self.out.now_unix(),
        })
    }

    fn execute(self) -> anyhow::Result<u8> {
        let format = self.out.format;
        let request = self.request()?;
        let engine = Engine::new(engine_config())?;
        let policy = verify::load_policy(&engine)?;
        let verdict = verify_blob::verify_blob(&policy, &request)?;
        let name = request.blob.display().to_string();
        let text = render(format, ("blob", &name), &verdict, verify_blob::BlobVerification::to_text)?;
        crate::output::Destination::Stdout.write(&text)?;
        Ok(match verdict {
            Verdict::Verified(_) => 0,
            Verdict::NotVerified(_) => 1,
        })
    }
}
