//! Remote subjects for `palisade verify`: charts from Helm HTTP(S) repositories and OCI
//! registries (`verify chart https://…|oci://…`) and container images (`verify image REF`).
//! The host fetches with `palisade-evidence`; the built-in `supply-chain` component judges, as
//! for local files. Cosign signatures of an `oci://` chart are judged by the image path: the
//! chart's manifest is signed exactly like an image's.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use palisade_engine::{Evidence, EvidenceRequest, Policy, RawFinding};
use palisade_evidence::kinds;

use crate::fetch::Remote;
use crate::verify::{self, Verdict};

/// Whether a `verify chart` argument names a remote chart.
#[must_use]
pub fn is_remote(subject: &str) -> bool {
    ["https://", "http://", "oci://"].iter().any(|p| subject.starts_with(p))
}

/// A chart and its provenance, fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteChart {
    /// `<name>-<version>.tgz`: the URL's file name, or from the chart metadata of an OCI chart.
    pub name: String,
    /// The `.tgz`.
    pub chart: Vec<u8>,
    /// The `.prov` (`<url>.prov`, or the provenance layer `helm push` adds); `None`: unsigned.
    pub provenance: Option<Vec<u8>>,
}

/// Fetch a chart and its provenance.
///
/// # Errors
/// The fetch fails (unreachable, not found, too large, not a chart), or a URL without a file name.
pub fn fetch_chart(fetch: &Remote, subject: &str) -> anyhow::Result<RemoteChart> {
    let chart = fetch.fetch(&EvidenceRequest::new(subject, kinds::HELM_CHART)).map_err(anyhow::Error::msg)?;
    let Some(chart) = chart.iter().find(|e| e.kind == kinds::HELM_CHART) else {
        bail!("{subject}: no chart was fetched");
    };
    let name = chart.annotation("file-name").unwrap_or_default().to_string();
    if name.is_empty() || name.contains('/') {
        bail!("{subject}: cannot tell the chart file name (expected a URL ending in <name>-<version>.tgz)");
    }
    let prov = fetch.fetch(&EvidenceRequest::new(subject, kinds::HELM_PROVENANCE)).map_err(anyhow::Error::msg)?;
    let provenance = prov.iter().find(|e| e.kind == kinds::HELM_PROVENANCE).map(|e| e.data.clone());
    Ok(RemoteChart { name, chart: chart.data.clone(), provenance })
}

/// Verify a remote chart's Helm provenance against keyrings.
///
/// # Errors
/// As [`fetch_chart`] and [`verify::verify_chart_bytes`].
pub fn verify_chart(
    policy: &Policy,
    fetch: &Remote,
    subject: &str,
    keyrings: &[PathBuf],
    now_unix: i64,
) -> anyhow::Result<Verdict> {
    let keyrings = verify::read_keyrings(keyrings)?;
    let chart = fetch_chart(fetch, subject)?;
    verify::verify_chart_bytes(policy, &chart.name, chart.chart, chart.provenance, keyrings, now_unix)
}

/// Who may have signed an image: keys, or keyless identities checked against trusted roots.
#[derive(Debug, Clone, Default)]
pub struct Signers {
    /// PEM public keys (`--key`).
    pub keys: Vec<PathBuf>,
    /// `trusted_root.json` files (`--trusted-root`).
    pub trusted_roots: Vec<PathBuf>,
    /// `--certificate-identity`.
    pub identity: Option<String>,
    /// `--certificate-identity-regexp`.
    pub identity_regexp: Option<String>,
    /// `--certificate-oidc-issuer`.
    pub issuer: Option<String>,
    /// `--certificate-oidc-issuer-regexp`.
    pub issuer_regexp: Option<String>,
}

impl Signers {
    /// Trust material as evidence (`cosign-public-key`, `sigstore-trusted-root`).
    ///
    /// # Errors
    /// A file cannot be read, or no signer is given.
    pub fn evidence(&self) -> anyhow::Result<Vec<Evidence>> {
        let keyless = self.keyless();
        if self.keys.is_empty() && keyless.is_none() {
            bail!(
                "no signer given: --key FILE, or --certificate-identity[-regexp] with --certificate-oidc-issuer[-regexp]"
            );
        }
        if keyless.is_some() && self.trusted_roots.is_empty() {
            bail!("keyless verification needs --trusted-root FILE");
        }
        let read =
            |p: &PathBuf, what: &str| std::fs::read(p).with_context(|| format!("reading {what} {}", p.display()));
        let mut out = Vec::new();
        for k in &self.keys {
            out.push(Evidence::new(k.display().to_string(), "cosign-public-key", read(k, "public key")?));
        }
        for r in &self.trusted_roots {
            out.push(Evidence::new(r.display().to_string(), "sigstore-trusted-root", read(r, "trusted root")?));
        }
        Ok(out)
    }

