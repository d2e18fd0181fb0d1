//! Blob verification for `palisade verify blob`: the host reads the file, its signature or
//! Sigstore bundle, the public keys and the trusted root as bytes and hands them, as evidence,
//! to the built-in `supply-chain` component, which does all parsing and cryptography inside the
//! sandbox (see `policies/supply-chain/src/sigstore`). The verdict is what that policy reports.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context, bail};
use palisade_engine::{Evidence, Policy};

use crate::verify::{POLICY, Verdict, read};

/// How a certificate field is matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// Equal.
    Exact(String),
    /// A regular expression, always anchored at both ends.
    Regex(String),
}

/// What signed the blob: detached signature or bundle.
#[derive(Debug, Clone)]
pub enum Signature {
    /// `cosign sign-blob --output-signature` (base64) or raw bytes, verified with `keys`.
    Detached(PathBuf),
    /// A Sigstore bundle (v0.1–v0.3).
    Bundle(PathBuf),
}

/// One blob to verify, from local files.
#[derive(Debug, Clone)]
pub struct BlobRequest {
    /// The file.
    pub blob: PathBuf,
    /// Its signature.
    pub signature: Signature,
    /// PEM public keys.
    pub keys: Vec<PathBuf>,
    /// `trusted_root.json`.
    pub trusted_root: Option<PathBuf>,
    /// Expected certificate identity and OIDC issuer (keyless).
    pub identity: Option<(Match, Match)>,
    /// Verification time, Unix seconds.
    pub now_unix: i64,
}

/// A verified blob.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BlobVerification {
    /// Key name and algorithm, for key-based signatures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Certificate SAN identity (keyless).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_identity: Option<String>,
    /// Certificate OIDC issuer (keyless).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_oidc_issuer: Option<String>,
    /// Trusted authority that issued the certificate (keyless).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_authority: Option<String>,
    /// Transparency log index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tlog_index: Option<u64>,
    /// Integrated time, RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integrated_time: Option<String>,
    /// `sha256:<hex>` of the blob.
    pub digest: String,
}

/// Verify a blob.
///
/// # Errors
/// Input errors (unreadable files, a key or trusted root that does not parse, missing trust
/// material for the kind of signature) and evaluation errors; a failed verification is a
/// [`Verdict::NotVerified`].
pub fn verify_blob(policy: &Policy, request: &BlobRequest) -> anyhow::Result<Verdict<BlobVerification>> {
    let name = request
        .blob
        .file_name()
        .and_then(|n| n.to_str())
        .with_context(|| format!("{}: the file name must be UTF-8", request.blob.display()))?;
    let mut evidence = vec![Evidence::new(name, "blob", read(&request.blob, "blob")?)];
    match &request.signature {
        Signature::Detached(path) => {
            if request.keys.is_empty() {
                bail!("a detached signature is verified with a public key (--key FILE)");
            }
            let mut e = Evidence::new(name, "cosign-signature", read(path, "signature")?);
            e.media_type = "application/vnd.dev.cosign.signature".into();
            evidence.push(e);
        }
        Signature::Bundle(path) => evidence.push(Evidence::new(name, "sigstore-bundle", read(path, "bundle")?)),
    }
    for key in &request.keys {
        evidence.push(Evidence::new(key.display().to_string(), "cosign-public-key", read(key, "public key")?));
    }
    if let Some(root) = &request.trusted_root {
        evidence.push(Evidence::new(root.display().to_string(), "sigstore-trusted-root", read(root, "trusted root")?));
    }
    let settings = match &request.identity {
        Some((subject, issuer)) => {
            let mut id = serde_json::Map::new();
            for (m, exact, re) in [(subject, "subject", "subjectRegExp"), (issuer, "issuer", "issuerRegExp")] {
                match m {
                    Match::Exact(s) => id.insert(exact.into(), s.clone().into()),
                    Match::Regex(r) => id.insert(re.into(), r.clone().into()),
                };
            }
            serde_json::json!({"identities": [id]})
        }
        None => serde_json::json!({}),
    };
    let resource = serde_json::json!({"apiVersion": "palisade.dev/v1", "kind": "Blob", "metadata": {"name": name}});
    let now = u64::try_from(request.now_unix).context("--now must not be before 1970")?;
    let findings =
        policy.evaluate_with_evidence(&[resource.to_string()], &evidence, &settings.to_string(), now, &[])?;
    if let Some(denied) = findings.iter().find(|f| f.rule == "blob-signature") {
        return Ok(Verdict::NotVerified(denied.message.clone()));
    }
    match findings.iter().find(|f| f.rule == "blob-signer") {
        Some(verified) => Ok(Verdict::Verified(parse_signer(&verified.message)?)),
        None => bail!("the {POLICY} policy returned no verdict for {name}"),
    }
}

/// The `blob-signer` message: `Key: value` lines.
fn parse_signer(message: &str) -> anyhow::Result<BlobVerification> {
    let field = |key: &str| {
        message.lines().find_map(|l| l.strip_prefix(key).and_then(|v| v.strip_prefix(": "))).map(str::to_string)
    };
    let Some(digest) = field("Digest") else {
        bail!("the {POLICY} policy reported a malformed verification: {message}");
    };
    let tlog_index = field("Transparency log index")
        .map(|i| i.parse::<u64>())
        .transpose()
        .with_context(|| format!("the {POLICY} policy reported a malformed log index: {message}"))?;
    Ok(BlobVerification {
        key: field("Verified with key"),
        certificate_identity: field("Certificate identity"),
        certificate_oidc_issuer: field("Certificate OIDC issuer"),
        certificate_authority: field("Certificate authority"),
        tlog_index,
        integrated_time: field("Integrated time"),
        digest,
    })
}

impl BlobVerification {
    /// Text output, one `Key: value` per line, then `Verified OK` as cosign prints.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let mut line = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                let _ = writeln!(out, "{k}: {v}");
            }
        };
        line("Key", &self.key);
        line("Certificate identity", &self.certificate_identity);
        line("Certificate OIDC issuer", &self.certificate_oidc_issuer);
        line("Certificate authority", &self.certificate_authority);
        line("Transparency log index", &self.tlog_index.map(|i| i.to_string()));
        line("Integrated time", &self.integrated_time);
        line("Digest", &Some(self.digest.clone()));
        out.push_str("Verified OK\n");
        out
    }
}
