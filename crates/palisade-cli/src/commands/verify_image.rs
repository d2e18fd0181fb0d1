//! `palisade verify image REF`: fetch an image's manifest and the cosign signatures and Sigstore
//! bundles attached to it, and let the built-in `supply-chain` component verify them against the
//! given keys or keyless identities.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;
use palisade_engine::Engine;

use super::verify::{Format, Judging};
use crate::policy_set::engine_config;
use crate::verify_remote::{self, ImageVerdict, Signers};

/// `palisade verify image`.
#[derive(Debug, Args)]
pub struct ImageArgs {
    /// The image, `REGISTRY/REPOSITORY[:TAG][@sha256:DIGEST]` (an `oci://` prefix is accepted).
    #[arg(value_name = "REF")]
    reference: String,
    /// Who may have signed.
    #[command(flatten)]
    signers: SignerArgs,
    /// `--now` and `--format`.
    #[command(flatten)]
    out: Judging,
    /// Fetching from the registry.
    #[command(flatten)]
    fetch: super::fetch::FetchArgs,
}

/// Cosign signers: keys, or keyless identities with trusted roots (`verify image`, `verify chart`).
#[derive(Debug, Clone, Args)]
pub struct SignerArgs {
    /// A PEM public key (ECDSA P-256/P-384, Ed25519, RSA); repeatable, any one may have signed.
    #[arg(long, value_name = "FILE")]
    key: Vec<PathBuf>,
    /// A Sigstore `trusted_root.json` (CAs and transparency logs) for keyless signatures; repeatable.
    #[arg(long, value_name = "FILE")]
    trusted_root: Vec<PathBuf>,
    /// Keyless: the certificate's identity (SAN), exactly.
    #[arg(long, value_name = "IDENTITY", conflicts_with = "certificate_identity_regexp")]
    certificate_identity: Option<String>,
    /// Keyless: a regular expression the certificate's identity must match (anchored at both ends).
    #[arg(long, value_name = "REGEXP")]
    certificate_identity_regexp: Option<String>,
    /// Keyless: the OIDC issuer in the certificate, exactly.
    #[arg(long, value_name = "URL", conflicts_with = "certificate_oidc_issuer_regexp")]
    certificate_oidc_issuer: Option<String>,
    /// Keyless: a regular expression the OIDC issuer must match (anchored at both ends).
    #[arg(long, value_name = "REGEXP")]
    certificate_oidc_issuer_regexp: Option<String>,
}

impl SignerArgs {
    /// Whether any signer flag is given.
    #[must_use]
    pub fn given(&self) -> bool {
        !self.key.is_empty()
            || !self.trusted_root.is_empty()
            || self.certificate_identity.is_some()
            || self.certificate_identity_regexp.is_some()
            || self.certificate_oidc_issuer.is_some()
            || self.certificate_oidc_issuer_regexp.is_some()
    }

    /// The signers.
    #[must_use]
    pub fn signers(self) -> Signers {
        Signers {
            keys: self.key,
            trusted_roots: self.trusted_root,
            identity: self.certificate_identity,
            identity_regexp: self.certificate_identity_regexp,
            issuer: self.certificate_oidc_issuer,
            issuer_regexp: self.certificate_oidc_issuer_regexp,
        }
    }
}

impl ImageArgs {
    /// Run: 0 verified, 1 not verified.
    pub fn execute(self) -> anyhow::Result<u8> {
        let signers = self.signers.signers();
        let engine = Engine::new(engine_config())?;
        let policy = crate::verify::load_policy(&engine)?;
        let now_unix = self.out.now_unix();
        let fetch = self.fetch.clone();
        let remote = crate::fetch::remote(fetch);
        let verdict = verify_remote::verify_image(&policy, &remote, &self.reference, &signers, now_unix)?;
        let (text, code) = render(("image", &self.reference), &verdict, self.out.format == Format::Json)?;
        crate::output::Destination::Stdout.write(&text)?;
        Ok(code)
    }
}

/// Text or JSON for a verdict, and the exit code. `label` is the JSON key and the name.
///
/// # Errors
/// JSON serialization (never in practice).
pub fn render(label: (&str, &str), verdict: &ImageVerdict, json: bool) -> anyhow::Result<(String, u8)> {
    let (key, reference) = label;
    let code = match verdict {
        ImageVerdict::Verified { .. } => 0,
        ImageVerdict::NotVerified(_) => 1,
    };
    let text = if json {
        let mut value = serde_json::Map::new();
        value.insert(key.into(), reference.into());
        if let serde_json::Value::Object(fields) = verdict_json(verdict) {
            value.extend(fields);
        }
        format!("{}\n", serde_json::to_string_pretty(&value)?)
    } else {
        verdict_text(reference, "", verdict)
    };
    Ok((text, code))
}

/// `REF: <what>verified (DIGEST)` and the details, or one `REF: <what>not verified: REASON` line
/// per reason; `what` (e.g. `cosign signature `) tells parts of a verdict apart.
#[must_use]
pub fn verdict_text(reference: &str, what: &str, verdict: &ImageVerdict) -> String {
    let mut text = String::new();
    match verdict {
        ImageVerdict::Verified { digest, details } => {
            let _ = writeln!(text, "{reference}: {what}verified ({digest})");
            for d in details {
                text.push_str(d);
                text.push('\n');
            }
        }
        ImageVerdict::NotVerified(reasons) => {
            for r in reasons {
                let _ = writeln!(text, "{reference}: {what}not verified: {r}");
            }
        }
    }
    text
}

/// `{"verified": true, "digest", "details"}` or `{"verified": false, "reasons"}`.
#[must_use]
pub fn verdict_json(verdict: &ImageVerdict) -> serde_json::Value {
    match verdict {
        ImageVerdict::Verified { digest, details } => {
            serde_json::json!({"verified": true, "digest": digest, "details": details})
        }
        ImageVerdict::NotVerified(reasons) => serde_json::json!({"verified": false, "reasons": reasons}),
    }
}