    /// The keyless identity, if one is given (subject and issuer, each exact or regexp).
    fn keyless(&self) -> Option<serde_json::Value> {
        let mut m = serde_json::Map::new();
        let mut put = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                m.insert(k.into(), v.clone().into());
            }
        };
        put("subject", &self.identity);
        put("subjectRegExp", &self.identity_regexp);
        put("issuer", &self.issuer);
        put("issuerRegExp", &self.issuer_regexp);
        (!m.is_empty()).then_some(serde_json::Value::Object(m))
    }

    /// `supply-chain` settings with one image rule for every image: any one signer suffices,
    /// digest pinning is not required (the reference is resolved here).
    #[must_use]
    pub fn settings(&self) -> serde_json::Value {
        let mut entries: Vec<serde_json::Value> =
            self.keys.iter().map(|k| serde_json::json!({"keys": {"name": k.display().to_string()}})).collect();
        if let Some(keyless) = self.keyless() {
            entries.push(serde_json::json!({ "keyless": keyless }));
        }
        serde_json::json!({"verifyImages": [{
            "imageReferences": ["*"],
            "attestors": [{"count": 1, "entries": entries}],
            "required": true,
            "verifyDigest": false,
            "mutateDigest": false,
        }]})
    }
}

/// The `supply-chain` rule denying an image whose signatures do not satisfy the attestors.
pub const IMAGE_SIGNATURE: &str = "image-signature";
/// The `supply-chain` rule reporting which signature verified and its signer (informational).
pub const IMAGE_SIGNER: &str = "image-signer";
/// The `supply-chain` rule reporting the digest a tag resolves to (informational).
pub const IMAGE_DIGEST: &str = "image-digest";

/// The config media type of a Helm chart stored in an OCI registry.
pub const HELM_CONFIG: &str = "application/vnd.cncf.helm.config.v1+json";

/// Outcome of `verify image`, and of the cosign half of `verify chart oci://…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageVerdict {
    /// Verified; what the policy reports about it (signer lines), possibly empty.
    Verified {
        /// `sha256:<hex>` of the manifest that was verified.
        digest: String,
        /// Informational messages of the policy.
        details: Vec<String>,
    },
    /// Not verified; the reasons, as the policy or the fetch states them.
    NotVerified(Vec<String>),
}

/// Fetch the evidence of one image: manifest, cosign signatures, Sigstore bundles.
///
/// # Errors
/// The fetch fails (see `palisade-evidence`).
pub fn fetch_image(fetch: &Remote, reference: &str) -> anyhow::Result<Vec<Evidence>> {
    let subject = oci_subject(reference);
    let evidence = fetch.fetch(&EvidenceRequest::new(subject, kinds::OCI_SIGNATURES)).map_err(anyhow::Error::msg)?;
    Ok(evidence.to_vec())
}

/// `oci://` + the reference, unless it has the scheme already.
#[must_use]
pub fn oci_subject(reference: &str) -> String {
    if reference.starts_with("oci://") { reference.to_string() } else { format!("oci://{reference}") }
}

/// What an OCI reference must name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Artifact {
    Image,
    Chart,
}

/// Verify an image's signatures with the `supply-chain` policy. The image is presented as a Pod
/// running it, with settings holding one `verifyImages` rule for the given signers, so the
/// verdict is exactly what `palisade check` with such settings reports. The evidence the policy
/// asks for is fetched; the reference must be asked for.
///
/// # Errors
/// Input and fetch errors, a policy that rejects the settings or does not ask for the image's
/// signatures (it cannot verify images), evaluation errors.
pub fn verify_image(
    policy: &Policy,
    fetch: &Remote,
    reference: &str,
    signers: &Signers,
    now_unix: i64,
) -> anyhow::Result<ImageVerdict> {
    verify_oci(policy, fetch, reference, signers, now_unix, Artifact::Image)
}

/// Verify the cosign signatures and Sigstore bundles attached to an OCI Helm chart's manifest,
/// as Sveltos does: the chart is signed exactly like an image (`cosign sign REG/REPO@sha256:…`),
/// so this is [`verify_image`] for a reference whose manifest must be a Helm chart.
///
/// # Errors
/// As [`verify_image`], and a reference whose manifest is not a Helm chart.
pub fn verify_chart_signatures(
    policy: &Policy,
    fetch: &Remote,
    subject: &str,
    signers: &Signers,
    now_unix: i64,
) -> anyhow::Result<ImageVerdict> {
    verify_oci(policy, fetch, subject, signers, now_unix, Artifact::Chart)
}

fn verify_oci(
    policy: &Policy,
    fetch: &Remote,
    reference: &str,
    signers: &Signers,
    now_unix: i64,
    artifact: Artifact,
) -> anyhow::Result<ImageVerdict> {
    let image = reference.strip_prefix("oci://").unwrap_or(reference);
    let noun = if artifact == Artifact::Chart { "chart" } else { "image" };
    palisade_evidence::parse_reference(image)
        .map_err(|reason| anyhow::anyhow!("invalid {noun} reference `{reference}`: {reason}"))?;
    let trust = signers.evidence()?;
    let subject = oci_subject(image);
    // The image's own evidence first: an image nothing is attached to cannot verify, whatever
    // the policy; the policy's request for it below is served from the same fetch.
    let own = fetch.fetch(&EvidenceRequest::new(&subject, kinds::OCI_SIGNATURES)).map_err(anyhow::Error::msg)?;
    let manifest = own.iter().find(|e| e.kind == kinds::OCI_MANIFEST);
    let digest = manifest.and_then(|e| e.annotation("digest")).unwrap_or_default().to_string();
    if artifact == Artifact::Chart {
        let config = manifest
            .and_then(|m| serde_json::from_slice::<serde_json::Value>(&m.data).ok())
            .and_then(|m| m.pointer("/config/mediaType").and_then(|t| t.as_str()).map(str::to_string));
        let config = config.as_deref().unwrap_or("none");
        if config != HELM_CONFIG {
            bail!("{reference} ({digest}) is not a Helm chart (config media type {config}, expected {HELM_CONFIG})");
        }
    }
    if !own.iter().any(|e| e.kind == kinds::COSIGN_SIGNATURE || e.kind == kinds::SIGSTORE_BUNDLE) {
        return Ok(ImageVerdict::NotVerified(vec![format!(
            "no cosign signature or Sigstore bundle is attached to {digest}"
        )]));
    }
    let settings = signers.settings();
    policy.check_settings(&settings).with_context(|| format!("the {} policy cannot verify images", verify::POLICY))?;
    let settings = settings.to_string();
    let pod = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "verify-image"},
        "spec": {"containers": [{"name": "image", "image": image}]},
    })
    .to_string();
    let resources = [pod];
    let now = u64::try_from(now_unix).context("--now must not be before 1970")?;
    let rules = [IMAGE_SIGNATURE.to_string(), IMAGE_SIGNER.to_string(), IMAGE_DIGEST.to_string()];
    let findings = policy.evaluate_fetching(&resources, &settings, now, &rules, |requests| {
        if !requests.iter().any(|r| r.kind == kinds::OCI_SIGNATURES && r.subject == subject) {
            return Err(format!(
                "it did not ask for the signatures of {subject} (asked for: {}), so it cannot verify images",
                describe(requests)
            ));
        }
        let mut evidence = Vec::new();
        for r in requests {
            evidence.extend(fetch.fetch(r)?.iter().cloned());
        }
        evidence.extend(trust);
        Ok(evidence)
    })?;
    let prefix = format!("container \"image\" image {image}: ");
    Ok(verdict(digest, &findings, &prefix))
}

fn describe(requests: &[EvidenceRequest]) -> String {
    if requests.is_empty() {
        return "nothing".into();
    }
    requests.iter().map(|r| format!("{} {}", r.kind, r.subject)).collect::<Vec<_>>().join(", ")
}

/// Any finding above `info` denies; `info` findings are details of a verified image. `prefix`
/// (the synthetic container naming the image) is dropped from messages: the output names the
/// reference already.
fn verdict(digest: String, findings: &[RawFinding], prefix: &str) -> ImageVerdict {
    let message = |f: &RawFinding| f.message.strip_prefix(prefix).unwrap_or(&f.message).to_string();
    let denied: Vec<String> =
        findings.iter().filter(|f| f.severity > palisade_core::Severity::Info).map(message).collect();
    if denied.is_empty() {
        let details = findings.iter().map(message).collect();
        ImageVerdict::Verified { digest, details }
    } else {
        ImageVerdict::NotVerified(denied)
    }
}
